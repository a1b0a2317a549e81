//! PostgreSQL DDL: the platform's tables, staging and merge tables, and views.
//!
//! Every script converges: running it on an empty database, on the state an
//! older version of it made, or twice, leaves the same objects. Tables are made
//! with `CREATE TABLE IF NOT EXISTS` and widened with `ADD COLUMN IF NOT EXISTS`
//! (columns the model drops stay, so their data is never lost); views are
//! dropped and made again in one transaction.

use std::borrow::Cow;
use std::fmt::Write as _;

use datasurface_core::names::ColumnName;
use datasurface_core::types::Text;
use datasurface_core::{DataType, Schema};
use datasurface_platform::TypeKind;

use crate::names::{ident, push_quoted, push_quoted_list, qualified, quoted};

/// The batch id that marks a live (not yet closed) row version.
pub use datasurface_runtime::state::LIVE_BATCH;
use datasurface_runtime::state::{
    ALL_HASH, BATCH_ID, BATCH_IN, BATCH_METRICS, BATCH_OUT, BatchStatus, CHANGE, HOOK_DECISION,
    KEY_HASH,
};

/// The statuses as `batch_metrics` stores them, for statements.
pub(crate) const COMMITTED: &str = BatchStatus::Committed.as_str();
#[cfg(feature = "runner")]
pub(crate) const STARTED: &str = BatchStatus::Started.as_str();
#[cfg(feature = "runner")]
pub(crate) const STAGED: &str = BatchStatus::Staged.as_str();
#[cfg(feature = "runner")]
pub(crate) const MERGED: &str = BatchStatus::Merged.as_str();
#[cfg(feature = "runner")]
pub(crate) const FAILED: &str = BatchStatus::Failed.as_str();

/// The model types the platform stores: each kind whose example
/// ([`TypeKind::example`]) has a PostgreSQL type, so the capabilities it declares are
/// what its type mapping does, never a second list.
pub fn supported_types() -> Vec<TypeKind> {
    TypeKind::ALL
        .into_iter()
        .filter(|kind| pg_type(&kind.example()).is_some())
        .collect()
}

fn text(kind: &str, t: &Text) -> Cow<'static, str> {
    match t.max_size {
        Some(n) => format!("{kind}({n})").into(),
        None => "text".into(),
    }
}

/// The PostgreSQL type of a model type, or `None` if the platform cannot store it.
pub fn pg_type(t: &DataType) -> Option<Cow<'static, str>> {
    Some(match t {
        DataType::Boolean => "boolean".into(),
        DataType::TinyInt | DataType::SmallInt => "smallint".into(),
        DataType::Integer => "integer".into(),
        DataType::BigInt => "bigint".into(),
        DataType::FixedInteger(f) => {
            let bits = u32::from(f.bits) + u32::from(!f.signed);
            match bits {
                0..=16 => "smallint".into(),
                17..=32 => "integer".into(),
                33..=64 => "bigint".into(),
                // Enough decimal digits for the largest value of that many bits.
                _ => format!("numeric({}, 0)", bits * 30_103 / 100_000 + 1).into(),
            }
        }
        DataType::Decimal(d) => format!("numeric({}, {})", d.precision, d.scale).into(),
        DataType::Ieee16 | DataType::Ieee32 => "real".into(),
        DataType::Ieee64 => "double precision".into(),
        // A custom float is stored in the smallest IEEE format that holds it.
        DataType::CustomFloat(f) => {
            if f.precision <= 24 && f.max_exponent <= 127 && f.min_exponent >= -126 {
                "real".into()
            } else if f.precision <= 53 && f.max_exponent <= 1023 && f.min_exponent >= -1022 {
                "double precision".into()
            } else {
                return None;
            }
        }
        DataType::Char(t) | DataType::NChar(t) => text("char", t),
        DataType::VarChar(t) | DataType::NVarChar(t) | DataType::String(t) => text("varchar", t),
        DataType::Date => "date".into(),
        DataType::Timestamp(_) => "timestamp with time zone".into(),
        DataType::Interval => "interval".into(),
        DataType::Variant(_) | DataType::Map(_) | DataType::Struct(_) => "jsonb".into(),
        DataType::Binary(_) => "bytea".into(),
        DataType::Vector(_) => "real[]".into(),
        DataType::Array(a) => {
            let inner = pg_type(&a.element_type)?;
            if inner.ends_with("[]") {
                // PostgreSQL arrays are not nested by type; keep the JSON form.
                "jsonb".into()
            } else {
                format!("{inner}[]").into()
            }
        }
        // Geometry as well-known text with its SRID: no PostGIS needed.
        DataType::Geography(_) => "text".into(),
        _ => return None,
    })
}

