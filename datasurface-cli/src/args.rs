//! The command line's arguments: every command, its options and its help.
#![cfg_attr(
    not(all(
        feature = "airflow",
        feature = "sqlite",
        feature = "serve",
        feature = "hooks",
        feature = "generate"
    )),
    allow(dead_code, reason = "the arguments of commands this build leaves out")
)]

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::app::{ColorWhen, Verbosity};

const ABOUT: &str = "Turns the intentions of a data ecosystem into data pipelines: check and verify \
models, build each platform's intention graph, render and plan platforms, and run the embedded \
`sqlite` platform on one machine";

const EXIT_MODEL: &str = "Exit codes: 0 success (warnings allowed unless --deny-warnings); 1 the model has errors; 2 could not run (usage, IO, parse).";
const EXIT_VERIFY: &str = "Exit codes: 0 may merge; 1 may not merge (every reason is printed); 2 could not run (usage, IO, parse).";
const EXIT_RUN: &str = "Exit codes: 0 every batch committed; 1 the model has errors; 2 could not run (usage, IO, a state directory it cannot use); 3 a batch failed (its stream keeps its last committed data, and the next run retries it).";
const EXIT_ADVANCE: &str = "Exit codes: 0 every platform advanced, was current or waits for its cadence; 1 the model has errors or a platform cannot render it (nothing was written); 2 could not run (usage, IO, a folder that is not a rendering).";
const EXIT_PLAIN: &str = "Exit codes: 0 success; 1 the model has errors; 2 could not run.";

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "datasurface", version, about = ABOUT, long_about = None)]
pub(crate) struct Args {
    /// Print only errors, failures and each command's last line; no progress bar.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Print more: every platform the gate checks, each batch's duration, every step's reason.
    #[arg(long, short, global = true)]
    pub(crate) verbose: bool,
    /// When to colour the output.
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto)]
    pub(crate) color: ColorWhen,
    /// Work on the model as this runtime environment runs it (its platforms,
    /// their parameters there, its containers): `graph`, `render`, `plan`,
    /// `advance`, `apply`, `run`, `up`, `job apply`. `check` and `verify`
    /// always check every environment.
    #[arg(long = "env", global = true, value_name = "ENVIRONMENT")]
    pub(crate) environment: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

impl Args {
    pub(crate) fn verbosity(&self) -> Verbosity {
        if self.quiet {
            Verbosity::Quiet
        } else if self.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

/// Every command.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check a model as the pull-request gate does: load it, validate it, build
    /// its intention graphs and lint every platform it declares; report every finding.
    #[command(after_help = EXIT_MODEL)]
    Check(CheckArgs),
    /// Verify a proposed change: it passes `check`, comes from a known repository, changes only
    /// what that repository owns, and breaks no consumer.
    #[command(after_help = EXIT_VERIFY)]
    Verify(VerifyArgs),
    /// Print each platform's intention graph: what it must ingest, export, trigger and run.
    #[command(after_help = EXIT_PLAIN)]
    Graph(GraphArgs),
    /// Render a platform's artifacts for the model and save them in a directory (or, with
    /// --all, every platform into a folder of its own, for GitOps).
    #[command(after_help = EXIT_PLAIN)]
    Render(RenderArgs),
    /// Move each platform's saved rendering to the model when its cadence allows: at once
    /// (`immediate`), inside its window, or when forced; for a scheduled GitOps job.
    #[command(after_help = EXIT_ADVANCE)]
    Advance(AdvanceArgs),
    /// Show what would change, artifact by artifact, from a saved rendering to the model's.
    #[command(after_help = EXIT_PLAIN)]
    Plan(PlanArgs),
    #[cfg(feature = "sqlite")]
    /// Render a `sqlite` platform, plan from what its state directory last applied, and apply the plan.
    #[command(after_help = EXIT_PLAIN)]
    Apply(ApplyArgs),
    #[cfg(feature = "sqlite")]
    /// Run a `sqlite` platform's due jobs: source streams, then the transformers they trigger.
    #[command(after_help = EXIT_RUN)]
    Run(RunArgs),
    #[cfg(feature = "sqlite")]
    /// The whole job on one machine: apply the model to its `sqlite` platform, run every job
    /// that is due (every job, with --all), and print where the consumers' views are.
    #[command(
        after_help = EXIT_RUN,
        override_usage = "datasurface up <MODEL> [--state <DIR>] [--platform <NAME>] [--all]"
    )]
    Up(UpArgs),
    #[cfg(feature = "sqlite")]
    /// Show a `sqlite` platform's state: each stream's last batches, failures, and what waits.
    #[command(after_help = EXIT_PLAIN)]
    Status(StatusArgs),
    #[cfg(feature = "sqlite")]
    /// Write a small valid model to start from: a CSV source, a consumer and a SQL
    /// transformer on the embedded `sqlite` platform.
    #[command(after_help = EXIT_PLAIN)]
    Init(InitArgs),
    #[cfg(feature = "airflow")]
    /// The `airflow` platform's job runner, which its rendered DAGs call: apply a rendering
    /// to the PostgreSQL merge database, ingest one batch of a stream, run a transformer.
    #[command(after_help = EXIT_JOB)]
    Job(JobArgs),
    #[cfg(feature = "hooks")]
    /// Work with workspaces' code hooks: try a hook module on an event.
    #[command(subcommand)]
    Hook(HookCommand),
    #[cfg(feature = "serve")]
    /// Serve the model read-only over HTTP: a REST API under `/api/v1/` with its OpenAPI
    /// document at `/openapi.json`, reloaded when the files change or on SIGHUP (only a model
    /// that validates is swapped in; the last good one keeps being served).
    #[command(after_help = EXIT_PLAIN)]
    Serve(ServeArgs),
    #[cfg(feature = "mcp")]
    /// Answer assistants over the Model Context Protocol on standard input and output:
    /// every question the model service answers, and checking a change as `verify` does,
    /// as read-only tools; the model's documents as resources (docs/mcp.md).
    #[command(after_help = EXIT_PLAIN)]
    Mcp(McpArgs),
    /// Explain a diagnostic code; without one, list every code with its summary
    /// (`--all`: the whole catalogue, in Markdown; `--platform KIND`: a platform's parameters).
    Explain(ExplainArgs),
    /// Print the revision of the model an environment runs (`--env NAME`): the head of its
    /// release branch, or the newest tag its release pattern matches.
    #[command(after_help = EXIT_MODEL)]
    Release(ReleaseArgs),
    /// Say which platform serves a dataset group no assignment names, and why: each
    /// candidate in the ecosystem's `platformPreference` order and what refused it.
    #[command(after_help = EXIT_MODEL)]
    ExplainChoice(ExplainChoiceArgs),
    /// List the platform chosen for each dataset group no assignment names, and with
    /// --write record the choices in `platform-choices.yaml` beside `ecosystem.yaml`, so
    /// each holds until its platform can no longer serve the group.
    #[command(after_help = EXIT_MODEL)]
    Choose(ChooseArgs),
    /// Data contracts in the Open Data Contract Standard (ODCS v3): write the model's
    /// datastores as contracts, or turn contracts a team has into its datastores.
    #[command(subcommand)]
    Contract(ContractCommand),
    /// Print the JSON Schema of model documents (or, with --openapi, the OpenAPI 3.1 document
    /// of `serve`'s API).
    Schema(SchemaArgs),
    /// Print a shell completion script: `datasurface completions bash > /etc/bash_completion.d/datasurface`.
    Completions(CompletionsArgs),
    #[cfg(feature = "generate")]
    /// Write a large, valid, realistic model for load tests, deterministic from a seed: stores ×
    /// datasets × columns, consumer workspaces, transformer chains, zones with policies, and two
    /// platforms (`Central` of kind airflow, the primary ingestion platform, and `Local` of kind
    /// sqlite).
    Generate(crate::generate::GenerateArgs),
}

