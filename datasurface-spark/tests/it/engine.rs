//! The driver program on real Spark (pyspark in local mode, `OpenJDK` 17)
//! reading a real PostgreSQL over JDBC: batches that insert, change and
//! delete rows and keep history, views that show the committed rows, and a
//! run killed in the middle of a batch that leaves nothing of it visible.
//!
//! Spark is found as `.ci/external` installs it
//! (`~/.cache/datasurface/spark-4`, or `DATASURFACE_SPARK_SUBMIT`);
//! PostgreSQL as the airflow platform's tests reach it. When either is
//! missing the test says so and passes, unless
//! `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use datasurface_files::SourceFile;
use datasurface_spark::runner::{Job, Ran, Submitter, committed};
use datasurface_spark::{SparkParameters, ingest_key, transform_key, views_key};

const ROLE: &str = "datasurface_spark_test";
const PASSWORD: &str = "spark-test-password";

fn skip(what: &str) {
    let message = format!("SKIPPED: {what} is not available here (install it with .ci/external)");
    assert!(
        std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
        "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires it"
    );
    #[allow(clippy::print_stderr, reason = "the test says what it could not check")]
    {
        eprintln!("{message}");
    }
}

/// `spark-submit` of the pyspark virtualenv, if there is one.
fn spark_submit() -> Option<PathBuf> {
    let path = std::env::var_os("DATASURFACE_SPARK_SUBMIT").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/datasurface/spark-4/bin/spark-submit")
        },
        PathBuf::from,
    );
    path.is_file().then_some(path)
}

fn psql(database: &str, sql: &str) -> Result<String, String> {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            database,
            "-c",
            sql,
        ])
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Spark's settings for small data on a small machine: few shuffle
/// partitions, no web UI.
const CONF: &str = "{spark.sql.shuffle.partitions: '2', spark.ui.enabled: 'false'}";