/// A column of a table: its name (unquoted), PostgreSQL type and nullability.
pub(crate) type TableColumn<'a> = (&'a str, Cow<'static, str>, bool);

/// The columns of a dataset with their PostgreSQL types and nullability.
pub(crate) fn columns(schema: &Schema) -> Vec<TableColumn<'_>> {
    schema
        .columns
        .iter()
        .map(|(name, c)| {
            (
                name.as_str(),
                pg_type(&c.data_type).unwrap_or(Cow::Borrowed("text")),
                c.nullable && !schema.primary_key.contains(name),
            )
        })
        .collect()
}

/// The header of every script.
pub fn header(out: &mut String, platform: &str, version: &semver::Version, what: &str) {
    let _ = writeln!(
        out,
        "-- Generated by datasurface for platform `{platform}` (airflow {version}). Do not edit:\n\
         -- change the model and run `datasurface render`.\n-- {what}\n"
    );
}

/// The platform's own tables: the batch counter and the batch metrics of
/// every stream (one row per batch: its status, row counts, time and the
/// reason it failed), what `datasurface job apply` applied (each artifact's
/// hash), the job specs and hook modules it stored, and every decision of a
/// workspace's hook (`datasurface job decide`).
pub fn platform_tables(out: &mut String, schema: &str) {
    let metrics = qualified(schema, BATCH_METRICS);
    let statuses: Vec<String> = BatchStatus::ALL.iter().map(|s| format!("'{s}'")).collect();
    let _ = write!(
        out,
        "CREATE SCHEMA IF NOT EXISTS {s};\n\n\
         CREATE TABLE IF NOT EXISTS {counter} (\n    \
             stream_key varchar(255) PRIMARY KEY,\n    \
             current_batch integer NOT NULL DEFAULT 0\n);\n\n\
         CREATE TABLE IF NOT EXISTS {metrics} (\n    \
             stream_key varchar(255) NOT NULL,\n    \
             batch_id integer NOT NULL,\n    \
             batch_start timestamp with time zone NOT NULL,\n    \
             batch_end timestamp with time zone,\n    \
             status varchar(16) NOT NULL,\n    \
             rows_inserted bigint NOT NULL DEFAULT 0,\n    \
             rows_updated bigint NOT NULL DEFAULT 0,\n    \
             rows_deleted bigint NOT NULL DEFAULT 0,\n    \
             rows_total bigint NOT NULL DEFAULT 0,\n    \
             state jsonb,\n    \
             PRIMARY KEY (stream_key, batch_id)\n);\n\
         ALTER TABLE {metrics}\n    \
             ADD COLUMN IF NOT EXISTS seconds double precision,\n    \
             ADD COLUMN IF NOT EXISTS message text,\n    \
             ADD COLUMN IF NOT EXISTS spec_hash varchar(64),\n    \
             DROP CONSTRAINT IF EXISTS batch_metrics_status_check,\n    \
             ADD CONSTRAINT batch_metrics_status_check CHECK (status IN ({statuses}));\n\n\
         CREATE TABLE IF NOT EXISTS {applied} (\n    \
             artifact varchar(1024) PRIMARY KEY,\n    \
             hash char(64) NOT NULL,\n    \
             applied_at timestamp with time zone NOT NULL\n);\n\n\
         CREATE TABLE IF NOT EXISTS {specs} (\n    \
             kind varchar(16) NOT NULL,\n    \
             name varchar(1024) NOT NULL,\n    \
             hash varchar(64) NOT NULL,\n    \
             spec jsonb NOT NULL,\n    \
             applied_at timestamp with time zone NOT NULL,\n    \
             PRIMARY KEY (kind, name)\n);\n\n\
         CREATE TABLE IF NOT EXISTS {modules} (\n    \
             sha256 char(64) PRIMARY KEY,\n    \
             module bytea NOT NULL,\n    \
             stored_at timestamp with time zone NOT NULL\n);\n\n\
         CREATE TABLE IF NOT EXISTS {decisions} (\n    \
             workspace varchar(1024) NOT NULL,\n    \
             decision integer NOT NULL,\n    \
             decided_at timestamp with time zone NOT NULL,\n    \
             event varchar(32) NOT NULL,\n    \
             action varchar(16) NOT NULL,\n    \
             until timestamp with time zone,\n    \
             reason text NOT NULL,\n    \
             decided_by varchar(16) NOT NULL,\n    \
             fuel bigint,\n    \
             PRIMARY KEY (workspace, decision)\n);\n\
         ALTER TABLE {decisions}\n    \
             ADD COLUMN IF NOT EXISTS run integer;\n",
        s = quoted(schema),
        counter = qualified(schema, "batch_counter"),
        statuses = statuses.join(", "),
        applied = qualified(schema, "applied_artifact"),
        specs = qualified(schema, "job_spec"),
        modules = qualified(schema, "hook_module"),
        decisions = qualified(schema, HOOK_DECISION),
    );
}

