//! A hooked transformer's decision task: what `datasurface job decide`
//! asks the workspace's hook, and the record of what it decided.
//!
//! The runner does not run hooks itself (that is the caller's sandbox): it
//! reads the transformer's applied spec and the hook's module (stored by
//! `job apply` in `hook_module`), builds the event and its context from
//! `batch_metrics` and the hook's past decisions, applies the shared rule
//! for asking again ([`next_ask`]), and records each verdict in
//! `hook_decision`.

use chrono::{DateTime, Utc};

use datasurface_core::HookEventKind;
use datasurface_runtime::hook::{
    HookEvent, HookInput, HookJob, MAX_PAST_DECISIONS, NextAsk, PastDecision, RowCounts, Verdict,
    next_ask,
};

use super::{JobError, Merge, MergeDatabase};
use crate::spec::{TRANSFORM, TransformSpec};
use crate::sql::COMMITTED;
use datasurface_runtime::state::{BATCH_METRICS, HOOK_DECISION};

use super::TIME;

/// What a decision task does before asking, or what to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Question {
    /// The hook does not decide on this kind of event: run as if there were none.
    NotWanted(HookEventKind),
    /// The hook's last decision deferred until this time, which has not
    /// come: do not run, and do not ask.
    Deferred(DateTime<Utc>),
    /// Ask the hook.
    Ask {
        /// The hook, as the applied spec carries it.
        job: Box<HookJob>,
        /// Its module's bytes, as `job apply` stored them.
        module: Vec<u8>,
        /// The event and its context.
        input: Box<HookInput>,
    },
}

fn setup(what: &str) -> impl Fn(postgres::Error) -> JobError + '_ {
    move |e| JobError::database(what, &e)
}

fn time(text: &str) -> Result<DateTime<Utc>, JobError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| JobError::merge(format!("it gave the time `{text}` ({e})")))
}

/// A value a decision records by its contract name (an event, an action).
fn named<T: std::str::FromStr>(workspace: &str, field: &str, text: &str) -> Result<T, JobError> {
    text.parse().map_err(|_| {
        JobError::merge(format!(
            "a hook decision of `{workspace}` records the {field} `{text}`, which this datasurface does not know"
        ))
    })
}

/// What to do about transformer `workspace` on an event of `kind` at `now`:
/// its applied spec (checked against the DAG's `spec_hash`) must have a hook.
pub(crate) fn question(
    db: &MergeDatabase,
    workspace: &str,
    spec_hash: Option<&str>,
    kind: HookEventKind,
    now: DateTime<Utc>,
) -> Result<Question, JobError> {
    let mut merge = Merge::open(db)?;
    let (spec, _): (TransformSpec, String) = merge.spec(TRANSFORM, workspace, spec_hash)?;
    let Some(hook) = spec.hook else {
        return Err(JobError::not_applied(format!(
            "transformer `{workspace}` has no hook in the applied spec: its DAG has no decision task; render and deploy the DAGs of the applied model"
        )));
    };
    if !hook.job.wants(kind) {
        return Ok(Question::NotWanted(kind));
    }
    let decisions = merge.table(HOOK_DECISION);
    let what = format!("reading the hook decisions of `{workspace}`");
    let rows = merge
        .client
        .query(
            &format!(
                "SELECT to_char(decided_at, {TIME}), event, action, to_char(until, {TIME}), reason \
                 FROM {decisions} WHERE workspace = $1 ORDER BY decision DESC LIMIT $2"
            ),
            &[
                &workspace,
                &i64::try_from(MAX_PAST_DECISIONS).unwrap_or(i64::MAX),
            ],
        )
        .map_err(setup(&what))?;
    let mut past = Vec::new();
    for row in rows {
        past.push(PastDecision {
            time: time(&row.get::<_, String>(0))?,
            event: named(workspace, "event", row.get::<_, &str>(1))?,
            action: named(workspace, "action", row.get::<_, &str>(2))?,
            until: row
                .get::<_, Option<String>>(3)
                .map(|u| time(&u))
                .transpose()?,
            reason: row.get(4),
        });
    }
    // Each DAG run is an event of its own, so it is news to the hook: only a
    // deferral whose time has not come holds the transformer without asking.
    if let NextAsk::DeferredUntil(until) = next_ask(past.first(), kind, now, true) {
        return Ok(Question::Deferred(until));
    }
    let metrics = merge.table(BATCH_METRICS);
    let mut event = HookEvent::new(kind, now);
    if kind == HookEventKind::BatchCommitted {
        let newest = merge
            .client
            .query_opt(
                &format!(
                    "SELECT stream_key, batch_id, to_char(batch_start, {TIME}), to_char(batch_end, {TIME}), \
                     rows_total, rows_inserted, rows_updated, rows_deleted FROM {metrics} \
                     WHERE stream_key = ANY($1) AND status = '{COMMITTED}' AND batch_end IS NOT NULL \
                     ORDER BY batch_end DESC LIMIT 1"
                ),
                &[&hook.inputs],
            )
            .map_err(setup("reading the batches of the transformer's inputs"))?;
        if let Some(row) = newest {
            let stream: String = row.get(0);
            let count = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
            event.datastore = stream.split('#').next().map(str::to_owned);
            event.batch = Some(i64::from(row.get::<_, i32>(1)));
            event.batch_started = Some(time(&row.get::<_, String>(2))?);
            event.batch_committed = Some(time(&row.get::<_, String>(3))?);
            event.rows = Some(RowCounts {
                read: count(4),
                inserted: count(5),
                updated: count(6),
                deleted: count(7),
            });
            event.stream = Some(stream);
        }
    }
    let last_run: Option<String> = merge
        .client
        .query_opt(
            &format!(
                "SELECT to_char(batch_start, {TIME}) FROM {metrics} \
                 WHERE stream_key = $1 AND status = '{COMMITTED}' ORDER BY batch_id DESC LIMIT 1"
            ),
            &[&format!("transformer:{workspace}")],
        )
        .map_err(setup("reading the transformer's runs"))?
        .map(|r| r.get(0));
    let last_run = last_run.map(|t| time(&t)).transpose()?;
    let modules = merge.table("hook_module");
    let module: Vec<u8> = merge
        .client
        .query_opt(
            &format!("SELECT module FROM {modules} WHERE sha256 = $1"),
            &[&hook.job.sha256],
        )
        .map_err(setup("reading the hook's module"))?
        .map(|r| r.get(0))
        .unwrap_or_default();
    let context = hook.job.context(last_run, past);
    Ok(Question::Ask {
        job: Box::new(hook.job),
        module,
        input: Box::new(HookInput::new(event, context)),
    })
}

