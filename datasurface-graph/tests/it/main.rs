//! Integration tests of `datasurface-graph`.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::fmt::Write as _;
use std::path::Path;

use datasurface_files::{self as files, SourceFile};
use datasurface_graph::{IntentionGraphs, NodeKey, PlatformGraph, build};
use datasurface_rules::validate::{Severity, validate};
use proptest::prelude::*;

fn graphs_of(text: &str) -> IntentionGraphs {
    let model = files::from_yaml_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let valid = validate(model).unwrap_or_else(|r| panic!("{r}\n{text}"));
    build(&valid)
}

fn northwind() -> IntentionGraphs {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/models/northwind");
    let files: Vec<SourceFile> = [
        "ecosystem.yaml",
        "zones/usa/zone.yaml",
        "zones/usa/teams/northwindteam.yaml",
    ]
    .iter()
    .map(|p| SourceFile::new(*p, std::fs::read_to_string(dir.join(p)).unwrap()))
    .collect();
    build(&validate(files::load(&files).unwrap().ecosystem).unwrap())
}

fn edge_list(g: &PlatformGraph) -> Vec<String> {
    g.edges()
        .into_iter()
        .map(|e| format!("{} -> {}", e.from, e.to))
        .collect()
}

#[test]
fn northwind_is_the_seeds_figure() {
    let graphs = northwind();
    assert!(graphs.report.is_empty(), "{}", graphs.report);
    let g = &graphs.graphs["Azure Platform"];
    assert_eq!(
        edge_list(g),
        [
            "DataTransformer/Azure Platform/MaskCustomersWorkSpace -> Ingest/Azure Platform/Masked_NW_Data",
            "Export/Azure Platform/Test Azure SQL/Masked_NW_Data/customers -> Workspace/Azure Platform/ProductAnalytics/Reporting",
            "Export/Azure Platform/Test Azure SQL/NW_Data/customers -> Trigger/Azure Platform/MaskCustomersWorkSpace",
            "Export/Azure Platform/Test Azure SQL/NW_Data/products -> Workspace/Azure Platform/ProductAnalytics/Reporting",
            "Export/Azure Platform/Test Azure SQL/NW_Data/suppliers -> Workspace/Azure Platform/ProductAnalytics/Reporting",
            "Ingest/Azure Platform/Masked_NW_Data -> Export/Azure Platform/Test Azure SQL/Masked_NW_Data/customers",
            "Ingest/Azure Platform/NW_Data -> Export/Azure Platform/Test Azure SQL/NW_Data/customers",
            "Ingest/Azure Platform/NW_Data -> Export/Azure Platform/Test Azure SQL/NW_Data/products",
            "Ingest/Azure Platform/NW_Data -> Export/Azure Platform/Test Azure SQL/NW_Data/suppliers",
            "Trigger/Azure Platform/MaskCustomersWorkSpace -> DataTransformer/Azure Platform/MaskCustomersWorkSpace",
        ]
    );
    assert_eq!(g.len(), 9);
    insta::assert_snapshot!(
        "northwind_json",
        format!("{:#}", g.to_json(Some(&g.chunks(4))))
    );
    insta::assert_snapshot!("northwind_dot", g.to_dot(None));
    insta::assert_snapshot!("northwind_mermaid", g.to_mermaid());
    // Every node serves the HIGH-priority consumer.
    assert!(
        g.nodes()
            .iter()
            .all(|n| n.priority == datasurface_core::WorkspacePriority::High)
    );
    let order: Vec<String> = g
        .bring_up_order()
        .unwrap()
        .into_iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        order.first().map(String::as_str),
        Some("Ingest/Azure Platform/NW_Data")
    );
    assert_eq!(
        order.last().map(String::as_str),
        Some("Workspace/Azure Platform/ProductAnalytics/Reporting")
    );
}

