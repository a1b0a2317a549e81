//! What the merge database's batches add up to, stream by stream, and what
//! workspaces' hooks decided (`datasurface job status`): the run state a
//! metrics system scrapes, and what it says of one dataset (`serve`'s
//! freshness). Reads only.

use datasurface_runtime::lineage::Place;
use datasurface_runtime::state::{self, BATCH_METRICS, BatchStatus, HOOK_DECISION};
use datasurface_runtime::{
    ConsumerPlace, DatasetState, HookDecisions, RowTotals, RunTotals, StreamTotals,
};

use super::{JobError, Login, Merge, MergeDatabase, TIME, cdc, errors};
use crate::names::{ident, qualified, quoted};
use crate::spec::{INGEST, IngestSpec};

fn count(v: i64) -> u64 {
    u64::try_from(v).unwrap_or_default()
}

/// The error of a read of the run state.
fn unreadable(db: &MergeDatabase) -> impl Fn(postgres::Error) -> JobError + '_ {
    move |e| JobError::Database {
        context: format!("cannot read the run state in schema `{}`", db.schema),
        message: format!("{}; has `datasurface job apply` run?", errors::text(&e)),
    }
}

/// The merge database, in a session that cannot write whatever the
/// credential may: the run state is only read.
fn read_only(db: &MergeDatabase) -> Result<Merge, JobError> {
    let mut merge = Merge::open(db)?;
    merge
        .client
        .batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        .map_err(unreadable(db))?;
    Ok(merge)
}

/// Every applied stream's batches added up (a change data capture
/// stream's slot read on its source with the credential `login` finds),
/// and the hooks' decisions.
pub(crate) fn run_totals(
    db: &MergeDatabase,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<RunTotals, JobError> {
    let mut merge = read_only(db)?;
    let failed = unreadable(db);
    let mut totals = RunTotals::default();
    for job in ingest_specs(&mut merge).map_err(&failed)? {
        if totals.platform.is_none() {
            totals.platform = RunTotals::platform_of(job.lineage.as_ref());
        }
        let mut stream = stream_totals(&mut merge, &job).map_err(&failed)?;
        stream.slot = cdc::slot_state(&mut merge, &job, stream.committed, login);
        totals.streams.push(stream);
    }
    totals.decisions = decisions(&mut merge).map_err(&failed)?;
    Ok(totals)
}

/// What the merge database says of `store.dataset`: its stream's batches,
/// its live rows, and the views its consumer groups query; none when no
/// applied stream ingests it.
pub(crate) fn dataset_state(
    db: &MergeDatabase,
    store: &str,
    dataset: &str,
) -> Result<Option<DatasetState>, JobError> {
    let mut merge = read_only(db)?;
    let failed = unreadable(db);
    let Some(job) = ingest_specs(&mut merge)
        .map_err(&failed)?
        .into_iter()
        .find(|j| j.datastore == store && j.datasets.iter().any(|d| d.dataset == dataset))
    else {
        return Ok(None);
    };
    let stream = stream_totals(&mut merge, &job).map_err(&failed)?;
    let table = qualified(&merge.schema, &ident(&[store, dataset, "merge"]));
    let live: i64 = merge
        .client
        .query_one(
            &format!(
                "SELECT count(*) FROM {table} WHERE {} = {}",
                quoted(state::BATCH_OUT),
                state::LIVE_BATCH
            ),
            &[],
        )
        .map_err(&failed)?
        .get(0);
    let e = &merge.endpoint;
    // As psql takes it: a Unix socket directory is the `host` parameter.
    let database = if e.host.starts_with('/') {
        format!(
            "postgresql:///{}?host={}&port={}",
            e.database, e.host, e.port
        )
    } else {
        format!("postgresql://{}:{}/{}", e.host, e.port, e.database)
    };
    let places = ConsumerPlace::written(job.lineage.as_ref(), store, dataset, |place| {
        (*place == Place::Merge).then(|| database.clone())
    });
    Ok(Some(DatasetState {
        platform: RunTotals::platform_of(job.lineage.as_ref()),
        stream,
        live_rows: count(live),
        places,
    }))
}

/// The ingestion specs `job apply` stored, by stream.
pub(super) fn ingest_specs(merge: &mut Merge) -> Result<Vec<IngestSpec>, postgres::Error> {
    let specs = merge.table("job_spec");
    Ok(merge
        .client
        .query(
            &format!("SELECT spec::text FROM {specs} WHERE kind = $1 ORDER BY name"),
            &[&INGEST],
        )?
        .into_iter()
        .filter_map(|row| serde_json::from_str::<IngestSpec>(row.get(0)).ok())
        .collect())
}

/// One stream's batches, added up.
fn stream_totals(merge: &mut Merge, job: &IngestSpec) -> Result<StreamTotals, postgres::Error> {
    let metrics = merge.table(BATCH_METRICS);
    let mut t = StreamTotals::of(job);
    let grouped = merge.client.query(
        &format!(
            "SELECT status, count(*), sum(rows_total)::bigint, sum(rows_inserted)::bigint, \
             sum(rows_updated)::bigint, sum(rows_deleted)::bigint, \
             to_char(max(batch_end) FILTER (WHERE status = '{}'), {TIME}), count(message) \
             FROM {metrics} WHERE stream_key = $1 GROUP BY status",
            BatchStatus::Committed
        ),
        &[&job.stream],
    )?;
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
                t.warned = n(7);
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
        )?
        .and_then(|r| r.get(0));
    Ok(t)
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
