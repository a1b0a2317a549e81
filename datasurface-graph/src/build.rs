//! Building intention graphs from a validated model.

use std::collections::BTreeSet;

use datasurface_core::names::{
    DatasetGroupName, DatasetName, DatastoreName, PlatformName, WorkspaceName,
};
use datasurface_core::{
    CaptureMetadata, Datastore, Ecosystem, IngestionConsistency, OrderedMap, Workspace,
    WorkspacePriority,
};
use datasurface_rules::validate::{Diagnostic, ModelPath, Report, Severity, ValidEcosystem};
use indexmap::IndexMap;

use crate::graph::PlatformGraph;
use crate::node::{Node, NodeKey, NodeKind};

/// Every platform's intention graph, and what building them found.
#[derive(Debug, Clone, Default)]
pub struct IntentionGraphs {
    /// One graph per declared platform, in the model's platform order; empty
    /// for a platform with nothing to do.
    pub graphs: IndexMap<PlatformName, PlatformGraph>,
    /// What building them found: consumer groups no platform delivers.
    pub report: Report,
}

impl IntentionGraphs {
    /// The graph of a platform: the one built, or an empty one for a name
    /// the model does not declare (or declared after they were built), so
    /// that rendering it plans the deletion of what it had.
    pub fn graph(&self, platform: &PlatformName) -> std::borrow::Cow<'_, PlatformGraph> {
        self.graphs.get(platform).map_or_else(
            || std::borrow::Cow::Owned(PlatformGraph::new(platform.clone())),
            std::borrow::Cow::Borrowed,
        )
    }
}

/// Lookups the builder needs, made once.
struct Lookup<'a> {
    eco: &'a Ecosystem,
    stores: OrderedMap<&'a DatastoreName, &'a Datastore>,
    workspaces: OrderedMap<&'a WorkspaceName, &'a Workspace>,
}

impl<'a> Lookup<'a> {
    fn new(eco: &'a Ecosystem) -> Self {
        Lookup {
            eco,
            stores: eco
                .datastores()
                .map(|(_, name, store)| (name, store))
                .collect(),
            workspaces: eco.workspaces().map(|(_, name, ws)| (name, ws)).collect(),
        }
    }
}

/// Builds the intention graph of every declared platform, from each consumer
/// it delivers to (decommissioned assignments are left out) back to the
/// producers, following chains of transformers. A platform with nothing to do
/// has an empty graph.
///
/// A datastore with primary ingestion platforms is ingested by the first of
/// them, and every other platform mirrors it from there: so a primary platform
/// ingests a datastore (and runs the transformer that writes it) whenever any
/// platform mirrors it, even when none of its own consumers read it.
///
/// Each node's priority is the highest of the workspaces it serves: the
/// consumers downstream of it, and the transformers downstream of it (a
/// critical transformer makes what it reads critical), on this platform or on
/// a platform that mirrors from it.
///
/// Validation refuses transformer cycles (`transformer-cycle`), so the graphs
/// of a valid model are acyclic.
pub fn build(valid: &ValidEcosystem) -> IntentionGraphs {
    let eco = valid.ecosystem();
    let lookup = Lookup::new(eco);
    // Each platform's consumers, on every core.
    let platforms: Vec<&PlatformName> = eco.platforms.keys().collect();
    let rooted = datasurface_stdx::parallel::each(
        &platforms,
        |platform| {
            eco.assignments
                .iter()
                .filter(|a| a.platforms.iter().any(|p| &&p.platform == platform))
                .count()
        },
        |&platform| {
            let mut builder = Builder {
                lookup: &lookup,
                graph: PlatformGraph::new(platform.clone()),
                transformers: BTreeSet::new(),
            };
            for a in &eco.assignments {
                if a.platforms
                    .iter()
                    .any(|p| p.is_live() && &p.platform == platform)
                {
                    builder.root(&a.workspace, &a.dataset_group);
                }
            }
            builder
        },
    );
    let mut builders: IndexMap<&PlatformName, Builder<'_, '_>> =
        platforms.into_iter().zip(rooted).collect();
    // What other platforms mirror, their primary platforms ingest; that may
    // run transformers whose inputs are mirrored in turn, so until nothing new.
    let mut served: BTreeSet<NodeKey> = BTreeSet::new();
    loop {
        let wanted: Vec<(PlatformName, DatastoreName, Option<DatasetName>)> = builders
            .values()
            .flat_map(|b| b.graph.nodes_as_added())
            .filter_map(|node| match &node.kind {
                NodeKind::Ingest {
                    datastore,
                    dataset,
                    from_platform: Some(primary),
                } => Some((primary.clone(), datastore.clone(), dataset.clone())),
                _ => None,
            })
            .filter(|(primary, datastore, dataset)| {
                let kind = NodeKind::Ingest {
                    datastore: datastore.clone(),
                    dataset: dataset.clone(),
                    from_platform: None,
                };
                served.insert(kind.key(primary))
            })
            .collect();
        if wanted.is_empty() {
            break;
        }
        for (primary, datastore, dataset) in wanted {
            if let (Some(builder), Some((name, _))) = (
                builders.get_mut(&primary),
                lookup.stores.get_key_value(&datastore),
            ) {
                builder.ingest_dataset(name, dataset.as_ref());
            }
        }
    }
    let mut graphs: IndexMap<PlatformName, PlatformGraph> = builders
        .into_iter()
        .map(|(name, b)| (name.clone(), b.graph))
        .collect();
    // Every node is in: the index is sorted once, before the passes that
    // walk the nodes in order.
    let mut each: Vec<&mut PlatformGraph> = graphs.values_mut().collect();
    datasurface_stdx::parallel::each_mut(&mut each, |g| g.len(), |g| g.sort_index());
    propagate_priorities(&mut graphs, &lookup);
    let mut found = Vec::new();
    unassigned_groups(eco, &mut found);
    IntentionGraphs {
        graphs,
        report: Report::new(found),
    }
}

