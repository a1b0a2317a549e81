//! Running a SQL transformer inside the merge database: each output
//! dataset's query over the workspace's input views, run in the
//! transformer's own session as its own role, replaces its output table, all
//! in one transaction, and the output stream's ingestion (its own DAG,
//! triggered by the transformer's asset) merges the result.

use super::{BatchFailure, failure};
use crate::sql::{COMMITTED, FAILED, STARTED};
use datasurface_runtime::state::{BATCH_METRICS, HOOK_DECISION};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use postgres::error::SqlState;

use super::lineage::{Lineage, Run};
use super::{Endpoint, JobError, Login, Merge, MergeDatabase, connect_with, errors};
use crate::names::quoted;
use crate::spec::{TRANSFORM, TransformOutput, TransformSpec};
use crate::statements::Statements;
use datasurface_runtime::lineage::Outcome;

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
pub(crate) fn transform(
    db: &MergeDatabase,
    workspace: &str,
    spec_hash: Option<&str>,
    log: &mut dyn FnMut(&str),
    lineage: Lineage<'_>,
) -> Result<TransformOutcome, JobError> {
    let started = Instant::now();
    let mut merge = Merge::open(db)?;
    let (spec, hash): (TransformSpec, String) = merge.spec(TRANSFORM, workspace, spec_hash)?;
    merge.lock("transform", workspace)?;
    let key = format!("transformer:{workspace}");
    let counter = merge.table("batch_counter");
    let metrics = merge.table(BATCH_METRICS);
    let setup = |e: &postgres::Error| JobError::database(format!("transformer `{workspace}`"), e);
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
                "INSERT INTO {metrics} (stream_key, batch_id, batch_start, status, spec_hash) VALUES ($1, $2, now(), '{STARTED}', $3)"
            ),
            &[&key, &run, &hash],
        )
        .map_err(|e| setup(&e))?;
    // The hook's decision that let this run go (its decision task ran just
    // before), linked to the run, as the metrics of both say.
    if spec.hook.is_some() {
        let decisions = merge.table(HOOK_DECISION);
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
    let events = Run::of(
        lineage,
        &mut merge,
        spec.lineage.as_ref(),
        None,
        (&key, run),
    )
    .map(|events| events.triggered(&mut merge));
    if let Some(events) = &events {
        events.begin(&mut merge, false);
    }
    let ended = run_transformer(&mut merge, &spec, (&key, run), log, started);
    if let Some(events) = &events {
        let outcome = match &ended {
            Ok(_) => Outcome::default(),
            Err(e) => Outcome::failed(match e {
                JobError::BatchFailed { message, .. } => message.clone(),
                other => other.to_string(),
            }),
        };
        events.end(&mut merge, &outcome);
    }
    ended
}

