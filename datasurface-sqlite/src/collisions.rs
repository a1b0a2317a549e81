//! The names the platform makes, claimed in its lint so that two model
//! objects never share one (see [`datasurface_platform::PhysicalNames`]):
//! tables in the merge database, each container's database file, and the
//! tables and views in each container's database. SQLite compares names
//! without case, and file systems may too, so case is folded. Columns may not
//! start with the platform's `ds_`.

use datasurface_platform::graph::{NodeKind, PlatformGraph};
use datasurface_platform::model::names::{ContainerName, DatastoreName, WorkspaceName};
use datasurface_platform::model::validate::{Diagnostic, ModelIndex, ModelPath};
use datasurface_platform::{PhysicalNames, is_reserved_column, reserved_column};

use crate::render::naming;

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

/// The collisions (and reserved column names) of a platform's graph.
#[allow(
    clippy::too_many_lines,
    reason = "one arm per node kind, each claiming the names its rendering makes"
)]
pub(crate) fn check(
    platform: &str,
    graph: &PlatformGraph,
    index: &ModelIndex<'_>,
) -> Vec<Diagnostic> {
    let mut names = PhysicalNames::new(platform, RULE);
    let mut found = Vec::new();
    let store_path = |store: &DatastoreName| {
        index.datastore(store).map_or_else(ModelPath::root, |at| {
            ModelPath::team(at.zone, at.team).keys(["datastores", store.as_str()])
        })
    };
    let workspace_path = |ws: &WorkspaceName| {
        index.workspace(ws).map_or_else(ModelPath::root, |at| {
            ModelPath::team(at.zone, at.team).keys(["workspaces", ws.as_str()])
        })
    };
    let container = |names: &mut PhysicalNames, c: &ContainerName, path: &ModelPath| {
        let what = format!("container `{c}`");
        names.claim(
            "a database file",
            &container_file(c.as_str()),
            true,
            &what,
            path,
        );
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
                let path = store_path(datastore);
                for (name, d) in &store.datasets {
                    if dataset.as_ref().is_some_and(|only| only != name) {
                        continue;
                    }
                    let what = format!("dataset `{datastore}.{name}`");
                    let at = path.keys(["datasets", name.as_str()]);
                    for table in [
                        naming::staging(datastore.as_str(), name.as_str()),
                        naming::merge(datastore.as_str(), name.as_str()),
                    ] {
                        names.claim("a table in the merge database", &table, true, &what, &at);
                    }
                    for column in d.schema.columns.keys() {
                        if !is_reserved_column("ds_", column.as_str()) {
                            continue;
                        }
                        found.extend(reserved_column(
                            platform,
                            "ds_",
                            column.as_str(),
                            &what,
                            &at.keys(["schema", "columns", column.as_str()]),
                        ));
                    }
                }
            }
            NodeKind::Export {
                container: c,
                datastore,
                dataset,
            } => {
                let at = store_path(datastore).keys(["datasets", dataset.as_str()]);
                let tables = container(&mut names, c, &at);
                let what = format!("the export of `{datastore}.{dataset}`");
                let table = naming::export(datastore.as_str(), dataset.as_str());
                names.claim(&tables, &table, true, &what, &at);
            }
            NodeKind::DataTransformer { workspace } => {
                let Some(ws) = index.workspace(workspace).map(|p| p.item) else {
                    continue;
                };
                let Some(c) = &ws.container else { continue };
                let path = workspace_path(workspace);
                let tables = container(&mut names, c, &path);
                for (_, sink) in ws.sinks() {
                    let view = naming::input(sink.datastore.as_str(), sink.dataset.as_str());
                    let what = format!(
                        "input `{}.{}` of transformer `{workspace}`",
                        sink.datastore, sink.dataset
                    );
                    names.claim(&tables, &view, true, &what, &path);
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
                let at = workspace_path(workspace).keys(["datasetGroups", dataset_group.as_str()]);
                let tables = container(&mut names, c, &at);
                for sink in &group.sinks {
                    let what = format!(
                        "the view of `{}.{}` for group `{workspace}.{dataset_group}`",
                        sink.datastore, sink.dataset
                    );
                    let view = naming::view(
                        workspace.as_str(),
                        dataset_group.as_str(),
                        sink.datastore.as_str(),
                        sink.dataset.as_str(),
                    );
                    names.claim(&tables, &format!("{view}__history"), true, &what, &at);
                    names.claim(&tables, &view, true, &what, &at);
                }
            }
            NodeKind::Trigger { .. } => {}
        }
    }
    found.extend(names.into_diagnostics());
    found
}
