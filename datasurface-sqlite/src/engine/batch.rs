//! One batch of one ingestion stream: checked, staged, merged by key and row
//! hash, exported and committed in one transaction, or failed as a whole.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::source::Rows;
use super::values::{conform, hash};
use super::{Engine, EngineError, open_db, sql};
use crate::dialect::{Dialect, Sqlite};
use crate::spec::{DatasetJob, IngestJob, LIVE, VERSION_COLUMNS};

/// A committed batch's counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) inserted: i64,
    pub(crate) updated: i64,
    pub(crate) deleted: i64,
    pub(crate) total: i64,
}

/// How a batch ended: committed with its counts, or failed with why.
pub(crate) type Ended = Result<Counts, String>;

/// The last committed batch of a stream, if any.
pub(crate) fn last_committed(conn: &Connection, stream: &str) -> Result<Option<i64>, EngineError> {
    conn.query_row(
        "SELECT MAX(batch) FROM ds_batches WHERE stream = ?1 AND status = 'committed'",
        [stream],
        |r| r.get(0),
    )
    .map_err(sql(format!("cannot read the batches of `{stream}`")))
}

/// Marks batches a crash interrupted as failed, then starts the next batch.
fn start(conn: &Connection, stream: &str, now: &str) -> Result<i64, EngineError> {
    let context = format!("cannot start a batch of `{stream}`");
    conn.execute(
        "UPDATE ds_batches SET status = 'failed', ended_at = ?2, message = 'interrupted before it committed; nothing of it is visible' \
         WHERE stream = ?1 AND status IN ('started', 'ingested')",
        params![stream, now],
    )
    .map_err(sql(context.clone()))?;
    let batch: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(batch), 0) + 1 FROM ds_batches WHERE stream = ?1",
            [stream],
            |r| r.get(0),
        )
        .map_err(sql(context.clone()))?;
    conn.execute(
        "INSERT INTO ds_batches (stream, batch, status, started_at) VALUES (?1, ?2, 'started', ?3)",
        params![stream, batch, now],
    )
    .map_err(sql(context))?;
    Ok(batch)
}

fn fail(
    conn: &Connection,
    stream: &str,
    batch: i64,
    message: &str,
    millis: i64,
    now: &str,
) -> Result<(), EngineError> {
    conn.execute(
        "UPDATE ds_batches SET status = 'failed', ended_at = ?3, millis = ?4, message = ?5 WHERE stream = ?1 AND batch = ?2",
        params![stream, batch, now, millis, message],
    )
    .map(|_| ())
    .map_err(sql(format!("cannot record the failure of batch {batch} of `{stream}`")))
}

/// A row made to fit its dataset, with its key and row hashes.
struct Staged {
    key_hash: String,
    all_hash: String,
    values: Vec<Value>,
}

