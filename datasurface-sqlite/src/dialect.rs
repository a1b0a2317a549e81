//! The SQL dialect the engine speaks: types, quoting and the statements of a
//! merge. SQLite is the one implemented; the merge is written against this
//! trait so the same engine can run on PostgreSQL next.

use datasurface_platform::model::DataType;

/// How a column is stored and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Affinity {
    /// Whole numbers.
    Integer,
    /// Floating-point numbers.
    Real,
    /// Exact decimals, kept as text so no digit is lost.
    Decimal,
    /// Text.
    Text,
    /// Bytes.
    Blob,
    /// True or false, stored as 0 or 1.
    Boolean,
}

/// What a dialect must say for the engine.
pub trait Dialect {
    /// The column type of a model type.
    fn column_type(&self, affinity: Affinity) -> &'static str;
    /// A quoted identifier.
    fn quote(&self, name: &str) -> String;
    /// The statement that adds a column to a table.
    fn add_column(&self, table: &str, column: &str, affinity: Affinity) -> String {
        format!(
            "ALTER TABLE {} ADD COLUMN {} {}",
            self.quote(table),
            self.quote(column),
            self.column_type(affinity)
        )
    }
}

/// SQLite.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn column_type(&self, affinity: Affinity) -> &'static str {
        match affinity {
            Affinity::Integer | Affinity::Boolean => "INTEGER",
            Affinity::Real => "REAL",
            Affinity::Decimal | Affinity::Text => "TEXT",
            Affinity::Blob => "BLOB",
        }
    }

    fn quote(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// How the platform stores a model type, or `None` if it cannot.
pub fn affinity(t: &DataType) -> Option<Affinity> {
    Some(match t {
        DataType::Boolean => Affinity::Boolean,
        DataType::TinyInt | DataType::SmallInt | DataType::Integer | DataType::BigInt => {
            Affinity::Integer
        }
        DataType::FixedInteger(f) if f.bits <= 63 || (f.bits == 64 && f.signed) => {
            Affinity::Integer
        }
        DataType::FixedInteger(_) | DataType::Decimal(_) => Affinity::Decimal,
        DataType::Ieee16 | DataType::Ieee32 | DataType::Ieee64 => Affinity::Real,
        DataType::Char(_)
        | DataType::NChar(_)
        | DataType::VarChar(_)
        | DataType::NVarChar(_)
        | DataType::String(_)
        | DataType::Date
        | DataType::Timestamp(_)
        | DataType::Interval
        | DataType::Variant(_) => Affinity::Text,
        DataType::Binary(_) => Affinity::Blob,
        _ => return None,
    })
}

/// The model types the platform stores, by name.
pub const SUPPORTED_TYPES: [&str; 19] = [
    "Boolean",
    "TinyInt",
    "SmallInt",
    "Integer",
    "BigInt",
    "FixedInteger",
    "Decimal",
    "IEEE16",
    "IEEE32",
    "IEEE64",
    "Char",
    "NChar",
    "VarChar",
    "NVarChar",
    "String",
    "Date",
    "Timestamp",
    "Interval",
    "Variant",
];
