//! Every statement the engine sends to a database, made from a [`SqlDialect`]:
//! batch bookkeeping, staging, the merge by key and row hash, exports,
//! retention and the schema changes that reconcile a database with its spec.
//!
//! The engine holds no SQL of its own, so running it on another database
//! means writing a [`SqlDialect`], not another engine. Parameters are numbered
//! and documented on each statement.

use crate::dialect::SqlDialect;
use datasurface_runtime::state::{
    ALL_HASH, BATCH_METRICS, BATCH_OUT, BatchStatus, HOOK_DECISION, KEY_HASH, LIVE_BATCH,
};

use crate::spec::{DatasetSpec, TableSpec, VERSION_COLUMNS};

/// The statuses as `batch_metrics` stores them.
const STARTED: &str = BatchStatus::Started.as_str();
const STAGED: &str = BatchStatus::Staged.as_str();
const COMMITTED: &str = BatchStatus::Committed.as_str();
const FAILED: &str = BatchStatus::Failed.as_str();

/// The temporary table of keys a batch changed, by dataset (`part`).
const CHANGED: &str = "ds_changed";

/// The statements of one dialect.
#[derive(Clone, Copy)]
pub struct Statements<'a> {
    d: &'a dyn SqlDialect,
}

impl std::fmt::Debug for Statements<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Statements").finish_non_exhaustive()
    }
}

impl<'a> Statements<'a> {
    /// The statements of a dialect.
    pub const fn new(dialect: &'a dyn SqlDialect) -> Self {
        Statements { d: dialect }
    }

    fn q(&self, name: &str) -> String {
        self.d.quote(name)
    }

    fn p(&self, n: usize) -> String {
        self.d.param(n)
    }

    fn changed(&self) -> String {
        self.d.temp(CHANGED)
    }

    // Batches.

    /// Fails a stream's unfinished batches (a crash interrupted them).
    /// 1 = stream, 2 = now.
    pub fn fail_interrupted(&self) -> String {
        format!(
            "UPDATE {BATCH_METRICS} SET status = '{FAILED}', batch_end = {}, \
             message = 'interrupted before it committed; nothing of it is visible' \
             WHERE stream_key = {} AND status IN ({})",
            self.p(2),
            self.p(1),
            BatchStatus::unfinished_sql(),
        )
    }

    /// The number of a stream's next batch. 1 = stream.
    pub fn next_batch(&self) -> String {
        format!(
            "SELECT COALESCE(MAX(batch_id), 0) + 1 FROM {BATCH_METRICS} WHERE stream_key = {}",
            self.p(1)
        )
    }

    /// Starts a batch. 1 = stream, 2 = batch, 3 = now.
    pub fn start_batch(&self) -> String {
        format!(
            "INSERT INTO {BATCH_METRICS} (stream_key, batch_id, status, batch_start) VALUES ({}, {}, '{STARTED}', {})",
            self.p(1),
            self.p(2),
            self.p(3)
        )
    }

    /// Marks a batch staged: its rows are read. 1 = stream, 2 = batch.
    pub fn mark_staged(&self) -> String {
        format!(
            "UPDATE {BATCH_METRICS} SET status = '{STAGED}' WHERE stream_key = {} AND batch_id = {}",
            self.p(1),
            self.p(2)
        )
    }

    /// Fails a batch. 1 = stream, 2 = batch, 3 = now, 4 = seconds, 5 = why.
    pub fn fail_batch(&self) -> String {
        format!(
            "UPDATE {BATCH_METRICS} SET status = '{FAILED}', batch_end = {}, seconds = {}, message = {} \
             WHERE stream_key = {} AND batch_id = {}",
            self.p(3),
            self.p(4),
            self.p(5),
            self.p(1),
            self.p(2)
        )
    }

