//! The datasurface gate as a library: what `datasurface check` and
//! `datasurface verify` do, for applications that embed validation (a CI
//! gate, a service, a test) and get the same findings without the binary.
//!
//! A [`Gate`] holds the platforms it lints (a [`PlatformRegistry`](platform::PlatformRegistry))
//! and, optionally, a hook module runner ([`HookLoader`](datasurface_runtime::hook::HookLoader),
//! such as `datasurface_hooks::WasmLoader`). It reads a model through a
//! [`ModelSource`]: a directory on disk ([`ModelDir`], the confined reader
//! every command uses), files in memory ([`MemoryModel`]), or an
//! application's own (a Git tree). It loads and validates the model,
//! verifies it against a base, builds the intention graphs, runs every
//! declared platform's lint and checks every hook module, and locates each
//! finding in its file. [`Finding`] is the JSON the command line prints.
//!
//! ```no_run
//! use std::sync::Arc;
//! use datasurface_gate::{Gate, ModelDir, to_json};
//! use datasurface_gate::platform::PlatformRegistry;
//!
//! let gate = Gate::new(PlatformRegistry::new());
//! let checked = gate.check(&ModelDir::new("model"));
//! print!("{}", to_json(&checked.findings()));
//! std::process::exit(if checked.passes(false) { 0 } else { 1 });
//! ```

mod avro_files;
pub mod choose;
mod classification_flow;
pub mod codes;
mod dir;
pub mod environments;
mod external;
mod finding;
mod gate;
mod hooks;
mod kept;
mod links;
pub mod markdown;
mod memory;
mod named_files;
mod overlay;
mod pipeline;
mod plans;
mod quality_sql;
mod read;
mod recorded;
mod source;
mod transformer_sql;

pub use avro_files::{MAX_AVRO_FILE_BYTES, read_avro_files};
pub use classification_flow::CLASSIFICATION_DROPPED;
pub use datasurface_platform as platform;
pub use dir::ModelDir;
pub use external::{EXTERNAL_KIND, External};
pub use finding::{FINDINGS_VERSION, Finding, Verdict, VerifyOutput, finding_schema, to_json};
pub use gate::{Checked, Gate, ModelCounts, PlatformChecked, PlatformHandling, Verified};
pub use overlay::{Overlay, OverlayError};
pub use quality_sql::QUALITY_CHECK_INVALID;
pub use transformer_sql::{
    SQL_CODES, SQL_NOT_ANALYSED, SQL_OUTPUT_MISMATCH, SQL_REFUSED, SQL_UNRESOLVED,
};
/// The codes of the gate's check of every environment a model declares
/// ([`environments::check_environments`]).
pub const ENVIRONMENT_CODES: &[datasurface_rules::validate::CodeInfo] = &[
    datasurface_rules::validate::CodeInfo::new(
        environments::ENVIRONMENT_UNKNOWN_NAME,
        datasurface_rules::validate::Severity::Error,
        "An environment names a platform the model does not declare, or a container no team declares.",
        "Each environment under `environments` runs declared platforms and maps teams' containers to physical ones. Correct the name, declare the platform, or remove the entry.",
    ),
    datasurface_rules::validate::CodeInfo::new(
        environments::ENVIRONMENT_MAP_INCOMPLETE,
        datasurface_rules::validate::Severity::Error,
        "An environment maps some containers, but not every one its platforms use.",
        "An environment with a `containers` map runs on the physical containers it lists, so each container its platforms read or write needs an entry there (the message lists the missing ones); a map left out entirely uses the containers as the teams declare them. docs/environments.md shows a complete map.",
    ),
];

/// The codes of the gate's choice of platforms ([`choose`]).
pub const CHOICE_CODES: &[datasurface_rules::validate::CodeInfo] = &[
    datasurface_rules::validate::CodeInfo::new(
        choose::NO_PLATFORM_CAN_SERVE,
        datasurface_rules::validate::Severity::Error,
        "A dataset group no assignment names, and that no declared platform can serve.",
        "The gate chooses a platform for each dataset group the ecosystem does not assign: the first, in the ecosystem's `platformPreference` order (else the order of `platforms`), that has the capabilities the group needs and that the policies of the zones on its path allow. The message names each candidate and what refused it; `datasurface explain-choice <MODEL> <workspace>/<group>` prints the same reasoning. Change what the group asks for, declare a platform that can serve it, or assign it under `assignments`.",
    ),
];

pub use hooks::{
    GATE_HOOK_BUDGET, HOOK_BUDGET, HOOK_CODES, HOOK_MODULE, HOOKS_NOT_CHECKED, HookModule,
    HookModules, hook_modules,
};
pub use kept::Kept;
pub use memory::MemoryModel;
pub use pipeline::{LoadOptions, Loaded, Upto};
pub use plans::PlatformPlan;
pub use read::read_model;
pub use recorded::{Recording, SourceRecord};
pub use source::{
    Listed, Listing, MAX_FILE_BYTES, MAX_MODEL_BYTES, ModelSource, NamedContent, NamedFileError,
    Resolved,
};
