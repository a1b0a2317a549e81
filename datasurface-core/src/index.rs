//! The model, indexed in one pass: every name to where it is defined, so
//! that every rule (and every platform) finds things in linear time.

use crate::OrderedMap;

use crate::diagnostic::ModelPath;
use crate::names::{
    ContainerName, DatasetGroupName, DatasetName, DatastoreName, TeamName, WorkspaceName, ZoneName,
};
use crate::{DataContainer, Dataset, DatasetSink, Datastore, Ecosystem, Workspace};

/// A dataset with its datastore and its path.
#[derive(Debug, Clone)]
pub struct DatasetAt<'a> {
    /// The datastore.
    pub store: Placed<'a, DatastoreName, Datastore>,
    /// The dataset's name.
    pub name: &'a DatasetName,
    /// The dataset.
    pub dataset: &'a Dataset,
}

impl DatasetAt<'_> {
    /// Its path: `…/datastores/<store>/datasets/<name>`, built only when a finding needs it.
    pub fn path(&self) -> ModelPath {
        self.store
            .path("datastores")
            .keys(["datasets", self.name.as_str()])
    }
}

/// A sink of a dataset group with its workspace and its path.
#[derive(Debug, Clone)]
pub struct SinkAt<'a> {
    /// The workspace.
    pub workspace: Placed<'a, WorkspaceName, Workspace>,
    /// The dataset group's name.
    pub group: &'a DatasetGroupName,
    /// The sink.
    pub sink: &'a DatasetSink,
    /// Its position in the group's sinks.
    pub position: usize,
}

impl SinkAt<'_> {
    /// Its path: `…/workspaces/<ws>/datasetGroups/<group>/sinks/<i>`, built only when a finding needs it.
    pub fn path(&self) -> ModelPath {
        self.workspace
            .path("workspaces")
            .keys(["datasetGroups", self.group.as_str(), "sinks"])
            .index(self.position)
    }
}

/// What names a container: a datastore's ingestion, a workspace, or any
/// other field of a team's element whose type names a container.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ContainerUser<'a> {
    /// A datastore's `capture.ingestion.container`.
    Capture(Placed<'a, DatastoreName, Datastore>),
    /// A workspace's `container`.
    Workspace(Placed<'a, WorkspaceName, Workspace>),
    /// Another field of team `team`'s, at `path`.
    Field {
        /// The team's zone.
        zone: &'a ZoneName,
        /// The team.
        team: &'a TeamName,
        /// Where it names the container.
        path: ModelPath,
    },
}

/// A team's element naming a data container.
#[derive(Debug, Clone)]
pub struct ContainerUse<'a> {
    /// What names it.
    pub user: ContainerUser<'a>,
    /// The container's name.
    pub container: ContainerName,
}

impl<'a> ContainerUse<'a> {
    /// The path of the name, built only when a finding needs it.
    pub fn path(&self) -> ModelPath {
        match &self.user {
            ContainerUser::Capture(s) => {
                s.path("datastores")
                    .keys(["capture", "ingestion", "container"])
            }
            ContainerUser::Workspace(w) => w.path("workspaces").key("container"),
            ContainerUser::Field { path, .. } => path.clone(),
        }
    }

    /// The using team's zone and name.
    pub fn team(&self) -> (&'a ZoneName, &'a TeamName) {
        match &self.user {
            ContainerUser::Capture(s) => (s.zone, s.team),
            ContainerUser::Workspace(w) => (w.zone, w.team),
            ContainerUser::Field { zone, team, .. } => (zone, team),
        }
    }

    /// What names it, for messages: "datastore `X`" or "workspace `W`".
    pub fn describe(&self) -> String {
        match &self.user {
            ContainerUser::Capture(s) => format!("datastore `{}`", s.name),
            ContainerUser::Workspace(w) => format!("workspace `{}`", w.name),
            ContainerUser::Field { path, .. } => format!("`{path}`"),
        }
    }
}

