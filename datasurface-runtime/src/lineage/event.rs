//! OpenLineage run events (spec 2-0-2) made from a job's template.

use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::Place;
use super::job::{DatasetLineage, JobLineage};

/// Who produced an event: this project, at its version.
pub const PRODUCER: &str = concat!(
    "https://github.com/datasurface/datasurface-rs/tree/v",
    env!("CARGO_PKG_VERSION")
);

/// The schema every event follows.
pub const SCHEMA_URL: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";

/// The schema of datasurface's own facets (`datasurface_rowChanges`,
/// `datasurface_hook`), in `schema/openlineage-facets.json`.
const OWN_FACETS: &str = "https://raw.githubusercontent.com/datasurface/datasurface-rs/main/schema/openlineage-facets.json";

fn facet_schema(path: &str) -> String {
    format!("https://openlineage.io/spec/facets/{path}")
}

/// A facet: its fields, and the two every facet carries.
fn facet(schema: &str, mut fields: Map<String, Value>) -> Value {
    let mut all = Map::new();
    all.insert("_producer".into(), PRODUCER.into());
    all.insert("_schemaURL".into(), schema.into());
    all.append(&mut fields);
    Value::Object(all)
}

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A run's identity as a UUID made from `parts` (SHA-256, version 8):
/// the same parts give the same run on every machine, so the `START` and
/// the `COMPLETE` of a batch, and a batch a killed runner left and another
/// finished, are one run.
pub fn run_id(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.len().to_le_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let mut b = [0_u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = datasurface_platform::to_hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The run an event is of, and the run that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunIds {
    /// This run.
    pub run: String,
    /// The run of another job that made this one due (a transformer's input
    /// batch): its job's namespace and name, and its run.
    pub parent: Option<(String, String, String)>,
}

impl RunIds {
    /// The run of batch `batch` of `job`, begun at `started` (as the
    /// platform's state records it, so a resumed batch keeps its run).
    pub fn batch(job: &JobLineage, batch: i64, started: &str) -> RunIds {
        RunIds {
            run: Self::batch_run(&job.namespace, &job.name, batch, started),
            parent: None,
        }
    }

    /// The run id of batch `batch` of the job `namespace`/`name`, begun at
    /// `started`: what [`RunIds::batch`] gives that job, for naming the
    /// run of another job (a parent) without its template.
    pub fn batch_run(namespace: &str, name: &str, batch: i64, started: &str) -> String {
        run_id(&[namespace, name, &batch.to_string(), started])
    }

    /// The same, caused by a run of another job.
    #[must_use]
    pub fn with_parent(mut self, namespace: &str, name: &str, run: String) -> RunIds {
        self.parent = Some((namespace.to_owned(), name.to_owned(), run));
        self
    }
}

/// Where a runner's places are: the namespace and full name of a table in
/// each, as OpenLineage's naming says (`postgres://host:port` and
/// `database.schema.table`; `sqlite://host` and the file's path, then the
/// table).
pub trait Namespaces {
    /// The namespace and name of `table` in `place`.
    fn locate(&self, place: &Place, table: &str) -> (String, String);
}

/// What a dataset's batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetOutcome {
    /// The checks (as [`Check::assertion`](super::Check::assertion) names them) that did not hold
    /// while the batch committed: broken quality rules of severity `warn`.
    pub broken: Vec<String>,
    /// Rows read.
    pub read: u64,
    /// Rows with a new key.
    pub inserted: u64,
    /// Rows with a new version of a key.
    pub updated: u64,
    /// Keys gone.
    pub deleted: u64,
}

/// How a run ended: [`Outcome::committed`] or [`Outcome::failed`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outcome {
    /// Why it failed; none if it committed.
    pub failure: Option<String>,
    /// What it did, by the model name (`<store>.<dataset>`) of each dataset
    /// it wrote; counts of datasets not listed are unknown.
    pub datasets: Vec<(String, DatasetOutcome)>,
    /// For a batch of a change data capture stream: where it read its
    /// source's log.
    pub change_capture: Option<ChangeCapture>,
}

