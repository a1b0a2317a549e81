//! What the platform renders: database specs (tables and views for one
//! database, which the engine reconciles) and job specs (what each ingestion
//! stream and transformer does). Both are JSON artifacts.

use datasurface_runtime::hook::HookJob;
use datasurface_runtime::lineage::JobLineage;
use datasurface_runtime::state;
use serde::{Deserialize, Serialize};

use crate::dialect::Affinity;

/// The batch id of a live (not yet closed) row version.
pub const LIVE: i64 = datasurface_runtime::state::LIVE_BATCH;

/// The columns every merge and export table starts with, before the
/// dataset's own: the batch that opened the version, the batch that closed
/// it ([`LIVE`] while open), and the key and row hashes.
pub const VERSION_COLUMNS: [(&str, Affinity); 4] = [
    (state::BATCH_IN, Affinity::Integer),
    (state::BATCH_OUT, Affinity::Integer),
    (state::KEY_HASH, Affinity::Text),
    (state::ALL_HASH, Affinity::Text),
];

/// Which database an artifact's objects live in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Target {
    /// The platform's merge database.
    Merge,
    /// A workspace container's database, by container name.
    Container(String),
}

/// The tables and views one artifact makes in one database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatabaseSpec {
    /// Where.
    pub target: Target,
    /// Tables, made if missing and widened with missing columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<TableSpec>,
    /// Views, made again in place.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<ViewSpec>,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TableSpec {
    /// Its name.
    pub name: String,
    /// Its columns.
    pub columns: Vec<ColumnSpec>,
    /// Its primary key.
    pub primary_key: Vec<String>,
    /// Extra indexes: name and columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<(String, Vec<String>)>,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnSpec {
    /// Its name.
    pub name: String,
    /// How it is stored and checked.
    pub affinity: Affinity,
    /// Whether it may hold no value.
    pub nullable: bool,
    /// For decimals, the digits after the point: a value is stored as a
    /// whole number of `10^-scale` units, exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// What every value must be, beyond its affinity: checked at ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<ValueCheck>,
}

/// What a column's values must be, from its model type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ValueCheck {
    /// A whole number of `bits` bits, signed or not.
    Integer {
        /// Its size.
        bits: u16,
        /// Whether it may be negative.
        signed: bool,
    },
    /// A decimal of `precision` digits, `scale` of them after the point.
    Decimal {
        /// Digits in all.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// A binary float of this many bits (16, 32 or 64): finite values beyond
    /// its range are refused.
    Float {
        /// Its size.
        bits: u16,
    },
    /// Text of at most this many characters.
    Text {
        /// The most characters.
        max_chars: u32,
    },
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A date and time, ISO 8601 (`YYYY-MM-DD HH:MM:SS[.fff]`, or with `T`,
    /// and an offset or `Z`).
    Timestamp,
}

/// A view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ViewSpec {
    /// Its name.
    pub name: String,
    /// Its `SELECT`.
    pub select: String,
}

/// Where an ingestion stream's rows come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum SourceSpec {
    /// A snapshot of tables of a SQLite database file.
    SqliteSnapshot {
        /// The container, whose file the platform's `sources` parameter or the container names.
        container: String,
    },
    /// A folder of CSV files, one per dataset, with a header row.
    CsvFiles {
        /// The container.
        container: String,
    },
    /// The output of a transformer, which this platform runs.
    Transformer {
        /// The transformer's workspace.
        workspace: String,
    },
    /// Tables of a PostgreSQL database, followed through change data
    /// capture: the stream's first batch loads a snapshot (unless it reads
    /// only changes), each later one the changes committed since, read from
    /// a replication slot through a publication of exactly its tables and
    /// columns. The command line's reader does the reading
    /// ([`ChangeReader`](crate::engine::ChangeReader)).
    PostgresCdc {
        /// The container.
        container: String,
        /// The database's host.
        host: String,
        /// Its port.
        port: u16,
        /// The database.
        database: String,
        /// The credential the capture names: its owner's login, which may
        /// replicate and read the tables and nothing more.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        credential: Option<String>,
        /// Whether the host is one the ecosystem's owners let be reached
        /// without TLS (the platform's `plaintextSources`).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        plaintext: bool,
        /// The replication slot, on the source's server, and the
        /// publication, in its database (one name): the platform's, never a
        /// team's.
        slot: String,
        /// Whether the first batch loads a snapshot (`snapshotThenChanges`).
        snapshot_first: bool,
    },
    /// The live rows that another `sqlite` platform, the datastore's
    /// primary ingestion platform, has merged: read from its merge database
    /// (the platform's `primaries` parameter says where), never from the
    /// source, so the source is read once per batch whoever delivers it.
    /// Each dataset's `sourceTable` is the primary's merge table.
    Primary {
        /// The primary ingestion platform.
        platform: String,
    },
}

