//! Reading a batch's changes from a stream's replication slot, streamed
//! once, into its target, in the order the source made them.

use std::collections::BTreeMap;

use datasurface_runtime::pgoutput::{self, Lsn, Message, Relation, Value};
use postgres::types::Type;

use super::super::exact::{self, Kind};
use super::super::sources::type_family;
use super::super::{BatchFailure, errors, failure};
use super::replication::{Event, Replication};
use super::source::Table;
use super::{Change, Snapshot, Target};
use crate::spec::{CdcSpec, DatasetSpec, IngestSpec};

/// The types of a row of a stream's changes table, in the order its
/// binary `COPY` sends them: the batch, the change's number, the dataset,
/// the operation (`I`, `U`, `D`, `T`), the columns an update left out, and
/// the values as text in the dataset's staged column order.
pub const CHANGE_ROW: [Type; 6] = [
    Type::INT4,
    Type::INT8,
    Type::TEXT,
    Type::BPCHAR,
    Type::TEXT_ARRAY,
    Type::TEXT_ARRAY,
];

/// The operation of a staged change.
const INSERT: &str = "I";
const UPDATE: &str = "U";
const DELETE: &str = "D";
const TRUNCATE: &str = "T";

/// A relation the slot sent: the dataset it is, and where each of the
/// dataset's columns is among its columns.
struct Mapped {
    dataset: usize,
    /// `None` for a column the source has but the publication did not send
    /// when the change was made (added to it later): the change has no value.
    at: Vec<Option<usize>>,
}

/// Which changes a batch streams, and what it may tell its slot.
#[derive(Debug, Clone, Copy)]
pub(super) struct Range {
    /// Where the stream's last batch stopped: every change of a
    /// transaction that committed before it is merged.
    pub(super) from: Lsn,
    /// Where the log was flushed when the batch began: it stages the
    /// transactions that committed before it.
    pub(super) upto: Lsn,
    /// Where the slot stands: what it was last told.
    pub(super) slot_at: Lsn,
    /// How far the stream has merged its slot's changes, which the slot
    /// is never told past but by an earlier attempt at this batch; `None`
    /// for a stream that reads only changes and has merged none.
    pub(super) merged: Option<Lsn>,
}

/// Reads a batch's changes from the slot into the changes table.
pub(super) struct Changes<'a> {
    spec: &'a IngestSpec,
    tables: &'a [Table],
    snapshot: Option<&'a Snapshot>,
    /// Each dataset's column kinds, for the exactness checks.
    kinds: Vec<Vec<Kind>>,
    /// Each dataset's key columns, by position.
    keys: Vec<Vec<usize>>,
    relations: BTreeMap<u32, Option<Mapped>>,
    /// Every type of the source by id, for a change made before a
    /// column's type changed.
    type_names: BTreeMap<u32, String>,
    /// The latest full values of each key changed in this batch, for an
    /// update that leaves out a large value it did not change.
    latest: BTreeMap<KeyOf, Row>,
    skipping: bool,
    seq: i64,
}

impl<'a> Changes<'a> {
    pub(super) fn new(
        spec: &'a IngestSpec,
        tables: &'a [Table],
        snapshot: Option<&'a Snapshot>,
    ) -> Self {
        Changes {
            spec,
            tables,
            snapshot,
            kinds: spec
                .datasets
                .iter()
                .map(|d| d.columns.iter().map(|c| Kind::of(&c.pg_type)).collect())
                .collect(),
            keys: spec
                .datasets
                .iter()
                .map(|d| {
                    d.primary_key
                        .iter()
                        .filter_map(|k| d.columns.iter().position(|c| &c.name == k))
                        .collect()
                })
                .collect(),
            relations: BTreeMap::new(),
            type_names: BTreeMap::new(),
            latest: BTreeMap::new(),
            skipping: false,
            seq: 0,
        }
    }

