//! Applying a plan: each database step in its own transaction, new exports
//! back-filled from the merge tables, then the new rendering saved as applied.

use std::path::Path;

use datasurface_platform::{Action, Plan, Rendering, SavedFile};

use super::{Engine, EngineError, batch, io, open_db, reconcile};
use crate::spec::{DatabaseSpec, IngestJob, Target};

/// What applying a plan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplySummary {
    /// Steps carried out.
    pub steps: usize,
    /// Export tables filled from the merge tables, as `container/table`.
    pub backfilled: Vec<String>,
}

pub(crate) fn load_rendering(dir: &Path) -> Result<Rendering, EngineError> {
    if !dir.exists() {
        return Ok(Rendering::default());
    }
    let mut files = Vec::new();
    read_tree(dir, dir, &mut files)?;
    Rendering::from_files(&files).map_err(|e| {
        EngineError::State(format!(
            "the applied rendering in {} cannot be read: {e}; apply the model again after moving it aside",
            dir.display()
        ))
    })
}

fn read_tree(root: &Path, dir: &Path, files: &mut Vec<SavedFile>) -> Result<(), EngineError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(format!("cannot read {}", dir.display())))?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_tree(root, &path, files)?;
        } else {
            let text = std::fs::read_to_string(&path)
                .map_err(io(format!("cannot read {}", path.display())))?;
            let rel: Vec<String> = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(SavedFile {
                path: rel.join("/"),
                text,
            });
        }
    }
    Ok(())
}

fn parse<T: serde::de::DeserializeOwned>(key: &str, content: &str) -> Result<T, EngineError> {
    serde_json::from_str(content).map_err(|e| {
        EngineError::State(format!(
            "artifact `{key}` is not what this engine reads: {e}"
        ))
    })
}

impl Engine {
    fn connection(&self, target: &Target) -> Result<rusqlite::Connection, EngineError> {
        match target {
            Target::Merge => self.open_merge(),
            Target::Container(c) => open_db(&self.container_path(c)),
        }
    }

    /// Carries out a plan from the applied rendering to `next`, then records
    /// `next` as applied. Every step converges, so applying again after a
    /// failure or a crash finishes the work.
    pub fn apply(&self, plan: &Plan, next: &Rendering) -> Result<ApplySummary, EngineError> {
        let previous = self.applied()?;
        let mut summary = ApplySummary::default();
        let mut new_exports = Vec::new();
        for step in &plan.steps {
            let key = step.key.as_str();
            if !(key.starts_with("merge/") || key.starts_with("containers/")) {
                continue;
            }
            match (step.action, &step.artifact) {
                (Action::Delete, _) => {
                    if let Some(old) = previous.artifacts.get(&step.key) {
                        let spec: DatabaseSpec = parse(key, &old.content)?;
                        reconcile::remove(&mut self.connection(&spec.target)?, &spec, key)?;
                    }
                }
                (_, Some(artifact)) => {
                    let spec: DatabaseSpec = parse(key, &artifact.content)?;
                    reconcile::reconcile(&mut self.connection(&spec.target)?, &spec, key)?;
                    if step.action == Action::Create
                        && key.contains("/exports/")
                        && let Target::Container(c) = &spec.target
                    {
                        new_exports.extend(spec.tables.iter().map(|t| (c.clone(), t.name.clone())));
                    }
                }
                (_, None) => {}
            }
            summary.steps += 1;
        }
        // New exports are filled from what was already ingested: no re-ingestion.
        for job in jobs::<IngestJob>(next, "jobs/ingest/")? {
            for d in &job.datasets {
                for (container, table) in &d.exports {
                    if new_exports.contains(&(container.clone(), table.clone()))
                        && batch::backfill(self, &job, d, container, table)?
                    {
                        summary.backfilled.push(format!("{container}/{table}"));
                    }
                }
            }
        }
        self.save(next)?;
        Ok(summary)
    }

    /// Records a rendering as applied: written beside, then swapped in.
    fn save(&self, rendering: &Rendering) -> Result<(), EngineError> {
        let dir = self.rendering_dir();
        let staging = self.state.join(".rendering.new");
        let old = self.state.join(".rendering.old");
        let _ = std::fs::remove_dir_all(&staging);
        for file in rendering.to_files() {
            let path = staging.join(&file.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(io(format!("cannot create {}", parent.display())))?;
            }
            std::fs::write(&path, file.text)
                .map_err(io(format!("cannot write {}", path.display())))?;
        }
        let _ = std::fs::remove_dir_all(&old);
        if dir.exists() {
            std::fs::rename(&dir, &old).map_err(io("cannot move the applied rendering aside"))?;
        }
        std::fs::rename(&staging, &dir).map_err(io("cannot record the applied rendering"))?;
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    }
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
