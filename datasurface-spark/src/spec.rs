//! Job specs: what each ingestion stream does, rendered as JSON artifacts
//! (`jobs/ingest/<stream>.json`) that the platform's one driver program
//! (`spark/driver.py`) reads. A spec holds only values: names, paths and
//! types the driver passes to Spark's API as data. No model text is ever
//! run as code; the one piece of SQL a spec holds, a JDBC source's table,
//! is an identifier quoted in PostgreSQL's dialect.

use datasurface_runtime::hook::HookJob;
use datasurface_runtime::lineage::JobLineage;
use serde::{Deserialize, Serialize};

/// The version of the spec format; the driver refuses any other.
pub const SPEC_VERSION: u32 = 1;

/// One ingestion stream: a datastore, or one dataset of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct IngestSpec {
    /// The spec format's version, [`SPEC_VERSION`].
    pub version: u32,
    /// The platform.
    pub platform: String,
    /// The stream's key: the datastore, or `store#dataset`.
    pub stream: String,
    /// The datastore.
    pub datastore: String,
    /// The stream's directory in the warehouse (see [`crate::layout`]).
    pub root: String,
    /// Where rows come from.
    pub source: SourceSpec,
    /// Whether closed row versions are kept (a forensic consumer reads them).
    pub keep_history: bool,
    /// When history is kept: the longest retention forensic consumers ask
    /// for, in days. The versions a batch closed go (its `history`
    /// partition) once that batch committed longer ago; none keeps them for
    /// ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u64>,
    /// The datasets it ingests, by name.
    pub datasets: Vec<DatasetSpec>,
    /// The job's OpenLineage template: its owners, its source's tables
    /// (with the checks a batch makes), the warehouse tables it writes and
    /// the consumer views that read them (see [`crate::lineage`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<JobLineage>,
}

/// Where an ingestion stream's rows come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
#[non_exhaustive]
pub enum SourceSpec {
    /// Tables of a database read over JDBC, a whole snapshot each batch.
    Jdbc {
        /// The source container's name.
        container: String,
        /// The JDBC URL (see `datasurface_platform::escape::jdbc::url`).
        url: String,
        /// The JDBC driver class.
        driver: String,
        /// The environment variable holding the user name, when the
        /// capture names a credential.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_variable: Option<String>,
        /// The environment variable holding the password.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password_variable: Option<String>,
    },
    /// A folder of files, one per dataset: CSV with a header row, JSON
    /// lines, or Parquet.
    Files {
        /// The source container's name.
        container: String,
        /// The folder: a local path or a file system URL.
        folder: String,
        /// The files' format.
        format: datasurface_core::capture::FileFormat,
    },
    /// The output a transformer staged (see [`TransformSpec::staged`]): the
    /// file `ready.json` in this folder names each dataset's staged rows.
    Staged {
        /// The transformer's workspace.
        workspace: String,
        /// The folder.
        folder: String,
    },
    /// The live rows another `spark` platform committed: this platform
    /// mirrors a store that one ingests (`primaryIngestionPlatforms`), and
    /// never reads the source. Each batch reads the primary's last
    /// committed batch of every dataset (`<table>/live/ds_batch=<n>`, the
    /// dataset's `sourceTable` being the primary's table directory).
    Mirror {
        /// The primary platform.
        platform: String,
        /// Its directory of the stream (see [`crate::layout`]).
        root: String,
    },
    /// The live rows an `airflow` platform, the store's primary ingestion
    /// platform, has merged: its merge tables in PostgreSQL, read over JDBC
    /// with the credential the `primaries` parameter maps, never the
    /// source. Each dataset's `sourceTable` is a query of its merge table's
    /// live rows (see `datasurface_airflow::mirrored`). The driver reads the
    /// primary's last merged batch (`lastBatch`) before and after reading
    /// every dataset, and reads again when it moved: the datasets it merges
    /// are all as of one batch of the primary.
    AirflowPrimary {
        /// The primary platform.
        platform: String,
        /// Its merge database's JDBC URL.
        url: String,
        /// The JDBC driver class.
        driver: String,
        /// The environment variable holding the credential's user name.
        user_variable: String,
        /// The environment variable holding its password.
        password_variable: String,
        /// The query of the primary's last merged batch of the stream: one
        /// row, one column, null when it has merged none.
        last_batch: String,
    },
    /// A source the driver cannot read (yet): the stream fails with this reason.
    Unsupported {
        /// Why.
        reason: String,
    },
}

