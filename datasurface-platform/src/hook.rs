//! The hook contract: what a workspace's code hook is asked and what it
//! answers, the same for every platform and every kind of hook.
//!
//! A platform that reaches an event a workspace's hook wants (see
//! [`model::Hook`](crate::model::Hook)) builds a [`HookInput`] (the event,
//! and the context: workspace, subject, platform, the last decisions and
//! when it last ran), asks the [`Hook`], and turns the answer, or the
//! failure, into a [`Verdict`] with [`verdict`], which applies the hook's
//! [`FailurePolicy`]. The verdict says whether to run, and why; the platform
//! records it with the batch.
//!
//! Hooks speak JSON: [`HookInput`] serializes to the document a WebAssembly
//! hook reads, and [`Decision`] is what it writes back. `docs/hooks.md`
//! describes both with examples; [`CONTRACT_VERSION`] changes when either
//! changes in a way an existing hook could notice.
//!
//! This module is pure: it neither runs code nor reads a clock. The
//! `datasurface-hooks` crate runs WebAssembly hooks; an application embedding
//! the library can implement [`Hook`] in Rust.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{FailurePolicy, HookEventKind, HookLimits};

/// The version of the contract: of [`HookInput`] and [`Decision`] as JSON.
pub const CONTRACT_VERSION: u32 = 1;

/// The longest reason a decision may give, in characters.
pub const MAX_REASON_CHARS: usize = 1_000;

/// How many past decisions a context carries, newest first.
pub const MAX_PAST_DECISIONS: usize = 10;

/// What a hook is asked: one event, in its context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookInput {
    /// The contract's version, [`CONTRACT_VERSION`].
    pub contract: u32,
    /// What happened.
    pub event: HookEvent,
    /// Whom it concerns, and what happened before.
    pub context: HookContext,
}

impl HookInput {
    /// An input of this contract's version.
    pub fn new(event: HookEvent, context: HookContext) -> Self {
        HookInput {
            contract: CONTRACT_VERSION,
            event,
            context,
        }
    }

    /// The input as the JSON document a hook reads.
    pub fn to_json(&self) -> String {
        // Plain data (strings, integers, times): serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What happened. The time is the hook's only clock: a hook reads no clock
/// of its own, so the same input always gets the same decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookEvent {
    /// The kind of event.
    pub kind: HookEventKind,
    /// When it happened (for a schedule tick, the scheduled time).
    pub time: DateTime<Utc>,
    /// For a committed batch: the datastore whose batch it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datastore: Option<String>,
    /// For a committed batch: its stream, as the platform names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// For a committed batch: its number in its stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<i64>,
    /// For a committed batch: the rows it read and changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<RowCounts>,
    /// For a committed batch: when it started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_started: Option<DateTime<Utc>>,
    /// For a committed batch: when it was committed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_committed: Option<DateTime<Utc>>,
}

impl HookEvent {
    /// An event of a kind at a time, with no batch.
    pub fn new(kind: HookEventKind, time: DateTime<Utc>) -> Self {
        HookEvent {
            kind,
            time,
            datastore: None,
            stream: None,
            batch: None,
            rows: None,
            batch_started: None,
            batch_committed: None,
        }
    }
}

/// The rows a batch read and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RowCounts {
    /// Rows read from the source.
    pub read: u64,
    /// Rows that were new.
    pub inserted: u64,
    /// Rows that changed.
    pub updated: u64,
    /// Rows that were deleted.
    pub deleted: u64,
}

/// Whom an event concerns, and what happened before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookContext {
    /// The workspace whose hook is asked.
    pub workspace: String,
    /// The team that owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// The platform asking.
    pub platform: String,
    /// What the decision is about.
    pub subject: Subject,
    /// When the subject last ran (the transformer) or was delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run: Option<DateTime<Utc>>,
    /// The last decisions about the subject, newest first, at most
    /// [`MAX_PAST_DECISIONS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub last_decisions: Vec<PastDecision>,
}

