//! What a platform supports, and a check of a graph against it.

use std::collections::BTreeSet;
use std::fmt;

use datasurface_core::capture::FileFormat;
use datasurface_core::kinds::{CaptureKind, CodeKind, ContainerCategory, TriggerKind};
use datasurface_core::names::{ContainerName, DatasetGroupName, DatastoreName, WorkspaceName};
use datasurface_core::{DataType, Ecosystem, Latency, Milestoning, TypeKind};
use datasurface_graph::{NodeKind, PlatformGraph};
use datasurface_rules::validate::{Diagnostic, ModelIndex, ModelPath, Severity};
use serde::Serialize;

use crate::platform::RenderContext;

/// What a platform supports, each list typed ([`CaptureKind`],
/// [`ContainerCategory`], [`TypeKind`] …), shown by the names model files use.
///
/// It grows as the model does, so it is built from [`Capabilities::new`]
/// (nothing supported) with one `with_` method per list; its fields stay
/// readable.
///
/// ```
/// use datasurface_platform::{Capabilities, CaptureKind, ContainerCategory, TypeKind};
/// let declared = Capabilities::new()
///     .with_capture_methods([CaptureKind::SqlSnapshot])
///     .with_container_kinds([ContainerCategory::Database])
///     .with_data_types([TypeKind::Integer, TypeKind::VarChar]);
/// assert_eq!(serde_json::to_value(&declared)?["dataTypes"], serde_json::json!(["Integer", "VarChar"]));
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// A misspelled capability does not compile:
///
/// ```compile_fail
/// # use datasurface_platform::{Capabilities, CaptureKind};
/// let declared = Capabilities::new().with_capture_methods([CaptureKind::SqlSnapshott]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Capabilities {
    /// How datastores are captured: the capture methods, and `transformerOutput`.
    pub capture_methods: Vec<CaptureKind>,
    /// Milestoning strategies of dataset groups.
    pub milestoning: Vec<Milestoning>,
    /// Container kinds.
    pub container_kinds: Vec<ContainerCategory>,
    /// Column types, such as `TypeKind::Integer`; nested types are checked too.
    pub data_types: Vec<TypeKind>,
    /// Triggers.
    pub triggers: Vec<TriggerKind>,
    /// Transformer code kinds.
    pub code_kinds: Vec<CodeKind>,
    /// File formats a `fileDrop` capture may use. A platform reads only
    /// these, so a model asking for another is refused at `check` rather
    /// than misread at run time.
    pub file_formats: Vec<FileFormat>,
    /// The freshest latency the platform keeps a dataset group's data to,
    /// such as `Latency::Minutes` for batches on a schedule: a group that
    /// asks for fresher is refused. `None` (the default): any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fastest_latency: Option<Latency>,
    /// The longest history, in days, the platform keeps for a forensic
    /// group's `retention`: a group that asks for longer is refused. `None`
    /// (the default): any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longest_retention_days: Option<u64>,
    /// Whether it asks a workspace's `hook` before running its transformer
    /// (docs/hooks.md). A platform that does not would run a hooked
    /// transformer unasked, so a model with one is refused on it.
    pub hooks: bool,
    /// Whether it judges every batch of a dataset it ingests by the
    /// dataset's quality rules (`datasurface_runtime::quality`): a `fail`
    /// rule broken leaves nothing of the batch visible, a `warn` rule is
    /// kept in the batch's record. A platform that does not would commit
    /// what the rules refuse, so a dataset with rules is refused on it.
    pub quality_rules: bool,
}

impl Capabilities {
    /// Nothing supported: add what the platform does with the `with_` methods.
    pub fn new() -> Self {
        Self::default()
    }

    /// The capture methods (and `transformerOutput`) it ingests.
    #[must_use]
    pub fn with_capture_methods(mut self, kinds: impl IntoIterator<Item = CaptureKind>) -> Self {
        self.capture_methods = kinds.into_iter().collect();
        self
    }

    /// The milestoning strategies it keeps.
    #[must_use]
    pub fn with_milestoning(mut self, strategies: impl IntoIterator<Item = Milestoning>) -> Self {
        self.milestoning = strategies.into_iter().collect();
        self
    }

    /// The container kinds it reads and writes.
    #[must_use]
    pub fn with_container_kinds(
        mut self,
        kinds: impl IntoIterator<Item = ContainerCategory>,
    ) -> Self {
        self.container_kinds = kinds.into_iter().collect();
        self
    }

    /// The column types it stores.
    #[must_use]
    pub fn with_data_types(mut self, types: impl IntoIterator<Item = TypeKind>) -> Self {
        self.data_types = types.into_iter().collect();
        self
    }

