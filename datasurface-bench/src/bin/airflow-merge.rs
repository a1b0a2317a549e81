//! The `airflow` platform's job runner against its floor, on PostgreSQL:
//! a first load of a 10-column source table (1,000,000 rows by default) into
//! a fresh merge database, then a batch where 10% of the rows changed, 1%
//! were deleted and 1% added, a batch where nothing changed, and one where
//! 1% changed: every batch as shipped, with no step by hand between them.
//! Beside each batch, in the same run, the floor: the same work by hand with
//! `psql` (`COPY` from the source piped into `COPY` into staging, `ANALYZE`
//! of it, then the same merge statements in one transaction, and `ANALYZE`
//! of the merge table after its first load).
//!
//! ```sh
//! .ci/external    # PostgreSQL 15 running, a superuser role for this user
//! cargo run --release -p datasurface-bench --bin airflow-merge
//! cargo run --release -p datasurface-bench --bin airflow-merge -- 100000
//! ```
//!
//! Each runner batch runs in a child process of this binary (the library
//! `datasurface job ingest` calls), which reports its own peak resident
//! memory (`VmHWM`). Figures go to `docs/performance.md`.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use datasurface_airflow::runner::{self, IngestOptions};
use datasurface_airflow::spec::IngestSpec;
use datasurface_airflow::statements::Statements;
use datasurface_bench::Failed;
use datasurface_bench::postgres::{self, PASSWORD, ROLE, merge_db, peak_kb, psql};

/// Each batch's time against the floor's, at most.
const TARGET: f64 = 1.1;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--ingest") {
        return child(&args[1]);
    }
    let rows: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    match report(rows) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One batch by the runner, in this process; prints its peak memory.
