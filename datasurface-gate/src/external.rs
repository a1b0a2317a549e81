//! The built-in governance-only platform kind, `external`: pipelines that
//! another system runs (an ETL tool, a team's own jobs) declared in the model
//! so that datasurface governs them without running them.
//!
//! Declared like any platform, it is assigned dataset groups (never chosen
//! for one: see [`DataPlatform::governs_only`]). Its intention graph exists
//! like any other, so its pipelines appear in `graph`, lineage, the
//! catalogue and `verify`, which protects their consumers from breaking
//! changes. It runs nothing: it renders an **inventory**, one JSON entry per
//! pipeline saying what the external system is expected to run (what it
//! ingests and from where, with which credential by name, what it exports
//! where, which transformer, which consumer's group with which
//! requirements). `plan` then shows the people who operate that system what
//! a change asks of them.
//!
//! ```
//! use datasurface_gate::External;
//! use datasurface_platform::DataPlatform;
//! assert_eq!(External.kind(), "external");
//! assert!(External.governs_only());
//! ```

use std::collections::BTreeMap;

use datasurface_core::capture::FileFormat;
use datasurface_core::{Milestoning, TypeKind};
use datasurface_graph::{Node, NodeKey, NodeKind, PlatformGraph};
use datasurface_rules::validate::{CodeInfo, Diagnostic};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use datasurface_platform::{
    Artifact, ArtifactKey, Capabilities, CaptureKind, Claimant, CodeKind, ContainerCategory,
    DataPlatform, PhysicalNames, PlatformError, RenderContext, Rendering, TriggerKind,
    artifacts_upstream, read_parameters,
};

/// The kind's name in model files.
pub const EXTERNAL_KIND: &str = "external";

/// The governance-only platform: it renders an inventory of the pipelines
/// another system runs, and runs nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct External;

/// The `external` platform's parameters.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase", default)]
struct Settings {
    /// The system that runs these pipelines, as its operators call it (such
    /// as `Informatica` or `the finance team's cron jobs`). Written into
    /// every inventory entry.
    system: String,
    /// Who operates it: a team, a mailbox or a channel. Written into every
    /// inventory entry.
    contact: String,
}

/// Who runs an entry's pipeline.
#[derive(Debug, Serialize)]
struct OperatedBy<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    system: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    contact: &'a str,
}

/// One inventory entry: a pipeline of the graph, and what the model asks of it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    /// The graph node it stands for, with its kind.
    pipeline: &'a Node,
    /// What the node stands for, in the model's words.
    describes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    operated_by: Option<OperatedBy<'a>>,
    /// What the external system is expected to do, from the model.
    expects: Value,
}

impl DataPlatform for External {
    fn kind(&self) -> &str {
        EXTERNAL_KIND
    }

    fn version(&self) -> semver::Version {
        semver::Version::new(0, 1, 0)
    }

    /// Everything: what an external system can do is its operators' business,
    /// so nothing is refused for want of a capability.
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_capture_methods(CaptureKind::ALL.to_vec())
            .with_milestoning([
                Milestoning::LiveOnly,
                Milestoning::Forensic,
                Milestoning::LiveWithForensicHistory,
            ])
            .with_container_kinds(ContainerCategory::ALL.to_vec())
            .with_data_types(TypeKind::ALL.to_vec())
            .with_triggers(TriggerKind::ALL.to_vec())
            .with_code_kinds(CodeKind::ALL.to_vec())
            .with_file_formats(FileFormat::ALL.to_vec())
            .with_hooks()
            .with_quality_rules()
    }

    /// Its parameters, and entries whose files would be one where case is
    /// ignored (two stores `Orders` and `ORDERS`).
    fn lint(&self, graph: &PlatformGraph, context: &RenderContext<'_>) -> Vec<Diagnostic> {
        let mut found =
            read_parameters::<Settings>(context.platform.as_str(), context.declaration).findings;
        let mut names = PhysicalNames::new(
            context.platform.as_str(),
            "writes an inventory file per pipeline, named after it, on file systems that may ignore case",
        );
        let nodes = graph.nodes();
        for node in &nodes {
            names.claim_key(&entry_key(node), &node.kind);
        }
        let places = context.ecosystem.places();
        found.extend(names.into_diagnostics(|kind| {
            Claimant::new(
                kind.key(context.platform).describe(),
                kind.described(places).1,
            )
        }));
        found
    }

    fn codes(&self) -> &'static [CodeInfo] {
        &[]
    }

    fn parameters(&self) -> Option<schemars::Schema> {
        Some(schemars::schema_for!(Settings))
    }

    fn governs_only(&self) -> bool {
        true
    }

    fn render(
        &self,
        graph: &PlatformGraph,
        context: &RenderContext<'_>,
    ) -> Result<Rendering, PlatformError> {
        let settings =
            read_parameters::<Settings>(context.platform.as_str(), context.declaration).value;
        let operated_by =
            (!settings.system.is_empty() || !settings.contact.is_empty()).then(|| OperatedBy {
                system: &settings.system,
                contact: &settings.contact,
            });
        let nodes = graph.nodes();
        let keys: BTreeMap<NodeKey, ArtifactKey> = nodes
            .iter()
            .map(|node| (node.key.clone(), entry_key(node)))
            .collect();
        let mut rendering = Rendering::default();
        for node in nodes {
            let entry = Entry {
                pipeline: node,
                describes: node.key.describe(),
                operated_by: operated_by.as_ref().map(|o| OperatedBy {
                    system: o.system,
                    contact: o.contact,
                }),
                expects: expects(&node.kind, context)?,
            };
            let text =
                datasurface_platform::to_spec_json(&entry).map_err(|e| PlatformError::Other {
                    platform: context.platform.to_string(),
                    source: Box::new(e),
                })?;
            let after = artifacts_upstream(graph, &node.key, &keys);
            rendering.insert(
                entry_key(node),
                Artifact::new(Some(node.key.clone()), text, after),
            )?;
        }
        Ok(rendering)
    }
}

