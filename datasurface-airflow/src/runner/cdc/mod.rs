//! Change data capture from PostgreSQL: a stream's changes read from a
//! logical replication slot (`pgoutput`) decoding a publication of exactly
//! its tables and columns, so a batch costs what changed, not the table.
//!
//! A batch streams, over a replication connection, the changes of the
//! transactions that committed from where the last batch stopped to a
//! position fixed when it starts (`START_REPLICATION` at the last batch's
//! position: the server skips what committed before it, whatever the slot
//! says), stages them in the stream's changes table in the order the
//! source made them, and records that position in its state. The slot is
//! told the position only after the merge commits: a runner killed before
//! telling it leaves the slot behind, and the next batch still starts
//! where this one stopped. So every change is merged once: staged twice, a
//! batch's changes are merged by one batch. While streaming, the slot is
//! told only of the commit of the batch's first transaction, before which
//! nothing is left unmerged, so the server may move the place it restarts
//! decoding from past the last batch's changes (see `Changes::stage`). The
//! log is decoded once per batch (the slot's telling decodes next to
//! nothing, where `pg_replication_slot_advance` decodes it all again).
//!
//! `job apply` makes the publication and the slot (`set_up`), holding no
//! lock: making a slot waits for every transaction on the source's server
//! to end. Unless the stream reads only changes, its first batch loads a
//! snapshot of every table, taken after the slot began: changes the
//! snapshot already holds (their transactions are visible in it) are
//! skipped when the slot reads them, until its position passes the
//! snapshot's.

mod changes;
mod lag;
mod replication;
mod source;

use std::collections::BTreeMap;

use datasurface_runtime::pgoutput::Lsn;
use postgres::Transaction;
use serde::{Deserialize, Serialize};

use super::sources;
use super::{BatchFailure, JobError, Login, errors, failure};
use crate::names::quoted;
use crate::spec::{CdcSpec, DatasetSpec, IngestSpec, SourceSpec};
pub use changes::CHANGE_ROW;
use changes::{Changes, Range};
pub use lag::Mends;
pub(crate) use lag::{slot_state, state_of};
use postgres::binary_copy::BinaryCopyInWriter;
use replication::Replication;
use source::{connect, publish, slot, tables};

/// Where a stream's change data capture stands after a batch, kept in the
/// batch's state (`cdc`) in `batch_metrics`: what the next batch starts from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Position {
    /// Where the slot stood when the batch read it: the changes after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) read_from: Option<String>,
    /// How far the slot may be advanced once this batch commits: it has
    /// merged every change before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) advance_to: Option<String>,
    /// The snapshot the first batch loaded, while the slot may still hold
    /// changes it saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) snapshot: Option<Snapshot>,
    /// Whether this batch staged a snapshot (merged as one) rather than changes.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) loaded_snapshot: bool,
    /// Each dataset's columns in the order its staged values are in.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) columns: BTreeMap<String, Vec<String>>,
}

/// A snapshot of the source (`pg_current_snapshot()`): which transactions
/// it saw, and the position of the log when it was taken. Every
/// transaction it saw committed before that position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Snapshot {
    /// The oldest transaction still running: older ones it saw.
    pub(crate) xmin: u64,
    /// The first transaction not yet started: it saw none from here.
    pub(crate) xmax: u64,
    /// Transactions between running when it was taken: it saw none of them.
    pub(crate) running: Vec<u64>,
    /// The log's position when it was taken.
    pub(crate) until: String,
}

impl Snapshot {
    /// Reads `pg_current_snapshot()`'s text, `xmin:xmax:xip,…`.
    fn parse(text: &str, until: String) -> Option<Snapshot> {
        let mut parts = text.split(':');
        let xmin = parts.next()?.parse().ok()?;
        let xmax = parts.next()?.parse().ok()?;
        let running = match parts.next()? {
            "" => Vec::new(),
            list => list
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()
                .ok()?,
        };
        Some(Snapshot {
            xmin,
            xmax,
            running,
            until,
        })
    }

    /// Whether the snapshot saw transaction `xid` (32 bits, as a decoded
    /// `Begin` names it; placed in the epoch nearest the snapshot's).
    fn saw(&self, xid: u32) -> bool {
        let full = widen(xid, self.xmax);
        full < self.xmin || (full < self.xmax && !self.running.contains(&full))
    }
}

