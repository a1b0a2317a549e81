//! What every rule sees: the model, its index and its credentials.

use std::sync::OnceLock;

use datasurface_core::diagnostic::ModelPath;
use datasurface_core::index::{ContainerUse, ContainerUser, DatasetAt, ModelIndex, Placed, SinkAt};
use datasurface_core::inventory::{ResourceKind, ResourceRef, inventory};
use datasurface_core::names::{ContainerName, DatastoreName, WorkspaceName, ZoneName};
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
    /// Every reference the model makes to a resource
    /// ([`datasurface_core::inventory`]), taken when a rule first asks
    /// ([`inventory`](Self::inventory)), or beforehand on a core of its own
    /// while the rules that do not read it run.
    inventory: &'a OnceLock<Vec<ResourceRef>>,
    /// Every credential's declarations and uses, read from the inventory
    /// once for the rules that judge them.
    credentials: OnceLock<Credentials<'a>>,
    /// The names a rule's help offers, when the model checked is a part of
    /// a larger one whose names they are ([`Names`]).
    names: Option<&'a Names>,
}

/// The names of a whole model's datastores, workspaces and containers, in
/// its index's order: what the help of a finding about an unknown name
/// offers. A part of a model checked alone ([`super::incremental`]) offers
/// the whole model's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub(crate) datastores: Vec<String>,
    pub(crate) workspaces: Vec<String>,
    pub(crate) containers: Vec<String>,
}

impl Names {
    /// The names `model` offers.
    pub fn of(model: &Ecosystem) -> Self {
        let index = ModelIndex::new(model);
        Names {
            datastores: index.datastores.keys().map(ToString::to_string).collect(),
            workspaces: index.workspaces.keys().map(ToString::to_string).collect(),
            containers: index.containers.keys().map(ToString::to_string).collect(),
        }
    }
}

impl<'a> Context<'a> {
    /// Indexes a model for validation. Its resource inventory is kept in
    /// `inventory`: whoever fills it first (a rule, or a thread started
    /// beforehand) fills it for every rule.
    pub fn new(eco: &'a Ecosystem, inventory: &'a OnceLock<Vec<ResourceRef>>) -> Self {
        Context {
            eco,
            index: ModelIndex::new(eco),
            inventory,
            credentials: OnceLock::new(),
            names: None,
        }
    }

    /// [`new`](Self::new), for a part of a model whose whole has `names`.
    pub(crate) fn within(
        eco: &'a Ecosystem,
        inventory: &'a OnceLock<Vec<ResourceRef>>,
        names: &'a Names,
    ) -> Self {
        Context {
            names: Some(names),
            ..Context::new(eco, inventory)
        }
    }

    /// The datastores' names a help offers.
    pub fn datastore_names(&self) -> Vec<&str> {
        match self.names {
            Some(names) => names.datastores.iter().map(String::as_str).collect(),
            None => self.index.datastores.keys().map(|s| s.as_str()).collect(),
        }
    }

    /// The workspaces' names a help offers.
    pub fn workspace_names(&self) -> Vec<&str> {
        match self.names {
            Some(names) => names.workspaces.iter().map(String::as_str).collect(),
            None => self.index.workspaces.keys().map(|s| s.as_str()).collect(),
        }
    }

    /// The containers' names a help offers.
    pub fn container_names(&self) -> Vec<&str> {
        match self.names {
            Some(names) => names.containers.iter().map(String::as_str).collect(),
            None => self.index.containers.keys().map(|s| s.as_str()).collect(),
        }
    }

    /// Every reference the model makes to a resource: what the authority
    /// rules judge. Taken on the first call (another caller waits for it).
    pub fn inventory(&self) -> &'a [ResourceRef] {
        self.inventory.get_or_init(|| inventory(self.eco))
    }

    /// Every credential's declarations and uses, from the inventory.
    pub fn credentials(&self) -> &Credentials<'a> {
        self.credentials
            .get_or_init(|| Credentials::of_inventory(self.eco, self.inventory()))
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

    /// Every place a team's element names a data container, in model
    /// order, from the inventory: a datastore's ingestion, a workspace, and
    /// any other field whose type names a container. A storage policy's
    /// lists name the containers data may be stored in; they use none
    /// (`storage-policy` judges the data's containers).
    pub fn container_uses(&self) -> impl Iterator<Item = ContainerUse<'a>> + '_ {
        self.inventory()
            .iter()
            .filter(|r| {
                r.kind == ResourceKind::Container
                    && !r.key
                    && !r.field.0.starts_with("AllowDenyPolicy")
            })
            .filter_map(|r| self.container_use(r))
    }

    /// The use a reference to a container makes, when a team's element makes it.
    fn container_use(&self, r: &ResourceRef) -> Option<ContainerUse<'a>> {
        let keys = r.path.shape();
        let (zone, team, _, below) = datasurface_core::resources::team_at(self.eco, &keys)?;
        let container = ContainerName::new(r.name.as_str()).ok()?;
        let user = match below {
            ["datastores", store, "capture", "ingestion", "container"] => {
                DatastoreName::new(*store)
                    .ok()
                    .and_then(|s| self.index.datastore(&s))
                    .map(ContainerUser::Capture)
            }
            ["workspaces", workspace, "container"] => WorkspaceName::new(*workspace)
                .ok()
                .and_then(|w| self.index.workspace(&w))
                .map(ContainerUser::Workspace),
            _ => None,
        };
        let user = user.unwrap_or_else(|| ContainerUser::Field {
            zone,
            team,
            path: r.path.clone(),
        });
        Some(ContainerUse { user, container })
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
