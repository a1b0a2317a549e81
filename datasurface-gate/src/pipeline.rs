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

use std::borrow::Cow;

use crate::environments::{UnknownEnvironment, in_environment};
use datasurface_core::Ecosystem;
use datasurface_core::inventory::{ResourceRef, inventory};
use datasurface_files::{self as files, DocumentSource, LoadError, SourceFile};
use datasurface_platform::graph::IntentionGraphs;
use datasurface_rules::validate::{self, Report, Severity, ValidEcosystem};
use datasurface_rules::verify;
use datasurface_stdx::parallel::drop_later;

use crate::gate::{Gate, ModelCounts, PlatformChecked};
use crate::hooks::HookModules;
use crate::kept::{Kept, Validated};
use crate::read::{ParsedModel, Released, parse_again, parse_model};
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
    /// Whether texts are read again only to place the findings a
    /// [`Gate::load_again`] could not place from the last load, not to
    /// show their lines: a program that shows none (`serve`) reads no
    /// document again that did not change. Ignored with
    /// [`texts`](LoadOptions::texts).
    pub texts_to_place: bool,
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

    /// Reading texts again only to place findings
    /// ([`texts_to_place`](LoadOptions::texts_to_place)).
    #[must_use]
    pub fn with_texts_to_place(mut self) -> Self {
        self.texts_to_place = true;
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
    /// again to show them (only those whose findings were still to be
    /// placed with [`LoadOptions::texts_to_place`]), the others are empty.
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
    /// With [`valid`](Loaded::valid), its intention graphs, as the gate
    /// built them to lint its platforms: a program that serves or renders
    /// the model need not build them again.
    pub graphs: Option<IntentionGraphs>,
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
        self.load_keeping(model, options, true, None)
    }

    /// [`load`](Self::load) of a model loaded before with the same options,
    /// doing again only what its files' changes since can reach: documents
    /// whose paths and bytes are unchanged are not parsed again, and the
    /// rules run only where the change can alter a finding (validation's
    /// [`Prior`](datasurface_rules::validate::incremental::Prior)). What it
    /// answers is what `load` answers; `kept` keeps what the next load
    /// needs ([`Kept`]). A first load, or one with other options, is whole.
    pub fn load_again(
        &self,
        model: &dyn ModelSource,
        options: &LoadOptions,
        kept: &mut Kept,
    ) -> Loaded {
        kept.for_options(options);
        self.load_keeping(model, options, true, Some(kept))
    }

    /// [`load`](Self::load); without `keep_valid` the valid model is let go
    /// before the texts with findings are read again, so a caller that only
    /// reports (`check`) never holds both.
    pub(crate) fn load_keeping(
        &self,
        model: &dyn ModelSource,
        options: &LoadOptions,
        keep_valid: bool,
        mut kept: Option<&mut Kept>,
    ) -> Loaded {
        // The places of the last load's findings, good for this load's
        // only while no other load came between (kept again when this one
        // locates its findings).
        let places = kept.as_deref_mut().map(Kept::take_places);
        let parsed = match kept.as_deref_mut() {
            Some(kept) => {
                let (parsed, unchanged) = parse_again(model, &mut kept.documents, options.texts);
                kept.parsed = match &parsed {
                    Ok(model) => model.parsed.len() - unchanged.len(),
                    Err(_) => 0,
                };
                kept.unchanged = unchanged;
                kept.digests = kept
                    .documents
                    .values()
                    .map(|was| (was.parsed.path().to_owned(), was.digest))
                    .collect();
                parsed
            }
            None => parse_model(model),
        };
        let written = match Written::of(parsed, model) {
            Ok(written) => written,
            Err(refused) => return *refused,
        };
        if options.upto == Upto::Written {
            return written.into_loaded(model, options.texts);
        }
        let Written {
            mut sources,
            released,
            documents,
            mut ecosystem,
            name,
            counts,
        } = written;
        let unserved = match self.prepare(&mut ecosystem, options.environment.as_deref()) {
            Ok(unserved) => unserved,
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
        };
        let today = self.today();
        let judged = self.judge(
            ecosystem,
            unserved,
            model,
            &HookModules::default(),
            (kept.as_deref_mut().map(|k| &mut k.validated), keep_valid),
            |eco, found| Report::new(verify::apply_suppressions(found, eco.either(), today)),
        );
        let Judged {
            concluded: mut report,
            platforms,
            mut valid,
        } = judged;
        if !keep_valid || report.count(Severity::Error) > 0 {
            drop_later(valid.take());
        }
        if let (Some(kept), Some(places)) = (kept.as_deref(), &places) {
            kept.place(&mut report, places);
        }
        // The texts come back for the documents with findings, or only
        // for those whose findings are still to be placed (every text when
        // all are kept).
        let changed_while_checked = if options.texts {
            released.restore(model, &mut sources)
        } else {
            let wanted = if options.texts_to_place {
                files::to_locate(&report, &documents)
            } else {
                files::with_findings(&report, &documents)
            };
            released.restore_only(model, &mut sources, Some(&wanted))
        };
        files::locate(&mut report, &documents, &sources);
        if let Some(kept) = kept {
            kept.keep_places(&report);
        }
        let (valid, graphs) = valid.unzip();
        let graphs = graphs.flatten();
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
            graphs,
        }
    }

    /// Steps 5 and 6: a platform chosen for each group the model leaves
    /// unassigned (an error, owned by its team, for each none can serve),
    /// then the view of `environment`, when one is asked for.
    pub(crate) fn prepare(
        &self,
        ecosystem: &mut Ecosystem,
        environment: Option<&str>,
    ) -> Result<Vec<validate::Diagnostic>, UnknownEnvironment> {
        let unserved = self.choose_platforms(ecosystem);
        if let Some(env) = environment {
            *ecosystem = in_environment(ecosystem, env)?;
        }
        Ok(unserved)
    }

    /// Step 7 and what follows it: validation and the rest of the gate
    /// (hook modules in `hooks_checked_before` not asked again), then
    /// `conclude` on the model and every finding (`check` applies the
    /// owners' suppressions; `verify` judges the change). The valid model,
    /// when validation passed; the caller lets it go when it has no use.
    /// Validation starts from `validated` when given; the intention graphs
    /// are kept when asked.
    pub(crate) fn judge<R>(
        &self,
        ecosystem: Ecosystem,
        unserved: Vec<validate::Diagnostic>,
        model: &dyn ModelSource,
        hooks_checked_before: &HookModules,
        (validated, keep_graphs): (Option<&mut Validated>, bool),
        conclude: impl FnOnce(Judging<'_>, Vec<validate::Diagnostic>) -> R,
    ) -> Judged<R> {
        let outcome = match validated {
            Some(validated) => validated.validate(ecosystem),
            None => validate::try_validate(ecosystem),
        };
        match outcome {
            Ok(valid) => {
                let mut found = valid.warnings().diagnostics().to_vec();
                found.extend(unserved);
                let (beyond, platforms, graphs) =
                    self.beyond_validation_keeping(&valid, model, hooks_checked_before);
                // Let go before concluding unless the caller keeps them.
                let graphs = if keep_graphs {
                    Some(graphs)
                } else {
                    drop_later(graphs);
                    None
                };
                found.extend_from_slice(beyond.diagnostics());
                Judged {
                    concluded: conclude(Judging::Valid(&valid), found),
                    platforms,
                    valid: Some((valid, graphs)),
                }
            }
            Err(invalid) => {
                let mut found = invalid.report.diagnostics().to_vec();
                found.extend(unserved);
                let concluded = conclude(Judging::Invalid(&invalid.ecosystem), found);
                drop_later(invalid.ecosystem);
                Judged {
                    concluded,
                    platforms: Vec::new(),
                    valid: None,
                }
            }
        }
    }
}

