//! The datasurface data platform plugin API.
//!
//! A data platform turns its intention graph into something real. Implement
//! [`DataPlatform`] for an AWS, Azure, streaming or embedded back end: declare
//! its [`Capabilities`], validate what the model asks of it ([`DataPlatform::lint`]),
//! [`render`](DataPlatform::render) its graph into a [`Rendering`] of artifacts
//! keyed by node identity, and let [`diff`](DataPlatform::diff) turn the
//! previous rendering and the new one into a [`Plan`] that people can review:
//! create, update, replace or delete, each with its reason and disruption, in
//! a safe order. A [`PlatformRegistry`] maps the kinds the model declares to
//! implementations and checks their versions; renderings save to files and
//! load back ([`Rendering::to_files`]).
//!
//! A third-party platform needs only this crate: it re-exports the crates
//! below it, each under one name ([`model`], [`files`], [`rules`],
//! [`graph`], [`stdx`]).
//!
//! # A whole platform
//!
//! A platform that hands each consumer's dataset group to a scheduler as a
//! JSON job file, after the ingestion of every store it reads:
//!
//! ```
//! use std::collections::BTreeMap;
//! use std::sync::Arc;
//!
//! use datasurface_platform::graph::{NodeKind, PlatformGraph};
//! use datasurface_platform::model::Milestoning;
//! use datasurface_platform::rules::validate::Diagnostic;
//! use datasurface_platform::{
//!     Action, Artifact, ArtifactKey, Capabilities, CaptureKind, ContainerCategory,
//!     DataPlatform, PlatformError, PlatformRegistry, RenderContext, Rendering, TypeKind,
//!     artifacts_upstream, escape, gate, render_platform,
//! };
//!
//! #[derive(Debug)]
//! struct Jobs;
//!
//! impl DataPlatform for Jobs {
//!     fn kind(&self) -> &str {
//!         "jobs"
//!     }
//!     fn version(&self) -> datasurface_platform::semver::Version {
//!         datasurface_platform::semver::Version::new(1, 0, 0)
//!     }
//!     fn capabilities(&self) -> Capabilities {
//!         Capabilities::new()
//!             .with_capture_methods([CaptureKind::SqlSnapshot])
//!             .with_milestoning([Milestoning::LiveOnly])
//!             .with_container_kinds([ContainerCategory::Database])
//!             .with_data_types([TypeKind::Integer, TypeKind::VarChar])
//!     }
//!     fn lint(&self, _: &PlatformGraph, _: &RenderContext<'_>) -> Vec<Diagnostic> {
//!         Vec::new() // what the capabilities cannot say, such as parameters
//!     }
//!     fn render(&self, graph: &PlatformGraph, _: &RenderContext<'_>) -> Result<Rendering, PlatformError> {
//!         // Keys come from node identities, so a new render lies on the old one.
//!         let keys: BTreeMap<_, _> = graph
//!             .nodes()
//!             .into_iter()
//!             .map(|node| (node.key.clone(), ArtifactKey::for_node(&node.key, "json")))
//!             .collect();
//!         let mut rendering = Rendering::default();
//!         for node in graph.nodes() {
//!             let text = match &node.kind {
//!                 NodeKind::Ingest { datastore, .. } => {
//!                     format!("{{\"ingest\": {}}}\n", escape::json::string(datastore.as_str()))
//!                 }
//!                 NodeKind::Workspace { workspace, dataset_group } => format!(
//!                     "{{\"deliver\": {}}}\n",
//!                     escape::json::string(&format!("{workspace}.{dataset_group}"))
//!                 ),
//!                 _ => continue, // exports and triggers need no job here
//!             };
//!             let after = artifacts_upstream(graph, &node.key, &keys);
//!             let artifact = Artifact::new(Some(node.key.clone()), text, after);
//!             rendering.insert(keys[&node.key].clone(), artifact)?;
//!         }
//!         Ok(rendering)
//!     }
//! }
//!
//! let model = datasurface_platform::files::from_yaml_str(r#"
//! apiVersion: datasurface.dev/v1
//! kind: Ecosystem
//! name: Shop
//! owningRepository: {name: acme/shop, branch: main}
//! liveRepository: {name: acme/shop, branch: live}
//! platforms:
//!   Nightly: {kind: jobs, version: ^1}
//! zoneDeclarations:
//!   Z: {repository: {name: acme/shop, branch: main}}
//! zones:
//!   Z:
//!     teamDeclarations:
//!       T: {repository: {name: acme/shop, branch: main}}
//!     teams:
//!       T:
//!         containers:
//!           Shop DB: {kind: {database: {engine: POSTGRES, database: shop}}}
//!         datastores:
//!           Shop:
//!             capture:
//!               ingestion: {container: Shop DB, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}
//!             datasets:
//!               items:
//!                 classifications: [PUB]
//!                 schema:
//!                   columns: {id: {type: Integer, nullable: false}}
//!                   primaryKey: [id]
//!         workspaces:
//!           Reports:
//!             container: Shop DB
//!             datasetGroups:
//!               Main:
//!                 sinks: [{datastore: Shop, dataset: items}]
//!                 requirements: {milestoning: LIVE_ONLY, latency: HOURS}
//! assignments:
//!   - {workspace: Reports, datasetGroup: Main, platforms: [{platform: Nightly, status: PROVISIONED}]}
//! "#)?;
//! let mut registry = PlatformRegistry::new();
//! registry.register(Arc::new(Jobs));
//! // The gate: validation, the capabilities check and every platform's lint.
//! let gated = gate(model, &registry, &[]).map_err(|report| report.to_string())?;
//! let rendered = render_platform(&registry, &gated.valid, &gated.graphs, "Nightly")?;
//! let plan = Jobs.diff(&Rendering::default(), &rendered.rendering);
//! assert_eq!(plan.count(Action::Create), 2);
//! // The delivery runs after the ingestion it reads.
//! let deliver = &plan.steps[1];
//! assert!(deliver.key.as_str().starts_with("Workspace"), "{plan}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod capabilities;
mod codes;
mod content_changes;
pub mod dialect;
pub mod escape;
mod history;
mod moves;
mod parameters;
mod physical;
mod pipeline;
mod plan;
mod platform;
mod registry;
mod rendering;
mod resources;
mod saved;
mod sink;
mod spec_json;

