//! Capture metadata: how a datastore's data is ingested.

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::{ColumnName, ContainerName, CredentialName, DatasetName, WorkspaceName};
use crate::types::DataType;

/// How a datastore's data is captured.
///
/// ```yaml
/// capture:
///   ingestion:
///     container: NW Source DB
///     consistency: MULTI_DATASET
///     trigger: {cron: "*/15 * * * *"}
///     credential: {name: nw_reader, type: USER_PASSWORD}
///     method: {sqlSnapshot: {}}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(
    clippy::large_enum_variant,
    reason = "ingestion is the common case; boxing would cost every struct literal"
)]
pub enum CaptureMetadata {
    /// Read from a source container.
    Ingestion(Ingestion),
    /// The output of a data transformer: the transformer's workspace writes it,
    /// on the transformer's trigger.
    TransformerOutput(TransformerOutput),
}

impl CaptureMetadata {
    /// The ingestion settings; `None` for transformer output.
    pub fn ingestion(&self) -> Option<&Ingestion> {
        match self {
            CaptureMetadata::Ingestion(ingestion) => Some(ingestion),
            CaptureMetadata::TransformerOutput(_) => None,
        }
    }

    /// Whether datasets are ingested together or one by one. Transformer
    /// output is always one multi-dataset batch.
    pub fn consistency(&self) -> IngestionConsistency {
        self.ingestion()
            .map_or(IngestionConsistency::MultiDataset, |i| i.consistency)
    }
}

/// Reading a datastore from its source container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ingestion {
    /// The container the data is read from.
    pub container: ContainerName,
    /// Whether the datasets are captured in one consistent batch or each on its own.
    pub consistency: IngestionConsistency,
    /// When to capture; none leaves the schedule to the platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<StepTrigger>,
    /// The credential to read the source with, by name; never a secret value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<Credential>,
    /// How the data is read.
    pub method: CaptureMethod,
}

/// How data is read from a source container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum CaptureMethod {
    /// Read every table in full on each batch.
    SqlSnapshot(SqlSnapshot),
    /// Read the rows whose watermark column moved past the last batch's high mark.
    SqlWatermark(SqlWatermark),
    /// Read the changes that the source database's change data capture records.
    Cdc(Cdc),
    /// Read a Kafka topic per dataset.
    Kafka(Kafka),
    /// Read files dropped into a folder or bucket, one set per dataset.
    FileDrop(FileDrop),
}

impl CaptureMethod {
    /// The method's name as written in model files, such as `sqlSnapshot`.
    pub fn name(&self) -> &'static str {
        match self {
            CaptureMethod::SqlSnapshot(_) => "sqlSnapshot",
            CaptureMethod::SqlWatermark(_) => "sqlWatermark",
            CaptureMethod::Cdc(_) => "cdc",
            CaptureMethod::Kafka(_) => "kafka",
            CaptureMethod::FileDrop(_) => "fileDrop",
        }
    }
}

/// Whether a datastore's datasets are ingested together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IngestionConsistency {
    /// One ingestion stream per dataset.
    SingleDataset,
    /// One transactionally consistent stream for the whole datastore.
    MultiDataset,
}

/// When a step runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum StepTrigger {
    /// On a five-field cron schedule (minute hour day-of-month month
    /// day-of-week), such as `*/15 * * * *`.
    Cron(String),
    /// When the named external event arrives.
    External(String),
}

impl StepTrigger {
    /// The cron schedule of a `cron` trigger; `None` for an external one (a
    /// valid model's cron expressions all parse: `invalid-cron`).
    ///
    /// ```
    /// use datasurface_core::StepTrigger;
    ///
    /// let every = StepTrigger::Cron("*/15 * * * *".into()).schedule().and_then(|s| s.fixed_interval());
    /// assert_eq!(every.map(|d| d.num_minutes()), Some(15));
    /// ```
    pub fn schedule(&self) -> Option<crate::cron::Schedule> {
        match self {
            StepTrigger::Cron(cron) => cron.parse().ok(),
            StepTrigger::External(_) => None,
        }
    }
}

/// A credential, by name and type. The secret itself lives in the platform's credential store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Credential {
    /// The name the credential store knows it by.
    pub name: CredentialName,
    /// What kind of secret it is.
    #[serde(rename = "type")]
    pub credential_type: CredentialType,
}