fn child(database: &str) -> ExitCode {
    let login = |_: &str| Ok(postgres::login());
    let outcome = runner::Runner::new(merge_db(database))
        .with_logins(login)
        .ingest("Wide", &IngestOptions::default(), &mut |_| {});
    match outcome {
        Ok(o) => {
            println!("{o}");
            println!("peak_kb {}", peak_kb().unwrap_or(0));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The shared set-up, and the floor's own tables, the same as the runner's.
fn set_up(merge_name: &str, source: &str, rows: u64) -> Result<IngestSpec, Failed> {
    let spec = postgres::set_up(merge_name, source, rows)?;
    psql(
        merge_name,
        false,
        "CREATE SCHEMA floor; \
         CREATE TABLE floor.staging (LIKE bench.wide_items_staging INCLUDING ALL); \
         CREATE TABLE floor.merge (LIKE bench.wide_items_merge INCLUDING ALL)",
    )?;
    Ok(spec)
}

/// One runner batch in a child process: seconds and peak MB.
fn runner_batch(database: &str) -> Result<(f64, f64, String), Failed> {
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let out = Command::new(exe)
        .args(["--ingest", database])
        .stderr(Stdio::inherit())
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err("the runner's batch failed".into());
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let peak: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("peak_kb "))
        .and_then(|k| k.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0;
    let summary = text.lines().next().unwrap_or_default().to_owned();
    Ok((seconds, peak, summary))
}

/// The same batch by hand: `psql` piping `COPY` out of the source into
/// `COPY` into staging, then the merge statements in one transaction.
fn floor_batch(
    merge_name: &str,
    source: &str,
    spec: &IngestSpec,
    batch: i32,
) -> Result<f64, Failed> {
    let d = &spec.datasets[0];
    let mut floor = d.clone();
    floor.staging_table = "floor.staging".into();
    floor.merge_table = "floor.merge".into();
    let cols: Vec<String> = d
        .columns
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect();
    let statements = Statements::postgres().merge(&floor, true, true);
    let started = Instant::now();
    psql(merge_name, false, "TRUNCATE floor.staging")?;
    let copy = format!(
        "psql -X -q -h localhost -U {ROLE} -d {source} -c 'COPY (SELECT {batch}, {cols} FROM wide) TO STDOUT' | \
         psql -X -q -v ON_ERROR_STOP=1 -h localhost -U {ROLE} -d {merge_name} -c '{copy_in}'",
        cols = cols.join(", "),
        copy_in = Statements::postgres().copy_into_staging(&floor),
    );
    let out = Command::new("sh")
        .args(["-c", &copy])
        .env("PGPASSWORD", PASSWORD)
        .output()?;
    if !out.status.success() {
        return Err(format!("floor COPY: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let with_batch = |q: &str| q.replace("$1", &batch.to_string());
    // What a careful hand does too: statistics for the staged batch, and
    // for the merge table once its first load is in.
    let mut script = String::from("ANALYZE floor.staging;\nBEGIN;\n");
    for q in [
        Some(&statements.close_changed),
        statements.close_deleted.as_ref(),
        Some(&statements.open_new),
    ]
    .into_iter()
    .flatten()
    {
        script.push_str(&with_batch(q));
        script.push_str(";\n");
    }
    script.push_str("COMMIT;\n");
    if batch == 1 {
        script.push_str("ANALYZE floor.merge;\n");
    }
    let file = std::env::temp_dir().join(format!("datasurface-floor-{}.sql", std::process::id()));
    std::fs::write(&file, script)?;
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "localhost",
            "-U",
            ROLE,
            "-d",
            merge_name,
            "-f",
        ])
        .arg(&file)
        .env("PGPASSWORD", PASSWORD)
        .output()?;
    if !out.status.success() {
        return Err(format!("floor merge: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let _ = std::fs::remove_file(Path::new(&file));
    Ok(started.elapsed().as_secs_f64())
}

fn report(rows: u64) -> Result<(), Failed> {
    let merge_name = format!("ds_bench_merge_{}", std::process::id());
    let source = format!("{merge_name}_src");
    eprintln!("setting up {rows} rows in {source} …");
    let spec = set_up(&merge_name, &source, rows)?;
    println!("| batch | runner s | floor s | runner / floor | target | runner peak MB |");
    println!("|---|---:|---:|---:|---|---:|");
    let batches = [
        ("first load", ""),
        (
            "10% changed, 1% deleted, 1% added",
            "UPDATE wide SET qty = qty + 1, note = 'changed' WHERE id % 10 = 0; \
             DELETE FROM wide WHERE id % 100 = 1; \
             INSERT INTO wide SELECT id + 10000000, qty, amount, name, note, flag, day, at, ratio, code \
             FROM wide WHERE id % 100 = 2",
        ),
        ("nothing changed", "SELECT 1"),
        (
            "1% changed",
            "UPDATE wide SET qty = qty + 1, note = 'changed again' WHERE id % 100 = 5",
        ),
    ];
    for (n, (what, change)) in batches.iter().enumerate() {
        if !change.is_empty() {
            psql(&source, false, change)?;
            psql(&source, false, "VACUUM ANALYZE wide")?;
        }
        let (runner_s, peak, summary) = runner_batch(&merge_name)?;
        let floor_s = floor_batch(
            &merge_name,
            &source,
            &spec,
            i32::try_from(n + 1).unwrap_or(1),
        )?;
        eprintln!("  {summary}");
        let ratio = runner_s / floor_s;
        println!(
            "| {what} | {runner_s:.2} | {floor_s:.2} | {ratio:.2}× | ≤ {TARGET:.2}×, {} | {peak:.1} |",
            if ratio <= TARGET { "met" } else { "not met" }
        );
    }
    let same = psql(
        &merge_name,
        false,
        "SELECT (SELECT count(*) FROM bench.wide_items_merge) = (SELECT count(*) FROM floor.merge)",
    )?;
    if same != "t" {
        return Err("the runner's merge table and the floor's differ".into());
    }
    for db in [&merge_name, &source] {
        postgres::drop_database(db)?;
    }
    Ok(())
}
