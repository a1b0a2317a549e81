//! One batch of one ingestion stream: checked, staged, merged by key and row
//! hash, exported and committed in one transaction, or failed as a whole.

use super::{BatchFailure, failure};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::capture::{self, Captured};
use super::pool::Pooled;
use super::source::Rows;
use super::values::{conform, hash, shown};
use super::{Engine, EngineError, open_db, sql};
use crate::dialect::SqlDialect;
use crate::dialect::Sqlite;
use datasurface_runtime::lineage::{DatasetOutcome, JobLineage, Outcome, RunEvent};
use datasurface_runtime::quality::{self, Parameter, QualityResult};
use datasurface_runtime::state::{BATCH_METRICS, BATCH_OUT, BatchStatus};

use crate::spec::{DatasetSpec, IngestSpec, LIVE, SourceSpec};
use crate::statements::Statements;

/// What a batch did to its rows: inserted, updated and deleted (by key), and
/// how many it read. A failed batch did nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Rows inserted.
    pub inserted: i64,
    /// Rows updated.
    pub updated: i64,
    /// Rows deleted.
    pub deleted: i64,
    /// Rows read.
    pub total: i64,
}

impl Counts {
    /// Whether the batch changed any row.
    pub fn changed(&self) -> bool {
        self.inserted + self.updated + self.deleted > 0
    }
}

impl std::fmt::Display for Counts {
    /// `+inserted ~updated -deleted`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "+{} ~{} -{}", self.inserted, self.updated, self.deleted)
    }
}

/// How a batch ended: committed with its counts and the `warn` quality
/// rules it broke (as its record keeps them), or failed with why.
pub(crate) type Ended = Result<(Counts, Option<String>), BatchFailure>;

/// The statements the engine sends.
pub(crate) const SQL: Statements<'static> = Statements::new(&Sqlite);

/// How many databases SQLite attaches to one connection: a stream exports
/// to at most this many containers in the transaction of its merge, and to
/// the rest in further transactions of the same size.
pub(crate) const MAX_ATTACHED: usize = 10;

/// The last committed batch of a stream, if any.
pub(crate) fn last_committed(conn: &Connection, stream: &str) -> Result<Option<i64>, EngineError> {
    conn.query_row(&SQL.last_committed(), [stream], |r| r.get(0))
        .map_err(sql(format!("cannot read the batches of `{stream}`")))
}

/// Marks batches a crash interrupted as failed, then starts the next batch.
fn start(conn: &Connection, stream: &str, now: &str) -> Result<i64, EngineError> {
    let context = format!("cannot start a batch of `{stream}`");
    conn.execute(&SQL.fail_interrupted(), params![stream, now])
        .map_err(sql(context.clone()))?;
    let batch: i64 = conn
        .query_row(&SQL.next_batch(), [stream], |r| r.get(0))
        .map_err(sql(context.clone()))?;
    conn.execute(&SQL.start_batch(), params![stream, batch, now])
        .map_err(sql(context))?;
    Ok(batch)
}

fn fail(
    conn: &Connection,
    stream: &str,
    batch: i64,
    message: &str,
    seconds: f64,
    now: &str,
) -> Result<(), EngineError> {
    conn.execute(
        &SQL.fail_batch(),
        params![stream, batch, now, seconds, message],
    )
    .map(|_| ())
    .map_err(sql(format!(
        "cannot record the failure of batch {batch} of `{stream}`"
    )))
}

/// A row made to fit its dataset, with its key and row hashes.
struct Staged {
    key_hash: String,
    all_hash: String,
    values: Vec<Value>,
}

