//! One batch of one ingestion stream, through the states of `batch_metrics`:
//! `started` (a number taken) → `staged` (every dataset's rows in staging) →
//! `merged` (the merge tables changed, with the counts) → `committed`; or
//! `failed` with the reason. Each step is one transaction, so a runner killed
//! anywhere leaves the batch at the last step it finished, and the next runner
//! carries on from there: nothing lost, nothing counted twice.

use super::{BatchFailure, failure};
use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;

use super::lineage::{Lineage, Run};
use super::{JobError, Login, Merge, MergeDatabase, errors};
use super::{cdc, sources};
use crate::spec::{CdcSpec, INGEST, IngestSpec};
use crate::sql::{COMMITTED, FAILED, MERGED, STAGED, STARTED};
use crate::statements::Statements;
use datasurface_runtime::lineage::{ChangeCapture, DatasetOutcome, Outcome};
use datasurface_runtime::quality::{self, Parameter, QualityResult};
use datasurface_runtime::state::{BATCH_METRICS, BatchStatus, UnknownStatus};

/// What the DAG asks of the job, checked against the stored spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestOptions {
    /// The spec hash the DAG was rendered with (`--spec`); none runs whatever is applied.
    pub spec: Option<String>,
    /// Whether the DAG says closed versions are kept (`--keep-history`/`--live-only`).
    pub keep_history: Option<bool>,
    /// The primary ingestion platform the DAG says the stream mirrors
    /// (`--from-platform`); none for a stream it ingests from the source.
    pub from_platform: Option<String>,
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchOutcome {
    /// The stream.
    pub stream: String,
    /// The batch.
    pub batch: i32,
    /// Rows read from the source (staged).
    pub read: i64,
    /// Rows inserted (new keys).
    pub inserted: i64,
    /// Rows updated (a new version of a key).
    pub updated: i64,
    /// Rows deleted (keys gone from a snapshot).
    pub deleted: i64,
    /// Whether this run finished a batch an earlier runner left unfinished, and at which state.
    pub resumed_from: Option<String>,
}

/// Each dataset's last watermark, by dataset.
type Watermarks = BTreeMap<String, String>;

impl std::fmt::Display for BatchOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stream `{}`: batch {} committed: {} rows read, +{} ~{} -{}",
            self.stream, self.batch, self.read, self.inserted, self.updated, self.deleted
        )?;
        if let Some(state) = &self.resumed_from {
            write!(f, " (finished a batch left {state})")?;
        }
        Ok(())
    }
}

/// Runs one batch of `stream` (or finishes the one left unfinished).
/// `login` resolves a source credential by name; `log` hears each step;
/// `lineage` hears the batch's OpenLineage events.
pub(crate) fn ingest(
    db: &MergeDatabase,
    stream: &str,
    options: &IngestOptions,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
    log: &mut dyn FnMut(&str),
    lineage: Lineage<'_>,
) -> Result<BatchOutcome, JobError> {
    let mut merge_db = Merge::open(db)?;
    let (spec, hash): (IngestSpec, String) =
        merge_db.spec(INGEST, stream, options.spec.as_deref())?;
    if let Some(keep) = options.keep_history
        && keep != spec.keep_history
    {
        return Err(JobError::not_applied(format!(
            "the DAG says stream `{stream}` {} closed row versions, but its applied spec says it {}: apply the model the DAGs were rendered from",
            if keep { "keeps" } else { "purges" },
            if spec.keep_history { "keeps" } else { "purges" },
        )));
    }
    let mirrors = match &spec.source {
        crate::spec::SourceSpec::SqlitePrimary { platform, .. }
        | crate::spec::SourceSpec::AirflowPrimary { platform, .. } => Some(platform.as_str()),
        _ => None,
    };
    if options.from_platform.as_deref() != mirrors {
        let said = |p: Option<&str>| match p {
            Some(p) => format!("mirrors it from platform `{p}`"),
            None => "ingests it from its source".to_owned(),
        };
        return Err(JobError::not_applied(format!(
            "the DAG of stream `{stream}` {}, but its applied spec {}: apply the model the DAGs were rendered from",
            said(options.from_platform.as_deref()),
            said(mirrors),
        )));
    }
    merge_db.lock("ingest", stream)?;
    Batch {
        db: merge_db,
        spec,
        hash,
        started: Instant::now(),
        source: cdc::Session::default(),
    }
    .run(login, log, lineage)
}