    /// Commits a batch with its counts. 1 = stream, 2 = batch, 3 = now,
    /// 4..7 = rows inserted, updated, deleted and read, 8 = seconds,
    /// 9 = the `warn` quality rules it broke (null if none).
    pub fn commit_batch(&self) -> String {
        format!(
            "UPDATE {BATCH_METRICS} SET status = '{COMMITTED}', batch_end = {}, rows_inserted = {}, \
             rows_updated = {}, rows_deleted = {}, rows_total = {}, seconds = {}, message = {} \
             WHERE stream_key = {} AND batch_id = {}",
            self.p(3),
            self.p(4),
            self.p(5),
            self.p(6),
            self.p(7),
            self.p(8),
            self.p(9),
            self.p(1),
            self.p(2)
        )
    }

    /// The status of a stream's latest batch (no row if it has none). 1 = stream.
    pub fn last_status(&self) -> String {
        format!(
            "SELECT status FROM {BATCH_METRICS} WHERE stream_key = {} ORDER BY batch_id DESC LIMIT 1",
            self.p(1)
        )
    }

    /// A stream's latest batches, newest first. 1 = stream, 2 = how many.
    pub fn recent_batches(&self) -> String {
        format!(
            "SELECT batch_id, status, batch_start, batch_end, CAST(round(seconds * 1000) AS INTEGER), rows_inserted, rows_updated, \
             rows_deleted, rows_total, message FROM {BATCH_METRICS} WHERE stream_key = {} \
             ORDER BY batch_id DESC LIMIT {}",
            self.p(1),
            self.p(2)
        )
    }

    /// Forgets which input batches a transformer saw, so that it runs again
    /// on its next run (its query changed). 1 = workspace.
    pub fn forget_inputs(&self) -> String {
        format!(
            "DELETE FROM transformer_input WHERE workspace = {}",
            self.p(1)
        )
    }

    /// A stream's last committed batch (or null). 1 = stream.
    pub fn last_committed(&self) -> String {
        format!(
            "SELECT MAX(batch_id) FROM {BATCH_METRICS} WHERE stream_key = {} AND status = '{COMMITTED}'",
            self.p(1)
        )
    }

    /// A stream's last committed batch that changed a row (or null). 1 = stream.
    pub fn last_changed(&self) -> String {
        format!(
            "SELECT MAX(batch_id) FROM {BATCH_METRICS} WHERE stream_key = {} AND status = '{COMMITTED}' \
             AND rows_inserted + rows_updated + rows_deleted > 0",
            self.p(1)
        )
    }

    /// When a stream's last batch started, whatever became of it (or null).
    /// 1 = stream.
    pub fn last_started(&self) -> String {
        format!(
            "SELECT MAX(batch_start) FROM {BATCH_METRICS} WHERE stream_key = {}",
            self.p(1)
        )
    }

    /// The input batch a transformer last saw. 1 = workspace, 2 = stream.
    pub fn input_seen(&self) -> String {
        format!(
            "SELECT batch_id FROM transformer_input WHERE workspace = {} AND stream_key = {}",
            self.p(1),
            self.p(2)
        )
    }

    /// Records the input batch a transformer saw. 1 = workspace, 2 = stream, 3 = batch.
    pub fn mark_input(&self) -> String {
        self.d.upsert(
            "transformer_input",
            &["workspace", "stream_key"],
            &["workspace", "stream_key", "batch_id"],
        )
    }

    // Hooks' decisions.

    /// A workspace's last hook decisions about one subject (`transformer`,
    /// or `delivery:<group>`), newest first. 1 = workspace, 2 = subject,
    /// 3 = how many.
    pub fn recent_decisions(&self) -> String {
        format!(
            "SELECT decided_at, event, action, until, reason, inputs FROM {HOOK_DECISION} \
             WHERE workspace = {} AND coalesce(subject, 'transformer') = {} \
             ORDER BY decision DESC LIMIT {}",
            self.p(1),
            self.p(2),
            self.p(3)
        )
    }

