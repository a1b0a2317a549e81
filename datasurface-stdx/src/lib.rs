//! Plumbing every datasurface crate may use, and none of them owns: work
//! spread over the machine's cores, "did you mean" suggestions, and the one
//! place that says which characters may reach a terminal as they are.
//!
//! Nothing here knows the model; it depends on no other datasurface crate.
//!
//! ```
//! use datasurface_stdx::suggest::suggest;
//! assert_eq!(suggest("sqlte", &["sqlite", "airflow"], "kinds"), "did you mean `sqlite`?");
//! ```

pub mod parallel;
pub mod redact;
pub mod suggest;
pub mod text;