/// Steps 1 to 3 done: a model as its teams wrote it, with what places its
/// findings later.
pub(crate) struct Written {
    /// The documents, their texts let go ([`Released`]).
    pub(crate) sources: Vec<SourceFile>,
    /// What the texts were, to read them again for messages.
    pub(crate) released: Released,
    /// What each document defined.
    pub(crate) documents: Vec<DocumentSource>,
    /// The model, its Avro files read.
    pub(crate) ecosystem: Ecosystem,
    /// The ecosystem's name.
    pub(crate) name: Option<String>,
    /// What it holds.
    pub(crate) counts: ModelCounts,
}

impl Written {
    /// Steps 2 and 3 on documents read and parsed from `model`; when they
    /// cannot make a model, what [`Gate::load`] answers (boxed: it is large).
    pub(crate) fn of(
        parsed: Result<ParsedModel, Vec<LoadError>>,
        model: &dyn ModelSource,
    ) -> Result<Written, Box<Loaded>> {
        let ParsedModel {
            files: mut sources,
            parsed,
            released,
        } = parsed.map_err(|load_errors| {
            Box::new(Loaded {
                load_errors,
                ..Loaded::default()
            })
        })?;
        let loaded = match files::assemble(parsed) {
            Ok(loaded) => loaded,
            Err(errors) => {
                let changed_while_checked = released.restore(model, &mut sources);
                return Err(Box::new(Loaded {
                    load_errors: errors.0,
                    sources,
                    changed_while_checked,
                    ..Loaded::default()
                }));
            }
        };
        let counts = ModelCounts::of(&loaded.ecosystem, loaded.documents.len());
        let mut ecosystem = loaded.ecosystem;
        crate::read_avro_files(&mut ecosystem, model);
        Ok(Written {
            sources,
            released,
            documents: loaded.documents,
            name: Some(ecosystem.name.to_string()),
            ecosystem,
            counts,
        })
    }

