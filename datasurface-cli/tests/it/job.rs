//! `datasurface job` on a real PostgreSQL: batches that merge changes and
//! keep history, bad batches that fail whole with the row and column named,
//! runners killed at random moments, and two runners on one stream.
//!
//! PostgreSQL is reached as `.ci/external` sets it up (`psql` as the current
//! user, a superuser); each test makes its own databases and a login role
//! with a password, as the job logs in over TCP. When PostgreSQL is missing
//! the tests say so and pass, unless `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ROLE: &str = "datasurface_job_test";
const PASSWORD: &str = "job-test-password";

/// Runs one SQL command with `psql` in `database`: as the machine's
/// superuser role (over the socket), or as the test's login role (over TCP,
/// as the job connects). Its output, or its error.
fn psql(database: &str, as_role: bool, sql: &str) -> Result<String, String> {
    let mut command = Command::new("psql");
    command.args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"]);
    if as_role {
        command
            .args(["-h", "localhost", "-U", ROLE])
            .env("PGPASSWORD", PASSWORD);
    }
    let out = command
        .args(["-d", database, "-c", sql])
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

fn psql_admin(sql: &str) -> Option<String> {
    psql("postgres", false, sql).ok()
}

/// Runs SQL as the test's login role; panics with PostgreSQL's message.
fn sql_as_role(database: &str, sql: &str) -> String {
    psql(database, true, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A scratch merge database and source database, with a model naming them.
struct Scratch {
    merge: String,
    source: String,
    dir: PathBuf,
}

impl Scratch {
    /// Makes the databases and the model, or reports PostgreSQL missing.
    fn new(name: &str, rows: u32) -> Option<Scratch> {
        Scratch::with_source(name, rows, &Source::Snapshot)
    }

    /// Makes the databases and a model whose store reads `source`.
    fn with_source(name: &str, rows: u32, source_kind: &Source) -> Option<Scratch> {
        if psql_admin("SELECT 1").is_none() {
            let message = "SKIPPED: PostgreSQL is not available here (start it with .ci/external)";
            assert!(
                std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
                "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires it"
            );
            #[allow(clippy::print_stderr, reason = "the test says what it could not check")]
            {
                eprintln!("{message}");
            }
            return None;
        }
        let merge = format!("ds_job_{name}_{}", std::process::id());
        let source = format!("{merge}_src");
        // Roles are shared by the cluster: made once, same password for every test.
        let _ = psql_admin(&format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN \
             CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'; END IF; END $$"
        ));
        // Applying a transformer makes its role; reading changes needs REPLICATION.
        let _ = psql_admin(&format!("ALTER ROLE {ROLE} CREATEROLE REPLICATION"));
        for db in [&merge, &source] {
            let _ = psql_admin(&format!(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{db}'"
            ));
            psql_admin(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).unwrap();
            psql_admin(&format!("CREATE DATABASE {db} OWNER {ROLE}")).unwrap();
        }
        let dir = std::env::temp_dir().join(&merge);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("model")).unwrap();
        let text = model(&merge, &source, source_kind, &dir);
        for (name, document) in ["ecosystem", "zone", "team"]
            .iter()
            .zip(text.split("---\n"))
        {
            std::fs::write(dir.join(format!("model/{name}.yaml")), document).unwrap();
        }
        let scratch = Scratch { merge, source, dir };
        scratch.source_sql(&format!(
            "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer, \
             price numeric(18, 2), note text, updated timestamptz NOT NULL DEFAULT '2025-01-01'); \
             INSERT INTO items SELECT g, 'item ' || g, g % 100, (g % 1000) / 10.0, \
             CASE WHEN g % 3 = 0 THEN NULL ELSE repeat('n', g % 50) END FROM generate_series(1, {rows}) g"
        ));
        let model = scratch.dir.join("model");
        let mut apply = vec!["apply", model.to_str().unwrap()];
        if matches!(
            source_kind,
            Source::AirflowMirror | Source::SqliteMirrorsAirflow | Source::SparkMirrorsAirflow
        ) {
            apply.extend(["--platform", "Airflow"]);
        }
        let applied = scratch.job(&apply, &[]);
        assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
        match source_kind {
            Source::Transformer(query) if *query != BENIGN_QUERY => scratch.past_the_gate(query),
            _ => {}
        }
        Some(scratch)
    }

    /// Puts `query` in the stored transformer spec as the text its engine
    /// runs, as if it had got past the gate (which refuses a hostile one,
    /// and whose rendering would write it again): the run-time defences
    /// are tested on their own.
    fn past_the_gate(&self, query: &str) {
        let literal = format!("'{}'", query.replace('\'', "''"));
        self.merge_sql(&format!(
            "UPDATE shop.job_spec SET spec = jsonb_set(spec, '{{outputs,0,query}}', to_jsonb({literal}::text)) WHERE kind = 'transform'"
        ));
    }

    fn source_sql(&self, sql: &str) -> String {
        sql_as_role(&self.source, sql)
    }

    fn merge_sql(&self, sql: &str) -> String {
        sql_as_role(&self.merge, sql)
    }

    /// `datasurface job …` with the environment a rendered task sets.
    fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_datasurface"));
        c.arg("job").args(args).current_dir(&self.dir);
        c.envs(self.env());
        for (k, v) in extra {
            c.env(k, v);
        }
        c
    }

    /// The environment a rendered task sets.
    fn env(&self) -> [(&str, &str); 10] {
        [
            ("DATASURFACE_PLATFORM", "Airflow"),
            ("DATASURFACE_MERGE_HOST", "localhost"),
            ("DATASURFACE_MERGE_PORT", "5432"),
            ("DATASURFACE_MERGE_DATABASE", self.merge.as_str()),
            ("DATASURFACE_MERGE_SCHEMA", "shop"),
            ("DATASURFACE_MERGE_CREDENTIAL", "merge_rw"),
            ("DATASURFACE_CREDENTIAL_MERGE_RW_USER", ROLE),
            ("DATASURFACE_CREDENTIAL_MERGE_RW_PASSWORD", PASSWORD),
            ("DATASURFACE_CREDENTIAL_SHOP_READER_USER", ROLE),
            ("DATASURFACE_CREDENTIAL_SHOP_READER_PASSWORD", PASSWORD),
        ]
    }

    fn job(&self, args: &[&str], extra: &[(&str, &str)]) -> super::Run {
        ran(&mut self.command(args, extra))
    }

    fn ingest(&self) -> super::Run {
        self.job(&["ingest", "--stream", "Shop", "--keep-history"], &[])
    }

    /// A fingerprint of every row version of the merge table.
    fn merge_state(&self) -> String {
        self.merge_sql(
            "SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, ',' ORDER BY x::text)), '') \
             FROM shop.shop_items_merge x",
        )
    }

    /// Each live row (`id|hash`), and each source row, as the same text.
    fn live_and_source(&self) -> (String, String) {
        let row = "id || '|' || md5(ROW(name, qty, price, note)::text)";
        (
            self.merge_sql(&format!(
                "SELECT string_agg({row}, ',' ORDER BY id) FROM shop.shop_items_merge WHERE ds_surf_batch_out = 2147483647"
            )),
            self.source_sql(&format!("SELECT string_agg({row}, ',' ORDER BY id) FROM items")),
        )
    }
}

