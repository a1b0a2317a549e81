//! Asking a workspace's code hook whether its transformer runs.
//!
//! When a hooked transformer is due, the engine builds the event (a
//! committed input batch, a schedule tick, or a manual run with `--all`),
//! holds it without asking if the hook's last decision still stands
//! ([`next_ask`]), and otherwise asks the hook, applies its failure policy
//! and records the verdict in `hook_decision`, linked to the batch it
//! let run. The hooks themselves come from the caller ([`Hooks`]): the
//! engine runs no module of its own choosing.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rusqlite::OptionalExtension;
use rusqlite::params;
use serde::Serialize;

use datasurface_core::HookEventKind;
use datasurface_runtime::hook::{
    Action, Decide, HookError, HookEvent, HookInput, HookJob, MAX_PAST_DECISIONS, NextAsk,
    PastDecision, RowCounts, Subject, ask, next_ask, verdict,
};

use super::batch::SQL;
use super::run::{RunEvent, RunSummary, Schedules, Waiting, schedule};
use super::{Engine, EngineError, sql};
use crate::spec::TransformSpec;

/// The hooks a run may ask, by workspace, each with the SHA-256 of its
/// module. A hooked transformer whose hook is not here, was loaded from
/// another module than the rendering's job spec pins, or failed to load, has
/// failed like a hook that trapped: its failure policy applies.
#[derive(Clone, Default)]
pub struct Hooks {
    by_workspace: BTreeMap<String, Loaded>,
}

/// A workspace's hook as its module's SHA-256 and the hook, or why the
/// module could not be loaded.
type Loaded = (String, Result<Arc<dyn Decide>, HookError>);

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.by_workspace.iter().map(|(w, (sha, _))| (w, sha)))
            .finish()
    }
}

impl Hooks {
    /// No hooks.
    pub fn new() -> Self {
        Hooks::default()
    }

    /// A workspace's hook, loaded from the module with this SHA-256
    /// (lowercase hex).
    pub fn insert(&mut self, workspace: &str, sha256: &str, hook: Arc<dyn Decide>) {
        self.by_workspace
            .insert(workspace.to_owned(), (sha256.to_owned(), Ok(hook)));
    }

    /// A workspace's hook whose module could not be loaded: asking it fails
    /// with `error`.
    pub fn insert_failed(&mut self, workspace: &str, sha256: &str, error: HookError) {
        self.by_workspace
            .insert(workspace.to_owned(), (sha256.to_owned(), Err(error)));
    }

    fn get(&self, job: &HookJob) -> Result<&dyn Decide, HookError> {
        match self.by_workspace.get(&job.workspace) {
            Some((sha, Ok(hook))) if *sha == job.sha256 => Ok(hook.as_ref()),
            Some((sha, Err(e))) if *sha == job.sha256 => Err(e.clone()),
            Some((sha, _)) => Err(HookError::Module(format!(
                "the applied rendering pins `{}` at SHA-256 {}, but the model run has {sha}; run `datasurface apply` with this model",
                job.module, job.sha256
            ))),
            None => Err(HookError::Module(format!(
                "no hook was loaded for workspace `{}` (`{}`): the model run has none; run `datasurface apply` with this model",
                job.workspace, job.module
            ))),
        }
    }
}

/// One decision of a workspace's hook, as a run reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookDecision {
    /// The workspace.
    pub workspace: String,
    /// What was decided: its transformer, or the delivery of a dataset group.
    pub subject: Subject,
    /// The event the hook was asked about.
    pub event: HookEventKind,
    /// What was done.
    pub action: Action,
    /// With a deferral: when the hook is asked again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<String>,
    /// Why.
    pub reason: String,
    /// `hook`, or `failedOpen` / `failedClosed` when the hook failed and its
    /// policy decided.
    pub decided_by: &'static str,
    /// The fuel the hook used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
}

impl HookDecision {
    /// Whether the hook failed and its policy decided.
    pub fn failed(&self) -> bool {
        self.decided_by != "hook"
    }
}

/// How decisions name what they are about: the transformer, or
/// `delivery:<group>`.
pub(super) const TRANSFORMER: &str = "transformer";

/// A question to a hook about one subject that is due.
pub(super) struct Question<'a> {
    /// The hook.
    pub(super) hook: &'a HookJob,
    /// The subject, as decisions record it.
    pub(super) subject: String,
    /// The event.
    pub(super) kind: HookEventKind,
    /// What the hook has seen when it decides (input batches), recorded with
    /// the decision: a change is news after a skip.
    pub(super) inputs: String,
    /// The cron schedule whose firing is news after a skip, for a tick.
    pub(super) cron: Option<&'a str>,
    /// The stream a deferral is shown waiting as.
    pub(super) waiting: &'a str,
    /// The streams whose newest changed batch a `batchCommitted` event reports.
    pub(super) streams: &'a [String],
    /// The stream whose last batch is the subject's last run; none for a
    /// delivery, whose last run is its last decision to deliver.
    pub(super) last_run_of: Option<&'a str>,
}

