//! Where each named object of a valid model is, for the paths of findings
//! (a platform's name collisions, its parameter and capability checks).

use crate::names::{
    ContainerName, DatasetGroupName, DatasetName, DatastoreName, TeamName, WorkspaceName, ZoneName,
};
use crate::{Ecosystem, OrderedMap};

use crate::diagnostic::ModelPath;

/// The zone and team of each datastore, workspace and container of a
/// model, owned, so a platform can keep it beside the model. A valid model
/// names each object once; a name it does not define (or defines twice) has
/// the model's root as its path.
///
/// `ValidEcosystem::places` (in `datasurface-rules`) builds it once per model and keeps it.
///
/// ```
/// use datasurface_fixtures::northwind;
/// use datasurface_core::places::Places;
///
/// let eco = northwind().build()?;
/// let path = Places::new(&eco).dataset(&"NW_Data".parse()?, &"customers".parse()?);
/// assert_eq!(path.to_string(), "/zones/USA/teams/NorthwindTeam/datastores/NW_Data/datasets/customers");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Places {
    datastores: OrderedMap<DatastoreName, Option<(ZoneName, TeamName)>>,
    workspaces: OrderedMap<WorkspaceName, Option<(ZoneName, TeamName)>>,
    containers: OrderedMap<ContainerName, Option<(ZoneName, TeamName)>>,
}

/// Records where a name is; a second place makes it ambiguous (`None`).
fn place<N: std::hash::Hash + Eq + Clone>(
    map: &mut OrderedMap<N, Option<(ZoneName, TeamName)>>,
    name: &N,
    zone: &ZoneName,
    team: &TeamName,
) {
    map.entry(name.clone())
        .and_modify(|at| *at = None)
        .or_insert_with(|| Some((zone.clone(), team.clone())));
}

impl Places {
    /// Indexes a model in one pass.
    pub fn new(eco: &Ecosystem) -> Self {
        let mut places = Places::default();
        for (zone, z) in &eco.zones {
            for (team, t) in &z.teams {
                for name in t.datastores.keys() {
                    place(&mut places.datastores, name, zone, team);
                }
                for name in t.workspaces.keys() {
                    place(&mut places.workspaces, name, zone, team);
                }
                for name in t.containers.keys() {
                    place(&mut places.containers, name, zone, team);
                }
            }
        }
        places
    }

    fn under(at: Option<&Option<(ZoneName, TeamName)>>, kind: &str, name: &str) -> ModelPath {
        match at {
            Some(Some((zone, team))) => ModelPath::team(zone, team).keys([kind, name]),
            _ => ModelPath::root(),
        }
    }

    /// The path of a datastore.
    pub fn datastore(&self, store: &DatastoreName) -> ModelPath {
        Self::under(self.datastores.get(store), "datastores", store.as_str())
    }

    /// The path of a dataset of a datastore.
    pub fn dataset(&self, store: &DatastoreName, dataset: &DatasetName) -> ModelPath {
        self.datastore(store).keys(["datasets", dataset.as_str()])
    }

    /// The path of a workspace.
    pub fn workspace(&self, workspace: &WorkspaceName) -> ModelPath {
        Self::under(
            self.workspaces.get(workspace),
            "workspaces",
            workspace.as_str(),
        )
    }

    /// The path of a dataset group of a workspace.
    pub fn dataset_group(&self, workspace: &WorkspaceName, group: &DatasetGroupName) -> ModelPath {
        self.workspace(workspace)
            .keys(["datasetGroups", group.as_str()])
    }

    /// The path of a data container.
    pub fn container(&self, container: &ContainerName) -> ModelPath {
        Self::under(
            self.containers.get(container),
            "containers",
            container.as_str(),
        )
    }

    /// The zone and team of a datastore, if exactly one team defines it.
    pub fn datastore_team(&self, store: &DatastoreName) -> Option<(&ZoneName, &TeamName)> {
        team(self.datastores.get(store))
    }

    /// The zone and team of a workspace, if exactly one team defines it.
    pub fn workspace_team(&self, workspace: &WorkspaceName) -> Option<(&ZoneName, &TeamName)> {
        team(self.workspaces.get(workspace))
    }

    /// The zone and team of a container, if exactly one team defines it.
    pub fn container_team(&self, container: &ContainerName) -> Option<(&ZoneName, &TeamName)> {
        team(self.containers.get(container))
    }
}

fn team(at: Option<&Option<(ZoneName, TeamName)>>) -> Option<(&ZoneName, &TeamName)> {
    at.and_then(Option::as_ref).map(|(z, t)| (z, t))
}
