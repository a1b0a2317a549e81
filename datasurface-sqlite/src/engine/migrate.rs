//! State written before the platforms shared one vocabulary, moved in place.
//!
//! Builds before 0.1.0's shared state names (`datasurface_platform::state`)
//! kept batches in `ds_batches` (`stream`, `batch`, `started_at`,
//! `ended_at`, `millis`, status `ingested`), hooks' decisions in
//! `ds_hook_decisions`, what transformers saw in `ds_transformer_inputs`,
//! and row versions in `ds_batch_in`, `ds_batch_out`, `ds_key_hash` and
//! `ds_all_hash`, with live rows at 9223372036854775807. The engine moves
//! such a database to today's names when it opens the state directory,
//! one database per transaction, so nothing stored is lost and a move cut
//! short is finished by the next command. Views are rewritten with their
//! tables; the next `apply` renders them as usual.

use std::path::Path;

use datasurface_platform::state::{
    ALL_HASH, BATCH_IN, BATCH_METRICS, BATCH_OUT, HOOK_DECISION, KEY_HASH, LIVE_BATCH,
};
use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior};

use super::{EngineError, open_db, sql};
use crate::dialect::{Affinity, SqlDialect as _, Sqlite};

/// The live marker of the old layout.
const OLD_LIVE: i64 = i64::MAX;

/// Old version columns and their names today.
const COLUMNS: [(&str, &str); 4] = [
    ("ds_batch_in", BATCH_IN),
    ("ds_batch_out", BATCH_OUT),
    ("ds_key_hash", KEY_HASH),
    ("ds_all_hash", ALL_HASH),
];

/// Moves every database of a state directory that still has the old
/// layout; gives what moved, one line per database, for the command to say.
pub(crate) fn migrate_state(state: &Path) -> Result<Vec<String>, EngineError> {
    let mut files = vec![state.join("merge.sqlite")];
    if let Ok(entries) = std::fs::read_dir(state.join("containers")) {
        let mut containers: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "sqlite"))
            .collect();
        containers.sort();
        files.extend(containers);
    }
    let mut moved = Vec::new();
    for file in files {
        // Only a regular file the engine wrote: never make one, never follow a link.
        if !std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let mut conn = open_db(&file)?;
        let what = format!(
            "cannot move {} to the shared state names; its data is untouched (restore the \
             directory from a copy, or remove it and run `datasurface up` to load the sources again)",
            file.display()
        );
        if let Some(line) = migrate(&mut conn).map_err(sql(what))? {
            moved.push(format!("{}: {line}", file.display()));
        }
    }
    Ok(moved)
}

