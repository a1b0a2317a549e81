//! Running jobs: every source stream once, then every transformer whose
//! inputs committed new batches, and the ingestion of its output, until
//! nothing more is due.

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use serde::Serialize;

use super::apply::jobs;
use super::batch::{self, Counts, last_committed};
use super::source::{self, Rows};
use super::{Engine, EngineError, open_db, sql};
use crate::spec::{IngestJob, Source, TransformJob};

/// What a transformer saw of one input: workspace, stream, batch.
pub(crate) type Mark = (String, String, i64);

/// How one stream's batch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamStatus {
    /// The batch committed.
    Committed,
    /// The batch failed as a whole; the last committed state stands.
    Failed,
}

/// One batch run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamOutcome {
    /// The stream.
    pub stream: String,
    /// Its batch number.
    pub batch: i64,
    /// How it ended.
    pub status: StreamStatus,
    /// Rows inserted, updated and deleted, and rows read.
    pub inserted: i64,
    /// See `inserted`.
    pub updated: i64,
    /// See `inserted`.
    pub deleted: i64,
    /// See `inserted`.
    pub total: i64,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What a run did, stream by stream, in the order it ran them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Every batch run.
    pub streams: Vec<StreamOutcome>,
}

impl RunSummary {
    /// How many batches failed.
    pub fn failed(&self) -> usize {
        self.streams
            .iter()
            .filter(|s| s.status == StreamStatus::Failed)
            .count()
    }
}

fn outcome(stream: &str, batch: i64, ended: Result<Counts, String>) -> StreamOutcome {
    let (status, counts, message) = match ended {
        Ok(c) => (StreamStatus::Committed, c, None),
        Err(m) => (StreamStatus::Failed, Counts::default(), Some(m)),
    };
    StreamOutcome {
        stream: stream.to_owned(),
        batch,
        status,
        inserted: counts.inserted,
        updated: counts.updated,
        deleted: counts.deleted,
        total: counts.total,
        message,
    }
}

impl Engine {
    /// Reads a source stream's rows, or says why it cannot.
    fn read(&self, job: &IngestJob) -> Result<BTreeMap<String, Rows>, String> {
        let (container, csv) = match &job.source {
            Source::SqliteSnapshot { container } => (container, false),
            Source::CsvFiles { container } => (container, true),
            Source::Transformer { workspace } => {
                return Err(format!(
                    "`{}` is the output of transformer `{workspace}`, which runs it",
                    job.stream
                ));
            }
        };
        let Some(path) = self.sources.get(container) else {
            return Err(format!(
                "source container `{container}` has no local file; map it in the platform's `sources` parameter"
            ));
        };
        job.datasets
            .iter()
            .map(|d| {
                let rows = if csv {
                    source::csv_file(path, d)?
                } else {
                    source::sqlite_table(path, d)?
                };
                Ok((d.dataset.clone(), rows))
            })
            .collect()
    }

    /// Runs every source stream once, then every transformer that is due, and
    /// the ingestion of its output, until nothing more is due. `progress` is
    /// told of each batch as it ends.
    pub fn run_once(
        &self,
        progress: &mut dyn FnMut(&StreamOutcome),
    ) -> Result<RunSummary, EngineError> {
        let rendering = self.applied()?;
        if rendering.is_empty() {
            return Err(EngineError::State(format!(
                "nothing has been applied in {}; run `datasurface apply` first",
                self.state.display()
            )));
        }
        let ingests: Vec<IngestJob> = jobs(&rendering, "jobs/ingest/")?;
        let transforms: Vec<TransformJob> = jobs(&rendering, "jobs/transformer/")?;
        let mut summary = RunSummary::default();
        let mut record = |o: StreamOutcome, summary: &mut RunSummary| {
            progress(&o);
            summary.streams.push(o);
        };
        for job in ingests
            .iter()
            .filter(|j| !matches!(j.source, Source::Transformer { .. }))
        {
            let (batch, ended) = batch::ingest(self, job, self.read(job), &[])?;
            record(outcome(&job.stream, batch, ended), &mut summary);
        }
        // Transformers, until none is due: each pass can make the next one due.
        for _ in 0..=transforms.len() {
            let mut ran = false;
            for t in &transforms {
                let Some(marks) = self.due(t)? else { continue };
                let Some(output) = ingests.iter().find(|j| j.stream == t.output_stream) else {
                    continue;
                };
                let rows = self.transform(t, output);
                let (batch, ended) = batch::ingest(self, output, rows, &marks)?;
                record(outcome(&output.stream, batch, ended), &mut summary);
                ran = true;
            }
            if !ran {
                break;
            }
        }
        Ok(summary)
    }