/// What a decision is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Subject {
    /// Whether the workspace's transformer runs.
    #[serde(rename_all = "camelCase")]
    Transformer {
        /// The datastore it writes.
        output_datastore: String,
    },
    /// Whether a dataset group of the workspace is delivered now.
    #[serde(rename_all = "camelCase")]
    Delivery {
        /// The dataset group.
        dataset_group: String,
    },
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Transformer { output_datastore } => {
                write!(f, "transformer of `{output_datastore}`")
            }
            Subject::Delivery { dataset_group } => {
                write!(f, "delivery of dataset group `{dataset_group}`")
            }
        }
    }
}

/// A decision made earlier, as the context reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PastDecision {
    /// When it was made (the event's time).
    pub time: DateTime<Utc>,
    /// The event it answered.
    pub event: HookEventKind,
    /// What was done.
    pub action: Action,
    /// With [`Action::Defer`]: when the hook asked to be asked again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Why.
    pub reason: String,
}

/// What a hook answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Decision {
    /// What to do.
    pub action: Action,
    /// With [`Action::Defer`]: when to ask again, after the event's time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Why, for people: recorded with the batch and shown by the platform.
    #[serde(default)]
    pub reason: String,
}

impl Decision {
    /// Reads a hook's answer and checks it against the event it answers.
    pub fn parse(json: &[u8], event: &HookEvent) -> Result<Decision, HookError> {
        let decision: Decision = serde_json::from_slice(json).map_err(|e| {
            HookError::BadDecision(format!(
                "{e}; a hook answers a JSON object such as {{\"action\": \"run\", \"reason\": \"…\"}}"
            ))
        })?;
        decision.check(event)?;
        Ok(decision)
    }

    /// Checks that the decision can be carried out for this event: a deferral
    /// says until when, later than the event; only a deferral says so; the
    /// reason is short and has no control characters.
    pub fn check(&self, event: &HookEvent) -> Result<(), HookError> {
        let bad = |message: String| Err(HookError::BadDecision(message));
        match (self.action, self.until) {
            (Action::Defer, None) => {
                return bad("`defer` needs `until`, the time to ask again".to_owned());
            }
            (Action::Defer, Some(until)) if until <= event.time => {
                return bad(format!(
                    "`until` ({}) is not after the event's time ({}); defer to a later time, or `skip`",
                    until.to_rfc3339(),
                    event.time.to_rfc3339()
                ));
            }
            (Action::Run | Action::Skip, Some(_)) => {
                return bad(format!(
                    "`until` goes only with `defer`, not with `{}`",
                    self.action
                ));
            }
            _ => {}
        }
        let chars = self.reason.chars().count();
        if chars > MAX_REASON_CHARS {
            return bad(format!(
                "the reason has {chars} characters; keep it to {MAX_REASON_CHARS}"
            ));
        }
        if let Some(c) = crate::model::text::unsafe_in_line(&self.reason) {
            return bad(format!(
                "the reason contains the control character {}; write one line of text",
                c.escape_unicode()
            ));
        }
        Ok(())
    }
}

/// What to do about the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    /// Run the transformer now; deliver the dataset group now.
    Run,
    /// Do nothing for this event.
    Skip,
    /// Do nothing now; ask again at the decision's `until`.
    Defer,
}

impl Action {
    /// Every action, in the order of the contract's documentation.
    pub const ALL: [Action; 3] = [Action::Run, Action::Skip, Action::Defer];

    /// The action as the contract spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Run => "run",
            Action::Skip => "skip",
            Action::Defer => "defer",
        }
    }
}

impl std::str::FromStr for Action {
    type Err = UnknownName;

    /// An action as the contract spells it ([`Action::as_str`]).
    fn from_str(text: &str) -> Result<Self, UnknownName> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == text)
            .ok_or(UnknownName)
    }
}