/// Moves one database in one transaction; `None` if it needed nothing.
fn migrate(conn: &mut Connection) -> rusqlite::Result<Option<String>> {
    if !needs_moving(conn)? {
        return Ok(None);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another process may have moved it while this one waited for the lock.
    if !needs_moving(&tx)? {
        return Ok(None);
    }
    let mut done = Vec::new();
    if table_exists(&tx, "ds_batches")? {
        tx.execute_batch(&format!(
            "ALTER TABLE ds_batches RENAME TO {BATCH_METRICS};
             ALTER TABLE {BATCH_METRICS} RENAME COLUMN stream TO stream_key;
             ALTER TABLE {BATCH_METRICS} RENAME COLUMN batch TO batch_id;
             ALTER TABLE {BATCH_METRICS} RENAME COLUMN started_at TO batch_start;
             ALTER TABLE {BATCH_METRICS} RENAME COLUMN ended_at TO batch_end;
             {add_seconds};
             UPDATE {BATCH_METRICS} SET seconds = millis / 1000.0;
             ALTER TABLE {BATCH_METRICS} DROP COLUMN millis;
             UPDATE {BATCH_METRICS} SET status = 'staged' WHERE status = 'ingested';",
            add_seconds = Sqlite.add_column(BATCH_METRICS, "seconds", Affinity::Real, None),
        ))?;
        done.push(format!("`ds_batches` is `{BATCH_METRICS}`"));
    }
    if table_exists(&tx, "ds_hook_decisions")? {
        tx.execute_batch(&format!(
            "ALTER TABLE ds_hook_decisions RENAME TO {HOOK_DECISION};"
        ))?;
        done.push(format!("`ds_hook_decisions` is `{HOOK_DECISION}`"));
    }
    if table_exists(&tx, "ds_transformer_inputs")? {
        tx.execute_batch(
            "ALTER TABLE ds_transformer_inputs RENAME TO transformer_input;
             ALTER TABLE transformer_input RENAME COLUMN stream TO stream_key;
             ALTER TABLE transformer_input RENAME COLUMN batch TO batch_id;",
        )?;
        done.push("`ds_transformer_inputs` is `transformer_input`".to_owned());
    }
    let tables = versioned_tables(&tx)?;
    for (table, columns) in &tables {
        let quoted = Sqlite.quote(table);
        for (old, new) in COLUMNS {
            if columns.iter().any(|c| c == old) {
                tx.execute_batch(&format!(
                    "ALTER TABLE {quoted} RENAME COLUMN {} TO {}",
                    Sqlite.quote(old),
                    Sqlite.quote(new)
                ))?;
            }
        }
        if columns.iter().any(|c| c == "ds_batch_out") {
            tx.execute(
                &format!(
                    "UPDATE {quoted} SET {} = ?1 WHERE {} = ?2",
                    Sqlite.quote(BATCH_OUT),
                    Sqlite.quote(BATCH_OUT)
                ),
                [LIVE_BATCH, OLD_LIVE],
            )?;
        }
    }
    if !tables.is_empty() {
        done.push(format!(
            "{} tables keep versions in `{BATCH_IN}`/`{BATCH_OUT}`, live at {LIVE_BATCH}",
            tables.len()
        ));
    }
    let views = live_views(&tx)?;
    for (view, text) in &views {
        tx.execute_batch(&format!(
            "DROP VIEW {};\n{};",
            Sqlite.quote(view),
            text.replace(&format!("= {OLD_LIVE}"), &format!("= {LIVE_BATCH}"))
        ))?;
    }
    tx.commit()?;
    Ok(Some(format!(
        "moved to the shared state names: {}",
        done.join("; ")
    )))
}

/// Whether a database has any table of the old layout.
fn needs_moving(conn: &Connection) -> rusqlite::Result<bool> {
    let old_table = ["ds_batches", "ds_hook_decisions", "ds_transformer_inputs"]
        .into_iter()
        .map(|t| table_exists(conn, t))
        .collect::<rusqlite::Result<Vec<bool>>>()?
        .into_iter()
        .any(|b| b);
    Ok(old_table || !versioned_tables(conn)?.is_empty())
}

fn table_exists(conn: &Connection, table: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}

/// The tables with old version columns, and those columns.
fn versioned_tables(conn: &Connection) -> rusqlite::Result<Vec<(String, Vec<String>)>> {
    let mut stmt = conn.prepare(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND p.name IN ('ds_batch_in', 'ds_batch_out', 'ds_key_hash', 'ds_all_hash') \
         ORDER BY m.name, p.cid",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut tables: Vec<(String, Vec<String>)> = Vec::new();
    for row in rows {
        let (table, column) = row?;
        match tables.last_mut() {
            Some((last, columns)) if *last == table => columns.push(column),
            _ => tables.push((table, vec![column])),
        }
    }
    Ok(tables)
}

/// The views that test the old live marker, with their text.
fn live_views(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'view' AND instr(sql, ?1) > 0 ORDER BY name",
    )?;
    let rows = stmt.query_map([format!("= {OLD_LIVE}")], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A merge database and a container database as an older build left
    /// them: a committed batch and one cut short, a live and a closed
    /// version, a decision, a transformer's input, and a live view.
    fn old_state(dir: &Path) {
        std::fs::create_dir_all(dir.join("containers")).unwrap();
        let merge = Connection::open(dir.join("merge.sqlite")).unwrap();
        merge
            .execute_batch(
                "CREATE TABLE ds_batches (stream TEXT NOT NULL, batch INTEGER NOT NULL, status TEXT NOT NULL,
                   started_at TEXT NOT NULL, ended_at TEXT, rows_inserted INTEGER, rows_updated INTEGER,
                   rows_deleted INTEGER, rows_total INTEGER, millis INTEGER, message TEXT,
                   PRIMARY KEY (stream, batch));
                 INSERT INTO ds_batches VALUES ('S', 1, 'committed', 't0', 't1', 2, 0, 0, 2, 1500, NULL);
                 INSERT INTO ds_batches VALUES ('S', 2, 'ingested', 't2', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
                 CREATE TABLE ds_hook_decisions (workspace TEXT NOT NULL, decision INTEGER NOT NULL, reason TEXT);
                 INSERT INTO ds_hook_decisions VALUES ('W', 1, 'first');
                 CREATE TABLE ds_transformer_inputs (workspace TEXT NOT NULL, stream TEXT NOT NULL,
                   batch INTEGER NOT NULL, PRIMARY KEY (workspace, stream));
                 INSERT INTO ds_transformer_inputs VALUES ('W', 'S', 1);
                 CREATE TABLE \"S__items\" (ds_batch_in INTEGER, ds_batch_out INTEGER, ds_key_hash TEXT,
                   ds_all_hash TEXT, id INTEGER, PRIMARY KEY (ds_key_hash, ds_batch_in));
                 CREATE INDEX \"S__items_live\" ON \"S__items\" (ds_batch_out, ds_key_hash);
                 INSERT INTO \"S__items\" VALUES (1, 9223372036854775807, 'k1', 'a1', 1);
                 INSERT INTO \"S__items\" VALUES (1, 2, 'k2', 'a2', 2);
                 CREATE TABLE \"S__items__staging\" (ds_key_hash TEXT, ds_all_hash TEXT, id INTEGER);",
            )
            .unwrap();
        let container = Connection::open(dir.join("containers/W.sqlite")).unwrap();
        container
            .execute_batch(
                "CREATE TABLE \"ds_export__S__items\" (ds_batch_in INTEGER, ds_batch_out INTEGER,
                   ds_key_hash TEXT, ds_all_hash TEXT, id INTEGER);
                 INSERT INTO \"ds_export__S__items\" VALUES (1, 9223372036854775807, 'k1', 'a1', 1);
                 INSERT INTO \"ds_export__S__items\" VALUES (1, 2, 'k2', 'a2', 2);
                 CREATE VIEW \"W__G__S__items\" AS SELECT \"id\" FROM \"ds_export__S__items\"
                   WHERE \"ds_batch_out\" = 9223372036854775807;
                 CREATE VIEW \"W__F__S__items\" AS SELECT \"id\", \"ds_batch_in\", \"ds_batch_out\"
                   FROM \"ds_export__S__items\";",
            )
            .unwrap();
    }

    fn one(conn: &Connection, query: &str) -> String {
        conn.query_row(query, [], |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| format!("{v:?}"))
            .unwrap()
    }

    #[test]
    fn an_old_state_moves_to_the_shared_names_and_keeps_every_row() {
        let dir = std::env::temp_dir().join(format!("ds-migrate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        old_state(&dir);

        let moved = migrate_state(&dir).unwrap();
        assert_eq!(moved.len(), 2, "{moved:?}");
        assert!(
            moved[0].contains("`ds_batches` is `batch_metrics`"),
            "{moved:?}"
        );

        let merge = Connection::open(dir.join("merge.sqlite")).unwrap();
        assert_eq!(
            one(
                &merge,
                "SELECT group_concat(batch_id || ':' || status || ':' || coalesce(seconds, '-'), ' ') FROM batch_metrics WHERE stream_key = 'S'"
            ),
            "Text(\"1:committed:1.5 2:staged:-\")"
        );
        assert_eq!(
            one(&merge, "SELECT reason FROM hook_decision"),
            "Text(\"first\")"
        );
        assert_eq!(
            one(
                &merge,
                "SELECT batch_id FROM transformer_input WHERE stream_key = 'S'"
            ),
            "Integer(1)"
        );
        assert_eq!(
            one(
                &merge,
                "SELECT group_concat(id || ':' || ds_surf_batch_out, ' ') FROM \"S__items\""
            ),
            "Text(\"1:2147483647 2:2\")"
        );
        assert_eq!(
            one(
                &merge,
                "SELECT count(*) FROM \"S__items__staging\" WHERE ds_surf_key_hash IS NULL"
            ),
            "Integer(0)"
        );
        let container = Connection::open(dir.join("containers/W.sqlite")).unwrap();
        assert_eq!(
            one(
                &container,
                "SELECT group_concat(id) FROM \"W__G__S__items\""
            ),
            "Text(\"1\")"
        );
        assert_eq!(
            one(
                &container,
                "SELECT group_concat(ds_surf_batch_in || '-' || ds_surf_batch_out, ' ') FROM \"W__F__S__items\""
            ),
            "Text(\"1-2147483647 1-2\")"
        );

        // Moving again does nothing.
        assert_eq!(migrate_state(&dir).unwrap(), Vec::<String>::new());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
