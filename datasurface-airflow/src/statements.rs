//! The statements `datasurface job` sends to the merge database: pure text,
//! from a job spec, so they can be read and tested without a database.
//!
//! They are made through a [`SqlDialect`] (quoting and parameters), as the
//! `sqlite` engine's are; the merge database is PostgreSQL, so the row hash
//! (`md5(ROW(…)::text)`), `COPY` and `UPDATE … FROM` are written here as
//! PostgreSQL's. Every table name comes from the spec, where the renderer
//! quoted it ([`crate::names`]); every value is a parameter (the first is
//! always the batch id).

use crate::names::qualified;
use crate::spec::DatasetSpec;
use datasurface_platform::dialect::{Postgres, SqlDialect};
use datasurface_runtime::state::{
    ALL_HASH, BATCH_ID, BATCH_IN, BATCH_METRICS, BATCH_OUT, CHANGE, KEY_HASH, LIVE_BATCH,
};

use crate::sql::COMMITTED;

/// How a batch changes a merge table, one statement per kind of change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeStatements {
    /// Closes (or deletes) the live versions whose row changed; counts updates.
    pub close_changed: String,
    /// Closes (or deletes) the live versions whose key is no longer in the
    /// snapshot; counts deletes. None for incremental streams, which see no deletes.
    pub close_deleted: Option<String>,
    /// Opens a live version of every staged row without one: new keys and
    /// the new versions of changed rows; counts both.
    pub open_new: String,
}

/// How a change data capture batch changes a merge table, from the
/// stream's changes table: the dataset's changes typed into a table of the
/// transaction (`ds_surf_cdc`), large values an update left out taken from
/// the live version, then the last change of each key (`ds_surf_last`)
/// closing, deleting and opening versions. Parameter 1 is the batch, 2 the
/// dataset's name (`typed`) or the number of its last `TRUNCATE` change, 0
/// for none (the rest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CdcMergeStatements {
    /// Makes `ds_surf_cdc` and fills it with the dataset's changes.
    pub typed: [String; 2],
    /// Takes each value an update left out from the key's live version.
    pub fill_left_out: String,
    /// Counts the changes still missing a value (none had a live version).
    pub still_left_out: String,
    /// The number of the last change that emptied the table (0 for none).
    pub truncated_at: String,
    /// Makes `ds_surf_last`: each key's last change, with how many it had.
    pub last: String,
    /// With history kept: a version of each change a later one replaced,
    /// opened and closed in the batch.
    pub keep_earlier: Option<String>,
    /// Closes (or deletes) the live versions of deleted keys; counts deletes.
    pub close_deleted: String,
    /// Closes (or deletes) the live versions of changed keys; counts updates.
    pub close_changed: String,
    /// Closes (or deletes) the live versions of keys an emptied table did
    /// not get back; counts deletes.
    pub close_truncated: String,
    /// Opens the version each key's last change leaves; counts inserts and updates.
    pub open_new: String,
    /// Lets the two tables go.
    pub drop: String,
}

/// Counts a change data capture batch's changes still missing a value.
const STILL_LEFT_OUT: &str =
    "SELECT count(*) FROM ds_surf_cdc WHERE cardinality(ds_surf_unchanged) > 0";

/// The number of a change data capture batch's last `TRUNCATE` (0 for none).
const TRUNCATED_AT: &str =
    "SELECT coalesce(max(ds_surf_seq), 0) FROM ds_surf_cdc WHERE ds_surf_op = 'T'";

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

impl Statements<'static> {
    /// The statements of the merge database, PostgreSQL.
    pub const fn postgres() -> Self {
        Statements { d: &Postgres }
    }
}

impl<'a> Statements<'a> {
    /// The statements of a dialect.
    pub const fn new(dialect: &'a dyn SqlDialect) -> Self {
        Statements { d: dialect }
    }

