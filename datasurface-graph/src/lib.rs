//! Intention graphs for datasurface.
//!
//! This crate will build, from a validated model, one **intention graph** per
//! data platform: the work a platform is asked to make real. Its nodes are
//! ingestions of datastores, exports of datasets into consumers' data
//! containers, triggers and data transformers, and the consuming workspaces'
//! dataset groups; its edges run
//! Ingest → Export → Trigger → `DataTransformer` → Ingest … from the producers
//! to each consumer. Node identities depend only on what a node means, so
//! renders and diffs can key on them.
//!
//! It is a placeholder in this release: the builder, cycle detection, bring-up
//! order, chunking and the JSON, DOT and Mermaid exports arrive with the
//! intention-graph work. It depends only on `datasurface-model`.

pub use datasurface_model as model;
