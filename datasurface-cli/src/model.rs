//! The model for the commands that need a valid one, through the gate's one
//! pipeline ([`datasurface_gate::Gate::load`]): `check` and these commands
//! see the same model and the same findings.

use std::io::Write;
use std::path::Path;

use datasurface_files::{self as files, DocumentSource, SourceFile};
use datasurface_gate::{Gate, LoadOptions, ModelDir, ModelSource, Upto};
use datasurface_rules::validate::{Report, Severity, ValidEcosystem};

use crate::Outcome;
use crate::app::App;
use crate::args::CheckFormat;
use crate::findings;

/// A valid model, with what is needed to point findings at its files.
pub(crate) struct Loaded {
    pub(crate) valid: ValidEcosystem,
    pub(crate) documents: Vec<DocumentSource>,
    pub(crate) sources: Vec<SourceFile>,
}

impl Loaded {
    /// Prints a report's findings with their source lines.
    pub(crate) fn print(&self, app: &App<'_>, report: &mut Report, err: &mut dyn Write) {
        files::locate(report, &self.documents, &self.sources);
        let _ = err
            .write_all(findings::human(&findings::of(report), &self.sources, app.color).as_bytes());
    }
}

/// Runs the gate's pipeline on `model` in the command's environment (`--env`)
/// up to `upto`; on failure prints why and says how the command ends.
/// `doing` names what the model is needed for.
pub(crate) fn load(
    app: &App<'_>,
    model: &Path,
    upto: Upto,
    doing: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<datasurface_gate::Loaded, Outcome> {
    load_from(app, &ModelDir::new(model), model, upto, doing, out, err)
}

/// [`load`] through a source of the command's own (one that records what
/// is read), for the model at `model`.
pub(crate) fn load_from(
    app: &App<'_>,
    source: &dyn ModelSource,
    model: &Path,
    upto: Upto,
    doing: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<datasurface_gate::Loaded, Outcome> {
    let options = LoadOptions::new()
        .environment(app.environment)
        .upto(upto)
        .with_texts();
    // Platforms of kinds this program lacks are not this command's to
    // render; hook modules are judged when a job asks them, by each
    // workspace's failure policy (`check` judges them for the gate).
    let gate = Gate::new(app.registry.clone()).with_unknown_kinds_external();
    let loaded = gate.load(source, &options);
    crate::gate::print_changed(app, &loaded.changed_while_checked, err);
    if !loaded.load_errors.is_empty() {
        return Err(crate::check::report_load_errors(
            app,
            model,
            &loaded.load_errors,
            &loaded.sources,
            CheckFormat::Human,
            out,
            err,
        ));
    }
    if let Some(unknown) = &loaded.unknown_environment {
        let _ = writeln!(
            err,
            "{}: {unknown}",
            app.paint(crate::app::Paint::Error, "error")
        );
        return Err(Outcome::CouldNotRun);
    }
    if loaded.report.count(Severity::Error) > 0 {
        let errors = Report::new(
            loaded
                .report
                .diagnostics()
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .cloned()
                .collect(),
        );
        let _ = err.write_all(
            findings::human(&findings::of(&errors), &loaded.sources, app.color).as_bytes(),
        );
        let _ = writeln!(
            err,
            "the model has errors; fix them to {doing} (`datasurface check` lists them)"
        );
        return Err(Outcome::ModelErrors);
    }
    Ok(loaded)
}

/// Runs the gate's whole pipeline on `model`; a valid model, or on failure
/// what was printed and how the command ends.
pub(crate) fn load_valid(
    app: &App<'_>,
    model: &Path,
    doing: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Loaded, Outcome> {
    load_valid_from(app, &ModelDir::new(model), model, doing, out, err)
}

/// [`load_valid`] through a source of the command's own.
pub(crate) fn load_valid_from(
    app: &App<'_>,
    source: &dyn ModelSource,
    model: &Path,
    doing: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Loaded, Outcome> {
    let loaded = load_from(app, source, model, Upto::Valid, doing, out, err)?;
    // The pipeline keeps a model with no errors; without one it said why.
    let Some(valid) = loaded.valid else {
        let _ = writeln!(
            err,
            "the model could not be made valid to {doing} (`datasurface check` says why)"
        );
        return Err(Outcome::ModelErrors);
    };
    Ok(Loaded {
        valid,
        documents: loaded.documents,
        sources: loaded.sources,
    })
}
