//! The conformance suite passes a correct platform and catches broken ones; the
//! generator's models are valid at every shape.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::sync::atomic::{AtomicU64, Ordering};

use datasurface_core::Milestoning;
use datasurface_platform::graph::{PlatformGraph, build};
use datasurface_platform::{
    Artifact, ArtifactKey, Capabilities, CaptureKind, CodeKind, ContainerCategory, DataPlatform,
    FileFormat, PlatformError, RenderContext, Rendering, TriggerKind, TypeKind, check_capabilities,
};
use datasurface_rules::validate::{Diagnostic, validate};
use datasurface_testkit::{
    Conformance, MILESTONING, Palette, PlatformSpec, Shape, generate, strategy,
};
use proptest::prelude::*;

/// How a test platform misbehaves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Flaw {
    None,
    /// Keys follow the model's store order rather than node identity.
    OrderDependentKeys,
    /// Every render differs (a hidden counter stands in for a clock).
    Counter,
    /// Writes a password into an artifact.
    Secret,
    /// Depends on an artifact it does not render.
    DanglingDependency,
    /// Exports depend on nothing, so a plan may make them before what fills them.
    IndependentExports,
    /// Names artifacts by datastore but does not refuse names that differ only in case.
    CaseBlind,
    /// Writes a datastore's description into an artifact as it is.
    RawText,
    /// Writes descriptions into Terraform JSON as JSON strings, whose
    /// `${…}` Terraform would then evaluate.
    RawTemplate,
    /// Lint reports a code `codes()` does not declare.
    UndeclaredCode,
    /// `codes()` is empty, though its lint reports a code of its own.
    NoCodes,
    /// Refuses no names that meet, makes keys that replace what they cannot
    /// keep with `_`, and replaces an artifact whose key is taken.
    LossyKeys,
    /// Keys follow node identity, but content lists the stores in the
    /// model's order.
    OrderedContent,
    /// Its own diff runs the default plan's steps backwards: exports are
    /// made before the ingestion that fills them.
    BackwardsPlan,
    /// Streams (`render_into`) one artifact fewer than its `render` returns.
    StreamsLess,
    /// Claims the credential of `auditCredential` and the folder of `logs`,
    /// but not the credentials of its `readers` map or the folder of
    /// `spool`, parameters added later.
    UnclaimedResources,
}

/// The specs platform's parameters: two name credentials it logs in with.
#[derive(Debug, Default, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
struct SpecsParameters {
    /// The credential it reads the audit log with.
    audit_credential: Option<String>,
    /// How it reads each other platform: `{credential: NAME}`.
    readers: std::collections::BTreeMap<String, Reader>,
    /// Where it writes its logs.
    #[schemars(extend("x-resource" = "file"))]
    logs: Option<String>,
    /// Where it keeps work in progress.
    #[schemars(extend("x-resource" = "file"))]
    spool: Option<String>,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Reader {
    credential: String,
}

#[derive(Debug)]
struct Specs {
    flaw: Flaw,
    capabilities: Capabilities,
    renders: AtomicU64,
}

fn everything() -> Capabilities {
    Capabilities::new()
        .with_capture_methods(CaptureKind::ALL.to_vec())
        .with_milestoning(MILESTONING.to_vec())
        .with_container_kinds(ContainerCategory::ALL.to_vec())
        .with_data_types(TypeKind::ALL.to_vec())
        .with_triggers(TriggerKind::ALL.to_vec())
        .with_code_kinds(CodeKind::ALL.to_vec())
        .with_file_formats(FileFormat::ALL.to_vec())
}

impl Specs {
    fn new(flaw: Flaw) -> Self {
        let mut capabilities = everything();
        capabilities
            .data_types
            .retain(|t| *t != TypeKind::Geography);
        Specs {
            flaw,
            capabilities,
            renders: AtomicU64::new(0),
        }
    }
}

impl DataPlatform for Specs {
    fn kind(&self) -> &'static str {
        "specs"
    }