/// A 32-bit transaction id as the 64-bit one nearest `near`.
fn widen(xid: u32, near: u64) -> u64 {
    const EPOCH: u64 = 1 << 32;
    let candidate = (near & !(EPOCH - 1)) | u64::from(xid);
    if candidate > near.saturating_add(EPOCH / 2) {
        candidate.saturating_sub(EPOCH)
    } else if candidate.saturating_add(EPOCH / 2) < near {
        candidate.saturating_add(EPOCH)
    } else {
        candidate
    }
}

/// Where a change data capture batch starts.
#[derive(Debug)]
pub(crate) enum Start {
    /// The stream's first batch: a snapshot, unless it reads only changes.
    First,
    /// After the position the stream's last committed batch left.
    Last(Position),
    /// A fresh snapshot an operator asked for (`job resync`), taken after
    /// the slot it remade began: what came before is not read.
    Resync,
}

/// What staging a change data capture batch did.
pub(crate) struct Staged {
    /// Rows (or changes) staged, in all.
    pub(crate) rows: u64,
    /// By dataset.
    pub(crate) read: BTreeMap<String, u64>,
    /// Where the stream stands once the batch commits.
    pub(crate) position: Position,
    /// What the operator is told: the source's columns the model does not
    /// name, which are not published.
    pub(crate) notes: Vec<String>,
}

/// A change a batch stages: its number in the batch (from 1, in the order
/// the source made them), dataset, operation (`I`, `U`, `D`, or `T` for a
/// `TRUNCATE`), the columns an update left out (large values it did not
/// change, and no earlier change of the batch had), and its values as text
/// in the dataset's column order.
pub(crate) struct Change<'a> {
    pub(crate) seq: i64,
    pub(crate) dataset: &'a str,
    pub(crate) op: &'static str,
    pub(crate) unchanged: &'a [String],
    pub(crate) values: &'a [Option<String>],
}

/// Where a batch stages what it reads from the source: the merge
/// database's staging and changes tables (this platform's own batches,
/// [`MergeDb`]), or memory (another platform following the capture,
/// `capture::read`).
pub(crate) trait Target {
    /// Forgets what an earlier attempt at the batch staged.
    fn clear(&mut self) -> Result<(), BatchFailure>;
    /// Stages every row of dataset `d`'s table, read in the snapshot
    /// `client` has open; how many.
    fn table(
        &mut self,
        client: &mut postgres::Client,
        d: &DatasetSpec,
    ) -> Result<u64, BatchFailure>;
    /// Stages the changes `read` gives its callback, in order.
    fn changes(&mut self, read: &mut ReadChanges<'_>) -> Result<(), BatchFailure>;
    /// The command that makes stream `stream`'s slot anew and loads a fresh
    /// snapshot, as a message names it.
    fn resync(&self, stream: &str) -> String {
        format!("`datasurface job resync --stream {stream}`")
    }
}

/// Reads a batch's changes, giving each to the callback it is passed.
pub(crate) type ReadChanges<'r> = dyn FnMut(&mut dyn FnMut(Change<'_>) -> Result<(), BatchFailure>) -> Result<(), BatchFailure>
    + 'r;

/// The merge database as a batch's [`Target`]: the datasets' staging tables
/// and the stream's changes table, in the batch's transaction.
pub(crate) struct MergeDb<'t, 'tx> {
    pub(crate) tx: &'t mut Transaction<'tx>,
    pub(crate) cdc: &'t CdcSpec,
    pub(crate) batch: i32,
}

impl Target for MergeDb<'_, '_> {
    fn clear(&mut self) -> Result<(), BatchFailure> {
        self.tx
            .batch_execute(&format!("TRUNCATE {}", self.cdc.changes_table))
            .map_err(|e| failure!("the stream's changes table: {}", errors::text(&e)))
    }

    fn table(
        &mut self,
        client: &mut postgres::Client,
        d: &DatasetSpec,
    ) -> Result<u64, BatchFailure> {
        self.tx
            .batch_execute(&format!("TRUNCATE {}", d.staging_table))
            .map_err(|e| format!("dataset `{}`: {}", d.dataset, errors::text(&e)))?;
        sources::postgres_table(client, self.tx, d, self.batch, None, None, false).map(|s| s.rows)
    }