/// A name that is not one the contract spells (an action, an event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a name the hook contract knows")]
pub struct UnknownName;

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A hook's answer, with what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRun {
    /// The decision.
    pub decision: Decision,
    /// The fuel (instructions) it used, where the hook counts fuel.
    pub fuel: Option<u64>,
}

/// Why a hook gave no decision. Each message says what the hook did and,
/// where its author can, how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HookError {
    /// The module could not be loaded: unreadable, not WebAssembly, its hash
    /// does not match the model, or it does not export what the contract needs.
    #[error("the hook's module cannot be used: {0}")]
    Module(String),
    /// The hook trapped (an `unreachable`, a division by zero, an access
    /// outside its memory, a stack overflow).
    #[error("the hook trapped: {0}")]
    Trap(String),
    /// The hook used all its fuel: it runs too long, or loops.
    #[error(
        "the hook used all its fuel ({limit} instructions) without deciding; raise `limits.fuel`, or look for a loop"
    )]
    OutOfFuel {
        /// The fuel it had.
        limit: u64,
    },
    /// The hook tried to grow its memory beyond its limit.
    #[error(
        "the hook tried to grow its memory beyond {limit_mib} MiB; raise `limits.memoryMib`, or use less"
    )]
    OutOfMemory {
        /// The memory it was allowed, in mebibytes.
        limit_mib: u64,
    },
    /// The hook took longer than its wall time.
    #[error(
        "the hook took longer than {limit_ms} ms without deciding; raise `limits.wallTimeMs`, or do less"
    )]
    WallTime {
        /// The time it was allowed, in milliseconds.
        limit_ms: u64,
    },
    /// The hook answered something that is not a decision this event allows.
    #[error("the hook's answer is not a decision: {0}")]
    BadDecision(String),
    /// A hook implemented by an application failed in its own way.
    #[error("the hook failed: {0}")]
    Other(String),
}

/// How a verdict came about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecidedBy {
    /// The hook decided.
    Hook,
    /// The hook failed and its policy is to fail open: the subject runs as if
    /// there were no hook, and the failure is a warning.
    FailedOpen(HookError),
    /// The hook failed and its policy is to fail closed: the subject is
    /// skipped and the failure is an alert.
    FailedClosed(HookError),
}

/// What a platform does about an event: the hook's decision, or its failure
/// policy's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What to do.
    pub action: Action,
    /// With [`Action::Defer`]: when to ask again.
    pub until: Option<DateTime<Utc>>,
    /// Why, for the batch's record.
    pub reason: String,
    /// How the verdict came about.
    pub by: DecidedBy,
    /// The fuel the hook used, where it counts fuel.
    pub fuel: Option<u64>,
}

impl Verdict {
    /// Whether the subject runs now (the transformer runs, the group is delivered).
    pub fn runs(&self) -> bool {
        self.action == Action::Run
    }

    /// Whether the verdict must be raised as an alert: the hook failed and
    /// its policy skipped the run.
    pub fn is_alert(&self) -> bool {
        matches!(self.by, DecidedBy::FailedClosed(_))
    }

    /// Whether the verdict carries a warning: the hook failed and its policy
    /// ran the subject anyway.
    pub fn is_warning(&self) -> bool {
        matches!(self.by, DecidedBy::FailedOpen(_))
    }
}

/// A hook: decides, for one event, what to do about its subject.
///
/// Implementations must be deterministic in their input (the event carries
/// the time) and must not block for long: a platform asks before each run.
/// The WebAssembly host in `datasurface-hooks` is one implementation; an
/// application embedding the library may supply its own.
pub trait Hook: Send + Sync {
    /// Decides what to do about the event.
    fn decide(&self, input: &HookInput) -> Result<HookRun, HookError>;

    /// Decides as [`decide`](Hook::decide) does, but stops at `wall_time`
    /// when that comes before the hook's own limit: how a gate with one
    /// budget for all its hooks asks each without waiting for every hook's
    /// own limit. A hook with no time limit of its own decides as `decide`.
    fn decide_within(
        &self,
        input: &HookInput,
        wall_time: std::time::Duration,
    ) -> Result<HookRun, HookError> {
        let _ = wall_time;
        self.decide(input)
    }
}

