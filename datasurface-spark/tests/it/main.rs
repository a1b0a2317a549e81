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
use datasurface_rules::validate::{ValidEcosystem, validate};
use datasurface_spark::Spark;
use datasurface_testkit::Conformance;

/// The workspace whose query the gate refuses (`engine::model`'s `Sneak`),
/// and the query that stands for it in the model as rendered.
const PAST_THE_GATE: (&str, &str) = ("Sneak", "SELECT id FROM Shop_items");

/// The rendering of `platform` of a model, `Sneak`'s query put past the
/// gate ([`gated`], [`past_the_gate`]).
fn render(files: &[SourceFile], platform: &str) -> Rendering {
    let (valid, own) = gated(files);
    let graphs = build(&valid);
    let name = valid.platforms.get_key_value(platform).unwrap().0;
    let mut rendering = datasurface_platform::render_with(&Spark::new(), &valid, &graphs, name)
        .unwrap()
        .rendering;
    past_the_gate(&mut rendering, own);
    rendering
}

/// The valid model of `files`, with `Sneak`'s query (which the gate
/// refuses, so the platform would not render it) swapped for one it
/// accepts; and `Sneak`'s own query, if the model has it.
fn gated(files: &[SourceFile]) -> (ValidEcosystem, Option<String>) {
    let mut ecosystem = datasurface_files::load(files).unwrap().ecosystem;
    let (workspace, stand_in) = PAST_THE_GATE;
    let mut own = None;
    for team in ecosystem.teams_mut_where(|t| t.workspaces.contains_key(workspace)) {
        let ws = team.workspaces.get_mut(workspace).unwrap();
        let transformer = ws.transformer.as_mut().unwrap();
        if let datasurface_core::CodeArtifact::Sql(code) = &mut transformer.code {
            for query in code.queries.values_mut() {
                own = Some(std::mem::replace(query, stand_in.to_owned()));
            }
        }
    }
    (validate(ecosystem).unwrap(), own)
}

/// Puts `Sneak`'s own query back in its rendered job spec as the text the
/// driver runs, as if it had got past the gate, so the driver's own
/// defences are what the tests see.
fn past_the_gate(rendering: &mut Rendering, own: Option<String>) {
    let Some(own) = own else {
        return;
    };
    let (workspace, _) = PAST_THE_GATE;
    for artifact in rendering.artifacts.values_mut() {
        let Ok(mut spec) = serde_json::from_str::<serde_json::Value>(&artifact.content) else {
            continue;
        };
        if spec.get("workspace").and_then(|w| w.as_str()) != Some(workspace) {
            continue;
        }
        let Some(outputs) = spec.get_mut("outputs").and_then(|o| o.as_array_mut()) else {
            continue;
        };
        for output in outputs {
            output["query"] = serde_json::Value::String(own.clone());
        }
        *artifact = datasurface_platform::Artifact::new(
            artifact.node.clone(),
            serde_json::to_string_pretty(&spec).unwrap(),
            artifact.depends_on.clone(),
        );
    }
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

/// The platform does not judge batches by quality rules, and says so: a
/// dataset it ingests with rules (three `fail` rules its batches would
/// break) is refused at `check`, where before it passed and every batch
/// committed its rows.
#[test]
fn quality_rules_it_would_ignore_are_refused_at_check() {
    let files = engine::model("shop", std::path::Path::new("/data/warehouse"));
    let files: Vec<SourceFile> = files
        .into_iter()
        .map(|f| {
            let text = f.text.replacen(
                "qty: {type: Integer}\n          primaryKey: [id]\n",
                "qty: {type: Integer}\n          primaryKey: [id]\n        quality:\n          \
                 - rowCount: {min: 1000000}\n          - range: {column: qty, max: -1}\n          \
                 - check: {sql: \"qty < 0\"}\n",
                1,
            );
            SourceFile::new(f.path, text)
        })
        .collect();
    let ecosystem = datasurface_files::load(&files).unwrap().ecosystem;
    let mut registry = datasurface_platform::PlatformRegistry::new();
    registry.register(std::sync::Arc::new(Spark::new()));
    let report = datasurface_platform::gate(ecosystem, &registry, &[]).unwrap_err();
    let refused: Vec<String> = report
        .diagnostics()
        .iter()
        .filter(|d| d.code == "unsupported-by-platform")
        .map(|d| format!("{}: {}", d.path, d.message))
        .collect();
    assert_eq!(
        refused,
        [
            "/zones/Main/teams/Shop/datastores/Shop/datasets/items/quality: platform `Lake` (kind `spark`) does not support quality rules judging each batch (it would commit what they refuse)"
        ],
        "{report:?}"
    );
}
