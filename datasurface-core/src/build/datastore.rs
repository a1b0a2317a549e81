//! Datastores (producers): how they are captured, their datasets and schemas.

use crate::OrderedMap;

use super::{Finish, Problems, add_new, builder, describe, statuses};
use crate::capture::{Cdc, CdcStart, FileDrop, FileFormat, Kafka, SqlSnapshot, SqlWatermark};
use crate::names::{ColumnName, DatasetName, WorkspaceName};
use crate::types::DataType;
use crate::{
    CaptureMetadata, CaptureMethod, Column, Credential, CredentialType, DataClassification,
    Dataset, Datastore, Deprecation, Documentation, Ingestion, IngestionConsistency, Schema,
    StepTrigger, TransformerOutput,
};

/// Builds a [`Datastore`]; see [`TeamBuilder::datastore`](super::TeamBuilder::datastore).
/// Say how it is captured with one of [`snapshot`](Self::snapshot),
/// [`watermark`](Self::watermark), [`cdc`](Self::cdc), [`kafka`](Self::kafka),
/// [`file_drop`](Self::file_drop) or [`output_of`](Self::output_of).
///
/// ```
/// # use datasurface_core::{CredentialType, Ecosystem};
/// use datasurface_core::types::DataType::Integer;
/// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
///         .datastore("Orders", |s| s
///             .snapshot("Orders DB")
///             .cron("*/15 * * * *")
///             .credential("orders_reader", CredentialType::UserPassword)
///             .dataset("orders", |d| d.column("id", Integer).key()))))
///     .build()?;
/// let store = &eco.zones["EU"].teams["Sales"].datastores["Orders"];
/// assert!(store.capture.ingestion().is_some_and(|i| i.trigger.is_some()));
/// # Ok::<(), datasurface_core::build::BuildProblems>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct DatastoreBuilder {
    item: Datastore,
    captured: bool,
    problems: Problems,
}

impl Finish for DatastoreBuilder {
    type Item = Datastore;
    fn finish(mut self) -> (Datastore, Problems) {
        if !self.captured {
            self.problems.report(
                "it does not say how it is captured: call `snapshot`, `watermark`, `cdc`, \
                 `kafka`, `file_drop` or `output_of`",
            );
        }
        (self.item, self.problems)
    }
}

impl DatastoreBuilder {
    pub(super) fn from_store(current: Option<Datastore>, problems: Problems) -> Self {
        let captured = current.is_some();
        let item = current.unwrap_or_else(|| {
            Datastore::new(CaptureMetadata::TransformerOutput(TransformerOutput {
                workspace: WorkspaceName::stand_in(),
            }))
        });
        DatastoreBuilder {
            item,
            captured,
            problems,
        }
    }

    fn ingest(mut self, container: &str, method: CaptureMethod) -> Self {
        if let Some(container) = self.problems.parse(container) {
            self.item.capture = CaptureMetadata::Ingestion(Ingestion {
                container,
                consistency: IngestionConsistency::MultiDataset,
                trigger: None,
                credential: None,
                method,
            });
        }
        self.captured = true;
        self
    }

    /// Captured by reading whole tables of a database container, all its
    /// datasets in one consistent batch (see [`single_dataset`](Self::single_dataset)).
    pub fn snapshot(self, container: &str) -> Self {
        self.ingest(
            container,
            CaptureMethod::SqlSnapshot(SqlSnapshot::default()),
        )
    }

    /// Captured by reading the rows whose watermark column grew since the last batch.
    pub fn watermark(mut self, container: &str, column: &str, column_type: DataType) -> Self {
        let Some(watermark_column) = self.problems.parse::<ColumnName>(column) else {
            self.captured = true;
            return self;
        };
        let method = CaptureMethod::SqlWatermark(SqlWatermark {
            tables: OrderedMap::default(),
            watermark_column,
            watermark_type: column_type,
        });
        self.ingest(container, method)
    }

    /// Captured from a database's change data capture, from a snapshot.
    pub fn cdc(self, container: &str) -> Self {
        self.ingest(container, CaptureMethod::Cdc(Cdc::new()))
    }

    /// Captured from a database's change data capture, starting as `start`
    /// says (only the changes, for tables loaded another way).
    pub fn cdc_from(self, container: &str, start: CdcStart) -> Self {
        self.ingest(container, CaptureMethod::Cdc(Cdc::new().with_start(start)))
    }

    /// Captured from Kafka topics, one per dataset.
    pub fn kafka(self, container: &str) -> Self {
        self.ingest(container, CaptureMethod::Kafka(Kafka::default()))
    }

