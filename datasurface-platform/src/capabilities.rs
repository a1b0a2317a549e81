//! What a platform supports, and a check of a graph against it.

use std::collections::BTreeSet;

use datasurface_graph::{NodeKind, PlatformGraph};
use datasurface_model::names::{ContainerName, DatasetGroupName, DatastoreName, WorkspaceName};
use datasurface_model::validate::{Diagnostic, ModelPath, Severity};
use datasurface_model::{
    CaptureMetadata, CodeArtifact, ContainerKind, DataType, Ecosystem, Milestoning, StepTrigger,
};
use serde::Serialize;

use crate::platform::RenderContext;

/// What a platform supports. Each list uses the names the model files use.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    /// Capture methods: `sqlSnapshot`, `sqlWatermark`, `cdc`, `kafka`, `fileDrop`, `transformerOutput`.
    pub capture_methods: Vec<&'static str>,
    /// Milestoning strategies of dataset groups.
    pub milestoning: Vec<Milestoning>,
    /// Container kinds: `database`, `objectStorage`, `lakehouse`, `kafka`, `platformManaged`.
    pub container_kinds: Vec<&'static str>,
    /// Column types, by name, such as `Integer` or `VarChar`; nested types are checked too.
    pub data_types: Vec<&'static str>,
    /// Triggers: `cron`, `external`.
    pub triggers: Vec<&'static str>,
    /// Transformer code kinds: `sql`, `pythonRepo`, `python`, `builtin`.
    pub code_kinds: Vec<&'static str>,
}

fn container_kind(kind: &ContainerKind) -> &'static str {
    match kind {
        ContainerKind::Database(_) => "database",
        ContainerKind::ObjectStorage(_) => "objectStorage",
        ContainerKind::Lakehouse(_) => "lakehouse",
        ContainerKind::Kafka(_) => "kafka",
        ContainerKind::PlatformManaged => "platformManaged",
    }
}

fn code_kind(code: &CodeArtifact) -> &'static str {
    match code {
        CodeArtifact::Sql(_) => "sql",
        CodeArtifact::PythonRepo(_) => "pythonRepo",
        CodeArtifact::Python(_) => "python",
        CodeArtifact::Builtin(_) => "builtin",
    }
}

fn all_types<'a>(t: &'a DataType, out: &mut Vec<&'a DataType>) {
    out.push(t);
    for child in t.children() {
        all_types(child, out);
    }
}

/// Everything the graph asks of a platform that its capabilities do not cover, as
/// `unsupported-by-platform` errors at the model paths concerned.
pub fn check_capabilities(
    capabilities: &Capabilities,
    graph: &PlatformGraph,
    context: &RenderContext<'_>,
) -> Vec<Diagnostic> {
    let mut check = Check {
        capabilities,
        eco: context.ecosystem.ecosystem(),
        found: BTreeSet::new(),
    };
    for node in graph.nodes() {
        match &node.kind {
            NodeKind::Ingest {
                datastore,
                from_platform: None,
                ..
            } => check.ingest(datastore),
            NodeKind::Export { container, .. } => check.export(container),
            NodeKind::DataTransformer { workspace } => check.transformer(workspace),
            NodeKind::Workspace {
                workspace,
                dataset_group,
            } => check.group(workspace, dataset_group),
            _ => {}
        }
    }
    check
        .found
        .into_iter()
        .map(|(path, what)| {
            Diagnostic::new(
                "unsupported-by-platform",
                Severity::Error,
                path,
                format!("platform `{}` (kind `{}`) does not support {what}", context.platform, context.declaration.kind),
            )
            .with_help("assign this dataset group to a platform that supports it, or change what the model asks for")
        })
        .collect()
}

struct Check<'a> {
    capabilities: &'a Capabilities,
    eco: &'a Ecosystem,
    found: BTreeSet<(ModelPath, String)>,
}

impl Check<'_> {
    fn missing(&mut self, path: ModelPath, what: String) {
        self.found.insert((path, what));
    }

    fn ingest(&mut self, datastore: &DatastoreName) {
        let Some((at, store)) = self.eco.datastore(datastore) else {
            return;
        };
        let path = ModelPath::team(at.zone, at.team).keys(["datastores", datastore.as_str()]);
        let method = match &store.capture {
            CaptureMetadata::Ingestion(i) => i.method.name(),
            CaptureMetadata::TransformerOutput(_) => "transformerOutput",
        };
        if !self.capabilities.capture_methods.contains(&method) {
            self.missing(path.key("capture"), format!("`{method}` capture"));
        }
        if let Some(ingestion) = store.capture.ingestion() {
            if let Some(trigger) = &ingestion.trigger {
                let name = match trigger {
                    StepTrigger::Cron(_) => "cron",
                    StepTrigger::External(_) => "external",
                };
                if !self.capabilities.triggers.contains(&name) {
                    self.missing(
                        path.keys(["capture", "ingestion", "trigger"]),
                        format!("`{name}` triggers"),
                    );
                }
            }
            if let Some((_, container)) = self.eco.container(&ingestion.container) {
                let kind = container_kind(&container.kind);
                if !self.capabilities.container_kinds.contains(&kind) {
                    self.missing(
                        path.keys(["capture", "ingestion", "container"]),
                        format!("`{kind}` containers"),
                    );
                }
            }
        }
        for (name, dataset) in &store.datasets {
            for (column, c) in &dataset.schema.columns {
                let mut types = Vec::new();
                all_types(&c.data_type, &mut types);
                for t in types {
                    let type_name = t.name();
                    if !self.capabilities.data_types.contains(&type_name) {
                        let at = path.keys([
                            "datasets",
                            name.as_str(),
                            "schema",
                            "columns",
                            column.as_str(),
                            "type",
                        ]);
                        self.missing(at, format!("the `{type_name}` type"));
                    }
                }
            }
        }
    }

    fn export(&mut self, container: &ContainerName) {
        if let Some((at, c)) = self.eco.container(container) {
            let kind = container_kind(&c.kind);
            if !self.capabilities.container_kinds.contains(&kind) {
                self.missing(
                    ModelPath::team(at.zone, at.team).keys([
                        "containers",
                        container.as_str(),
                        "kind",
                    ]),
                    format!("`{kind}` containers"),
                );
            }
        }
    }

    fn transformer(&mut self, workspace: &WorkspaceName) {
        let Some((at, ws)) = self.eco.workspace(workspace) else {
            return;
        };
        let Some(transformer) = &ws.transformer else {
            return;
        };
        let kind = code_kind(&transformer.code);
        if !self.capabilities.code_kinds.contains(&kind) {
            let path = ModelPath::team(at.zone, at.team).keys([
                "workspaces",
                workspace.as_str(),
                "transformer",
                "code",
            ]);
            self.missing(path, format!("`{kind}` transformer code"));
        }
    }

    fn group(&mut self, workspace: &WorkspaceName, group: &DatasetGroupName) {
        let Some((at, ws)) = self.eco.workspace(workspace) else {
            return;
        };
        let Some(requirements) = ws
            .dataset_groups
            .get(group)
            .and_then(|g| g.requirements.as_ref())
        else {
            return;
        };
        if !self
            .capabilities
            .milestoning
            .contains(&requirements.milestoning)
        {
            let path = ModelPath::team(at.zone, at.team).keys([
                "workspaces",
                workspace.as_str(),
                "datasetGroups",
                group.as_str(),
                "requirements",
                "milestoning",
            ]);
            self.missing(path, format!("{:?} milestoning", requirements.milestoning));
        }
    }
}