    fn version(&self) -> semver::Version {
        semver::Version::new(1, 2, 3)
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    fn codes(&self) -> &'static [datasurface_rules::validate::CodeInfo] {
        // A note on every model: its example edits nothing.
        const CODES: &[datasurface_rules::validate::CodeInfo] =
            &[datasurface_rules::validate::CodeInfo::new(
                "specs-note",
                datasurface_rules::validate::Severity::Info,
                "The specs platform renders every node as JSON.",
                "Nothing to do: it says what the platform does.",
            )
            .with_example(&[], "info[specs-note]: every node is rendered as JSON")];
        if self.flaw == Flaw::NoCodes {
            return &[];
        }
        CODES
    }

    fn parameters(&self) -> Option<schemars::Schema> {
        Some(schemars::schema_for!(SpecsParameters))
    }

    fn resources(
        &self,
        declaration: &datasurface_core::PlatformDeclaration,
    ) -> datasurface_platform::PlatformResources {
        let parameters: SpecsParameters = serde_json::from_value(serde_json::Value::Object(
            declaration.parameters.clone().into_iter().collect(),
        ))
        .unwrap_or_default();
        let mut claimed = Vec::from_iter(parameters.audit_credential);
        let mut folders = Vec::from_iter(parameters.logs);
        if self.flaw != Flaw::UnclaimedResources {
            claimed.extend(parameters.readers.into_values().map(|r| r.credential));
            folders.extend(parameters.spool);
        }
        let resources = claimed.into_iter().fold(
            datasurface_platform::PlatformResources::new(),
            |resources, name| {
                resources.credential(
                    datasurface_core::names::CredentialName::new(name).unwrap(),
                    &[],
                )
            },
        );
        folders.into_iter().fold(resources, |resources, folder| {
            resources.file(folder, None, &[])
        })
    }

    fn lint(&self, graph: &PlatformGraph, context: &RenderContext<'_>) -> Vec<Diagnostic> {
        let mut found = check_capabilities(&self.capabilities, graph, context);
        if !matches!(self.flaw, Flaw::CaseBlind | Flaw::LossyKeys) {
            // Artifact keys are file names: names that differ only in case meet.
            let mut names =
                datasurface_platform::PhysicalNames::new("specs", "names files by node");
            for node in graph.nodes() {
                let key = ArtifactKey::for_node(&node.key, "json");
                names.claim("a file", key.as_str(), true, node.key.as_str());
            }
            found.extend(names.into_diagnostics(|node| {
                datasurface_platform::Claimant::new(
                    *node,
                    datasurface_rules::validate::ModelPath::root(),
                )
            }));
        }
        // A note about every model: declared, unless the flaw forgets to.
        let code = if self.flaw == Flaw::UndeclaredCode {
            "specs-forgotten-code"
        } else {
            "specs-note"
        };
        found.push(Diagnostic::new(
            code,
            datasurface_rules::validate::Severity::Info,
            datasurface_rules::validate::ModelPath::root(),
            "specs renders every node as JSON",
        ));
        found
    }

