//! `datasurface check`: load a model, validate it, build its graphs, lint every
//! platform it declares, and report every finding.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use datasurface_model::Ecosystem;
use datasurface_model::files::{self, LoadError, LoadErrorKind, SourceFile};
use datasurface_model::validate::{self, Diagnostic, Report, Severity};

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{CheckArgs, CheckFormat};
use crate::findings::{self, Finding};
use crate::sources::{ParsedModel, parse_model};

pub(crate) fn run(
    app: &App<'_>,
    args: &CheckArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let model = args.model.as_path();
    // Each file's text is let go once parsed, and read again only for
    // findings to show.
    let ParsedModel {
        files: mut sources,
        parsed,
        released,
    } = match parse_model(model) {
        Ok(parsed) => parsed,
        Err(errors) => return report_load_errors(app, model, &errors, &[], args.format, out, err),
    };
    let loaded = match files::assemble(parsed) {
        Ok(loaded) => loaded,
        Err(errors) => {
            crate::sources::restore(app, &released, &mut sources, err);
            return report_load_errors(app, model, &errors.0, &sources, args.format, out, err);
        }
    };
    let name = loaded.ecosystem.name.to_string();
    let counts = counts(&loaded.ecosystem, loaded.documents.len());
    let mut report = match validate::try_validate(loaded.ecosystem) {
        Ok(valid) => {
            let mut found = valid.warnings().diagnostics().to_vec();
            let external = args.external.as_strs();
            found.extend_from_slice(
                crate::gate::platform_findings(
                    app,
                    &valid,
                    model,
                    &external,
                    &BTreeSet::new(),
                    err,
                )
                .diagnostics(),
            );
            crate::discard::later(valid);
            Report::new(found)
        }
        Err(invalid) => {
            crate::discard::later(invalid.ecosystem);
            invalid.report
        }
    };
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    // `--quiet` prints, for people, only what fails the check; the summary
    // still counts everything. Only what is printed is located in its file.
    if args.format == CheckFormat::Human && !app.chatty() {
        let fails = |d: &&Diagnostic| {
            d.severity == Severity::Error || (args.deny_warnings && d.severity == Severity::Warning)
        };
        report = Report::new(report.diagnostics().iter().filter(fails).cloned().collect());
    }
    if !report.diagnostics().is_empty() {
        crate::sources::restore(app, &released, &mut sources, err);
    }
    files::locate(&mut report, &loaded.documents, &sources);
    let findings = findings::of(&report);
    let written = findings::write(app, &findings, &sources, args.format, out, err).and_then(|()| {
        if args.format != CheckFormat::Human {
            return Ok(());
        }
        let summary = format!(
            "checked ecosystem `{name}` ({counts}): {}, {}",
            counted(errors, "error"),
            counted(warnings, "warning"),
        );
        if failed {
            let hint = if errors == 0 {
                " (--deny-warnings)"
            } else {
                ""
            };
            writeln!(err, "{}{hint}", app.paint(Paint::Error, &summary))
        } else {
            writeln!(out, "{summary}")
        }
    });
    crate::discard::later((loaded.documents, sources));
    match (written, failed) {
        (Err(_), _) => Outcome::CouldNotRun,
        (Ok(()), true) => Outcome::ModelErrors,
        (Ok(()), false) => Outcome::Success,
    }
}

/// Prints what loading found, in the format asked for, and says how the command ends.
pub(crate) fn report_load_errors(
    app: &App<'_>,
    model: &Path,
    errors: &[LoadError],
    sources: &[SourceFile],
    format: CheckFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let findings: Vec<Finding> = errors.iter().map(Finding::from_load).collect();
    let written = findings::write(app, &findings, sources, format, out, err).and_then(|()| {
        if format != CheckFormat::Human {
            return Ok(());
        }
        writeln!(
            err,
            "{} could not be loaded: {}",
            model.display(),
            counted(errors.len(), "error")
        )
    });
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

/// `n noun`, or `n nouns`.
pub(crate) fn counted(n: usize, noun: &str) -> String {
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
