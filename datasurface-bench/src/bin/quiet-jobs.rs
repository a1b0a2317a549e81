//! What a stream with nothing new costs, the unit of "thousands to millions
//! of jobs a day":
//!
//! - **`airflow`**: `datasurface job ingest` of a one-table PostgreSQL
//!   source (1,000 rows of 10 columns by default) that has not changed since
//!   the last batch, as the DAG's task runs it: a new process, from its
//!   start to its exit, connection, spec check, lock, batch number, snapshot
//!   and no-change merge included. Target: under 150 ms wall (the median of
//!   30 runs; the slowest is printed too). Then where the time goes, from
//!   the runner's own steps in this process.
//! - **`sqlite`**: `datasurface run` over 1,000 streams whose source tables
//!   (one SQLite file, 100 rows each) have not changed since the last run.
//!   Target: under 10 s (the best of three), with the time per stream.
//!
//! ```sh
//! .ci/external   # PostgreSQL 15 running, a superuser role for this user
//! cargo run --release -p datasurface-bench --bin quiet-jobs
//! cargo run --release -p datasurface-bench --bin quiet-jobs -- sqlite 1000
//! cargo run --release -p datasurface-bench --bin quiet-jobs -- airflow 1000
//! ```
//!
//! With `DATASURFACE_BENCH_KEEP` set, the databases stay, and the command
//! that runs the job again is printed, to look into it further.
//!
//! Each command runs in a child process of this binary, which links the
//! same library as the `datasurface` binary and runs it the same way
//! (`--cli` then its arguments). Figures go to `docs/performance.md`.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use datasurface_airflow::dags::{credential_variable, env};
use datasurface_airflow::runner::{self, IngestOptions};
use datasurface_bench::postgres::{self, PASSWORD, ROLE};
use datasurface_bench::{Failed, targets_exit, write_files};
use datasurface_files::SourceFile;

/// A quiet `job ingest`, at most (ms, the median).
const JOB_TARGET_MS: f64 = 150.0;
/// A `run` over 1,000 quiet streams, at most (s).
const RUN_TARGET_S: f64 = 10.0;
const RUNS: usize = 30;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--cli") {
        return datasurface_cli::Datasurface::new()
            .run(
                std::iter::once("datasurface").chain(args[1..].iter().map(String::as_str)),
                &mut std::io::stdout().lock(),
                &mut std::io::stderr(),
            )
            .into();
    }
    targets_exit(|| {
        let which = args.first().map_or("both", String::as_str);
        let size = |default: u64| -> Result<u64, Failed> {
            args.get(1).map_or(Ok(default), |s| {
                s.parse().map_err(|e| format!("`{s}`: {e}").into())
            })
        };
        match which {
            "airflow" => airflow(size(1_000)?),
            "sqlite" => sqlite(usize::try_from(size(1_000)?)?),
            "both" => Ok(airflow(1_000)? & sqlite(1_000)?),
            other => Err(format!("`{other}`: say `airflow`, `sqlite` or nothing for both").into()),
        }
    })
}