    /// Records a hook's decision as the workspace's next. 1 = workspace,
    /// 2 = when, 3 = event, 4 = action, 5 = until, 6 = reason, 7 = decided
    /// by, 8 = fuel, 9 = the input batches it saw, 10 = subject. Gives the
    /// decision's number.
    pub fn record_decision(&self) -> String {
        format!(
            "INSERT INTO {HOOK_DECISION} (workspace, decision, decided_at, event, action, until, \
             reason, decided_by, fuel, inputs, subject) SELECT {p1}, COALESCE(MAX(decision), 0) + 1, \
             {}, {}, {}, {}, {}, {}, {}, {}, {} FROM {HOOK_DECISION} WHERE workspace = {p1} \
             RETURNING decision",
            self.p(2),
            self.p(3),
            self.p(4),
            self.p(5),
            self.p(6),
            self.p(7),
            self.p(8),
            self.p(9),
            self.p(10),
            p1 = self.p(1),
        )
    }

    /// Delivers a dataset to a hooked group's own table: replaced by what its
    /// export holds. `columns` are the table's, system columns first.
    pub fn deliver(&self, table: &str, export: &str, columns: &[String]) -> [String; 2] {
        let cols: Vec<String> = columns.iter().map(|c| self.q(c)).collect();
        let cols = cols.join(", ");
        [
            format!("DELETE FROM {}", self.q(table)),
            format!(
                "INSERT INTO {} ({cols}) SELECT {cols} FROM {}",
                self.q(table),
                self.q(export)
            ),
        ]
    }

    /// Whether a table has any row. 1 = nothing.
    pub fn has_rows(&self, table: &str) -> String {
        format!("SELECT EXISTS (SELECT 1 FROM {})", self.q(table))
    }

    /// Links a decision to the batch it let run. 1 = workspace, 2 = decision, 3 = batch.
    pub fn decision_batch(&self) -> String {
        format!(
            "UPDATE {HOOK_DECISION} SET batch = {} WHERE workspace = {} AND decision = {}",
            self.p(3),
            self.p(1),
            self.p(2)
        )
    }

    /// A stream's last committed batch (with `changed`, the last that
    /// changed rows): number, start, end and row counts (read, inserted,
    /// updated, deleted). 1 = stream.
    pub fn last_batch(&self, changed: bool) -> String {
        format!(
            "SELECT batch_id, batch_start, batch_end, rows_total, rows_inserted, rows_updated, \
             rows_deleted FROM {BATCH_METRICS} WHERE stream_key = {} AND status = '{COMMITTED}'{} \
             ORDER BY batch_id DESC LIMIT 1",
            self.p(1),
            if changed {
                " AND rows_inserted + rows_updated + rows_deleted > 0"
            } else {
                ""
            }
        )
    }

    // Staging and merge.

    /// Empties a table of the main schema.
    pub fn clear(&self, table: &str) -> String {
        format!("DELETE FROM {}", self.q(table))
    }

    /// Stages one row. 1 = key hash, 2 = row hash, 3.. = the dataset's columns.
    pub fn stage(&self, d: &DatasetSpec) -> String {
        let cols: Vec<String> = d.columns.iter().map(|c| self.q(&c.name)).collect();
        let marks: Vec<String> = (1..=cols.len() + 2).map(|n| self.p(n)).collect();
        format!(
            "INSERT INTO {} (\"{KEY_HASH}\", \"{ALL_HASH}\"{}{}) VALUES ({})",
            self.q(&d.staging_table),
            if cols.is_empty() { "" } else { ", " },
            cols.join(", "),
            marks.join(", ")
        )
    }

    /// Makes the temporary table of changed keys, if missing.
    pub fn create_changed(&self) -> String {
        format!(
            "CREATE TEMP TABLE IF NOT EXISTS {CHANGED} (part INTEGER NOT NULL, key TEXT NOT NULL, \
             PRIMARY KEY (part, key))"
        )
    }

    /// Forgets the changed keys of every dataset.
    pub fn clear_changed(&self) -> String {
        format!("DELETE FROM {}", self.changed())
    }

