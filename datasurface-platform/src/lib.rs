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
mod spec_json;

pub use capabilities::{
    Capabilities, Capability, CaptureKind, CodeKind, ContainerCategory, GroupNeeds, TriggerKind,
    capabilities_used, check_capabilities,
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
    Gated, RenderFailure, Rendered, check_platforms, gate, render_platform, render_with,
};
pub use plan::{Action, Disruption, Plan, Step, dependency_order, diff};
pub use platform::{DataPlatform, PlatformError, RenderContext};
pub use registry::PlatformRegistry;
pub use rendering::{
    Artifact, ArtifactKey, ArtifactKeyError, DuplicateArtifact, Rendering, artifacts_upstream,
    content_hash, sha256_hex, to_hex,
};
pub use resources::{
    PLATFORM_CREDENTIAL, PlatformCredential, PlatformFile, PlatformResources, check_resources,
    file_claims_with, platform_resources,
};
pub use saved::{ARTIFACTS_DIR, INDEX_FILE, SavedFile, SavedRenderingError, listed_files};
/// The `schemars` crate, for a platform's typed parameters
/// ([`read_parameters`]): derive `JsonSchema` with
/// `#[schemars(crate = "datasurface_platform::schemars")]`.
pub use schemars;
/// The `semver` crate, for [`DataPlatform::version`]: a platform needs no
/// dependency of its own to name its version.
pub use semver;
pub use spec_json::to_spec_json;
