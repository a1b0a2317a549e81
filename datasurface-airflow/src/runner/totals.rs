//! What the merge database's batches add up to, stream by stream, and what
//! workspaces' hooks decided (`datasurface job status`): the run state a
//! metrics system scrapes. Reads only.

use datasurface_platform::state::{BATCH_METRICS, BatchStatus, HOOK_DECISION};
use datasurface_platform::{HookDecisions, RowTotals, RunTotals, StreamTotals};

use super::{JobError, Merge, MergeDatabase, TIME, errors};
use crate::spec::{INGEST, IngestSpec, SourceSpec};

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

/// Every applied stream's batches added up, and the hooks' decisions.
pub fn run_totals(db: &MergeDatabase) -> Result<RunTotals, JobError> {
    let mut merge = Merge::open(db)?;
    let failed = |e: &postgres::Error| {
        JobError::Setup(format!(
            "cannot read the run state in schema `{}`: {}; has `datasurface job apply` run?",
            db.schema,
            errors::text(e)
        ))
    };
    let specs = merge.table("job_spec");
    let rows = merge
        .client
        .query(
            &format!("SELECT spec::text FROM {specs} WHERE kind = $1 ORDER BY name"),
            &[&INGEST],
        )
        .map_err(|e| failed(&e))?;
    let mut totals = RunTotals::default();
    let metrics = merge.table(BATCH_METRICS);
    for row in rows {
        let text: String = row.get(0);
        let Ok(job) = serde_json::from_str::<IngestSpec>(&text) else {
            continue;
        };
        if totals.platform.is_none() {
            totals.platform = RunTotals::platform_of(job.lineage.as_ref());
        }
        let mut t = StreamTotals::new(
            &job.stream,
            &job.datastore,
            match job.datasets.as_slice() {
                [only] if job.stream.contains('#') => Some(only.dataset.as_str()),
                _ => None,
            },
            job.lineage.as_ref(),
            match &job.source {
                SourceSpec::Transformer { workspace } => Some(workspace.as_str()),
                _ => None,
            },
        );
        let grouped = merge
            .client
            .query(
                &format!(
                    "SELECT status, count(*), sum(rows_total)::bigint, sum(rows_inserted)::bigint, \
                     sum(rows_updated)::bigint, sum(rows_deleted)::bigint, \
                     to_char(max(batch_end) FILTER (WHERE status = '{}'), {TIME}) \
                     FROM {metrics} WHERE stream_key = $1 GROUP BY status",
                    BatchStatus::Committed
                ),
                &[&job.stream],
            )
            .map_err(|e| failed(&e))?;
        for g in grouped {
            let status: String = g.get(0);
            let n = |i: usize| count(g.get::<_, Option<i64>>(i).unwrap_or_default());
            match status.parse::<BatchStatus>() {
                Ok(BatchStatus::Committed) => {
                    t.committed = n(1);
                    t.rows = RowTotals {
                        read: n(2),
                        inserted: n(3),
                        updated: n(4),
                        deleted: n(5),
                    };
                    t.last_success = g.get(6);
                }
                Ok(BatchStatus::Failed) => t.failed = n(1),
                _ => t.unfinished += n(1),
            }
        }
        t.last_seconds = merge
            .client
            .query_opt(
                &format!(
                    "SELECT extract(epoch FROM batch_end - batch_start)::double precision FROM {metrics} \
                     WHERE stream_key = $1 AND batch_end IS NOT NULL ORDER BY batch_id DESC LIMIT 1"
                ),
                &[&job.stream],
            )
            .map_err(|e| failed(&e))?
            .and_then(|r| r.get(0));
        totals.streams.push(t);
    }
    totals.decisions = decisions(&mut merge).map_err(|e| failed(&e))?;
    Ok(totals)
}

/// How many times each workspace's hook decided each action.
fn decisions(merge: &mut Merge) -> Result<Vec<HookDecisions>, postgres::Error> {
    let decisions = merge.table(HOOK_DECISION);
    Ok(merge
        .client
        .query(
            &format!(
                "SELECT workspace, action, count(*) FROM {decisions} GROUP BY workspace, action ORDER BY workspace, action"
            ),
            &[],
        )?
        .into_iter()
        .map(|r| HookDecisions {
            workspace: r.get(0),
            action: r.get(1),
            count: count(r.get(2)),
        })
        .collect())
}
