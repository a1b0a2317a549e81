//! Following a PostgreSQL source through change data capture: the
//! [`ChangeReader`] the command line gives the engine reads each batch (a
//! snapshot first, then the changes since the last batch), the engine
//! merges it and keeps where the stream stands in the batch's `state`, and
//! only once the batch has committed is the source told it may let those
//! changes go. A batch that fails or is killed leaves the source holding
//! them, so the next batch reads them again: every change is merged once.
//!
//! A batch's changes are brought to each key's last state (an insert or
//! update leaves its row, a delete or an emptied table none) and merged by
//! key and row hash as a snapshot of just those keys is.

use std::collections::BTreeMap;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};

use super::apply::jobs;
use super::batch::{self, Counts, SQL};
use super::values::{conform, hash};
use super::{BatchFailure, Engine, EngineError, failure, sql};
use crate::spec::{DatasetSpec, IngestSpec, SourceSpec};
use datasurface_runtime::SlotState;
use datasurface_runtime::lineage::ChangeCapture;
use datasurface_runtime::state::{BATCH_METRICS, BatchStatus};

/// Reads PostgreSQL change data capture for the engine: the command line
/// implements it with the `airflow` platform's reader, so this crate needs
/// no PostgreSQL client. Every call names the stream's spec, whose source is
/// [`SourceSpec::PostgresCdc`](crate::spec::SourceSpec::PostgresCdc).
pub trait ChangeReader: Send + Sync {
    /// Makes the stream's publication and replication slot, when missing
    /// (applying a plan does it); true when the slot was made now.
    ///
    /// # Errors
    ///
    /// When the source cannot be reached or set up, saying why and, when
    /// its owner must act, what to run.
    fn set_up(&self, job: &IngestSpec) -> Result<bool, BatchFailure>;

    /// Drops the slot of a stream the model no longer has (so it pins none
    /// of the source's log), and its publication when the login may; what
    /// the tables' owner must run when it may not.
    ///
    /// # Errors
    ///
    /// When the source cannot be reached or the slot cannot be dropped.
    fn tear_down(&self, job: &IngestSpec) -> Result<Option<String>, BatchFailure>;

    /// Drops the stream's slot, if it has one, and makes it again where the
    /// source's log is now, for a batch read [`CaptureFrom::Resync`].
    ///
    /// # Errors
    ///
    /// As [`set_up`](ChangeReader::set_up).
    fn remake(&self, job: &IngestSpec) -> Result<(), BatchFailure>;

    /// Reads the stream's next batch from `from`. When the slot is gone, the
    /// failure names `resync`, the command that mends it.
    ///
    /// # Errors
    ///
    /// When the source cannot be read, its slot is gone, or its schema has
    /// drifted from the model's, saying which: the batch fails.
    fn read(
        &self,
        job: &IngestSpec,
        from: CaptureFrom<'_>,
        resync: &str,
    ) -> Result<CaptureBatch, BatchFailure>;

    /// Lets the source drop what a committed batch read, up to `position`.
    ///
    /// # Errors
    ///
    /// When the source cannot be reached: nothing is lost, since the next
    /// [`read`](ChangeReader::read) lets it go first.
    fn advance(&self, job: &IngestSpec, position: &serde_json::Value) -> Result<(), BatchFailure>;

    /// The stream's replication slot as its source reports it, for
    /// `status` and `/metrics`: how much of the source's log it holds, how
    /// old the oldest change it can hold is, and whether it needs an
    /// operator, worded with `mends`. `ran`: whether the stream has
    /// committed a batch. `since` is given a test of a kept
    /// [`CaptureBatch::position`] and answers the seconds since the start
    /// of the latest committed batch whose position passes it, or else of
    /// the stream's first. None when the reader cannot tell (the default).
    fn slot(
        &self,
        job: &IngestSpec,
        ran: bool,
        since: &mut BatchesSince<'_>,
        mends: &SlotMends,
    ) -> Option<SlotState> {
        let _ = (job, ran, since, mends);
        None
    }
}

/// How old a stream's batches are, for [`ChangeReader::slot`]: given a
/// test of a kept [`CaptureBatch::position`], the seconds since the start
/// of the latest committed batch whose position passes it, or else of the
/// stream's first committed batch (none before one).
pub type BatchesSince<'a> = dyn FnMut(&dyn Fn(&serde_json::Value) -> bool) -> Option<f64> + 'a;

/// The commands that mend a stream's replication slot on this platform,
/// quoted as code, for what a slot that needs an operator says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SlotMends {
    /// Runs the stream's batches.
    pub run: String,
    /// Makes the slot anew and loads a fresh snapshot.
    pub resync: String,
    /// Makes a slot that does not exist yet.
    pub make: String,
}

