//! What a state directory's batches add up to, stream by stream, and what
//! workspaces' hooks decided: the run state a metrics system scrapes.
//! Reads only.

use rusqlite::params;
use serde::Serialize;

use datasurface_platform::state::{BATCH_METRICS, BatchStatus, HOOK_DECISION};

use super::apply::jobs;
use super::batch::Counts;
use super::{Engine, EngineError, NextRun, sql};
use crate::dialect::SqlDialect as _;
use crate::spec::{IngestSpec, SourceSpec};

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
    /// The zone and team that own the datastore, from the applied
    /// rendering's lineage (none for one an older build rendered).
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
    pub rows: Counts,
    /// When the last committed batch ended (RFC 3339, UTC).
    pub last_success: Option<String>,
    /// How long the latest batch took, in seconds, if it ended.
    pub last_seconds: Option<f64>,
    /// Whether it waits for its cron schedule.
    pub waiting: bool,
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

/// The run state of a state directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunTotals {
    /// The platform, from the applied rendering's lineage.
    pub platform: Option<String>,
    /// Each stream of the applied rendering, in key order.
    pub streams: Vec<StreamTotals>,
    /// Each workspace's hook's decisions, by action.
    pub decisions: Vec<HookDecisions>,
}

impl StreamTotals {
    /// A stream with no batches yet, labelled from its spec.
    fn of(job: &IngestSpec) -> StreamTotals {
        let owner = job
            .lineage
            .as_ref()
            .and_then(|l| l.owners.first())
            .and_then(|o| o.strip_prefix("team:"))
            .and_then(|o| o.split_once('/'))
            .map(|(zone, team)| (zone.to_owned(), team.to_owned()));
        StreamTotals {
            stream: job.stream.clone(),
            datastore: job.datastore.clone(),
            dataset: match job.datasets.as_slice() {
                [only] if job.stream.contains('#') => Some(only.dataset.clone()),
                _ => None,
            },
            owner,
            workspace: match &job.source {
                SourceSpec::Transformer { workspace } => Some(workspace.clone()),
                _ => None,
            },
            committed: 0,
            failed: 0,
            unfinished: 0,
            rows: Counts::default(),
            last_success: None,
            last_seconds: None,
            waiting: false,
        }
    }
}

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

impl Engine {
    /// Every stream's batches added up, and the hooks' decisions.
    pub fn totals(&self) -> Result<RunTotals, EngineError> {
        let streams = self.status(1)?;
        let rendering = self.applied()?;
        let ingests: Vec<IngestSpec> = jobs(&rendering, "jobs/ingest/")?;
        let conn = self.open_merge()?;
        let mut totals = RunTotals {
            platform: None,
            streams: Vec::new(),
            decisions: Vec::new(),
        };
        let mut each = conn
            .prepare(&format!(
                "SELECT status, count(*), sum(rows_inserted), sum(rows_updated), sum(rows_deleted), \
                 sum(rows_total), max(CASE WHEN status = '{}' THEN batch_end END) \
                 FROM {BATCH_METRICS} WHERE stream_key = ?1 GROUP BY status",
                BatchStatus::Committed
            ))
            .map_err(sql("cannot read the batches"))?;
        for job in &ingests {
            if totals.platform.is_none() {
                totals.platform = job
                    .lineage
                    .as_ref()
                    .and_then(|l| l.namespace.rsplit_once('/'))
                    .map(|(_, platform)| platform.to_owned());
            }
            let mut t = StreamTotals::of(job);
            let rows = each
                .query_map(params![job.stream], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        [
                            r.get::<_, Option<i64>>(2)?,
                            r.get::<_, Option<i64>>(3)?,
                            r.get::<_, Option<i64>>(4)?,
                            r.get::<_, Option<i64>>(5)?,
                        ],
                        r.get::<_, Option<String>>(6)?,
                    ))
                })
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(sql(format!("cannot read the batches of `{}`", job.stream)))?;
            for (status, n, [inserted, updated, deleted, read], last) in rows {
                match status.parse::<BatchStatus>() {
                    Ok(BatchStatus::Committed) => {
                        t.committed = count(n);
                        t.rows = Counts {
                            inserted: inserted.unwrap_or_default(),
                            updated: updated.unwrap_or_default(),
                            deleted: deleted.unwrap_or_default(),
                            total: read.unwrap_or_default(),
                        };
                        t.last_success = last;
                    }
                    Ok(BatchStatus::Failed) => t.failed = count(n),
                    _ => t.unfinished += count(n),
                }
            }
            if let Some(state) = streams.iter().find(|s| s.stream == job.stream) {
                t.waiting = matches!(state.next, NextRun::Scheduled(_) | NextRun::Never);
                #[allow(clippy::cast_precision_loss, reason = "milliseconds of a batch")]
                {
                    t.last_seconds = state
                        .batches
                        .first()
                        .and_then(|b| b.millis)
                        .map(|ms| ms as f64 / 1000.0);
                }
            }
            totals.streams.push(t);
        }
        totals.decisions = decisions(&conn)?;
        Ok(totals)
    }
}