/// `datasurface contract …`.
#[derive(Debug, Subcommand)]
pub(crate) enum ContractCommand {
    /// Write each datastore (or, with --per-dataset, each dataset) as an ODCS v3.1.0
    /// contract: tables, columns with logical and physical types, keys, nullability,
    /// classifications, documentation, the owning team and repository, and the consumers.
    #[command(after_help = EXIT_MODEL)]
    Export(ContractExportArgs),
    /// Turn ODCS v3 contracts into a team's datastores, printed as a `Team` document to
    /// move into the team's file; says what the contracts hold that a model cannot, and
    /// refuses (naming each field) what it cannot express faithfully.
    #[command(
        after_help = "Exit codes: 0 imported (notes say what was left out); 1 a contract holds something a model cannot express (each named, nothing written); 2 could not run (usage, IO)."
    )]
    Import(ContractImportArgs),
}

/// `datasurface contract export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ContractExportArgs {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    /// Write `<datastore>.odcs.yaml` files into this directory (made if missing)
    /// instead of printing the contracts.
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// One contract per dataset (`<datastore>.<dataset>.odcs.yaml`) rather than per datastore.
    #[arg(long)]
    pub(crate) per_dataset: bool,
    /// Only this datastore (repeat for more).
    #[arg(long = "datastore", value_name = "NAME")]
    pub(crate) datastores: Vec<String>,
}

/// `datasurface contract import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ContractImportArgs {
    /// The contracts (`.odcs.yaml`, YAML or JSON).
    #[arg(required = true)]
    pub(crate) contracts: Vec<PathBuf>,
    /// The team's container the datastores are read from (a contract does not say how
    /// data is captured): each is captured by a SQL snapshot of it, to adjust in the team file.
    #[arg(long, value_name = "NAME")]
    pub(crate) container: String,
    /// The name of the user-and-password credential to read the container with.
    #[arg(long, value_name = "NAME")]
    pub(crate) credential: Option<String>,
    /// Put every contract's tables into this datastore, whatever the contracts are named.
    #[arg(long, value_name = "NAME")]
    pub(crate) datastore: Option<String>,
    /// The team's zone, when the contracts' `domain` does not name it.
    #[arg(long, value_name = "NAME")]
    pub(crate) zone: Option<String>,
    /// The team, when the contracts' `team.name` does not name it.
    #[arg(long, value_name = "NAME")]
    pub(crate) team: Option<String>,
    /// Write the document to this new file instead of printing it (an existing file is
    /// never replaced).
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
}

