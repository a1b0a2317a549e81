//! `datasurface-streaming`: the datasurface command line with the streaming platform.

fn main() -> std::process::ExitCode {
    let about = "Check, graph, render and plan data ecosystems on Kafka Connect and Flink SQL";
    datasurface_cli::Datasurface::without_platforms()
        .named("datasurface-streaming", env!("CARGO_PKG_VERSION"), about)
        .with_platform(datasurface_streaming::Streaming)
        .main()
}
