//! The gate: what `datasurface check` and `verify` do, as a library call.

use std::sync::Arc;

use crate::choose;
use datasurface_core::regions;
use datasurface_core::{Ecosystem, Repository};
use datasurface_files::{self as files, LoadError, SourceFile};
use datasurface_platform::graph::IntentionGraphs;
use datasurface_platform::{PlatformRegistry, check_platforms};
use datasurface_rules::validate::{Diagnostic, Report, Severity, ValidEcosystem};
use datasurface_rules::verify::{self, Verification, owner_of};
use datasurface_runtime::hook::HookLoader;

use crate::finding::{Finding, Verdict, VerifyOutput};
use crate::hooks::{HookModules, hook_modules};
use crate::pipeline::{Judged, Loaded, Written};
use crate::read::{ParsedModel, parse_model, parse_models};
use crate::source::ModelSource;

use datasurface_stdx::parallel::drop_later;

/// The gate every change to a model passes: its files read (from a
/// [`ModelSource`]), loaded, validated, verified against a base, its
/// intention graphs built, every declared platform's lint run, every hook
/// module checked, and each finding located in its file.
///
/// `datasurface check` is [`Gate::check`] and `datasurface verify` is
/// [`Gate::verify`], with the built-in platforms and the WebAssembly hook
/// runner: an application given the same registry and runner gets the same
/// findings, and [`Finding`]s serialize as the command line's JSON.
///
/// ```
/// use datasurface_gate::{Gate, MemoryModel};
/// use datasurface_gate::platform::PlatformRegistry;
///
/// let model = MemoryModel::new().with_file(
///     "ecosystem.yaml",
///     "apiVersion: datasurface.dev/v1
/// kind: Ecosystem
/// name: Shop
/// owningRepository: {name: my-org/shop, branch: main}
/// liveRepository: {name: my-org/shop, branch: live}
/// platforms:
///   Local: {kind: sqlite, version: ^0.1}
/// ",
/// );
/// // No platform of kind `sqlite` is registered: the gate says so.
/// let checked = Gate::new(PlatformRegistry::new()).check(&model);
/// let codes: Vec<String> = checked.findings().into_iter().map(|f| f.code).collect();
/// assert!(codes.contains(&"unknown-platform-kind".to_owned()), "{codes:?}");
/// assert!(!checked.passes(false));
/// ```
#[derive(Debug, Clone)]
pub struct Gate {
    registry: PlatformRegistry,
    hooks: Option<Arc<dyn HookLoader>>,
    external: Vec<String>,
    plans: bool,
    today: Option<chrono::NaiveDate>,
    unknown_external: bool,
}

/// How the gate treated one platform the model declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlatformHandling {
    /// Its implementation's lint ran.
    Checked,
    /// Its kind is left to another program ([`Gate::with_external_kinds`]).
    External,
    /// The registry has no implementation of its kind (an error says so).
    Unknown,
}

/// One platform the model declares, as the gate treated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformChecked {
    /// The platform's name in the model.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// The nodes of its intention graph.
    pub nodes: usize,
    /// What the gate did with it.
    pub handling: PlatformHandling,
}

/// What a loaded model holds, in counts: for a summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelCounts {
    /// Documents.
    pub documents: usize,
    /// Governance zones.
    pub zones: usize,
    /// Teams.
    pub teams: usize,
    /// Datastores.
    pub datastores: usize,
    /// Datasets.
    pub datasets: usize,
    /// Workspaces.
    pub workspaces: usize,
    /// Data platforms.
    pub platforms: usize,
}

impl ModelCounts {
    pub(crate) fn of(eco: &Ecosystem, documents: usize) -> Self {
        ModelCounts {
            documents,
            zones: eco.zones.len(),
            teams: eco.teams().count(),
            datastores: eco.datastores().count(),
            datasets: eco.datastores().map(|(_, _, s)| s.datasets.len()).sum(),
            workspaces: eco.workspaces().count(),
            platforms: eco.platforms.len(),
        }
    }
}

