//! The datasurface model, its files and its rules, under one name.
//!
//! Three crates hold them, in the order they depend on each other:
//!
//! | crate | holds | changes |
//! |---|---|---|
//! | `datasurface-core` | the model as plain data: names, diagnostics, ownership regions, resources, the index | with the model |
//! | `datasurface-files` | the v1 file format: documents, loading, the fast YAML reader, positions, saving, the JSON Schema | rarely: documents that load today load tomorrow |
//! | `datasurface-rules` | validation, change verification, the catalogue of codes | often |
//!
//! This crate re-exports them under one name, for an application that wants
//! one dependency: `datasurface_model::files`, `datasurface_model::validate`,
//! the model's types at the root. It holds no code of its own. A platform
//! gets the same crates from `datasurface-platform`; the crates of this
//! workspace import the crate that defines what they use.
//!
//! ```
//! use datasurface_model::{BuildValid, Ecosystem};
//!
//! let valid = Ecosystem::builder("Shop", "acme/eco@main", "acme/eco@live").build_valid()?;
//! let yaml = datasurface_model::files::to_yaml_string(valid.ecosystem())?;
//! assert_eq!(datasurface_model::files::from_yaml_str(&yaml)?, *valid.ecosystem());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use datasurface_avro as avro;
pub use datasurface_core::*;
pub use datasurface_files as files;
pub use datasurface_rules::{BuildError, BuildValid, catalogue, validate, verify};
pub use datasurface_stdx::{parallel, redact, suggest, text};

/// Small ready ecosystems (`datasurface-fixtures`), with the `fixtures` feature.
#[cfg(feature = "fixtures")]
pub use datasurface_fixtures as fixtures;

/// Proptest strategies for arbitrary models (`datasurface-fixtures`), with the `proptest` feature.
#[cfg(feature = "proptest")]
pub use datasurface_fixtures::arbitrary;

/// Ecosystems in code: the builder (`datasurface_core::build`), and
/// [`BuildValid`], which validates what it builds.
pub mod build {
    pub use datasurface_core::build::*;
    pub use datasurface_rules::build::{BuildError, BuildValid};
}
