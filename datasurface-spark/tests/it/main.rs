//! The `spark` platform: conformance, the rendering, and the driver
//! program end to end on real Spark (pyspark in local mode) and PostgreSQL
//! when they are on the machine.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

#[path = "../../../datasurface-airflow/tests/it/dagbag.rs"]
mod dagbag;
mod dags;
mod decide;
mod engine;
mod mirror;

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

/// The folders its parameters map on the workers are claimed: a source
/// folder by its container's team, the warehouse, the rendering and the
/// JDBC jars its applications load by the platform; another file system's
/// URL is not a file of the model's.
#[test]
fn claims_the_folders_its_parameters_map() {
    use datasurface_platform::DataPlatform;
    let declaration: datasurface_core::PlatformDeclaration =
        serde_json::from_value(serde_json::json!({
            "kind": "spark", "version": "^0.1",
            "parameters": {
                "warehouse": "/data/warehouse",
                "sources": {"Drops": "file:///data/drops", "Remote": "s3a://bucket/drops"}
            }
        }))
        .unwrap();
    let resources = Spark::new().resources(&declaration);
    assert!(resources.credentials.is_empty());
    let files: Vec<(&str, Option<&str>, Vec<&str>)> = resources
        .files
        .iter()
        .map(|f| {
            (
                f.path.as_str(),
                f.container
                    .as_ref()
                    .map(datasurface_core::names::ContainerName::as_str),
                f.parameter.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        files,
        [
            ("/data/drops", Some("Drops"), vec!["sources", "Drops"]),
            ("/data/warehouse", None, vec!["warehouse"]),
            ("/opt/datasurface/rendering", None, vec![]),
            ("/usr/share/java/postgresql.jar", None, vec![]),
        ]
    );
}