/// Where a change data capture batch read its source's log, for its run's
/// `datasurface_changeCapture` facet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeCapture {
    /// The replication slot (or the source's own name for its place).
    pub slot: String,
    /// The position it read after: where the slot stood when it began.
    pub from: Option<String>,
    /// The position the slot moves to once the batch commits.
    pub to: Option<String>,
    /// Whether the batch loaded a snapshot rather than changes.
    pub snapshot: bool,
    /// The changes it read.
    pub changes: u64,
}

impl Outcome {
    /// A run that committed, and what it did to each dataset it wrote, by
    /// its model name (`<store>.<dataset>`).
    pub fn committed(datasets: Vec<(String, DatasetOutcome)>) -> Outcome {
        Outcome {
            datasets,
            ..Outcome::default()
        }
    }

    /// The same, for a change data capture batch that read its source's
    /// log as `capture` says.
    #[must_use]
    pub fn with_change_capture(mut self, capture: ChangeCapture) -> Outcome {
        self.change_capture = Some(capture);
        self
    }

    /// A run that failed, and why.
    pub fn failed(message: impl Into<String>) -> Outcome {
        Outcome {
            failure: Some(message.into()),
            ..Outcome::default()
        }
    }

    fn of(&self, model_name: &str) -> Option<&DatasetOutcome> {
        self.datasets
            .iter()
            .find(|(n, _)| n == model_name)
            .map(|(_, o)| o)
    }
}

/// An OpenLineage run event, ready to serialize.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunEvent {
    event_type: &'static str,
    event_time: String,
    run: Value,
    job: Value,
    inputs: Vec<Value>,
    outputs: Vec<Value>,
    producer: &'static str,
    #[serde(rename = "schemaURL")]
    schema_url: &'static str,
}

impl RunEvent {
    /// A run of `job` begins.
    pub fn start(job: &JobLineage, ids: &RunIds, at: &str, places: &dyn Namespaces) -> RunEvent {
        Self::make("START", job, ids, at, places, None, Map::new())
    }

    /// A run of `job` goes on: a runner carries on a batch another left.
    pub fn running(job: &JobLineage, ids: &RunIds, at: &str, places: &dyn Namespaces) -> RunEvent {
        Self::make("RUNNING", job, ids, at, places, None, Map::new())
    }

    /// A run of `job` ended: `COMPLETE` if it committed, with what it did
    /// to each dataset and the checks that held; `FAIL` with its reason.
    pub fn end(
        job: &JobLineage,
        ids: &RunIds,
        at: &str,
        places: &dyn Namespaces,
        outcome: &Outcome,
    ) -> RunEvent {
        let mut run_facets = Map::new();
        if let Some(message) = &outcome.failure {
            run_facets.insert(
                "errorMessage".into(),
                facet(
                    &facet_schema("1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"),
                    fields(json!({"message": message, "programmingLanguage": "RUST"})),
                ),
            );
        }
        if let Some(c) = &outcome.change_capture {
            let mut at = json!({"slot": c.slot, "snapshot": c.snapshot, "changes": c.changes});
            for (key, position) in [("from", &c.from), ("to", &c.to)] {
                if let (Some(position), Some(at)) = (position, at.as_object_mut()) {
                    at.insert(key.into(), json!(position));
                }
            }
            run_facets.insert(
                "datasurface_changeCapture".into(),
                facet(
                    &format!("{OWN_FACETS}#/$defs/ChangeCaptureRunFacet"),
                    fields(at),
                ),
            );
        }
        let event_type = if outcome.failure.is_some() {
            "FAIL"
        } else {
            "COMPLETE"
        };
        Self::make(event_type, job, ids, at, places, Some(outcome), run_facets)
    }