/// Checks every row of a dataset; the first problem fails the batch, named
/// by where the row came from (a file's line, as an editor counts).
fn check(d: &DatasetSpec, rows: Rows) -> Result<Vec<Staged>, BatchFailure> {
    let key_at = capture::key_columns(d);
    // Each key's hash, and the row it was first seen on.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut staged = Vec::with_capacity(rows.values.len());
    let origin = &rows.origin;
    for (n, row) in rows.values.into_iter().enumerate() {
        let values = row
            .into_iter()
            .zip(&d.columns)
            .map(|(v, c)| conform(v, c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{}: dataset `{}`: {e}", origin.row(n), d.dataset))?;
        let key_hash = hash(key_at.iter().map(|&i| &values[i]));
        if let Some(&first) = seen.get(&key_hash) {
            let key: Vec<String> = key_at
                .iter()
                .map(|&i| {
                    format!(
                        "{} = {}",
                        d.columns[i].name,
                        shown(&values[i], &d.columns[i])
                    )
                })
                .collect();
            return Err(failure!(
                "{}: dataset `{}`: the primary key ({}) repeats {}; a key may appear once in a batch",
                origin.row(n),
                d.dataset,
                key.join(", "),
                origin.short(first)
            ));
        }
        seen.insert(key_hash.clone(), n);
        staged.push(Staged {
            all_hash: hash(values.iter()),
            key_hash,
            values,
        });
    }
    Ok(staged)
}

/// Merges staged dataset `part` into its merge table as batch `batch`,
/// recording the keys it changed.
fn merge(
    tx: &Connection,
    d: &DatasetSpec,
    part: usize,
    batch: i64,
    staged: &[Staged],
    keep_history: bool,
) -> Result<Counts, rusqlite::Error> {
    stage(
        tx,
        d,
        staged.iter().map(|r| {
            (
                r.key_hash.as_str(),
                r.all_hash.as_str(),
                r.values.as_slice(),
            )
        }),
    )?;
    let [updated, inserted, deleted] = SQL.find_changes(d, part);
    let updated = tx.execute(&updated, [])?;
    let inserted = tx.execute(&inserted, [])?;
    let deleted = tx.execute(&deleted, [])?;
    close_and_open(tx, d, part, batch, keep_history)?;
    let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Counts {
        inserted: to_i64(inserted),
        updated: to_i64(updated),
        deleted: to_i64(deleted),
        total: to_i64(staged.len()),
    })
}

/// Fills dataset `d`'s staging table with `rows` (key hash, row hash,
/// values), emptying it first.
pub(crate) fn stage<'r>(
    tx: &Connection,
    d: &DatasetSpec,
    rows: impl Iterator<Item = (&'r str, &'r str, &'r [Value])>,
) -> Result<(), rusqlite::Error> {
    tx.execute(&SQL.clear(&d.staging_table), [])?;
    let mut insert = tx.prepare(&SQL.stage(d))?;
    for (key_hash, all_hash, values) in rows {
        let mut params: Vec<&dyn rusqlite::ToSql> = vec![&key_hash, &all_hash];
        params.extend(values.iter().map(|v| v as &dyn rusqlite::ToSql));
        insert.execute(params.as_slice())?;
    }
    Ok(())
}

/// Closes the live versions of the keys recorded as changed, opens the
/// staged rows of those keys, purges closed versions when nobody reads
/// history, and empties staging.
pub(crate) fn close_and_open(
    tx: &Connection,
    d: &DatasetSpec,
    part: usize,
    batch: i64,
    keep_history: bool,
) -> Result<(), rusqlite::Error> {
    tx.execute(&SQL.close_changed(d, part), [batch])?;
    tx.execute(&SQL.open_changed(d, part), [batch])?;
    if !keep_history {
        tx.execute(&SQL.purge_closed(d), [])?;
    }
    tx.execute(&SQL.clear(&d.staging_table), [])?;
    Ok(())
}

/// How an export is brought to a batch.
#[derive(Clone, Copy)]
enum Sync {
    /// Just after the batch's merge, on its connection: only the changed keys
    /// when the export held the previous committed batch, everything otherwise.
    Changes { previous: Option<i64> },
    /// Later: everything, unless the export already holds the batch.
    CatchUp,
}

/// Brings one export table to `batch`; true if it was copied whole.
fn export(
    tx: &Connection,
    d: &DatasetSpec,
    part: usize,
    schema: &str,
    table: &str,
    batch: i64,
    sync: Sync,
) -> Result<bool, rusqlite::Error> {
    tx.execute(&SQL.create_export_state(schema), [])?;
    let at: Option<i64> = tx
        .query_row(&SQL.export_state(schema), [table], |r| r.get(0))
        .optional()?;
    let (statements, whole) = match sync {
        Sync::CatchUp if at == Some(batch) => return Ok(false),
        Sync::Changes { previous } if at.is_some() && at == previous => {
            (SQL.export_changes(d, part, schema, table), false)
        }
        _ => (SQL.export_all(d, schema, table), true),
    };
    for statement in statements {
        tx.execute(&statement, [])?;
    }
    tx.execute(&SQL.set_export_state(schema), params![table, batch])?;
    Ok(whole)
}

/// Brings every export of a stream into the attached `group` of containers
/// (`c0`, `c1`, … in order) to `batch`, purging versions closed before
/// `cutoff` when history has a retention. Returns what it copied whole.
fn export_group(
    tx: &Connection,
    job: &IngestSpec,
    group: &[&str],
    batch: i64,
    sync: Sync,
    cutoff: Option<&str>,
) -> Result<Vec<(String, String)>, rusqlite::Error> {
    let mut whole = Vec::new();
    for (part, d) in job.datasets.iter().enumerate() {
        for (container, table) in &d.exports {
            let Some(at) = group.iter().position(|c| c == container) else {
                continue;
            };
            let schema = format!("c{at}");
            if export(tx, d, part, &schema, table, batch, sync)? {
                whole.push((container.clone(), table.clone()));
            }
            if let Some(cutoff) = cutoff {
                tx.execute(
                    &SQL.retire_exported(&schema, table),
                    params![job.stream, cutoff],
                )?;
            }
        }
    }
    Ok(whole)
}

/// The containers a stream exports to, in groups small enough to attach.
fn container_groups(job: &IngestSpec) -> Vec<Vec<&str>> {
    let all: BTreeSet<&str> = job
        .datasets
        .iter()
        .flat_map(|d| d.exports.iter().map(|(c, _)| c.as_str()))
        .collect();
    let all: Vec<&str> = all.into_iter().collect();
    all.chunks(MAX_ATTACHED).map(<[&str]>::to_vec).collect()
}

/// Runs `work` with a group of containers attached as `c0`, `c1`, … (made if
/// missing). A pooled connection keeps them attached for the next batch,
/// which most often exports to the same group; another group replaces them.
fn attached<T>(
    conn: &mut Pooled,
    engine: &Engine,
    group: &[&str],
    stream: &str,
    work: impl FnOnce(&mut Connection) -> T,
) -> Result<T, EngineError> {
    let paths: Vec<PathBuf> = group.iter().map(|c| engine.container_path(c)).collect();
    if conn.attached != paths {
        detach_all(conn);
        for (i, (c, path)) in group.iter().zip(&paths).enumerate() {
            let result = open_db(path).and_then(|_| {
                conn.execute(
                    &format!("ATTACH DATABASE ?1 AS c{i}"),
                    [path.to_string_lossy()],
                )
                .map_err(sql(format!("cannot open container `{c}` for `{stream}`")))
            });
            if let Err(e) = result {
                detach_all(conn);
                return Err(e);
            }
            conn.attached.push(path.clone());
        }
    }
    Ok(work(conn))
}

/// Detaches what `conn` has attached.
fn detach_all(conn: &mut Pooled) {
    for i in 0..conn.attached.len() {
        let _ = conn.execute(&format!("DETACH DATABASE c{i}"), []);
    }
    conn.attached.clear();
}

/// Brings a stream's exports in `containers` up to its last committed batch,
/// copying whole those that do not hold it: new exports, and exports a crash
/// left behind. Returns the exports copied, as (container, table); nothing if
/// the stream has committed nothing yet.
pub(crate) fn catch_up(
    engine: &Engine,
    job: &IngestSpec,
    containers: &BTreeSet<&str>,
) -> Result<Vec<(String, String)>, EngineError> {
    let mut conn = engine.open_merge()?;
    let Some(batch) = last_committed(&conn, &job.stream)? else {
        return Ok(Vec::new());
    };
    let mut copied = Vec::new();
    for group in container_groups(job) {
        let group: Vec<&str> = group
            .into_iter()
            .filter(|c| containers.contains(c))
            .collect();
        if group.is_empty() {
            continue;
        }
        let context = format!("cannot bring the exports of `{}` up to date", job.stream);
        let done = attached(&mut conn, engine, &group, &job.stream, |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let whole = export_group(&tx, job, &group, batch, Sync::CatchUp, None)?;
            tx.commit()?;
            Ok(whole)
        })?
        .map_err(sql(context))?;
        copied.extend(done);
    }
    Ok(copied)
}