    fn changes(&mut self, read: &mut ReadChanges<'_>) -> Result<(), BatchFailure> {
        let writing =
            |e: &postgres::Error| failure!("the stream's changes table: {}", errors::text(e));
        let sink = self
            .tx
            .copy_in(&format!(
                "COPY {} FROM STDIN (FORMAT binary)",
                self.cdc.changes_table
            ))
            .map_err(|e| writing(&e))?;
        let mut writer = BinaryCopyInWriter::new(sink, &CHANGE_ROW);
        let batch = self.batch;
        read(&mut |c: Change<'_>| {
            writer
                .write(&[&batch, &c.seq, &c.dataset, &c.op, &c.unchanged, &c.values])
                .map_err(|e| writing(&e))
        })?;
        writer.finish().map(|_| ()).map_err(|e| writing(&e))
    }
}

/// The stream's change data capture settings and source endpoint, when it
/// has them.
pub(crate) fn of(spec: &IngestSpec) -> Option<&CdcSpec> {
    match &spec.source {
        SourceSpec::Postgres { cdc, .. } => cdc.as_ref(),
        _ => None,
    }
}

/// Stages a batch of a change data capture stream: the first batch loads
/// a snapshot (unless the stream reads only changes); every later one
/// stages the changes committed since the last.
pub(crate) fn stage(
    target: &mut dyn Target,
    spec: &IngestSpec,
    cdc: &CdcSpec,
    start: Start,
    session: &mut Session,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<Staged, BatchFailure> {
    let client = session.client(spec, login)?;
    let tables = tables(client, spec)?;
    publish(client, cdc, &tables)?;
    let notes = tables
        .iter()
        .filter(|t| !t.ignored.is_empty())
        .map(|t| {
            format!(
                "source table `{}` has columns the model does not name, which are not published and not read: {}",
                t.shown,
                t.ignored
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let columns: BTreeMap<String, Vec<String>> = spec
        .datasets
        .iter()
        .map(|d| {
            let names = d.columns.iter().map(|c| c.name.clone()).collect();
            (d.dataset.clone(), names)
        })
        .collect();
    target.clear()?;
    let Some(confirmed) = slot(client, cdc)? else {
        let resync = target.resync(&spec.stream);
        return Err(match start {
            Start::First => failure!(
                "the stream's replication slot `{}` does not exist yet: `datasurface job apply` makes it, before the stream's first batch",
                cdc.slot
            ),
            Start::Last(_) => failure!(
                "the replication slot `{}` this stream reads is gone (an operator dropped it, or the source was restored from a backup): the changes made since its last batch cannot be read, and the stream stops rather than miss them; {resync} makes a new slot and loads a fresh snapshot",
                cdc.slot
            ),
            Start::Resync => failure!(
                "the replication slot `{}` is gone, and this batch's fresh snapshot needs it: run {resync} again, which makes it",
                cdc.slot
            ),
        });
    };
    // A stream that reads only changes starts with the slot's first.
    let last = match start {
        Start::Last(last) => last,
        Start::Resync => return first(client, target, spec, columns, notes),
        Start::First if cdc.snapshot_first => {
            return first(client, target, spec, columns, notes);
        }
        Start::First => Position::default(),
    };
    let advanced = last.advance_to.as_deref().and_then(Lsn::parse);
    let last_to = advanced.unwrap_or_default();
    // Where the log is flushed, not written: the server streams nothing
    // past that, so waiting for the rest would hold the batch up (until the
    // WAL writer flushes it) for changes of no transaction that had
    // committed (a commit is flushed before it returns; one made with
    // `synchronous_commit = off` comes with the next batch).
    let upto: String = client
        .query_one("SELECT pg_current_wal_flush_lsn()::text", &[])
        .map_err(|e| failure!("source: {}", errors::text(&e)))?
        .get(0);
    let upto_lsn = Lsn::parse(&upto).unwrap_or_default();
    let mut reader = Changes::new(spec, &tables, last.snapshot.as_ref());
    let (client, stream) = session.both(spec, login)?;
    let read = reader
        .stage(
            client,
            stream,
            target,
            cdc,
            Range {
                from: last_to,
                upto: upto_lsn,
                slot_at: confirmed,
                merged: merged_up_to(advanced, &last),
            },
        )
        .inspect_err(|_| session.stream = None)?;
    // A walsender streams once per connection: PostgreSQL 15 ends a second
    // `START_REPLICATION` on it at once, before it reads what it is sent.
    session.stream = None;
    // Past the snapshot's position the slot holds nothing it saw.
    let snapshot = last
        .snapshot
        .filter(|s| Lsn::parse(&s.until).is_none_or(|until| upto_lsn < until));
    Ok(Staged {
        rows: read.values().sum(),
        read,
        position: Position {
            read_from: Some(confirmed.max(last_to).to_string()),
            advance_to: Some(upto),
            snapshot,
            loaded_snapshot: false,
            columns,
        },
        notes,
    })
}

/// How far a stream has merged the changes of its slot after the batch
/// that left `last`: the slot never starts past it (it is told no further,
/// and is made before the snapshot a stream starts with), unless it was
/// made anew or another program read it. `None` for a stream that reads
/// only changes and has merged none. `advanced` is where `last` says the
/// slot was told to advance to, parsed.
fn merged_up_to(advanced: Option<Lsn>, last: &Position) -> Option<Lsn> {
    advanced.or_else(|| last.snapshot.as_ref().and_then(|s| Lsn::parse(&s.until)))
}

/// The first batch of a stream that starts with a snapshot: every table,
/// read after its slot began, so the slot's changes the snapshot holds can
/// be told by their transactions.
fn first(
    client: &mut postgres::Client,
    target: &mut dyn Target,
    spec: &IngestSpec,
    columns: BTreeMap<String, Vec<String>>,
    notes: Vec<String>,
) -> Result<Staged, BatchFailure> {
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .map_err(|e| failure!("source: {}", errors::text(&e)))?;
    let row = client
        .query_one(
            "SELECT pg_current_snapshot()::text, pg_current_wal_lsn()::text",
            &[],
        )
        .map_err(|e| failure!("source: {}", errors::text(&e)))?;
    let (text, until): (String, String) = (row.get(0), row.get(1));
    let snapshot = Snapshot::parse(&text, until)
        .ok_or_else(|| failure!("source: cannot read its snapshot `{text}`"))?;
    let mut read = BTreeMap::new();
    for d in &spec.datasets {
        let rows = target.table(client, d)?;
        read.insert(d.dataset.clone(), rows);
    }
    let _ = client.batch_execute("COMMIT");
    Ok(Staged {
        rows: read.values().sum(),
        read,
        position: Position {
            read_from: None,
            advance_to: None,
            snapshot: Some(snapshot),
            loaded_snapshot: true,
            columns,
        },
        notes,
    })
}

/// Tells the stream's slot that a committed batch merged every change
/// before its position, so the source may let go of the log before it. A
/// failure loses nothing (the next batch starts after what it merged,
/// whatever the slot says, and tells it then) and is told.
pub(crate) fn advance(
    spec: &IngestSpec,
    position: &Position,
    session: &mut Session,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<(), BatchFailure> {
    let (Some(cdc), Some(to)) = (
        of(spec),
        position.advance_to.as_deref().and_then(Lsn::parse),
    ) else {
        return Ok(());
    };
    let client = session.client(spec, login)?;
    match slot(client, cdc)? {
        Some(confirmed) if confirmed < to => session
            .replication(spec, login)?
            .confirm(&cdc.slot, to, &cdc.publication)
            .inspect_err(|_| session.stream = None),
        _ => Ok(()),
    }
}

/// A batch's sessions on its stream's source, opened when first needed
/// and kept from staging to telling the slot: one login per batch for
/// its queries, and one for its replication stream.
#[derive(Default)]
pub(crate) struct Session {
    client: Option<postgres::Client>,
    stream: Option<Replication>,
}

impl Session {
    fn client(
        &mut self,
        spec: &IngestSpec,
        login: &dyn Fn(&str) -> Result<Login, JobError>,
    ) -> Result<&mut postgres::Client, BatchFailure> {
        if self.client.as_ref().is_none_or(postgres::Client::is_closed) {
            self.client = Some(connect(spec, login)?);
        }
        self.client
            .as_mut()
            .ok_or_else(|| failure!("the source's session is gone"))
    }

    fn both(
        &mut self,
        spec: &IngestSpec,
        login: &dyn Fn(&str) -> Result<Login, JobError>,
    ) -> Result<(&mut postgres::Client, &mut Replication), BatchFailure> {
        self.client(spec, login)?;
        self.replication(spec, login)?;
        match (self.client.as_mut(), self.stream.as_mut()) {
            (Some(client), Some(stream)) => Ok((client, stream)),
            _ => Err(failure!("the source's session is gone")),
        }
    }

    fn replication(
        &mut self,
        spec: &IngestSpec,
        login: &dyn Fn(&str) -> Result<Login, JobError>,
    ) -> Result<&mut Replication, BatchFailure> {
        if self.stream.is_none() {
            let (endpoint, transport, what) = sources::source_endpoint(&spec.source, login)?;
            self.stream = Some(Replication::connect(&endpoint, &what, transport)?);
        }
        self.stream
            .as_mut()
            .ok_or_else(|| failure!("the source's replication session is gone"))
    }
}

/// What `job apply` did to a change data capture stream's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SetUp {
    /// Its slot was made now.
    Made,
    /// Its slot was there.
    Kept,
}

/// Makes a change data capture stream's publication hold exactly its
/// tables and columns, and its replication slot exist: what `job apply`
/// does, holding no lock, since making a slot waits for every transaction
/// running on the source's server to end.
pub(crate) fn set_up(
    spec: &IngestSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<SetUp, BatchFailure> {
    make_slot(spec, login, false)
}

/// Drops the stream's replication slot, if it has one, and makes a new one
/// where the source's log is now (and its publication hold exactly its
/// tables and columns): what `job resync` does before its batch loads a
/// fresh snapshot, holding no lock.
pub(crate) fn remake_slot(
    spec: &IngestSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<(), BatchFailure> {
    make_slot(spec, login, true).map(|_| ())
}

fn make_slot(
    spec: &IngestSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
    remake: bool,
) -> Result<SetUp, BatchFailure> {
    let Some(cdc) = of(spec) else {
        return Ok(SetUp::Kept);
    };
    let mut client = connect(spec, login)?;
    let tables = tables(&mut client, spec)?;
    publish(&mut client, cdc, &tables)?;
    if slot(&mut client, cdc)?.is_some() {
        if !remake {
            return Ok(SetUp::Kept);
        }
        drop_slot(&mut client, cdc)?;
    }
    client
        .execute(
            "SELECT pg_create_logical_replication_slot($1, 'pgoutput')",
            &[&cdc.slot],
        )
        .map_err(|e| failure!("replication slot `{}`: {}", cdc.slot, errors::text(&e)))?;
    Ok(SetUp::Made)
}

/// Drops the replication slot of a stream the model no longer has, so it
/// pins no log on the source, and its publication when the login may (or
/// says what the tables' owner must run).
pub(crate) fn tear_down(
    spec: &IngestSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<Option<String>, BatchFailure> {
    let Some(cdc) = of(spec) else {
        return Ok(None);
    };
    let mut client = connect(spec, login)?;
    if slot(&mut client, cdc)?.is_some() {
        drop_slot(&mut client, cdc)?;
    }
    let statement = format!("DROP PUBLICATION IF EXISTS {}", quoted(&cdc.publication));
    let dropped = client.transaction().and_then(|mut tx| {
        tx.batch_execute(&format!("SET TRANSACTION READ WRITE; {statement}"))?;
        tx.commit()
    });
    Ok(dropped.err().map(|e| {
        format!(
            "publication `{}` stays ({}): have the owner of its tables run `{statement};` on the source database",
            cdc.publication,
            errors::text(&e)
        )
    }))
}

fn drop_slot(client: &mut postgres::Client, cdc: &CdcSpec) -> Result<(), BatchFailure> {
    client
        .execute("SELECT pg_drop_replication_slot($1)", &[&cdc.slot])
        .map(|_| ())
        .map_err(|e| failure!("replication slot `{}`: {}", cdc.slot, errors::text(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_saw_what_committed_before_it_and_nothing_running() {
        let s = Snapshot::parse("100:105:101,103", "0/10".into()).unwrap();
        for (xid, saw) in [
            (99, true),
            (100, true),
            (101, false),
            (102, true),
            (103, false),
            (104, true),
            (105, false),
            (200, false),
        ] {
            assert_eq!(s.saw(xid), saw, "{xid}");
        }
        // Ids of another epoch: the nearest one counts.
        let far = Snapshot::parse("4294967390:4294967400:", "0/10".into()).unwrap();
        assert!(far.saw(50), "epoch 1, id 50 is older");
        assert!(!far.saw(120), "epoch 1, id 120 is newer");
        assert!(far.saw(u32::MAX - 5), "epoch 0's last ids are older");
        assert_eq!(Snapshot::parse("1:2", "x".into()), None);
        assert_eq!(Snapshot::parse("a:2:", "x".into()), None);
    }
}