pub use capabilities::{
    Capabilities, Capability, GroupNeeds, capabilities_used, check_capabilities,
};
pub use codes::PLATFORM_CODES;
pub use content_changes::{ContentChange, content_changes};
/// The model as plain data (`datasurface-core`): names, types, containers,
/// diagnostics, the index.
pub use datasurface_core as model;
pub use datasurface_core::TypeKind;
pub use datasurface_core::capture::FileFormat;
/// Cron schedules: parse, next firing ([`cron::Schedule::next_after`],
/// [`cron::Schedule::firings_after`]) and fixed intervals
/// ([`cron::Schedule::fixed_interval`]), read as the model's `invalid-cron`
/// rule reads them.
pub use datasurface_core::cron;
pub use datasurface_core::kinds::{CaptureKind, CodeKind, ContainerCategory, TriggerKind};
/// The file format (`datasurface-files`): loading and saving model files.
pub use datasurface_files as files;
/// The intention graphs a platform renders (`datasurface-graph`).
pub use datasurface_graph as graph;
/// The model's rules (`datasurface-rules`): validation, the valid
/// ecosystem, change verification.
pub use datasurface_rules as rules;
/// Text, escaping helpers and bounded parallelism (`datasurface-stdx`).
pub use datasurface_stdx as stdx;
pub use history::{Kept, kept_history};
pub use moves::mark_moves;
pub use parameters::{
    INVALID_PARAMETER, ParameterDoc, Parameters, describe_parameters, parameter_docs,
    read_parameters,
};
pub use physical::{
    COLLISION, Carried, Claimant, PhysicalNames, RESERVED_COLUMN, ingested_by, ingested_datasets,
    is_reserved_column, reserved_column,
};
pub use pipeline::{
    Gated, RenderFailure, Rendered, check_platforms, gate, render_platform, render_platform_into,
    render_with, render_with_into,
};
pub use plan::{Action, Disruption, Plan, Step, dependency_order, diff};
pub use platform::{DataPlatform, PlatformError, RenderContext, TransformerSql};
pub use registry::PlatformRegistry;
pub use rendering::{
    Artifact, ArtifactKey, ArtifactKeyError, DuplicateArtifact, Rendering, artifacts_upstream,
    content_hash, sha256_hex, to_hex,
};
pub use resources::{
    PLATFORM_CREDENTIAL, PlatformCredential, PlatformFile, PlatformResources, check_resources,
    file_claims_with, platform_resources,
};
pub use saved::{
    ARTIFACTS_DIR, INDEX_FILE, SavedFile, SavedIndex, SavedRenderingError, listed_files,
};
/// The `schemars` crate, for a platform's typed parameters
/// ([`read_parameters`]): derive `JsonSchema` with
/// `#[schemars(crate = "datasurface_platform::schemars")]`.
pub use schemars;
/// The `semver` crate, for [`DataPlatform::version`]: a platform needs no
/// dependency of its own to name its version.
pub use semver;
pub use sink::{ArtifactSink, SinkError};
pub use spec_json::to_spec_json;
