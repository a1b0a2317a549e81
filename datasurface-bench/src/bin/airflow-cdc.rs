//! The `airflow` platform's change data capture from PostgreSQL, against a
//! snapshot capture of the same table and against a hand-written floor:
//! a 10-column source table (10,000,000 rows by default) read by two
//! streams, `Wide` (a snapshot each batch) and `WideCdc` (its replication
//! slot); after each stream's first load, 1% of the rows changed and a
//! snapshot batch, then five rounds of 1% of the rows changed, each with
//! the change data capture batch as shipped and the floor's (taking turns
//! going first; their medians compared): the same
//! changes read from a slot of its own with
//! `pg_logical_slot_get_binary_changes` (consumed as read), decoded,
//! copied into a changes table of its own and merged with the runner's
//! own merge statements, in one transaction, with none of the runner's
//! checks, positions or records. Then the sustained rate: writers update
//! random rows without pause for a while, and batches run back to back,
//! first the runner's, then the floor's: changes applied a second.
//!
//! ```sh
//! .ci/external    # PostgreSQL 15, a superuser role for this user
//! # The source on a server of its own, with wal_level = logical:
//! pg_createcluster 15 cdcsrc -p 5433 --start
//! su postgres -c "psql -p 5433 -c 'ALTER SYSTEM SET wal_level = logical'"
//! pg_ctlcluster 15 cdcsrc restart
//! su postgres -c "createuser --superuser $(id -un) -p 5433"
//! DATASURFACE_BENCH_SOURCE_PORT=5433 cargo run --release -p datasurface-bench --bin airflow-cdc
//! DATASURFACE_BENCH_SOURCE_PORT=5433 cargo run --release -p datasurface-bench --bin airflow-cdc -- 1000000 30
//! ```
//!
//! A slot decodes its whole server's log: with the source on the merge
//! databases' server, every batch would also read past the merge's own
//! writes (tens of GB at 10,000,000 rows, kept by the slots until read),
//! which a production source does not have. The arguments: the rows
//! (default 10,000,000) and the seconds of each sustained run (default
//! 10: past it, on 2 cores, neither keeps up with the writers and batches
//! grow without end). Each runner batch runs in a child process
//! of this binary (the library `datasurface job ingest` calls), which
//! reports its own peak resident memory. Figures go to
//! `docs/performance.md`.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ::postgres::binary_copy::BinaryCopyInWriter;
use ::postgres::fallible_iterator::FallibleIterator as _;
use ::postgres::{Client, NoTls};
use datasurface_airflow::runner::{self, IngestOptions};
use datasurface_airflow::spec::{DatasetSpec, IngestSpec, SourceSpec};
use datasurface_airflow::statements::Statements;
use datasurface_bench::Failed;
use datasurface_bench::postgres::{
    self, CDC, PASSWORD, ROLE, SNAPSHOT, merge_db, peak_kb, psql, psql_at, source_port,
};
use datasurface_runtime::pgoutput::{self, Message, Value};