/// The kinds of credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CredentialType {
    /// An API key and its secret.
    ApiKeyPair,
    /// A user name and password.
    UserPassword,
    /// A client certificate and its private key.
    ClientCertWithKey,
    /// A bundle of CA certificates.
    CaCertBundle,
    /// A bearer token.
    ApiToken,
}

/// Settings of [`CaptureMethod::SqlSnapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SqlSnapshot {
    /// The source table of each dataset, when it is not named like the
    /// dataset. If any dataset is mapped, all must be.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub tables: OrderedMap<DatasetName, String>,
}

/// Settings of [`CaptureMethod::SqlWatermark`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SqlWatermark {
    /// The source table of each dataset, as for snapshots.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub tables: OrderedMap<DatasetName, String>,
    /// The column that grows with every insert and update; every dataset must have it.
    pub watermark_column: ColumnName,
    /// Its type: an integer type or `Timestamp`, the same in every dataset.
    pub watermark_type: DataType,
}

/// Settings of [`CaptureMethod::Cdc`]: the source database's own log of
/// changes (PostgreSQL's logical decoding), read from a position the
/// platform keeps, so a batch costs what changed, not the table.
///
/// ```yaml
/// method:
///   cdc:
///     tables: {customers: sales.customers}
///     start: changesOnly      # default: snapshotThenChanges
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Cdc {
    /// The source table of each dataset, as for snapshots.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub tables: OrderedMap<DatasetName, String>,
    /// Where the stream's first batch starts.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub start: CdcStart,
}

impl Cdc {
    /// Change data capture of tables named like their datasets, from a
    /// snapshot.
    pub fn new() -> Self {
        Cdc::default()
    }

    /// The same, starting as `start` says.
    #[must_use]
    pub fn with_start(mut self, start: CdcStart) -> Self {
        self.start = start;
        self
    }

    /// The same, reading each dataset in `tables` from the source table
    /// named beside it.
    #[must_use]
    pub fn with_tables(mut self, tables: OrderedMap<DatasetName, String>) -> Self {
        self.tables = tables;
        self
    }
}

/// Where a change data capture stream's first batch starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum CdcStart {
    /// A consistent snapshot of every table, taken where the changes start,
    /// then the changes after it: every row once, none twice.
    #[default]
    SnapshotThenChanges,
    /// Only the changes made after the stream starts reading, for tables
    /// whose rows were loaded another way.
    ChangesOnly,
}

/// Settings of [`CaptureMethod::Kafka`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Kafka {
    /// The topic of each dataset; by default `<datastore>.<dataset>`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource" = "topic"))]
    pub topics: OrderedMap<DatasetName, String>,
}

/// The file formats a [`FileDrop`] reads.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FileFormat {
    /// Comma-separated values with a header row.
    #[default]
    Csv,
    /// One JSON object per line.
    JsonLines,
    /// Apache Parquet.
    Parquet,
}

impl std::fmt::Display for FileFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FileFormat {
    /// Every file format.
    pub const ALL: [FileFormat; 3] = [FileFormat::Csv, FileFormat::JsonLines, FileFormat::Parquet];

    /// The extension of a file of this format, which a dataset's file has
    /// unless the capture names it: `csv`, `jsonl` or `parquet`.
    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::JsonLines => "jsonl",
            FileFormat::Parquet => "parquet",
        }
    }

    /// Its name in model files: `CSV`, `JSON_LINES` or `PARQUET`.
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Csv => "CSV",
            FileFormat::JsonLines => "JSON_LINES",
            FileFormat::Parquet => "PARQUET",
        }
    }
}

/// Settings of [`CaptureMethod::FileDrop`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileDrop {
    /// The format of the files.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub format: FileFormat,
    /// The file name of each dataset in the container's folder (one file of
    /// the folder itself, see [`crate::resources::drop_file_name`]); by
    /// default `<dataset>.<extension>`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource" = "drop-file"))]
    pub files: OrderedMap<DatasetName, String>,
}

/// Settings of [`CaptureMetadata::TransformerOutput`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransformerOutput {
    /// The workspace whose data transformer writes this datastore; it must be in the same team.
    pub workspace: WorkspaceName,
}
