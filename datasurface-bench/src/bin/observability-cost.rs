//! What OpenLineage events and Prometheus metrics cost a run, on both
//! platforms, with and without them, alternating so that drift falls on
//! both sides:
//!
//! - `sqlite`: `datasurface up` of a 1,000,000-row CSV drop (one dataset,
//!   one consumer), each run in a fresh state directory, without and with
//!   `--lineage FILE`; then what reading its run state as metrics costs
//!   (`datasurface status --format prometheus`, what `serve --state` reads
//!   at each scrape). Batches pay nothing for metrics: they are read from
//!   the state only when scraped.
//! - `airflow` (PostgreSQL, `.ci/external`): `job ingest` batches of the
//!   1,000,000-row `airflow-merge` table where 1% changed, without and with
//!   events to a file.
//!
//! ```sh
//! cargo run --release -p datasurface-bench --bin observability-cost
//! cargo run --release -p datasurface-bench --bin observability-cost -- 100000 5
//! ```
//!
//! The arguments: rows (1,000,000) and rounds (3). Each command runs in a
//! child process of this binary, as the `datasurface` binary would run it.
//! Figures go to `docs/performance.md`.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Mutex;
use std::time::Instant;

use datasurface_airflow::runner::{self, IngestOptions, Lineage};
use datasurface_bench::Failed;
use datasurface_bench::postgres::{self, merge_db, psql};
use datasurface_runtime::lineage::{LineageSink, RunEvent};

/// The `sqlite` model: a CSV drop of `events` read by one consumer group.
const FEED: &str = r"apiVersion: datasurface.dev/v1
kind: Ecosystem
name: Feed
owningRepository: {name: acme/eco, branch: main}
liveRepository: {name: acme/eco, branch: live}
platforms:
  Local: {kind: sqlite, version: ^0.1, parameters: {sources: {Drops: drops}}}
zoneDeclarations:
  Z: {repository: {name: acme/z, branch: main}}
zones:
  Z:
    teamDeclarations:
      T: {repository: {name: acme/t, branch: main}}
    teams:
      T:
        containers:
          Drops: {kind: {objectStorage: {bucket: drops}}}
          Warehouse: {kind: platformManaged}
        datastores:
          Feed:
            capture: {ingestion: {container: Drops, consistency: MULTI_DATASET, method: {fileDrop: {}}}}
            datasets:
              events:
                schema:
                  columns:
                    id: {type: Integer, nullable: false}
                    kind: {type: {VarChar: {maxSize: 20}}}
                    amount: {type: {Decimal: {precision: 10, scale: 2}}}
                  primaryKey: [id]
        workspaces:
          Live:
            container: Warehouse
            datasetGroups:
              Main:
                sinks: [{datastore: Feed, dataset: events}]
                requirements: {milestoning: LIVE_ONLY, latency: MINUTES}
