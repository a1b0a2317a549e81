//! Runtime environments: one model, several deployments of it (dev, test,
//! prod). Each environment names the platform instances it runs, with the
//! parameters that differ there (hosts, databases, credentials by name),
//! the physical container each of the teams' logical containers stands for
//! there, and which revision of the model it runs (its release selector).
//! All of it is the ecosystem's region.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::OrderedMap;
use crate::common::Documentation;
use crate::container::ContainerKind;
use crate::names::{BranchName, ContainerName, PlatformName};

/// One runtime environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Environment {
    /// Which revision of the model the environment runs: the head of a
    /// branch, or the newest tag that matches a pattern.
    pub release: ReleaseSelector,
    /// The platforms it runs, each with the parameters that differ in this
    /// environment, laid over its declaration's (a parameter given here
    /// replaces the declaration's). Platforms it leaves out do not run here.
    #[serde(deserialize_with = "crate::serde_util::unique_keys")]
    pub platforms: OrderedMap<PlatformName, EnvironmentPlatform>,
    /// The physical container each logical container is in this
    /// environment, by the container's name: its kind (engine, database,
    /// endpoint) replaces the team's. With any entry, every container the
    /// environment's platforms use must have one.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource-keys" = "container"))]
    pub containers: OrderedMap<ContainerName, ContainerKind>,
    /// What the environment is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

/// A platform as an environment runs it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnvironmentPlatform {
    /// The parameters that differ in this environment.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource" = "platform-parameters"))]
    pub parameters: OrderedMap<String, serde_json::Value>,
}

/// Which revision of the model an environment runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum ReleaseSelector {
    /// The head of a branch: the environment moves with every merge.
    Branch(BranchName),
    /// The newest tag (by semantic version, then by name) that matches a
    /// glob pattern such as `v*` or `release-2026.*`: the environment moves
    /// when someone tags a release.
    TagPattern(#[schemars(extend("x-resource" = "tag"))] String),
}
