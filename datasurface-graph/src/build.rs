//! Building intention graphs from a validated model.

use std::collections::{BTreeMap, BTreeSet};

use datasurface_model::names::{
    DatasetGroupName, DatasetName, DatastoreName, PlatformName, WorkspaceName,
};
use datasurface_model::validate::{Diagnostic, ModelPath, Report, Severity, ValidEcosystem};
use datasurface_model::{
    CaptureMetadata, Datastore, Ecosystem, IngestionConsistency, Workspace, WorkspacePriority,
};
use indexmap::IndexMap;

use crate::graph::PlatformGraph;
use crate::node::{Node, NodeKey, NodeKind};

/// Every platform's intention graph, and what building them found.
#[derive(Debug, Clone, Default)]
pub struct IntentionGraphs {
    /// One graph per platform with live assignments, in the model's platform order.
    pub graphs: IndexMap<PlatformName, PlatformGraph>,
    /// Workspaces that cannot be delivered to, groups no platform delivers, and cycles.
    pub report: Report,
}

/// Lookups the builder needs, made once.
struct Lookup<'a> {
    eco: &'a Ecosystem,
    stores: BTreeMap<&'a DatastoreName, &'a Datastore>,
    workspaces: BTreeMap<&'a WorkspaceName, (ModelPath, &'a Workspace)>,
}

impl<'a> Lookup<'a> {
    fn new(eco: &'a Ecosystem) -> Self {
        Lookup {
            eco,
            stores: eco
                .datastores()
                .map(|(_, name, store)| (name, store))
                .collect(),
            workspaces: eco
                .workspaces()
                .map(|(at, name, ws)| {
                    (
                        name,
                        (
                            ModelPath::team(at.zone, at.team).keys(["workspaces", name.as_str()]),
                            ws,
                        ),
                    )
                })
                .collect(),
        }
    }
}

/// Builds the intention graph of every platform that delivers at least one
/// dataset group (decommissioned assignments are left out), from each consumer
/// back to the producers, following chains of transformers.
pub fn build(valid: &ValidEcosystem) -> IntentionGraphs {
    let eco = valid.ecosystem();
    let lookup = Lookup::new(eco);
    let mut found = Vec::new();
    let mut graphs = IndexMap::new();
    for platform in eco.platforms.keys() {
        let roots: Vec<(&WorkspaceName, &DatasetGroupName)> = eco
            .assignments
            .iter()
            .filter(|a| {
                a.platforms
                    .iter()
                    .any(|p| &p.platform == platform && p.is_live())
            })
            .map(|a| (&a.workspace, &a.dataset_group))
            .collect();
        if roots.is_empty() {
            // A declared platform with nothing assigned has an empty graph:
            // there is nothing for it to do, which is an answer, not an error.
            graphs.insert(platform.clone(), PlatformGraph::new(platform.clone()));
            continue;
        }
        let mut builder = Builder {
            lookup: &lookup,
            graph: PlatformGraph::new(platform.clone()),
            transformers: BTreeSet::new(),
            found: &mut found,
        };
        for (workspace, group) in roots {
            builder.root(workspace, group);
        }
        let mut graph = builder.graph;
        propagate_priorities(&mut graph, &lookup);
        for cycle in graph.cycles() {
            let ring: Vec<String> = cycle.0.iter().map(ToString::to_string).collect();
            found.push(
                Diagnostic::new(
                    "transformer-cycle",
                    Severity::Error,
                    ModelPath::root().keys(["platforms", platform.as_str()]),
                    format!("transformers on platform `{platform}` depend on each other in a cycle: {} → back to the start", ring.join(" → ")),
                )
                .with_help("break the cycle: a transformer must not read, directly or through others, the data it writes"),
            );
        }
        graphs.insert(platform.clone(), graph);
    }
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
    found: &'b mut Vec<Diagnostic>,
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

    /// A consumer's dataset group and everything it needs.
    fn root(&mut self, workspace: &'a WorkspaceName, group: &'a DatasetGroupName) {
        let Some((path, ws)) = self.lookup.workspaces.get(workspace) else {
            return;
        };
        let root = self.node(NodeKind::Workspace {
            workspace: workspace.clone(),
            dataset_group: group.clone(),
        });
        self.deliver(workspace, path, ws, Some(group), &root);
    }

    /// Exports every sink of a workspace's group (or every group) into its container, feeding `into`.
    fn deliver(
        &mut self,
        name: &WorkspaceName,
        path: &ModelPath,
        ws: &'a Workspace,
        group: Option<&DatasetGroupName>,
        into: &NodeKey,
    ) {
        let Some(container) = &ws.container else {
            self.found.push(
                Diagnostic::new(
                    "undeliverable-workspace",
                    Severity::Warning,
                    path.clone(),
                    format!("workspace `{name}` has no data container, so platform `{}` cannot deliver to it", self.graph.platform()),
                )
                .with_help("give the workspace a `container`"),
            );
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
        let platform = self.graph.platform().clone();
        let from_platform = self
            .lookup
            .eco
            .primary_ingestion_platforms
            .get(store_name)
            .filter(|primaries| !primaries.is_empty() && !primaries.contains(&platform))
            .and_then(|primaries| primaries.first().cloned());
        let single = store.capture.consistency() == IngestionConsistency::SingleDataset;
        let ingest = self.node(NodeKind::Ingest {
            datastore: store_name.clone(),
            dataset: single.then(|| dataset.clone()),
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
        let Some((name, (path, ws))) = self.lookup.workspaces.get_key_value(workspace) else {
            return;
        };
        if !self.transformers.insert(name) {
            return;
        }
        let trigger = self.node(NodeKind::Trigger {
            workspace: workspace.clone(),
        });
        self.graph.connect(&trigger, transformer);
        self.deliver(name, path, ws, None, &trigger);
    }
}

/// Gives every node the highest priority of the workspaces downstream of it.
fn propagate_priorities(graph: &mut PlatformGraph, lookup: &Lookup<'_>) {
    let mut roots: Vec<(WorkspacePriority, NodeKey)> = graph
        .nodes()
        .into_iter()
        .filter_map(|node| match &node.kind {
            NodeKind::Workspace { workspace, .. } => lookup
                .workspaces
                .get(workspace)
                .map(|(_, ws)| (ws.priority, node.key.clone())),
            _ => None,
        })
        .collect();
    roots.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    // Highest first: a node reached at some priority is never raised again, so each is visited once.
    let mut done: BTreeSet<NodeKey> = BTreeSet::new();
    for (priority, root) in roots {
        let mut stack = vec![root];
        while let Some(key) = stack.pop() {
            if !done.insert(key.clone()) {
                continue;
            }
            if let Some(node) = graph.node_mut(&key) {
                node.priority = priority;
            }
            stack.extend(graph.dependencies(&key).into_iter().cloned());
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
                .any(datasurface_model::PlatformAssignment::is_live)
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
