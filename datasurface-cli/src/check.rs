//! `datasurface check`: load a model, validate it, and report every finding.

use std::io::Write;
use std::path::Path;

use datasurface_model::Ecosystem;
use datasurface_model::files::{self, LoadError, LoadErrorKind, SourceFile};
use datasurface_model::validate::{self, Severity};

use crate::render::{self, Finding};
use crate::sources::read_model;
use crate::{Outcome, OutputFormat};

/// How `check` runs.
pub(crate) struct CheckOptions {
    pub(crate) format: OutputFormat,
    pub(crate) deny_warnings: bool,
}

pub(crate) fn run(
    model: &Path,
    options: &CheckOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let sources = match read_model(model) {
        Ok(sources) => sources,
        Err(errors) => return report_load_errors(model, &errors, &[], options.format, out, err),
    };
    let loaded = match files::load(&sources) {
        Ok(loaded) => loaded,
        Err(errors) => {
            return report_load_errors(model, &errors.0, &sources, options.format, out, err);
        }
    };
    let mut report = validate::check(&loaded.ecosystem);
    files::locate(&mut report, &loaded.documents, &sources);
    let findings = render::findings(&report);
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let failed = errors > 0 || (options.deny_warnings && warnings > 0);
    let written = match options.format {
        OutputFormat::Human => {
            let summary = format!(
                "checked ecosystem `{}` ({}): {}, {}",
                loaded.ecosystem.name,
                counts(&loaded.ecosystem, loaded.documents.len()),
                counted(errors, "error"),
                counted(warnings, "warning"),
            );
            err.write_all(render::human(&findings, &sources).as_bytes())
                .and_then(|()| {
                    if failed {
                        writeln!(err, "{summary}")
                    } else {
                        writeln!(out, "{summary}")
                    }
                })
        }
        OutputFormat::Json => out.write_all(render::json(&findings).as_bytes()),
        OutputFormat::Sarif => out.write_all(render::sarif(&findings).as_bytes()),
        OutputFormat::Github => out.write_all(render::github(&findings).as_bytes()),
    };
    match (written, failed) {
        (Err(_), _) => Outcome::CouldNotRun,
        (Ok(()), true) => Outcome::ModelErrors,
        (Ok(()), false) => Outcome::Success,
    }
}

pub(crate) fn report_load_errors(
    model: &Path,
    errors: &[LoadError],
    sources: &[SourceFile],
    format: OutputFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let findings: Vec<Finding> = errors.iter().map(Finding::from_load).collect();
    let written = match format {
        OutputFormat::Human => err
            .write_all(render::human(&findings, sources).as_bytes())
            .and_then(|()| {
                writeln!(
                    err,
                    "{} could not be loaded: {}",
                    model.display(),
                    counted(errors.len(), "error")
                )
            }),
        OutputFormat::Json => out.write_all(render::json(&findings).as_bytes()),
        OutputFormat::Sarif => out.write_all(render::sarif(&findings).as_bytes()),
        OutputFormat::Github => out.write_all(render::github(&findings).as_bytes()),
    };
    if written.is_err() {
        return Outcome::CouldNotRun;
    }
    // Documents that parsed but do not fit together are the model's errors; anything else could not run.
    if errors.iter().all(|e| e.kind == LoadErrorKind::Model) {
        Outcome::ModelErrors
    } else {
        Outcome::CouldNotRun
    }
}

fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn counts(eco: &Ecosystem, documents: usize) -> String {
    format!(
        "{}: {}, {}, {} with {}, {}, {}",
        counted(documents, "document"),
        counted(eco.zones.len(), "zone"),
        counted(eco.teams().count(), "team"),
        counted(eco.datastores().count(), "datastore"),
        counted(
            eco.datastores().map(|(_, _, s)| s.datasets.len()).sum(),
            "dataset"
        ),
        counted(eco.workspaces().count(), "workspace"),
        counted(eco.platforms.len(), "platform"),
    )
}