/// An object of a team, with where it sits.
#[derive(Debug)]
pub struct Placed<'a, N, T> {
    /// The zone.
    pub zone: &'a ZoneName,
    /// The team.
    pub team: &'a TeamName,
    /// The object's name.
    pub name: &'a N,
    /// The object.
    pub item: &'a T,
}

impl<N, T> Clone for Placed<'_, N, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<N, T> Copy for Placed<'_, N, T> {}

impl<N: std::fmt::Display, T> Placed<'_, N, T> {
    /// The path of the object: its team's path, then `kind`, then its name.
    pub fn path(&self, kind: &str) -> ModelPath {
        ModelPath::team(self.zone, self.team).keys([kind.to_owned(), self.name.to_string()])
    }
}

/// Lookups over the whole model, built in one pass.
#[derive(Debug)]
pub struct ModelIndex<'a> {
    /// Every datastore by name; more than one entry for a name is a duplicate.
    pub datastores: OrderedMap<&'a DatastoreName, Vec<Placed<'a, DatastoreName, Datastore>>>,
    /// Every workspace by name; more than one entry for a name is a duplicate.
    pub workspaces: OrderedMap<&'a WorkspaceName, Vec<Placed<'a, WorkspaceName, Workspace>>>,
    /// Every data container by name; more than one entry for a name is a duplicate.
    pub containers: OrderedMap<&'a ContainerName, Vec<Placed<'a, ContainerName, DataContainer>>>,
    /// The zones each team name is defined in.
    pub teams: OrderedMap<&'a TeamName, Vec<&'a ZoneName>>,
    /// The positions in `assignments` of each dataset group's entries.
    pub assignments: OrderedMap<(&'a WorkspaceName, &'a DatasetGroupName), Vec<usize>>,
}

impl<'a> ModelIndex<'a> {
    /// Indexes a model.
    pub fn new(eco: &'a Ecosystem) -> Self {
        let mut index = ModelIndex {
            datastores: OrderedMap::default(),
            workspaces: OrderedMap::default(),
            containers: OrderedMap::default(),
            teams: OrderedMap::default(),
            assignments: OrderedMap::default(),
        };
        for (i, a) in eco.assignments.iter().enumerate() {
            index
                .assignments
                .entry((&a.workspace, &a.dataset_group))
                .or_default()
                .push(i);
        }
        for (zone, z) in &eco.zones {
            for (team, t) in &z.teams {
                index.teams.entry(team).or_default().push(zone);
                for (name, item) in &t.datastores {
                    index.datastores.entry(name).or_default().push(Placed {
                        zone,
                        team,
                        name,
                        item,
                    });
                }
                for (name, item) in &t.workspaces {
                    index.workspaces.entry(name).or_default().push(Placed {
                        zone,
                        team,
                        name,
                        item,
                    });
                }
                for (name, item) in &t.containers {
                    index.containers.entry(name).or_default().push(Placed {
                        zone,
                        team,
                        name,
                        item,
                    });
                }
            }
        }
        index
    }

    /// The datastore of a name, if exactly one team defines it. A duplicated name resolves to
    /// nothing: `duplicate-datastore` reports it, and other rules must not guess which is meant.
    pub fn datastore(&self, name: &DatastoreName) -> Option<Placed<'a, DatastoreName, Datastore>> {
        only(self.datastores.get(name))
    }

    /// The workspace of a name, if exactly one team defines it.
    pub fn workspace(&self, name: &WorkspaceName) -> Option<Placed<'a, WorkspaceName, Workspace>> {
        only(self.workspaces.get(name))
    }

    /// The data container of a name, if exactly one team defines it.
    pub fn container(
        &self,
        name: &ContainerName,
    ) -> Option<Placed<'a, ContainerName, DataContainer>> {
        only(self.containers.get(name))
    }
}

fn only<T: Copy>(found: Option<&Vec<T>>) -> Option<T> {
    match found.map(Vec::as_slice) {
        Some([one]) => Some(*one),
        _ => None,
    }
}