/// A table made if missing, then widened to every column it should have.
/// Names are quoted here; a large model has a million columns to write, so
/// everything is pushed straight onto `out`.
fn converging_table<'a>(
    out: &mut String,
    table: &str,
    cols: impl Iterator<Item = &'a TableColumn<'a>> + Clone,
    primary_key: impl Iterator<Item = &'a str>,
) {
    let not_null = |nullable: bool| if nullable { "" } else { " NOT NULL" };
    out.push_str("CREATE TABLE IF NOT EXISTS ");
    out.push_str(table);
    out.push_str(" (\n");
    for (name, t, nullable) in cols.clone() {
        out.push_str("    ");
        push_quoted(out, name);
        out.push(' ');
        out.push_str(t);
        out.push_str(not_null(*nullable));
        out.push_str(",\n");
    }
    out.push_str("    PRIMARY KEY (");
    push_quoted_list(out, primary_key);
    out.push_str(")\n);\n");
    // A column added to the model later must be nullable (verify enforces it);
    // the system columns carry defaults.
    out.push_str("ALTER TABLE ");
    out.push_str(table);
    for (n, (name, t, nullable)) in cols.enumerate() {
        out.push_str(if n == 0 { "" } else { "," });
        out.push_str("\n    ADD COLUMN IF NOT EXISTS ");
        push_quoted(out, name);
        out.push(' ');
        out.push_str(t);
        out.push_str(not_null(*nullable));
    }
    out.push_str(";\n");
}

