//! Splitting a graph into chunks a platform's infrastructure can handle.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::graph::{Edge, PlatformGraph};
use crate::node::{Node, NodeKey};

/// A graph split into chunks, with the edges that cross between them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Chunking {
    /// The chunks, each a list of node keys in bring-up order.
    pub chunks: Vec<Vec<NodeKey>>,
    /// Every edge whose ends are in different chunks: the links a platform must make.
    pub cross_edges: Vec<Edge>,
}

impl Chunking {
    /// The chunk each node is in.
    pub fn chunk_of(&self) -> BTreeMap<&NodeKey, usize> {
        self.chunks
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.iter().map(move |k| (k, i)))
            .collect()
    }
}

impl PlatformGraph {
    /// Splits the graph into chunks of at most `max` nodes (at least 1). Weakly
    /// connected parts stay together when they fit, packed in key order; a part
    /// larger than `max` is cut in bring-up order, so that cross-chunk edges run
    /// from earlier chunks to later ones when the graph is acyclic.
    pub fn chunks(&self, max: usize) -> Chunking {
        self.chunks_weighted(max, |_| 1)
    }

    /// Splits the graph as [`chunks`](Self::chunks) does, counting each node
    /// as `weight` says: a chunk's nodes weigh at most `max` in all (a node
    /// heavier than `max` has a chunk of its own). A platform whose unit of
    /// scale is not the node counts what it renders: the `airflow` platform
    /// weighs a node by the DAGs it renders (0 or 1), so a chunk holds at
    /// most `max` DAGs however many views and exports go with them.
    pub fn chunks_weighted(&self, max: usize, weight: impl Fn(&Node) -> usize) -> Chunking {
        let max = max.max(1);
        let order: Vec<NodeKey> = match self.bring_up_order() {
            Ok(order) => order.into_iter().cloned().collect(),
            Err(_) => self.nodes().into_iter().map(|n| n.key.clone()).collect(),
        };
        let weight_of = |key: &NodeKey| self.node(key).map_or(0, &weight);
        let parts = self.weak_parts(&order);
        let mut chunks: Vec<Vec<NodeKey>> = Vec::new();
        let mut current: Vec<NodeKey> = Vec::new();
        let mut current_weight = 0usize;
        for part in parts {
            let part_weight: usize = part.iter().map(weight_of).sum();
            if part_weight > max {
                if !current.is_empty() {
                    chunks.push(std::mem::take(&mut current));
                    current_weight = 0;
                }
                // Cut in bring-up order, each piece as heavy as fits.
                for key in part {
                    let w = weight_of(&key);
                    if current_weight + w > max && !current.is_empty() {
                        chunks.push(std::mem::take(&mut current));
                        current_weight = 0;
                    }
                    current.push(key);
                    current_weight += w;
                }
                chunks.push(std::mem::take(&mut current));
                current_weight = 0;
            } else {
                if current_weight + part_weight > max && !current.is_empty() {
                    chunks.push(std::mem::take(&mut current));
                    current_weight = 0;
                }
                current.extend(part);
                current_weight += part_weight;
            }
        }
        if !current.is_empty() {
            chunks.push(current);
        }
        let mut chunking = Chunking {
            chunks,
            cross_edges: Vec::new(),
        };
        let chunk_of = chunking.chunk_of();
        let cross: Vec<Edge> = self
            .edges()
            .into_iter()
            .filter(|e| chunk_of.get(&e.from) != chunk_of.get(&e.to))
            .collect();
        chunking.cross_edges = cross;
        chunking
    }

    /// The weakly connected parts, each in the given order, ordered by their first key.
    fn weak_parts(&self, order: &[NodeKey]) -> Vec<Vec<NodeKey>> {
        let position: BTreeMap<&NodeKey, usize> =
            order.iter().enumerate().map(|(i, k)| (k, i)).collect();
        let mut parent: Vec<usize> = (0..order.len()).collect();
        for edge in self.edges() {
            if let (Some(&a), Some(&b)) = (position.get(&edge.from), position.get(&edge.to)) {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    parent[ra.max(rb)] = ra.min(rb);
                }
            }
        }
        let mut parts: BTreeMap<usize, Vec<NodeKey>> = BTreeMap::new();
        for (i, key) in order.iter().enumerate() {
            let root = find(&mut parent, i);
            parts.entry(root).or_default().push(key.clone());
        }
        let mut parts: Vec<Vec<NodeKey>> = parts.into_values().collect();
        parts.sort_by(|a, b| a.iter().min().cmp(&b.iter().min()));
        parts
    }
}

/// The root of `i` in a union-find forest, halving paths on the way.
fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}
