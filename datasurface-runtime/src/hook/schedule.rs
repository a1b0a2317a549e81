//! When a platform asks a hook again about a subject that is due.

use chrono::{DateTime, Utc};

use super::{Action, PastDecision};
use datasurface_core::HookEventKind;

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
