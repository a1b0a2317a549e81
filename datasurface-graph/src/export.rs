//! Writing graphs as JSON, Graphviz DOT and Mermaid.

use std::fmt::Write as _;

use serde_json::json;

use crate::chunk::Chunking;
use crate::graph::PlatformGraph;

impl PlatformGraph {
    /// The graph as stable JSON: nodes and edges sorted by key, and the chunks if given.
    pub fn to_json(&self, chunking: Option<&Chunking>) -> serde_json::Value {
        let mut value = json!({
            "platform": self.platform().as_str(),
            "nodes": self.nodes(),
            "edges": self.edges(),
        });
        if let Some(chunking) = chunking {
            value["chunks"] = json!(chunking.chunks);
            value["crossChunkEdges"] = json!(chunking.cross_edges);
        }
        value
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

    /// The graph in Mermaid, which GitHub renders in Markdown.
    pub fn to_mermaid(&self) -> String {
        let nodes = self.nodes();
        let id: std::collections::BTreeMap<&str, usize> = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.key.as_str(), i))
            .collect();
        let label = |s: &str| s.replace('"', "#quot;");
        let mut out = String::from("graph LR\n");
        for (i, node) in nodes.iter().enumerate() {
            let _ = writeln!(out, "    n{i}[\"{}\"]", label(node.key.as_str()));
        }
        for edge in self.edges() {
            if let (Some(a), Some(b)) = (id.get(edge.from.as_str()), id.get(edge.to.as_str())) {
                let _ = writeln!(out, "    n{a} --> n{b}");
            }
        }
        out
    }
}