struct Builder<'a, 'b> {
    lookup: &'b Lookup<'a>,
    graph: PlatformGraph,
    transformers: BTreeSet<&'a WorkspaceName>,
}

impl<'a> Builder<'a, '_> {
    fn node(&mut self, kind: NodeKind) -> NodeKey {
        let key = kind.key(self.graph.platform());
        self.graph.add(Node {
            key,
            kind,
            priority: WorkspacePriority::Low,
        })
    }

    /// A consumer's dataset group and everything it needs. A workspace
    /// without a container gets nothing: there is nowhere to deliver to
    /// (validation warns, `workspace-without-container`).
    fn root(&mut self, workspace: &'a WorkspaceName, group: &'a DatasetGroupName) {
        let Some(&ws) = self.lookup.workspaces.get(workspace) else {
            return;
        };
        if ws.container.is_none() || !ws.dataset_groups.contains_key(group) {
            return;
        }
        let root = self.node(NodeKind::Workspace {
            workspace: workspace.clone(),
            dataset_group: group.clone(),
        });
        self.deliver(ws, Some(group), &root);
    }

    /// Exports every sink of a workspace's group (or every group) into its container, feeding `into`.
    fn deliver(&mut self, ws: &'a Workspace, group: Option<&DatasetGroupName>, into: &NodeKey) {
        let Some(container) = &ws.container else {
            return;
        };
        for (group_name, g) in &ws.dataset_groups {
            if group.is_some_and(|wanted| wanted != group_name) {
                continue;
            }
            for sink in &g.sinks {
                let export = self.node(NodeKind::Export {
                    container: container.clone(),
                    datastore: sink.datastore.clone(),
                    dataset: sink.dataset.clone(),
                });
                self.graph.connect(&export, into);
                if let Some(ingest) = self.ingest(&sink.datastore, &sink.dataset) {
                    self.graph.connect(&ingest, &export);
                }
            }
        }
    }

    /// The ingestion of a dataset on this platform, with what feeds it.
    fn ingest(&mut self, store_name: &DatastoreName, dataset: &DatasetName) -> Option<NodeKey> {
        let store = *self.lookup.stores.get(store_name)?;
        let single = store.capture.consistency() == IngestionConsistency::SingleDataset;
        self.ingest_dataset(store_name, single.then_some(dataset))
    }

    /// The ingestion of a datastore (or of one dataset of a single-dataset
    /// datastore) on this platform: mirrored from its primary ingestion
    /// platform when that is another, else captured here, running the
    /// transformer that writes it.
    fn ingest_dataset(
        &mut self,
        store_name: &DatastoreName,
        dataset: Option<&DatasetName>,
    ) -> Option<NodeKey> {
        let store = *self.lookup.stores.get(store_name)?;
        let platform = self.graph.platform().clone();
        let from_platform = self
            .lookup
            .eco
            .primary_ingestion_platforms
            .get(store_name)
            .filter(|primaries| !primaries.is_empty() && !primaries.contains(&platform))
            .and_then(|primaries| primaries.first().cloned());
        let ingest = self.node(NodeKind::Ingest {
            datastore: store_name.clone(),
            dataset: dataset.cloned(),
            from_platform: from_platform.clone(),
        });
        if from_platform.is_some() {
            // Another platform ingests it; this one takes it from there.
            return Some(ingest);
        }
        if let CaptureMetadata::TransformerOutput(output) = &store.capture {
            let transformer = self.node(NodeKind::DataTransformer {
                workspace: output.workspace.clone(),
            });
            self.graph.connect(&transformer, &ingest);
            self.transformer(&output.workspace, &transformer);
        }
        Some(ingest)
    }

    /// A transformer's trigger and inputs, once per transformer.
    fn transformer(&mut self, workspace: &WorkspaceName, transformer: &NodeKey) {
        let Some((name, &ws)) = self.lookup.workspaces.get_key_value(workspace) else {
            return;
        };
        if !self.transformers.insert(name) {
            return;
        }
        let trigger = self.node(NodeKind::Trigger {
            workspace: workspace.clone(),
        });
        self.graph.connect(&trigger, transformer);
        self.deliver(ws, None, &trigger);
    }
}

