//! What the container policy rules share: which containers hold which zone's data.
//!
//! A zone's location, vendor and hard-vendor policies say where its data may
//! be. Its data sits in the ingestion containers of its datastores, in the
//! containers of its workspaces, and in the container of every workspace, in
//! any zone, that reads one of its datasets. (The reference implementation
//! checked only the last of these.)

use crate::validate::{Context, ModelPath};
use crate::validate::{Placed, SinkAt};
use datasurface_core::names::{ContainerName, DatastoreName, WorkspaceName, ZoneName};
use datasurface_core::{ContainerKind, DataContainer, Datastore, Workspace};

/// A container that holds some zone's data, and why.
pub(crate) struct Holding<'a> {
    /// The container's name.
    pub(crate) name: &'a ContainerName,
    /// The container.
    pub(crate) container: &'a DataContainer,
    /// The zone whose data it holds.
    pub(crate) zone: &'a ZoneName,
    /// The reference that puts the zone's data there.
    via: Via<'a>,
}

/// The reference that puts a zone's data in a container.
enum Via<'a> {
    /// A datastore is captured from it.
    Capture(Placed<'a, DatastoreName, Datastore>),
    /// A workspace of the zone uses it.
    Workspace(Placed<'a, WorkspaceName, Workspace>),
    /// A workspace receives one of the zone's datasets in it.
    Sink(SinkAt<'a>),
}

impl Holding<'_> {
    /// Where the reference is, for a finding (built only for one).
    pub(crate) fn path(&self) -> ModelPath {
        match &self.via {
            Via::Capture(store) => {
                store
                    .path("datastores")
                    .keys(["capture", "ingestion", "container"])
            }
            Via::Workspace(ws) => ws.path("workspaces").key("container"),
            Via::Sink(at) => at.path(),
        }
    }

    /// The container's locations that resolve; the others are reported as
    /// unknown and cannot be held to a policy.
    pub(crate) fn known_locations(&self, cx: &Context<'_>) -> Vec<&datasurface_core::LocationRef> {
        self.container
            .locations
            .iter()
            .filter(|l| cx.location_exists(l))
            .collect()
    }

    /// The vendors of the container's known locations, each once.
    pub(crate) fn known_vendors(
        &self,
        cx: &Context<'_>,
    ) -> Vec<&datasurface_core::names::VendorName> {
        let mut vendors: Vec<&datasurface_core::names::VendorName> = self
            .known_locations(cx)
            .into_iter()
            .map(|l| &l.vendor)
            .collect();
        vendors.sort();
        vendors.dedup();
        vendors
    }

    /// How the data gets there, for a finding's message.
    pub(crate) fn why(&self) -> String {
        match &self.via {
            Via::Capture(store) => format!("datastore `{}` is captured from it", store.name),
            Via::Workspace(ws) => format!("workspace `{}` uses it", ws.name),
            Via::Sink(at) => format!(
                "workspace `{}` receives `{}.{}` in it",
                at.workspace.name, at.sink.datastore, at.sink.dataset
            ),
        }
    }
}

/// Every container that holds a zone's data, once per reference. Containers
/// that the platform manages are left out: the platform places them.
pub(crate) fn holdings<'a>(cx: &Context<'a>) -> Vec<Holding<'a>> {
    let mut out = Vec::new();
    let mut push = |name: &'a ContainerName, zone: &'a ZoneName, via: Via<'a>| {
        if let Some(placed) = cx.index.container(name)
            && !matches!(placed.item.kind, ContainerKind::PlatformManaged)
        {
            out.push(Holding {
                name,
                container: placed.item,
                zone,
                via,
            });
        }
    };
    for store in cx.index.datastores.values().flatten() {
        if let Some(ingestion) = store.item.capture.ingestion() {
            push(&ingestion.container, store.zone, Via::Capture(*store));
        }
    }
    for ws in cx.index.workspaces.values().flatten() {
        if let Some(container) = &ws.item.container {
            push(container, ws.zone, Via::Workspace(*ws));
        }
    }
    for at in cx.sinks() {
        let (Some(container), Some(store)) = (
            &at.workspace.item.container,
            cx.index.datastore(&at.sink.datastore),
        ) else {
            continue;
        };
        if store.zone != at.workspace.zone {
            push(container, store.zone, Via::Sink(at));
        }
    }
    out
}