/// One ingestion stream: a datastore, or one dataset of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngestSpec {
    /// The stream's key: the datastore, or `store#dataset`.
    pub stream: String,
    /// The datastore.
    pub datastore: String,
    /// Where rows come from.
    pub source: SourceSpec,
    /// Whether closed row versions are kept (a forensic consumer reads them).
    pub keep_history: bool,
    /// When history is kept: how many days closed versions are kept, the
    /// longest retention any forensic consumer asks for; none means forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u64>,
    /// The datasets it ingests.
    pub datasets: Vec<DatasetSpec>,
    /// Its cron schedule, if it runs on one; otherwise it runs on every `run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// The job as its OpenLineage events name it (a spec an older build
    /// rendered has none, and its runs send no events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<JobLineage>,
}

impl datasurface_runtime::IngestStream for IngestSpec {
    fn stream(&self) -> &str {
        &self.stream
    }

    fn datastore(&self) -> &str {
        &self.datastore
    }

    fn datasets(&self) -> Vec<&str> {
        self.datasets.iter().map(|d| d.dataset.as_str()).collect()
    }

    fn lineage(&self) -> Option<&JobLineage> {
        self.lineage.as_ref()
    }

    fn transformer(&self) -> Option<&str> {
        match &self.source {
            SourceSpec::Transformer { workspace } => Some(workspace),
            _ => None,
        }
    }
}

/// One dataset of a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetSpec {
    /// The dataset.
    pub dataset: String,
    /// The table (or CSV file stem) it is read from.
    pub source_table: String,
    /// Its columns, in order.
    pub columns: Vec<ColumnSpec>,
    /// Its primary key.
    pub primary_key: Vec<String>,
    /// The staging table in the merge database.
    pub staging_table: String,
    /// The merge table in the merge database.
    pub merge_table: String,
    /// The containers it is exported to, with the table there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<(String, String)>,
    /// Whether a snapshot with no rows may empty it (`allowEmptySnapshot`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_empty: bool,
    /// Its quality rules, as the statements each batch runs before it commits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<datasurface_runtime::quality::QualityCheck>,
}

/// A transformer: its SQL runs in its workspace's container database over
/// its input views, and its results are ingested as the output stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransformSpec {
    /// The transformer's workspace.
    pub workspace: String,
    /// The workspace's container.
    pub container: String,
    /// One query per output dataset.
    pub queries: Vec<(String, String)>,
    /// The stream its output is ingested as.
    pub output_stream: String,
    /// The streams whose new batches trigger it.
    pub inputs: Vec<String>,
    /// The views its queries read, `<datastore>_<dataset>`, in its container.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub input_views: Vec<String>,
    /// Its cron schedule, if it has one; otherwise new input batches trigger it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// The workspace's code hook, which decides whether it runs when it is due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<HookJob>,
    /// How long one run's queries may take in all, in seconds; written only
    /// when the model sets it (the default is the model's, 900).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    /// The memory its queries and result may take, in MiB; written only
    /// when the model sets it (the default is the model's, 1,024).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u32>,
    /// The job as its OpenLineage events name it: what the transformer
    /// reads, and the output datasets and views its batch writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<JobLineage>,
}

impl TransformSpec {
    /// The memory one run's queries and result may take, in bytes.
    pub fn memory_bytes(&self) -> u64 {
        u64::from(
            self.memory_mib
                .unwrap_or(datasurface_core::TransformerLimits::DEFAULT_MEMORY_MIB),
        ) << 20
    }

    /// How long one run's queries may take in all.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(
            self.timeout_seconds
                .unwrap_or(datasurface_core::TransformerLimits::DEFAULT_TIMEOUT_SECONDS),
        ))
    }
}

/// The delivery of a hooked workspace's dataset group: its views read
/// tables of their own in the container, which the engine brings up to the
/// exports only when the workspace's hook says to deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeliverySpec {
    /// The workspace.
    pub workspace: String,
    /// The dataset group.
    pub group: String,
    /// The workspace's container.
    pub container: String,
    /// The workspace's hook, asked about this group.
    pub hook: HookJob,
    /// What the group reads.
    pub datasets: Vec<DeliveredDataset>,
    /// The job as its OpenLineage events name it: the exports it reads and
    /// the group's views it fills (a spec an older build rendered has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<JobLineage>,
}

/// One dataset a hooked group reads: copied from its export table into the
/// group's own table when delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeliveredDataset {
    /// The stream whose batches it follows.
    pub stream: String,
    /// The export table it is delivered from.
    pub export: String,
    /// The group's table, which its views read.
    pub table: String,
    /// The columns copied, system columns first.
    pub columns: Vec<String>,
}
