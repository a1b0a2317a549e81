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
pub use parameters::{INVALID_PARAMETER, Parameters, parameter_docs, read_parameters};
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

/// The codes of the diagnostics that resolving platforms and checking their
/// capabilities report.
pub const PLATFORM_CODES: &[datasurface_rules::validate::CodeInfo] = &[
    datasurface_rules::validate::CodeInfo::new(
        PLATFORM_CREDENTIAL,
        datasurface_rules::validate::Severity::Error,
        "A team's element or a credential declaration names a credential a platform uses for itself.",
        "A platform logs in with credentials of its own (the `airflow` platform's merge credential, `mergeCredential`): with them it can read and write every team's data. No capture, container, transformer or declaration may name one, or the platform would log in with it on a team's behalf, to a server the team chose. Name a credential your team owns (declared under `credentials` in its document); docs/security.md explains who owns what.",
    ),
    datasurface_rules::validate::CodeInfo::new(
        "unknown-platform-kind",
        datasurface_rules::validate::Severity::Error,
        "A platform declaration names a kind no registered implementation has.",
        "Use one of the kinds the message lists (this build knows them), or register an implementation of that kind. A kind that another program renders is not an error where the gate is told so: `datasurface check --platform-kinds-external <KIND>` (and `verify`), or `external_kinds` of `check_platforms`.",
    ),
    datasurface_rules::validate::CodeInfo::new(
        "platform-version-mismatch",
        datasurface_rules::validate::Severity::Error,
        "A platform declaration's version requirement does not accept the available implementation.",
        "Widen the requirement (such as `^0.1`) to accept the implementation's version, or use an implementation it accepts.",
    ),
    datasurface_rules::validate::CodeInfo::new(
        "invalid-platform-parameter",
        datasurface_rules::validate::Severity::Error,
        "A parameter of a platform is unknown or has a wrong value.",
        "Each platform kind reads its own parameters; the message and its help say which it reads and what value it expected. Correct the name or the value, or leave the parameter out for its default.",
    ),
    datasurface_rules::validate::CodeInfo::new(
        "physical-name-collision",
        datasurface_rules::validate::Severity::Error,
        "Two model objects would become one physical name on a platform (a table, view, file, DAG or other name).",
        "Platforms fold case, replace characters and shorten long names, so distinct model names can meet; two sources would then write one table. The message names both objects and the physical name: rename one of them.",
    ),
    datasurface_rules::validate::CodeInfo::new(
        "reserved-column-name",
        datasurface_rules::validate::Severity::Error,
        "A column's name starts with a prefix a platform keeps for its own columns.",
        "Platforms add columns of their own to merge tables (batch ids, row hashes). Rename the column so it does not start with the prefix the message names.",
    ),
    datasurface_rules::validate::CodeInfo::new(
        "unsupported-by-platform",
        datasurface_rules::validate::Severity::Error,
        "The model asks a platform for something its capabilities do not include.",
        "A capture method, milestoning strategy, container kind, column type, trigger or transformer code kind that the platform does not declare. Assign the dataset group to a platform that supports it, or change what the model asks for. Nothing is rendered until it is fixed.",
    ),
];