#[test]
fn nearest_upstream_looks_through_refused_nodes() {
    let graphs = northwind();
    let g = &graphs.graphs["Azure Platform"];
    let transformer = g
        .find("DataTransformer/Azure Platform/MaskCustomersWorkSpace")
        .unwrap();
    let is_export = |k: &NodeKey| k.as_str().starts_with("Export/");
    // Through its trigger to the export it reads.
    let found: Vec<&str> = g
        .nearest_upstream(&transformer.key, is_export)
        .into_iter()
        .map(NodeKey::as_str)
        .collect();
    assert_eq!(
        found,
        ["Export/Azure Platform/Test Azure SQL/NW_Data/customers"]
    );
    // Ingestions only: the transformer's input stream, not what lies beyond it.
    let consumer = g
        .find("Workspace/Azure Platform/ProductAnalytics/Reporting")
        .unwrap();
    let is_ingest = |k: &NodeKey| k.as_str().starts_with("Ingest/");
    let found: Vec<&str> = g
        .nearest_upstream(&consumer.key, is_ingest)
        .into_iter()
        .map(NodeKey::as_str)
        .collect();
    assert_eq!(
        found,
        [
            "Ingest/Azure Platform/Masked_NW_Data",
            "Ingest/Azure Platform/NW_Data"
        ]
    );
}

#[test]
fn a_platform_without_a_graph_has_an_empty_one() {
    let graphs = northwind();
    let (name, built) = graphs.graphs.first().unwrap();
    assert!(matches!(graphs.graph(name), std::borrow::Cow::Borrowed(g) if std::ptr::eq(g, built)));
    let other = datasurface_core::names::PlatformName::new("Nowhere").unwrap();
    let empty = graphs.graph(&other);
    assert_eq!((empty.len(), empty.platform()), (0, &other));
}

#[test]
fn building_twice_gives_identical_output() {
    let (a, b) = (northwind(), northwind());
    for (name, g) in &a.graphs {
        assert_eq!(
            g.to_json(Some(&g.chunks(3))),
            b.graphs[name].to_json(Some(&b.graphs[name].chunks(3)))
        );
        assert_eq!(g.to_dot(None), b.graphs[name].to_dot(None));
    }
}

const BASE: &str = include_str!("../../../datasurface-rules/src/validate/rules/base.yaml");

/// The base model with a second platform, `Stream`, also delivering the dashboard.
fn two_platforms(primary: bool) -> String {
    let mut text = BASE
        .replacen("platforms:\n  Batch:\n", "platforms:\n  Stream: {kind: kafka-streams, version: ^1.0}\n  Batch:\n", 1)
        .replacen("      - {platform: Batch, status: PROVISIONED}\n", "      - {platform: Batch, status: PROVISIONED}\n      - {platform: Stream, status: PROVISIONING}\n", 1);
    if !primary {
        text = text.replacen("primaryIngestionPlatforms:\n  Orders: [Batch]\n", "", 1);
    }
    text
}

#[test]
fn a_store_is_ingested_once_across_platforms() {
    let graphs = graphs_of(&two_platforms(true));
    let (batch, stream) = (&graphs.graphs["Batch"], &graphs.graphs["Stream"]);
    let ingest = |g: &PlatformGraph| {
        g.find(&format!("Ingest/{}/Orders", g.platform()))
            .unwrap()
            .clone()
    };
    assert_eq!(
        serde_json::to_value(ingest(batch))
            .unwrap()
            .get("fromPlatform"),
        None
    );
    assert_eq!(
        serde_json::to_value(ingest(stream)).unwrap()["fromPlatform"],
        "Batch",
        "Stream takes Orders from Batch"
    );
    // The transformer still runs on Stream, on Orders taken from Batch.
    assert!(stream.find("DataTransformer/Stream/Totals").is_some());
    let mirrored: Vec<(&str, &str)> = stream
        .mirrored()
        .into_iter()
        .map(|(store, primary)| (store.as_str(), primary.as_str()))
        .collect();
    assert_eq!(mirrored, [("Orders", "Batch")]);
    assert!(batch.mirrored().is_empty());
    // Without a primary ingestion platform, each platform ingests for itself.
    let graphs = graphs_of(&two_platforms(false));
    let stream = &graphs.graphs["Stream"];
    assert_eq!(
        serde_json::to_value(ingest(stream))
            .unwrap()
            .get("fromPlatform"),
        None
    );
}

#[test]
fn decommissioned_assignments_are_left_out() {
    let text = two_platforms(true).replacen(
        "{platform: Stream, status: PROVISIONING}",
        "{platform: Stream, status: DECOMMISSIONED}",
        1,
    );
    let graphs = graphs_of(&text);
    assert!(graphs.graphs.contains_key("Batch"));
    // Stream still has a graph, an empty one: nothing is live on it.
    assert!(graphs.graphs["Stream"].nodes().is_empty());
}