    /// The three statements that record dataset `part`'s changed keys, each
    /// counting its kind: updated (same key, other row hash), inserted (a key
    /// with no live version) and deleted (a live key not staged).
    pub fn find_changes(&self, d: &DatasetSpec, part: usize) -> [String; 3] {
        let (staging, table, changed) = (
            self.q(&d.staging_table),
            self.q(&d.merge_table),
            self.changed(),
        );
        let live = format!("m.\"{BATCH_OUT}\" = {LIVE_BATCH}");
        [
            format!(
                "INSERT INTO {changed} (part, key) SELECT {part}, s.\"{KEY_HASH}\" FROM {staging} s \
                 JOIN {table} m ON m.\"{KEY_HASH}\" = s.\"{KEY_HASH}\" AND {live} \
                 WHERE m.\"{ALL_HASH}\" <> s.\"{ALL_HASH}\""
            ),
            format!(
                "INSERT INTO {changed} (part, key) SELECT {part}, s.\"{KEY_HASH}\" FROM {staging} s \
                 WHERE NOT EXISTS (SELECT 1 FROM {table} m WHERE m.\"{KEY_HASH}\" = s.\"{KEY_HASH}\" AND {live})"
            ),
            format!(
                "INSERT INTO {changed} (part, key) SELECT {part}, m.\"{KEY_HASH}\" FROM {table} m \
                 WHERE {live} AND NOT EXISTS (SELECT 1 FROM {staging} s WHERE s.\"{KEY_HASH}\" = m.\"{KEY_HASH}\")"
            ),
        ]
    }

    /// Records a key a change data capture batch deleted as changed, if it
    /// has a live version. 1 = part, 2 = key hash.
    pub fn mark_gone(&self, d: &DatasetSpec) -> String {
        format!(
            "INSERT INTO {} (part, key) SELECT {}, \"{KEY_HASH}\" FROM {} \
             WHERE \"{KEY_HASH}\" = {} AND \"{BATCH_OUT}\" = {LIVE_BATCH} ON CONFLICT DO NOTHING",
            self.changed(),
            self.p(1),
            self.q(&d.merge_table),
            self.p(2)
        )
    }

    fn changed_keys(&self, part: usize) -> String {
        format!("SELECT key FROM {} WHERE part = {part}", self.changed())
    }

    /// Closes the live versions of the changed keys. 1 = batch.
    pub fn close_changed(&self, d: &DatasetSpec, part: usize) -> String {
        format!(
            "UPDATE {} SET \"{BATCH_OUT}\" = {} WHERE \"{BATCH_OUT}\" = {LIVE_BATCH} AND \"{KEY_HASH}\" IN ({})",
            self.q(&d.merge_table),
            self.p(1),
            self.changed_keys(part)
        )
    }

    /// Opens new live versions of the changed keys still staged. 1 = batch.
    pub fn open_changed(&self, d: &DatasetSpec, part: usize) -> String {
        let data: Vec<String> = d
            .columns
            .iter()
            .map(|c| format!("s.{}", self.q(&c.name)))
            .collect();
        format!(
            "INSERT INTO {} ({}) SELECT {}, {LIVE_BATCH}, s.\"{KEY_HASH}\", s.\"{ALL_HASH}\"{}{} FROM {} s \
             WHERE s.\"{KEY_HASH}\" IN ({})",
            self.q(&d.merge_table),
            self.versioned_columns(d),
            self.p(1),
            if data.is_empty() { "" } else { ", " },
            data.join(", "),
            self.q(&d.staging_table),
            self.changed_keys(part)
        )
    }

    /// Drops closed versions when nobody reads history.
    pub fn purge_closed(&self, d: &DatasetSpec) -> String {
        format!(
            "DELETE FROM {} WHERE \"{BATCH_OUT}\" <> {LIVE_BATCH}",
            self.q(&d.merge_table)
        )
    }

    /// The version columns then the dataset's, quoted, in table order.
    pub fn versioned_columns(&self, d: &DatasetSpec) -> String {
        VERSION_COLUMNS
            .iter()
            .map(|(c, _)| *c)
            .chain(d.columns.iter().map(|c| c.name.as_str()))
            .map(|c| self.q(c))
            .collect::<Vec<_>>()
            .join(", ")
    }

