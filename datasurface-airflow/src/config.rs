//! The platform's settings: its declaration's `parameters`, read with
//! [`read_parameters`] into [`AirflowParameters`] (one documented type,
//! whose JSON Schema `datasurface explain --platform airflow` prints), then
//! resolved into [`AirflowConfig`] with the defaults that depend on the
//! platform's name and version.

use std::collections::BTreeMap;
use std::fmt;

use datasurface_core::PlatformDeclaration;
use datasurface_platform::read_parameters;
use datasurface_platform::schemars::{self, JsonSchema};
use datasurface_rules::validate::Diagnostic;
use serde::{Deserialize, Serialize};

use crate::names::ident;

/// Where each task runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(crate = "datasurface_platform::schemars")]
#[serde(rename_all = "lowercase")]
pub enum Executor {
    /// A Kubernetes pod per task (`KubernetesPodOperator`).
    #[default]
    Kubernetes,
    /// A local process on the Airflow worker (`BashOperator`).
    Local,
}

/// Where the release workflow (`.github/workflows/release.yml`) publishes
/// the job runner's image: the project's GitHub repository on GitHub's
/// registry. One name everywhere: the default `image`, the docs and the
/// workflow (a test reads the workflow and checks it).
pub const IMAGE_REPOSITORY: &str = "ghcr.io/datasurface/datasurface-rs";

/// The job runner's image for datasurface `version` (`0.1.0`): tagged as
/// the release's `v*` tag, as the release workflow pushes it.
pub fn default_image(version: &str) -> String {
    format!("{IMAGE_REPOSITORY}:v{version}")
}

/// The platform's settings. Every parameter is optional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AirflowConfig {
    /// `executor`: `kubernetes` (default) or `local`.
    pub executor: Executor,
    /// `namespace`: the Kubernetes namespace of the job pods (default `datasurface`).
    pub namespace: String,
    /// `image`: the job runner's container image (default
    /// [`default_image`]: the image the release workflow publishes for this
    /// version).
    pub image: String,
    /// `schema`: the PostgreSQL schema of the merge tables (default: the platform's name, as an identifier).
    pub schema: String,
    /// `mergeHost`, `mergePort`, `mergeDatabase`: the PostgreSQL merge database
    /// (default `localhost`, 5432, `datasurface`).
    pub merge_host: String,
    /// See `merge_host`.
    pub merge_port: u16,
    /// See `merge_host`.
    pub merge_database: String,
    /// `mergeCredential`: the name of the credential for the merge database (default `merge_rw`).
    pub merge_credential: String,
    /// `maxChunkSize`: the most DAGs one factory file `dags/chunk_<n>.py`
    /// builds (default [`DEFAULT_MAX_CHUNK_SIZE`]; `docs/airflow.md` says how
    /// to size it).
    pub max_chunk_size: usize,
    /// `retries`: how often Airflow retries a failed task (default 2).
    pub retries: u32,
    /// `sources`: source containers read from files on the worker, by name:
    /// a SQLite database file for a SQL capture, a folder of CSV files for a
    /// file drop (default: none). Only files named here are read: which files
    /// on the workers jobs may read is the ecosystem owner's choice.
    pub sources: BTreeMap<String, String>,
    /// `plaintextSources`: source hosts the ecosystem's owners let the
    /// runner reach without TLS (docs/security.md, with the risk).
    pub plaintext_sources: Vec<String>,
    /// `primaries`: the merge databases of the primary ingestion platforms
    /// this one mirrors, by platform name, as files on the worker: a
    /// `sqlite` platform's `<state directory>/merge.sqlite`. A mirrored
    /// stream reads the primary's live rows there, never the source.
    pub primaries: BTreeMap<String, String>,
    /// `slotLagLimitMib`, `slotAgeLimitMinutes`: a change data capture
    /// stream whose replication slot holds more of its source's log than
    /// this many bytes (default 1 GiB), or changes older than this many
    /// seconds (default a day), needs an operator (`job status` says so).
    pub slot_lag_limit_bytes: u64,
    /// See `slot_lag_limit_bytes`.
    pub slot_age_limit_seconds: u64,
}

