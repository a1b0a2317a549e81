//! PostgreSQL's logical replication messages (`pgoutput`, protocol version
//! 1), as a logical replication stream sends them (or
//! `pg_logical_slot_peek_binary_changes` returns them, one row each): what
//! a change data capture runner reads from a replication slot.
//!
//! Decoding is pure and borrows from the message: a value is a slice of
//! the bytes it came in. Every length and count is checked against what is
//! left, so a short or malformed message is an error naming the offset,
//! never a panic or a read past its end.
//!
//! ```
//! use datasurface_runtime::pgoutput::{decode, Message, Value};
//!
//! // An insert into relation 16384 of one text column, `hello`.
//! let mut bytes = vec![b'I'];
//! bytes.extend(16384u32.to_be_bytes());
//! bytes.push(b'N');
//! bytes.extend(1u16.to_be_bytes());
//! bytes.push(b't');
//! bytes.extend(5u32.to_be_bytes());
//! bytes.extend(b"hello");
//! let Message::Insert { relation, new } = decode(&bytes)? else { unreachable!() };
//! assert_eq!(relation, 16384);
//! assert_eq!(new.values, vec![Value::Text(b"hello")]);
//! # Ok::<(), datasurface_runtime::pgoutput::DecodeError>(())
//! ```

use thiserror::Error;

/// A position in the write-ahead log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Lsn(pub u64);

impl Lsn {
    /// Parses PostgreSQL's text form of a position, `16/B374D848`.
    pub fn parse(text: &str) -> Option<Lsn> {
        let (high, low) = text.split_once('/')?;
        let high = u32::from_str_radix(high, 16).ok()?;
        let low = u32::from_str_radix(low, 16).ok()?;
        Some(Lsn((u64::from(high) << 32) | u64::from(low)))
    }
}

impl std::fmt::Display for Lsn {
    /// PostgreSQL's text form, which `pg_lsn` reads.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:X}/{:X}", self.0 >> 32, self.0 & 0xFFFF_FFFF)
    }
}

/// One logical replication message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message<'a> {
    /// A transaction begins.
    Begin {
        /// Where its commit record is.
        final_lsn: Lsn,
        /// When it committed: microseconds since 2000-01-01 UTC.
        commit_time: i64,
        /// Its transaction id.
        xid: u32,
    },
    /// A transaction commits.
    Commit {
        /// Where its commit record is.
        commit_lsn: Lsn,
        /// Where the transaction ends: a slot advanced here has read it.
        end_lsn: Lsn,
        /// When it committed: microseconds since 2000-01-01 UTC.
        commit_time: i64,
    },
    /// What a relation's columns are, sent before its first change in a
    /// decoding session and again whenever it changes.
    Relation(Relation<'a>),
    /// A row inserted.
    Insert {
        /// The relation's id.
        relation: u32,
        /// The row.
        new: Tuple<'a>,
    },
    /// A row updated.
    Update {
        /// The relation's id.
        relation: u32,
        /// The old row's key (`K`, when the key changed) or whole row (`O`,
        /// with `REPLICA IDENTITY FULL`).
        old: Option<Tuple<'a>>,
        /// The new row; a column whose large value did not change is
        /// [`Value::Unchanged`].
        new: Tuple<'a>,
    },
    /// A row deleted.
    Delete {
        /// The relation's id.
        relation: u32,
        /// The old row's key, or its whole row with `REPLICA IDENTITY FULL`.
        old: Tuple<'a>,
    },
    /// Relations emptied.
    Truncate {
        /// Their ids.
        relations: Vec<u32>,
        /// `CASCADE` (1) and `RESTART IDENTITY` (2).
        options: u8,
    },
    /// A message this reader has no use for (origin, type, logical decoding
    /// message), by its tag.
    Other(u8),
}

/// A relation as a [`Message::Relation`] describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation<'a> {
    /// Its id.
    pub id: u32,
    /// Its schema (empty for `pg_catalog`).
    pub namespace: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its replica identity: `d` (default, the primary key), `n`
    /// (nothing), `f` (full row), `i` (an index).
    pub replica_identity: u8,
    /// Its columns, in order.
    pub columns: Vec<RelationColumn<'a>>,
}

/// A column of a [`Relation`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationColumn<'a> {
    /// Whether it is part of the replica identity (the key).
    pub key: bool,
    /// Its name.
    pub name: &'a str,
    /// Its type's id.
    pub type_oid: u32,
    /// Its type modifier (`-1` for none).
    pub type_modifier: i32,
}

/// A row's values, one per column of its relation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tuple<'a> {
    /// The values, in the relation's column order.
    pub values: Vec<Value<'a>>,
}

