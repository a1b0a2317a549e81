//! Valid ecosystems of any size: a [`Shape`] (how many zones, stores,
//! datasets, columns, workspaces, transformers) and a [`Palette`] (the
//! choices a platform's capabilities allow, cycled so each one appears) make
//! a model, deterministically from a seed. `datasurface generate`, the
//! benchmarks and the conformance kit (`datasurface-testkit`, which
//! re-exports this crate) use it; it carries no test framework, so a
//! release binary may.
//!
//! ```
//! use datasurface_generate::{Palette, PlatformSpec, Shape, generate};
//! use datasurface_platform::{Capabilities, CaptureKind, CodeKind, ContainerCategory, TypeKind};
//! use datasurface_platform::model::Milestoning;
//!
//! // Ten stores of two datasets of four columns, on what a platform supports.
//! let shape = Shape::new(10, 2, 4);
//! let supported = Capabilities::new()
//!     .with_capture_methods([CaptureKind::SqlSnapshot, CaptureKind::TransformerOutput])
//!     .with_milestoning([Milestoning::LiveOnly])
//!     .with_container_kinds([ContainerCategory::Database])
//!     .with_data_types([TypeKind::Integer, TypeKind::VarChar])
//!     .with_code_kinds([CodeKind::Sql]);
//! let palette = Palette::from_capabilities(&supported);
//! let model = generate(&shape, &palette, &[PlatformSpec::new("Batch", "sqlite", "^0.1")])?;
//! // The ten stores, and the output of the one transformer the shape asks for.
//! assert_eq!(model.datastores().count(), 11);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod generate;
mod palette;
mod rng;

pub use generate::{GenerateError, PlatformSpec, Shape, generate, generate_for};
pub use palette::{
    CAPTURE_METHODS, CODE_KINDS, CONTAINER_KINDS, DATA_TYPES, FILE_FORMATS, MILESTONING, Palette,
    TRIGGERS, source_kinds,
};
