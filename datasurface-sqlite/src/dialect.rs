//! The SQL dialect the engine speaks: types, quoting and the statements of a
//! merge. SQLite is the one implemented; the merge is written against this
//! trait so the same engine can run on PostgreSQL next.

use datasurface_platform::TypeKind;
use datasurface_platform::escape::sql as escape;
use datasurface_platform::model::DataType;

/// How a column is stored and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Affinity {
    /// Whole numbers.
    Integer,
    /// Floating-point numbers.
    Real,
    /// Exact decimals, kept as whole numbers of `10^-scale` units.
    Decimal,
    /// Text.
    Text,
    /// Bytes.
    Blob,
    /// True or false, stored as 0 or 1.
    Boolean,
}

/// What a dialect must say for the engine: the few places where SQL
/// databases disagree. Every statement the engine sends is made from these
/// by [`crate::statements::Statements`].
pub trait Dialect {
    /// The declared column type of a value kind; `scale` is a decimal's
    /// digits after the point.
    fn column_type(&self, affinity: Affinity, scale: Option<u32>) -> String;
    /// A quoted identifier.
    fn quote(&self, name: &str) -> String {
        escape::Dialect::Ansi.ident(name)
    }
    /// The `n`th (1-based) statement parameter.
    fn param(&self, n: usize) -> String;
    /// A table in another schema (an attached database, for SQLite).
    fn qualified(&self, schema: &str, table: &str) -> String {
        format!("{}.{}", self.quote(schema), self.quote(table))
    }
    /// A table of the session's temporary schema.
    fn temp(&self, table: &str) -> String;
    /// Inserts a row, or replaces the row with the same key.
    fn upsert(&self, table: &str, key: &[&str], columns: &[&str]) -> String {
        let cols: Vec<String> = columns.iter().map(|c| self.quote(c)).collect();
        let marks: Vec<String> = (1..=columns.len()).map(|n| self.param(n)).collect();
        let keys: Vec<String> = key.iter().map(|c| self.quote(c)).collect();
        let set: Vec<String> = columns
            .iter()
            .filter(|c| !key.contains(c))
            .map(|c| format!("{q} = EXCLUDED.{q}", q = self.quote(c)))
            .collect();
        format!(
            "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
            cols.join(", "),
            marks.join(", "),
            keys.join(", "),
            set.join(", ")
        )
    }
    /// A query whose second column (`name`) lists a table's columns in order.
    fn table_columns(&self, schema: &str, table: &str) -> String;
    /// The statement that adds a column to a table.
    fn add_column(
        &self,
        table: &str,
        column: &str,
        affinity: Affinity,
        scale: Option<u32>,
    ) -> String {
        format!(
            "ALTER TABLE {} ADD COLUMN {} {}",
            self.quote(table),
            self.quote(column),
            self.column_type(affinity, scale)
        )
    }
}

/// SQLite.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqlite;

impl Dialect for Sqlite {
    fn column_type(&self, affinity: Affinity, scale: Option<u32>) -> String {
        match affinity {
            // Decimals as whole numbers of their smallest unit: exact, and
            // they sort and compare right. The declared type names the scale
            // (SQLite keeps it, and gives it integer affinity by its `INT`),
            // so a database says how to read its own numbers.
            Affinity::Decimal => format!("SCALED_INT({})", scale.unwrap_or(0)),
            Affinity::Integer | Affinity::Boolean => "INTEGER".to_owned(),
            Affinity::Real => "REAL".to_owned(),
            Affinity::Text => "TEXT".to_owned(),
            Affinity::Blob => "BLOB".to_owned(),
        }
    }

    fn param(&self, n: usize) -> String {
        format!("?{n}")
    }

    fn temp(&self, table: &str) -> String {
        format!("temp.{}", self.quote(table))
    }

    fn table_columns(&self, schema: &str, table: &str) -> String {
        format!(
            "SELECT cid, name, type, \"notnull\" FROM pragma_table_info({}, {})",
            literal(table),
            literal(schema)
        )
    }
}

/// PostgreSQL: the engine's next home. Its statements are checked by
/// snapshot beside SQLite's, so the two stay one engine.
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

impl Dialect for Postgres {
    fn column_type(&self, affinity: Affinity, _scale: Option<u32>) -> String {
        match affinity {
            Affinity::Integer => "BIGINT",
            Affinity::Boolean => "BOOLEAN",
            Affinity::Real => "DOUBLE PRECISION",
            Affinity::Decimal => "NUMERIC",
            Affinity::Text => "TEXT",
            Affinity::Blob => "BYTEA",
        }
        .to_owned()
    }

    fn param(&self, n: usize) -> String {
        format!("${n}")
    }

    fn temp(&self, table: &str) -> String {
        format!("pg_temp.{}", self.quote(table))
    }

    fn table_columns(&self, schema: &str, table: &str) -> String {
        format!(
            "SELECT ordinal_position, column_name FROM information_schema.columns \
             WHERE table_schema = {} AND table_name = {} ORDER BY ordinal_position",
            literal(schema),
            literal(table)
        )
    }
}

/// A string literal: standard SQL's, which SQLite and PostgreSQL (with
/// `standard_conforming_strings`, the default) both read.
pub fn literal(text: &str) -> String {
    escape::Dialect::Ansi.literal(text)
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
pub const SUPPORTED_TYPES: [TypeKind; 19] = [
    TypeKind::Boolean,
    TypeKind::TinyInt,
    TypeKind::SmallInt,
    TypeKind::Integer,
    TypeKind::BigInt,
    TypeKind::FixedInteger,
    TypeKind::Decimal,
    TypeKind::Ieee16,
    TypeKind::Ieee32,
    TypeKind::Ieee64,
    TypeKind::Char,
    TypeKind::NChar,
    TypeKind::VarChar,
    TypeKind::NVarChar,
    TypeKind::String,
    TypeKind::Date,
    TypeKind::Timestamp,
    TypeKind::Interval,
    TypeKind::Variant,
];
