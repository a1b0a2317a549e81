//! Avro schema resolution: whether a reader's schema reads all that a
//! writer's schema writes, as the Avro specification's resolution rules
//! say (and Apache Avro's `SchemaCompatibility` checks them): promotions,
//! reader defaults for fields the writer lacks, aliases, enum defaults,
//! union branches. Logical types do not take part, as in the
//! specification: they change how a value reads, not whether it does.

use std::collections::{BTreeMap, BTreeSet};

use crate::schema::{AvroSchema, FullName, Primitive, Record};

/// One reason a reader cannot read what a writer writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incompatibility {
    /// Where in the reader's schema, such as `fields[status].type`.
    pub at: String,
    /// What the reader cannot read.
    pub message: String,
}

impl std::fmt::Display for Incompatibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

/// Schemas so intricate that comparing them takes more steps than this
/// (unions of records of unions, many levels deep) are called
/// incompatible rather than compared at length.
pub const MAX_STEPS: usize = 1_000_000;

/// Every reason `reader` cannot read data written with `writer`; empty
/// when it can.
pub fn can_read(reader: &AvroSchema, writer: &AvroSchema) -> Vec<Incompatibility> {
    let mut cx = Cx::default();
    check(&mut cx, reader, writer, "");
    if cx.exhausted {
        cx.push(
            "",
            format!("the schemas are too intricate to compare within {MAX_STEPS} steps; ship the new schema as a new dataset"),
        );
    }
    cx.out
}

/// A comparison under way: what it found, the steps it took, and which
/// pairs of types it already knows to read each other.
#[derive(Default)]
struct Cx {
    out: Vec<Incompatibility>,
    steps: usize,
    exhausted: bool,
    known: BTreeMap<(usize, usize), bool>,
}

impl Cx {
    fn push(&mut self, at: &str, message: String) {
        self.out.push(Incompatibility {
            at: at.to_owned(),
            message,
        });
    }

