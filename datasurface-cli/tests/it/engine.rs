//! `apply`, `run` and `up` on the embedded `sqlite` platform, killed runs included.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use super::{copy_northwind, datasurface, scratch};

#[test]
fn up_runs_northwind_on_one_machine_and_apply_is_idempotent() {
    let dir = scratch("up");
    copy_northwind(&dir.join("model"), str::to_owned);
    let run = datasurface(&["up", "model", "--state", "state"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains(
            "Masked_NW_Data                           batch    1 committed: 150 read, +150"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Try:\n  sqlite3 state/containers/Test_Azure_SQL.sqlite"),
        "{}",
        run.stdout
    );
    let run = datasurface(&["apply", "model", "--state", "state"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout
            .starts_with("0 to create, 0 to update, 0 to replace, 0 to delete"),
        "{}",
        run.stdout
    );
    // NW_Data runs every quarter hour: it waits, unless a quarter hour
    // began since `up` ran it.
    let run = datasurface(
        &["run", "model", "--state", "state", "--format", "json"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    if json["streams"].as_array().unwrap().is_empty() {
        assert_eq!(json["waiting"][0]["stream"], "NW_Data", "{json}");
        assert!(
            json["waiting"][0]["next"]
                .as_str()
                .unwrap()
                .ends_with(":00Z")
        );
    } else {
        assert_eq!(json["streams"][0]["inserted"], 0, "{json}");
    }
    // `--all` runs it now; nothing changed in the source.
    let run = datasurface(
        &[
            "run", "model", "--state", "state", "--all", "--format", "json",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["streams"][0]["stream"], "NW_Data");
    assert_eq!(json["streams"][0]["inserted"], 0);
    assert_eq!(json["streams"][0]["status"], "committed");
    // A platform that is not `sqlite` cannot be applied.
    let run = datasurface(
        &[
            "apply",
            "model",
            "--platform",
            "Azure Platform",
            "--state",
            "x",
        ],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("of kind `airflow`"), "{}", run.stderr);
}

/// A model with one stream from a folder of CSV files and one live consumer.
const FEED: &str = r"
apiVersion: datasurface.dev/v1
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
                classifications: [PUB]
                schema:
                  columns:
                    id: {type: Integer, nullable: false}
                    kind: {type: {VarChar: {maxSize: 20}}}
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

fn query(path: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let value: rusqlite::types::Value = conn.query_row(sql, [], |r| r.get(0)).unwrap();
    match value {
        rusqlite::types::Value::Integer(n) => n.to_string(),
        rusqlite::types::Value::Text(t) => t,
        other => format!("{other:?}"),
    }
}

#[test]
fn a_killed_run_recovers_with_no_loss_and_no_duplicate() {
    let dir = scratch("kill");
    std::fs::write(dir.join("model.yaml"), FEED).unwrap();
    std::fs::create_dir_all(dir.join("drops")).unwrap();
    std::fs::write(dir.join("drops/events.csv"), "id,kind\n1,view\n2,buy\n").unwrap();
    for command in ["apply", "run"] {
        let run = datasurface(&[command, "model.yaml", "--state", "state"], &dir);
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
    // A big drop, so the batch takes long enough to be killed in the middle.
    let rows = 200_000;
    let mut csv = String::from("id,kind\n");
    for i in 0..rows {
        let _ = writeln!(csv, "{i},kind{}", i % 7);
    }
    std::fs::write(dir.join("drops/events.csv"), csv).unwrap();
    let merge = dir.join("state/merge.sqlite");
    let view = dir.join("state/containers/Warehouse.sqlite");
    let batch_2_started = || {
        query(
            &merge,
            "SELECT count(*) FROM batch_metrics WHERE batch_id = 2",
        ) == "1"
    };
    let mut killed_mid_batch = false;
    for delay_ms in [30, 120, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
            .args(["run", "model.yaml", "--state", "state"])
            .args(["--lineage", "events.jsonl"])
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the batch to start, then kill the process without warning.
        for _ in 0..2000 {
            if batch_2_started() || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let _ = child.wait();
        if !finished {
            killed_mid_batch = true;
            break;
        }
    }
    assert!(
        killed_mid_batch,
        "the run always finished before it could be killed"
    );
    // Nothing of the killed batch is visible.
    let count = "SELECT count(*) || '|' || count(DISTINCT id) FROM Live__Main__Feed__events";
    assert_eq!(query(&view, count), "2|2");
    // Running again finishes the work: every row once, no duplicate keys.
    let run = datasurface(
        &[
            "run",
            "model.yaml",
            "--state",
            "state",
            "--lineage",
            "events.jsonl",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(query(&view, count), format!("{rows}|{rows}"));
    let states = query(
        &merge,
        "SELECT group_concat(status, ',') FROM (SELECT status FROM batch_metrics ORDER BY batch_id)",
    );
    let states: Vec<&str> = states.split(',').collect();
    assert_eq!(states.first(), Some(&"committed"));
    assert_eq!(states.last(), Some(&"committed"));
    assert!(
        states[1..states.len() - 1].iter().all(|s| *s == "failed"),
        "{states:?}"
    );
    // Lineage: each killed batch's run started and then failed (the next
    // run says so as it starts); only the batch that committed completed.
    let events = super::lineage::events_in(&dir.join("events.jsonl"));
    let of = |kind: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["eventType"] == kind)
            .map(|e| e["run"]["runId"].as_str().unwrap().to_owned())
            .collect()
    };
    let (started, completed, failed) = (of("START"), of("COMPLETE"), of("FAIL"));
    assert_eq!(completed.len(), 1, "{events:?}");
    assert_eq!(started.len(), states.len() - 1, "{events:?}");
    assert_eq!(failed.len(), states.len() - 2, "{events:?}");
    assert!(!failed.contains(&completed[0]));
    assert!(failed.iter().chain(&completed).all(|r| started.contains(r)));
    super::lineage::official_client_parses(&dir.join("events.jsonl"));
}

#[test]
fn status_names_what_needs_an_operator_and_the_command_that_mends_it() {
    let dir = scratch("needs-operator");
    std::fs::write(dir.join("model.yaml"), FEED).unwrap();
    std::fs::create_dir_all(dir.join("drops")).unwrap();
    std::fs::write(dir.join("drops/events.csv"), "id,kind\n1,view\n").unwrap();
    let up = datasurface(&["up", "model.yaml", "--state", "state"], &dir);
    assert_eq!(up.code, 0, "{}", up.transcript());
    let healthy = datasurface(&["status", "--state", "state"], &dir);
    assert!(
        !healthy.stdout.contains("needs an operator"),
        "{}",
        healthy.stdout
    );
    // A container database deleted outside datasurface does not come back
    // by itself: status says so, and what to run.
    std::fs::remove_file(dir.join("state/containers/Warehouse.sqlite")).unwrap();
    let status = datasurface(&["status", "--state", "state"], &dir);
    assert_eq!(status.code, 0, "{}", status.transcript());
    assert!(
        status.stdout.contains("needs an operator")
            && status
                .stdout
                .contains("the database of container `Warehouse`")
            && status
                .stdout
                .contains("run: datasurface apply MODEL --state state"),
        "{}",
        status.stdout
    );
    let json = datasurface(&["status", "--state", "state", "--format", "json"], &dir);
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["needsOperator"].as_array().map(Vec::len), Some(1));
    // Applying mends it.
    let apply = datasurface(&["apply", "model.yaml", "--state", "state"], &dir);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    let mended = datasurface(&["status", "--state", "state"], &dir);
    assert!(
        !mended.stdout.contains("needs an operator"),
        "{}",
        mended.stdout
    );
}

/// Every view of a container database, with its rows in order.
fn views(db: &Path) -> Vec<(String, Vec<String>)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'view' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    names
        .into_iter()
        .map(|name| {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM \"{name}\" ORDER BY 1"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map(|v| v.join("|"))
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            (name, rows)
        })
        .collect()
}

/// Two `sqlite` platforms over one source: `Local` ingests `NW_Data`,
/// `Mirror` reads what `Local` merged. With the source gone, the mirror
/// still delivers the same rows, batch after batch: the source was read
/// once per batch.
#[test]
fn a_mirror_reads_the_primary_platform_and_never_the_source() {
    let dir = scratch("mirror");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    let eco = model.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco)
        .unwrap()
        .replacen(
            "  Local:\n",
            "  Mirror:\n    kind: sqlite\n    version: ^0.1\n    parameters: {primaries: {Local: ../local/merge.sqlite}}\n  Local:\n",
            1,
        )
        .replacen(
            "      - platform: Local\n        status: PROVISIONED\n",
            "      - platform: Local\n        status: PROVISIONED\n      - platform: Mirror\n        status: PROVISIONED\n",
            1,
        )
        + "primaryIngestionPlatforms:\n  NW_Data: [Local]\n";
    std::fs::write(&eco, text).unwrap();
    let source = model.join("data/northwind.sqlite");
    let away = dir.join("northwind.sqlite");
    let up = |platform: &str, state: &str| {
        let run = datasurface(
            &[
                "up",
                "model",
                "--platform",
                platform,
                "--state",
                state,
                "--all",
            ],
            &dir,
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
        run
    };
    up("Local", "local");
    std::fs::rename(&source, &away).unwrap();
    let run = up("Mirror", "mirror");
    assert!(run.stdout.contains("NW_Data"), "{}", run.stdout);
    let container = "containers/Test_Azure_SQL.sqlite";
    let delivered = views(&dir.join("local").join(container));
    assert!(delivered.len() >= 3, "{delivered:?}");
    assert!(
        delivered.iter().all(|(_, rows)| !rows.is_empty()),
        "{delivered:?}"
    );
    assert_eq!(views(&dir.join("mirror").join(container)), delivered);
    // A change at the source reaches the mirror through the primary only.
    std::fs::rename(&away, &source).unwrap();
    let conn = rusqlite::Connection::open(&source).unwrap();
    conn.execute(
        "UPDATE products SET unit_price = 99.5 WHERE product_id = 1",
        [],
    )
    .unwrap();
    conn.execute("DELETE FROM products WHERE product_id = 2", [])
        .unwrap();
    drop(conn);
    up("Local", "local");
    std::fs::rename(&source, &away).unwrap();
    up("Mirror", "mirror");
    let changed = views(&dir.join("local").join(container));
    assert_ne!(changed, delivered);
    assert_eq!(views(&dir.join("mirror").join(container)), changed);
}
