//! A submitted job's OpenLineage events: `START` before the application,
//! `COMPLETE` once its batch committed (with each dataset's counts, from the
//! batch's commit record) or `FAIL` (with the reason its run record gives).
//!
//! The events are built from the job spec's lineage template by the
//! builder every platform shares ([`datasurface_runtime::lineage`]); this
//! module only places the datasets ([`crate::lineage::Places`]) and names
//! the run. A batch's run is named by its stream, its number and its start
//! (as the commit record keeps it, passed to the driver with `--started`),
//! so a transformer's run names the input batch that made it due as its
//! parent, from that batch's records alone. The runner reads the records
//! as local files: events need a local warehouse.
//!
//! Nothing here fails a job: a sink that cannot deliver counts its losses.

use std::path::PathBuf;

use datasurface_runtime::lineage::{
    DatasetOutcome, JobLineage, LineageSink, Outcome, RunEvent, RunIds, run_id,
};
use serde::Deserialize;

use crate::lineage::Places;
use crate::runner::{Ran, RunError, committed_after, last_committed, local};
use crate::spec::{IngestSpec, TransformSpec};

/// The format of a run's start as the runner gives it to the driver
/// (`--started`), and of its events' times: UTC to the millisecond, one
/// length, so such times sort as text.
pub const TIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// Where a run's events go, and the machine it runs on (the namespace of
/// local files, `file://<host>`).
#[derive(Clone, Copy)]
pub struct Lineage<'a> {
    /// Where events go.
    pub sink: &'a dyn LineageSink,
    /// This machine's name.
    pub host: &'a str,
    /// The platform's warehouse (its `warehouse` parameter).
    pub warehouse: &'a str,
}

impl std::fmt::Debug for Lineage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lineage")
            .field("host", &self.host)
            .field("warehouse", &self.warehouse)
            .finish_non_exhaustive()
    }
}

/// What a run's end is read from.
#[derive(Debug)]
enum Records<'a> {
    /// A batch of a stream of `datastore`: its directory and number.
    Batch {
        root: PathBuf,
        batch: u64,
        datastore: &'a str,
    },
    /// A transformer's run: nothing is recorded but what it staged.
    Transform,
}

/// One run of a submitted job, as its events tell it.
#[derive(Debug)]
pub struct Run<'a> {
    lineage: Lineage<'a>,
    job: &'a JobLineage,
    places: Places<'a>,
    ids: RunIds,
    started: String,
    records: Records<'a>,
}

/// The attempt a run record describes, for the reason a batch failed.
#[derive(Debug, Deserialize)]
struct Attempt {
    #[serde(default)]
    message: Option<String>,
}

