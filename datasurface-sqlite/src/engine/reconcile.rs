//! Makes a database hold what a spec says: tables made if missing and widened
//! with missing columns (never narrowed: data is not dropped by a column
//! leaving the model), indexes made if missing, views made again.

use rusqlite::Connection;

use super::{EngineError, sql};
use crate::dialect::{Dialect, Sqlite};
use crate::spec::{DatabaseSpec, TableSpec};

/// The columns a table has now.
pub(crate) fn table_columns(
    conn: &Connection,
    schema: &str,
    table: &str,
) -> Result<Vec<String>, EngineError> {
    let d = Sqlite;
    let mut stmt = conn
        .prepare(&format!(
            "PRAGMA {}.table_info({})",
            d.quote(schema),
            d.quote(table)
        ))
        .map_err(sql(format!("cannot read the columns of `{table}`")))?;
    let names = stmt
        .query_map([], |row| row.get::<_, String>(1))
        .map_err(sql(format!("cannot read the columns of `{table}`")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql(format!("cannot read the columns of `{table}`")))?;
    Ok(names)
}

fn create_table(t: &TableSpec) -> String {
    let d = Sqlite;
    let mut parts: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                d.quote(&c.name),
                d.column_type(c.affinity),
                if c.nullable { "" } else { " NOT NULL" }
            )
        })
        .collect();
    let key: Vec<String> = t.primary_key.iter().map(|k| d.quote(k)).collect();
    parts.push(format!("PRIMARY KEY ({})", key.join(", ")));
    format!(
        "CREATE TABLE IF NOT EXISTS {} (\n    {}\n)",
        d.quote(&t.name),
        parts.join(",\n    ")
    )
}

/// Applies a spec to a database in one transaction.
pub(crate) fn reconcile(
    conn: &mut Connection,
    spec: &DatabaseSpec,
    what: &str,
) -> Result<(), EngineError> {
    let d = Sqlite;
    let tx = conn
        .transaction()
        .map_err(sql(format!("cannot start applying {what}")))?;
    for t in &spec.tables {
        tx.execute_batch(&create_table(t))
            .map_err(sql(format!("cannot make table `{}` ({what})", t.name)))?;
        let existing = table_columns(&tx, "main", &t.name)?;
        for c in &t.columns {
            if !existing.iter().any(|e| e.eq_ignore_ascii_case(&c.name)) {
                tx.execute_batch(&d.add_column(&t.name, &c.name, c.affinity))
                    .map_err(sql(format!(
                        "cannot add column `{}` to `{}` ({what})",
                        c.name, t.name
                    )))?;
            }
        }
        for (index, columns) in &t.indexes {
            let cols: Vec<String> = columns.iter().map(|c| d.quote(c)).collect();
            tx.execute_batch(&format!(
                "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
                d.quote(index),
                d.quote(&t.name),
                cols.join(", ")
            ))
            .map_err(sql(format!("cannot make index `{index}` ({what})")))?;
        }
    }
    for v in &spec.views {
        tx.execute_batch(&format!(
            "DROP VIEW IF EXISTS {name}; CREATE VIEW {name} AS {}",
            v.select,
            name = d.quote(&v.name)
        ))
        .map_err(sql(format!("cannot make view `{}` ({what})", v.name)))?;
    }
    tx.commit().map_err(sql(format!("cannot commit {what}")))
}

/// Removes what a spec made, views first, in one transaction.
pub(crate) fn remove(
    conn: &mut Connection,
    spec: &DatabaseSpec,
    what: &str,
) -> Result<(), EngineError> {
    let d = Sqlite;
    let tx = conn
        .transaction()
        .map_err(sql(format!("cannot start removing {what}")))?;
    for v in &spec.views {
        tx.execute_batch(&format!("DROP VIEW IF EXISTS {}", d.quote(&v.name)))
            .map_err(sql(format!("cannot drop view `{}` ({what})", v.name)))?;
    }
    for t in &spec.tables {
        tx.execute_batch(&format!("DROP TABLE IF EXISTS {}", d.quote(&t.name)))
            .map_err(sql(format!("cannot drop table `{}` ({what})", t.name)))?;
    }
    tx.commit()
        .map_err(sql(format!("cannot commit removing {what}")))
}
