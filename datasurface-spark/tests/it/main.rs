//! The `spark` platform: conformance, the rendering, and the driver
//! program end to end on real Spark (pyspark in local mode) and PostgreSQL
//! when they are on the machine.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod dags;
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

/// A plan says what each change of a stream does to its tables.
#[test]
fn plans_say_what_a_change_disrupts() {
    use datasurface_platform::{DataPlatform, Disruption};
    let base = engine::model("shop", std::path::Path::new("/w"));
    let edited = |find: &str, replace: &str| {
        let mut files = base.clone();
        assert!(files[2].text.contains(find), "{find}");
        files[2].text = files[2].text.replacen(find, replace, 1);
        files
    };
    let before = render(&base, "Lake");
    let step = |files: &[SourceFile]| {
        let plan = Spark::new().diff(&before, &render(files, "Lake"));
        let step = plan
            .steps
            .iter()
            .find(|s| s.key.as_str() == "jobs/ingest/Shop.json")
            .unwrap_or_else(|| panic!("{plan:#?}"));
        (step.disruption, step.reason.clone())
    };
    let (disruption, reason) = step(&edited(
        "qty: {type: Integer}",
        "qty: {type: Integer}\n            note: {type: {VarChar: {maxSize: 9}}}",
    ));
    assert_eq!(disruption, Disruption::None, "{reason}");
    assert!(reason.contains("gains column `note`"), "{reason}");
    let (disruption, reason) = step(&edited("primaryKey: [id]", "primaryKey: [id, name]"));
    assert_eq!(disruption, Disruption::Recreate, "{reason}");
    assert!(reason.contains("key changes"), "{reason}");
    let (disruption, reason) = step(&edited("qty: {type: Integer}", "qty: {type: BigInt}"));
    assert_eq!(disruption, Disruption::Recreate, "{reason}");
    assert!(reason.contains("from int to bigint"), "{reason}");
}