/// One column's value in a [`Tuple`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// `NULL`.
    Null,
    /// A large value kept out of line (`TOAST`) that the update did not
    /// change: not sent.
    Unchanged,
    /// The value in PostgreSQL's text output form.
    Text(&'a [u8]),
    /// The value in its binary send form.
    Binary(&'a [u8]),
}

/// Why a message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// It ended before what it says it holds.
    #[error("the message ends at byte {at}, but {wanted} more bytes were expected there")]
    Short {
        /// Where it ended.
        at: usize,
        /// How many bytes more were wanted.
        wanted: usize,
    },
    /// A byte that should be one of a few tags is not.
    #[error("byte {at} is {found:?}, where {expected} was expected")]
    Unexpected {
        /// Where.
        at: usize,
        /// What it is.
        found: char,
        /// What could be there.
        expected: &'static str,
    },
    /// A name is not UTF-8 or has no terminating zero byte.
    #[error("the name at byte {at} is not a zero-terminated UTF-8 string")]
    BadString {
        /// Where it starts.
        at: usize,
    },
    /// The message is empty.
    #[error("the message is empty")]
    Empty,
}

/// Decodes one message.
pub fn decode(bytes: &[u8]) -> Result<Message<'_>, DecodeError> {
    let mut r = Reader { bytes, at: 0 };
    let tag = r.u8().map_err(|_| DecodeError::Empty)?;
    Ok(match tag {
        b'B' => Message::Begin {
            final_lsn: Lsn(r.u64()?),
            commit_time: r.i64()?,
            xid: r.u32()?,
        },
        b'C' => {
            let _flags = r.u8()?;
            Message::Commit {
                commit_lsn: Lsn(r.u64()?),
                end_lsn: Lsn(r.u64()?),
                commit_time: r.i64()?,
            }
        }
        b'R' => Message::Relation(r.relation()?),
        b'I' => {
            let relation = r.u32()?;
            r.expect(b'N', "`N` (a new row)")?;
            Message::Insert {
                relation,
                new: r.tuple()?,
            }
        }
        b'U' => {
            let relation = r.u32()?;
            let at = r.at;
            let old = match r.u8()? {
                b'K' | b'O' => {
                    let old = r.tuple()?;
                    r.expect(b'N', "`N` (the new row)")?;
                    Some(old)
                }
                b'N' => None,
                found => {
                    return Err(DecodeError::Unexpected {
                        at,
                        found: char::from(found),
                        expected: "`K`, `O` or `N`",
                    });
                }
            };
            Message::Update {
                relation,
                old,
                new: r.tuple()?,
            }
        }
        b'D' => {
            let relation = r.u32()?;
            let at = r.at;
            match r.u8()? {
                b'K' | b'O' => {}
                found => {
                    return Err(DecodeError::Unexpected {
                        at,
                        found: char::from(found),
                        expected: "`K` or `O`",
                    });
                }
            }
            Message::Delete {
                relation,
                old: r.tuple()?,
            }
        }
        b'T' => {
            let count = r.u32()?;
            let options = r.u8()?;
            let count = usize::try_from(count).unwrap_or(usize::MAX);
            let mut relations = Vec::with_capacity(count.min(r.left() / 4));
            for _ in 0..count {
                relations.push(r.u32()?);
            }
            Message::Truncate { relations, options }
        }
        other => Message::Other(other),
    })
}

/// Reads a message front to back.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| DecodeError::Short {
                at: self.bytes.len(),
                wanted: n - self.left(),
            })?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    fn expect(&mut self, tag: u8, expected: &'static str) -> Result<(), DecodeError> {
        let at = self.at;
        match self.u8()? {
            found if found == tag => Ok(()),
            found => Err(DecodeError::Unexpected {
                at,
                found: char::from(found),
                expected,
            }),
        }
    }

    /// A zero-terminated UTF-8 string.
    fn string(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.at;
        let rest = &self.bytes[self.at..];
        let end = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(DecodeError::BadString { at })?;
        let text = std::str::from_utf8(&rest[..end]).map_err(|_| DecodeError::BadString { at })?;
        self.at += end + 1;
        Ok(text)
    }

    fn relation(&mut self) -> Result<Relation<'a>, DecodeError> {
        let id = self.u32()?;
        let namespace = self.string()?;
        let name = self.string()?;
        let replica_identity = self.u8()?;
        let count = self.u16()?;
        let mut columns = Vec::with_capacity(usize::from(count).min(self.left()));
        for _ in 0..count {
            columns.push(RelationColumn {
                key: self.u8()? & 1 == 1,
                name: self.string()?,
                type_oid: self.u32()?,
                type_modifier: self.i32()?,
            });
        }
        Ok(Relation {
            id,
            namespace,
            name,
            replica_identity,
            columns,
        })
    }

    fn tuple(&mut self) -> Result<Tuple<'a>, DecodeError> {
        let count = self.u16()?;
        let mut values = Vec::with_capacity(usize::from(count).min(self.left()));
        for _ in 0..count {
            let at = self.at;
            values.push(match self.u8()? {
                b'n' => Value::Null,
                b'u' => Value::Unchanged,
                b't' => {
                    let len = self.u32()?;
                    Value::Text(self.take(usize::try_from(len).unwrap_or(usize::MAX))?)
                }
                b'b' => {
                    let len = self.u32()?;
                    Value::Binary(self.take(usize::try_from(len).unwrap_or(usize::MAX))?)
                }
                found => {
                    return Err(DecodeError::Unexpected {
                        at,
                        found: char::from(found),
                        expected: "`n`, `u`, `t` or `b`",
                    });
                }
            });
        }
        Ok(Tuple { values })
    }
}

