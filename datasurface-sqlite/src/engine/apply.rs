//! Applying a plan: each database step in its own transaction, new exports
//! back-filled from the merge tables, then the new rendering saved as applied.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use datasurface_platform::{Action, Plan, Rendering, Step};

use super::pool::Pooled;
use super::{Engine, EngineError, batch, reconcile};
use crate::spec::{DatabaseSpec, IngestSpec, SourceSpec, Target, TransformSpec};

/// What applying a plan did. Every step of the plan is either a database
/// step or a job definition recorded with the applied rendering:
/// `database_steps + recorded` is the plan's length.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApplySummary {
    /// Database steps carried out: tables and views made, changed or removed.
    pub database_steps: usize,
    /// Job definitions (`jobs/…`) created, changed or removed: files only,
    /// recorded with the applied rendering for `run` to read.
    pub recorded: usize,
    /// Transformers whose query changed: their output is rebuilt on the next run.
    pub rebuilt: Vec<String>,
    /// Export tables filled from the merge tables, as `container/table`:
    /// new ones, and ones made again.
    pub backfilled: Vec<String>,
    /// Database artifacts found drifted (a table or a container's database
    /// removed outside datasurface) and made again, by artifact key.
    pub repaired: Vec<String>,
    /// Change data capture streams whose replication slot was made on their
    /// source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slots_made: Vec<String>,
    /// Streams that left the model whose slot was dropped from their
    /// source, so it holds none of the source's log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slots_dropped: Vec<String>,
    /// What the operator is told: a publication the source's login could
    /// not drop, with what its tables' owner must run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

pub(crate) fn load_rendering(dir: &Path) -> Result<Rendering, EngineError> {
    if !dir.exists() {
        return Ok(Rendering::default());
    }
    datasurface_runtime::read_rendering(dir).map_err(|e| {
        EngineError::State(format!(
            "the applied rendering cannot be read: {e}; apply the model again after moving {} aside",
            dir.display()
        ))
    })
}

fn parse<T: serde::de::DeserializeOwned>(key: &str, content: &str) -> Result<T, EngineError> {
    serde_json::from_str(content).map_err(|e| {
        EngineError::State(format!(
            "artifact `{key}` is not what this engine reads: {e}"
        ))
    })
}

impl Engine {
    fn connection(&self, target: &Target) -> Result<Pooled, EngineError> {
        match target {
            Target::Merge => self.open_merge(),
            Target::Container(c) => self.open_container(c),
        }
    }

    /// Carries out a plan from the applied rendering to `next`, then records
    /// `next` as applied. Every step converges, so applying again after a
    /// failure or a crash finishes the work.
    pub fn apply(&self, plan: &Plan, next: &Rendering) -> Result<ApplySummary, EngineError> {
        let _session = self.session();
        let previous = self.applied()?;
        let mut summary = ApplySummary::default();
        let mut new_exports = Vec::new();
        for step in &plan.steps {
            let key = step.key.as_str();
            if !(key.starts_with("merge/") || key.starts_with("containers/")) {
                summary.recorded += 1;
                if let Some(workspace) = query_changed(&previous, step)? {
                    self.open_merge()?
                        .execute(&batch::SQL.forget_inputs(), [&workspace])
                        .map_err(super::sql(format!(
                            "cannot mark transformer `{workspace}` to run again"
                        )))?;
                    summary.rebuilt.push(workspace);
                }
                continue;
            }
            match (step.action, &step.artifact) {
                (Action::Delete, _) => {
                    if let Some(old) = previous.artifacts.get(&step.key) {
                        let spec: DatabaseSpec = parse(key, &old.content)?;
                        reconcile::remove(&mut *self.connection(&spec.target)?, &spec, key)?;
                    }
                }
                (_, Some(artifact)) => {
                    let spec: DatabaseSpec = parse(key, &artifact.content)?;
                    let made =
                        reconcile::reconcile(&mut *self.connection(&spec.target)?, &spec, key)?;
                    if let Target::Container(c) = &spec.target {
                        new_exports.extend(made.into_iter().map(|t| (c.clone(), t)));
                    }
                }
                (_, None) => {}
            }
            summary.database_steps += 1;
        }
        // Drift: what the applied rendering made and someone removed since (a
        // container's file deleted, a table dropped) is made again. Each
        // database is opened once.
        let planned: BTreeSet<&str> = plan.steps.iter().map(|s| s.key.as_str()).collect();
        let mut by_target: BTreeMap<Target, Vec<(&str, DatabaseSpec)>> = BTreeMap::new();
        for (key, artifact) in &next.artifacts {
            let key = key.as_str();
            if planned.contains(key)
                || !(key.starts_with("merge/") || key.starts_with("containers/"))
            {
                continue;
            }
            let spec: DatabaseSpec = parse(key, &artifact.content)?;
            by_target
                .entry(spec.target.clone())
                .or_default()
                .push((key, spec));
        }
        for (target, specs) in by_target {
            let mut conn = self.connection(&target)?;
            for (key, spec) in specs {
                if !reconcile::drifted(&conn, &spec)? {
                    continue;
                }
                let made = reconcile::reconcile(&mut conn, &spec, key)?;
                summary.repaired.push(key.to_owned());
                if let Target::Container(c) = &spec.target {
                    new_exports.extend(made.into_iter().map(|t| (c.clone(), t)));
                }
            }
        }
        // New exports are filled from what was already ingested: no re-ingestion.
        for job in jobs::<IngestSpec>(next, "jobs/ingest/")? {
            let containers: BTreeSet<&str> = job
                .datasets
                .iter()
                .flat_map(|d| d.exports.iter())
                .filter(|e| new_exports.contains(e))
                .map(|(c, _)| c.as_str())
                .collect();
            if containers.is_empty() {
                continue;
            }
            for (container, table) in batch::catch_up(self, &job, &containers)? {
                summary.backfilled.push(format!("{container}/{table}"));
            }
        }
        // A stream that left the model lets its source's log go before the
        // rendering that forgets it is saved: a failure leaves the step to
        // the next apply.
        self.tear_down_captures(&previous, next, &mut summary)?;
        self.save(next)?;
        self.set_up_captures(next, &mut summary)?;
        Ok(summary)
    }

