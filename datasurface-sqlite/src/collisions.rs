//! The names the platform makes, claimed in its lint so that two model
//! objects never share one (see [`datasurface_platform::PhysicalNames`]):
//! tables in the merge database, each container's database file, and the
//! tables and views in each container's database. SQLite compares names
//! without case, and file systems may too, so case is folded. Columns may not
//! start with the platform's `ds_`.

use datasurface_core::names::{
    ContainerName, DatasetGroupName, DatasetName, DatastoreName, WorkspaceName,
};
use datasurface_platform::graph::{NodeKind, PlatformGraph};
use datasurface_platform::{
    Carried, Claimant, PhysicalNames, ingested_datasets, is_reserved_column, reserved_column,
};
use datasurface_rules::validate::{Diagnostic, ModelIndex, ModelPath, Places};

use crate::render::naming;

/// The namespace of the merge database's tables.
const MERGE_TABLES: &str = "a table in the merge database";

const RULE: &str = "compares names without case and joins name parts with `__` (container file names: characters other than letters, digits, `-` and `_` as `_`)";

/// The file name of a container's database in the state directory.
pub(crate) fn container_file(container: &str) -> String {
    let safe: String = container
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // Well under the 255 bytes file systems allow: a long name keeps its
    // start and ends with its hash.
    if safe.len() > 120 {
        let hash = datasurface_platform::content_hash(container);
        format!("{}-{}.sqlite", &safe[..111], &hash[..8])
    } else {
        format!("{safe}.sqlite")
    }
}

/// The model object that claims a name: cheap to compare, described only
/// when it collides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner<'a> {
    /// A dataset, for its tables in the merge database.
    Dataset(&'a DatastoreName, &'a DatasetName),
    /// A container, for its database file; the path is where it was first met.
    Container(&'a ContainerName, Carried<Place<'a>>),
    /// The export of a dataset to a container.
    Export(&'a DatastoreName, &'a DatasetName),
    /// An input of a transformer.
    Input(&'a WorkspaceName, &'a DatastoreName, &'a DatasetName),
    /// The view of a sink for a dataset group.
    View(
        &'a WorkspaceName,
        &'a DatasetGroupName,
        &'a DatastoreName,
        &'a DatasetName,
    ),
}

/// Where a container was met: a dataset, a transformer or a dataset group.
#[derive(Debug, Clone, Copy)]
enum Place<'a> {
    Dataset(&'a DatastoreName, &'a DatasetName),
    Transformer(&'a WorkspaceName),
    Group(&'a WorkspaceName, &'a DatasetGroupName),
}

fn place_path(places: &Places, place: Place<'_>) -> ModelPath {
    match place {
        Place::Dataset(store, dataset) => places.dataset(store, dataset),
        Place::Transformer(ws) => places.workspace(ws),
        Place::Group(ws, group) => places.dataset_group(ws, group),
    }
}

/// What a collision says of an owner, and where it is.
fn describe(places: &Places, owner: &Owner<'_>) -> Claimant {
    let (what, path) = match *owner {
        Owner::Dataset(store, dataset) => (
            format!("dataset `{store}.{dataset}`"),
            place_path(places, Place::Dataset(store, dataset)),
        ),
        Owner::Container(c, Carried(place)) => {
            (format!("container `{c}`"), place_path(places, place))
        }
        Owner::Export(store, dataset) => (
            format!("the export of `{store}.{dataset}`"),
            place_path(places, Place::Dataset(store, dataset)),
        ),
        Owner::Input(ws, store, dataset) => (
            format!("input `{store}.{dataset}` of transformer `{ws}`"),
            places.workspace(ws),
        ),
        Owner::View(ws, group, store, dataset) => (
            format!("the view of `{store}.{dataset}` for group `{ws}.{group}`"),
            place_path(places, Place::Group(ws, group)),
        ),
    };
    Claimant::new(what, path)
}