    fn render(
        &self,
        graph: &PlatformGraph,
        context: &RenderContext<'_>,
    ) -> Result<Rendering, PlatformError> {
        let mut rendering = Rendering::default();
        let n = self.renders.fetch_add(1, Ordering::Relaxed);
        let stores: Vec<String> = context
            .ecosystem
            .datastores()
            .map(|(_, name, _)| name.to_string())
            .collect();
        for (i, node) in graph.nodes().into_iter().enumerate() {
            let spec = serde_json::to_string_pretty(&node.kind).unwrap();
            let text = match self.flaw {
                Flaw::Counter => format!("{spec}\n# render {n}"),
                Flaw::Secret => format!("{spec}\npassword = \"hunter2\""),
                Flaw::OrderedContent => {
                    let stores = serde_json::to_string(&stores).unwrap();
                    format!("{{\"node\": {spec}, \"stores\": {stores}}}")
                }
                Flaw::RawText => context
                    .ecosystem
                    .datastores()
                    .filter_map(|(_, _, s)| s.documentation.as_ref())
                    .map(|d| d.description.clone())
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => spec,
            };
            let key = if self.flaw == Flaw::OrderDependentKeys {
                ArtifactKey::new(format!("{}-{i}.json", stores[0])).unwrap()
            } else if self.flaw == Flaw::LossyKeys {
                // What it cannot keep in a file name becomes `_`.
                let lossy: String = node
                    .key
                    .as_str()
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '/' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                ArtifactKey::new(format!("{lossy}.json")).unwrap()
            } else {
                ArtifactKey::for_node(&node.key, "json")
            };
            let depends_on = if self.flaw == Flaw::OrderDependentKeys {
                Vec::new()
            } else if self.flaw == Flaw::DanglingDependency {
                vec![ArtifactKey::new("setup/schema.sql").unwrap()]
            } else if self.flaw == Flaw::IndependentExports
                && matches!(
                    node.kind,
                    datasurface_platform::graph::NodeKind::Export { .. }
                )
            {
                Vec::new()
            } else {
                graph
                    .dependencies(&node.key)
                    .into_iter()
                    .map(|k| ArtifactKey::for_node(k, "json"))
                    .collect()
            };
            let artifact = Artifact::new(Some(node.key.clone()), text, depends_on);
            if self.flaw == Flaw::LossyKeys {
                rendering.replace(key, artifact);
            } else {
                rendering.insert(key, artifact)?;
            }
        }
        // A platform-level artifact (no node): the stores' descriptions as
        // Terraform locals, sorted, each a template-escaped string.
        let quote = if self.flaw == Flaw::RawTemplate {
            datasurface_platform::escape::json::string
        } else {
            datasurface_platform::escape::hcl::json_string
        };
        let mut descriptions: Vec<String> = context
            .ecosystem
            .datastores()
            .filter_map(|(_, _, s)| s.documentation.as_ref())
            .map(|d| quote(&d.description))
            .collect();
        descriptions.sort();
        let locals = format!(
            "{{\"locals\": {{\"descriptions\": [{}]}}}}\n",
            descriptions.join(", ")
        );
        rendering.insert(
            ArtifactKey::new("terraform/descriptions.tf.json").unwrap(),
            Artifact::new(None, locals, Vec::new()),
        )?;
        Ok(rendering)
    }
    fn render_into(
        &self,
        graph: &PlatformGraph,
        context: &RenderContext<'_>,
        sink: &mut dyn datasurface_platform::ArtifactSink,
    ) -> Result<(), PlatformError> {
        let mut artifacts = self.render(graph, context)?.artifacts;
        if self.flaw == Flaw::StreamsLess {
            let _ = artifacts.pop_last();
        }
        for (key, artifact) in artifacts {
            sink.put(key, artifact)?;
        }
        Ok(())
    }
    fn diff(&self, previous: &Rendering, next: &Rendering) -> datasurface_platform::Plan {
        let mut plan = datasurface_platform::diff(previous, next);
        if self.flaw == Flaw::BackwardsPlan {
            plan.steps.reverse();
        }
        plan
    }
}

fn failed_checks(flaw: Flaw) -> Vec<&'static str> {
    let report = Conformance::new(&Specs::new(flaw)).random_pairs(4).run();
    report
        .outcomes
        .iter()
        .filter(|o| !o.failures.is_empty())
        .map(|o| o.check)
        .collect()
}

#[test]
fn a_correct_platform_passes() {
    let report = Conformance::new(&Specs::new(Flaw::None)).run();
    report.assert_passes();
    assert!(report.outcomes.len() >= 10, "{report}");
}