    /// A run of `job` that was due did not go ahead: a hook held it.
    pub fn abort(
        job: &JobLineage,
        ids: &RunIds,
        at: &str,
        places: &dyn Namespaces,
        why: &str,
    ) -> RunEvent {
        let mut run_facets = Map::new();
        run_facets.insert(
            "datasurface_hook".into(),
            facet(
                &format!("{OWN_FACETS}#/$defs/HookRunFacet"),
                fields(json!({"decision": "hold", "reason": why})),
            ),
        );
        Self::make("ABORT", job, ids, at, places, None, run_facets)
    }

    /// `START`, `COMPLETE`, `FAIL` or `ABORT`.
    pub fn event_type(&self) -> &'static str {
        self.event_type
    }

    /// The run's identity.
    pub fn run_id(&self) -> &str {
        self.run
            .get("runId")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    fn make(
        event_type: &'static str,
        job: &JobLineage,
        ids: &RunIds,
        at: &str,
        places: &dyn Namespaces,
        outcome: Option<&Outcome>,
        mut run_facets: Map<String, Value>,
    ) -> RunEvent {
        if let Some((namespace, name, run)) = &ids.parent {
            run_facets.insert(
                "parent".into(),
                facet(
                    &facet_schema("1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet"),
                    fields(json!({
                        "run": {"runId": run},
                        "job": {"namespace": namespace, "name": name},
                    })),
                ),
            );
        }
        let mut run = Map::new();
        run.insert("runId".into(), ids.run.clone().into());
        if !run_facets.is_empty() {
            run.insert("facets".into(), Value::Object(run_facets));
        }
        let committed = outcome.filter(|o| o.failure.is_none());
        RunEvent {
            event_type,
            event_time: at.to_owned(),
            run: Value::Object(run),
            job: job_value(job),
            inputs: job
                .inputs
                .iter()
                .map(|d| dataset(d, places, committed, true))
                .collect(),
            outputs: job
                .outputs
                .iter()
                .map(|d| {
                    let mut value = dataset(d, places, committed, false);
                    if let (Some(lineage), Some(facets)) = (
                        &d.column_lineage,
                        value.get_mut("facets").and_then(Value::as_object_mut),
                    ) {
                        facets.insert(
                            "columnLineage".into(),
                            column_facet(lineage, &job.inputs, places),
                        );
                    }
                    value
                })
                .collect(),
            producer: PRODUCER,
            schema_url: SCHEMA_URL,
        }
    }
}

/// OpenLineage's `columnLineage` facet of an output: each input column by
/// the namespace and name its input has in the event.
fn column_facet(
    lineage: &super::ColumnLineage,
    inputs: &[DatasetLineage],
    places: &dyn Namespaces,
) -> Value {
    let input_field = |c: &super::InputColumn, kind: &str| {
        let (namespace, name) = inputs
            .iter()
            .find(|i| i.model_name == c.dataset && i.group.is_none())
            .map_or_else(
                || (String::new(), c.dataset.clone()),
                |i| places.locate(&i.place, &i.table),
            );
        let mut transformation = json!({"type": kind, "subtype": c.subtype});
        if c.masking {
            transformation["masking"] = Value::Bool(true);
        }
        json!({
            "namespace": namespace,
            "name": name,
            "field": c.field,
            "transformations": [transformation],
        })
    };
    let fields: Map<String, Value> = lineage
        .fields
        .iter()
        .map(|f| {
            let inputs: Vec<Value> = f.inputs.iter().map(|c| input_field(c, "DIRECT")).collect();
            (f.field.clone(), json!({ "inputFields": inputs }))
        })
        .collect();
    let dataset: Vec<Value> = lineage
        .dataset
        .iter()
        .map(|c| input_field(c, "INDIRECT"))
        .collect();
    let mut body = json!({ "fields": fields });
    if !dataset.is_empty() {
        body["dataset"] = Value::Array(dataset);
    }
    facet(
        &facet_schema("1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"),
        match body {
            Value::Object(map) => map,
            _ => Map::new(),
        },
    )
}

