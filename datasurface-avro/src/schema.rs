//! A parsed Avro schema.

use std::sync::Arc;

use serde_json::Value;

/// A primitive Avro type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Primitive {
    /// `null`.
    Null,
    /// `boolean`.
    Boolean,
    /// `int`: 32-bit signed.
    Int,
    /// `long`: 64-bit signed.
    Long,
    /// `float`: IEEE 754 single precision.
    Float,
    /// `double`: IEEE 754 double precision.
    Double,
    /// `bytes`.
    Bytes,
    /// `string`: Unicode text.
    String,
}

impl Primitive {
    /// Every primitive type.
    pub const ALL: [Primitive; 8] = [
        Primitive::Null,
        Primitive::Boolean,
        Primitive::Int,
        Primitive::Long,
        Primitive::Float,
        Primitive::Double,
        Primitive::Bytes,
        Primitive::String,
    ];

    /// Its name in a schema.
    pub fn name(self) -> &'static str {
        match self {
            Primitive::Null => "null",
            Primitive::Boolean => "boolean",
            Primitive::Int => "int",
            Primitive::Long => "long",
            Primitive::Float => "float",
            Primitive::Double => "double",
            Primitive::Bytes => "bytes",
            Primitive::String => "string",
        }
    }

    /// The primitive type of a name.
    pub fn of(name: &str) -> Option<Primitive> {
        Primitive::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// A logical type: how to read an underlying type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Logical {
    /// `decimal` on `bytes` or `fixed`.
    Decimal {
        /// Total digits.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// `uuid` on `string` or `fixed` of 16.
    Uuid,
    /// `date` on `int`: days since the Unix epoch.
    Date,
    /// `time-millis` on `int`.
    TimeMillis,
    /// `time-micros` on `long`.
    TimeMicros,
    /// `timestamp-millis` on `long`: an instant.
    TimestampMillis,
    /// `timestamp-micros` on `long`.
    TimestampMicros,
    /// `timestamp-nanos` on `long`.
    TimestampNanos,
    /// `local-timestamp-millis` on `long`: a wall-clock time, no zone.
    LocalTimestampMillis,
    /// `local-timestamp-micros` on `long`.
    LocalTimestampMicros,
    /// `local-timestamp-nanos` on `long`.
    LocalTimestampNanos,
    /// `duration` on `fixed` of 12.
    Duration,
}

/// A type's name, with its namespace: `com.acme.Order`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FullName {
    /// The namespace, empty for none.
    pub namespace: String,
    /// The name without its namespace.
    pub name: String,
}

impl std::fmt::Display for FullName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            f.write_str(&self.name)
        } else {
            write!(f, "{}.{}", self.namespace, self.name)
        }
    }
}

/// A field of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Its name.
    pub name: String,
    /// Other names it had, so a reader finds it under an old name.
    pub aliases: Vec<String>,
    /// Its type.
    pub schema: AvroSchema,
    /// The value a reader takes when the writer did not write the field.
    pub default: Option<Value>,
    /// What it holds.
    pub doc: Option<String>,
}

/// A record type.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Its name.
    pub name: FullName,
    /// Other names it had.
    pub aliases: Vec<FullName>,
    /// Its fields, in order.
    pub fields: Vec<Field>,
    /// What it holds.
    pub doc: Option<String>,
}

/// An enumeration.
#[derive(Debug, Clone, PartialEq)]
pub struct Enum {
    /// Its name.
    pub name: FullName,
    /// Other names it had.
    pub aliases: Vec<FullName>,
    /// Its symbols, in order.
    pub symbols: Vec<String>,
    /// The symbol a reader takes for a writer's symbol it does not know.
    pub default: Option<String>,
}

/// A fixed-size byte string.
#[derive(Debug, Clone, PartialEq)]
pub struct Fixed {
    /// Its name.
    pub name: FullName,
    /// Other names it had.
    pub aliases: Vec<FullName>,
    /// Its size in bytes.
    pub size: u64,
}

/// A parsed, valid Avro schema. Named types used again are shared, not
/// copied; recursive types are refused when parsing.
#[derive(Debug, Clone, PartialEq)]
pub enum AvroSchema {
    /// A primitive type, perhaps with a logical type.
    Primitive(Primitive, Option<Logical>),
    /// A record.
    Record(Arc<Record>),
    /// An enumeration.
    Enum(Arc<Enum>),
    /// A fixed-size byte string, perhaps with a logical type.
    Fixed(Arc<Fixed>, Option<Logical>),
    /// An array of items.
    Array(Box<AvroSchema>),
    /// A map from strings to values.
    Map(Box<AvroSchema>),
    /// One of several types.
    Union(Vec<AvroSchema>),
}

impl AvroSchema {
    /// The name of its kind, as a schema writes it (`record`, `int`, `union`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            AvroSchema::Primitive(p, _) => p.name(),
            AvroSchema::Record(_) => "record",
            AvroSchema::Enum(_) => "enum",
            AvroSchema::Fixed(..) => "fixed",
            AvroSchema::Array(_) => "array",
            AvroSchema::Map(_) => "map",
            AvroSchema::Union(_) => "union",
        }
    }
}
