//! Builds the Northwind ecosystem in Rust and prints it as a YAML model document.
//!
//! ```text
//! cargo run -p datasurface-examples --example build_in_code
//! ```

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints its result"
)]

use std::process::ExitCode;

fn main() -> ExitCode {
    let model = match datasurface_examples::northwind() {
        Ok(model) => model,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    match datasurface_model::files::to_yaml_string(&model) {
        Ok(yaml) => {
            print!("{yaml}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