/// `datasurface hook …`.
#[derive(Debug, Subcommand)]
pub(crate) enum HookCommand {
    /// Ask a hook module for a decision on an event, as a platform would, and
    /// print the decision as JSON with the fuel and time it took.
    #[command(
        after_help = "Exit codes: 0 the hook decided; 1 the hook failed (trapped, ran out of fuel, memory or time, or answered something that is not a decision; the error is printed); 2 could not run (usage, IO, a file that is not JSON)."
    )]
    Test(HookTestArgs),
}

/// `datasurface hook test`.
#[derive(Debug, clap::Args)]
pub(crate) struct HookTestArgs {
    /// The hook's WebAssembly module (`.wasm`).
    pub(crate) module: PathBuf,
    /// The event, as JSON: `{"kind": "scheduleTick", "time": "2026-11-01T00:00:00Z"}`
    /// (docs/hooks.md lists every field).
    #[arg(long)]
    pub(crate) event: PathBuf,
    /// The context, as JSON; without it, a transformer's context with made-up names.
    #[arg(long)]
    pub(crate) context: Option<PathBuf>,
    /// The SHA-256 the model pins; the module must match it.
    #[arg(long)]
    pub(crate) sha256: Option<String>,
    /// Fuel (instructions) for the decision.
    #[arg(long, default_value_t = datasurface_core::HookLimits::DEFAULT_FUEL)]
    pub(crate) fuel: u64,
    /// Memory the module may grow to, in MiB.
    #[arg(long, default_value_t = datasurface_core::HookLimits::DEFAULT_MEMORY_MIB)]
    pub(crate) memory_mib: u32,
    /// Wall time for the decision, in milliseconds.
    #[arg(long, default_value_t = datasurface_core::HookLimits::DEFAULT_WALL_TIME_MS)]
    pub(crate) wall_time_ms: u32,
}

/// Platform kinds that another program implements.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ExternalKinds {
    /// Platform kinds that another program renders (comma-separated or repeated): their
    /// platforms are not resolved or linted here, and their kind is not an error.
    #[arg(
        long = "platform-kinds-external",
        value_name = "KIND",
        value_delimiter = ','
    )]
    pub(crate) kinds: Vec<String>,
}

impl ExternalKinds {
    pub(crate) fn as_strs(&self) -> Vec<&str> {
        self.kinds.iter().map(String::as_str).collect()
    }
}

/// `check`.
#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub(crate) format: CheckFormat,
    /// Fail (exit 1) on warnings as well as errors.
    #[arg(long)]
    pub(crate) deny_warnings: bool,
    #[command(flatten)]
    pub(crate) external: ExternalKinds,
}

/// How `check` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    /// Each finding with its source line on standard error, and a summary line.
    #[value(alias = "text")]
    Human,
    /// A JSON array of findings on standard output: `{code, severity, path, message, help, file, line, column}`.
    Json,
    /// A SARIF 2.1.0 log on standard output, for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow annotations on standard output, one per finding.
    Github,
    /// Each finding in short on standard output, `file:line:column: severity[code]:
    /// message` with its path and help on indented lines: for grep and editors' problem
    /// matchers, and as `explain` shows its examples.
    Short,
}

/// `schema`.
#[derive(Debug, clap::Args)]
pub(crate) struct SchemaArgs {
    /// Print the OpenAPI 3.1 document of `serve`'s API instead.
    #[cfg(feature = "serve")]
    #[arg(long)]
    pub(crate) openapi: bool,
}

/// `serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    /// The address to listen on (`127.0.0.1:0` picks a free port and prints it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(crate) addr: std::net::SocketAddr,
    /// How often to look for changed model files, in seconds; 0 reloads only on SIGHUP.
    #[arg(long, default_value_t = 2, value_name = "SECONDS")]
    pub(crate) poll: u64,
    #[command(flatten)]
    pub(crate) state: StateArgs,
    #[cfg(feature = "mcp")]
    #[command(flatten)]
    pub(crate) mcp: McpHttpArgs,
    #[command(flatten)]
    pub(crate) external: ExternalKinds,
}

/// Who may use `serve`'s `/mcp` besides a client on the same machine.
#[cfg(feature = "mcp")]
#[derive(Debug, Default, clap::Args)]
pub(crate) struct McpHttpArgs {
    /// Also answer `/mcp` requests whose `Host` is HOST (a name, or `name:port`);
    /// only loopback names are answered otherwise.
    #[arg(long = "mcp-host", value_name = "HOST")]
    pub(crate) hosts: Vec<String>,
    /// Also answer `/mcp` requests from browser pages of ORIGIN
    /// (`https://app.example.com:443`; `:*` for any port); only loopback pages otherwise.
    #[arg(long = "mcp-origin", value_name = "ORIGIN")]
    pub(crate) origins: Vec<String>,
    /// Ask every `/mcp` request for the bearer token in the environment variable VAR.
    #[arg(long = "mcp-token-env", value_name = "VAR")]
    pub(crate) token_env: Option<String>,
}

