//! Valid ecosystems of any size: a [`Shape`] (how many zones, stores,
//! datasets, columns, workspaces, transformers) and a [`Palette`] (the
//! choices a platform's capabilities allow, cycled so each one appears) make
//! a model, deterministically from a seed. `datasurface generate`, the
//! benchmarks and the conformance kit (`datasurface-testkit`, which
//! re-exports this crate) use it; it carries no test framework, so a
//! release binary may.

mod generate;
mod palette;
mod rng;

pub use generate::{GenerateError, PlatformSpec, Shape, generate, generate_for};
pub use palette::{
    CAPTURE_METHODS, CODE_KINDS, CONTAINER_KINDS, DATA_TYPES, FILE_FORMATS, MILESTONING, Palette,
    TRIGGERS, source_kinds,
};