    /// Takes a step; false once the budget is spent.
    fn step(&mut self) -> bool {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            self.exhausted = true;
        }
        !self.exhausted
    }

    /// Whether `reader` reads all `writer` writes. Named types are shared,
    /// so the same pair recurs: each is compared once.
    fn compatible(&mut self, reader: &AvroSchema, writer: &AvroSchema) -> bool {
        let key = (
            std::ptr::from_ref(reader) as usize,
            std::ptr::from_ref(writer) as usize,
        );
        if let Some(known) = self.known.get(&key) {
            return *known;
        }
        let found = std::mem::take(&mut self.out);
        check(self, reader, writer, "");
        let compatible = self.out.is_empty() && !self.exhausted;
        self.out = found;
        self.known.insert(key, compatible);
        compatible
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

/// Whether a reader's named type reads a writer's: the same unqualified
/// name, or the writer's full name among the reader's aliases.
fn names_match(reader: &FullName, aliases: &[FullName], writer: &FullName) -> bool {
    reader.name == writer.name || aliases.contains(writer)
}

fn promotes(reader: Primitive, writer: Primitive) -> bool {
    use Primitive::{Bytes, Double, Float, Int, Long, String};
    reader == writer
        || matches!(
            (reader, writer),
            (Long, Int)
                | (Float, Int | Long)
                | (Double, Int | Long | Float)
                | (Bytes, String)
                | (String, Bytes)
        )
}

fn check(cx: &mut Cx, reader: &AvroSchema, writer: &AvroSchema, at: &str) {
    use AvroSchema as S;
    if !cx.step() {
        return;
    }
    match (reader, writer) {
        (S::Union(_), _) | (_, S::Union(_)) => unions(cx, reader, writer, at),
        (S::Primitive(r, _), S::Primitive(w, _)) => {
            if !promotes(*r, *w) {
                cx.push(
                    at,
                    format!("`{}` cannot be read as `{}`", w.name(), r.name()),
                );
            }
        }
        (S::Array(r), S::Array(w)) => check(cx, r, w, &join(at, "items")),
        (S::Map(r), S::Map(w)) => check(cx, r, w, &join(at, "values")),
        (S::Fixed(r, _), S::Fixed(w, _)) => {
            if !names_match(&r.name, &r.aliases, &w.name) {
                cx.push(
                    &join(at, "name"),
                    format!(
                        "the writer's fixed is `{}`; name it so, or add it to the reader's aliases",
                        w.name
                    ),
                );
            }
            if r.size != w.size {
                cx.push(
                    &join(at, "size"),
                    format!(
                        "the writer's fixed has {} bytes, the reader's {}",
                        w.size, r.size
                    ),
                );
            }
        }
        (S::Enum(r), S::Enum(w)) => {
            if !names_match(&r.name, &r.aliases, &w.name) {
                cx.push(
                    &join(at, "name"),
                    format!(
                        "the writer's enum is `{}`; name it so, or add it to the reader's aliases",
                        w.name
                    ),
                );
            }
            let known: BTreeSet<&str> = r.symbols.iter().map(String::as_str).collect();
            let missing: Vec<&str> = w
                .symbols
                .iter()
                .map(String::as_str)
                .filter(|s| !known.contains(s))
                .collect();
            if !missing.is_empty() && r.default.is_none() {
                cx.push(
                    &join(at, "symbols"),
                    format!(
                        "the reader lacks the writer's symbols {} and has no default symbol",
                        missing.join(", ")
                    ),
                );
            }
        }
        (S::Record(r), S::Record(w)) => record(cx, r, w, at),
        _ => cx.push(
            at,
            format!(
                "{} cannot be read as {}",
                describe(writer),
                describe(reader)
            ),
        ),
    }
}

/// A union on either side: each type the writer may write must be read by
/// the reader (by one of its branches, when the reader is a union).
fn unions(cx: &mut Cx, reader: &AvroSchema, writer: &AvroSchema, at: &str) {
    let lacking = |w: &AvroSchema| {
        format!(
            "the reader's union has no type for the writer's {}",
            describe(w)
        )
    };
    match (reader, writer) {
        (AvroSchema::Union(_), AvroSchema::Union(writers)) => {
            for (i, w) in writers.iter().enumerate() {
                if !cx.compatible(reader, w) {
                    cx.push(&format!("{at}[{i}]"), lacking(w));
                }
            }
        }
        (_, AvroSchema::Union(writers)) => {
            for w in writers {
                check(cx, reader, w, at);
            }
        }
        (AvroSchema::Union(readers), _) => {
            if !readers.iter().any(|r| cx.compatible(r, writer)) {
                cx.push(at, lacking(writer));
            }
        }
        _ => check(cx, reader, writer, at),
    }
}

fn record(cx: &mut Cx, reader: &Record, writer: &Record, at: &str) {
    if !names_match(&reader.name, &reader.aliases, &writer.name) {
        cx.push(
            &join(at, "name"),
            format!(
                "the writer's record is `{}`; name it so, or add it to the reader's aliases",
                writer.name
            ),
        );
    }
    // The writer's fields by name: a record of many fields is matched in
    // one pass, not one search per field.
    let by_name: BTreeMap<&str, &crate::schema::Field> = writer
        .fields
        .iter()
        .rev()
        .map(|w| (w.name.as_str(), w))
        .collect();
    for field in &reader.fields {
        let field_at = join(at, &format!("fields[{}]", field.name));
        let found = by_name.get(field.name.as_str()).or_else(|| {
            field
                .aliases
                .iter()
                .find_map(|alias| by_name.get(alias.as_str()))
        });
        match found {
            Some(w) => check(cx, &field.schema, &w.schema, &join(&field_at, "type")),
            None if field.default.is_some() => {}
            None => {
                // An enum that has a default symbol reads any symbol; the
                // reference implementation then compares the enum with the
                // writer's record, which never matches.
                cx.push(
                    &field_at,
                    format!(
                        "the writer has no field `{}` (nor one of its aliases) and the reader gives it no default",
                        field.name
                    ),
                );
            }
        }
    }
}

fn describe(schema: &AvroSchema) -> String {
    match schema {
        AvroSchema::Record(r) => format!("record `{}`", r.name),
        AvroSchema::Enum(e) => format!("enum `{}`", e.name),
        AvroSchema::Fixed(f, _) => format!("fixed `{}`", f.name),
        other => format!("`{}`", other.kind()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Unions of records of unions, every record its own: what a
    /// comparison without memory or a budget would take 4^depth steps over.
    fn intricate(depth: usize, names: &mut usize) -> serde_json::Value {
        if depth == 0 {
            return json!("int");
        }
        let mut branch = || {
            *names += 1;
            let name = format!("R{names}");
            json!({"type": "record", "name": name, "fields": [{"name": "f", "type": intricate(depth - 1, names)}]})
        };
        let (a, b) = (branch(), branch());
        json!([a, b])
    }

    #[test]
    fn intricate_schemas_are_compared_within_a_budget() {
        let mut names = 0;
        let union = intricate(11, &mut names);
        let record =
            json!({"type": "record", "name": "Top", "fields": [{"name": "x", "type": union}]});
        let reader = crate::parse(&record).unwrap_or_else(|e| panic!("{e:?}"));
        let writer = crate::parse(&record).unwrap_or_else(|e| panic!("{e:?}"));
        // It reads a copy of itself; the comparison ends, whatever it concludes.
        let found = can_read(&reader, &writer);
        assert!(
            found.is_empty() || found.iter().any(|i| i.message.contains("too intricate")),
            "{found:?}"
        );
    }
}
