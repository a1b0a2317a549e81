//! What every rule sees: the model, its index and its credentials.

use datasurface_core::diagnostic::ModelPath;
use datasurface_core::index::{ContainerUse, ContainerUser, DatasetAt, ModelIndex, Placed, SinkAt};
use datasurface_core::names::{ContainerName, DatastoreName, ZoneName};
use datasurface_core::regions::Region;
use datasurface_core::resources::Credentials;
use datasurface_core::{
    Dataset, DatasetSink, Datastore, Ecosystem, GovernanceZone, LocationRef, Repository,
};

/// What every rule sees: the model and its index.
#[derive(Debug)]
pub struct Context<'a> {
    /// The model.
    pub eco: &'a Ecosystem,
    /// Its index.
    pub index: ModelIndex<'a>,
    /// Every credential's declarations and uses, read once for the rules
    /// that judge them.
    pub credentials: Credentials<'a>,
}

impl<'a> Context<'a> {
    /// Indexes a model for validation.
    pub fn new(eco: &'a Ecosystem) -> Self {
        Context {
            eco,
            index: ModelIndex::new(eco),
            credentials: Credentials::of(eco),
        }
    }

    /// Every dataset of every datastore.
    pub fn datasets(&self) -> impl Iterator<Item = DatasetAt<'a>> + '_ {
        self.index.datastores.values().flatten().flat_map(|store| {
            store
                .item
                .datasets
                .iter()
                .map(move |(name, dataset)| DatasetAt {
                    store: *store,
                    name,
                    dataset,
                })
        })
    }

    /// Every sink of every dataset group of every workspace.
    pub fn sinks(&self) -> impl Iterator<Item = SinkAt<'a>> + '_ {
        self.index.workspaces.values().flatten().flat_map(|ws| {
            ws.item.dataset_groups.iter().flat_map(move |(group, g)| {
                g.sinks
                    .iter()
                    .enumerate()
                    .map(move |(position, sink)| SinkAt {
                        workspace: *ws,
                        group,
                        sink,
                        position,
                    })
            })
        })
    }

    /// Every place a team's element names a data container: each
    /// datastore's ingestion, then each workspace, in model order.
    pub fn container_uses(&self) -> impl Iterator<Item = ContainerUse<'a>> + '_ {
        let captures = self.index.datastores.values().flatten().filter_map(|s| {
            let ingestion = s.item.capture.ingestion()?;
            Some(ContainerUse {
                user: ContainerUser::Capture(*s),
                container: &ingestion.container,
            })
        });
        let workspaces = self.index.workspaces.values().flatten().filter_map(|w| {
            Some(ContainerUse {
                user: ContainerUser::Workspace(*w),
                container: w.item.container.as_ref()?,
            })
        });
        captures.chain(workspaces)
    }

    /// The dataset a sink names, if it exists.
    pub fn sink_dataset(
        &self,
        sink: &DatasetSink,
    ) -> Option<(Placed<'a, DatastoreName, Datastore>, &'a Dataset)> {
        let store = self.index.datastore(&sink.datastore)?;
        Some((store, store.item.datasets.get(&sink.dataset)?))
    }

    /// The container that holds a datastore's data as captured: its ingestion
    /// container, or for transformer output its transformer workspace's container.
    pub fn capture_container(&self, store: &'a Datastore) -> Option<&'a ContainerName> {
        match &store.capture {
            datasurface_core::CaptureMetadata::Ingestion(ingestion) => Some(&ingestion.container),
            datasurface_core::CaptureMetadata::TransformerOutput(t) => {
                self.index.workspace(&t.workspace)?.item.container.as_ref()
            }
        }
    }

    /// A zone's definition.
    pub fn zone(&self, name: &ZoneName) -> Option<&'a GovernanceZone> {
        self.eco.zones.get(name)
    }

    /// Whether a location reference names a vendor and a location that exist.
    pub fn location_exists(&self, location: &LocationRef) -> bool {
        self.eco
            .vendors
            .get(&location.vendor)
            .and_then(|v| v.location(&location.path))
            .is_some()
    }

    /// The repository that owns the region a path is in: a team's, a zone's, or the ecosystem's.
    pub fn owner(&self, path: &ModelPath) -> &'a Repository {
        datasurface_core::regions::owner_or_parent(self.eco, &Region::of(path))
    }
}