impl SlotMends {
    /// This state directory's commands for `stream` (`MODEL` stands for
    /// the model's path).
    fn of(state: &std::path::Path, stream: &str) -> SlotMends {
        let state = state.display();
        SlotMends {
            run: format!("`datasurface run MODEL --state {state}`"),
            resync: format!("`datasurface run MODEL --state {state} --resync {stream}`"),
            make: format!("`datasurface apply MODEL --state {state}`"),
        }
    }
}

/// Where a change data capture batch starts reading.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum CaptureFrom<'a> {
    /// The stream's first batch: a snapshot, unless it reads only changes.
    First,
    /// After the batch that kept this position ([`CaptureBatch::position`]).
    After(&'a serde_json::Value),
    /// A fresh snapshot an operator asked for, after
    /// [`remake`](ChangeReader::remake).
    Resync,
}

/// A batch read from a change data capture.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureBatch {
    /// The rows, or the changes.
    pub read: CaptureRead,
    /// Where the stream stands once the batch commits, kept with it.
    pub position: serde_json::Value,
    /// What the operator is told (source columns the model does not name).
    pub notes: Vec<String>,
    /// The position of the source's log the batch read after, as the
    /// source writes it; none for a snapshot.
    pub read_from: Option<String>,
    /// The position the source may let go up to once the batch commits;
    /// none for a snapshot.
    pub read_to: Option<String>,
}

/// What a change data capture batch read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CaptureRead {
    /// Every row of each dataset, in the spec's order, each value as the
    /// source writes it as text (`None` for null), in the dataset's column
    /// order: merged as a snapshot.
    Snapshot(Vec<Vec<Vec<Option<String>>>>),
    /// The changes since the last batch, in the order the source made them.
    Changes(Vec<Change>),
}

/// One change to one row (or, for [`ChangeOp::Truncate`], a table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The dataset, by its place in the spec.
    pub dataset: usize,
    /// What it did.
    pub op: ChangeOp,
    /// Columns (by place) an update left out because it did not change
    /// them: their values are the key's live version's.
    pub unchanged: Vec<usize>,
    /// Its values as text, in the dataset's column order (a delete's key
    /// columns only).
    pub values: Vec<Option<String>>,
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    /// A row was inserted.
    Insert,
    /// A row was updated.
    Update,
    /// A row was deleted.
    Delete,
    /// The table was emptied.
    Truncate,
}

/// A change data capture batch as the engine merges it: where the stream
/// stands once it commits, and its changes (none when it read a snapshot,
/// whose rows are merged as any snapshot's).
#[derive(Debug)]
pub(crate) struct Captured {
    pub(crate) position: serde_json::Value,
    pub(crate) changes: Option<Vec<Change>>,
    /// Where the batch read, for its run's lineage.
    pub(crate) lineage: ChangeCapture,
    /// Whether it is the fresh snapshot an operator asked for.
    pub(crate) resync: bool,
}

/// The table of streams an operator asked to load afresh: a stream in it
/// reads a fresh snapshot at its next batch, which takes it out.
pub(crate) const RESYNC: &str = "capture_resync";

/// Records that `stream`'s next batch loads a fresh snapshot: done before
/// its slot is made anew, so a run killed in between still loads it.
pub(crate) fn ask_resync(conn: &Connection, stream: &str, now: &str) -> Result<(), EngineError> {
    conn.execute(
        &format!(
            "INSERT INTO {RESYNC} (stream_key, asked) VALUES (?1, ?2) \
             ON CONFLICT (stream_key) DO UPDATE SET asked = excluded.asked"
        ),
        params![stream, now],
    )
    .map(|_| ())
    .map_err(sql(format!(
        "cannot record that `{stream}` is to be loaded afresh"
    )))
}