    /// `prefix."a", prefix."b"`.
    fn list(&self, prefix: &str, names: &[&str]) -> String {
        names
            .iter()
            .map(|n| format!("{prefix}{}", self.d.quote(n)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A quoted version column.
    fn v(&self, column: &str) -> String {
        self.d.quote(column)
    }

    /// `m."k1" = s."k1" AND …`.
    fn same_key(&self, d: &DatasetSpec) -> String {
        d.primary_key
            .iter()
            .map(|k| format!("m.{q} = s.{q}", q = self.d.quote(k)))
            .collect::<Vec<_>>()
            .join(" AND ")
    }

    /// The hash of a staged row's columns (`s.*`), as the merge table stores
    /// it. PostgreSQL writes the row as text in the session's settings, which
    /// the job fixes (UTC, ISO dates, exact floats), so equal rows hash equally.
    pub fn all_hash(&self, d: &DatasetSpec) -> String {
        let cols: Vec<&str> = d.columns.iter().map(|c| c.name.as_str()).collect();
        format!("md5(ROW({})::text)", self.list("s.", &cols))
    }

    /// The hash of a staged row's key.
    pub fn key_hash(&self, d: &DatasetSpec) -> String {
        let key: Vec<&str> = d.primary_key.iter().map(String::as_str).collect();
        format!("md5(ROW({})::text)", self.list("s.", &key))
    }

    /// The merge of dataset `d`'s staged batch (parameter 1) into its merge
    /// table. With `keep_history`, replaced versions are closed (their batch
    /// out is the batch); without, they are deleted. A `snapshot` holds
    /// every row, so keys missing from it are deletions.
    pub fn merge(&self, d: &DatasetSpec, keep_history: bool, snapshot: bool) -> MergeStatements {
        let (m, s, p1) = (&d.merge_table, &d.staging_table, self.d.param(1));
        let (staged_batch, opened, closed) =
            (self.v(BATCH_ID), self.v(BATCH_IN), self.v(BATCH_OUT));
        let (all_hash, key_hash) = (self.v(ALL_HASH), self.v(KEY_HASH));
        let live = format!("m.{closed} = {LIVE_BATCH}");
        let key = self.same_key(d);
        let changed = format!(
            "s.{staged_batch} = {p1} AND {live} AND {key} AND m.{all_hash} <> {}",
            self.all_hash(d)
        );
        let close_changed = if keep_history {
            format!("UPDATE {m} m SET {closed} = {p1} FROM {s} s WHERE {changed}")
        } else {
            format!("DELETE FROM {m} m USING {s} s WHERE {changed}")
        };
        let gone = format!(
            "{live} AND NOT EXISTS (SELECT 1 FROM {s} s WHERE s.{staged_batch} = {p1} AND {key})"
        );
        let close_deleted = snapshot.then(|| {
            if keep_history {
                format!("UPDATE {m} m SET {closed} = {p1} WHERE {gone}")
            } else {
                format!("DELETE FROM {m} m WHERE {gone}")
            }
        });
        let cols: Vec<&str> = d.columns.iter().map(|c| c.name.as_str()).collect();
        let open_new = format!(
            "INSERT INTO {m} ({opened}, {closed}, {all_hash}, {key_hash}, {}) \
             SELECT {p1}, {LIVE_BATCH}, {}, {}, {} FROM {s} s \
             WHERE s.{staged_batch} = {p1} AND NOT EXISTS (SELECT 1 FROM {m} m WHERE {live} AND {key})",
            self.list("", &cols),
            self.all_hash(d),
            self.key_hash(d),
            self.list("s.", &cols),
        );
        MergeStatements {
            close_changed,
            close_deleted,
            open_new,
        }
    }

    /// The merge of a change data capture batch of dataset `d`, whose
    /// changes were staged in `changes` with the values of `staged_columns`
    /// (the dataset's columns when staged). PostgreSQL's.
    pub fn cdc_merge(
        &self,
        d: &DatasetSpec,
        changes: &str,
        staged_columns: &[String],
        keep_history: bool,
    ) -> CdcMergeStatements {
        let (p1, p2) = (self.d.param(1), self.d.param(2));
        let (opened, closed, change) = (self.v(BATCH_IN), self.v(BATCH_OUT), self.v(CHANGE));
        let (all_hash, key_hash) = (self.v(ALL_HASH), self.v(KEY_HASH));
        let m = &d.merge_table;
        let live = format!("m.{closed} = {LIVE_BATCH}");
        let cols: Vec<&str> = d.columns.iter().map(|c| c.name.as_str()).collect();
        let key: Vec<&str> = d.primary_key.iter().map(String::as_str).collect();
        let typed = self.cdc_typed(d, changes, staged_columns);
        let fill_left_out = self.cdc_fill(d);
        let keys = self.list("", &key);
        let last = format!(
            "CREATE TEMPORARY TABLE ds_surf_last ON COMMIT DROP AS \
             SELECT DISTINCT ON ({keys}) s.*, count(*) OVER (PARTITION BY {keys}) AS ds_surf_changes \
             FROM ds_surf_cdc s WHERE s.ds_surf_op <> 'T' ORDER BY {keys}, s.ds_surf_seq DESC"
        );
        let insert = |batch_out: &str, change_of: &str, from: &str, filter: &str| {
            format!(
                "INSERT INTO {m} ({opened}, {closed}, {change}, {all_hash}, {key_hash}, {}) \
                 SELECT {p1}, {batch_out}, {change_of}, {}, {}, {} FROM {from} s WHERE {filter}",
                self.list("", &cols),
                self.all_hash(d),
                self.key_hash(d),
                self.list("s.", &cols),
            )
        };
        // Each change with the key's latest (a window, not a lookup per
        // change: the table has no index, and a batch may hold millions).
        let keep_earlier = keep_history.then(|| {
            insert(
                &p1,
                "s.ds_surf_seq",
                &format!(
                    "(SELECT c.*, max(c.ds_surf_seq) FILTER (WHERE c.ds_surf_op <> 'T') \
                     OVER (PARTITION BY {keys}) AS ds_surf_latest FROM ds_surf_cdc c)"
                ),
                &format!(
                    "s.ds_surf_op IN ('I', 'U') AND (s.ds_surf_seq < {p2}::bigint OR s.ds_surf_latest > s.ds_surf_seq)"
                ),
            )
        });
        let close = |condition: &str| {
            if keep_history {
                format!(
                    "UPDATE {m} m SET {closed} = {p1} FROM ds_surf_last s WHERE {live} AND {} AND ({condition})",
                    self.same_key(d)
                )
            } else {
                format!(
                    "DELETE FROM {m} m USING ds_surf_last s WHERE {live} AND {} AND ({condition})",
                    self.same_key(d)
                )
            }
        };
        let gone = format!("s.ds_surf_op = 'D' OR s.ds_surf_seq < {p2}::bigint");
        let close_deleted = close(&gone);
        let mut differs = format!("m.{all_hash} <> {}", self.all_hash(d));
        if keep_history {
            // Earlier versions came between: the live one ended with the first.
            differs.push_str(" OR s.ds_surf_changes > 1");
        }
        let close_changed = close(&format!("NOT ({gone}) AND ({differs})"));
        let not_back = format!(
            "{live} AND {p2}::bigint > 0 AND NOT EXISTS (SELECT 1 FROM ds_surf_last s \
             WHERE {} AND s.ds_surf_seq > {p2}::bigint)",
            self.same_key(d)
        );
        let close_truncated = if keep_history {
            format!("UPDATE {m} m SET {closed} = {p1} WHERE {not_back}")
        } else {
            format!("DELETE FROM {m} m WHERE {not_back}")
        };
        let open_new = insert(
            &LIVE_BATCH.to_string(),
            "0",
            "ds_surf_last",
            &format!(
                "s.ds_surf_op IN ('I', 'U') AND s.ds_surf_seq > {p2}::bigint \
                 AND NOT EXISTS (SELECT 1 FROM {m} m WHERE {live} AND {})",
                self.same_key(d)
            ),
        );
        CdcMergeStatements {
            typed,
            fill_left_out,
            still_left_out: STILL_LEFT_OUT.to_owned(),
            truncated_at: TRUNCATED_AT.to_owned(),
            last,
            keep_earlier,
            close_deleted,
            close_changed,
            close_truncated,
            open_new,
            drop: "DROP TABLE ds_surf_last, ds_surf_cdc".to_owned(),
        }
    }

    /// The statements that make `ds_surf_cdc`: dataset `d`'s changes
    /// (parameter 2) of the batch (parameter 1), each value cast to its
    /// column's type from the text staged in `staged_columns`' order.
    fn cdc_typed(&self, d: &DatasetSpec, changes: &str, staged_columns: &[String]) -> [String; 2] {
        let (p1, p2, change) = (self.d.param(1), self.d.param(2), self.v(CHANGE));
        let values: Vec<String> = d
            .columns
            .iter()
            .map(|c| {
                let value = match staged_columns.iter().position(|s| *s == c.name) {
                    Some(i) => format!("(c.ds_surf_values[{}])", i + 1),
                    None => "NULL".to_owned(),
                };
                format!("{value}::{}", c.pg_type)
            })
            .collect();
        let named: Vec<String> = values
            .iter()
            .zip(&d.columns)
            .map(|(v, c)| format!("{v} AS {}", self.d.quote(&c.name)))
            .collect();
        [
            format!(
                "CREATE TEMPORARY TABLE ds_surf_cdc ON COMMIT DROP AS SELECT c.{change} AS ds_surf_seq, \
                 c.ds_surf_op, c.ds_surf_unchanged, {} FROM {changes} c WITH NO DATA",
                named.join(", ")
            ),
            format!(
                "INSERT INTO ds_surf_cdc SELECT c.{change}, c.ds_surf_op, c.ds_surf_unchanged, {} \
                 FROM {changes} c WHERE c.{} = {p1} AND c.ds_surf_dataset = {p2}",
                values.join(", "),
                self.v(BATCH_ID),
            ),
        ]
    }

    /// Takes each value an update left out from its key's live version.
    fn cdc_fill(&self, d: &DatasetSpec) -> String {
        let fill = d
            .columns
            .iter()
            .map(|c| {
                let q = self.d.quote(&c.name);
                format!(
                    "{q} = CASE WHEN {} = ANY (s.ds_surf_unchanged) THEN m.{q} ELSE s.{q} END",
                    crate::escape::sql::literal(&c.name)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "UPDATE ds_surf_cdc s SET {fill}, ds_surf_unchanged = NULL FROM {} m \
             WHERE cardinality(s.ds_surf_unchanged) > 0 AND m.{} = {LIVE_BATCH} AND {}",
            d.merge_table,
            self.v(BATCH_OUT),
            self.same_key(d)
        )
    }

    /// Counts the live rows of a dataset (an `int8`).
    pub fn live_rows(&self, d: &DatasetSpec) -> String {
        format!(
            "SELECT count(*) FROM {} WHERE {} = {LIVE_BATCH}",
            d.merge_table,
            self.v(BATCH_OUT)
        )
    }

    /// Deletes every closed version: for a stream nobody reads history of.
    pub fn purge_closed(&self, d: &DatasetSpec) -> String {
        format!(
            "DELETE FROM {} WHERE {} <> {LIVE_BATCH}",
            d.merge_table,
            self.v(BATCH_OUT)
        )
    }

    /// Deletes the closed versions that committed batches of the stream
    /// (parameter 1) closed more than `days` days ago: the retention the
    /// longest-reading consumer asks for.
    pub fn purge_expired(&self, d: &DatasetSpec, schema: &str, days: u64) -> String {
        let out = self.v(BATCH_OUT);
        format!(
            "DELETE FROM {} WHERE {out} <> {LIVE_BATCH} AND {out} IN \
             (SELECT batch_id FROM {} WHERE stream_key = {} AND status = '{COMMITTED}' \
             AND batch_end < now() - interval '{days} days')",
            d.merge_table,
            qualified(schema, BATCH_METRICS),
            self.d.param(1),
        )
    }

    /// Refreshes the planner's statistics of a table: the staging table
    /// after each load, a merge table after a batch that changed a large
    /// part of it. Without them PostgreSQL plans a merge against the
    /// previous batch's row counts (or none) and can pick a nested loop
    /// over a million-row index.
    pub fn analyze(&self, table: &str) -> String {
        format!("ANALYZE {table}")
    }

    /// The planner's estimate of a table's rows when it last gathered
    /// statistics (a `float4`; negative when it never has). Parameter 1 is
    /// the table's name as the spec quotes it.
    pub fn estimated_rows(&self) -> String {
        format!(
            "SELECT reltuples FROM pg_catalog.pg_class WHERE oid = {}::text::regclass",
            self.d.param(1)
        )
    }

    /// Stages a transformer's output table as the batch (parameter 1).
    pub fn stage_from_table(&self, d: &DatasetSpec) -> String {
        let cols: Vec<&str> = d.columns.iter().map(|c| c.name.as_str()).collect();
        format!(
            "INSERT INTO {} ({}, {}) SELECT {}, {} FROM {}",
            d.staging_table,
            self.v(BATCH_ID),
            self.list("", &cols),
            self.d.param(1),
            self.list("", &cols),
            d.source_table
        )
    }

    /// The `COPY` that stages rows sent as text, batch id first.
    pub fn copy_into_staging(&self, d: &DatasetSpec) -> String {
        let cols: Vec<&str> = d.columns.iter().map(|c| c.name.as_str()).collect();
        format!(
            "COPY {} ({}, {}) FROM STDIN",
            d.staging_table,
            self.v(BATCH_ID),
            self.list("", &cols)
        )
    }

    /// A transformer's query as a `COPY … TO STDOUT` of exactly its output's
    /// columns, each picked by name. The query is sent alone with the
    /// extended protocol, as a subquery: one statement, a `SELECT`, that
    /// cannot end the statement around it or modify data through a `WITH`
    /// (PostgreSQL allows data-modifying `WITH` only at the top level).
    pub fn copy_out(&self, columns: &[&str], query: &str) -> String {
        format!(
            "COPY (SELECT {} FROM (\n{}\n) AS q) TO STDOUT",
            self.list("q.", columns),
            query
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ColumnSpec;

    fn people() -> DatasetSpec {
        DatasetSpec {
            dataset: "people".into(),
            source_table: "people".into(),
            columns: ["id", "name"]
                .iter()
                .map(|n| ColumnSpec {
                    name: (*n).into(),
                    pg_type: "text".into(),
                    nullable: *n != "id",
                })
                .collect(),
            primary_key: vec!["id".into()],
            staging_table: "\"p\".\"s\"".into(),
            merge_table: "\"p\".\"m\"".into(),
            allow_empty: false,
            quality: Vec::new(),
        }
    }

    #[test]
    fn a_forensic_snapshot_closes_changed_and_deleted_versions() {
        let m = Statements::postgres().merge(&people(), true, true);
        assert_eq!(
            m.close_changed,
            "UPDATE \"p\".\"m\" m SET \"ds_surf_batch_out\" = $1 FROM \"p\".\"s\" s WHERE \
             s.\"ds_surf_batch_id\" = $1 AND m.\"ds_surf_batch_out\" = 2147483647 AND m.\"id\" = s.\"id\" \
             AND m.\"ds_surf_all_hash\" <> md5(ROW(s.\"id\", s.\"name\")::text)"
        );
        assert_eq!(
            m.close_deleted.as_deref(),
            Some(
                "UPDATE \"p\".\"m\" m SET \"ds_surf_batch_out\" = $1 WHERE m.\"ds_surf_batch_out\" = 2147483647 \
                 AND NOT EXISTS (SELECT 1 FROM \"p\".\"s\" s WHERE s.\"ds_surf_batch_id\" = $1 AND m.\"id\" = s.\"id\")"
            )
        );
        assert!(m.open_new.starts_with(
            "INSERT INTO \"p\".\"m\" (\"ds_surf_batch_in\", \"ds_surf_batch_out\", \"ds_surf_all_hash\", \"ds_surf_key_hash\", \"id\", \"name\") \
             SELECT $1, 2147483647, md5(ROW(s.\"id\", s.\"name\")::text), md5(ROW(s.\"id\")::text), s.\"id\", s.\"name\""
        ));
    }

    /// Each statement of a forensic change data capture merge, as sent:
    /// reviewed whole here, run on PostgreSQL by the command line's tests.
    #[test]
    fn a_forensic_change_data_capture_merge_keeps_each_version() {
        // `name` was staged first; a column added since has no value.
        let mut d = people();
        d.columns.push(ColumnSpec {
            name: "added".into(),
            pg_type: "integer".into(),
            nullable: true,
        });
        let staged = ["name".to_owned(), "id".to_owned()];
        let m = Statements::postgres().cdc_merge(&d, "\"p\".\"changes\"", &staged, true);
        let mut all = vec![
            m.typed[0].clone(),
            m.typed[1].clone(),
            m.fill_left_out,
            m.still_left_out,
            m.truncated_at,
            m.last,
        ];
        all.extend(m.keep_earlier);
        all.extend([
            m.close_deleted,
            m.close_changed,
            m.close_truncated,
            m.open_new,
            m.drop,
        ]);
        insta::assert_snapshot!(all.join(";\n\n"));
        let live_only = Statements::postgres().cdc_merge(&d, "\"p\".\"changes\"", &staged, false);
        assert_eq!(
            live_only.keep_earlier, None,
            "live rows only: no earlier versions"
        );
        assert!(
            live_only
                .close_changed
                .starts_with("DELETE FROM \"p\".\"m\" m USING ds_surf_last s")
        );
        assert!(!live_only.close_changed.contains("ds_surf_changes > 1"));
    }

    #[test]
    fn live_only_deletes_and_incremental_sees_no_deletes() {
        let m = Statements::postgres().merge(&people(), false, false);
        assert!(
            m.close_changed
                .starts_with("DELETE FROM \"p\".\"m\" m USING \"p\".\"s\" s WHERE")
        );
        assert_eq!(m.close_deleted, None);
        assert!(
            Statements::postgres()
                .purge_expired(&people(), "p", 30)
                .contains("interval '30 days'")
        );
    }
}
