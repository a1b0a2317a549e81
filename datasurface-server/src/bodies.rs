//! What each route answers, field by field: types that derive `Serialize`
//! (what is sent) and `JsonSchema` (what the OpenAPI document says), so a
//! field renamed here changes both, and the committed `schema/openapi.json`
//! test fails until the document is regenerated. Every object denies
//! fields it does not list, so the document describes the whole answer.
//!
//! The model's own objects (a datastore, a dataset, a workspace, policies)
//! appear as the model file format writes them, with that format's schema.

use datasurface_core::diagnostic::Diagnostic;
use datasurface_core::names::ContainerName;
use datasurface_core::names::{
    DatasetGroupName, DatasetName, DatastoreName, EcosystemName, PlatformName, PolicyName,
    TeamName, VendorName, WorkspaceName, ZoneName,
};
use datasurface_core::policy::{AllowDenyPolicy, DataClassification, StoragePolicy};
use datasurface_core::{
    CloudVendor, DataContainer, Dataset, Datastore, Documentation, InfrastructureVendor,
    LocationRef, OrderedMap, PlatformDeclaration, Repository, StepTrigger, TeamDeclaration,
    Workspace,
};
use schemars::JsonSchema;
use serde::Serialize;

use crate::service::ReloadStatus;

/// `GET /api/v1/ecosystem`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct EcosystemBody<'a> {
    pub(crate) name: &'a EcosystemName,
    pub(crate) owning_repository: &'a Repository,
    pub(crate) live_repository: &'a Repository,
    pub(crate) documentation: Option<&'a Documentation>,
    pub(crate) vendors: &'a OrderedMap<VendorName, InfrastructureVendor>,
    /// The SHA-256 of the model's files: what every answer's tag derives from.
    pub(crate) content_hash: &'a str,
    pub(crate) counts: Counts,
    pub(crate) diagnostics: FindingCounts,
}

/// How many of each thing the model holds.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct Counts {
    pub(crate) zones: usize,
    pub(crate) teams: usize,
    pub(crate) datastores: usize,
    pub(crate) datasets: usize,
    pub(crate) workspaces: usize,
    pub(crate) transformers: usize,
    pub(crate) platforms: usize,
}

/// How many findings checking the served model gave.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct FindingCounts {
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
}

/// An item of `GET /api/v1/zones`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct ZoneItem<'a> {
    pub(crate) name: &'a ZoneName,
    pub(crate) href: String,
    /// How many teams it defines.
    pub(crate) teams: usize,
    /// Its documentation's description.
    pub(crate) description: Option<&'a str>,
}

/// `GET /api/v1/zones/{zone}`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct ZoneBody<'a> {
    pub(crate) name: &'a ZoneName,
    /// The repository its declaration names.
    pub(crate) repository: Option<&'a Repository>,
    pub(crate) documentation: Option<&'a Documentation>,
    pub(crate) storage_policies: &'a OrderedMap<PolicyName, StoragePolicy>,
    pub(crate) classification_policies:
        &'a OrderedMap<PolicyName, AllowDenyPolicy<DataClassification>>,
    pub(crate) vendor_policies: &'a OrderedMap<PolicyName, AllowDenyPolicy<VendorName>>,
    pub(crate) location_policies: &'a OrderedMap<PolicyName, AllowDenyPolicy<LocationRef>>,
    pub(crate) hard_vendor_policies: &'a OrderedMap<PolicyName, AllowDenyPolicy<CloudVendor>>,
    pub(crate) platform_policies: &'a OrderedMap<PolicyName, AllowDenyPolicy<PlatformName>>,
    pub(crate) team_declarations: &'a OrderedMap<TeamName, TeamDeclaration>,
    pub(crate) teams: Vec<TeamSummary<'a>>,
}

/// A team of a zone.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TeamSummary<'a> {
    pub(crate) name: &'a TeamName,
    pub(crate) href: String,
    /// How many datastores it defines.
    pub(crate) datastores: usize,
    /// How many workspaces it defines.
    pub(crate) workspaces: usize,
}

/// `GET /api/v1/zones/{zone}/teams/{team}`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TeamBody<'a> {
    pub(crate) zone: &'a str,
    pub(crate) name: &'a TeamName,
    /// The repository its zone's declaration of it names.
    pub(crate) repository: Option<&'a Repository>,
    pub(crate) documentation: Option<&'a Documentation>,
    pub(crate) containers: &'a OrderedMap<ContainerName, DataContainer>,
    pub(crate) datastores: Vec<StoreSummary<'a>>,
    pub(crate) workspaces: Vec<WorkspaceLink<'a>>,
}

/// A datastore of a team.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct StoreSummary<'a> {
    pub(crate) name: &'a DatastoreName,
    pub(crate) href: String,
    /// How many datasets it holds.
    pub(crate) datasets: usize,
}

/// A workspace, by name.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct WorkspaceLink<'a> {
    pub(crate) name: &'a WorkspaceName,
    pub(crate) href: String,
}

/// An item of `GET /api/v1/teams`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct TeamItem<'a> {
    pub(crate) zone: &'a ZoneName,
    pub(crate) name: &'a TeamName,
    pub(crate) href: String,
    pub(crate) datastores: usize,
    pub(crate) workspaces: usize,
}

