//! Following a PostgreSQL change data capture from a platform of another
//! kind (the `sqlite` platform): the same publication, slot, snapshot and
//! decoding this runner's own batches use, with what a batch reads handed
//! back in memory instead of staged in a merge database. The caller keeps
//! each batch's [`Captured::position`] with the batch, and passes it back
//! to read the next one and to [`advance`] the slot once the batch has
//! committed, so every change is merged once.
//!
//! The stream is described by an [`IngestSpec`] whose source is
//! [`SourceSpec::Postgres`](crate::spec::SourceSpec::Postgres) with change data capture: only its stream,
//! source and datasets' names, source tables, columns and keys are read.

pub use super::cdc::Mends;
use super::cdc::{self, Change, Position, ReadChanges, Session, Start, Target};
use super::{BatchFailure, JobError, Login, errors, failure};
use crate::names::quoted;
use crate::spec::{DatasetSpec, IngestSpec};
use datasurface_runtime::SlotState;
use datasurface_runtime::pgoutput::Lsn;

/// Where a batch starts reading.
#[derive(Debug, Clone, Copy)]
pub enum From<'a> {
    /// The stream's first batch: a snapshot, unless it reads only changes.
    First,
    /// After the batch that left this position ([`Captured::position`]).
    After(&'a serde_json::Value),
    /// A fresh snapshot after [`remake`] made the slot again.
    Resync,
}

/// What a batch read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Read {
    /// Every row of each dataset (in the spec's order), each value as
    /// PostgreSQL writes it as text (`None` for null), in the dataset's
    /// column order: the batch merges it as a snapshot.
    Snapshot(Vec<Vec<Vec<Option<String>>>>),
    /// The changes committed since the last batch, in the order the source
    /// made them.
    Changes(Vec<CapturedChange>),
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOp {
    /// A row was inserted.
    Insert,
    /// A row was updated (its key may have changed: the old key is gone).
    Update,
    /// A row was deleted: only its key's values are set.
    Delete,
    /// The table was emptied (`TRUNCATE`): it has no values.
    Truncate,
}

/// One change a batch read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CapturedChange {
    /// The dataset, by its place in the spec.
    pub dataset: usize,
    /// What it did.
    pub op: ChangeOp,
    /// Columns (by place) an update left out: large values it did not
    /// change that no earlier change of the batch had. Their values are
    /// the key's current ones.
    pub unchanged: Vec<usize>,
    /// Its values as text, in the dataset's column order.
    pub values: Vec<Option<String>>,
}

/// A batch read from the capture.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Captured {
    /// The rows or changes.
    pub read: Read,
    /// Where the stream stands once the batch commits: keep it with the
    /// batch, pass it to [`advance`] after the commit and to [`read`] for
    /// the next batch.
    pub position: serde_json::Value,
    /// What the operator is told: source columns the model does not name.
    pub notes: Vec<String>,
    /// The position of the source's log the batch read after, as
    /// PostgreSQL writes it (`0/16B3748`): none for a snapshot.
    pub read_from: Option<String>,
    /// The position the slot moves to once the batch commits: none for a
    /// snapshot, which lets nothing go.
    pub read_to: Option<String>,
}

/// The login a credential names, as the command line finds it.
pub type LoginOf<'a> = dyn Fn(&str) -> Result<Login, JobError> + 'a;

/// Makes the stream's publication hold exactly its tables and columns and
/// its slot exist (what applying a plan does, holding no lock); true when
/// the slot was made now.
///
/// # Errors
///
/// When the source cannot be reached, its login may do more than change
/// data capture needs, or a table cannot be published, saying which.
pub fn set_up(spec: &IngestSpec, login: &LoginOf<'_>) -> Result<bool, BatchFailure> {
    cdc::set_up(spec, login).map(|s| s == cdc::SetUp::Made)
}

