//! One platform's intention graph.

use std::collections::{BTreeMap, BTreeSet};

use datasurface_core::OrderedMap;
use datasurface_core::names::{DatastoreName, PlatformName};
use petgraph::Direction;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use serde::Serialize;

use crate::node::{Node, NodeKey, NodeKind};

/// The intention graph of one data platform: what it must do, and in what order.
///
/// Edges point from a step to the steps that need it (Ingest → Export → Trigger
/// → `DataTransformer` → Ingest → … → Workspace).
#[derive(Debug, Clone)]
pub struct PlatformGraph {
    platform: PlatformName,
    graph: StableDiGraph<Node, ()>,
    index: OrderedMap<NodeKey, NodeIndex>,
    /// Whether `index` is in key order (no node added since it was sorted).
    sorted: bool,
}

/// A directed edge, by node keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, schemars::JsonSchema)]
pub struct Edge {
    /// The step that must happen first.
    pub from: NodeKey,
    /// The step that needs it.
    pub to: NodeKey,
}

/// The graph is cyclic: these nodes depend on each other in a ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle(pub Vec<NodeKey>);

impl PlatformGraph {
    /// An empty graph: what a declared platform with no live assignments has to do.
    pub fn new(platform: PlatformName) -> Self {
        PlatformGraph {
            platform,
            graph: StableDiGraph::new(),
            index: OrderedMap::default(),
            sorted: true,
        }
    }

    /// Adds a node unless one with its key exists; returns its key.
    pub(crate) fn add(&mut self, node: Node) -> NodeKey {
        let key = node.key.clone();
        if !self.index.contains_key(&key) {
            let id = self.graph.add_node(node);
            self.index.insert(key.clone(), id);
            self.sorted = false;
        }
        key
    }

    /// Adds an edge unless it exists.
    pub(crate) fn connect(&mut self, from: &NodeKey, to: &NodeKey) {
        if let (Some(&a), Some(&b)) = (self.index.get(from), self.index.get(to))
            && self.graph.find_edge(a, b).is_none()
        {
            self.graph.add_edge(a, b, ());
        }
    }

    pub(crate) fn node_mut(&mut self, key: &NodeKey) -> Option<&mut Node> {
        let id = *self.index.get(key)?;
        self.graph.node_weight_mut(id)
    }

    /// Orders the index by key once built, so that [`nodes`](Self::nodes),
    /// asked for by every lint and renderer, finds it sorted.
    pub(crate) fn sort_index(&mut self) {
        // Keys are distinct, so an unstable sort orders them as a stable one would.
        self.index.sort_unstable_keys();
        self.sorted = true;
    }

    /// Every node, in the order they were added: for the builder's passes,
    /// where order does not matter and the index is not yet sorted.
    pub(crate) fn nodes_as_added(&self) -> impl Iterator<Item = &Node> {
        self.index
            .values()
            .filter_map(|&i| self.graph.node_weight(i))
    }

    /// The platform.
    pub fn platform(&self) -> &PlatformName {
        &self.platform
    }

    /// Every node, sorted by key.
    pub fn nodes(&self) -> Vec<&Node> {
        let mut nodes: Vec<&Node> = self.nodes_as_added().collect();
        if !self.sorted {
            nodes.sort_by(|a, b| a.key.cmp(&b.key));
        }
        nodes
    }

    /// Each store this platform mirrors (`primaryIngestionPlatforms` names
    /// another platform, which ingests it) and that primary, once, in node
    /// order.
    pub fn mirrored(&self) -> Vec<(&DatastoreName, &PlatformName)> {
        let mut seen = BTreeSet::new();
        self.nodes()
            .into_iter()
            .filter_map(|node| match &node.kind {
                NodeKind::Ingest {
                    datastore,
                    from_platform: Some(primary),
                    ..
                } => Some((datastore, primary)),
                _ => None,
            })
            .filter(|pair| seen.insert(*pair))
            .collect()
    }

    /// The node of a key.
    pub fn node(&self, key: &NodeKey) -> Option<&Node> {
        self.graph.node_weight(*self.index.get(key)?)
    }