/// Restarts change data capture stream `stream` from a fresh snapshot,
/// for a slot that is gone, lost changes, or holds more of the source's log
/// than its platform allows: marks a batch as the snapshot (the stream's
/// lock held), remakes the slot where the source's log is now (no lock
/// held: making a slot waits for every transaction on the source's
/// server), then runs that batch. A run killed anywhere leaves the marked
/// batch, which the next `job ingest` finishes as a snapshot.
pub(crate) fn resync(
    db: &MergeDatabase,
    stream: &str,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
    log: &mut dyn FnMut(&str),
    lineage: Lineage<'_>,
) -> Result<BatchOutcome, JobError> {
    let spec = {
        let mut merge_db = Merge::open(db)?;
        let (spec, hash): (IngestSpec, String) = merge_db.spec(INGEST, stream, None)?;
        if cdc::of(&spec).is_none() {
            return Err(JobError::settings(format!(
                "stream `{stream}` does not capture changes: `job resync` restarts a change data capture stream from a snapshot (this stream's batches read its source whole, or from a watermark, already)"
            )));
        }
        merge_db.lock("ingest", stream)?;
        let mut batch = Batch {
            db: merge_db,
            spec,
            hash,
            started: Instant::now(),
            source: cdc::Session::default(),
        };
        let marked = match batch.last()? {
            Some(last) if last.status == BatchStatus::Started => last.batch,
            Some(last) if !last.status.is_finished() => {
                return Err(JobError::not_applied(format!(
                    "stream `{stream}`: batch {} was left {} and holds changes it read: finish it first (`datasurface job ingest --stream {stream}`), then resync",
                    last.batch, last.status
                )));
            }
            _ => batch.start()?,
        };
        batch.mark_resync(marked)?;
        log(&format!(
            "stream `{stream}`: batch {marked} will load a fresh snapshot"
        ));
        batch.spec
    };
    cdc::remake_slot(&spec, login).map_err(|e| JobError::Database {
        context: format!("stream `{stream}`: its source"),
        message: format!("{e} (the batch marked for the snapshot waits: run `job resync` again)"),
    })?;
    if let Some(c) = cdc::of(&spec) {
        log(&format!(
            "stream `{stream}`: replication slot `{}` made anew",
            c.slot
        ));
    }
    ingest(db, stream, &IngestOptions::default(), login, log, lineage)
}

/// The key of a batch's state that marks it as a fresh snapshot.
const RESYNC: &str = "resync";

struct Batch {
    db: Merge,
    spec: IngestSpec,
    hash: String,
    started: Instant,
    /// A change data capture batch's session on its source.
    source: cdc::Session,
}

/// The state of a stream's last batch.
struct Last {
    batch: i32,
    status: BatchStatus,
}

impl Batch {
    fn metrics(&self) -> String {
        self.db.table(BATCH_METRICS)
    }

    fn setup(&self, e: &postgres::Error) -> JobError {
        JobError::database(
            format!("stream `{}`: the merge database", self.spec.stream),
            e,
        )
    }

    /// The stream's latest batch (its latest committed one, if `committed`): `columns` of its row.
    fn latest(
        &mut self,
        columns: &str,
        committed: bool,
    ) -> Result<Option<postgres::Row>, postgres::Error> {
        let filter = if committed {
            format!(" AND status = '{}'", BatchStatus::Committed)
        } else {
            String::new()
        };
        let q = format!(
            "SELECT {columns} FROM {} WHERE stream_key = $1{filter} ORDER BY batch_id DESC LIMIT 1",
            self.metrics()
        );
        self.db.client.query_opt(&q, &[&self.spec.stream])
    }

    fn last(&mut self) -> Result<Option<Last>, JobError> {
        let row = self
            .latest("batch_id, status", false)
            .map_err(|e| self.setup(&e))?;
        let Some(row) = row else { return Ok(None) };
        let status: String = row.get(1);
        let status = status
            .parse()
            .map_err(|e: UnknownStatus| JobError::Database {
                context: format!(
                    "stream `{}`: the merge database's `{BATCH_METRICS}`",
                    self.spec.stream
                ),
                message: e.to_string(),
            })?;
        Ok(Some(Last {
            batch: row.get(0),
            status,
        }))
    }

    /// The watermarks the last committed batch left, by dataset.
    fn watermarks(&mut self) -> Result<Watermarks, JobError> {
        let row = self.latest("state", true).map_err(|e| self.setup(&e))?;
        let state: Option<serde_json::Value> = row.and_then(|r| r.get(0));
        Ok(state
            .and_then(|s| s.get("watermarks").cloned())
            .and_then(|w| serde_json::from_value(w).ok())
            .unwrap_or_default())
    }

