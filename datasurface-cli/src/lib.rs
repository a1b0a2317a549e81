//! The `datasurface` command line, as a library.
//!
//! The `datasurface` binary is this crate's [`Datasurface`] with the built-in
//! platforms (`airflow` and `sqlite`). A platform author gets the whole
//! command line for their own platform (`check`, `verify`, `graph`, `render`,
//! `plan`, `explain` …) by registering it in a `main` of their own:
//!
//! ```no_run
//! # use datasurface_platform::{Capabilities, DataPlatform, PlatformError, RenderContext, Rendering};
//! # use datasurface_platform::graph::PlatformGraph;
//! # use datasurface_rules::validate::Diagnostic;
//! # #[derive(Debug)]
//! # struct Dbt;
//! # impl DataPlatform for Dbt {
//! #     fn kind(&self) -> &str { "dbt" }
//! #     fn version(&self) -> datasurface_platform::semver::Version {
//! #         datasurface_platform::semver::Version::new(1, 0, 0)
//! #     }
//! #     fn capabilities(&self) -> Capabilities { Capabilities::default() }
//! #     fn lint(&self, _: &PlatformGraph, _: &RenderContext<'_>) -> Vec<Diagnostic> { Vec::new() }
//! #     fn render(&self, _: &PlatformGraph, _: &RenderContext<'_>) -> Result<Rendering, PlatformError> {
//! #         Ok(Rendering::default())
//! #     }
//! # }
//! fn main() -> std::process::ExitCode {
//!     datasurface_cli::Datasurface::new().with_platform(Dbt).main()
//! }
//! ```
//!
//! Every command ends with an [`Outcome`], its exit code.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use datasurface_platform::{DataPlatform, PlatformRegistry};

mod app;
mod args;
#[cfg(all(feature = "airflow", feature = "sqlite"))]
mod capture;
mod check;
mod choice;
mod codes;
mod contract;
#[cfg(feature = "sqlite")]
mod engine;
mod findings;
mod gate;
#[cfg(feature = "generate")]
mod generate;
mod gitops;
mod graph;
#[cfg(feature = "serve")]
mod history;
#[cfg(feature = "hooks")]
mod hook;
#[cfg(any(feature = "sqlite", feature = "airflow"))]
mod hook_load;
#[cfg(feature = "sqlite")]
mod init;
#[cfg(feature = "airflow")]
mod job;
// Its senders serve the runners: with neither, nothing sends events.
#[cfg(all(feature = "lineage", any(feature = "sqlite", feature = "airflow")))]
mod lineage;
#[cfg(feature = "mcp")]
mod mcp;
#[cfg(all(feature = "airflow", feature = "sqlite"))]
mod mirror;
mod model;
mod platforms;
mod problem;
mod redacting;
mod release;
mod render_record;
#[cfg(any(feature = "sqlite", feature = "airflow"))]
mod run_metrics;
#[cfg(feature = "serve")]
mod serve;
#[cfg(all(feature = "serve", any(feature = "sqlite", feature = "airflow")))]
mod serve_state;
mod sources;
#[cfg(all(feature = "spark", feature = "airflow"))]
mod spark;
#[cfg(feature = "sqlite")]
mod status;
mod verify;

use app::{App, ColorWhen, Verbosity};
use args::{Args, Command};

/// How a command ended: its exit code.
///
/// Every command uses these codes; each command's `--help` says which it can
/// end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// 0: the command did what was asked and found nothing wrong (warnings
    /// are allowed unless `--deny-warnings`).
    Success = 0,
    /// 1: the model has errors, the change may not merge, or the check failed.
    ModelErrors = 1,
    /// 2: the command could not run: usage, IO, a file that does not parse,
    /// a state directory it cannot use.
    CouldNotRun = 2,
    /// 3: `run` or `up` ran, and at least one batch failed; the last
    /// committed data of each failed stream stands, and the next run retries it.
    BatchesFailed = 3,
    /// 99: `job decide`: the workspace's hook decided that its transformer
    /// does not run now. Airflow leaves a task that exits so skipped, and
    /// skips the transformer's task after it.
    NotNow = 99,
}

/// The gate's verdict as the command's outcome: the same 0, 1 or 2.
impl From<datasurface_gate::Verdict> for Outcome {
    fn from(verdict: datasurface_gate::Verdict) -> Self {
        match verdict {
            datasurface_gate::Verdict::Passed => Outcome::Success,
            datasurface_gate::Verdict::Refused => Outcome::ModelErrors,
            _ => Outcome::CouldNotRun,
        }
    }
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        ExitCode::from(outcome as u8)
    }
}

/// The `datasurface` command line, with the platforms it knows.
#[derive(Debug, Clone)]
pub struct Datasurface {
    registry: PlatformRegistry,
    identity: Identity,
}