/// Drops the slot of a stream the model no longer has, and its
/// publication when the login may; what the tables' owner must run when
/// it may not.
///
/// # Errors
///
/// When the source cannot be reached or the slot cannot be dropped.
pub fn tear_down(spec: &IngestSpec, login: &LoginOf<'_>) -> Result<Option<String>, BatchFailure> {
    cdc::tear_down(spec, login)
}

/// Drops the stream's slot and makes it again where the source's log is
/// now, for a batch read [`From::Resync`].
///
/// # Errors
///
/// As [`set_up`].
pub fn remake(spec: &IngestSpec, login: &LoginOf<'_>) -> Result<(), BatchFailure> {
    cdc::remake_slot(spec, login)
}

/// Reads the stream's next batch: a snapshot for its first (unless it
/// reads only changes), then the changes committed since the last batch,
/// up to where the source's log was when this one started, streamed once
/// from where the last batch stopped (whatever the slot says, if a crash
/// kept it from being told); this batch's changes stay in the slot until
/// [`advance`].
///
/// # Errors
///
/// When the spec reads no change data capture, the source cannot be read,
/// the slot is gone (the error names `resync`, the caller's command that
/// mends it), or the source's schema has drifted from the model's, saying
/// which.
pub fn read(
    spec: &IngestSpec,
    from: From<'_>,
    resync: &str,
    login: &LoginOf<'_>,
) -> Result<Captured, BatchFailure> {
    let settings = cdc::of(spec)
        .ok_or_else(|| failure!("stream `{}` reads no change data capture", spec.stream))?;
    let start = match from {
        From::First => Start::First,
        From::Resync => Start::Resync,
        From::After(position) => Start::Last(
            serde_json::from_value::<Position>(position.clone()).map_err(|e| {
                failure!(
                    "stream `{}`: the position its last batch kept cannot be read ({e}); `datasurface job resync` starts it afresh",
                    spec.stream
                )
            })?,
        ),
    };
    let mut memory = Memory {
        spec,
        rows: Vec::new(),
        changes: Vec::new(),
        resync,
    };
    let mut session = Session::default();
    let staged = cdc::stage(&mut memory, spec, settings, start, &mut session, login)?;
    let position = serde_json::to_value(&staged.position)
        .map_err(|e| failure!("stream `{}`: its position: {e}", spec.stream))?;
    let read = if staged.position.loaded_snapshot {
        Read::Snapshot(memory.rows)
    } else {
        Read::Changes(memory.changes)
    };
    Ok(Captured {
        read,
        position,
        notes: staged.notes,
        read_from: staged.position.read_from,
        read_to: staged.position.advance_to,
    })
}

/// Lets the stream's slot go past what a committed batch read: call it
/// once the batch that [`read`] `position` has committed. A failure loses
/// nothing: the next [`read`] starts after `position` all the same, and
/// its own [`advance`] lets the slot go past both.
///
/// # Errors
///
/// When the source cannot be reached or the slot cannot be advanced.
pub fn advance(
    spec: &IngestSpec,
    position: &serde_json::Value,
    login: &LoginOf<'_>,
) -> Result<(), BatchFailure> {
    let position: Position = serde_json::from_value(position.clone())
        .map_err(|e| failure!("stream `{}`: its position: {e}", spec.stream))?;
    cdc::advance(spec, &position, &mut Session::default(), login)
}

/// The stream's replication slot as its source's server reports it: how
/// much of the source's log it holds, how old the oldest change it can
/// hold is, and whether it needs an operator, worded with the caller's
/// `mends`. `ran`: whether the stream has committed a batch; `since`:
/// how old its batches are ([`Since`]). A slot that cannot be read needs an operator, saying why. None when
/// the spec reads no change data capture.
pub fn slot(
    spec: &IngestSpec,
    ran: bool,
    since: &mut Since<'_>,
    mends: &Mends,
    login: &LoginOf<'_>,
) -> Option<SlotState> {
    cdc::state_of(
        spec,
        ran,
        &mut |at| {
            since(&|kept| {
                serde_json::from_value::<Position>(kept.clone())
                    .ok()
                    .and_then(|p| p.advance_to.as_deref().and_then(Lsn::parse))
                    .is_some_and(|to| to <= at)
            })
        },
        mends,
        login,
    )
}