impl SourceSpec {
    /// The environment variables holding the credential the driver reads
    /// this source with: the only credential variables its task sees.
    pub fn credential_variables(&self) -> Vec<String> {
        match self {
            SourceSpec::Jdbc {
                user_variable,
                password_variable,
                ..
            } => user_variable
                .iter()
                .chain(password_variable)
                .cloned()
                .collect(),
            SourceSpec::AirflowPrimary {
                user_variable,
                password_variable,
                ..
            } => vec![user_variable.clone(), password_variable.clone()],
            SourceSpec::Files { .. }
            | SourceSpec::Staged { .. }
            | SourceSpec::Mirror { .. }
            | SourceSpec::Unsupported { .. } => Vec::new(),
        }
    }
}

/// One dataset of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct DatasetSpec {
    /// The dataset.
    pub dataset: String,
    /// What it is read from: for JDBC the table, qualified and quoted in the
    /// source's dialect; for files the file's name in the folder; for a mirror
    /// of a `spark` primary its table directory, and of an `airflow` primary
    /// a parenthesised query of its live rows, as JDBC's `dbtable` takes it.
    pub source_table: String,
    /// Its columns, in order.
    pub columns: Vec<ColumnSpec>,
    /// Its primary key.
    pub primary_key: Vec<String>,
    /// Its directory in the warehouse.
    pub table: String,
    /// Whether a snapshot with no rows may delete every live row (the
    /// dataset's `allowEmptySnapshot`); otherwise it fails the batch.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_empty: bool,
}

/// A column and its Spark SQL type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ColumnSpec {
    /// Its name.
    pub name: String,
    /// Its Spark SQL type (see [`crate::types::spark_type`]).
    pub spark_type: String,
    /// Whether it may hold no value.
    pub nullable: bool,
}

/// A SQL transformer: its queries run as Spark SQL over its inputs' live
/// rows, each input a temporary view and nothing else readable, and stage
/// their results for the output datastore's stream to ingest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TransformSpec {
    /// The spec format's version, [`SPEC_VERSION`].
    pub version: u32,
    /// The platform.
    pub platform: String,
    /// The transformer's workspace.
    pub workspace: String,
    /// The datasets it reads, each as the view its queries name.
    pub inputs: Vec<InputSpec>,
    /// One query per output dataset.
    pub outputs: Vec<OutputSpec>,
    /// Where it stages its results: the output stream's `staged` folder.
    pub staged: String,
    /// How long one run may take, in seconds: the driver cancels its
    /// queries then, and the run fails staging nothing.
    pub timeout_seconds: u32,
    /// The memory, in MiB, of the application that runs its queries (its
    /// driver, which holds a local master's executors): `--driver-memory`.
    pub memory_mib: u32,
    /// The workspace's code hook, which `datasurface job spark --decide`
    /// asks before the transformer runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookSpec>,
    /// The job's OpenLineage template: its owners and SQL, the input tables
    /// it reads and the staged output it writes (see [`crate::lineage`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<JobLineage>,
}

/// A transformer's hook, as its job spec carries it: the hook, and where the
/// runner finds what it is asked about and records what it decides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct HookSpec {
    /// The hook.
    pub job: HookJob,
    /// The streams whose committed batches are the hook's `batchCommitted`
    /// events: the transformer's inputs'.
    pub inputs: Vec<HookStream>,
    /// The stream directory of the transformer's output: its committed
    /// batches are the transformer's runs, and its `meta/decisions` holds
    /// the hook's decisions (see [`crate::layout`]).
    pub output: String,
}

/// A stream a hook hears of: its key and its directory in the warehouse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct HookStream {
    /// The stream's key: its datastore, or `datastore#dataset`.
    pub stream: String,
    /// Its directory.
    pub root: String,
}

/// An input of a transformer: a dataset's committed live rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct InputSpec {
    /// The view its queries read it by.
    pub view: String,
    /// Its stream's key: its datastore, or `datastore#dataset`.
    pub stream: String,
    /// Its stream's directory.
    pub root: String,
    /// Its table's directory.
    pub table: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// One output dataset of a transformer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct OutputSpec {
    /// The dataset.
    pub dataset: String,
    /// The team's `SELECT` for it.
    pub query: String,
    /// Its columns, in order.
    pub columns: Vec<ColumnSpec>,
}
