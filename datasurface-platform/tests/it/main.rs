//! The plugin API from a platform author's side: a small platform written
//! against this crate alone, registered, linted, rendered and diffed.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::Path;
use std::sync::Arc;

use datasurface_core::{Ecosystem, Milestoning};
use datasurface_files::{self as files, SourceFile};
use datasurface_platform::graph::{NodeKind, PlatformGraph, build};
use datasurface_platform::{
    Action, Artifact, ArtifactKey, Capabilities, CaptureKind, CodeKind, ContainerCategory,
    DataPlatform, PlatformError, PlatformRegistry, RenderContext, Rendering, TriggerKind, TypeKind,
    check_capabilities,
};
use datasurface_rules::validate::{Diagnostic, ValidEcosystem, validate};
use serde_json::json;

/// A platform that renders one JSON job spec per graph node.
#[derive(Debug)]
struct JobSpecs {
    kind: &'static str,
    version: semver::Version,
    capabilities: Capabilities,
}

impl JobSpecs {
    fn azure() -> Self {
        JobSpecs {
            kind: "airflow",
            version: semver::Version::new(0, 1, 3),
            capabilities: Capabilities::new()
                .with_capture_methods([CaptureKind::SqlSnapshot, CaptureKind::TransformerOutput])
                .with_milestoning([Milestoning::LiveOnly, Milestoning::Forensic])
                .with_container_kinds([ContainerCategory::Database])
                .with_data_types([
                    TypeKind::Integer,
                    TypeKind::SmallInt,
                    TypeKind::Boolean,
                    TypeKind::NVarChar,
                    TypeKind::NChar,
                    TypeKind::Decimal,
                ])
                .with_triggers([TriggerKind::Cron])
                .with_code_kinds([CodeKind::Sql])
                .with_file_formats(Vec::new())
                .with_hooks(),
        }
    }
}

impl DataPlatform for JobSpecs {
    fn kind(&self) -> &str {
        self.kind
    }

