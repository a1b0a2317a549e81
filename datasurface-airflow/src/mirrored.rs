//! What a platform of another kind reads when it mirrors a store this one
//! ingests (`primaryIngestionPlatforms`), as PostgreSQL queries of the
//! merge database: a dataset's live rows, and the last batch of a stream
//! whose merge committed. The `spark` platform sends them over JDBC; they
//! live here, beside the tables they read, so the two cannot drift apart.
//!
//! A batch's merge of every dataset and its `batch_metrics` row move to
//! `merged` in one transaction: a reader that finds the same last merged
//! batch before and after reading every dataset has read them all as of
//! that batch.

use datasurface_platform::escape::sql::Dialect;
use datasurface_runtime::state::{BATCH_METRICS, BATCH_OUT, BatchStatus, LIVE_BATCH};

use crate::names::{ident, qualified, quoted};

/// A dataset's merge table, as `schema.table` (unquoted, as OpenLineage
/// names PostgreSQL tables).
pub fn merge_table(schema: &str, store: &str, dataset: &str) -> String {
    format!("{schema}.{}", ident(&[store, dataset, "merge"]))
}

/// The live rows of a dataset's merge table: `columns`, in order.
///
/// ```
/// assert_eq!(
///     datasurface_airflow::mirrored::live_rows("shop", "Shop", "items", &["id", "qty"]),
///     "SELECT \"id\", \"qty\" FROM \"shop\".\"shop_items_merge\" WHERE \"ds_surf_batch_out\" = 2147483647"
/// );
/// ```
pub fn live_rows(schema: &str, store: &str, dataset: &str, columns: &[&str]) -> String {
    let columns: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
    format!(
        "SELECT {} FROM {} WHERE {} = {LIVE_BATCH}",
        columns.join(", "),
        qualified(schema, &ident(&[store, dataset, "merge"])),
        quoted(BATCH_OUT)
    )
}

/// One row, one column: the last batch of stream `stream` whose merge
/// committed (`merged` or `committed`), null when there is none.
///
/// ```
/// assert_eq!(
///     datasurface_airflow::mirrored::last_merged_batch("shop", "Shop#it's"),
///     "SELECT max(batch_id) AS batch FROM \"shop\".\"batch_metrics\" WHERE stream_key = 'Shop#it''s' AND status IN ('merged', 'committed')"
/// );
/// ```
pub fn last_merged_batch(schema: &str, stream: &str) -> String {
    format!(
        "SELECT max(batch_id) AS batch FROM {} WHERE stream_key = {} AND status IN ({}, {})",
        qualified(schema, BATCH_METRICS),
        Dialect::Postgres.literal(stream),
        Dialect::Postgres.literal(BatchStatus::Merged.as_str()),
        Dialect::Postgres.literal(BatchStatus::Committed.as_str()),
    )
}
