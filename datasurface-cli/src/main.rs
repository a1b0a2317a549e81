//! The `datasurface` command line.
//!
//! Exit codes, for every command: 0 = success; 1 = the model has errors or
//! the check failed; 2 = could not run (usage, IO, parse).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use datasurface_sqlite::engine::Schedules;

mod check;
mod engine;
mod generate;
mod graph;
mod model;
mod platforms;
mod render;
mod sources;
mod verify;

/// Turns the intentions of a data ecosystem into data pipelines.
#[derive(Debug, Parser)]
#[command(name = "datasurface", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load and validate a model (a file, or a directory with ecosystem.yaml); report every finding.
    Check {
        /// The model file or directory.
        model: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
        /// Fail (exit 1) on warnings as well as errors.
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Verify a proposed change: it validates, comes from a known repository, changes only
    /// what that repository owns, and breaks no consumer. Exit 0: may merge; 1: may not.
    Verify {
        /// The model as it is (the base branch); leave out for the initial check-in.
        #[arg(long)]
        base: Option<PathBuf>,
        /// The model as proposed (the pull request's branch).
        #[arg(long)]
        proposed: PathBuf,
        /// The repository and branch the change comes from: `owner/name@branch`.
        #[arg(long)]
        source: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// Print each platform's intention graph: what it must ingest, export, trigger and run.
    Graph {
        /// The model file or directory.
        model: PathBuf,
        /// Only this platform's graph.
        #[arg(long)]
        platform: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = graph::GraphFormat::Json)]
        format: graph::GraphFormat,
        /// Split each graph into chunks of at most this many nodes.
        #[arg(long)]
        chunk_size: Option<usize>,
    },
    /// Render a platform's artifacts for the model and save them in a directory.
    Render {
        /// The model file or directory.
        model: PathBuf,
        /// The platform, by its name in the model.
        #[arg(long)]
        platform: String,
        /// The directory to save the rendering in; a rendering saved there before is replaced.
        #[arg(long)]
        out: PathBuf,
    },
    /// Show what would change, artifact by artifact, from a saved rendering to the model's.
    Plan {
        /// The model file or directory.
        model: PathBuf,
        /// The platform, by its name in the model.
        #[arg(long)]
        platform: String,
        /// The saved rendering last applied (an empty directory plans from nothing).
        #[arg(long)]
        from: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = platforms::PlanFormat::Human)]
        format: platforms::PlanFormat,
    },
    /// Render a `sqlite` platform, plan from what its state directory last applied, and apply the plan.
    Apply {
        /// The model file or directory.
        model: PathBuf,
        /// The platform; by default the model's only platform of kind `sqlite`.
        #[arg(long)]
        platform: Option<String>,
        /// The platform's state directory: its databases and what it applied.
        #[arg(long)]
        state: PathBuf,
        /// How to print the plan.
        #[arg(long, value_enum, default_value_t = platforms::PlanFormat::Human)]
        format: platforms::PlanFormat,
    },
    /// Run a `sqlite` platform's due jobs: source streams, then the transformers they trigger.
    Run {
        /// The model file or directory.
        model: PathBuf,
        /// The platform; by default the model's only platform of kind `sqlite`.
        #[arg(long)]
        platform: Option<String>,
        /// The platform's state directory.
        #[arg(long)]
        state: PathBuf,
        /// Run once and stop (the default).
        #[arg(long, conflicts_with = "every")]
        once: bool,
        /// Run again and again, this long apart: `30s`, `5m`, `2h`. Streams and transformers
        /// with a cron trigger run when their schedule has fired since their last batch.
        #[arg(long, value_parser = engine::parse_duration)]
        every: Option<std::time::Duration>,
        /// Run every source stream and scheduled transformer now, whatever its cron schedule.
        #[arg(long)]
        all: bool,
        /// Print a JSON summary instead of a line per batch.
        #[arg(long, value_enum, default_value_t = platforms::PlanFormat::Human)]
        format: platforms::PlanFormat,
    },
    /// The whole job on one machine: apply the model to its `sqlite` platform, run every job once,
    /// and print where the consumers' views are.
    Up {
        /// The model file or directory.
        model: PathBuf,
        /// The platform; by default the model's only platform of kind `sqlite`.
        #[arg(long)]
        platform: Option<String>,
        /// The platform's state directory.
        #[arg(long, default_value = "datasurface-state")]
        state: PathBuf,
    },
    /// Explain a diagnostic code, or print the catalogue of every code.
    Explain {
        /// The code, such as `missing-primary-key`.
        #[arg(required_unless_present = "all")]
        code: Option<String>,
        /// Print the whole catalogue, in Markdown (the text of docs/diagnostics.md).
        #[arg(long, conflicts_with = "code")]
        all: bool,
    },
    /// Print the JSON Schema of model documents.
    Schema,
    /// Write a large, valid, realistic model for load tests, deterministic from a seed: stores ×
    /// datasets × columns, consumer workspaces, transformer chains, zones with policies, and two
    /// platforms (`Central` of kind airflow, the primary ingestion platform, and `Local` of kind
    /// sqlite).
    Generate(generate::GenerateArgs),
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum OutputFormat {
    /// For people: each finding with its source line, on standard error.
    #[value(alias = "text")]
    Human,
    /// A JSON array of findings.
    Json,
    /// A SARIF 2.1.0 log, for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
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
    let outcome = dispatch(cli.command, &mut stdout, &mut stderr);
    ExitCode::from(outcome as u8)
}