/// A model with transformers T1..Tn, each reading the previous one's output, and a consumer of the last.
fn chain(links: &[(usize, usize)], consumer_reads: usize) -> String {
    let mut stores = String::new();
    let mut workspaces = String::new();
    let mut declared = String::new();
    for i in 0..=links.len() {
        let capture = if i == 0 {
            "{ingestion: {container: DB, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}}"
                .to_owned()
        } else {
            format!("{{transformerOutput: {{workspace: T{i}}}}}")
        };
        let _ = write!(
            stores,
            "          S{i}:\n            capture: {capture}\n            datasets:\n              d:\n                classifications: [PUB]\n                schema: {{columns: {{id: {{type: Integer, nullable: false}}}}, primaryKey: [id]}}\n"
        );
    }
    for (i, (reads, _)) in links.iter().enumerate() {
        let n = i + 1;
        let _ = write!(
            workspaces,
            "          T{n}:\n            container: DB\n            datasetGroups: {{Inputs: {{sinks: [{{datastore: S{reads}, dataset: d}}]}}}}\n            transformer: {{outputDatastore: S{n}, code: {{sql: {{queries: {{d: SELECT 1}}}}}}}}\n"
        );
    }
    let _ = write!(
        workspaces,
        "          Consumer:\n            container: DB\n            datasetGroups:\n              G:\n                sinks: [{{datastore: S{consumer_reads}, dataset: d}}]\n                requirements: {{milestoning: LIVE_ONLY, latency: HOURS}}\n"
    );
    let _ = writeln!(
        declared,
        "      Team: {{repository: {{name: acme/team, branch: main}}}}"
    );
    format!(
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Chain\nowningRepository: {{name: acme/eco, branch: main}}\nliveRepository: {{name: acme/eco, branch: live}}\nplatforms:\n  P: {{kind: sqlite, version: ^0.1}}\nzoneDeclarations:\n  Z: {{repository: {{name: acme/z, branch: main}}}}\nzones:\n  Z:\n    teamDeclarations:\n{declared}    teams:\n      Team:\n        containers:\n          DB: {{kind: {{database: {{engine: SQLITE, database: db}}}}}}\n        datastores:\n{stores}        workspaces:\n{workspaces}assignments:\n  - {{workspace: Consumer, datasetGroup: G, platforms: [{{platform: P, status: PROVISIONED}}]}}\n"
    )
}

#[test]
fn chains_of_transformers_are_followed() {
    let graphs = graphs_of(&chain(&[(0, 0), (1, 0), (2, 0)], 3));
    assert!(graphs.report.is_empty(), "{}", graphs.report);
    let g = &graphs.graphs["P"];
    let order: Vec<String> = g
        .bring_up_order()
        .unwrap()
        .into_iter()
        .map(ToString::to_string)
        .collect();
    let at = |key: &str| {
        order
            .iter()
            .position(|k| k == key)
            .unwrap_or_else(|| panic!("{key} in {order:?}"))
    };
    assert!(at("Ingest/P/S0") < at("DataTransformer/P/T1"));
    assert!(at("DataTransformer/P/T1") < at("DataTransformer/P/T2"));
    assert!(at("DataTransformer/P/T2") < at("DataTransformer/P/T3"));
    assert!(at("DataTransformer/P/T3") < at("Workspace/P/Consumer/G"));
    let t2 = g.find("DataTransformer/P/T2").unwrap().key.clone();
    assert_eq!(
        g.dependencies(&t2)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["Trigger/P/T2"]
    );
    assert_eq!(
        g.dependents(&t2)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["Ingest/P/S2"]
    );
}

#[test]
fn cycles_are_refused_by_validation_so_graphs_are_acyclic() {
    // T1 reads its own output; T1 and T2 read each other's.
    for text in [chain(&[(1, 0)], 1), chain(&[(2, 0), (1, 0)], 2)] {
        let report = validate(files::from_yaml_str(&text).unwrap()).unwrap_err();
        assert_eq!(report.codes(), ["transformer-cycle"], "{report}");
        assert_eq!(report.diagnostics()[0].severity, Severity::Error);
    }
}

