//! The `sqlite` engine's reader of PostgreSQL change data capture: a
//! stream the `sqlite` platform follows through logical decoding is read
//! with the `airflow` platform's reader (the same publication, slot,
//! snapshot and decoding), logging in with the capture's credential as
//! `datasurface job` does. The command line joins the two platforms;
//! neither platform crate knows the other.

use std::collections::BTreeMap;
use std::sync::Arc;

use datasurface_airflow::runner::capture::{self, From as Start};
use datasurface_airflow::spec as airflow;
use datasurface_core::{CaptureMetadata, CaptureMethod, Ecosystem};
use datasurface_runtime::SlotState;
use datasurface_runtime::{BatchFailure, batch_failure as failure};
use datasurface_sqlite::engine::{
    BatchesSince, CaptureBatch, CaptureFrom, CaptureRead, Change, ChangeOp, ChangeReader, SlotMends,
};
use datasurface_sqlite::spec::{IngestSpec, SourceSpec};

/// Each followed dataset's columns as PostgreSQL types them, by datastore
/// and dataset: what the reader checks the source's columns against.
#[derive(Debug, Default)]
struct PostgresChanges(BTreeMap<(String, String), Vec<airflow::ColumnSpec>>);

/// The reader of the change data capture streams of an ecosystem's
/// datastores; none when no datastore is captured so.
pub(crate) fn reader(eco: &Ecosystem) -> Option<Arc<dyn ChangeReader>> {
    let mut columns = BTreeMap::new();
    for (_, store, datastore) in eco.datastores() {
        let CaptureMetadata::Ingestion(i) = &datastore.capture else {
            continue;
        };
        if !matches!(i.method, CaptureMethod::Cdc(_)) {
            continue;
        }
        for (name, dataset) in &datastore.datasets {
            let schema = &dataset.schema;
            let typed = schema
                .columns
                .iter()
                .map(|(column, c)| airflow::ColumnSpec {
                    name: column.to_string(),
                    pg_type: datasurface_airflow::sql::pg_type(&c.data_type)
                        .map_or_else(|| "text".to_owned(), std::borrow::Cow::into_owned),
                    nullable: c.nullable && !schema.primary_key.contains(column),
                })
                .collect();
            columns.insert((store.to_string(), name.to_string()), typed);
        }
    }
    (!columns.is_empty()).then(|| Arc::new(PostgresChanges(columns)) as Arc<dyn ChangeReader>)
}

/// A reader that only reports slots (`status`, `/metrics`), from a state
/// directory without its model: it reads no batch.
pub(crate) fn slot_reader() -> Arc<dyn ChangeReader> {
    Arc::new(PostgresChanges::default())
}

