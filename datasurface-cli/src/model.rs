//! Loading and validating a model for the commands that need a valid one.

use std::io::Write;
use std::path::Path;

use datasurface_model::files::{self, DocumentSource, SourceFile};
use datasurface_model::validate::{self, Report, ValidEcosystem};

use crate::Outcome;
use crate::app::App;
use crate::args::CheckFormat;
use crate::findings;
use crate::sources::read_model;

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

/// Reads, loads and validates a model; on failure prints why and says how the
/// command ends. `doing` names what the model is needed for.
pub(crate) fn load_valid(
    app: &App<'_>,
    model: &Path,
    doing: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Loaded, Outcome> {
    let human = CheckFormat::Human;
    let sources = match read_model(model) {
        Ok(sources) => sources,
        Err(errors) => {
            return Err(crate::check::report_load_errors(
                app,
                model,
                &errors,
                &[],
                human,
                out,
                err,
            ));
        }
    };
    let loaded = match files::load(&sources) {
        Ok(loaded) => loaded,
        Err(errors) => {
            return Err(crate::check::report_load_errors(
                app, model, &errors.0, &sources, human, out, err,
            ));
        }
    };
    let documents = loaded.documents;
    let mut ecosystem = loaded.ecosystem;
    datasurface_gate::read_avro_files(&mut ecosystem, &datasurface_gate::ModelDir::new(model));
    let unserved = crate::gate::gate(app, &[]).choose_platforms(&mut ecosystem);
    if let Some(env) = app.environment {
        match datasurface_platform::environments::in_environment(&ecosystem, env) {
            Ok(view) => ecosystem = view,
            Err(e) => {
                let _ = writeln!(err, "{}: {e}", app.paint(crate::app::Paint::Error, "error"));
                return Err(Outcome::CouldNotRun);
            }
        }
    }
    let validated = validate::validate(ecosystem).and_then(|valid| {
        if unserved.is_empty() {
            Ok(valid)
        } else {
            let mut found = valid.warnings().diagnostics().to_vec();
            found.extend(unserved);
            Err(validate::Report::new(found))
        }
    });
    match validated {
        Ok(valid) => Ok(Loaded {
            valid,
            documents,
            sources,
        }),
        Err(mut report) => {
            files::locate(&mut report, &documents, &sources);
            let _ = err
                .write_all(findings::human(&findings::of(&report), &sources, app.color).as_bytes());
            let _ = writeln!(
                err,
                "the model has errors; fix them to {doing} (`datasurface check` lists them)"
            );
            Err(Outcome::ModelErrors)
        }
    }
}
