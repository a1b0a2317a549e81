//! Job specs: what each ingestion stream and transformer does, rendered as
//! JSON artifacts (`jobs/ingest/<stream>.json`, `jobs/transformer/<workspace>.json`).
//!
//! `datasurface job apply` stores them in the merge database beside the
//! tables they describe; `datasurface job ingest` and `job transform` run the
//! spec stored there. Each DAG passes the hash of the spec it was rendered with
//! (`--spec`), so a job whose DAG and database came from different models
//! refuses to run instead of drifting.

use datasurface_runtime::hook::HookJob;
use datasurface_runtime::lineage::JobLineage;
use serde::{Deserialize, Serialize};

/// The kinds of job spec, as stored in the `job_spec` table.
pub const INGEST: &str = "ingest";
/// See [`INGEST`].
pub const TRANSFORM: &str = "transform";

/// The short hash of a spec that a DAG passes as `--spec`: 16 hex digits of
/// the SHA-256 of its JSON.
pub fn spec_hash(json: &str) -> String {
    datasurface_platform::content_hash(json)[..16].to_owned()
}

/// One ingestion stream: a datastore, or one dataset of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// When history is kept: the longest retention forensic consumers ask
    /// for, in days; none keeps closed versions forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u64>,
    /// The datasets it ingests, by name.
    pub datasets: Vec<DatasetSpec>,
    /// The job as its OpenLineage events name it (a spec an older build
    /// rendered has none, and its runs send no events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<JobLineage>,
}

/// Where an ingestion stream's rows come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum SourceSpec {
    /// Tables of a PostgreSQL database.
    Postgres {
        /// The source container's name.
        container: String,
        /// Its host (or a Unix socket directory).
        host: String,
        /// Its port.
        port: u16,
        /// Its database.
        database: String,
        /// The credential the job logs in with.
        credential: Option<String>,
        /// Whether the ecosystem lets the runner reach this host without
        /// TLS (the platform's `plaintextSources`); written only when it does.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        plaintext: bool,
        /// For incremental capture: the column whose growth marks new and
        /// changed rows. Without one, every batch reads a whole snapshot.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        watermark: Option<String>,
        /// For change data capture: the replication slot and publication the
        /// stream reads its changes through. Without it (and a watermark),
        /// every batch reads a whole snapshot.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cdc: Option<CdcSpec>,
    },
    /// Tables of a SQLite database file on the worker.
    Sqlite {
        /// The source container's name.
        container: String,
        /// The file.
        path: String,
    },
    /// A folder of CSV files on the worker, one per dataset, each with a header row.
    Csv {
        /// The source container's name.
        container: String,
        /// The folder.
        folder: String,
    },
    /// The live rows a `sqlite` platform, the datastore's primary ingestion
    /// platform, has merged: its merge database file on the worker, read
    /// only, never the source. Each dataset's `sourceTable` is its merge table.
    SqlitePrimary {
        /// The primary ingestion platform.
        platform: String,
        /// Its merge database.
        path: String,
    },
    /// The live rows another `airflow` platform, the datastore's primary
    /// ingestion platform, has merged: its merge tables in PostgreSQL, read
    /// with this platform's own merge credential (the primary's operators
    /// grant it `SELECT` on their schema), never the source. Each dataset's
    /// `sourceTable` is the primary's merge table.
    AirflowPrimary {
        /// The primary ingestion platform.
        platform: String,
        /// Its merge database's host.
        host: String,
        /// Its port.
        port: u16,
        /// Its database.
        database: String,
        /// Its schema.
        schema: String,
        /// The credential this platform reads it with: its merge credential.
        credential: String,
    },
    /// The output tables of a transformer this platform runs.
    Transformer {
        /// The transformer's workspace.
        workspace: String,
    },
    /// A source the job runner cannot read (yet): the stream fails with this reason.
    Unsupported {
        /// Why.
        reason: String,
    },
}

