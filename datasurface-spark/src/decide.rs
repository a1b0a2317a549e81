//! A hooked transformer's decision: what `datasurface job spark --decide`
//! asks the workspace's hook, and the record of what it decided.
//!
//! The runner does not run hooks itself (that is the caller's sandbox): it
//! builds the event and its context from the warehouse (the inputs' newest
//! committed batch, the output stream's last batch as the transformer's last
//! run, the hook's past decisions), applies the shared rule for asking again
//! ([`next_ask`]), and records each verdict as one file of the output
//! stream's `meta/decisions`, numbered, written whole and never replaced:
//!
//! ```text
//! <warehouse>/<output stream>/meta/decisions/<decision, ten digits>.json
//! ```
//!
//! The warehouse must be a local path (or a `file:` URL, or an object store
//! mounted as one): the platform's lint refuses a hooked transformer on any
//! other.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use datasurface_core::HookEventKind;
use datasurface_runtime::hook::{
    HookEvent, HookInput, MAX_PAST_DECISIONS, NextAsk, PastDecision, RowCounts, Verdict, next_ask,
};

use crate::runner::{RunError, bad, last_committed, local, time};
use crate::spec::HookSpec;

/// What a decision task does before asking, or what to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Question {
    /// The hook does not decide on this kind of event: run as if there were none.
    NotWanted(HookEventKind),
    /// The hook's last decision deferred until this time, which has not
    /// come: do not run, and do not ask.
    Deferred(DateTime<Utc>),
    /// Ask the hook this.
    Ask(Box<HookInput>),
}

/// One recorded decision, as its file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Decision {
    /// Its number: 1 for the workspace's first.
    pub decision: u64,
    /// The event it answered, what was done, until when and why.
    #[serde(flatten)]
    pub past: PastDecision,
    /// How it came about: `hook`, `failedOpen` or `failedClosed`.
    pub decided_by: String,
    /// The fuel the hook used, where it counts fuel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
}

/// The folder of a hook's decisions.
fn decisions_dir(hook: &HookSpec) -> Result<PathBuf, RunError> {
    Ok(local(&hook.output, WHAT)?.join("meta").join("decisions"))
}

/// What needs the warehouse's records.
const WHAT: &str = "a hook's decisions are kept in";

/// The decision a file name holds: ten digits, then `.json`.
fn numbered(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".json")?;
    (digits.len() == 10 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// The numbers of a hook's recorded decisions and their files, newest first.
fn numbered_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, RunError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(bad(dir, &e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| bad(dir, &e))?;
        // Anything else is a record being written (`.decision.json.new-<pid>`).
        if let Some(number) = entry.file_name().to_str().and_then(numbered) {
            found.push((number, entry.path()));
        }
    }
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    Ok(found)
}

/// A hook's last `most` recorded decisions, newest first (each read only
/// when it is among them, so a long history costs a listing).
pub fn decisions(hook: &HookSpec, most: usize) -> Result<Vec<Decision>, RunError> {
    let mut found = Vec::new();
    for (number, path) in numbered_files(&decisions_dir(hook)?)?
        .into_iter()
        .take(most)
    {
        let decision = read_decision(number, &path)?;
        found.push(decision);
    }
    Ok(found)
}

/// How many decisions the summary of a hook's decisions folds at a time:
/// a reader counts at most this many files beside it.
const FOLD: u64 = 100;

/// A hook's decisions counted by action, through decision `through`
/// ([`crate::layout::TOTALS`] in its decisions' folder).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Counted {
    through: u64,
    actions: BTreeMap<String, u64>,
}

/// A hook's decisions counted by action: the summary's counts, and each
/// decision after it read.
pub fn counts(hook: &HookSpec) -> Result<BTreeMap<String, u64>, RunError> {
    let dir = decisions_dir(hook)?;
    let mut summary = counted(&dir)?;
    count(&dir, &mut summary, u64::MAX)?;
    Ok(summary.actions)
}

/// Adds to `summary` each decision after those it counts, through `through`.
fn count(dir: &Path, summary: &mut Counted, through: u64) -> Result<(), RunError> {
    for (number, path) in numbered_files(dir)? {
        if number > summary.through && number <= through {
            let action = read_decision(number, &path)?.past.action;
            *summary
                .actions
                .entry(action.as_str().to_owned())
                .or_default() += 1;
        }
    }
    Ok(())
}

/// The summary of a decisions folder; an empty one where there is none.
fn counted(dir: &Path) -> Result<Counted, RunError> {
    let path = dir.join(crate::layout::TOTALS);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| bad(&path, &e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Counted::default()),
        Err(e) => Err(bad(&path, &e)),
    }
}

/// Folds the decisions through `through` into the summary: what it holds
/// and those after it. Decisions never change once written, so two
/// deciders folding at once write the same summary, each whole.
fn fold(dir: &Path, through: u64) -> Result<(), RunError> {
    let mut summary = counted(dir)?;
    count(dir, &mut summary, through)?;
    summary.through = through;
    let temp = dir.join(format!(".totals.json.new-{}", std::process::id()));
    let text = serde_json::to_string_pretty(&summary).map_err(|e| bad(&temp, &e))?;
    datasurface_runtime::write_new(&temp, text.as_bytes()).map_err(|e| bad(&temp, &e))?;
    std::fs::rename(&temp, dir.join(crate::layout::TOTALS)).map_err(|e| bad(dir, &e))
}

