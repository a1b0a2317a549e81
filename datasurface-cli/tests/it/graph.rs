//! `graph`: each platform's intention graph, in every export format.

use super::{copy_northwind, datasurface, repo_root, scratch};

#[test]
fn graph_prints_each_platforms_intention_graph() {
    let root = repo_root();
    let run = datasurface(
        &["graph", "examples/models/northwind", "--format", "mermaid"],
        &root,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.starts_with("graph LR\n"), "{}", run.stdout);
    // Northwind's graph on each of its two platforms.
    assert_eq!(run.stdout.matches(" --> ").count(), 20);
    let run = datasurface(
        &["graph", "examples/models/northwind", "--chunk-size", "4"],
        &root,
    );
    assert_eq!(run.code, 0);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value[0]["platform"], "Azure Platform");
    assert_eq!(value[0]["chunks"].as_array().map(Vec::len), Some(3));
    let run = datasurface(
        &[
            "graph",
            "examples/models/northwind",
            "--format",
            "dot",
            "--platform",
            "Azure Platform",
        ],
        &root,
    );
    assert!(
        run.stdout.starts_with("digraph \"Azure Platform\""),
        "{}",
        run.stdout
    );
    let run = datasurface(
        &["graph", "examples/models/northwind", "--platform", "Nope"],
        &root,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("platforms with assigned dataset groups: Azure Platform, Local"),
        "{}",
        run.stderr
    );
    // The federated example: the EU group moving platforms appears on both.
    let run = datasurface(&["graph", "examples/models/federated"], &root);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value.as_array().map(Vec::len), Some(2));
}

/// A declared platform with nothing live on it has an empty graph, not an error.
#[test]
fn a_platform_with_nothing_assigned_has_an_empty_graph() {
    let dir = scratch("spare-platform");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    let eco = model.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap().replacen(
        "  Local:\n    kind: sqlite",
        "  Spare:\n    kind: sqlite\n    version: ^0.1\n  Local:\n    kind: sqlite",
        1,
    );
    std::fs::write(&eco, text).unwrap();
    let run = datasurface(&["graph", "model", "--platform", "Spare"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let graph: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(graph[0]["platform"], "Spare");
    assert_eq!(graph[0]["nodes"], serde_json::json!([]));
}