    /// The ingestion triggers it runs.
    #[must_use]
    pub fn with_triggers(mut self, triggers: impl IntoIterator<Item = TriggerKind>) -> Self {
        self.triggers = triggers.into_iter().collect();
        self
    }

    /// The transformer code kinds it runs.
    #[must_use]
    pub fn with_code_kinds(mut self, kinds: impl IntoIterator<Item = CodeKind>) -> Self {
        self.code_kinds = kinds.into_iter().collect();
        self
    }

    /// The file formats a `fileDrop` capture may use.
    #[must_use]
    pub fn with_file_formats(mut self, formats: impl IntoIterator<Item = FileFormat>) -> Self {
        self.file_formats = formats.into_iter().collect();
        self
    }

    /// The freshest latency it keeps a group's data to.
    #[must_use]
    pub fn with_fastest_latency(mut self, latency: Latency) -> Self {
        self.fastest_latency = Some(latency);
        self
    }

    /// It asks a workspace's hook before running its transformer, as the
    /// hook's events say, and keeps to the decision.
    #[must_use]
    pub fn with_hooks(mut self) -> Self {
        self.hooks = true;
        self
    }

    /// It judges each batch by its datasets' quality rules, as
    /// [`Capabilities::quality_rules`] says.
    #[must_use]
    pub fn with_quality_rules(mut self) -> Self {
        self.quality_rules = true;
        self
    }

    /// The longest history, in days, it keeps for a forensic group.
    #[must_use]
    pub fn with_longest_retention_days(mut self, days: u64) -> Self {
        self.longest_retention_days = Some(days);
        self
    }
}

/// Calls `f` with a type and every type inside it.
fn each_type(t: &DataType, f: &mut dyn FnMut(&DataType)) {
    f(t);
    for child in t.children() {
        each_type(child, f);
    }
}

/// One thing a model can ask of a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase", tag = "category", content = "name")]
#[non_exhaustive]
pub enum Capability {
    /// A capture method, such as `sqlSnapshot`.
    CaptureMethod(CaptureKind),
    /// A milestoning strategy.
    Milestoning(Milestoning),
    /// A container kind, such as `database`.
    ContainerKind(ContainerCategory),
    /// A column type, such as `Decimal`.
    DataType(TypeKind),
    /// An ingestion trigger, `cron` or `external`.
    Trigger(TriggerKind),
    /// A transformer code kind, such as `sql`.
    CodeKind(CodeKind),
    /// A file format of a `fileDrop` capture, such as `CSV`.
    FileFormat(FileFormat),
    /// A dataset group's latency (see [`Capabilities::fastest_latency`]).
    Latency(Latency),
    /// A dataset group's retention of history, in days (see
    /// [`Capabilities::longest_retention_days`]).
    RetentionDays(u64),
    /// A hook deciding when a workspace's transformer runs.
    Hooks,
    /// A dataset's quality rules, judged on every batch.
    QualityRules,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capability::CaptureMethod(m) => write!(f, "`{m}` capture"),
            Capability::Milestoning(m) => write!(f, "{m:?} milestoning"),
            Capability::ContainerKind(k) => write!(f, "`{k}` containers"),
            Capability::DataType(t) => write!(f, "the `{t}` type"),
            Capability::Trigger(t) => write!(f, "`{t}` triggers"),
            Capability::CodeKind(k) => write!(f, "`{k}` transformer code"),
            Capability::FileFormat(k) => write!(f, "`{k}` files"),
            Capability::Latency(l) => write!(f, "{l:?} latency"),
            Capability::RetentionDays(d) => write!(f, "keeping history {d} days"),
            Capability::Hooks => write!(f, "hooks deciding when a transformer runs"),
            Capability::QualityRules => {
                write!(
                    f,
                    "quality rules judging each batch (it would commit what they refuse)"
                )
            }
        }
    }
}

impl Capabilities {
    /// Whether the platform supports a capability.
    pub fn supports(&self, capability: &Capability) -> bool {
        match capability {
            Capability::CaptureMethod(m) => self.capture_methods.contains(m),
            Capability::Milestoning(m) => self.milestoning.contains(m),
            Capability::ContainerKind(k) => self.container_kinds.contains(k),
            Capability::DataType(t) => self.data_types.contains(t),
            Capability::Trigger(t) => self.triggers.contains(t),
            Capability::CodeKind(k) => self.code_kinds.contains(k),
            Capability::FileFormat(k) => self.file_formats.contains(k),
            Capability::Latency(l) => self.fastest_latency.is_none_or(|fastest| *l >= fastest),
            Capability::RetentionDays(d) => {
                self.longest_retention_days.is_none_or(|most| *d <= most)
            }
            Capability::Hooks => self.hooks,
            Capability::QualityRules => self.quality_rules,
        }
    }