/// A change data capture batch's time against a snapshot batch's, at most.
const AGAINST_SNAPSHOT: f64 = 0.1;
/// A change data capture batch's time against the floor's, at most.
const AGAINST_FLOOR: f64 = 1.2;
/// The floor's own slot.
const FLOOR_SLOT: &str = "ds_bench_floor";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, database, stream] = args.as_slice()
        && flag == "--ingest"
    {
        return child(database, stream);
    }
    let rows: u64 = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let merge_name = format!("ds_bench_merge_{}", std::process::id());
    let source = format!("{merge_name}_src");
    let reported = report(&merge_name, &source, rows, seconds);
    // DATASURFACE_BENCH_KEEP=1 keeps the databases, to look at their plans.
    let keep = std::env::var_os("DATASURFACE_BENCH_KEEP").is_some();
    for (port, db) in [(5432, &merge_name), (source_port(), &source)]
        .into_iter()
        .filter(|_| !keep)
    {
        if let Err(e) = postgres::drop_database_at(port, db) {
            eprintln!("warning: {e}");
        }
    }
    match reported {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// One batch of `stream` by the runner, in this process; prints its
/// outcome and peak memory.
fn child(database: &str, stream: &str) -> ExitCode {
    let login = |_: &str| Ok(postgres::login());
    let started = Instant::now();
    // DATASURFACE_BENCH_STEPS=1 tells when each step of the batch ended.
    let steps = std::env::var_os("DATASURFACE_BENCH_STEPS").is_some();
    let outcome = runner::Runner::new(merge_db(database))
        .with_logins(login)
        .ingest(stream, &IngestOptions::default(), &mut |step| {
            if steps {
                eprintln!("{:8.3} s {step}", started.elapsed().as_secs_f64());
            }
        });
    match outcome {
        Ok(o) => {
            println!("{o}");
            println!("read {}", o.read);
            println!("peak_kb {}", peak_kb().unwrap_or(0));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What a runner batch took: seconds, peak MB, rows (changes) read, and
/// its summary line.
struct Ran {
    seconds: f64,
    peak_mb: f64,
    read: u64,
    summary: String,
}

/// One runner batch of `stream` in a child process.
fn runner_batch(database: &str, stream: &str) -> Result<Ran, Failed> {
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let out = Command::new(exe)
        .args(["--ingest", database, stream])
        .stderr(Stdio::inherit())
        .output()?;
    let seconds = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("the runner's batch of `{stream}` failed").into());
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    #[allow(clippy::cast_precision_loss, reason = "KiB of memory, far below 2^52")]
    let peak_mb = field("peak_kb ") as f64 / 1024.0;
    Ok(Ran {
        seconds,
        peak_mb,
        read: field("read "),
        summary: text.lines().next().unwrap_or_default().to_owned(),
    })
}

/// A session as the benchmarks' role over loopback, without TLS: the
/// floor's, and the writers'.
fn session(port: u16, database: &str) -> Result<Client, Failed> {
    Ok(Client::connect(
        &format!("host=localhost port={port} dbname={database} user={ROLE} password={PASSWORD}"),
        NoTls,
    )?)
}

/// The hand-written floor: its slot, its changes and merge tables, and
/// the runner's dataset with those tables.
struct Floor {
    source: Client,
    merge: Client,
    publication: String,
    dataset: DatasetSpec,
    columns: Vec<String>,
    keep_history: bool,
    batch: i32,
}

impl Floor {
    /// Makes the floor's tables beside the runner's, laid out as the
    /// platform lays out a change data capture merge table (its indexes,
    /// and a tenth of each page left free), and its slot on the source
    /// (before any change the runner reads).
    fn new(merge_name: &str, source_name: &str, cdc: &IngestSpec) -> Result<Floor, Failed> {
        let SourceSpec::Postgres { cdc: Some(c), .. } = &cdc.source else {
            return Err("the change data capture stream has no slot".into());
        };
        let d = &cdc.datasets[0];
        let mut merge = session(5432, merge_name)?;
        merge.batch_execute(&format!(
            "CREATE SCHEMA floor; \
             CREATE TABLE floor.changes (LIKE {} INCLUDING ALL); \
             CREATE TABLE floor.merge (LIKE {} INCLUDING ALL) WITH (fillfactor = 90)",
            c.changes_table, d.merge_table
        ))?;
        let mut source = session(source_port(), source_name)?;
        source.execute(
            "SELECT pg_create_logical_replication_slot($1, 'pgoutput')",
            &[&FLOOR_SLOT],
        )?;
        let mut dataset = d.clone();
        dataset.merge_table = "floor.merge".into();
        Ok(Floor {
            source,
            merge,
            publication: c.publication.clone(),
            columns: d.columns.iter().map(|c| c.name.clone()).collect(),
            dataset,
            keep_history: cdc.keep_history,
            batch: 1,
        })
    }

    /// The floor's merge table starts where the runner's first load left
    /// its own (not timed).
    fn seed(&mut self, from: &str) -> Result<(), Failed> {
        self.merge.batch_execute(&format!(
            "INSERT INTO floor.merge SELECT * FROM {from}; ANALYZE floor.merge"
        ))?;
        Ok(())
    }

    /// One batch: every change the slot holds, read (and consumed),
    /// decoded, copied into the changes table and merged. Seconds and
    /// changes.
    fn batch(&mut self) -> Result<(f64, u64), Failed> {
        self.batch += 1;
        let batch = self.batch;
        let started = Instant::now();
        let mut tx = self.merge.transaction()?;
        tx.batch_execute("TRUNCATE floor.changes")?;
        let sink = tx.copy_in("COPY floor.changes FROM STDIN (FORMAT binary)")?;
        let mut writer = BinaryCopyInWriter::new(sink, &runner::CHANGE_ROW);
        let params: [&(dyn ::postgres::types::ToSql + Sync); 2] = [&FLOOR_SLOT, &self.publication];
        let mut rows = self.source.query_raw(
            "SELECT data FROM pg_logical_slot_get_binary_changes($1, NULL, NULL, \
             'proto_version', '1', 'publication_names', $2)",
            params,
        )?;
        // Where each of the dataset's columns is in the relation's.
        let mut at: Vec<Option<usize>> = Vec::new();
        let mut seq = 0i64;
        let dataset = self.dataset.dataset.clone();
        let unchanged: Vec<String> = Vec::new();
        while let Some(row) = rows.next()? {
            let data: &[u8] = row.get(0);
            let (op, tuple) = match pgoutput::decode(data)? {
                Message::Relation(r) => {
                    at = self
                        .columns
                        .iter()
                        .map(|c| r.columns.iter().position(|rc| rc.name == c))
                        .collect();
                    continue;
                }
                Message::Insert { new, .. } => ("I", new),
                Message::Update { new, .. } => ("U", new),
                Message::Delete { old, .. } => ("D", old),
                _ => continue,
            };
            let values: Vec<Option<String>> = at
                .iter()
                .map(|i| match i.and_then(|i| tuple.values.get(i)) {
                    Some(Value::Text(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
                    _ => None,
                })
                .collect();
            seq += 1;
            writer.write(&[&batch, &seq, &dataset, &op, &unchanged, &values])?;
        }
        writer.finish()?;
        let read = started.elapsed().as_secs_f64();
        let s = Statements::postgres().cdc_merge(
            &self.dataset,
            "floor.changes",
            &self.columns,
            self.keep_history,
        );
        tx.execute(&s.typed[0], &[])?;
        tx.execute(&s.typed[1], &[&batch, &dataset])?;
        tx.execute(&s.fill_left_out, &[])?;
        let truncated: i64 = tx.query_one(&s.truncated_at, &[])?.get(0);
        tx.execute(&s.last, &[])?;
        if let Some(q) = &s.keep_earlier {
            tx.execute(q, &[&batch, &truncated])?;
        }
        tx.execute(&s.close_deleted, &[&batch, &truncated])?;
        tx.execute(&s.close_changed, &[&batch, &truncated])?;
        tx.execute(&s.close_truncated, &[&batch, &truncated])?;
        tx.execute(&s.open_new, &[&batch, &truncated])?;
        tx.batch_execute(&s.drop)?;
        tx.commit()?;
        // As the runner's DATASURFACE_BENCH_STEPS tells its steps.
        if std::env::var_os("DATASURFACE_BENCH_STEPS").is_some() {
            eprintln!(
                "  floor batch {batch}: read and staged {read:.3} s, merged {:.3} s",
                started.elapsed().as_secs_f64() - read
            );
        }
        Ok((
            started.elapsed().as_secs_f64(),
            u64::try_from(seq).unwrap_or(0),
        ))
    }
}

/// Writers on the source until stopped: each transaction updates 100
/// random rows of the first `rows`. Counts the rows they changed.
struct Writers {
    stop: Arc<AtomicBool>,
    changed: Arc<AtomicU64>,
    threads: Vec<std::thread::JoinHandle<Result<(), String>>>,
}

impl Writers {
    fn start(source: &str, rows: u64, writers: usize) -> Result<Writers, Failed> {
        let stop = Arc::new(AtomicBool::new(false));
        let changed = Arc::new(AtomicU64::new(0));
        let mut threads = Vec::with_capacity(writers);
        for _ in 0..writers {
            let mut client = session(source_port(), source)?;
            let (stop, changed) = (Arc::clone(&stop), Arc::clone(&changed));
            let n = i64::try_from(rows).unwrap_or(i64::MAX);
            threads.push(std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let done = client
                        .execute(
                            "UPDATE wide SET qty = qty + 1, at = now() WHERE id IN \
                             (SELECT 1 + floor(random() * $1::bigint)::bigint FROM generate_series(1, 100))",
                            &[&n],
                        )
                        .map_err(|e| e.to_string())?;
                    changed.fetch_add(done, Ordering::Relaxed);
                }
                Ok(())
            }));
        }
        Ok(Writers {
            stop,
            changed,
            threads,
        })
    }

    /// Stops them; the rows they changed.
    fn stop(self) -> Result<u64, Failed> {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().map_err(|_| "a writer panicked")??;
        }
        Ok(self.changed.load(Ordering::Relaxed))
    }
}

/// Changes applied a second by `batch` run back to back for `seconds`
/// with writers on the source, then once more without them (the rest):
/// (changes a second, batches, changes written).
fn sustained(
    source: &str,
    rows: u64,
    seconds: u64,
    mut batch: impl FnMut() -> Result<u64, Failed>,
) -> Result<(f64, u64, u64), Failed> {
    // Whatever is in the slot from before does not count.
    batch()?;
    let writers = Writers::start(source, rows, 2)?;
    let started = Instant::now();
    let (mut applied, mut batches) = (0u64, 0u64);
    while started.elapsed() < Duration::from_secs(seconds) {
        applied += batch()?;
        batches += 1;
    }
    let written = writers.stop()?;
    applied += batch()?;
    batches += 1;
    #[allow(
        clippy::cast_precision_loss,
        reason = "counts of changes, far below 2^52"
    )]
    let rate = applied as f64 / started.elapsed().as_secs_f64();
    Ok((rate, batches, written))
}

