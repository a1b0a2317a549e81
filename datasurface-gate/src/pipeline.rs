//! The one pipeline from a model's files to the model every command works on.
//!
//! Every entry point (`check`, `serve` and its reloads, `graph`, `render`,
//! `plan`, `advance`, `apply`, `run`, `up`, `job`, `choose`,
//! `explain-choice`, `release`, `contract export`) reaches a model through
//! [`Gate::load`], so they cannot disagree about what the model is or what
//! is wrong with it. The steps, in order:
//!
//! 1. read the documents through the [`ModelSource`] (confined to its root)
//!    and parse them on every core;
//! 2. assemble them into one ecosystem;
//! 3. read the Avro schema files its datasets pin;
//! 4. stop here for [`Upto::Written`] (the model as its teams wrote it,
//!    for `choose` and `explain-choice`);
//! 5. choose a platform for each group the ecosystem leaves unassigned;
//! 6. lay the environment over it, when one is asked for;
//! 7. validate, then build the intention graphs, lint every platform and
//!    check every hook module ([`Gate::beyond_validation`]);
//! 8. apply the suppressions its owners wrote (each in its own region);
//! 9. place each finding at its file, line and column.

use std::collections::BTreeSet;

use crate::environments::{UnknownEnvironment, in_environment};
use datasurface_platform::model::Ecosystem;
use datasurface_platform::model::files::{self, DocumentSource, LoadError, SourceFile};
use datasurface_platform::model::parallel::drop_later;
use datasurface_platform::model::validate::{self, Report, Severity, ValidEcosystem};
use datasurface_platform::model::verify;

use crate::gate::{Gate, ModelCounts, PlatformChecked};
use crate::read::{ParsedModel, parse_model};
use crate::source::ModelSource;

/// How far [`Gate::load`] goes, and in which environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The runtime environment whose view of the model to make (`--env`):
    /// its platforms, parameters and container map laid over the model.
    pub environment: Option<String>,
    /// Where the pipeline stops.
    pub upto: Upto,
    /// Whether every document's text is kept ([`Loaded::sources`]), to hash
    /// the model's content; otherwise only those with findings are.
    pub texts: bool,
}

impl LoadOptions {
    /// The whole pipeline, on the model as written (no environment).
    pub fn new() -> Self {
        LoadOptions::default()
    }

    /// In environment `name` (none for the model as written).
    #[must_use]
    pub fn environment(mut self, name: Option<&str>) -> Self {
        self.environment = name.map(str::to_owned);
        self
    }

    /// Keeping every document's text.
    #[must_use]
    pub fn with_texts(mut self) -> Self {
        self.texts = true;
        self
    }

    /// Stopping at `upto`.
    #[must_use]
    pub fn upto(mut self, upto: Upto) -> Self {
        self.upto = upto;
        self
    }
}

/// Where [`Gate::load`] stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Upto {
    /// After the files are loaded and their Avro schemas read: the model as
    /// its teams wrote it, before any platform is chosen or any rule runs
    /// ([`Loaded::written`]).
    Written,
    /// The whole gate: a valid model, when it is one ([`Loaded::valid`]).
    #[default]
    Valid,
}

/// What [`Gate::load`] made of a model.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Loaded {
    /// Why the model could not be loaded; when any, nothing else was done.
    pub load_errors: Vec<LoadError>,
    /// The environment asked for, when the model does not declare it;
    /// nothing past loading was done.
    pub unknown_environment: Option<UnknownEnvironment>,
    /// Every finding, suppressions applied, located in its file.
    pub report: Report,
    /// The model's documents; the texts of those with findings are read
    /// again to show them, the others are empty.
    pub sources: Vec<SourceFile>,
    /// What each document defined, to place findings found later.
    pub documents: Vec<DocumentSource>,
    /// The ecosystem's name, once loaded.
    pub name: Option<String>,
    /// What the loaded model holds.
    pub counts: ModelCounts,
    /// Each declared platform and what the gate did with it (a valid model's).
    pub platforms: Vec<PlatformChecked>,
    /// Documents that changed while the gate ran.
    pub changed_while_checked: Vec<String>,
    /// With [`Upto::Written`], the model as written.
    pub written: Option<Ecosystem>,
    /// With [`Upto::Valid`], the valid model (platforms chosen, the
    /// environment laid over it) when no finding is an error.
    pub valid: Option<ValidEcosystem>,
}

