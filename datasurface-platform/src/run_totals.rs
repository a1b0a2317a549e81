//! What a platform's batches add up to, stream by stream, and what
//! workspaces' hooks decided: the run state a metrics system scrapes, in
//! the same words for every platform.

use serde::Serialize;

use crate::lineage::JobLineage;

/// What the committed batches of a stream did to rows, in all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RowTotals {
    /// Rows read.
    pub read: u64,
    /// Rows with a new key.
    pub inserted: u64,
    /// Rows with a new version of a key.
    pub updated: u64,
    /// Keys gone.
    pub deleted: u64,
}

/// One stream's batches, added up.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamTotals {
    /// The stream: a datastore, or `store#dataset`.
    pub stream: String,
    /// Its datastore.
    pub datastore: String,
    /// Its dataset, for a stream of one dataset.
    pub dataset: Option<String>,
    /// The zone and team that own the datastore, from the job's lineage
    /// (none for a spec an older build rendered).
    pub owner: Option<(String, String)>,
    /// For a transformer's output: the transformer's workspace.
    pub workspace: Option<String>,
    /// Batches committed.
    pub committed: u64,
    /// Batches failed.
    pub failed: u64,
    /// Batches under way (a run is in one, or a killed run left it).
    pub unfinished: u64,
    /// What the committed batches did to rows, in all.
    pub rows: RowTotals,
    /// When the last committed batch ended (RFC 3339, UTC).
    pub last_success: Option<String>,
    /// How long the latest batch took, in seconds, if it ended.
    pub last_seconds: Option<f64>,
    /// Whether it waits for its cron schedule.
    pub waiting: bool,
}

impl StreamTotals {
    /// A stream with no batches yet: `stream` of `datastore` (whose one
    /// dataset it is, if `dataset`), owned as its `lineage` says, the
    /// output of `workspace`'s transformer if it is one.
    pub fn new(
        stream: &str,
        datastore: &str,
        dataset: Option<&str>,
        lineage: Option<&JobLineage>,
        workspace: Option<&str>,
    ) -> StreamTotals {
        StreamTotals {
            stream: stream.to_owned(),
            datastore: datastore.to_owned(),
            dataset: dataset.map(str::to_owned),
            owner: lineage
                .and_then(|l| l.owners.first())
                .and_then(|o| o.strip_prefix("team:"))
                .and_then(|o| o.split_once('/'))
                .map(|(zone, team)| (zone.to_owned(), team.to_owned())),
            workspace: workspace.map(str::to_owned),
            committed: 0,
            failed: 0,
            unfinished: 0,
            rows: RowTotals::default(),
            last_success: None,
            last_seconds: None,
            waiting: false,
        }
    }
}

/// How many times a workspace's hook decided an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookDecisions {
    /// The workspace.
    pub workspace: String,
    /// `run`, `skip`, `defer`, or what it failed to.
    pub action: String,
    /// How many times.
    pub count: u64,
}

/// The run state of one platform.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTotals {
    /// The platform.
    pub platform: Option<String>,
    /// Each stream it runs, in key order.
    pub streams: Vec<StreamTotals>,
    /// Each workspace's hook's decisions, by action.
    pub decisions: Vec<HookDecisions>,
}

impl RunTotals {
    /// The platform a job's lineage names (its namespace ends with it).
    pub fn platform_of(lineage: Option<&JobLineage>) -> Option<String> {
        lineage
            .and_then(|l| l.namespace.rsplit_once('/'))
            .map(|(_, platform)| platform.to_owned())
    }
}
