//! The contract itself: what a hook is asked ([`HookInput`]), what it
//! answers ([`Decision`]), how it fails ([`HookError`]), and the traits a
//! hook and a module loader implement ([`Decide`], [`HookLoader`]).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use datasurface_core::HookEventKind;

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
        if let Some(c) = datasurface_stdx::text::unsafe_in_line(&self.reason) {
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

/// A hook: decides, for one event, what to do about its subject.
///
/// Implementations must be deterministic in their input (the event carries
/// the time) and must not block for long: a platform asks before each run.
/// The WebAssembly host in `datasurface-hooks` is one implementation; an
/// application embedding the library may supply its own.
pub trait Decide: Send + Sync {
    /// Decides what to do about the event.
    fn decide(&self, input: &HookInput) -> Result<HookRun, HookError>;

    /// Decides as [`decide`](Decide::decide) does, but stops at `wall_time`
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
    fn wall_time(&self, limits: &datasurface_core::HookLimits) -> std::time::Duration;

    /// Loads a module: checks its bytes against the SHA-256 the model pins
    /// and against the hook contract, to decide under `limits` but for at
    /// most `wall_time` per decision.
    fn load(
        &self,
        bytes: &[u8],
        pinned_sha256: &str,
        limits: &datasurface_core::HookLimits,
        wall_time: std::time::Duration,
    ) -> Result<Box<dyn Decide>, HookError>;
}

impl<F> Decide for F
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
