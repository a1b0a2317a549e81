//! The runner's OpenLineage events (see [`datasurface_runtime::lineage`]):
//! where its places are, and a run's events, timed by the merge database's
//! clock.

use datasurface_runtime::lineage::{
    JobLineage, LineageSink, Namespaces, NoLineage, Outcome, Place, RunEvent, RunIds,
};

use super::{Merge, TIME};
use crate::spec::SourceSpec;

/// Where a job sends its OpenLineage events, and the name of the machine it
/// runs on (for the namespaces of files on it: `sqlite://<host>`,
/// `file://<host>`, and of a merge database reached by a socket).
#[derive(Clone, Copy)]
pub struct Lineage<'a> {
    /// Where events go.
    pub sink: &'a dyn LineageSink,
    /// This machine's name.
    pub host: &'a str,
}

impl Lineage<'static> {
    /// No events.
    pub fn off() -> Self {
        Lineage {
            sink: &NoLineage,
            host: "localhost",
        }
    }
}

impl std::fmt::Debug for Lineage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lineage")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// A job's places: the merge database (its host, port and database), and
/// its source.
struct Places<'a> {
    merge: (String, u16, String),
    source: Option<&'a SourceSpec>,
    host: &'a str,
}

impl<'a> Places<'a> {
    fn of(merge: &Merge, source: Option<&'a SourceSpec>, host: &'a str) -> Self {
        let m = &merge.endpoint;
        Places {
            merge: (m.host.clone(), m.port, m.database.clone()),
            source,
            host,
        }
    }
}

/// `postgres://host:port` and `database.schema.table` (`public` when the
/// table names no schema); a socket directory is this machine.
fn postgres(host: &str, port: u16, database: &str, table: &str, here: &str) -> (String, String) {
    let host = if host.starts_with('/') { here } else { host };
    let name = if table.contains('.') {
        format!("{database}.{table}")
    } else {
        format!("{database}.public.{table}")
    };
    (format!("postgres://{host}:{port}"), name)
}

impl Namespaces for Places<'_> {
    fn locate(&self, place: &Place, table: &str) -> (String, String) {
        let here = self.host;
        let (host, port, database) = &self.merge;
        match (place, self.source) {
            (Place::Merge, _) => postgres(host, *port, database, table, here),
            (
                Place::Source(_),
                Some(SourceSpec::Postgres {
                    host,
                    port,
                    database,
                    ..
                }),
            )
            | (
                Place::Primary(_),
                Some(SourceSpec::AirflowPrimary {
                    host,
                    port,
                    database,
                    ..
                }),
            ) => postgres(host, *port, database, table, here),
            (Place::Source(_), Some(SourceSpec::Sqlite { path, .. }))
            | (Place::Primary(_), Some(SourceSpec::SqlitePrimary { path, .. })) => {
                (format!("sqlite://{here}"), format!("{path}/{table}"))
            }
            (Place::Source(_), Some(SourceSpec::Csv { folder, .. })) => {
                (format!("file://{here}"), format!("{folder}/{table}"))
            }
            (other, _) => (
                format!("datasurface://{here}"),
                format!("{}/{table}", other.database()),
            ),
        }
    }
}

/// One run of a job, as its events tell it.
pub(crate) struct Run<'a> {
    lineage: Lineage<'a>,
    job: &'a JobLineage,
    places: Places<'a>,
    ids: RunIds,
}