/// The containers beyond the first group, which a crash between a batch's
/// transactions may have left a batch behind; empty for most streams.
pub(crate) fn later_containers(job: &IngestSpec) -> BTreeSet<&str> {
    container_groups(job)
        .into_iter()
        .skip(1)
        .flatten()
        .collect()
}

/// Why a stream cannot deliver: a container's database or an export table
/// was removed outside datasurface. Said before anything is written, with the
/// fix, rather than left to fail deep in the merge.
fn missing_exports(engine: &Engine, job: &IngestSpec) -> Result<(), BatchFailure> {
    match gone_exports(engine, &job.datasets).into_iter().next() {
        Some(gone) => Err(failure!(
            "{gone}: it was moved, deleted or dropped outside datasurface; run `datasurface apply` (or `up`): it makes what is missing again and back-fills it from the merge tables"
        )),
        None => Ok(()),
    }
}

/// What of the export tables `datasets` write is gone: for each, the
/// container database missing (or unreadable) or the table missing from
/// it, in words. Empty when everything is there.
pub(crate) fn gone_exports<'d>(
    engine: &Engine,
    datasets: impl IntoIterator<Item = &'d DatasetSpec>,
) -> Vec<String> {
    let mut by_container: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for d in datasets {
        for (container, table) in &d.exports {
            by_container.entry(container).or_default().insert(table);
        }
    }
    let mut gone = Vec::new();
    for (container, tables) in by_container {
        let path = engine.container_path(container);
        if !path.is_file() {
            gone.push(format!(
                "the database of container `{container}` ({}) is missing",
                path.display()
            ));
            continue;
        }
        let conn = match engine.open_reading(&path) {
            Ok(conn) => conn,
            Err(e) => {
                gone.push(format!(
                    "the database of container `{container}` ({}) cannot be opened: {e}",
                    path.display()
                ));
                continue;
            }
        };
        for table in tables {
            let present = conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get::<_, i64>(0),
            );
            match present {
                Ok(0) => gone.push(format!(
                    "export table `{table}` is missing from container `{container}` ({})",
                    path.display()
                )),
                Ok(_) => {}
                Err(e) => gone.push(format!(
                    "the database of container `{container}` ({}) cannot be read: {e}",
                    path.display()
                )),
            }
        }
    }
    gone
}

