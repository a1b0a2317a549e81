//! The ecosystem: the root of the model.

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Documentation;
use crate::container::DataContainer;
use crate::datastore::Datastore;
use crate::grant::CredentialDeclaration;
use crate::names::{
    ContainerName, CredentialName, DatastoreName, EcosystemName, EnvironmentName, PlatformName,
    TeamName, VendorName, WorkspaceName, ZoneName,
};
use crate::platform::{DatasetGroupAssignment, PlatformDeclaration, RecordedChoice};
use crate::repository::Repository;
use crate::vendor::InfrastructureVendor;
use crate::workspace::Workspace;
use crate::zone::{GovernanceZone, Team, ZoneDeclaration};

/// An enterprise's data ecosystem.
///
/// Regions of it are owned by different repositories: the ecosystem's
/// repository owns everything at this level (vendors, platforms, zone
/// declarations, assignments, primary ingestion platforms); each zone's
/// repository owns its [`GovernanceZone`]; each team's repository owns its [`Team`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Ecosystem {
    /// The ecosystem's name.
    pub name: EcosystemName,
    /// The repository whose main branch holds the model and takes pull requests.
    pub owning_repository: Repository,
    /// The repository the platforms render from; it must differ from the owning repository.
    pub live_repository: Repository,
    /// What the ecosystem is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
    /// The infrastructure vendors and their locations.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub vendors: OrderedMap<VendorName, InfrastructureVendor>,
    /// The data platforms that do the work.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub platforms: OrderedMap<PlatformName, PlatformDeclaration>,
    /// The order the gate prefers platforms in when it chooses one for a
    /// dataset group no assignment names: the first that can serve the
    /// group serves it. Empty: the order of `platforms`. A platform left
    /// out is never chosen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platform_preference: Vec<PlatformName>,
    /// The credentials the ecosystem owns, by name: nobody but the zones and teams it grants them to may name them, and
    /// others only when granted (docs/security.md).
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource-keys" = "credential"))]
    pub credentials: OrderedMap<CredentialName, CredentialDeclaration>,
    /// The zones that may exist, and which repository owns each.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub zone_declarations: OrderedMap<ZoneName, ZoneDeclaration>,
    /// The zones' definitions. In a model directory each usually comes from
    /// its own `GovernanceZone` document.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub zones: OrderedMap<ZoneName, GovernanceZone>,
    /// Which platforms deliver which dataset groups. Besides those the
    /// ecosystem declares, the gate adds one for each group it chose a
    /// platform for ([`DatasetGroupAssignment::chosen`]); those are never
    /// written back.
    #[serde(
        default,
        serialize_with = "crate::platform::declared_assignments",
        skip_serializing_if = "crate::platform::no_declared_assignments"
    )]
    pub assignments: Vec<DatasetGroupAssignment>,
    /// The platforms the gate chose before, recorded so that each choice
    /// holds while its platform can serve the group. Usually in a
    /// `PlatformChoices` document of its own, which `datasurface choose
    /// --write` writes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platform_choices: Vec<RecordedChoice>,
    /// The platforms allowed to ingest each listed datastore; other platforms
    /// take its data from them instead of ingesting it again.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub primary_ingestion_platforms: OrderedMap<DatastoreName, Vec<PlatformName>>,
    /// The runtime environments (dev, test, prod …) the model is deployed
    /// to, each with its platforms, their parameters there, its physical
    /// containers and its release selector. A command given `--env NAME`
    /// works on that environment's view of the model.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub environments: OrderedMap<EnvironmentName, crate::environment::Environment>,
    /// Breaking changes the ecosystem's owner lets through, and warnings it
    /// quiets in its own region (docs/pull-requests.md).
    #[serde(default, skip_serializing_if = "crate::Exceptions::is_empty")]
    pub exceptions: crate::Exceptions,
}

/// Where a team sits: its zone and its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamLocation<'a> {
    /// The zone.
    pub zone: &'a ZoneName,
    /// The team.
    pub team: &'a TeamName,
}

impl Ecosystem {
    /// An ecosystem with its repositories and nothing else.
    pub fn new(
        name: EcosystemName,
        owning_repository: Repository,
        live_repository: Repository,
    ) -> Self {
        Ecosystem {
            name,
            owning_repository,
            live_repository,
            documentation: None,
            vendors: OrderedMap::default(),
            platforms: OrderedMap::default(),
            platform_preference: Vec::new(),
            credentials: OrderedMap::default(),
            zone_declarations: OrderedMap::default(),
            zones: OrderedMap::default(),
            assignments: Vec::new(),
            platform_choices: Vec::new(),
            primary_ingestion_platforms: OrderedMap::default(),
            environments: OrderedMap::default(),
            exceptions: crate::Exceptions::default(),
        }
    }

