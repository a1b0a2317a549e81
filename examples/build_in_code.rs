//! Builds the Northwind ecosystem in Rust, passes it through the whole gate
//! (validation, intention graphs, and the checks of the `sqlite` and
//! `airflow` platforms that deliver it), and prints it as a YAML model
//! document (or, if it does not pass, every finding).
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

use datasurface_cli::Datasurface;
use datasurface_platform::gate;

fn main() -> ExitCode {
    // Names are checked once, here: every bad one at once, with where it is.
    let model = match datasurface_examples::northwind().build() {
        Ok(model) => model,
        Err(problems) => {
            eprintln!("{problems}");
            return ExitCode::FAILURE;
        }
    };
    // The gate `datasurface check` runs, with the platforms the CLI knows.
    let gated = match gate(model, Datasurface::new().registry(), &[]) {
        Ok(gated) => gated,
        Err(report) => {
            eprintln!("the model built in code does not pass the gate:\n{report}");
            return ExitCode::FAILURE;
        }
    };
    for warning in gated.warnings.diagnostics() {
        eprintln!("{warning}");
    }
    match datasurface_files::to_yaml_string(gated.valid.ecosystem()) {
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