/// Whether `stream`'s next batch loads a fresh snapshot.
pub(crate) fn resync_asked(conn: &Connection, stream: &str) -> Result<bool, EngineError> {
    conn.query_row(
        &format!("SELECT count(*) FROM {RESYNC} WHERE stream_key = ?1"),
        [stream],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(sql(format!(
        "cannot read whether `{stream}` is to be loaded afresh"
    )))
}

/// Forgets that `stream` was to be loaded afresh, in the transaction of
/// the batch that loaded it.
pub(crate) fn resynced(tx: &Connection, stream: &str) -> rusqlite::Result<()> {
    tx.execute(
        &format!("DELETE FROM {RESYNC} WHERE stream_key = ?1"),
        [stream],
    )
    .map(|_| ())
}

impl Engine {
    /// Each change data capture stream's replication slot, by stream, as
    /// its source reports it through the [`ChangeReader`] (which reads the
    /// source: one connection each); none without a reader.
    ///
    /// # Errors
    ///
    /// When the state directory cannot be read. A slot that cannot be
    /// read is not an error: it needs an operator, saying why.
    pub fn slots(&self) -> Result<Vec<(String, SlotState)>, EngineError> {
        let Some(reader) = &self.change_reader else {
            return Ok(Vec::new());
        };
        let rendering = self.applied()?;
        let ingests: Vec<IngestSpec> = jobs(&rendering, "jobs/ingest/")?;
        let conn = self.open_merge()?;
        let now = (self.clock)();
        let mut slots = Vec::new();
        for job in ingests
            .iter()
            .filter(|j| matches!(j.source, SourceSpec::PostgresCdc { .. }))
        {
            let first = first_batch_start(&conn, &job.stream)?;
            let mut failed = None;
            let mut since = |let_go: &dyn Fn(&serde_json::Value) -> bool| {
                let start = match latest_let_go(&conn, &job.stream, let_go) {
                    Ok(start) => start.or_else(|| first.clone()),
                    Err(e) => {
                        failed = Some(e);
                        None
                    }
                }?;
                let start = chrono::DateTime::parse_from_rfc3339(&start).ok()?;
                #[allow(
                    clippy::cast_precision_loss,
                    reason = "milliseconds of an age, far below 2^52"
                )]
                let seconds =
                    (now - start.with_timezone(&chrono::Utc)).num_milliseconds() as f64 / 1000.0;
                Some(seconds)
            };
            let mends = SlotMends::of(&self.state, &job.stream);
            let slot = reader.slot(job, first.is_some(), &mut since, &mends);
            if let Some(e) = failed {
                return Err(e);
            }
            slots.extend(slot.map(|slot| (job.stream.clone(), slot)));
        }
        Ok(slots)
    }
}

/// When the stream's first committed batch started, if it has one.
fn first_batch_start(conn: &Connection, stream: &str) -> Result<Option<String>, EngineError> {
    conn.query_row(
        &format!(
            "SELECT batch_start FROM {BATCH_METRICS} WHERE stream_key = ?1 AND status = ?2 \
             ORDER BY batch_id LIMIT 1"
        ),
        params![stream, BatchStatus::Committed.as_str()],
        |r| r.get(0),
    )
    .optional()
    .map_err(sql(format!("cannot read the batches of `{stream}`")))
}

/// When the stream's latest committed batch whose kept position passes
/// `let_go` started, newest first (usually the first row read).
fn latest_let_go(
    conn: &Connection,
    stream: &str,
    let_go: &dyn Fn(&serde_json::Value) -> bool,
) -> Result<Option<String>, EngineError> {
    let failed = |e| sql(format!("cannot read the batches of `{stream}`"))(e);
    let mut query = conn
        .prepare(&format!(
            "SELECT batch_start, state FROM {BATCH_METRICS} WHERE stream_key = ?1 AND status = ?2 \
             AND state IS NOT NULL ORDER BY batch_id DESC"
        ))
        .map_err(failed)?;
    let mut rows = query
        .query(params![stream, BatchStatus::Committed.as_str()])
        .map_err(failed)?;
    while let Some(row) = rows.next().map_err(failed)? {
        let start: String = row.get(0).map_err(failed)?;
        let state: String = row.get(1).map_err(failed)?;
        // A position that is not JSON is passed over: a scrape reads this.
        if serde_json::from_str(&state).is_ok_and(|kept| let_go(&kept)) {
            return Ok(Some(start));
        }
    }
    Ok(None)
}

/// The position the stream's last committed batch kept, if any.
pub(crate) fn last_position(
    conn: &Connection,
    stream: &str,
) -> Result<Option<serde_json::Value>, EngineError> {
    let text: Option<String> = conn
        .query_row(
            &format!(
                "SELECT state FROM {BATCH_METRICS} WHERE stream_key = ?1 AND status = ?2 \
                 AND state IS NOT NULL ORDER BY batch_id DESC LIMIT 1"
            ),
            params![stream, BatchStatus::Committed.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(sql(format!("cannot read where `{stream}` stands")))?;
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| {
            EngineError::State(format!(
                "the position the last batch of `{stream}` kept cannot be read ({e}); move the state directory aside to start the stream afresh"
            ))
        })
    })
    .transpose()
}

/// Records where the stream stands, in the batch's own transaction, and
/// forgets an operator's ask to load it afresh once a fresh snapshot did.
pub(crate) fn keep_position(
    tx: &Connection,
    stream: &str,
    batch: i64,
    captured: &Captured,
) -> rusqlite::Result<()> {
    tx.execute(
        &format!("UPDATE {BATCH_METRICS} SET state = ?3 WHERE stream_key = ?1 AND batch_id = ?2"),
        params![stream, batch, captured.position.to_string()],
    )?;
    if captured.resync {
        resynced(tx, stream)?;
    }
    Ok(())
}

