//! The `sqlite` platform: conformance, and the engine end to end on real
//! SQLite files: Northwind with its masking transformer, history kept and
//! purged, bad batches, idempotent applies, evolving models and retention
//! (a run killed mid-batch is tested through the `datasurface` binary, in the
//! CLI's tests).

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod drift;
mod engine;
mod hooks;
mod schedules;

use datasurface_sqlite::SqlitePlatform;
use datasurface_testkit::Conformance;

#[test]
fn the_sqlite_platform_conforms() {
    Conformance::new(&SqlitePlatform).assert_passes();
}

/// Every lint code's example, an edit of the example base model, gives the
/// report its entry documents (and `explain` shows).
#[test]
fn lint_code_examples_give_their_findings() {
    let base = datasurface_testkit::example_base(
        "sqlite",
        "^0.1",
        r#"{sources: {"Sales DB": data/sales.sqlite}}"#,
    );
    let failures = datasurface_testkit::check_code_examples(
        std::sync::Arc::new(datasurface_sqlite::SqlitePlatform),
        &base,
    );
    let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", text.join("\n\n"));
}