/// What [`Gate::check`] found.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Checked {
    /// Why the model could not be loaded; when any, nothing else was checked.
    pub load_errors: Vec<LoadError>,
    /// Every finding of a loaded model, located in its file.
    pub report: Report,
    /// The model's documents; the texts of those with findings are read
    /// again to show them, the others are empty.
    pub sources: Vec<SourceFile>,
    /// The ecosystem's name, once loaded.
    pub name: Option<String>,
    /// What the loaded model holds.
    pub counts: ModelCounts,
    /// Each declared platform and what the gate did with it (a valid model's).
    pub platforms: Vec<PlatformChecked>,
    /// Documents that changed while the gate ran: their findings are shown
    /// without their lines.
    pub changed_while_checked: Vec<String>,
}

impl Checked {
    /// Every finding (load errors, or the report), in the JSON shape.
    pub fn findings(&self) -> Vec<Finding> {
        if self.load_errors.is_empty() {
            self.report
                .diagnostics()
                .iter()
                .map(Finding::from)
                .collect()
        } else {
            self.load_errors.iter().map(Finding::from).collect()
        }
    }

    /// Whether the model passes: it loaded, and no finding is an error (nor,
    /// with `deny_warnings`, a warning).
    pub fn passes(&self, deny_warnings: bool) -> bool {
        self.verdict(deny_warnings).passed()
    }

    /// What the gate decided, as `datasurface check`'s exit status says it.
    pub fn verdict(&self, deny_warnings: bool) -> Verdict {
        if !self.load_errors.is_empty() {
            return Verdict::of_load_errors(&self.load_errors);
        }
        if self.report.count(Severity::Error) > 0
            || (deny_warnings && self.report.count(Severity::Warning) > 0)
        {
            Verdict::Refused
        } else {
            Verdict::Passed
        }
    }
}

/// What [`Gate::verify`] found.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Verified {
    /// Why either model could not be loaded; when any, nothing was verified.
    pub load_errors: Vec<LoadError>,
    /// The verification of a loaded change: its findings (located in the
    /// proposed model's files) and what changed.
    pub verification: Option<Verification>,
    /// The proposed model's documents (texts as in [`Checked::sources`]),
    /// or the files whose load errors are shown.
    pub sources: Vec<SourceFile>,
    /// Each platform the proposed model declares, and what the gate did with it.
    pub platforms: Vec<PlatformChecked>,
    /// Documents that changed while the gate ran.
    pub changed_while_checked: Vec<String>,
    /// With [`Gate::with_plans`], each platform's plan for the change, when
    /// the proposed model is valid.
    pub plans: Vec<crate::PlatformPlan>,
}

impl Verified {
    /// Whether the change may merge: both models loaded and no finding is
    /// an error (nor, with `deny_warnings`, a warning).
    pub fn may_merge(&self, deny_warnings: bool) -> bool {
        self.verdict(deny_warnings).passed()
    }

    /// What the gate decided, as `datasurface verify`'s exit status says
    /// it: [`Verdict::NotLoaded`] when a model could not be loaded, which
    /// [`may_merge`](Self::may_merge) alone cannot tell from a refusal.
    pub fn verdict(&self, deny_warnings: bool) -> Verdict {
        match &self.verification {
            Some(v) if self.load_errors.is_empty() => {
                if v.may_merge() && !(deny_warnings && v.report.count(Severity::Warning) > 0) {
                    Verdict::Passed
                } else {
                    Verdict::Refused
                }
            }
            _ if self.load_errors.is_empty() => Verdict::NotLoaded,
            _ => Verdict::of_load_errors(&self.load_errors),
        }
    }

    /// Every finding (load errors, or the verification's), in the JSON shape.
    pub fn findings(&self) -> Vec<Finding> {
        match &self.verification {
            Some(v) if self.load_errors.is_empty() => {
                v.report.diagnostics().iter().map(Finding::from).collect()
            }
            _ => self.load_errors.iter().map(Finding::from).collect(),
        }
    }