/// Loads the hook modules a model names: the module runner a gate is given
/// to check them, and platforms to ask them.
///
/// `datasurface-hooks` has the WebAssembly one (`WasmLoader`); an
/// application embedding the gate may supply its own, or none (then the
/// gate says that it did not check hook modules).
pub trait HookLoader: Send + Sync + std::fmt::Debug {
    /// The largest module it loads, in bytes.
    fn max_module_bytes(&self) -> u64;

    /// The wall time one decision of a module with these limits may take.
    fn wall_time(&self, limits: &datasurface_model::HookLimits) -> std::time::Duration;

    /// Loads a module: checks its bytes against the SHA-256 the model pins
    /// and against the hook contract, to decide under `limits` but for at
    /// most `wall_time` per decision.
    fn load(
        &self,
        bytes: &[u8],
        pinned_sha256: &str,
        limits: &datasurface_model::HookLimits,
        wall_time: std::time::Duration,
    ) -> Result<Box<dyn Hook>, HookError>;
}

impl<F> Hook for F
where
    F: Fn(&HookInput) -> Result<Decision, HookError> + Send + Sync,
{
    fn decide(&self, input: &HookInput) -> Result<HookRun, HookError> {
        let decision = self(input)?;
        decision.check(&input.event)?;
        Ok(HookRun {
            decision,
            fuel: None,
        })
    }
}

/// Turns a hook's answer, or its failure, into what the platform does,
/// applying the hook's failure policy: failing open runs the subject as if
/// there were no hook, failing closed skips it.
pub fn verdict(result: Result<HookRun, HookError>, policy: FailurePolicy) -> Verdict {
    match result {
        Ok(run) => Verdict {
            action: run.decision.action,
            until: run.decision.until,
            reason: run.decision.reason,
            by: DecidedBy::Hook,
            fuel: run.fuel,
        },
        Err(error) => match policy {
            FailurePolicy::FailOpen => Verdict {
                action: Action::Run,
                until: None,
                reason: format!("{error}; failing open: run as if there were no hook"),
                by: DecidedBy::FailedOpen(error),
                fuel: None,
            },
            FailurePolicy::FailClosed => Verdict {
                action: Action::Skip,
                until: None,
                reason: format!("{error}; failing closed: not run"),
                by: DecidedBy::FailedClosed(error),
                fuel: None,
            },
        },
    }
}

/// Asks a hook and applies its failure policy, checking its decision against
/// the event: a hook that answers something it may not (a deferral to the
/// past, say) has failed like one that trapped.
pub fn ask(hook: &dyn Hook, input: &HookInput, policy: FailurePolicy) -> Verdict {
    let result = hook.decide(input).and_then(|run| {
        run.decision.check(&input.event)?;
        Ok(run)
    });
    verdict(result, policy)
}

/// A workspace's hook as a platform renders it into a job spec: all a job
/// runner needs to ask it, without the model. The module's bytes travel
/// separately (the runner finds them by [`HookJob::sha256`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookJob {
    /// The module, by its path from the model's root.
    pub module: String,
    /// The module's SHA-256, which the runner checks before running it.
    pub sha256: String,
    /// The events the hook is asked about.
    pub events: Vec<HookEventKind>,
    /// What happens when it fails.
    #[serde(default, skip_serializing_if = "is_default")]
    pub on_failure: FailurePolicy,
    /// How much one decision may use.
    #[serde(default, skip_serializing_if = "is_default")]
    pub limits: HookLimits,
    /// The workspace whose hook it is.
    pub workspace: String,
    /// The team that owns the workspace.
    pub team: String,
    /// The platform that asks it.
    pub platform: String,
    /// What it decides about.
    pub subject: Subject,
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

