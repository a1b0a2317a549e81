//! Nodes of an intention graph and their stable keys.

use std::fmt;

use datasurface_core::WorkspacePriority;
use datasurface_core::diagnostic::ModelPath;
use datasurface_core::names::{
    ContainerName, DatasetGroupName, DatasetName, DatastoreName, PlatformName, WorkspaceName,
};
use datasurface_core::places::Places;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A node's identity: it depends only on what the node means, never on build
/// order, so renders and diffs can key on it. Written like
/// `Ingest/<platform>/<store>[/<dataset>]`, `Export/<platform>/<container>/<store>/<dataset>`,
/// `Trigger/<platform>/<workspace>`, `DataTransformer/<platform>/<workspace>` and
/// `Workspace/<platform>/<workspace>/<dataset group>`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(transparent)]
pub struct NodeKey(String);

impl NodeKey {
    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The model element the node stands for, in the model's words:
    /// ``dataset `Orders.orders` in container `Warehouse` ``.
    pub fn describe(&self) -> String {
        // Names in a key cannot hold `/` (display names refuse it, SQL
        // identifiers cannot have it), so the parts split back cleanly.
        let parts: Vec<&str> = self.0.split('/').collect();
        match parts.as_slice() {
            ["Ingest", _, store] => format!("the ingestion of datastore `{store}`"),
            ["Ingest", _, store, dataset] => format!("the ingestion of `{store}.{dataset}`"),
            ["Export", _, container, store, dataset] => {
                format!("dataset `{store}.{dataset}` in container `{container}`")
            }
            ["Trigger", _, workspace] => format!("the trigger of transformer `{workspace}`"),
            ["DataTransformer", _, workspace] => format!("transformer `{workspace}`"),
            ["Workspace", _, workspace, group] => format!("dataset group `{workspace}.{group}`"),
            _ => format!("graph node `{}`", self.0),
        }
    }
}

impl fmt::Display for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a node asks the platform to do.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    tag = "kind"
)]
#[non_exhaustive]
pub enum NodeKind {
    /// Ingest a datastore (or one dataset of a single-dataset datastore).
    Ingest {
        /// The datastore.
        datastore: DatastoreName,
        /// The dataset, for single-dataset capture.
        #[serde(skip_serializing_if = "Option::is_none")]
        dataset: Option<DatasetName>,
        /// Where the data comes from when another platform is the primary
        /// ingestion platform of the datastore; none when this platform ingests
        /// from the producer itself.
        #[serde(skip_serializing_if = "Option::is_none")]
        from_platform: Option<PlatformName>,
    },
    /// Make a dataset available in a data container.
    Export {
        /// The container.
        container: ContainerName,
        /// The datastore.
        datastore: DatastoreName,
        /// The dataset.
        dataset: DatasetName,
    },
    /// Decide when a data transformer runs.
    Trigger {
        /// The transformer's workspace.
        workspace: WorkspaceName,
    },
    /// Run a data transformer.
    DataTransformer {
        /// The transformer's workspace.
        workspace: WorkspaceName,
    },
    /// A consumer's dataset group: what the graph delivers to.
    Workspace {
        /// The workspace.
        workspace: WorkspaceName,
        /// The dataset group.
        dataset_group: DatasetGroupName,
    },
}

impl NodeKind {
    /// The model object the node stands for, as a finding names it (such
    /// as "the export of `NW_Data.customers` to `Mart A`"), and its place
    /// in the model.
    pub fn described(&self, places: &Places) -> (String, ModelPath) {
        match self {
            NodeKind::Ingest {
                datastore,
                dataset: None,
                ..
            } => (
                format!("the ingestion of `{datastore}`"),
                places.datastore(datastore),
            ),
            NodeKind::Ingest {
                datastore,
                dataset: Some(dataset),
                ..
            } => (
                format!("the ingestion of `{datastore}.{dataset}`"),
                places.dataset(datastore, dataset),
            ),
            NodeKind::Export {
                container,
                datastore,
                dataset,
            } => (
                format!("the export of `{datastore}.{dataset}` to `{container}`"),
                places.dataset(datastore, dataset),
            ),
            NodeKind::Trigger { workspace } => (
                format!("the trigger of transformer `{workspace}`"),
                places.workspace(workspace),
            ),
            NodeKind::DataTransformer { workspace } => (
                format!("transformer `{workspace}`"),
                places.workspace(workspace),
            ),
            NodeKind::Workspace {
                workspace,
                dataset_group,
            } => (
                format!("dataset group `{workspace}.{dataset_group}`"),
                places.dataset_group(workspace, dataset_group),
            ),
        }
    }

    /// The node's stable key on a platform.
    pub fn key(&self, platform: &PlatformName) -> NodeKey {
        NodeKey(match self {
            NodeKind::Ingest {
                datastore,
                dataset: None,
                ..
            } => format!("Ingest/{platform}/{datastore}"),
            NodeKind::Ingest {
                datastore,
                dataset: Some(d),
                ..
            } => format!("Ingest/{platform}/{datastore}/{d}"),
            NodeKind::Export {
                container,
                datastore,
                dataset,
            } => {
                format!("Export/{platform}/{container}/{datastore}/{dataset}")
            }
            NodeKind::Trigger { workspace } => format!("Trigger/{platform}/{workspace}"),
            NodeKind::DataTransformer { workspace } => {
                format!("DataTransformer/{platform}/{workspace}")
            }
            NodeKind::Workspace {
                workspace,
                dataset_group,
            } => format!("Workspace/{platform}/{workspace}/{dataset_group}"),
        })
    }
}

/// A node of an intention graph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Node {
    /// Its stable key.
    pub key: NodeKey,
    /// What it does.
    #[serde(flatten)]
    pub kind: NodeKind,
    /// The highest priority of the workspaces it serves.
    pub priority: WorkspacePriority,
}