    /// Stages in `target` every change of the transactions that committed
    /// from `range.from` (or where the slot stands, if later) to before
    /// `range.upto`, streamed once over `stream`; the changes by dataset.
    ///
    /// The slot is told of its first transaction's commit as soon as it
    /// comes: nothing commits between where the stream starts and there
    /// that the stream has not merged. Told then, the slot can move the
    /// place it restarts decoding from past what it holds now (a server
    /// takes one such place at a time, and only once told past it), so
    /// the next batch does not decode this one's changes again. A slot told
    /// past what the stream merged is refused unless its first transaction
    /// commits exactly there: an earlier attempt at this batch told it so.
    pub(super) fn stage(
        &mut self,
        client: &mut postgres::Client,
        stream: &mut Replication,
        target: &mut dyn Target,
        cdc: &CdcSpec,
        range: Range,
    ) -> Result<BTreeMap<String, u64>, BatchFailure> {
        let Range {
            from,
            upto,
            slot_at,
            merged,
        } = range;
        // Told past what the stream merged: by an earlier attempt, if its
        // first transaction commits where the slot stands.
        let ahead = merged.is_some_and(|m| slot_at > m);
        let resync = target.resync(&self.spec.stream);
        let moved = || -> BatchFailure {
            failure!(
                "the replication slot `{}` this stream reads has moved past what the stream has merged (it starts at {slot_at}, the stream merged the changes before {}): it was made anew (by an apply after it was dropped) or read by another program, so the changes between cannot be read, and the stream stops rather than miss them; {} makes a new slot and loads a fresh snapshot",
                cdc.slot,
                merged.unwrap_or_default(),
                resync,
            )
        };
        self.type_names = client
            .query("SELECT oid, format_type(oid, NULL) FROM pg_type", &[])
            .map_err(|e| failure!("replication slot `{}`: {}", cdc.slot, errors::text(&e)))?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let mut read: BTreeMap<String, u64> = self
            .spec
            .datasets
            .iter()
            .map(|d| (d.dataset.clone(), 0))
            .collect();
        stream.start(&cdc.slot, from, &cdc.publication)?;
        stream.ping()?;
        let mut staged = Vec::new();
        let mut first = true;
        target.changes(&mut |emit| {
            loop {
                let data = match stream.next()? {
                    // Every transaction that committed before `upto` is sent.
                    Event::SentUpTo(sent) if sent >= upto => break,
                    Event::SentUpTo(_) => {
                        stream.ping()?;
                        continue;
                    }
                    Event::Data(data) => data,
                };
                let message = pgoutput::decode(&data).map_err(|e| {
                    failure!(
                        "replication slot `{}`: a change that cannot be read: {e}",
                        cdc.slot
                    )
                })?;
                match message {
                    // Transactions come in the order they committed.
                    Message::Begin { final_lsn, .. } if final_lsn >= upto => break,
                    Message::Begin { xid, final_lsn, .. } => {
                        if first {
                            first = false;
                            if ahead && final_lsn != slot_at {
                                return Err(moved());
                            }
                            if final_lsn > slot_at {
                                stream.tell(final_lsn)?;
                            }
                        }
                        self.skipping = self.snapshot.is_some_and(|s| s.saw(xid));
                    }
                    Message::Commit { .. } => self.skipping = false,
                    Message::Relation(r) => {
                        let mapped = self.map(&r)?;
                        self.relations.insert(r.id, mapped);
                    }
                    _ if self.skipping => {}
                    other => self.change(other, &mut staged)?,
                }
                for (dataset, op, unchanged, values) in staged.drain(..) {
                    self.seq += 1;
                    let name = &self.spec.datasets[dataset].dataset;
                    if let Some(n) = read.get_mut(name) {
                        *n += 1;
                    }
                    emit(Change {
                        seq: self.seq,
                        dataset: name,
                        op,
                        unchanged: &unchanged,
                        values: &values,
                    })?;
                }
            }
            // An earlier attempt told the slot of a transaction before `upto`.
            if ahead && first {
                return Err(moved());
            }
            Ok(())
        })?;
        stream.stop()?;
        Ok(read)
    }

    /// Where a relation's columns are, checked against the dataset's.
    fn map(&self, relation: &Relation<'_>) -> Result<Option<Mapped>, BatchFailure> {
        let Some(dataset) = self
            .tables
            .iter()
            .position(|t| t.namespace == relation.namespace && t.name == relation.name)
        else {
            return Ok(None);
        };
        let d = &self.spec.datasets[dataset];
        let table = &self.tables[dataset];
        let mut at = Vec::with_capacity(d.columns.len());
        // The batch checked the source has every column now; one a change
        // made before the publication held it has no value in it.
        for (c, source) in d.columns.iter().zip(&table.columns) {
            let Some(i) = relation.columns.iter().position(|rc| rc.name == source) else {
                at.push(None);
                continue;
            };
            let column = &relation.columns[i];
            // The column's type when the change was made.
            let t = table
                .types
                .get(&(column.type_oid, column.type_modifier))
                .or_else(|| self.type_names.get(&column.type_oid));
            if t.is_none_or(|t| type_family(t) != type_family(&c.pg_type)) {
                return Err(failure!(
                    "dataset `{}`, column `{}`: the source column's type changed to {} while the model says {} (the source's schema has drifted from the model: change one of them)",
                    d.dataset,
                    c.name,
                    t.map_or_else(
                        || format!(
                            "type {} (modifier {})",
                            column.type_oid, column.type_modifier
                        ),
                        |t| format!("`{t}`")
                    ),
                    c.pg_type
                ));
            }
            at.push(Some(i));
        }
        Ok(Some(Mapped { dataset, at }))
    }