/// The staging and merge tables of one dataset of an ingestion stream.
///
/// Staging holds a batch's rows as read (`ds_surf_batch_id` and the
/// dataset's columns, keyed like the dataset, so a repeated key fails the
/// batch); the job computes the key and row hashes as it merges.
///
/// Merge tables always keep row versions (`ds_surf_batch_in`/`_out`, with
/// live rows at [`LIVE_BATCH`]): whether closed versions are kept or purged is
/// the job's choice, so changing a consumer's milestoning never changes a table.
///
/// A merge table fed by change data capture (`cdc`) keeps every version a
/// batch makes of a key: its primary key takes [`CHANGE`] too, and a table
/// an earlier capture made has its key widened in place. It has no index on
/// its live rows' key hashes, and leaves a tenth of each page free, so
/// closing a version writes no index.
pub fn ingest_tables(
    out: &mut String,
    schema: &str,
    (store, dataset): (&str, &str),
    s: &Schema,
    cdc: bool,
) {
    const BATCH_ID_COLUMN: TableColumn<'static> = (BATCH_ID, Cow::Borrowed("integer"), false);
    const BATCH_IN_COLUMN: TableColumn<'static> = (BATCH_IN, Cow::Borrowed("integer"), false);
    const ALL_HASH_COLUMN: TableColumn<'static> = (ALL_HASH, Cow::Borrowed("char(32)"), false);
    const KEY_HASH_COLUMN: TableColumn<'static> = (KEY_HASH, Cow::Borrowed("char(32)"), false);
    let cols = columns(s);
    let key = s.primary_key.iter().map(ColumnName::as_str);
    let staging = qualified(schema, &ident(&[store, dataset, "staging"]));
    let merge = qualified(schema, &ident(&[store, dataset, "merge"]));
    let _ = writeln!(out, "-- Dataset `{store}.{dataset}`: staging, then merge.");
    let staging_cols = std::iter::once(&BATCH_ID_COLUMN).chain(&cols);
    let staging_key = std::iter::once(BATCH_ID).chain(key.clone());
    converging_table(out, &staging, staging_cols, staging_key);
    out.push('\n');
    let batch_out: TableColumn<'static> = (
        BATCH_OUT,
        format!("integer DEFAULT {LIVE_BATCH}").into(),
        false,
    );
    let change: TableColumn<'static> = (CHANGE, Cow::Borrowed("bigint DEFAULT 0"), false);
    let versions = [
        &BATCH_IN_COLUMN,
        &batch_out,
        &ALL_HASH_COLUMN,
        &KEY_HASH_COLUMN,
    ];
    let merge_cols = versions
        .into_iter()
        .chain(cdc.then_some(&change))
        .chain(&cols);
    let merge_key = key.clone().chain([BATCH_IN]).chain(cdc.then_some(CHANGE));
    converging_table(out, &merge, merge_cols, merge_key.clone());
    let live_key = ident(&[store, dataset, "live_key"]);
    if cdc {
        widen_primary_key(out, &merge, merge_key);
        // A change data capture batch finds each key's versions by the
        // primary key. Closing a version changes only its batch out, which
        // no index then holds, and a tenth of each page is left free, so
        // the closed version stays on its page with no index written
        // (PostgreSQL's heap-only update): a batch's random writes halve.
        let _ = writeln!(
            out,
            "DROP INDEX IF EXISTS {};\nALTER TABLE {merge} SET (fillfactor = 90);\n",
            qualified(schema, &live_key),
        );
    } else {
        let _ = writeln!(
            out,
            "CREATE INDEX IF NOT EXISTS {} ON {merge} (\"{KEY_HASH}\") WHERE \"{BATCH_OUT}\" = {LIVE_BATCH};\n",
            quoted(&live_key),
        );
    }
}

/// Makes `table`'s primary key `key` when it lacks [`CHANGE`]: a merge
/// table an earlier snapshot or watermark capture made, now fed by change
/// data capture. Only the key's index is built again; no row changes.
fn widen_primary_key<'a>(out: &mut String, table: &str, key: impl Iterator<Item = &'a str>) {
    let alter = format!("ALTER TABLE {table} DROP CONSTRAINT ");
    let mut add = String::from(", ADD PRIMARY KEY (");
    push_quoted_list(&mut add, key);
    add.push(')');
    let literal = crate::escape::sql::literal;
    let _ = writeln!(
        out,
        "DO $$\n\
         DECLARE pk name;\n\
         BEGIN\n    \
             SELECT c.conname INTO pk FROM pg_constraint c\n        \
                 WHERE c.conrelid = {table_literal}::regclass AND c.contype = 'p'\n        \
                 AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.conrelid\n            \
                     AND a.attnum = ANY (c.conkey) AND a.attname = {change});\n    \
             IF pk IS NOT NULL THEN\n        \
                 EXECUTE {alter} || quote_ident(pk) || {add};\n    \
             END IF;\n\
         END $$;\n",
        table_literal = literal(table),
        change = literal(CHANGE),
        alter = literal(&alter),
        add = literal(&add),
    );
}

