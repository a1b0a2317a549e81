//! The words platforms use for the state they keep, so every platform
//! names the same things the same way (the reference's names, which the
//! `airflow` platform follows): the version columns of merge tables, the
//! batch id of a live row, a batch's status, and the tables of batches and
//! of hooks' decisions.
//!
//! ```
//! use datasurface_runtime::state::{BATCH_OUT, BatchStatus, LIVE_BATCH};
//!
//! let live = format!("\"{BATCH_OUT}\" = {LIVE_BATCH}");
//! assert_eq!(live, "\"ds_surf_batch_out\" = 2147483647");
//! assert_eq!("staged".parse::<BatchStatus>(), Ok(BatchStatus::Staged));
//! assert!(!BatchStatus::Merged.is_finished());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The prefix of every column a platform adds to a dataset's own; a
/// dataset's columns may not start with it.
pub const RESERVED_PREFIX: &str = "ds_surf_";

/// The batch id that marks a live (not yet closed) row version: the largest
/// 32-bit signed integer, which every SQL database stores as an `integer`.
pub const LIVE_BATCH: i64 = 2_147_483_647;

/// A staging row's batch.
pub const BATCH_ID: &str = "ds_surf_batch_id";
/// The batch that opened a row version.
pub const BATCH_IN: &str = "ds_surf_batch_in";
/// The batch that closed a row version ([`LIVE_BATCH`] while it is live).
pub const BATCH_OUT: &str = "ds_surf_batch_out";
/// The hash of a row's primary key.
pub const KEY_HASH: &str = "ds_surf_key_hash";
/// The hash of all of a row's columns.
pub const ALL_HASH: &str = "ds_surf_all_hash";
/// Which of a batch's versions of one key a row version is, in a merge
/// table fed by change data capture: 0 for the version the batch leaves,
/// and the number of the change that made it for each earlier one (a row
/// changed twice between batches leaves two versions).
pub const CHANGE: &str = "ds_surf_change";

/// The table of batches: one row per batch of each stream, with its
/// status, times, row counts and why it failed.
pub const BATCH_METRICS: &str = "batch_metrics";
/// The table of every decision of a workspace's hook.
pub const HOOK_DECISION: &str = "hook_decision";

/// Where a batch is. A batch moves through these in order, or ends
/// [`Failed`](BatchStatus::Failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchStatus {
    /// Begun: nothing read yet.
    Started,
    /// Its rows are read into staging.
    Staged,
    /// Staging is merged into the merge tables.
    Merged,
    /// Done: its versions are what consumers read.
    Committed,
    /// It ended without committing; the message says why.
    Failed,
}

impl BatchStatus {
    /// Every status, in the order a batch moves through them.
    pub const ALL: [BatchStatus; 5] = [
        BatchStatus::Started,
        BatchStatus::Staged,
        BatchStatus::Merged,
        BatchStatus::Committed,
        BatchStatus::Failed,
    ];

    /// The status as state tables store it.
    pub const fn as_str(self) -> &'static str {
        match self {
            BatchStatus::Started => "started",
            BatchStatus::Staged => "staged",
            BatchStatus::Merged => "merged",
            BatchStatus::Committed => "committed",
            BatchStatus::Failed => "failed",
        }
    }

    /// Whether the batch has ended, committed or failed.
    pub const fn is_finished(self) -> bool {
        matches!(self, BatchStatus::Committed | BatchStatus::Failed)
    }

    /// The statuses of a batch still under way, as an SQL list
    /// (`'started', 'staged', 'merged'`).
    pub fn unfinished_sql() -> String {
        let quoted: Vec<String> = Self::ALL
            .iter()
            .filter(|s| !s.is_finished())
            .map(|s| format!("'{}'", s.as_str()))
            .collect();
        quoted.join(", ")
    }
}

impl fmt::Display for BatchStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that is not a batch status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a batch status (started, staged, merged, committed or failed)")]
pub struct UnknownStatus(String);

impl FromStr for BatchStatus {
    type Err = UnknownStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownStatus(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_as_written_and_only_those() {
        for status in BatchStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                serde_json::json!(status.as_str())
            );
        }
        assert!("Committed".parse::<BatchStatus>().is_err());
        assert_eq!(
            BatchStatus::unfinished_sql(),
            "'started', 'staged', 'merged'"
        );
    }

    #[test]
    fn the_version_columns_are_reserved() {
        for column in [BATCH_ID, BATCH_IN, BATCH_OUT, KEY_HASH, ALL_HASH] {
            assert!(column.starts_with(RESERVED_PREFIX), "{column}");
        }
        assert_eq!(LIVE_BATCH, i64::from(i32::MAX));
    }
}
