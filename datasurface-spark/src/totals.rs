//! A `spark` platform's run state, read from its warehouse's records (see
//! [`crate::layout`]): each stream's batches added up and each hook's
//! decisions counted, in the words every platform reports them
//! ([`RunTotals`]), for `datasurface job spark --status` (Prometheus's
//! text format for a textfile collector, or JSON).
//!
//! Read from the rendering's job specs, so only streams and hooks the
//! platform runs are reported; the warehouse must be local, as for hooks.

use std::collections::BTreeMap;

use serde::Deserialize;

use datasurface_platform::Rendering;
use datasurface_runtime::lineage::Place;
use datasurface_runtime::{
    ConsumerPlace, DatasetState, HookDecisions, IngestStream, RowTotals, RunTotals, StreamTotals,
};

use crate::runner::{Committed, RunError, committed, local, records, time};
use crate::spec::{IngestSpec, SourceSpec, TransformSpec};

/// Spark's session catalog, where each group's views are: the database a
/// dataset's freshness names for them.
pub const SESSION_CATALOG: &str = "spark_catalog";

/// What needs the warehouse's records.
const WHAT: &str = "the run state is read from";

impl IngestStream for IngestSpec {
    fn stream(&self) -> &str {
        &self.stream
    }

    fn datastore(&self) -> &str {
        &self.datastore
    }

    fn datasets(&self) -> Vec<&str> {
        self.datasets.iter().map(|d| d.dataset.as_str()).collect()
    }

    fn lineage(&self) -> Option<&datasurface_runtime::lineage::JobLineage> {
        self.lineage.as_ref()
    }

    fn transformer(&self) -> Option<&str> {
        match &self.source {
            SourceSpec::Staged { workspace, .. } => Some(workspace),
            _ => None,
        }
    }
}

/// The latest attempt at a batch, as `meta/runs/<batch>.json` records it.
#[derive(Debug, Deserialize)]
struct Run {
    batch: u64,
    state: String,
    /// How many times the batch has been run.
    #[serde(default = "first")]
    attempt: u64,
}

fn first() -> u64 {
    1
}

/// The job specs of a rendering under `prefix` (`jobs/ingest/`).
fn specs<T: serde::de::DeserializeOwned>(
    rendering: &Rendering,
    prefix: &str,
) -> Result<Vec<T>, RunError> {
    rendering
        .artifacts
        .iter()
        .filter(|(key, _)| key.as_str().starts_with(prefix))
        .map(|(key, artifact)| {
            serde_json::from_str(&artifact.content).map_err(|e| RunError::Record {
                path: key.as_str().to_owned(),
                message: e.to_string(),
            })
        })
        .collect()
}

/// One stream's batches, added up: every committed batch's rows (a
/// snapshot's rows read are the live rows it leaves), the last one's end
/// and length, and every attempt that did not commit (a killed run's
/// batch, until it is run again, is unfinished); and its last committed
/// batch.
fn stream_state(spec: &IngestSpec) -> Result<(StreamTotals, Option<Committed>), RunError> {
    let root = local(&spec.root, WHAT)?;
    let mut totals = StreamTotals::of(spec);
    let batches = committed(&root)?;
    for batch in &batches {
        for counts in batch.datasets.values() {
            totals.rows = RowTotals {
                read: totals.rows.read + counts.live,
                inserted: totals.rows.inserted + counts.inserted,
                updated: totals.rows.updated + counts.updated,
                deleted: totals.rows.deleted + counts.deleted,
            };
        }
    }
    totals.committed = u64::try_from(batches.len()).unwrap_or(u64::MAX);
    if let Some(last) = batches.last() {
        let ended = time(&root, &last.committed)?;
        let took = ended - time(&root, &last.started)?;
        totals.last_success = Some(last.committed.clone());
        #[allow(
            clippy::cast_precision_loss,
            reason = "a batch's milliseconds are exact in an f64"
        )]
        let seconds = took.num_milliseconds() as f64 / 1000.0;
        totals.last_seconds = Some(seconds);
    }
    let last = batches.last().map_or(0, |b| b.batch);
    for attempt in records::<Run>(&root.join("meta").join("runs"))? {
        match attempt.state.as_str() {
            "failed" => totals.failed += attempt.attempt,
            "ingesting" if attempt.batch > last => {
                totals.failed += attempt.attempt.saturating_sub(1);
                totals.unfinished += 1;
            }
            _ => totals.failed += attempt.attempt.saturating_sub(1),
        }
    }
    Ok((totals, batches.into_iter().next_back()))
}

/// The platform's run state: each stream its rendering runs, in key
/// order, and each hooked transformer's decisions by action.
pub fn run_totals(platform: &str, rendering: &Rendering) -> Result<RunTotals, RunError> {
    let mut streams = specs::<IngestSpec>(rendering, "jobs/ingest/")?
        .iter()
        .map(|spec| stream_state(spec).map(|(totals, _)| totals))
        .collect::<Result<Vec<_>, _>>()?;
    streams.sort_by(|a, b| a.stream.cmp(&b.stream));
    let mut decisions = Vec::new();
    for spec in specs::<TransformSpec>(rendering, "jobs/transformer/")? {
        let Some(hook) = &spec.hook else { continue };
        let mut counts: BTreeMap<&str, u64> = BTreeMap::new();
        for decision in crate::decide::decisions(hook, usize::MAX)? {
            *counts.entry(decision.past.action.as_str()).or_default() += 1;
        }
        decisions.extend(counts.into_iter().map(|(action, count)| HookDecisions {
            workspace: spec.workspace.clone(),
            action: action.to_owned(),
            count,
        }));
    }
    Ok(RunTotals {
        platform: Some(platform.to_owned()),
        streams,
        decisions,
    })
}

/// What the warehouse says of `store.dataset`: its stream's batches and its
/// live rows after the last committed one.
pub fn dataset_state(
    platform: &str,
    rendering: &Rendering,
    store: &str,
    dataset: &str,
) -> Result<Option<DatasetState>, RunError> {
    let Some(spec) = specs::<IngestSpec>(rendering, "jobs/ingest/")?
        .into_iter()
        .find(|s| s.datastore == store && s.datasets.iter().any(|d| d.dataset == dataset))
    else {
        return Ok(None);
    };
    let (stream, last) = stream_state(&spec)?;
    let live_rows = last
        .and_then(|b| b.datasets.get(dataset).copied())
        .map_or(0, |c| c.live);
    // Each group's view, in Spark's session catalog (`spark_catalog`), as
    // the stream's lineage names the views its batches write.
    let places = ConsumerPlace::written(spec.lineage.as_ref(), store, dataset, |place| {
        (*place == Place::Merge).then(|| SESSION_CATALOG.to_owned())
    });
    Ok(Some(DatasetState {
        platform: Some(platform.to_owned()),
        stream,
        live_rows,
        places,
    }))
}
