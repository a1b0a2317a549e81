//! Applying a rendering to the merge database: its SQL in dependency order
//! (only what changed since the last apply), then its job specs, recorded
//! with their hashes so jobs can tell which rendering they belong to.

use super::BatchFailure;
use std::collections::{BTreeMap, BTreeSet};

use datasurface_platform::{Rendering, content_hash, dependency_order};

use super::{JobError, Merge, MergeDatabase};
use crate::spec::{INGEST, IngestSpec, TRANSFORM, TransformSpec, spec_hash};

/// What an apply did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplySummary {
    /// SQL scripts run (new or changed).
    pub scripts_run: usize,
    /// SQL scripts already applied as they are.
    pub scripts_unchanged: usize,
    /// Job specs stored (new or changed).
    pub specs_stored: usize,
    /// Job specs removed because the rendering no longer has their job (their tables stay).
    pub specs_removed: usize,
}

impl std::fmt::Display for ApplySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} scripts run ({} unchanged), {} job specs stored, {} removed",
            self.scripts_run, self.scripts_unchanged, self.specs_stored, self.specs_removed
        )
    }
}

/// The kind and name of a job spec artifact, from its content.
fn job_of(key: &str, content: &str) -> Result<Option<(&'static str, String)>, BatchFailure> {
    if key.starts_with("jobs/ingest/") {
        let spec: IngestSpec = serde_json::from_str(content).map_err(|e| format!("{key}: {e}"))?;
        Ok(Some((INGEST, spec.stream)))
    } else if key.starts_with("jobs/transformer/") {
        let spec: TransformSpec =
            serde_json::from_str(content).map_err(|e| format!("{key}: {e}"))?;
        Ok(Some((TRANSFORM, spec.workspace)))
    } else {
        Ok(None)
    }
}