/// What a binary calls itself in `--help` and `--version`.
#[derive(Debug, Clone)]
struct Identity {
    name: String,
    version: String,
    about: Option<String>,
}

impl Default for Identity {
    fn default() -> Self {
        Identity {
            name: "datasurface".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            about: None,
        }
    }
}

impl Default for Datasurface {
    fn default() -> Self {
        Self::new()
    }
}

impl Datasurface {
    /// The command line with the built-in platforms this build has:
    /// `external` (governance only, always), `airflow` and `sqlite` (their
    /// cargo features `airflow-lint` and `sqlite-lint`, which render and
    /// lint with no runtime; `airflow` and `sqlite` add the runtimes), and
    /// `spark` (`spark-lint`: its job specs, views and driver program).
    pub fn new() -> Self {
        let mut registry = PlatformRegistry::new();
        registry.register(Arc::new(datasurface_gate::External));
        #[cfg(feature = "airflow-lint")]
        registry.register(Arc::new(datasurface_airflow::Airflow::new()));
        #[cfg(feature = "sqlite-lint")]
        registry.register(Arc::new(datasurface_sqlite::SqlitePlatform));
        #[cfg(feature = "spark-lint")]
        registry.register(Arc::new(datasurface_spark::Spark::new()));
        Datasurface {
            registry,
            identity: Identity::default(),
        }
    }

    /// The command line with no platform at all; add them with [`with_platform`](Self::with_platform).
    pub fn without_platforms() -> Self {
        Datasurface {
            registry: PlatformRegistry::new(),
            identity: Identity::default(),
        }
    }

    /// Names the binary: what `--help`, `--version`, usage lines and shell
    /// completions call it, its version and the line `--help` opens with. A
    /// platform author's binary is its own program, not `datasurface`.
    #[must_use]
    pub fn named(
        mut self,
        name: impl Into<String>,
        version: impl Into<String>,
        about: impl Into<String>,
    ) -> Self {
        self.identity = Identity {
            name: name.into(),
            version: version.into(),
            about: Some(about.into()),
        };
        self
    }

    /// The clap command, named as this binary is.
    fn command(&self) -> clap::Command {
        let identity = &self.identity;
        let command = <Args as clap::CommandFactory>::command()
            .name(identity.name.clone())
            .bin_name(identity.name.clone())
            .version(identity.version.clone());
        match &identity.about {
            Some(about) => command.about(about.clone()),
            None => command,
        }
    }

    /// Parses arguments as this binary names itself.
    fn parse<I, T>(&self, args: I) -> Result<Args, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let mut command = self.command();
        let matches = command.try_get_matches_from_mut(args)?;
        <Args as clap::FromArgMatches>::from_arg_matches(&matches)
            .map_err(|e| e.format(&mut command))
    }

    /// Adds a platform; it replaces a platform of the same kind.
    #[must_use]
    pub fn with_platform(mut self, platform: impl DataPlatform + 'static) -> Self {
        self.registry.register(Arc::new(platform));
        self
    }

    /// The platforms this command line knows, by kind.
    pub fn registry(&self) -> &PlatformRegistry {
        &self.registry
    }

    /// Runs the command line on the process's arguments, standard output and
    /// standard error, with a progress bar and colours where standard error
    /// is a terminal. For `fn main`.
    pub fn main(&self) -> ExitCode {
        let args = match self.parse(std::env::args_os()) {
            Ok(args) => args,
            Err(error) => {
                let _ = error.print();
                return usage_outcome(&error).into();
            }
        };
        let terminal = std::io::stderr().is_terminal();
        let app = App {
            registry: &self.registry,
            name: &self.identity.name,
            verbosity: args.verbosity(),
            color: args.color.enabled(terminal),
            progress: terminal && args.verbosity() != Verbosity::Quiet,
            environment: args.environment.as_deref(),
        };
        // Standard error stays unlocked: a progress bar's drawing thread
        // writes to it while a command runs.
        #[cfg(feature = "sqlite")]
        engine::say_what_an_interrupt_leaves(&args.command);
        let mut stdout = std::io::stdout().lock();
        let mut stderr = std::io::stderr();
        app.dispatch(args.command, &mut stdout, &mut stderr).into()
    }

    /// Runs the command line on these arguments (the first is the program's
    /// name), writing to `out` and `err`, with no progress bar and no colours
    /// unless `--color always`. For tests and embedding programs.
    pub fn run<I, T>(&self, args: I, out: &mut dyn Write, err: &mut dyn Write) -> Outcome
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let args = match self.parse(args) {
            Ok(args) => args,
            Err(error) => {
                let text = error.render().to_string();
                let _ = if error.use_stderr() {
                    err.write_all(text.as_bytes())
                } else {
                    out.write_all(text.as_bytes())
                };
                return usage_outcome(&error);
            }
        };
        let app = App {
            registry: &self.registry,
            name: &self.identity.name,
            verbosity: args.verbosity(),
            color: args.color == ColorWhen::Always,
            progress: false,
            environment: args.environment.as_deref(),
        };
        app.dispatch(args.command, out, err)
    }
}

