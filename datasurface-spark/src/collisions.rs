//! The names the platform makes, claimed in its lint so that two model
//! objects never share one (see [`datasurface_platform::PhysicalNames`]):
//! each stream's directory in the warehouse and its tables' directories
//! (case folded: object stores and some file systems ignore it), and each
//! workspace's database and views in the Spark catalog. Columns may not
//! start with the platform's `ds_surf_`.

use datasurface_core::names::{DatasetGroupName, DatasetName, DatastoreName, WorkspaceName};
use datasurface_platform::graph::{NodeKind, PlatformGraph};
use datasurface_platform::{Claimant, PhysicalNames, reserved_column};
use datasurface_rules::validate::{Diagnostic, ModelIndex, Places};

use crate::config::SparkConfig;
use crate::layout;
use crate::names;

/// The namespace of the DAGs' ids.
const DAG_IDS: &str = "an Airflow DAG id";

/// The prefix of the platform's own columns.
pub const RESERVED_PREFIX: &str = "ds_surf_";

/// The model object that claims a name: cheap to compare, described only
/// when it collides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner<'a> {
    /// A stream, for its directory: the datastore, and the dataset of a
    /// stream of one.
    Stream(&'a DatastoreName, Option<&'a DatasetName>),
    /// A dataset, for its table's directory.
    Dataset(&'a DatastoreName, &'a DatasetName),
    /// A workspace, for its database.
    Workspace(&'a WorkspaceName),
    /// A transformer, for its DAG.
    Transformer(&'a WorkspaceName),
    /// A dataset of a group, for its view.
    View(
        &'a WorkspaceName,
        &'a DatasetGroupName,
        &'a DatastoreName,
        &'a DatasetName,
    ),
}

impl Owner<'_> {
    fn describe(&self, places: &Places) -> Claimant {
        match *self {
            Owner::Stream(s, None) => {
                Claimant::new(format!("the ingestion of `{s}`"), places.datastore(s))
            }
            Owner::Stream(s, Some(d)) | Owner::Dataset(s, d) => {
                Claimant::new(format!("dataset `{s}.{d}`"), places.dataset(s, d))
            }
            Owner::Workspace(w) => Claimant::new(format!("workspace `{w}`"), places.workspace(w)),
            Owner::Transformer(w) => {
                Claimant::new(format!("transformer `{w}`"), places.workspace(w))
            }
            Owner::View(w, g, s, d) => Claimant::new(
                format!("dataset `{s}.{d}` of group `{w}.{g}`"),
                places.dataset_group(w, g),
            ),
        }
    }
}

/// Every collision among the names the platform would make for `graph`,
/// and every column that takes the platform's prefix.
pub(crate) fn check(
    platform: &str,
    config: &SparkConfig,
    graph: &PlatformGraph,
    index: &ModelIndex<'_>,
    places: &Places,
) -> Vec<Diagnostic> {
    let mut claimed = PhysicalNames::new(
        platform,
        format!(
            "writes each name as a path segment, folding case, and {}",
            names::RULE
        ),
    );
    let mut found = Vec::new();
    for node in graph.nodes() {
        match &node.kind {
            NodeKind::Ingest {
                datastore, dataset, ..
            } => {
                let stream = names::stream(
                    datastore.as_str(),
                    dataset.as_ref().map(DatasetName::as_str),
                );
                let root = layout::stream_dir(&config.warehouse, &stream);
                let owner = Owner::Stream(datastore, dataset.as_ref());
                claimed.claim(
                    "a stream's directory in the warehouse",
                    root.clone(),
                    true,
                    owner,
                );
                let mut id = vec![platform, datastore.as_str()];
                id.extend(dataset.as_ref().map(DatasetName::as_str));
                claimed.claim(
                    DAG_IDS,
                    datasurface_airflow::names::dag_id(&id),
                    true,
                    owner,
                );
                let Some(store) = index.datastore(datastore).map(|p| p.item) else {
                    continue;
                };
                for (name, d) in &store.datasets {
                    if dataset.as_ref().is_some_and(|only| only != name) {
                        continue;
                    }
                    claimed.claim(
                        &format!("a table directory of stream `{stream}`"),
                        layout::table_dir(&root, name.as_str()),
                        true,
                        Owner::Dataset(datastore, name),
                    );
                    for column in d.schema.columns.keys() {
                        found.extend(reserved_column(
                            platform,
                            RESERVED_PREFIX,
                            column.as_str(),
                            &format!("dataset `{datastore}.{name}`"),
                            &places.dataset(datastore, name),
                        ));
                    }
                }
            }
            NodeKind::Workspace {
                workspace,
                dataset_group,
            } => {
                let database = names::database(workspace.as_str());
                claimed.claim(
                    "a database in the Spark catalog",
                    database.clone(),
                    true,
                    Owner::Workspace(workspace),
                );
                let Some(group) = index
                    .workspace(workspace)
                    .and_then(|w| w.item.dataset_groups.get(dataset_group))
                else {
                    continue;
                };
                for sink in &group.sinks {
                    let view = names::view(
                        dataset_group.as_str(),
                        sink.datastore.as_str(),
                        sink.dataset.as_str(),
                    );
                    let owner =
                        Owner::View(workspace, dataset_group, &sink.datastore, &sink.dataset);
                    let namespace = format!("a view in database `{database}`");
                    claimed.claim(&namespace, format!("{view}__history"), true, owner);
                    claimed.claim(&namespace, view, true, owner);
                }
            }
            NodeKind::DataTransformer { workspace } => claimed.claim(
                DAG_IDS,
                datasurface_airflow::names::dag_id(&[platform, "transformer", workspace.as_str()]),
                true,
                Owner::Transformer(workspace),
            ),
            _ => {}
        }
    }
    found.extend(claimed.into_diagnostics(|owner| owner.describe(places)));
    found
}
