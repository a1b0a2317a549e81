//! What a state directory's batches add up to, stream by stream, and what
//! workspaces' hooks decided: the run state a metrics system scrapes.
//! Reads only.

use rusqlite::params;

use datasurface_runtime::state::{BATCH_METRICS, BatchStatus, HOOK_DECISION};
use datasurface_runtime::{
    ConsumerPlace, DatasetState, HookDecisions, RowTotals, RunTotals, StreamTotals,
};

use super::apply::jobs;
use super::{Engine, EngineError, NextRun, sql};
use crate::dialect::SqlDialect as _;
use crate::spec::IngestSpec;

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

impl Engine {
    /// Every stream's batches added up, and the hooks' decisions; a change
    /// data capture stream's replication slot too, when the engine has a
    /// [`ChangeReader`](super::ChangeReader) (which reads the source).
    pub fn totals(&self) -> Result<RunTotals, EngineError> {
        let streams = self.status(1)?;
        let mut slots = self.slots()?;
        let rendering = self.applied()?;
        let ingests: Vec<IngestSpec> = jobs(&rendering, "jobs/ingest/")?;
        let conn = self.open_merge()?;
        let mut totals = RunTotals::default();
        let mut each = conn
            .prepare(&format!(
                "SELECT status, count(*), sum(rows_inserted), sum(rows_updated), sum(rows_deleted), \
                 sum(rows_total), max(CASE WHEN status = '{}' THEN batch_end END), count(message) \
                 FROM {BATCH_METRICS} WHERE stream_key = ?1 GROUP BY status",
                BatchStatus::Committed
            ))
            .map_err(sql("cannot read the batches"))?;
        for job in &ingests {
            if totals.platform.is_none() {
                totals.platform = RunTotals::platform_of(job.lineage.as_ref());
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
                        r.get::<_, i64>(7)?,
                    ))
                })
                .and_then(Iterator::collect::<Result<Vec<_>, _>>)
                .map_err(sql(format!("cannot read the batches of `{}`", job.stream)))?;
            for (status, n, [inserted, updated, deleted, read], last, said) in rows {
                match status.parse::<BatchStatus>() {
                    Ok(BatchStatus::Committed) => {
                        t.committed = count(n);
                        t.warned = count(said);
                        let n = |v: Option<i64>| count(v.unwrap_or_default());
                        t.rows = RowTotals {
                            read: n(read),
                            inserted: n(inserted),
                            updated: n(updated),
                            deleted: n(deleted),
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
            if let Some(at) = slots.iter().position(|(stream, _)| *stream == job.stream) {
                t.slot = Some(slots.swap_remove(at).1);
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
                    crate::dialect::Sqlite.quote(datasurface_runtime::state::BATCH_OUT),
                    datasurface_runtime::state::LIVE_BATCH
                ),
                [],
                |r| r.get(0),
            )
            .map_err(sql(format!(
                "cannot count the live rows of `{store}.{dataset}`"
            )))?;
        // A container's database as a path people can open from anywhere.
        let places =
            ConsumerPlace::written(job.lineage.as_ref(), store, dataset, |place| match place {
                datasurface_runtime::lineage::Place::Container(c) => {
                    let file = self.container_path(c);
                    let file = std::path::absolute(&file).unwrap_or(file);
                    Some(file.display().to_string())
                }
                _ => None,
            });
        Ok(Some(DatasetState {
            platform: totals.platform,
            stream,
            live_rows: count(live),
            places,
        }))
    }
}