/// Writes messages as PostgreSQL does: for tests of what reads them (this
/// crate's, and a runner's that stages changes without a server).
#[doc(hidden)]
pub mod encode {
    use super::{Message, Tuple, Value};

    /// The bytes of `message`, as `pgoutput` sends them.
    pub fn encode(message: &Message<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        match message {
            Message::Begin {
                final_lsn,
                commit_time,
                xid,
            } => {
                out.push(b'B');
                out.extend(final_lsn.0.to_be_bytes());
                out.extend(commit_time.to_be_bytes());
                out.extend(xid.to_be_bytes());
            }
            Message::Commit {
                commit_lsn,
                end_lsn,
                commit_time,
            } => {
                out.push(b'C');
                out.push(0);
                out.extend(commit_lsn.0.to_be_bytes());
                out.extend(end_lsn.0.to_be_bytes());
                out.extend(commit_time.to_be_bytes());
            }
            Message::Relation(r) => {
                out.push(b'R');
                out.extend(r.id.to_be_bytes());
                string(&mut out, r.namespace);
                string(&mut out, r.name);
                out.push(r.replica_identity);
                out.extend(count16(r.columns.len()).to_be_bytes());
                for c in &r.columns {
                    out.push(u8::from(c.key));
                    string(&mut out, c.name);
                    out.extend(c.type_oid.to_be_bytes());
                    out.extend(c.type_modifier.to_be_bytes());
                }
            }
            Message::Insert { relation, new } => {
                out.push(b'I');
                out.extend(relation.to_be_bytes());
                out.push(b'N');
                tuple(&mut out, new);
            }
            Message::Update { relation, old, new } => {
                out.push(b'U');
                out.extend(relation.to_be_bytes());
                if let Some(old) = old {
                    out.push(b'O');
                    tuple(&mut out, old);
                }
                out.push(b'N');
                tuple(&mut out, new);
            }
            Message::Delete { relation, old } => {
                out.push(b'D');
                out.extend(relation.to_be_bytes());
                out.push(b'K');
                tuple(&mut out, old);
            }
            Message::Truncate { relations, options } => {
                out.push(b'T');
                out.extend(
                    u32::try_from(relations.len())
                        .unwrap_or(u32::MAX)
                        .to_be_bytes(),
                );
                out.push(*options);
                for r in relations {
                    out.extend(r.to_be_bytes());
                }
            }
            Message::Other(tag) => out.push(*tag),
        }
        out
    }

    fn count16(n: usize) -> u16 {
        u16::try_from(n).unwrap_or(u16::MAX)
    }

    fn string(out: &mut Vec<u8>, text: &str) {
        out.extend(text.as_bytes());
        out.push(0);
    }