/// Fills the outputs of run `run` of transformer `key` and records how it ended.
fn run_transformer(
    merge: &mut Merge,
    spec: &TransformSpec,
    (key, run): (&str, i32),
    log: &mut dyn FnMut(&str),
    started: Instant,
) -> Result<TransformOutcome, JobError> {
    let workspace = spec.workspace.as_str();
    let metrics = merge.table(BATCH_METRICS);
    let setup = |e: &postgres::Error| JobError::database(format!("transformer `{workspace}`"), e);
    match fill(merge, spec) {
        Ok(rows) => {
            let total = i64::try_from(rows.iter().map(|(_, n)| n).sum::<u64>()).unwrap_or(i64::MAX);
            merge
                .client
                .execute(
                    &format!(
                        "UPDATE {metrics} SET status = '{COMMITTED}', batch_end = now(), rows_total = $3, \
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
        Err(failure) => {
            let message = failure.to_string();
            let _ = merge.client.execute(
                &format!(
                    "UPDATE {metrics} SET status = '{FAILED}', batch_end = now(), message = $3, \
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

/// Replaces every output table in one transaction of the merge database,
/// with rows the transformer's queries give in a session of its own.
///
/// The team's SQL never runs in a session of the merge credential's: the
/// transformer's role logs in itself, with a password made for this run
/// (set as a SCRAM verifier, so it never reaches the server in clear, and
/// taken away after the run), in a read-only transaction under the time
/// limits of the model, rolled back at the end. So a query cannot return to
/// the merge credential (there is no `SET ROLE` to undo), cannot leave a
/// write behind (a large object it makes is rolled back),
/// cannot signal other sessions (its role is its own), cannot take the
/// runners' locks (a table it has no right on), and cannot run for ever
/// (`statement_timeout` on the server, and a cancel from here at the same
/// deadline).
fn fill(merge: &mut Merge, spec: &TransformSpec) -> Result<Vec<(String, u64)>, BatchFailure> {
    for out in &spec.outputs {
        if out.query.trim().is_empty() {
            return Err(failure!(
                "output dataset `{}` has no SQL query: give it one under the transformer's `code.sql.queries`",
                out.dataset
            ));
        }
    }
    let mut session = Session::open(merge, spec)?;
    let filled = copy_outputs(merge, &mut session, spec);
    session.close(merge);
    filled
}

/// The transformer's own session, and the watch that cancels its query
/// at the run's deadline.
struct Session {
    client: postgres::Client,
    role: String,
    stop: Option<std::sync::mpsc::Sender<()>>,
    watch: Option<std::thread::JoinHandle<()>>,
}

impl Session {
    fn open(merge: &mut Merge, spec: &TransformSpec) -> Result<Session, BatchFailure> {
        let password = one_run_password()?;
        let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
        merge
            .client
            .batch_execute(&format!(
                "ALTER ROLE {} WITH LOGIN NOCREATEDB NOCREATEROLE \
                 CONNECTION LIMIT 1 PASSWORD {}",
                quoted(&spec.role),
                crate::escape::sql::literal(&verifier)
            ))
            .map_err(|e| {
                format!(
                    "cannot let the transformer's role `{}` log in: {} (apply the model again with `datasurface job apply`; the merge credential needs CREATEROLE)",
                    spec.role,
                    errors::text(&e)
                )
            })?;
        let limits = &spec.limits;
        let endpoint = Endpoint {
            login: Login {
                user: spec.role.clone(),
                password: Some(password),
            },
            ..merge.endpoint.clone()
        };
        let options = format!(
            "-c default_transaction_read_only=on -c statement_timeout={}s -c lock_timeout={}s \
             -c idle_in_transaction_session_timeout={}s",
            limits.timeout_seconds(),
            limits.lock_timeout_seconds(),
            limits.idle_timeout_seconds()
        );
        let client = match connect_with(
            &endpoint,
            "the merge database as the transformer",
            &options,
            super::Transport::Opportunistic,
        ) {
            Ok(client) => client,
            Err(e) => {
                let _ = merge.client.batch_execute(&format!(
                    "ALTER ROLE {} WITH NOLOGIN PASSWORD NULL",
                    quoted(&spec.role)
                ));
                return Err(e);
            }
        };
        // The whole run's deadline, enforced from here too: a cancel needs
        // no rights, and ends the query whatever the session's settings say.
        let token = client.cancel_token();
        let limit = Duration::from_secs(u64::from(limits.timeout_seconds()));
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let watch = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(limit) {
                let _ = token.cancel_query(postgres::NoTls);
            }
        });
        Ok(Session {
            client,
            role: spec.role.clone(),
            stop: Some(stop),
            watch: Some(watch),
        })
    }

    /// Ends the session and takes the role's login away again.
    fn close(mut self, merge: &mut Merge) {
        self.stop.take();
        if let Some(watch) = self.watch.take() {
            let _ = watch.join();
        }
        let _ = merge.client.batch_execute(&format!(
            "ALTER ROLE {} WITH NOLOGIN PASSWORD NULL",
            quoted(&self.role)
        ));
    }
}

/// A password for one run: 32 bytes from the system's random source, in hex.
fn one_run_password() -> Result<String, BatchFailure> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| format!("cannot make a password for the transformer's role: {e}"))?;
    Ok(datasurface_platform::to_hex(&bytes))
}

/// Why a query failed, for the batch's message.
fn query_failed(out: &TransformOutput, spec: &TransformSpec, e: &postgres::Error) -> BatchFailure {
    let mut message = format!(
        "output dataset `{}`: the query failed: {}",
        out.dataset,
        errors::text(e)
    );
    match e.code() {
        Some(&SqlState::INSUFFICIENT_PRIVILEGE) => message.push_str(
            "; a transformer's query may only read its input views (`<datastore>_<dataset>` in its workspace's schema)",
        ),
        Some(&SqlState::READ_ONLY_SQL_TRANSACTION) => message.push_str(
            "; a transformer's query only reads: the runner writes its result to the output table",
        ),
        Some(&SqlState::QUERY_CANCELED) => {
            let _ = write!(
                message,
                "; the transformer's queries may run {} s in all (`limits: {{timeoutSeconds: …}}` on the transformer)",
                spec.limits.timeout_seconds()
            );
        }
        Some(&SqlState::LOCK_NOT_AVAILABLE) => {
            let _ = write!(
                message,
                "; a query may wait {} s for a lock (`limits: {{lockTimeoutSeconds: …}}`)",
                spec.limits.lock_timeout_seconds()
            );
        }
        _ => {}
    }
    message.into()
}

/// Each output's rows, from the transformer's session into its table in
/// one transaction of the merge database: `COPY (query) TO STDOUT` there,
/// `COPY … FROM STDIN` here, streamed.
fn copy_outputs(
    merge: &mut Merge,
    session: &mut Session,
    spec: &TransformSpec,
) -> Result<Vec<(String, u64)>, BatchFailure> {
    let mut reading = session
        .client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(|e| errors::text(&e))?;
    let mut tx = merge.client.transaction().map_err(|e| errors::text(&e))?;
    for out in &spec.outputs {
        tx.batch_execute(&format!("TRUNCATE {}", out.table))
            .map_err(|e| format!("output dataset `{}`: {}", out.dataset, errors::text(&e)))?;
    }
    let limits = &spec.limits;
    let mut rows = Vec::new();
    for out in &spec.outputs {
        // Each query starts under the model's limits, whatever the last one set.
        reading
            .batch_execute(&format!(
                "SET LOCAL search_path TO {}, pg_catalog; SET LOCAL statement_timeout = '{}s'; \
                 SET LOCAL lock_timeout = '{}s'; SET LOCAL idle_in_transaction_session_timeout = '{}s'",
                quoted(&spec.schema),
                limits.timeout_seconds(),
                limits.lock_timeout_seconds(),
                limits.idle_timeout_seconds()
            ))
            .map_err(|e| errors::text(&e))?;
        let columns: Vec<&str> = out.columns.iter().map(|c| c.name.as_str()).collect();
        let mut reader = reading
            .copy_out(&Statements::postgres().copy_out(&columns, &out.query))
            .map_err(|e| query_failed(out, spec, &e))?;
        let quoted_columns: Vec<String> = columns.iter().map(|c| quoted(c)).collect();
        let mut writer = tx
            .copy_in(&format!(
                "COPY {} ({}) FROM STDIN",
                out.table,
                quoted_columns.join(", ")
            ))
            .map_err(|e| format!("output dataset `{}`: {}", out.dataset, errors::text(&e)))?;
        if let Err(e) = std::io::copy(&mut reader, &mut writer) {
            return Err(
                match e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<postgres::Error>())
                {
                    Some(pg) => query_failed(out, spec, pg),
                    None => failure!("output dataset `{}`: {e}", out.dataset),
                },
            );
        }
        drop(reader);
        let n = writer.finish().map_err(|e| {
            format!(
                "output dataset `{}`: its rows do not fit the output table: {}",
                out.dataset,
                errors::text(&e)
            )
        })?;
        rows.push((out.dataset.clone(), n));
    }
    // Rolled back, not committed: whatever its queries did in passing
    // (large objects, which PostgreSQL lets even a read-only transaction
    // make) goes with the transaction.
    reading.rollback().map_err(|e| errors::text(&e))?;
    tx.commit().map_err(|e| errors::text(&e))?;
    Ok(rows)
}
