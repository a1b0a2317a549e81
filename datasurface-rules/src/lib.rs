//! The rules of a datasurface model: what makes one valid, what makes a
//! change to one acceptable, and the catalogue that documents every code.
//!
//! - [`validate()`] runs every rule over a model and returns a
//!   [`ValidEcosystem`], which later stages require, or the report of what
//!   is wrong. The rules live one per file in `validate/rules/`, each with
//!   its example and the finding it gives.
//! - [`verify()`] judges a proposed model against the base one: the proposing
//!   repository changes only what it owns, and no consumer breaks.
//! - [`catalogue`] turns the rules, and the codes of loading and
//!   verification, into the text `explain` prints.
//!
//! The rules change often; the model (`datasurface-core`) and its file
//! format (`datasurface-files`) much less. `datasurface-model` re-exports
//! the three under one name.
//!
//! ```
//! use datasurface_rules::BuildValid;
//!
//! let valid = datasurface_fixtures::minimal().build_valid()?;
//! assert!(valid.warnings().is_empty());
//! # Ok::<(), datasurface_rules::BuildError>(())
//! ```

pub mod build;
pub mod catalogue;
pub mod validate;
pub mod verify;

#[cfg(test)]
mod inventory_judged;

pub use build::{BuildError, BuildValid};
pub use validate::{Invalid, ValidEcosystem, check, try_validate, validate};
pub use verify::verify;
