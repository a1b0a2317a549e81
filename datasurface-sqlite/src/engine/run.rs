//! Running jobs: every source stream that is due, then every transformer
//! that is due, and the ingestion of its output, until nothing more is due.
//!
//! A source stream with a cron trigger is due when its schedule fired since
//! its last batch started, when its last batch failed, or when it never ran;
//! without one, on every run. A transformer with a cron trigger is due when
//! its schedule fired since its output's last batch started (or that batch
//! failed) and every input has committed a batch; without one, when an input
//! committed a batch that changed rows since the transformer last ran. A
//! transformer whose batch fails is not tried again in the same run.
//!
//! A due transformer whose workspace has a code hook runs only if the hook
//! says so (see [`hooks`](super::hooks)).

use super::{BatchFailure, failure};
use std::collections::BTreeMap;

use rusqlite::OptionalExtension;
use rusqlite::types::Value;
use serde::Serialize;

use datasurface_core::cron::Schedule;
use datasurface_runtime::lineage::{self, RunIds, run_id};

use super::apply::jobs;
use super::batch::{self, Counts, SQL, last_committed};
use super::capture::Captured;
use super::hooks::{Consulted, HookDecision};
use super::source::{self, Rows};
use super::{Engine, EngineError, sql};
use crate::spec::{DeliverySpec, IngestSpec, SourceSpec, TransformSpec};

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
    /// What it did to its rows.
    #[serde(flatten)]
    pub rows: Counts,
    /// Why it failed; for a committed batch, the `warn` quality rules it
    /// broke.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A stream whose cron schedule has not fired since its last batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    /// The stream (for a transformer, its output).
    pub stream: String,
    /// When its schedule next fires (RFC 3339, UTC); none if it never does.
    pub next: Option<String>,
}

/// What a run did, stream by stream, in the order it ran them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    /// Every batch run.
    pub streams: Vec<StreamOutcome>,
    /// Streams on a schedule that were not due, and transformers (by their
    /// output) and dataset groups (as `<workspace>.<group>`) whose hook
    /// deferred them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting: Vec<Waiting>,
    /// What workspaces' hooks decided, in the order they were asked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<HookDecision>,
}

/// Whether a run keeps to the cron schedules of streams and transformers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Schedules {
    /// Run what is due: scheduled jobs only when their schedule fired.
    #[default]
    Keep,
    /// Run every source stream and scheduled transformer now.
    Ignore,
}

/// What a run tells its caller as it goes.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum RunEvent<'a> {
    /// This many more batches are due (transformers may add more as their
    /// inputs change).
    Due(usize),
    /// A batch of this stream starts.
    Started(&'a str),
    /// A batch read its rows and now checks and merges them (the long part
    /// of a large batch).
    Read {
        /// The stream.
        stream: &'a str,
        /// How many rows it read, over all its datasets.
        rows: usize,
    },
    /// A batch ended.
    Ended(&'a StreamOutcome),
    /// A workspace's hook decided whether its transformer runs.
    Decided(&'a HookDecision),
    /// What the operator is told of a batch that goes on: a change data
    /// capture's source has columns the model does not name, which are
    /// not read.
    Note {
        /// The stream.
        stream: &'a str,
        /// What the operator is told.
        note: &'a str,
    },
}

/// Each dataset's rows as another platform's reader gives them (values as
/// text, `None` for null, datasets in the job's order), conformed later as
/// a CSV source's are.
#[allow(clippy::type_complexity, reason = "datasets of rows of values")]
fn text_rows(job: &IngestSpec, datasets: Vec<Vec<Vec<Option<String>>>>) -> BTreeMap<String, Rows> {
    job.datasets
        .iter()
        .zip(datasets)
        .map(|(d, rows)| {
            let values = rows
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|v| v.map_or(Value::Null, Value::Text))
                        .collect()
                })
                .collect();
            (
                d.dataset.clone(),
                Rows {
                    values,
                    origin: source::Origin::Rows,
                },
            )
        })
        .collect()
}

