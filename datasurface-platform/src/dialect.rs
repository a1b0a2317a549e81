//! What SQL databases disagree on, for platforms that write SQL: column
//! types, quoting, parameters, temporary tables and upserts.
//!
//! Both of the project's platforms build their statements through a
//! [`SqlDialect`]: the `sqlite` engine on [`Sqlite`] (checked beside
//! [`Postgres`] by snapshot), the `airflow` runner on [`Postgres`]. A
//! third-party platform on another database writes one more implementation.
//!
//! ```
//! use datasurface_platform::dialect::{Postgres, SqlDialect, Sqlite};
//!
//! assert_eq!(Postgres.param(2), "$2");
//! assert_eq!(Sqlite.param(2), "?2");
//! assert_eq!(Postgres.qualified("mart", "Orders"), r#""mart"."Orders""#);
//! assert_eq!(Postgres.literal(r"C:\x"), r"E'C:\\x'");
//! ```

use crate::escape::sql as escape;

/// How a column is stored and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
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

/// What a platform's statements need from a SQL database: the few places
/// where databases disagree. Quoting comes from one audited place,
/// [`crate::escape::sql`], by [`SqlDialect::quoting`].
pub trait SqlDialect {
    /// How this database quotes identifiers and string literals.
    fn quoting(&self) -> escape::Dialect;
    /// The declared column type of a value kind; `scale` is a decimal's
    /// digits after the point.
    fn column_type(&self, affinity: Affinity, scale: Option<u32>) -> String;
    /// A quoted identifier.
    fn quote(&self, name: &str) -> String {
        self.quoting().ident(name)
    }
    /// A string literal, quotes included.
    fn literal(&self, text: &str) -> String {
        self.quoting().literal(text)
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

impl SqlDialect for Sqlite {
    fn quoting(&self) -> escape::Dialect {
        escape::Dialect::Sqlite
    }

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
            self.literal(table),
            self.literal(schema)
        )
    }
}

/// PostgreSQL: what the `airflow` platform's merge database speaks, and the
/// `sqlite` engine's next home (its statements are checked by snapshot
/// beside SQLite's, so the two stay one engine).
#[derive(Debug, Clone, Copy, Default)]
pub struct Postgres;

impl SqlDialect for Postgres {
    fn quoting(&self) -> escape::Dialect {
        escape::Dialect::Postgres
    }

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
            self.literal(schema),
            self.literal(table)
        )
    }
}