/// `--help` and `--version` succeed; every other usage error could not run.
fn usage_outcome(error: &clap::Error) -> Outcome {
    if error.use_stderr() {
        Outcome::CouldNotRun
    } else {
        Outcome::Success
    }
}

impl App<'_> {
    /// Whether `--env` means something to an engine or runner command.
    #[allow(clippy::unused_self, reason = "beside dispatch, which uses it")]
    fn environment_applies(&self, command: &Command) -> bool {
        match command {
            #[cfg(feature = "sqlite")]
            Command::Apply(_) | Command::Run(_) | Command::Up(_) => true,
            #[cfg(feature = "airflow")]
            Command::Job(args::JobArgs {
                command: args::JobCommand::Apply(_),
            }) => true,
            _ => false,
        }
    }

    /// Runs one command, its standard error redacted (`redacting.rs`).
    fn dispatch(&self, command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
        let mut err = redacting::Redacting::new(err);
        self.dispatch_redacted(command, out, &mut err)
    }

    fn dispatch_redacted(
        &self,
        command: Command,
        out: &mut dyn Write,
        err: &mut dyn Write,
    ) -> Outcome {
        if let Some(env) = self.environment
            && !matches!(
                command,
                Command::Graph(_)
                    | Command::Render(_)
                    | Command::Plan(_)
                    | Command::Advance(_)
                    | Command::Release(_)
            )
            && !self.environment_applies(&command)
        {
            let _ = writeln!(
                err,
                "{}: `--env {env}` applies to graph, render, plan, advance, release, apply, run, up and job apply; `check` and `verify` check every environment",
                self.paint(app::Paint::Error, "error")
            );
            return Outcome::CouldNotRun;
        }
        match command {
            Command::Check(a) => check::run(self, &a, out, err),
            Command::Verify(a) => verify::run(self, &a, out, err),
            Command::Graph(a) => graph::run(self, &a, out, err),
            Command::Render(a) => platforms::render(self, &a, out, err),
            Command::Plan(a) => platforms::plan(self, &a, out, err),
            Command::Advance(a) => gitops::advance(self, &a, out, err),
            #[cfg(feature = "sqlite")]
            Command::Apply(a) => engine::apply(self, &a, out, err),
            #[cfg(feature = "sqlite")]
            Command::Run(a) => engine::run(self, &a, out, err),
            #[cfg(feature = "sqlite")]
            Command::Up(a) => engine::up(self, &a, out, err),
            #[cfg(feature = "sqlite")]
            Command::Status(a) => status::run(self, &a, out, err),
            #[cfg(feature = "sqlite")]
            Command::Init(a) => init::run(self, &a, out, err),
            #[cfg(feature = "generate")]
            Command::Generate(a) => generate::generate(&a, out, err),
            #[cfg(feature = "airflow")]
            Command::Job(a) => job::run(self, &a, out, err),
            #[cfg(feature = "hooks")]
            Command::Hook(args::HookCommand::Test(a)) => hook::test(&a, out, err),
            #[cfg(feature = "serve")]
            Command::Serve(a) => serve::run(self, &a, out, err),
            #[cfg(feature = "mcp")]
            Command::Mcp(a) => mcp::run(self, &a, out, err),
            Command::Explain(a) => codes::explain(self, &a, out, err),
            Command::ExplainChoice(a) => choice::run(self, &a, out, err),
            Command::Release(a) => release::run(self, &a, out, err),
            Command::Choose(a) => choice::choose(self, &a, out, err),
            Command::Contract(args::ContractCommand::Export(a)) => {
                contract::export(self, &a, out, err)
            }
            Command::Contract(args::ContractCommand::Import(a)) => {
                contract::import(self, &a, out, err)
            }
            Command::Completions(a) => {
                let mut command = <Args as clap::CommandFactory>::command()
                    .name(self.name.to_owned())
                    .bin_name(self.name.to_owned());
                clap_complete::generate(a.shell, &mut command, self.name, out);
                Outcome::Success
            }
            Command::Schema(a) => {
                #[cfg(feature = "serve")]
                let text = if a.openapi {
                    serde_json::to_string_pretty(&datasurface_server::openapi()).unwrap_or_default()
                        + "\n"
                } else {
                    datasurface_files::json_schema_string()
                };
                #[cfg(not(feature = "serve"))]
                let text = {
                    let args::SchemaArgs {} = a;
                    datasurface_files::json_schema_string()
                };
                match out.write_all(text.as_bytes()) {
                    Ok(()) => Outcome::Success,
                    Err(_) => Outcome::CouldNotRun,
                }
            }
        }
    }
}