    // Exports.

    /// Makes a container's table of the batch each export holds, if missing.
    pub fn create_export_state(&self, schema: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\"export\" TEXT PRIMARY KEY, \"batch\" INTEGER NOT NULL)",
            self.d.qualified(schema, "ds_export_state")
        )
    }

    /// The batch an export holds. 1 = export table.
    pub fn export_state(&self, schema: &str) -> String {
        format!(
            "SELECT \"batch\" FROM {} WHERE \"export\" = {}",
            self.d.qualified(schema, "ds_export_state"),
            self.p(1)
        )
    }

    /// Records the batch an export holds. 1 = export table, 2 = batch.
    pub fn set_export_state(&self, schema: &str) -> String {
        self.d.upsert(
            &self.d.qualified(schema, "ds_export_state"),
            &["export"],
            &["export", "batch"],
        )
    }

    /// Brings an export up to date with the keys dataset `part` changed in
    /// this batch: their versions removed, then copied again.
    pub fn export_changes(
        &self,
        d: &DatasetSpec,
        part: usize,
        schema: &str,
        table: &str,
    ) -> [String; 2] {
        let target = self.d.qualified(schema, table);
        let cols = self.versioned_columns(d);
        let keys = self.changed_keys(part);
        [
            format!("DELETE FROM {target} WHERE \"{KEY_HASH}\" IN ({keys})"),
            format!(
                "INSERT INTO {target} ({cols}) SELECT {cols} FROM {} WHERE \"{KEY_HASH}\" IN ({keys})",
                self.q(&d.merge_table)
            ),
        ]
    }

    /// Copies a merge table into an export whole.
    pub fn export_all(&self, d: &DatasetSpec, schema: &str, table: &str) -> [String; 2] {
        let target = self.d.qualified(schema, table);
        let cols = self.versioned_columns(d);
        [
            format!("DELETE FROM {target}"),
            format!(
                "INSERT INTO {target} ({cols}) SELECT {cols} FROM {}",
                self.q(&d.merge_table)
            ),
        ]
    }

    /// Purges the versions of a merge table that a stream's batches
    /// committed before a time closed. 1 = stream, 2 = the time.
    pub fn retire_merged(&self, d: &DatasetSpec) -> String {
        self.retire(&self.q(&d.merge_table))
    }

    /// Purges the versions of an export table (in `schema`) that a stream's
    /// batches committed before a time closed. 1 = stream, 2 = the time.
    pub fn retire_exported(&self, schema: &str, table: &str) -> String {
        self.retire(&self.d.qualified(schema, table))
    }

    fn retire(&self, target: &str) -> String {
        format!(
            "DELETE FROM {target} WHERE \"{BATCH_OUT}\" <> {LIVE_BATCH} AND \"{BATCH_OUT}\" IN \
             (SELECT batch_id FROM {BATCH_METRICS} WHERE stream_key = {} AND status = '{COMMITTED}' AND batch_end < {})",
            self.p(1),
            self.p(2)
        )
    }

    // Schema.

    /// Makes a table, if missing.
    pub fn create_table(&self, t: &TableSpec) -> String {
        let mut parts: Vec<String> = t
            .columns
            .iter()
            .map(|c| {
                format!(
                    "{} {}{}",
                    self.q(&c.name),
                    self.d.column_type(c.affinity, c.scale),
                    if c.nullable { "" } else { " NOT NULL" }
                )
            })
            .collect();
        let key: Vec<String> = t.primary_key.iter().map(|k| self.q(k)).collect();
        parts.push(format!("PRIMARY KEY ({})", key.join(", ")));
        format!(
            "CREATE TABLE IF NOT EXISTS {} (\n    {}\n)",
            self.q(&t.name),
            parts.join(",\n    ")
        )
    }

    /// Makes an index, if missing.
    pub fn create_index(&self, table: &str, index: &str, columns: &[String]) -> String {
        let cols: Vec<String> = columns.iter().map(|c| self.q(c)).collect();
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {} ({})",
            self.q(index),
            self.q(table),
            cols.join(", ")
        )
    }

    /// Makes a view again.
    pub fn replace_view(&self, name: &str, select: &str) -> String {
        format!(
            "{}; CREATE VIEW {} AS {select}",
            self.drop_view(name),
            self.q(name)
        )
    }

    /// Drops a view, if present.
    pub fn drop_view(&self, name: &str) -> String {
        format!("DROP VIEW IF EXISTS {}", self.q(name))
    }

    /// Drops a table, if present.
    pub fn drop_table(&self, name: &str) -> String {
        format!("DROP TABLE IF EXISTS {}", self.q(name))
    }
}