    fn start(&mut self) -> Result<i32, JobError> {
        let counter = self.db.table("batch_counter");
        let metrics = self.metrics();
        let stream = self.spec.stream.clone();
        let hash = self.hash.clone();
        let mut tx = self
            .db
            .client
            .transaction()
            .map_err(|e| JobError::database("the merge database", &e))?;
        let batch: i32 = tx
            .query_one(
                &format!(
                    "INSERT INTO {counter} AS c (stream_key, current_batch) VALUES ($1, 1) \
                     ON CONFLICT (stream_key) DO UPDATE SET current_batch = c.current_batch + 1 \
                     RETURNING current_batch"
                ),
                &[&stream],
            )
            .map_err(|e| JobError::database("the merge database", &e))?
            .get(0);
        tx.execute(
            &format!(
                "INSERT INTO {metrics} (stream_key, batch_id, batch_start, status, spec_hash) \
                 VALUES ($1, $2, now(), '{STARTED}', $3)"
            ),
            &[&stream, &batch, &hash],
        )
        .map_err(|e| JobError::database("the merge database", &e))?;
        tx.commit()
            .map_err(|e| JobError::database("the merge database", &e))?;
        Ok(batch)
    }

    fn run(
        mut self,
        login: &dyn Fn(&str) -> Result<Login, JobError>,
        log: &mut dyn FnMut(&str),
        lineage: Lineage<'_>,
    ) -> Result<BatchOutcome, JobError> {
        let stream = self.spec.stream.clone();
        let (batch, state, resumed_from) = match self.last()? {
            Some(last) if !last.status.is_finished() => {
                log(&format!(
                    "stream `{stream}`: batch {} was left {}; finishing it",
                    last.batch, last.status
                ));
                (last.batch, last.status, Some(last.status.to_string()))
            }
            _ => {
                let batch = self.start()?;
                log(&format!("stream `{stream}`: batch {batch} started"));
                (batch, BatchStatus::Started, None)
            }
        };
        // The batch's events: `START` (or `RUNNING` for a batch another
        // runner left), then `COMPLETE` once it has committed, or `FAIL`.
        let (job, source) = (self.spec.lineage.clone(), self.spec.source.clone());
        let run = Run::of(
            lineage,
            &mut self.db,
            job.as_ref(),
            Some(&source),
            (&stream, batch),
        );
        if let Some(run) = &run {
            run.begin(&mut self.db, resumed_from.is_some());
        }
        let ended = self.finish(batch, state, resumed_from, login, log);
        if let Some(run) = &run {
            let outcome = match &ended {
                Ok(done) => self.lineage_outcome(done),
                Err(JobError::BatchFailed { message, .. }) => Outcome::failed(message.clone()),
                Err(other) => Outcome::failed(other.to_string()),
            };
            run.end(&mut self.db, &outcome);
        }
        ended
    }