fn owners_facet(schema: &str, owners: &[String]) -> Value {
    let owners: Vec<Value> = owners
        .iter()
        .map(|o| json!({"name": o, "type": "OWNER"}))
        .collect();
    facet(schema, fields(json!({ "owners": owners })))
}

fn job_value(job: &JobLineage) -> Value {
    let mut facets = Map::new();
    facets.insert(
        "jobType".into(),
        facet(
            &facet_schema("2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"),
            fields(json!({
                "processingType": "BATCH",
                "integration": "DATASURFACE",
                "jobType": job.job_type.as_str(),
            })),
        ),
    );
    if !job.owners.is_empty() {
        facets.insert(
            "ownership".into(),
            owners_facet(
                &facet_schema("1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet"),
                &job.owners,
            ),
        );
    }
    if let Some(description) = &job.description {
        facets.insert(
            "documentation".into(),
            facet(
                &facet_schema("1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet"),
                fields(json!({ "description": description })),
            ),
        );
    }
    if let Some(sql) = &job.sql {
        facets.insert(
            "sql".into(),
            facet(
                &facet_schema("1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet"),
                fields(json!({ "query": sql })),
            ),
        );
    }
    json!({"namespace": job.namespace, "name": job.name, "facets": facets})
}

fn dataset(
    d: &DatasetLineage,
    places: &dyn Namespaces,
    committed: Option<&Outcome>,
    input: bool,
) -> Value {
    let (namespace, name) = places.locate(&d.place, &d.table);
    let mut facets = Map::new();
    if !d.fields.is_empty() {
        facets.insert(
            "schema".into(),
            facet(
                &facet_schema("1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"),
                fields(json!({ "fields": d.fields })),
            ),
        );
    }
    if !d.owners.is_empty() {
        facets.insert(
            "ownership".into(),
            owners_facet(
                &facet_schema("1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet"),
                &d.owners,
            ),
        );
    }
    let mut identifiers = vec![json!({
        "namespace": d.model_namespace,
        "name": d.model_name,
        "type": "DATASET",
    })];
    if let Some(group) = &d.group {
        identifiers.push(json!({
            "namespace": d.model_namespace,
            "name": group,
            "type": "DATASET_GROUP",
        }));
    }
    facets.insert(
        "symlinks".into(),
        facet(
            &facet_schema("1-0-1/SymlinksDatasetFacet.json#/$defs/SymlinksDatasetFacet"),
            fields(json!({ "identifiers": identifiers })),
        ),
    );
    let mut value = Map::new();
    value.insert("namespace".into(), namespace.into());
    value.insert("name".into(), name.into());
    value.insert("facets".into(), Value::Object(facets));
    let done = committed.and_then(|o| o.of(&d.model_name));
    if input {
        let input_facets = input_facets(d, committed.is_some(), done);
        if !input_facets.is_empty() {
            value.insert("inputFacets".into(), Value::Object(input_facets));
        }
    } else if let Some(done) = done.filter(|_| d.group.is_none()) {
        value.insert("outputFacets".into(), Value::Object(output_facets(done)));
    }
    Value::Object(value)
}

/// What a committed batch found of a dataset it read: the checks that
/// held, and how many rows it read.
fn input_facets(
    d: &DatasetLineage,
    committed: bool,
    done: Option<&DatasetOutcome>,
) -> Map<String, Value> {
    let mut input_facets = Map::new();
    if committed && !d.checks.is_empty() {
        let assertions: Vec<Value> = d
            .checks
            .iter()
            .map(|c| {
                let held = !done.is_some_and(|d| d.broken.contains(&c.assertion));
                let mut a = fields(json!({"assertion": c.assertion, "success": held}));
                if let Some(column) = &c.column {
                    a.insert("column".into(), column.clone().into());
                }
                Value::Object(a)
            })
            .collect();
        input_facets.insert(
            "dataQualityAssertions".into(),
            facet(
                &facet_schema(
                    "1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet",
                ),
                fields(json!({ "assertions": assertions })),
            ),
        );
    }
    if let Some(done) = done {
        input_facets.insert(
            "dataQualityMetrics".into(),
            facet(
                &facet_schema(
                    "1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet",
                ),
                fields(json!({ "rowCount": done.read, "columnMetrics": {} })),
            ),
        );
    }
    input_facets
}