/// Where a server reads the platforms' run state (`serve` and `mcp`).
#[derive(Debug, Default, clap::Args)]
pub(crate) struct StateArgs {
    /// A `sqlite` platform's state directory, whose run state `/metrics` adds (batches,
    /// rows, last success, waiting streams, hooks' decisions) and each dataset's freshness
    /// reads, at each request; give it once per platform.
    #[cfg(feature = "sqlite")]
    #[arg(long, value_name = "DIR")]
    pub(crate) state: Vec<PathBuf>,
    /// An `airflow` platform, by name, whose merge database `/metrics` and each dataset's
    /// freshness read: its host, port, database and credential from the model, each
    /// overridden and the login read from the environment as `datasurface job` reads them;
    /// give it once per platform.
    #[cfg(feature = "airflow")]
    #[arg(long, value_name = "PLATFORM")]
    pub(crate) airflow: Vec<String>,
    /// A `spark` platform, by name, whose warehouse's records `/metrics` and each dataset's
    /// freshness read, as `datasurface job spark --status` reads them (the platform rendered
    /// from the model served at start; its warehouse local); give it once per platform.
    #[cfg(feature = "spark")]
    #[arg(long, value_name = "PLATFORM")]
    pub(crate) spark: Vec<String>,
}

/// `mcp`.
#[cfg(feature = "mcp")]
#[derive(Debug, clap::Args)]
pub(crate) struct McpArgs {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    #[command(flatten)]
    pub(crate) state: StateArgs,
    #[command(flatten)]
    pub(crate) external: ExternalKinds,
}

/// `verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct VerifyArgs {
    /// The model as it is (the base branch); leave out for the initial check-in.
    #[arg(long)]
    pub(crate) base: Option<PathBuf>,
    /// The model as proposed (the pull request's branch).
    #[arg(long)]
    pub(crate) proposed: PathBuf,
    /// The repository and branch the change comes from: `owner/name@branch`,
    /// `gitlab:group/name@branch`, or on another server its address,
    /// `https://git.example.com/group/name@branch`.
    #[arg(long)]
    pub(crate) source: String,
    /// How to print the verdict.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Human)]
    pub(crate) format: VerifyFormat,
    /// Fail (exit 1) on warnings as well as errors.
    #[arg(long)]
    pub(crate) deny_warnings: bool,
    /// The time to judge the model's exceptions (which hold until a day) at, in RFC 3339
    /// (`2026-11-27T22:30:00Z`); by default now.
    #[arg(long, value_parser = parse_time)]
    pub(crate) now: Option<chrono::DateTime<chrono::Utc>>,
    #[command(flatten)]
    pub(crate) external: ExternalKinds,
}

/// How `verify` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum VerifyFormat {
    /// Findings with source lines on standard error; what changed, region by region, and the
    /// verdict on standard output.
    #[value(alias = "text")]
    Human,
    /// `{mayMerge, findings, changes}` as JSON on standard output.
    Json,
    /// The findings as a SARIF 2.1.0 log on standard output.
    Sarif,
    /// The findings as GitHub Actions workflow annotations on standard output.
    Github,
    /// A pull-request comment in GitHub-flavoured Markdown on standard output: the verdict,
    /// the change by region and owner, the breaking changes and whom they break, each
    /// platform's plan with its disruption, then the details collapsed; cut (with a note)
    /// to fit a GitHub comment.
    Markdown,
}

/// `choose`.
#[derive(Debug, clap::Args)]
pub(crate) struct ChooseArgs {
    /// The model directory.
    pub(crate) model: PathBuf,
    /// Write the record of the choices (`platform-choices.yaml`, or `.json` beside
    /// `ecosystem.json`) for the ecosystem's owners to commit.
    #[arg(long)]
    pub(crate) write: bool,
}

/// `explain-choice`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReleaseArgs {
    /// The model's directory (or file) in its git repository.
    pub(crate) model: PathBuf,
    /// How to print the revision.
    #[arg(long, value_enum, default_value_t = ReleaseFormat::Human)]
    pub(crate) format: ReleaseFormat,
}

/// How `release` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReleaseFormat {
    /// A sentence: the environment, its branch or tag, and the commit.
    Human,
    /// The commit alone, for `git checkout $(…)`.
    Commit,
    /// `{"environment", "branch" or "tag", "commit"}`.
    Json,
}

/// `datasurface explain-choice`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExplainChoiceArgs {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    /// The dataset group, as `<workspace>/<dataset group>`.
    pub(crate) group: String,
    /// How to print the reasoning.
    #[arg(long, value_enum, default_value_t = ChoiceFormat::Human)]
    pub(crate) format: ChoiceFormat,
}

/// How `explain-choice` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ChoiceFormat {
    /// The choice, then each candidate and what refused it.
    #[value(alias = "text")]
    Human,
    /// The choice as JSON: `{workspace, datasetGroup, platform, how, candidates}`.
    Json,
}

/// `graph`.
#[derive(Debug, clap::Args)]
pub(crate) struct GraphArgs {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    /// Only this platform's graph (by default the only platform with a graph; Mermaid needs one).
    #[arg(long)]
    pub(crate) platform: Option<String>,
    /// How to print the graphs.
    #[arg(long, value_enum, default_value_t = GraphFormat::Json)]
    pub(crate) format: GraphFormat,
    /// Split each graph into chunks of at most this many nodes (1 or more).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) chunk_size: Option<u32>,
}

