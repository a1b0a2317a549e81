//! OpenLineage run events for a platform's runs.
//!
//! A platform renders, with each job it runs, the job's [`JobLineage`]: its
//! name, owners, and the datasets it reads and writes, each with its place
//! (the merge database, a workspace container, a source), its physical
//! table, its model identity, schema and owners, and the checks a batch
//! makes of it. Rendering it is pure, so the job's identity is stable across
//! runs and a model change shows in the plan like any other.
//!
//! At run time the platform's runner turns the template into
//! [OpenLineage](https://openlineage.io/spec/2-0-2/OpenLineage.json) run
//! events ([`RunEvent`]): `START` when a batch begins, `COMPLETE` when it
//! commits (never before), `FAIL` with the reason when it fails, and
//! `ABORT` when a hook holds a run back. It resolves each [`Place`] to a
//! dataset namespace that names the real database ([`Namespaces`]), and
//! hands the events to a [`LineageSink`]: the command line's sends them to a
//! file or an HTTP endpoint, and an outage of either never fails a batch.
//! Building events does no IO and reads no clock: the time and the run's
//! identity are the caller's.
//!
//! ```
//! use datasurface_runtime::lineage::{
//!     DatasetLineage, Field, JobLineage, JobType, Namespaces, Place, RunEvent, RunIds, Outcome,
//! };
//!
//! let job = JobLineage {
//!     namespace: "datasurface/Shop/local".into(),
//!     name: "ingest.Orders".into(),
//!     job_type: JobType::Ingest,
//!     owners: vec!["team:Sales/Orders".into()],
//!     description: None,
//!     sql: None,
//!     inputs: vec![DatasetLineage::new(Place::source("orders_db"), "orders", "datasurface/Shop", "Orders.orders")],
//!     outputs: vec![DatasetLineage::new(Place::Merge, "Orders_orders", "datasurface/Shop", "Orders.orders")
//!         .with_fields(vec![Field::new("id", "INTEGER")])],
//! };
//! struct Here;
//! impl Namespaces for Here {
//!     fn locate(&self, place: &Place, table: &str) -> (String, String) {
//!         ("sqlite://localhost".into(), format!("/state/{}/{table}", place.database()))
//!     }
//! }
//! let run = RunIds::batch(&job, 7, "2026-11-25T10:00:00.000Z");
//! let start = RunEvent::start(&job, &run, "2026-11-25T10:00:00.000Z", &Here);
//! assert_eq!(start.event_type(), "START");
//! let done = RunEvent::end(&job, &run, "2026-11-25T10:00:01.000Z", &Here, &Outcome::default());
//! let json = serde_json::to_value(&done).unwrap();
//! assert_eq!(json["eventType"], "COMPLETE");
//! assert_eq!(json["run"]["runId"], serde_json::to_value(&start).unwrap()["run"]["runId"]);
//! assert_eq!(json["outputs"][0]["namespace"], "sqlite://localhost");
//! ```

mod columns;
mod event;
mod job;
mod model;

pub use columns::{
    ColumnLineage, FieldLineage, InputColumn, TransformerInput, column_lineage, dialect_of,
};
pub use event::{
    ChangeCapture, DatasetOutcome, LineageSink, Namespaces, NoLineage, Outcome, PRODUCER, RunEvent,
    RunIds, SCHEMA_URL, run_id,
};
pub use job::{
    Check, DatasetLineage, Field, JobLineage, JobType, Place, job_namespace, model_namespace,
    team_owner,
};
pub use model::{LineageModel, Reader, Readers, quality_assertion};
