//! Writing graphs as JSON, Graphviz DOT and Mermaid.

use std::fmt::Write as _;

use schemars::JsonSchema;
use serde::Serialize;

use crate::chunk::Chunking;
use crate::graph::{Edge, PlatformGraph};
use crate::node::{Node, NodeKey};

/// A graph as `datasurface graph --format json` writes it and the model
/// service serves it: nodes and edges sorted by key, and the chunks if
/// asked for.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct GraphExport<'a> {
    /// The platform whose graph it is.
    pub platform: &'a str,
    /// Every node, by key.
    pub nodes: Vec<&'a Node>,
    /// Every edge: `from` must happen before `to`.
    pub edges: Vec<Edge>,
    /// The chunks, each a list of node keys in bring-up order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chunks: Option<&'a [Vec<NodeKey>]>,
    /// The edges whose ends are in different chunks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_chunk_edges: Option<&'a [Edge]>,
}

impl PlatformGraph {
    /// The graph as its JSON export describes it.
    pub fn export<'a>(&'a self, chunking: Option<&'a Chunking>) -> GraphExport<'a> {
        GraphExport {
            platform: self.platform().as_str(),
            nodes: self.nodes(),
            edges: self.edges(),
            chunks: chunking.map(|c| c.chunks.as_slice()),
            cross_chunk_edges: chunking.map(|c| c.cross_edges.as_slice()),
        }
    }

    /// The graph as stable JSON: nodes and edges sorted by key, and the chunks if given.
    pub fn to_json(&self, chunking: Option<&Chunking>) -> serde_json::Value {
        // Names, keys and lists only: serializing it cannot fail.
        serde_json::to_value(self.export(chunking)).unwrap_or(serde_json::Value::Null)
    }

    /// The graph in Graphviz DOT, one cluster per chunk if given.
    pub fn to_dot(&self, chunking: Option<&Chunking>) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = format!(
            "digraph {} {{\n  rankdir=LR;\n  node [shape=box];\n",
            quote(self.platform().as_str())
        );
        match chunking {
            Some(chunking) => {
                for (i, chunk) in chunking.chunks.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "  subgraph cluster_{i} {{\n    label={};",
                        quote(&format!("chunk {i}"))
                    );
                    for key in chunk {
                        let _ = writeln!(out, "    {};", quote(key.as_str()));
                    }
                    out.push_str("  }\n");
                }
            }
            None => {
                for node in self.nodes() {
                    let _ = writeln!(out, "  {};", quote(node.key.as_str()));
                }
            }
        }
        for edge in self.edges() {
            let _ = writeln!(
                out,
                "  {} -> {};",
                quote(edge.from.as_str()),
                quote(edge.to.as_str())
            );
        }
        out.push_str("}\n");
        out
    }

    /// The graph as one Mermaid diagram, which GitHub renders in Markdown.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("graph LR\n");
        self.write_mermaid(&mut out, "n", "    ");
        out
    }

    /// Writes the graph's nodes and edges as Mermaid lines, each node's id
    /// `prefix` and its index, each line indented by `indent`.
    fn write_mermaid(&self, out: &mut String, prefix: &str, indent: &str) {
        let nodes = self.nodes();
        let id: std::collections::BTreeMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.key.as_str(), i))
            .collect();
        for (i, node) in nodes.iter().enumerate() {
            let _ = writeln!(
                out,
                "{indent}{prefix}{i}[\"{}\"]",
                mermaid_label(node.key.as_str())
            );
        }
        for edge in self.edges() {
            if let (Some(a), Some(b)) = (id.get(edge.from.as_str()), id.get(edge.to.as_str())) {
                let _ = writeln!(out, "{indent}{prefix}{a} --> {prefix}{b}");
            }
        }
    }
}

/// Several platforms' graphs as one Mermaid diagram: each platform in a
/// subgraph of its own, node ids distinct across platforms (`p0n3` is the
/// fourth node of the first platform). One graph gives the same diagram as
/// [`PlatformGraph::to_mermaid`].
pub fn mermaid<'a>(graphs: impl IntoIterator<Item = &'a PlatformGraph>) -> String {
    let graphs: Vec<&PlatformGraph> = graphs.into_iter().collect();
    if let [one] = graphs.as_slice() {
        return one.to_mermaid();
    }
    let mut out = String::from("graph LR\n");
    for (p, graph) in graphs.iter().enumerate() {
        let _ = writeln!(
            out,
            "    subgraph p{p}[\"{}\"]",
            mermaid_label(graph.platform().as_str())
        );
        graph.write_mermaid(&mut out, &format!("p{p}n"), "        ");
        out.push_str("    end\n");
    }
    out
}

/// A label for inside Mermaid's double quotes.
fn mermaid_label(text: &str) -> String {
    text.replace('"', "#quot;")
}