#[test]
fn each_flaw_is_caught_by_its_check() {
    // Keys that do not follow node identity lose their dependencies too.
    assert_eq!(
        failed_checks(Flaw::OrderDependentKeys),
        [
            "exports-depend-on-their-ingestion",
            "rendering-ignores-model-order"
        ]
    );
    assert!(failed_checks(Flaw::Counter).contains(&"render-is-deterministic"));
    assert_eq!(
        failed_checks(Flaw::StreamsLess),
        ["render-into-puts-what-render-returns"]
    );
    // The secret line also breaks the JSON artifact it is added to.
    assert!(failed_checks(Flaw::Secret).contains(&"no-secrets-in-artifacts"));
    // Each failure names the artifact and the model element it realises.
    let report = Conformance::new(&Specs::new(Flaw::Secret))
        .random_pairs(1)
        .run();
    let secret = report
        .outcomes
        .iter()
        .find(|o| o.check == "no-secrets-in-artifacts")
        .unwrap();
    assert!(
        secret.failures[0].contains(".json` (of `DataTransformer/Platform Under Test/"),
        "{}",
        secret.failures[0]
    );
    assert_eq!(
        failed_checks(Flaw::DanglingDependency),
        [
            "dependencies-are-artifacts",
            "exports-depend-on-their-ingestion"
        ]
    );
    assert_eq!(
        failed_checks(Flaw::IndependentExports),
        ["exports-depend-on-their-ingestion"]
    );
    assert_eq!(
        failed_checks(Flaw::CaseBlind),
        ["names-that-meet-are-refused-or-kept-apart"]
    );
    assert!(failed_checks(Flaw::RawText).contains(&"free-text-stays-quoted"));
    assert_eq!(failed_checks(Flaw::RawTemplate), ["free-text-stays-quoted"]);
    // It reports another code in place of its declared one, whose example
    // then reports nothing.
    assert_eq!(
        failed_checks(Flaw::UndeclaredCode),
        [
            "declared-codes-fire-on-their-examples",
            "lint-codes-are-declared"
        ]
    );
    // An empty `codes()` fails even where no model shows its lint's codes.
    assert_eq!(
        failed_checks(Flaw::NoCodes),
        [
            "declared-codes-fire-on-their-examples",
            "lint-codes-are-declared"
        ]
    );
    // Stable keys are not enough: the contract asks for equal content too.
    assert_eq!(
        failed_checks(Flaw::OrderedContent),
        ["rendering-ignores-model-order"]
    );
    // A plan that applies, but in an order the trait's contract forbids.
    assert_eq!(
        failed_checks(Flaw::BackwardsPlan),
        [
            "plans-apply-for-everyday-edits",
            "plans-apply-for-random-pairs"
        ]
    );
    // Containers `… twin` and `…_twin` meet in a key: one side's artifacts
    // replace the other's, and the kit counts them.
    let report = Conformance::new(&Specs::new(Flaw::LossyKeys))
        .random_pairs(4)
        .run();
    let twins = report
        .outcomes
        .iter()
        .find(|o| o.check == "names-that-meet-are-refused-or-kept-apart")
        .unwrap();
    assert!(
        twins
            .failures
            .iter()
            .any(|f| f.contains("(copies of one another) rendered with")),
        "{report}"
    );
}

/// The parameters that name a credential or a file are found in the
/// parameter schema, not listed by hand: those the platform forgot to
/// claim fail the kit, alone.
#[test]
fn unclaimed_resource_parameters_are_caught() {
    let report = Conformance::new(&Specs::new(Flaw::UnclaimedResources))
        .random_pairs(1)
        .run();
    let unclaimed: Vec<&str> = report
        .outcomes
        .iter()
        .filter(|o| !o.failures.is_empty())
        .flat_map(|o| o.failures.iter().map(move |f| (o.check, f)))
        .map(|(check, f)| {
            assert_eq!(check, "resource-parameters-are-claimed", "{f}");
            f.split(", and").next().unwrap_or_default()
        })
        .collect();
    assert_eq!(
        unclaimed,
        [
            "parameter `readers.Kit.credential` names a credential",
            "parameter `spool` names a file"
        ],
        "{report}"
    );
}