#[test]
fn workspaces_without_a_container_get_nothing_and_unassigned_groups_are_reported() {
    let text = BASE.replacen(
        "          Dashboard:\n            container: Warehouse\n",
        "          Dashboard:\n",
        1,
    );
    let model = files::from_yaml_str(&text).unwrap();
    let valid = match validate(model) {
        Ok(valid) => valid,
        Err(report) => panic!("{report}"),
    };
    // Validation warns (`workspace-without-container`); the graph has nothing
    // to deliver to: no node, so no platform renders a view over nothing.
    assert!(
        valid
            .warnings()
            .codes()
            .contains(&"workspace-without-container")
    );
    let graphs = build(&valid);
    assert!(graphs.report.is_empty(), "{}", graphs.report);
    assert!(graphs.graphs["Batch"].nodes().is_empty());
    let unassigned = BASE.replacen("assignments:\n  - workspace: Dashboard\n    datasetGroup: Live\n    platforms:\n      - {platform: Batch, status: PROVISIONED}\n", "", 1);
    let graphs = graphs_of(&unassigned);
    assert_eq!(graphs.report.codes(), ["unassigned-dataset-group"]);
    // Every declared platform has a graph; with nothing assigned, an empty one.
    assert!(graphs.graphs.values().all(|g| g.nodes().is_empty()));
}

/// The dashboard is delivered by `Stream` only; `Batch` is the primary
/// ingestion platform of `Orders` and of the transformer output `Customer_Totals`.
fn mirrored_only() -> String {
    two_platforms(true)
        .replacen(
            "      - {platform: Batch, status: PROVISIONED}\n      - {platform: Stream",
            "      - {platform: Stream",
            1,
        )
        .replacen(
            "  Orders: [Batch]\n",
            "  Orders: [Batch]\n  Customer_Totals: [Batch]\n",
            1,
        )
}

#[test]
fn the_primary_platform_ingests_what_others_mirror_even_with_no_consumer_of_its_own() {
    let graphs = graphs_of(&mirrored_only());
    let (batch, stream) = (&graphs.graphs["Batch"], &graphs.graphs["Stream"]);
    let keys = |g: &PlatformGraph| -> Vec<String> {
        g.nodes().iter().map(|n| n.key.to_string()).collect()
    };
    // Stream mirrors both stores and runs nothing itself.
    assert_eq!(
        keys(stream),
        [
            "Export/Stream/Warehouse/Customer_Totals/totals",
            "Export/Stream/Warehouse/Orders/customers",
            "Ingest/Stream/Customer_Totals",
            "Ingest/Stream/Orders",
            "Workspace/Stream/Dashboard/Live",
        ]
    );
    // Batch delivers to no one, yet ingests Orders and runs the transformer
    // that writes Customer_Totals, for Stream to mirror.
    assert_eq!(
        keys(batch),
        [
            "DataTransformer/Batch/Totals",
            "Export/Batch/Warehouse/Orders/orders",
            "Ingest/Batch/Customer_Totals",
            "Ingest/Batch/Orders",
            "Trigger/Batch/Totals",
        ]
    );
    assert!(batch.bring_up_order().is_ok());
    // What Batch does for Stream's HIGH dashboard is HIGH.
    assert!(
        batch
            .nodes()
            .iter()
            .all(|n| n.priority == datasurface_core::WorkspacePriority::High),
        "{:?}",
        batch.nodes()
    );
}

#[test]
fn a_transformers_priority_flows_to_what_it_reads() {
    let text = BASE.replacen(
        "          Totals:\n            container: Warehouse\n            productionStatus: PRODUCTION\n",
        "          Totals:\n            container: Warehouse\n            productionStatus: PRODUCTION\n            priority: CRITICAL\n",
        1,
    );
    let graphs = graphs_of(&text);
    let g = &graphs.graphs["Batch"];
    let priorities: Vec<String> = g
        .nodes()
        .iter()
        .map(|n| format!("{} {:?}", n.key, n.priority))
        .collect();
    assert_eq!(
        priorities,
        [
            "DataTransformer/Batch/Totals Critical",
            "Export/Batch/Warehouse/Customer_Totals/totals High",
            "Export/Batch/Warehouse/Orders/customers High",
            "Export/Batch/Warehouse/Orders/orders Critical",
            "Ingest/Batch/Customer_Totals High",
            "Ingest/Batch/Orders Critical",
            "Trigger/Batch/Totals Critical",
            "Workspace/Batch/Dashboard/Live High",
        ]
    );
}