fn report(merge_name: &str, source: &str, rows: u64, seconds: u64) -> Result<(), Failed> {
    eprintln!("setting up {rows} rows in {source} …");
    let specs = postgres::set_up_stores(
        merge_name,
        source,
        rows,
        &[("Wide", SNAPSHOT), ("WideCdc", CDC)],
    )?;
    let cdc = specs.get(1).ok_or("no change data capture spec")?;
    let mut floor = Floor::new(merge_name, source, cdc)?;
    println!("| batch | stream | seconds | read | peak MB |");
    println!("|---|---|---:|---:|---:|");
    for stream in ["Wide", "WideCdc"] {
        let ran = runner_batch(merge_name, stream)?;
        eprintln!("  {}", ran.summary);
        println!(
            "| first load | {stream} | {:.2} | {} | {:.1} |",
            ran.seconds, ran.read, ran.peak_mb
        );
    }
    floor.seed(&cdc.datasets[0].merge_table)?;
    let change = |round: u64| {
        psql_at(
            source_port(),
            source,
            false,
            &format!(
                "UPDATE wide SET qty = qty + 1, note = 'changed' WHERE id % 100 = {}",
                7 + round
            ),
        )
    };
    change(0)?;
    // Each timed batch starts from a checkpoint: the last one's dirty
    // pages and log are written, so no batch pays for another's.
    settle(merge_name)?;
    let snapshot = runner_batch(merge_name, "Wide")?;
    eprintln!("  {}", snapshot.summary);
    println!(
        "| 1% changed | Wide | {:.2} | {} | {:.1} |",
        snapshot.seconds, snapshot.read, snapshot.peak_mb
    );
    let (changes, floor_s) = rounds(
        merge_name,
        &mut floor,
        &cdc.datasets[0].merge_table,
        &change,
    )?;
    let against_snapshot = changes / snapshot.seconds;
    let against_floor = changes / floor_s;
    println!();
    println!(
        "medians of {ROUNDS} rounds: change data capture {changes:.2} s, floor {floor_s:.2} s"
    );
    println!(
        "change data capture / snapshot: {against_snapshot:.3} (target ≤ {AGAINST_SNAPSHOT}, {})",
        met(against_snapshot <= AGAINST_SNAPSHOT)
    );
    println!(
        "change data capture / floor: {against_floor:.2}× (target ≤ {AGAINST_FLOOR}×, {})",
        met(against_floor <= AGAINST_FLOOR)
    );
    let (runner_rate, runner_batches, runner_written) = sustained(source, rows, seconds, || {
        runner_batch(merge_name, "WideCdc").map(|r| r.read)
    })?;
    let (floor_rate, floor_batches, floor_written) =
        sustained(source, rows, seconds, || floor.batch().map(|(_, n)| n))?;
    // The runner's slot holds what the writers did while the floor ran.
    runner_batch(merge_name, "WideCdc")?;
    same(merge_name, &cdc.datasets[0].merge_table)?;
    println!();
    println!("| sustained, 2 writers, {seconds} s | changes/s applied | batches | rows written |");
    println!("|---|---:|---:|---:|");
    println!("| runner | {runner_rate:.0} | {runner_batches} | {runner_written} |");
    println!("| floor | {floor_rate:.0} | {floor_batches} | {floor_written} |");
    println!(
        "runner / floor: {:.2} of the floor's rate",
        runner_rate / floor_rate
    );
    Ok(())
}