    fn version(&self) -> semver::Version {
        self.version.clone()
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn lint(&self, graph: &PlatformGraph, context: &RenderContext<'_>) -> Vec<Diagnostic> {
        check_capabilities(&self.capabilities, graph, context)
    }

    fn render(
        &self,
        graph: &PlatformGraph,
        context: &RenderContext<'_>,
    ) -> Result<Rendering, PlatformError> {
        let eco = context.ecosystem.ecosystem();
        let mut rendering = Rendering::default();
        for node in graph.nodes() {
            let detail = match &node.kind {
                NodeKind::Ingest {
                    datastore, dataset, ..
                } => {
                    let (_, store) = eco.datastore(datastore).unwrap();
                    let schemas: Vec<_> = store
                        .datasets
                        .iter()
                        .filter(|(name, _)| dataset.as_ref().is_none_or(|d| d == *name))
                        .map(|(name, d)| json!({"dataset": name.as_str(), "schema": d.schema}))
                        .collect();
                    json!({"datasets": schemas})
                }
                NodeKind::Export {
                    datastore, dataset, ..
                } => {
                    let (_, store) = eco.datastore(datastore).unwrap();
                    json!({"schema": store.datasets[dataset.as_str()].schema})
                }
                other => serde_json::to_value(other).unwrap(),
            };
            let spec = json!({"key": node.key, "priority": node.priority, "detail": detail});
            let depends_on = graph
                .dependencies(&node.key)
                .into_iter()
                .map(|k| ArtifactKey::for_node(k, "json"))
                .collect();
            rendering
                .insert(
                    ArtifactKey::for_node(&node.key, "json"),
                    Artifact::new(Some(node.key.clone()), format!("{spec:#}\n"), depends_on),
                )
                .unwrap();
        }
        Ok(rendering)
    }
}

fn northwind_text() -> Vec<SourceFile> {
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

fn valid(files: &[SourceFile]) -> ValidEcosystem {
    validate(files::load(files).unwrap().ecosystem).unwrap()
}

fn render(platform: &dyn DataPlatform, valid: &ValidEcosystem) -> Rendering {
    let graphs = build(valid);
    let name = valid.platforms.keys().next().unwrap();
    let context = RenderContext::new(valid, name, &valid.platforms[name]);
    platform.render(&graphs.graphs[name], &context).unwrap()
}

#[test]
fn the_registry_resolves_kinds_and_checks_versions() {
    let mut registry = PlatformRegistry::new();
    registry.register(Arc::new(JobSpecs::azure()));
    let eco: Ecosystem = files::load(&northwind_text()).unwrap().ecosystem;
    // Northwind also declares a `sqlite` platform, which this registry lacks.
    let (resolved, report) = registry.resolve(&eco);
    assert_eq!(report.codes(), ["unknown-platform-kind"], "{report}");
    assert_eq!(resolved["Azure Platform"].kind(), "airflow");
    assert_eq!(resolved.len(), 1);

    let mut wrong = eco.clone();
    wrong.platforms["Azure Platform"].version = "^2".parse().unwrap();
    let (resolved, report) = registry.resolve(&wrong);
    assert!(resolved.is_empty());
    assert_eq!(
        report.codes(),
        ["platform-version-mismatch", "unknown-platform-kind"]
    );
    let (_, report) = PlatformRegistry::new().resolve(&eco);
    assert_eq!(report.codes(), ["unknown-platform-kind"]);
    assert_eq!(report.diagnostics().len(), 2);
}

#[test]
fn capabilities_are_checked_before_rendering() {
    let valid = valid(&northwind_text());
    let graphs = build(&valid);
    let name = valid.platforms.keys().next().unwrap();
    let context = RenderContext::new(&valid, name, &valid.platforms[name]);
    let platform = JobSpecs::azure();
    assert!(platform.lint(&graphs.graphs[name], &context).is_empty());
    let mut poorer = JobSpecs::azure();
    poorer
        .capabilities
        .data_types
        .retain(|t| *t != TypeKind::Decimal);
    poorer.capabilities.code_kinds.clear();
    // A platform that does not ask hooks refuses a hooked transformer.
    poorer.capabilities.hooks = false;
    let found = poorer.lint(&graphs.graphs[name], &context);
    let messages: Vec<String> = found
        .iter()
        .map(|d| format!("{} {}", d.path, d.message))
        .collect();
    insta::assert_snapshot!(messages.join("\n"));
}

#[test]
fn renders_are_deterministic_and_diff_to_nothing() {
    let valid = valid(&northwind_text());
    let platform = JobSpecs::azure();
    let (a, b) = (render(&platform, &valid), render(&platform, &valid));
    assert_eq!(a, b);
    assert_eq!(a.len(), 9);
    assert!(platform.diff(&a, &b).is_empty());
}

#[test]
fn a_one_column_change_touches_only_that_datasets_path() {
    let platform = JobSpecs::azure();
    let files = northwind_text();
    let before = render(&platform, &valid(&files));
    let mut changed = files.clone();
    changed[2].text = changed[2].text.replacen(
        "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n",
        "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n            reorder_level: {type: SmallInt, classifications: [PUB]}\n",
        1,
    );
    let after = render(&platform, &valid(&changed));
    let plan = platform.diff(&before, &after);
    let touched: Vec<(Action, &str)> = plan
        .steps
        .iter()
        .map(|s| (s.action, s.key.as_str()))
        .collect();
    assert_eq!(
        touched,
        [
            (Action::Update, "Ingest/Azure+Platform/NW_Data.json"),
            (
                Action::Update,
                "Export/Azure+Platform/Test+Azure+SQL/NW_Data/products.json"
            ),
        ]
    );
    assert_eq!(plan.apply(&before), after);
    // A removed consumer removes its exports, downstream first.
    let mut fewer = files.clone();
    fewer[2].text = fewer[2].text.replacen(
        "          - {datastore: NW_Data, dataset: suppliers}\n",
        "",
        1,
    );
    let smaller = render(&platform, &valid(&fewer));
    let plan = platform.diff(&before, &smaller);
    assert_eq!(plan.count(Action::Delete), 1);
    assert_eq!(plan.apply(&before), smaller);
    insta::assert_snapshot!(plan.to_string());
}

#[test]
fn saved_renders_load_back() {
    let rendering = render(&JobSpecs::azure(), &valid(&northwind_text()));
    let files = rendering.to_files();
    assert_eq!(files.len(), rendering.len() + 1);
    assert_eq!(Rendering::from_files(&files).unwrap(), rendering);
}