fn consumers_model(stores: usize, groups: &[Vec<usize>]) -> String {
    let links: Vec<(usize, usize)> = Vec::new();
    let mut text = chain(&links, 0);
    let mut extra_stores = String::new();
    for s in 1..stores {
        let _ = write!(
            extra_stores,
            "          X{s}:\n            capture: {{ingestion: {{container: DB, consistency: SINGLE_DATASET, method: {{sqlSnapshot: {{}}}}}}}}\n            datasets:\n              d:\n                classifications: [PUB]\n                schema: {{columns: {{id: {{type: Integer, nullable: false}}}}, primaryKey: [id]}}\n"
        );
    }
    text = text.replacen(
        "        workspaces:\n",
        &format!("{extra_stores}        workspaces:\n"),
        1,
    );
    let mut workspaces = String::new();
    let mut assignments = String::new();
    for (w, sinks) in groups.iter().enumerate() {
        let sinks: Vec<String> = sinks
            .iter()
            .map(|s| {
                if s % stores == 0 {
                    "{datastore: S0, dataset: d}".to_owned()
                } else {
                    format!("{{datastore: X{}, dataset: d}}", s % stores)
                }
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let _ = write!(
            workspaces,
            "          W{w}:\n            container: DB\n            datasetGroups:\n              G:\n                sinks: [{}]\n                requirements: {{milestoning: LIVE_ONLY, latency: HOURS}}\n",
            sinks.join(", ")
        );
        let _ = writeln!(
            assignments,
            "  - {{workspace: W{w}, datasetGroup: G, platforms: [{{platform: P, status: PROVISIONED}}]}}"
        );
    }
    text = text.replacen("assignments:\n", &format!("assignments:\n{assignments}"), 1);
    text.replacen(
        "          Consumer:\n",
        &format!("{workspaces}          Consumer:\n"),
        1,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every node is in exactly one chunk; no chunk is over the limit; the cross-chunk edges are
    /// exactly the edges between chunks.
    #[test]
    fn chunking_invariants(stores in 1usize..8, groups in prop::collection::vec(prop::collection::vec(0usize..16, 1..4), 1..6), max in 1usize..12) {
        let graphs = graphs_of(&consumers_model(stores, &groups));
        let g = &graphs.graphs["P"];
        let chunking = g.chunks(max);
        let mut seen = std::collections::BTreeMap::new();
        for (i, chunk) in chunking.chunks.iter().enumerate() {
            prop_assert!(!chunk.is_empty() && chunk.len() <= max);
            for key in chunk {
                prop_assert!(seen.insert(key.clone(), i).is_none(), "{key} is in two chunks");
            }
        }
        prop_assert_eq!(seen.len(), g.len());
        let expected: Vec<_> = g.edges().into_iter().filter(|e| seen[&e.from] != seen[&e.to]).collect();
        prop_assert_eq!(&chunking.cross_edges, &expected);
        // Acyclic graphs are cut in bring-up order: links run forwards.
        for edge in &chunking.cross_edges {
            prop_assert!(seen[&edge.from] < seen[&edge.to]);
        }
        prop_assert_eq!(g.chunks(max), chunking);
    }

    /// Weighted chunks hold every node once, weigh at most the limit unless
    /// one heavy node stands alone, and link forwards; weighing every node 1
    /// is `chunks`.
    #[test]
    fn weighted_chunking_invariants(stores in 1usize..8, groups in prop::collection::vec(prop::collection::vec(0usize..16, 1..4), 1..6), max in 1usize..6, heavy in 0usize..4) {
        let graphs = graphs_of(&consumers_model(stores, &groups));
        let g = &graphs.graphs["P"];
        prop_assert_eq!(g.chunks_weighted(max, |_| 1), g.chunks(max));
        // Ingestions weigh `heavy` (which may be over the limit), the rest nothing.
        let weight = |n: &datasurface_graph::Node| {
            if matches!(n.kind, datasurface_graph::NodeKind::Ingest { .. }) { heavy } else { 0 }
        };
        let chunking = g.chunks_weighted(max, weight);
        let mut seen = std::collections::BTreeMap::new();
        for (i, chunk) in chunking.chunks.iter().enumerate() {
            prop_assert!(!chunk.is_empty());
            let weights: Vec<usize> = chunk.iter().map(|k| weight(g.node(k).unwrap())).collect();
            let total: usize = weights.iter().sum();
            prop_assert!(
                total <= max || weights.iter().filter(|w| **w > 0).count() == 1,
                "chunk {i} weighs {total} over {max}: {weights:?}"
            );
            for key in chunk {
                prop_assert!(seen.insert(key.clone(), i).is_none(), "{key} is in two chunks");
            }
        }
        prop_assert_eq!(seen.len(), g.len());
        for edge in &chunking.cross_edges {
            prop_assert!(seen[&edge.from] < seen[&edge.to]);
        }
    }
}