    /// Captured from files dropped in an object-storage container, CSV
    /// unless [`format`](Self::format) says otherwise.
    pub fn file_drop(self, container: &str) -> Self {
        self.ingest(container, CaptureMethod::FileDrop(FileDrop::default()))
    }

    /// Written by the transformer of a workspace.
    pub fn output_of(mut self, workspace: &str) -> Self {
        if let Some(workspace) = self.problems.parse(workspace) {
            self.item.capture = CaptureMetadata::TransformerOutput(TransformerOutput { workspace });
        }
        self.captured = true;
        self
    }

    fn ingestion(&mut self, what: &str) -> Option<&mut Ingestion> {
        match &mut self.item.capture {
            CaptureMetadata::Ingestion(i) => Some(i),
            CaptureMetadata::TransformerOutput(_) => {
                self.problems.report(format!(
                    "`{what}` needs an ingested datastore: call `snapshot`, `watermark`, `cdc`, `kafka` or `file_drop` first"
                ));
                None
            }
        }
    }

    /// Captures each dataset in its own batch, not all together.
    pub fn single_dataset(mut self) -> Self {
        if let Some(i) = self.ingestion("single_dataset") {
            i.consistency = IngestionConsistency::SingleDataset;
        }
        self
    }

    /// Captures on a cron schedule (five fields, UTC).
    pub fn cron(mut self, schedule: &str) -> Self {
        if let Some(i) = self.ingestion("cron") {
            i.trigger = Some(StepTrigger::Cron(schedule.to_owned()));
        }
        self
    }

    /// Captures when an external system says so.
    pub fn external_trigger(mut self, name: &str) -> Self {
        if let Some(i) = self.ingestion("external_trigger") {
            i.trigger = Some(StepTrigger::External(name.to_owned()));
        }
        self
    }

    /// Reads the source with a named credential (never the secret itself).
    pub fn credential(mut self, name: &str, credential_type: CredentialType) -> Self {
        if let Some(name) = self.problems.parse(name)
            && let Some(i) = self.ingestion("credential")
        {
            i.credential = Some(Credential {
                name,
                credential_type,
            });
        }
        self
    }

    /// The file format of a file drop.
    pub fn format(mut self, format: FileFormat) -> Self {
        match self.ingestion("format").map(|i| &mut i.method) {
            Some(CaptureMethod::FileDrop(drop)) => drop.format = format,
            Some(_) => self
                .problems
                .report("`format` is for a `file_drop` datastore"),
            None => {}
        }
        self
    }

    /// Reads a dataset from a source table, file or topic of another name.
    pub fn source(mut self, dataset: &str, source: &str) -> Self {
        if let Some(dataset) = self.problems.parse::<DatasetName>(dataset)
            && let Some(i) = self.ingestion("source")
        {
            let map = match &mut i.method {
                CaptureMethod::SqlSnapshot(m) => &mut m.tables,
                CaptureMethod::SqlWatermark(m) => &mut m.tables,
                CaptureMethod::Cdc(m) => &mut m.tables,
                CaptureMethod::Kafka(m) => &mut m.topics,
                CaptureMethod::FileDrop(m) => &mut m.files,
            };
            map.insert(dataset, source.to_owned());
        }
        self
    }

    statuses!("datastore");

    describe!("Says what the datastore holds.");

    /// Adds a dataset: its classification, then its columns.
    pub fn dataset<R: Into<DatasetBuilder>>(
        mut self,
        name: &str,
        f: impl FnOnce(DatasetBuilder) -> R,
    ) -> Self {
        let start = |problems| DatasetBuilder {
            item: Dataset::new(Schema::default()),
            problems,
        };
        let datasets = &mut self.item.datasets;
        add_new::<DatasetName, _, _>(datasets, &mut self.problems, "dataset", name, start, f);
        self
    }
}