    /// What lineage is told of a committed batch: each dataset's counts,
    /// as its staging and merge kept them in the batch's state (a batch an
    /// older runner began has the stream's counts alone, which are told
    /// for the dataset of a stream of one).
    fn lineage_outcome(&mut self, done: &BatchOutcome) -> Outcome {
        let n = |v: i64| u64::try_from(v).unwrap_or_default();
        let state: Option<serde_json::Value> = self
            .db
            .client
            .query_opt(
                &format!(
                    "SELECT state FROM {} WHERE stream_key = $1 AND batch_id = $2",
                    self.metrics()
                ),
                &[&self.spec.stream, &done.batch],
            )
            .ok()
            .flatten()
            .and_then(|r| r.get(0));
        // The `warn` rules the batch broke, as its merge kept them.
        let broken = |d: &str| -> Vec<String> {
            state
                .as_ref()
                .and_then(|s| s.get("broken")?.get(d)?.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        };
        let kept = |d: &str| {
            let state = state.as_ref()?;
            let read = state.get("read")?.get(d)?.as_u64()?;
            let changed = state.get("changed")?.get(d)?;
            let at = |i: usize| changed.get(i).and_then(serde_json::Value::as_u64);
            Some(DatasetOutcome {
                read,
                inserted: at(0)?,
                updated: at(1)?,
                deleted: at(2)?,
                broken: broken(d),
            })
        };
        let store = &self.spec.datastore;
        let mut datasets: Vec<(String, DatasetOutcome)> = self
            .spec
            .datasets
            .iter()
            .filter_map(|d| Some((format!("{store}.{}", d.dataset), kept(&d.dataset)?)))
            .collect();
        if let ([only], true) = (self.spec.datasets.as_slice(), datasets.is_empty()) {
            datasets.push((
                format!("{store}.{}", only.dataset),
                DatasetOutcome {
                    read: n(done.read),
                    inserted: n(done.inserted),
                    updated: n(done.updated),
                    deleted: n(done.deleted),
                    broken: broken(&only.dataset),
                },
            ));
        }
        let change_capture = cdc::of(&self.spec).and_then(|c| {
            let position: cdc::Position =
                serde_json::from_value(state.as_ref()?.get("cdc")?.clone()).ok()?;
            Some(ChangeCapture {
                slot: c.slot.clone(),
                from: position.read_from,
                to: position.advance_to,
                snapshot: position.loaded_snapshot,
                changes: n(done.read),
            })
        });
        let outcome = Outcome::committed(datasets);
        match change_capture {
            Some(capture) => outcome.with_change_capture(capture),
            None => outcome,
        }
    }

    /// Takes batch `batch` from `state` to committed.
    fn finish(
        &mut self,
        batch: i32,
        mut state: BatchStatus,
        resumed_from: Option<String>,
        login: &dyn Fn(&str) -> Result<Login, JobError>,
        log: &mut dyn FnMut(&str),
    ) -> Result<BatchOutcome, JobError> {
        let stream = self.spec.stream.clone();
        let fail = |this: &mut Self, failure: BatchFailure| -> JobError {
            let message = failure.to_string();
            this.record_failure(batch, &message);
            JobError::BatchFailed {
                name: stream.clone(),
                batch,
                message,
            }
        };
        if state == BatchStatus::Started {
            match self.stage(batch, login, log) {
                Ok(rows) => log(&format!(
                    "stream `{stream}`: batch {batch} staged {rows} rows"
                )),
                Err(message) => return Err(fail(self, message)),
            }
            state = BatchStatus::Staged;
        }
        if state == BatchStatus::Staged {
            match self.merge(batch) {
                Ok(changes) => self.refresh_statistics(&changes, log),
                Err(message) => return Err(fail(self, message)),
            }
        }
        self.commit(batch).map_err(|message| fail(self, message))?;
        if cdc::of(&self.spec).is_some() {
            // The slot goes past what the batch merged; if it cannot now,
            // the next batch still starts after it, and moves it.
            let advanced = self.cdc_position(Some(batch)).and_then(|p| {
                p.map_or(Ok(()), |p| {
                    cdc::advance(&self.spec, &p, &mut self.source, login)
                })
            });
            if let Err(why) = advanced {
                log(&format!(
                    "stream `{stream}`: batch {batch} committed, but its replication slot was not told yet ({why}); the next batch starts after it all the same, and tells it"
                ));
            }
        }
        let outcome = self.outcome(batch, resumed_from)?;
        log(&format!(
            "{outcome} in {:.1} s",
            self.started.elapsed().as_secs_f64()
        ));
        Ok(outcome)
    }

    /// Records a failure in its own transaction (the failed one is rolled back).
    fn record_failure(&mut self, batch: i32, message: &str) {
        let q = format!(
            "UPDATE {} SET status = '{FAILED}', batch_end = now(), message = $3, \
             seconds = extract(epoch FROM now() - batch_start) WHERE stream_key = $1 AND batch_id = $2",
            self.metrics()
        );
        let _ = self
            .db
            .client
            .execute(&q, &[&self.spec.stream, &batch, &message]);
    }

    /// Reads every dataset into staging, in one transaction.
    fn stage(
        &mut self,
        batch: i32,
        login: &dyn Fn(&str) -> Result<Login, JobError>,
        log: &mut dyn FnMut(&str),
    ) -> Result<i64, BatchFailure> {
        if let Some(cdc) = cdc::of(&self.spec).cloned() {
            return self.stage_changes(batch, &cdc, login, log);
        }
        let marks = self.watermarks().map_err(BatchFailure::from_error)?;
        // A whole snapshot from a source (a transformer's output may be empty).
        let snapshot = match &self.spec.source {
            crate::spec::SourceSpec::Postgres { watermark, .. } => watermark.is_none(),
            crate::spec::SourceSpec::Transformer { .. } => false,
            _ => true,
        };
        let mut source = sources::open(&self.spec.source, login)?;
        let metrics = self.metrics();
        let mut tx = self.db.client.transaction().map_err(|e| errors::text(&e))?;
        let mut total = 0u64;
        let mut next_marks = serde_json::Map::new();
        let mut read = serde_json::Map::new();
        for d in &self.spec.datasets {
            tx.batch_execute(&format!("TRUNCATE {}", d.staging_table))
                .map_err(|e| format!("dataset `{}`: {}", d.dataset, errors::text(&e)))?;
            let staged =
                source.stage(&mut tx, d, batch, marks.get(&d.dataset).map(String::as_str))?;
            if snapshot {
                refuse_an_empty_snapshot(&mut tx, d, staged.rows)?;
            }
            if staged.rows > 0 {
                // Fresh statistics for the merge that follows: the staging
                // table's last ones describe the previous batch.
                tx.batch_execute(&Statements::postgres().analyze(&d.staging_table))
                    .map_err(|e| format!("dataset `{}`: {}", d.dataset, errors::text(&e)))?;
            }
            total += staged.rows;
            read.insert(d.dataset.clone(), json!(staged.rows));
            if let Some(mark) = staged.watermark {
                next_marks.insert(d.dataset.clone(), json!(mark));
            }
        }
        source.close();
        let total = i64::try_from(total).unwrap_or(i64::MAX);
        // Each dataset's rows as well as the stream's, for its lineage.
        let state = json!({ "watermarks": next_marks, "read": read });
        tx.execute(
            &format!(
                "UPDATE {metrics} SET status = '{STAGED}', rows_total = $3, state = $4 \
                 WHERE stream_key = $1 AND batch_id = $2"
            ),
            &[&self.spec.stream, &batch, &total, &state],
        )
        .map_err(|e| errors::text(&e))?;
        tx.commit().map_err(|e| errors::text(&e))?;
        Ok(total)
    }

    /// Where the stream's change data capture stood after batch `batch`
    /// (its latest committed one when `None`), as its state keeps it.
    fn cdc_position(&mut self, batch: Option<i32>) -> Result<Option<cdc::Position>, BatchFailure> {
        let row = match batch {
            Some(batch) => self.db.client.query_opt(
                &format!(
                    "SELECT state FROM {} WHERE stream_key = $1 AND batch_id = $2",
                    self.metrics()
                ),
                &[&self.spec.stream, &batch],
            ),
            None => self.latest("state", true),
        }
        .map_err(|e| errors::text(&e))?;
        let state: Option<serde_json::Value> = row.and_then(|r| r.get(0));
        match state.and_then(|s| s.get("cdc").cloned()) {
            Some(position) => serde_json::from_value(position).map(Some).map_err(|e| {
                failure!("the stream's change data capture position cannot be read: {e}")
            }),
            None => Ok(None),
        }
    }

    /// Stages a change data capture batch, in one transaction: the changes
    /// since the last batch (or the first batch's snapshot), and where the
    /// slot may go once the batch commits.
    fn stage_changes(
        &mut self,
        batch: i32,
        cdc: &CdcSpec,
        login: &dyn Fn(&str) -> Result<Login, JobError>,
        log: &mut dyn FnMut(&str),
    ) -> Result<i64, BatchFailure> {
        let resync = self.resyncing(batch)?;
        let start = if resync {
            cdc::Start::Resync
        } else {
            self.cdc_position(None)?
                .map_or(cdc::Start::First, cdc::Start::Last)
        };
        let metrics = self.metrics();
        let spec = self.spec.clone();
        let mut tx = self.db.client.transaction().map_err(|e| errors::text(&e))?;
        let mut target = cdc::MergeDb {
            tx: &mut tx,
            cdc,
            batch,
        };
        let staged = cdc::stage(&mut target, &spec, cdc, start, &mut self.source, login)?;
        for note in &staged.notes {
            log(&format!("stream `{}`: {note}", spec.stream));
        }
        if staged.position.loaded_snapshot {
            for d in &spec.datasets {
                let rows = staged.read.get(&d.dataset).copied().unwrap_or(0);
                refuse_an_empty_snapshot(&mut tx, d, rows)?;
            }
        }
        let total = i64::try_from(staged.rows).unwrap_or(i64::MAX);
        let mut state = json!({ "cdc": staged.position, "read": staged.read });
        if resync {
            state[RESYNC] = json!(true);
        }
        tx.execute(
            &format!(
                "UPDATE {metrics} SET status = '{STAGED}', rows_total = $3, state = $4 \
                 WHERE stream_key = $1 AND batch_id = $2"
            ),
            &[&spec.stream, &batch, &total, &state],
        )
        .map_err(|e| errors::text(&e))?;
        tx.commit().map_err(|e| errors::text(&e))?;
        Ok(total)
    }

    /// Whether batch `batch` is a change data capture stream's fresh
    /// snapshot, as `job resync` marked it.
    fn resyncing(&mut self, batch: i32) -> Result<bool, BatchFailure> {
        let row = self
            .db
            .client
            .query_opt(
                &format!(
                    "SELECT coalesce((state ->> '{RESYNC}')::boolean, false) FROM {} \
                     WHERE stream_key = $1 AND batch_id = $2",
                    self.metrics()
                ),
                &[&self.spec.stream, &batch],
            )
            .map_err(|e| errors::text(&e))?;
        Ok(row.is_some_and(|r| r.get(0)))
    }

    /// Marks batch `batch` as a fresh snapshot (`job resync`).
    fn mark_resync(&mut self, batch: i32) -> Result<(), JobError> {
        let q = format!(
            "UPDATE {} SET state = coalesce(state, '{{}}'::jsonb) || '{{\"{RESYNC}\": true}}'::jsonb \
             WHERE stream_key = $1 AND batch_id = $2",
            self.metrics()
        );
        self.db
            .client
            .execute(&q, &[&self.spec.stream, &batch])
            .map(|_| ())
            .map_err(|e| self.setup(&e))
    }

    /// Gathers statistics on the merge tables a batch changed in large part
    /// (see [`needs_statistics`]), after the merge committed, so the next
    /// batch's merge is planned on today's row counts. A failure here loses
    /// nothing: it is logged and the batch goes on.
    fn refresh_statistics(&mut self, changes: &[(usize, u64)], log: &mut dyn FnMut(&str)) {
        // A quiet batch asks the database nothing.
        for &(i, changed) in changes.iter().filter(|(_, changed)| *changed > 0) {
            let Some(d) = self.spec.datasets.get(i) else {
                continue;
            };
            let estimated = self
                .db
                .client
                .query_one(&Statements::postgres().estimated_rows(), &[&d.merge_table])
                .and_then(|row| row.try_get::<_, f32>(0));
            let result = match estimated {
                Ok(rows) if needs_statistics(changed, rows) => self
                    .db
                    .client
                    .batch_execute(&Statements::postgres().analyze(&d.merge_table)),
                Ok(_) => Ok(()),
                Err(e) => Err(e),
            };
            if let Err(e) = result {
                log(&format!(
                    "stream `{}`: dataset `{}`: statistics not refreshed: {}",
                    self.spec.stream,
                    d.dataset,
                    errors::text(&e)
                ));
            }
        }
    }

    /// Merges every dataset's staged rows, in one transaction; says how
    /// many rows of each dataset's merge table it changed, by its index in
    /// the spec.
    fn merge(&mut self, batch: i32) -> Result<Vec<(usize, u64)>, BatchFailure> {
        let snapshot = match &self.spec.source {
            crate::spec::SourceSpec::Postgres { watermark, .. } => watermark.is_none(),
            _ => true,
        };
        // A change data capture batch merges its changes, unless it is the
        // first, which loaded a snapshot.
        let cdc_batch = match cdc::of(&self.spec).cloned() {
            Some(cdc) => self
                .cdc_position(Some(batch))?
                .filter(|p| !p.loaded_snapshot)
                .map(|p| (cdc, p)),
            None => None,
        };
        let metrics = self.metrics();
        let schema = self.db.schema.clone();
        // A stream that stopped keeping history purges what it kept once, when its spec changes.
        let spec_changed = self
            .latest("spec_hash", true)
            .map_err(|e| errors::text(&e))?
            .and_then(|r| r.get::<_, Option<String>>(0))
            .as_deref()
            != Some(self.hash.as_str());
        let mut tx = self.db.client.transaction().map_err(|e| errors::text(&e))?;
        let (mut inserted, mut updated, mut deleted) = (0u64, 0u64, 0u64);
        let mut touched = Vec::with_capacity(self.spec.datasets.len());
        let mut by_dataset = serde_json::Map::new();
        for (i, d) in self.spec.datasets.iter().enumerate() {
            let at = |e: postgres::Error| {
                format!("dataset `{}`: merging: {}", d.dataset, errors::text(&e))
            };
            let (changed, gone, opened) = if let Some((cdc, position)) = &cdc_batch {
                let columns = position
                    .columns
                    .get(&d.dataset)
                    .cloned()
                    .unwrap_or_default();
                merge_changes(&mut tx, d, cdc, &columns, self.spec.keep_history, batch)?
            } else {
                let s = Statements::postgres().merge(d, self.spec.keep_history, snapshot);
                let changed = tx.execute(&s.close_changed, &[&batch]).map_err(at)?;
                let gone = match &s.close_deleted {
                    Some(q) => tx.execute(q, &[&batch]).map_err(at)?,
                    None => 0,
                };
                let opened = tx.execute(&s.open_new, &[&batch]).map_err(at)?;
                (changed, gone, opened)
            };
            deleted += gone;
            updated += changed;
            inserted += opened.saturating_sub(changed);
            by_dataset.insert(
                d.dataset.clone(),
                json!([opened.saturating_sub(changed), changed, gone]),
            );
            touched.push((i, changed + gone + opened));
            if !self.spec.keep_history && spec_changed {
                tx.execute(&Statements::postgres().purge_closed(d), &[])
                    .map_err(at)?;
            }
            if let (true, Some(days)) = (self.spec.keep_history, self.spec.retention_days) {
                tx.execute(
                    &Statements::postgres().purge_expired(d, &schema, days),
                    &[&self.spec.stream],
                )
                .map_err(at)?;
            }
        }
        // Before the merge commits (and its views show it): a batch that
        // breaks a `fail` rule rolls back whole when `tx` drops.
        let judged = judge_quality(&mut tx, &self.spec, batch)?;
        // The `warn` rules it broke: by dataset for lineage, and as the
        // batch's message for `status`.
        let broken: serde_json::Map<String, serde_json::Value> = self
            .spec
            .datasets
            .iter()
            .map(|d| (d.dataset.clone(), quality::broken(&judged, &d.dataset)))
            .filter(|(_, rules)| !rules.is_empty())
            .map(|(d, rules)| (d, json!(rules)))
            .collect();
        let message = quality::warnings(&judged);
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        tx.execute(
            &format!(
                "UPDATE {metrics} SET status = '{MERGED}', rows_inserted = $3, rows_updated = $4, rows_deleted = $5, \
                 message = $8, state = coalesce(state, '{{}}'::jsonb) || jsonb_build_object('changed', $6::jsonb, 'broken', $7::jsonb) \
                 WHERE stream_key = $1 AND batch_id = $2"
            ),
            &[
                &self.spec.stream,
                &batch,
                &n(inserted),
                &n(updated),
                &n(deleted),
                &serde_json::Value::Object(by_dataset),
                &serde_json::Value::Object(broken),
                &message,
            ],
        )
        .map_err(|e| errors::text(&e))?;
        tx.commit()
            .map_err(|e| BatchFailure::from(errors::text(&e)))?;
        Ok(touched)
    }

    /// Ends the batch: its exports are views over the merge tables, current
    /// as soon as the merge commits; staging is emptied.
    fn commit(&mut self, batch: i32) -> Result<(), BatchFailure> {
        let metrics = self.metrics();
        let mut tx = self.db.client.transaction().map_err(|e| errors::text(&e))?;
        for d in &self.spec.datasets {
            tx.batch_execute(&format!("TRUNCATE {}", d.staging_table))
                .map_err(|e| errors::text(&e))?;
        }
        if let Some(cdc) = cdc::of(&self.spec) {
            tx.batch_execute(&format!("TRUNCATE {}", cdc.changes_table))
                .map_err(|e| errors::text(&e))?;
        }
        tx.execute(
            &format!(
                "UPDATE {metrics} SET status = '{COMMITTED}', batch_end = now(), \
                 seconds = extract(epoch FROM now() - batch_start) WHERE stream_key = $1 AND batch_id = $2"
            ),
            &[&self.spec.stream, &batch],
        )
        .map_err(|e| errors::text(&e))?;
        tx.commit()
            .map_err(|e| BatchFailure::from(errors::text(&e)))
    }

    fn outcome(
        &mut self,
        batch: i32,
        resumed_from: Option<String>,
    ) -> Result<BatchOutcome, JobError> {
        let q = format!(
            "SELECT rows_total, rows_inserted, rows_updated, rows_deleted FROM {} WHERE stream_key = $1 AND batch_id = $2",
            self.metrics()
        );
        let row = self
            .db
            .client
            .query_one(&q, &[&self.spec.stream, &batch])
            .map_err(|e| self.setup(&e))?;
        Ok(BatchOutcome {
            stream: self.spec.stream.clone(),
            batch,
            read: row.get(0),
            inserted: row.get(1),
            updated: row.get(2),
            deleted: row.get(3),
            resumed_from,
        })
    }
}

/// Refuses a snapshot of dataset `d` that staged no rows while rows are
/// live from the last batch (unless the dataset allows it): an empty source
/// is more often broken than emptied.
fn refuse_an_empty_snapshot(
    tx: &mut postgres::Transaction<'_>,
    d: &crate::spec::DatasetSpec,
    staged: u64,
) -> Result<(), BatchFailure> {
    if staged > 0 || d.allow_empty {
        return Ok(());
    }
    let live: i64 = tx
        .query_one(&Statements::postgres().live_rows(d), &[])
        .and_then(|row| row.try_get(0))
        .map_err(|e| format!("dataset `{}`: {}", d.dataset, errors::text(&e)))?;
    if live > 0 {
        return Err(BatchFailure::empty_snapshot(&d.dataset, live));
    }
    Ok(())
}

/// Runs every dataset's quality statements on the merged batch, before it
/// commits: each rule's result, by dataset, or the first `fail` rule broken.
fn judge_quality(
    tx: &mut postgres::Transaction<'_>,
    spec: &crate::spec::IngestSpec,
    batch: i32,
) -> Result<Vec<(String, QualityResult)>, BatchFailure> {
    let mut results = Vec::new();
    for d in &spec.datasets {
        for check in &d.quality {
            let at = |e: postgres::Error| {
                format!(
                    "dataset `{}`: checking quality rule `{}`: {}",
                    d.dataset,
                    check.name,
                    errors::text(&e)
                )
            };
            let oldest;
            let params: Vec<&(dyn postgres::types::ToSql + Sync)> = match check.parameter {
                Parameter::None => Vec::new(),
                Parameter::Batch => vec![&batch],
                Parameter::Oldest => {
                    let minutes = i64::from(check.minutes.unwrap_or(0));
                    let now = chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now());
                    oldest = (now - chrono::Duration::minutes(minutes))
                        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
                    vec![&oldest]
                }
            };
            let row = tx.query_opt(&check.sql, &params).map_err(at)?;
            let row = row
                .map(|r| -> Result<_, postgres::Error> {
                    let count: i64 = r.try_get(0)?;
                    let values = (1..=check.shows.len())
                        .map(|i| r.try_get::<_, Option<String>>(i))
                        .collect::<Result<Vec<_>, _>>()?;
                    Ok((count, values))
                })
                .transpose()
                .map_err(at)?;
            let result = check.result(row);
            if result.fails() {
                return Err(BatchFailure::from(result.sentence(&d.dataset)));
            }
            results.push((d.dataset.clone(), result));
        }
    }
    Ok(results)
}