/// Applies `rendering` (an `airflow` platform's) to its merge database.
pub(crate) fn apply(
    db: &MergeDatabase,
    rendering: &Rendering,
    log: &mut dyn FnMut(&str),
) -> Result<ApplySummary, JobError> {
    let mut merge = Merge::open(db)?;
    merge.lock("apply", "the rendering")?;
    let setup = |what: &str, e: &postgres::Error| JobError::database(what, e);
    let applied_table = merge.table("applied_artifact");
    let specs_table = merge.table("job_spec");
    let applied: BTreeMap<String, String> = read_rows(
        &mut merge,
        &applied_table,
        &format!("SELECT artifact, hash FROM {applied_table}"),
        "reading what is applied",
    )?
    .iter()
    .map(|row| (row.get(0), row.get(1)))
    .collect();
    // The specs stored, by kind and name, with the hash of each: a job
    // artifact counts as applied only while its spec is stored as it is
    // (a spec removed, or lost, is stored again).
    let stored_specs: BTreeMap<(String, String), String> = read_rows(
        &mut merge,
        &specs_table,
        &format!("SELECT kind, name, hash FROM {specs_table}"),
        "reading the job specs",
    )?
    .iter()
    .map(|row| ((row.get(0), row.get(1)), row.get(2)))
    .collect();
    let mut summary = ApplySummary::default();
    let mut jobs: BTreeSet<(&'static str, String)> = BTreeSet::new();
    for key in dependency_order(rendering) {
        let artifact = &rendering.artifacts[key];
        let hash = content_hash(&artifact.content);
        let job = job_of(key.as_str(), &artifact.content)
            .map_err(|f| JobError::not_applied(f.to_string()))?;
        if let Some(job) = &job {
            jobs.insert(job.clone());
        }
        let spec_stored = job.as_ref().is_none_or(|(kind, name)| {
            stored_specs.get(&((*kind).to_owned(), name.clone()))
                == Some(&spec_hash(&artifact.content))
        });
        if spec_stored && applied.get(key.as_str()) == Some(&hash) {
            if key.as_str().starts_with("sql/") {
                summary.scripts_unchanged += 1;
            }
            continue;
        }
        let mut tx = merge
            .client
            .transaction()
            .map_err(|e| setup(key.as_str(), &e))?;
        if key.as_str().starts_with("sql/") {
            // Scripts hold their own transaction where they need one; each
            // converges, so one that fails can be run again.
            tx.batch_execute(&artifact.content)
                .map_err(|e| setup(&format!("applying {key}"), &e))?;
            summary.scripts_run += 1;
            log(&format!("applied {key}"));
        } else if let Some((kind, name)) = &job {
            tx.execute(
                &format!(
                    "INSERT INTO {specs_table} (kind, name, hash, spec, applied_at) VALUES ($1, $2, $3, $4::text::jsonb, now()) \
                     ON CONFLICT (kind, name) DO UPDATE SET hash = EXCLUDED.hash, spec = EXCLUDED.spec, applied_at = EXCLUDED.applied_at"
                ),
                &[kind, name, &spec_hash(&artifact.content), &artifact.content],
            )
            .map_err(|e| setup(&format!("storing {key}"), &e))?;
            summary.specs_stored += 1;
            log(&format!("stored {key}"));
        } else {
            // DAG files and documents are deployed to Airflow, not to the database.
            continue;
        }
        tx.execute(
            &format!(
                "INSERT INTO {applied_table} (artifact, hash, applied_at) VALUES ($1, $2, now()) \
                 ON CONFLICT (artifact) DO UPDATE SET hash = EXCLUDED.hash, applied_at = EXCLUDED.applied_at"
            ),
            &[&key.as_str(), &hash],
        )
        .map_err(|e| setup(&format!("recording {key}"), &e))?;
        tx.commit()
            .map_err(|e| setup(&format!("applying {key}"), &e))?;
    }
    retire(&mut merge, rendering, &applied, &jobs, &mut summary, log)?;
    Ok(summary)
}

/// The rows of `query` if `table` exists, or none before the first apply
/// made it.
fn read_rows(
    merge: &mut Merge,
    table: &str,
    query: &str,
    what: &str,
) -> Result<Vec<postgres::Row>, JobError> {
    let setup = |e: &postgres::Error| JobError::database(what, e);
    let exists: Option<String> = merge
        .client
        .query_one("SELECT to_regclass($1)::text", &[&table])
        .map_err(|e| setup(&e))?
        .get(0);
    if exists.is_none() {
        return Ok(Vec::new());
    }
    merge.client.query(query, &[]).map_err(|e| setup(&e))
}

/// Forgets the artifacts the rendering no longer has (one that comes back
/// is applied again: a script converges, a spec is stored), and removes the
/// specs of jobs it no longer has: they stop; their tables and data stay.
fn retire(
    merge: &mut Merge,
    rendering: &Rendering,
    applied: &BTreeMap<String, String>,
    jobs: &BTreeSet<(&'static str, String)>,
    summary: &mut ApplySummary,
    log: &mut dyn FnMut(&str),
) -> Result<(), JobError> {
    let setup = |what: &str, e: &postgres::Error| JobError::database(what, e);
    let applied_table = merge.table("applied_artifact");
    let specs_table = merge.table("job_spec");
    let have: BTreeSet<&str> = rendering
        .artifacts
        .keys()
        .map(datasurface_platform::ArtifactKey::as_str)
        .collect();
    let gone: Vec<&String> = applied
        .keys()
        .filter(|key| !have.contains(key.as_str()))
        .collect();
    for key in gone {
        merge
            .client
            .execute(
                &format!("DELETE FROM {applied_table} WHERE artifact = $1"),
                &[key],
            )
            .map_err(|e| setup("forgetting a removed artifact", &e))?;
    }
    // Jobs the rendering no longer has stop; their tables and data stay.
    let stored: Vec<(String, String)> = merge
        .client
        .query(&format!("SELECT kind, name FROM {specs_table}"), &[])
        .map_err(|e| setup("reading the job specs", &e))?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for (kind, name) in stored {
        if !jobs.iter().any(|(k, n)| *k == kind && *n == name) {
            merge
                .client
                .execute(
                    &format!("DELETE FROM {specs_table} WHERE kind = $1 AND name = $2"),
                    &[&kind, &name],
                )
                .map_err(|e| setup("removing a job spec", &e))?;
            summary.specs_removed += 1;
            log(&format!(
                "removed the {kind} job `{name}` (its tables stay)"
            ));
        }
    }
    Ok(())
}