    fn tuple(out: &mut Vec<u8>, t: &Tuple<'_>) {
        out.extend(count16(t.values.len()).to_be_bytes());
        for v in &t.values {
            match v {
                Value::Null => out.push(b'n'),
                Value::Unchanged => out.push(b'u'),
                Value::Text(bytes) | Value::Binary(bytes) => {
                    out.push(if matches!(v, Value::Text(_)) {
                        b't'
                    } else {
                        b'b'
                    });
                    out.extend(u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
                    out.extend(*bytes);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::encode::encode;
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..12)
    }

    /// A value's kind (0 null, 1 unchanged, 2 text, 3 binary) and bytes.
    fn values() -> impl Strategy<Value = Vec<(u8, Vec<u8>)>> {
        proptest::collection::vec((0u8..4, value()), 0..6)
    }

    fn tuple_of(values: &[(u8, Vec<u8>)]) -> Tuple<'_> {
        Tuple {
            values: values
                .iter()
                .map(|(kind, bytes)| match kind {
                    0 => Value::Null,
                    1 => Value::Unchanged,
                    2 => Value::Text(bytes),
                    _ => Value::Binary(bytes),
                })
                .collect(),
        }
    }

    #[test]
    fn positions_read_and_print_as_postgresql_writes_them() {
        let lsn = Lsn::parse("16/B374D848").unwrap();
        assert_eq!(lsn, Lsn(0x16_B374_D848));
        assert_eq!(lsn.to_string(), "16/B374D848");
        assert_eq!(Lsn(0).to_string(), "0/0");
        for bad in ["", "16", "16/", "/1", "G/1", "1/2/3", "100000000/0"] {
            assert_eq!(Lsn::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_relation_names_its_columns_and_key() {
        let relation = Message::Relation(Relation {
            id: 16385,
            namespace: "sales",
            name: "customers",
            replica_identity: b'd',
            columns: vec![
                RelationColumn {
                    key: true,
                    name: "id",
                    type_oid: 20,
                    type_modifier: -1,
                },
                RelationColumn {
                    key: false,
                    name: "name",
                    type_oid: 1043,
                    type_modifier: 104,
                },
            ],
        });
        let bytes = encode(&relation);
        assert_eq!(decode(&bytes), Ok(relation));
    }

    #[test]
    fn malformed_messages_are_errors_that_say_where() {
        assert_eq!(decode(b""), Err(DecodeError::Empty));
        assert_eq!(
            decode(b"B\0\0"),
            Err(DecodeError::Short { at: 3, wanted: 6 })
        );
        // An insert whose text value says it is longer than the message.
        let mut insert = vec![b'I', 0, 0, 0, 1, b'N', 0, 1, b't'];
        insert.extend(u32::MAX.to_be_bytes());
        insert.extend(b"abc");
        assert!(matches!(decode(&insert), Err(DecodeError::Short { .. })));
        assert_eq!(
            decode(&[b'I', 0, 0, 0, 1, b'X']),
            Err(DecodeError::Unexpected {
                at: 5,
                found: 'X',
                expected: "`N` (a new row)"
            })
        );
        // A relation whose name is not terminated.
        assert_eq!(
            decode(&[b'R', 0, 0, 0, 1, b'a']),
            Err(DecodeError::BadString { at: 5 })
        );
        // A truncate that claims four thousand million relations.
        let mut truncate = vec![b'T'];
        truncate.extend(u32::MAX.to_be_bytes());
        truncate.push(0);
        assert!(matches!(decode(&truncate), Err(DecodeError::Short { .. })));
    }

    proptest! {
        /// Every message reads back as it was written.
        #[test]
        fn messages_round_trip(
            relation in any::<u32>(),
            old in proptest::option::of(values()),
            new in values(),
            lsns in (any::<u64>(), any::<u64>(), any::<i64>(), any::<u32>()),
            names in ("[a-z_]{0,8}", "[a-zA-Z0-9 ]{1,8}"),
            relations in proptest::collection::vec(any::<u32>(), 0..4),
        ) {
            let (lsn, end, time, xid) = lsns;
            let column_names: Vec<String> = (0..new.len()).map(|i| format!("c{i}")).collect();
            let messages = vec![
                Message::Begin { final_lsn: Lsn(lsn), commit_time: time, xid },
                Message::Commit { commit_lsn: Lsn(lsn), end_lsn: Lsn(end), commit_time: time },
                Message::Relation(Relation {
                    id: relation,
                    namespace: &names.0,
                    name: &names.1,
                    replica_identity: b'f',
                    columns: column_names.iter().enumerate().map(|(i, name)| RelationColumn {
                        key: i == 0,
                        name,
                        type_oid: 25,
                        type_modifier: -1,
                    }).collect(),
                }),
                Message::Insert { relation, new: tuple_of(&new) },
                Message::Update { relation, old: old.as_deref().map(tuple_of), new: tuple_of(&new) },
                Message::Delete { relation, old: tuple_of(&new) },
                Message::Truncate { relations, options: 1 },
            ];
            for message in messages {
                let bytes = encode(&message);
                prop_assert_eq!(decode(&bytes), Ok(message.clone()));
                // Cut anywhere, it is an error, never a panic.
                for cut in 0..bytes.len() {
                    let decoded = decode(&bytes[..cut]);
                    prop_assert!(decoded.is_err(), "cut at {}: {:?}", cut, decoded);
                }
            }
        }

        /// Any bytes at all decode to a message or an error.
        #[test]
        fn any_bytes_decode_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = decode(&bytes);
        }
    }
}
