//! Avro record schemas as datasurface dataset schemas.
//!
//! A dataset's schema may be an Avro record (inline, or an `.avsc` file in
//! the team's folder pinned by its SHA-256): [`parse`] reads and validates
//! it (names, logical types, defaults, as the Avro 1.12 specification
//! states them), [`columns`] makes its columns (so every platform's
//! capabilities judge them as any others), and [`can_read`] tells whether
//! a reader's schema reads what a writer's writes, by Avro's
//! schema-resolution rules: `verify` asks it whether consumers, reading
//! with the dataset's current schema, read what the proposed one writes.
//!
//! ```
//! use serde_json::json;
//!
//! let old = datasurface_avro::parse(&json!({"type": "record", "name": "Order", "fields": [
//!     {"name": "id", "type": "long"}]}))?;
//! let new = datasurface_avro::parse(&json!({"type": "record", "name": "Order", "fields": [
//!     {"name": "id", "type": "int"},
//!     {"name": "note", "type": ["null", "string"], "default": null}]}))?;
//! // Consumers reading with the old schema read what the new one writes:
//! // an int promotes to a long, and the old schema ignores the new field.
//! assert!(datasurface_avro::can_read(&old, &new).is_empty());
//! // Not the other way: a long is not an int.
//! assert_eq!(datasurface_avro::can_read(&new, &old)[0].to_string(), "fields[id].type: `long` cannot be read as `int`");
//! # Ok::<(), Vec<datasurface_avro::AvroError>>(())
//! ```
//!
//! Pure: no IO. Recursive types, nesting deeper than [`MAX_DEPTH`] and
//! schemas that unfold to more than [`MAX_UNFOLDED`] types are refused
//! rather than followed.

mod columns;
mod model;
mod parse;
mod resolve;
mod schema;

pub use columns::columns;
pub use model::{DatasetAvro, SourceProblem, dataset_schema, expand};
pub use parse::{AvroError, MAX_DEPTH, MAX_UNFOLDED, parse, parse_str};
pub use resolve::{Incompatibility, MAX_STEPS, can_read};
pub use schema::{AvroSchema, Enum, Field, Fixed, FullName, Logical, Primitive, Record};
