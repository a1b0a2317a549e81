//! How the runner's PostgreSQL stores the values a dataset's quality rules
//! compare ([`datasurface_runtime::quality::Engine`]): as they are, typed.

use datasurface_core::DataType;
use datasurface_core::quality::Literal;
use datasurface_platform::dialect::{Postgres, SqlDialect};
use datasurface_runtime::quality::Engine;

/// The `airflow` platform's merge database, for its quality statements.
pub(crate) struct Stored;

impl Engine for Stored {
    fn dialect(&self) -> &dyn SqlDialect {
        &Postgres
    }

    fn sql_dialect(&self) -> datasurface_sql::Dialect {
        datasurface_sql::Dialect::Postgres
    }

    fn literal(&self, literal: &Literal, _: &DataType) -> String {
        match literal {
            Literal::Bool(true) => "TRUE".to_owned(),
            Literal::Bool(false) => "FALSE".to_owned(),
            // Read as the column's type: `'2026-01-31'` compares as a date.
            Literal::Text(t) => Postgres.literal(t),
            Literal::Number(n) => n.clone(),
            other => Postgres.literal(&other.to_string()),
        }
    }

    fn older_than(&self, newest: &str, _: &DataType) -> String {
        format!(
            "{newest} < CAST({} AS TEXT)::timestamptz",
            Postgres.param(1)
        )
    }
}
