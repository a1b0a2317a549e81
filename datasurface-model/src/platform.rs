//! Data platform declarations, the assignment of dataset groups to platforms,
//! and primary ingestion platforms. All of it is the ecosystem's region.

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{Documentation, ProductionStatus};
use crate::names::{
    DatasetGroupName, DatasetName, DatastoreName, PlatformKind, PlatformName, WorkspaceName,
};
use crate::vendor::LocationRef;
use crate::workspace::DeprecationsAllowed;

/// A data platform the ecosystem uses, and which implementation renders it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformDeclaration {
    /// The implementation, such as `sqlite`; a registry maps kinds to code.
    pub kind: PlatformKind,
    /// The versions of the implementation this declaration works with, such as `^1.2`.
    #[schemars(with = "String")]
    pub version: semver::VersionReq,
    /// Where the platform runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<LocationRef>,
    /// Settings for the implementation; it validates them.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub parameters: OrderedMap<String, serde_json::Value>,
    /// Run-time hints for single jobs, such as the memory an ingestion needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<PlatformHint>,
    /// What the platform is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

impl PlatformDeclaration {
    /// A declaration of a kind and version requirement with no settings.
    pub fn new(kind: PlatformKind, version: semver::VersionReq) -> Self {
        PlatformDeclaration {
            kind,
            version,
            locations: Vec::new(),
            parameters: OrderedMap::default(),
            hints: Vec::new(),
            documentation: None,
        }
    }
}

/// A run-time hint for the jobs of one datastore, dataset or transformer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformHint {
    /// What the hint applies to.
    pub target: HintTarget,
    /// The hint's settings, such as `memory: 2Gi`.
    #[serde(deserialize_with = "crate::serde_util::unique_keys")]
    pub values: OrderedMap<String, serde_json::Value>,
}

/// What a [`PlatformHint`] applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum HintTarget {
    /// The ingestion of a datastore, or of one dataset of a single-dataset datastore.
    Ingestion {
        /// The datastore.
        datastore: DatastoreName,
        /// The dataset, for single-dataset capture only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dataset: Option<DatasetName>,
    },
    /// The data transformer of a workspace.
    Transformer {
        /// The workspace.
        workspace: WorkspaceName,
    },
}

/// The platforms that deliver one dataset group.
///
/// A group may be assigned to several platforms at once, for example while
/// it moves from one to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetGroupAssignment {
    /// The workspace.
    pub workspace: WorkspaceName,
    /// Its dataset group.
    pub dataset_group: DatasetGroupName,
    /// The platforms, each with its lifecycle state.
    pub platforms: Vec<PlatformAssignment>,
}

/// One platform's assignment to a dataset group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformAssignment {
    /// The platform.
    pub platform: PlatformName,
    /// Where the assignment is in its lifecycle. Defaults to `PROVISIONING`.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub status: AssignmentStatus,
    /// Whether this assignment serves production. Defaults to `PRODUCTION`.
    #[serde(default = "production", skip_serializing_if = "is_production")]
    pub production_status: ProductionStatus,
    /// Whether deprecated datasets are accepted on this platform.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub deprecations_allowed: DeprecationsAllowed,
    /// Why the assignment was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

fn production() -> ProductionStatus {
    ProductionStatus::Production
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes a reference"
)]
fn is_production(status: &ProductionStatus) -> bool {
    *status == ProductionStatus::Production
}

impl PlatformAssignment {
    /// A provisioning, production assignment to a platform.
    pub fn new(platform: PlatformName) -> Self {
        PlatformAssignment {
            platform,
            status: AssignmentStatus::default(),
            production_status: ProductionStatus::Production,
            deprecations_allowed: DeprecationsAllowed::default(),
            documentation: None,
        }
    }

    /// Whether the platform still works for the group: every state but `DECOMMISSIONED`.
    pub fn is_live(&self) -> bool {
        self.status != AssignmentStatus::Decommissioned
    }
}

/// The lifecycle of a platform assignment.
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
pub enum AssignmentStatus {
    /// The platform is setting the group up. The default.
    #[default]
    Provisioning,
    /// The platform delivers the group.
    Provisioned,
    /// The platform is tearing the group down.
    Decommissioning,
    /// The platform no longer delivers the group; it is kept for the record.
    Decommissioned,
}