/// Merges dataset `d`'s changes of a change data capture batch: how many
/// versions it made by updating a key (closing its live version, or
/// keeping an earlier one), how many live versions it closed for a delete,
/// and how many versions it opened (new keys and updates).
fn merge_changes(
    tx: &mut postgres::Transaction<'_>,
    d: &crate::spec::DatasetSpec,
    cdc: &CdcSpec,
    columns: &[String],
    keep_history: bool,
    batch: i32,
) -> Result<(u64, u64, u64), BatchFailure> {
    let at = |e: postgres::Error| format!("dataset `{}`: merging: {}", d.dataset, errors::text(&e));
    let s = Statements::postgres().cdc_merge(d, &cdc.changes_table, columns, keep_history);
    tx.execute(&s.typed[0], &[]).map_err(at)?;
    tx.execute(&s.typed[1], &[&batch, &d.dataset]).map_err(at)?;
    tx.execute(&s.fill_left_out, &[]).map_err(at)?;
    let left_out: i64 = tx.query_one(&s.still_left_out, &[]).map_err(at)?.get(0);
    if left_out > 0 {
        return Err(failure!(
            "dataset `{}`: {left_out} updates left out a large value they did not change, and the row has no earlier version to take it from: set `REPLICA IDENTITY FULL` on the source table, or start the stream with a snapshot",
            d.dataset
        ));
    }
    let truncated: i64 = tx.query_one(&s.truncated_at, &[]).map_err(at)?.get(0);
    tx.execute(&s.last, &[]).map_err(at)?;
    // Each earlier version a batch keeps is an update of its key.
    let earlier = match &s.keep_earlier {
        Some(q) => tx.execute(q, &[&batch, &truncated]).map_err(at)?,
        None => 0,
    };
    let mut gone = tx
        .execute(&s.close_deleted, &[&batch, &truncated])
        .map_err(at)?;
    let changed = tx
        .execute(&s.close_changed, &[&batch, &truncated])
        .map_err(at)?;
    gone += tx
        .execute(&s.close_truncated, &[&batch, &truncated])
        .map_err(at)?;
    let opened = tx.execute(&s.open_new, &[&batch, &truncated]).map_err(at)?;
    tx.batch_execute(&s.drop).map_err(at)?;
    Ok((changed + earlier, gone, opened + earlier))
}

