//! A dataset's lineage: what feeds it (the transformers that write it and
//! their inputs, transitively) and what it feeds (the dataset groups that
//! read it, the transformers among them and their outputs, transitively).

use std::collections::{BTreeSet, VecDeque};

use datasurface_core::names::{
    DatasetGroupName, DatasetName, DatastoreName, PlatformName, WorkspaceName,
};
use schemars::JsonSchema;
use serde::Serialize;

use crate::http::segment;
use crate::snapshot::Snapshot;

/// A node of a lineage graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct LineageNode {
    /// `dataset:<store>.<dataset>`, `transformer:<workspace>` or
    /// `group:<workspace>.<group>`.
    pub(crate) id: String,
    /// `dataset`, `transformer` or `group`.
    pub(crate) kind: &'static str,
    /// Its name as people read it.
    pub(crate) name: String,
    /// Its resource.
    pub(crate) href: String,
    /// Whether it feeds the dataset asked about (`upstream`), is fed by it
    /// (`downstream`), or is it (`self`).
    pub(crate) side: &'static str,
    /// For a group or a transformer: the platforms that run it, each as
    /// `name (kind)`. A governance-only platform (`external`) is among them:
    /// another system runs that pipeline.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) platforms: Vec<String>,
}

/// An edge: data flows from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct LineageEdge {
    pub(crate) from: String,
    pub(crate) to: String,
}

/// The lineage of one dataset.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub(crate) struct Lineage {
    pub(crate) nodes: Vec<LineageNode>,
    pub(crate) edges: Vec<LineageEdge>,
}

fn dataset_node(store: &DatastoreName, dataset: &DatasetName, side: &'static str) -> LineageNode {
    LineageNode {
        id: format!("dataset:{store}.{dataset}"),
        kind: "dataset",
        name: format!("{store}.{dataset}"),
        href: format!(
            "/api/v1/datastores/{}/datasets/{}",
            segment(store.as_str()),
            segment(dataset.as_str())
        ),
        side,
        platforms: Vec::new(),
    }
}

fn transformer_node(snap: &Snapshot, ws: &WorkspaceName, side: &'static str) -> LineageNode {
    LineageNode {
        id: format!("transformer:{ws}"),
        kind: "transformer",
        name: ws.to_string(),
        href: format!("/api/v1/workspaces/{}", segment(ws.as_str())),
        side,
        platforms: platforms(snap, ws, None),
    }
}

/// The platforms of a workspace's group (or of all its groups), as
/// `name (kind)`, sorted.
pub(crate) fn platforms(
    snap: &Snapshot,
    ws: &WorkspaceName,
    group: Option<&DatasetGroupName>,
) -> Vec<String> {
    let eco = snap.eco();
    let names: BTreeSet<&PlatformName> = snap
        .assigned
        .iter()
        .filter(|((w, g), _)| w == ws && group.is_none_or(|group| g == group))
        .flat_map(|(_, platforms)| platforms)
        .collect();
    names
        .into_iter()
        .map(|name| match eco.platforms.get(name) {
            Some(d) => format!("{name} ({})", d.kind),
            None => name.to_string(),
        })
        .collect()
}

struct Walk {
    nodes: Vec<LineageNode>,
    seen: BTreeSet<String>,
    edges: BTreeSet<LineageEdge>,
}

impl Walk {
    /// Adds `node` unless it is there; its id, and whether it is new.
    fn node(&mut self, node: LineageNode) -> (String, bool) {
        let id = node.id.clone();
        let new = self.seen.insert(id.clone());
        if new {
            self.nodes.push(node);
        }
        (id, new)
    }

    fn edge(&mut self, from: &str, to: &str) {
        self.edges.insert(LineageEdge {
            from: from.to_owned(),
            to: to.to_owned(),
        });
    }
}

/// The lineage of `store.dataset`, at most `depth` transformers away on
/// each side.
pub(crate) fn lineage(
    snap: &Snapshot,
    store: &DatastoreName,
    dataset: &DatasetName,
    depth: usize,
) -> Lineage {
    let mut walk = Walk {
        nodes: Vec::new(),
        seen: BTreeSet::new(),
        edges: BTreeSet::new(),
    };
    walk.node(dataset_node(store, dataset, "self"));
    upstream(snap, &mut walk, store, dataset, depth);
    downstream(snap, &mut walk, store, dataset, depth);
    Lineage {
        nodes: walk.nodes,
        edges: walk.edges.into_iter().collect(),
    }
}

fn upstream(
    snap: &Snapshot,
    walk: &mut Walk,
    store: &DatastoreName,
    dataset: &DatasetName,
    depth: usize,
) {
    let mut queue = VecDeque::from([(store.clone(), dataset.clone(), 0)]);
    while let Some((store, dataset, level)) = queue.pop_front() {
        let Some(ws) = snap.producers.get(&store) else {
            continue;
        };
        if level >= depth {
            continue;
        }
        let to = format!("dataset:{store}.{dataset}");
        let (t, first) = walk.node(transformer_node(snap, ws, "upstream"));
        walk.edge(&t, &to);
        if !first {
            continue;
        }
        let Some((_, _, _, workspace)) = snap.workspace(ws.as_str()) else {
            continue;
        };
        for (_, sink) in workspace.sinks() {
            let (d, _) = walk.node(dataset_node(&sink.datastore, &sink.dataset, "upstream"));
            walk.edge(&d, &t);
            queue.push_back((sink.datastore.clone(), sink.dataset.clone(), level + 1));
        }
    }
}

fn downstream(
    snap: &Snapshot,
    walk: &mut Walk,
    store: &DatastoreName,
    dataset: &DatasetName,
    depth: usize,
) {
    let mut queue = VecDeque::from([(store.clone(), dataset.clone(), 0)]);
    while let Some((store, dataset, level)) = queue.pop_front() {
        let from = format!("dataset:{store}.{dataset}");
        for reader in snap.readers_of(&store, &dataset) {
            let transformer = snap
                .workspace(reader.workspace.as_str())
                .and_then(|(_, _, _, ws)| ws.transformer.as_ref());
            let Some(t) = transformer else {
                let group = LineageNode {
                    id: format!("group:{}.{}", reader.workspace, reader.group),
                    kind: "group",
                    name: format!("{}.{}", reader.workspace, reader.group),
                    href: format!("/api/v1/workspaces/{}", segment(reader.workspace.as_str())),
                    side: "downstream",
                    platforms: platforms(snap, &reader.workspace, Some(&reader.group)),
                };
                let (g, _) = walk.node(group);
                walk.edge(&from, &g);
                continue;
            };
            if level >= depth {
                continue;
            }
            let (id, first) = walk.node(transformer_node(snap, &reader.workspace, "downstream"));
            walk.edge(&from, &id);
            if !first {
                continue;
            }
            let Some((_, _, _, out)) = snap.datastore(t.output_datastore.as_str()) else {
                continue;
            };
            for name in out.datasets.keys() {
                let (d, _) = walk.node(dataset_node(&t.output_datastore, name, "downstream"));
                walk.edge(&id, &d);
                queue.push_back((t.output_datastore.clone(), name.clone(), level + 1));
            }
        }
    }
}
