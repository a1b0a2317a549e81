//! The platform's settings: its declaration's `parameters`, read with
//! [`read_parameters`] into [`SparkParameters`] (one documented type, whose
//! JSON Schema `datasurface explain --platform spark` prints), then checked.

use std::collections::BTreeMap;

use datasurface_core::PlatformDeclaration;
use datasurface_core::names::CredentialName;
use datasurface_platform::read_parameters;
use datasurface_platform::schemars::JsonSchema;
use datasurface_rules::validate::{Diagnostic, ModelPath, Severity};
use serde::{Deserialize, Serialize};

/// Where the warehouse is unless `warehouse` says otherwise.
pub const DEFAULT_WAREHOUSE: &str = "/var/lib/datasurface/warehouse";
/// The Spark master unless `master` says otherwise: every core of the worker.
pub const DEFAULT_MASTER: &str = "local[*]";
/// Where Debian's `libpostgresql-jdbc-java` puts PostgreSQL's JDBC driver.
pub const DEFAULT_JDBC_JAR: &str = "/usr/share/java/postgresql.jar";

/// The `spark` platform's parameters, as a declaration writes them. Every
/// one is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(crate = "datasurface_platform::schemars")]
#[serde(rename_all = "camelCase", default)]
pub struct SparkParameters {
    /// Where the tables and batch records are: an absolute local path
    /// (`/data/warehouse`) or a Hadoop file system URL (`hdfs://nn/warehouse`,
    /// `s3a://bucket/warehouse`, `abfss://…`). Default
    /// `/var/lib/datasurface/warehouse`.
    #[schemars(extend("x-resource" = "file"))]
    pub warehouse: String,
    /// The Spark master the applications are submitted to: `local[*]`
    /// (default), `local[4]`, `spark://host:7077`, `yarn`, `k8s://…`.
    pub master: String,
    /// The `spark-submit` command on the machines that submit jobs (default
    /// `spark-submit`, found on the `PATH`).
    #[schemars(extend("x-resource" = "file"))]
    pub spark_submit: String,
    /// JDBC driver jars the applications load to read database sources
    /// (default: Debian's PostgreSQL driver, `/usr/share/java/postgresql.jar`).
    #[schemars(extend("x-resource" = "file"))]
    pub jdbc_jars: Vec<String>,
    /// Spark settings every application is submitted with (`--conf`), by
    /// name: memory, executors, a metastore. The platform's own settings
    /// (the Parquet codec) come after them and cannot be changed.
    pub spark_conf: BTreeMap<String, String>,
    /// File drop containers read from folders the applications can reach,
    /// by container name: a local path or a Hadoop file system URL of a
    /// folder with one CSV file per dataset. Only folders named here are
    /// read: which files jobs may read is the ecosystem owner's choice.
    #[schemars(extend("x-resource" = "file"))]
    pub sources: BTreeMap<String, String>,
    /// Where the rendering is on the Airflow workers that run the DAGs'
    /// tasks: the folder holding `spark/driver.py` and `jobs/` (default
    /// `/opt/datasurface/rendering`). GitOps puts it there.
    #[schemars(extend("x-resource" = "file"))]
    pub rendering: String,
    /// How often Airflow retries a failed task, a minute apart (default 2).
    pub retries: u32,
    /// The most DAGs one factory file `dags/chunk_<n>.py` builds (default
    /// 500, as the `airflow` platform's).
    pub max_chunk_size: usize,
    /// What each DAG task runs (default `sparkSubmit`).
    pub task_command: TaskCommand,
    /// How the applications read the primary ingestion platforms this one
    /// mirrors, by platform name: for an `airflow` primary,
    /// `{credential: NAME}`, the credential that may read its merge tables
    /// (its operators grant it `SELECT` on the platform's schema). A
    /// `spark` primary needs no entry: its warehouse is read in place.
    pub primaries: BTreeMap<String, PrimaryAccess>,
}

/// How a mirror reads a primary ingestion platform's merge tables.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(crate = "datasurface_platform::schemars")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrimaryAccess {
    /// The credential it logs in with: the platform's own, which no team's
    /// element may name. Its user and password reach the applications as
    /// `DATASURFACE_CREDENTIAL_<NAME>_USER` and `_PASSWORD`.
    pub credential: String,
}

/// What a DAG's task runs to submit its job.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(crate = "datasurface_platform::schemars")]
#[serde(rename_all = "camelCase")]
pub enum TaskCommand {
    /// `spark-submit` of the driver over the deployed spec: the workers
    /// need Spark and the rendering only.
    #[default]
    SparkSubmit,
    /// `datasurface job spark --stream S | --transformer W --deployed-spec
    /// SPEC`, with the model the DAGs were rendered from in the workers'
    /// `DATASURFACE_MODEL`: the deployed spec is checked against the model
    /// before anything runs, and each run sends OpenLineage events where
    /// the OpenLineage clients' settings say (`OPENLINEAGE_URL`).
    Datasurface,
}

/// Where the rendering is on the workers unless `rendering` says otherwise.
pub const DEFAULT_RENDERING: &str = "/opt/datasurface/rendering";

impl Default for SparkParameters {
    fn default() -> Self {
        SparkParameters {
            warehouse: DEFAULT_WAREHOUSE.to_owned(),
            master: DEFAULT_MASTER.to_owned(),
            spark_submit: "spark-submit".to_owned(),
            jdbc_jars: vec![DEFAULT_JDBC_JAR.to_owned()],
            spark_conf: BTreeMap::new(),
            sources: BTreeMap::new(),
            rendering: DEFAULT_RENDERING.to_owned(),
            retries: 2,
            max_chunk_size: datasurface_airflow::DEFAULT_MAX_CHUNK_SIZE,
            task_command: TaskCommand::SparkSubmit,
            primaries: BTreeMap::new(),
        }
    }
}