/// A source snapshot that found no rows for a dataset whose last batch had
/// some: more often a broken or emptied source than a real state, so it fails
/// the batch (the merge tables keep what they hold) unless the dataset says
/// empty is real. A transformer's empty output follows from its inputs.
fn empty_snapshots(
    conn: &Connection,
    job: &IngestSpec,
    checked: &[Vec<Staged>],
) -> Result<(), BatchFailure> {
    if matches!(job.source, SourceSpec::Transformer { .. }) {
        return Ok(());
    }
    for (d, staged) in job.datasets.iter().zip(checked) {
        if !staged.is_empty() || d.allow_empty {
            continue;
        }
        let live: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {} WHERE \"{BATCH_OUT}\" = {LIVE}",
                    Sqlite.quote(&d.merge_table)
                ),
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        if live > 0 {
            return Err(BatchFailure::empty_snapshot(&d.dataset, live));
        }
    }
    Ok(())
}

/// Checks the rows read for every dataset of a stream.
fn check_all(
    job: &IngestSpec,
    mut rows: BTreeMap<String, Rows>,
) -> Result<Vec<Vec<Staged>>, BatchFailure> {
    job.datasets
        .iter()
        .map(|d| {
            let r = rows
                .remove(&d.dataset)
                .ok_or_else(|| format!("no rows were read for dataset `{}`", d.dataset))?;
            check(d, r)
        })
        .collect()
}