/// The most DAGs one chunk's factory file builds, unless `maxChunkSize`
/// says otherwise. Airflow 3.1 parses and serializes such a file in about
/// 2 s on one core, far inside its 30 s `dagbag_import_timeout`, and a
/// 2-process DAG processor goes through the generated 101,000-dataset
/// model's 10,607 DAGs in 23 such files in about 22 s (`docs/airflow.md`
/// says how to size it; `docs/performance.md` has the figures).
pub const DEFAULT_MAX_CHUNK_SIZE: usize = 500;

/// How much of its source's log, in MiB, a change data capture slot may
/// hold unless `slotLagLimitMib` says otherwise.
pub const DEFAULT_SLOT_LAG_LIMIT_MIB: u64 = 1024;

/// How old, in minutes, the changes a slot holds may be unless
/// `slotAgeLimitMinutes` says otherwise: a day.
pub const DEFAULT_SLOT_AGE_LIMIT_MINUTES: u64 = 24 * 60;

/// A value a parameter refused, and what it should have been.
#[derive(Debug, thiserror::Error)]
#[error("`{value}` is not {expected}")]
pub struct BadValue {
    value: String,
    expected: &'static str,
}

/// A text parameter with a check: each is its own type, so the check runs
/// where serde reads it and the refusal becomes the finding's message.
macro_rules! checked_text {
    ($(#[$doc:meta])* $name:ident, $expected:literal, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
        #[schemars(crate = "datasurface_platform::schemars")]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = BadValue;
            fn try_from(value: String) -> Result<Self, BadValue> {
                let check: fn(&str) -> bool = $check;
                if check(&value) {
                    Ok($name(value))
                } else {
                    Err(BadValue { value, expected: $expected })
                }
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_text!(
    /// A Kubernetes namespace.
    Namespace,
    "a Kubernetes namespace (lower-case letters, digits and `-`, at most 63)",
    is_dns_label
);
checked_text!(
    /// A word: not empty, no white space.
    Word,
    "a non-empty string without spaces",
    |v| !v.is_empty() && !v.contains(char::is_whitespace)
);
checked_text!(
    /// A lower-case PostgreSQL identifier, as the platform writes one.
    Schema,
    "a lower-case PostgreSQL identifier",
    |v| ident(&[v]) == v
);
checked_text!(
    /// Any text but the empty one.
    NonEmpty,
    "a non-empty string",
    |v| !v.is_empty()
);
checked_text!(
    /// A credential's name: letters, digits, `_`, `-` and `.`.
    Credential,
    "a credential name (letters, digits, `_`, `-` and `.`)",
    |v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
);

/// A whole number parameter from `MIN` to `MAX`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Bounded<const MIN: u64, const MAX: u64>(u64);

/// A whole number parameter out of its range.
#[derive(Debug, thiserror::Error)]
#[error("{value} is not a whole number from {min} to {max}")]
pub struct OutOfRange {
    value: u64,
    min: u64,
    max: u64,
}

impl<const MIN: u64, const MAX: u64> TryFrom<u64> for Bounded<MIN, MAX> {
    type Error = OutOfRange;
    fn try_from(value: u64) -> Result<Self, OutOfRange> {
        if (MIN..=MAX).contains(&value) {
            Ok(Bounded(value))
        } else {
            Err(OutOfRange {
                value,
                min: MIN,
                max: MAX,
            })
        }
    }
}

impl<const MIN: u64, const MAX: u64> From<Bounded<MIN, MAX>> for u64 {
    fn from(value: Bounded<MIN, MAX>) -> u64 {
        value.0
    }
}

impl<const MIN: u64, const MAX: u64> JsonSchema for Bounded<MIN, MAX> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Bounded_{MIN}_{MAX}").into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "integer", "minimum": MIN, "maximum": MAX })
    }
}

/// The `airflow` platform's parameters, as a declaration writes them. Every
/// one is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(crate = "datasurface_platform::schemars")]
#[serde(rename_all = "camelCase", default)]
pub struct AirflowParameters {
    /// Where each task runs: `kubernetes`, a pod per task, or `local`, a
    /// process on the Airflow worker.
    pub executor: Executor,
    /// The Kubernetes namespace of the job pods.
    pub namespace: Namespace,
    /// The job runner's container image. By default, the image the release
    /// workflow publishes for this version.
    pub image: Option<Word>,
    /// The PostgreSQL schema of the merge tables. By default, the
    /// platform's name as an identifier.
    pub schema: Option<Schema>,
    /// The host of the PostgreSQL merge database.
    pub merge_host: Word,
    /// The port of the merge database.
    pub merge_port: Bounded<1, 65535>,
    /// The merge database's name.
    pub merge_database: NonEmpty,
    /// The name of the platform's own credential for the merge database:
    /// it reads and writes every stream's tables, so no team may name it.
    pub merge_credential: Credential,
    /// The most DAGs one factory file `dags/chunk_<n>.py` builds
    /// (docs/airflow.md says how to size it).
    pub max_chunk_size: Bounded<1, 100_000>,
    /// How often Airflow retries a failed task.
    pub retries: Bounded<0, 100>,
    /// Source containers read from files on the worker, by container name:
    /// a SQLite database file for a SQL capture, a folder of CSV files for a
    /// file drop. Only files named here are read.
    #[schemars(extend("x-resource" = "file"))]
    pub sources: BTreeMap<String, NonEmpty>,
    /// Source hosts the ecosystem's owners let the runner reach without TLS
    /// (docs/security.md, with the risk).
    pub plaintext_sources: Vec<Word>,
    /// The merge databases of the primary ingestion platforms this one
    /// mirrors, by platform name, as files on the worker (a `sqlite`
    /// platform's `<state directory>/merge.sqlite`).
    #[schemars(extend("x-resource" = "file"))]
    pub primaries: BTreeMap<String, NonEmpty>,
    /// How much of its source's log, in MiB, a change data capture
    /// stream's replication slot may hold before the stream needs an
    /// operator (`datasurface job status` and `/metrics` say so).
    pub slot_lag_limit_mib: Bounded<1, 16_777_216>,
    /// How old, in minutes, the oldest change a change data capture
    /// stream's replication slot holds may be before the stream needs an
    /// operator.
    pub slot_age_limit_minutes: Bounded<1, 5_256_000>,
}

impl Default for AirflowParameters {
    fn default() -> Self {
        let text = |s: &str| s.to_owned();
        AirflowParameters {
            executor: Executor::Kubernetes,
            namespace: Namespace(text("datasurface")),
            image: None,
            schema: None,
            merge_host: Word(text("localhost")),
            merge_port: Bounded(5432),
            merge_database: NonEmpty(text("datasurface")),
            merge_credential: Credential(text("merge_rw")),
            max_chunk_size: Bounded(DEFAULT_MAX_CHUNK_SIZE as u64),
            retries: Bounded(2),
            sources: BTreeMap::new(),
            plaintext_sources: Vec::new(),
            primaries: BTreeMap::new(),
            slot_lag_limit_mib: Bounded(DEFAULT_SLOT_LAG_LIMIT_MIB),
            slot_age_limit_minutes: Bounded(DEFAULT_SLOT_AGE_LIMIT_MINUTES),
        }
    }
}

impl AirflowConfig {
    /// The settings of a declaration, and every problem with its parameters as
    /// `invalid-platform-parameter` errors. Bad values fall back to defaults.
    pub fn read(
        platform: &str,
        declaration: &PlatformDeclaration,
        version: &semver::Version,
    ) -> (Self, Vec<Diagnostic>) {
        let read = read_parameters::<AirflowParameters>(platform, declaration);
        let p = read.value;
        let config = AirflowConfig {
            executor: p.executor,
            namespace: p.namespace.into(),
            image: p
                .image
                .map_or_else(|| default_image(&version.to_string()), String::from),
            schema: p.schema.map_or_else(|| ident(&[platform]), String::from),
            merge_host: p.merge_host.into(),
            merge_port: u16::try_from(u64::from(p.merge_port)).unwrap_or(5432),
            merge_database: p.merge_database.into(),
            merge_credential: p.merge_credential.into(),
            max_chunk_size: usize::try_from(u64::from(p.max_chunk_size))
                .unwrap_or(DEFAULT_MAX_CHUNK_SIZE),
            retries: u32::try_from(u64::from(p.retries)).unwrap_or(2),
            sources: p.sources.into_iter().map(|(k, v)| (k, v.into())).collect(),
            plaintext_sources: p.plaintext_sources.into_iter().map(String::from).collect(),
            primaries: p
                .primaries
                .into_iter()
                .map(|(k, v)| (k, v.into()))
                .collect(),
            slot_lag_limit_bytes: u64::from(p.slot_lag_limit_mib) << 20,
            slot_age_limit_seconds: u64::from(p.slot_age_limit_minutes) * 60,
        };
        (config, read.findings)
    }
}

fn is_dns_label(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 63
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !v.starts_with('-')
        && !v.ends_with('-')
}

#[cfg(test)]
mod tests {
    use datasurface_platform::{DataPlatform, describe_parameters};

    use super::*;

    fn declaration(parameters: serde_json::Value) -> PlatformDeclaration {
        let mut declaration = serde_json::json!({ "kind": "airflow", "version": "^0.1" });
        declaration["parameters"] = parameters;
        serde_json::from_value(declaration).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every parameter `explain` describes is one the platform reads, and
    /// its default as described reads back without a finding.
    #[test]
    fn every_described_parameter_is_read_with_its_default() {
        let schema = crate::Airflow::new().parameters();
        let docs = describe_parameters(schema.as_ref().unwrap_or_else(|| panic!("a schema")));
        assert_eq!(docs.len(), 15);
        let version = semver::Version::new(0, 1, 0);
        for doc in docs {
            let value: serde_json::Value = match &doc.default {
                Some(default) => serde_json::from_str(default).unwrap_or_else(|e| panic!("{e}")),
                None => serde_json::json!("x"),
            };
            let (_, found) = AirflowConfig::read(
                "P",
                &declaration(serde_json::json!({ (doc.name.clone()): value })),
                &version,
            );
            assert!(found.is_empty(), "{}: {found:?}", doc.name);
            assert!(!doc.description.is_empty(), "{} is documented", doc.name);
        }
    }

    /// A bad value falls back to its default and is found at its path, with
    /// what it should have been; the others are read.
    #[test]
    fn bad_values_are_found_where_they_are() {
        let version = semver::Version::new(0, 1, 0);
        let (config, found) = AirflowConfig::read(
            "Central",
            &declaration(serde_json::json!({
                "namespace": "Not A Label", "mergePort": 0, "retries": 3,
                "executor": "ssh", "schema": "Bad-Schema", "retires": 1
            })),
            &version,
        );
        assert_eq!(config.namespace, "datasurface");
        assert_eq!(config.merge_port, 5432);
        assert_eq!(config.retries, 3);
        assert_eq!(config.executor, Executor::Kubernetes);
        assert_eq!(config.schema, "central");
        let at: Vec<String> = found.iter().map(|d| d.path.to_string()).collect();
        assert_eq!(
            at,
            [
                "/platforms/Central/parameters/namespace",
                "/platforms/Central/parameters/mergePort",
                "/platforms/Central/parameters/executor",
                "/platforms/Central/parameters/schema",
                "/platforms/Central/parameters/retires",
            ]
        );
        assert!(
            found[0].message.contains("is not a Kubernetes namespace"),
            "{}",
            found[0].message
        );
        assert!(
            found[1]
                .message
                .contains("0 is not a whole number from 1 to 65535"),
            "{}",
            found[1].message
        );
        assert!(
            found[4]
                .help
                .as_deref()
                .is_some_and(|h| h.contains("did you mean `retries`?")),
            "{:?}",
            found[4].help
        );
    }
}