/// Gives every node the highest priority of the workspaces it serves: each
/// consumer's priority flows upstream from its dataset group's node, each
/// transformer's own priority from its node, and a mirrored ingestion's from
/// the mirror to the primary platform's ingestion, until nothing rises.
fn propagate_priorities(graphs: &mut IndexMap<PlatformName, PlatformGraph>, lookup: &Lookup<'_>) {
    let own = |kind: &NodeKind| match kind {
        NodeKind::Workspace { workspace, .. } | NodeKind::DataTransformer { workspace } => {
            lookup.workspaces.get(workspace).map(|ws| ws.priority)
        }
        _ => None,
    };
    let mut seeds: Vec<(PlatformName, NodeKey, WorkspacePriority)> = graphs
        .iter()
        .flat_map(|(platform, graph)| {
            graph
                .nodes()
                .into_iter()
                .filter_map(|node| own(&node.kind).map(|p| (platform.clone(), node.key.clone(), p)))
        })
        .collect();
    while !seeds.is_empty() {
        for (platform, key, priority) in std::mem::take(&mut seeds) {
            let Some(graph) = graphs.get_mut(&platform) else {
                continue;
            };
            let mut stack = vec![key];
            while let Some(key) = stack.pop() {
                let Some(node) = graph.node_mut(&key) else {
                    continue;
                };
                // Everything upstream of a node is at least as high as it.
                if node.priority >= priority {
                    continue;
                }
                node.priority = priority;
                stack.extend(graph.dependencies(&key).into_iter().cloned());
            }
        }
        // A mirror serves what its primary platform ingests.
        for graph in graphs.values() {
            for node in graph.nodes() {
                if let NodeKind::Ingest {
                    datastore,
                    dataset,
                    from_platform: Some(primary),
                } = &node.kind
                {
                    let kind = NodeKind::Ingest {
                        datastore: datastore.clone(),
                        dataset: dataset.clone(),
                        from_platform: None,
                    };
                    let key = kind.key(primary);
                    let lower = graphs
                        .get(primary)
                        .and_then(|g| g.node(&key))
                        .is_some_and(|n| n.priority < node.priority);
                    if lower {
                        seeds.push((primary.clone(), key, node.priority));
                    }
                }
            }
        }
    }
}

/// Consumer dataset groups that no live assignment gives to a platform.
fn unassigned_groups(eco: &Ecosystem, found: &mut Vec<Diagnostic>) {
    let assigned: BTreeSet<(&WorkspaceName, &DatasetGroupName)> = eco
        .assignments
        .iter()
        .filter(|a| {
            a.platforms
                .iter()
                .any(datasurface_core::PlatformAssignment::is_live)
        })
        .map(|a| (&a.workspace, &a.dataset_group))
        .collect();
    // The fix belongs in the Ecosystem document, whoever owns the workspace.
    let platform = match eco.platforms.keys().collect::<Vec<_>>().as_slice() {
        [one] => one.to_string(),
        _ => "<platform>".to_owned(),
    };
    let declared = eco
        .platforms
        .keys()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ");
    for (at, name, ws) in eco.workspaces() {
        if ws.transformer.is_some() {
            continue;
        }
        for group in ws.dataset_groups.keys() {
            if assigned.contains(&(name, group)) {
                continue;
            }
            let mut finding = Diagnostic::new(
                "unassigned-dataset-group",
                Severity::Warning,
                ModelPath::team(at.zone, at.team).keys([
                    "workspaces",
                    name.as_str(),
                    "datasetGroups",
                    group.as_str(),
                ]),
                format!("no platform delivers dataset group `{name}.{group}`: nothing will reach its consumers"),
            )
            .with_help(format!(
                "add `- {{workspace: {name}, datasetGroup: {group}, platforms: [{{platform: {platform}, status: PROVISIONED}}]}}` under `assignments` in the Ecosystem document{}",
                if declared.is_empty() {
                    " (the model declares no platform yet)".to_owned()
                } else {
                    format!(" (declared platforms: {declared})")
                }
            ));
            finding.owner = Some(eco.owning_repository.to_string());
            found.push(finding);
        }
    }
}
