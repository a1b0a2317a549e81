//! Splitting a graph into chunks a platform's infrastructure can handle.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::graph::{Edge, PlatformGraph};
use crate::node::NodeKey;

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
        let max = max.max(1);
        let order: Vec<NodeKey> = match self.bring_up_order() {
            Ok(order) => order.into_iter().cloned().collect(),
            Err(_) => self.nodes().into_iter().map(|n| n.key.clone()).collect(),
        };
        let parts = self.weak_parts(&order);
        let mut chunks: Vec<Vec<NodeKey>> = Vec::new();
        let mut current: Vec<NodeKey> = Vec::new();
        for part in parts {
            if part.len() > max {
                if !current.is_empty() {
                    chunks.push(std::mem::take(&mut current));
                }
                chunks.extend(part.chunks(max).map(<[NodeKey]>::to_vec));
            } else {
                if current.len() + part.len() > max {
                    chunks.push(std::mem::take(&mut current));
                }
                current.extend(part);
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
