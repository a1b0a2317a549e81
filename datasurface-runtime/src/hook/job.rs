//! A hook as a platform meets it: rendered into a job spec ([`HookJob`]),
//! asked ([`ask`]), and its answer or failure turned into what the
//! platform does ([`Verdict`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Action, Decide, HookContext, HookError, HookEvent, HookInput, HookRun, MAX_PAST_DECISIONS,
    PastDecision, Subject,
};
use datasurface_core::{FailurePolicy, HookEventKind, HookLimits};

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
pub fn ask(hook: &dyn Decide, input: &HookInput, policy: FailurePolicy) -> Verdict {
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
        hook: &datasurface_core::Hook,
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