/// A round per 1% of the rows changed (`change`), the runner's batch and
/// the floor's taking turns going first, each from a checkpoint; the
/// medians of their seconds.
fn rounds(
    merge_name: &str,
    floor: &mut Floor,
    merge_table: &str,
    change: &dyn Fn(u64) -> Result<String, Failed>,
) -> Result<(f64, f64), Failed> {
    // A round per 1% of the rows changed, the runner and the floor taking
    // turns going first; their medians are compared (one batch of each
    // swings by a tenth on this machine's disk).
    let mut runner_seconds = Vec::new();
    let mut floor_seconds = Vec::new();
    for round in 0..ROUNDS {
        if round > 0 {
            change(round)?;
        }
        let mut runner = || -> Result<(), Failed> {
            settle(merge_name)?;
            let ran = runner_batch(merge_name, "WideCdc")?;
            eprintln!("  {}", ran.summary);
            println!(
                "| 1% changed, round {} | WideCdc | {:.2} | {} | {:.1} |",
                round + 1,
                ran.seconds,
                ran.read,
                ran.peak_mb
            );
            runner_seconds.push(ran.seconds);
            Ok(())
        };
        let mut floor_turn = || -> Result<(), Failed> {
            settle(merge_name)?;
            let (floor_s, floor_read) = floor.batch()?;
            println!(
                "| 1% changed, round {} | floor | {floor_s:.2} | {floor_read} | |",
                round + 1
            );
            floor_seconds.push(floor_s);
            Ok(())
        };
        if round % 2 == 0 {
            runner()?;
            floor_turn()?;
        } else {
            floor_turn()?;
            runner()?;
        }
        same(merge_name, merge_table)?;
    }
    Ok((median(&mut runner_seconds), median(&mut floor_seconds)))
}