/// An item of `GET /api/v1/datastores`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct DatastoreItem<'a> {
    pub(crate) name: &'a DatastoreName,
    pub(crate) zone: &'a ZoneName,
    pub(crate) team: &'a TeamName,
    pub(crate) href: String,
    pub(crate) datasets: usize,
    pub(crate) description: Option<&'a str>,
    /// The workspace whose transformer writes it, if one does.
    pub(crate) produced_by: Option<&'a WorkspaceName>,
}

/// `GET /api/v1/datastores/{store}`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct DatastoreBody<'a> {
    pub(crate) name: &'a DatastoreName,
    pub(crate) zone: &'a str,
    pub(crate) team: &'a str,
    pub(crate) href: String,
    pub(crate) produced_by: Option<&'a WorkspaceName>,
    /// The datastore as the model file format writes it.
    pub(crate) datastore: &'a Datastore,
}

/// An item of `GET /api/v1/datastores/{store}/datasets`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct DatasetItem<'a> {
    pub(crate) name: &'a DatasetName,
    pub(crate) href: String,
    /// How many columns its schema has.
    pub(crate) columns: usize,
    /// How many dataset groups read it.
    pub(crate) readers: usize,
    pub(crate) description: Option<&'a str>,
}

/// `GET /api/v1/datastores/{store}/datasets/{dataset}`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct DatasetBody<'a> {
    pub(crate) datastore: &'a DatastoreName,
    pub(crate) name: &'a DatasetName,
    pub(crate) zone: &'a str,
    pub(crate) team: &'a str,
    pub(crate) href: String,
    /// Its lineage's resource.
    pub(crate) lineage: String,
    pub(crate) produced_by: Option<&'a WorkspaceName>,
    pub(crate) readers: Vec<DatasetReader<'a>>,
    /// The dataset as the model file format writes it.
    pub(crate) dataset: &'a Dataset,
}

/// A dataset group that reads a dataset.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct DatasetReader<'a> {
    pub(crate) workspace: &'a WorkspaceName,
    pub(crate) group: &'a DatasetGroupName,
    pub(crate) href: String,
    /// The platforms the group is assigned to.
    pub(crate) platforms: &'a [PlatformName],
    /// The datastore the workspace's transformer writes, if it has one.
    pub(crate) transformer_output: Option<&'a DatastoreName>,
}

/// An item of `GET /api/v1/workspaces`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct WorkspaceItem<'a> {
    pub(crate) name: &'a WorkspaceName,
    pub(crate) zone: &'a ZoneName,
    pub(crate) team: &'a TeamName,
    pub(crate) href: String,
    pub(crate) dataset_groups: usize,
    /// Whether it has a transformer.
    pub(crate) transformer: bool,
    pub(crate) description: Option<&'a str>,
}

/// `GET /api/v1/workspaces/{workspace}`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct WorkspaceBody<'a> {
    pub(crate) name: &'a WorkspaceName,
    pub(crate) zone: &'a str,
    pub(crate) team: &'a str,
    pub(crate) href: String,
    /// Each dataset group and the platforms it is assigned to.
    pub(crate) assignments: Vec<GroupPlatforms<'a>>,
    /// The workspace as the model file format writes it.
    pub(crate) workspace: &'a Workspace,
}

/// A dataset group and its platforms.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct GroupPlatforms<'a> {
    pub(crate) name: &'a DatasetGroupName,
    pub(crate) platforms: &'a [PlatformName],
}

/// An item of `GET /api/v1/transformers`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct TransformerItem<'a> {
    pub(crate) workspace: &'a WorkspaceName,
    pub(crate) zone: &'a ZoneName,
    pub(crate) team: &'a TeamName,
    pub(crate) href: String,
    pub(crate) output_datastore: &'a DatastoreName,
    /// Its inputs, as `datastore.dataset`.
    pub(crate) inputs: Vec<String>,
    pub(crate) trigger: Option<&'a StepTrigger>,
    /// Whether the workspace has a hook.
    pub(crate) hooked: bool,
}

/// `GET /api/v1/platforms`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct PlatformList<'a> {
    pub(crate) items: Vec<PlatformItem<'a>>,
}

/// A platform of the list.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct PlatformItem<'a> {
    pub(crate) name: &'a PlatformName,
    pub(crate) kind: &'a str,
    pub(crate) href: String,
    /// How many nodes its intention graph has.
    pub(crate) nodes: usize,
}

/// `GET /api/v1/platforms/{platform}`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct PlatformBody<'a> {
    pub(crate) name: &'a PlatformName,
    pub(crate) declaration: &'a PlatformDeclaration,
    /// The dataset groups assigned to it.
    pub(crate) assignments: Vec<AssignedGroup<'a>>,
    /// The datastores it ingests first, for other platforms to read.
    pub(crate) primary_ingestion_of: Vec<&'a DatastoreName>,
    pub(crate) nodes: usize,
    /// Its graph's resource.
    pub(crate) graph: String,
}

/// A dataset group assigned to a platform.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct AssignedGroup<'a> {
    pub(crate) workspace: &'a WorkspaceName,
    pub(crate) group: &'a DatasetGroupName,
    pub(crate) href: String,
}

/// `GET /api/v1/diagnostics`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct DiagnosticsBody<'a> {
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
    /// Whether the findings carry their places in the model files.
    pub(crate) located: bool,
    pub(crate) page: crate::http::Page<&'a Diagnostic>,
    /// The outcome of the last reload.
    pub(crate) reload: ReloadStatus,
}