    /// What `datasurface verify --format json` prints.
    pub fn output(&self, deny_warnings: bool) -> VerifyOutput<'_> {
        VerifyOutput {
            verdict: self.verdict(deny_warnings),
            may_merge: self.may_merge(deny_warnings),
            findings: self.findings(),
            changes: self
                .verification
                .as_ref()
                .map_or(&[], |v| v.changes.as_slice()),
            moves: self
                .verification
                .as_ref()
                .map_or(&[], |v| v.moves.as_slice()),
            excepted: self
                .verification
                .as_ref()
                .map_or(&[], |v| v.excepted.as_slice()),
        }
    }
}

impl Gate {
    /// A gate that lints the platforms of `registry`'s kinds, with no hook
    /// module runner (add one with [`with_hooks`](Self::with_hooks)).
    pub fn new(registry: PlatformRegistry) -> Self {
        Gate {
            registry,
            hooks: None,
            external: Vec::new(),
            plans: false,
            today: None,
            unknown_external: false,
        }
    }

    /// Judges the model's exceptions (approvals and suppressions, which
    /// hold until a day) on `today`, rather than on the clock's day.
    #[must_use]
    pub fn with_today(mut self, today: chrono::NaiveDate) -> Self {
        self.today = Some(today);
        self
    }

    /// The day exceptions are judged on.
    pub(crate) fn today(&self) -> chrono::NaiveDate {
        self.today.unwrap_or_else(|| {
            chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now()).date_naive()
        })
    }

    /// Makes [`Gate::verify`] plan the change on every platform it knows
    /// too ([`Verified::plans`]): both models rendered, for a reviewer.
    #[must_use]
    pub fn with_plans(mut self) -> Self {
        self.plans = true;
        self
    }

    /// Checks hook modules with `loader` (`datasurface_hooks::WasmLoader`):
    /// without one, a model with hooks gets a warning that they were not checked.
    #[must_use]
    pub fn with_hooks(mut self, loader: Arc<dyn HookLoader>) -> Self {
        self.hooks = Some(loader);
        self
    }

    /// Leaves platforms of these kinds to another program: no error for a
    /// kind the registry lacks (`--platform-kinds-external`).
    #[must_use]
    pub fn with_external_kinds<S: Into<String>>(
        mut self,
        kinds: impl IntoIterator<Item = S>,
    ) -> Self {
        self.external.extend(kinds.into_iter().map(Into::into));
        self
    }

    /// Leaves every kind the registry lacks to another program, as
    /// [`with_external_kinds`](Self::with_external_kinds) would name them:
    /// for a command that works on some of a model's platforms (render one,
    /// draw the graphs), which the others' implementations do not concern.
    #[must_use]
    pub fn with_unknown_kinds_external(mut self) -> Self {
        self.unknown_external = true;
        self
    }

    /// The platforms this gate lints.
    pub fn registry(&self) -> &PlatformRegistry {
        &self.registry
    }

    /// Assigns each dataset group the ecosystem leaves unassigned to the
    /// platform chosen for it ([`choose::assign_chosen`]), as [`check`](Self::check)
    /// and [`verify`](Self::verify) do before validating; returns an error,
    /// owned by the group's team, for each group no platform can serve. For
    /// a program that loads and validates a model itself.
    pub fn choose_platforms(&self, eco: &mut Ecosystem) -> Vec<Diagnostic> {
        let recorded = std::mem::take(&mut eco.platform_choices);
        let choices = choose::assign_chosen(&self.registry, eco, &recorded);
        eco.platform_choices = recorded;
        choose::unserved(eco, &choices)
            .into_iter()
            .map(|mut d| {
                d.owner = Some(regions::owner_of(eco, &d.path).to_string());
                d
            })
            .collect()
    }

    /// Checks one model, as `datasurface check` does: the whole pipeline
    /// ([`Gate::load`]) on the model as written.
    pub fn check(&self, model: &dyn ModelSource) -> Checked {
        let loaded = self.load_keeping(model, &crate::LoadOptions::new(), false, None);
        drop_later(loaded.documents);
        Checked {
            load_errors: loaded.load_errors,
            report: loaded.report,
            sources: loaded.sources,
            name: loaded.name,
            counts: loaded.counts,
            platforms: loaded.platforms,
            changed_while_checked: loaded.changed_while_checked,
        }
    }

    /// Verifies a change, as `datasurface verify` does: may `proposed`
    /// replace `base` (none for a first model), proposed from `source`?
    /// The proposed model passes the whole gate [`check`](Self::check)
    /// runs; each element changed must be owned by `source`; no consumer may
    /// break. Hook modules the base already had are not asked again.
    pub fn verify(
        &self,
        base: Option<&dyn ModelSource>,
        proposed: &dyn ModelSource,
        source: &Repository,
    ) -> Verified {
        // Steps 1 to 3 of the pipeline, on both models at once: a document
        // both hold unchanged is parsed once.
        let (base_written, proposed_written) = match base {
            Some(base) => {
                let (b, p) = parse_models(base, proposed);
                let (b, p) = write_both(Some((b, base)), (p, proposed));
                (b, p)
            }
            None => write_both(None, (parse_model(proposed), proposed)),
        };
        let mut refused: Vec<Loaded> = Vec::new();
        let mut base_model = base_written.and_then(|w| w.map_err(|r| refused.push(*r)).ok());
        let proposed_model = proposed_written.map_err(|r| refused.push(*r)).ok();
        let (Some(written), true) = (proposed_model, refused.is_empty()) else {
            let mut verified = Verified::default();
            for r in refused {
                verified.load_errors.extend(r.load_errors);
                verified.sources.extend(r.sources);
                verified
                    .changed_while_checked
                    .extend(r.changed_while_checked);
            }
            return verified;
        };
        let Written {
            sources: mut proposed_sources,
            released,
            documents,
            mut ecosystem,
            ..
        } = written;
        // Steps 5 and 6 on both: each sees the platforms chosen for it
        // (moves are between the two). Without an environment every view
        // is the model itself.
        if let Some(base) = base_model.as_mut() {
            let _ = self.prepare(&mut base.ecosystem, None);
        }
        let unserved = self.prepare(&mut ecosystem, None).unwrap_or_default();
        let base_eco = base_model.as_ref().map(|w| &w.ecosystem);
        // The base passed the gate: its hook modules are not asked again.
        let known = base_eco.map(hook_modules).unwrap_or_default();
        // Step 7, concluded by judging the change: the findings, the named
        // files, the exceptions; the plans when asked for. The base's
        // resource inventory (the files it names) is taken on a core of its
        // own meanwhile.
        let today = self.today();
        let judged = std::thread::scope(|scope| {
            let base_found =
                base_eco.map(|eco| scope.spawn(|| datasurface_core::inventory::inventory(eco)));
            self.judge(
                ecosystem,
                unserved,
                proposed,
                &known,
                (None, false),
                |judging, found| {
                    let eco = judging.either();
                    let inventory = judging.inventory();
                    let base_found = base_found.map(|thread| match thread.join() {
                        Ok(found) => found,
                        Err(panic) => std::panic::resume_unwind(panic),
                    });
                    let base_triple = base_eco
                        .zip(base_found.as_deref())
                        .zip(base)
                        .map(|((eco, found), files)| (eco, found, files));
                    let (changed, refused) = crate::named_files::authorize(
                        &self.registry,
                        base_triple,
                        (eco, &inventory, proposed),
                        source,
                    );
                    verify::verify_checked(base_eco, eco, &Report::new(found), source)
                        .with_files(changed, refused)
                        .with_exceptions(base_eco, eco, today)
                },
            )
        });
        let Judged {
            concluded: mut verification,
            platforms,
            valid,
        } = judged;
        let plans = match (&valid, self.plans) {
            (Some((valid, _)), true) => {
                crate::plans::plans(&self.registry, base_eco.cloned(), valid)
            }
            _ => Vec::new(),
        };
        drop_later(valid);
        drop_later(base_model);
        // The texts of the documents with findings come back, to show them.
        let with_findings = files::with_findings(&verification.report, &documents);
        let changed_while_checked =
            released.restore_only(proposed, &mut proposed_sources, Some(&with_findings));
        files::locate(&mut verification.report, &documents, &proposed_sources);
        drop_later(documents);
        Verified {
            load_errors: Vec::new(),
            verification: Some(verification),
            sources: proposed_sources,
            platforms,
            changed_while_checked,
            plans,
        }
    }

    /// What the gate finds in a valid model beyond validation: building its
    /// intention graphs, every declared platform's lint and every hook
    /// module (read from `model`; those in `hooks_checked_before`, a base's
    /// that passed the gate, are not asked again); and how each platform
    /// was treated. For a program that loads and validates a model itself,
    /// such as the model service.
    pub fn beyond_validation(
        &self,
        valid: &ValidEcosystem,
        model: &dyn ModelSource,
        hooks_checked_before: &HookModules,
    ) -> (Report, Vec<PlatformChecked>) {
        let (report, handled, graphs) =
            self.beyond_validation_keeping(valid, model, hooks_checked_before);
        drop_later(graphs);
        (report, handled)
    }

    /// [`Gate::beyond_validation`], with the intention graphs it built.
    pub(crate) fn beyond_validation_keeping(
        &self,
        valid: &ValidEcosystem,
        model: &dyn ModelSource,
        hooks_checked_before: &HookModules,
    ) -> (Report, Vec<PlatformChecked>, IntentionGraphs) {
        let graphs = datasurface_platform::graph::build(valid);
        let mut external: Vec<&str> = self.external.iter().map(String::as_str).collect();
        if self.unknown_external {
            external.extend(
                valid
                    .platforms
                    .values()
                    .map(|d| d.kind.as_str())
                    .filter(|kind| self.registry.get(kind).is_none()),
            );
        }
        let handled = valid
            .platforms
            .iter()
            .map(|(name, declaration)| {
                let kind = declaration.kind.as_str();
                let handling = if external.contains(&kind) {
                    PlatformHandling::External
                } else if self.registry.get(kind).is_some() {
                    PlatformHandling::Checked
                } else {
                    PlatformHandling::Unknown
                };
                PlatformChecked {
                    name: name.to_string(),
                    kind: kind.to_owned(),
                    nodes: graphs.graphs.get(name).map_or(0, |g| g.nodes().len()),
                    handling,
                }
            })
            .collect();
        let report = check_platforms(&self.registry, valid, &graphs, &external);
        // The gate's own checks: every environment, claims where links
        // lead, hook modules. Each finding names its region's owner.
        let mut own = crate::environments::check_environments(&self.registry, valid, &graphs);
        own.extend(crate::links::findings(&self.registry, valid, model));
        own.extend(crate::transformer_sql::findings(
            &self.registry,
            valid,
            &graphs,
        ));
        own.extend(crate::quality_sql::findings(&self.registry, valid, &graphs));
        own.extend_from_slice(
            crate::hooks::findings(model, self.hooks.as_deref(), valid, hooks_checked_before)
                .diagnostics(),
        );
        if own.is_empty() {
            return (report, handled, graphs);
        }
        for d in &mut own {
            d.owner = Some(owner_of(valid, &d.path).to_string());
        }
        (
            Report::new([report.diagnostics(), &own[..]].concat()),
            handled,
            graphs,
        )
    }
}

/// What [`Written::of`] makes of a parsed model.
type WriteResult = Result<Written, Box<Loaded>>;

/// A model's documents read and parsed, and where they were read from.
type Parsed<'a> = (Result<ParsedModel, Vec<LoadError>>, &'a dyn ModelSource);

/// Steps 2 and 3 of the pipeline on the base (if any) and the proposed
/// model at once.
fn write_both(
    base: Option<Parsed<'_>>,
    proposed: Parsed<'_>,
) -> (Option<WriteResult>, WriteResult) {
    std::thread::scope(|scope| {
        let base_written = scope.spawn(|| base.map(|(parsed, model)| Written::of(parsed, model)));
        let proposed_written = Written::of(proposed.0, proposed.1);
        match base_written.join() {
            Ok(base_written) => (base_written, proposed_written),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}