/// Decision `number`, from its file: a regular file holding that decision.
fn read_decision(number: u64, path: &Path) -> Result<Decision, RunError> {
    let kind = std::fs::symlink_metadata(path).map_err(|e| bad(path, &e))?;
    if !kind.is_file() {
        return Err(bad(
            path,
            &"a decision record is not a regular file: remove it; decisions are written only by `datasurface job spark --decide`",
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, &e))?;
    let decision: Decision = serde_json::from_str(&text).map_err(|e| bad(path, &e))?;
    if decision.decision != number {
        return Err(bad(
            path,
            &format!("it records decision {}", decision.decision),
        ));
    }
    Ok(decision)
}

/// What to do about a hooked transformer on an event of `kind` at `now`.
pub fn question(
    hook: &HookSpec,
    kind: HookEventKind,
    now: DateTime<Utc>,
) -> Result<Question, RunError> {
    if !hook.job.wants(kind) {
        return Ok(Question::NotWanted(kind));
    }
    let past: Vec<PastDecision> = decisions(hook, MAX_PAST_DECISIONS)?
        .into_iter()
        .map(|d| d.past)
        .collect();
    // Each DAG run is an event of its own, so it is news to the hook: only a
    // deferral whose time has not come holds the transformer without asking.
    if let NextAsk::DeferredUntil(until) = next_ask(past.first(), kind, now, true) {
        return Ok(Question::Deferred(until));
    }
    let mut event = HookEvent::new(kind, now);
    if kind == HookEventKind::BatchCommitted {
        let mut newest: Option<(DateTime<Utc>, &str, PathBuf, crate::runner::Committed)> = None;
        for input in &hook.inputs {
            let root = local(&input.root, WHAT)?;
            if let Some(last) = last_committed(&root)? {
                let at = time(&root, &last.committed)?;
                if newest.as_ref().is_none_or(|(t, ..)| at > *t) {
                    newest = Some((at, input.stream.as_str(), root, last));
                }
            }
        }
        if let Some((at, stream, root, batch)) = newest {
            let counts = batch.datasets.values();
            event.datastore = stream.split('#').next().map(str::to_owned);
            event.stream = Some(stream.to_owned());
            event.batch = i64::try_from(batch.batch).ok();
            event.batch_started = Some(time(&root, &batch.started)?);
            event.batch_committed = Some(at);
            event.rows = Some(counts.fold(RowCounts::default(), |sum, c| RowCounts {
                read: sum.read + c.live,
                inserted: sum.inserted + c.inserted,
                updated: sum.updated + c.updated,
                deleted: sum.deleted + c.deleted,
            }));
        }
    }
    let output = local(&hook.output, WHAT)?;
    let last_run = last_committed(&output)?
        .map(|b| time(&output, &b.started))
        .transpose()?;
    let context = hook.job.context(last_run, past);
    Ok(Question::Ask(Box::new(HookInput::new(event, context))))
}

/// Records a verdict on `event` as the hook's next decision, written whole
/// under a number no other decision has (two deciders at once each get
/// their own); returns its number.
pub fn record(hook: &HookSpec, event: &HookEvent, verdict: &Verdict) -> Result<u64, RunError> {
    let dir = decisions_dir(hook)?;
    std::fs::create_dir_all(&dir).map_err(|e| bad(&dir, &e))?;
    let mut number = numbered_files(&dir)?.first().map_or(1, |(n, _)| n + 1);
    let temp = dir.join(format!(".decision.json.new-{}", std::process::id()));
    loop {
        let decision = Decision {
            decision: number,
            past: verdict.past(event),
            decided_by: verdict.by_name().to_owned(),
            fuel: verdict.fuel,
        };
        let text = serde_json::to_string_pretty(&decision).map_err(|e| bad(&temp, &e))?;
        datasurface_runtime::write_new(&temp, text.as_bytes()).map_err(|e| bad(&temp, &e))?;
        let path = dir.join(format!("{number:010}.json"));
        // A link is made only where no file is: the record appears whole,
        // and a number another decider took is never written over.
        let linked = std::fs::hard_link(&temp, &path);
        let _ = std::fs::remove_file(&temp);
        match linked {
            Ok(()) => {
                // Now and then the summary takes in the decisions before
                // this one; one that is not written is folded next time.
                if number % FOLD == 0 {
                    let _ = fold(&dir, number);
                }
                return Ok(number);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => number += 1,
            Err(e) => return Err(bad(&path, &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_ten_digit_json_names_are_decisions() {
        assert_eq!(numbered("0000000012.json"), Some(12));
        assert_eq!(numbered("12.json"), None);
        assert_eq!(numbered(".decision.json.new-7"), None);
        assert_eq!(numbered("000000001x.json"), None);
    }
}