/// The names a dataset group's sink claims in its container: its view, the
/// view's `__history`, and for a hooked workspace the group's own table.
fn group_names(
    ws: &datasurface_core::Workspace,
    workspace: &WorkspaceName,
    group: &DatasetGroupName,
    sink: &datasurface_core::DatasetSink,
) -> Vec<String> {
    let (w, g, s, d) = (
        workspace.as_str(),
        group.as_str(),
        sink.datastore.as_str(),
        sink.dataset.as_str(),
    );
    let view = naming::view(w, g, s, d);
    let mut names = vec![format!("{view}__history"), view];
    if ws.hook.is_some() {
        names.push(naming::delivered(w, g, s, d));
    }
    names
}

/// The collisions (and reserved column names) of a platform's graph.
pub(crate) fn check<'a>(
    platform: &str,
    graph: &'a PlatformGraph,
    index: &'a ModelIndex<'a>,
    places: &Places,
) -> Vec<Diagnostic> {
    let mut names: PhysicalNames<Owner<'a>> = PhysicalNames::new(platform, RULE);
    // Two tables for each dataset ingested.
    names.reserve(MERGE_TABLES, 2 * ingested_datasets(graph, index));
    let mut found = Vec::new();
    let container = |names: &mut PhysicalNames<Owner<'a>>, c: &'a ContainerName, at: Place<'a>| {
        let owner = Owner::Container(c, Carried(at));
        names.claim("a database file", container_file(c.as_str()), true, owner);
        format!("a table or view in the database of container `{c}`")
    };
    for node in graph.nodes() {
        match &node.kind {
            NodeKind::Ingest {
                datastore, dataset, ..
            } => {
                let Some(store) = index.datastore(datastore).map(|p| p.item) else {
                    continue;
                };
                for (name, d) in &store.datasets {
                    if dataset.as_ref().is_some_and(|only| only != name) {
                        continue;
                    }
                    let owner = Owner::Dataset(datastore, name);
                    for table in [
                        naming::staging(datastore.as_str(), name.as_str()),
                        naming::merge(datastore.as_str(), name.as_str()),
                    ] {
                        names.claim(MERGE_TABLES, table, true, owner);
                    }
                    for column in d.schema.columns.keys() {
                        if !is_reserved_column("ds_", column.as_str()) {
                            continue;
                        }
                        let what = format!("dataset `{datastore}.{name}`");
                        let at = place_path(places, Place::Dataset(datastore, name)).keys([
                            "schema",
                            "columns",
                            column.as_str(),
                        ]);
                        found.extend(reserved_column(
                            platform,
                            "ds_",
                            column.as_str(),
                            &what,
                            &at,
                        ));
                    }
                }
            }
            NodeKind::Export {
                container: c,
                datastore,
                dataset,
            } => {
                let tables = container(&mut names, c, Place::Dataset(datastore, dataset));
                let table = naming::export(datastore.as_str(), dataset.as_str());
                names.claim(&tables, table, true, Owner::Export(datastore, dataset));
            }
            NodeKind::DataTransformer { workspace } => {
                let Some(ws) = index.workspace(workspace).map(|p| p.item) else {
                    continue;
                };
                let Some(c) = &ws.container else { continue };
                let tables = container(&mut names, c, Place::Transformer(workspace));
                for (_, sink) in ws.sinks() {
                    let view = naming::input(sink.datastore.as_str(), sink.dataset.as_str());
                    let owner = Owner::Input(workspace, &sink.datastore, &sink.dataset);
                    names.claim(&tables, view, true, owner);
                }
            }
            NodeKind::Workspace {
                workspace,
                dataset_group,
            } => {
                let Some(ws) = index.workspace(workspace).map(|p| p.item) else {
                    continue;
                };
                let (Some(c), Some(group)) = (&ws.container, ws.dataset_groups.get(dataset_group))
                else {
                    continue;
                };
                let tables = container(&mut names, c, Place::Group(workspace, dataset_group));
                for sink in &group.sinks {
                    let owner =
                        Owner::View(workspace, dataset_group, &sink.datastore, &sink.dataset);
                    for name in group_names(ws, workspace, dataset_group, sink) {
                        names.claim(&tables, name, true, owner);
                    }
                }
            }
            // A trigger names nothing; `render` refuses a kind it does not know.
            _ => {}
        }
    }
    found.extend(names.into_diagnostics(|owner| describe(places, owner)));
    found
}