    /// Every capability declared, one by one (the lists; the bounds
    /// `fastest_latency` and `longest_retention_days`, `hooks` and
    /// `quality_rules` are not listed: a generated model exercises the
    /// lists).
    pub fn all(&self) -> Vec<Capability> {
        let mut all = Vec::new();
        all.extend(
            self.capture_methods
                .iter()
                .map(|&m| Capability::CaptureMethod(m)),
        );
        all.extend(self.milestoning.iter().map(|m| Capability::Milestoning(*m)));
        all.extend(
            self.container_kinds
                .iter()
                .map(|&k| Capability::ContainerKind(k)),
        );
        all.extend(self.data_types.iter().map(|&t| Capability::DataType(t)));
        all.extend(self.triggers.iter().map(|&t| Capability::Trigger(t)));
        all.extend(self.code_kinds.iter().map(|&k| Capability::CodeKind(k)));
        all.extend(self.file_formats.iter().map(|&k| Capability::FileFormat(k)));
        all
    }
}

/// Everything the graph asks of its platform, each with the model path that asks
/// for it, sorted and without repeats.
pub fn capabilities_used(
    graph: &PlatformGraph,
    context: &RenderContext<'_>,
) -> Vec<(ModelPath, Capability)> {
    collect(graph, context, &|_| true)
}

/// The capabilities the graph uses that `keep` accepts, with their paths.
fn collect(
    graph: &PlatformGraph,
    context: &RenderContext<'_>,
    keep: &dyn Fn(&Capability) -> bool,
) -> Vec<(ModelPath, Capability)> {
    // The model's index, made once: its own lookups scan the model, which a
    // large graph would repeat for every node.
    let eco: &Ecosystem = context.ecosystem.ecosystem();
    let mut check = Check {
        index: ModelIndex::new(eco),
        found: BTreeSet::new(),
        keep,
        types: Vec::new(),
        stores: BTreeSet::new(),
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
    check.found.into_iter().collect()
}

/// What serving one dataset group asks of a platform, whatever its graph:
/// the group's milestoning, the export into its workspace's container, the
/// workspace's transformer code, and the capture, container and column
/// types of each datastore it reads that the platform would ingest itself
/// (`ingests` says which: a store another platform ingests is mirrored).
/// For choosing a platform before any graph is built; one index serves
/// every group asked about.
pub struct GroupNeeds<'a> {
    check: Check<'a>,
}

impl<'a> GroupNeeds<'a> {
    /// Needs of groups in `eco`.
    pub fn new(eco: &'a Ecosystem) -> Self {
        GroupNeeds {
            check: Check {
                index: ModelIndex::new(eco),
                found: BTreeSet::new(),
                keep: &|_| true,
                types: Vec::new(),
                stores: BTreeSet::new(),
            },
        }
    }

    /// What the group asks, each capability once, sorted.
    pub fn of(
        &mut self,
        workspace: &WorkspaceName,
        group: &DatasetGroupName,
        ingests: &dyn Fn(&DatastoreName) -> bool,
    ) -> Vec<Capability> {
        let check = &mut self.check;
        check.found.clear();
        check.stores.clear();
        check.group(workspace, group);
        check.transformer(workspace);
        if let Some(at) = check.index.workspace(workspace) {
            if let Some(container) = &at.item.container {
                check.export(container);
            }
            let sinks = at
                .item
                .dataset_groups
                .get(group)
                .map(|g| g.sinks.as_slice())
                .unwrap_or_default();
            for sink in sinks {
                if ingests(&sink.datastore) {
                    check.ingest(&sink.datastore);
                }
            }
        }
        let mut needs: Vec<Capability> = check.found.iter().map(|(_, c)| *c).collect();
        needs.sort();
        needs.dedup();
        needs
    }
}

/// Everything the graph asks of a platform that its capabilities do not cover, as
/// `unsupported-by-platform` errors at the model paths concerned.
pub fn check_capabilities(
    capabilities: &Capabilities,
    graph: &PlatformGraph,
    context: &RenderContext<'_>,
) -> Vec<Diagnostic> {
    // Only what is missing is collected: paths are made for those alone.
    collect(graph, context, &|c| !capabilities.supports(c))
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
    index: ModelIndex<'a>,
    found: BTreeSet<(ModelPath, Capability)>,
    keep: &'a dyn Fn(&Capability) -> bool,
    /// Whether a column type is kept, by variant: a million columns ask it
    /// of a few dozen types.
    types: Vec<(std::mem::Discriminant<DataType>, bool)>,
    /// The stores already looked at: a store ingested dataset by dataset
    /// has a node for each, and asks the same of its platform from each.
    stores: BTreeSet<&'a DatastoreName>,
}