/// An entry's key: `inventory/<pipeline>/<its names>.json`.
fn entry_key(node: &Node) -> ArtifactKey {
    match &node.kind {
        NodeKind::Ingest {
            datastore, dataset, ..
        } => {
            let mut parts = vec!["inventory", "ingest", datastore.as_str()];
            parts.extend(
                dataset
                    .as_ref()
                    .map(datasurface_core::names::DatasetName::as_str),
            );
            ArtifactKey::from_parts(&parts, "json")
        }
        NodeKind::Export {
            container,
            datastore,
            dataset,
        } => ArtifactKey::from_parts(
            &[
                "inventory",
                "export",
                container.as_str(),
                datastore.as_str(),
                dataset.as_str(),
            ],
            "json",
        ),
        NodeKind::Trigger { workspace } => {
            ArtifactKey::from_parts(&["inventory", "trigger", workspace.as_str()], "json")
        }
        NodeKind::DataTransformer { workspace } => {
            ArtifactKey::from_parts(&["inventory", "transform", workspace.as_str()], "json")
        }
        NodeKind::Workspace {
            workspace,
            dataset_group,
        } => ArtifactKey::from_parts(
            &[
                "inventory",
                "deliver",
                workspace.as_str(),
                dataset_group.as_str(),
            ],
            "json",
        ),
        // A kind this platform does not know yet: keyed by its node.
        _ => {
            let parts: Vec<&str> = std::iter::once("inventory")
                .chain(node.key.as_str().split('/'))
                .collect();
            ArtifactKey::from_parts(&parts, "json")
        }
    }
}

/// What the model asks of a node, as JSON that depends on the model's
/// meaning only: maps whose order means nothing are sorted, columns keep
/// their order.
fn expects(kind: &NodeKind, cx: &RenderContext<'_>) -> Result<Value, PlatformError> {
    let eco = cx.ecosystem;
    let missing = |what: &dyn std::fmt::Display| {
        cx.unsupported(format_args!(
            "a graph that names `{what}`, which the model lacks"
        ))
    };
    let json = |value: Result<Value, serde_json::Error>| {
        value.map_err(|e| PlatformError::Other {
            platform: cx.platform.to_string(),
            source: Box::new(e),
        })
    };
    let mut out = Map::new();
    match kind {
        NodeKind::Ingest {
            datastore,
            dataset,
            from_platform,
        } => {
            let (_, store) = eco.datastore(datastore).ok_or_else(|| missing(datastore))?;
            match from_platform {
                Some(primary) => {
                    out.insert("mirrorsFrom".into(), Value::String(primary.to_string()));
                }
                None => {
                    out.insert(
                        "capture".into(),
                        sorted(json(serde_json::to_value(&store.capture))?),
                    );
                }
            }
            let mut datasets: Vec<_> = store
                .datasets
                .iter()
                .filter(|(name, _)| dataset.as_ref().is_none_or(|d| d == *name))
                .collect();
            datasets.sort_by_key(|(name, _)| *name);
            let mut schemas = Map::new();
            for (name, d) in datasets {
                schemas.insert(name.to_string(), json(serde_json::to_value(&d.schema))?);
            }
            out.insert("datasets".into(), Value::Object(schemas));
        }
        NodeKind::Export {
            container,
            datastore,
            dataset,
        } => {
            let (_, c) = eco.container(container).ok_or_else(|| missing(container))?;
            out.insert("container".into(), sorted(json(serde_json::to_value(c))?));
            let (_, store) = eco.datastore(datastore).ok_or_else(|| missing(datastore))?;
            let d = store
                .datasets
                .get(dataset)
                .ok_or_else(|| missing(dataset))?;
            out.insert("schema".into(), json(serde_json::to_value(&d.schema))?);
        }
        NodeKind::Trigger { workspace } | NodeKind::DataTransformer { workspace } => {
            let transformer = cx
                .transformer(workspace)
                .ok_or_else(|| missing(workspace))?;
            out.insert(
                "transformer".into(),
                sorted(json(serde_json::to_value(transformer))?),
            );
        }
        NodeKind::Workspace {
            workspace,
            dataset_group,
        } => {
            let (_, ws) = eco.workspace(workspace).ok_or_else(|| missing(workspace))?;
            let group = ws
                .dataset_groups
                .get(dataset_group)
                .ok_or_else(|| missing(dataset_group))?;
            if let Some(container) = &ws.container {
                out.insert("container".into(), Value::String(container.to_string()));
            }
            if let Some(requirements) = &group.requirements {
                out.insert(
                    "requirements".into(),
                    sorted(json(serde_json::to_value(requirements))?),
                );
            }
            let mut sinks: Vec<String> = group
                .sinks
                .iter()
                .map(|s| format!("{}.{}", s.datastore, s.dataset))
                .collect();
            sinks.sort();
            sinks.dedup();
            out.insert(
                "reads".into(),
                Value::Array(sinks.into_iter().map(Value::String).collect()),
            );
        }
        _ => return Err(cx.unsupported("a kind of graph node it does not know")),
    }
    Ok(Value::Object(out))
}

