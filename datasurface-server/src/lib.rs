//! The model service: a read-only REST API over a validated DataSurface
//! model, for platforms written in other languages and for people who want
//! to know who reads a dataset and what feeds it.
//!
//! The service holds one [`ModelVersion`] at a time, built by the caller's
//! loader (the command line reads the model directory; a test builds one in
//! code), and answers every request from that version alone: a reload
//! builds the next version beside the current one and swaps it in at once,
//! only if it validates, so a request never sees half a model and a model
//! that stops validating keeps the last good one served, with the failed
//! reload's findings at `/api/v1/diagnostics`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use datasurface_server::{ModelService, ModelVersion};
//!
//! // `version` comes from the caller's loader: the model read and checked.
//! async fn run(version: ModelVersion) -> std::io::Result<()> {
//!     let service = Arc::new(ModelService::new(version));
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//!     let limits = datasurface_server::ConnectionLimits::default();
//!     let log = Arc::new(|line: &str| eprintln!("{line}"));
//!     let router = datasurface_server::router(service);
//!     datasurface_server::serve(listener, router, limits, std::future::pending(), log).await;
//!     Ok(())
//! }
//! ```
//!
//! Every answer is JSON, stable for a given model (the model's own order,
//! the file format's field names), with an `ETag` derived from the model's
//! content and the request; long lists are paginated (`offset`, `limit`); an
//! unknown name is a 404 with an RFC 9457 problem body. The routes and their
//! documentation are one table ([`ROUTES`]), from which the OpenAPI 3.1
//! document at `/openapi.json` is generated.

mod api;
mod bodies;
mod catalogue;
mod changes;
mod columns;
mod freshness;
mod http;
mod impact;
mod lineage;
mod listen;
#[cfg(feature = "mcp")]
pub mod mcp;
mod metrics;
mod openapi;
mod problem;
mod search;
mod service;
mod snapshot;

pub use api::router;
/// The router [`router`] makes, to merge more routes into (such as `/mcp`).
pub use axum::Router;
pub use changes::{ChangeOrigin, FileChange};
pub use freshness::{DatasetRun, RunState};
pub use listen::{ConnectionLimits, serve};
pub use metrics::{ExtraMetrics, StateError};
pub use openapi::{ROUTES, Route, openapi};
pub use service::{ModelService, Rejected, ReloadStatus};
pub use snapshot::ModelVersion;