/// Runs one command.
fn dispatch(command: Command, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Outcome {
    match command {
        Command::Check {
            model,
            format,
            deny_warnings,
        } => check::run(
            &model,
            &check::CheckOptions {
                format,
                deny_warnings,
            },
            stdout,
            stderr,
        ),
        Command::Verify {
            base,
            proposed,
            source,
            format,
        } => verify::run(
            &verify::VerifyOptions {
                base: base.as_deref(),
                proposed: &proposed,
                source: &source,
                format,
            },
            stdout,
            stderr,
        ),
        Command::Graph {
            model,
            platform,
            format,
            chunk_size,
        } => graph::run(
            &graph::GraphOptions {
                model: &model,
                platform: platform.as_deref(),
                format,
                chunk_size,
            },
            stdout,
            stderr,
        ),
        Command::Render {
            model,
            platform,
            out,
        } => platforms::render(&model, &platform, &out, stdout, stderr),
        Command::Plan {
            model,
            platform,
            from,
            format,
        } => platforms::plan(&model, &platform, &from, format, stdout, stderr),
        Command::Apply {
            model,
            platform,
            state,
            format,
        } => engine::apply(&model, platform.as_deref(), &state, format, stdout, stderr),
        Command::Run {
            model,
            platform,
            state,
            once: _,
            every,
            all,
            format,
        } => engine::run(
            &model,
            platform.as_deref(),
            &state,
            engine::How {
                every: every.map_or(engine::Every::Once, engine::Every::Every),
                schedules: if all {
                    Schedules::Ignore
                } else {
                    Schedules::Keep
                },
                json: format == platforms::PlanFormat::Json,
            },
            stdout,
            stderr,
        ),
        Command::Up {
            model,
            platform,
            state,
        } => engine::up(&model, platform.as_deref(), &state, stdout, stderr),
        Command::Generate(args) => generate::generate(&args, stdout, stderr),
        Command::Explain { code, all } => explain(code.as_deref(), all, stdout, stderr),
        Command::Schema => {
            let text = datasurface_model::files::json_schema_string();
            match stdout.write_all(text.as_bytes()) {
                Ok(()) => Outcome::Success,
                Err(_) => Outcome::CouldNotRun,
            }
        }
    }
}

/// The catalogue of every code: the model's, then the graph builder's.
fn catalogue() -> String {
    let mut out = datasurface_model::validate::catalogue();
    out.push_str(&datasurface_model::validate::code_section(
        "Intention graphs",
        "`datasurface graph` reports these:",
        datasurface_graph::GRAPH_CODES,
    ));
    out.push_str(&datasurface_model::validate::code_section(
        "Data platforms",
        "`datasurface render` and `datasurface plan` report these before rendering:",
        datasurface_platform::PLATFORM_CODES,
    ));
    out.push_str(&datasurface_model::validate::code_section(
        "The `airflow` platform",
        "Platforms of kind `airflow` report these about their own parameters and needs:",
        datasurface_airflow::LINT_CODES,
    ));
    out.push_str(&datasurface_model::validate::code_section(
        "The `sqlite` platform",
        "Platforms of kind `sqlite` report these about their sources:",
        datasurface_sqlite::LINT_CODES,
    ));
    out
}

fn explain_listed_code(code: &str) -> Option<String> {
    use datasurface_model::validate::explain_listed;
    explain_listed(code, "intention graphs", datasurface_graph::GRAPH_CODES)
        .or_else(|| explain_listed(code, "data platforms", datasurface_platform::PLATFORM_CODES))
        .or_else(|| {
            explain_listed(
                code,
                "the `airflow` platform",
                datasurface_airflow::LINT_CODES,
            )
        })
}

fn explain(code: Option<&str>, all: bool, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    use datasurface_model::validate;
    let text = if all {
        Some(catalogue())
    } else {
        code.and_then(|code| validate::explain(code).or_else(|| explain_listed_code(code)))
    };
    let Some(text) = text else {
        let codes: Vec<&str> = validate::rules::RULES
            .iter()
            .map(|r| r.code)
            .chain(datasurface_model::verify::VERIFY_CODES.iter().map(|c| c.0))
            .chain(datasurface_graph::GRAPH_CODES.iter().map(|c| c.0))
            .chain(datasurface_platform::PLATFORM_CODES.iter().map(|c| c.0))
            .chain(datasurface_airflow::LINT_CODES.iter().map(|c| c.0))
            .chain(datasurface_sqlite::LINT_CODES.iter().map(|c| c.0))
            .collect();
        let _ = writeln!(
            err,
            "error: unknown diagnostic code `{}`\n  help: known codes are {}",
            code.unwrap_or_default(),
            codes.join(", ")
        );
        return Outcome::CouldNotRun;
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => Outcome::Success,
        Err(_) => Outcome::CouldNotRun,
    }
}