impl PostgresChanges {
    /// The stream as the `airflow` reader takes it.
    fn spec(&self, job: &IngestSpec) -> Result<airflow::IngestSpec, BatchFailure> {
        let mut datasets = Vec::with_capacity(job.datasets.len());
        for d in &job.datasets {
            let typed = self
                .0
                .get(&(job.datastore.clone(), d.dataset.clone()))
                .ok_or_else(|| {
                    failure!(
                        "dataset `{}` of `{}` is not in the model loaded: apply the model again",
                        d.dataset,
                        job.datastore
                    )
                })?;
            let columns = d
                .columns
                .iter()
                .map(|c| {
                    typed.iter().find(|t| t.name == c.name).cloned().ok_or_else(|| {
                        failure!(
                            "column `{}` of `{}.{}` is not in the model loaded: apply the model again",
                            c.name,
                            job.datastore,
                            d.dataset
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            datasets.push(airflow::DatasetSpec {
                dataset: d.dataset.clone(),
                source_table: d.source_table.clone(),
                columns,
                primary_key: d.primary_key.clone(),
                staging_table: String::new(),
                merge_table: String::new(),
                allow_empty: d.allow_empty,
                // The reader only reads; the engine checks quality.
                quality: Vec::new(),
            });
        }
        stream_spec(job, datasets)
    }
}

/// The stream, with `datasets`, as the `airflow` reader takes it.
fn stream_spec(
    job: &IngestSpec,
    datasets: Vec<airflow::DatasetSpec>,
) -> Result<airflow::IngestSpec, BatchFailure> {
    let SourceSpec::PostgresCdc {
        container,
        host,
        port,
        database,
        credential,
        plaintext,
        slot,
        snapshot_first,
    } = &job.source
    else {
        return Err(failure!(
            "`{}` does not follow a PostgreSQL source's changes",
            job.stream
        ));
    };
    Ok(airflow::IngestSpec {
        stream: job.stream.clone(),
        datastore: job.datastore.clone(),
        source: airflow::SourceSpec::Postgres {
            container: container.clone(),
            host: host.clone(),
            port: *port,
            database: database.clone(),
            credential: credential.clone(),
            plaintext: *plaintext,
            watermark: None,
            cdc: Some(airflow::CdcSpec {
                slot: slot.clone(),
                publication: slot.clone(),
                snapshot_first: *snapshot_first,
                changes_table: String::new(),
                lag_limit_bytes: datasurface_airflow::config::DEFAULT_SLOT_LAG_LIMIT_MIB << 20,
                age_limit_seconds: datasurface_airflow::config::DEFAULT_SLOT_AGE_LIMIT_MINUTES * 60,
            }),
        },
        keep_history: job.keep_history,
        retention_days: job.retention_days,
        datasets,
        lineage: None,
    })
}

impl ChangeReader for PostgresChanges {
    fn set_up(&self, job: &IngestSpec) -> Result<bool, BatchFailure> {
        capture::set_up(&self.spec(job)?, &crate::job::login)
    }

    fn tear_down(&self, job: &IngestSpec) -> Result<Option<String>, BatchFailure> {
        capture::tear_down(&self.spec(job)?, &crate::job::login)
    }

    fn slot(
        &self,
        job: &IngestSpec,
        ran: bool,
        since: &mut BatchesSince<'_>,
        mends: &SlotMends,
    ) -> Option<SlotState> {
        let spec = stream_spec(job, Vec::new()).ok()?;
        let mends =
            capture::Mends::new(mends.run.clone(), mends.resync.clone(), mends.make.clone());
        capture::slot(&spec, ran, since, &mends, &crate::job::login)
    }

    fn remake(&self, job: &IngestSpec) -> Result<(), BatchFailure> {
        capture::remake(&self.spec(job)?, &crate::job::login)
    }

    fn read(
        &self,
        job: &IngestSpec,
        from: CaptureFrom<'_>,
        resync: &str,
    ) -> Result<CaptureBatch, BatchFailure> {
        let start = match from {
            CaptureFrom::First => Start::First,
            CaptureFrom::After(position) => Start::After(position),
            CaptureFrom::Resync => Start::Resync,
            other => {
                return Err(failure!(
                    "stream `{}`: this build cannot start a batch {other:?}",
                    job.stream
                ));
            }
        };
        let read = capture::read(&self.spec(job)?, start, resync, &crate::job::login)?;
        Ok(CaptureBatch {
            read: match read.read {
                capture::Read::Snapshot(rows) => CaptureRead::Snapshot(rows),
                capture::Read::Changes(changes) => CaptureRead::Changes(
                    changes
                        .into_iter()
                        .map(|c| Change {
                            dataset: c.dataset,
                            op: match c.op {
                                capture::ChangeOp::Insert => ChangeOp::Insert,
                                capture::ChangeOp::Update => ChangeOp::Update,
                                capture::ChangeOp::Delete => ChangeOp::Delete,
                                capture::ChangeOp::Truncate => ChangeOp::Truncate,
                            },
                            unchanged: c.unchanged,
                            values: c.values,
                        })
                        .collect(),
                ),
                other => {
                    return Err(failure!(
                        "stream `{}`: the reader gave what this build cannot merge: {other:?}",
                        job.stream
                    ));
                }
            },
            position: read.position,
            notes: read.notes,
            read_from: read.read_from,
            read_to: read.read_to,
        })
    }

    fn advance(&self, job: &IngestSpec, position: &serde_json::Value) -> Result<(), BatchFailure> {
        capture::advance(&self.spec(job)?, position, &crate::job::login)
    }
}
