//! A platform author's own `datasurface`: the whole command line (`check`,
//! `verify`, `graph`, `render`, `plan`, `explain` …) with the dbt platform of
//! `examples/src/dbt.rs` registered beside the built-in ones. Try
//! `cargo run -p datasurface-examples --example dbt_cli -- render MODEL --out DIR`.

fn main() -> std::process::ExitCode {
    datasurface_cli::Datasurface::new()
        .with_platform(datasurface_examples::dbt::Dbt)
        .main()
}
