//! Intention graphs for datasurface.
//!
//! From a validated model ([`ValidEcosystem`]), [`build`] makes one
//! [`PlatformGraph`] per data platform: the work the platform is asked to make
//! real. Its nodes ingest datastores, export datasets into consumers' data
//! containers, trigger and run data transformers, and deliver to consumers'
//! dataset groups; its edges run Ingest → Export → Trigger → `DataTransformer`
//! → Ingest … → Workspace, from the producers to each consumer, following
//! chains of transformers. Node keys ([`NodeKey`]) depend only on what a node
//! means, so renders and diffs can key on them.
//!
//! A graph offers a bring-up order, each node's dependencies and dependents,
//! its cycles, a split into chunks for platforms that cannot run huge graphs
//! in one piece, and exports as JSON, Graphviz DOT and Mermaid. petgraph stays
//! inside: the public types are this crate's own.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let text = r#"
//! apiVersion: datasurface.dev/v1
//! kind: Ecosystem
//! name: Shop
//! owningRepository: {name: acme/ecosystem, branch: main}
//! liveRepository: {name: acme/ecosystem, branch: live}
//! vendors:
//!   AWS:
//!     hardCloudVendor: AWS
//!     documentation: {description: Amazon Web Services.}
//!     locations: {USA: {locations: {us-east-1: {}}}}
//! platforms:
//!   Batch: {kind: sqlite, version: ^0.1, locations: [AWS:USA/us-east-1]}
//! zoneDeclarations:
//!   USA: {repository: {name: acme/usa, branch: main}}
//! zones:
//!   USA:
//!     teamDeclarations:
//!       Sales: {repository: {name: acme/sales, branch: main}}
//!     teams:
//!       Sales:
//!         containers:
//!           Sales DB:
//!             kind: {database: {engine: POSTGRES, database: sales}}
//!             locations: [AWS:USA/us-east-1]
//!         datastores:
//!           Orders:
//!             capture:
//!               ingestion:
//!                 container: Sales DB
//!                 consistency: MULTI_DATASET
//!                 trigger: {cron: "*/15 * * * *"}
//!                 credential: {name: sales_reader, type: USER_PASSWORD}
//!                 method: {sqlSnapshot: {}}
//!             datasets:
//!               orders:
//!                 classifications: [PUB]
//!                 schema:
//!                   columns:
//!                     order_id: {type: BigInt, nullable: false}
//!                   primaryKey: [order_id]
//!         workspaces:
//!           Dashboard:
//!             container: Sales DB
//!             datasetGroups:
//!               Live:
//!                 sinks: [{datastore: Orders, dataset: orders}]
//!                 requirements: {milestoning: LIVE_ONLY, latency: MINUTES}
//! assignments:
//!   - {workspace: Dashboard, datasetGroup: Live, platforms: [{platform: Batch, status: PROVISIONED}]}
//! "#;
//! let model = datasurface_files::from_yaml_str(text)?;
//! let valid = datasurface_rules::validate::validate(model).map_err(|r| r.to_string())?;
//! let graphs = datasurface_graph::build(&valid);
//! let graph = &graphs.graphs["Batch"];
//! assert!(graph.find("Workspace/Batch/Dashboard/Live").is_some());
//! assert!(graph.bring_up_order().is_ok());
//! # Ok(())
//! # }
//! ```

mod build;
mod chunk;
mod export;
mod graph;
mod node;

pub use build::{IntentionGraphs, build};

/// The codes of the findings [`build`] reports.
pub const GRAPH_CODES: &[datasurface_rules::validate::CodeInfo] = &[
    datasurface_rules::validate::CodeInfo::new(
        "unassigned-dataset-group",
        datasurface_rules::validate::Severity::Warning,
        "No platform delivers a consumer's dataset group.",
        "A group with `requirements` is served by the platform the gate chooses for it (`datasurface explain-choice`); one without is served only where an assignment names it. Give the group its requirements, or assign it to a platform under `assignments` in the Ecosystem document.",
    ),
];
pub use chunk::Chunking;
pub use datasurface_rules::validate::ValidEcosystem;
pub use export::{GraphExport, mermaid};
pub use graph::{Cycle, Edge, PlatformGraph};
pub use node::{Node, NodeKey, NodeKind};
