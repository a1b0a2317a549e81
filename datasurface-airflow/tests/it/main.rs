//! The `airflow` platform: conformance, the Northwind rendering and its plans,
//! random pairs of models, and the rendered SQL and DAGs against a real
//! PostgreSQL and a real Apache Airflow 3 when they are on the machine.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod dagbag;
mod escaping;
mod external;
mod runner;

use std::fmt::Write as _;
use std::path::Path;

use datasurface_airflow::Airflow;
use datasurface_airflow::dags::{DagSpec, Operator};
use datasurface_files::{self as files, SourceFile};
use datasurface_platform::graph::build;
use datasurface_platform::{ArtifactKey, DataPlatform, Plan, Rendering, render_with};
use datasurface_rules::validate::validate;
use datasurface_testkit::{Conformance, Palette, strategy};
use proptest::prelude::*;
use serde_json::json;

fn northwind() -> Vec<SourceFile> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/models/northwind");
    [
        "ecosystem.yaml",
        "zones/usa/zone.yaml",
        "zones/usa/teams/northwindteam.yaml",
    ]
    .iter()
    .map(|p| SourceFile::new(*p, std::fs::read_to_string(dir.join(p)).unwrap()))
    .collect()
}

/// Renders a platform of a model given as files.
fn render(files: &[SourceFile], platform: &str) -> Rendering {
    let valid = validate(files::load(files).unwrap().ecosystem).unwrap();
    let graphs = build(&valid);
    let name = valid.platforms.get_key_value(platform).unwrap().0;
    render_with(&Airflow::new(), &valid, &graphs, name)
        .unwrap()
        .rendering
}

/// Northwind with one edit of its team file.
fn edited(find: &str, replace: &str) -> Vec<SourceFile> {
    let mut files = northwind();
    assert!(files[2].text.contains(find), "{find}");
    files[2].text = files[2].text.replacen(find, replace, 1);
    files
}

/// A rendering as one text: each artifact's key, dependencies and content.
fn show(r: &Rendering) -> String {
    let mut out = String::new();
    for (key, a) in &r.artifacts {
        let deps: Vec<&str> = a.depends_on.iter().map(ArtifactKey::as_str).collect();
        let _ = write!(
            out,
            "===== {key}  (after: {})\n{}\n",
            if deps.is_empty() {
                "-".into()
            } else {
                deps.join(", ")
            },
            a.content
        );
    }
    out
}

fn plan(before: &Rendering, after: &Rendering) -> Plan {
    let plan = Airflow::new().diff(before, after);
    assert_eq!(
        &plan.apply(before),
        after,
        "the plan must turn one rendering into the other"
    );
    plan
}

/// The example base model on this platform: its source database has an endpoint.
fn example_base() -> String {
    datasurface_testkit::example_base("airflow", "^0.1", "").replacen(
        "{engine: POSTGRES, database: sales}",
        "{engine: POSTGRES, database: sales, endpoint: {host: sales.example, port: 5432}}",
        1,
    )
}

#[test]
fn the_airflow_platform_conforms() {
    Conformance::new(&Airflow)
        .with_example_base(example_base())
        .assert_passes();
    let mut local = serde_json::Map::new();
    local.insert("executor".into(), json!("local"));
    local.insert("schema".into(), json!("merge"));
    Conformance::new(&Airflow)
        .with_example_base(example_base())
        .with_parameters(local)
        .random_pairs(8)
        .assert_passes();
}

#[test]
fn northwind_renders() {
    let r = render(&northwind(), "Azure Platform");
    assert_eq!(r, render(&northwind(), "Azure Platform"));
    insta::assert_snapshot!(show(&r));
}

#[test]
fn an_unchanged_model_plans_nothing() {
    let r = render(&northwind(), "Azure Platform");
    let p = plan(&r, &r);
    assert!(p.is_empty());
    insta::assert_snapshot!(p.to_string(), @"0 to create, 0 to update, 0 to replace, 0 to delete");
}

#[test]
fn a_nullable_column_touches_its_path_only() {
    let before = render(&northwind(), "Azure Platform");
    let after = render(
        &edited(
            "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n",
            "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n            reorder_level: {type: SmallInt, classifications: [PUB]}\n",
        ),
        "Azure Platform",
    );
    insta::assert_snapshot!(plan(&before, &after).to_string());
}

#[test]
fn a_new_consumer_workspace() {
    let before = render(&northwind(), "Azure Platform");
    let mut files = edited(
        "  ProductAnalytics:\n",
        "  SupplierDesk:\n    container: Test Azure SQL\n    datasetGroups:\n      History:\n        sinks:\n          - {datastore: NW_Data, dataset: suppliers}\n        requirements: {milestoning: FORENSIC, latency: HOURS}\n    documentation:\n      description: Supplier history.\n\n  ProductAnalytics:\n",
    );
    files[0].text.push_str(
        "  - workspace: SupplierDesk\n    datasetGroup: History\n    platforms:\n      - platform: Azure Platform\n        status: PROVISIONED\n",
    );
    let after = render(&files, "Azure Platform");
    insta::assert_snapshot!(plan(&before, &after).to_string());
}

#[test]
fn a_removed_workspace() {
    let before = render(&northwind(), "Azure Platform");
    let mut files = northwind();
    let at = files[2].text.find("  ProductAnalytics:\n").unwrap();
    files[2].text.truncate(at);
    let at = files[0].text.find("assignments:\n").unwrap();
    files[0].text.truncate(at);
    let after = render(&files, "Azure Platform");
    insta::assert_snapshot!(plan(&before, &after).to_string());
}