#[test]
fn capabilities_no_model_can_use_are_reported() {
    let mut platform = Specs::new(Flaw::None);
    // Kafka capture without Kafka containers can never be exercised.
    platform
        .capabilities
        .container_kinds
        .retain(|k| *k != ContainerCategory::Kafka);
    let report = Conformance::new(&platform).random_pairs(1).run();
    let failures: Vec<&String> = report
        .outcomes
        .iter()
        .filter(|o| o.check == "declared-capabilities-are-exercised")
        .flat_map(|o| &o.failures)
        .collect();
    assert_eq!(failures.len(), 1, "{report}");
    assert!(failures[0].contains("`kafka` capture"), "{}", failures[0]);
}

fn spec() -> Vec<PlatformSpec> {
    vec![PlatformSpec::new("Batch", "specs", "^1")]
}

#[test]
fn the_generator_is_deterministic_and_sized_as_asked() {
    let shape = Shape {
        seed: 42,
        ..Shape::new(30, 4, 6)
    };
    let a = generate(&shape, &Palette::everything(), &spec()).unwrap();
    let b = generate(&shape, &Palette::everything(), &spec()).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.datastores().count(), 30 + shape.transformers);
    let datasets: usize = a.datastores().map(|(_, _, s)| s.datasets.len()).sum();
    assert_eq!(datasets, shape.datasets());
    assert_eq!(shape.workspaces, 9);
    assert_eq!(shape.transformers, 3);
    let other = generate(
        &Shape { seed: 43, ..shape },
        &Palette::everything(),
        &spec(),
    )
    .unwrap();
    assert_ne!(a, other);
}

#[test]
fn two_platforms_share_a_primary_ingestion_platform() {
    let platforms = vec![
        PlatformSpec::new("Batch", "specs", "^1"),
        PlatformSpec::new("Stream", "specs", "^1"),
    ];
    let eco = generate(&Shape::new(20, 2, 3), &Palette::everything(), &platforms).unwrap();
    let valid = validate(eco).unwrap();
    assert_eq!(valid.primary_ingestion_platforms.len(), 20);
    let graphs = build(&valid);
    assert_eq!(graphs.graphs.len(), 2);
    assert!(graphs.report.is_empty(), "{}", graphs.report);
}

#[test]
fn an_unusable_palette_is_an_error_not_a_panic() {
    let mut palette = Palette::everything();
    palette.data_types.clear();
    let e = generate(&Shape::new(3, 1, 2), &palette, &spec()).unwrap_err();
    assert!(e.to_string().contains("primary key"), "{e}");
    let e = generate(&Shape::new(3, 1, 2), &Palette::everything(), &[]).unwrap_err();
    assert!(e.to_string().contains("no platform"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn generated_models_are_valid_and_acyclic(eco in strategy::valid_ecosystems(Palette::everything(), spec())) {
        let valid = validate(eco);
        prop_assert!(valid.is_ok(), "{}", valid.err().unwrap());
        let graphs = build(&valid.unwrap());
        let cycles = graphs.report.codes().contains(&"transformer-cycle");
        prop_assert!(!cycles, "{}", graphs.report);
        for graph in graphs.graphs.values() {
            prop_assert!(graph.bring_up_order().is_ok());
        }
    }

    #[test]
    fn narrow_palettes_give_valid_models(
        eco in strategy::valid_ecosystems(
            Palette {
                capture_methods: vec!["sqlSnapshot"],
                milestoning: vec![Milestoning::LiveOnly],
                container_kinds: vec!["database"],
                data_types: vec!["Integer", "VarChar"],
                triggers: vec![],
                code_kinds: vec!["sql"],
                file_formats: vec![],
            },
            spec(),
        )
    ) {
        let valid = validate(eco);
        prop_assert!(valid.is_ok(), "{}", valid.err().unwrap());
    }
}
