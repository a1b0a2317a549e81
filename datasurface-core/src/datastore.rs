//! The producer side: datastores and their datasets.

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::capture::CaptureMetadata;
use crate::common::{Deprecation, Documentation, ProductionStatus};
use crate::names::{DatasetGroupName, DatasetName, PolicyName, WorkspaceName};
use crate::policy::DataClassification;
use crate::schema::Schema;

/// A datastore: a set of datasets captured together from one producer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Datastore {
    /// How the data is captured.
    pub capture: CaptureMetadata,
    /// The datasets, in order. Validation requires at least one.
    #[serde(deserialize_with = "crate::serde_util::unique_keys")]
    pub datasets: OrderedMap<DatasetName, Dataset>,
    /// Whether it serves production. A production datastore must classify all its data.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub production_status: ProductionStatus,
    /// Deprecating a datastore deprecates every dataset in it.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub deprecation: Deprecation,
    /// The dataset groups the producer approved. None (the default) means no
    /// approval is needed; a list, even an empty one, means only these uses are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approvals: Option<Vec<DatasetApproval>>,
    /// What the datastore holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Box<Documentation>>,
}

impl Datastore {
    /// A datastore with a capture method and no datasets yet.
    pub fn new(capture: CaptureMetadata) -> Self {
        Datastore {
            capture,
            datasets: OrderedMap::default(),
            production_status: ProductionStatus::default(),
            deprecation: Deprecation::default(),
            approvals: None,
            documentation: None,
        }
    }

    /// Whether a dataset may be used by a dataset group, under the producer's approvals.
    pub fn approves(
        &self,
        workspace: &WorkspaceName,
        group: &DatasetGroupName,
        dataset: &DatasetName,
    ) -> bool {
        self.approvals.as_ref().is_none_or(|approvals| {
            approvals.iter().any(|a| {
                &a.workspace == workspace && &a.dataset_group == group && &a.dataset == dataset
            })
        })
    }

    /// Whether a dataset is deprecated, directly or through its datastore.
    pub fn is_dataset_deprecated(&self, dataset: &DatasetName) -> bool {
        self.deprecation.is_deprecated()
            || self
                .datasets
                .get(dataset)
                .is_some_and(|d| d.deprecation.is_deprecated())
    }
}

/// A producer's approval for one dataset group to use one dataset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetApproval {
    /// The consuming workspace.
    pub workspace: WorkspaceName,
    /// Its dataset group.
    pub dataset_group: DatasetGroupName,
    /// The approved dataset of this datastore.
    pub dataset: DatasetName,
}

/// A dataset: one table of a datastore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Dataset {
    /// The dataset's schema.
    pub schema: Schema,
    /// Classifications for the whole dataset, overriding the columns'. A
    /// dataset classifies either here or on its columns, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classifications: Option<Vec<DataClassification>>,
    /// Storage policies of the owning zone that this dataset follows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage_policies: Vec<PolicyName>,
    /// Whether the dataset is being retired.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub deprecation: Deprecation,
    /// The dataset's version. When present, a changed schema must come with a higher version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<semver::Version>,
    /// Whether a snapshot with no rows is a real state of this dataset (every
    /// row gone) rather than a broken source. By default a snapshot that
    /// finds no rows where the last batch had some fails its batch, so an
    /// emptied or unreachable source table never deletes every row silently.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_empty_snapshot: bool,
    /// Quality rules every platform checks on each batch before it is
    /// visible: row counts, allowed values, ranges, uniqueness beyond the
    /// key, freshness, and SQL conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<crate::quality::QualityRule>,
    /// What the dataset holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Box<Documentation>>,
}

impl Dataset {
    /// A dataset with a schema and nothing else.
    pub fn new(schema: Schema) -> Self {
        Dataset {
            schema,
            classifications: None,
            storage_policies: Vec::new(),
            deprecation: Deprecation::default(),
            version: None,
            allow_empty_snapshot: false,
            quality: Vec::new(),
            documentation: None,
        }
    }

    /// Whether the dataset has any classification, at dataset level or on a column.
    pub fn has_classifications(&self) -> bool {
        self.classifications.is_some()
            || self
                .schema
                .columns
                .values()
                .any(|c| !c.classifications.is_empty())
    }

    /// Every classification of the data: the dataset-level ones if present,
    /// otherwise each column's, in column order, without repeats.
    pub fn effective_classifications(&self) -> Vec<&DataClassification> {
        if let Some(list) = &self.classifications {
            return list.iter().collect();
        }
        let mut out: Vec<&DataClassification> = Vec::new();
        for column in self.schema.columns.values() {
            for c in &column.classifications {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out
    }
}
