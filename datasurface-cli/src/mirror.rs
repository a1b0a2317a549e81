//! The `sqlite` engine's reader of `airflow` primaries: a stream the
//! `sqlite` platform mirrors from an `airflow` platform reads that
//! platform's merge tables, with the credential the mirror's `primaries`
//! parameter names. The command line joins the two platforms; neither
//! platform crate knows the other.

use std::collections::BTreeMap;
use std::sync::Arc;

use datasurface_airflow::AirflowConfig;
use datasurface_airflow::runner::{self, Endpoint, MirroredDataset};
use datasurface_platform::DataPlatform;
use datasurface_rules::validate::ValidEcosystem;
use datasurface_runtime::BatchFailure;
use datasurface_sqlite::engine::PrimaryReader;
use datasurface_sqlite::spec::IngestSpec;

/// Where an `airflow` primary's merge tables are, and who reads them.
#[derive(Debug)]
struct Primary {
    host: String,
    port: u16,
    database: String,
    schema: String,
    credential: String,
}

/// The `airflow` primaries a `sqlite` platform mirrors, by name.
#[derive(Debug)]
struct AirflowPrimaries(BTreeMap<String, Primary>);

/// The reader of the `airflow` primaries that `platform`'s `primaries`
/// parameter maps to a credential; none when it maps none.
pub(crate) fn airflow_primaries(
    valid: &ValidEcosystem,
    platform: &str,
) -> Option<Arc<dyn PrimaryReader>> {
    let primaries =
        datasurface_sqlite::SqliteParameters::of(valid.platforms.get(platform)?).primaries;
    let version = datasurface_airflow::Airflow::new().version();
    let found: BTreeMap<String, Primary> = primaries
        .into_iter()
        .filter_map(|(name, entry)| {
            let datasurface_sqlite::Primary::Credential(credential) = entry else {
                return None;
            };
            let (declared, declaration) = valid.platforms.get_key_value(name.as_str())?;
            if declaration.kind.as_str() != "airflow" {
                return None;
            }
            let (config, _) = AirflowConfig::read(declared.as_str(), declaration, &version);
            Some((
                name.clone(),
                Primary {
                    host: config.merge_host,
                    port: config.merge_port,
                    database: config.merge_database,
                    schema: config.schema,
                    credential,
                },
            ))
        })
        .collect();
    (!found.is_empty()).then(|| Arc::new(AirflowPrimaries(found)) as Arc<dyn PrimaryReader>)
}

impl PrimaryReader for AirflowPrimaries {
    fn live_rows(
        &self,
        platform: &str,
        job: &IngestSpec,
    ) -> Option<Result<Vec<Vec<Vec<Option<String>>>>, BatchFailure>> {
        let primary = self.0.get(platform)?;
        Some(read(primary, job))
    }
}

#[allow(clippy::type_complexity, reason = "datasets of rows of values")]
fn read(
    primary: &Primary,
    job: &IngestSpec,
) -> Result<Vec<Vec<Vec<Option<String>>>>, BatchFailure> {
    let variable = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let login =
        runner::credential(&primary.credential, &variable).map_err(BatchFailure::from_error)?;
    let endpoint = Endpoint {
        host: primary.host.clone(),
        port: primary.port,
        database: primary.database.clone(),
        login,
    };
    let columns: Vec<Vec<String>> = job
        .datasets
        .iter()
        .map(|d| d.columns.iter().map(|c| c.name.clone()).collect())
        .collect();
    let datasets: Vec<MirroredDataset<'_>> = job
        .datasets
        .iter()
        .zip(&columns)
        .map(|(d, columns)| MirroredDataset {
            dataset: &d.dataset,
            columns,
        })
        .collect();
    runner::live_rows(&endpoint, &primary.schema, &job.datastore, &datasets)
}
