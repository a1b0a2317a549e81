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

use datasurface_airflow::runner::{self, Endpoint, IngestOptions, Login, MergeDatabase};
use datasurface_airflow::spec::IngestSpec;
use datasurface_airflow::statements::Statements;
use datasurface_platform::model::files::{self, SourceFile};
use datasurface_platform::model::validate::validate;
use datasurface_platform::render_with;

/// Why a measurement could not be made, for the terminal.
type Failed = Box<dyn std::error::Error + Send + Sync>;

const ROLE: &str = "datasurface_bench";
/// Each batch's time against the floor's, at most.
const TARGET: f64 = 1.1;
const PASSWORD: &str = "bench-password";

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

fn merge_db(database: &str) -> MergeDatabase {
    MergeDatabase {
        endpoint: Endpoint {
            host: "localhost".into(),
            port: 5432,
            database: database.into(),
            login: Login {
                user: ROLE.into(),
                password: Some(PASSWORD.into()),
            },
        },
        schema: "bench".into(),
    }
}

/// One batch by the runner, in this process; prints its peak memory.
fn child(database: &str) -> ExitCode {
    let login = |_: &str| {
        Ok(Login {
            user: ROLE.into(),
            password: Some(PASSWORD.into()),
        })
    };
    let outcome = runner::ingest(
        &merge_db(database),
        "Wide",
        &IngestOptions::default(),
        &login,
        &mut |_| {},
    );
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

fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn psql(database: &str, admin: bool, sql: &str) -> Result<String, Failed> {
    let mut c = Command::new("psql");
    c.args([
        "-X",
        "-q",
        "-t",
        "-A",
        "-v",
        "ON_ERROR_STOP=1",
        "-d",
        database,
    ]);
    if !admin {
        c.args(["-h", "localhost", "-U", ROLE])
            .env("PGPASSWORD", PASSWORD);
    }
    let out = c
        .args(["-c", sql])
        .output()
        .map_err(|e| format!("psql: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!("{sql}: {}", String::from_utf8_lossy(&out.stderr)).into())
    }
}

const COLUMNS: &str = "id bigint PRIMARY KEY, qty integer NOT NULL, amount numeric(12, 2), \
    name varchar(40) NOT NULL, note text, flag boolean, day date, at timestamptz, \
    ratio double precision, code varchar(8)";

fn model(merge: &str, source: &str) -> Vec<SourceFile> {
    let ecosystem = format!(
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Bench\n\
         owningRepository: {{name: bench/eco, branch: main}}\nliveRepository: {{name: bench/eco, branch: live}}\n\
         platforms:\n  Airflow: {{kind: airflow, version: ^0.1, parameters: {{schema: bench, mergeDatabase: {merge}}}}}\n\
         zoneDeclarations:\n  Main: {{repository: {{name: bench/eco, branch: main}}}}\n\
         assignments:\n  - {{workspace: Audit, datasetGroup: Everything, platforms: [{{platform: Airflow, status: PROVISIONED}}]}}\n"
    );
    let zone = "apiVersion: datasurface.dev/v1\nkind: GovernanceZone\nname: Main\n\
                teamDeclarations:\n  Team: {repository: {name: bench/eco, branch: main}}\n";
    let team = format!(
        "apiVersion: datasurface.dev/v1\nkind: Team\nzone: Main\nname: Team\n\
         containers:\n  Src: {{kind: {{database: {{engine: POSTGRES, database: {source}, endpoint: {{host: localhost, port: 5432}}}}}}}}\n  \
         Out: {{kind: platformManaged}}\n\
         datastores:\n  Wide:\n    capture:\n      ingestion:\n        container: Src\n        consistency: MULTI_DATASET\n        \
         credential: {{name: reader, type: USER_PASSWORD}}\n        method: {{sqlSnapshot: {{tables: {{items: wide}}}}}}\n    \
         datasets:\n      items:\n        schema:\n          columns:\n            \
         id: {{type: BigInt, nullable: false}}\n            qty: {{type: Integer, nullable: false}}\n            \
         amount: {{type: {{Decimal: {{precision: 12, scale: 2}}}}}}\n            name: {{type: {{VarChar: {{maxSize: 40}}}}, nullable: false}}\n            \
         note: {{type: {{String: {{}}}}}}\n            flag: {{type: Boolean}}\n            day: {{type: Date}}\n            \
         at: {{type: {{Timestamp: {{}}}}}}\n            ratio: {{type: IEEE64}}\n            code: {{type: {{VarChar: {{maxSize: 8}}}}}}\n          \
         primaryKey: [id]\n\
         workspaces:\n  Audit:\n    container: Out\n    datasetGroups:\n      Everything:\n        sinks: [{{datastore: Wide, dataset: items}}]\n        \
         requirements: {{milestoning: LIVE_WITH_FORENSIC_HISTORY, latency: HOURS}}\n"
    );
    vec![
        SourceFile::new("ecosystem.yaml", ecosystem),
        SourceFile::new("zone.yaml", zone.to_owned()),
        SourceFile::new("team.yaml", team),
    ]
}

/// Makes the databases, the source table and the merge database's tables.
fn set_up(merge_name: &str, source: &str, rows: u64) -> Result<IngestSpec, Failed> {
    psql(
        "postgres",
        true,
        &format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN \
             CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'; END IF; END $$"
        ),
    )?;
    for db in [merge_name, source] {
        psql(
            "postgres",
            true,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        )?;
        psql(
            "postgres",
            true,
            &format!("CREATE DATABASE {db} OWNER {ROLE}"),
        )?;
    }
    psql(
        source,
        false,
        &format!(
            "CREATE TABLE wide ({COLUMNS}); \
             INSERT INTO wide SELECT g, g % 1000, (g % 100000) / 100.0, 'name ' || g, \
             CASE WHEN g % 5 = 0 THEN NULL ELSE repeat(md5(g::text), 1 + g % 2) END, g % 2 = 0, \
             date '2020-01-01' + (g % 2000)::int, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', \
             g / 7.0, 'c' || (g % 9999) FROM generate_series(1, {rows}) g"
        ),
    )?;
    psql(source, false, "VACUUM ANALYZE wide")?;
    let files = model(merge_name, source);
    let loaded = files::load(&files)?;
    let valid = validate(loaded.ecosystem).map_err(|e| format!("{e:?}"))?;
    let graphs = datasurface_platform::graph::build(&valid);
    let name = valid.platforms.keys().next().ok_or("no platform")?.clone();
    let rendered = render_with(&datasurface_airflow::Airflow::new(), &valid, &graphs, &name)?;
    runner::apply(&merge_db(merge_name), &rendered.rendering, &mut |_| {})?;
    let spec = rendered
        .rendering
        .artifacts
        .iter()
        .find(|(k, _)| k.as_str() == "jobs/ingest/Wide.json")
        .ok_or("no job spec")?
        .1;
    // The floor's own tables, the same as the runner's.
    psql(
        merge_name,
        false,
        "CREATE SCHEMA floor; \
         CREATE TABLE floor.staging (LIKE bench.wide_items_staging INCLUDING ALL); \
         CREATE TABLE floor.merge (LIKE bench.wide_items_merge INCLUDING ALL)",
    )?;
    Ok(serde_json::from_str(&spec.content)?)
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
        psql(
            "postgres",
            true,
            &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
        )?;
    }
    Ok(())
}
