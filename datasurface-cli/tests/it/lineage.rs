//! OpenLineage events from runs: received by an HTTP endpoint on loopback,
//! checked against the lineage the model service serves, and a killed run
//! that never claims to have completed.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::serve::Server;
use super::{copy_northwind, datasurface, scratch};

/// An OpenLineage endpoint on loopback: it takes every POST, answers 201,
/// and keeps the bodies.
struct Endpoint {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Endpoint {
    fn start() -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/api/v1/lineage", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let kept = kept.clone();
                std::thread::spawn(move || {
                    let mut writer = stream.try_clone().unwrap();
                    let mut reader = BufReader::new(stream);
                    // Requests on one connection, one after another.
                    loop {
                        let mut length = 0;
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        assert!(line.starts_with("POST /api/v1/lineage "), "{line}");
                        loop {
                            line.clear();
                            reader.read_line(&mut line).unwrap();
                            if line == "\r\n" {
                                break;
                            }
                            let lower = line.to_ascii_lowercase();
                            if let Some(n) = lower.strip_prefix("content-length:") {
                                length = n.trim().parse().unwrap();
                            }
                        }
                        let mut body = vec![0; length];
                        reader.read_exact(&mut body).unwrap();
                        kept.lock().unwrap().push(String::from_utf8(body).unwrap());
                        writer
                            .write_all(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
                            .unwrap();
                    }
                });
            }
        });
        Endpoint { url, bodies }
    }

    fn events(&self) -> Vec<Value> {
        self.bodies
            .lock()
            .unwrap()
            .iter()
            .map(|b| serde_json::from_str(b).unwrap())
            .collect()
    }
}

/// The model identity a dataset links to, of `kind` (`DATASET`, `DATASET_GROUP`).
fn symlink(dataset: &Value, kind: &str) -> Option<String> {
    dataset["facets"]["symlinks"]["identifiers"]
        .as_array()?
        .iter()
        .find(|i| i["type"] == kind)
        .and_then(|i| i["name"].as_str())
        .map(str::to_owned)
}

/// The graph the completed runs describe, in the model service's ids:
/// `dataset:`, `transformer:` and `group:` nodes. A group of a transformer's
/// workspace is that transformer's input, as the model service draws it.
fn described(events: &[Value]) -> BTreeSet<(String, String)> {
    let transformers: BTreeSet<String> = events
        .iter()
        .filter_map(|e| e["job"]["name"].as_str()?.strip_prefix("transform."))
        .map(str::to_owned)
        .collect();
    let mut edges = BTreeSet::new();
    for event in events.iter().filter(|e| e["eventType"] == "COMPLETE") {
        let name = event["job"]["name"].as_str().unwrap();
        let datasets = |side: &str| -> Vec<Value> { event[side].as_array().unwrap().clone() };
        if let Some(ws) = name.strip_prefix("transform.") {
            for input in datasets("inputs") {
                let d = symlink(&input, "DATASET").unwrap();
                edges.insert((format!("dataset:{d}"), format!("transformer:{ws}")));
            }
            for output in datasets("outputs") {
                if symlink(&output, "DATASET_GROUP").is_none() {
                    let d = symlink(&output, "DATASET").unwrap();
                    edges.insert((format!("transformer:{ws}"), format!("dataset:{d}")));
                }
            }
        }
        for output in datasets("outputs") {
            let (Some(d), Some(group)) = (
                symlink(&output, "DATASET"),
                symlink(&output, "DATASET_GROUP"),
            ) else {
                continue;
            };
            let ws = group.split('.').next().unwrap().to_owned();
            let to = if transformers.contains(&ws) {
                format!("transformer:{ws}")
            } else {
                format!("group:{group}")
            };
            edges.insert((format!("dataset:{d}"), to));
        }
    }
    edges
}

/// `up` of a copy of Northwind in scratch directory `name`, sending its
/// events to `lineage`: the directory, and how the command ended.
fn up_with_lineage(name: &str, lineage: &str) -> (std::path::PathBuf, super::Run) {
    let dir = scratch(name);
    copy_northwind(&dir.join("model"), str::to_owned);
    let run = datasurface(
        &["up", "model", "--state", "state", "--lineage", lineage],
        &dir,
    );
    (dir, run)
}

/// Every edge of the lineage the model service serves for Northwind's datasets.
fn served_lineage(model: &std::path::Path) -> BTreeSet<(String, String)> {
    let service = Server::start(model, "0");
    let mut edges = BTreeSet::new();
    for (store, dataset) in [
        ("NW_Data", "customers"),
        ("NW_Data", "products"),
        ("NW_Data", "suppliers"),
        ("Masked_NW_Data", "customers"),
    ] {
        let (code, lineage) = service.get(&format!(
            "/api/v1/datastores/{store}/datasets/{dataset}/lineage"
        ));
        assert_eq!(code, 200, "{lineage}");
        for edge in lineage["edges"].as_array().unwrap() {
            edges.insert((
                edge["from"].as_str().unwrap().to_owned(),
                edge["to"].as_str().unwrap().to_owned(),
            ));
        }
    }
    edges
}