/// The platform's settings, read and checked.
pub type SparkConfig = SparkParameters;

impl SparkParameters {
    /// Reads a declaration's parameters: each bad one falls back to its
    /// default, with an `invalid-platform-parameter` finding at its path.
    pub fn read(platform: &str, declaration: &PlatformDeclaration) -> (Self, Vec<Diagnostic>) {
        let read = read_parameters::<SparkParameters>(platform, declaration);
        let mut value = read.value;
        let mut findings = read.findings;
        let mut refuse = |name: &str, message: String| {
            findings.push(
                Diagnostic::new(
                    datasurface_platform::INVALID_PARAMETER,
                    Severity::Error,
                    ModelPath::root().keys(["platforms", platform, "parameters", name]),
                    message,
                )
                .with_help(format!("correct `{name}`, or leave it out for its default")),
            );
        };
        if !is_location(&value.warehouse) {
            refuse(
                "warehouse",
                format!(
                    "`{}` is not an absolute path or a file system URL (`hdfs://…`, `s3a://…`): the warehouse must be the same place for every application",
                    value.warehouse
                ),
            );
            DEFAULT_WAREHOUSE.clone_into(&mut value.warehouse);
        }
        for (container, folder) in &value.sources {
            if !is_location(folder) {
                refuse(
                    "sources",
                    format!(
                        "the folder of container `{container}`, `{folder}`, is not an absolute path or a file system URL"
                    ),
                );
            }
        }
        value.sources.retain(|_, folder| is_location(folder));
        for (primary, access) in &value.primaries {
            if CredentialName::new(access.credential.as_str()).is_err() {
                refuse(
                    "primaries",
                    format!(
                        "the credential of primary `{primary}`, `{}`, is not a credential name",
                        access.credential
                    ),
                );
            }
        }
        value
            .primaries
            .retain(|_, access| CredentialName::new(access.credential.as_str()).is_ok());
        if !value.rendering.starts_with('/') || !is_location(&value.rendering) {
            refuse(
                "rendering",
                format!(
                    "`{}` is not an absolute path on the workers",
                    value.rendering
                ),
            );
            DEFAULT_RENDERING.clone_into(&mut value.rendering);
        }
        if value.max_chunk_size == 0 {
            refuse("maxChunkSize", "a chunk holds at least one DAG".to_owned());
            value.max_chunk_size = datasurface_airflow::DEFAULT_MAX_CHUNK_SIZE;
        }
        if value.master.trim().is_empty() || value.spark_submit.trim().is_empty() {
            refuse(
                "master",
                "the Spark master and `sparkSubmit` cannot be empty".to_owned(),
            );
            DEFAULT_MASTER.clone_into(&mut value.master);
        }
        (value, findings)
    }
}

/// The options of `spark-submit` every application gets from the platform's
/// parameters (`--master`, `--jars`, each `--conf`), and a transformer's
/// `--driver-memory`: what the DAGs' tasks and the job runner both submit
/// with, each value its own word.
pub(crate) fn submit_options<'a>(
    master: &str,
    jars: &[String],
    conf: impl IntoIterator<Item = (&'a String, &'a String)>,
    memory_mib: Option<u32>,
) -> Vec<String> {
    let mut words = vec!["--master".to_owned(), master.to_owned()];
    let jars: Vec<&str> = jars
        .iter()
        .map(String::as_str)
        .filter(|j| !j.is_empty())
        .collect();
    if !jars.is_empty() {
        words.extend(["--jars".to_owned(), jars.join(",")]);
    }
    for (name, value) in conf {
        words.extend(["--conf".to_owned(), format!("{name}={value}")]);
    }
    if let Some(mib) = memory_mib {
        words.extend(["--driver-memory".to_owned(), format!("{mib}m")]);
    }
    words
}

/// The local path of a location: itself when absolute, the path of a
/// `file:` URL; `None` for another file system's URL.
pub(crate) fn local_path(location: &str) -> Option<&str> {
    if location.starts_with('/') {
        Some(location)
    } else {
        location
            .strip_prefix("file://")
            .filter(|p| p.starts_with('/'))
    }
}

/// An absolute path or a URL with a scheme (`s3a://…`), with no `..`
/// segment and no control character.
fn is_location(text: &str) -> bool {
    let absolute = text.starts_with('/')
        || text.split_once("://").is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.is_empty()
        });
    absolute && !text.split('/').any(|s| s == "..") && !text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declared(parameters: &serde_json::Value) -> PlatformDeclaration {
        serde_json::from_value(serde_json::json!({
            "kind": "spark", "version": "^0.1", "parameters": parameters
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_relative_warehouse_is_refused_at_its_path() {
        let (config, found) = SparkParameters::read(
            "Lake",
            &declared(&serde_json::json!({"warehouse": "wh/../x"})),
        );
        assert_eq!(config.warehouse, DEFAULT_WAREHOUSE);
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.to_string(),
            "/platforms/Lake/parameters/warehouse"
        );
        let (config, found) = SparkParameters::read(
            "Lake",
            &declared(&serde_json::json!({"warehouse": "s3a://bucket/wh", "master": "local[2]"})),
        );
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(
            (config.warehouse.as_str(), config.master.as_str()),
            ("s3a://bucket/wh", "local[2]")
        );
    }
}
