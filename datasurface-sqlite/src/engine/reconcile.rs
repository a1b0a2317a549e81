//! Makes a database hold what a spec says: tables made if missing and widened
//! with missing columns (never narrowed: data is not dropped by a column
//! leaving the model), indexes made if missing, views made again.

use rusqlite::Connection;

use super::batch::SQL;
use super::{EngineError, sql};
use crate::dialect::{Dialect, Sqlite};
use crate::spec::DatabaseSpec;

/// The columns a table has now.
pub(crate) fn table_columns(
    conn: &Connection,
    schema: &str,
    table: &str,
) -> Result<Vec<String>, EngineError> {
    let context = || format!("cannot read the columns of `{table}`");
    let mut stmt = conn
        .prepare(&Sqlite.table_columns(schema, table))
        .map_err(sql(context()))?;
    let names = stmt
        .query_map([], |row| row.get::<_, String>(1))
        .map_err(sql(context()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql(context()))?;
    Ok(names)
}

/// Applies a spec to a database in one transaction.
pub(crate) fn reconcile(
    conn: &mut Connection,
    spec: &DatabaseSpec,
    what: &str,
) -> Result<(), EngineError> {
    let tx = conn
        .transaction()
        .map_err(sql(format!("cannot start applying {what}")))?;
    for t in &spec.tables {
        tx.execute_batch(&SQL.create_table(t))
            .map_err(sql(format!("cannot make table `{}` ({what})", t.name)))?;
        let existing = table_columns(&tx, "main", &t.name)?;
        for c in &t.columns {
            if !existing.iter().any(|e| e.eq_ignore_ascii_case(&c.name)) {
                tx.execute_batch(&Sqlite.add_column(&t.name, &c.name, c.affinity))
                    .map_err(sql(format!(
                        "cannot add column `{}` to `{}` ({what})",
                        c.name, t.name
                    )))?;
            }
        }
        for (index, columns) in &t.indexes {
            tx.execute_batch(&SQL.create_index(&t.name, index, columns))
                .map_err(sql(format!("cannot make index `{index}` ({what})")))?;
        }
    }
    for v in &spec.views {
        tx.execute_batch(&SQL.replace_view(&v.name, &v.select))
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
    let tx = conn
        .transaction()
        .map_err(sql(format!("cannot start removing {what}")))?;
    for v in &spec.views {
        tx.execute_batch(&SQL.drop_view(&v.name))
            .map_err(sql(format!("cannot drop view `{}` ({what})", v.name)))?;
    }
    for t in &spec.tables {
        tx.execute_batch(&SQL.drop_table(&t.name))
            .map_err(sql(format!("cannot drop table `{}` ({what})", t.name)))?;
    }
    tx.commit()
        .map_err(sql(format!("cannot commit removing {what}")))
}