impl<'a> Run<'a> {
    /// The run of the next batch of `spec`'s stream, begun at `started`
    /// (which the driver is given with `--started`): none when the spec
    /// has no lineage.
    pub fn ingest(
        lineage: Lineage<'a>,
        spec: &'a IngestSpec,
        started: &str,
    ) -> Result<Option<Run<'a>>, RunError> {
        let Some(job) = spec.lineage.as_ref() else {
            return Ok(None);
        };
        let root = local(&spec.root, "OpenLineage events need")?;
        // The driver's rule: the batch after the last committed one.
        let batch = last_committed(&root)?.map_or(1, |c| c.batch + 1);
        Ok(Some(Run {
            lineage,
            job,
            places: Places::new(Some(&spec.source), lineage.warehouse, lineage.host),
            ids: RunIds::batch(job, batch_number(batch), started),
            started: started.to_owned(),
            records: Records::Batch {
                root,
                batch,
                datastore: &spec.datastore,
            },
        }))
    }

    /// A run of `spec`'s transformer begun at `started`, the child of the
    /// input batch that committed last (as its DAG runs when an input's
    /// batch commits): none when the spec has no lineage.
    pub fn transform(
        lineage: Lineage<'a>,
        spec: &'a TransformSpec,
        started: &str,
    ) -> Result<Option<Run<'a>>, RunError> {
        let Some(job) = spec.lineage.as_ref() else {
            return Ok(None);
        };
        let mut ids = RunIds {
            run: run_id(&[&job.namespace, &job.name, started]),
            parent: None,
        };
        let mut last: Option<(String, String, u64, String)> = None;
        for input in &spec.inputs {
            let root = local(&input.root, "OpenLineage events need")?;
            if let Some(c) = last_committed(&root)? {
                // Records' times sort as text (UTC, one format).
                if last.as_ref().is_none_or(|(at, ..)| c.committed > *at) {
                    last = Some((c.committed, input.stream.clone(), c.batch, c.started));
                }
            }
        }
        if let Some((_, stream, batch, batch_started)) = last {
            let name = format!("ingest.{stream}");
            let run = RunIds::batch_run(&job.namespace, &name, batch_number(batch), &batch_started);
            ids = ids.with_parent(&job.namespace, &name, run);
        }
        Ok(Some(Run {
            lineage,
            job,
            places: Places::new(None, lineage.warehouse, lineage.host),
            ids,
            started: started.to_owned(),
            records: Records::Transform,
        }))
    }

    /// This run's id.
    pub fn id(&self) -> &str {
        &self.ids.run
    }

    /// The run began (`START`, at its start).
    pub fn begin(&self) {
        self.lineage.sink.emit(&RunEvent::start(
            self.job,
            &self.ids,
            &self.started,
            &self.places,
        ));
    }

    /// The run was due and did not go ahead: the transformer's hook held
    /// it, for `why` (`ABORT`, at the run's start).
    pub fn held(&self, why: &str) {
        self.lineage.sink.emit(&RunEvent::abort(
            self.job,
            &self.ids,
            &self.started,
            &self.places,
            why,
        ));
    }

    /// The run ended at `at` as `ran` says (`COMPLETE` or `FAIL`); `said`
    /// is the last line the driver printed, the reason a transformer failed.
    pub fn end(&self, ran: &Result<Ran, RunError>, at: &str, said: Option<&str>) {
        let outcome = match ran {
            Ok(Ran::Committed) => self.committed(),
            Ok(_) => Outcome::failed(
                self.failure()
                    .or_else(|| said.map(str::to_owned))
                    .unwrap_or_else(|| "the run failed".to_owned()),
            ),
            Err(e) => Outcome::failed(e.to_string()),
        };
        self.lineage.sink.emit(&RunEvent::end(
            self.job,
            &self.ids,
            at,
            &self.places,
            &outcome,
        ));
    }

    /// What a committed batch did to each dataset, from its commit record
    /// (none known for a transformer's run, or a record that cannot be read).
    fn committed(&self) -> Outcome {
        let Records::Batch {
            root,
            batch,
            datastore: store,
        } = &self.records
        else {
            return Outcome::committed(Vec::new());
        };
        let datasets = committed_after(root, batch.saturating_sub(1))
            .ok()
            .and_then(|all| all.into_iter().find(|c| c.batch == *batch))
            .map(|c| {
                c.datasets
                    .into_iter()
                    .map(|(name, n)| {
                        (
                            format!("{store}.{name}"),
                            DatasetOutcome {
                                read: n.live,
                                inserted: n.inserted,
                                updated: n.updated,
                                deleted: n.deleted,
                                ..DatasetOutcome::default()
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Outcome::committed(datasets)
    }

    /// Why a batch failed, as its run record says.
    fn failure(&self) -> Option<String> {
        let Records::Batch { root, batch, .. } = &self.records else {
            return None;
        };
        let path = root.join("meta").join("runs").join(format!("{batch}.json"));
        let text = std::fs::read_to_string(path).ok()?;
        serde_json::from_str::<Attempt>(&text).ok()?.message
    }
}

/// A batch number as events carry it (saturating: no warehouse has 2^63).
fn batch_number(batch: u64) -> i64 {
    i64::try_from(batch).unwrap_or(i64::MAX)
}