impl Loaded {
    /// Whether the model loaded (in the environment asked for) and no
    /// finding is an error.
    pub fn passes(&self) -> bool {
        self.load_errors.is_empty()
            && self.unknown_environment.is_none()
            && self.report.count(Severity::Error) == 0
    }
}

impl Gate {
    /// The one way from a model's files to a model (module docs): what
    /// `check` runs, and every other command before it works on the model.
    pub fn load(&self, model: &dyn ModelSource, options: &LoadOptions) -> Loaded {
        self.load_keeping(model, options, true)
    }

    /// [`load`](Self::load); without `keep_valid` the valid model is let go
    /// before the texts with findings are read again, so a caller that only
    /// reports (`check`) never holds both.
    pub(crate) fn load_keeping(
        &self,
        model: &dyn ModelSource,
        options: &LoadOptions,
        keep_valid: bool,
    ) -> Loaded {
        let ParsedModel {
            files: mut sources,
            parsed,
            released,
        } = match parse_model(model) {
            Ok(parsed) => parsed,
            Err(load_errors) => {
                return Loaded {
                    load_errors,
                    ..Loaded::default()
                };
            }
        };
        let loaded = match files::assemble(parsed) {
            Ok(loaded) => loaded,
            Err(errors) => {
                let changed_while_checked = released.restore(model, &mut sources);
                return Loaded {
                    load_errors: errors.0,
                    sources,
                    changed_while_checked,
                    ..Loaded::default()
                };
            }
        };
        let name = Some(loaded.ecosystem.name.to_string());
        let counts = ModelCounts::of(&loaded.ecosystem, loaded.documents.len());
        let mut ecosystem = loaded.ecosystem;
        crate::read_avro_files(&mut ecosystem, model);
        let documents = loaded.documents;
        if options.upto == Upto::Written {
            let changed_while_checked = if options.texts {
                released.restore(model, &mut sources)
            } else {
                Vec::new()
            };
            return Loaded {
                changed_while_checked,
                sources,
                documents,
                name,
                counts,
                written: Some(ecosystem),
                ..Loaded::default()
            };
        }
        let unserved = self.choose_platforms(&mut ecosystem);
        if let Some(env) = &options.environment {
            match in_environment(&ecosystem, env) {
                Ok(view) => ecosystem = view,
                Err(unknown) => {
                    return Loaded {
                        unknown_environment: Some(unknown),
                        sources,
                        documents,
                        name,
                        counts,
                        ..Loaded::default()
                    };
                }
            }
        }
        let (mut report, platforms, mut valid) = self.judge(ecosystem, unserved, model);
        if !keep_valid {
            drop_later(valid.take());
        }
        let changed_while_checked = if report.diagnostics().is_empty() && !options.texts {
            Vec::new()
        } else {
            released.restore(model, &mut sources)
        };
        files::locate(&mut report, &documents, &sources);
        Loaded {
            load_errors: Vec::new(),
            unknown_environment: None,
            report,
            sources,
            documents,
            name,
            counts,
            platforms,
            changed_while_checked,
            written: None,
            valid,
        }
    }

    /// Steps 7 and 8: validation and the rest of the gate, then the
    /// owners' suppressions; the valid model, when no finding is an error.
    fn judge(
        &self,
        ecosystem: Ecosystem,
        unserved: Vec<validate::Diagnostic>,
        model: &dyn ModelSource,
    ) -> (Report, Vec<PlatformChecked>, Option<ValidEcosystem>) {
        match validate::try_validate(ecosystem) {
            Ok(valid) => {
                let mut found = valid.warnings().diagnostics().to_vec();
                found.extend(unserved);
                let (beyond, platforms) = self.beyond_validation(&valid, model, &BTreeSet::new());
                found.extend_from_slice(beyond.diagnostics());
                let report = Report::new(verify::apply_suppressions(found, &valid, self.today()));
                if report.count(Severity::Error) == 0 {
                    (report, platforms, Some(valid))
                } else {
                    drop_later(valid);
                    (report, platforms, None)
                }
            }
            Err(invalid) => {
                let mut found = invalid.report.diagnostics().to_vec();
                found.extend(unserved);
                let found = verify::apply_suppressions(found, &invalid.ecosystem, self.today());
                drop_later(invalid.ecosystem);
                (Report::new(found), Vec::new(), None)
            }
        }
    }
}