/// What a committed batch did to a dataset it wrote.
fn output_facets(done: &DatasetOutcome) -> Map<String, Value> {
    let mut output_facets = Map::new();
    output_facets.insert(
        "outputStatistics".into(),
        facet(
            &facet_schema(
                "1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet",
            ),
            fields(json!({ "rowCount": done.inserted + done.updated + done.deleted })),
        ),
    );
    output_facets.insert(
        "datasurface_rowChanges".into(),
        facet(
            &format!("{OWN_FACETS}#/$defs/RowChangesOutputDatasetFacet"),
            fields(json!({
                "inserted": done.inserted,
                "updated": done.updated,
                "deleted": done.deleted,
            })),
        ),
    );
    output_facets
}

/// Where a runner sends its events. Sending never fails a run: a sink that
/// cannot deliver says so its own way (the command line's warns and counts).
pub trait LineageSink: Send + Sync {
    /// Sends one event.
    fn emit(&self, event: &RunEvent);
}

/// A sink that sends nothing: lineage is off.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLineage;

impl LineageSink for NoLineage {
    fn emit(&self, _event: &RunEvent) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::{Check, Field, JobType};

    struct Here;
    impl Namespaces for Here {
        fn locate(&self, place: &Place, table: &str) -> (String, String) {
            (
                "sqlite://localhost".into(),
                format!("/s/{}.sqlite/{table}", place.database()),
            )
        }
    }

    fn job() -> JobLineage {
        let mut job = JobLineage::new("datasurface/E/p".into(), "ingest.S".into(), JobType::Ingest)
            .owned_by("Z", "T");
        job.inputs.push(
            DatasetLineage::new(Place::source("src"), "t", "datasurface/E", "S.d").with_checks(
                vec![
                    Check {
                        assertion: "not_null".into(),
                        column: Some("id".into()),
                    },
                    Check {
                        assertion: "quality:range:amount-range".into(),
                        column: Some("amount".into()),
                    },
                ],
            ),
        );
        job.outputs.push(
            DatasetLineage::new(Place::Merge, "S_d", "datasurface/E", "S.d")
                .with_fields(vec![Field::new("id", "INTEGER")])
                .with_owners(vec!["team:Z/T".into()]),
        );
        job.outputs.push(
            DatasetLineage::new(Place::container("c"), "W__G__S__d", "datasurface/E", "S.d")
                .for_group("W.G".into()),
        );
        job
    }

    #[test]
    fn run_ids_are_uuids_stable_for_the_same_batch_and_distinct_otherwise() {
        let job = job();
        let a = RunIds::batch(&job, 1, "2026-01-01T00:00:00Z").run;
        assert_eq!(a, RunIds::batch(&job, 1, "2026-01-01T00:00:00Z").run);
        assert_ne!(a, RunIds::batch(&job, 2, "2026-01-01T00:00:00Z").run);
        assert_ne!(a, RunIds::batch(&job, 1, "2026-01-01T00:00:01Z").run);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8", "version 8: {a}");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "variant: {a}");
        // Parts are length-prefixed, so moving a boundary changes the id.
        assert_ne!(run_id(&["ab", "c"]), run_id(&["a", "bc"]));
    }

