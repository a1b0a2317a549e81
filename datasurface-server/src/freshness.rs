//! A dataset's freshness: what the platforms' state says of it (read by
//! whoever embeds the service, the command line from `--state`), judged
//! against what each consumer group asks for.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use datasurface_core::names::{DatasetName, DatastoreName, WorkspaceName};
use datasurface_core::workspace::Latency;
use schemars::JsonSchema;
use serde::Serialize;

use crate::snapshot::Snapshot;

/// What one platform's state says of a dataset, as the embedding
/// application reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DatasetRun {
    /// The platform.
    pub platform: String,
    /// The stream that ingests the dataset.
    pub stream: String,
    /// When its last committed batch ended (RFC 3339, UTC).
    pub last_committed: Option<String>,
    /// Its live rows on the platform.
    pub live_rows: Option<u64>,
    /// Batches of the stream that failed.
    pub failed_batches: u64,
    /// Batches under way or left by a killed run.
    pub unfinished_batches: u64,
    /// Whether the stream waits for its cron schedule.
    pub waiting: bool,
    /// Where each consumer group queries it: `<workspace>.<group>`, the
    /// database, and the view.
    pub places: Vec<(String, String, String)>,
}

/// Reads the platforms' state for a dataset; errors are shown, not served.
pub type RunState = Arc<
    dyn Fn(&DatastoreName, &DatasetName) -> Result<Vec<DatasetRun>, crate::StateError>
        + Send
        + Sync,
>;

/// A consumer group's view of the dataset on a platform.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct ConsumerFreshness {
    /// `<workspace>.<group>`.
    pub(crate) group: String,
    /// The latency the group asks for (`SECONDS`, `MINUTES`, `HOURS`, `DAYS`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) latency: Option<String>,
    /// The oldest the data may be for that latency, in seconds: a minute,
    /// an hour, a day; none for `DAYS` or no latency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) within_seconds: Option<u64>,
    /// Whether the last committed batch is that recent; none when there is
    /// no bound or no batch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fresh: Option<bool>,
    /// The database the group queries.
    pub(crate) database: String,
    /// The view there.
    pub(crate) view: String,
}

/// A platform's state of the dataset.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct PlatformFreshness {
    pub(crate) platform: String,
    pub(crate) stream: String,
    /// When the last committed batch ended (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_committed: Option<String>,
    /// How long ago that was, in seconds, when this was answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) age_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) live_rows: Option<u64>,
    pub(crate) failed_batches: u64,
    pub(crate) unfinished_batches: u64,
    pub(crate) waiting: bool,
    pub(crate) consumers: Vec<ConsumerFreshness>,
}

/// A dataset's freshness on every platform whose state the service reads.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct Freshness {
    /// Whether the service reads any platform's state (`serve --state`).
    pub(crate) reads_state: bool,
    /// Why the state could not be read, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
    pub(crate) platforms: Vec<PlatformFreshness>,
}

/// The oldest data a latency allows, in seconds.
fn bound(latency: Latency) -> Option<u64> {
    match latency {
        Latency::Seconds => Some(60),
        Latency::Minutes => Some(3_600),
        Latency::Hours => Some(86_400),
        Latency::Days => None,
    }
}

fn age(time: &str) -> Option<u64> {
    let then = chrono::DateTime::parse_from_rfc3339(time).ok()?.timestamp();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
    u64::try_from(then)
        .ok()
        .map(|then| now.saturating_sub(then))
}

/// The freshness of `store.dataset` from what `state` reads.
pub(crate) fn freshness(
    snap: &Snapshot,
    state: Option<&RunState>,
    store: &DatastoreName,
    dataset: &DatasetName,
) -> Freshness {
    let Some(state) = state else {
        return Freshness {
            reads_state: false,
            error: None,
            platforms: Vec::new(),
        };
    };
    let runs = match state(store, dataset) {
        Ok(runs) => runs,
        Err(e) => {
            return Freshness {
                reads_state: true,
                error: Some(e.to_string()),
                platforms: Vec::new(),
            };
        }
    };
    let eco = snap.eco();
    let platforms = runs
        .into_iter()
        .map(|run| {
            let age_seconds = run.last_committed.as_deref().and_then(age);
            let consumers = run
                .places
                .iter()
                .map(|(group, database, view)| {
                    let latency = group.split_once('.').and_then(|(ws, g)| {
                        let (_, workspace) = eco.workspace(&WorkspaceName::new(ws).ok()?)?;
                        let (_, group) = workspace
                            .dataset_groups
                            .iter()
                            .find(|(name, _)| name.as_str() == g)?;
                        group.requirements.as_ref().map(|r| r.latency)
                    });
                    let within_seconds = latency.and_then(bound);
                    ConsumerFreshness {
                        group: group.clone(),
                        latency: latency
                            .and_then(|l| serde_json::to_value(l).ok())
                            .and_then(|v| v.as_str().map(str::to_owned)),
                        within_seconds,
                        fresh: within_seconds.zip(age_seconds).map(|(w, a)| a <= w),
                        database: database.clone(),
                        view: view.clone(),
                    }
                })
                .collect();
            PlatformFreshness {
                platform: run.platform,
                stream: run.stream,
                last_committed: run.last_committed,
                age_seconds,
                live_rows: run.live_rows,
                failed_batches: run.failed_batches,
                unfinished_batches: run.unfinished_batches,
                waiting: run.waiting,
                consumers,
            }
        })
        .collect();
    Freshness {
        reads_state: true,
        error: None,
        platforms,
    }
}