/// `value` with every object's keys sorted, so that a map the model keeps in
/// its files' order (a capture's tables, a container's parameters) renders
/// the same in any order.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use datasurface_core::{Ecosystem, PlatformDeclaration};
    use datasurface_fixtures::northwind;
    use datasurface_rules::validate::validate;

    use super::*;
    use datasurface_platform::render_with;

    /// The built-in governance-only kind keeps the contract every platform keeps.
    #[test]
    fn keeps_the_platform_contract() {
        datasurface_testkit::Conformance::new(&External)
            .without_own_codes()
            .assert_passes();
    }

    /// Northwind with `Vendor ETL`, an `external` platform, serving its one
    /// group beside the others.
    fn model(parameters: &serde_json::Value) -> Ecosystem {
        let mut eco = northwind().build().unwrap();
        let declaration: PlatformDeclaration = serde_json::from_value(serde_json::json!({
            "kind": "external", "version": "^0.1", "parameters": parameters,
        }))
        .unwrap();
        eco.platforms
            .insert("Vendor ETL".parse().unwrap(), declaration);
        let mut assigned = eco.assignments[0].platforms[0].clone();
        assigned.platform = "Vendor ETL".parse().unwrap();
        eco.assignments[0].platforms.push(assigned);
        eco
    }

    fn render(eco: Ecosystem) -> Result<Rendering, datasurface_platform::RenderFailure> {
        let valid = validate(eco).unwrap();
        let graphs = datasurface_graph::build(&valid);
        render_with(&External, &valid, &graphs, &"Vendor ETL".parse().unwrap()).map(|r| r.rendering)
    }

    #[test]
    fn the_inventory_has_an_entry_per_pipeline_saying_what_is_expected() {
        let rendering = render(model(&serde_json::json!({
            "system": "Informatica", "contact": "etl-oncall@northwind.example",
        })))
        .unwrap();
        let keys: Vec<&str> = rendering
            .artifacts
            .keys()
            .map(ArtifactKey::as_str)
            .collect();
        insta::assert_debug_snapshot!(keys);
        let ingest =
            &rendering.artifacts[&ArtifactKey::new("inventory/ingest/NW_Data.json").unwrap()];
        insta::assert_snapshot!(ingest.content);
        // The consumer's entry waits for the entries of what it reads.
        let deliver = rendering
            .artifacts
            .iter()
            .find(|(k, _)| k.as_str().starts_with("inventory/deliver/"))
            .unwrap()
            .1;
        assert!(!deliver.depends_on.is_empty());
        assert!(
            deliver.content.contains("\"milestoning\""),
            "{}",
            deliver.content
        );
    }

    #[test]
    fn a_misspelt_parameter_is_refused_at_its_path() {
        let failure = render(model(&serde_json::json!({"sytem": "Informatica"}))).unwrap_err();
        let datasurface_platform::RenderFailure::Refused { report, .. } = failure else {
            panic!("{failure}");
        };
        let d = &report.diagnostics()[0];
        assert_eq!(d.path.to_string(), "/platforms/Vendor ETL/parameters/sytem");
        assert_eq!(
            d.help.as_deref(),
            Some(
                "did you mean `system`? (`datasurface explain --platform external` describes each)"
            )
        );
    }
}