impl Check<'_> {
    /// Records a use; its path is only made if the use is kept.
    fn uses(&mut self, path: impl FnOnce() -> ModelPath, what: Capability) {
        if (self.keep)(&what) {
            self.found.insert((path(), what));
        }
    }

    /// Whether a column type is kept, asked of `keep` once per variant.
    fn keeps_type(&mut self, t: &DataType) -> bool {
        let variant = std::mem::discriminant(t);
        if let Some(&(_, kept)) = self.types.iter().find(|(v, _)| *v == variant) {
            return kept;
        }
        let kept = (self.keep)(&Capability::DataType(t.kind()));
        self.types.push((variant, kept));
        kept
    }

    fn ingest(&mut self, datastore: &DatastoreName) {
        let Some(at) = self.index.datastore(datastore) else {
            return;
        };
        if !self.stores.insert(at.name) {
            return;
        }
        // Made only for what is kept: a large model asks this of every store.
        let path = || ModelPath::team(at.zone, at.team).keys(["datastores", datastore.as_str()]);
        let store = at.item;
        self.uses(
            || path().key("capture"),
            Capability::CaptureMethod(CaptureKind::of(&store.capture)),
        );
        if let Some(ingestion) = store.capture.ingestion()
            && let datasurface_core::CaptureMethod::FileDrop(drop) = &ingestion.method
        {
            self.uses(
                || path().keys(["capture", "ingestion", "method", "fileDrop", "format"]),
                Capability::FileFormat(drop.format),
            );
        }
        if let Some(ingestion) = store.capture.ingestion() {
            if let Some(trigger) = &ingestion.trigger {
                self.uses(
                    || path().keys(["capture", "ingestion", "trigger"]),
                    Capability::Trigger(TriggerKind::of(trigger)),
                );
            }
            if let Some(container) = self.index.container(&ingestion.container) {
                self.uses(
                    || path().keys(["capture", "ingestion", "container"]),
                    Capability::ContainerKind(ContainerCategory::of(&container.item.kind)),
                );
            }
        }
        for (name, dataset) in &store.datasets {
            if !dataset.quality.is_empty() {
                self.uses(
                    || path().keys(["datasets", name.as_str(), "quality"]),
                    Capability::QualityRules,
                );
            }
            for (column, c) in &dataset.schema.columns {
                each_type(&c.data_type, &mut |t| {
                    if self.keeps_type(t) {
                        let at = path().keys([
                            "datasets",
                            name.as_str(),
                            "schema",
                            "columns",
                            column.as_str(),
                            "type",
                        ]);
                        self.found.insert((at, Capability::DataType(t.kind())));
                    }
                });
            }
        }
    }

    fn export(&mut self, container: &ContainerName) {
        if let Some(at) = self.index.container(container) {
            self.uses(
                || {
                    ModelPath::team(at.zone, at.team).keys([
                        "containers",
                        container.as_str(),
                        "kind",
                    ])
                },
                Capability::ContainerKind(ContainerCategory::of(&at.item.kind)),
            );
        }
    }

    fn transformer(&mut self, workspace: &WorkspaceName) {
        let Some(at) = self.index.workspace(workspace) else {
            return;
        };
        let Some(transformer) = &at.item.transformer else {
            return;
        };
        let path = || {
            ModelPath::team(at.zone, at.team).keys([
                "workspaces",
                workspace.as_str(),
                "transformer",
                "code",
            ])
        };
        self.uses(path, Capability::CodeKind(CodeKind::of(&transformer.code)));
        if at.item.hook.is_some() {
            let hook = || {
                ModelPath::team(at.zone, at.team).keys(["workspaces", workspace.as_str(), "hook"])
            };
            self.uses(hook, Capability::Hooks);
        }
    }

    fn group(&mut self, workspace: &WorkspaceName, group: &DatasetGroupName) {
        let Some(at) = self.index.workspace(workspace) else {
            return;
        };
        let Some(requirements) = at
            .item
            .dataset_groups
            .get(group)
            .and_then(|g| g.requirements.as_ref())
        else {
            return;
        };
        let path = || {
            ModelPath::team(at.zone, at.team).keys([
                "workspaces",
                workspace.as_str(),
                "datasetGroups",
                group.as_str(),
                "requirements",
                "milestoning",
            ])
        };
        self.uses(path, Capability::Milestoning(requirements.milestoning));
        let at_key = |key: &'static str| {
            move || {
                ModelPath::team(at.zone, at.team).keys([
                    "workspaces",
                    workspace.as_str(),
                    "datasetGroups",
                    group.as_str(),
                    "requirements",
                    key,
                ])
            }
        };
        self.uses(at_key("latency"), Capability::Latency(requirements.latency));
        if let Some(retention) = &requirements.retention {
            self.uses(
                at_key("retention"),
                Capability::RetentionDays(retention.max_days()),
            );
        }
    }
}
