//! The `datasurface` command line, with the built-in platforms. A platform
//! author's own binary is the same three lines with `.with_platform(…)`.

fn main() -> std::process::ExitCode {
    datasurface_cli::Datasurface::new().main()
}
