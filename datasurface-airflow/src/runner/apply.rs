//! Applying a rendering to the merge database: its SQL in dependency order
//! (only what changed since the last apply), then its job specs, recorded
//! with their hashes so jobs can tell which rendering they belong to.

use super::BatchFailure;
use std::collections::{BTreeMap, BTreeSet};

use datasurface_platform::{Rendering, content_hash, dependency_order};

use super::{JobError, Login, Merge, MergeDatabase};
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
    /// Replication slots made for change data capture streams.
    pub slots_made: usize,
    /// Replication slots dropped with the streams the rendering no longer has.
    pub slots_dropped: usize,
}

impl std::fmt::Display for ApplySummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} scripts run ({} unchanged), {} job specs stored, {} removed",
            self.scripts_run, self.scripts_unchanged, self.specs_stored, self.specs_removed
        )?;
        if self.slots_made + self.slots_dropped > 0 {
            write!(
                f,
                ", {} replication slots made, {} dropped",
                self.slots_made, self.slots_dropped
            )?;
        }
        Ok(())
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

/// Applies `rendering` (an `airflow` platform's) to its merge database,
/// then sets up the sources of its change data capture streams (and drops
/// the slots of those it no longer has); `login` finds a source's
/// credential.
pub(crate) fn apply(
    db: &MergeDatabase,
    rendering: &Rendering,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
    log: &mut dyn FnMut(&str),
) -> Result<ApplySummary, JobError> {
    let (mut summary, retired) = apply_to_merge(db, rendering, log)?;
    // A slot is made waiting for every transaction on its server to end,
    // so with the lock let go: the source may share the merge database's.
    let mut failed = Vec::new();
    for spec in ingest_specs(rendering) {
        match super::cdc::set_up(&spec, login) {
            Ok(super::cdc::SetUp::Made) => {
                summary.slots_made += 1;
                log(&format!(
                    "made the replication slot of stream `{}`",
                    spec.stream
                ));
            }
            Ok(super::cdc::SetUp::Kept) => {}
            Err(why) => failed.push(format!("stream `{}`: {why}", spec.stream)),
        }
    }
    for spec in retired {
        match super::cdc::tear_down(&spec, login) {
            Ok(left) => {
                summary.slots_dropped += 1;
                log(&format!(
                    "dropped the replication slot of stream `{}`, which no stream reads now",
                    spec.stream
                ));
                if let Some(left) = left {
                    log(&left);
                }
            }
            Err(why) => failed.push(format!("stream `{}` (removed): {why}", spec.stream)),
        }
    }
    if failed.is_empty() {
        Ok(summary)
    } else {
        Err(JobError::not_applied(format!(
            "applied ({summary}), but the change data capture of {} could not be set up: {}",
            if failed.len() == 1 {
                "one stream"
            } else {
                "some streams"
            },
            failed.join("; ")
        )))
    }
}

/// The rendering's scripts and specs on the merge database, under the
/// apply lock; the specs of change data capture streams it retired.
fn apply_to_merge(
    db: &MergeDatabase,
    rendering: &Rendering,
    log: &mut dyn FnMut(&str),
) -> Result<(ApplySummary, Vec<IngestSpec>), JobError> {
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
    // The change data capture streams as applied before, for their slots.
    let slots_before: Vec<IngestSpec> = read_rows(
        &mut merge,
        &specs_table,
        &format!("SELECT spec::text FROM {specs_table} WHERE kind = '{INGEST}'"),
        "reading the job specs",
    )?
    .iter()
    .filter_map(|row| serde_json::from_str::<IngestSpec>(row.get(0)).ok())
    .filter(|spec| super::cdc::of(spec).is_some())
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
    // A slot no stream reads any more: its stream left the model, or reads
    // its source another way, or under another name.
    let reading: BTreeSet<String> = ingest_specs(rendering)
        .iter()
        .filter_map(|spec| super::cdc::of(spec).map(|c| c.slot.clone()))
        .collect();
    let retired = slots_before
        .into_iter()
        .filter(|spec| super::cdc::of(spec).is_some_and(|c| !reading.contains(&c.slot)))
        .collect();
    Ok((summary, retired))
}

/// The ingest specs of a rendering.
fn ingest_specs(rendering: &Rendering) -> Vec<IngestSpec> {
    rendering
        .artifacts
        .iter()
        .filter(|(key, _)| key.as_str().starts_with("jobs/ingest/"))
        .filter_map(|(_, a)| serde_json::from_str(&a.content).ok())
        .collect()
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
