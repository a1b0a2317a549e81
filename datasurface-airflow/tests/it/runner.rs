//! The job runner ([`Runner`]) on a real PostgreSQL, through its API:
//! batches that merge changes and keep history, a bad batch that fails
//! whole, a stream another runner holds, and each refusal as its own kind
//! of [`JobError`].
//!
//! PostgreSQL is reached as `.ci/external` sets it up (`psql` as the
//! current user, a superuser, over the socket); each test makes its own
//! databases, and the runner logs in over TCP as a role with a password.
//! When PostgreSQL is missing the tests say so and pass, unless
//! `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::process::Command;

use datasurface_airflow::runner::{
    BatchOutcome, Endpoint, IngestOptions, JobError, Login, MergeDatabase, Runner,
};
use datasurface_files::SourceFile;

const ROLE: &str = "datasurface_runner_test";
const PASSWORD: &str = "runner-test-password";

/// One SQL command with `psql`: as the machine's superuser over the socket,
/// or as the test's role over TCP. Its output, or PostgreSQL's error.
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

/// A merge database and a source database of their own, with the `Shop`
/// model's `Airflow` platform applied to the merge database.
struct Scratch {
    merge: String,
    source: String,
}

impl Scratch {
    /// Makes the databases and applies the model, or says PostgreSQL is missing.
    fn new(name: &str) -> Option<Scratch> {
        let scratch = Scratch::databases(name)?;
        scratch.source_sql(
            "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer); \
             INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, 100) g",
        );
        scratch.apply(&scratch.model());
        Some(scratch)
    }

    /// Applies a model's `Airflow` platform to the merge database (and its
    /// change data capture streams' sources).
    fn apply(&self, model: &[SourceFile]) {
        let rendering = crate::render(model, "Airflow");
        let mut steps = Vec::new();
        let applied = self
            .runner()
            .apply(&rendering, &mut |step| steps.push(step.to_owned()));
        assert!(applied.is_ok(), "{applied:?}\n{}", steps.join("\n"));
    }