/// Whether a merge table needs fresh statistics after a batch changed
/// `changed` of its rows, given the planner's estimate from its last
/// statistics (negative: never gathered): when it never had any, or the
/// batch changed a tenth of it or more, the share at which PostgreSQL's
/// autovacuum would analyze it, which may come only after the next batch.
fn needs_statistics(changed: u64, estimated_rows: f32) -> bool {
    if changed == 0 {
        return false;
    }
    if estimated_rows < 0.0 {
        return true;
    }
    #[allow(
        clippy::cast_precision_loss,
        reason = "a threshold: the estimate itself is approximate"
    )]
    let changed = changed as f64;
    changed * 10.0 >= f64::from(estimated_rows)
}

#[cfg(test)]
mod tests {
    use super::needs_statistics;

    #[test]
    fn statistics_follow_large_changes_and_tables_never_analyzed() {
        // Never analyzed: the first load.
        assert!(needs_statistics(1_000_000, -1.0));
        // A tenth or more of the table changed.
        assert!(needs_statistics(100_000, 1_000_000.0));
        assert!(needs_statistics(10, 0.0));
        // Small changes keep the statistics the planner has.
        assert!(!needs_statistics(99_999, 1_000_000.0));
        // Nothing changed, nothing to learn.
        assert!(!needs_statistics(0, -1.0));
    }
}
