//! The hook contract: what a workspace's code hook is asked and what it
//! answers, the same for every platform and every kind of hook.
//!
//! A platform that reaches an event a workspace's hook wants (see
//! [`model::Hook`](datasurface_core::Hook)) builds a [`HookInput`] (the event,
//! and the context: workspace, subject, platform, the last decisions and
//! when it last ran), asks the hook ([`Decide`]), and turns the answer, or the
//! failure, into a [`Verdict`] with [`verdict`], which applies the hook's
//! [`FailurePolicy`](datasurface_core::FailurePolicy). The verdict says whether to run, and why; the platform
//! records it with the batch.
//!
//! Hooks speak JSON: [`HookInput`] serializes to the document a WebAssembly
//! hook reads, and [`Decision`] is what it writes back. `docs/hooks.md`
//! describes both with examples; [`CONTRACT_VERSION`] changes when either
//! changes in a way an existing hook could notice.
//!
//! This module is pure: it neither runs code nor reads a clock. The
//! `datasurface-hooks` crate runs WebAssembly hooks; an application embedding
//! the library can implement [`Decide`] in Rust.

mod contract;
mod job;
mod schedule;

pub use contract::{
    Action, CONTRACT_VERSION, Decide, Decision, HookContext, HookError, HookEvent, HookInput,
    HookLoader, HookRun, MAX_PAST_DECISIONS, MAX_REASON_CHARS, PastDecision, RowCounts, Subject,
    UnknownName,
};
pub use job::{DecidedBy, HookJob, Verdict, ask, verdict};
pub use schedule::{NextAsk, next_ask};

#[cfg(test)]
mod tests;