    /// The staged rows of a change to the stream's tables: one, or one for
    /// each of its tables a `TRUNCATE` empties.
    fn change(
        &mut self,
        message: Message<'_>,
        out: &mut Vec<StagedChange>,
    ) -> Result<(), BatchFailure> {
        let (relation, op, old, new) = match message {
            Message::Insert { relation, new } => (relation, INSERT, None, new),
            Message::Update { relation, old, new } => (relation, UPDATE, old, new),
            Message::Delete { relation, old } => (relation, DELETE, None, old),
            Message::Truncate { relations, .. } => {
                for r in relations {
                    if let Some(Some(m)) = self.relations.get(&r) {
                        let dataset = m.dataset;
                        self.latest.retain(|(d, _), _| *d != dataset);
                        out.push((dataset, TRUNCATE, Vec::new(), Vec::new()));
                    }
                }
                return Ok(());
            }
            _ => return Ok(()),
        };
        let mapped = match self.relations.get(&relation) {
            Some(Some(mapped)) => mapped,
            // A table of the publication that is not the stream's.
            Some(None) => return Ok(()),
            None => {
                return Err(failure!(
                    "the replication slot sent a change to relation {relation} before describing it: the batch stops rather than guess which table it is"
                ));
            }
        };
        let dataset = mapped.dataset;
        let d = &self.spec.datasets[dataset];
        let mut values = Vec::with_capacity(mapped.at.len());
        let mut left_out = Vec::new();
        for (i, &at) in mapped.at.iter().enumerate() {
            let Some(at) = at else {
                values.push(None);
                continue;
            };
            let value = match new.values.get(at).copied().unwrap_or(Value::Null) {
                // Left out of the new row: the old row's, when it came whole.
                Value::Unchanged => {
                    if let Some(Value::Text(bytes)) = old.as_ref().and_then(|o| o.values.get(at)) {
                        Some(text(d, i, bytes)?)
                    } else {
                        left_out.push(i);
                        None
                    }
                }
                other => value_text(d, i, other)?,
            };
            if let (Some(v), Some(kind)) = (&value, self.kinds[dataset].get(i)) {
                exact::check(*kind, v).map_err(|e| {
                    failure!(
                        "dataset `{}`, column `{}`: {e}",
                        d.dataset,
                        d.columns[i].name
                    )
                })?;
            }
            values.push(value);
        }
        let key: Vec<Option<String>> = self.keys[dataset]
            .iter()
            .map(|&k| values.get(k).cloned().flatten())
            .collect();
        let mut unchanged = Vec::new();
        if let Some(before) = self.latest.get(&(dataset, key.clone())) {
            for i in left_out.drain(..) {
                values[i] = before.get(i).cloned().flatten();
            }
        }
        for i in left_out {
            unchanged.push(d.columns[i].name.clone());
        }
        if op == DELETE {
            self.latest.remove(&(dataset, key));
        } else if unchanged.is_empty() {
            self.latest.insert((dataset, key), values.clone());
        }
        out.push((dataset, op, unchanged, values));
        Ok(())
    }
}

/// A row's values as text, in its dataset's column order.
type Row = Vec<Option<String>>;

/// A dataset (by position) and a row's key values.
type KeyOf = (usize, Row);

/// A staged change: its dataset (by position), operation, the columns an
/// update left out, and its values.
type StagedChange = (usize, &'static str, Vec<String>, Row);

/// A value's text, or a failure naming the dataset and column.
fn value_text(d: &DatasetSpec, i: usize, v: Value<'_>) -> Result<Option<String>, BatchFailure> {
    match v {
        Value::Null | Value::Unchanged => Ok(None),
        Value::Text(bytes) => text(d, i, bytes).map(Some),
        Value::Binary(_) => Err(failure!(
            "dataset `{}`, column `{}`: the slot sent a binary value, which this runner does not ask for",
            d.dataset,
            d.columns[i].name
        )),
    }
}

fn text(d: &DatasetSpec, i: usize, bytes: &[u8]) -> Result<String, BatchFailure> {
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        failure!(
            "dataset `{}`, column `{}`: the source database's text is not UTF-8: give the database its real encoding",
            d.dataset,
            d.columns[i].name
        )
    })
}
