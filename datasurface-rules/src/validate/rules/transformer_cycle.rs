//! Diagnostic: transformer-cycle
//!
//! A transformer runs after the datasets it reads are delivered. When it
//! reads, directly or through other transformers, the data it writes, nothing
//! can run first. Every strongly connected set of transformers is reported
//! once, at its first workspace by name, with one path around it; a
//! transformer that reads its own output is a cycle of one.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use petgraph::graph::{DiGraph, NodeIndex};

use super::prelude::*;
use datasurface_core::CaptureMetadata;
use datasurface_core::names::{DatastoreName, WorkspaceName};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "transformer-cycle",
        Severity::Error,
        "Data transformers depend on each other in a cycle.",
        "A transformer reads, directly or through other transformers, the data it writes, so nothing can run first. \
                  Break the cycle: read an ingested copy of the data, or split the transformer in two.",
    )
    .with_example(
        &[(
        "                  - {datastore: Orders, dataset: orders}\n            transformer:",
        "                  - {datastore: Orders, dataset: orders}\n                  - {datastore: Customer_Totals, dataset: totals}\n            transformer:",
    )],
        "model.yaml:86:13: error[transformer-cycle]: transformers depend on each other in a cycle: `Totals` writes `Customer_Totals`, which `Totals` reads
  at: /zones/USA/teams/Reporting/workspaces/Totals/transformer
  help: break the cycle: a transformer must not read, directly or through others, the data it writes (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    // Transformers, and an edge from each to every transformer that reads its output.
    let mut graph: DiGraph<&WorkspaceName, &DatastoreName> = DiGraph::new();
    let mut nodes: BTreeMap<&WorkspaceName, NodeIndex> = BTreeMap::new();
    let transformers: Vec<_> = cx
        .index
        .workspaces
        .keys()
        .filter_map(|name| cx.index.workspace(name))
        .filter(|ws| ws.item.transformer.is_some())
        .collect();
    for ws in &transformers {
        nodes.insert(ws.name, graph.add_node(ws.name));
    }
    for ws in &transformers {
        let mut read: BTreeSet<&DatastoreName> = BTreeSet::new();
        for (_, sink) in ws.item.sinks() {
            let Some(store) = cx.index.datastore(&sink.datastore) else {
                continue;
            };
            let CaptureMetadata::TransformerOutput(t) = &store.item.capture else {
                continue;
            };
            if let (Some(&from), Some(&to)) = (nodes.get(&t.workspace), nodes.get(ws.name))
                && read.insert(store.name)
            {
                graph.add_edge(from, to, store.name);
            }
        }
    }
    let mut cycles: Vec<Vec<NodeIndex>> = petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|scc| {
            scc.len() > 1
                || scc
                    .first()
                    .is_some_and(|&n| graph.find_edge(n, n).is_some())
        })
        .collect();
    for scc in &mut cycles {
        scc.sort_by_key(|&n| graph[n]);
    }
    cycles.sort_by_key(|scc| scc.first().map(|&n| graph[n]));
    for scc in cycles {
        let Some(&start) = scc.first() else { continue };
        let ring = ring(&graph, &scc, start);
        let hops: Vec<String> = ring
            .windows(2)
            .filter_map(|pair| {
                let edge = graph.find_edge(pair[0], pair[1])?;
                Some(format!(
                    "`{}` writes `{}`, which `{}` reads",
                    graph[pair[0]], graph[edge], graph[pair[1]]
                ))
            })
            .collect();
        let others = if scc.len() > ring.len() - 1 {
            let names: Vec<String> = scc.iter().map(|&n| format!("`{}`", graph[n])).collect();
            format!(
                " (transformers {} all depend on each other)",
                names.join(", ")
            )
        } else {
            String::new()
        };
        let Some(first) = cx.index.workspace(graph[start]) else {
            continue;
        };
        out.report(
            first.path("workspaces").key("transformer"),
            format!(
                "transformers depend on each other in a cycle: {}{others}",
                hops.join("; ")
            ),
            "break the cycle: a transformer must not read, directly or through others, the data it writes",
        );
    }
}

/// The shortest path from `start` back to itself within a strongly connected
/// set, first and last node both `start`; ties go to the smaller name.
fn ring(
    graph: &DiGraph<&WorkspaceName, &DatastoreName>,
    scc: &[NodeIndex],
    start: NodeIndex,
) -> Vec<NodeIndex> {
    let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
    let mut came_from: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        let mut next: Vec<NodeIndex> = graph
            .neighbors(at)
            .filter(|n| members.contains(n))
            .collect();
        next.sort_by_key(|&n| graph[n]);
        for n in next {
            if n == start {
                let mut path = vec![start];
                let mut back = at;
                while back != start {
                    path.push(back);
                    back = came_from.get(&back).copied().unwrap_or(start);
                }
                path.push(start);
                path.reverse();
                return path;
            }
            if let std::collections::btree_map::Entry::Vacant(e) = came_from.entry(n) {
                e.insert(at);
                queue.push_back(n);
            }
        }
    }
    vec![start, start]
}

#[cfg(test)]
mod tests {

    /// Two separate cycles, neither delivered by any platform: both are
    /// reported, each once, each with a path through it.
    #[test]
    fn every_cycle_is_reported_assigned_or_not() {
        use datasurface_core::types::DataType::Integer;
        // A → B → C → A; D ↔ E ↔ G; F reads A (outside every cycle).
        let reads = [
            ("A", vec!["C"]),
            ("B", vec!["A"]),
            ("C", vec!["B"]),
            ("D", vec!["E"]),
            ("E", vec!["D", "G"]),
            ("F", vec!["A"]),
            ("G", vec!["E"]),
        ];
        let eco = datasurface_fixtures::minimal()
            .define_zone("EU", |z| {
                z.define_team("Sales", |mut t| {
                    for (name, inputs) in &reads {
                        let output = format!("S{name}");
                        t = t
                            .datastore(&output, |s| {
                                s.output_of(name).dataset("d", |d| {
                                    d.classified(["PUB"]).column("id", Integer).key()
                                })
                            })
                            .workspace(name, |w| {
                                w.container("Warehouse")
                                    .group("Inputs", |g| {
                                        inputs.iter().fold(g, |g, i| g.sink(&format!("S{i}"), "d"))
                                    })
                                    .transformer(&output, |t| t.sql("d", "SELECT id FROM d"))
                            });
                    }
                    t
                })
            })
            .build()
            .unwrap();
        let cycles: Vec<String> = crate::validate::check(&eco)
            .diagnostics()
            .iter()
            .filter(|d| d.code == "transformer-cycle")
            .map(|d| format!("{} {}", d.path, d.message))
            .collect();
        assert_eq!(
            cycles,
            [
                "/zones/EU/teams/Sales/workspaces/A/transformer transformers depend on each other in a cycle: `A` writes `SA`, which `B` reads; `B` writes `SB`, which `C` reads; `C` writes `SC`, which `A` reads",
                "/zones/EU/teams/Sales/workspaces/D/transformer transformers depend on each other in a cycle: `D` writes `SD`, which `E` reads; `E` writes `SE`, which `D` reads (transformers `D`, `E`, `G` all depend on each other)",
            ]
        );
    }
}