/// Runs every dataset's quality statements on the merged batch, before it
/// commits: each rule's result, by dataset, or the first `fail` rule
/// broken (the caller then rolls the batch back).
fn judge_quality(
    tx: &Connection,
    engine: &Engine,
    job: &IngestSpec,
    batch: i64,
) -> Result<Result<Vec<(String, QualityResult)>, BatchFailure>, rusqlite::Error> {
    let mut results = Vec::new();
    for d in &job.datasets {
        for check in &d.quality {
            let mut statement = tx.prepare(&check.sql)?;
            let read = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(i64, Vec<Option<String>>)> {
                let count: i64 = r.get(0)?;
                let values = (1..=check.shows.len())
                    .map(|i| r.get::<_, Option<String>>(i))
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok((count, values))
            };
            let row = match check.parameter {
                Parameter::None => statement.query_row([], read),
                Parameter::Batch => statement.query_row([batch], read),
                Parameter::Oldest => {
                    statement.query_row([engine.minutes_ago(check.minutes.unwrap_or(0))], read)
                }
            };
            let row = match row {
                Ok(row) => Some(row),
                Err(rusqlite::Error::QueryReturnedNoRows) => None,
                Err(e) => return Err(e),
            };
            let result = check.result(row);
            if result.fails() {
                return Ok(Err(BatchFailure::from(result.sentence(&d.dataset))));
            }
            results.push((d.dataset.clone(), result));
        }
    }
    Ok(Ok(results))
}

/// What a batch merges: each dataset's rows (a snapshot, or what a
/// transformer made), or a change data capture's changes.
enum Checked {
    Rows(Vec<Vec<Staged>>),
    Changes(Vec<capture::Reduced>),
}

/// Merges every dataset of a batch, purging versions closed before `cutoff`.
fn merge_all(
    tx: &Connection,
    job: &IngestSpec,
    batch: i64,
    checked: &Checked,
    cutoff: Option<&str>,
) -> Result<(Counts, Vec<Counts>), rusqlite::Error> {
    let mut counts = Counts::default();
    let mut each = Vec::with_capacity(job.datasets.len());
    for (part, d) in job.datasets.iter().enumerate() {
        let c = match checked {
            Checked::Rows(rows) => match rows.get(part) {
                Some(staged) => merge(tx, d, part, batch, staged, job.keep_history)?,
                None => Counts::default(),
            },
            Checked::Changes(changes) => match changes.get(part) {
                Some(reduced) => capture::merge(tx, d, part, batch, reduced, job.keep_history)?,
                None => Counts::default(),
            },
        };
        counts.inserted += c.inserted;
        counts.updated += c.updated;
        counts.deleted += c.deleted;
        counts.total += c.total;
        each.push(c);
        if let Some(cutoff) = cutoff {
            tx.execute(&SQL.retire_merged(d), params![job.stream, cutoff])?;
        }
    }
    Ok((counts, each))
}