    #[test]
    fn a_committed_batch_reports_counts_and_checks_and_a_failed_one_its_reason() {
        let job = job();
        let ids = RunIds::batch(&job, 3, "t0");
        let done = Outcome::committed(vec![(
            "S.d".into(),
            DatasetOutcome {
                read: 5,
                inserted: 2,
                updated: 1,
                deleted: 1,
                broken: vec!["quality:range:amount-range".into()],
            },
        )]);
        let ok = serde_json::to_value(RunEvent::end(&job, &ids, "t1", &Here, &done)).unwrap();
        assert_eq!(ok["eventType"], "COMPLETE");
        let out = &ok["outputs"][0]["outputFacets"];
        assert_eq!(out["outputStatistics"]["rowCount"], 4);
        assert_eq!(out["datasurface_rowChanges"]["deleted"], 1);
        assert!(ok["outputs"][1].get("outputFacets").is_none());
        let input = &ok["inputs"][0]["inputFacets"];
        assert_eq!(
            input["dataQualityAssertions"]["assertions"][0]["success"],
            true
        );
        assert_eq!(
            input["dataQualityAssertions"]["assertions"][1]["success"], false,
            "a warn rule the batch broke is reported, not held"
        );
        assert_eq!(input["dataQualityMetrics"]["rowCount"], 5);
        assert_eq!(
            ok["outputs"][1]["facets"]["symlinks"]["identifiers"][1]["name"],
            "W.G"
        );
        let failed = serde_json::to_value(RunEvent::end(
            &job,
            &ids,
            "t1",
            &Here,
            &Outcome::failed("bad row 3"),
        ))
        .unwrap();
        assert_eq!(failed["eventType"], "FAIL");
        assert_eq!(
            failed["run"]["facets"]["errorMessage"]["message"],
            "bad row 3"
        );
        assert!(
            failed["inputs"][0].get("inputFacets").is_none(),
            "no checks held"
        );
        assert_eq!(ok["run"]["runId"], failed["run"]["runId"]);
        assert!(
            ok["run"].get("facets").is_none(),
            "not a change data capture"
        );
        let captured = Outcome::committed(Vec::new()).with_change_capture(ChangeCapture {
            slot: "dssurf_s".into(),
            from: Some("0/16B3748".into()),
            to: Some("0/16B37F0".into()),
            snapshot: false,
            changes: 5,
        });
        let cdc = serde_json::to_value(RunEvent::end(&job, &ids, "t1", &Here, &captured)).unwrap();
        let facet = &cdc["run"]["facets"]["datasurface_changeCapture"];
        assert_eq!(facet["slot"], "dssurf_s");
        assert_eq!(facet["from"], "0/16B3748");
        assert_eq!(facet["to"], "0/16B37F0");
        assert_eq!(facet["changes"], 5);
        assert!(
            facet["_schemaURL"]
                .as_str()
                .is_some_and(|u| u.ends_with("#/$defs/ChangeCaptureRunFacet"))
        );
    }

    #[test]
    fn a_child_run_names_its_parent_and_a_held_one_aborts() {
        let job = job();
        let ids = RunIds::batch(&job, 1, "t0").with_parent("ns", "ingest.X", "p-run".into());
        let start = serde_json::to_value(RunEvent::start(&job, &ids, "t", &Here)).unwrap();
        assert_eq!(start["run"]["facets"]["parent"]["run"]["runId"], "p-run");
        assert_eq!(start["run"]["facets"]["parent"]["job"]["name"], "ingest.X");
        assert_eq!(
            start["job"]["facets"]["ownership"]["owners"][0]["name"],
            "team:Z/T"
        );
        assert_eq!(start["schemaURL"], SCHEMA_URL);
        let held = RunEvent::abort(&job, &ids, "t", &Here, "not the first of the month");
        assert_eq!(held.event_type(), "ABORT");
        let held = serde_json::to_value(held).unwrap();
        assert_eq!(
            held["run"]["facets"]["datasurface_hook"]["decision"],
            "hold"
        );
    }
}