    /// Makes the two databases, or says PostgreSQL is missing.
    fn databases(name: &str) -> Option<Scratch> {
        if psql("postgres", false, "SELECT 1").is_err() {
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
        let merge = format!("ds_runner_{name}_{}", std::process::id());
        let source = format!("{merge}_src");
        let admin =
            |sql: &str| psql("postgres", false, sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        // Roles belong to the cluster: made once, with one password.
        admin(&format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN \
             CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'; END IF; END $$"
        ));
        // Tests run at once, and two sessions altering one role collide:
        // only one that finds the role without its rights alters it.
        for _ in 0..5 {
            let alter = format!(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}' \
                 AND rolcreaterole AND rolreplication) THEN ALTER ROLE {ROLE} CREATEROLE REPLICATION; END IF; END $$"
            );
            if psql("postgres", false, &alter).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        for db in [&merge, &source] {
            admin(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            admin(&format!("CREATE DATABASE {db} OWNER {ROLE}"));
        }
        Some(Scratch { merge, source })
    }

    /// The model: one store read by snapshot from the source database, one
    /// consumer keeping history.
    fn model(&self) -> Vec<SourceFile> {
        let Scratch { merge, source } = self;
        let ecosystem = format!(
            "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Shop\n\
             owningRepository: {{name: shop/ecosystem, branch: main}}\n\
             liveRepository: {{name: shop/ecosystem, branch: live}}\n\
             platforms:\n  Airflow:\n    kind: airflow\n    version: ^0.1\n    \
             parameters: {{executor: local, schema: shop, mergeHost: localhost, mergeDatabase: {merge}}}\n\
             zoneDeclarations:\n  Main:\n    repository: {{name: shop/ecosystem, branch: main}}\n\
             assignments:\n  - workspace: Audit\n    datasetGroup: Everything\n    \
             platforms: [{{platform: Airflow, status: PROVISIONED}}]\n"
        );
        let zone = "apiVersion: datasurface.dev/v1\nkind: GovernanceZone\nname: Main\n\
                    teamDeclarations:\n  Shop:\n    repository: {name: shop/ecosystem, branch: main}\n";
        let team = format!(
            "apiVersion: datasurface.dev/v1\nkind: Team\nzone: Main\nname: Shop\n\
             containers:\n  Orders:\n    kind:\n      database: {{engine: POSTGRES, database: {source}, endpoint: {{host: localhost, port: 5432}}}}\n\
             \x20 Analytics:\n    kind: platformManaged\n\
             datastores:\n  Shop:\n    capture:\n      ingestion:\n        container: Orders\n        consistency: MULTI_DATASET\n        \
             credential: {{name: shop_reader, type: USER_PASSWORD}}\n        method: {{sqlSnapshot: {{}}}}\n    \
             datasets:\n      items:\n        schema:\n          columns:\n            \
             id: {{type: Integer, nullable: false}}\n            \
             name: {{type: {{VarChar: {{maxSize: 20}}}}, nullable: false}}\n            \
             qty: {{type: Integer}}\n          primaryKey: [id]\n\
             workspaces:\n  Audit:\n    container: Analytics\n    datasetGroups:\n      Everything:\n        \
             sinks: [{{datastore: Shop, dataset: items}}]\n        \
             requirements: {{milestoning: LIVE_WITH_FORENSIC_HISTORY, latency: HOURS}}\n"
        );
        vec![
            SourceFile::new("ecosystem.yaml", ecosystem),
            SourceFile::new("zone.yaml", zone),
            SourceFile::new("team.yaml", team),
        ]
    }

    /// The test's role, as every credential logs in.
    fn login() -> Login {
        Login {
            user: ROLE.to_owned(),
            password: Some(PASSWORD.to_owned()),
        }
    }

    fn merge_database(&self, login: Login) -> MergeDatabase {
        MergeDatabase {
            endpoint: Endpoint {
                host: "localhost".to_owned(),
                port: 5432,
                database: self.merge.clone(),
                login,
            },
            schema: "shop".to_owned(),
        }
    }

    /// A runner that logs in to every source as the test's role.
    fn runner(&self) -> Runner<'static> {
        Runner::new(self.merge_database(Scratch::login())).with_logins(|_| Ok(Scratch::login()))
    }

    fn ingest(runner: &Runner<'_>) -> Result<BatchOutcome, JobError> {
        let options = IngestOptions {
            keep_history: Some(true),
            ..IngestOptions::default()
        };
        runner.ingest("Shop", &options, &mut |_| {})
    }

    fn source_sql(&self, sql: &str) -> String {
        psql(&self.source, true, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    fn merge_sql(&self, sql: &str) -> String {
        psql(&self.merge, true, sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Every row version of the merge table, as one text.
    fn versions(&self) -> String {
        self.merge_sql(
            "SELECT string_agg(id || ':' || qty || ':' || ds_surf_batch_in || ':' || ds_surf_batch_out, ' ' \
             ORDER BY id, ds_surf_batch_in) FROM shop.shop_items_merge WHERE id IN (1, 2, 500)",
        )
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for db in [&self.merge, &self.source] {
            // A database with a replication slot cannot be dropped.
            let _ = psql(
                "postgres",
                false,
                &format!(
                    "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '{db}'"
                ),
            );
            let _ = psql(
                "postgres",
                false,
                &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
            );
        }
    }
}

#[test]
fn batches_merge_changes_and_keep_their_history() {
    let Some(s) = Scratch::new("merge") else {
        return;
    };
    let runner = s.runner();
    let first = Scratch::ingest(&runner).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            first.batch,
            first.read,
            first.inserted,
            first.updated,
            first.deleted
        ),
        (1, 100, 100, 0, 0),
        "{first}"
    );
    s.source_sql(
        "UPDATE items SET qty = 1000 WHERE id = 1; DELETE FROM items WHERE id = 2; \
         INSERT INTO items VALUES (500, 'new', 1)",
    );
    let second = Scratch::ingest(&runner).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            second.batch,
            second.read,
            second.inserted,
            second.updated,
            second.deleted
        ),
        (2, 100, 1, 1, 1),
        "{second}"
    );
    assert_eq!(
        s.versions(),
        "1:1:1:2 1:1000:2:2147483647 2:2:1:2 500:1:2:2147483647"
    );
    let totals = runner.run_totals().unwrap_or_else(|e| panic!("{e}"));
    let stream = &totals.streams[0];
    assert_eq!((stream.committed, stream.failed), (2, 0), "{totals:?}");
    let state = runner
        .dataset_state("Shop", "items")
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("items has a state"));
    assert_eq!(state.live_rows, 100, "{state:?}");
}