/// Checks every row of a dataset; the first problem fails the batch.
fn check(d: &DatasetJob, rows: Rows) -> Result<Vec<Staged>, String> {
    let key_at: Vec<usize> = d
        .primary_key
        .iter()
        .filter_map(|k| d.columns.iter().position(|c| &c.name == k))
        .collect();
    let mut seen = BTreeSet::new();
    let mut staged = Vec::with_capacity(rows.len());
    for (n, row) in rows.into_iter().enumerate() {
        let values = row
            .into_iter()
            .zip(&d.columns)
            .map(|(v, c)| conform(v, c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("dataset `{}`, row {}: {e}", d.dataset, n + 1))?;
        let key_hash = hash(key_at.iter().map(|&i| &values[i]));
        if !seen.insert(key_hash.clone()) {
            let key: Vec<String> = key_at.iter().map(|&i| format!("{:?}", values[i])).collect();
            return Err(format!(
                "dataset `{}`, row {}: the primary key ({}) repeats an earlier row",
                d.dataset,
                n + 1,
                key.join(", ")
            ));
        }
        staged.push(Staged {
            all_hash: hash(values.iter()),
            key_hash,
            values,
        });
    }
    Ok(staged)
}

fn versioned_columns(d: &DatasetJob) -> Vec<String> {
    let q = Sqlite;
    let mut cols: Vec<String> = VERSION_COLUMNS.iter().map(|(c, _)| q.quote(c)).collect();
    cols.extend(d.columns.iter().map(|c| q.quote(&c.name)));
    cols
}

/// Merges a staged dataset into its merge table as batch `batch`.
fn merge(
    tx: &Connection,
    d: &DatasetJob,
    batch: i64,
    staged: &[Staged],
    keep_history: bool,
) -> Result<Counts, rusqlite::Error> {
    let q = Sqlite;
    let (staging, table) = (q.quote(&d.staging_table), q.quote(&d.merge_table));
    let data_cols: Vec<String> = d.columns.iter().map(|c| q.quote(&c.name)).collect();
    tx.execute(&format!("DELETE FROM {staging}"), [])?;
    {
        let marks: Vec<String> = (0..data_cols.len() + 2)
            .map(|i| format!("?{}", i + 1))
            .collect();
        let mut insert = tx.prepare(&format!(
            "INSERT INTO {staging} (\"ds_key_hash\", \"ds_all_hash\", {}) VALUES ({})",
            data_cols.join(", "),
            marks.join(", ")
        ))?;
        for row in staged {
            let mut values: Vec<&dyn rusqlite::ToSql> = vec![&row.key_hash, &row.all_hash];
            values.extend(row.values.iter().map(|v| v as &dyn rusqlite::ToSql));
            insert.execute(values.as_slice())?;
        }
    }
    tx.execute(
        "CREATE TEMP TABLE IF NOT EXISTS ds_changed (key TEXT PRIMARY KEY)",
        [],
    )?;
    tx.execute("DELETE FROM temp.ds_changed", [])?;
    let live = format!("m.\"ds_batch_out\" = {LIVE}");
    let updated = tx.execute(&format!(
        "INSERT INTO temp.ds_changed SELECT s.\"ds_key_hash\" FROM {staging} s JOIN {table} m \
         ON m.\"ds_key_hash\" = s.\"ds_key_hash\" AND {live} WHERE m.\"ds_all_hash\" <> s.\"ds_all_hash\""
    ), [])?;
    let inserted = tx.execute(&format!(
        "INSERT INTO temp.ds_changed SELECT s.\"ds_key_hash\" FROM {staging} s WHERE NOT EXISTS \
         (SELECT 1 FROM {table} m WHERE m.\"ds_key_hash\" = s.\"ds_key_hash\" AND {live})"
    ), [])?;
    let deleted = tx.execute(&format!(
        "INSERT INTO temp.ds_changed SELECT m.\"ds_key_hash\" FROM {table} m WHERE {live} AND NOT EXISTS \
         (SELECT 1 FROM {staging} s WHERE s.\"ds_key_hash\" = m.\"ds_key_hash\")"
    ), [])?;
    tx.execute(&format!(
        "UPDATE {table} SET \"ds_batch_out\" = ?1 WHERE \"ds_batch_out\" = {LIVE} AND \"ds_key_hash\" IN (SELECT key FROM temp.ds_changed)"
    ), [batch])?;
    let s_cols: Vec<String> = data_cols.iter().map(|c| format!("s.{c}")).collect();
    tx.execute(&format!(
        "INSERT INTO {table} ({}) SELECT ?1, {LIVE}, s.\"ds_key_hash\", s.\"ds_all_hash\", {} FROM {staging} s \
         WHERE s.\"ds_key_hash\" IN (SELECT key FROM temp.ds_changed)",
        versioned_columns(d).join(", "),
        s_cols.join(", ")
    ), [batch])?;
    if !keep_history {
        tx.execute(
            &format!("DELETE FROM {table} WHERE \"ds_batch_out\" <> {LIVE}"),
            [],
        )?;
    }
    tx.execute(&format!("DELETE FROM {staging}"), [])?;
    let to_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(Counts {
        inserted: to_i64(inserted),
        updated: to_i64(updated),
        deleted: to_i64(deleted),
        total: to_i64(staged.len()),
    })
}

/// Brings an export table up to date: only the keys this batch changed when
/// it was current to the previous commit, everything otherwise.
fn export(
    tx: &Connection,
    d: &DatasetJob,
    schema: &str,
    table: &str,
    batch: i64,
    previous: Option<i64>,
) -> Result<(), rusqlite::Error> {
    let q = Sqlite;
    let target = format!("{}.{}", q.quote(schema), q.quote(table));
    let cols = versioned_columns(d).join(", ");
    let merge_table = q.quote(&d.merge_table);
    tx.execute(&format!("CREATE TABLE IF NOT EXISTS {}.\"ds_export_state\" (\"export\" TEXT PRIMARY KEY, \"batch\" INTEGER NOT NULL)", q.quote(schema)), [])?;
    let at: Option<i64> = tx
        .query_row(
            &format!(
                "SELECT \"batch\" FROM {}.\"ds_export_state\" WHERE \"export\" = ?1",
                q.quote(schema)
            ),
            [table],
            |r| r.get(0),
        )
        .optional()?;
    if at.is_some() && at == previous {
        tx.execute(
            &format!(
                "DELETE FROM {target} WHERE \"ds_key_hash\" IN (SELECT key FROM temp.ds_changed)"
            ),
            [],
        )?;
        tx.execute(&format!("INSERT INTO {target} ({cols}) SELECT {cols} FROM {merge_table} WHERE \"ds_key_hash\" IN (SELECT key FROM temp.ds_changed)"), [])?;
    } else {
        tx.execute(&format!("DELETE FROM {target}"), [])?;
        tx.execute(
            &format!("INSERT INTO {target} ({cols}) SELECT {cols} FROM {merge_table}"),
            [],
        )?;
    }
    tx.execute(
        &format!(
            "INSERT OR REPLACE INTO {}.\"ds_export_state\" (\"export\", \"batch\") VALUES (?1, ?2)",
            q.quote(schema)
        ),
        params![table, batch],
    )?;
    Ok(())
}

/// Purges the versions that closed before `cutoff` from a dataset's merge
/// table and its exports: older than the longest retention any consumer asks
/// for. Live rows and younger versions stay.
fn retire(
    tx: &Connection,
    d: &DatasetJob,
    stream: &str,
    cutoff: &str,
    containers: &[&str],
) -> Result<(), rusqlite::Error> {
    let q = Sqlite;
    let closed_before = format!(
        "\"ds_batch_out\" <> {LIVE} AND \"ds_batch_out\" IN \
         (SELECT batch FROM main.ds_batches WHERE stream = ?1 AND status = 'committed' AND ended_at < ?2)"
    );
    tx.execute(
        &format!(
            "DELETE FROM {} WHERE {closed_before}",
            q.quote(&d.merge_table)
        ),
        params![stream, cutoff],
    )?;
    for (container, table) in &d.exports {
        let at = containers
            .iter()
            .position(|c| c == container)
            .unwrap_or_default();
        tx.execute(
            &format!("DELETE FROM c{at}.{} WHERE {closed_before}", q.quote(table)),
            params![stream, cutoff],
        )?;
    }
    Ok(())
}

/// Fills a new export table from its merge table, as of the stream's last
/// commit; false if the stream has committed nothing yet.
pub(crate) fn backfill(
    engine: &Engine,
    job: &IngestJob,
    d: &DatasetJob,
    container: &str,
    table: &str,
) -> Result<bool, EngineError> {
    let mut conn = engine.open_merge()?;
    let context = format!("cannot fill export `{table}` in container `{container}`");
    let Some(batch) = last_committed(&conn, &job.stream)? else {
        return Ok(false);
    };
    let path = engine.container_path(container);
    conn.execute("ATTACH DATABASE ?1 AS c0", [path.to_string_lossy()])
        .map_err(sql(context.clone()))?;
    let result = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ds_changed (key TEXT PRIMARY KEY)",
            [],
        )?;
        export(&tx, d, "c0", table, batch, None)?;
        tx.commit()
    })();
    let _ = conn.execute("DETACH DATABASE c0", []);
    result.map(|()| true).map_err(sql(context))
}

