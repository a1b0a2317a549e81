//! The `sqlite` platform: conformance, rendering, and the engine end to end.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use datasurface_sqlite::SqlitePlatform;
use datasurface_testkit::Conformance;

#[test]
fn the_sqlite_platform_conforms() {
    Conformance::new(&SqlitePlatform).assert_passes();
}