    /// Drops the replication slots of the change data capture streams of
    /// `previous` that `next` no longer reads through the same slot.
    fn tear_down_captures(
        &self,
        previous: &Rendering,
        next: &Rendering,
        summary: &mut ApplySummary,
    ) -> Result<(), EngineError> {
        let Some(reader) = &self.change_reader else {
            return Ok(());
        };
        let kept: BTreeSet<String> = jobs::<IngestSpec>(next, "jobs/ingest/")?
            .iter()
            .filter_map(capture_slot)
            .collect();
        let mut failed = Vec::new();
        for job in jobs::<IngestSpec>(previous, "jobs/ingest/")? {
            let Some(slot) = capture_slot(&job) else {
                continue;
            };
            if kept.contains(&slot) {
                continue;
            }
            match reader.tear_down(&job) {
                Ok(left) => {
                    summary.slots_dropped.push(job.stream.clone());
                    summary.notes.extend(left);
                }
                Err(why) => failed.push(format!("stream `{}` (removed): {why}", job.stream)),
            }
        }
        not_set_up(
            &failed,
            "dropped; apply again once the source can be reached",
        )
    }

    /// Makes the publication and replication slot of every change data
    /// capture stream of `next` that lacks them. Making a slot waits for
    /// every transaction on the source's server to end.
    fn set_up_captures(
        &self,
        next: &Rendering,
        summary: &mut ApplySummary,
    ) -> Result<(), EngineError> {
        let captures: Vec<IngestSpec> = jobs::<IngestSpec>(next, "jobs/ingest/")?
            .into_iter()
            .filter(|j| capture_slot(j).is_some())
            .collect();
        if captures.is_empty() {
            return Ok(());
        }
        let Some(reader) = &self.change_reader else {
            return Err(EngineError::State(format!(
                "applied, but {} change data capture streams cannot be set up: this engine was given no reader of PostgreSQL sources (the `datasurface` command line gives one)",
                captures.len()
            )));
        };
        let mut failed = Vec::new();
        for job in &captures {
            match reader.set_up(job) {
                Ok(true) => summary.slots_made.push(job.stream.clone()),
                Ok(false) => {}
                Err(why) => failed.push(format!("stream `{}`: {why}", job.stream)),
            }
        }
        not_set_up(&failed, "set up; apply again once it can be")
    }

    /// Records a rendering as applied: each changed file written beside,
    /// then swapped in.
    fn save(&self, rendering: &Rendering) -> Result<(), EngineError> {
        datasurface_runtime::write_rendering(rendering, &self.rendering_dir())
            .map(|_| ())
            .map_err(|e| EngineError::State(format!("cannot record the applied rendering: {e}")))
    }
}

/// The replication slot a stream reads its source's changes through, if
/// it does.
fn capture_slot(job: &IngestSpec) -> Option<String> {
    match &job.source {
        SourceSpec::PostgresCdc { slot, .. } => Some(slot.clone()),
        _ => None,
    }
}

/// An error naming each stream whose change data capture could not be
/// set up (or torn down), if any.
fn not_set_up(failed: &[String], what: &str) -> Result<(), EngineError> {
    if failed.is_empty() {
        return Ok(());
    }
    Err(EngineError::State(format!(
        "the change data capture of {} could not be {what}: {}",
        if failed.len() == 1 {
            "one stream"
        } else {
            "some streams"
        },
        failed.join("; ")
    )))
}

/// The workspace of a transformer whose queries a step changes: its output
/// must be rebuilt even if its inputs did not change.
fn query_changed(previous: &Rendering, step: &Step) -> Result<Option<String>, EngineError> {
    let key = step.key.as_str();
    if step.action != Action::Update || !key.starts_with("jobs/transformer/") {
        return Ok(None);
    }
    let (Some(old), Some(new)) = (previous.artifacts.get(&step.key), &step.artifact) else {
        return Ok(None);
    };
    let old: TransformSpec = parse(key, &old.content)?;
    let new: TransformSpec = parse(key, &new.content)?;
    Ok((old.queries != new.queries).then_some(new.workspace))
}

/// The jobs of a kind in a rendering, by key order.
pub(crate) fn jobs<T: serde::de::DeserializeOwned>(
    rendering: &Rendering,
    prefix: &str,
) -> Result<Vec<T>, EngineError> {
    rendering
        .artifacts
        .iter()
        .filter(|(k, _)| k.as_str().starts_with(prefix))
        .map(|(k, a)| parse(k.as_str(), &a.content))
        .collect()
}