/// The model: one store read by snapshot from `source`, one consumer group
/// keeping history, on a `spark` platform whose warehouse is `warehouse`.
/// `Sneak`'s query reads a file of the warehouse instead of its input,
/// which the gate refuses (`check`) and the driver must refuse too: it is
/// put past the gate by [`crate::render`]. `Slow`'s query, within what the
/// gate allows, runs for hours (the input joined with itself five times).
pub(crate) fn model(source: &str, warehouse: &Path) -> Vec<SourceFile> {
    let warehouse = warehouse.display();
    let ecosystem = format!(
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Shop\n\
         owningRepository: {{name: shop/ecosystem, branch: main}}\n\
         liveRepository: {{name: shop/ecosystem, branch: live}}\n\
         platforms:\n  Lake:\n    kind: spark\n    version: ^0.1\n    \
         parameters: {{warehouse: \"{warehouse}\", master: \"local[2]\", sparkConf: {CONF}}}\n\
         zoneDeclarations:\n  Main:\n    repository: {{name: shop/ecosystem, branch: main}}\n\
         assignments:\n  - workspace: Audit\n    datasetGroup: Everything\n    \
         platforms: [{{platform: Lake, status: PROVISIONED}}]\n  \
         - workspace: Audit\n    datasetGroup: Masked\n    \
         platforms: [{{platform: Lake, status: PROVISIONED}}]\n  \
         - workspace: Audit\n    datasetGroup: Sneaked\n    \
         platforms: [{{platform: Lake, status: PROVISIONED}}]\n  \
         - workspace: Audit\n    datasetGroup: Slowed\n    \
         platforms: [{{platform: Lake, status: PROVISIONED}}]\n"
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
         qty: {{type: Integer}}\n          primaryKey: [id]\n  \
         Masked:\n    capture: {{transformerOutput: {{workspace: Mask}}}}\n    \
         datasets:\n      items:\n        schema:\n          columns:\n            \
         id: {{type: Integer, nullable: false}}\n            \
         name: {{type: {{VarChar: {{maxSize: 20}}}}, nullable: false}}\n          primaryKey: [id]\n  \
         Sneaked:\n    capture: {{transformerOutput: {{workspace: Sneak}}}}\n    \
         datasets:\n      items:\n        schema:\n          columns:\n            \
         id: {{type: Integer, nullable: false}}\n          primaryKey: [id]\n  \
         Slowed:\n    capture: {{transformerOutput: {{workspace: Slow}}}}\n    \
         datasets:\n      items:\n        schema:\n          columns:\n            \
         id: {{type: Integer, nullable: false}}\n          primaryKey: [id]\n\
         workspaces:\n  Mask:\n    container: Analytics\n    datasetGroups:\n      Input:\n        \
         sinks: [{{datastore: Shop, dataset: items}}]\n    \
         transformer:\n      outputDatastore: Masked\n      code:\n        sql:\n          queries:\n            \
         items: \"SELECT id, '***' AS name FROM Shop_items WHERE qty > 3\"\n  \
         Sneak:\n    container: Analytics\n    datasetGroups:\n      Input:\n        \
         sinks: [{{datastore: Shop, dataset: items}}]\n    \
         transformer:\n      outputDatastore: Sneaked\n      code:\n        sql:\n          queries:\n            \
         items: \"SELECT id FROM parquet.`{warehouse}/Shop/tables/items/live/ds_batch=1`\"\n  \
         Slow:\n    container: Analytics\n    datasetGroups:\n      Input:\n        \
         sinks: [{{datastore: Shop, dataset: items}}]\n    \
         transformer:\n      outputDatastore: Slowed\n      limits: {{timeoutSeconds: 1}}\n      code:\n        sql:\n          queries:\n            \
         items: \"SELECT a.id FROM Shop_items a CROSS JOIN Shop_items b CROSS JOIN Shop_items c CROSS JOIN Shop_items d CROSS JOIN Shop_items e\"\n  \
         Audit:\n    container: Analytics\n    datasetGroups:\n      Everything:\n        \
         sinks: [{{datastore: Shop, dataset: items}}]\n        \
         requirements: {{milestoning: LIVE_WITH_FORENSIC_HISTORY, latency: HOURS, retention: P30D}}\n      \
         Masked:\n        sinks: [{{datastore: Masked, dataset: items}}]\n        \
         requirements: {{milestoning: LIVE_ONLY, latency: HOURS}}\n      \
         Sneaked:\n        sinks: [{{datastore: Sneaked, dataset: items}}]\n        \
         requirements: {{milestoning: LIVE_ONLY, latency: HOURS}}\n      \
         Slowed:\n        sinks: [{{datastore: Slowed, dataset: items}}]\n        \
         requirements: {{milestoning: LIVE_ONLY, latency: HOURS}}\n"
    );
    vec![
        SourceFile::new("ecosystem.yaml", ecosystem),
        SourceFile::new("zone.yaml", zone),
        SourceFile::new("team.yaml", team),
    ]
}

/// A query over the rendered views, run by Spark: each statement of the
/// views file, then each query; each query's rows as JSON lines after a
/// line `--`.
const QUERY: &str = r#"
import json, sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
views = open(sys.argv[1]).read()
for statement in views.split(";\n"):
    lines = [l for l in statement.splitlines() if not l.startswith("--")]
    if "".join(lines).strip():
        spark.sql("\n".join(lines))
for sql in sys.argv[2:]:
    print("--")
    for row in spark.sql(sql).collect():
        print(json.dumps(row.asDict(), sort_keys=True, default=str))
spark.stop()
"#;

/// The events a run sends, kept as JSON.
#[derive(Default)]
struct Kept(std::sync::Mutex<Vec<serde_json::Value>>);

impl datasurface_runtime::lineage::LineageSink for Kept {
    fn emit(&self, event: &datasurface_runtime::lineage::RunEvent) {
        self.0
            .lock()
            .unwrap()
            .push(serde_json::to_value(event).unwrap());
    }
}

struct Lake {
    submit: PathBuf,
    /// `SPARK_HOME` and `PYSPARK_PYTHON` of the virtualenv's pyspark.
    env: Vec<(&'static str, String)>,
    source: String,
    dir: PathBuf,
}

impl Lake {
    fn rendered(&self) -> PathBuf {
        self.dir.join("rendered")
    }

    fn warehouse(&self) -> PathBuf {
        self.dir.join("warehouse")
    }

    fn submitter(&self) -> Submitter {
        let (config, _) = SparkParameters::read(
            "Lake",
            &serde_json::from_value(
                serde_json::json!({"kind": "spark", "version": "^0.1", "parameters": {
                    "master": "local[2]",
                    "sparkConf": {"spark.sql.shuffle.partitions": "2", "spark.ui.enabled": "false"}
                }}),
            )
            .unwrap(),
        );
        // The credential the spec names, in the variables it names.
        let mut submitter = Submitter::new(&config);
        for (k, v) in &self.env {
            submitter = submitter.with_env(*k, v.clone());
        }
        submitter
            .with_spark_submit(self.submit.display().to_string())
            .with_env("DATASURFACE_CREDENTIAL_SHOP_READER_USER", ROLE)
            .with_env("DATASURFACE_CREDENTIAL_SHOP_READER_PASSWORD", PASSWORD)
    }

    fn ingest(&self) -> (Ran, Vec<String>) {
        self.run(Job::Ingest, &ingest_key("Shop", None))
    }

    fn run(&self, job: Job, key: &datasurface_platform::ArtifactKey) -> (Ran, Vec<String>) {
        let mut lines = Vec::new();
        let ran = self
            .submitter()
            .run(&self.rendered(), job, Path::new(key.as_str()), &mut |l| {
                lines.push(l.to_owned());
            })
            .unwrap_or_else(|e| panic!("{e}"));
        (ran, lines)
    }

    /// A transformer's run, with its OpenLineage events checked: `START`
    /// and `COMPLETE`, the child of the input's last batch, reading the
    /// input's table and writing its staged output, named by their paths.
    fn run_told(&self, key: &datasurface_platform::ArtifactKey) -> (Ran, Vec<String>) {
        use datasurface_spark::events::{Lineage, Run};
        let rendered = self.rendered().join(key.as_str());
        let spec: datasurface_spark::spec::TransformSpec =
            serde_json::from_str(&std::fs::read_to_string(rendered).unwrap()).unwrap();
        let warehouse = self.warehouse().display().to_string();
        let kept = Kept::default();
        let lineage = Lineage {
            sink: &kept,
            host: "worker-1",
            warehouse: &warehouse,
        };
        let started = "2026-11-29T02:00:00.000Z";
        let run = Run::transform(lineage, &spec, started).unwrap().unwrap();
        run.begin();
        let mut lines = Vec::new();
        let ran = self.submitter().run(
            &self.rendered(),
            Job::Transform,
            Path::new(key.as_str()),
            &mut |l| {
                lines.push(l.to_owned());
            },
        );
        run.end(&ran, started, lines.last().map(String::as_str));
        let events = kept.0.into_inner().unwrap();
        let kinds: Vec<&serde_json::Value> = events.iter().map(|e| &e["eventType"]).collect();
        assert_eq!(kinds, ["START", "COMPLETE"], "{events:#?}");
        let input = committed(&self.warehouse().join("Shop"))
            .unwrap()
            .pop()
            .unwrap();
        let job = spec.lineage.as_ref().unwrap();
        let parent = &events[0]["run"]["facets"]["parent"];
        assert_eq!(parent["job"]["name"], "ingest.Shop");
        assert_eq!(
            parent["run"]["runId"],
            datasurface_runtime::lineage::RunIds::batch_run(
                &job.namespace,
                "ingest.Shop",
                2,
                &input.started
            )
        );
        let names = |side: &str| -> Vec<(String, String)> {
            events[1][side]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| (d["namespace"].to_string(), d["name"].to_string()))
                .collect()
        };
        let path = |p: &str| format!("{:?}", self.warehouse().join(p).display().to_string());
        let host = "\"file://worker-1\"".to_owned();
        assert_eq!(names("inputs"), [(host.clone(), path("Shop/tables/items"))]);
        assert_eq!(names("outputs"), [(host, path("Masked/staged/items"))]);
        (ran.unwrap(), lines)
    }

    /// Each query's rows, from one Spark application.
    fn query(&self, queries: &[&str]) -> Vec<Vec<String>> {
        self.query_group("Everything", queries)
    }

    /// Each query's rows over the views of group `group` of `Audit`.
    fn query_group(&self, group: &str, queries: &[&str]) -> Vec<Vec<String>> {
        let script = self.dir.join("query.py");
        std::fs::write(&script, QUERY).unwrap();
        let views = self.rendered().join(views_key("Audit", group).as_str());
        let out = Command::new(&self.submit)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(["--master", "local[1]", "--conf", "spark.ui.enabled=false"])
            .arg(&script)
            .arg(&views)
            .args(queries)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut rows: Vec<Vec<String>> = Vec::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if line == "--" {
                rows.push(Vec::new());
            } else if let Some(last) = rows.last_mut() {
                last.push(line.to_owned());
            }
        }
        rows
    }

    fn counts(&self) -> Vec<(u64, u64, u64, u64)> {
        let root = self.warehouse().join("Shop");
        committed(&root)
            .unwrap()
            .iter()
            .map(|b| {
                let c = b.datasets["items"];
                (c.inserted, c.updated, c.deleted, c.live)
            })
            .collect()
    }
}

fn setup() -> Option<Lake> {
    let Some(submit) = spark_submit() else {
        skip("pyspark");
        return None;
    };
    if psql("postgres", "SELECT 1").is_err() {
        skip("PostgreSQL");
        return None;
    }
    let source = format!("ds_spark_{}", std::process::id());
    let admin = |sql: &str| psql("postgres", sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    admin(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN \
         CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'; END IF; END $$"
    ));
    admin(&format!("DROP DATABASE IF EXISTS {source} WITH (FORCE)"));
    admin(&format!("CREATE DATABASE {source} OWNER {ROLE}"));
    psql(
        &source,
        &format!(
            "CREATE TABLE items (id integer PRIMARY KEY, name text NOT NULL, qty integer); \
             INSERT INTO items SELECT g, 'item ' || g, g % 7 FROM generate_series(1, 100) g; \
             ALTER TABLE items OWNER TO {ROLE}"
        ),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("ds-spark-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The virtualenv's spark-submit finds its Spark and Python from these.
    let python = submit.with_file_name("python");
    let home = Command::new(&python)
        .args([
            "-c",
            "import os, pyspark; print(os.path.dirname(pyspark.__file__))",
        ])
        .output()
        .unwrap();
    assert!(
        home.status.success(),
        "{}",
        String::from_utf8_lossy(&home.stderr)
    );
    let env = vec![
        (
            "SPARK_HOME",
            String::from_utf8_lossy(&home.stdout).trim().to_owned(),
        ),
        ("PYSPARK_PYTHON", python.display().to_string()),
    ];
    let lake = Lake {
        submit,
        env,
        source,
        dir,
    };
    let rendering = crate::render(&model(&lake.source, &lake.warehouse()), "Lake");
    for (key, artifact) in &rendering.artifacts {
        let path = lake.rendered().join(key.as_str());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &artifact.content).unwrap();
    }
    Some(lake)
}

/// A mirror of an `airflow` primary reads the primary's last merged batch
/// before and after reading its tables, and reads them again when it moved:
/// here the "primary" is the source database, and its last merged batch a
/// sequence, which moves at every read (three reads, then the batch fails)
/// or settles at the third.
fn a_mirror_reads_again_while_its_primary_merges(lake: &Lake) {
    let rendered = lake.rendered().join(ingest_key("Shop", None).as_str());
    let mut spec: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(rendered).unwrap()).unwrap();
    let root = lake.warehouse().join("Mirror").display().to_string();
    spec["stream"] = "Mirror".into();
    spec["root"] = root.clone().into();
    spec["datasets"][0]["table"] = format!("{root}/tables/items").into();
    spec["datasets"][0]["sourceTable"] = "items".into();
    psql(
        &lake.source,
        &format!(
            "CREATE SEQUENCE moving; CREATE SEQUENCE settling; \
             ALTER SEQUENCE moving OWNER TO {ROLE}; ALTER SEQUENCE settling OWNER TO {ROLE}"
        ),
    )
    .unwrap();
    let mut run = |last_batch: &str| {
        spec["source"] = serde_json::json!({"airflowPrimary": {
            "platform": "Central",
            "url": format!("jdbc:postgresql://localhost:5432/{}", lake.source),
            "driver": "org.postgresql.Driver",
            "userVariable": "DATASURFACE_CREDENTIAL_SHOP_READER_USER",
            "passwordVariable": "DATASURFACE_CREDENTIAL_SHOP_READER_PASSWORD",
            "lastBatch": last_batch,
        }});
        let key = "jobs/ingest/Mirror.json";
        std::fs::write(lake.rendered().join(key), spec.to_string()).unwrap();
        let mut lines = Vec::new();
        let ran = lake
            .submitter()
            .run(&lake.rendered(), Job::Ingest, Path::new(key), &mut |l| {
                lines.push(l.to_owned());
            })
            .unwrap_or_else(|e| panic!("{e}"));
        (ran, lines)
    };
    let (ran, lines) = run("SELECT nextval('moving')");
    assert_eq!(ran, Ran::BatchFailed, "{lines:?}");
    let failed = std::fs::read_to_string(Path::new(&root).join("meta/runs/1.json")).unwrap();
    assert!(
        failed.contains(
            "platform `Central` merged a batch each of the 3 times this batch read its tables"
        ),
        "{failed}"
    );
    assert!(committed(Path::new(&root)).unwrap().is_empty());
    let (ran, lines) = run("SELECT least(nextval('settling'), 3)");
    assert_eq!(ran, Ran::Committed, "{lines:?}");
    let again: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("reading them again"))
        .collect();
    assert_eq!(again.len(), 1, "{lines:?}");
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(&root).join("meta/committed/1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        record["mirrored"],
        serde_json::json!({"platform": "Central", "batch": 3})
    );
    assert_eq!(record["datasets"]["items"]["live"], 99);
}

