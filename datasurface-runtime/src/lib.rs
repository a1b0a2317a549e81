//! What the runtimes of datasurface platforms share.
//!
//! [`datasurface_platform`] is what a platform renders with; this crate is
//! what a platform that also *runs* its rendering uses, so every runner
//! speaks of its work in the same words:
//!
//! - [`state`]: the names of the state a runner keeps (version columns,
//!   the live batch, batch statuses, the tables of batches and decisions);
//! - [`RunTotals`]: what batches add up to, for metrics, and
//!   [`BatchFailure`], what a runner says when a batch fails;
//! - [`hook`]: the contract of a workspace's code hook, and how its answer
//!   or failure becomes a verdict;
//! - [`lineage`]: the OpenLineage job a platform renders with each job, and
//!   the run events a runner makes of it;
//! - [`pgoutput`]: PostgreSQL's logical replication messages, decoded,
//!   for a runner that reads a table's changes from a replication slot;
//! - [`csv_drop`] (feature `csv`): malformed rows of CSV drops described
//!   for a data team;
//! - the file layouts (feature `fs`): saved renderings in a directory
//!   ([`read_rendering`], [`write_rendering`]), the [`gitops`] folders an
//!   applier watches, and [`confined`], the one place a file name a team
//!   wrote becomes a path on the machine.
//!
//! A platform that only renders (a Terraform or Argo back end whose applier
//! is another program) needs none of it.
//!
//! ```
//! use datasurface_runtime::state::{BATCH_OUT, LIVE_BATCH};
//! // Every runner names a merge table's live rows alike.
//! let live = format!("SELECT * FROM orders WHERE {BATCH_OUT} = {LIVE_BATCH}");
//! assert_eq!(live, "SELECT * FROM orders WHERE ds_surf_batch_out = 2147483647");
//! ```

mod batch;
#[cfg(feature = "fs")]
pub mod confined;
#[cfg(feature = "csv")]
pub mod csv_drop;
pub mod gitops;
pub mod hook;
pub mod lineage;
pub mod pgoutput;
pub mod quality;
mod run_totals;
#[cfg(feature = "fs")]
mod saved_dir;
pub mod state;
pub mod transformer_query;

pub use batch::BatchFailure;

/// The environment variable a credential's part (`user`, `password`) is
/// passed to a job in, such as `DATASURFACE_CREDENTIAL_NW_READER_PASSWORD`:
/// one convention for every platform's jobs. Characters other than ASCII
/// letters and digits become `_`, so platforms claim these names and refuse
/// two credentials that would share one.
///
/// ```
/// assert_eq!(
///     datasurface_runtime::credential_variable("nw-reader", "password"),
///     "DATASURFACE_CREDENTIAL_NW_READER_PASSWORD"
/// );
/// ```
pub fn credential_variable(credential: &str, part: &str) -> String {
    let name: String = credential
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "DATASURFACE_CREDENTIAL_{name}_{}",
        part.to_ascii_uppercase()
    )
}
pub use run_totals::{
    ConsumerPlace, DatasetState, HookDecisions, IngestStream, RowTotals, RunTotals, SlotState,
    StreamTotals,
};
#[cfg(feature = "fs")]
pub use saved_dir::{
    MAX_SAVED_FILE_BYTES, RenderingWriter, SavedDirError, Written, read_rendering,
    unchanged_since_saved, write_new, write_rendering,
};