/// The `Shop` model with two datasets read by change data capture, one
/// from a table in a schema of its own.
fn two_table_cdc_model(s: &Scratch) -> Vec<SourceFile> {
    let mut files = s.model();
    let team = &mut files[2];
    let text = team
        .text
        .replace("method: {sqlSnapshot: {}}", "method: {cdc: {tables: {items: items, orders: sales.orders}}}")
        .replace(
            "          primaryKey: [id]\nworkspaces:",
            "          primaryKey: [id]\n      orders:\n        schema:\n          columns:\n            \
             order_id: {type: BigInt, nullable: false}\n            item: {type: Integer}\n            \
             amount: {type: {Decimal: {precision: 10, scale: 2}}}\n          primaryKey: [order_id]\nworkspaces:",
        )
        .replace(
            "sinks: [{datastore: Shop, dataset: items}]",
            "sinks: [{datastore: Shop, dataset: items}, {datastore: Shop, dataset: orders}]",
        );
    *team = SourceFile::new("team.yaml", text);
    files
}

/// One stream of two tables read by change data capture: a transaction
/// that changes both is merged into both, in one batch.
#[test]
fn one_change_data_capture_stream_reads_two_tables_at_one_moment() {
    let Some(s) = Scratch::databases("cdc2") else {
        return;
    };
    s.source_sql(
        "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer); \
         INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, 100) g; \
         CREATE SCHEMA sales; \
         CREATE TABLE sales.orders (order_id bigint PRIMARY KEY, item integer, amount numeric(10, 2)); \
         INSERT INTO sales.orders SELECT g, g, g * 1.5 FROM generate_series(1, 10) g",
    );
    s.apply(&two_table_cdc_model(&s));
    let runner = s.runner();
    let first = Scratch::ingest(&runner).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((first.read, first.inserted), (110, 110), "{first}");
    s.source_sql(
        "BEGIN; UPDATE items SET qty = 7 WHERE id = 1; \
         INSERT INTO sales.orders VALUES (11, 1, 2.25); DELETE FROM sales.orders WHERE order_id = 2; COMMIT",
    );
    let second = Scratch::ingest(&runner).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (second.read, second.inserted, second.updated, second.deleted),
        (3, 1, 1, 1),
        "{second}"
    );
    let live = |table: &str, key: &str| {
        s.merge_sql(&format!(
            "SELECT string_agg(t::text, ';' ORDER BY {key}) FROM (SELECT * FROM {table}) t"
        ))
    };
    let merged_orders = live(
        "(SELECT order_id, item, amount FROM shop.shop_orders_merge WHERE ds_surf_batch_out = 2147483647) m",
        "order_id",
    );
    let source_orders = s.source_sql(
        "SELECT string_agg(t::text, ';' ORDER BY order_id) FROM (SELECT order_id, item, amount FROM sales.orders) t",
    );
    assert_eq!(merged_orders, source_orders);
    assert_eq!(
        s.merge_sql(
            "SELECT qty FROM shop.shop_items_merge WHERE id = 1 AND ds_surf_batch_out = 2147483647"
        ),
        "7"
    );
}