impl HookJob {
    /// The job spec of a model's hook.
    pub fn new(
        hook: &crate::model::Hook,
        workspace: &str,
        team: &str,
        platform: &str,
        subject: Subject,
    ) -> Self {
        HookJob {
            module: hook.module.to_string(),
            sha256: hook.sha256.to_string(),
            events: hook.events.clone(),
            on_failure: hook.on_failure,
            limits: hook.limits,
            workspace: workspace.to_owned(),
            team: team.to_owned(),
            platform: platform.to_owned(),
            subject,
        }
    }

    /// Whether the hook is asked about events of this kind; on any other the
    /// subject runs as if there were no hook.
    pub fn wants(&self, kind: HookEventKind) -> bool {
        self.events.contains(&kind)
    }

    /// The context of a question to the hook: the last run of its subject
    /// and its last decisions, newest first (at most [`MAX_PAST_DECISIONS`]
    /// are kept).
    pub fn context(
        &self,
        last_run: Option<DateTime<Utc>>,
        mut last_decisions: Vec<PastDecision>,
    ) -> HookContext {
        last_decisions.truncate(MAX_PAST_DECISIONS);
        HookContext {
            workspace: self.workspace.clone(),
            team: Some(self.team.clone()),
            platform: self.platform.clone(),
            subject: self.subject.clone(),
            last_run,
            last_decisions,
        }
    }
}

/// Whether a platform asks a hook about a subject that is due, or holds it
/// by the hook's last decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAsk {
    /// Ask the hook now.
    Ask,
    /// Do not run and do not ask: the last decision deferred until this
    /// time, which has not come.
    DeferredUntil(DateTime<Utc>),
    /// Do not run and do not ask: the last decision skipped, and nothing
    /// has happened since that the hook has not seen.
    Skipped,
}

/// The one rule every platform follows before asking a hook again about a
/// subject that is due: a manual run is always asked (someone asked for it);
/// otherwise, after a deferral, not before its time; after a skip, not until
/// something new happens (`news`: a new input batch, a schedule that fired
/// since); otherwise, ask.
///
/// So a hook that skips is asked once per event, not once per pass of a
/// scheduler that finds the subject still due.
pub fn next_ask(
    last: Option<&PastDecision>,
    kind: HookEventKind,
    now: DateTime<Utc>,
    news: bool,
) -> NextAsk {
    if kind == HookEventKind::ManualRun {
        return NextAsk::Ask;
    }
    match last {
        Some(PastDecision {
            action: Action::Defer,
            until: Some(until),
            ..
        }) if *until > now => NextAsk::DeferredUntil(*until),
        Some(PastDecision {
            action: Action::Skip,
            ..
        }) if !news => NextAsk::Skipped,
        _ => NextAsk::Ask,
    }
}

impl Verdict {
    /// The verdict as the context of a later question reports it.
    pub fn past(&self, event: &HookEvent) -> PastDecision {
        PastDecision {
            time: event.time,
            event: event.kind,
            action: self.action,
            until: self.until,
            reason: self.reason.clone(),
        }
    }

    /// How the verdict came about, as platforms record it: `hook`,
    /// `failedOpen` or `failedClosed`.
    pub fn by_name(&self) -> &'static str {
        match self.by {
            DecidedBy::Hook => "hook",
            DecidedBy::FailedOpen(_) => "failedOpen",
            DecidedBy::FailedClosed(_) => "failedClosed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    fn input() -> HookInput {
        let mut event = HookEvent::new(HookEventKind::BatchCommitted, at("2026-11-01T00:05:00Z"));
        event.datastore = Some("NW_Data".into());
        event.batch = Some(7);
        event.rows = Some(RowCounts {
            read: 300,
            inserted: 3,
            updated: 1,
            deleted: 0,
        });
        HookInput::new(
            event,
            HookContext {
                workspace: "Masked".into(),
                team: Some("NW_Team".into()),
                platform: "Local".into(),
                subject: Subject::Transformer {
                    output_datastore: "Masked_NW_Data".into(),
                },
                last_run: Some(at("2026-10-01T00:00:00Z")),
                last_decisions: vec![PastDecision {
                    time: at("2026-10-31T12:00:00Z"),
                    event: HookEventKind::ScheduleTick,
                    action: Action::Skip,
                    until: None,
                    reason: "not the first of the month".into(),
                }],
            },
        )
    }