/// How old a stream's batches are, for [`slot`]: given a test of a kept
/// [`Captured::position`], the seconds since the start of the latest
/// committed batch whose position passes it, or else of the stream's
/// first committed batch (none before one).
pub type Since<'a> = dyn FnMut(&dyn Fn(&serde_json::Value) -> bool) -> Option<f64> + 'a;

/// A batch read into memory.
struct Memory<'s> {
    spec: &'s IngestSpec,
    rows: Vec<Vec<Vec<Option<String>>>>,
    changes: Vec<CapturedChange>,
    resync: &'s str,
}

impl Target for Memory<'_> {
    fn clear(&mut self) -> Result<(), BatchFailure> {
        self.rows.clear();
        self.changes.clear();
        Ok(())
    }

    fn table(
        &mut self,
        client: &mut postgres::Client,
        d: &DatasetSpec,
    ) -> Result<u64, BatchFailure> {
        let fail = |e: &postgres::Error| failure!("dataset `{}`: {}", d.dataset, errors::text(e));
        let (table, present) = super::sources::source_table(client, d)?;
        let names = super::sources::match_columns(d, &table, &present)?;
        let select: Vec<String> = names
            .iter()
            .map(|n| format!("{}::text", quoted(n)))
            .collect();
        let rows = client
            .query(&format!("SELECT {} FROM {table}", select.join(", ")), &[])
            .map_err(|e| fail(&e))?;
        let rows: Vec<Vec<Option<String>>> = rows
            .iter()
            .map(|r| (0..names.len()).map(|i| r.get(i)).collect())
            .collect();
        let n = rows.len() as u64;
        self.rows.push(rows);
        Ok(n)
    }

    fn resync(&self, _: &str) -> String {
        self.resync.to_owned()
    }

    fn changes(&mut self, read: &mut ReadChanges<'_>) -> Result<(), BatchFailure> {
        let spec = self.spec;
        let out = &mut self.changes;
        read(&mut |c: Change<'_>| {
            let dataset = spec
                .datasets
                .iter()
                .position(|d| d.dataset == c.dataset)
                .ok_or_else(|| failure!("a change to unknown dataset `{}`", c.dataset))?;
            let columns = &spec.datasets[dataset].columns;
            let op = match c.op {
                "I" => ChangeOp::Insert,
                "U" => ChangeOp::Update,
                "D" => ChangeOp::Delete,
                _ => ChangeOp::Truncate,
            };
            out.push(CapturedChange {
                dataset,
                op,
                unchanged: c
                    .unchanged
                    .iter()
                    .filter_map(|u| columns.iter().position(|col| &col.name == u))
                    .collect(),
                values: c.values.to_vec(),
            });
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::SourceSpec;

    #[test]
    fn a_spec_without_change_data_capture_is_refused_before_any_login() {
        let spec = IngestSpec {
            stream: "s".into(),
            datastore: "s".into(),
            source: SourceSpec::Transformer {
                workspace: "w".into(),
            },
            keep_history: false,
            retention_days: None,
            datasets: Vec::new(),
            lineage: None,
        };
        let login = |_: &str| -> Result<Login, JobError> { panic!("no login is needed") };
        let e = read(&spec, From::First, "resync", &login).unwrap_err();
        assert!(
            e.to_string().contains("reads no change data capture"),
            "{e}"
        );
        let bad = serde_json::json!({"readFrom": 7});
        let e = advance(&spec, &bad, &login).unwrap_err();
        assert!(e.to_string().contains("its position"), "{e}");
    }
}