#[test]
fn a_bad_batch_fails_whole_and_the_next_one_retries() {
    let Some(s) = Scratch::new("fail") else {
        return;
    };
    let runner = s.runner();
    assert!(Scratch::ingest(&runner).is_ok());
    let before = s.versions();
    // Longer than the 20 characters the model allows.
    s.source_sql("UPDATE items SET name = repeat('x', 25), qty = 7 WHERE id = 1");
    let failed = Scratch::ingest(&runner);
    let Err(JobError::BatchFailed { batch, message, .. }) = &failed else {
        panic!("a failed batch, not {failed:?}");
    };
    assert_eq!(*batch, 2);
    assert!(message.contains("name"), "{message}");
    assert_eq!(s.versions(), before, "the merge table is as it was");
    s.source_sql("UPDATE items SET name = 'mended' WHERE id = 1");
    let mended = Scratch::ingest(&runner).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((mended.batch, mended.updated), (3, 1), "{mended}");
}

#[test]
fn a_stream_another_runner_holds_is_left_to_it() {
    let Some(s) = Scratch::new("busy") else {
        return;
    };
    let runner = s.runner();
    assert!(Scratch::ingest(&runner).is_ok());
    // Another runner's hold: the stream's row of the runners' lock table,
    // locked in a transaction that stays open.
    let mut other = postgres::Client::connect(
        &format!(
            "host=localhost user={ROLE} password={PASSWORD} dbname={}",
            s.merge
        ),
        postgres::NoTls,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut held = other.transaction().unwrap_or_else(|e| panic!("{e}"));
    let rows = held
        .execute(
            "SELECT 1 FROM shop.runner_lock WHERE name = 'ingest Shop' FOR UPDATE",
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rows, 1);
    let busy = Scratch::ingest(&runner);
    assert!(
        matches!(&busy, Err(JobError::Busy { name }) if name == "Shop"),
        "{busy:?}"
    );
    held.rollback().unwrap_or_else(|e| panic!("{e}"));
    let next = Scratch::ingest(&runner).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(next.batch, 2, "{next}");
}

/// What the runner refuses, each as its own kind: a credential it was not
/// given, a stream the merge database has no job for, and a merge
/// credential that can do more than the platform needs.
#[test]
fn refusals_are_typed() {
    let Some(s) = Scratch::new("refuse") else {
        return;
    };
    // A source credential the worker lacks fails the batch (recorded, so
    // the operators see it), naming the variables to set.
    let without = Runner::new(s.merge_database(Scratch::login()));
    let missing = Scratch::ingest(&without);
    assert!(
        matches!(&missing, Err(JobError::BatchFailed { batch: 1, message, .. })
            if message.contains("DATASURFACE_CREDENTIAL_SHOP_READER_USER")),
        "{missing:?}"
    );
    let lookup = datasurface_airflow::runner::credential("shop_reader", &|_| None);
    assert!(
        matches!(&lookup, Err(JobError::CredentialMissing { name, user_variable, .. })
            if name == "shop_reader" && user_variable == "DATASURFACE_CREDENTIAL_SHOP_READER_USER"),
        "{lookup:?}"
    );
    let unknown = s
        .runner()
        .ingest("Nope", &IngestOptions::default(), &mut |_| {});
    assert!(
        matches!(&unknown, Err(JobError::NotApplied { message }) if message.contains("`Nope`")),
        "{unknown:?}"
    );
    // The machine's superuser, over the socket.
    let superuser = psql("postgres", false, "SELECT current_user").unwrap_or_default();
    let socket = psql("postgres", false, "SHOW unix_socket_directories").unwrap_or_default();
    let mut db = s.merge_database(Login {
        user: superuser.clone(),
        password: None,
    });
    db.endpoint.host = socket
        .split(',')
        .next()
        .unwrap_or("/var/run/postgresql")
        .trim()
        .to_owned();
    let mighty = Scratch::ingest(&Runner::new(db).with_logins(|_| Ok(Scratch::login())));
    assert!(
        matches!(&mighty, Err(JobError::MergeCredentialTooMighty { user, rights })
            if *user == superuser && rights.iter().any(|r| r == "SUPERUSER")),
        "{mighty:?}"
    );
}

/// Quality rules on PostgreSQL: a broken `warn` rule commits and is
/// recorded with the batch; a broken `fail` rule leaves nothing of the
/// batch visible and says which rule, row and value.
#[test]
fn a_batch_breaking_a_fail_quality_rule_leaves_nothing_visible() {
    let Some(s) = Scratch::databases("quality") else {
        return;
    };
    s.source_sql(
        "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer); \
         INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, 100) g",
    );
    let mut model = s.model();
    let team = &mut model[2];
    let text = team.text.replace(
        "          primaryKey: [id]\n",
        "          primaryKey: [id]\n        quality:\n          \
         - check: {name: qty-bounded, sql: \"qty < 5000 AND name <> 'forbidden'\"}\n          \
         - range: {column: qty, min: 0, max: 90, severity: warn}\n",
    );
    *team = SourceFile::new("team.yaml", text);
    s.apply(&model);
    let events = Events::default();
    let runner = s
        .runner()
        .with_lineage(datasurface_airflow::runner::Lineage {
            sink: &events,
            host: "test",
        });
    let first = Scratch::ingest(&runner).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((first.batch, first.inserted), (1, 100), "{first}");
    // The run's lineage names each rule, and says which one broke.
    let complete = events.last();
    let assertions = &complete["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"];
    let held = |name: &str| {
        assertions
            .as_array()
            .and_then(|all| all.iter().find(|a| a["assertion"] == name))
            .map(|a| a["success"].clone())
    };
    assert_eq!(
        held("quality:range:qty-range"),
        Some(serde_json::json!(false)),
        "{complete:#}"
    );
    assert_eq!(
        held("quality:check:qty-bounded"),
        Some(serde_json::json!(true)),
        "{complete:#}"
    );
    let said = s.merge_sql("SELECT message FROM shop.batch_metrics WHERE batch_id = 1");
    assert!(
        said.contains("quality rule `qty-range` (range, warn) is broken: 9 rows break it; the first has id = 91, qty = 91"),
        "{said}"
    );
    let totals = runner.run_totals().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(totals.streams[0].warned, 1, "{totals:?}");
    let before = s.versions();
    s.source_sql("UPDATE items SET qty = 9999 WHERE id = 2; UPDATE items SET qty = 5 WHERE id = 1");
    let failed = Scratch::ingest(&runner);
    let Err(JobError::BatchFailed { batch, message, .. }) = &failed else {
        panic!("a failed batch, not {failed:?}");
    };
    assert_eq!(*batch, 2);
    assert_eq!(
        message,
        "dataset `items`: quality rule `qty-bounded` (check, fail) is broken: 1 row breaks it; the first has id = 2, qty = 9999, name = item 2",
    );
    assert_eq!(s.versions(), before, "nothing of the batch is visible");
}

/// A lineage sink that keeps each event, as JSON.
#[derive(Default)]
struct Events(std::sync::Mutex<Vec<serde_json::Value>>);

impl datasurface_runtime::lineage::LineageSink for Events {
    fn emit(&self, event: &datasurface_runtime::lineage::RunEvent) {
        if let (Ok(mut all), Ok(json)) = (self.0.lock(), serde_json::to_value(event)) {
            all.push(json);
        }
    }
}

impl Events {
    /// The last event sent.
    fn last(&self) -> serde_json::Value {
        self.0
            .lock()
            .ok()
            .and_then(|all| all.last().cloned())
            .unwrap_or_default()
    }
}