    #[test]
    fn the_input_is_the_documented_json() {
        insta::assert_snapshot!(input().to_json(), @r#"{"contract":1,"event":{"kind":"batchCommitted","time":"2026-11-01T00:05:00Z","datastore":"NW_Data","batch":7,"rows":{"read":300,"inserted":3,"updated":1,"deleted":0}},"context":{"workspace":"Masked","team":"NW_Team","platform":"Local","subject":{"transformer":{"outputDatastore":"Masked_NW_Data"}},"lastRun":"2026-10-01T00:00:00Z","lastDecisions":[{"time":"2026-10-31T12:00:00Z","event":"scheduleTick","action":"skip","reason":"not the first of the month"}]}}"#);
        let back: HookInput = serde_json::from_str(&input().to_json()).unwrap();
        assert_eq!(back, input());
    }

    #[test]
    fn decisions_are_checked_against_the_event() {
        let event = input().event;
        let ok = |json: &str| Decision::parse(json.as_bytes(), &event);
        assert_eq!(
            ok(r#"{"action":"run","reason":"new batch"}"#)
                .unwrap()
                .action,
            Action::Run
        );
        assert_eq!(ok(r#"{"action":"skip"}"#).unwrap().reason, "");
        let deferred =
            ok(r#"{"action":"defer","until":"2026-11-02T00:00:00Z","reason":"wait a day"}"#)
                .unwrap();
        assert_eq!(deferred.until, Some(at("2026-11-02T00:00:00Z")));
        for (json, why) in [
            (r#"{"action":"defer"}"#, "needs `until`"),
            (
                r#"{"action":"defer","until":"2026-11-01T00:00:00Z"}"#,
                "not after the event",
            ),
            (
                r#"{"action":"run","until":"2027-01-01T00:00:00Z"}"#,
                "only with `defer`",
            ),
            (r#"{"action":"go"}"#, "unknown variant"),
            (r#"{"acton":"run"}"#, "unknown field"),
            (r#"{"action":"run","reason":"a\nb"}"#, "control character"),
            ("run", "expected value"),
            ("", "EOF"),
        ] {
            let err = ok(json).unwrap_err().to_string();
            assert!(err.contains(why), "{json}: {err}");
        }
        let long = format!(r#"{{"action":"run","reason":"{}"}}"#, "x".repeat(1001));
        assert!(
            ok(&long)
                .unwrap_err()
                .to_string()
                .contains("1001 characters")
        );
    }

    #[test]
    fn failure_policies() {
        let failed = || Err(HookError::OutOfFuel { limit: 10 });
        let open = verdict(failed(), FailurePolicy::FailOpen);
        assert!(open.runs() && open.is_warning() && !open.is_alert());
        assert!(open.reason.contains("failing open"), "{}", open.reason);
        let closed = verdict(failed(), FailurePolicy::FailClosed);
        assert!(!closed.runs() && closed.is_alert());
        assert_eq!(closed.action, Action::Skip);
    }

    #[test]
    fn a_rust_closure_is_a_hook_and_its_answers_are_checked() {
        let first_of_month = |input: &HookInput| -> Result<Decision, HookError> {
            use chrono::Datelike;
            let first = input.event.time.day() == 1;
            Ok(Decision {
                action: if first { Action::Run } else { Action::Skip },
                until: None,
                reason: format!("day {}", input.event.time.day()),
            })
        };
        let v = ask(&first_of_month, &input(), FailurePolicy::FailClosed);
        assert_eq!(
            (v.action, v.by, v.reason.as_str()),
            (Action::Run, DecidedBy::Hook, "day 1")
        );

        let to_the_past = |_: &HookInput| -> Result<Decision, HookError> {
            Ok(Decision {
                action: Action::Defer,
                until: Some(at("2000-01-01T00:00:00Z")),
                reason: String::new(),
            })
        };
        let v = ask(&to_the_past, &input(), FailurePolicy::FailClosed);
        assert!(v.is_alert(), "{v:?}");
    }

    #[test]
    fn a_hook_is_asked_again_after_a_deferral_s_time_or_news_after_a_skip() {
        let now = at("2026-11-02T00:00:00Z");
        let past = |action, until: Option<&str>| PastDecision {
            time: at("2026-11-01T00:00:00Z"),
            event: HookEventKind::BatchCommitted,
            action,
            until: until.map(at),
            reason: String::new(),
        };
        let tick = HookEventKind::ScheduleTick;
        assert_eq!(next_ask(None, tick, now, false), NextAsk::Ask);
        assert_eq!(
            next_ask(Some(&past(Action::Run, None)), tick, now, false),
            NextAsk::Ask
        );
        assert_eq!(
            next_ask(Some(&past(Action::Skip, None)), tick, now, false),
            NextAsk::Skipped
        );
        assert_eq!(
            next_ask(Some(&past(Action::Skip, None)), tick, now, true),
            NextAsk::Ask
        );
        let later = Some("2026-11-03T00:00:00Z");
        assert_eq!(
            next_ask(Some(&past(Action::Defer, later)), tick, now, true),
            NextAsk::DeferredUntil(at("2026-11-03T00:00:00Z"))
        );
        let earlier = Some("2026-11-01T12:00:00Z");
        assert_eq!(
            next_ask(Some(&past(Action::Defer, earlier)), tick, now, false),
            NextAsk::Ask
        );
        // Someone asking by hand is always heard.
        for held in [past(Action::Skip, None), past(Action::Defer, later)] {
            assert_eq!(
                next_ask(Some(&held), HookEventKind::ManualRun, now, false),
                NextAsk::Ask
            );
        }
    }

    #[test]
    fn a_hook_job_builds_the_context_with_at_most_the_kept_decisions() {
        let job = HookJob {
            module: "hooks/h.wasm".into(),
            sha256: "0".repeat(64),
            events: vec![HookEventKind::BatchCommitted],
            on_failure: FailurePolicy::FailClosed,
            limits: HookLimits::default(),
            workspace: "Masked".into(),
            team: "NW_Team".into(),
            platform: "Local".into(),
            subject: Subject::Transformer {
                output_datastore: "Masked_NW_Data".into(),
            },
        };
        assert!(job.wants(HookEventKind::BatchCommitted));
        assert!(!job.wants(HookEventKind::ManualRun));
        let decisions = vec![input().context.last_decisions[0].clone(); 15];
        let context = job.context(None, decisions);
        assert_eq!(context.last_decisions.len(), MAX_PAST_DECISIONS);
        assert_eq!(context.team.as_deref(), Some("NW_Team"));
        let json = serde_json::to_string(&job).unwrap();
        insta::assert_snapshot!(json, @r#"{"module":"hooks/h.wasm","sha256":"0000000000000000000000000000000000000000000000000000000000000000","events":["batchCommitted"],"onFailure":"failClosed","workspace":"Masked","team":"NW_Team","platform":"Local","subject":{"transformer":{"outputDatastore":"Masked_NW_Data"}}}"#);
        assert_eq!(serde_json::from_str::<HookJob>(&json).unwrap(), job);
    }

    #[test]
    fn actions_and_events_read_back_as_the_contract_spells_them() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse(), Ok(action));
        }
        for kind in HookEventKind::ALL {
            assert_eq!(kind.as_str().parse(), Ok(kind));
        }
        assert_eq!("Run".parse::<Action>(), Err(UnknownName));
        assert!("batch_committed".parse::<HookEventKind>().is_err());
    }
}