/// Runs this binary as `datasurface` with `args` and `envs`; its wall time.
fn cli(args: &[&str], envs: &[(String, String)]) -> Result<Duration, Failed> {
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let out = Command::new(exe)
        .arg("--cli")
        .args(args)
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()?;
    let took = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "`datasurface {}` failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(took)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median and the largest of `times`, in ms.
fn median_max(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    (ms(median), ms(max))
}

fn airflow(rows: u64) -> Result<bool, Failed> {
    let merge = format!("ds_bench_quiet_{}", std::process::id());
    let source = format!("{merge}_src");
    eprintln!("airflow: setting up {rows} rows in {source} …");
    postgres::set_up(&merge, &source, rows)?;
    let envs: Vec<(String, String)> = [
        (env::PLATFORM.to_owned(), "Airflow".to_owned()),
        (env::MERGE_HOST.to_owned(), "localhost".to_owned()),
        (env::MERGE_PORT.to_owned(), "5432".to_owned()),
        (env::MERGE_DATABASE.to_owned(), merge.clone()),
        (env::MERGE_SCHEMA.to_owned(), "bench".to_owned()),
        (env::MERGE_CREDENTIAL.to_owned(), "merge".to_owned()),
        (credential_variable("merge", "user"), ROLE.to_owned()),
        (
            credential_variable("merge", "password"),
            PASSWORD.to_owned(),
        ),
        (credential_variable("reader", "user"), ROLE.to_owned()),
        (
            credential_variable("reader", "password"),
            PASSWORD.to_owned(),
        ),
    ]
    .into();
    let job = ["job", "ingest", "--platform", "Airflow", "--stream", "Wide"];
    cli(&job, &envs)?;
    let mut starts = Vec::with_capacity(RUNS);
    let mut jobs = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        starts.push(cli(&["--version"], &[])?);
        jobs.push(cli(&job, &envs)?);
    }
    let (start_ms, _) = median_max(starts);
    let (job_ms, job_max) = median_max(jobs);
    let steps = steps(&merge)?;
    let changed = postgres::psql(
        &merge,
        false,
        "SELECT count(*) FROM bench.wide_items_merge WHERE ds_surf_batch_out <> 2147483647 OR ds_surf_batch_in > 1",
    );
    if std::env::var_os("DATASURFACE_BENCH_KEEP").is_some() {
        let shown: Vec<String> = envs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        eprintln!("  kept: {} datasurface {}", shown.join(" "), job.join(" "));
    } else {
        for db in [&merge, &source] {
            postgres::drop_database(db)?;
        }
    }
    let met = job_ms < JOB_TARGET_MS;
    println!("| `airflow`: quiet `job ingest`, {rows} rows | ms |");
    println!("|---|---:|");
    println!(
        "| whole process, median of {RUNS} (target < {JOB_TARGET_MS:.0}, {}) | {job_ms:.1} |",
        if met { "met" } else { "not met" }
    );
    println!("| whole process, slowest | {job_max:.1} |");
    println!("| of which: process start and exit (`--version`) | {start_ms:.1} |");
    let mut rest = job_ms - start_ms;
    for (step, took) in steps {
        println!("| of which: {step} | {took:.1} |");
        rest -= took;
    }
    println!(
        "| of which: the rest, mostly TLS set-up (OpenSSL reads the system's certificates once per process) | {rest:.1} |"
    );
    if let Ok(n) = changed {
        eprintln!("  rows a quiet batch changed: {n} (expected 0)");
    }
    Ok(met)
}

/// The runner's steps of one quiet batch, in this process, from its log
/// lines: (step, ms), each the median of [`RUNS`] batches.
fn steps(merge: &str) -> Result<Vec<(&'static str, f64)>, Failed> {
    let names = [
        "connect, spec check, lock, batch number",
        "snapshot into staging (source connection, `COPY`, `ANALYZE`)",
        "no-change merge and commit",
    ];
    let mut each: Vec<Vec<Duration>> = vec![Vec::new(); names.len()];
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut marks = Vec::new();
        runner::Runner::new(postgres::merge_db(merge))
            .with_logins(|_| Ok(postgres::login()))
            .ingest("Wide", &IngestOptions::default(), &mut |_| {
                marks.push(started.elapsed());
            })?;
        // started, staged, committed: three lines, three steps.
        let mut last = Duration::ZERO;
        for (i, at) in marks.iter().take(names.len()).enumerate() {
            each[i].push(at.saturating_sub(last));
            last = *at;
        }
    }
    Ok(names
        .into_iter()
        .zip(each)
        .map(|(n, t)| (n, median_max(t).0))
        .collect())
}