builder! {
    /// Builds a [`Dataset`]; see [`DatastoreBuilder::dataset`]. What applies to
    /// the dataset comes first; each [`column`](Self::column) then starts a
    /// [`ColumnStep`], whose methods apply to that column.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// use datasurface_core::types::{DataType::Date, decimal};
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .datastore("Orders", |s| s.file_drop("Drops").dataset("orders", |d| d
    ///             .describe("One row per order.")
    ///             .allow_empty_snapshot()
    ///             .column("day", Date).key().partition()
    ///             .column("amount", decimal(12, 2)).not_null().describe("In euros.")))))
    ///     .build()?;
    /// let orders = &eco.zones["EU"].teams["Sales"].datastores["Orders"].datasets["orders"];
    /// assert!(orders.allow_empty_snapshot && orders.schema.partition_keys.len() == 1);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    DatasetBuilder => Dataset
}

impl DatasetBuilder {
    /// Classifies the dataset as a whole, such as `PC1` or `PC2:address`.
    pub fn classified<'a>(mut self, classifications: impl IntoIterator<Item = &'a str>) -> Self {
        let values: Vec<DataClassification> = self.problems.parse_all(classifications);
        self.item
            .classifications
            .get_or_insert_with(Vec::new)
            .extend(values);
        self
    }

    /// Names a storage policy of its zone that binds the dataset.
    pub fn storage_policy(mut self, name: &str) -> Self {
        if let Some(p) = self.problems.parse(name) {
            self.item.storage_policies.push(p);
        }
        self
    }

    /// Lets a snapshot with no rows delete every live row.
    pub fn allow_empty_snapshot(mut self) -> Self {
        self.item.allow_empty_snapshot = true;
        self
    }

    /// Marks the dataset deprecated, saying why.
    pub fn deprecated(mut self, reason: &str) -> Self {
        self.item.deprecation = Deprecation::deprecated(reason);
        self
    }

    describe!("Says what the dataset holds.");

    /// Adds a column, nullable as in YAML unless the step says otherwise.
    pub fn column(mut self, name: &str, data_type: DataType) -> ColumnStep {
        let column = self.problems.parse::<ColumnName>(name);
        if let Some(c) = &column
            && self.item.schema.columns.contains_key(c)
        {
            self.problems.report(format!(
                "column `{c}` is defined twice; give each a distinct name"
            ));
        }
        if let Some(c) = &column {
            self.item
                .schema
                .columns
                .insert(c.clone(), Column::new(data_type));
        }
        ColumnStep {
            dataset: self,
            column,
        }
    }
}

/// A dataset builder at one of its columns: what follows applies to that
/// column, until the next [`column`](Self::column).
///
/// ```
/// # use datasurface_core::Ecosystem;
/// use datasurface_core::types::{DataType::Integer, nvarchar};
/// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
///         .datastore("Orders", |s| s.file_drop("Drops").dataset("orders", |d| d
///             .classified(["PC1"])
///             .column("id", Integer).key()
///             .column("customer", nvarchar(40)).not_null().classified(["PC2:name"])))))
///     .build()?;
/// let orders = &eco.zones["EU"].teams["Sales"].datastores["Orders"].datasets["orders"];
/// assert_eq!(orders.schema.primary_key.len(), 1);
/// assert!(!orders.schema.columns["customer"].nullable);
/// # Ok::<(), datasurface_core::build::BuildProblems>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ColumnStep {
    dataset: DatasetBuilder,
    column: Option<ColumnName>,
}

impl From<ColumnStep> for DatasetBuilder {
    fn from(step: ColumnStep) -> DatasetBuilder {
        step.dataset
    }
}

impl ColumnStep {
    fn edit(mut self, f: impl FnOnce(&mut Column)) -> Self {
        if let Some(c) = &self.column
            && let Some(column) = self.dataset.item.schema.columns.get_mut(c)
        {
            f(column);
        }
        self
    }

    /// Makes the column part of the primary key (and so not nullable).
    pub fn key(mut self) -> Self {
        if let Some(c) = &self.column {
            self.dataset.item.schema.primary_key.push(c.clone());
        }
        self.not_null()
    }

    /// Makes the column a partition key.
    pub fn partition(mut self) -> Self {
        if let Some(c) = &self.column {
            self.dataset.item.schema.partition_keys.push(c.clone());
        }
        self
    }

    /// The column must always hold a value.
    pub fn not_null(self) -> Self {
        self.edit(|c| c.nullable = false)
    }

    /// Classifies the column, such as `PUB` or `PC2:address`.
    pub fn classified<'a>(mut self, classifications: impl IntoIterator<Item = &'a str>) -> Self {
        let values: Vec<DataClassification> = self.dataset.problems.parse_all(classifications);
        self.edit(|c| c.classifications.extend(values))
    }

    /// Says what the column holds.
    pub fn describe(self, text: &str) -> Self {
        self.edit(|c| c.documentation = Some(Box::new(Documentation::new(text))))
    }

    /// Adds the next column.
    pub fn column(self, name: &str, data_type: DataType) -> ColumnStep {
        self.dataset.column(name, data_type)
    }
}
