//! `datasurface job spark`: the `spark` platform's jobs without a
//! scheduler. A stream the platform does not run is refused by name before
//! anything is submitted; with pyspark on the machine (`.ci/external`), a
//! CSV drop is ingested by a real Spark application in local mode.

use std::path::{Path, PathBuf};

use super::datasurface;

/// A model of one CSV drop ingested by a `spark` platform, in `dir`.
fn model(dir: &Path) -> PathBuf {
    let drops = dir.join("drops");
    let warehouse = dir.join("warehouse");
    std::fs::create_dir_all(&drops).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        drops.join("events.csv"),
        "id,what\n1,open\n2,close\n3,open\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let model = dir.join("model");
    std::fs::create_dir_all(&model).unwrap_or_else(|e| panic!("{e}"));
    let ecosystem = format!(
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Feeds\n\
         owningRepository: {{name: feeds/ecosystem, branch: main}}\n\
         liveRepository: {{name: feeds/ecosystem, branch: live}}\n\
         platforms:\n  Lake:\n    kind: spark\n    version: ^0.1\n    parameters:\n      \
         warehouse: \"{}\"\n      master: \"local[1]\"\n      \
         sparkConf: {{spark.sql.shuffle.partitions: '1', spark.ui.enabled: 'false'}}\n      \
         sources: {{Drops: \"{}\"}}\n\
         zoneDeclarations:\n  Main:\n    repository: {{name: feeds/ecosystem, branch: main}}\n\
         assignments:\n  - workspace: Watch\n    datasetGroup: Everything\n    \
         platforms: [{{platform: Lake, status: PROVISIONED}}]\n",
        warehouse.display(),
        drops.display()
    );
    let zone = "apiVersion: datasurface.dev/v1\nkind: GovernanceZone\nname: Main\n\
                teamDeclarations:\n  Feeds:\n    repository: {name: feeds/ecosystem, branch: main}\n";
    let team = "apiVersion: datasurface.dev/v1\nkind: Team\nzone: Main\nname: Feeds\n\
         containers:\n  Drops:\n    kind: {objectStorage: {bucket: drops}}\n  \
         Analytics:\n    kind: platformManaged\n\
         datastores:\n  Feed:\n    capture: {ingestion: {container: Drops, consistency: MULTI_DATASET, method: {fileDrop: {}}}}\n    \
         datasets:\n      events:\n        schema:\n          columns:\n            \
         id: {type: Integer, nullable: false}\n            what: {type: {VarChar: {maxSize: 10}}}\n          \
         primaryKey: [id]\n\
         workspaces:\n  Watch:\n    container: Analytics\n    datasetGroups:\n      Everything:\n        \
         sinks: [{datastore: Feed, dataset: events}]\n        \
         requirements: {milestoning: LIVE_ONLY, latency: HOURS}\n";
    for (name, text) in [
        ("ecosystem.yaml", ecosystem.as_str()),
        ("zone.yaml", zone),
        ("team.yaml", team),
    ] {
        std::fs::write(model.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    model
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("spark-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn job_spark_names_the_streams_it_runs() {
    let dir = scratch("unknown");
    let model = model(&dir);
    let model = model.to_string_lossy();
    let run = datasurface(&["job", "spark", &model, "--stream", "Fed"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("platform `Lake` runs no stream `Fed`; it runs `Feed`"),
        "{}",
        run.transcript()
    );
    // A task whose deployed spec is not what the worker's model renders
    // runs nothing.
    let deployed = dir.join("Feed.json");
    std::fs::write(&deployed, "{}").unwrap_or_else(|e| panic!("{e}"));
    let run = datasurface(
        &[
            "job",
            "spark",
            &model,
            "--stream",
            "Feed",
            "--deployed-spec",
            &deployed.to_string_lossy(),
        ],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("is not the one this model renders for stream `Feed`"),
        "{}",
        run.transcript()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The model of [`model`] with a second `spark` platform, `Copy`, whose
/// workspace reads `Feed`, which `primaryIngestionPlatforms` says `Lake`
/// ingests: `Copy` mirrors `Lake`'s tables.
fn mirrored(dir: &Path) -> PathBuf {
    let model = model(dir);
    let edit = |file: &str, edit: &dyn Fn(String) -> String| {
        let path = model.join(file);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&path, edit(text)).unwrap_or_else(|e| panic!("{e}"));
    };
    let copy = format!(
        "  Copy:\n    kind: spark\n    version: ^0.1\n    parameters:\n      \
         warehouse: \"{}\"\n      master: \"local[1]\"\n      \
         sparkConf: {{spark.sql.shuffle.partitions: '1', spark.ui.enabled: 'false'}}\n",
        dir.join("copy").display()
    );
    edit("ecosystem.yaml", &|text| {
        text.replace("zoneDeclarations:", &format!("{copy}zoneDeclarations:"))
            + "  - workspace: Replica\n    datasetGroup: Everything\n    \
               platforms: [{platform: Copy, status: PROVISIONED}]\n\
               primaryIngestionPlatforms:\n  Feed: [Lake]\n"
    });
    edit("team.yaml", &|text| {
        text + "  Replica:\n    container: Analytics\n    datasetGroups:\n      Everything:\n        \
                sinks: [{datastore: Feed, dataset: events}]\n        \
                requirements: {milestoning: LIVE_ONLY, latency: HOURS}\n"
    });
    model
}

/// `spark-submit` of the pyspark virtualenv `.ci/external` makes.
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

#[test]
fn job_spark_ingests_a_drop_with_real_spark() {
    let Some(spark) = Pyspark::find() else { return };
    let dir = scratch("drop");
    let model = model(&dir);
    let events = dir.join("events.jsonl");
    let lineage = events.display().to_string();
    let run = || spark.job(&model, &["--stream", "Feed", "--lineage", &lineage], &dir);
    // A run that fails its batch saying `text`, committing no batch `batch`.
    let refused = |text: &str, batch: u32| {
        let out = run();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{said}");
        assert!(said.contains(text), "no {text:?} in:\n{said}");
        assert!(
            !dir.join(format!("warehouse/Feed/meta/committed/{batch}.json"))
                .exists()
        );
    };
    // Two rows with one key fail the first batch, and nothing is committed.
    let drop = dir.join("drops/events.csv");
    std::fs::write(&drop, "id,what\n1,open\n1,close\n").unwrap_or_else(|e| panic!("{e}"));
    refused(
        "dataset `events`: the source has more than one row with key id = 1",
        1,
    );
    assert!(
        !dir.join("warehouse/Feed/tables/events/live/ds_batch=1")
            .exists()
    );
    std::fs::write(&drop, "id,what\n1,open\n2,close\n3,open\n").unwrap_or_else(|e| panic!("{e}"));
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Feed batch 1 committed: events +3 ~0 -0 (3 live)"),
        "{stdout}"
    );
    assert!(dir.join("warehouse/Feed/meta/committed/1.json").is_file());
    told(&events, &dir);

    // A link in the drop folder to a file beside it is not read.
    let elsewhere = dir.join("elsewhere.csv");
    std::fs::rename(&drop, &elsewhere).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::symlink(&elsewhere, &drop).unwrap_or_else(|e| panic!("{e}"));
    refused("is missing or not a regular file", 2);

    // Nor, in a later batch, two rows with one key.
    std::fs::remove_file(&drop).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&drop, "id,what\n1,open\n2,close\n2,open\n").unwrap_or_else(|e| panic!("{e}"));
    refused("more than one row with key id = 2", 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The pyspark `.ci/external` installs: its `spark-submit`, and the
/// `SPARK_HOME` and `PYSPARK_PYTHON` it needs.
pub(super) struct Pyspark {
    submit: PathBuf,
    env: [(&'static str, String); 2],
}

impl Pyspark {
    /// The pyspark here; none (and the test says so) when there is none,
    /// which `DATASURFACE_REQUIRE_EXTERNAL=1` makes a failure.
    pub(super) fn find() -> Option<Pyspark> {
        let Some(submit) = spark_submit() else {
            let message = "SKIPPED: pyspark is not available here (install it with .ci/external)";
            assert!(
                std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
                "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires it"
            );
            return None;
        };
        let python = submit.with_file_name("python");
        let home = std::process::Command::new(&python)
            .args([
                "-c",
                "import os, pyspark; print(os.path.dirname(pyspark.__file__))",
            ])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let env = [
            (
                "SPARK_HOME",
                String::from_utf8_lossy(&home.stdout).trim().to_owned(),
            ),
            ("PYSPARK_PYTHON", python.display().to_string()),
        ];
        Some(Pyspark { submit, env })
    }

    /// `datasurface job spark <model> --spark-submit … <args>`, run in `dir`.
    fn job(&self, model: &Path, args: &[&str], dir: &Path) -> std::process::Output {
        self.command(model, args, dir)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The command of [`Pyspark::job`], to add to.
    pub(super) fn command(&self, model: &Path, args: &[&str], dir: &Path) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_datasurface"));
        command
            .args(["job", "spark"])
            .arg(model)
            .args(args)
            .arg("--spark-submit")
            .arg(&self.submit)
            .env("DATASURFACE_CACHE_DIR", super::cache_dir())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(dir);
        command
    }

    /// The rows of each Parquet folder of `folders`, each row as Spark SQL
    /// expression `row` says, in `id` order, joined by spaces: one line per
    /// folder, from one Spark application.
    pub(super) fn rows(&self, dir: &Path, row: &str, folders: &[&Path]) -> Vec<String> {
        let script = dir.join("rows.py");
        std::fs::write(
            &script,
            "import sys\nfrom pyspark.sql import SparkSession\n\
             spark = SparkSession.builder.getOrCreate()\n\
             for folder in sys.argv[2:]:\n    \
             spark.read.parquet(folder).createOrReplaceTempView('t')\n    \
             print(' '.join(r[0] for r in spark.sql('SELECT %s FROM t ORDER BY id' % sys.argv[1]).collect()))\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let out = std::process::Command::new(&self.submit)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .args(["--master", "local[1]", "--conf", "spark.ui.enabled=false"])
            .arg(&script)
            .arg(row)
            .args(folders)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn job_spark_mirrors_another_spark_platform_without_reading_the_source() {
    let Some(spark) = Pyspark::find() else { return };
    let dir = scratch("mirror");
    let model = mirrored(&dir);
    let run = |platform: &str| {
        let out = spark.job(&model, &["--platform", platform, "--stream", "Feed"], &dir);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), said)
    };
    // Nothing to mirror before the primary commits a batch.
    let (code, said) = run("Copy");
    assert_eq!(code, Some(3), "{said}");
    assert!(
        said.contains("platform `Lake` has committed no batch of this stream yet"),
        "{said}"
    );
    let (code, said) = run("Lake");
    assert_eq!(code, Some(0), "{said}");
    // The mirror reads the primary's tables, never the drop.
    std::fs::remove_file(dir.join("drops/events.csv")).unwrap_or_else(|e| panic!("{e}"));
    let (code, said) = run("Copy");
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("Feed batch 1 committed: events +3 ~0 -0 (3 live)"),
        "{said}"
    );
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("copy/Feed/meta/committed/1.json"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        record["mirrored"],
        serde_json::json!({"platform": "Lake", "batch": 1})
    );
    // The primary's next batch changes, adds and deletes a row; the
    // mirror's merges the same into its own tables.
    std::fs::write(
        dir.join("drops/events.csv"),
        "id,what\n1,open\n2,reopen\n4,open\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run("Lake").0, Some(0));
    std::fs::remove_file(dir.join("drops/events.csv")).unwrap_or_else(|e| panic!("{e}"));
    let (code, said) = run("Copy");
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.contains("Feed batch 2 committed: events +1 ~1 -1 (3 live)"),
        "{said}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A drop of JSON lines or Parquet files reads as a CSV drop does: text
/// cast to the model's types, or Parquet's own types.
#[test]
fn job_spark_reads_json_lines_and_parquet_drops() {
    let Some(spark) = Pyspark::find() else { return };
    let dir = scratch("formats");
    let model = model(&dir);
    let run = |what: &str| {
        let out = spark.job(&model, &["--stream", "Feed"], &dir);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{what}: {said}");
        said
    };
    run("the CSV drop");
    // That batch's live table is a Parquet file to drop.
    let live = dir.join("warehouse/Feed/tables/events/live/ds_batch=1");
    let part = std::fs::read_dir(&live)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "parquet"))
        .unwrap_or_else(|| panic!("no Parquet file in {}", live.display()));
    let parquet = std::fs::read(&part).unwrap_or_else(|e| panic!("{e}"));
    let jsonl = b"{\"id\": 7, \"what\": \"open\"}\n{\"id\": 8, \"what\": null}\n".to_vec();
    let team = model.join("team.yaml");
    let csv = std::fs::read_to_string(&team).unwrap_or_else(|e| panic!("{e}"));
    for (format, file, bytes, said) in [
        (
            "JSON_LINES",
            "events.jsonl",
            jsonl,
            "events +2 ~0 -0 (2 live)",
        ),
        (
            "PARQUET",
            "events.parquet",
            parquet,
            "events +3 ~0 -0 (3 live)",
        ),
    ] {
        let text = csv.replace(
            "method: {fileDrop: {}}",
            &format!("method: {{fileDrop: {{format: {format}}}}}"),
        );
        assert_ne!(text, csv);
        std::fs::write(&team, text).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_dir_all(dir.join("warehouse"));
        let _ = std::fs::remove_file(dir.join("drops/events.csv"));
        std::fs::write(dir.join("drops").join(file), bytes).unwrap_or_else(|e| panic!("{e}"));
        let out = run(format);
        assert!(
            out.contains(&format!("Feed batch 1 committed: {said}")),
            "{out}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// What the first two runs told OpenLineage: batch 1 failed on its
/// duplicate key, then a second attempt (another run) committed it.
fn told(file: &Path, dir: &Path) {
    let events = super::lineage::events_in(file);
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["eventType"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["START", "FAIL", "START", "COMPLETE"], "{events:#?}");
    let run = |i: usize| events[i]["run"]["runId"].clone();
    assert_eq!((run(0), run(2)), (run(1), run(3)));
    assert_ne!(run(0), run(2));
    assert_eq!(
        events[1]["run"]["facets"]["errorMessage"]["message"],
        "dataset `events`: the source has more than one row with key id = 1"
    );
    let done = &events[3];
    assert_eq!(done["job"]["name"], "ingest.Feed");
    let input = &done["inputs"][0];
    assert!(
        input["namespace"]
            .as_str()
            .is_some_and(|n| n.starts_with("file://")),
        "{input}"
    );
    assert_eq!(
        input["name"],
        dir.join("drops/events.csv").display().to_string()
    );
    let outputs: Vec<(&str, &serde_json::Value)> = done["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| (o["name"].as_str().unwrap_or_default(), o))
        .collect();
    let table = dir
        .join("warehouse/Feed/tables/events")
        .display()
        .to_string();
    assert_eq!(
        outputs.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [table.as_str(), "watch.everything__feed__events"],
        "{outputs:#?}"
    );
    assert_eq!(
        outputs[0].1["outputFacets"]["outputStatistics"]["rowCount"],
        3
    );
    // The batch's run is named by the start its commit record keeps.
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("warehouse/Feed/meta/committed/1.json"))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done["eventTime"].as_str().map(str::len), Some(24));
    assert_eq!(record["started"], events[2]["eventTime"]);
    super::lineage::official_client_parses(file);
}

/// Writes a committed batch's record of stream `stream`, as the driver does.
fn commit(warehouse: &Path, stream: &str, batch: u64, changed: u64) {
    let dir = warehouse.join(stream).join("meta/committed");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let record = serde_json::json!({
        "batch": batch, "started": "2026-11-28T10:00:00Z",
        "committed": format!("2026-11-28T10:0{batch}:00Z"),
        "datasets": {"products": {"inserted": changed, "updated": 0, "deleted": 0, "live": 120}},
    });
    std::fs::write(dir.join(format!("{batch}.json")), record.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
}

/// The Northwind spark example's model in `dir/model`, its warehouse
/// `dir/warehouse`.
fn northwind(dir: &Path) -> (String, PathBuf) {
    let model = dir.join("model");
    std::fs::create_dir_all(&model).unwrap_or_else(|e| panic!("{e}"));
    super::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/spark/model"),
        &model,
    );
    let warehouse = dir.join("warehouse");
    let ecosystem = model.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&ecosystem).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        &ecosystem,
        text.replace(
            "warehouse: /var/lib/datasurface/warehouse",
            &format!("warehouse: {}", warehouse.display()),
        ),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    (model.to_string_lossy().into_owned(), warehouse)
}

/// `job spark --decide` of the example's hooked transformer.
fn decide(dir: &Path, model: &str, run_type: &str, extra: &[&str]) -> super::Run {
    let mut args = vec![
        "job",
        "spark",
        model,
        "--transformer",
        "MaskCustomersWorkSpace",
        "--decide",
        "--run-type",
        run_type,
    ];
    args.extend(extra);
    datasurface(&args, dir)
}

/// `job spark --decide` asks the example's hook (its module read from the
/// model's directory) about the newest batch of the transformer's inputs,
/// exits 0 to run it or 99 not to, and keeps each decision in the
/// warehouse; a deployed spec the model does not render decides nothing.
#[test]
fn job_spark_decide_asks_the_transformers_hook() {
    let dir = scratch("decide");
    let (model, warehouse) = northwind(&dir);
    commit(&warehouse, "NW_Data", 1, 120);
    let run = decide(&dir, &model, "asset_triggered", &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains(
            "hook on batchCommitted: run: a new batch of NW_Data with changes [decision 1, hook]"
        ),
        "{}",
        run.transcript()
    );
    commit(&warehouse, "NW_Data", 2, 0);
    let events = dir.join("held.jsonl");
    let lineage = events.display().to_string();
    let run = decide(
        &dir,
        &model,
        "asset_triggered",
        &["--lineage", lineage.as_str()],
    );
    assert_eq!(run.code, 99, "{}", run.transcript());
    assert!(
        run.stdout
            .contains("skip: a new batch of NW_Data that changed nothing [decision 2, hook]"),
        "{}",
        run.transcript()
    );
    // Lineage hears that the transformer was due, after batch 2, and held.
    let held = super::lineage::events_in(&events);
    assert_eq!(held.len(), 1, "{held:#?}");
    let run = &held[0]["run"]["facets"];
    assert_eq!(
        (&held[0]["eventType"], &held[0]["job"]["name"]),
        (
            &serde_json::json!("ABORT"),
            &serde_json::json!("transform.MaskCustomersWorkSpace")
        )
    );
    assert_eq!(run["datasurface_hook"]["decision"], "hold", "{run:#}");
    assert_eq!(run["parent"]["job"]["name"], "ingest.NW_Data", "{run:#}");
    let run = decide(&dir, &model, "manual", &[]);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let decisions = warehouse.join("Masked_NW_Data/meta/decisions");
    let mut kept: Vec<String> = std::fs::read_dir(&decisions)
        .unwrap_or_else(|e| panic!("{e}"))
        .map(|e| {
            e.map_or_else(
                |e| panic!("{e}"),
                |e| e.file_name().to_string_lossy().into_owned(),
            )
        })
        .collect();
    kept.sort();
    assert_eq!(
        kept,
        ["0000000001.json", "0000000002.json", "0000000003.json"]
    );

    // A worker whose model renders another spec than the deployed one.
    let deployed = dir.join("Mask.json");
    std::fs::write(&deployed, "{}").unwrap_or_else(|e| panic!("{e}"));
    let run = decide(
        &dir,
        &model,
        "manual",
        &["--deployed-spec", &deployed.to_string_lossy()],
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("is not the one this model renders"),
        "{}",
        run.transcript()
    );
    // Only a transformer is decided about.
    let run = datasurface(
        &["job", "spark", &model, "--stream", "NW_Data", "--decide"],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `job spark --status`: the streams' batches, with their owners, and the
/// hook's decisions, as JSON and as Prometheus metrics.
#[test]
fn job_spark_status_reads_the_warehouse_records() {
    let dir = scratch("status");
    let (model, warehouse) = northwind(&dir);
    commit(&warehouse, "NW_Data", 1, 120);
    assert_eq!(decide(&dir, &model, "asset_triggered", &[]).code, 0);
    commit(&warehouse, "NW_Data", 2, 0);
    assert_eq!(decide(&dir, &model, "asset_triggered", &[]).code, 99);
    assert_eq!(decide(&dir, &model, "manual", &[]).code, 0);
    let run = datasurface(
        &["job", "spark", &model, "--status", "--format", "json"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let state: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout));
    let nw = state["streams"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["stream"] == "NW_Data"))
        .unwrap_or_else(|| panic!("{state:#}"));
    assert_eq!(nw["committed"], 2, "{state:#}");
    assert_eq!(nw["owner"], serde_json::json!(["USA", "NorthwindTeam"]));
    assert_eq!(
        state["decisions"],
        serde_json::json!([
            {"workspace": "MaskCustomersWorkSpace", "action": "run", "count": 2},
            {"workspace": "MaskCustomersWorkSpace", "action": "skip", "count": 1},
        ])
    );
    let run = datasurface(&["job", "spark", &model, "--status"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains(
            "datasurface_hook_decisions_total{action=\"skip\",platform=\"Lake\",workspace=\"MaskCustomersWorkSpace\"} 1"
        ),
        "{}",
        run.stdout
    );

    // The model service reads the same: `/metrics` and each dataset's freshness.
    let server = super::serve::Server::start_with(Path::new(&model), "1", &["--spark", "Lake"]);
    let (code, fresh) = server.get("/api/v1/datastores/NW_Data/datasets/products/freshness");
    assert_eq!(code, 200, "{fresh:#}");
    assert_eq!(fresh["readsState"], true, "{fresh:#}");
    let lake = &fresh["platforms"][0];
    assert_eq!(
        (&lake["platform"], &lake["stream"], &lake["liveRows"]),
        (
            &serde_json::json!("Lake"),
            &serde_json::json!("NW_Data"),
            &serde_json::json!(120)
        ),
        "{fresh:#}"
    );
    assert_eq!(lake["lastCommitted"], "2026-11-28T10:02:00Z", "{fresh:#}");
    // Where each consumer group queries it: its view in Spark's catalog.
    let consumers: Vec<(&serde_json::Value, &serde_json::Value, &serde_json::Value)> =
        lake["consumers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| (&c["group"], &c["database"], &c["view"]))
            .collect();
    assert_eq!(
        consumers,
        [
            (
                &serde_json::json!("Audit.Changes"),
                &serde_json::json!("spark_catalog"),
                &serde_json::json!("audit.changes__nw_data__products")
            ),
            (
                &serde_json::json!("ProductAnalytics.Reporting"),
                &serde_json::json!("spark_catalog"),
                &serde_json::json!("productanalytics.reporting__nw_data__products")
            )
        ],
        "{fresh:#}"
    );
    let metrics = super::metrics::try_get(server.addr(), "/metrics").unwrap_or_default();
    assert!(
        metrics.contains(
            "datasurface_hook_decisions_total{action=\"run\",platform=\"Lake\",workspace=\"MaskCustomersWorkSpace\"} 2"
        ),
        "{metrics}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