#[cfg(test)]
mod tests {
    use super::Statements;
    use crate::dialect::{Affinity, Postgres, SqlDialect, Sqlite};
    use crate::spec::{ColumnSpec, DatasetSpec, TableSpec, VERSION_COLUMNS};

    fn column(name: &str, affinity: Affinity, nullable: bool) -> ColumnSpec {
        ColumnSpec {
            name: name.into(),
            affinity,
            nullable,
            scale: None,
            check: None,
        }
    }

    fn dataset() -> DatasetSpec {
        DatasetSpec {
            dataset: "items".into(),
            source_table: "items".into(),
            columns: vec![
                column("id", Affinity::Integer, false),
                column("price", Affinity::Decimal, true),
            ],
            primary_key: vec!["id".into()],
            staging_table: "stage_shop_items".into(),
            merge_table: "merge_shop_items".into(),
            exports: vec![("Warehouse".into(), "export_shop_items".into())],
            allow_empty: false,
            quality: Vec::new(),
        }
    }

    /// Every statement of a dialect, one per paragraph, for a snapshot.
    fn all(dialect: &dyn SqlDialect) -> String {
        let s = Statements::new(dialect);
        let d = dataset();
        let table = TableSpec {
            name: "merge_shop_items".into(),
            columns: VERSION_COLUMNS
                .iter()
                .map(|(c, a)| column(c, *a, false))
                .chain(d.columns.iter().cloned())
                .collect(),
            primary_key: vec!["ds_surf_key_hash".into(), "ds_surf_batch_in".into()],
            indexes: vec![(
                "merge_shop_items_live".into(),
                vec!["ds_surf_batch_out".into()],
            )],
        };
        let mut out = vec![
            s.fail_interrupted(),
            s.next_batch(),
            s.start_batch(),
            s.mark_staged(),
            s.fail_batch(),
            s.commit_batch(),
            s.last_committed(),
            s.last_changed(),
            s.last_started(),
            s.input_seen(),
            s.mark_input(),
            s.clear(&d.staging_table),
            s.stage(&d),
            s.create_changed(),
            s.clear_changed(),
        ];
        out.extend(s.find_changes(&d, 0));
        out.push(s.close_changed(&d, 0));
        out.push(s.open_changed(&d, 0));
        out.push(s.purge_closed(&d));
        out.push(s.create_export_state("c0"));
        out.push(s.export_state("c0"));
        out.push(s.set_export_state("c0"));
        out.extend(s.export_changes(&d, 0, "c0", "export_shop_items"));
        out.extend(s.export_all(&d, "c0", "export_shop_items"));
        out.push(s.retire_merged(&d));
        out.push(s.retire_exported("c0", "export_shop_items"));
        out.push(s.create_table(&table));
        out.push(s.create_index(&table.name, "merge_shop_items_live", &table.indexes[0].1));
        out.push(dialect.add_column("merge_shop_items", "note", Affinity::Text, None));
        out.push(dialect.table_columns("c0", "export_shop_items"));
        out.push(s.replace_view("v", "SELECT 1"));
        out.push(s.drop_table("t"));
        out.join("\n\n")
    }

    #[test]
    fn sqlite_statements() {
        insta::assert_snapshot!(all(&Sqlite));
    }

    #[test]
    fn postgres_statements() {
        insta::assert_snapshot!(all(&Postgres));
    }
}
