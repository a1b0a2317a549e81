//! Reading this platform's merge tables for a platform of another kind
//! that mirrors them (the `sqlite` platform): the live rows, as text.

use super::sources::primary_snapshot;
use super::{BatchFailure, Endpoint, errors};
use crate::names::{ident, qualified, quoted};
use datasurface_runtime::state;

/// One dataset to read: its name and its columns, in order.
#[derive(Debug, Clone, Copy)]
pub struct MirroredDataset<'a> {
    /// The dataset.
    pub dataset: &'a str,
    /// Its columns, in the order the rows give them.
    pub columns: &'a [String],
}

/// The live rows of each dataset of `store` in the merge tables of the
/// `airflow` platform whose merge database is `endpoint` and schema
/// `schema`: every value as PostgreSQL writes it as text (`None` for null),
/// read in one read-only repeatable-read transaction, so every dataset
/// comes from the same batches.
///
/// # Errors
///
/// When the database cannot be reached or read (a dataset the primary has
/// not ingested yet, a column it lacks), saying which.
pub fn live_rows(
    endpoint: &Endpoint,
    schema: &str,
    store: &str,
    datasets: &[MirroredDataset<'_>],
) -> Result<Vec<Vec<Vec<Option<String>>>>, BatchFailure> {
    let what = format!("the merge database {}/{}", endpoint.host, endpoint.database);
    let mut client = primary_snapshot(endpoint, &what)?;
    let mut all = Vec::with_capacity(datasets.len());
    for d in datasets {
        let table = qualified(schema, &ident(&[store, d.dataset, "merge"]));
        let columns: Vec<String> = d
            .columns
            .iter()
            .map(|c| format!("{}::text", quoted(c)))
            .collect();
        let query = format!(
            "SELECT {} FROM {table} WHERE {} = {}",
            columns.join(", "),
            quoted(state::BATCH_OUT),
            state::LIVE_BATCH
        );
        let rows = client.query(query.as_str(), &[]).map_err(|e| {
            format!(
                "dataset `{}`: reading {table} in {what}: {}",
                d.dataset,
                errors::text(&e)
            )
        })?;
        all.push(
            rows.iter()
                .map(|r| (0..d.columns.len()).map(|i| r.get(i)).collect())
                .collect(),
        );
    }
    let _ = client.batch_execute("COMMIT");
    Ok(all)
}