/// The `sqlite` model: `streams` datastores, each one dataset from its own
/// table of one SQLite file, all read by one workspace.
fn sqlite_model(streams: usize) -> Vec<SourceFile> {
    let ecosystem = "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Quiet\n\
         owningRepository: {name: bench/eco, branch: main}\nliveRepository: {name: bench/eco, branch: live}\n\
         platforms:\n  Local: {kind: sqlite, version: ^0.1, parameters: {sources: {Src: source.sqlite}}}\n\
         zoneDeclarations:\n  Main: {repository: {name: bench/eco, branch: main}}\n\
         assignments:\n  - {workspace: Reader, datasetGroup: Everything, platforms: [{platform: Local, status: PROVISIONED}]}\n";
    let zone = "apiVersion: datasurface.dev/v1\nkind: GovernanceZone\nname: Main\n\
                teamDeclarations:\n  Team: {repository: {name: bench/eco, branch: main}}\n";
    let mut team = String::from(
        "apiVersion: datasurface.dev/v1\nkind: Team\nzone: Main\nname: Team\n\
         containers:\n  Src: {kind: {database: {engine: SQLITE, database: source}}}\n  Out: {kind: platformManaged}\n\
         datastores:\n",
    );
    let mut sinks = String::new();
    for i in 0..streams {
        let _ = write!(
            team,
            "  S{i:05}:\n    capture: {{ingestion: {{container: Src, consistency: MULTI_DATASET, method: {{sqlSnapshot: {{tables: {{t: t{i:05}}}}}}}}}}}\n    \
             datasets:\n      t:\n        classifications: [PUB]\n        schema:\n          columns:\n            \
             id: {{type: BigInt, nullable: false}}\n            name: {{type: {{VarChar: {{maxSize: 40}}}}}}\n            \
             qty: {{type: Integer}}\n          primaryKey: [id]\n"
        );
        let _ = writeln!(sinks, "          - {{datastore: S{i:05}, dataset: t}}");
    }
    let _ = write!(
        team,
        "workspaces:\n  Reader:\n    container: Out\n    datasetGroups:\n      Everything:\n        \
         requirements: {{milestoning: LIVE_ONLY, latency: MINUTES}}\n        sinks:\n{sinks}"
    );
    vec![
        SourceFile::new("ecosystem.yaml", ecosystem.to_owned()),
        SourceFile::new("zone.yaml", zone.to_owned()),
        SourceFile::new("team.yaml", team),
    ]
}

/// Writes the source file: a table of 100 rows per stream.
fn sqlite_source(path: &Path, streams: usize) -> Result<(), Failed> {
    let conn = rusqlite::Connection::open(path)?;
    let mut sql = String::from("BEGIN;\n");
    for i in 0..streams {
        let _ = write!(
            sql,
            "CREATE TABLE t{i:05} (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER);\n\
             WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100) \
             INSERT INTO t{i:05} SELECT n, 'name ' || n, n * {i} FROM g;\n"
        );
    }
    sql.push_str("COMMIT;\n");
    conn.execute_batch(&sql)?;
    Ok(())
}

fn sqlite(streams: usize) -> Result<bool, Failed> {
    let dir = std::env::temp_dir().join(format!("datasurface-quiet-{}", std::process::id()));
    eprintln!("sqlite: {streams} streams in {} …", dir.display());
    let model = dir.join("model");
    write_files(&model, &sqlite_model(streams))?;
    sqlite_source(&model.join("source.sqlite"), streams)?;
    let state = dir.join("state");
    let (model, state) = (model.display().to_string(), state.display().to_string());
    let apply = cli(&["apply", "-q", &model, "--state", &state], &[])?;
    let first = cli(&["run", "-q", &model, "--state", &state], &[])?;
    let mut quiet = Duration::MAX;
    for _ in 0..3 {
        quiet = quiet.min(cli(&["run", "-q", &model, "--state", &state], &[])?);
    }
    let start = median_max(
        (0..5)
            .map(|_| cli(&["--version"], &[]))
            .collect::<Result<_, _>>()?,
    )
    .0;
    let _ = std::fs::remove_dir_all(&dir);
    let seconds = quiet.as_secs_f64();
    let met = seconds < RUN_TARGET_S;
    #[allow(clippy::cast_precision_loss, reason = "a count of streams")]
    let per_stream = ms(quiet) / streams as f64;
    println!("| `sqlite`: {streams} streams | s |");
    println!("|---|---:|");
    println!("| `apply` | {:.2} |", apply.as_secs_f64());
    println!(
        "| first `run` (every row new) | {:.2} |",
        first.as_secs_f64()
    );
    println!(
        "| quiet `run`, best of 3 (target < {RUN_TARGET_S:.0}, {}) | {seconds:.2} |",
        if met { "met" } else { "not met" }
    );
    println!("| per stream, ms | {per_stream:.2} |");
    println!("| process start and exit (`--version`), ms | {start:.1} |");
    Ok(met)
}
