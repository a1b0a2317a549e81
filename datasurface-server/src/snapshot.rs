//! One served version of the model and the indexes that answer requests
//! from it in constant time: every name to its place, every dataset to its
//! readers and its producing transformer, and the search entries.

use std::sync::{Arc, PoisonError, RwLock};

use datasurface_core::names::{
    DatasetGroupName, DatasetName, DatastoreName, PlatformName, WorkspaceName,
};
use datasurface_core::{Datastore, Ecosystem, OrderedMap, Team, Workspace};
use datasurface_graph::IntentionGraphs;
use datasurface_rules::validate::{Diagnostic, Severity, ValidEcosystem};

use crate::search::SearchIndex;

/// A validated model as the service serves it: built by the caller's
/// loader, which reads and checks the model as `datasurface check` does.
#[derive(Debug)]
pub struct ModelVersion {
    /// The model.
    pub valid: ValidEcosystem,
    /// What checking it found (warnings and platform findings), located in
    /// its files where possible.
    pub diagnostics: Vec<Diagnostic>,
    /// A hash of the model's files (their paths under the model and their
    /// bytes), which the service's `ETag`s are derived from: two processes
    /// serving the same files answer with the same tags.
    pub content_hash: String,
    /// When each of the model's files last changed, as the loader found
    /// out (the command line asks git); empty when it did not. Served
    /// newest first at `/api/v1/changes`.
    pub changes: Vec<crate::FileChange>,
    /// The model's intention graphs, when the loader built them (the
    /// gate's `Loaded::graphs`), so they are not built twice; built here
    /// when `None`. They must be those of `valid`.
    pub graphs: Option<IntentionGraphs>,
}

/// Where a team's object sits: the positions of its zone, team and itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub(crate) zone: usize,
    pub(crate) team: usize,
    pub(crate) item: usize,
}

/// A workspace's dataset group that reads a dataset.
#[derive(Debug, Clone)]
pub(crate) struct Reader {
    pub(crate) workspace: WorkspaceName,
    pub(crate) group: DatasetGroupName,
}

/// A served version with its indexes.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) version: ModelVersion,
    pub(crate) graphs: IntentionGraphs,
    pub(crate) stores: OrderedMap<DatastoreName, Place>,
    pub(crate) workspaces: OrderedMap<WorkspaceName, Place>,
    /// Each dataset's readers, in model order.
    pub(crate) readers: OrderedMap<(DatastoreName, DatasetName), Vec<Reader>>,
    /// The workspace whose transformer writes each output datastore.
    pub(crate) producers: OrderedMap<DatastoreName, WorkspaceName>,
    /// The platforms each dataset group is assigned to.
    pub(crate) assigned: OrderedMap<(WorkspaceName, DatasetGroupName), Vec<PlatformName>>,
    pub(crate) search: SearchIndex,
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
    /// The findings with their places in the files, once the caller has
    /// found them ([`ModelService::located`](crate::ModelService::located)).
    pub(crate) located: RwLock<Option<Arc<Vec<Diagnostic>>>>,
}

impl Snapshot {
    /// Indexes a version (one pass over the model) and builds its graphs
    /// (unless the version brings them); what `previous` indexed of a
    /// team both share is kept.
    pub(crate) fn new(mut version: ModelVersion, previous: Option<&Snapshot>) -> Self {
        crate::changes::newest_first(&mut version.changes);
        let graphs = version
            .graphs
            .take()
            .unwrap_or_else(|| datasurface_graph::build(&version.valid));
        let eco: &Ecosystem = &version.valid;
        let mut stores = OrderedMap::default();
        let mut workspaces = OrderedMap::default();
        let mut readers: OrderedMap<_, Vec<Reader>> = OrderedMap::default();
        let mut producers = OrderedMap::default();
        for (z, (_, zone)) in eco.zones.iter().enumerate() {
            for (t, (_, team)) in zone.teams.iter().enumerate() {
                for (s, name) in team.datastores.keys().enumerate() {
                    stores.entry(name.clone()).or_insert(Place {
                        zone: z,
                        team: t,
                        item: s,
                    });
                }
                for (w, (name, ws)) in team.workspaces.iter().enumerate() {
                    workspaces.entry(name.clone()).or_insert(Place {
                        zone: z,
                        team: t,
                        item: w,
                    });
                    for (group, sink) in ws.sinks() {
                        readers
                            .entry((sink.datastore.clone(), sink.dataset.clone()))
                            .or_default()
                            .push(Reader {
                                workspace: name.clone(),
                                group: group.clone(),
                            });
                    }
                    if let Some(t) = &ws.transformer {
                        producers
                            .entry(t.output_datastore.clone())
                            .or_insert_with(|| name.clone());
                    }
                }
            }
        }
        let mut assigned: OrderedMap<_, Vec<PlatformName>> = OrderedMap::default();
        for a in &eco.assignments {
            assigned
                .entry((a.workspace.clone(), a.dataset_group.clone()))
                .or_default()
                .extend(a.platforms.iter().map(|p| p.platform.clone()));
        }
        let count = |s: Severity| {
            version
                .diagnostics
                .iter()
                .filter(|d| d.severity == s)
                .count()
        };
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        let search = SearchIndex::new(&version.valid, previous.map(|p| &p.search));
        Snapshot {
            version,
            graphs,
            stores,
            workspaces,
            readers,
            producers,
            assigned,
            search,
            errors,
            warnings,
            located: RwLock::new(None),
        }
    }

    /// The located findings, if the caller has given them.
    pub(crate) fn located(&self) -> Option<Arc<Vec<Diagnostic>>> {
        self.located
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn eco(&self) -> &Ecosystem {
        &self.version.valid
    }

    /// The zone and team names and the team of a place.
    pub(crate) fn team_at(&self, place: Place) -> Option<(&str, &str, &Team)> {
        let (zone, z) = self.eco().zones.get_index(place.zone)?;
        let (team, t) = z.teams.get_index(place.team)?;
        Some((zone.as_str(), team.as_str(), t))
    }

    /// A datastore by name, with its zone and team.
    pub(crate) fn datastore(&self, name: &str) -> Option<(&str, &str, &DatastoreName, &Datastore)> {
        let place = *self.stores.get(name)?;
        let (zone, team, t) = self.team_at(place)?;
        let (name, store) = t.datastores.get_index(place.item)?;
        Some((zone, team, name, store))
    }

    /// A workspace by name, with its zone and team.
    pub(crate) fn workspace(&self, name: &str) -> Option<(&str, &str, &WorkspaceName, &Workspace)> {
        let place = *self.workspaces.get(name)?;
        let (zone, team, t) = self.team_at(place)?;
        let (name, ws) = t.workspaces.get_index(place.item)?;
        Some((zone, team, name, ws))
    }

    /// The readers of a dataset.
    pub(crate) fn readers_of(&self, store: &DatastoreName, dataset: &DatasetName) -> &[Reader] {
        self.readers
            .get(&(store.clone(), dataset.clone()))
            .map_or(&[], Vec::as_slice)
    }
}