/// Tells `progress` how many rows a batch read, if it read them.
fn read(
    stream: &str,
    rows: &Result<BTreeMap<String, Rows>, BatchFailure>,
    progress: &mut dyn FnMut(RunEvent<'_>),
) {
    if let Ok(rows) = rows {
        progress(RunEvent::Read {
            stream,
            rows: rows.values().map(|r| r.values.len()).sum(),
        });
    }
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

/// A cron schedule the applied rendering holds for `what` (a stream, a
/// transformer), or why it cannot be used.
pub(super) fn schedule(what: &str, cron: &str) -> Result<Schedule, EngineError> {
    cron.parse().map_err(|why| {
        EngineError::State(format!(
            "{what} has the cron schedule `{cron}`, which {why}; apply a valid model again"
        ))
    })
}

fn outcome(
    stream: &str,
    batch: i64,
    ended: Result<(Counts, Option<String>), BatchFailure>,
) -> StreamOutcome {
    let (status, counts, message) = match ended {
        Ok((c, warnings)) => (StreamStatus::Committed, c, warnings),
        Err(m) => (StreamStatus::Failed, Counts::default(), Some(m.to_string())),
    };
    StreamOutcome {
        stream: stream.to_owned(),
        batch,
        status,
        rows: counts,
        message,
    }
}

impl Engine {
    /// Reads a source stream's rows, or says why it cannot.
    fn read(&self, job: &IngestSpec) -> Result<BTreeMap<String, Rows>, BatchFailure> {
        let (container, csv) = match &job.source {
            SourceSpec::Primary { platform } => return self.read_primary(job, platform),
            SourceSpec::SqliteSnapshot { container } => (container, false),
            SourceSpec::CsvFiles { container } => (container, true),
            SourceSpec::Transformer { workspace } => {
                return Err(failure!(
                    "`{}` is the output of transformer `{workspace}`, which runs it",
                    job.stream
                ));
            }
            SourceSpec::PostgresCdc { .. } => {
                return Err(failure!(
                    "`{}` follows a PostgreSQL source's changes, read through change data capture",
                    job.stream
                ));
            }
        };
        let Some(path) = self.sources.get(container) else {
            return Err(failure!(
                "source container `{container}` has no local file; map it in the platform's `sources` parameter"
            ));
        };
        job.datasets
            .iter()
            .map(|d| {
                let rows = if csv {
                    source::csv_file(path, d)?
                } else {
                    let conn = self.open_source(path).map_err(|e| {
                        format!("cannot open the source database {}: {e}", path.display())
                    })?;
                    source::sqlite_table(&conn, path, d)?
                };
                Ok((d.dataset.clone(), rows))
            })
            .collect()
    }

    /// Reads a change data capture stream's next batch through the
    /// engine's [`ChangeReader`](super::ChangeReader), from where its last
    /// committed batch left it: a snapshot's rows, or its changes (and no
    /// rows). A batch that could not be read fails with the reason.
    #[allow(clippy::type_complexity, reason = "the rows and the capture")]
    fn read_capture(
        &self,
        job: &IngestSpec,
        progress: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<
        (
            Result<BTreeMap<String, Rows>, BatchFailure>,
            Option<Captured>,
        ),
        EngineError,
    > {
        let Some(reader) = &self.change_reader else {
            return Ok((
                Err(failure!(
                    "`{}` follows a PostgreSQL source's changes, and this engine was given no reader of them: run it with the `datasurface` command line, which reads them",
                    job.stream
                )),
                None,
            ));
        };
        let (from, resync) = {
            let conn = self.open_merge()?;
            if super::capture::resync_asked(&conn, &job.stream)? {
                (None, true)
            } else {
                (super::capture::last_position(&conn, &job.stream)?, false)
            }
        };
        let start = match (&from, resync) {
            (_, true) => super::CaptureFrom::Resync,
            (Some(position), false) => super::CaptureFrom::After(position),
            (None, false) => super::CaptureFrom::First,
        };
        let hint = format!("`datasurface run` with `--resync {}`", job.stream);
        let batch = match reader.read(job, start, &hint) {
            Ok(b) => b,
            Err(e) => return Ok((Err(e), None)),
        };
        for note in &batch.notes {
            progress(RunEvent::Note {
                stream: &job.stream,
                note,
            });
        }
        let slot = match &job.source {
            SourceSpec::PostgresCdc { slot, .. } => slot.clone(),
            _ => String::new(),
        };
        let lineage = datasurface_runtime::lineage::ChangeCapture {
            slot,
            from: batch.read_from.clone(),
            to: batch.read_to.clone(),
            snapshot: matches!(batch.read, super::CaptureRead::Snapshot(_)),
            changes: match &batch.read {
                super::CaptureRead::Changes(c) => c.len() as u64,
                _ => 0,
            },
        };
        let (rows, changes) = match batch.read {
            super::CaptureRead::Snapshot(datasets) => (text_rows(job, datasets), None),
            super::CaptureRead::Changes(changes) => (BTreeMap::new(), Some(changes)),
        };
        Ok((
            Ok(rows),
            Some(Captured {
                position: batch.position,
                changes,
                lineage,
                resync,
            }),
        ))
    }

    /// Reads a mirrored stream: the live rows of the primary ingestion
    /// platform's merge tables, all in one read transaction so that every
    /// dataset comes from the same primary batch. The source is not read.
    fn read_primary(
        &self,
        job: &IngestSpec,
        platform: &str,
    ) -> Result<BTreeMap<String, Rows>, BatchFailure> {
        if !self.primaries.contains_key(platform)
            && let Some(read) = self
                .primary_reader
                .as_ref()
                .and_then(|r| r.live_rows(platform, job))
        {
            return Ok(text_rows(job, read?));
        }
        let Some(path) = self.primaries.get(platform) else {
            return Err(failure!(
                "`{}` is ingested by platform `{platform}` and mirrored from its merge database, which this platform cannot find; map it in the platform's `primaries` parameter (`primaries: {{\"{platform}\": <its state directory>/merge.sqlite}}`)",
                job.stream
            ));
        };
        if !path.is_file() {
            return Err(failure!(
                "platform `{platform}` has not ingested `{}` yet: its merge database {} does not exist; run it first",
                job.stream,
                path.display()
            ));
        }
        let conn = self.open_source(path).map_err(|e| {
            format!(
                "cannot open platform `{platform}`'s merge database {}: {e}",
                path.display()
            )
        })?;
        let read = conn
            .unchecked_transaction()
            .map_err(|e| format!("cannot read platform `{platform}`'s merge database: {e}"))?;
        let rows = job
            .datasets
            .iter()
            .map(|d| Ok((d.dataset.clone(), source::live_rows(&read, path, d)?)))
            .collect();
        drop(read);
        rows
    }

    /// Runs every source stream that is due, then every transformer that is
    /// due, and the ingestion of its output, until nothing more is due.
    /// `progress` hears of each batch as it starts and ends.
    pub fn run_once(
        &self,
        schedules: Schedules,
        progress: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<RunSummary, EngineError> {
        // The run's batches share their connections.
        let _session = self.session();
        let rendering = self.applied()?;
        if rendering.is_empty() {
            return Err(EngineError::State(format!(
                "nothing has been applied in {}; run `datasurface apply` first",
                self.state.display()
            )));
        }
        let ingests: Vec<IngestSpec> = jobs(&rendering, "jobs/ingest/")?;
        let transforms: Vec<TransformSpec> = jobs(&rendering, "jobs/transformer/")?;
        let mut summary = RunSummary::default();
        // Exports a crash left a batch behind catch up first.
        for job in &ingests {
            let later = batch::later_containers(job);
            if !later.is_empty() {
                batch::catch_up(self, job, &later)?;
            }
        }
        let mut due = Vec::new();
        for job in ingests
            .iter()
            .filter(|j| !matches!(j.source, SourceSpec::Transformer { .. }))
        {
            let cron = job.cron.as_deref().filter(|_| schedules == Schedules::Keep);
            match self.scheduled(&job.stream, cron)? {
                None => due.push(job),
                Some(waiting) => summary.waiting.push(waiting),
            }
        }
        progress(RunEvent::Due(due.len()));
        for job in due {
            let o = self.run_stream(job, progress)?;
            summary.streams.push(o);
        }
        // Transformers, until none is due: each pass can make the next one due.
        // One that failed, or that its hook held, waits for the next run.
        let mut settled: Vec<&str> = Vec::new();
        for pass in 0..=transforms.len() {
            let mut any = false;
            for t in &transforms {
                let Some(output) = ingests.iter().find(|j| j.stream == t.output_stream) else {
                    continue;
                };
                if settled.contains(&t.workspace.as_str()) {
                    continue;
                }
                let Some(marks) = self.transformer_due(t, schedules, pass, &mut summary)? else {
                    continue;
                };
                let decision = match &t.hook {
                    None => None,
                    Some(hook) => match self.consult(t, hook, schedules, &mut summary, progress)? {
                        Consulted::Run(decision) => decision,
                        Consulted::Hold => {
                            self.held(t, &summary);
                            settled.push(&t.workspace);
                            continue;
                        }
                    },
                };
                progress(RunEvent::Due(1));
                progress(RunEvent::Started(&output.stream));
                let rows = self.transform(t, output);
                read(&output.stream, &rows, progress);
                let (batch, ended) =
                    batch::ingest(self, output, rows, None, &marks, t.lineage.as_ref())?;
                if let Some(decision) = decision {
                    self.decision_ran(&t.workspace, decision, batch)?;
                }
                let o = outcome(&output.stream, batch, ended);
                progress(RunEvent::Ended(&o));
                if o.status == StreamStatus::Failed {
                    settled.push(&t.workspace);
                }
                summary.streams.push(o);
                any = true;
            }
            if !any {
                break;
            }
        }
        // Hooked groups see new batches when their hook says to deliver them.
        let deliveries: Vec<DeliverySpec> = jobs(&rendering, "jobs/delivery/")?;
        self.deliver_all(&deliveries, &mut summary, progress)?;
        Ok(summary)
    }

    /// Runs one batch of a source stream.
    fn run_stream(
        &self,
        job: &IngestSpec,
        progress: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<StreamOutcome, EngineError> {
        progress(RunEvent::Started(&job.stream));
        let (rows, captured) = match &job.source {
            SourceSpec::PostgresCdc { .. } => self.read_capture(job, progress)?,
            _ => (self.read(job), None),
        };
        read(&job.stream, &rows, progress);
        let (batch, ended) = batch::ingest(
            self,
            job,
            rows,
            captured.as_ref(),
            &[],
            job.lineage.as_ref(),
        )?;
        let o = outcome(&job.stream, batch, ended);
        progress(RunEvent::Ended(&o));
        Ok(o)
    }

    /// Loads change data capture stream `stream` afresh, now: its
    /// replication slot is made again where the source's log is, and a
    /// batch loads a fresh snapshot taken after it began (closing the rows
    /// the source no longer has). What mends a stream whose slot is gone,
    /// or lost changes the source no longer keeps. The ask is recorded
    /// first, so if the run is killed, or the snapshot fails, the stream's
    /// next batch loads the snapshot instead: no change is ever skipped.
    ///
    /// # Errors
    ///
    /// When the stream is not an applied change data capture stream, the
    /// engine has no reader of them, or the merge database cannot be read.
    /// A batch that fails is in the outcome.
    pub fn resync(
        &self,
        stream: &str,
        progress: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<StreamOutcome, EngineError> {
        let _session = self.session();
        let rendering = self.applied()?;
        let ingests: Vec<IngestSpec> = jobs(&rendering, "jobs/ingest/")?;
        let Some(job) = ingests.iter().find(|j| j.stream == stream) else {
            let followed: Vec<&str> = ingests
                .iter()
                .filter(|j| matches!(j.source, SourceSpec::PostgresCdc { .. }))
                .map(|j| j.stream.as_str())
                .collect();
            return Err(EngineError::State(format!(
                "no stream `{stream}` is applied in {}; the change data capture streams: {}",
                self.state.display(),
                if followed.is_empty() {
                    "none".to_owned()
                } else {
                    followed.join(", ")
                }
            )));
        };
        if !matches!(job.source, SourceSpec::PostgresCdc { .. }) {
            return Err(EngineError::State(format!(
                "`{stream}` does not follow a source through change data capture: each of its batches reads the whole source already"
            )));
        }
        let Some(reader) = &self.change_reader else {
            return Err(EngineError::State(format!(
                "`{stream}` follows a PostgreSQL source's changes, and this engine was given no reader of them: run it with the `datasurface` command line"
            )));
        };
        super::capture::ask_resync(&*self.open_merge()?, stream, &self.now())?;
        reader.remake(job).map_err(|e| {
            EngineError::State(format!(
                "`{stream}`'s replication slot could not be made anew ({e}); its next batch loads a fresh snapshot all the same"
            ))
        })?;
        self.run_stream(job, progress)
    }

    /// Tells lineage that a transformer that was due did not run: its hook
    /// held it.
    fn held(&self, t: &TransformSpec, summary: &RunSummary) {
        if let Some(job) = &t.lineage {
            self.aborted(job, &t.workspace, summary);
        }
    }

    /// Sends `job`'s `ABORT`: `workspace`'s hook held it, for the reason
    /// of its last decision.
    pub(super) fn aborted(
        &self,
        job: &datasurface_runtime::lineage::JobLineage,
        workspace: &str,
        summary: &RunSummary,
    ) {
        let why = summary
            .decisions
            .iter()
            .rev()
            .find(|d| d.workspace == workspace)
            .map_or("its hook held it", |d| d.reason.as_str());
        let now = self.now();
        let ids = RunIds {
            run: run_id(&[&job.namespace, &job.name, "held", &now]),
            parent: None,
        };
        self.emit(&lineage::RunEvent::abort(
            job,
            &ids,
            &now,
            &self.places(),
            why,
        ));
    }

    /// `None` if a stream is due by its schedule (or has none, or its last
    /// batch failed); otherwise when it next is.
    pub(super) fn scheduled(
        &self,
        stream: &str,
        cron: Option<&str>,
    ) -> Result<Option<Waiting>, EngineError> {
        let Some(cron) = cron else { return Ok(None) };
        let schedule = schedule(&format!("stream `{stream}`"), cron)?;
        let conn = self.open_merge()?;
        // A failed batch is retried now, not at the next time the schedule fires.
        let last: Option<String> = conn
            .query_row(&SQL.last_status(), [stream], |r| r.get(0))
            .optional()
            .map_err(sql(format!("cannot read the batches of `{stream}`")))?;
        if last.as_deref() == Some("failed") {
            return Ok(None);
        }
        let started: Option<String> = conn
            .query_row(&SQL.last_started(), [stream], |r| r.get(0))
            .map_err(sql(format!("cannot read the batches of `{stream}`")))?;
        let Some(started) = started else {
            return Ok(None);
        };
        let since = chrono::DateTime::parse_from_rfc3339(&started)
            .map_err(|e| {
                EngineError::State(format!(
                    "a batch of `{stream}` records the start time `{started}`, which is not a time ({e})"
                ))
            })?
            .with_timezone(&chrono::Utc);
        let now = (self.clock)();
        if schedule.fired_between(since, now) {
            return Ok(None);
        }
        Ok(Some(Waiting {
            stream: stream.to_owned(),
            next: schedule
                .next_after(since)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        }))
    }

    /// The input marks to record if a transformer is due. A scheduled one is
    /// considered once a run, in the first pass, and runs once.
    fn transformer_due(
        &self,
        t: &TransformSpec,
        schedules: Schedules,
        pass: usize,
        summary: &mut RunSummary,
    ) -> Result<Option<Vec<Mark>>, EngineError> {
        if t.cron.is_some() {
            if pass > 0 {
                return Ok(None);
            }
            let cron = t.cron.as_deref().filter(|_| schedules == Schedules::Keep);
            if let Some(waiting) = self.scheduled(&t.output_stream, cron)? {
                summary.waiting.push(waiting);
                return Ok(None);
            }
        }
        self.inputs(t, t.cron.is_some())
    }

    /// The marks of a transformer's inputs: the latest committed batch of
    /// each. `None` if an input has committed nothing, or (unless `anyway`)
    /// if no input changed rows since the transformer last saw it.
    fn inputs(&self, t: &TransformSpec, anyway: bool) -> Result<Option<Vec<Mark>>, EngineError> {
        let conn = self.open_merge()?;
        let mut marks = Vec::new();
        let mut newer = anyway;
        for input in &t.inputs {
            let Some(latest) = last_committed(&conn, input)? else {
                return Ok(None);
            };
            // A batch that changed nothing does not make the transformer due.
            let changed: Option<i64> =
                conn.query_row(&SQL.last_changed(), [input], |r| r.get(0))
                    .map_err(sql(format!("cannot read the batches of `{input}`")))?;
            let seen: Option<i64> = conn
                .query_row(&SQL.input_seen(), [&t.workspace, input], |r| r.get(0))
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

    /// Runs a transformer's queries in its container's database (read only,
    /// and reading only its input views: see [`sandbox`]), giving the
    /// output's rows by dataset, or why they could not be made.
    fn transform(
        &self,
        t: &TransformSpec,
        output: &IngestSpec,
    ) -> Result<BTreeMap<String, Rows>, BatchFailure> {
        let conn = sandbox(&self.container_path(&t.container), &t.input_views)?;
        bound(&conn, t.timeout());
        let _heap = HeapCap::set(&conn, t.memory_bytes()).map_err(|e| {
            format!(
                "transformer `{}`: cannot bound its memory: {e}",
                t.workspace
            )
        })?;
        let mut budget = t.memory_bytes();
        let mut out = BTreeMap::new();
        for d in &output.datasets {
            let Some((_, query)) = t.queries.iter().find(|(name, _)| *name == d.dataset) else {
                return Err(failure!(
                    "transformer `{}` has no query for its output dataset `{}`",
                    t.workspace,
                    d.dataset
                ));
            };
            let mut stmt = conn.prepare(query).map_err(|e| {
                let mut message = format!(
                    "transformer `{}`, query for `{}`: {e}",
                    t.workspace, d.dataset
                );
                let text = e.to_string();
                if text.contains("prohibited") || text.contains("not authorized") {
                    message.push_str(
                        "; a transformer's query may only read its input views, and writes nothing but its result",
                    );
                }
                if text.contains("no such") || text.contains("prohibited") || text.contains("not authorized") {
                    let views: Vec<String> =
                        t.input_views.iter().map(|v| format!("`{v}`")).collect();
                    message.push_str("; its queries read its inputs as the views ");
                    message.push_str(&views.join(", "));
                    message.push_str(" (`<datastore>_<dataset>`)");
                }
                message
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
            let rows = collect(&mut stmt, &at, &mut budget).map_err(|e| {
                format!(
                    "transformer `{}`, query for `{}`: {}",
                    t.workspace,
                    d.dataset,
                    e.explain(t)
                )
            })?;
            out.insert(d.dataset.clone(), rows);
        }
        Ok(out)
    }
}

/// Why a transformer's rows could not be read.
enum RowsError {
    /// The query failed (interrupted at its time limit, out of SQLite's
    /// heap, or its own error).
    Query(rusqlite::Error),
    /// The result grew past what the limits allow the engine to hold.
    TooLarge,
}

impl RowsError {
    fn explain(&self, t: &TransformSpec) -> String {
        let mib = t.memory_bytes() >> 20;
        match self {
            RowsError::TooLarge => format!(
                "its result is larger than the {mib} MiB its limits allow the engine to hold (`limits: {{memoryMib: …}}` on the transformer)"
            ),
            RowsError::Query(e) => match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::OperationInterrupted) => format!(
                    "{e}; its queries ran longer than the {} s its limits allow (`limits: {{timeoutSeconds: …}}` on the transformer)",
                    t.timeout().as_secs()
                ),
                Some(rusqlite::ErrorCode::OutOfMemory | rusqlite::ErrorCode::TooBig) => format!(
                    "{e}; its queries needed more than the {mib} MiB its limits allow (`limits: {{memoryMib: …}}` on the transformer)"
                ),
                _ => e.to_string(),
            },
        }
    }
}

/// The rows of a prepared query, the columns at `at` in that order, each
/// row's size taken from `budget`: a query whose rows would take more than
/// is left fails with [`RowsError::TooLarge`] as soon as it does, however
/// many rows it would go on to give.
fn collect(
    stmt: &mut rusqlite::Statement<'_>,
    at: &[usize],
    budget: &mut u64,
) -> Result<Rows, RowsError> {
    let mut rows = Rows::default();
    let mut cursor = stmt.query([]).map_err(RowsError::Query)?;
    while let Some(row) = cursor.next().map_err(RowsError::Query)? {
        let mut values = Vec::with_capacity(at.len());
        // The row's vector and each value's own bytes.
        let mut size = std::mem::size_of::<Vec<Value>>() as u64;
        for &i in at {
            let value: Value = row.get(i).map_err(RowsError::Query)?;
            size += std::mem::size_of::<Value>() as u64
                + match &value {
                    Value::Text(t) => t.len() as u64,
                    Value::Blob(b) => b.len() as u64,
                    _ => 0,
                };
            values.push(value);
        }
        *budget = budget.checked_sub(size).ok_or(RowsError::TooLarge)?;
        rows.values.push(values);
    }
    Ok(rows)
}

/// SQLite's heap, capped for the time a transformer's queries run: at its
/// memory limit plus [`HeapCap::ENGINE_MIB`] for the engine's own
/// connections (their page caches). SQLite's cap is the process's, set
/// through a connection of its own (the transformer's may run no
/// `PRAGMA`), and the cap before is put back when this is dropped. A query
/// that needs more fails with "out of memory" instead of the process
/// running out. The longest value the transformer's queries may build (a
/// string or blob) is capped on its connection the same way.
struct HeapCap {
    own: rusqlite::Connection,
    before: i64,
}

impl HeapCap {
    /// What the engine's own connections may hold beside a transformer.
    const ENGINE_MIB: u64 = 1024;

    fn set(transformer: &rusqlite::Connection, memory_bytes: u64) -> rusqlite::Result<Self> {
        let own = rusqlite::Connection::open_in_memory()?;
        let before: i64 = own.query_row("PRAGMA hard_heap_limit", [], |r| r.get(0))?;
        let cap = memory_bytes.saturating_add(Self::ENGINE_MIB << 20);
        let cap = i64::try_from(cap).unwrap_or(i64::MAX);
        own.query_row(&format!("PRAGMA hard_heap_limit = {cap}"), [], |_| Ok(()))?;
        let longest = i32::try_from(memory_bytes).unwrap_or(i32::MAX);
        transformer.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_LENGTH, longest)?;
        Ok(HeapCap { own, before })
    }
}

impl Drop for HeapCap {
    fn drop(&mut self) {
        // Putting the process's cap back cannot be refused for a value it
        // had; if it were, the next transformer sets its own.
        let _ = self.own.query_row(
            &format!("PRAGMA hard_heap_limit = {}", self.before),
            [],
            |_| Ok(()),
        );
    }
}

/// Bounds a transformer's run: its queries are interrupted once `limit`
/// has passed since this call, so no team's query holds the engine (and
/// every other team's streams behind it) for ever. SQLite calls the handler
/// every thousand virtual-machine steps.
fn bound(conn: &rusqlite::Connection, limit: std::time::Duration) {
    let deadline = std::time::Instant::now() + limit;
    conn.progress_handler(1_000, Some(move || std::time::Instant::now() >= deadline));
}

/// A transformer's connection to its container's database: opened read
/// only, with an authorizer that lets its queries read its own input views
/// (and, through them, what they read) and call the functions the gate
/// allows on SQLite (`datasurface_sql::functions`), and refuses everything
/// else: another workspace's tables and views, the schema, recursion,
/// `PRAGMA`, `ATTACH` and any write. A refused query fails with
/// "not authorized".
fn sandbox(
    path: &std::path::Path,
    inputs: &[String],
) -> Result<rusqlite::Connection, BatchFailure> {
    use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
    let conn =
        super::open_read_only(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    // Sorts and intermediate tables stay in memory, under the heap's cap
    // (HeapCap), rather than filling the disk every team shares.
    conn.execute_batch("PRAGMA temp_store = MEMORY")
        .map_err(|e| format!("cannot configure {}: {e}", path.display()))?;
    // A double-quoted name that names no column is never read as text:
    // every name in a rendered query is double-quoted.
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DQS_DML, false)
        .map_err(|e| format!("cannot configure {}: {e}", path.display()))?;
    let allowed: std::collections::BTreeSet<String> =
        inputs.iter().map(|v| v.to_ascii_lowercase()).collect();
    conn.authorizer(Some(move |cx: AuthContext<'_>| {
        let input = |name: &str| allowed.contains(&name.to_ascii_lowercase());
        match cx.action {
            AuthAction::Select => Authorization::Allow,
            // The functions the gate lets a query call on SQLite
            // (`datasurface_sql::functions`), and those of the platform's
            // own input views (`typeof`, for decimals).
            AuthAction::Function { function_name }
                if cx.accessor.is_some_and(input)
                    || function_name.eq_ignore_ascii_case("typeof")
                    || datasurface_sql::functions::function(function_name)
                        .is_some_and(|f| f.runs_on(datasurface_sql::Dialect::Sqlite)) =>
            {
                Authorization::Allow
            }
            AuthAction::Read { table_name, .. }
                if input(table_name) || cx.accessor.is_some_and(input) =>
            {
                Authorization::Allow
            }
            _ => Authorization::Deny,
        }
    }));
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::{HeapCap, RowsError, bound, collect, sandbox};
    use proptest::prelude::*;

    /// A query within what the gate allows that grows without end: the
    /// input joined with itself `fan` times, and what is made of its rows
    /// (every row, one long value, a count, a sort).
    fn growing_query() -> impl Strategy<Value = String> {
        let op = prop_oneof![Just(" + "), Just(" || "), Just(" * ")];
        let result = prop_oneof![
            Just("SELECT v AS id FROM n"),
            Just("SELECT group_concat(v) AS id FROM n"),
            Just("SELECT count(DISTINCT v) AS id FROM n"),
            Just("SELECT v AS id FROM n ORDER BY v DESC"),
        ];
        let end = prop_oneof![Just(""), Just(" LIMIT 1000000")];
        (2..6usize, op, result, end).prop_map(|(fan, op, result, end)| {
            let aliases = &["a", "b", "c", "d", "e", "f"][..fan];
            // Every joined input's column is read: the authorizer allows
            // a read of an input by its columns.
            let value: Vec<String> = aliases.iter().map(|a| format!("{a}.x")).collect();
            let joined: Vec<String> = aliases.iter().map(|a| format!("input {a}")).collect();
            format!(
                "WITH n(v) AS (SELECT {} FROM {}{end}) {result}",
                value.join(op),
                joined.join(" CROSS JOIN ")
            )
        })
    }

    /// Recursion and functions beyond the gate's list are refused by the
    /// authorizer, as the gate refuses them.
    #[test]
    fn recursion_and_unlisted_functions_are_not_authorized() {
        let dir = std::env::temp_dir().join(format!("ds-authorizer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("container.sqlite");
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "CREATE TABLE IF NOT EXISTS t(x); CREATE VIEW IF NOT EXISTS input AS SELECT x FROM t;",
        )
        .unwrap();
        drop(c);
        let conn = sandbox(&db, &["input".to_owned()]).unwrap();
        for query in [
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
            "SELECT randomblob(10) FROM input",
            "SELECT load_extension('x') FROM input",
            "SELECT \"x\" || \"no such column\" FROM input",
        ] {
            assert!(conn.prepare(query).is_err(), "{query}");
        }
        assert!(
            conn.prepare("SELECT upper(x), count(*) FROM input GROUP BY x")
                .is_ok()
        );
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever a growing query does, the transformer's run ends in
        /// its rows or its error, within its time and memory: the process
        /// never runs out of memory.
        #[test]
        fn any_growing_query_ends_within_the_limits(query in growing_query()) {
            let dir = std::env::temp_dir().join(format!("ds-growing-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let db = dir.join("container.sqlite");
            if !db.exists() {
                let c = rusqlite::Connection::open(&db).unwrap();
                c.execute_batch("CREATE TABLE IF NOT EXISTS t(x); CREATE VIEW IF NOT EXISTS input AS SELECT x FROM t; WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 1000) INSERT INTO t SELECT i FROM g;").unwrap();
            }
            let conn = sandbox(&db, &["input".to_owned()]).unwrap();
            bound(&conn, std::time::Duration::from_secs(1));
            let memory = 8 << 20;
            let _cap = HeapCap::set(&conn, memory).unwrap();
            let mut budget = memory;
            let started = std::time::Instant::now();
            let outcome = conn
                .prepare(&query)
                .map_err(RowsError::Query)
                .and_then(|mut stmt| collect(&mut stmt, &[0], &mut budget));
            match outcome {
                Ok(rows) => prop_assert!(!rows.values.is_empty()),
                Err(RowsError::TooLarge) => prop_assert_eq!(budget, budget.min(memory)),
                Err(RowsError::Query(e)) => prop_assert!(
                    matches!(
                        e.sqlite_error_code(),
                        Some(rusqlite::ErrorCode::OperationInterrupted
                            | rusqlite::ErrorCode::OutOfMemory
                            | rusqlite::ErrorCode::TooBig)
                    ),
                    "{query}: {e}"
                ),
            }
            prop_assert!(started.elapsed() < std::time::Duration::from_secs(20), "{query}");
            drop(conn);
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