/// How many times each workspace's hook decided each action.
fn decisions(conn: &rusqlite::Connection) -> Result<Vec<HookDecisions>, EngineError> {
    let mut decided = conn
        .prepare(&format!(
            "SELECT workspace, action, count(*) FROM {HOOK_DECISION} GROUP BY workspace, action ORDER BY workspace, action"
        ))
        .map_err(sql("cannot read the hooks' decisions"))?;
    decided
        .query_map([], |r| {
            Ok(HookDecisions {
                workspace: r.get(0)?,
                action: r.get(1)?,
                count: count(r.get(2)?),
            })
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(sql("cannot read the hooks' decisions"))
}

/// What a state directory says of one dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetState {
    /// The platform, from the applied rendering's lineage.
    pub platform: Option<String>,
    /// Its stream's batches, added up.
    pub stream: StreamTotals,
    /// Its live rows in the merge tables.
    pub live_rows: u64,
    /// Where each live consumer group reads it: `<workspace>.<group>`, the
    /// container's database file, and the view.
    pub places: Vec<(String, std::path::PathBuf, String)>,
}

impl Engine {
    /// What this state directory says of `store.dataset`; none when no
    /// stream of the applied rendering ingests it.
    pub fn dataset_state(
        &self,
        store: &str,
        dataset: &str,
    ) -> Result<Option<DatasetState>, EngineError> {
        let rendering = self.applied()?;
        let ingests: Vec<IngestSpec> = jobs(&rendering, "jobs/ingest/")?;
        let Some((job, spec)) = ingests.iter().find_map(|j| {
            (j.datastore == store)
                .then(|| j.datasets.iter().find(|d| d.dataset == dataset))
                .flatten()
                .map(|d| (j, d))
        }) else {
            return Ok(None);
        };
        let totals = self.totals()?;
        let Some(stream) = totals.streams.into_iter().find(|s| s.stream == job.stream) else {
            return Ok(None);
        };
        let conn = self.open_merge()?;
        let live: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {} WHERE {} = {}",
                    crate::dialect::Sqlite.quote(&spec.merge_table),
                    crate::dialect::Sqlite.quote(datasurface_platform::state::BATCH_OUT),
                    datasurface_platform::state::LIVE_BATCH
                ),
                [],
                |r| r.get(0),
            )
            .map_err(sql(format!(
                "cannot count the live rows of `{store}.{dataset}`"
            )))?;
        let places = job
            .lineage
            .iter()
            .flat_map(|l| &l.outputs)
            .filter(|o| o.model_name == format!("{store}.{dataset}"))
            .filter_map(|o| match (&o.group, &o.place) {
                (Some(group), datasurface_platform::lineage::Place::Container(c)) => {
                    Some((group.clone(), self.container_path(c), o.table.clone()))
                }
                _ => None,
            })
            .collect();
        Ok(Some(DatasetState {
            platform: totals.platform,
            stream,
            live_rows: count(live),
            places,
        }))
    }
}