/// Attaches the containers a batch exports to as `c0`, `c1`, … (made if missing).
fn attach(
    conn: &Connection,
    engine: &Engine,
    containers: &[&str],
    stream: &str,
) -> Result<(), EngineError> {
    for (i, c) in containers.iter().enumerate() {
        let path = engine.container_path(c);
        drop(open_db(&path)?);
        conn.execute(
            &format!("ATTACH DATABASE ?1 AS c{i}"),
            [path.to_string_lossy()],
        )
        .map_err(sql(format!("cannot open container `{c}` for `{stream}`")))?;
    }
    Ok(())
}

/// Runs one batch of a stream with the rows read for each dataset (or why
/// they could not be read). `marks` are transformer input marks committed
/// with the batch. Returns the batch and how it ended.
pub(crate) fn ingest(
    engine: &Engine,
    job: &IngestJob,
    rows: Result<BTreeMap<String, Rows>, String>,
    marks: &[(String, String, i64)],
) -> Result<(i64, Ended), EngineError> {
    let clock = Instant::now();
    let millis = |clock: &Instant| i64::try_from(clock.elapsed().as_millis()).unwrap_or(i64::MAX);
    let mut conn = engine.open_merge()?;
    let stream = job.stream.as_str();
    let batch = start(&conn, stream, &engine.now())?;
    let checked: Result<Vec<(&DatasetJob, Vec<Staged>)>, String> = rows.and_then(|mut rows| {
        job.datasets
            .iter()
            .map(|d| {
                let r = rows
                    .remove(&d.dataset)
                    .ok_or_else(|| format!("no rows were read for dataset `{}`", d.dataset))?;
                Ok((d, check(d, r)?))
            })
            .collect()
    });
    let checked = match checked {
        Ok(c) => c,
        Err(message) => {
            fail(
                &conn,
                stream,
                batch,
                &message,
                millis(&clock),
                &engine.now(),
            )?;
            return Ok((batch, Err(message)));
        }
    };
    let previous = last_committed(&conn, stream)?;
    let containers: Vec<&str> = job
        .datasets
        .iter()
        .flat_map(|d| d.exports.iter().map(|(c, _)| c.as_str()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    attach(&conn, engine, &containers, stream)?;
    let result = (|| -> Result<Counts, rusqlite::Error> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE ds_batches SET status = 'ingested' WHERE stream = ?1 AND batch = ?2",
            params![stream, batch],
        )?;
        let mut counts = Counts::default();
        for (d, staged) in &checked {
            let c = merge(&tx, d, batch, staged, job.keep_history)?;
            counts.inserted += c.inserted;
            counts.updated += c.updated;
            counts.deleted += c.deleted;
            counts.total += c.total;
            for (container, table) in &d.exports {
                let at = containers
                    .iter()
                    .position(|c| c == container)
                    .unwrap_or_default();
                export(&tx, d, &format!("c{at}"), table, batch, previous)?;
            }
        }
        if let Some(days) = job.retention_days {
            let cutoff = engine.days_ago(days);
            for (d, _) in &checked {
                retire(&tx, d, stream, &cutoff, &containers)?;
            }
        }
        for (workspace, input, input_batch) in marks {
            tx.execute(
                "INSERT OR REPLACE INTO ds_transformer_inputs (workspace, stream, batch) VALUES (?1, ?2, ?3)",
                params![workspace, input, input_batch],
            )?;
        }
        tx.execute(
            "UPDATE ds_batches SET status = 'committed', ended_at = ?3, rows_inserted = ?4, rows_updated = ?5, \
             rows_deleted = ?6, rows_total = ?7, millis = ?8 WHERE stream = ?1 AND batch = ?2",
            params![stream, batch, engine.now(), counts.inserted, counts.updated, counts.deleted, counts.total, millis(&clock)],
        )?;
        tx.commit()?;
        Ok(counts)
    })();
    for i in 0..containers.len() {
        let _ = conn.execute(&format!("DETACH DATABASE c{i}"), []);
    }
    match result {
        Ok(counts) => Ok((batch, Ok(counts))),
        Err(e) => {
            let message = format!("the merge failed and was rolled back: {e}");
            fail(
                &conn,
                stream,
                batch,
                &message,
                millis(&clock),
                &engine.now(),
            )?;
            Ok((batch, Err(message)))
        }
    }
}
