//! Governance zones and their teams.

use std::sync::Arc;

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Documentation;
use crate::container::DataContainer;
use crate::datastore::Datastore;
use crate::grant::CredentialDeclaration;
use crate::names::{
    ContainerName, CredentialName, DatastoreName, PlatformName, PolicyName, TeamName, VendorName,
    WorkspaceName,
};
use crate::policy::{AllowDenyPolicy, DataClassification, StoragePolicy};
use crate::repository::Repository;
use crate::vendor::{CloudVendor, LocationRef};
use crate::workspace::Workspace;

/// The ecosystem's declaration that a zone exists, and which repository owns it.
/// The ecosystem's repository writes declarations; the zone's repository writes the zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ZoneDeclaration {
    /// The repository that owns the zone's definition.
    pub repository: Repository,
    /// What the zone is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

/// A governance zone: its policies and its teams. Owned by the repository its
/// declaration names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GovernanceZone {
    /// What the zone governs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
    /// Where the zone's datasets may be stored.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub storage_policies: OrderedMap<PolicyName, StoragePolicy>,
    /// Which classifications the zone's workspaces may receive.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub classification_policies: OrderedMap<PolicyName, AllowDenyPolicy<DataClassification>>,
    /// Which vendors may host consumers of the zone's data.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub vendor_policies: OrderedMap<PolicyName, AllowDenyPolicy<VendorName>>,
    /// Which locations may host consumers of the zone's data.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub location_policies: OrderedMap<PolicyName, AllowDenyPolicy<LocationRef>>,
    /// Which hard cloud vendors may host consumers of the zone's data.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub hard_vendor_policies: OrderedMap<PolicyName, AllowDenyPolicy<CloudVendor>>,
    /// Which data platforms may process the zone's data.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub platform_policies: OrderedMap<PolicyName, AllowDenyPolicy<PlatformName>>,
    /// The credentials the zone owns, by name: nobody but the teams it grants them to may name them, and
    /// others only when granted (docs/security.md).
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource-keys" = "credential"))]
    pub credentials: OrderedMap<CredentialName, CredentialDeclaration>,
    /// The teams the zone declares, and which repository owns each.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub team_declarations: OrderedMap<TeamName, TeamDeclaration>,
    /// The teams' definitions. In a model directory each usually comes from its own `Team` document.
    // Each is shared (`Arc`): two versions of a model (a change's base and
    // proposal, a served model and its reload) hold one copy of every team
    // their documents leave alike. Change one with `Arc::make_mut`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub teams: OrderedMap<TeamName, Arc<Team>>,
}

/// A zone's declaration that a team exists, and which repository owns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamDeclaration {
    /// The repository that owns the team's definition.
    pub repository: Repository,
    /// What the team does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

/// A team: its data containers, the datastores it produces and the workspaces it consumes in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Team {
    /// What the team does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
    /// The data containers the team runs. Names are unique across the ecosystem.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource-keys" = "container"))]
    pub containers: OrderedMap<ContainerName, DataContainer>,
    /// The credentials the team owns, by name: its own datastores and containers may name them, and
    /// others only when granted (docs/security.md).
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource-keys" = "credential"))]
    pub credentials: OrderedMap<CredentialName, CredentialDeclaration>,
    /// The datastores the team produces. Names are unique across the ecosystem.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub datastores: OrderedMap<DatastoreName, Datastore>,
    /// The team's workspaces. Names are unique across the ecosystem.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub workspaces: OrderedMap<WorkspaceName, Workspace>,
    /// Breaking changes the team lets through for its consumers, and
    /// warnings it quiets in its own region (docs/pull-requests.md).
    #[serde(default, skip_serializing_if = "crate::Exceptions::is_empty")]
    pub exceptions: crate::Exceptions,
}
