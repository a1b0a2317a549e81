//! Workspaces (consumers): their dataset groups and their transformers.

use super::{PolicyBuilder, Problems, add_new, builder, describe, nested, statuses};
use crate::hook::{FailurePolicy, Hook, HookEventKind, HookLimits};
use crate::names::DatasetGroupName;
use crate::workspace::{BuiltinTransformer, PythonRepoCode, SqlCode};
use crate::{
    AllowDenyPolicy, CodeArtifact, DataTransformer, DatasetGroup, DatasetSink, DeprecationsAllowed,
    Latency, Milestoning, PlatformRequirements, StepTrigger, Workspace, WorkspacePriority,
};

builder! {
    /// Builds a [`Workspace`]; see [`TeamBuilder::workspace`](super::TeamBuilder::workspace).
    ///
    /// ```
    /// # use datasurface_core::{Ecosystem, Latency, Milestoning};
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .workspace("Reports", |w| w
    ///             .container("Warehouse")
    ///             .group("Main", |g| g
    ///                 .sink("Orders", "orders")
    ///                 .requirements(Milestoning::Forensic, Latency::Hours)
    ///                 .retention("P1Y")))))
    ///     .build()?;
    /// let group = &eco.zones["EU"].teams["Sales"].workspaces["Reports"].dataset_groups["Main"];
    /// assert_eq!(group.requirements.as_ref().map(|r| r.milestoning), Some(Milestoning::Forensic));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    WorkspaceBuilder => Workspace
}

impl WorkspaceBuilder {
    pub(super) fn from_workspace(item: Workspace, problems: Problems) -> Self {
        WorkspaceBuilder { item, problems }
    }

    /// The data container its data is delivered to (and its transformer runs in).
    pub fn container(mut self, name: &str) -> Self {
        if let Some(c) = self.problems.parse(name) {
            self.item.container = Some(c);
        }
        self
    }

    /// How much its delivery matters; it flows upstream to what it reads.
    pub fn priority(mut self, priority: WorkspacePriority) -> Self {
        self.item.priority = priority;
        self
    }

    statuses!("workspace");

    describe!("Says what the workspace is for.");

    /// Limits the classifications the workspace may receive.
    pub fn classification_verifier(
        mut self,
        f: impl FnOnce(
            PolicyBuilder<crate::DataClassification>,
        ) -> PolicyBuilder<crate::DataClassification>,
    ) -> Self {
        let builder = PolicyBuilder::new(self.problems.here());
        let policy: AllowDenyPolicy<_> = nested(&mut self.problems, builder, f);
        self.item.classification_verifier = Some(policy);
        self
    }

    /// Adds a dataset group: the datasets it reads and how.
    pub fn group<R: Into<DatasetGroupBuilder>>(
        mut self,
        name: &str,
        f: impl FnOnce(DatasetGroupBuilder) -> R,
    ) -> Self {
        let start = |problems| DatasetGroupBuilder {
            item: DatasetGroup::default(),
            problems,
        };
        let groups = &mut self.item.dataset_groups;
        let problems = &mut self.problems;
        add_new::<DatasetGroupName, _, _>(groups, problems, "dataset group", name, start, f);
        self
    }

    /// Gives the workspace a code hook: a WebAssembly module inside the model,
    /// pinned by its SHA-256, asked on the events listed. It fails open
    /// unless [`hook_fails_closed`](Self::hook_fails_closed) says otherwise.
    ///
    /// ```
    /// # use datasurface_core::{Ecosystem, HookEventKind::*};
    /// let sha = "a6e1060870315ce6c04fbb28a25487793b60f494f4d6101b807daf20ea558c19";
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .workspace("Mask", |w| w.container("Warehouse")
    ///             .hook("hooks/monthly.wasm", sha, [BatchCommitted, ScheduleTick]))))
    ///     .build()?;
    /// let hook = eco.zones["EU"].teams["Sales"].workspaces["Mask"].hook.as_ref().unwrap();
    /// assert!(hook.wants(ScheduleTick));
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn hook(
        mut self,
        module: &str,
        sha256: &str,
        events: impl IntoIterator<Item = HookEventKind>,
    ) -> Self {
        let mut problems = self.problems.within("hook", module);
        if let (Some(module), Some(sha256)) = (problems.parse(module), problems.parse(sha256)) {
            self.item.hook = Some(Hook {
                module,
                sha256,
                events: events.into_iter().collect(),
                on_failure: FailurePolicy::FailOpen,
                limits: HookLimits::default(),
                documentation: None,
            });
        }
        self.problems.absorb(problems);
        self
    }

    /// Makes the workspace's hook fail closed: when it fails, the run is
    /// skipped and alerted, not run as if there were no hook.
    pub fn hook_fails_closed(mut self) -> Self {
        if let Some(hook) = &mut self.item.hook {
            hook.on_failure = FailurePolicy::FailClosed;
        }
        self
    }

    /// Makes the workspace a transformer that writes a datastore, which must
    /// say it is the [`output_of`](super::DatastoreBuilder::output_of) this workspace.
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .workspace("Mask", |w| w.container("Warehouse").transformer("Masked", |t| t
    ///             .sql("customers", "SELECT id, '***' AS name FROM Shop_customers")))))
    ///     .build()?;
    /// let mask = &eco.zones["EU"].teams["Sales"].workspaces["Mask"];
    /// assert_eq!(mask.transformer.as_ref().unwrap().output_datastore.as_str(), "Masked");
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    pub fn transformer(
        mut self,
        output_datastore: &str,
        f: impl FnOnce(TransformerBuilder) -> TransformerBuilder,
    ) -> Self {
        let mut problems = self.problems.within("transformer", output_datastore);
        if let Some(output) = problems.parse(output_datastore) {
            let builder = TransformerBuilder {
                item: DataTransformer {
                    output_datastore: output,
                    trigger: None,
                    code: CodeArtifact::Sql(SqlCode::default()),
                    limits: crate::TransformerLimits::default(),
                    documentation: None,
                },
                problems: problems.here(),
            };
            self.item.transformer = Some(nested(&mut problems, builder, f));
        }
        self.problems.absorb(problems);
        self
    }
}

builder! {
    /// Builds a [`DatasetGroup`]; see [`WorkspaceBuilder::group`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// use datasurface_core::{Latency, Milestoning};
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .workspace("Audit", |w| w.container("Warehouse").group("History", |g| g
    ///             .sink("Orders", "orders")
    ///             .sink_deprecated("Orders", "old_orders")
    ///             .requirements(Milestoning::Forensic, Latency::Days)
    ///             .retention("P7Y")
    ///             .regulator("SEC")))))
    ///     .build()?;
    /// let group = &eco.zones["EU"].teams["Sales"].workspaces["Audit"].dataset_groups["History"];
    /// assert_eq!(group.sinks.len(), 2);
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    DatasetGroupBuilder => DatasetGroup
}

impl DatasetGroupBuilder {
    /// Reads a dataset of a datastore.
    pub fn sink(self, datastore: &str, dataset: &str) -> Self {
        self.sink_with(datastore, dataset, DeprecationsAllowed::Never)
    }

    /// Reads a dataset of a datastore, accepting that it may be deprecated.
    pub fn sink_deprecated(self, datastore: &str, dataset: &str) -> Self {
        self.sink_with(datastore, dataset, DeprecationsAllowed::Allowed)
    }

    fn sink_with(mut self, datastore: &str, dataset: &str, allowed: DeprecationsAllowed) -> Self {
        if let (Some(store), Some(set)) =
            (self.problems.parse(datastore), self.problems.parse(dataset))
        {
            self.item.sinks.push(DatasetSink {
                deprecations_allowed: allowed,
                ..DatasetSink::new(store, set)
            });
        }
        self
    }

    /// What the group needs: its milestoning and latency.
    pub fn requirements(mut self, milestoning: Milestoning, latency: Latency) -> Self {
        let current = self.item.requirements.take();
        self.item.requirements = Some(PlatformRequirements {
            milestoning,
            latency,
            ..current.unwrap_or(PlatformRequirements {
                milestoning,
                latency,
                retention: None,
                regulator: None,
                platform: None,
            })
        });
        self
    }

    fn required(&mut self, what: &str) -> Option<&mut PlatformRequirements> {
        if self.item.requirements.is_none() {
            self.problems.report(format!(
                "`{what}` needs the group's `requirements` (milestoning and latency) first"
            ));
        }
        self.item.requirements.as_mut()
    }

    /// How long history is kept, as ISO 8601 (`P1Y`, `P30D`).
    pub fn retention(mut self, period: &str) -> Self {
        if let Some(period) = self.problems.parse(period)
            && let Some(r) = self.required("retention")
        {
            r.retention = Some(period);
        }
        self
    }

    /// The regulation the group's data is kept for.
    pub fn regulator(mut self, regulator: &str) -> Self {
        if let Some(r) = self.required("regulator") {
            r.regulator = Some(regulator.to_owned());
        }
        self
    }

    /// Asks for one platform by name.
    pub fn platform(mut self, platform: &str) -> Self {
        if let Some(platform) = self.problems.parse(platform)
            && let Some(r) = self.required("platform")
        {
            r.platform = Some(platform);
        }
        self
    }

    describe!("Says what the group is for.");
}

builder! {
    /// Builds a [`DataTransformer`]; see [`WorkspaceBuilder::transformer`].
    ///
    /// ```
    /// # use datasurface_core::Ecosystem;
    /// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
    ///     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
    ///         .workspace("Model", |w| w.container("Warehouse").transformer("Predictions", |t| t
    ///             .python_repo("acme/models@main", "v1.2.0")
    ///             .cron("0 3 * * *")
    ///             .describe("Nightly predictions.")))))
    ///     .build()?;
    /// let t = eco.zones["EU"].teams["Sales"].workspaces["Model"].transformer.as_ref().unwrap();
    /// assert!(t.trigger.is_some());
    /// # Ok::<(), datasurface_core::build::BuildProblems>(())
    /// ```
    TransformerBuilder => DataTransformer
}

impl TransformerBuilder {
    /// Computes an output dataset with a SQL query over its inputs' views.
    pub fn sql(mut self, dataset: &str, query: &str) -> Self {
        let Some(dataset) = self.problems.parse(dataset) else {
            return self;
        };
        if !matches!(self.item.code, CodeArtifact::Sql(_)) {
            self.item.code = CodeArtifact::Sql(SqlCode::default());
        }
        if let CodeArtifact::Sql(code) = &mut self.item.code {
            code.queries.insert(dataset, query.to_owned());
        }
        self
    }

    /// Runs Python code from a repository at a version.
    pub fn python_repo(mut self, repository: &str, version: &str) -> Self {
        if let Some(repository) = self.problems.parse(repository) {
            self.item.code = CodeArtifact::PythonRepo(PythonRepoCode {
                repository,
                version: version.to_owned(),
            });
        }
        self
    }

    /// Runs a transformer built into datasurface.
    pub fn builtin(mut self, builtin: BuiltinTransformer) -> Self {
        self.item.code = CodeArtifact::Builtin(builtin);
        self
    }

    /// Runs on a cron schedule (five fields, UTC) rather than when its inputs change.
    pub fn cron(mut self, schedule: &str) -> Self {
        self.item.trigger = Some(StepTrigger::Cron(schedule.to_owned()));
        self
    }

    describe!("Says what the transformer does.");
}