assignments:
  - {workspace: Live, datasetGroup: Main, platforms: [{platform: Local, status: PROVISIONED}]}
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--cli") => {
            let command_line =
                std::iter::once("datasurface").chain(args[1..].iter().map(String::as_str));
            let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
            return datasurface_cli::Datasurface::new()
                .run(command_line, &mut out, &mut err)
                .into();
        }
        Some("--ingest") => return ingest_child(&args[1], args.get(2).map(Path::new)),
        _ => {}
    }
    let rows: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rounds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3);
    let ran = sqlite(rows, rounds).and_then(|()| airflow(rows, rounds));
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs `datasurface` with `args` in `dir`, in a child process: seconds.
fn cli(dir: &Path, args: &[&str]) -> Result<(f64, String), Failed> {
    let started = Instant::now();
    let out = Command::new(std::env::current_exe()?)
        .arg("--cli")
        .args(args)
        .current_dir(dir)
        .stderr(Stdio::piped())
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!(
            "datasurface {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok((seconds, String::from_utf8_lossy(&out.stdout).into_owned()))
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The `sqlite` platform: `up` without and with events, then a metrics read.
fn sqlite(rows: u64, rounds: usize) -> Result<(), Failed> {
    let dir =
        std::env::temp_dir().join(format!("datasurface-observability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("drops"))?;
    std::fs::write(dir.join("model.yaml"), FEED)?;
    let mut csv = std::io::BufWriter::new(std::fs::File::create(dir.join("drops/events.csv"))?);
    writeln!(csv, "id,kind,amount")?;
    for i in 1..=rows {
        writeln!(csv, "{i},kind {},{}.{:02}", i % 97, i % 10_000, i % 100)?;
    }
    csv.flush()?;
    drop(csv);
    eprintln!("sqlite: `up` of {rows} CSV rows, {rounds} rounds …");
    let (mut without, mut with, mut scrapes) = (Vec::new(), Vec::new(), Vec::new());
    let mut event_bytes = 0;
    for round in 0..rounds {
        // Alternate which goes first, so drift (the page cache, the disk)
        // falls on both sides.
        let order = if round % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for lineage in order {
            let state = format!("state-{round}-{lineage}");
            let mut args = vec!["up", "model.yaml", "--state", state.as_str(), "-q"];
            let events = format!("events-{round}.jsonl");
            if lineage {
                args.extend(["--lineage", events.as_str()]);
            }
            let (seconds, _) = cli(&dir, &args)?;
            if lineage {
                with.push(seconds);
                event_bytes = std::fs::metadata(dir.join(&events))?.len();
            } else {
                without.push(seconds);
                let (scrape, text) = cli(
                    &dir,
                    &["status", "--state", &state, "--format", "prometheus"],
                )?;
                if !text.contains("datasurface_batches_total") {
                    return Err("status wrote no run state".into());
                }
                scrapes.push(scrape);
            }
            std::fs::remove_dir_all(dir.join(&state))?;
        }
    }
    let (off, on) = (median(without), median(with));
    println!("| sqlite `up`, {rows} CSV rows | without events | with events | cost |");
    println!("|---|---:|---:|---:|");
    println!(
        "| median of {rounds} | {off:.2} s | {on:.2} s | {:+.1}% ({event_bytes} bytes of events) |",
        (on / off - 1.0) * 100.0
    );
    println!(
        "| reading its run state as metrics (`status --format prometheus`, a whole process) | {:.3} s | | |",
        median(scrapes)
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Events appended to a file as JSON lines, as `--lineage FILE` does.
struct FileSink(Mutex<std::io::BufWriter<std::fs::File>>);

impl LineageSink for FileSink {
    fn emit(&self, event: &RunEvent) {
        if let (Ok(mut file), Ok(line)) = (self.0.lock(), serde_json::to_string(event)) {
            let _ = writeln!(file, "{line}");
            let _ = file.flush();
        }
    }
}

/// One `airflow` batch by the runner, in this process, events to `events`
/// if given.
fn ingest_child(database: &str, events: Option<&Path>) -> ExitCode {
    let login = |_: &str| Ok(postgres::login());
    let sink = events.and_then(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()
            .map(|f| FileSink(Mutex::new(std::io::BufWriter::new(f))))
    });
    let lineage = match &sink {
        Some(sink) => Lineage {
            sink,
            host: "bench",
        },
        None => Lineage::off(),
    };
    let jobs = runner::Runner::new(merge_db(database))
        .with_logins(login)
        .with_lineage(lineage);
    match jobs.ingest("Wide", &IngestOptions::default(), &mut |_| {}) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One `airflow` batch in a child process: seconds.
fn airflow_batch(database: &str, events: Option<&PathBuf>) -> Result<f64, Failed> {
    let started = Instant::now();
    let mut command = Command::new(std::env::current_exe()?);
    command.args(["--ingest", database]);
    if let Some(events) = events {
        command.arg(events);
    }
    let status = command.status()?;
    if !status.success() {
        return Err("the runner's batch failed".into());
    }
    Ok(started.elapsed().as_secs_f64())
}

/// The `airflow` platform: batches of 1% changed rows without and with events.
fn airflow(rows: u64, rounds: usize) -> Result<(), Failed> {
    let merge = format!("ds_bench_observe_{}", std::process::id());
    let source = format!("{merge}_src");
    eprintln!("airflow: setting up {rows} rows in {source} …");
    if let Err(e) = postgres::set_up(&merge, &source, rows) {
        eprintln!("airflow: skipped, PostgreSQL is not set up (.ci/external): {e}");
        return Ok(());
    }
    airflow_batch(&merge, None)?;
    let events = std::env::temp_dir().join(format!("{merge}.jsonl"));
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let order = if round % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for lineage in order {
            psql(
                &source,
                false,
                &format!(
                    "UPDATE wide SET qty = qty + 1 WHERE id % 100 = {}",
                    round % 100
                ),
            )?;
            let seconds = airflow_batch(&merge, lineage.then_some(&events))?;
            if lineage { &mut with } else { &mut without }.push(seconds);
        }
    }
    let event_bytes = std::fs::metadata(&events).map_or(0, |m| m.len());
    let (off, on) = (median(without), median(with));
    println!();
    println!(
        "| airflow `job ingest`, {rows} rows, 1% changed | without events | with events | cost |"
    );
    println!("|---|---:|---:|---:|");
    println!(
        "| median of {rounds} | {off:.2} s | {on:.2} s | {:+.1}% ({event_bytes} bytes of events in all) |",
        (on / off - 1.0) * 100.0
    );
    let _ = std::fs::remove_file(&events);
    for db in [&merge, &source] {
        postgres::drop_database(db)?;
    }
    Ok(())
}
