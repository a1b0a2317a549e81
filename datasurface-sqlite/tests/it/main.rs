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
