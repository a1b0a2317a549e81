//! The conformance suite every data platform runs.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use datasurface_core::{CaptureMetadata, Credential, CredentialType, Ecosystem};
use datasurface_files::{self as files, Format, SourceFile};
use datasurface_platform::graph::{NodeKey, NodeKind, PlatformGraph, build};
use datasurface_platform::{
    ArtifactKey, Capability, CaptureKind, DataPlatform, RenderFailure, Rendering,
    capabilities_used, render_with,
};
use datasurface_rules::validate::validate;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

use crate::boundaries;
use crate::edits::{EDITS, reversed};
use crate::secrets::find_secrets;
use crate::strategy::ecosystem_pairs;
use datasurface_generate::{
    CAPTURE_METHODS, CODE_KINDS, DATA_TYPES, FILE_FORMATS, Palette, TRIGGERS,
};
use datasurface_generate::{PlatformSpec, Shape, generate};

/// Why the kit could not render a model for a check: the check fails with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KitError {
    /// The model the kit made could not be generated for the platform.
    #[error(transparent)]
    Generate(#[from] datasurface_generate::GenerateError),
    /// The model does not validate.
    #[error("the model is not valid:\n{0}")]
    Invalid(Box<datasurface_rules::validate::Report>),
    /// The model declares no platform of the kit's name.
    #[error("the model declares no `{PLATFORM_NAME}`")]
    NoPlatform,
    /// The platform refused to render it, or failed.
    #[error(transparent)]
    Render(#[from] Box<datasurface_platform::RenderFailure>),
    /// The model could not be saved as files.
    #[error(transparent)]
    Save(#[from] files::SaveError),
    /// The model's files could not be loaded back.
    #[error(transparent)]
    Load(#[from] files::LoadErrors),
}

impl KitError {
    /// Whether the platform refused the model with a finding of `code`.
    pub fn refused_with(&self, code: &str) -> bool {
        match self {
            KitError::Render(failure) => match &**failure {
                datasurface_platform::RenderFailure::Refused { report, .. } => {
                    report.diagnostics().iter().any(|d| d.code == code)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// Whether the platform gave two artifacts one key.
    pub fn is_duplicate_artifact(&self) -> bool {
        matches!(self, KitError::Render(failure) if matches!(
            &**failure,
            datasurface_platform::RenderFailure::Platform(
                datasurface_platform::PlatformError::DuplicateArtifact(_)
            )
        ))
    }
}

/// The name the platform under test has in generated models.
pub const PLATFORM_NAME: &str = "Platform Under Test";

/// The conformance suite for one platform implementation.
///
/// ```ignore
/// #[test]
/// fn conforms() {
///     datasurface_testkit::Conformance::new(&MyPlatform::default()).assert_passes();
/// }
/// ```
pub struct Conformance<'a> {
    platform: &'a dyn DataPlatform,
    parameters: Map<String, Value>,
    random_pairs: u32,
    /// The model the examples of the platform's codes edit, when not the
    /// default ([`crate::example_base`] with the platform's kind).
    example_base: Option<String>,
    /// Whether the platform says its lint reports no code of its own.
    without_own_codes: bool,
    /// Every code the platform's `lint` reported on the models the suite
    /// rendered that neither `codes()` nor [`datasurface_platform::PLATFORM_CODES`]
    /// declares, with where.
    undeclared: std::cell::RefCell<BTreeSet<String>>,
}

/// What the suite found: each check, with its failures.
#[derive(Debug, Clone, Default)]
pub struct ConformanceReport {
    /// Each check run, in order.
    pub outcomes: Vec<Outcome>,
}

/// One check of the suite.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The check's name, such as `render-is-deterministic`.
    pub check: &'static str,
    /// What went wrong; empty when it passed.
    pub failures: Vec<String>,
    /// What the check could not judge, which does not fail it.
    pub notes: Vec<String>,
}

impl ConformanceReport {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.failures.is_empty())
    }

    /// Asserts that every check passed.
    ///
    /// # Panics
    ///
    /// Unless every check passed, listing every failure.
    #[track_caller]
    pub fn assert_passes(&self) {
        assert!(
            self.passed(),
            "the platform fails the conformance suite:\n{self}"
        );
    }

    fn check(&mut self, check: &'static str, failures: Vec<String>) {
        self.outcomes.push(Outcome {
            check,
            failures,
            notes: Vec::new(),
        });
    }

    /// Adds a note to the last outcome of `check`.
    fn note(&mut self, check: &'static str, note: String) {
        if let Some(outcome) = self.outcomes.iter_mut().rev().find(|o| o.check == check) {
            outcome.notes.push(note);
        }
    }
}

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for outcome in &self.outcomes {
            let verdict = if outcome.failures.is_empty() {
                "ok"
            } else {
                "FAILED"
            };
            writeln!(f, "{verdict:>6}  {}", outcome.check)?;
            for failure in &outcome.failures {
                for (n, line) in failure.lines().enumerate() {
                    let lead = if n == 0 { "- " } else { "  " };
                    writeln!(f, "          {lead}{line}")?;
                }
            }
            for note in &outcome.notes {
                writeln!(f, "          note: {note}")?;
            }
        }
        Ok(())
    }
}

impl<'a> Conformance<'a> {
    /// The suite for a platform, declared with no parameters.
    pub fn new(platform: &'a dyn DataPlatform) -> Self {
        Conformance {
            platform,
            parameters: Map::new(),
            random_pairs: 24,
            example_base: None,
            without_own_codes: false,
            undeclared: std::cell::RefCell::default(),
        }
    }

    /// The valid model the examples of the platform's codes edit
    /// ([`CodeInfo::with_example`](datasurface_rules::validate::CodeInfo::with_example)),
    /// for a platform that cannot render the default: the model every
    /// validation rule's example edits, its one platform `Batch` of this
    /// kind ([`crate::example_base`]).
    #[must_use]
    pub fn with_example_base(mut self, model: impl Into<String>) -> Self {
        self.example_base = Some(model.into());
        self
    }

    /// Says the platform's lint reports no code of its own, only the
    /// toolbox's ([`datasurface_platform::PLATFORM_CODES`]): the suite then
    /// accepts an empty [`DataPlatform::codes`]. Without it an empty
    /// `codes()` fails, as the suite cannot tell it from codes forgotten.
    #[must_use]
    pub fn without_own_codes(mut self) -> Self {
        self.without_own_codes = true;
        self
    }

    /// The parameters the generated models declare for the platform.
    #[must_use]
    pub fn with_parameters(mut self, parameters: Map<String, Value>) -> Self {
        self.parameters = parameters;
        self
    }

    /// How many random pairs of models the plan check renders (24 by default).
    #[must_use]
    pub fn random_pairs(mut self, cases: u32) -> Self {
        self.random_pairs = cases;
        self
    }

    /// The platform's declaration in generated models: its kind, exactly its version.
    pub fn spec(&self) -> PlatformSpec {
        PlatformSpec {
            parameters: self.parameters.clone(),
            ..PlatformSpec::new(
                PLATFORM_NAME,
                self.platform.kind(),
                format!("={}", self.platform.version()),
            )
        }
    }

    /// A model that uses every capability the platform declares.
    pub fn exercise_model(&self) -> Result<Ecosystem, KitError> {
        let palette = Palette::from_capabilities(&self.platform.capabilities());
        let model = generate(&exercise_shape(&palette), &palette, &[self.spec()])?;
        // Transformers with several inputs and queries, whose order the
        // order checks then vary.
        Ok(crate::edits::widened(&model))
    }

    /// Validates, builds the graph and renders, as `datasurface render` does.
    pub fn render(&self, eco: &Ecosystem) -> Result<Rendering, KitError> {
        let valid = validate(eco.clone()).map_err(|report| KitError::Invalid(Box::new(report)))?;
        let graphs = build(&valid);
        let Some((name, declaration)) = valid.platforms.get_key_value(PLATFORM_NAME) else {
            return Err(KitError::NoPlatform);
        };
        self.note_undeclared_codes(&valid, &graphs, name, declaration);
        Ok(render_with(self.platform, &valid, &graphs, name)
            .map_err(Box::new)?
            .rendering)
    }

    /// Records each code the platform's own `lint` reports on this model that
    /// its `codes()` (and the platform-independent codes) do not declare: the
    /// trait's contract, so that `explain` and the catalogue know every code.
    fn note_undeclared_codes(
        &self,
        valid: &datasurface_rules::validate::ValidEcosystem,
        graphs: &datasurface_platform::graph::IntentionGraphs,
        name: &datasurface_core::names::PlatformName,
        declaration: &datasurface_core::PlatformDeclaration,
    ) {
        let graph = graphs.graph(name);
        let graph = graph.as_ref();
        let context = datasurface_platform::RenderContext::new(valid, name, declaration);
        let declared = self
            .platform
            .codes()
            .iter()
            .chain(datasurface_platform::PLATFORM_CODES)
            .map(|c| c.code)
            .collect::<BTreeSet<&str>>();
        for d in self.platform.lint(graph, &context) {
            if !declared.contains(d.code) {
                self.undeclared.borrow_mut().insert(format!(
                    "lint reported `{}` at {} ({}), which `codes()` does not declare; add it there (code, severity, summary, explanation) so `datasurface explain` and the catalogue know it",
                    d.code, d.path, d.message
                ));
            }
        }
    }

    /// Runs every check.
    pub fn run(&self) -> ConformanceReport {
        let mut report = ConformanceReport::default();
        let model = match self.exercise_model() {
            Ok(model) => model,
            Err(e) => {
                report.check("a-model-uses-every-capability", vec![e.to_string()]);
                return report;
            }
        };
        report.check(
            "declared-capabilities-are-exercised",
            self.exercised(&model),
        );
        let first = self.render(&model);
        let rendering = match first {
            Ok(r) => {
                report.check("declared-capabilities-render", Vec::new());
                r
            }
            Err(e) => {
                report.check("declared-capabilities-render", vec![e.to_string()]);
                return report;
            }
        };
        report.check(
            "undeclared-capabilities-are-refused",
            self.refuses_undeclared(),
        );
        report.check(
            "render-is-deterministic",
            self.deterministic(&model, &rendering),
        );
        report.check(
            "render-into-puts-what-render-returns",
            self.streamed(&model, &rendering),
        );
        report.check("diff-of-equal-renderings-is-empty", {
            let plan = self.platform.diff(&rendering, &rendering);
            if plan.is_empty() {
                Vec::new()
            } else {
                vec![format!("diff(r, r) has steps:\n{plan}")]
            }
        });
        report.check("saved-rendering-loads-back", {
            match Rendering::from_files(&rendering.to_files()) {
                Ok(back) if back == rendering => Vec::new(),
                Ok(_) => vec!["the rendering loaded from its files differs from it".into()],
                Err(e) => vec![format!("the saved rendering does not load: {e}")],
            }
        });
        report.check("dependencies-are-artifacts", dependencies_exist(&rendering));
        report.check(
            "exports-depend-on-their-ingestion",
            match graph_of(&model) {
                Ok(Some(graph)) => exports_depend_on_ingestion(&graph, &rendering),
                Ok(None) => Vec::new(),
                Err(e) => vec![e.to_string()],
            },
        );
        report.check(
            "rendering-ignores-model-order",
            self.reordering(&model, &rendering),
        );
        report.check("no-secrets-in-artifacts", no_secrets(&rendering));
        report.check(
            "artifact-keys-distinct-without-case",
            boundaries::keys_equal_without_case(&rendering),
        );
        self.check_hostile(&mut report, &model);
        report.check(
            "platform-credentials-are-refused-to-teams",
            self.own_credentials_refused(&model),
        );
        report.check(
            "resource-parameters-are-claimed",
            self.resource_parameters_claimed(),
        );
        report.check(
            "names-that-meet-are-refused-or-kept-apart",
            self.twins(&model),
        );
        report.check(
            "plans-apply-for-everyday-edits",
            self.edits(&model, &rendering),
        );
        report.check(
            "plans-apply-for-random-pairs",
            self.random(self.random_pairs),
        );
        report.check(
            "declared-codes-fire-on-their-examples",
            self.code_examples(),
        );
        // Every model above was rendered through `render`, which noted the
        // codes its lint reported.
        report.check(
            "lint-codes-are-declared",
            self.undeclared.take().into_iter().collect(),
        );
        report
    }

    /// Runs every check and asserts that they pass.
    ///
    /// # Panics
    ///
    /// Unless every check passed, listing every failure.
    #[track_caller]
    pub fn assert_passes(&self) {
        self.run().assert_passes();
    }

    /// Each code the platform declares has an example, and the platform's
    /// lint reports the code on it and not on the base model (unless the
    /// example edits nothing: a code reported on every model); every code
    /// the lint reports there is declared. An empty `codes()` must be said
    /// ([`Conformance::without_own_codes`]).
    fn code_examples(&self) -> Vec<String> {
        let codes = self.platform.codes();
        if codes.is_empty() {
            return if self.without_own_codes {
                Vec::new()
            } else {
                vec!["the platform declares no codes of its own (`DataPlatform::codes`): the suite cannot tell that from codes forgotten. Declare each code its lint reports, with an example (`CodeInfo::with_example`); if it reports none, say so with `Conformance::without_own_codes()`".into()]
            };
        }
        let base = self.example_base.clone().unwrap_or_else(|| {
            let parameters = if self.parameters.is_empty() {
                String::new()
            } else {
                Value::Object(self.parameters.clone()).to_string()
            };
            crate::example_base(
                self.platform.kind(),
                &format!("={}", self.platform.version()),
                &parameters,
            )
        });
        let base_codes = match self.lint_text(&base) {
            Ok(codes) => codes,
            Err(problem) => {
                return vec![format!(
                    "the base model of the code examples: {problem}; give the suite one the platform renders with `Conformance::with_example_base`"
                )];
            }
        };
        let mut failures = Vec::new();
        for info in codes {
            let Some(example) = &info.example else {
                failures.push(format!(
                    "`{}` has no example: give it one with `CodeInfo::with_example` (edits of the base model that make the lint report it, and the report)",
                    info.code
                ));
                continue;
            };
            // A code the lint reports on every model (a note) has an
            // example with no edits; any other must not fire on the base.
            if !example.edits.is_empty() && base_codes.contains(info.code) {
                failures.push(format!("the base model already reports `{}`", info.code));
                continue;
            }
            let fired = crate::examples::apply_edits(&base, example.edits)
                .map_err(|e| e.to_string())
                .and_then(|text| self.lint_text(&text));
            match fired {
                Ok(fired) if fired.contains(info.code) => {}
                Ok(fired) => failures.push(format!(
                    "the example of `{}` does not make the lint report it (it reports {})",
                    info.code,
                    if fired.is_empty() {
                        "nothing".to_owned()
                    } else {
                        fired
                            .iter()
                            .map(|c| format!("`{c}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                )),
                Err(problem) => failures.push(format!("the example of `{}`: {problem}", info.code)),
            }
        }
        failures
    }

    /// The codes the platform's own checks report on a model text, on
    /// every platform of its kind (noting undeclared ones as
    /// [`Conformance::render`] does); the model must load and pass the
    /// model's rules.
    fn lint_text(&self, text: &str) -> Result<BTreeSet<&'static str>, String> {
        let eco = files::from_yaml_str(text).map_err(|e| format!("it does not load: {e}"))?;
        let valid = validate(eco).map_err(|report| format!("it is not valid:\n{report}"))?;
        let graphs = build(&valid);
        let mut codes = BTreeSet::new();
        let mut any = false;
        for (name, declaration) in &valid.platforms {
            if declaration.kind.as_str() != self.platform.kind() {
                continue;
            }
            any = true;
            self.note_undeclared_codes(&valid, &graphs, name, declaration);
            let diagnostics = match render_with(self.platform, &valid, &graphs, name) {
                Ok(rendered) => rendered.warnings.diagnostics().to_vec(),
                Err(RenderFailure::Refused { report, .. }) => report.diagnostics().to_vec(),
                Err(other) => return Err(other.to_string()),
            };
            codes.extend(diagnostics.iter().map(|d| d.code));
        }
        if !any {
            return Err(format!(
                "it declares no `{}` platform",
                self.platform.kind()
            ));
        }
        Ok(codes)
    }

    fn exercised(&self, model: &Ecosystem) -> Vec<String> {
        let valid = match validate(model.clone()) {
            Ok(v) => v,
            Err(report) => return vec![format!("the generated model is not valid:\n{report}")],
        };
        let graphs = build(&valid);
        let Some((name, graph)) = graphs.graphs.get_key_value(PLATFORM_NAME) else {
            return vec!["the generated model gives the platform no graph".into()];
        };
        let context =
            datasurface_platform::RenderContext::new(&valid, name, &valid.platforms[name]);
        let used: BTreeSet<Capability> = capabilities_used(graph, &context)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        self.platform
            .capabilities()
            .all()
            .into_iter()
            .filter(|c| !used.contains(c))
            .map(|c| {
                format!(
                    "the platform declares {c}, but no valid model can use it on this platform \
                     (a capture method needs a supported container kind, a composite type supported element types)"
                )
            })
            .collect()
    }

    /// A model that uses something the platform does not declare must be
    /// refused with `unsupported-by-platform`, not rendered.
    fn refuses_undeclared(&self) -> Vec<String> {
        let declared = self.platform.capabilities();
        let mut palette = Palette::from_capabilities(&declared);
        // What the platform declares, by the names model files use.
        let named = palette.clone();
        let code_kinds: Vec<&str> = declared.code_kinds.iter().map(|k| k.name()).collect();
        let extra_type = DATA_TYPES
            .into_iter()
            .find(|t| !named.data_types.contains(t) && palette.sample_type(t).is_some());
        let extra_method = CAPTURE_METHODS
            .into_iter()
            .find(|m| !named.capture_methods.contains(m));
        if let Some(t) = extra_type {
            palette.data_types.push(t);
        } else if let Some(m) = extra_method {
            palette.capture_methods.push(m);
            palette
                .container_kinds
                .extend(datasurface_generate::source_kinds(m).iter().take(1));
        } else if let Some(t) = TRIGGERS.into_iter().find(|t| !named.triggers.contains(t)) {
            palette.triggers.push(t);
        } else if let Some(k) = CODE_KINDS.into_iter().find(|k| !code_kinds.contains(k)) {
            palette.code_kinds.push(k);
        } else if let Some(f) = FILE_FORMATS
            .into_iter()
            .find(|f| !named.file_formats.contains(f))
            .filter(|_| declared.capture_methods.contains(&CaptureKind::FileDrop))
        {
            // Only the undeclared format, so the model must use it.
            palette.file_formats = vec![f];
        } else {
            return Vec::new();
        }
        let model = match generate(&exercise_shape(&palette), &palette, &[self.spec()]) {
            Ok(m) => m,
            Err(e) => return vec![e.to_string()],
        };
        match self.render(&model) {
            Ok(_) => vec![
                "a model that uses an undeclared capability rendered; lint must report \
                 `unsupported-by-platform` (call `check_capabilities`, or declare the capability)"
                    .into(),
            ],
            Err(e) if e.refused_with("unsupported-by-platform") => Vec::new(),
            Err(e) => vec![format!(
                "a model that uses an undeclared capability failed without `unsupported-by-platform`: {e}"
            )],
        }
    }

    /// Renders the model with hostile documentation everywhere: free text
    /// must stay inside its quotes. Returns the failures and the artifacts
    /// in languages the kit cannot read.
    /// The free-text check, with a note of the artifacts it could only
    /// judge by whole lines.
    fn check_hostile(&self, report: &mut ConformanceReport, model: &Ecosystem) {
        let (failures, not_judged) = self.hostile(model);
        report.check("free-text-stays-quoted", failures);
        if !not_judged.is_empty() {
            report.note(
                "free-text-stays-quoted",
                format!(
                    "the kit cannot read the language of {} artifact(s), so it judged them only by whole lines: {}",
                    not_judged.len(),
                    not_judged.join(", ")
                ),
            );
        }
    }

    fn hostile(&self, model: &Ecosystem) -> (Vec<String>, Vec<String>) {
        match self.render(&boundaries::with_hostile_text(model)) {
            Ok(rendering) => {
                let found = boundaries::escaped_text(&rendering);
                (found.failures, found.not_judged)
            }
            Err(e) => (
                vec![format!(
                    "the model with hostile descriptions does not render: {e}"
                )],
                Vec::new(),
            ),
        }
    }

    /// Every parameter that names a credential or a file (each text
    /// property of the parameter schema whose name says `credential`, or
    /// that carries `"x-resource": "credential"` or `"file"`, found however
    /// deep) is claimed by [`DataPlatform::resources`] when it is set:
    /// otherwise the gate lets a team name the credential the platform logs
    /// in with, or lay its files over the platform's.
    fn resource_parameters_claimed(&self) -> Vec<String> {
        use crate::resource_parameters::{Names, resource_parameters, shown, with_value};
        let Some(schema) = self.platform.parameters() else {
            return Vec::new();
        };
        let mut failures = Vec::new();
        for (i, (path, names)) in resource_parameters(schema.as_value()).iter().enumerate() {
            let value = match names {
                Names::Credential => format!("kit_credential_{i}"),
                Names::File => format!("/kit/file_{i}"),
            };
            let declaration = serde_json::json!({
                "kind": self.platform.kind(),
                "version": format!("={}", self.platform.version()),
                "parameters": with_value(&self.parameters, path, &value),
            });
            let shown = shown(path);
            let declaration: datasurface_core::PlatformDeclaration =
                match serde_json::from_value(declaration) {
                    Ok(d) => d,
                    Err(e) => {
                        failures.push(format!("parameter `{shown}`: no declaration sets it: {e}"));
                        continue;
                    }
                };
            let resources = self.platform.resources(&declaration);
            let (claimed, what, how) = match names {
                Names::Credential => (
                    resources
                        .credentials
                        .iter()
                        .any(|c| c.name.as_str() == value),
                    "a credential",
                    "`PlatformResources::credential`, so no team's element may name the credential the platform logs in with",
                ),
                Names::File => (
                    resources.files.iter().any(|f| f.path == value),
                    "a file",
                    "`PlatformResources::file`, so no team's file may lie over the platform's",
                ),
            };
            if !claimed {
                failures.push(format!(
                    "parameter `{shown}` names {what}, and `resources()` does not claim `{value}` when it is set there: claim it ({how})"
                ));
            }
        }
        failures
    }

    /// A team's capture that names one of the platform's own credentials
    /// ([`DataPlatform::resources`]) is refused before anything renders, as
    /// `platform-credential`: so the platform never logs in with its own
    /// credential on a team's behalf, to a server the team chose.
    fn own_credentials_refused(&self, model: &Ecosystem) -> Vec<String> {
        let Some(declaration) = model.platforms.get(PLATFORM_NAME) else {
            return Vec::new();
        };
        let mut failures = Vec::new();
        for own in self.platform.resources(declaration).credentials {
            let mut eco = model.clone();
            let Some(ingestion) = eco
                .zones
                .values_mut()
                .flat_map(|z| z.teams.values_mut().map(std::sync::Arc::make_mut))
                .flat_map(|t| t.datastores.values_mut())
                .find_map(|s| match &mut s.capture {
                    CaptureMetadata::Ingestion(i) => Some(i),
                    CaptureMetadata::TransformerOutput(_) => None,
                })
            else {
                return failures;
            };
            ingestion.credential = Some(Credential {
                name: own.name.clone(),
                credential_type: CredentialType::UserPassword,
            });
            match self.render(&eco) {
                Ok(_) => failures.push(format!(
                    "a team's capture that names the platform's own credential `{}` rendered",
                    own.name
                )),
                Err(e) if e.refused_with("platform-credential") => {}
                Err(e) => failures.push(format!(
                    "a team's capture that names the platform's own credential `{}` was refused, but not as `platform-credential`: {e}",
                    own.name
                )),
            }
        }
        failures
    }

    /// Renders the model with a datastore whose name differs from another's
    /// only in case: the platform refuses it (lint) or keeps the two apart.
    fn twins(&self, model: &Ecosystem) -> Vec<String> {
        let mut failures = self.container_twins(model);
        failures.extend(self.case_twins(model));
        failures
    }

    /// Containers whose names meet once a character is replaced: refused by
    /// lint, or rendered with as many artifacts of their own on each side
    /// (the two sides are copies, so a side with fewer lost some).
    fn container_twins(&self, model: &Ecosystem) -> Vec<String> {
        let Some((eco, sides)) = boundaries::with_container_twins(model) else {
            return Vec::new();
        };
        let [(a, _), (b, _)] = &sides;
        let rendering = match self.render_twins(&eco, &format!("containers `{a}` and `{b}`")) {
            Ok(Some(r)) => r,
            Ok(None) => return Vec::new(),
            Err(failures) => return failures,
        };
        let Ok(Some(graph)) = graph_of(&eco) else {
            return Vec::new();
        };
        let owned = |(container, workspace): &(String, String)| {
            graph
                .nodes()
                .into_iter()
                .filter(|node| match &node.kind {
                    NodeKind::Export { container: c, .. } => c.as_str() == container,
                    NodeKind::Workspace { workspace: w, .. } => w.as_str() == workspace,
                    _ => false,
                })
                .filter(|node| {
                    rendering
                        .artifacts
                        .values()
                        .any(|x| x.node.as_ref() == Some(&node.key))
                })
                .count()
        };
        let (left, right) = (owned(&sides[0]), owned(&sides[1]));
        if left == right {
            Vec::new()
        } else {
            vec![format!(
                "containers `{a}` and `{b}` (copies of one another) rendered with {left} and {right} artifacts of their own: one overwrote the other's"
            )]
        }
    }

    /// Renders a model with names that meet (`twins` says which): the
    /// rendering, `None` when the platform's lint refused it (the collision
    /// is reported), or the failures (the kit's model invalid, or one key
    /// made for both).
    fn render_twins(&self, eco: &Ecosystem, twins: &str) -> Result<Option<Rendering>, Vec<String>> {
        match self.render(eco) {
            Ok(r) => Ok(Some(r)),
            Err(e @ KitError::Invalid(_)) => Err(vec![format!(
                "the kit's model with {twins} is not valid: {e}"
            )]),
            Err(e) if e.is_duplicate_artifact() => Err(vec![format!(
                "{twins} passed lint but made one artifact key: {e}"
            )]),
            Err(_) => Ok(None),
        }
    }

    fn case_twins(&self, model: &Ecosystem) -> Vec<String> {
        let Some((eco, original, twin)) = boundaries::with_case_twin(model) else {
            return Vec::new();
        };
        let rendering =
            match self.render_twins(&eco, &format!("`{original}` and its twin `{twin}`")) {
                Ok(Some(r)) => r,
                Ok(None) => return Vec::new(),
                Err(failures) => return failures,
            };
        let mut failures = boundaries::keys_equal_without_case(&rendering);
        if let Ok(Some(graph)) = graph_of(&eco) {
            for node in graph.nodes() {
                if let NodeKind::Ingest { datastore, .. } = &node.kind
                    && (*datastore == original || *datastore == twin)
                    && !rendering
                        .artifacts
                        .values()
                        .any(|a| a.node.as_ref() == Some(&node.key))
                {
                    failures.push(format!(
                        "`{datastore}` and its twin `{}` rendered, but `{datastore}`'s ingestion has no artifact of its own: one overwrote the other",
                        if *datastore == original { &twin } else { &original }
                    ));
                }
            }
        }
        failures
    }

    fn deterministic(&self, model: &Ecosystem, first: &Rendering) -> Vec<String> {
        match self.render(model) {
            Ok(second) if &second == first => Vec::new(),
            Ok(second) => vec![format!(
                "two renders of the same model differ: {}",
                differences(first, &second)
            )],
            Err(e) => vec![format!("the second render failed: {e}")],
        }
    }

    /// `render_into` puts exactly the artifacts `render` returns: what the
    /// command line writes to a folder (streamed, as `streamed` was) is
    /// what a plan compares (whole).
    fn streamed(&self, model: &Ecosystem, streamed: &Rendering) -> Vec<String> {
        let whole = validate(model.clone())
            .map_err(|report| KitError::Invalid(Box::new(report)))
            .and_then(|valid| {
                let graphs = build(&valid);
                let (name, declaration) = valid
                    .platforms
                    .get_key_value(PLATFORM_NAME)
                    .ok_or(KitError::NoPlatform)?;
                let graph = graphs.graph(name);
                let graph = graph.as_ref();
                let context = datasurface_platform::RenderContext::new(&valid, name, declaration);
                self.platform
                    .render(graph, &context)
                    .map_err(|e| KitError::from(Box::new(RenderFailure::from(e))))
            });
        match whole {
            Ok(whole) if &whole == streamed => Vec::new(),
            Ok(whole) => vec![format!(
                "`render_into` puts other artifacts than `render` returns: {}; make `render` collect what `render_into` puts, or leave `render_into` to its default",
                differences(&whole, streamed)
            )],
            Err(e) => vec![format!("`render` failed where `render_into` did not: {e}")],
        }
    }

    fn reordering(&self, model: &Ecosystem, rendering: &Rendering) -> Vec<String> {
        let mut failures = Vec::new();
        let mut compare = |what: &str, other: Result<Rendering, KitError>| match other {
            Ok(other) if &other == rendering => {}
            Ok(other) => failures.push(format!(
                "with {what}, the rendering changes: {}",
                differences(rendering, &other)
            )),
            Err(e) => failures.push(format!("with {what}, rendering failed: {e}")),
        };
        compare(
            "the model's maps and lists reversed",
            self.render(&reversed(model)),
        );
        let reloaded = files::to_directory(model, Format::Json)
            .map_err(KitError::from)
            .and_then(|mut files: Vec<SourceFile>| {
                files.reverse();
                Ok(files::load(&files)?.ecosystem)
            });
        compare(
            "the model's files loaded in reverse order",
            reloaded.and_then(|m| self.render(&m)),
        );
        failures
    }

    fn edits(&self, model: &Ecosystem, rendering: &Rendering) -> Vec<String> {
        let mut failures = Vec::new();
        for edit in EDITS {
            let mut edited = model.clone();
            if !(edit.apply)(&mut edited) {
                continue;
            }
            match self.render(&edited) {
                Ok(next) => {
                    failures.extend(self.plan_applies(rendering, &next, edit.name));
                    failures.extend(self.plan_applies(
                        &next,
                        rendering,
                        &format!("{} (undone)", edit.name),
                    ));
                }
                // An edit that asks for something the platform does not declare is
                // refused, as it should be; it is not a failure of the plan.
                Err(e) if e.refused_with("unsupported-by-platform") => {}
                Err(e) => failures.push(format!("with {}, rendering failed: {e}", edit.name)),
            }
        }
        failures
    }

    /// Checks that the plan from one rendering to another turns the first into
    /// the second, creates only new keys and deletes only vanished ones.
    pub fn plan_applies(&self, from: &Rendering, to: &Rendering, what: &str) -> Vec<String> {
        let plan = self.platform.diff(from, to);
        let mut failures = Vec::new();
        let applied = plan.apply(from);
        if &applied != to {
            failures.push(format!(
                "with {what}, applying the plan does not give the new rendering: {}",
                differences(to, &applied)
            ));
        }
        for step in &plan.steps {
            let was = from.artifacts.contains_key(&step.key);
            let is = to.artifacts.contains_key(&step.key);
            let fits = step.action.fits(was, is);
            if !fits {
                failures.push(format!(
                    "with {what}, the plan's step `{:?} {}` does not fit the renderings",
                    step.action, step.key
                ));
            }
        }
        failures.extend(steps_out_of_order(&plan, from, what));
        failures
    }

    fn random(&self, cases: u32) -> Vec<String> {
        let palette = Palette::from_capabilities(&self.platform.capabilities());
        let config = Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
        let result = runner.run(&ecosystem_pairs(palette, vec![self.spec()]), |(a, b)| {
            let ra = self
                .render(&a)
                .map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let rb = self
                .render(&b)
                .map_err(|e| proptest::test_runner::TestCaseError::fail(e.to_string()))?;
            let failures = self.plan_applies(&ra, &rb, "a random pair of models");
            if failures.is_empty() {
                Ok(())
            } else {
                Err(proptest::test_runner::TestCaseError::fail(
                    failures.join("\n"),
                ))
            }
        });
        match result {
            Ok(()) => Vec::new(),
            Err(e) => vec![e.to_string()],
        }
    }
}

/// A shape big enough for the palette's choices to each appear at least once.
pub fn exercise_shape(palette: &Palette) -> Shape {
    let methods = palette.usable_capture_methods().len().max(1);
    // Triggers and file formats rotate over the stores of each method.
    let rotations = palette
        .triggers
        .len()
        .max(palette.file_formats.len())
        .max(1);
    let stores = (methods * rotations).max(3);
    let types = palette.data_types.len();
    let columns = types.div_ceil(stores * 2) + 2;
    let transformers = palette.code_kinds.len();
    let workspaces = palette
        .milestoning
        .len()
        .max(palette.workspace_kinds().len())
        .max(transformers)
        .max(stores);
    Shape {
        zones: 1,
        stores,
        datasets_per_store: 2,
        columns,
        workspaces,
        sinks_per_group: 3,
        transformers,
        seed: 7,
    }
}

/// The steps of a plan that run before a step they need, as the trait's
/// contract orders them: a create, update or replace after those of the
/// artifacts it depends on (in the new rendering); a delete before the
/// deletes of the artifacts it depends on (in the old one).
fn steps_out_of_order(
    plan: &datasurface_platform::Plan,
    from: &Rendering,
    what: &str,
) -> Vec<String> {
    use datasurface_platform::Action;
    let at: BTreeMap<(&ArtifactKey, bool), usize> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(n, step)| ((&step.key, step.action == Action::Delete), n))
        .collect();
    let mut failures = Vec::new();
    for (n, step) in plan.steps.iter().enumerate() {
        let deleting = step.action == Action::Delete;
        let depends_on = if deleting {
            from.artifacts.get(&step.key).map(|a| &a.depends_on)
        } else {
            step.artifact.as_ref().map(|a| &a.depends_on)
        };
        for needed in depends_on.into_iter().flatten() {
            let Some(&m) = at.get(&(needed, deleting)) else {
                continue;
            };
            if deleting && m < n {
                failures.push(format!(
                    "with {what}, the plan deletes `{needed}` (step {}) before `{}` (step {}), which depends on it: delete dependents first",
                    m + 1,
                    step.key,
                    n + 1
                ));
            } else if !deleting && m > n {
                failures.push(format!(
                    "with {what}, the plan's step {} ({:?} `{}`) runs before step {} ({:?} `{needed}`), which it depends on",
                    n + 1,
                    step.action,
                    step.key,
                    m + 1,
                    plan.steps[m].action
                ));
            }
        }
    }
    failures
}

/// An artifact as a failure names it: its key, and the graph node (the
/// model element) it realises.
fn artifact_named(key: &ArtifactKey, artifact: &datasurface_platform::Artifact) -> String {
    match &artifact.node {
        Some(node) => format!("`{key}` (of `{node}`)"),
        None => format!("`{key}` (of no node)"),
    }
}

fn dependencies_exist(rendering: &Rendering) -> Vec<String> {
    rendering
        .artifacts
        .iter()
        .flat_map(|(key, a)| {
            a.depends_on
                .iter()
                .filter(|d| !rendering.artifacts.contains_key(*d))
                .map(move |d| {
                    format!(
                        "{} depends on `{d}`, which the rendering lacks",
                        artifact_named(key, a)
                    )
                })
        })
        .collect()
}

/// The intention graph of the platform under test in a model.
fn graph_of(eco: &Ecosystem) -> Result<Option<PlatformGraph>, KitError> {
    let valid = validate(eco.clone()).map_err(|report| KitError::Invalid(Box::new(report)))?;
    Ok(build(&valid).graphs.shift_remove(PLATFORM_NAME))
}

/// Every artifact that realises an export must depend, directly or through
/// other artifacts, on an artifact of the ingestion it reads (where the
/// platform renders one): otherwise applying a plan could make the export
/// before what fills it.
fn exports_depend_on_ingestion(graph: &PlatformGraph, rendering: &Rendering) -> Vec<String> {
    let mut realising: BTreeMap<&NodeKey, Vec<&ArtifactKey>> = BTreeMap::new();
    for (key, artifact) in &rendering.artifacts {
        if let Some(node) = &artifact.node {
            realising.entry(node).or_default().push(key);
        }
    }
    let upstream_of = |start: &ArtifactKey| {
        let mut seen: BTreeSet<&ArtifactKey> = BTreeSet::new();
        let mut todo = vec![start];
        while let Some(key) = todo.pop() {
            for d in rendering
                .artifacts
                .get(key)
                .map_or(&[][..], |a| &a.depends_on[..])
            {
                if seen.insert(d) {
                    todo.push(d);
                }
            }
        }
        seen
    };
    let mut failures = Vec::new();
    for edge in graph.edges() {
        let (Some(from), Some(to)) = (graph.node(&edge.from), graph.node(&edge.to)) else {
            continue;
        };
        if !matches!(from.kind, NodeKind::Ingest { .. })
            || !matches!(to.kind, NodeKind::Export { .. })
        {
            continue;
        }
        let Some(ingestion) = realising.get(&edge.from) else {
            continue;
        };
        for export in realising.get(&edge.to).into_iter().flatten() {
            let upstream = upstream_of(export);
            if !ingestion.iter().any(|a| upstream.contains(a)) {
                failures.push(format!(
                    "`{export}` realises `{}` but depends on no artifact of `{}` ({}), which it reads",
                    edge.to,
                    edge.from,
                    ingestion.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    failures
}

fn no_secrets(rendering: &Rendering) -> Vec<String> {
    rendering
        .artifacts
        .iter()
        .flat_map(|(key, a)| {
            find_secrets(&a.content)
                .into_iter()
                .map(move |(line, why)| {
                    format!("{} line {line} holds {why}", artifact_named(key, a))
                })
        })
        .collect()
}

/// What differs between two renderings, briefly.
fn differences(a: &Rendering, b: &Rendering) -> String {
    let mut parts = Vec::new();
    for key in a.artifacts.keys() {
        match b.artifacts.get(key) {
            None => parts.push(format!("-{key}")),
            Some(other) if other != &a.artifacts[key] => parts.push(format!("~{key}")),
            Some(_) => {}
        }
    }
    for key in b.artifacts.keys() {
        if !a.artifacts.contains_key(key) {
            parts.push(format!("+{key}"));
        }
    }
    let total = parts.len();
    parts.truncate(8);
    if total > parts.len() {
        parts.push(format!("and {} more", total - parts.len()));
    }
    parts.join(", ")
}
