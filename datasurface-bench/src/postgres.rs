//! The PostgreSQL side of the `airflow` platform's job benchmarks: a role,
//! a source database with one 10-column table, a merge database with the
//! platform's rendering applied, and `psql` for the floor.

use std::fmt::Write as _;
use std::process::Command;

use datasurface_airflow::runner::{self, Endpoint, Login, MergeDatabase};
use datasurface_airflow::spec::IngestSpec;
use datasurface_files::{self as files, SourceFile};
use datasurface_platform::render_with;
use datasurface_rules::validate::validate;

use crate::Failed;

/// The role the benchmarks log in as.
pub const ROLE: &str = "datasurface_bench";
/// Its password, on loopback only.
pub const PASSWORD: &str = "bench-password";

/// The merge database `database`, schema `bench`, as the benchmarks' role.
pub fn merge_db(database: &str) -> MergeDatabase {
    MergeDatabase {
        endpoint: Endpoint {
            host: "localhost".into(),
            port: 5432,
            database: database.into(),
            login: login(),
        },
        schema: "bench".into(),
    }
}

/// The benchmarks' login, for the merge database and the source alike.
pub fn login() -> Login {
    Login {
        user: ROLE.into(),
        password: Some(PASSWORD.into()),
    }
}

/// Runs `sql` in `database` with `psql`: as the local superuser when
/// `admin`, else as [`ROLE`] over TCP. Returns the unaligned output.
///
/// # Errors
///
/// When `psql` cannot start or the statement fails, with its message.
pub fn psql(database: &str, admin: bool, sql: &str) -> Result<String, Failed> {
    psql_at(5432, database, admin, sql)
}