/// A dataset's changes brought to each key's last state.
pub(crate) struct Reduced {
    /// Each changed key's row (by key hash), or none when it is gone.
    last: BTreeMap<String, Option<(String, Vec<Value>)>>,
    /// Whether the table was emptied: every live key not in `last` goes.
    truncated: bool,
    /// How many changes there were.
    changes: i64,
}

/// Checks and reduces every dataset's changes; the first bad value fails
/// the batch, naming the change.
pub(crate) fn reduce(job: &IngestSpec, changes: &[Change]) -> Result<Vec<Reduced>, BatchFailure> {
    let mut out: Vec<Reduced> = job
        .datasets
        .iter()
        .map(|_| Reduced {
            last: BTreeMap::new(),
            truncated: false,
            changes: 0,
        })
        .collect();
    let keys: Vec<Vec<usize>> = job.datasets.iter().map(key_columns).collect();
    for (n, change) in changes.iter().enumerate() {
        let (Some(d), Some(r)) = (
            job.datasets.get(change.dataset),
            out.get_mut(change.dataset),
        ) else {
            return Err(failure!(
                "change {} names dataset {} of a stream with {}",
                n + 1,
                change.dataset,
                job.datasets.len()
            ));
        };
        r.changes += 1;
        if change.op == ChangeOp::Truncate {
            r.last.clear();
            r.truncated = true;
            continue;
        }
        let key_at = &keys[change.dataset];
        let at = |e: BatchFailure| failure!("change {} of dataset `{}`: {e}", n + 1, d.dataset);
        let mut values = Vec::with_capacity(d.columns.len());
        for (i, c) in d.columns.iter().enumerate() {
            let text = change.values.get(i).cloned().flatten();
            let wanted = change.op != ChangeOp::Delete || key_at.contains(&i);
            let value = match text {
                Some(t) if wanted => conform(Value::Text(t), c).map_err(at)?,
                _ => Value::Null,
            };
            values.push(value);
        }
        let key_hash = hash(key_at.iter().map(|&i| &values[i]));
        if change.op == ChangeOp::Delete {
            r.last.insert(key_hash, None);
            continue;
        }
        if !change.unchanged.is_empty() {
            return Err(failure!(
                "change {} of dataset `{}` left out {} (large values it did not change), which this platform cannot take from the key's live version yet: give the source table `REPLICA IDENTITY FULL` so every change carries them",
                n + 1,
                d.dataset,
                change
                    .unchanged
                    .iter()
                    .filter_map(|&i| d.columns.get(i))
                    .map(|c| format!("`{}`", c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        for (i, c) in d.columns.iter().enumerate() {
            if !c.nullable && values[i] == Value::Null {
                return Err(failure!(
                    "change {} of dataset `{}`: column `{}` may not be empty, and the change has no value for it",
                    n + 1,
                    d.dataset,
                    c.name
                ));
            }
        }
        let all_hash = hash(values.iter());
        r.last.insert(key_hash, Some((all_hash, values)));
    }
    Ok(out)
}

/// Where each of dataset `d`'s key columns is among its columns.
pub(crate) fn key_columns(d: &DatasetSpec) -> Vec<usize> {
    d.primary_key
        .iter()
        .filter_map(|k| d.columns.iter().position(|c| &c.name == k))
        .collect()
}

/// Merges dataset `part`'s reduced changes into its merge table as batch
/// `batch`, recording the keys it changed (for the exports), as a snapshot
/// of just those keys would: a key whose row is unchanged is left alone.
pub(crate) fn merge(
    tx: &Connection,
    d: &DatasetSpec,
    part: usize,
    batch: i64,
    reduced: &Reduced,
    keep_history: bool,
) -> Result<Counts, rusqlite::Error> {
    batch::stage(
        tx,
        d,
        reduced.last.iter().filter_map(|(key_hash, row)| {
            row.as_ref()
                .map(|(all_hash, values)| (key_hash.as_str(), all_hash.as_str(), values.as_slice()))
        }),
    )?;
    let [updated, inserted, not_staged] = SQL.find_changes(d, part);
    let updated = tx.execute(&updated, [])?;
    let inserted = tx.execute(&inserted, [])?;
    let mut deleted = 0;
    {
        let mut gone = tx.prepare(&SQL.mark_gone(d))?;
        for (key_hash, row) in &reduced.last {
            if row.is_none() {
                deleted += gone.execute(params![i64::try_from(part).unwrap_or(0), key_hash])?;
            }
        }
    }
    if reduced.truncated {
        deleted += tx.execute(&not_staged, [])?;
    }
    batch::close_and_open(tx, d, part, batch, keep_history)?;
    let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Counts {
        inserted: to_i64(inserted),
        updated: to_i64(updated),
        deleted: to_i64(deleted),
        total: reduced.changes,
    })
}
