//! Builds the Northwind ecosystem in Rust, validates it, and prints it as a
//! YAML model document (or, if it is not valid, every finding).
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
    let valid = match datasurface_model::validate::validate(model) {
        Ok(valid) => valid,
        Err(report) => {
            eprintln!("the model built in code is not valid:\n{report}");
            return ExitCode::FAILURE;
        }
    };
    for warning in valid.warnings().diagnostics() {
        eprintln!("{warning}");
    }
    match datasurface_model::files::to_yaml_string(valid.ecosystem()) {
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