    /// The node of a key given as text, such as `Ingest/Azure Platform/NW_Data`.
    pub fn find(&self, key: &str) -> Option<&Node> {
        self.index
            .iter()
            .find(|(k, _)| k.as_str() == key)
            .and_then(|(_, &i)| self.graph.node_weight(i))
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Every edge, sorted.
    pub fn edges(&self) -> Vec<Edge> {
        let mut edges: Vec<Edge> = self
            .graph
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = self.graph.edge_endpoints(e)?;
                Some(Edge {
                    from: self.graph[a].key.clone(),
                    to: self.graph[b].key.clone(),
                })
            })
            .collect();
        edges.sort();
        edges
    }

    fn neighbours(&self, key: &NodeKey, direction: Direction) -> Vec<&NodeKey> {
        let Some(&id) = self.index.get(key) else {
            return Vec::new();
        };
        let mut keys: Vec<&NodeKey> = self
            .graph
            .neighbors_directed(id, direction)
            .map(|n| &self.graph[n].key)
            .collect();
        keys.sort();
        keys
    }

    /// What a node directly depends on.
    pub fn dependencies(&self, key: &NodeKey) -> Vec<&NodeKey> {
        self.neighbours(key, Direction::Incoming)
    }

    /// What directly depends on a node.
    pub fn dependents(&self, key: &NodeKey) -> Vec<&NodeKey> {
        self.neighbours(key, Direction::Outgoing)
    }

    /// Everything a node depends on, directly or through other nodes, sorted.
    pub fn upstream(&self, key: &NodeKey) -> Vec<&NodeKey> {
        self.reach(key, Direction::Incoming)
    }

    /// Everything that depends on a node, directly or through other nodes, sorted.
    pub fn downstream(&self, key: &NodeKey) -> Vec<&NodeKey> {
        self.reach(key, Direction::Outgoing)
    }

    /// The nearest nodes upstream of a node that `keep` accepts: its
    /// dependencies, looking through each one `keep` refuses to what that one
    /// depends on. Sorted. A platform that renders nothing for some kinds of
    /// node uses it to find the artifacts an artifact must come after.
    pub fn nearest_upstream(
        &self,
        key: &NodeKey,
        keep: impl Fn(&NodeKey) -> bool,
    ) -> Vec<&NodeKey> {
        let mut found = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut todo = self.dependencies(key);
        while let Some(next) = todo.pop() {
            if !seen.insert(next) {
                continue;
            }
            if keep(next) {
                found.insert(next);
            } else {
                todo.extend(self.dependencies(next));
            }
        }
        found.into_iter().collect()
    }

    fn reach(&self, key: &NodeKey, direction: Direction) -> Vec<&NodeKey> {
        let Some(&start) = self.index.get(key) else {
            return Vec::new();
        };
        let mut seen = BTreeSet::new();
        let mut stack = vec![start];
        while let Some(at) = stack.pop() {
            for next in self.graph.neighbors_directed(at, direction) {
                if next != start && seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        let mut keys: Vec<&NodeKey> = seen.into_iter().map(|n| &self.graph[n].key).collect();
        keys.sort();
        keys
    }

    /// Every ring of nodes that depend on each other, each from its smallest key.
    pub fn cycles(&self) -> Vec<Cycle> {
        let mut cycles: Vec<Cycle> = petgraph::algo::tarjan_scc(&self.graph)
            .into_iter()
            .filter(|scc| {
                scc.len() > 1
                    || scc
                        .first()
                        .is_some_and(|&n| self.graph.find_edge(n, n).is_some())
            })
            .map(|scc| self.ring(&scc))
            .collect();
        cycles.sort_by(|a, b| a.0.cmp(&b.0));
        cycles
    }

    /// Orders a strongly connected component as a path around it, from its smallest key.
    fn ring(&self, scc: &[NodeIndex]) -> Cycle {
        let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
        let Some(&start) = scc
            .iter()
            .min_by(|a, b| self.graph[**a].key.cmp(&self.graph[**b].key))
        else {
            return Cycle(Vec::new());
        };
        let mut path = vec![self.graph[start].key.clone()];
        let mut seen = BTreeSet::from([start]);
        let mut at = start;
        loop {
            let next = self
                .graph
                .neighbors_directed(at, Direction::Outgoing)
                .filter(|n| members.contains(n))
                .min_by(|a, b| {
                    let unseen = |n: &NodeIndex| !seen.contains(n) || *n == start;
                    unseen(b)
                        .cmp(&unseen(a))
                        .then_with(|| self.graph[*a].key.cmp(&self.graph[*b].key))
                });
            match next {
                Some(n) if n != start && seen.insert(n) => {
                    path.push(self.graph[n].key.clone());
                    at = n;
                }
                _ => break,
            }
        }
        Cycle(path)
    }

    /// The order to bring the system up in: every node after everything it
    /// depends on; among nodes that are ready together, by key. The cycles, if
    /// there are any.
    pub fn bring_up_order(&self) -> Result<Vec<&NodeKey>, Vec<Cycle>> {
        let mut waiting: BTreeMap<&NodeKey, usize> = BTreeMap::new();
        let mut ready: BTreeSet<&NodeKey> = BTreeSet::new();
        for (key, &id) in &self.index {
            let n = self
                .graph
                .neighbors_directed(id, Direction::Incoming)
                .count();
            if n == 0 {
                ready.insert(key);
            } else {
                waiting.insert(key, n);
            }
        }
        let mut order = Vec::with_capacity(self.index.len());
        while let Some(key) = ready.pop_first() {
            order.push(key);
            for next in self.dependents(key) {
                if let Some(n) = waiting.get_mut(next) {
                    *n -= 1;
                    if *n == 0 {
                        waiting.remove(next);
                        ready.insert(next);
                    }
                }
            }
        }
        if waiting.is_empty() {
            Ok(order)
        } else {
            Err(self.cycles())
        }
    }
}