    /// What [`Upto::Written`] answers.
    fn into_loaded(self, model: &dyn ModelSource, texts: bool) -> Loaded {
        let Written {
            mut sources,
            released,
            documents,
            ecosystem,
            name,
            counts,
        } = self;
        let changed_while_checked = if texts {
            released.restore(model, &mut sources)
        } else {
            Vec::new()
        };
        Loaded {
            changed_while_checked,
            sources,
            documents,
            name,
            counts,
            written: Some(ecosystem),
            ..Loaded::default()
        }
    }
}

/// The model [`Gate::judge`] concludes on.
#[derive(Clone, Copy)]
pub(crate) enum Judging<'a> {
    /// It validated.
    Valid(&'a ValidEcosystem),
    /// It did not: the findings say why.
    Invalid(&'a Ecosystem),
}

impl<'a> Judging<'a> {
    /// The model, valid or not.
    pub(crate) fn either(self) -> &'a Ecosystem {
        match self {
            Judging::Valid(valid) => valid,
            Judging::Invalid(eco) => eco,
        }
    }

    /// Its resource inventory: a valid model's, as validation took it.
    pub(crate) fn inventory(self) -> Cow<'a, [ResourceRef]> {
        match self {
            Judging::Valid(valid) => Cow::Borrowed(valid.inventory()),
            Judging::Invalid(eco) => Cow::Owned(inventory(eco)),
        }
    }
}

/// What [`Gate::judge`] made of a model.
pub(crate) struct Judged<R> {
    /// What the caller concluded.
    pub(crate) concluded: R,
    /// Each declared platform and how the gate treated it (a valid model's).
    pub(crate) platforms: Vec<PlatformChecked>,
    /// The valid model when validation passed, and its intention graphs
    /// when the caller keeps them.
    pub(crate) valid: Option<(ValidEcosystem, Option<IntentionGraphs>)>,
}
