//! Avro schema resolution: whether a reader's schema reads all that a
//! writer's schema writes, as the Avro specification's resolution rules
//! say (and Apache Avro's `SchemaCompatibility` checks them): promotions,
//! reader defaults for fields the writer lacks, aliases, enum defaults,
//! union branches. Logical types do not take part, as in the
//! specification: they change how a value reads, not whether it does.

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

/// Every reason `reader` cannot read data written with `writer`; empty
/// when it can.
pub fn can_read(reader: &AvroSchema, writer: &AvroSchema) -> Vec<Incompatibility> {
    let mut out = Vec::new();
    check(reader, writer, "", &mut out);
    out
}

fn push(out: &mut Vec<Incompatibility>, at: &str, message: String) {
    out.push(Incompatibility {
        at: at.to_owned(),
        message,
    });
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

fn check(reader: &AvroSchema, writer: &AvroSchema, at: &str, out: &mut Vec<Incompatibility>) {
    use AvroSchema as S;
    match (reader, writer) {
        (S::Union(_), _) | (_, S::Union(_)) => unions(reader, writer, at, out),
        (S::Primitive(r, _), S::Primitive(w, _)) => {
            if !promotes(*r, *w) {
                push(
                    out,
                    at,
                    format!("`{}` cannot be read as `{}`", w.name(), r.name()),
                );
            }
        }
        (S::Array(r), S::Array(w)) => check(r, w, &join(at, "items"), out),
        (S::Map(r), S::Map(w)) => check(r, w, &join(at, "values"), out),
        (S::Fixed(r, _), S::Fixed(w, _)) => {
            if !names_match(&r.name, &r.aliases, &w.name) {
                push(
                    out,
                    &join(at, "name"),
                    format!(
                        "the writer's fixed is `{}`; name it so, or add it to the reader's aliases",
                        w.name
                    ),
                );
            }
            if r.size != w.size {
                push(
                    out,
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
                push(
                    out,
                    &join(at, "name"),
                    format!(
                        "the writer's enum is `{}`; name it so, or add it to the reader's aliases",
                        w.name
                    ),
                );
            }
            let missing: Vec<&str> = w
                .symbols
                .iter()
                .filter(|s| !r.symbols.contains(s))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() && r.default.is_none() {
                push(
                    out,
                    &join(at, "symbols"),
                    format!(
                        "the reader lacks the writer's symbols {} and has no default symbol",
                        missing.join(", ")
                    ),
                );
            }
        }
        (S::Record(r), S::Record(w)) => record(r, w, at, out),
        _ => push(
            out,
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
fn unions(reader: &AvroSchema, writer: &AvroSchema, at: &str, out: &mut Vec<Incompatibility>) {
    let lacking = |w: &AvroSchema| {
        format!(
            "the reader's union has no type for the writer's {}",
            describe(w)
        )
    };
    match (reader, writer) {
        (AvroSchema::Union(_), AvroSchema::Union(writers)) => {
            for (i, w) in writers.iter().enumerate() {
                if !can_read(reader, w).is_empty() {
                    push(out, &format!("{at}[{i}]"), lacking(w));
                }
            }
        }
        (_, AvroSchema::Union(writers)) => {
            for w in writers {
                check(reader, w, at, out);
            }
        }
        (AvroSchema::Union(readers), _) => {
            if !readers.iter().any(|r| can_read(r, writer).is_empty()) {
                push(out, at, lacking(writer));
            }
        }
        _ => check(reader, writer, at, out),
    }
}

fn record(reader: &Record, writer: &Record, at: &str, out: &mut Vec<Incompatibility>) {
    if !names_match(&reader.name, &reader.aliases, &writer.name) {
        push(
            out,
            &join(at, "name"),
            format!(
                "the writer's record is `{}`; name it so, or add it to the reader's aliases",
                writer.name
            ),
        );
    }
    for field in &reader.fields {
        let field_at = join(at, &format!("fields[{}]", field.name));
        let found = writer
            .fields
            .iter()
            .find(|w| w.name == field.name)
            .or_else(|| {
                field
                    .aliases
                    .iter()
                    .find_map(|alias| writer.fields.iter().find(|w| &w.name == alias))
            });
        match found {
            Some(w) => check(&field.schema, &w.schema, &join(&field_at, "type"), out),
            None if field.default.is_some() => {}
            None => {
                // An enum that has a default symbol reads any symbol; the
                // reference implementation then compares the enum with the
                // writer's record, which never matches.
                push(
                    out,
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