/// Runs a command to its end: its exit code and what it printed.
fn ran(command: &mut Command) -> super::Run {
    let out = command.output().unwrap();
    super::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            for db in [&self.merge, &self.source] {
                // A database with a replication slot cannot be dropped.
                let _ = psql_admin(&format!(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{db}'"
                ));
                let _ = psql_admin(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Where the test store's rows come from.
enum Source {
    /// A snapshot of the PostgreSQL table.
    Snapshot,
    /// The PostgreSQL table's rows past the last `updated` seen.
    Watermark,
    /// A folder of CSV files, `<dir>/drops`.
    Csv,
    /// A SQLite file, `<dir>/shop.sqlite`.
    Sqlite,
    /// A SQLite file, `<dir>/model/shop.sqlite`, that the `sqlite` platform
    /// `Local` ingests (state in `<dir>/local`): the `airflow` platform
    /// mirrors its merge database and never reads the file.
    SqliteMirror,
    /// A snapshot that the `airflow` platform `Airflow` ingests, and that
    /// a second `airflow` platform, `Replica` (schema `shop_replica`, in the
    /// same merge database), mirrors from `Airflow`'s merge tables.
    AirflowMirror,
    /// A snapshot that the `airflow` platform `Airflow` ingests, and that
    /// the `sqlite` platform `Local` mirrors from its merge tables with the
    /// credential `mirror_reader`.
    SqliteMirrorsAirflow,
    /// A snapshot that the `airflow` platform `Airflow` ingests, and that
    /// the `spark` platform `Lake` (warehouse `<dir>/lake`) mirrors from its
    /// merge tables over JDBC with the credential `mirror_reader`.
    SparkMirrorsAirflow,
    /// A snapshot, and a transformer `Summary` reading it with this query
    /// into `Summary_Out.totals` (`id`, `qty`), which the consumer reads too.
    Transformer(&'static str),
    /// The PostgreSQL table's changes, through a replication slot, after
    /// a first snapshot (the login role gets `REPLICATION`).
    Cdc,
    /// The same, but only the changes made since `job apply` made the slot.
    CdcChangesOnly,
    /// The PostgreSQL table's changes, followed by the `sqlite` platform
    /// `Local` (state in `<dir>/local`), the only platform of the consumer.
    SqliteCdc,
}

/// The query the model's transformer holds; a test's own query replaces
/// its rendering in the stored spec (`Scratch::past_the_gate`).
const BENIGN_QUERY: &str = "SELECT id, qty FROM shop_items";

/// The transformer variant's parts of the model: the consumer's sink on its
/// output, the workspace, and the output store.
fn transformer_parts(kind: &Source) -> (&'static str, String, &'static str) {
    let (summary_sink, transformer) = match kind {
        Source::Transformer(_) => (
            ", {datastore: Summary_Out, dataset: totals}",
            format!(
                "  Summary:\n    container: Analytics\n    datasetGroups:\n      Input:\n        sinks: [{{datastore: Shop, dataset: items}}]\n    \
                 transformer:\n      outputDatastore: Summary_Out\n      code: {{sql: {{queries: {{totals: \"{BENIGN_QUERY}\"}}}}}}\n      limits: {{timeoutSeconds: 5}}\n"
            ),
        ),
        _ => ("", String::new()),
    };
    let summary_store = if matches!(kind, Source::Transformer(_)) {
        "  Summary_Out:\n    capture: {transformerOutput: {workspace: Summary}}\n    datasets:\n      totals:\n        \
         schema:\n          columns:\n            id: {type: Integer, nullable: false}\n            qty: {type: Integer}\n          primaryKey: [id]\n"
    } else {
        ""
    };
    (summary_sink, transformer, summary_store)
}

/// One store, kept with its history for a forensic consumer.
/// How the test store is captured: its method, container, the airflow
/// platform's extra parameters and an extra column.
fn capture_parts(
    kind: &Source,
    dir: &std::path::Path,
) -> (&'static str, &'static str, String, &'static str) {
    let drops = dir.join("drops");
    match kind {
        Source::Snapshot
        | Source::Transformer(_)
        | Source::AirflowMirror
        | Source::SqliteMirrorsAirflow
        | Source::SparkMirrorsAirflow => ("{sqlSnapshot: {}}", "Orders", String::new(), ""),
        Source::Cdc | Source::SqliteCdc => ("{cdc: {}}", "Orders", String::new(), ""),
        Source::CdcChangesOnly => ("{cdc: {start: changesOnly}}", "Orders", String::new(), ""),
        Source::Watermark => (
            "{sqlWatermark: {watermarkColumn: updated, watermarkType: {Timestamp: {}}}}",
            "Orders",
            String::new(),
            "\n            updated: {type: {Timestamp: {}}, nullable: false}",
        ),
        Source::Csv => (
            "{fileDrop: {}}",
            "Drops",
            format!(", sources: {{Drops: {}}}", drops.display()),
            "",
        ),
        Source::Sqlite => (
            "{sqlSnapshot: {}}",
            "Local",
            format!(
                ", sources: {{Local: {}}}",
                dir.join("shop.sqlite").display()
            ),
            "",
        ),
        Source::SqliteMirror => (
            "{sqlSnapshot: {}}",
            "Local",
            format!(
                ", primaries: {{Local: {}}}",
                dir.join("local/merge.sqlite").display()
            ),
            "",
        ),
    }
}

/// The model's second platform, if the source has one: its declaration,
/// its assignment to the consumer's group, and the primaries it mirrors.
fn second_platform(
    kind: &Source,
    merge: &str,
    dir: &std::path::Path,
) -> (String, &'static str, &'static str) {
    match kind {
        Source::SqliteMirror => (
            "  Local: {kind: sqlite, version: ^0.1}\n".to_owned(),
            ", {platform: Local, status: PROVISIONED}",
            "primaryIngestionPlatforms:\n  Shop: [Local]\n",
        ),
        Source::AirflowMirror => (
            format!(
                "  Replica:\n    kind: airflow\n    version: ^0.1\n    parameters: {{executor: local, schema: shop_replica, mergeHost: localhost, mergeDatabase: {merge}}}\n"
            ),
            ", {platform: Replica, status: PROVISIONED}",
            "primaryIngestionPlatforms:\n  Shop: [Airflow]\n",
        ),
        Source::SqliteMirrorsAirflow => (
            "  Local: {kind: sqlite, version: ^0.1, parameters: {primaries: {Airflow: {credential: mirror_reader}}}}\n".to_owned(),
            ", {platform: Local, status: PROVISIONED}",
            "primaryIngestionPlatforms:\n  Shop: [Airflow]\n",
        ),
        Source::SparkMirrorsAirflow => (
            format!(
                "  Lake:\n    kind: spark\n    version: ^0.1\n    parameters:\n      \
                 warehouse: \"{}\"\n      master: \"local[1]\"\n      \
                 sparkConf: {{spark.sql.shuffle.partitions: '1', spark.ui.enabled: 'false'}}\n      \
                 primaries: {{Airflow: {{credential: mirror_reader}}}}\n",
                dir.join("lake").display()
            ),
            ", {platform: Lake, status: PROVISIONED}",
            "primaryIngestionPlatforms:\n  Shop: [Airflow]\n",
        ),
        Source::SqliteCdc => (
            "  Local: {kind: sqlite, version: ^0.1}\n".to_owned(),
            "",
            "",
        ),
        _ => (String::new(), "", ""),
    }
}

fn model(merge: &str, source: &str, kind: &Source, dir: &std::path::Path) -> String {
    let (method, container, sources, watermark_column) = capture_parts(kind, dir);
    let (local_platform, local_assigned, primaries) = second_platform(kind, merge, dir);
    let assigned = if matches!(kind, Source::SqliteCdc) {
        "Local"
    } else {
        "Airflow"
    };
    let (summary_sink, transformer, summary_store) = transformer_parts(kind);
    format!(
        r"apiVersion: datasurface.dev/v1
kind: Ecosystem
name: Shop
owningRepository: {{name: shop/ecosystem, branch: main}}
liveRepository: {{name: shop/ecosystem, branch: live}}
platforms:
  Airflow:
    kind: airflow
    version: ^0.1
    parameters: {{executor: local, schema: shop, mergeHost: localhost, mergeDatabase: {merge}{sources}}}
{local_platform}zoneDeclarations:
  Main:
    repository: {{name: shop/ecosystem, branch: main}}
assignments:
  - workspace: Audit
    datasetGroup: Everything
    platforms: [{{platform: {assigned}, status: PROVISIONED}}{local_assigned}]
{primaries}---
apiVersion: datasurface.dev/v1
kind: GovernanceZone
name: Main
teamDeclarations:
  Shop:
    repository: {{name: shop/ecosystem, branch: main}}
---
apiVersion: datasurface.dev/v1
kind: Team
zone: Main
name: Shop
containers:
  Orders:
    kind:
      database: {{engine: POSTGRES, database: {source}, endpoint: {{host: localhost, port: 5432}}}}
  Drops:
    kind: {{objectStorage: {{bucket: drops}}}}
  Local:
    kind: {{database: {{engine: SQLITE, database: shop.sqlite}}}}
  Analytics:
    kind: platformManaged
datastores:
  Shop:
    capture:
      ingestion:
        container: {container}
        consistency: MULTI_DATASET
        credential: {{name: shop_reader, type: USER_PASSWORD}}
        method: {method}
    datasets:
      items:
        schema:
          columns:
            id: {{type: Integer, nullable: false}}
            name: {{type: {{VarChar: {{maxSize: 20}}}}, nullable: false}}
            qty: {{type: Integer}}
            price: {{type: {{Decimal: {{precision: 18, scale: 2}}}}}}
            note: {{type: {{String: {{}}}}}}{watermark_column}
          primaryKey: [id]
{summary_store}workspaces:
  Audit:
    container: Analytics
    datasetGroups:
      Everything:
        sinks: [{{datastore: Shop, dataset: items}}{summary_sink}]
        requirements: {{milestoning: LIVE_WITH_FORENSIC_HISTORY, latency: HOURS}}
{transformer}"
    )
}

#[test]
fn batches_merge_changes_and_keep_their_history() {
    let Some(s) = Scratch::new("merge", 100) else {
        return;
    };
    let first = s.ingest();
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert!(
        first
            .stdout
            .contains("batch 1 committed: 100 rows read, +100 ~0 -0"),
        "{}",
        first.stdout
    );

    s.source_sql("UPDATE items SET qty = 1000 WHERE id = 1; DELETE FROM items WHERE id = 2; INSERT INTO items VALUES (500, 'new', 1, 2.50, NULL)");
    let second = s.ingest();
    assert!(
        second
            .stdout
            .contains("batch 2 committed: 100 rows read, +1 ~1 -1"),
        "{}{}",
        second.stdout,
        second.stderr
    );
    assert_eq!(
        s.merge_sql("SELECT string_agg(id || ':' || qty || ':' || ds_surf_batch_in || ':' || ds_surf_batch_out, ' ' ORDER BY id, ds_surf_batch_in) FROM shop.shop_items_merge WHERE id IN (1, 2, 500)"),
        "1:1:1:2 1:1000:2:2147483647 2:2:1:2 500:1:2:2147483647"
    );
    let live = s.merge_sql("SELECT count(*) FROM shop_audit.everything_shop_items");
    assert_eq!(live, "100");
    let (merged, source) = s.live_and_source();
    assert_eq!(merged, source);
}

#[test]
fn change_data_capture_from_changes_only_loads_no_snapshot() {
    let Some(s) = Scratch::with_source("cdconly", 100, &Source::CdcChangesOnly) else {
        return;
    };
    s.source_sql("UPDATE items SET qty = 1000 WHERE id = 1; INSERT INTO items VALUES (500, 'new', 1, 2.50, NULL)");
    let first = s.ingest();
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    said(
        &first,
        "batch 1 committed: 2 rows read, +2 ~0 -0",
        "two changes, no snapshot",
    );
    assert_eq!(
        versions(&s, "1, 2, 500"),
        "1:1000:1:2147483647:0 500:1:1:2147483647:0"
    );
}

/// The replication slot of stream `Shop`, as `job status --format json` reports it.
fn slot_status(s: &Scratch) -> serde_json::Value {
    let run = s.job(&["status", "--format", "json"], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    json["streams"][0]["slot"].clone()
}

#[test]
fn a_lagging_or_lost_slot_is_reported_and_resync_mends_it() {
    let Some(s) = Scratch::with_source("cdclag", 100, &Source::Cdc) else {
        return;
    };
    // A limit of 4 MiB of the source's log, for the test to pass it.
    let ecosystem = s.dir.join("model/ecosystem.yaml");
    let text = std::fs::read_to_string(&ecosystem).unwrap();
    std::fs::write(
        &ecosystem,
        text.replace(
            "executor: local, schema: shop,",
            "executor: local, slotLagLimitMib: 4, schema: shop,",
        ),
    )
    .unwrap();
    let model = s.dir.join("model");
    let applied = s.job(&["apply", model.to_str().unwrap()], &[]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    let first = s.ingest();
    said(&first, "batch 1 committed: 100 rows read", "the snapshot");
    said(
        &first,
        "source table `public.items` has columns the model does not name, which are not published and not read: `updated`",
        "a column the model does not know",
    );
    let slot = slot_status(&s);
    assert!(
        slot["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("dssurf_")),
        "{slot}"
    );
    // The cluster's log is every database's: other tests write to it too,
    // so what the slot holds is only ever checked from below.
    assert_eq!(slot["walStatus"], "reserved", "{slot}");
    assert!(slot["lagBytes"].as_u64().is_some(), "{slot}");
    assert!(slot["ageSeconds"].as_f64().is_some(), "{slot}");

    // Changes the stream does not read: the slot holds them back.
    s.source_sql(
        "INSERT INTO items SELECT g, 'more ' || g, 1, 1, repeat('x', 400) FROM generate_series(1000, 20000) g",
    );
    let slot = slot_status(&s);
    let why = slot["needsOperator"].as_str().unwrap_or_default();
    assert!(
        slot["lagBytes"].as_u64().is_some_and(|b| b > 4 << 20),
        "{slot}"
    );
    assert!(why.contains("over the platform's limit of 4 MiB"), "{why}");
    assert!(
        why.contains("`datasurface job ingest --stream Shop`"),
        "{why}"
    );
    assert!(
        why.contains("`datasurface job resync --stream Shop`"),
        "{why}"
    );
    let metrics = s.job(&["status"], &[]).stdout;
    let needs = metrics
        .lines()
        .find(|l| l.starts_with("datasurface_cdc_slot_needs_operator{"))
        .unwrap_or_default();
    assert!(
        needs.ends_with(" 1") && needs.contains("stream=\"Shop\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("datasurface_cdc_slot_lag_bytes{"),
        "{metrics}"
    );
    if super::metrics::have("promtool") {
        assert_eq!(super::metrics::promtool_refuses(&metrics), None);
    }
    said(
        &s.ingest(),
        "batch 2 committed: 19001 rows read",
        "the changes",
    );
    // The log written since (the merge's own, on this shared server) is
    // let go of by the next batch: the slot goes past where the log was.
    let before = s.source_sql("SELECT pg_current_wal_lsn()");
    said(&s.ingest(), "batch 3 committed: 0 rows read", "nothing new");
    slot_is_past(&s, &before);
    a_dropped_slot_stops_the_stream_until_it_is_resynced(&s);
}

/// The slot dropped by an operator, with changes made meanwhile: the batch
/// stops rather than miss them, and says how to mend it; `job resync` does.
fn a_dropped_slot_stops_the_stream_until_it_is_resynced(s: &Scratch) {
    psql_admin(&format!(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{}'",
        s.source
    ))
    .unwrap();
    s.source_sql("DELETE FROM items WHERE id < 10; UPDATE items SET qty = 5 WHERE id = 20");
    let stopped = s.ingest();
    assert_eq!(stopped.code, 3, "{}{}", stopped.stdout, stopped.stderr);
    assert!(
        stopped.stderr.contains("is gone") && stopped.stderr.contains("job resync --stream Shop"),
        "{}",
        stopped.stderr
    );
    let why = slot_status(s)["needsOperator"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(why.contains("is gone"), "{why}");
    // An apply makes the slot again, where the source's log is now: the
    // changes made meanwhile are not in it, so the stream still stops.
    let model = s.dir.join("model");
    let applied = s.job(&["apply", model.to_str().unwrap()], &[]);
    said(
        &applied,
        "made the replication slot of stream `Shop`",
        "apply",
    );
    stops_at_a_slot_moved_past_it(s);
    // A resync that marks its batch but cannot make the slot leaves the
    // batch marked; the next resync finishes that batch.
    let refused = s.job(
        &["resync", "--stream", "Shop"],
        &[("DATASURFACE_CREDENTIAL_SHOP_READER_PASSWORD", "wrong")],
    );
    assert_ne!(refused.code, 0, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("run `job resync` again"),
        "{}",
        refused.stderr
    );
    said(
        &refused,
        "batch 6 will load a fresh snapshot",
        "the batch marked",
    );
    let resynced = s.job(&["resync", "--stream", "Shop"], &[]);
    assert_eq!(resynced.code, 0, "{}{}", resynced.stdout, resynced.stderr);
    said(&resynced, "made anew", "the slot remade");
    said(
        &resynced,
        "batch 6 was left started; finishing it",
        "the same batch",
    );
    said(
        &resynced,
        "batch 6 committed: 19092 rows read, +0 ~1 -9",
        "the fresh snapshot",
    );
    let (merged, source) = s.live_and_source();
    assert_eq!(
        merged, source,
        "the snapshot closed the rows deleted meanwhile"
    );
    s.source_sql("UPDATE items SET qty = 6 WHERE id = 20");
    said(
        &s.ingest(),
        "batch 7 committed: 1 rows read, +0 ~1 -0",
        "changes again",
    );
    let (merged, source) = s.live_and_source();
    assert_eq!(merged, source);
    let before = s.source_sql("SELECT pg_current_wal_lsn()");
    said(&s.ingest(), "batch 8 committed: 0 rows read", "nothing new");
    slot_is_past(s, &before);
}

/// A runner killed after it told the slot, while streaming, of its batch's
/// first commit (before the batch was staged): the next batch finds the
/// slot there and merges every change once. A slot told one byte further
/// has skipped that transaction, and the stream stops rather than miss it.
#[test]
fn a_slot_told_of_a_killed_batch_s_first_commit_loses_nothing() {
    let Some(s) = Scratch::with_source("cdctold", 100, &Source::Cdc) else {
        return;
    };
    said(
        &s.ingest(),
        "batch 1 committed: 100 rows read",
        "the snapshot",
    );
    said(&s.ingest(), "batch 2 committed: 0 rows read", "nothing new");
    s.source_sql("UPDATE items SET qty = 7 WHERE id = 1");
    s.source_sql("UPDATE items SET qty = 8 WHERE id = 2");
    // Where the killed attempt left the slot: at its first commit.
    tell_slot(&s, "");
    said(
        &s.ingest(),
        "batch 3 committed: 2 rows read, +0 ~2 -0",
        "both changes, the first one too",
    );
    let (merged, source) = s.live_and_source();
    assert_eq!(merged, source);
    s.source_sql("UPDATE items SET qty = 9 WHERE id = 3");
    tell_slot(&s, " + 1");
    stops_at_a_slot_moved_past_it(&s);
}

/// Asserts the stream's next batch stops because its slot stands past what
/// it merged, naming the command that mends it.
fn stops_at_a_slot_moved_past_it(s: &Scratch) {
    let stopped = s.ingest();
    assert_eq!(stopped.code, 3, "{}{}", stopped.stdout, stopped.stderr);
    assert!(
        stopped
            .stderr
            .contains("has moved past what the stream has merged")
            && stopped.stderr.contains("job resync --stream Shop"),
        "{}",
        stopped.stderr
    );
}

/// Moves the stream's slot to the commit of the first transaction it
/// holds (`plus` after it, as SQL: `" + 1"`), as a runner tells it while
/// streaming: read from the `Begin` message `pgoutput` sends for it.
fn tell_slot(s: &Scratch, plus: &str) {
    let slot = "(SELECT slot_name FROM pg_replication_slots WHERE database = current_database())";
    let first = psql(
        &s.source,
        false,
        &format!(
            "SELECT ('0/0'::pg_lsn + ('x' || encode(substring(data FROM 2 FOR 8), 'hex'))::bit(64)::bigint::numeric)::text \
             FROM pg_logical_slot_peek_binary_changes({slot}, NULL, NULL, 'proto_version', '1', \
             'publication_names', (SELECT string_agg(quote_ident(pubname), ',') FROM pg_publication)) \
             WHERE get_byte(data, 0) = ascii('B') LIMIT 1"
        ),
    )
    .unwrap();
    assert!(first.contains('/'), "no transaction in the slot: {first:?}");
    psql(
        &s.source,
        false,
        &format!("SELECT pg_replication_slot_advance({slot}, '{first}'::pg_lsn{plus})"),
    )
    .unwrap();
}

/// Asserts the stream's slot let go of the log before position `lsn`.
fn slot_is_past(s: &Scratch, lsn: &str) {
    let past = psql_admin(&format!(
        "SELECT confirmed_flush_lsn >= '{lsn}'::pg_lsn FROM pg_replication_slots WHERE database = '{}'",
        s.source
    ))
    .unwrap();
    assert_eq!(past, "t", "the slot is not past {lsn}: {}", slot_status(s));
}

/// Each version of the rows `ids` in the merge table: `id:qty:in:out:change`.
fn versions(s: &Scratch, ids: &str) -> String {
    s.merge_sql(&format!(
        "SELECT string_agg(id || ':' || coalesce(qty::text, '-') || ':' || ds_surf_batch_in || ':' || \
         ds_surf_batch_out || ':' || ds_surf_change, ' ' ORDER BY id, ds_surf_batch_in, ds_surf_batch_out, ds_surf_change) \
         FROM shop.shop_items_merge WHERE id IN ({ids})"
    ))
}

#[test]
fn change_data_capture_merges_every_change_once_and_keeps_each_version() {
    let Some(s) = Scratch::with_source("cdc", 100, &Source::Cdc) else {
        return;
    };
    let first = s.ingest();
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    said(
        &first,
        "batch 1 committed: 100 rows read, +100 ~0 -0",
        "the snapshot",
    );
    // A change made once the slot is there but before the next batch, an
    // update of a row twice, a delete, an insert.
    s.source_sql(
        "UPDATE items SET qty = 1000 WHERE id = 1; DELETE FROM items WHERE id = 2; \
         INSERT INTO items VALUES (500, 'new', 1, 2.50, NULL); \
         UPDATE items SET qty = 7 WHERE id = 3; UPDATE items SET qty = 8 WHERE id = 3",
    );
    let events = s.dir.join("events.jsonl");
    let second = s.job(
        &["ingest", "--stream", "Shop", "--keep-history"],
        &[("DATASURFACE_LINEAGE", events.to_str().unwrap())],
    );
    let complete = super::lineage::events_in(&events)
        .into_iter()
        .find(|e| e["eventType"] == "COMPLETE")
        .expect("the batch's run completed");
    let capture = &complete["run"]["facets"]["datasurface_changeCapture"];
    assert_eq!(capture["changes"], 5, "{capture}");
    assert_eq!(capture["snapshot"], false, "{capture}");
    assert!(
        capture["slot"]
            .as_str()
            .is_some_and(|slot| slot.starts_with("dssurf_")),
        "{capture}"
    );
    assert_ne!(capture["from"], capture["to"], "{capture}");
    said(
        &second,
        "batch 2 committed: 5 rows read, +1 ~3 -1",
        "five changes",
    );
    assert_eq!(
        versions(&s, "1, 2, 3, 500"),
        "1:1:1:2:0 1:1000:2:2147483647:0 2:2:1:2:0 3:3:1:2:0 3:7:2:2:4 3:8:2:2147483647:0 500:1:2:2147483647:0",
        "each version of a row changed twice is kept"
    );
    let (merged, source) = s.live_and_source();
    assert_eq!(merged, source);
    // Nothing new: nothing read, nothing changed, the slot where it was.
    let slot = || {
        psql_admin(&format!(
            "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE database = '{}'",
            s.source
        ))
        .unwrap()
    };
    let third = s.ingest();
    said(
        &third,
        "batch 3 committed: 0 rows read, +0 ~0 -0",
        "nothing new",
    );
    let advanced = slot();
    assert!(!advanced.is_empty(), "the stream has its slot");
    // A large value, kept out of line, that a later update leaves out.
    s.source_sql(
        "UPDATE items SET note = (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 3000) g) WHERE id = 4",
    );
    said(
        &s.ingest(),
        "batch 4 committed: 1 rows read, +0 ~1 -0",
        "a large value",
    );
    s.source_sql("UPDATE items SET qty = 9 WHERE id = 4");
    said(
        &s.ingest(),
        "batch 5 committed: 1 rows read, +0 ~1 -0",
        "the value left out",
    );
    let (merged, source) = s.live_and_source();
    assert_eq!(
        merged, source,
        "the large value is taken from the live version"
    );
    // A table emptied and given one row back.
    s.source_sql("TRUNCATE items; INSERT INTO items VALUES (1, 'back', 1, 1, NULL)");
    said(&s.ingest(), "batch 6 committed: 2 rows read", "a truncate");
    let (merged, source) = s.live_and_source();
    assert_eq!(
        merged, source,
        "an emptied table leaves only what came back"
    );
    assert_ne!(slot(), advanced, "the slot moved past what was merged");
    a_column_dropped_at_the_source_fails_until_it_is_back(&s);
    // The store read another way: apply drops the slot no stream reads.
    switch_to_snapshots(&s);
    assert_eq!(slot(), "", "no slot is left pinning the source's log");
}

/// PostgreSQL keeps a published column from being dropped or changed; one
/// an operator takes out of the publication and drops fails the batch
/// naming it. Added back, the batch puts it back in the publication.
fn a_column_dropped_at_the_source_fails_until_it_is_back(s: &Scratch) {
    let publication = s.source_sql("SELECT pubname FROM pg_publication");
    s.source_sql(&format!(
        "ALTER PUBLICATION {publication} SET TABLE items (id, name, price, note); ALTER TABLE items DROP COLUMN qty"
    ));
    let drifted = s.ingest();
    assert_eq!(drifted.code, 3, "{}{}", drifted.stdout, drifted.stderr);
    assert!(
        drifted.stderr.contains("has no column `qty`"),
        "{}",
        drifted.stderr
    );
    s.source_sql("ALTER TABLE items ADD COLUMN qty integer");
    let mended = s.ingest();
    assert_eq!(mended.code, 0, "{}{}", mended.stdout, mended.stderr);
    assert_eq!(
        s.source_sql(&format!(
            "SELECT array_to_string(attnames, ',') FROM pg_publication_tables WHERE pubname = '{publication}'"
        )),
        "id,name,price,note,qty"
    );
}

/// Reads the store with snapshots instead: `job apply` drops its slot.
fn switch_to_snapshots(s: &Scratch) {
    let team = s.dir.join("model/team.yaml");
    let text = std::fs::read_to_string(&team).unwrap();
    std::fs::write(&team, text.replace("{cdc: {}}", "{sqlSnapshot: {}}")).unwrap();
    let model = s.dir.join("model");
    let applied = s.job(&["apply", model.to_str().unwrap()], &[]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    said(
        &applied,
        "0 replication slots made, 1 dropped",
        "the slot dropped",
    );
}

/// A way to break a batch, how to mend it, and what the failure must say.
struct Breakage {
    break_it: &'static str,
    mend: &'static str,
    message: &'static str,
    env: &'static [(&'static str, &'static str)],
}

#[test]
fn bad_batches_fail_whole_and_the_next_run_retries() {
    let Some(s) = Scratch::new("fail", 100) else {
        return;
    };
    assert_eq!(s.ingest().code, 0);
    s.source_sql("UPDATE items SET qty = 1000 WHERE id = 1; DELETE FROM items WHERE id = 2; INSERT INTO items VALUES (500, 'new', 1, 2.50, NULL)");
    assert_eq!(s.ingest().code, 0);
    // Each bad batch fails whole, naming what is wrong; the merge table is as before.
    let before = s.merge_state();
    let cases = [
        Breakage {
            break_it: "UPDATE items SET name = repeat('x', 30) WHERE id = 7",
            mend: "UPDATE items SET name = 'item 7' WHERE id = 7",
            // The row as read (the updated row is read last), then the column.
            message: "dataset `items`, row 100, column `name`: value too long for type character varying(20)",
            env: &[],
        },
        Breakage {
            break_it: "ALTER TABLE items DROP CONSTRAINT items_pkey; INSERT INTO items SELECT * FROM items WHERE id = 9",
            mend: "DELETE FROM items WHERE ctid = (SELECT max(ctid) FROM items WHERE id = 9); ALTER TABLE items ADD PRIMARY KEY (id)",
            message: "the primary key repeats an earlier row of the batch (id = 9)",
            env: &[],
        },
        Breakage {
            break_it: "ALTER TABLE items RENAME COLUMN qty TO quantity",
            mend: "ALTER TABLE items RENAME COLUMN quantity TO qty",
            message: "dataset `items`: the source table `items` has no column `qty`",
            env: &[],
        },
        Breakage {
            break_it: "ALTER TABLE items ALTER COLUMN qty TYPE text",
            mend: "ALTER TABLE items ALTER COLUMN qty TYPE integer USING qty::integer",
            message: "column `qty`: the source column is `text`, but the model says integer",
            env: &[],
        },
        Breakage {
            break_it: "CREATE TABLE items_saved AS SELECT * FROM items; DELETE FROM items",
            mend: "INSERT INTO items SELECT * FROM items_saved; DROP TABLE items_saved",
            message: "the snapshot of dataset `items` has no rows, but 100 rows are live from the last batch",
            env: &[],
        },
        Breakage {
            break_it: "SELECT 1",
            mend: "SELECT 1",
            message: "password authentication failed",
            env: &[("DATASURFACE_CREDENTIAL_SHOP_READER_PASSWORD", "wrong")],
        },
    ];
    for Breakage {
        break_it,
        mend,
        message,
        env,
    } in cases
    {
        s.source_sql(break_it);
        let failed = s.job(&["ingest", "--stream", "Shop"], env);
        assert_eq!(
            failed.code, 3,
            "{break_it}: {}{}",
            failed.stdout, failed.stderr
        );
        assert!(
            failed.stderr.contains(message),
            "{break_it}: {}",
            failed.stderr
        );
        assert!(
            !failed.stderr.contains("wrong"),
            "no password is shown: {}",
            failed.stderr
        );
        assert_eq!(s.merge_state(), before, "{break_it}");
        s.source_sql(mend);
    }
    let failures = s.merge_sql(
        "SELECT count(*) FROM shop.batch_metrics WHERE status = 'failed' AND message IS NOT NULL",
    );
    assert_eq!(failures, "6");
    // The next run retries: a batch that changes nothing.
    let retried = s.ingest();
    said(&retried, "+0 ~0 -0", "");
    assert_eq!(s.merge_state(), before);

    // A DAG rendered from another model, or a stream not applied, refuses to run.
    let drift = s.job(
        &["ingest", "--stream", "Shop", "--spec", "0123456789abcdef"],
        &[],
    );
    assert_eq!(drift.code, 2);
    assert!(
        drift.stderr.contains("come from different models"),
        "{}",
        drift.stderr
    );
    let unknown = s.job(&["ingest", "--stream", "Nope"], &[]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no ingest job `Nope` is applied"),
        "{}",
        unknown.stderr
    );
    let history = s.job(&["ingest", "--stream", "Shop", "--live-only"], &[]);
    assert_eq!(history.code, 2, "{}", history.stderr);
}

/// Asserts that a job's output says `text`, showing all it said if not.
fn said(run: &super::Run, text: &str, context: &str) {
    assert!(
        run.stdout.contains(text),
        "{context}: {}{}",
        run.stdout,
        run.stderr
    );
}

/// A small deterministic generator: the test's randomness, reproducible from its seed.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n.max(1)
    }
}

/// Runs `job ingest` (with `extra` in its environment) until it finishes a
/// batch, waiting out a killed runner's session.
fn ingest_to_the_end(s: &Scratch, extra: &[(&str, &str)]) -> super::Run {
    for _ in 0..60 {
        let run = s.job(&["ingest", "--stream", "Shop", "--keep-history"], extra);
        if run.code == 0 {
            return run;
        }
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("another `datasurface job`"),
            "{}",
            run.stderr
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("the stream stayed locked");
}

#[test]
fn runners_killed_at_random_moments_lose_nothing_and_count_nothing_twice() {
    let Some(s) = Scratch::new("kill", 20_000) else {
        return;
    };
    let file = s.dir.join("events.jsonl");
    let lineage = [("DATASURFACE_LINEAGE", file.to_str().unwrap())];
    // How long a batch takes here, so the kills land throughout one.
    let started = Instant::now();
    assert_eq!(ingest_to_the_end(&s, &lineage).code, 0);
    let batch_ms = u64::try_from(started.elapsed().as_millis())
        .unwrap()
        .max(50);
    let seed = kill_seed();
    let mut random = Lcg(seed);
    for (kill, next_id) in (0..24).zip(100_000..) {
        // Change the source: some rows updated, one deleted, one added.
        let k = random.below(97);
        s.source_sql(&format!(
            "UPDATE items SET qty = coalesce(qty, 0) + 1 WHERE id % 97 = {k}; \
             DELETE FROM items WHERE id = (SELECT min(id) FROM items WHERE id % 89 = {}); \
             INSERT INTO items VALUES ({next_id}, 'added {kill}', 1, 1.00, NULL)",
            random.below(89)
        ));
        kill_a_runner(&s, &lineage, random.below(batch_ms * 3 / 2));
    }
    // Finish whatever was left, then one batch of the source as it is now.
    ingest_to_the_end(&s, &lineage);
    let last = ingest_to_the_end(&s, &lineage);
    assert_eq!(last.code, 0);
    killed_runs_never_complete_falsely(&s, &file);
    the_live_rows_are_the_source_s(&s, seed);
    let one = |sql: &str| s.merge_sql(sql);
    assert_eq!(
        one(
            "SELECT count(*) FROM (SELECT ds_surf_batch_out, lead(ds_surf_batch_in) OVER (PARTITION BY id ORDER BY ds_surf_batch_in) AS next \
             FROM shop.shop_items_merge) x WHERE next IS NOT NULL AND ds_surf_batch_out > next"
        ),
        "0",
        "a key's versions follow one another"
    );
    assert_eq!(
        one(
            "SELECT count(*) FROM shop.shop_items_merge m WHERE NOT EXISTS (SELECT 1 FROM shop.batch_metrics b \
             WHERE b.stream_key = 'Shop' AND b.batch_id = m.ds_surf_batch_in AND b.status = 'committed')"
        ),
        "0",
        "every version was opened by a committed batch"
    );
    assert_eq!(
        one(
            "SELECT count(*) FROM shop.batch_metrics WHERE stream_key = 'Shop' AND status NOT IN ('committed', 'failed')"
        ),
        "0"
    );
}

/// Writes to the source until `stop`: each transaction adds one to the
/// quantity of a few of twenty rows (so a key's versions count up by one,
/// and a change merged twice or missed is a step of another size),
/// sometimes adds a row and sometimes deletes another.
fn write_until(s: &Scratch, stop: &std::sync::atomic::AtomicBool, seed: u64) -> u32 {
    let mut random = Lcg(seed);
    let mut transactions = 0;
    for next_id in 200_000.. {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        let mut sql = String::from("BEGIN;");
        for _ in 0..=random.below(3) {
            // Twenty hot keys: most changes meet others of their key in a batch.
            let id = 1 + random.below(20);
            let _ = write!(sql, " UPDATE items SET qty = qty + 1 WHERE id = {id};");
        }
        match random.below(4) {
            0 => {
                let _ = write!(
                    sql,
                    " INSERT INTO items VALUES ({next_id}, 'new', 0, 1.00, NULL);"
                );
            }
            1 => {
                let id = 21 + random.below(1980);
                let _ = write!(sql, " DELETE FROM items WHERE id = {id};");
            }
            _ => {}
        }
        sql.push_str(" COMMIT;");
        s.source_sql(&sql);
        transactions += 1;
    }
    transactions
}

#[test]
fn change_data_capture_killed_at_random_with_writers_merges_each_change_once() {
    let Some(s) = Scratch::with_source("cdckill", 2000, &Source::Cdc) else {
        return;
    };
    let seed = kill_seed();
    let mut random = Lcg(seed);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        // Writers run from before the snapshot to the last kill.
        let writer = scope.spawn(|| write_until(&s, &stop, seed));
        // Changes between the slot's start and the snapshot: the slot
        // holds them and the snapshot too, and each must count once.
        std::thread::sleep(Duration::from_millis(700));
        let started = Instant::now();
        assert_eq!(
            ingest_to_the_end(&s, &[]).code,
            0,
            "the snapshot (seed {seed})"
        );
        let batch_ms = u64::try_from(started.elapsed().as_millis())
            .unwrap()
            .max(50);
        for _ in 0..24 {
            kill_a_runner(&s, &[], random.below(batch_ms * 3 / 2));
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let written = writer.join().unwrap();
        eprintln!("the writers committed {written} transactions");
        assert!(written > 0, "the writers wrote");
    });
    // Finish whatever was left, then a batch of what is there now.
    ingest_to_the_end(&s, &[]);
    ingest_to_the_end(&s, &[]);
    the_live_rows_are_the_source_s(&s, seed);
    assert_eq!(
        s.merge_sql(
            "SELECT count(*) FROM (SELECT qty - lag(qty) OVER (PARTITION BY id ORDER BY ds_surf_batch_in, ds_surf_batch_out, ds_surf_change) AS step \
             FROM shop.shop_items_merge) x WHERE step IS NOT NULL AND step <> 1"
        ),
        "0",
        "each key's versions count up by one: no change missed or merged twice (seed {seed})"
    );
}

/// After batches killed at random (`seed`): the live rows are the
/// source's, one live version a key, and the batches' counts add up to
/// them: nothing counted twice.
fn the_live_rows_are_the_source_s(s: &Scratch, seed: u64) {
    let (merged, source) = s.live_and_source();
    assert!(
        merged == source,
        "the live rows are the source's rows (seed {seed})"
    );
    let one = |sql: &str| s.merge_sql(sql);
    assert_eq!(
        one(
            "SELECT count(*) FROM (SELECT id FROM shop.shop_items_merge WHERE ds_surf_batch_out = 2147483647 GROUP BY id HAVING count(*) > 1) x"
        ),
        "0",
        "one live version per key (seed {seed})"
    );
    assert_eq!(
        one(
            "SELECT sum(rows_inserted) - sum(rows_deleted) FROM shop.batch_metrics WHERE stream_key = 'Shop' AND status = 'committed'"
        ),
        one("SELECT count(*) FROM shop.shop_items_merge WHERE ds_surf_batch_out = 2147483647"),
        "the counts add up to the live rows: nothing counted twice (seed {seed})"
    );
}

/// Starts `job ingest` (with `extra` in its environment) and kills it
/// after `ms` milliseconds, wherever it is.
fn kill_a_runner(s: &Scratch, extra: &[(&str, &str)], ms: u64) {
    let mut child = s
        .command(&["ingest", "--stream", "Shop", "--keep-history"], extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(ms));
    let _ = child.kill();
    let _ = child.wait();
}

/// The seed of a test that kills runners at random: `DATASURFACE_KILL_SEED`
/// replays one. Printed first, so a failure at any assertion shows it (the
/// harness shows a failed test's output).
#[allow(
    clippy::print_stderr,
    reason = "the seed replays a failure, so the test prints it"
)]
fn kill_seed() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let seed = std::env::var("DATASURFACE_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(now.as_secs() ^ u64::from(now.subsec_nanos()));
    eprintln!("seed {seed} (replay with DATASURFACE_KILL_SEED={seed})");
    seed
}

/// No run completed that did not commit (a runner killed between its
/// commit and its event leaves none), none twice, none before it started
/// or was carried on; no run that completed also failed; a run a killed
/// runner left is carried on (`RUNNING`) by the runner that finishes it. A
/// runner killed after it took a batch and before it wrote `START` leaves
/// a run whose first event is the next runner's `RUNNING`: lineage is sent
/// at most once, beside the batch, never inside its transaction.
fn killed_runs_never_complete_falsely(s: &Scratch, file: &std::path::Path) {
    let events = super::lineage::events_in(file);
    let runs = |kind: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["eventType"] == kind)
            .map(|e| e["run"]["runId"].as_str().unwrap().to_owned())
            .collect()
    };
    let (started, running, completed, failed) = (
        runs("START"),
        runs("RUNNING"),
        runs("COMPLETE"),
        runs("FAIL"),
    );
    let committed: usize = s
        .merge_sql("SELECT count(*) FROM shop.batch_metrics WHERE stream_key = 'Shop' AND status = 'committed'")
        .parse()
        .unwrap();
    // A runner killed between its commit and its event leaves a committed
    // batch with no COMPLETE (never one without a commit).
    assert!(
        completed.len() <= committed,
        "{} COMPLETE events for {committed} committed batches",
        completed.len()
    );
    assert!(!completed.is_empty(), "batches that committed completed");
    let distinct: std::collections::BTreeSet<&String> = completed.iter().collect();
    assert_eq!(distinct.len(), completed.len(), "no run completes twice");
    // Each run's events in the order the sink took them.
    let order = |run: &str| -> Vec<&str> {
        events
            .iter()
            .filter(|e| e["run"]["runId"] == run)
            .filter_map(|e| e["eventType"].as_str())
            .collect()
    };
    for run in &completed {
        assert!(
            started.contains(run) || running.contains(run),
            "a run completes only after it started or was carried on: {:?}",
            order(run)
        );
        assert_eq!(
            order(run).last(),
            Some(&"COMPLETE"),
            "nothing follows a run's COMPLETE"
        );
        assert!(!failed.contains(run), "a run that completed did not fail");
    }
    super::lineage::official_client_parses(file);
}

#[test]
fn two_runners_on_one_stream_make_one_batch() {
    let Some(s) = Scratch::new("twice", 200_000) else {
        return;
    };
    let mut first = s
        .command(&["ingest", "--stream", "Shop"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first runner holds the stream.
    let deadline = Instant::now() + Duration::from_secs(60);
    // The runners' lock is a row of `runner_lock` the first runner locked
    // and holds in a transaction left open. It is seen in the sessions'
    // activity, not by locking the row: a probe that locked it, however
    // briefly, could make the runner itself find the stream busy.
    while s.merge_sql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND state = 'idle in transaction' \
         AND query LIKE '%runner_lock%FOR UPDATE NOWAIT%'",
    ) == "0"
    {
        // A runner that ended before it was seen holding the stream says
        // why, rather than leaving the wait to run out.
        if let Some(status) = first.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut pipe) = first.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            panic!(
                "the first runner ended ({status}) before it was seen taking the stream: {stderr}"
            );
        }
        assert!(
            Instant::now() < deadline,
            "the first runner never took the stream"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = s.job(&["ingest", "--stream", "Shop"], &[]);
    let first = first.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(second.code, 2, "{}{}", second.stdout, second.stderr);
    assert!(
        second
            .stderr
            .contains("another `datasurface job` is running `Shop`"),
        "{}",
        second.stderr
    );
    assert_eq!(
        s.merge_sql("SELECT count(*) || ' ' || max(status) FROM shop.batch_metrics WHERE stream_key = 'Shop'"),
        "1 committed"
    );
}

#[test]
fn a_watermark_stream_reads_only_rows_past_its_watermark() {
    let Some(s) = Scratch::with_source("watermark", 1000, &Source::Watermark) else {
        return;
    };
    let first = s.ingest();
    said(&first, "1000 rows read, +1000 ~0 -0", "");
    // Nothing new: nothing read.
    let idle = s.ingest();
    said(&idle, "0 rows read, +0 ~0 -0", "");
    s.source_sql(
        "UPDATE items SET qty = -1, updated = '2025-02-01' WHERE id <= 5; \
         INSERT INTO items VALUES (5000, 'late', 1, 1.00, NULL, '2025-02-02')",
    );
    let changed = s.ingest();
    said(&changed, "6 rows read, +1 ~5 -0", "");
    let (merged, source) = s.live_and_source();
    assert_eq!(merged, source);
}

/// Rows written `id|name|qty|price|note` (empty is null) as `items.csv` in `folder`.
fn write_csv(folder: &std::path::Path, rows: &[&str]) {
    std::fs::create_dir_all(folder).unwrap();
    let mut text = String::from("id,name,qty,price,note\n");
    for row in rows {
        text.push_str(&row.replace('|', ","));
        text.push('\n');
    }
    std::fs::write(folder.join("items.csv"), text).unwrap();
}

/// The same rows as table `items` of a new SQLite file.
fn write_sqlite(path: &std::path::Path, rows: &[&str]) {
    let _ = std::fs::remove_file(path);
    let mut sql = String::from(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, price REAL, note TEXT);",
    );
    for row in rows {
        let values: Vec<String> = row
            .split('|')
            .map(|f| {
                if f.is_empty() {
                    "NULL".into()
                } else {
                    format!("'{f}'")
                }
            })
            .collect();
        sql.push_str("INSERT INTO items VALUES (");
        sql.push_str(&values.join(", "));
        sql.push_str(");");
    }
    let out = Command::new("sqlite3").arg(path).arg(&sql).output();
    assert!(
        out.is_ok_and(|o| o.status.success()),
        "sqlite3 makes {}",
        path.display()
    );
}

#[test]
fn csv_folders_and_sqlite_files_are_sources_too() {
    for (name, kind) in [("csv", Source::Csv), ("sqlite", Source::Sqlite)] {
        let Some(s) = Scratch::with_source(name, 10, &kind) else {
            return;
        };
        let write = |rows: &[&str]| {
            if matches!(kind, Source::Csv) {
                write_csv(&s.dir.join("drops"), rows);
            } else {
                write_sqlite(&s.dir.join("shop.sqlite"), rows);
            }
        };
        write(&[
            "1|tea|3|2.50|",
            "2|coffee|5|3.10|strong",
            "3|water||0.10|a \\ tab\there",
        ]);
        let first = s.ingest();
        said(&first, "3 rows read, +3 ~0 -0", name);
        assert_eq!(
            s.merge_sql("SELECT string_agg(id || ':' || coalesce(qty::text, '-') || ':' || price || ':' || coalesce(note, '-'), ' ' ORDER BY id) FROM shop.shop_items_merge"),
            "1:3:2.50:- 2:5:3.10:strong 3:-:0.10:a \\ tab\there",
            "{name}"
        );
        write(&[
            "1|tea|4|2.50|",
            "3|water||0.10|a \\ tab\there",
            "4|juice|1|1.99|",
        ]);
        let second = s.ingest();
        said(&second, "3 rows read, +1 ~1 -1", name);
        // A value that does not fit fails the batch with its row and column:
        // a file's row by its line as an editor counts (the header is line 1).
        write(&["1|tea|1|2.50|", "2|tea|many|2.50|"]);
        let bad = s.ingest();
        assert_eq!(bad.code, 3, "{name}: {}", bad.stderr);
        let expected = match kind {
            Source::Csv => {
                "items.csv:3: dataset `items`, column `qty`: invalid input syntax for type integer"
            }
            _ => "dataset `items`, row 2, column `qty`: invalid input syntax for type integer",
        };
        assert!(bad.stderr.contains(expected), "{name}: {}", bad.stderr);
        // A key twice in a file names both lines.
        if matches!(kind, Source::Csv) {
            write(&["1|tea|1|2.50|", "2|tea|1|2.50|", "1|tea|2|2.50|"]);
            let twice = s.ingest();
            assert_eq!(twice.code, 3, "{name}: {}", twice.stderr);
            assert!(
                twice.stderr.contains("items.csv:4: dataset `items`: the primary key (id = 1) repeats line 2; a key may appear once in a batch"),
                "{name}: {}",
                twice.stderr
            );
        }
    }
}

#[test]
fn closed_versions_are_purged_only_beyond_the_longest_retention() {
    let Some(s) = Scratch::new("retention", 10) else {
        return;
    };
    // The forensic consumer keeps history for 30 days.
    let team = s.dir.join("model/team.yaml");
    let text = std::fs::read_to_string(&team).unwrap().replace(
        "requirements: {milestoning: LIVE_WITH_FORENSIC_HISTORY, latency: HOURS}",
        "requirements: {milestoning: LIVE_WITH_FORENSIC_HISTORY, latency: HOURS, retention: P30D}",
    );
    std::fs::write(&team, text).unwrap();
    let applied = s.job(&["apply", s.dir.join("model").to_str().unwrap()], &[]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    let closed = || {
        s.merge_sql("SELECT string_agg(id || '@' || ds_surf_batch_out, ' ' ORDER BY id) FROM shop.shop_items_merge WHERE ds_surf_batch_out <> 2147483647")
    };
    assert_eq!(s.ingest().code, 0);
    s.source_sql("UPDATE items SET qty = 100 WHERE id = 1");
    assert_eq!(s.ingest().code, 0);
    s.source_sql("UPDATE items SET qty = 100 WHERE id = 2");
    assert_eq!(s.ingest().code, 0);
    assert_eq!(closed(), "1@2 2@3");
    // Batch 2 ended 31 days ago, batch 3 29 days ago: only what batch 2 closed goes.
    s.merge_sql("UPDATE shop.batch_metrics SET batch_end = now() - interval '31 days' WHERE stream_key = 'Shop' AND batch_id = 2");
    s.merge_sql("UPDATE shop.batch_metrics SET batch_end = now() - interval '29 days' WHERE stream_key = 'Shop' AND batch_id = 3");
    assert_eq!(s.ingest().code, 0);
    assert_eq!(closed(), "2@3");
}

#[test]
fn a_transformer_runs_with_its_own_role_and_reads_only_its_inputs() {
    // Each query, and what its run must say: `None` when it works.
    for (query, refused) in [
        ("SELECT id, qty FROM shop_items", None),
        // Its session is its own login, not the merge credential's under
        // `SET ROLE`: there is no role to return to.
        (
            "SELECT id, CASE WHEN session_user::text LIKE '%transformer%' AND set_config('role', 'none', true) IS NOT NULL AND current_user = session_user THEN 1 ELSE 0 END AS qty FROM shop_items",
            None,
        ),
        // The merge table behind the view, and the platform's own tables,
        // named in dynamic SQL the gate's check of the query cannot see
        // (it refuses them named in the query itself): the run refuses them.
        (
            "SELECT 1 AS id, length(query_to_xml('SELECT id, qty FROM shop.shop_items_merge', true, false, '')::text) AS qty",
            Some("may only read its input views"),
        ),
        (
            "SELECT 1 AS id, length(query_to_xml('SELECT batch_id FROM shop.batch_metrics', true, false, '')::text) AS qty",
            Some("may only read its input views"),
        ),
        // The runners' locks, other sessions, large objects, server files.
        (
            "SELECT 1 AS id, length(query_to_xml('SELECT 1 FROM shop.runner_lock', true, false, '')::text) AS qty",
            Some("permission denied"),
        ),
        (
            "SELECT 1 AS id, length(query_to_xml('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()', true, false, '')::text) AS qty",
            Some("to terminate"),
        ),
        // PostgreSQL lets a read-only transaction make a large object; the
        // run's transaction is rolled back, so none stays (checked below).
        (
            "SELECT id, CASE WHEN lo_from_bytea(0, 'x') > 0 THEN 1 END AS qty FROM shop_items",
            None,
        ),
        (
            "SELECT length(pg_read_file('/etc/hostname')) AS id, 0 AS qty",
            Some("permission denied"),
        ),
        // Nothing runs longer than its limits (5 s here).
        (
            "SELECT id, qty FROM shop_items WHERE pg_sleep(30) IS NOT NULL",
            Some("may run 5 s in all"),
        ),
    ] {
        let Some(s) = Scratch::with_source("transform", 10, &Source::Transformer(query)) else {
            return;
        };
        assert_eq!(s.ingest().code, 0);
        let started = Instant::now();
        let run = s.job(&["transform", "--workspace", "Summary"], &[]);
        match refused {
            None => {
                assert_eq!(run.code, 0, "{query}: {}{}", run.stdout, run.stderr);
                assert!(run.stdout.contains("(totals: 10 rows)"), "{}", run.stdout);
                let out = s.job(
                    &["ingest", "--stream", "Summary_Out", "--keep-history"],
                    &[],
                );
                said(&out, "10 rows read, +10 ~0 -0", "");
                assert_eq!(
                    s.merge_sql("SELECT count(*) FROM shop.dt_summary_out_totals WHERE qty IS DISTINCT FROM 0"),
                    "10",
                    "{query}"
                );
            }
            Some(why) => {
                assert_eq!(run.code, 3, "{query}: {}{}", run.stdout, run.stderr);
                assert!(run.stderr.contains(why), "{query}: {}", run.stderr);
                assert!(started.elapsed() < Duration::from_secs(25), "{query}");
            }
        }
        assert_eq!(
            s.merge_sql("SELECT count(*) FROM pg_largeobject_metadata"),
            "0",
            "{query}"
        );
        // The role logs in only while its run lasts (roles belong to the
        // whole server: only this test's merge database's role is looked at).
        assert_eq!(
            s.merge_sql(&format!(
                "SELECT count(*) FROM pg_roles WHERE rolname LIKE '{}%transformer_summary' AND rolcanlogin",
                s.merge
            )),
            "0"
        );
    }
}

#[test]
fn a_transformer_cannot_take_a_stream_s_lock() {
    // The runners lock rows of a table no transformer has a right on; an
    // advisory lock of any key leaves them be.
    let Some(s) = Scratch::with_source(
        "translock",
        10,
        &Source::Transformer(
            "SELECT id, qty FROM shop_items WHERE pg_try_advisory_lock(id) AND pg_try_advisory_lock(hashtextextended('datasurface ingest shop Shop', 0))",
        ),
    ) else {
        return;
    };
    assert_eq!(s.ingest().code, 0);
    let run = s.job(&["transform", "--workspace", "Summary"], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(s.ingest().code, 0);
}

#[test]
fn a_source_without_tls_gets_no_credential() {
    let Some(s) = Scratch::new("notls", 1) else {
        return;
    };
    // A server that refuses TLS, and records what it is sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut received = Vec::new();
        let mut request = [0u8; 8];
        if stream.read_exact(&mut request).is_ok() {
            received.extend_from_slice(&request);
            let _ = stream.write_all(b"N");
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
            received.extend(rest);
        }
        received
    });
    let team = s.dir.join("model/team.yaml");
    let text = std::fs::read_to_string(&team)
        .unwrap()
        .replace("port: 5432", &format!("port: {port}"));
    std::fs::write(&team, text).unwrap();
    let model = s.dir.join("model");
    let applied = s.job(&["apply", model.to_str().unwrap()], &[]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    let run = s.ingest();
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("only over TLS") && run.stderr.contains("plaintextSources"),
        "{}",
        run.stderr
    );
    // Only the request for TLS reached the server: no user, no password.
    let received = server.join().unwrap();
    assert_eq!(received, [0, 0, 0, 8, 4, 210, 22, 47], "{received:?}");
}

#[test]
fn a_superuser_merge_credential_is_refused() {
    let Some(s) = Scratch::new("mighty", 1) else {
        return;
    };
    let user = std::env::var("USER").unwrap_or_else(|_| "root".to_owned());
    // The machine's own superuser, over the socket, as the merge credential.
    let run = s.job(
        &["ingest", "--stream", "Shop", "--keep-history"],
        &[
            ("DATASURFACE_MERGE_HOST", "/var/run/postgresql"),
            ("DATASURFACE_CREDENTIAL_MERGE_RW_USER", user.as_str()),
        ],
    );
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("which has SUPERUSER") && run.stderr.contains("CREATEROLE"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_hooked_transformer_s_decision_task_asks_its_hook_and_records_the_answer() {
    let Some(s) = Scratch::with_source(
        "decide",
        10,
        &Source::Transformer("SELECT id, qty FROM shop_items"),
    ) else {
        return;
    };
    // Without a hook, there is nothing to decide.
    let run = decide(&s, "manual");
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("has no hook"), "{}", run.stderr);
    hook_the_summary(&s);
    assert_eq!(s.ingest().code, 0);
    // Shop's batch: the example hook watches NW_Data only, so it skips, and
    // the task exits 99 (Airflow leaves it skipped).
    let run = decide(&s, "asset_triggered");
    assert_eq!(run.code, 99, "{}{}", run.stdout, run.stderr);
    said(
        &run,
        "hook on batchCommitted: skip: a batch of a datastore this hook does not watch [decision 1, hook]",
        "",
    );
    said(
        &run,
        r#""datastore":"Shop","stream":"Shop","batch":1,"rows":{"read":10,"inserted":10,"updated":0,"deleted":0}"#,
        "",
    );
    // A manual run (as Airflow 3 prints its type): the hook runs it.
    let run = decide(&s, "DagRunType.MANUAL");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    said(
        &run,
        "hook on manualRun: run: asked for by hand [decision 2, hook]",
        "",
    );
    // The context carried the first decision.
    said(&run, r#""lastDecisions":[{"#, "");
    // The transformer's run that follows is linked to the decision.
    let ran = s.job(&["transform", "--workspace", "Summary"], &[]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    said(&ran, "run 1 was let go by its hook's last decision", "");
    // An event the hook does not want runs without asking.
    let run = decide(&s, "scheduled");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    said(&run, "its hook does not decide on scheduleTick: run", "");
    assert_eq!(
        s.merge_sql(
            "SELECT string_agg(decision || ' ' || event || ' ' || action || ' ' || decided_by || ' ' || coalesce(run::text, '-'), ', ' ORDER BY decision) FROM shop.hook_decision"
        ),
        "1 batchCommitted skip hook -, 2 manualRun run hook 1"
    );
    // A run type Airflow does not have is refused, naming the ones it has.
    let run = decide(&s, "sometimes");
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("scheduled, asset_triggered, manual or backfill"),
        "{}",
        run.stderr
    );
}

/// Gives the scratch's `Summary` workspace the example hook (on new batches
/// and manual runs), and applies the model: `job apply` stores its module.
fn hook_the_summary(s: &Scratch) {
    let model = s.dir.join("model");
    std::fs::create_dir_all(model.join("hooks")).unwrap();
    std::fs::copy(
        super::repo_root().join("examples/hooks/monthly_or_new_batch.wasm"),
        model.join("hooks/monthly_or_new_batch.wasm"),
    )
    .unwrap();
    let team = std::fs::read_to_string(model.join("team.yaml")).unwrap();
    let team = team.replace(
        "  Summary:\n    container: Analytics\n",
        "  Summary:\n    container: Analytics\n    hook:\n      module: hooks/monthly_or_new_batch.wasm\n      \
         sha256: a6e1060870315ce6c04fbb28a25487793b60f494f4d6101b807daf20ea558c19\n      \
         events: [batchCommitted, manualRun]\n",
    );
    std::fs::write(model.join("team.yaml"), team).unwrap();
    let applied = s.job(&["apply", model.to_str().unwrap()], &[]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(
        applied.stdout.contains("stored 1 hook modules"),
        "{}",
        applied.stdout
    );
}

/// `job decide` for `Summary`, on a run of this type.
fn decide(s: &Scratch, run_type: &str) -> super::Run {
    s.job(
        &["decide", "--workspace", "Summary", "--run-type", run_type],
        &[],
    )
}

#[test]
fn a_job_removed_from_the_model_and_added_back_runs_again() {
    let Some(s) = Scratch::new("readd", 10) else {
        return;
    };
    let model = s.dir.join("model");
    let ecosystem = model.join("ecosystem.yaml");
    let provisioned = std::fs::read_to_string(&ecosystem).unwrap();
    let apply = || s.job(&["apply", model.to_str().unwrap()], &[]);
    assert_eq!(s.ingest().code, 0);
    // Applied again as it is, nothing is run or stored again.
    let again = apply();
    assert!(
        again.stdout.contains("0 scripts run") && again.stdout.contains("0 job specs stored"),
        "{}",
        again.stdout
    );
    // The group leaves the platform: its job goes, its tables stay.
    std::fs::write(
        &ecosystem,
        provisioned.replace("status: PROVISIONED", "status: DECOMMISSIONED"),
    )
    .unwrap();
    let removed = apply();
    assert_eq!(removed.code, 0, "{}{}", removed.stdout, removed.stderr);
    assert_eq!(s.ingest().code, 2);
    // It comes back as it was: the same spec is stored again, and runs.
    std::fs::write(&ecosystem, &provisioned).unwrap();
    let back = apply();
    assert_eq!(back.code, 0, "{}{}", back.stdout, back.stderr);
    assert!(
        back.stdout.contains("1 job specs stored"),
        "{}",
        back.stdout
    );
    let ingest = s.ingest();
    assert_eq!(ingest.code, 0, "{}{}", ingest.stdout, ingest.stderr);
    // A spec lost some other way (deleted by hand) is stored again too.
    s.merge_sql("DELETE FROM shop.job_spec");
    let healed = apply();
    assert!(
        healed.stdout.contains("job specs stored"),
        "{}",
        healed.stdout
    );
    assert_eq!(s.ingest().code, 0);
}

#[test]
fn values_arrive_exactly_or_fail_the_batch_naming_them() {
    for (name, kind) in [("exact_csv", Source::Csv), ("exact_sqlite", Source::Sqlite)] {
        let Some(s) = Scratch::with_source(name, 10, &kind) else {
            return;
        };
        let write = |rows: &[&str]| {
            if matches!(kind, Source::Csv) {
                write_csv(&s.dir.join("drops"), rows);
            } else {
                write_sqlite(&s.dir.join("shop.sqlite"), rows);
            }
        };
        // price is Decimal(18, 2): a third place would be rounded away.
        write(&["1|tea|3|1.23456|"]);
        let bad = s.ingest();
        assert_eq!(bad.code, 3, "{name}: {}", bad.stderr);
        // A file's row by its line (the header is line 1), a table's by its number.
        let place = match kind {
            Source::Csv => "items.csv:2: dataset `items`",
            _ => "dataset `items`, row 1",
        };
        assert!(
            bad.stderr.contains(&format!(
                "{place}, column `price`: `1.23456` has 5 decimal places, but the column is numeric(18, 2)"
            )),
            "{name}: {}",
            bad.stderr
        );
        assert_eq!(
            s.merge_sql("SELECT count(*) FROM shop.shop_items_merge"),
            "0"
        );
        write(&["1|tea|3|1.50|"]);
        said(&s.ingest(), "1 rows read, +1 ~0 -0", name);
    }
    // A PostgreSQL source whose column has more scale than the model's.
    let Some(s) = Scratch::new("exact_pg", 3) else {
        return;
    };
    s.source_sql(
        "ALTER TABLE items ALTER COLUMN price TYPE numeric(12, 5); UPDATE items SET price = 1.23456 WHERE id = 2",
    );
    let bad = s.ingest();
    assert_eq!(bad.code, 3, "{}", bad.stderr);
    assert!(
        bad.stderr.contains(
            "column `price`: `1.23456` has 5 decimal places, but the column is numeric(18, 2)"
        ),
        "{}",
        bad.stderr
    );
    s.source_sql("UPDATE items SET price = 1.23 WHERE id = 2");
    said(&s.ingest(), "3 rows read, +3 ~0 -0", "exact_pg");
    // Amounts of more units than a float holds exactly (2^53 is
    // 9007199254740992) reach the consumer's view digit for digit.
    s.source_sql(
        "ALTER TABLE items ALTER COLUMN price TYPE numeric(18, 2); \
         UPDATE items SET price = 90071992547409.93 WHERE id = 1; \
         UPDATE items SET price = 9999999999999999.99 WHERE id = 2; \
         UPDATE items SET price = -9999999999999999.99 WHERE id = 3",
    );
    said(&s.ingest(), "3 rows read, +0 ~3 -0", "exact_pg");
    assert_eq!(
        s.merge_sql(
            "SELECT string_agg(id || ':' || price::text, ',' ORDER BY id) FROM shop_audit.everything_shop_items"
        ),
        "1:90071992547409.93,2:9999999999999999.99,3:-9999999999999999.99"
    );
    // SQLite stores whatever it is given: bytes in a text column, and text
    // that is not UTF-8, are refused rather than turned into text.
    let Some(s) = Scratch::with_source("exact_blob", 10, &Source::Sqlite) else {
        return;
    };
    let db = s.dir.join("shop.sqlite");
    for (value, says) in [
        (
            "x'00ff10'",
            "the source holds 3 bytes (a BLOB), but the column does not hold bytes",
        ),
        (
            "CAST(x'6361fe' AS TEXT)",
            "the text is not UTF-8 (an invalid byte at offset 2)",
        ),
    ] {
        write_sqlite(&db, &[]);
        let out = Command::new("sqlite3")
            .arg(&db)
            .arg(format!(
                "INSERT INTO items VALUES (1, 'tea', 1, 2.5, {value})"
            ))
            .output()
            .unwrap();
        assert!(out.status.success());
        let bad = s.ingest();
        assert_eq!(bad.code, 3, "{}", bad.stderr);
        assert!(
            bad.stderr
                .contains("dataset `items`, row 1, column `note`: ")
                && bad.stderr.contains(says),
            "{}",
            bad.stderr
        );
    }
}

#[test]
fn a_source_whose_text_is_not_utf8_fails_naming_the_encoding() {
    let Some(s) = Scratch::new("sql_ascii", 3) else {
        return;
    };
    // A SQL_ASCII database stores the bytes it is given, UTF-8 or not.
    psql_admin(&format!(
        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
        s.source
    ))
    .unwrap();
    psql_admin(&format!(
        "CREATE DATABASE {} OWNER {ROLE} ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0",
        s.source
    ))
    .unwrap();
    s.source_sql(
        "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer, \
         price numeric(18, 2), note text, updated timestamptz NOT NULL DEFAULT '2025-01-01'); \
         INSERT INTO items VALUES (1, 'caf' || convert_from('\\xe9', 'SQL_ASCII'), 1, 1.00, NULL)",
    );
    let bad = s.ingest();
    assert_eq!(bad.code, 3, "{}", bad.stderr);
    assert!(bad.stderr.contains("dataset `items`"), "{}", bad.stderr);
    assert!(
        bad.stderr.contains("UTF8") || bad.stderr.contains("UTF-8"),
        "{}",
        bad.stderr
    );
    assert!(!bad.stderr.contains(": db error"), "{}", bad.stderr);
}

/// Live rows of the `sqlite` primary's merge table, as the PostgreSQL
/// query below writes them (its decimals are whole hundredths).
fn primary_live_rows(merge: &std::path::Path) -> String {
    let out = Command::new("sqlite3")
        .arg(merge)
        .arg(
            "SELECT group_concat(row, ' ') FROM (SELECT id || ':' || coalesce(qty, '-') || ':' || \
             printf('%d.%02d', price / 100, price % 100) || ':' || coalesce(note, '-') AS row \
             FROM \"Shop__items\" WHERE ds_surf_batch_out = 2147483647 ORDER BY id)",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `datasurface up` on the `sqlite` platform `Local` (state in
/// `<dir>/local`), with the source's credential; `args` follow.
fn local(s: &Scratch, args: &[&str]) -> super::Run {
    let mut up = Command::new(env!("CARGO_BIN_EXE_datasurface"));
    up.args(args)
        .args(["model", "--platform", "Local", "--state", "local"])
        .current_dir(&s.dir)
        .env("DATASURFACE_CREDENTIAL_SHOP_READER_USER", ROLE)
        .env("DATASURFACE_CREDENTIAL_SHOP_READER_PASSWORD", PASSWORD);
    ran(&mut up)
}

/// `datasurface status --state local` in `format`, with the capture's
/// credential (it reads each slot on the source).
fn local_status(s: &Scratch, format: &str) -> String {
    let mut status = Command::new(env!("CARGO_BIN_EXE_datasurface"));
    status
        .args(["status", "--state", "local", "--format", format])
        .current_dir(&s.dir)
        .env("DATASURFACE_CREDENTIAL_SHOP_READER_USER", ROLE)
        .env("DATASURFACE_CREDENTIAL_SHOP_READER_PASSWORD", PASSWORD);
    let run = ran(&mut status);
    assert_eq!(run.code, 0, "{}", run.transcript());
    run.stdout
}

/// The `sqlite` platform's slots on the test's source.
fn sqlite_slots(s: &Scratch) -> String {
    psql_admin(&format!(
        "SELECT count(*) FROM pg_replication_slots WHERE database = '{}' AND slot_name LIKE 'dssurf_sqlite_%'",
        s.source
    ))
    .unwrap_or_default()
}

/// Every version of the rows `ids` in `Local`'s merge table:
/// `id:qty:in:out`, in order.
fn local_versions(s: &Scratch, ids: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(s.dir.join("local/merge.sqlite"))
        .arg(format!(
            "SELECT group_concat(row, ' ') FROM (SELECT id || ':' || coalesce(qty, '-') || ':' || \
             ds_surf_batch_in || ':' || ds_surf_batch_out AS row FROM \"Shop__items\" \
             WHERE id IN ({ids}) ORDER BY id, ds_surf_batch_in, ds_surf_batch_out)"
        ))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The embedded default follows a live PostgreSQL source: `apply` makes
/// the slot, the first run loads a snapshot, later runs merge only the
/// changes (updates, deletes, an emptied table), each once, and a stream
/// that leaves the platform drops its slot.
#[test]
fn the_sqlite_platform_follows_a_postgres_source_s_changes() {
    let Some(s) = Scratch::with_source("sqcdc", 100, &Source::SqliteCdc) else {
        return;
    };
    let applied = local(&s, &["apply"]);
    assert_eq!(applied.code, 0, "{}", applied.transcript());
    said(
        &applied,
        "made the replication slot of stream `Shop`",
        "apply",
    );
    assert_eq!(sqlite_slots(&s), "1");
    let first = local(&s, &["run"]);
    said(&first, "+100 ~0 -0", "the snapshot");
    let live = "SELECT string_agg(id || ':' || coalesce(qty::text, '-') || ':' || price || ':' || coalesce(note, '-'), ' ' ORDER BY id) FROM items";
    let merge = s.dir.join("local/merge.sqlite");
    assert_eq!(primary_live_rows(&merge), s.source_sql(live));

    s.source_sql(
        "UPDATE items SET qty = 1000 WHERE id = 1; DELETE FROM items WHERE id = 2; \
         INSERT INTO items VALUES (500, 'new', 1, 2.50, NULL); \
         UPDATE items SET qty = 7 WHERE id = 3; UPDATE items SET qty = 8 WHERE id = 3",
    );
    let second = local(&s, &["run"]);
    said(&second, "+1 ~2 -1", "five changes to four keys");
    assert_eq!(primary_live_rows(&merge), s.source_sql(live));
    assert_eq!(
        local_versions(&s, "1, 2"),
        "1:1:1:2 1:1000:2:2147483647 2:2:1:2"
    );
    let again = local(&s, &["run"]);
    said(
        &again,
        "+0 ~0 -0",
        "nothing changed since: nothing is merged twice",
    );
    // `status` reads the slot on the source.
    let status: serde_json::Value = serde_json::from_str(&local_status(&s, "json")).unwrap();
    let slot = &status["slots"][0];
    assert_eq!(slot["stream"], "Shop", "{status:#}");
    assert!(slot["slot"]["lagBytes"].is_u64(), "{status:#}");
    assert!(slot["slot"]["ageSeconds"].is_f64(), "{status:#}");
    assert!(slot["slot"]["needsOperator"].is_null(), "{status:#}");
    let shown = local_status(&s, "human");
    assert!(shown.contains("replication slots:"), "{shown}");

    s.source_sql("TRUNCATE items; INSERT INTO items VALUES (9, 'back', 9, 9.00, NULL)");
    let third = local(&s, &["run"]);
    said(&third, "-99", "an emptied table");
    assert_eq!(primary_live_rows(&merge), s.source_sql(live));

    // A column the model does not name is told of, and not read.
    s.source_sql("ALTER TABLE items ADD COLUMN extra integer; UPDATE items SET qty = 10, extra = 1 WHERE id = 9");
    let told = local(&s, &["run"]);
    said(
        &told,
        "has columns the model does not name",
        "a new source column",
    );
    said(&told, "`extra`", "the new column named");
    said(&told, "+0 ~1 -0", "the update merged");

    a_dropped_sqlite_slot_is_reported_and_loaded_afresh(&s, &merge, live);

    // The consumer moves to the other platform: this one drops its slot.
    let ecosystem = s.dir.join("model/ecosystem.yaml");
    let text = std::fs::read_to_string(&ecosystem).unwrap();
    std::fs::write(
        &ecosystem,
        text.replace("platform: Local", "platform: Airflow"),
    )
    .unwrap();
    let moved = local(&s, &["apply"]);
    assert_eq!(moved.code, 0, "{}", moved.transcript());
    said(
        &moved,
        "dropped the replication slot of stream `Shop`",
        "apply",
    );
    assert_eq!(sqlite_slots(&s), "0");
}

/// A slot dropped behind the `sqlite` platform's back: `status` says so
/// with the mend, the stream stops, and `--resync` loads it afresh.
fn a_dropped_sqlite_slot_is_reported_and_loaded_afresh(s: &Scratch, merge: &Path, live: &str) {
    // A slot dropped behind the platform's back stops the stream, until it
    // is loaded afresh.
    psql_admin(&format!(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{}'",
        s.source
    ))
    .unwrap();
    s.source_sql("INSERT INTO items VALUES (10, 'lost', 1, 1.00, NULL)");
    let status: serde_json::Value = serde_json::from_str(&local_status(s, "json")).unwrap();
    let why = status["slots"][0]["slot"]["needsOperator"]
        .as_str()
        .unwrap_or_default();
    assert!(
        why.contains("is gone") && why.contains("--resync Shop`"),
        "{status:#}"
    );
    let metrics = local_status(s, "prometheus");
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("datasurface_cdc_slot_needs_operator{") && l.ends_with(" 1")),
        "{metrics}"
    );
    let stopped = local(s, &["run"]);
    assert_ne!(stopped.code, 0, "{}", stopped.transcript());
    said(&stopped, "--resync Shop", "the failure names the mend");
    let mended = local(s, &["run", "--resync", "Shop"]);
    assert_eq!(mended.code, 0, "{}", mended.transcript());
    said(&mended, "(loaded afresh)", "resync");
    assert_eq!(primary_live_rows(merge), s.source_sql(live));
    assert_eq!(sqlite_slots(s), "1");
    s.source_sql("UPDATE items SET qty = 11 WHERE id = 10");
    said(
        &local(s, &["run"]),
        "+0 ~1 -0",
        "changes again after the resync",
    );
    assert_eq!(primary_live_rows(merge), s.source_sql(live));
}

/// Runners of the `sqlite` platform killed at random while writers change
/// the source: once a run finishes, the live rows are the source's, and the
/// committed batches' counts add up to them (no change merged twice).
#[test]
fn the_sqlite_platform_killed_at_random_with_writers_merges_each_change_once() {
    let Some(s) = Scratch::with_source("sqcdckill", 2000, &Source::SqliteCdc) else {
        return;
    };
    let applied = local(&s, &["apply"]);
    assert_eq!(applied.code, 0, "{}", applied.transcript());
    let seed = kill_seed();
    let mut random = Lcg(seed);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let writer = scope.spawn(|| write_until(&s, &stop, seed));
        std::thread::sleep(Duration::from_millis(500));
        let first = local(&s, &["run"]);
        assert_eq!(
            first.code,
            0,
            "the snapshot (seed {seed}): {}",
            first.transcript()
        );
        // A run of changes, start to end: most of it is loading the model,
        // so kills fall in its later part, where the batch is.
        let started = Instant::now();
        let second = local(&s, &["run"]);
        assert_eq!(
            second.code,
            0,
            "changes (seed {seed}): {}",
            second.transcript()
        );
        let run_ms = u64::try_from(started.elapsed().as_millis())
            .unwrap()
            .max(50);
        for _ in 0..20 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"));
            child
                .args(["run", "model", "--platform", "Local", "--state", "local"])
                .current_dir(&s.dir)
                .env("DATASURFACE_CREDENTIAL_SHOP_READER_USER", ROLE)
                .env("DATASURFACE_CREDENTIAL_SHOP_READER_PASSWORD", PASSWORD)
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let mut child = child.spawn().unwrap();
            std::thread::sleep(Duration::from_millis(
                run_ms / 2 + random.below(run_ms * 3 / 4),
            ));
            let _ = child.kill();
            let _ = child.wait();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(writer.join().unwrap() > 0, "the writers wrote");
    });
    for _ in 0..2 {
        let run = local(&s, &["run"]);
        assert_eq!(run.code, 0, "seed {seed}: {}", run.transcript());
    }
    let live = "SELECT string_agg(id || ':' || coalesce(qty::text, '-') || ':' || price || ':' || coalesce(note, '-'), ' ' ORDER BY id) FROM items";
    let merge = s.dir.join("local/merge.sqlite");
    assert!(
        primary_live_rows(&merge) == s.source_sql(live),
        "the live rows are the source's (seed {seed})"
    );
    let counted = Command::new("sqlite3")
        .arg(&merge)
        .arg(
            "SELECT (SELECT sum(rows_inserted) - sum(rows_deleted) FROM batch_metrics \
             WHERE stream_key = 'Shop' AND status = 'committed') \
             - (SELECT count(*) FROM \"Shop__items\" WHERE ds_surf_batch_out = 2147483647)",
        )
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&counted.stdout).trim(),
        "0",
        "the counts add up to the live rows: nothing counted twice (seed {seed})"
    );
    let batches = Command::new("sqlite3")
        .arg(&merge)
        .arg("SELECT group_concat(status || ' ' || n, ', ') FROM (SELECT status, count(*) AS n FROM batch_metrics GROUP BY status)")
        .output()
        .unwrap();
    eprintln!(
        "batches: {}",
        String::from_utf8_lossy(&batches.stdout).trim()
    );
}

/// The mirror's ingest task, as its rendered DAG runs it.
fn mirror(s: &Scratch) -> super::Run {
    s.job(
        &[
            "ingest",
            "--stream",
            "Shop",
            "--keep-history",
            "--from-platform",
            "Local",
        ],
        &[],
    )
}

/// One ingestion across engines: the `sqlite` platform `Local` ingests the
/// source, and the `airflow` platform mirrors what `Local` merged into
/// PostgreSQL, keeping its own history. The source is moved away before
/// each mirror batch: it is read once per batch, by the primary.
#[test]
fn the_airflow_platform_mirrors_a_sqlite_primary_and_never_reads_the_source() {
    let Some(s) = Scratch::with_source("mirror", 1, &Source::SqliteMirror) else {
        return;
    };
    let source = s.dir.join("model/shop.sqlite");
    let away = s.dir.join("shop.sqlite.away");
    let merge = s.dir.join("local/merge.sqlite");
    let live = "SELECT string_agg(id || ':' || coalesce(qty::text, '-') || ':' || price || ':' || coalesce(note, '-'), ' ' ORDER BY id) \
                FROM shop.shop_items_merge WHERE ds_surf_batch_out = 2147483647";
    let round = |rows: &[&str], counts: &str, expected: &str| {
        write_sqlite(&source, rows);
        let up = super::datasurface(
            &[
                "up",
                "model",
                "--platform",
                "Local",
                "--state",
                "local",
                "--all",
            ],
            &s.dir,
        );
        assert_eq!(up.code, 0, "{}", up.transcript());
        std::fs::rename(&source, &away).unwrap();
        let mirrored = mirror(&s);
        said(&mirrored, counts, "mirror");
        assert_eq!(s.merge_sql(live), expected);
        assert_eq!(primary_live_rows(&merge), expected);
    };
    round(
        &["1|tea|3|2.50|", "2|coffee|5|3.10|strong", "3|water||0.10|"],
        "3 rows read, +3 ~0 -0",
        "1:3:2.50:- 2:5:3.10:strong 3:-:0.10:-",
    );
    round(
        &["1|tea|4|2.50|", "3|water||0.10|", "4|juice|1|1.99|"],
        "3 rows read, +1 ~1 -1",
        "1:4:2.50:- 3:-:0.10:- 4:1:1.99:-",
    );
    // A task that does not say it mirrors is refused: the DAG and the
    // applied spec disagree.
    let direct = s.ingest();
    assert_eq!(direct.code, 2, "{}", direct.stderr);
    assert!(
        direct.stderr.contains("mirrors it from platform `Local`"),
        "{}",
        direct.stderr
    );
    // The mirror keeps the history its forensic consumer asks for: tea's
    // first version and coffee, closed.
    assert_eq!(
        s.merge_sql(
            "SELECT count(*) FROM shop.shop_items_merge WHERE ds_surf_batch_out <> 2147483647"
        ),
        "2"
    );
    // With the primary's merge database gone, the mirror fails and says why.
    std::fs::rename(&merge, s.dir.join("merge.away")).unwrap();
    let lost = mirror(&s);
    assert_eq!(lost.code, 3, "{}", lost.stderr);
    assert!(
        lost.stderr
            .contains("platform `Local` has not ingested this stream yet"),
        "{}",
        lost.stderr
    );
}

/// One model, two environments: `dev` runs the `sqlite` platform on this
/// machine; `prod` runs the `airflow` platform on PostgreSQL, whose merge
/// database and source file only the environment names (the declaration's
/// merge database does not exist).
#[test]
fn dev_runs_on_sqlite_and_prod_on_airflow_from_one_model() {
    let Some(s) = Scratch::with_source("envs", 1, &Source::SqliteMirror) else {
        return;
    };
    write_sqlite(
        &s.dir.join("model/shop.sqlite"),
        &["1|tea|3|2.50|", "2|coffee|5|3.10|strong"],
    );
    let eco = s.dir.join("model/ecosystem.yaml");
    let text = std::fs::read_to_string(&eco)
        .unwrap()
        .replacen(
            &format!("mergeDatabase: {}", s.merge),
            "mergeDatabase: no_such_database",
            1,
        )
        .replacen(
            "zoneDeclarations:",
            &format!(
                "environments:\n  dev:\n    release: {{branch: main}}\n    platforms: {{Local: {{}}}}\n  prod:\n    release: {{tagPattern: \"v*\"}}\n    platforms:\n      Airflow: {{parameters: {{mergeDatabase: {}, sources: {{Local: {}}}}}}}\nzoneDeclarations:",
                s.merge,
                s.dir.join("model/shop.sqlite").display()
            ),
            1,
        );
    std::fs::write(&eco, text).unwrap();
    // dev: the whole job on this machine.
    let dev = super::datasurface(
        &["up", "model", "--env", "dev", "--state", "dev", "--all"],
        &s.dir,
    );
    assert_eq!(dev.code, 0, "{}", dev.transcript());
    assert!(dev.stdout.contains("Shop"), "{}", dev.stdout);
    // prod: the merge database comes from the environment's parameters
    // (nothing in the process's environment names it).
    let apply = |env: Option<&str>| {
        let mut args = vec!["apply", "model"];
        if let Some(e) = env {
            args.extend(["--env", e]);
        }
        ran(s
            .command(&args, &[])
            .env_remove("DATASURFACE_MERGE_DATABASE")
            .env_remove("DATASURFACE_MERGE_SCHEMA"))
    };
    let without = apply(None);
    assert_eq!(without.code, 2, "{}", without.transcript());
    assert!(
        without.stderr.contains("no_such_database"),
        "{}",
        without.stderr
    );
    let prod = apply(Some("prod"));
    assert_eq!(prod.code, 0, "{}", prod.transcript());
    assert!(
        prod.stdout.contains(&format!(
            "applied platform `Airflow` to localhost/{} (schema `shop`)",
            s.merge
        )),
        "{}",
        prod.stdout
    );
    // In prod the airflow platform ingests the source itself: `Local` does
    // not run there, so it is no stream's primary.
    said(&s.ingest(), "2 rows read, +2 ~0 -0", "prod");
    assert_eq!(
        s.merge_sql(
            "SELECT string_agg(id || ':' || price, ' ' ORDER BY id) FROM shop.shop_items_merge"
        ),
        "1:2.50 2:3.10"
    );
}

/// One ingestion across two `airflow` platforms: `Airflow` ingests the
/// source; `Replica`, in another schema of the same merge database, reads
/// `Airflow`'s live rows with its own merge credential. The source table
/// is renamed away before each mirror batch.
#[test]
fn an_airflow_platform_mirrors_another_airflow_platform() {
    let Some(s) = Scratch::with_source("aamirror", 3, &Source::AirflowMirror) else {
        return;
    };
    let replica = [
        ("DATASURFACE_PLATFORM", "Replica"),
        ("DATASURFACE_MERGE_SCHEMA", "shop_replica"),
    ];
    let model = s.dir.join("model");
    let applied = s.job(
        &["apply", model.to_str().unwrap(), "--platform", "Replica"],
        &replica,
    );
    assert_eq!(applied.code, 0, "{}", applied.transcript());
    let mirror = || {
        s.job(
            &[
                "ingest",
                "--platform",
                "Replica",
                "--stream",
                "Shop",
                "--keep-history",
                "--from-platform",
                "Airflow",
            ],
            &replica,
        )
    };
    let live = |schema: &str| {
        s.merge_sql(&format!(
            "SELECT string_agg(id || ':' || qty || ':' || price, ' ' ORDER BY id) FROM {schema}.shop_items_merge WHERE ds_surf_batch_out = 2147483647"
        ))
    };
    said(&s.ingest(), "3 rows read, +3 ~0 -0", "primary");
    s.source_sql("ALTER TABLE items RENAME TO items_away");
    said(&mirror(), "3 rows read, +3 ~0 -0", "mirror");
    assert_eq!(live("shop_replica"), live("shop"));
    s.source_sql("ALTER TABLE items_away RENAME TO items");
    s.source_sql("UPDATE items SET qty = 42 WHERE id = 2; DELETE FROM items WHERE id = 3");
    said(&s.ingest(), "2 rows read, +0 ~1 -1", "primary");
    s.source_sql("ALTER TABLE items RENAME TO items_away");
    said(&mirror(), "2 rows read, +0 ~1 -1", "mirror");
    assert_eq!(live("shop_replica"), live("shop"));
    assert!(live("shop").contains("2:42:"), "{}", live("shop"));
}

/// One ingestion across engines, the other way: the `airflow` platform
/// ingests the PostgreSQL source, and the `sqlite` platform mirrors its
/// merge tables with a credential of its own. The source table is renamed
/// away before each mirror run.
#[test]
fn the_sqlite_platform_mirrors_an_airflow_primary() {
    let Some(s) = Scratch::with_source("sqmirror", 5, &Source::SqliteMirrorsAirflow) else {
        return;
    };
    let up = || {
        let mut up = Command::new(env!("CARGO_BIN_EXE_datasurface"));
        up.args([
            "up",
            "model",
            "--platform",
            "Local",
            "--state",
            "local",
            "--all",
        ])
        .current_dir(&s.dir)
        .env("DATASURFACE_CREDENTIAL_MIRROR_READER_USER", ROLE)
        .env("DATASURFACE_CREDENTIAL_MIRROR_READER_PASSWORD", PASSWORD);
        let run = ran(&mut up);
        assert_eq!(run.code, 0, "{}", run.transcript());
        run
    };
    let live = "SELECT string_agg(id || ':' || coalesce(qty::text, '-') || ':' || price || ':' || coalesce(note, '-'), ' ' ORDER BY id) \
                FROM shop.shop_items_merge WHERE ds_surf_batch_out = 2147483647";
    let merge = s.dir.join("local/merge.sqlite");
    said(&s.ingest(), "5 rows read, +5 ~0 -0", "primary");
    s.source_sql("ALTER TABLE items RENAME TO items_away");
    let first = up();
    assert!(first.stdout.contains("+5"), "{}", first.stdout);
    assert_eq!(primary_live_rows(&merge), s.merge_sql(live));
    s.source_sql("ALTER TABLE items_away RENAME TO items");
    s.source_sql("UPDATE items SET qty = 42 WHERE id = 2; DELETE FROM items WHERE id = 4");
    said(&s.ingest(), "4 rows read, +0 ~1 -1", "primary");
    s.source_sql("ALTER TABLE items RENAME TO items_away");
    up();
    assert_eq!(primary_live_rows(&merge), s.merge_sql(live));
    assert!(primary_live_rows(&merge).contains("2:42:"));
}

/// The same across to Spark: the `airflow` platform ingests the PostgreSQL
/// source, and the `spark` platform mirrors its merge tables over JDBC
/// with a credential of its own, the source table renamed away before each
/// mirror run. Its tables hold the primary's live rows, value for value,
/// and keep the versions the primary's second batch closed.
#[test]
fn the_spark_platform_mirrors_an_airflow_primary() {
    let Some(spark) = super::spark::Pyspark::find() else {
        return;
    };
    let Some(s) = Scratch::with_source("sparkmirror", 5, &Source::SparkMirrorsAirflow) else {
        return;
    };
    let run = |credential: bool| {
        let mut command = spark.command(
            &s.dir.join("model"),
            &["--platform", "Lake", "--stream", "Shop"],
            &s.dir,
        );
        if credential {
            command
                .env("DATASURFACE_CREDENTIAL_MIRROR_READER_USER", ROLE)
                .env("DATASURFACE_CREDENTIAL_MIRROR_READER_PASSWORD", PASSWORD);
        }
        let out = command.output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), said)
    };
    let mirror = || run(true);
    let mirrored = |batch: u32| -> serde_json::Value {
        let record = s.dir.join(format!("lake/Shop/meta/committed/{batch}.json"));
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(record).unwrap())
            .unwrap()["mirrored"]
            .clone()
    };
    // Without its credential the job cannot run, and says what to set.
    let (code, told) = run(false);
    assert_eq!(code, Some(2), "{told}");
    assert!(
        told.contains("credential for platform `Airflow`'s merge tables is not set: set DATASURFACE_CREDENTIAL_MIRROR_READER_USER and DATASURFACE_CREDENTIAL_MIRROR_READER_PASSWORD"),
        "{told}"
    );
    // Nothing to mirror before the primary merges a batch.
    let (code, told) = mirror();
    assert_eq!(code, Some(3), "{told}");
    assert!(
        told.contains("platform `Airflow` has merged no batch of this stream yet"),
        "{told}"
    );
    let live = "SELECT string_agg(id || ':' || coalesce(qty::text, '-') || ':' || price || ':' || coalesce(note, '-'), ' ' ORDER BY id) \
                FROM shop.shop_items_merge WHERE ds_surf_batch_out = 2147483647";
    // One mirror run with the source table away: batch `batch`, from the
    // primary's batch of the same number, saying `counts`.
    let round = |batch: u32, counts: &str| {
        s.source_sql("ALTER TABLE items RENAME TO items_away");
        let (code, told) = mirror();
        assert_eq!(code, Some(0), "{told}");
        let committed = format!("Shop batch {batch} committed: items {counts}");
        assert!(told.contains(&committed), "{told}");
        assert_eq!(
            mirrored(batch),
            serde_json::json!({"platform": "Airflow", "batch": batch})
        );
        s.source_sql("ALTER TABLE items_away RENAME TO items");
    };
    said(&s.ingest(), "5 rows read, +5 ~0 -0", "primary");
    let first = s.merge_sql(live);
    round(1, "+5 ~0 -0 (5 live)");
    s.source_sql("UPDATE items SET qty = 42 WHERE id = 2; DELETE FROM items WHERE id = 4");
    said(&s.ingest(), "4 rows read, +0 ~1 -1", "primary");
    round(2, "+0 ~1 -1 (4 live)");
    let table = s.dir.join("lake/Shop/tables/items");
    let row = "concat_ws(':', cast(id AS string), coalesce(cast(qty AS string), '-'), cast(price AS string), coalesce(note, '-'))";
    let rows = spark.rows(
        &s.dir,
        row,
        &[
            &table.join("live/ds_batch=1"),
            &table.join("live/ds_batch=2"),
            &table.join("history/ds_batch_out=2"),
        ],
    );
    assert_eq!(rows[..2], [first, s.merge_sql(live)]);
    assert!(rows[1].contains("2:42:"), "{rows:?}");
    // The versions batch 2 closed: the row it changed and the one it deleted.
    assert_eq!(
        rows[2]
            .split(' ')
            .map(|r| r.split(':').next().unwrap_or_default())
            .collect::<Vec<_>>(),
        ["2", "4"],
        "{rows:?}"
    );
}

#[test]
fn jobs_send_openlineage_events_naming_the_postgres_tables() {
    let Some(s) = Scratch::with_source(
        "lineage",
        10,
        &Source::Transformer("SELECT id, qty FROM shop_items"),
    ) else {
        return;
    };
    hook_the_summary(&s);
    let file = s.dir.join("events.jsonl");
    let lineage = [("DATASURFACE_LINEAGE", file.to_str().unwrap())];
    let ingest = ["ingest", "--stream", "Shop", "--keep-history"];
    assert_eq!(s.job(&ingest, &lineage).code, 0);
    // The hook skips a batch of a store it does not watch: the run aborts.
    let held = s.job(
        &[
            "decide",
            "--workspace",
            "Summary",
            "--run-type",
            "asset_triggered",
        ],
        &lineage,
    );
    assert_eq!(held.code, 99, "{}{}", held.stdout, held.stderr);
    let transformed = s.job(&["transform", "--workspace", "Summary"], &lineage);
    assert_eq!(transformed.code, 0, "{}", transformed.stderr);
    let out = ["ingest", "--stream", "Summary_Out", "--keep-history"];
    assert_eq!(s.job(&out, &lineage).code, 0);
    // A batch that fails ends FAIL, with the reason.
    s.source_sql("DROP TABLE items");
    assert_eq!(s.job(&ingest, &lineage).code, 3);

    let events = super::lineage::events_in(&file);
    let told: Vec<String> = events
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["job"]["name"].as_str().unwrap(),
                e["eventType"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        told,
        [
            "ingest.Shop START",
            "ingest.Shop COMPLETE",
            "transform.Summary ABORT",
            "transform.Summary START",
            "transform.Summary COMPLETE",
            "ingest.Summary_Out START",
            "ingest.Summary_Out COMPLETE",
            "ingest.Shop START",
            "ingest.Shop FAIL",
        ]
    );
    let done = &events[1];
    assert_eq!(done["job"]["namespace"], "datasurface/Shop/Airflow");
    assert_eq!(done["run"]["runId"], events[0]["run"]["runId"]);
    assert_eq!(done["inputs"][0]["namespace"], "postgres://localhost:5432");
    assert_eq!(
        done["inputs"][0]["name"],
        format!("{}.public.items", s.source)
    );
    assert_eq!(
        done["outputs"][0]["name"],
        format!("{}.shop.shop_items_merge", s.merge)
    );
    assert_eq!(
        done["outputs"][0]["outputFacets"]["datasurface_rowChanges"]["inserted"],
        10
    );
    // The transformer writes the tables its output's stream reads.
    let (transform, output) = (&events[4], &events[6]);
    assert_eq!(
        transform["job"]["facets"]["sql"]["query"],
        "-- totals\nSELECT id, qty FROM shop_items"
    );
    let written: Vec<&serde_json::Value> = transform["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["name"])
        .collect();
    let read: Vec<&serde_json::Value> = output["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["name"])
        .collect();
    assert_eq!(written, read);
    // The transformer's run is the child of the batch that made it due.
    child_of(&events[3], done);
    child_of(transform, done);
    assert!(
        events[8]["run"]["facets"]["errorMessage"]["message"]
            .as_str()
            .unwrap()
            .contains("items"),
        "{}",
        events[8]
    );
    super::lineage::official_client_parses(&file);
}

#[test]
fn job_status_prints_the_run_state_as_prometheus_metrics() {
    let Some(s) = Scratch::with_source(
        "status",
        10,
        &Source::Transformer("SELECT id, qty FROM shop_items"),
    ) else {
        return;
    };
    hook_the_summary(&s);
    assert_eq!(s.ingest().code, 0);
    assert_eq!(decide(&s, "asset_triggered").code, 99);
    s.source_sql("DROP TABLE items");
    assert_eq!(s.ingest().code, 3);
    let run = s.job(&["status"], &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let text = &run.stdout;
    for line in [
        r#"datasurface_batches_total{dataset="",datastore="Shop",platform="Airflow",status="committed",stream="Shop",team="Shop",workspace="",zone="Main"} 1"#,
        r#"datasurface_batches_total{dataset="",datastore="Shop",platform="Airflow",status="failed",stream="Shop",team="Shop",workspace="",zone="Main"} 1"#,
        r#"datasurface_rows_total{change="inserted",dataset="",datastore="Shop",platform="Airflow",stream="Shop",team="Shop",workspace="",zone="Main"} 10"#,
        r#"datasurface_hook_decisions_total{action="skip",platform="Airflow",workspace="Summary"} 1"#,
        "# TYPE datasurface_last_success_timestamp_seconds gauge",
    ] {
        assert!(text.contains(line), "{line}\nnot in:\n{text}");
    }
    if super::metrics::have("promtool") {
        assert_eq!(super::metrics::promtool_refuses(text), None);
    }
    let json = s.job(&["status", "--format", "json"], &[]);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["platform"], "Airflow");
}

#[test]
fn serve_reads_an_airflow_platforms_merge_database() {
    let Some(s) = Scratch::new("serve", 10) else {
        return;
    };
    assert_eq!(s.ingest().code, 0);
    s.source_sql("DROP TABLE items");
    assert_eq!(s.ingest().code, 3);
    let model = s.dir.join("model");
    // Only the credential comes from the environment: the merge database's
    // host, port and name are the model's.
    let env: Vec<(&str, &str)> = s
        .env()
        .into_iter()
        .filter(|(k, _)| k.starts_with("DATASURFACE_CREDENTIAL_"))
        .collect();
    let server = super::serve::Server::start_in(&model, "0", &["--airflow", "Airflow"], &env);
    let (code, fresh) = server.get("/api/v1/datastores/Shop/datasets/items/freshness");
    assert_eq!(code, 200, "{fresh}");
    let airflow = &fresh["platforms"][0];
    assert_eq!(airflow["platform"], "Airflow", "{fresh}");
    assert_eq!(airflow["liveRows"], 10, "{fresh}");
    assert_eq!(airflow["failedBatches"], 1, "{fresh}");
    assert!(airflow["lastCommitted"].is_string(), "{fresh}");
    let consumer = &airflow["consumers"][0];
    assert_eq!(consumer["group"], "Audit.Everything", "{fresh}");
    assert_eq!(consumer["latency"], "HOURS");
    assert_eq!(consumer["fresh"], true, "{fresh}");
    assert_eq!(
        consumer["database"],
        format!("postgresql://localhost:5432/{}", s.merge)
    );
    // The view is there, and shows the live rows.
    let view = consumer["view"].as_str().unwrap();
    assert_eq!(s.merge_sql(&format!("SELECT count(*) FROM {view}")), "10");
    let metrics = super::metrics::try_get(server.addr(), "/metrics").unwrap();
    for line in [
        r#"datasurface_batches_total{dataset="",datastore="Shop",platform="Airflow",status="committed",stream="Shop",team="Shop",workspace="",zone="Main"} 1"#,
        r#"datasurface_batches_total{dataset="",datastore="Shop",platform="Airflow",status="failed",stream="Shop",team="Shop",workspace="",zone="Main"} 1"#,
    ] {
        assert!(metrics.contains(line), "{line}\nnot in:\n{metrics}");
    }
    if super::metrics::have("promtool") {
        assert_eq!(super::metrics::promtool_refuses(&metrics), None);
    }
}

#[test]
fn serve_refuses_a_platform_that_is_not_an_airflow_one_naming_it() {
    let dir = super::scratch("serve-airflow-wrong");
    super::copy_northwind(&dir, str::to_owned);
    let run = super::datasurface(&["serve", "--airflow", "Local", "."], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("--airflow `Local`: platform `Local` is of kind `sqlite`"),
        "{}",
        run.stderr
    );
    let run = super::datasurface(&["serve", "--airflow", "Nope", "."], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("the model declares no platform `Nope`"),
        "{}",
        run.stderr
    );
}

/// `event` is of a run whose parent is `done`'s, an `ingest.Shop` batch.
fn child_of(event: &serde_json::Value, done: &serde_json::Value) {
    let parent = &event["run"]["facets"]["parent"];
    assert_eq!(parent["job"]["name"], "ingest.Shop", "{event}");
    assert_eq!(parent["job"]["namespace"], "datasurface/Shop/Airflow");
    assert_eq!(parent["run"]["runId"], done["run"]["runId"], "{event}");
}

#[test]
fn a_stream_of_several_datasets_reports_each_dataset_s_rows() {
    let Some(s) = Scratch::new("multi", 10) else {
        return;
    };
    s.source_sql(
        "CREATE TABLE extras (id integer PRIMARY KEY, label text NOT NULL); \
         INSERT INTO extras SELECT g, 'extra ' || g FROM generate_series(1, 3) g",
    );
    let team = s.dir.join("model/team.yaml");
    let text = std::fs::read_to_string(&team).unwrap();
    let text = text.replacen(
        "          primaryKey: [id]\n",
        "          primaryKey: [id]\n      extras:\n        schema:\n          columns:\n            id: {type: Integer, nullable: false}\n            label: {type: {String: {}}, nullable: false}\n          primaryKey: [id]\n",
        1,
    );
    std::fs::write(&team, text).unwrap();
    let model = s.dir.join("model");
    let applied = s.job(&["apply", model.to_str().unwrap()], &[]);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    let file = s.dir.join("events.jsonl");
    let lineage = [("DATASURFACE_LINEAGE", file.to_str().unwrap())];
    assert_eq!(s.ingest().code, 0);
    s.source_sql(
        "UPDATE extras SET label = 'changed' WHERE id = 1; DELETE FROM items WHERE id <= 2",
    );
    let run = s.job(&["ingest", "--stream", "Shop", "--keep-history"], &lineage);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let events = super::lineage::events_in(&file);
    let done = events.last().unwrap();
    assert_eq!(done["eventType"], "COMPLETE");
    let of = |table: &str| {
        done["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == format!("{}.shop.{table}", s.merge))
            .unwrap_or_else(|| panic!("no output {table}: {done}"))
            .clone()
    };
    let (items, extras) = (of("shop_items_merge"), of("shop_extras_merge"));
    let changes = |o: &serde_json::Value| o["outputFacets"]["datasurface_rowChanges"].clone();
    assert_eq!(changes(&items)["deleted"], 2, "{items}");
    assert_eq!(changes(&items)["updated"], 0);
    assert_eq!(changes(&extras)["updated"], 1, "{extras}");
    assert_eq!(changes(&extras)["deleted"], 0);
    assert_eq!(items["outputFacets"]["outputStatistics"]["rowCount"], 2);
    assert_eq!(extras["outputFacets"]["outputStatistics"]["rowCount"], 1);
    let read = |name: &str| {
        done["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == format!("{}.public.{name}", s.source))
            .unwrap_or_else(|| panic!("no input {name}: {done}"))["inputFacets"]["dataQualityMetrics"]["rowCount"]
            .clone()
    };
    assert_eq!(read("items"), 8);
    assert_eq!(read("extras"), 3);
    super::lineage::official_client_parses(&file);
}