/// Records a verdict about transformer `workspace` as its next decision;
/// returns its number.
pub(crate) fn record(
    db: &MergeDatabase,
    workspace: &str,
    event: &HookEvent,
    verdict: &Verdict,
) -> Result<i32, JobError> {
    let mut merge = Merge::open(db)?;
    merge.lock("decide", workspace)?;
    let decisions = merge.table(HOOK_DECISION);
    let until = verdict.until.map(|u| u.to_rfc3339());
    let fuel = verdict.fuel.and_then(|f| i64::try_from(f).ok());
    let row = merge
        .client
        .query_one(
            &format!(
                "INSERT INTO {decisions} (workspace, decision, decided_at, event, action, until, reason, decided_by, fuel) \
                 SELECT $1::text, COALESCE(MAX(decision), 0) + 1, $2::text::timestamptz, $3::text, $4::text, \
                 $5::text::timestamptz, $6::text, $7::text, $8::bigint \
                 FROM {decisions} WHERE workspace = $1::text RETURNING decision"
            ),
            &[
                &workspace,
                &event.time.to_rfc3339(),
                &event.kind.as_str(),
                &verdict.action.as_str(),
                &until,
                &verdict.reason,
                &verdict.by_name(),
                &fuel,
            ],
        )
        .map_err(setup(&format!("recording the hook decision of `{workspace}`")))?;
    Ok(row.get(0))
}

/// Stores hook modules, by SHA-256, for decision tasks to read; a module
/// already stored is left as it is. Returns how many were new.
pub(crate) fn store_modules(
    db: &MergeDatabase,
    modules: &[(String, Vec<u8>)],
) -> Result<usize, JobError> {
    let mut merge = Merge::open(db)?;
    let table = merge.table("hook_module");
    let mut stored = 0;
    for (sha256, bytes) in modules {
        stored += merge
            .client
            .execute(
                &format!(
                    "INSERT INTO {table} (sha256, module, stored_at) VALUES ($1, $2, now()) ON CONFLICT (sha256) DO NOTHING"
                ),
                &[sha256, bytes],
            )
            .map_err(setup("storing a hook module"))?;
    }
    Ok(usize::try_from(stored).unwrap_or(usize::MAX))
}