#[test]
fn up_sends_events_whose_lineage_is_the_model_services() {
    let endpoint = Endpoint::start();
    let (dir, run) = up_with_lineage("lineage-up", &endpoint.url);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!run.stderr.contains("OpenLineage"), "{}", run.stderr);
    let events = endpoint.events();
    // Every run started and completed, once each, under one run id.
    let mut runs: Vec<(String, String, String)> = events
        .iter()
        .map(|e| {
            (
                e["run"]["runId"].as_str().unwrap().to_owned(),
                e["job"]["name"].as_str().unwrap().to_owned(),
                e["eventType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    runs.sort();
    let jobs: Vec<(&str, &str)> = runs
        .iter()
        .map(|(_, job, kind)| (job.as_str(), kind.as_str()))
        .collect();
    assert_eq!(jobs.len(), 4, "{runs:?}");
    assert!(
        jobs.contains(&("ingest.NW_Data", "START"))
            && jobs.contains(&("ingest.NW_Data", "COMPLETE"))
            && jobs.contains(&("transform.MaskCustomersWorkSpace", "START"))
            && jobs.contains(&("transform.MaskCustomersWorkSpace", "COMPLETE")),
        "{runs:?}"
    );
    // The transformer's run names the ingest batch that made it due.
    let ingest = events
        .iter()
        .find(|e| e["job"]["name"] == "ingest.NW_Data")
        .unwrap();
    let transform = events
        .iter()
        .find(|e| e["job"]["name"] == "transform.MaskCustomersWorkSpace")
        .unwrap();
    assert_eq!(
        transform["run"]["facets"]["parent"]["run"]["runId"],
        ingest["run"]["runId"]
    );
    assert_eq!(transform["job"]["namespace"], "datasurface/Northwind/Local");
    // Its output says which input column makes each column: the masked
    // contact comes from none (a constant), the others are copies.
    let masked = transform["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["facets"].get("columnLineage").is_some())
        .unwrap_or_else(|| panic!("no columnLineage: {transform}"));
    let columns = &masked["facets"]["columnLineage"]["fields"];
    assert_eq!(
        columns["contact_name"]["inputFields"],
        serde_json::json!([])
    );
    let city = &columns["city"]["inputFields"][0];
    assert_eq!(city["field"], "city");
    assert_eq!(city["transformations"][0]["subtype"], "IDENTITY");
    let input = transform["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == city["name"] && i["namespace"] == city["namespace"]);
    assert!(input.is_some(), "{city} is none of the inputs: {transform}");
    // Namespaces name the real databases.
    let merge = std::fs::canonicalize(dir.join("state/merge.sqlite")).unwrap();
    let complete = events
        .iter()
        .find(|e| e["job"]["name"] == "ingest.NW_Data" && e["eventType"] == "COMPLETE")
        .unwrap();
    let customers = complete["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| {
            o["name"]
                .as_str()
                .unwrap()
                .starts_with(merge.to_str().unwrap())
        })
        .unwrap();
    assert!(
        customers["namespace"]
            .as_str()
            .unwrap()
            .starts_with("sqlite://")
    );
    assert!(
        customers["outputFacets"]["datasurface_rowChanges"]["inserted"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert_eq!(
        customers["facets"]["ownership"]["owners"][0]["name"],
        "team:USA/NorthwindTeam"
    );

    // The official client reads every event as it was sent.
    let file = dir.join("events.jsonl");
    let lines: Vec<String> = endpoint.bodies.lock().unwrap().clone();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    official_client_parses(&file);
    // The graph the events describe is the model service's lineage.
    assert_eq!(described(&events), served_lineage(&dir.join("model")));
}

#[test]
fn an_endpoint_that_is_down_fails_no_batch() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let (_, run) = up_with_lineage(
        "lineage-down",
        &format!("http://127.0.0.1:{port}/api/v1/lineage"),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("2 batches, 0 failed"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("4 OpenLineage events could not be sent to http://127.0.0.1:"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_lineage_file_that_is_a_fifo_fails_no_batch_and_is_named() {
    let dir = scratch("lineage-fifo");
    copy_northwind(&dir.join("model"), str::to_owned);
    let made = std::process::Command::new("mkfifo")
        .arg(dir.join("events.fifo"))
        .status()
        .unwrap();
    assert!(made.success());
    // Before, the first event waited for a reader for ever, the batch
    // `started`: the command is stopped after a minute if it waits.
    let run = super::datasurface_within_a_minute(
        &[
            "up",
            "model",
            "--state",
            "state",
            "--lineage",
            "events.fifo",
        ],
        &dir,
        "`up --lineage` to a FIFO with no reader did not end",
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("2 batches, 0 failed"), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("could not be sent to events.fifo: it is not a regular file"),
        "{}",
        run.stderr
    );
}

/// Checks every event of a JSON-lines file with the real OpenLineage tools:
/// parsed by the official `openlineage-python` client
/// (`openlineage/parse_events.py`), from the virtualenv
/// `DATASURFACE_API_TOOLS` names, and validated against the
/// specification's JSON Schemas in `DATASURFACE_OPENLINEAGE_SPEC`, with
/// datasurface's own facets against `schema/openlineage-facets.json`
/// (`openlineage/validate_events.py`). `.ci/external` makes both. Without
/// them the test says so and passes, unless `DATASURFACE_REQUIRE_EXTERNAL=1`.
pub(super) fn official_client_parses(events: &std::path::Path) {
    let Some(python) = external("DATASURFACE_API_TOOLS", OPENLINEAGE_TOOLS, |dir| {
        let python = dir.join("python");
        std::process::Command::new(&python)
            .args(["-c", "import openlineage.client.event_v2, jsonschema"])
            .output()
            .is_ok_and(|o| o.status.success())
            .then_some(python)
    }) else {
        return;
    };
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    run_oracle(
        std::process::Command::new(&python)
            .arg(here.join("tests/it/openlineage/parse_events.py"))
            .arg(events),
        "the OpenLineage client refuses an event",
        events,
    );
    let Some(spec) = external("DATASURFACE_OPENLINEAGE_SPEC", OPENLINEAGE_TOOLS, |dir| {
        dir.join("OpenLineage.json")
            .is_file()
            .then(|| dir.to_owned())
    }) else {
        return;
    };
    run_oracle(
        std::process::Command::new(&python)
            .arg(here.join("tests/it/openlineage/validate_events.py"))
            .arg(spec)
            .arg(here.join("../schema/openlineage-facets.json"))
            .arg(events),
        "an event is not valid against the OpenLineage specification's JSON Schema",
        events,
    );
}

/// The OpenLineage tools, as a skipped test names them.
const OPENLINEAGE_TOOLS: &str = "the OpenLineage tools (.ci/external makes them: openlineage-python and jsonschema in DATASURFACE_API_TOOLS, the specification's schemas in DATASURFACE_OPENLINEAGE_SPEC)";

/// What `find` makes of the directory the environment variable `name`
/// names (`tools` says what it should name); `None` (and the test says so) when it is unset or unusable,
/// which `DATASURFACE_REQUIRE_EXTERNAL=1` turns into a failure.
#[allow(
    clippy::print_stderr,
    reason = "a skipped check says so in the test's output"
)]
pub(super) fn external<T>(
    name: &str,
    tools: &str,
    find: impl Fn(&std::path::Path) -> Option<T>,
) -> Option<T> {
    let found = std::env::var_os(name).and_then(|dir| find(std::path::Path::new(&dir)));
    if found.is_none() {
        let message = format!("{name} does not name {tools}");
        assert!(
            std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
            "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires them"
        );
        eprintln!("skipped: {message}");
    }
    found
}

/// Runs one of the Python oracles; its refusal fails the test.
#[allow(
    clippy::print_stderr,
    reason = "what the oracle checked is the test's output"
)]
fn run_oracle(command: &mut std::process::Command, refusal: &str, events: &std::path::Path) {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{refusal} of {}: {}{}",
        events.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&out.stdout));
}

/// The events of a JSON-lines file, in the order they were written.
pub(super) fn events_in(file: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_run_the_engine_cannot_finish_still_ends_its_events() {
    let (dir, run) = up_with_lineage("lineage-broken-container", "first.jsonl");
    assert_eq!(run.code, 0, "{}", run.transcript());
    // The container the consumers read is no longer a database.
    let containers = dir.join("state/containers");
    for entry in std::fs::read_dir(&containers).unwrap() {
        let path = entry.unwrap().path();
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
    }
    let again = datasurface(
        &[
            "run",
            "model",
            "--state",
            "state",
            "--all",
            "--lineage",
            "second.jsonl",
        ],
        &dir,
    );
    assert_ne!(again.code, 0, "{}", again.transcript());
    let events = events_in(&dir.join("second.jsonl"));
    assert!(!events.is_empty(), "{}", again.transcript());
    // Every run that started ended, and none of them falsely.
    let mut open = std::collections::BTreeMap::new();
    for e in &events {
        let id = e["run"]["runId"].as_str().unwrap().to_owned();
        match e["eventType"].as_str().unwrap() {
            "START" => {
                open.insert(id, e["job"]["name"].clone());
            }
            "FAIL" => {
                open.remove(&id);
                assert!(
                    e["run"]["facets"]["errorMessage"]["message"].is_string(),
                    "{e}"
                );
            }
            other => panic!("{other} after a broken container: {e}"),
        }
    }
    assert!(open.is_empty(), "runs with no end: {open:?}");
    official_client_parses(&dir.join("second.jsonl"));
}
