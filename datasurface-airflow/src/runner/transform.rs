//! Running a SQL transformer inside the merge database: each output
//! dataset's query over the workspace's input views replaces its output
//! table, all in one transaction, and the output stream's ingestion (its own
//! DAG, triggered by the transformer's asset) merges the result.

use std::time::Instant;

use super::{JobError, Merge, MergeDatabase, errors};
use crate::names::quoted;
use crate::spec::{TRANSFORM, TransformSpec};
use crate::statements::fill_statement;

/// What a transformer run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformOutcome {
    /// The transformer's workspace.
    pub workspace: String,
    /// The run's number.
    pub run: i32,
    /// Rows written to each output dataset.
    pub rows: Vec<(String, u64)>,
}

impl std::fmt::Display for TransformOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rows: Vec<String> = self
            .rows
            .iter()
            .map(|(d, n)| format!("{d}: {n} rows"))
            .collect();
        write!(
            f,
            "transformer `{}`: run {} committed ({})",
            self.workspace,
            self.run,
            rows.join(", ")
        )
    }
}

/// Runs transformer `workspace`.
pub fn transform(
    db: &MergeDatabase,
    workspace: &str,
    spec_hash: Option<&str>,
    log: &mut dyn FnMut(&str),
) -> Result<TransformOutcome, JobError> {
    let started = Instant::now();
    let mut merge = Merge::open(db)?;
    let (spec, hash): (TransformSpec, String) = merge.spec(TRANSFORM, workspace, spec_hash)?;
    merge.lock("transform", workspace)?;
    let key = format!("transformer:{workspace}");
    let counter = merge.table("batch_counter");
    let metrics = merge.table("batch_metrics");
    let setup = |e: &postgres::Error| {
        JobError::Setup(format!("transformer `{workspace}`: {}", errors::text(e)))
    };
    let run: i32 = merge
        .client
        .query_one(
            &format!(
                "INSERT INTO {counter} AS c (stream_key, current_batch) VALUES ($1, 1) \
                 ON CONFLICT (stream_key) DO UPDATE SET current_batch = c.current_batch + 1 RETURNING current_batch"
            ),
            &[&key],
        )
        .map_err(|e| setup(&e))?
        .get(0);
    merge
        .client
        .execute(
            &format!(
                "INSERT INTO {metrics} (stream_key, batch_id, batch_start, status, spec_hash) VALUES ($1, $2, now(), 'started', $3)"
            ),
            &[&key, &run, &hash],
        )
        .map_err(|e| setup(&e))?;
    // The hook's decision that let this run go (its decision task ran just
    // before), linked to the run, as the metrics of both say.
    if spec.hook.is_some() {
        let decisions = merge.table("hook_decision");
        let linked = merge
            .client
            .execute(
                &format!(
                    "UPDATE {decisions} SET run = $2 WHERE workspace = $1 AND decision = \
                     (SELECT max(decision) FROM {decisions} WHERE workspace = $1) \
                     AND action = 'run' AND run IS NULL"
                ),
                &[&workspace, &run],
            )
            .map_err(|e| setup(&e))?;
        if linked == 1 {
            log(&format!(
                "transformer `{workspace}`: run {run} was let go by its hook's last decision"
            ));
        }
    }
    log(&format!("transformer `{workspace}`: run {run} started"));
    match fill(&mut merge, &spec) {
        Ok(rows) => {
            let total = i64::try_from(rows.iter().map(|(_, n)| n).sum::<u64>()).unwrap_or(i64::MAX);
            merge
                .client
                .execute(
                    &format!(
                        "UPDATE {metrics} SET status = 'committed', batch_end = now(), rows_total = $3, \
                         seconds = extract(epoch FROM now() - batch_start) WHERE stream_key = $1 AND batch_id = $2"
                    ),
                    &[&key, &run, &total],
                )
                .map_err(|e| setup(&e))?;
            let outcome = TransformOutcome {
                workspace: workspace.to_owned(),
                run,
                rows,
            };
            log(&format!(
                "{outcome} in {:.1} s",
                started.elapsed().as_secs_f64()
            ));
            Ok(outcome)
        }
        Err(message) => {
            let _ = merge.client.execute(
                &format!(
                    "UPDATE {metrics} SET status = 'failed', batch_end = now(), message = $3, \
                     seconds = extract(epoch FROM now() - batch_start) WHERE stream_key = $1 AND batch_id = $2"
                ),
                &[&key, &run, &message],
            );
            Err(JobError::BatchFailed {
                name: format!("transformer {workspace}"),
                batch: run,
                message,
            })
        }
    }
}

/// Replaces every output table in one transaction, the workspace's schema first on the search path.
fn fill(merge: &mut Merge, spec: &TransformSpec) -> Result<Vec<(String, u64)>, String> {
    let mut tx = merge.client.transaction().map_err(|e| errors::text(&e))?;
    tx.batch_execute(&format!(
        "SET LOCAL search_path TO {}, pg_catalog",
        quoted(&spec.schema)
    ))
    .map_err(|e| errors::text(&e))?;
    for out in &spec.outputs {
        if out.query.trim().is_empty() {
            return Err(format!(
                "output dataset `{}` has no SQL query: give it one under the transformer's `code.sql.queries`",
                out.dataset
            ));
        }
        tx.batch_execute(&format!("TRUNCATE {}", out.table))
            .map_err(|e| format!("output dataset `{}`: {}", out.dataset, errors::text(&e)))?;
    }
    // From here on the queries run with the transformer's own rights: its
    // input views to read, its output tables to insert into.
    tx.batch_execute(&format!("SET LOCAL ROLE {}", quoted(&spec.role)))
        .map_err(|e| format!("cannot take the transformer's role `{}`: {} (apply the model again with `datasurface job apply`)", spec.role, errors::text(&e)))?;
    let mut rows = Vec::new();
    for out in &spec.outputs {
        let columns: Vec<&str> = out.columns.iter().map(|c| c.name.as_str()).collect();
        let n = tx
            .execute(&fill_statement(&out.table, &columns, &out.query), &[])
            .map_err(|e| {
                let mut message = format!(
                    "output dataset `{}`: the query failed: {}",
                    out.dataset,
                    errors::text(&e)
                );
                if e.code() == Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) {
                    message.push_str(
                        "; a transformer's query may only read its input views (`<datastore>_<dataset>` in its workspace's schema)",
                    );
                }
                message
            })?;
        rows.push((out.dataset.clone(), n));
    }
    tx.commit().map_err(|e| errors::text(&e))?;
    Ok(rows)
}