/// Runs one batch of a stream with the rows read for each dataset (or why
/// they could not be read). `marks` are transformer input marks committed
/// with the batch. The merge, the exports into the first
/// [`MAX_ATTACHED`] containers and the marks commit in one transaction; the
/// exports into further containers follow, a group per transaction, each
/// container always holding whole batches. Returns the batch and how it ended.
///
/// `lineage` is the job its OpenLineage events name (the stream's own, or
/// the transformer's whose output it is): `START` once the batch has its
/// number, then `COMPLETE` once it has committed, or `FAIL`.
pub(crate) fn ingest(
    engine: &Engine,
    job: &IngestSpec,
    rows: Result<BTreeMap<String, Rows>, BatchFailure>,
    capture: Option<&Captured>,
    marks: &[(String, String, i64)],
    lineage: Option<&JobLineage>,
) -> Result<(i64, Ended), EngineError> {
    let mut conn = engine.open_merge()?;
    let started = engine.now();
    // Batches a killed run left are failed as this one starts: their runs
    // end `FAIL`, never `COMPLETE`.
    let interrupted = match lineage {
        Some(_) => super::lineage::unfinished(&conn, &job.stream),
        None => Vec::new(),
    };
    let batch = start(&conn, &job.stream, &started)?;
    if let Some(l) = lineage {
        for (old, began) in interrupted {
            let ids = super::lineage::run_ids(&conn, l, old, &began, &[]);
            let why = Outcome::failed("interrupted before it committed; nothing of it is visible");
            engine.emit(&RunEvent::end(l, &ids, &started, &engine.places(), &why));
        }
    }
    let run = lineage.map(|l| {
        let ids = super::lineage::run_ids(&conn, l, batch, &started, marks);
        engine.emit(&RunEvent::start(l, &ids, &started, &engine.places()));
        (l, ids)
    });
    let ended = run_batch(engine, &mut conn, job, batch, (rows, capture), marks);
    if let (Some((l, ids)), Err(e)) = (&run, &ended) {
        // The engine could not go on (a container it cannot open, the
        // merge database gone): the run ends as the batch did, `COMPLETE`
        // if it committed before (its later exports follow at the next
        // run), else `FAIL`; never without an end.
        let outcome = if committed(&conn, &job.stream, batch) {
            Outcome::default()
        } else {
            Outcome::failed(e.to_string())
        };
        engine.emit(&RunEvent::end(
            l,
            ids,
            &engine.now(),
            &engine.places(),
            &outcome,
        ));
    }
    if let (Some((l, ids)), Ok((_, ended))) = (&run, &ended) {
        let outcome = match ended {
            Ok((_, each, broken)) => with_capture(
                Outcome::committed(
                    job.datasets
                        .iter()
                        .zip(each)
                        .zip(broken)
                        .map(|((d, c), broken)| {
                            let n = |v: i64| u64::try_from(v).unwrap_or_default();
                            (
                                format!("{}.{}", job.datastore, d.dataset),
                                DatasetOutcome {
                                    read: n(c.total),
                                    inserted: n(c.inserted),
                                    updated: n(c.updated),
                                    deleted: n(c.deleted),
                                    broken: broken.clone(),
                                },
                            )
                        })
                        .collect(),
                ),
                capture,
            ),
            Err(why) => Outcome::failed(why.to_string()),
        };
        engine.emit(&RunEvent::end(
            l,
            ids,
            &engine.now(),
            &engine.places(),
            &outcome,
        ));
    }
    ended.map(|(batch, ended)| {
        let warned = |total| (total, warnings_of(&conn, &job.stream, batch));
        (batch, ended.map(|(total, _, _)| warned(total)))
    })
}

/// A committed run's outcome, with where a change data capture batch read.
fn with_capture(outcome: Outcome, capture: Option<&Captured>) -> Outcome {
    match capture {
        Some(c) => outcome.with_change_capture(c.lineage.clone()),
        None => outcome,
    }
}

/// The `warn` quality rules committed batch `batch` of `stream` broke, as
/// its record keeps them (none when it cannot tell).
fn warnings_of(conn: &Connection, stream: &str, batch: i64) -> Option<String> {
    conn.query_row(
        &format!("SELECT message FROM {BATCH_METRICS} WHERE stream_key = ?1 AND batch_id = ?2"),
        params![stream, batch],
        |r| r.get::<_, Option<String>>(0),
    )
    .ok()
    .flatten()
}

/// Whether batch `batch` of `stream` committed (false when it cannot tell).
fn committed(conn: &Connection, stream: &str, batch: i64) -> bool {
    conn.query_row(
        &format!("SELECT status FROM {BATCH_METRICS} WHERE stream_key = ?1 AND batch_id = ?2"),
        params![stream, batch],
        |r| r.get::<_, String>(0),
    )
    .is_ok_and(|s| s == BatchStatus::Committed.to_string())
}

/// A batch's counts, in all and for each dataset, or why it failed.
/// A batch's counts, each dataset's, and each dataset's broken `warn`
/// quality rules (as lineage names their checks).
type EndedEach = Result<(Counts, Vec<Counts>, Vec<Vec<String>>), BatchFailure>;

/// What a batch read: each dataset's rows (or why they could not be
/// read), and for a change data capture where it stands and its changes.
type ReadRows<'c> = (
    Result<BTreeMap<String, Rows>, BatchFailure>,
    Option<&'c Captured>,
);