/// How `graph` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GraphFormat {
    /// A JSON array with each platform's nodes, edges and chunks.
    Json,
    /// Graphviz DOT: one `digraph` per platform.
    Dot,
    /// One Mermaid diagram, ready to paste into Markdown: one platform's graph, or each platform
    /// in a subgraph of its own when several have graphs and no --platform is given.
    Mermaid,
}

/// `render`.
#[derive(Debug, clap::Args)]
pub(crate) struct RenderArgs {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    /// The platform, by its name in the model; by default the model's only platform.
    #[arg(long, conflicts_with = "all")]
    pub(crate) platform: Option<String>,
    /// Render every platform the model declares, each into `OUT/<platform>/` with a
    /// `source.json` naming the model commit it came from (nothing is written unless
    /// every platform renders).
    #[arg(long)]
    pub(crate) all: bool,
    /// The directory to save the rendering in; a rendering saved there before is replaced.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Render even when nothing the last render into OUT read has changed (by default such
    /// a render leaves OUT as it is: it looks at the model's files again, reading those
    /// whose size, time or identity on disk moved, but neither loads the model nor renders).
    #[arg(long, conflicts_with = "all")]
    pub(crate) force: bool,
    #[command(flatten)]
    pub(crate) source: ModelCommit,
    #[command(flatten)]
    pub(crate) external: ExternalKinds,
}

/// The model commit a GitOps rendering records.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct ModelCommit {
    /// The model's commit, recorded in each `source.json` (such as `$GITHUB_SHA`); by
    /// default asked of git in the model's directory, if it is in a repository.
    #[arg(long, value_name = "SHA")]
    pub(crate) commit: Option<String>,
}

/// `advance`.
#[derive(Debug, clap::Args)]
pub(crate) struct AdvanceArgs {
    /// The model file or directory: the new model the platforms may move to.
    pub(crate) model: PathBuf,
    /// The GitOps folder that `render --all` wrote: one folder per platform.
    #[arg(long)]
    pub(crate) out: PathBuf,
    /// Only these platforms (comma-separated or repeated); by default every platform.
    #[arg(long, value_name = "NAME", value_delimiter = ',')]
    pub(crate) platform: Vec<String>,
    /// Advance the platforms named with --platform now, whatever their cadence.
    #[arg(long, requires = "platform")]
    pub(crate) force: bool,
    /// Decide and print, but write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// The time to decide at, in RFC 3339 (`2026-11-27T22:30:00Z`); by default now.
    #[arg(long, value_parser = parse_time)]
    pub(crate) now: Option<chrono::DateTime<chrono::Utc>>,
    /// How to print the decisions.
    #[arg(long, value_enum, default_value_t = AdvanceFormat::Human)]
    pub(crate) format: AdvanceFormat,
    #[command(flatten)]
    pub(crate) source: ModelCommit,
    #[command(flatten)]
    pub(crate) external: ExternalKinds,
}

/// How `advance` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AdvanceFormat {
    /// A line per platform: what it did, its plan's totals, and when a waiting one may move.
    #[value(alias = "text")]
    Human,
    /// `{now, model, platforms: [{platform, kind, folder, decision, plan, ...}]}` as JSON.
    Json,
    /// A pull-request comment in GitHub-flavoured Markdown: each platform's decision and plan
    /// totals with its disruption, then its steps collapsed.
    Markdown,
}

/// A `--now` that is not an RFC 3339 time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not an RFC 3339 time such as 2026-11-27T22:30:00Z: {source}")]
pub(crate) struct TimeError {
    text: String,
    source: chrono::ParseError,
}

/// Parses an RFC 3339 time.
pub(crate) fn parse_time(text: &str) -> Result<chrono::DateTime<chrono::Utc>, TimeError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|source| TimeError {
            text: text.to_owned(),
            source,
        })
}

/// `plan`.
#[derive(Debug, clap::Args)]
pub(crate) struct PlanArgs {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    /// The platform, by its name in the model; by default the model's only platform.
    #[arg(long)]
    pub(crate) platform: Option<String>,
    /// The saved rendering last applied (an empty directory plans from nothing).
    #[arg(long)]
    pub(crate) from: PathBuf,
    /// How to print the plan.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub(crate) format: PlanFormat,
}

/// How `plan` and `apply` print the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PlanFormat {
    /// Each step with its reason and disruption, then the totals.
    #[value(alias = "text")]
    Human,
    /// The plan as JSON, with each artifact's new content.
    Json,
}

/// What `apply`, `run` and `up` work on: a model, its `sqlite` platform, and
/// that platform's state directory.
#[derive(Debug, clap::Args)]
pub(crate) struct EngineTarget {
    /// The model file or directory.
    pub(crate) model: PathBuf,
    /// The platform; by default the model's only platform of kind `sqlite`.
    #[arg(long)]
    pub(crate) platform: Option<String>,
    /// The platform's state directory: its databases and what it applied. By default
    /// `datasurface-state` in the model's folder (the folder given, or the model file's), so a
    /// model keeps its state wherever the command runs from.
    #[arg(long)]
    pub(crate) state: Option<PathBuf>,
}

