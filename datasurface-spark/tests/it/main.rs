//! The `spark` platform: conformance, the rendering, and the driver
//! program end to end on real Spark (pyspark in local mode) and PostgreSQL
//! when they are on the machine.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod engine;

use datasurface_files::SourceFile;
use datasurface_platform::Rendering;
use datasurface_platform::graph::build;
use datasurface_rules::validate::validate;
use datasurface_spark::Spark;
use datasurface_testkit::Conformance;

/// The rendering of `platform` of a model.
fn render(files: &[SourceFile], platform: &str) -> Rendering {
    let valid = validate(datasurface_files::load(files).unwrap().ecosystem).unwrap();
    let graphs = build(&valid);
    let name = valid.platforms.get_key_value(platform).unwrap().0;
    datasurface_platform::render_with(&Spark::new(), &valid, &graphs, name)
        .unwrap()
        .rendering
}

#[test]
fn passes_the_conformance_kit() {
    // Its findings are the toolbox's: parameters, physical names, reserved columns.
    Conformance::new(&Spark).without_own_codes().assert_passes();
}
