//! A `spark` platform's run state, read from its warehouse's records (see
//! [`crate::layout`]): each stream's batches added up and each hook's
//! decisions counted, in the words every platform reports them
//! ([`RunTotals`]), for `datasurface job spark --status` (Prometheus's
//! text format for a textfile collector, or JSON).
//!
//! Read from the rendering's job specs, so only streams and hooks the
//! platform runs are reported; the warehouse must be local, as for hooks.

use std::path::Path;

use serde::Deserialize;

use datasurface_platform::Rendering;
use datasurface_runtime::lineage::Place;
use datasurface_runtime::{
    ConsumerPlace, DatasetState, HookDecisions, IngestStream, RowTotals, RunTotals, StreamTotals,
};

use crate::runner::{
    Committed, RunError, committed_after, last_committed, local, read_record, records_after, time,
};
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

/// A stream's batches added up by the driver as each commits
/// (`meta/totals.json`): every committed batch up to `through`, so the run
/// state reads only the records of batches after it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    /// The last batch it adds up.
    through: u64,
    /// Committed batches.
    batches: u64,
    /// Attempts at those batches that did not commit.
    failed: u64,
    /// Their rows.
    rows: SummaryRows,
}

#[derive(Debug, Default, Deserialize)]
struct SummaryRows {
    read: u64,
    inserted: u64,
    updated: u64,
    deleted: u64,
}

/// The stream's summary, if the driver has written one.
fn summary(root: &Path) -> Result<Option<Summary>, RunError> {
    let path = root.join("meta").join(crate::layout::TOTALS);
    match std::fs::symlink_metadata(&path) {
        Ok(_) => read_record(&path).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(crate::runner::bad(&path, &e)),
    }
}

/// One stream's batches, added up: every committed batch's rows (a
/// snapshot's rows read are the live rows it leaves), the last one's end
/// and length, and every attempt that did not commit (a killed run's
/// batch, until it is run again, is unfinished); and its last committed
/// batch. What the driver's summary adds up is taken from it: only the
/// records of later batches are read, so a stream's history costs nothing.
fn stream_state(spec: &IngestSpec) -> Result<(StreamTotals, Option<Committed>), RunError> {
    let root = local(&spec.root, WHAT)?;
    let mut totals = StreamTotals::of(spec);
    let summary = summary(&root)?.unwrap_or_default();
    totals.rows = RowTotals {
        read: summary.rows.read,
        inserted: summary.rows.inserted,
        updated: summary.rows.updated,
        deleted: summary.rows.deleted,
    };
    totals.committed = summary.batches;
    totals.failed = summary.failed;
    let batches = committed_after(&root, summary.through)?;
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
    totals.committed += u64::try_from(batches.len()).unwrap_or(u64::MAX);
    let last = match batches.into_iter().next_back() {
        Some(last) => Some(last),
        None => last_committed(&root)?,
    };
    if let Some(last) = &last {
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
    let last_batch = last.as_ref().map_or(0, |b| b.batch);
    for attempt in records_after::<Run>(&root.join("meta").join("runs"), summary.through)? {
        match attempt.state.as_str() {
            "failed" => totals.failed += attempt.attempt,
            "ingesting" if attempt.batch > last_batch => {
                totals.failed += attempt.attempt.saturating_sub(1);
                totals.unfinished += 1;
            }
            _ => totals.failed += attempt.attempt.saturating_sub(1),
        }
    }
    Ok((totals, last))
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
        decisions.extend(
            crate::decide::counts(hook)?
                .into_iter()
                .map(|(action, count)| HookDecisions {
                    workspace: spec.workspace.clone(),
                    action,
                    count,
                }),
        );
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