/// `apply`.
#[derive(Debug, clap::Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    pub(crate) target: EngineTarget,
    /// How to print the plan before applying it.
    #[arg(long, value_enum, default_value_t = PlanFormat::Human)]
    pub(crate) format: PlanFormat,
}

/// Where runs send their OpenLineage events.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct LineageArgs {
    /// Send an OpenLineage event as each batch starts and ends: POST to an `http://` or
    /// `https://` URL (as given), or append JSON lines to a file. By default, the OpenLineage
    /// clients' settings: `OPENLINEAGE_URL` (with `OPENLINEAGE_ENDPOINT`, by default
    /// `api/v1/lineage`, and `OPENLINEAGE_API_KEY`); without them, no events. A lineage outage
    /// never fails a batch.
    #[arg(long, env = "DATASURFACE_LINEAGE", value_name = "URL|FILE")]
    pub(crate) lineage: Option<String>,
}

/// `run`.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) target: EngineTarget,
    #[command(flatten)]
    pub(crate) lineage: LineageArgs,
    /// Run once and stop (the default).
    #[arg(long, conflicts_with = "every")]
    pub(crate) once: bool,
    /// Run again and again, this long apart: `30s`, `5m`, `2h`. After the first run, only
    /// batches that changed rows or failed are printed.
    #[arg(long, value_parser = parse_duration)]
    pub(crate) every: Option<Duration>,
    /// Run every source stream and scheduled transformer now, whatever its cron schedule.
    #[arg(long)]
    pub(crate) all: bool,
    /// First load this change data capture stream afresh: make its replication slot anew
    /// where the source's log is now, and load a fresh snapshot. What mends a stream whose
    /// slot is gone or lost changes; then the run goes on as usual.
    #[arg(long, value_name = "STREAM")]
    pub(crate) resync: Option<String>,
    /// How to print what ran.
    #[arg(long, value_enum, default_value_t = RunFormat::Human)]
    pub(crate) format: RunFormat,
}

/// How `run` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RunFormat {
    /// A line per batch as it ends, the streams waiting for their schedule, and a summary line.
    #[value(alias = "text")]
    Human,
    /// The run's summary as one JSON document: `{streams, waiting}`.
    Json,
}

/// `up`.
#[derive(Debug, clap::Args)]
pub(crate) struct UpArgs {
    #[command(flatten)]
    pub(crate) target: EngineTarget,
    #[command(flatten)]
    pub(crate) lineage: LineageArgs,
    /// Run every source stream and scheduled transformer now, whatever its cron schedule
    /// (streams whose last batch failed are always retried).
    #[arg(long)]
    pub(crate) all: bool,
}

/// `status`.
#[derive(Debug, clap::Args)]
pub(crate) struct StatusArgs {
    /// The platform's state directory.
    #[arg(long, default_value = "datasurface-state")]
    pub(crate) state: PathBuf,
    /// How many of each stream's latest batches to show: a row each in the
    /// table (1 by default), entries in JSON (3 by default).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) last: Option<u16>,
    /// How to print the state.
    #[arg(long, value_enum, default_value_t = StatusFormat::Human)]
    pub(crate) format: StatusFormat,
}

/// How `status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatusFormat {
    /// A table: one row per stream with its last batch, then the failures in full.
    #[value(alias = "text")]
    Human,
    /// `{state, streams: [{stream, source, schedule, next, batches: [...]}]}` as JSON.
    Json,
    /// Every stream's batches added up, as Prometheus metrics in its text format, for
    /// `node_exporter`'s textfile collector: batches by status, rows, the last success, the
    /// latest batch's duration, waiting streams and hooks' decisions, labelled by platform,
    /// zone, team, datastore, dataset, workspace and stream.
    Prometheus,
}

/// `init`.
#[derive(Debug, clap::Args)]
pub(crate) struct InitArgs {
    /// The directory to write the model in; it must not exist or be empty.
    #[arg(default_value = "datasurface-model")]
    pub(crate) dir: PathBuf,
}

/// `explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExplainArgs {
    /// The code, such as `missing-primary-key`; without one, a line for
    /// every code.
    pub(crate) code: Option<String>,
    /// Print the whole catalogue, in Markdown (the text of docs/diagnostics.md).
    #[arg(long, conflicts_with = "code")]
    pub(crate) all: bool,
    /// Describe the parameters a platform kind reads (such as `airflow`):
    /// each one's type, default and documentation.
    #[arg(long, value_name = "KIND", conflicts_with_all = ["code", "all"])]
    pub(crate) platform: Option<String>,
}

/// `completions`.
#[derive(Debug, clap::Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// The longest `--every`: a week.
const MAX_EVERY_SECONDS: u64 = 7 * 24 * 3600;

/// Why `--every` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DurationError {
    #[error("`{0}` is not a duration such as 30s, 5m or 2h")]
    NotADuration(String),
    #[error("the duration must be more than zero")]
    Zero,
    #[error(
        "`{0}` is longer than a week; `run --every` repeats at least weekly (use cron for longer)"
    )]
    TooLong(String),
}