/// What the engine does about a due subject with a hook.
pub(super) enum Consulted {
    /// Run it; the decision (if one was recorded) is linked to its batch.
    Run(Option<i64>),
    /// Do not run it now.
    Hold,
}

/// A decision as the table holds it, with the inputs it saw.
struct Recorded {
    past: PastDecision,
    inputs: String,
}

fn time(text: &str, what: &str) -> Result<DateTime<Utc>, EngineError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            EngineError::State(format!(
                "{what} records the time `{text}`, which is not a time ({e})"
            ))
        })
}

/// A value the table holds as its contract's name (an event, an action).
fn recorded<T: std::str::FromStr>(what: &str, field: &str, text: &str) -> Result<T, EngineError> {
    text.parse().map_err(|_| {
        EngineError::State(format!(
            "{what} records the {field} `{text}`, which the engine does not know; was the table changed by hand?"
        ))
    })
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl Engine {
    /// The engine asking these hooks before running hooked transformers.
    #[must_use]
    pub fn with_hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = Arc::new(hooks);
        self
    }

    /// Decides whether a due transformer with a hook runs: holds it by the
    /// last decision, or asks its hook and records the verdict.
    pub(super) fn consult(
        &self,
        t: &TransformSpec,
        hook: &HookJob,
        schedules: Schedules,
        summary: &mut RunSummary,
        progress: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<Consulted, EngineError> {
        let kind = match (&t.cron, schedules) {
            (Some(_), Schedules::Ignore) => HookEventKind::ManualRun,
            (Some(_), Schedules::Keep) => HookEventKind::ScheduleTick,
            (None, _) => HookEventKind::BatchCommitted,
        };
        if !hook.wants(kind) {
            return Ok(Consulted::Run(None));
        }
        let question = Question {
            hook,
            subject: TRANSFORMER.to_owned(),
            kind,
            inputs: self.changed_inputs(t)?,
            cron: t.cron.as_deref(),
            waiting: &t.output_stream,
            streams: &t.inputs,
            last_run_of: Some(&t.output_stream),
        };
        self.put(&question, summary, progress)
    }

    /// Holds a subject by its hook's last decision, or asks the hook and
    /// records and reports the verdict.
    pub(super) fn put(
        &self,
        q: &Question<'_>,
        summary: &mut RunSummary,
        progress: &mut dyn FnMut(RunEvent<'_>),
    ) -> Result<Consulted, EngineError> {
        let (hook, kind) = (q.hook, q.kind);
        let workspace = hook.workspace.as_str();
        let now = (self.clock)();
        let recent = self.recent_decisions(workspace, &q.subject)?;
        let last = recent.first();
        let news = match (kind, last) {
            (_, None) | (HookEventKind::ManualRun | HookEventKind::ModelChanged, _) => true,
            (HookEventKind::BatchCommitted, Some(last)) => last.inputs != q.inputs,
            (HookEventKind::ScheduleTick, Some(last)) => {
                let cron = q.cron.unwrap_or_default();
                schedule(&format!("transformer `{workspace}`"), cron)?
                    .fired_between(last.past.time, now)
            }
        };
        let waiting = |until: DateTime<Utc>| Waiting {
            stream: q.waiting.to_owned(),
            next: Some(until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        };
        match next_ask(last.map(|r| &r.past), kind, now, news) {
            NextAsk::Ask => {}
            NextAsk::DeferredUntil(until) => {
                summary.waiting.push(waiting(until));
                return Ok(Consulted::Hold);
            }
            NextAsk::Skipped => return Ok(Consulted::Hold),
        }
        let event = self.event(kind, now, q.streams)?;
        let conn = self.open_merge()?;
        let last_run = match q.last_run_of {
            Some(stream) => {
                let started: Option<String> = conn
                    .query_row(&SQL.last_batch(false), [stream], |r| r.get(1))
                    .optional()
                    .map_err(sql(format!("cannot read the batches of `{stream}`")))?;
                started
                    .map(|s| time(&s, &format!("a batch of `{stream}`")))
                    .transpose()?
            }
            // A delivery's last run is its last decision to deliver.
            None => recent
                .iter()
                .find(|r| r.past.action == Action::Run)
                .map(|r| r.past.time),
        };
        let context = hook.context(last_run, recent.into_iter().map(|r| r.past).collect());
        let input = HookInput::new(event, context);
        let verdict = match self.hooks.get(hook) {
            Ok(h) => ask(h, &input, hook.on_failure),
            Err(e) => verdict(Err(e), hook.on_failure),
        };
        let decision: i64 = conn
            .query_row(
                &SQL.record_decision(),
                params![
                    workspace,
                    rfc3339(now),
                    kind.as_str(),
                    verdict.action.as_str(),
                    verdict.until.map(rfc3339),
                    verdict.reason,
                    verdict.by_name(),
                    verdict.fuel.and_then(|f| i64::try_from(f).ok()),
                    q.inputs,
                    q.subject,
                ],
                |r| r.get(0),
            )
            .map_err(sql(format!(
                "cannot record the hook decision of `{workspace}`"
            )))?;
        let reported = HookDecision {
            workspace: workspace.to_owned(),
            subject: hook.subject.clone(),
            event: kind,
            action: verdict.action,
            until: verdict
                .until
                .map(|u| u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            reason: verdict.reason.clone(),
            decided_by: verdict.by_name(),
            fuel: verdict.fuel,
        };
        progress(RunEvent::Decided(&reported));
        summary.decisions.push(reported);
        if verdict.runs() {
            return Ok(Consulted::Run(Some(decision)));
        }
        if let Some(until) = verdict.until {
            summary.waiting.push(waiting(until));
        }
        Ok(Consulted::Hold)
    }

    /// Links a decision to the batch it let run.
    pub(super) fn decision_ran(
        &self,
        workspace: &str,
        decision: i64,
        batch: i64,
    ) -> Result<(), EngineError> {
        self.open_merge()?
            .execute(&SQL.decision_batch(), params![workspace, decision, batch])
            .map_err(sql(format!(
                "cannot record the batch of the hook decision of `{workspace}`"
            )))?;
        Ok(())
    }

    /// What a hook has seen of a transformer's inputs: the last batch of each
    /// that changed rows, as JSON. A batch that changed nothing is no news.
    fn changed_inputs(&self, t: &TransformSpec) -> Result<String, EngineError> {
        let conn = self.open_merge()?;
        let mut changed = Vec::new();
        for input in &t.inputs {
            let batch: Option<i64> = conn
                .query_row(&SQL.last_changed(), [input], |r| r.get(0))
                .map_err(sql(format!("cannot read the batches of `{input}`")))?;
            changed.push((input, batch));
        }
        Ok(serde_json::to_string(&changed).unwrap_or_default())
    }

    /// A workspace's last decisions, newest first.
    fn recent_decisions(
        &self,
        workspace: &str,
        subject: &str,
    ) -> Result<Vec<Recorded>, EngineError> {
        let conn = self.open_merge()?;
        let context = || format!("cannot read the hook decisions of `{workspace}`");
        let mut stmt = conn
            .prepare(&SQL.recent_decisions())
            .map_err(sql(context()))?;
        let rows = stmt
            .query_map(
                params![
                    workspace,
                    subject,
                    i64::try_from(MAX_PAST_DECISIONS).unwrap_or(i64::MAX)
                ],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                },
            )
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(sql(context()))?;
        let what = format!("a hook decision of `{workspace}`");
        rows.into_iter()
            .map(|(at, event, action, until, reason, inputs)| {
                Ok(Recorded {
                    past: PastDecision {
                        time: time(&at, &what)?,
                        event: recorded(&what, "event", &event)?,
                        action: recorded(&what, "action", &action)?,
                        until: until.map(|u| time(&u, &what)).transpose()?,
                        reason,
                    },
                    inputs,
                })
            })
            .collect()
    }

    /// The event of a due subject: for a committed batch, the newest batch
    /// of `streams` that changed rows (what made it due).
    fn event(
        &self,
        kind: HookEventKind,
        now: DateTime<Utc>,
        streams: &[String],
    ) -> Result<HookEvent, EngineError> {
        let mut event = HookEvent::new(kind, now);
        if kind != HookEventKind::BatchCommitted {
            return Ok(event);
        }
        let conn = self.open_merge()?;
        let mut newest: Option<(String, HookEvent)> = None;
        for input in streams {
            let row = conn
                .query_row(&SQL.last_batch(true), [input], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        [
                            r.get::<_, Option<i64>>(3)?,
                            r.get::<_, Option<i64>>(4)?,
                            r.get::<_, Option<i64>>(5)?,
                            r.get::<_, Option<i64>>(6)?,
                        ],
                    ))
                })
                .optional()
                .map_err(sql(format!("cannot read the batches of `{input}`")))?;
            let Some((batch, started, ended, counts)) = row else {
                continue;
            };
            let Some(ended) = ended else { continue };
            if newest.as_ref().is_some_and(|(at, _)| *at >= ended) {
                continue;
            }
            let what = format!("batch {batch} of `{input}`");
            let count = |i: usize| counts[i].and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
            let mut e = HookEvent::new(kind, now);
            e.datastore = input.split('#').next().map(str::to_owned);
            e.stream = Some(input.clone());
            e.batch = Some(batch);
            e.rows = Some(RowCounts {
                read: count(0),
                inserted: count(1),
                updated: count(2),
                deleted: count(3),
            });
            e.batch_started = Some(time(&started, &what)?);
            e.batch_committed = Some(time(&ended, &what)?);
            newest = Some((ended, e));
        }
        if let Some((_, e)) = newest {
            event = e;
        }
        Ok(event)
    }
}