    /// The input marks to record if a transformer is due: some input has a
    /// newer committed batch than it last saw.
    fn due(&self, t: &TransformJob) -> Result<Option<Vec<Mark>>, EngineError> {
        let conn = self.open_merge()?;
        let mut marks = Vec::new();
        let mut newer = false;
        for input in &t.inputs {
            let Some(latest) = last_committed(&conn, input)? else {
                return Ok(None);
            };
            // A batch that changed nothing does not make the transformer due.
            let changed: Option<i64> = conn
                .query_row(
                    "SELECT MAX(batch) FROM ds_batches WHERE stream = ?1 AND status = 'committed' \
                     AND rows_inserted + rows_updated + rows_deleted > 0",
                    [input],
                    |r| r.get(0),
                )
                .map_err(sql(format!("cannot read the batches of `{input}`")))?;
            let seen: Option<i64> = conn
                .query_row(
                    "SELECT batch FROM ds_transformer_inputs WHERE workspace = ?1 AND stream = ?2",
                    [&t.workspace, input],
                    |r| r.get(0),
                )
                .optional()
                .map_err(sql(format!(
                    "cannot read what transformer `{}` saw",
                    t.workspace
                )))?;
            newer |= seen.is_none_or(|s| changed.is_some_and(|c| s < c));
            marks.push((t.workspace.clone(), input.clone(), latest));
        }
        Ok(newer.then_some(marks))
    }

    /// Runs a transformer's queries in its container's database, giving the
    /// output's rows by dataset, or why they could not be made.
    fn transform(
        &self,
        t: &TransformJob,
        output: &IngestJob,
    ) -> Result<BTreeMap<String, Rows>, String> {
        let conn = open_db(&self.container_path(&t.container)).map_err(|e| e.to_string())?;
        let mut out = BTreeMap::new();
        for d in &output.datasets {
            let Some((_, query)) = t.queries.iter().find(|(name, _)| *name == d.dataset) else {
                return Err(format!(
                    "transformer `{}` has no query for its output dataset `{}`",
                    t.workspace, d.dataset
                ));
            };
            let mut stmt = conn.prepare(query).map_err(|e| {
                format!(
                    "transformer `{}`, query for `{}`: {e}",
                    t.workspace, d.dataset
                )
            })?;
            let names: Vec<String> = stmt
                .column_names()
                .iter()
                .map(|n| n.to_ascii_lowercase())
                .collect();
            let mut at = Vec::new();
            for c in &d.columns {
                at.push(
                    names
                        .iter()
                        .position(|n| *n == c.name.to_ascii_lowercase())
                        .ok_or_else(|| {
                            format!(
                                "transformer `{}`: the query for `{}` gives no column `{}`",
                                t.workspace, d.dataset, c.name
                            )
                        })?,
                );
            }
            let rows: Rows = stmt
                .query_map([], |row| {
                    at.iter()
                        .map(|&i| row.get::<_, Value>(i))
                        .collect::<Result<Vec<_>, _>>()
                })
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(|e| {
                    format!(
                        "transformer `{}`, query for `{}`: {e}",
                        t.workspace, d.dataset
                    )
                })?;
            out.insert(d.dataset.clone(), rows);
        }
        Ok(out)
    }
}