/// The table a change data capture stream stages each batch's changes in,
/// one row a change to any of its datasets, in the order the source made
/// them: the dataset, the operation (`I`, `U`, `D`, or `T` for a table
/// emptied), the columns an update left out (large values it did not
/// change), and the values as text in the columns' order when staged.
pub fn cdc_changes_table(out: &mut String, schema: &str, table: &str) {
    let table = qualified(schema, table);
    let _ = writeln!(
        out,
        "-- The stream's changes, as read from the source's replication slot, until merged.\n\
         CREATE TABLE IF NOT EXISTS {table} (\n    \
             \"{BATCH_ID}\" integer NOT NULL,\n    \
             \"{CHANGE}\" bigint NOT NULL,\n    \
             ds_surf_dataset text NOT NULL,\n    \
             ds_surf_op char(1) NOT NULL,\n    \
             ds_surf_unchanged text[],\n    \
             ds_surf_values text[] NOT NULL,\n    \
             PRIMARY KEY (\"{BATCH_ID}\", \"{CHANGE}\")\n);\n"
    );
}

/// The table a transformer writes one output dataset to, for its ingestion to read.
pub fn transformer_output_table(
    out: &mut String,
    schema: &str,
    store: &str,
    dataset: &str,
    s: &Schema,
) {
    let table = qualified(schema, &ident(&["dt", store, dataset]));
    let key = s.primary_key.iter().map(ColumnName::as_str);
    let _ = writeln!(
        out,
        "-- Output `{store}.{dataset}`, which the transformer replaces on every run."
    );
    converging_table(out, &table, columns(s).iter(), key);
    out.push('\n');
}

/// A transformer's role: it may read its input views and insert into its
/// output tables, and nothing else (views run with their owner's rights, so
/// the role sees none of the tables behind them). The job runs the
/// transformer's queries under it (`SET LOCAL ROLE`). Roles belong to the
/// whole server, so the name carries the merge database's; the merge
/// credential needs `CREATEROLE` to make it, and becomes a member to use it.
pub fn transformer_role(
    out: &mut String,
    role: &str,
    inputs: &[(String, String)],
    outputs: &[(String, String)],
) {
    let _ = writeln!(
        out,
        "-- The transformer's role: it reads its input views and writes its output tables, nothing else.\n\
         DO $$ BEGIN\n    \
             IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {literal}) THEN\n        \
                 CREATE ROLE {role} NOLOGIN;\n    \
             END IF;\n\
         END $$;\n\
         GRANT {role} TO CURRENT_USER;",
        literal = crate::escape::sql::literal(role),
        role = quoted(role),
    );
    let mut schemas: Vec<&str> = inputs
        .iter()
        .chain(outputs)
        .map(|(schema, _)| schema.as_str())
        .collect();
    schemas.sort_unstable();
    schemas.dedup();
    for schema in schemas {
        let _ = writeln!(
            out,
            "GRANT USAGE ON SCHEMA {} TO {};",
            quoted(schema),
            quoted(role)
        );
    }
    for (schema, view) in inputs {
        let _ = writeln!(
            out,
            "GRANT SELECT ON {} TO {};",
            qualified(schema, view),
            quoted(role)
        );
    }
    for (schema, table) in outputs {
        let _ = writeln!(
            out,
            "GRANT INSERT ON {} TO {};",
            qualified(schema, table),
            quoted(role)
        );
    }
    out.push('\n');
}