fn run_batch(
    engine: &Engine,
    conn: &mut Pooled,
    job: &IngestSpec,
    batch: i64,
    (rows, capture): ReadRows<'_>,
    marks: &[(String, String, i64)],
) -> Result<(i64, EndedEach), EngineError> {
    let clock = Instant::now();
    let seconds = |clock: &Instant| clock.elapsed().as_secs_f64();
    let stream = job.stream.as_str();
    let failed = |conn: &Pooled, message: &BatchFailure| {
        let why = message.to_string();
        fail(conn, stream, batch, &why, seconds(&clock), &engine.now())
    };
    let checked = match rows.and_then(|rows| {
        missing_exports(engine, job)?;
        if let Some(changes) = capture.and_then(|c| c.changes.as_ref()) {
            return Ok(Checked::Changes(capture::reduce(job, changes)?));
        }
        let checked = check_all(job, rows)?;
        empty_snapshots(conn, job, &checked)?;
        Ok(Checked::Rows(checked))
    }) {
        Ok(c) => c,
        Err(message) => {
            failed(conn, &message)?;
            return Ok((batch, Err(message)));
        }
    };
    let previous = last_committed(conn, stream)?;
    let cutoff = job.retention_days.map(|days| engine.days_ago(days));
    let groups = container_groups(job);
    let first: Vec<&str> = groups.first().cloned().unwrap_or_default();
    let sync = Sync::Changes { previous };
    let result = attached(
        conn,
        engine,
        &first,
        stream,
        |conn| -> Result<EndedEach, rusqlite::Error> {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(&SQL.mark_staged(), params![stream, batch])?;
            tx.execute(&SQL.create_changed(), [])?;
            tx.execute(&SQL.clear_changed(), [])?;
            let (counts, each) = merge_all(&tx, job, batch, &checked, cutoff.as_deref())?;
            // Dropping the transaction rolls the merge back: nothing of a
            // batch that breaks a `fail` rule is ever visible.
            let judged = match judge_quality(&tx, engine, job, batch)? {
                Ok(judged) => judged,
                Err(broken) => return Ok(Err(broken)),
            };
            export_group(&tx, job, &first, batch, sync, cutoff.as_deref())?;
            for (workspace, input, input_batch) in marks {
                tx.execute(&SQL.mark_input(), params![workspace, input, input_batch])?;
            }
            if let Some(c) = capture {
                capture::keep_position(&tx, stream, batch, c)?;
            }
            tx.execute(
                &SQL.commit_batch(),
                params![
                    stream,
                    batch,
                    engine.now(),
                    counts.inserted,
                    counts.updated,
                    counts.deleted,
                    counts.total,
                    seconds(&clock),
                    quality::warnings(&judged)
                ],
            )?;
            tx.commit()?;
            let broken = job
                .datasets
                .iter()
                .map(|d| quality::broken(&judged, &d.dataset));
            Ok(Ok((counts, each, broken.collect())))
        },
    )?;
    let ended =
        result.unwrap_or_else(|e| Err(failure!("the merge failed and was rolled back: {e}")));
    let counts = match ended {
        Ok(counts) => counts,
        Err(message) => {
            failed(conn, &message)?;
            return Ok((batch, Err(message)));
        }
    };
    // The batch has committed: the source may let its changes go. A
    // failure here loses nothing, since the next batch lets them go first.
    if let (Some(c), Some(reader)) = (capture, &engine.change_reader) {
        let _ = reader.advance(job, &c.position);
    }
    // The batch has committed; further containers follow it (a crash here
    // leaves them a batch behind, which the next run catches up).
    for group in groups.iter().skip(1) {
        let context = format!(
            "batch {batch} of `{stream}` committed, but its exports into {} could not follow; the next run copies them",
            group.join(", ")
        );
        attached(conn, engine, group, stream, |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            export_group(&tx, job, group, batch, sync, cutoff.as_deref())?;
            tx.commit()
        })?
        .map_err(sql(context))?;
    }
    Ok((batch, Ok(counts)))
}
