//! Makes a database hold what a spec says: tables made if missing and widened
//! with missing columns (never narrowed: data is not dropped by a column
//! leaving the model), rebuilt when a column's type changed (its values restated
//! in the new type), indexes made if missing, views made again.

use rusqlite::Connection;
use rusqlite::types::Value;

use super::batch::SQL;
use super::values::{conform, restated};
use super::{EngineError, sql};
use crate::dialect::{SqlDialect, Sqlite};
use crate::spec::{DatabaseSpec, TableSpec};

/// A column as a table has it now.
pub(crate) struct Existing {
    /// Its name.
    pub(crate) name: String,
    /// Its declared type, as SQLite keeps it.
    pub(crate) declared: String,
    /// Whether it is `NOT NULL`.
    pub(crate) not_null: bool,
}

/// The columns a table has now.
pub(crate) fn table_columns(
    conn: &Connection,
    schema: &str,
    table: &str,
) -> Result<Vec<Existing>, EngineError> {
    let context = || format!("cannot read the columns of `{table}`");
    let mut stmt = conn
        .prepare(&Sqlite.table_columns(schema, table))
        .map_err(sql(context()))?;
    let columns = stmt
        .query_map([], |row| {
            Ok(Existing {
                name: row.get(1)?,
                declared: row.get(2)?,
                not_null: row.get(3)?,
            })
        })
        .map_err(sql(context()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql(context()))?;
    Ok(columns)
}

/// Whether a table or view exists in the main schema.
pub(crate) fn exists(conn: &Connection, kind: &str, name: &str) -> Result<bool, EngineError> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = ?1 AND name = ?2",
        [kind, name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(sql(format!("cannot look for {kind} `{name}`")))
}

/// Whether a database lacks anything its spec makes: drift, such as a table
/// someone dropped.
pub(crate) fn drifted(conn: &Connection, spec: &DatabaseSpec) -> Result<bool, EngineError> {
    for t in &spec.tables {
        if !exists(conn, "table", &t.name)? {
            return Ok(true);
        }
    }
    for v in &spec.views {
        if !exists(conn, "view", &v.name)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Applies a spec to a database in one transaction. Returns the tables it
/// made: an export table made afresh holds nothing, so what the database
/// recorded of its contents is forgotten (the caller back-fills it).
pub(crate) fn reconcile(
    conn: &mut Connection,
    spec: &DatabaseSpec,
    what: &str,
) -> Result<Vec<String>, EngineError> {
    let tx = conn
        .transaction()
        .map_err(sql(format!("cannot start applying {what}")))?;
    let mut made = Vec::new();
    let tracks_exports = exists(&tx, "table", "ds_export_state")?;
    for t in &spec.tables {
        if !exists(&tx, "table", &t.name)? {
            made.push(t.name.clone());
            if tracks_exports {
                tx.execute(
                    "DELETE FROM ds_export_state WHERE \"export\" = ?1",
                    [&t.name],
                )
                .map_err(sql(format!(
                    "cannot reset the state of `{}` ({what})",
                    t.name
                )))?;
            }
        }
        tx.execute_batch(&SQL.create_table(t))
            .map_err(sql(format!("cannot make table `{}` ({what})", t.name)))?;
        retype(&tx, t, what)?;
        let existing = table_columns(&tx, "main", &t.name)?;
        for c in &t.columns {
            if !existing
                .iter()
                .any(|e| e.name.eq_ignore_ascii_case(&c.name))
            {
                tx.execute_batch(&Sqlite.add_column(&t.name, &c.name, c.affinity, c.scale))
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
    tx.commit().map_err(sql(format!("cannot commit {what}")))?;
    Ok(made)
}

/// The name a table has while [`retype`] rebuilds it.
const RETYPING: &str = "ds_retyping";

/// Rebuilds a table whose columns' declared types differ from the spec's (a
/// model type changed, or an older version stored it otherwise), carrying
/// every row over with each changed column's values restated in its new type:
/// SQLite cannot change a column's type in place, and a decimal's stored
/// number means nothing without its scale. Columns, `NOT NULL`s and rows are
/// kept; a value the new type cannot hold exactly fails the whole apply,
/// saying which, and leaves the table as it was.
fn retype(tx: &Connection, t: &TableSpec, what: &str) -> Result<(), EngineError> {
    let existing = table_columns(tx, "main", &t.name)?;
    let wanted = |e: &Existing| {
        t.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&e.name))
            .filter(|c| {
                !Sqlite
                    .column_type(c.affinity, c.scale)
                    .eq_ignore_ascii_case(e.declared.trim())
            })
    };
    if !existing.iter().any(|e| wanted(e).is_some()) {
        return Ok(());
    }
    let name = Sqlite.quote(&t.name);
    let old = Sqlite.quote(RETYPING);
    let failed = |doing: &str| sql(format!("cannot {doing} `{}` to retype it ({what})", t.name));
    // Legacy renaming leaves the views over the table alone: they name it
    // again once it is rebuilt.
    tx.execute_batch(&format!(
        "PRAGMA legacy_alter_table = ON; ALTER TABLE {name} RENAME TO {old}; PRAGMA legacy_alter_table = OFF;"
    ))
    .map_err(failed("rename"))?;
    let mut parts: Vec<String> = existing
        .iter()
        .map(|e| {
            let declared = match wanted(e) {
                Some(c) => Sqlite.column_type(c.affinity, c.scale),
                None => kept_type(&e.declared),
            };
            let not_null = if e.not_null { " NOT NULL" } else { "" };
            format!("{} {declared}{not_null}", Sqlite.quote(&e.name))
        })
        .collect();
    let key: Vec<String> = t.primary_key.iter().map(|k| Sqlite.quote(k)).collect();
    parts.push(format!("PRIMARY KEY ({})", key.join(", ")));
    tx.execute_batch(&format!(
        "CREATE TABLE {name} (\n    {}\n)",
        parts.join(",\n    ")
    ))
    .map_err(failed("make"))?;
    let names: Vec<String> = existing.iter().map(|e| Sqlite.quote(&e.name)).collect();
    let params: Vec<String> = (1..=existing.len()).map(|n| format!("?{n}")).collect();
    let mut read = tx
        .prepare(&format!("SELECT {} FROM {old}", names.join(", ")))
        .map_err(failed("read"))?;
    let mut write = tx
        .prepare(&format!(
            "INSERT INTO {name} ({}) VALUES ({})",
            names.join(", "),
            params.join(", ")
        ))
        .map_err(failed("fill"))?;
    let mut rows = read.query([]).map_err(failed("read"))?;
    while let Some(row) = rows.next().map_err(failed("read"))? {
        let mut values = Vec::with_capacity(existing.len());
        for (i, e) in existing.iter().enumerate() {
            let value: Value = row.get(i).map_err(failed("read"))?;
            values.push(match wanted(e) {
                Some(c) => conform(restated(value, &e.declared), c).map_err(|reason| {
                    EngineError::State(format!(
                        "table `{}` cannot keep its rows as the model's types now say ({what}): {reason} \
                         (it was {}, it is now {}); change the column's type back, or move the state \
                         directory aside and run again to rebuild it from the sources",
                        t.name,
                        e.declared,
                        Sqlite.column_type(c.affinity, c.scale)
                    ))
                })?,
                None => value,
            });
        }
        write
            .execute(rusqlite::params_from_iter(values))
            .map_err(failed("fill"))?;
    }
    drop(rows);
    drop(read);
    drop(write);
    tx.execute_batch(&format!("DROP TABLE {old}"))
        .map_err(failed("drop the old copy of"))?;
    Ok(())
}

/// A declared type read back from the database, written again only if it is
/// plainly a type name (the database may have been edited by hand).
fn kept_type(declared: &str) -> String {
    if declared
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '(' | ')' | ',' | ' '))
    {
        declared.to_owned()
    } else {
        String::new()
    }
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
    let tracks_exports = exists(&tx, "table", "ds_export_state")?;
    for t in &spec.tables {
        tx.execute_batch(&SQL.drop_table(&t.name))
            .map_err(sql(format!("cannot drop table `{}` ({what})", t.name)))?;
        if tracks_exports {
            tx.execute(
                "DELETE FROM ds_export_state WHERE \"export\" = ?1",
                [&t.name],
            )
            .map_err(sql(format!(
                "cannot forget the state of `{}` ({what})",
                t.name
            )))?;
        }
    }
    tx.commit()
        .map_err(sql(format!("cannot commit removing {what}")))
}
