//! How the platform reads a store it mirrors: one another platform ingests
//! (`primaryIngestionPlatforms`), whose tables the mirror's applications
//! read in place of the source. One answer for the rendering (the stream's
//! source) and for `lint` (a mirror that could never run, refused before
//! anything renders).

use datasurface_core::Ecosystem;
use datasurface_platform::escape::jdbc;
use datasurface_rules::validate::ModelPath;

use crate::config::SparkParameters;

/// The `airflow` platform's kind.
const AIRFLOW: &str = "airflow";

/// How a primary's tables are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PrimaryRead {
    /// Another `spark` platform's: its warehouse, read in place.
    Spark {
        /// Its warehouse.
        warehouse: String,
    },
    /// An `airflow` platform's merge tables, over JDBC.
    Airflow {
        /// Its merge database's JDBC URL.
        url: String,
        /// Its schema.
        schema: String,
        /// The credential this platform reads them with.
        credential: String,
    },
}

/// Why a primary's tables cannot be read, and what mends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unreadable {
    /// Where in the model it is mended.
    pub(crate) at: ModelPath,
    /// What is wrong.
    pub(crate) message: String,
    /// The fix.
    pub(crate) help: String,
}

/// How platform `platform` (with parameters `config`) reads the tables of
/// store `datastore` that primary `primary` ingests.
pub(crate) fn read(
    (platform, config): (&str, &SparkParameters),
    ecosystem: &Ecosystem,
    (datastore, primary): (&str, &str),
) -> Result<PrimaryRead, Unreadable> {
    let declared = ecosystem.platforms.get_key_value(primary);
    let kind = declared.map_or("unknown", |(_, d)| d.kind.as_str());
    match declared {
        Some((name, declaration)) if kind == crate::KIND => {
            let (theirs, _) = SparkParameters::read(name.as_str(), declaration);
            Ok(PrimaryRead::Spark {
                warehouse: theirs.warehouse,
            })
        }
        Some((name, declaration)) if kind == AIRFLOW => {
            let Some(access) = config.primaries.get(primary) else {
                return Err(Unreadable {
                    at: ModelPath::root().keys(["platforms", platform, "parameters"]),
                    message: format!(
                        "platform `{platform}` mirrors `{datastore}` from platform `{primary}`, whose merge tables it has no credential to read"
                    ),
                    help: format!(
                        "add `primaries: {{\"{primary}\": {{credential: <a credential that may read its merge tables>}}}}` to platform `{platform}`'s parameters"
                    ),
                });
            };
            let (theirs, _) = datasurface_airflow::AirflowConfig::read(
                name.as_str(),
                declaration,
                &datasurface_platform::DataPlatform::version(&datasurface_airflow::Airflow::new()),
            );
            let Some(url) = jdbc::postgres(
                &theirs.merge_host,
                theirs.merge_port,
                &theirs.merge_database,
            ) else {
                return Err(Unreadable {
                    at: ModelPath::root().keys(["platforms", primary, "parameters"]),
                    message: format!(
                        "platform `{platform}` mirrors `{datastore}` from platform `{primary}`, whose merge database is at `{}`: JDBC reaches a host name or IP address only",
                        theirs.merge_host
                    ),
                    help: format!(
                        "set `mergeHost` of platform `{primary}` to the database's host name, or add `{platform}` to `primaryIngestionPlatforms` of `{datastore}` so it reads the source itself"
                    ),
                });
            };
            Ok(PrimaryRead::Airflow {
                url,
                schema: theirs.schema,
                credential: access.credential.clone(),
            })
        }
        _ => Err(Unreadable {
            at: ModelPath::root().keys(["primaryIngestionPlatforms", datastore]),
            message: format!(
                "platform `{platform}` would mirror `{datastore}` from platform `{primary}` (kind `{kind}`), and it reads the tables of a `spark` or `airflow` primary only"
            ),
            help: format!(
                "add `{platform}` to `primaryIngestionPlatforms` of `{datastore}` so it reads the source itself, or make a `spark` or `airflow` platform its primary"
            ),
        }),
    }
}
