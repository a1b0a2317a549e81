//! The `datasurface` command line.
//!
//! Exit codes, for every command: 0 = success; 1 = the model has errors or
//! the check failed; 2 = could not run (usage, IO, parse).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod check;
mod sources;

/// Turns the intentions of a data ecosystem into data pipelines.
#[derive(Debug, Parser)]
#[command(name = "datasurface", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load a model (a file, or a directory with ecosystem.yaml) and report every problem.
    Check {
        /// The model file or directory.
        model: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Print the JSON Schema of model documents.
    Schema,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// For people.
    Text,
    /// For programs.
    Json,
}

/// The exit codes every command uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The command did what was asked and found nothing wrong.
    Success = 0,
    /// The model has errors, or the check failed.
    ModelErrors = 1,
    /// The command could not run: usage, IO or parse errors.
    CouldNotRun = 2,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            let code = if error.use_stderr() {
                Outcome::CouldNotRun as u8
            } else {
                0
            };
            return ExitCode::from(code);
        }
    };
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    let outcome = match cli.command {
        Command::Check { model, format } => check::run(&model, format, &mut stdout, &mut stderr),
        Command::Schema => {
            let text = datasurface_model::files::json_schema_string();
            match stdout.write_all(text.as_bytes()) {
                Ok(()) => Outcome::Success,
                Err(_) => Outcome::CouldNotRun,
            }
        }
    };
    ExitCode::from(outcome as u8)
}