impl<'a> Run<'a> {
    /// The run of batch `batch` of `job` (none when the spec has no
    /// lineage), identified by the batch's start as `batch_metrics` keeps it.
    pub(crate) fn of(
        lineage: Lineage<'a>,
        merge: &mut Merge,
        job: Option<&'a JobLineage>,
        source: Option<&'a SourceSpec>,
        (stream, batch): (&str, i32),
    ) -> Option<Run<'a>> {
        let job = job?;
        let metrics = merge.table(datasurface_runtime::state::BATCH_METRICS);
        let started: String = merge
            .client
            .query_one(
                &format!(
                    "SELECT to_char(batch_start, {TIME}) FROM {metrics} WHERE stream_key = $1 AND batch_id = $2"
                ),
                &[&stream, &batch],
            )
            .ok()?
            .get(0);
        Some(Run {
            lineage,
            job,
            places: Places::of(merge, source, lineage.host),
            ids: RunIds::batch(job, i64::from(batch), &started),
        })
    }

    /// A transformer's run, as the child of the input batch that made it
    /// due: of the streams that ingest what it reads (as its lineage names
    /// its inputs), the one whose last batch committed most recently, as
    /// Airflow triggers the transformer when an input's batch commits. A
    /// run whose inputs have no committed batch has no parent.
    pub(crate) fn triggered(mut self, merge: &mut Merge) -> Self {
        let read: Vec<&str> = self
            .job
            .inputs
            .iter()
            .map(|d| d.model_name.as_str())
            .collect();
        let Ok(specs) = super::totals::ingest_specs(merge) else {
            return self;
        };
        let streams: Vec<String> = specs
            .into_iter()
            .filter(|s| {
                s.datasets
                    .iter()
                    .any(|d| read.contains(&format!("{}.{}", s.datastore, d.dataset).as_str()))
            })
            .map(|s| s.stream)
            .collect();
        let metrics = merge.table(datasurface_runtime::state::BATCH_METRICS);
        let last = merge.client.query_opt(
            &format!(
                "SELECT stream_key, batch_id, to_char(batch_start, {TIME}) FROM {metrics} \
                 WHERE stream_key = ANY($1) AND status = '{}' \
                 ORDER BY batch_end DESC, stream_key LIMIT 1",
                datasurface_runtime::state::BatchStatus::Committed
            ),
            &[&streams],
        );
        if let Ok(Some(row)) = last {
            let (stream, batch, started): (String, i32, String) =
                (row.get(0), row.get(1), row.get(2));
            let name = format!("ingest.{stream}");
            let run = RunIds::batch_run(&self.job.namespace, &name, i64::from(batch), &started);
            self.ids = self.ids.with_parent(&self.job.namespace, &name, run);
        }
        self
    }

    /// The run begins (`START`), or a runner carries on a batch another
    /// left (`RUNNING`).
    pub(crate) fn begin(&self, merge: &mut Merge, resumed: bool) {
        let at = now(merge);
        let event = if resumed {
            RunEvent::running(self.job, &self.ids, &at, &self.places)
        } else {
            RunEvent::start(self.job, &self.ids, &at, &self.places)
        };
        self.lineage.sink.emit(&event);
    }

    /// The run ended: `COMPLETE` after its commit, or `FAIL`.
    pub(crate) fn end(&self, merge: &mut Merge, outcome: &Outcome) {
        let at = now(merge);
        self.lineage.sink.emit(&RunEvent::end(
            self.job,
            &self.ids,
            &at,
            &self.places,
            outcome,
        ));
    }
}

/// The merge database's time now, as events carry it.
fn now(merge: &mut Merge) -> String {
    merge
        .client
        .query_one(&format!("SELECT to_char(clock_timestamp(), {TIME})"), &[])
        .map(|r| r.get(0))
        .unwrap_or_default()
}

/// Tells lineage that transformer `workspace` was due and did not run: its
/// hook held it, for `why` (an `ABORT` event). Nothing is sent when the
/// applied spec has no lineage; nothing here fails the decision.
pub(crate) fn held(
    db: &super::MergeDatabase,
    workspace: &str,
    spec_hash: Option<&str>,
    why: &str,
    lineage: Lineage<'_>,
) -> Result<(), super::JobError> {
    let mut merge = Merge::open(db)?;
    let (spec, _): (crate::spec::TransformSpec, String) =
        merge.spec(crate::spec::TRANSFORM, workspace, spec_hash)?;
    let Some(job) = &spec.lineage else {
        return Ok(());
    };
    let at = now(&mut merge);
    let places = Places::of(&merge, None, lineage.host);
    let ids = RunIds {
        run: datasurface_runtime::lineage::run_id(&[&job.namespace, &job.name, "held", &at]),
        parent: None,
    };
    lineage
        .sink
        .emit(&RunEvent::abort(job, &ids, &at, &places, why));
    Ok(())
}
