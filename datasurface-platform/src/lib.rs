//! The datasurface data platform plugin API.
//!
//! This crate will hold the `DataPlatform` trait that platform authors
//! implement for AWS, Azure, streaming or embedded back ends: a small,
//! object-safe, synchronous trait whose `render` turns an intention graph into
//! artifacts keyed by node identity, and whose `diff` turns two renders into a
//! plan of create, update, replace and delete steps that people can review.
//! With it come the platform registry (kinds and semver requirements from the
//! model), saved renders, and the types every platform signature needs, so a
//! third-party platform depends on this crate alone.
//!
//! It is a placeholder in this release. It re-exports the crates below it.

pub use datasurface_graph as graph;
pub use datasurface_model as model;