/// Which row versions a view shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// Only live rows.
    Live,
    /// Every version, with the batches that opened and closed it.
    All,
}

/// A view over one dataset's merge table, made again in place.
pub fn view(
    out: &mut String,
    view: &str,
    schema: &str,
    store: &str,
    dataset: &str,
    s: &Schema,
    versions: Versions,
) {
    let merge = qualified(schema, &ident(&[store, dataset, "merge"]));
    let _ = write!(
        out,
        "DROP VIEW IF EXISTS {view};\nCREATE VIEW {view} AS\nSELECT "
    );
    let system: &[&str] = match versions {
        Versions::Live => &[],
        Versions::All => &[BATCH_IN, BATCH_OUT],
    };
    let names = s
        .columns
        .keys()
        .map(ColumnName::as_str)
        .chain(system.iter().copied());
    push_quoted_list(out, names);
    let _ = write!(out, "\nFROM {merge}");
    if versions == Versions::Live {
        let _ = write!(out, "\nWHERE \"{BATCH_OUT}\" = {LIVE_BATCH}");
    }
    out.push_str(";\n\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the type mapping stores, which the platform declares.
    #[test]
    fn supported_types_are_what_the_mapping_stores() {
        let names: Vec<&str> = supported_types().into_iter().map(TypeKind::name).collect();
        insta::assert_snapshot!(names.join(" "));
    }
    use datasurface_core::types::{Array, FixedInteger};

    #[test]
    fn types_map_to_postgres() {
        assert_eq!(pg_type(&DataType::Integer).as_deref(), Some("integer"));
        let u32_ = DataType::FixedInteger(FixedInteger {
            bits: 32,
            signed: false,
        });
        assert_eq!(pg_type(&u32_).as_deref(), Some("bigint"));
        let huge = DataType::FixedInteger(FixedInteger {
            bits: 128,
            signed: true,
        });
        assert_eq!(pg_type(&huge).as_deref(), Some("numeric(39, 0)"));
        let ints = DataType::Array(Array {
            element_type: Box::new(DataType::Integer),
            max_size: None,
        });
        assert_eq!(pg_type(&ints).as_deref(), Some("integer[]"));
        assert_eq!(pg_type(&DataType::Fp8E4m3), None);
        // Every type the platform declares has a PostgreSQL type.
        let palette = datasurface_testkit::Palette::everything();
        for name in supported_types() {
            let sample: DataType =
                serde_json::from_value(palette.sample_type(name.name()).unwrap()).unwrap();
            assert!(pg_type(&sample).is_some(), "{name}");
        }
    }

    #[test]
    fn views_show_live_rows_or_every_version() {
        use datasurface_core::Column;
        let mut s = Schema::default();
        for name in ["id", "name"] {
            let column = ColumnName::new(name).unwrap();
            s.columns.insert(column, Column::new(DataType::Integer));
        }
        let mut out = String::new();
        view(
            &mut out,
            "\"p\".\"v\"",
            "p",
            "Store",
            "people",
            &s,
            Versions::Live,
        );
        view(
            &mut out,
            "\"p\".\"h\"",
            "p",
            "Store",
            "people",
            &s,
            Versions::All,
        );
        assert_eq!(
            out,
            "DROP VIEW IF EXISTS \"p\".\"v\";\nCREATE VIEW \"p\".\"v\" AS\n\
             SELECT \"id\", \"name\"\nFROM \"p\".\"store_people_merge\"\n\
             WHERE \"ds_surf_batch_out\" = 2147483647;\n\n\
             DROP VIEW IF EXISTS \"p\".\"h\";\nCREATE VIEW \"p\".\"h\" AS\n\
             SELECT \"id\", \"name\", \"ds_surf_batch_in\", \"ds_surf_batch_out\"\n\
             FROM \"p\".\"store_people_merge\";\n\n"
        );
    }
}