/// The port of the source databases' server: `DATASURFACE_BENCH_SOURCE_PORT`,
/// else 5432, the merge databases' own. A change data capture slot reads
/// its whole server's log, so benchmarks of it put the source on a server
/// of its own, as a source is in production (`docs/performance.md`).
pub fn source_port() -> u16 {
    std::env::var("DATASURFACE_BENCH_SOURCE_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(5432)
}

/// [`psql`] on the server at `port`.
///
/// # Errors
///
/// When `psql` cannot start or the statement fails, with its message.
pub fn psql_at(port: u16, database: &str, admin: bool, sql: &str) -> Result<String, Failed> {
    let mut c = Command::new("psql");
    c.args([
        "-p",
        &port.to_string(),
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
        .map_err(|e| format!("psql: {e} (is PostgreSQL installed? `.ci/external` sets it up)"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!("{sql}: {}", String::from_utf8_lossy(&out.stderr)).into())
    }
}

/// The source table's columns.
pub const COLUMNS: &str = "id bigint PRIMARY KEY, qty integer NOT NULL, amount numeric(12, 2), \
    name varchar(40) NOT NULL, note text, flag boolean, day date, at timestamptz, \
    ratio double precision, code varchar(8)";

/// How datastore `Wide` is captured: a snapshot of table `wide`.
pub const SNAPSHOT: &str = "{sqlSnapshot: {tables: {items: wide}}}";

/// Change data capture of table `wide`, from a snapshot on.
pub const CDC: &str = "{cdc: {tables: {items: wide}}}";

/// The one-platform model: datastore `Wide` (dataset `items` from table
/// `wide` of database `source`) merged by platform `Airflow` into `merge`.
pub fn model(merge: &str, source: &str) -> Vec<SourceFile> {
    model_of(merge, source, &[("Wide", SNAPSHOT)])
}

/// The one-platform model with a datastore for each of `stores` (its name,
/// and how it captures table `wide` of database `source`), each with
/// dataset `items`, merged by platform `Airflow` into `merge`.
pub fn model_of(merge: &str, source: &str, stores: &[(&str, &str)]) -> Vec<SourceFile> {
    let ecosystem = format!(
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Bench\n\
         owningRepository: {{name: bench/eco, branch: main}}\nliveRepository: {{name: bench/eco, branch: live}}\n\
         platforms:\n  Airflow: {{kind: airflow, version: ^0.1, parameters: {{schema: bench, mergeDatabase: {merge}}}}}\n\
         zoneDeclarations:\n  Main: {{repository: {{name: bench/eco, branch: main}}}}\n\
         assignments:\n  - {{workspace: Audit, datasetGroup: Everything, platforms: [{{platform: Airflow, status: PROVISIONED}}]}}\n"
    );
    let zone = "apiVersion: datasurface.dev/v1\nkind: GovernanceZone\nname: Main\n\
                teamDeclarations:\n  Team: {repository: {name: bench/eco, branch: main}}\n";
    let mut datastores = String::new();
    for (name, method) in stores {
        let _ = write!(
            datastores,
            "  {name}:\n    capture:\n      ingestion:\n        container: Src\n        consistency: MULTI_DATASET\n        \
             credential: {{name: reader, type: USER_PASSWORD}}\n        method: {method}\n    \
             datasets:\n      items:\n        schema:\n          columns:\n            \
             id: {{type: BigInt, nullable: false}}\n            qty: {{type: Integer, nullable: false}}\n            \
             amount: {{type: {{Decimal: {{precision: 12, scale: 2}}}}}}\n            name: {{type: {{VarChar: {{maxSize: 40}}}}, nullable: false}}\n            \
             note: {{type: {{String: {{}}}}}}\n            flag: {{type: Boolean}}\n            day: {{type: Date}}\n            \
             at: {{type: {{Timestamp: {{}}}}}}\n            ratio: {{type: IEEE64}}\n            code: {{type: {{VarChar: {{maxSize: 8}}}}}}\n          \
             primaryKey: [id]\n"
        );
    }
    let sinks: Vec<String> = stores
        .iter()
        .map(|(name, _)| format!("{{datastore: {name}, dataset: items}}"))
        .collect();
    let port = source_port();
    let team = format!(
        "apiVersion: datasurface.dev/v1\nkind: Team\nzone: Main\nname: Team\n\
         containers:\n  Src: {{kind: {{database: {{engine: POSTGRES, database: {source}, endpoint: {{host: localhost, port: {port}}}}}}}}}\n  \
         Out: {{kind: platformManaged}}\n\
         datastores:\n{datastores}\
         workspaces:\n  Audit:\n    container: Out\n    datasetGroups:\n      Everything:\n        sinks: [{}]\n        \
         requirements: {{milestoning: LIVE_WITH_FORENSIC_HISTORY, latency: HOURS}}\n",
        sinks.join(", ")
    );
    vec![
        SourceFile::new("ecosystem.yaml", ecosystem),
        SourceFile::new("zone.yaml", zone.to_owned()),
        SourceFile::new("team.yaml", team),
    ]
}

/// Makes the role, fresh databases `merge` and `source`, the source table
/// with `rows` rows, and the merge database's tables (the rendering
/// applied). Returns the stream's job spec.
///
/// # Errors
///
/// When PostgreSQL is not there or refuses a step, with the statement.
pub fn set_up(merge: &str, source: &str, rows: u64) -> Result<IngestSpec, Failed> {
    set_up_stores(merge, source, rows, &[("Wide", SNAPSHOT)])?
        .pop()
        .ok_or_else(|| "no job spec".into())
}

/// [`set_up`] with a datastore for each of `stores` (see [`model_of`]);
/// the role may read changes (`REPLICATION`), and `job apply` makes the
/// slots of change data capture stores. Returns their job specs, in order.
///
/// # Errors
///
/// When PostgreSQL is not there or refuses a step, with the statement.
pub fn set_up_stores(
    merge: &str,
    source: &str,
    rows: u64,
    stores: &[(&str, &str)],
) -> Result<Vec<IngestSpec>, Failed> {
    let port = source_port();
    for at in [5432, port] {
        psql_at(
            at,
            "postgres",
            true,
            &format!(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN \
                 CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'; END IF; END $$; \
                 ALTER ROLE {ROLE} REPLICATION"
            ),
        )?;
    }
    for (at, db) in [(5432, merge), (port, source)] {
        drop_database_at(at, db)?;
        psql_at(
            at,
            "postgres",
            true,
            &format!("CREATE DATABASE {db} OWNER {ROLE}"),
        )?;
    }
    psql_at(
        port,
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
    psql_at(port, source, false, "VACUUM ANALYZE wide")?;
    let files = model_of(merge, source, stores);
    let loaded = files::load(&files)?;
    let valid = validate(loaded.ecosystem).map_err(|e| format!("{e:?}"))?;
    let graphs = datasurface_platform::graph::build(&valid);
    let name = valid.platforms.keys().next().ok_or("no platform")?.clone();
    let rendered = render_with(&datasurface_airflow::Airflow::new(), &valid, &graphs, &name)?;
    runner::Runner::new(merge_db(merge))
        .with_logins(|_| Ok(login()))
        .apply(&rendered.rendering, &mut |_| {})?;
    stores
        .iter()
        .map(|(store, _)| {
            let key = format!("jobs/ingest/{store}.json");
            let spec = rendered
                .rendering
                .artifacts
                .iter()
                .find(|(k, _)| k.as_str() == key)
                .ok_or_else(|| format!("no job spec {key}"))?
                .1;
            Ok(serde_json::from_str(&spec.content)?)
        })
        .collect()
}

/// Drops database `db` if it is there, whoever is connected, and the
/// replication slots on it first.
///
/// # Errors
///
/// When PostgreSQL refuses.
pub fn drop_database(db: &str) -> Result<(), Failed> {
    drop_database_at(5432, db)
}

/// [`drop_database`] on the server at `port`.
///
/// # Errors
///
/// When PostgreSQL refuses.
pub fn drop_database_at(port: u16, db: &str) -> Result<(), Failed> {
    psql_at(
        port,
        "postgres",
        true,
        &format!(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{db}'"
        ),
    )?;
    psql_at(
        port,
        "postgres",
        true,
        &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
    )
    .map(drop)
}

/// This process's peak resident memory in KiB (`VmHWM`), on Linux.
pub fn peak_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
