//! What a state directory holds: each stream of the applied rendering, its
//! latest batches, and when it runs next. Reads only.

use rusqlite::params;
use serde::Serialize;

use super::apply::jobs;
use super::batch::{Counts, SQL};
use super::{Engine, EngineError, sql};
use crate::spec::{IngestSpec, SourceSpec, TransformSpec};

/// One batch, as `batch_metrics` records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchRecord {
    /// Its number, from 1 for each stream.
    pub batch: i64,
    /// `started`, `ingested`, `committed` or `failed`.
    pub status: String,
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
    /// When it ended, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<String>,
    /// How long it took, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub millis: Option<i64>,
    /// What it did to its rows (nothing, unless it committed).
    #[serde(flatten)]
    pub rows: Counts,
    /// Why it failed; for a committed batch, the `warn` quality rules it
    /// broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// When a stream runs next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "when", content = "at")]
pub enum NextRun {
    /// On the next `run`: it has no schedule, its schedule fired, it never
    /// ran, or its last batch failed.
    NextRun,
    /// When its cron schedule next fires (RFC 3339, UTC).
    Scheduled(String),
    /// Never: its schedule never fires.
    Never,
    /// When one of its transformer's inputs commits a batch that changes rows.
    NewInput,
}

/// One stream of the applied rendering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamState {
    /// The stream: a datastore, or `store#dataset`.
    pub stream: String,
    /// Where its rows come from: `sqlite:<container>`, `csv:<container>` or
    /// `transformer:<workspace>`.
    pub source: String,
    /// Its cron schedule (UTC), if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// When it runs next.
    pub next: NextRun,
    /// Its latest batches, newest first.
    pub batches: Vec<BatchRecord>,
}

impl StreamState {
    /// Whether its latest batch failed.
    pub fn failing(&self) -> bool {
        self.batches.first().is_some_and(|b| b.status == "failed")
    }
}

/// Something in a state directory that does not mend itself on the next
/// run: what is wrong, and the command that mends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attention {
    /// What is wrong, naming the file or table.
    pub problem: String,
    /// The command that mends it (`MODEL` stands for the model's path).
    pub command: String,
}

impl Engine {
    /// What needs an operator: a container database, or an export table in
    /// one, that the applied rendering made and that is gone (moved, deleted
    /// or dropped outside datasurface). Every other state found after a
    /// kill or a fault (an interrupted write, a failed batch) mends itself
    /// on the next run. Empty before the first apply.
    pub fn needs_operator(&self) -> Result<Vec<Attention>, EngineError> {
        let rendering = self.applied()?;
        let ingests: Vec<IngestSpec> = jobs(&rendering, "jobs/ingest/")?;
        let command = format!("datasurface apply MODEL --state {}", self.state.display());
        Ok(
            super::batch::gone_exports(self, ingests.iter().flat_map(|j| &j.datasets))
                .into_iter()
                .map(|problem| Attention {
                    problem,
                    command: command.clone(),
                })
                .collect(),
        )
    }

    /// Every stream of the applied rendering, in key order, with its `last`
    /// batches and when it runs next.
    pub fn status(&self, last: usize) -> Result<Vec<StreamState>, EngineError> {
        let rendering = self.applied()?;
        if rendering.is_empty() {
            return Err(EngineError::State(format!(
                "nothing has been applied in {}; run `datasurface apply` or `datasurface up` first",
                self.state.display()
            )));
        }
        let ingests: Vec<IngestSpec> = jobs(&rendering, "jobs/ingest/")?;
        let transforms: Vec<TransformSpec> = jobs(&rendering, "jobs/transformer/")?;
        let conn = self.open_merge()?;
        let mut streams = Vec::new();
        for job in &ingests {
            let transformer = transforms.iter().find(|t| t.output_stream == job.stream);
            let (source, cron) = match (&job.source, transformer) {
                (SourceSpec::SqliteSnapshot { container }, _) => {
                    (format!("sqlite:{container}"), job.cron.clone())
                }
                (SourceSpec::CsvFiles { container }, _) => {
                    (format!("csv:{container}"), job.cron.clone())
                }
                (SourceSpec::PostgresCdc { container, .. }, _) => {
                    (format!("cdc:{container}"), job.cron.clone())
                }
                (SourceSpec::Primary { platform }, _) => {
                    (format!("platform:{platform}"), job.cron.clone())
                }
                (SourceSpec::Transformer { workspace }, t) => (
                    format!("transformer:{workspace}"),
                    t.and_then(|t| t.cron.clone()),
                ),
            };
            let next = match (&cron, &job.source) {
                (None, SourceSpec::Transformer { .. }) => NextRun::NewInput,
                _ => match self.scheduled(&job.stream, cron.as_deref())? {
                    None => NextRun::NextRun,
                    Some(waiting) => waiting.next.map_or(NextRun::Never, NextRun::Scheduled),
                },
            };
            let mut stmt = conn
                .prepare(&SQL.recent_batches())
                .map_err(sql("cannot read the batches"))?;
            let limit = i64::try_from(last).unwrap_or(i64::MAX);
            let batches = stmt
                .query_map(params![job.stream, limit], |r| {
                    Ok(BatchRecord {
                        batch: r.get(0)?,
                        status: r.get(1)?,
                        started_at: r.get(2)?,
                        ended_at: r.get(3)?,
                        millis: r.get(4)?,
                        rows: Counts {
                            inserted: r.get::<_, Option<i64>>(5)?.unwrap_or_default(),
                            updated: r.get::<_, Option<i64>>(6)?.unwrap_or_default(),
                            deleted: r.get::<_, Option<i64>>(7)?.unwrap_or_default(),
                            total: r.get::<_, Option<i64>>(8)?.unwrap_or_default(),
                        },
                        message: r.get(9)?,
                    })
                })
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(sql(format!("cannot read the batches of `{}`", job.stream)))?;
            streams.push(StreamState {
                stream: job.stream.clone(),
                source,
                schedule: cron,
                next,
                batches,
            });
        }
        Ok(streams)
    }
}