/// The rounds of 1% changed rows.
const ROUNDS: u64 = 5;

/// The middle value (of an odd count; the upper middle of an even one).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or_default()
}

/// Writes every dirty page of both servers (`CHECKPOINT`), so the next
/// timed batch pays for no write an earlier one left.
fn settle(merge_name: &str) -> Result<(), Failed> {
    psql(merge_name, true, "CHECKPOINT")?;
    if source_port() != 5432 {
        psql_at(source_port(), "postgres", true, "CHECKPOINT")?;
    }
    Ok(())
}

/// Checks the runner's merge table and the floor's hold the same live rows.
fn same(merge_name: &str, merge_table: &str) -> Result<(), Failed> {
    let differ = psql(
        merge_name,
        false,
        &format!(
            "SELECT count(*) FROM ((SELECT id, qty, note FROM {merge_table} WHERE ds_surf_batch_out = 2147483647 \
             EXCEPT SELECT id, qty, note FROM floor.merge WHERE ds_surf_batch_out = 2147483647) \
             UNION ALL (SELECT id, qty, note FROM floor.merge WHERE ds_surf_batch_out = 2147483647 \
             EXCEPT SELECT id, qty, note FROM {merge_table} WHERE ds_surf_batch_out = 2147483647)) d"
        ),
    )?;
    if differ == "0" {
        Ok(())
    } else {
        Err(format!("the runner's merge table and the floor's differ in {differ} live rows").into())
    }
}

fn met(yes: bool) -> &'static str {
    if yes { "met" } else { "not met" }
}