    /// Every defined team, in authoring order, with where it sits.
    pub fn teams(&self) -> impl Iterator<Item = (TeamLocation<'_>, &Team)> {
        self.zones.iter().flat_map(|(zone, z)| {
            z.teams
                .iter()
                .map(move |(team, t)| (TeamLocation { zone, team }, &**t))
        })
    }

    /// Every datastore of every team, with its team.
    pub fn datastores(
        &self,
    ) -> impl Iterator<Item = (TeamLocation<'_>, &DatastoreName, &Datastore)> {
        self.teams().flat_map(|(at, team)| {
            team.datastores
                .iter()
                .map(move |(name, store)| (at, name, store))
        })
    }

    /// Every team `pick` picks, to change in place: a team another model
    /// shares is copied first ([`Arc::make_mut`](std::sync::Arc::make_mut)),
    /// and only when it is picked, so the teams a change leaves alone stay
    /// shared.
    pub fn teams_mut_where(
        &mut self,
        pick: impl Fn(&Team) -> bool + Copy,
    ) -> impl Iterator<Item = &mut Team> {
        self.zones
            .values_mut()
            .flat_map(|z| z.teams.values_mut())
            .filter(move |t| pick(t))
            .map(std::sync::Arc::make_mut)
    }

    /// Every dataset of every team's datastores, to change in place. Every
    /// team another model shares is copied first; to copy only the teams
    /// that hold what you change, use
    /// [`datasets_mut_where`](Self::datasets_mut_where).
    pub fn datasets_mut(&mut self) -> impl Iterator<Item = &mut crate::Dataset> {
        self.datasets_mut_where(|_| true)
    }

    /// Every dataset `wanted` picks, to change in place (such as filling in
    /// the columns an Avro schema makes). A team another model shares is
    /// copied first ([`Arc::make_mut`](std::sync::Arc::make_mut)), and only
    /// when it holds a dataset `wanted` picks.
    pub fn datasets_mut_where(
        &mut self,
        wanted: impl Fn(&crate::Dataset) -> bool + Copy,
    ) -> impl Iterator<Item = &mut crate::Dataset> {
        self.zones
            .values_mut()
            .flat_map(|z| z.teams.values_mut())
            .filter(move |t| {
                t.datastores
                    .values()
                    .any(|s| s.datasets.values().any(wanted))
            })
            .flat_map(|t| std::sync::Arc::make_mut(t).datastores.values_mut())
            .flat_map(|s| s.datasets.values_mut())
            .filter(move |d| wanted(d))
    }

    /// Every workspace of every team, with its team.
    pub fn workspaces(
        &self,
    ) -> impl Iterator<Item = (TeamLocation<'_>, &WorkspaceName, &Workspace)> {
        self.teams()
            .flat_map(|(at, team)| team.workspaces.iter().map(move |(name, ws)| (at, name, ws)))
    }

    /// Every data container of every team, with its team.
    pub fn containers(
        &self,
    ) -> impl Iterator<Item = (TeamLocation<'_>, &ContainerName, &DataContainer)> {
        self.teams()
            .flat_map(|(at, team)| team.containers.iter().map(move |(name, c)| (at, name, c)))
    }

    /// Finds a datastore by name, in any team. Linear: build an index for repeated lookups.
    pub fn datastore(&self, name: &DatastoreName) -> Option<(TeamLocation<'_>, &Datastore)> {
        self.datastores()
            .find(|(_, n, _)| *n == name)
            .map(|(at, _, s)| (at, s))
    }

    /// Finds a workspace by name, in any team. Linear: build an index for repeated lookups.
    pub fn workspace(&self, name: &WorkspaceName) -> Option<(TeamLocation<'_>, &Workspace)> {
        self.workspaces()
            .find(|(_, n, _)| *n == name)
            .map(|(at, _, w)| (at, w))
    }

    /// Finds a data container by name, in any team. Linear: build an index for repeated lookups.
    pub fn container(&self, name: &ContainerName) -> Option<(TeamLocation<'_>, &DataContainer)> {
        self.containers()
            .find(|(_, n, _)| *n == name)
            .map(|(at, _, c)| (at, c))
    }
}