/// Parses `30s`, `5m`, `2h`, up to a week.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let wrong = || DurationError::NotADuration(text.to_owned());
    let n: u64 = number.parse().map_err(|_| wrong())?;
    let seconds = match unit {
        "s" | "" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => return Err(wrong()),
    }
    .ok_or_else(wrong)?;
    if seconds == 0 {
        return Err(DurationError::Zero);
    }
    if seconds > MAX_EVERY_SECONDS {
        return Err(DurationError::TooLong(text.to_owned()));
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        <Args as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("5d").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
        assert!(parse_duration("18446744073709551615s").is_err());
        assert_eq!(parse_duration("168h"), Ok(Duration::from_secs(604_800)));
        assert!(parse_duration("169h").is_err());
    }
}

const EXIT_JOB: &str = "\
The merge database is named by the environment the rendered DAGs set:
  DATASURFACE_MERGE_HOST, DATASURFACE_MERGE_PORT, DATASURFACE_MERGE_DATABASE,
  DATASURFACE_MERGE_SCHEMA and DATASURFACE_MERGE_CREDENTIAL (`job apply` reads them
  from the model's platform parameters unless set). Each credential NAME is read from
  DATASURFACE_CREDENTIAL_<NAME>_USER and DATASURFACE_CREDENTIAL_<NAME>_PASSWORD.

Exit status:
  0  the job did its work
  1  the model has errors (`job apply`)
  2  the job could not run: settings, credentials, the merge database, a spec that is
     not applied or differs from the DAG's, or another runner on the same stream
  3  the batch failed: the merge tables are as before, the failure is recorded with
     its reason in batch_metrics, and the next run starts a new batch
  99 `job decide`: the hook decided not to run the transformer now (skip or defer), or
     failed and its policy is to fail closed";

/// `job`.
#[derive(Debug, clap::Args)]
pub(crate) struct JobArgs {
    /// What to run.
    #[command(subcommand)]
    pub(crate) command: JobCommand,
}

/// The job runner's commands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum JobCommand {
    /// Render an `airflow` platform of the model and apply it to its merge database: the
    /// SQL that changed since the last apply, in dependency order, and the job specs the
    /// DAGs name.
    Apply(JobApplyArgs),
    /// Ingest one batch of one stream into the merge tables (or finish the batch a killed
    /// runner left).
    Ingest(JobIngestArgs),
    /// Run a SQL transformer in the merge database, replacing its output tables.
    Transform(JobTransformArgs),
    /// Ask a hooked transformer's hook whether it runs now, and record the decision: exits 0
    /// to run it, 99 not to (the DAG's decision task is then skipped, and the transformer
    /// with it).
    Decide(JobDecideArgs),
    /// Restart a change data capture stream from a fresh snapshot: for a replication slot that
    /// is gone, lost changes, or holds more of its source's log than the platform allows
    /// (`job status` says which). Makes the slot anew, then runs a batch that loads the
    /// snapshot; later batches read changes from there.
    Resync(JobResyncArgs),
    /// Run one batch of a `spark` platform's stream, or one run of its transformer, with
    /// spark-submit: the model's rendering of the platform, its driver program and the job's
    /// spec, in a folder of its own. Source credentials come from the environment
    /// (`DATASURFACE_CREDENTIAL_<NAME>_USER`, `_PASSWORD`).
    #[cfg(all(feature = "spark", feature = "airflow"))]
    Spark(JobSparkArgs),
    /// Print the merge database's run state as Prometheus metrics (every stream's batches
    /// added up, hooks' decisions), for `node_exporter`'s textfile collector; the same
    /// metrics `datasurface status --format prometheus` gives for a `sqlite` platform.
    Status(JobStatusArgs),
}

/// `job spark`.
#[cfg(all(feature = "spark", feature = "airflow"))]
#[derive(Debug, clap::Args)]
pub(crate) struct JobSparkArgs {
    /// The model file or directory.
    #[arg(env = "DATASURFACE_MODEL")]
    pub(crate) model: PathBuf,
    /// The platform, by its name in the model; by default the model's only `spark` platform.
    #[arg(long, env = "DATASURFACE_PLATFORM")]
    pub(crate) platform: Option<String>,
    /// The stream to ingest one batch of: a datastore, or `datastore#dataset`.
    #[arg(
        long,
        conflicts_with_all = ["transformer", "status"],
        required_unless_present_any = ["transformer", "status"]
    )]
    pub(crate) stream: Option<String>,
    /// The transformer to run, by its workspace.
    #[arg(long, conflicts_with = "status")]
    pub(crate) transformer: Option<String>,
    /// Instead of running a job, print the platform's run state from its warehouse's records:
    /// every stream's batches added up and every hook's decisions, as `job status` prints an
    /// `airflow` platform's (for `node_exporter`'s textfile collector).
    #[arg(long)]
    pub(crate) status: bool,
    /// With --status: how to print it.
    #[arg(long, value_enum, default_value_t = JobStatusFormat::Prometheus, requires = "status")]
    pub(crate) format: JobStatusFormat,
    /// spark-submit, instead of the platform's `sparkSubmit`.
    #[arg(long, env = "DATASURFACE_SPARK_SUBMIT")]
    pub(crate) spark_submit: Option<String>,
    /// Instead of running the transformer, ask its hook whether it runs now and record the
    /// decision in the warehouse: exits 0 to run it, 99 not to (the DAG's decision task is
    /// then skipped, and the transformer with it).
    #[arg(long, requires = "transformer")]
    pub(crate) decide: bool,
    /// With --decide: Airflow's kind of DAG run, the event the hook is asked about:
    /// `scheduled` (scheduleTick), `asset_triggered` (batchCommitted), `manual` or `backfill`
    /// (manualRun). By default `manual`.
    #[arg(long, requires = "decide")]
    pub(crate) run_type: Option<String>,
    /// The job's spec as deployed beside its DAG: nothing runs (or is decided) unless the model
    /// renders the same spec, so the worker's model is the one the DAGs were rendered from. The
    /// DAGs' tasks pass it.
    #[arg(long, conflicts_with = "status")]
    pub(crate) deployed_spec: Option<PathBuf>,
    /// Where the run's OpenLineage events go (a batch's or a transformer's run; not with
    /// --status or --decide). The events name the run by its batch's records, which the
    /// runner reads from a local warehouse.
    #[command(flatten)]
    pub(crate) lineage: LineageArgs,
}