#[test]
fn a_group_moved_to_another_platform() {
    let before = northwind();
    let mut after = northwind();
    after[0].text = after[0]
        .text
        .replace(
            "zoneDeclarations:\n",
            "  Airflow West:\n    kind: airflow\n    version: ^0.1\n    locations: [Azure:USA/westus]\n    parameters: {schema: west, mergeHost: merge.west.example}\n    documentation:\n      description: The western deployment.\nzoneDeclarations:\n",
        )
        .replace(
            "      - platform: Azure Platform\n        status: PROVISIONED\n",
            "      - platform: Azure Platform\n        status: DECOMMISSIONED\n      - platform: Airflow West\n        status: PROVISIONED\n",
        );
    let old_before = render(&before, "Azure Platform");
    let old_after = render(&after, "Azure Platform");
    let decommission = plan(&old_before, &old_after);
    let provision = plan(&Rendering::default(), &render(&after, "Airflow West"));
    insta::assert_snapshot!(format!(
        "On `Azure Platform` (decommissioning):\n{decommission}\n\nOn `Airflow West` (provisioning):\n{provision}"
    ));
}

#[test]
fn a_platform_takes_data_from_the_primary_ingestion_platform() {
    let platforms = ["Batch", "Replica"].map(|name| {
        let mut spec = datasurface_testkit::PlatformSpec::new(name, "airflow", "^0.1");
        spec.parameters
            .insert("schema".into(), json!(name.to_lowercase()));
        spec
    });
    let palette = Palette::from_capabilities(&Airflow::new().capabilities());
    let shape = datasurface_testkit::Shape::new(6, 2, 3);
    let eco = datasurface_testkit::generate(&shape, &palette, &platforms).unwrap();
    let valid = validate(eco).unwrap();
    let graphs = build(&valid);
    let replica = valid.platforms.get_key_value("Replica").unwrap().0;
    let r = render_with(&Airflow::new(), &valid, &graphs, replica)
        .unwrap()
        .rendering;
    let ingest_dags: Vec<DagSpec> = r
        .artifacts
        .iter()
        .filter(|(k, _)| k.as_str().starts_with("dags/ingest/store_"))
        .map(|(_, a)| serde_json::from_str(&a.content).unwrap())
        .collect();
    assert!(!ingest_dags.is_empty());
    for dag in ingest_dags {
        let [task] = &dag.tasks[..] else {
            panic!("one task: {dag:?}")
        };
        let Operator::Pod { arguments, env, .. } = &task.operator else {
            panic!("a pod: {dag:?}")
        };
        assert!(
            arguments
                .windows(2)
                .any(|w| w == ["--from-platform", "Batch"]),
            "{dag:?}"
        );
        // Reading the primary platform's tables needs no source credential.
        assert!(
            !env.iter().any(|v| format!("{v:?}").contains("READER")),
            "{dag:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// For random pairs of valid models A and B, applying diff(render(A), render(B))
    /// to render(A) gives render(B).
    #[test]
    fn plans_turn_any_rendering_into_any_other(
        (a, b) in strategy::ecosystem_pairs(
            Palette::from_capabilities(&Airflow::new().capabilities()),
            vec![Conformance::new(&Airflow).spec()],
        )
    ) {
        let kit = Conformance::new(&Airflow);
        let (ra, rb) = (kit.render(&a).unwrap(), kit.render(&b).unwrap());
        let plan = Airflow::new().diff(&ra, &rb);
        prop_assert_eq!(plan.apply(&ra), rb);
    }
}

/// Every lint code's example, an edit of the example base model, gives the
/// report its entry documents (and `explain` shows).
#[test]
fn lint_code_examples_give_their_findings() {
    let base = example_base();
    let failures = datasurface_testkit::check_code_examples(std::sync::Arc::new(Airflow), &base);
    let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", text.join("\n\n"));
}

/// The job runner's image has one name: the platform's default, the image
/// the release workflow pushes for a `v*` tag, and what the docs tell an
/// operator to build or pull.
#[test]
fn the_default_image_is_the_one_the_release_workflow_publishes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
    let workflow = read(".github/workflows/release.yml");
    assert!(
        workflow.contains("tags: [\"v*\"]")
            && workflow.contains("tags: ghcr.io/${{ github.repository }}:${{ github.ref_name }}"),
        "the release workflow no longer pushes ghcr.io/<repository>:<v tag>"
    );
    // The repository the manifests name is the one the workflow runs in.
    let manifest = read("Cargo.toml");
    let repository = manifest
        .lines()
        .find_map(|l| l.strip_prefix("repository = \"https://github.com/"))
        .and_then(|r| r.strip_suffix('"'))
        .unwrap();
    assert_eq!(
        datasurface_airflow::IMAGE_REPOSITORY,
        format!("ghcr.io/{repository}")
    );
    assert_eq!(
        datasurface_airflow::default_image("0.1.0"),
        format!("ghcr.io/{repository}:v0.1.0")
    );
    let rendered = render(&northwind(), "Azure Platform");
    let specs: Vec<&str> = rendered
        .artifacts
        .values()
        .map(|a| a.content.as_str())
        .filter(|t| t.contains("\"image\": \""))
        .collect();
    assert!(!specs.is_empty());
    let version = env!("CARGO_PKG_VERSION");
    for spec in specs {
        assert!(
            spec.contains(&format!("\"ghcr.io/{repository}:v{version}\"")),
            "{spec}"
        );
    }
    for doc in ["README.md", "docs/airflow.md", "Dockerfile"] {
        let text = read(doc);
        assert!(!text.contains("datasurface/datasurface:"), "{doc}");
        assert!(
            text.contains(datasurface_airflow::IMAGE_REPOSITORY),
            "{doc}"
        );
    }
}
