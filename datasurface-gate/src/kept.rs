//! What a load keeps for the next load of the same model, so that loading
//! it again after a few of its files change costs in proportion to them
//! (`serve`'s reloads): [`Gate::load_again`](crate::Gate::load_again).

use std::collections::{BTreeMap, BTreeSet};

use datasurface_core::Ecosystem;
use datasurface_core::diagnostic::{ModelPath, SourceLocation};
use datasurface_rules::validate::incremental::Prior;
use datasurface_rules::validate::{self, Diagnostic, Invalid, Report, ValidEcosystem};

use crate::LoadOptions;
use crate::read::{Digest, ParsedBefore};

/// What the last [`Gate::load_again`](crate::Gate::load_again) of a model
/// kept for the next: each document as parsed (by its place and bytes),
/// the model as validated with its findings, indexed to validate a change
/// from them ([`Prior`]), and the SHA-256 of each document's bytes.
///
/// Nothing kept is trusted over the files: a document is taken from the
/// last load only when its path and bytes are those it had, the findings
/// only where no change can reach them, and a load with other options
/// starts afresh. `Kept::default()` keeps nothing: its first load is a
/// whole one.
#[derive(Default)]
pub struct Kept {
    /// The options of the loads it is of.
    options: Option<LoadOptions>,
    /// Each document as the last load parsed it.
    pub(crate) documents: ParsedBefore,
    /// How many documents the last load parsed (the others were kept).
    pub(crate) parsed: usize,
    /// The last model as validated, and its findings.
    pub(crate) validated: Validated,
    /// The documents (by path) the last load took from the one before.
    pub(crate) unchanged: BTreeSet<String>,
    /// Where the last load's findings are, by their paths in the model.
    places: Places,
    /// The SHA-256 of each document the last load read, by its path.
    pub(crate) digests: BTreeMap<String, Digest>,
}

/// Where findings are, by their paths in the model.
pub(crate) type Places = BTreeMap<ModelPath, SourceLocation>;

/// The model the last load validated.
#[derive(Default)]
pub(crate) enum Validated {
    /// None yet.
    #[default]
    None,
    /// A model and its findings, not indexed yet ([`Kept::index`]).
    Pending(Box<(Ecosystem, Vec<Diagnostic>)>),
    /// A model and its findings, indexed.
    Indexed(Box<Prior>),
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kept")
            .field("documents", &self.documents.len())
            .field("parsed", &self.parsed)
            .field(
                "validated",
                &match self.validated {
                    Validated::None => "none",
                    Validated::Pending(_) => "pending",
                    Validated::Indexed(_) => "indexed",
                },
            )
            .finish_non_exhaustive()
    }
}

impl Kept {
    /// Keeps nothing yet.
    pub fn new() -> Self {
        Kept::default()
    }

    /// How many documents the last load parsed; it took the others, whose
    /// paths and bytes had not changed, from the load before it.
    pub fn parsed(&self) -> usize {
        self.parsed
    }

    /// Indexes the last model validated, so that the next load validates
    /// only what its change can reach: about as long as validating it. The
    /// next load does it when this was not called; a program with idle
    /// time after a load (a server once it serves) calls it then.
    pub fn index(&mut self) {
        self.validated.index();
    }

    /// Whether the next load validates from what this one found.
    pub fn is_indexed(&self) -> bool {
        matches!(self.validated, Validated::Indexed(_))
    }

    /// The SHA-256 of the bytes of the document the last load read at
    /// `path` ([`datasurface_platform::content_hash`] of its text), if it
    /// read one there: a program that hashes the model's content need not
    /// hash its documents again.
    pub fn digest(&self, path: &str) -> Option<String> {
        self.digests
            .get(path)
            .map(|d| datasurface_platform::to_hex(d))
    }

    /// Places each finding of `report` where the last load placed a
    /// finding of the same model path, when that place is in a document
    /// this load took unchanged from the last: its line and column are
    /// what they were.
    pub(crate) fn place(&self, report: &mut Report, places: &Places) {
        for d in report.diagnostics_mut() {
            if d.location.is_none()
                && let Some(at) = places.get(&d.path)
                && self.unchanged.contains(&at.file)
            {
                d.location = Some(at.clone());
            }
        }
    }

    /// Where the last load's findings are, forgotten here.
    pub(crate) fn take_places(&mut self) -> Places {
        std::mem::take(&mut self.places)
    }

    /// Keeps where `report`'s findings are, for the next load.
    pub(crate) fn keep_places(&mut self, report: &Report) {
        self.places = report
            .diagnostics()
            .iter()
            .filter_map(|d| Some((d.path.clone(), d.location.clone()?)))
            .collect();
    }

    /// Forgets everything when `options` are not those of the loads it
    /// keeps for.
    pub(crate) fn for_options(&mut self, options: &LoadOptions) {
        if self.options.as_ref() != Some(options) {
            *self = Kept {
                options: Some(options.clone()),
                ..Kept::default()
            };
        }
    }
}

impl Validated {
    /// Indexes a pending model.
    fn index(&mut self) {
        *self = match std::mem::take(self) {
            Validated::Pending(pending) => {
                let (model, findings) = *pending;
                Validated::Indexed(Box::new(Prior::new(model, findings)))
            }
            other => other,
        };
    }

    /// [`validate::try_validate`] of `ecosystem`, from the model kept
    /// when there is one (indexed first if it is not yet); `ecosystem` and
    /// its findings are kept for the next.
    pub(crate) fn validate(
        &mut self,
        ecosystem: Ecosystem,
    ) -> Result<ValidEcosystem, Box<Invalid>> {
        self.index();
        if let Validated::Indexed(prior) = self {
            return prior.try_validate(ecosystem);
        }
        let outcome = validate::try_validate(ecosystem);
        let (model, findings) = match &outcome {
            Ok(valid) => (Ecosystem::clone(valid), valid.warnings().diagnostics()),
            Err(invalid) => (invalid.ecosystem.clone(), invalid.report.diagnostics()),
        };
        *self = Validated::Pending(Box::new((model, findings.to_vec())));
        outcome
    }
}
