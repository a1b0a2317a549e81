//! Conformance checks for datasurface data platforms, and generators of valid
//! ecosystems.
//!
//! Every platform, ours and third parties', runs the same suite as a
//! dev-dependency, as `object_store` implementations run its integration suite:
//!
//! ```ignore
//! #[test]
//! fn conforms() {
//!     datasurface_testkit::Conformance::new(&MyPlatform::default()).assert_passes();
//! }
//! ```
//!
//! The suite generates a model that uses every capability the platform
//! declares and checks that: it renders; rendering twice gives the same bytes;
//! `diff(r, r)` is empty; a saved rendering loads back; every dependency is an
//! artifact; keys and content do not change when the model's maps or files are
//! reordered; no artifact holds a secret value; a model using an undeclared
//! capability is refused with `unsupported-by-platform`; and for everyday edits
//! (a column added, a workspace added or removed, milestoning changed,
//! everything decommissioned) and for random pairs of models, applying the
//! plan to the old rendering gives the new one.
//!
//! [`generate`] builds valid models of any size, deterministic from a seed;
//! [`strategy`] wraps it for proptest.

#[cfg(feature = "conformance")]
pub mod boundaries;
#[cfg(feature = "conformance")]
mod conformance;
pub mod edits;
#[cfg(feature = "conformance")]
mod examples;
pub mod lexing;
#[cfg(feature = "conformance")]
mod resource_parameters;
mod secrets;
#[cfg(feature = "conformance")]
pub mod strategy;

#[cfg(feature = "conformance")]
pub use conformance::{Conformance, ConformanceReport, Outcome, PLATFORM_NAME, exercise_shape};
/// Small ready ecosystems as builders (a minimal one, Northwind) that a test
/// extends in a line or two: `fixtures::minimal().define_zone(…).build_valid()`.
pub use datasurface_fixtures as fixtures;
pub use datasurface_generate::{
    CAPTURE_METHODS, CODE_KINDS, CONTAINER_KINDS, DATA_TYPES, FILE_FORMATS, GenerateError,
    MILESTONING, Palette, PlatformSpec, Shape, TRIGGERS, generate, generate_for, source_kinds,
};
#[cfg(feature = "conformance")]
pub use examples::{
    Broken, EXAMPLE_FILE, ExampleFailure, check_code_examples, check_examples, check_model_text,
    example_base,
};
pub use secrets::find_secrets;