/// `job status`.
#[derive(Debug, clap::Args)]
pub(crate) struct JobStatusArgs {
    /// The platform, by its name in the model.
    #[arg(long, env = "DATASURFACE_PLATFORM")]
    pub(crate) platform: String,
    /// How to print it.
    #[arg(long, value_enum, default_value_t = JobStatusFormat::Prometheus)]
    pub(crate) format: JobStatusFormat,
}

/// How `job status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum JobStatusFormat {
    /// Prometheus's text format.
    Prometheus,
    /// The totals as JSON: `{platform, streams: [...], decisions: [...]}`.
    Json,
}

/// `job apply`.
#[derive(Debug, clap::Args)]
pub(crate) struct JobApplyArgs {
    /// The model file or directory.
    #[arg(env = "DATASURFACE_MODEL")]
    pub(crate) model: PathBuf,
    /// The platform, by its name in the model; by default the model's only `airflow` platform.
    #[arg(long, env = "DATASURFACE_PLATFORM")]
    pub(crate) platform: Option<String>,
}

/// `job ingest`.
#[derive(Debug, clap::Args)]
pub(crate) struct JobIngestArgs {
    /// The platform, by its name in the model.
    #[arg(long, env = "DATASURFACE_PLATFORM")]
    pub(crate) platform: String,
    /// The stream: a datastore, or `datastore#dataset`.
    #[arg(long)]
    pub(crate) stream: String,
    /// The stream keeps closed row versions (a forensic consumer reads them).
    #[arg(long, conflicts_with = "live_only")]
    pub(crate) keep_history: bool,
    /// The stream purges closed row versions (every consumer reads live rows).
    #[arg(long)]
    pub(crate) live_only: bool,
    /// The platform the stream's rows come from, when another platform
    /// ingests them: the job spec says where its merge database is, and the
    /// job checks that it names this platform.
    #[arg(long)]
    pub(crate) from_platform: Option<String>,
    /// The hash of the job spec the DAG was rendered with; the job refuses to run another.
    #[arg(long)]
    pub(crate) spec: Option<String>,
    #[command(flatten)]
    pub(crate) lineage: LineageArgs,
}

/// `job resync`.
#[derive(Debug, clap::Args)]
pub(crate) struct JobResyncArgs {
    /// The platform, by its name in the model.
    #[arg(long, env = "DATASURFACE_PLATFORM")]
    pub(crate) platform: String,
    /// The change data capture stream: a datastore, or `datastore#dataset`.
    #[arg(long)]
    pub(crate) stream: String,
    #[command(flatten)]
    pub(crate) lineage: LineageArgs,
}

/// `job decide`.
#[derive(Debug, clap::Args)]
pub(crate) struct JobDecideArgs {
    /// The transformer.
    #[command(flatten)]
    pub(crate) job: TransformerJobArgs,
    /// Airflow's kind of DAG run, the event the hook is asked about: `scheduled`
    /// (scheduleTick), `asset_triggered` (batchCommitted), `manual` or `backfill` (manualRun).
    #[arg(long)]
    pub(crate) run_type: String,
}

/// `job transform`.
#[derive(Debug, clap::Args)]
pub(crate) struct JobTransformArgs {
    /// The transformer.
    #[command(flatten)]
    pub(crate) job: TransformerJobArgs,
}

/// A transformer's job, as its DAG's tasks name it.
#[derive(Debug, clap::Args)]
pub(crate) struct TransformerJobArgs {
    /// The platform, by its name in the model.
    #[arg(long, env = "DATASURFACE_PLATFORM")]
    pub(crate) platform: String,
    /// The transformer's workspace.
    #[arg(long)]
    pub(crate) workspace: String,
    /// The hash of the job spec the DAG was rendered with; the job refuses to run another.
    #[arg(long)]
    pub(crate) spec: Option<String>,
    #[command(flatten)]
    pub(crate) lineage: LineageArgs,
}
