//! The engine's OpenLineage events: where its places are, and each run's
//! identity (see [`datasurface_runtime::lineage`]).

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use datasurface_runtime::lineage::{JobLineage, Namespaces, Place, RunEvent, RunIds};
use datasurface_runtime::state::{BATCH_METRICS, BatchStatus};

use super::Engine;

/// The engine's places as OpenLineage names them: `sqlite://<host>`, and
/// the database file's path then the table; a CSV source's file is
/// `file://<host>` and its path.
pub(crate) struct Places<'e>(&'e Engine);

fn within(path: &Path, table: &str) -> String {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    format!("{}/{table}", path.display())
}

impl Namespaces for Places<'_> {
    fn locate(&self, place: &Place, table: &str) -> (String, String) {
        let engine = self.0;
        let host = &engine.lineage.host;
        let namespace = format!("sqlite://{host}");
        let name = match place {
            Place::Merge => within(&engine.merge_path(), table),
            Place::Container(c) => within(&engine.container_path(c), table),
            Place::Source(c) => match engine.sources.get(c) {
                // A CSV folder's file is a file, not a table of a database.
                Some(folder) if folder.is_dir() => {
                    return (
                        format!("file://{host}"),
                        within(folder, &format!("{table}.csv")),
                    );
                }
                Some(file) => within(file, table),
                None => format!("{c}/{table}"),
            },
            Place::Primary(p) => match engine.primaries.get(p) {
                Some(file) => within(file, table),
                None => format!("{p}/{table}"),
            },
        };
        (namespace, name)
    }
}

impl Engine {
    /// Where this engine's places are, for its events.
    pub(crate) fn places(&self) -> Places<'_> {
        Places(self)
    }

    /// Sends an event; lineage never fails a batch.
    pub(crate) fn emit(&self, event: &RunEvent) {
        self.lineage.sink.emit(event);
    }
}

/// The run of batch `batch` of `job`, begun at `started`, and the run of
/// the input batch that made it due (a transformer's first input with a
/// batch this engine recorded).
pub(crate) fn run_ids(
    conn: &Connection,
    job: &JobLineage,
    batch: i64,
    started: &str,
    marks: &[(String, String, i64)],
) -> RunIds {
    let ids = RunIds::batch(job, batch, started);
    for (_, stream, input_batch) in marks {
        let begun: Option<String> = conn
                .query_row(
                    &format!(
                        "SELECT batch_start FROM {BATCH_METRICS} WHERE stream_key = ?1 AND batch_id = ?2"
                    ),
                    params![stream, input_batch],
                    |r| r.get(0),
                )
                .optional()
                .ok()
                .flatten();
        if let Some(begun) = begun {
            let name = format!("ingest.{stream}");
            let run = RunIds::batch_run(&job.namespace, &name, *input_batch, &begun);
            return ids.with_parent(&job.namespace, &name, run);
        }
    }
    ids
}

/// The batches of `stream` still under way: a killed run left them. Their
/// numbers and start times.
pub(crate) fn unfinished(conn: &Connection, stream: &str) -> Vec<(i64, String)> {
    let Ok(mut statement) = conn.prepare(&format!(
        "SELECT batch_id, batch_start FROM {BATCH_METRICS} WHERE stream_key = ?1 AND status IN ({})",
        BatchStatus::unfinished_sql()
    )) else {
        return Vec::new();
    };
    statement
        .query_map([stream], |r| Ok((r.get(0)?, r.get(1)?)))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}