/// The transformer reads the committed live rows of its input, and its
/// output is ingested like any store's; one that reads anything else, or
/// runs past its time limit, stages nothing.
fn transformers_run_on_their_inputs_only(lake: &Lake) {
    // The transformer reads the committed live rows of its input, and its
    // output is ingested like any store's; its run is the child of the
    // input batch that committed last.
    let (ran, lines) = lake.run_told(&transform_key("Mask"));
    assert_eq!(ran, Ran::Committed, "{lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("transformer `Mask` staged: items 45 rows")
    );
    let (ran, lines) = lake.run(Job::Ingest, &ingest_key("Masked", None));
    assert_eq!(ran, Ran::Committed, "{lines:?}");
    assert_eq!(
        lake.query_group(
            "Masked",
            &["SELECT count(*) AS n, min(name) AS m FROM audit.masked__masked__items"]
        ),
        [[r#"{"m": "***", "n": 45}"#]]
    );

    // A query that reads anything but its inputs stages nothing.
    let (ran, lines) = lake.run(Job::Transform, &transform_key("Sneak"));
    assert_eq!(ran, Ran::BatchFailed, "{lines:?}");
    assert!(
        lines
            .last()
            .is_some_and(|l| l.starts_with("transformer `Sneak` failed, and staged nothing")),
        "{lines:?}"
    );
    assert!(!lake.warehouse().join("Sneaked/staged/ready.json").exists());
    // A query past its transformer's time limit is cancelled.
    let (ran, lines) = lake.run(Job::Transform, &transform_key("Slow"));
    assert_eq!(ran, Ran::BatchFailed, "{lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("transformer `Slow` failed, and staged nothing: it ran past its limit of 1 s")
    );
}

/// Two batches merge inserts, changes and deletes and keep the closed
/// versions; the views show the committed rows; a run killed in the middle
/// of the third batch leaves the views as they were, and the next run
/// removes its output and commits the batch.
#[test]
fn batches_merge_keep_history_and_survive_a_kill() {
    let Some(lake) = setup() else { return };
    let (ran, lines) = lake.ingest();
    assert_eq!(ran, Ran::Committed, "{lines:?}");
    assert_eq!(lake.counts(), [(100, 0, 0, 100)]);

    psql(
        &lake.source,
        "UPDATE items SET qty = qty + 100 WHERE id <= 5; DELETE FROM items WHERE id > 97; \
         INSERT INTO items VALUES (101, 'new 101', 1), (102, 'new 102', NULL)",
    )
    .unwrap();
    let (ran, lines) = lake.ingest();
    assert_eq!(ran, Ran::Committed, "{lines:?}");
    assert_eq!(lake.counts(), [(100, 0, 0, 100), (2, 5, 3, 99)]);
    assert_eq!(
        lines.last().map(String::as_str),
        Some("Shop batch 2 committed: items +2 ~5 -3 (99 live)")
    );
    let live = "SELECT count(*) AS n, sum(qty) AS q FROM audit.everything__shop__items";
    let history = "SELECT ds_surf_batch_out AS b, count(*) AS n FROM audit.everything__shop__items__history GROUP BY 1 ORDER BY 1";
    let before = lake.query(&[live, history]);
    assert_eq!(
        before,
        [
            vec![r#"{"n": 99, "q": 795}"#],
            vec![r#"{"b": 2, "n": 8}"#, r#"{"b": 2147483647, "n": 99}"#]
        ]
    );

    transformers_run_on_their_inputs_only(&lake);
    a_mirror_reads_again_while_its_primary_merges(&lake);

    // A third batch, killed once it has started writing.
    psql(
        &lake.source,
        "UPDATE items SET name = 'renamed' WHERE id = 1",
    )
    .unwrap();
    let key = ingest_key("Shop", None);
    let mut child = lake
        .submitter()
        .command(
            &lake.rendered().join(datasurface_spark::DRIVER),
            Job::Ingest,
            &lake.rendered().join(key.as_str()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let run = lake.warehouse().join("Shop/meta/runs/3.json");
    let started = std::time::Instant::now();
    while !std::fs::read_to_string(&run).is_ok_and(|t| t.contains("ingesting")) {
        assert!(started.elapsed().as_secs() < 120, "batch 3 never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let group = child.id();
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{group}")])
        .status();
    let _ = child.wait();
    assert_eq!(lake.counts().len(), 2, "the killed batch committed");
    assert_eq!(lake.query(&[live, history]), before);

    // The group keeps history 30 days: once batch 2 committed longer ago,
    // the next batch removes the versions it closed.
    let record = lake.warehouse().join("Shop/meta/committed/2.json");
    let text = std::fs::read_to_string(&record).unwrap();
    let committed: serde_json::Value = serde_json::from_str(&text).unwrap();
    let at = committed["committed"].as_str().unwrap();
    std::fs::write(&record, text.replace(at, "2026-01-01T00:00:00Z")).unwrap();
    // Hadoop's checksum of the file, which would no longer match.
    std::fs::remove_file(record.with_file_name(".2.json.crc")).unwrap();

    let (ran, lines) = lake.ingest();
    assert_eq!(ran, Ran::Committed, "{lines:?}");
    assert!(
        lines[0].contains("an earlier run was stopped before it committed"),
        "{lines:?}"
    );
    assert_eq!(lake.counts()[2], (0, 1, 0, 99));
    assert_eq!(
        lake.query(&[history]),
        [[r#"{"b": 3, "n": 1}"#, r#"{"b": 2147483647, "n": 99}"#]]
    );
    assert_eq!(
        lake.query(&["SELECT name FROM audit.everything__shop__items WHERE id = 1"]),
        [[r#"{"name": "renamed"}"#]]
    );
    // The driver kept the stream's totals as it committed: the run state
    // read from them is the one its records add up to.
    let rendering = crate::render(&model(&lake.source, &lake.warehouse()), "Lake");
    let from_totals = datasurface_spark::totals::run_totals("Lake", &rendering).unwrap();
    let totals = lake.warehouse().join("Shop/meta/totals.json");
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&totals).unwrap()).unwrap();
    assert_eq!((&kept["through"], &kept["batches"]), (&3.into(), &3.into()));
    std::fs::remove_file(&totals).unwrap();
    assert_eq!(
        datasurface_spark::totals::run_totals("Lake", &rendering).unwrap(),
        from_totals
    );
    let _ = psql(
        "postgres",
        &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", lake.source),
    );
    let _ = std::fs::remove_dir_all(&lake.dir);
}