/// How a change data capture stream reads its source: through a logical
/// replication slot decoding (`pgoutput`) a publication of exactly the
/// stream's tables and columns. Both names are the platform's own, never
/// a team's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CdcSpec {
    /// The replication slot, on the source's server.
    pub slot: String,
    /// The publication, in the source's database.
    pub publication: String,
    /// Whether the first batch loads a snapshot of every table, taken where
    /// the slot starts (`snapshotThenChanges`), or reads only changes.
    pub snapshot_first: bool,
    /// The table each batch's changes are staged in, qualified and quoted:
    /// one row a change, every dataset of the stream.
    pub changes_table: String,
    /// The most bytes of the source's log the slot may hold before the
    /// stream needs an operator (the platform's `slotLagLimitMib`; a spec
    /// applied before the limits existed reads as the default, 1 GiB).
    #[serde(default = "default_lag_limit_bytes")]
    pub lag_limit_bytes: u64,
    /// The oldest, in seconds, the changes the slot holds may be before
    /// the stream needs an operator (`slotAgeLimitMinutes`; by default a
    /// day).
    #[serde(default = "default_age_limit_seconds")]
    pub age_limit_seconds: u64,
}

fn default_lag_limit_bytes() -> u64 {
    crate::config::DEFAULT_SLOT_LAG_LIMIT_MIB << 20
}

fn default_age_limit_seconds() -> u64 {
    crate::config::DEFAULT_SLOT_AGE_LIMIT_MINUTES * 60
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetSpec {
    /// The dataset.
    pub dataset: String,
    /// What it is read from: a table name (`schema.table` or `table`), a CSV
    /// file stem, or a transformer output table, qualified and quoted.
    pub source_table: String,
    /// Its columns, in order.
    pub columns: Vec<ColumnSpec>,
    /// Its primary key.
    pub primary_key: Vec<String>,
    /// The staging table, qualified and quoted.
    pub staging_table: String,
    /// The merge table, qualified and quoted.
    pub merge_table: String,
    /// Whether a snapshot with no rows may delete every live row (the
    /// dataset's `allowEmptySnapshot`); otherwise it fails the batch.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_empty: bool,
    /// Its quality rules, as the statements each merge runs before it commits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<datasurface_runtime::quality::QualityCheck>,
}

/// A column and its PostgreSQL type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnSpec {
    /// Its name.
    pub name: String,
    /// Its PostgreSQL type, as the rendered DDL makes it.
    pub pg_type: String,
    /// Whether it may hold no value.
    pub nullable: bool,
}

/// A transformer: its SQL runs in the merge database over its input views
/// and replaces its output tables, which its output stream then ingests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransformSpec {
    /// The transformer's workspace.
    pub workspace: String,
    /// The workspace's schema, where its input views are (the queries' search path).
    pub schema: String,
    /// The role its queries run as: it reads the input views and inserts
    /// into the output tables, nothing else.
    pub role: String,
    /// The stream its output is ingested as.
    pub output_stream: String,
    /// One query per output dataset, with the table it fills.
    pub outputs: Vec<TransformOutput>,
    /// How long its queries may run and wait (the model's defaults when
    /// left out, and then not written).
    #[serde(
        default,
        skip_serializing_if = "datasurface_core::TransformerLimits::is_default"
    )]
    pub limits: datasurface_core::TransformerLimits,
    /// The workspace's code hook, which `datasurface job decide` asks before
    /// the transformer runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<TransformHook>,
    /// The job as its OpenLineage events name it: the input views it
    /// reads and the output tables it fills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<JobLineage>,
}

/// A transformer's hook, as its job spec carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransformHook {
    /// The hook.
    pub job: HookJob,
    /// The streams whose committed batches are the hook's `batchCommitted`
    /// events (the transformer's inputs), as `batch_metrics` names them.
    pub inputs: Vec<String>,
}

/// One output dataset of a transformer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransformOutput {
    /// The dataset.
    pub dataset: String,
    /// The transformer's `SELECT` for it.
    pub query: String,
    /// The output table, qualified and quoted.
    pub table: String,
    /// Its columns, in order.
    pub columns: Vec<ColumnSpec>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream's settings applied before the slot limits existed read
    /// with the platform's defaults, so `job status` can judge its slot.
    #[test]
    fn a_cdc_spec_without_limits_reads_with_the_defaults() {
        let spec: CdcSpec = serde_json::from_value(serde_json::json!({
            "slot": "dssurf_s",
            "publication": "dssurf_s",
            "snapshotFirst": true,
            "changesTable": "\"s\".\"Store_changes\"",
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (spec.lag_limit_bytes, spec.age_limit_seconds),
            (1024 << 20, 24 * 60 * 60)
        );
    }
}
