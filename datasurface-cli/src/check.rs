//! `datasurface check`: load a model, validate it, build its graphs, lint every
//! platform it declares, and report every finding.

use std::io::Write;
use std::path::Path;

use datasurface_files::{LoadError, SourceFile};
use datasurface_gate::{Checked, Finding, ModelCounts, ModelDir};
use datasurface_rules::validate::{Report, Severity};

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{CheckArgs, CheckFormat};
use crate::findings;

pub(crate) fn run(
    app: &App<'_>,
    args: &CheckArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let model = args.model.as_path();
    let external = args.external.as_strs();
    let gate = crate::gate::gate(app, &external);
    let checked = gate.check(&ModelDir::new(model));
    crate::gate::print_changed(app, &checked.changed_while_checked, err);
    crate::gate::print_platforms(app, &checked.platforms, err);
    let Checked {
        load_errors,
        report,
        sources,
        name,
        counts,
        ..
    } = checked;
    if !load_errors.is_empty() {
        return report_load_errors(app, model, &load_errors, &sources, args.format, out, err);
    }
    let name = name.unwrap_or_default();
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let failed = errors > 0 || (args.deny_warnings && warnings > 0);
    // `--quiet` prints, for people, only what fails the check; the summary
    // still counts everything.
    let report = if args.format == CheckFormat::Human && !app.chatty() {
        let fails = |d: &&datasurface_rules::validate::Diagnostic| {
            d.severity == Severity::Error || (args.deny_warnings && d.severity == Severity::Warning)
        };
        Report::new(report.diagnostics().iter().filter(fails).cloned().collect())
    } else {
        report
    };
    let findings = findings::of(&report);
    let written = findings::write(app, &findings, &sources, args.format, out, err).and_then(|()| {
        if args.format != CheckFormat::Human {
            return Ok(());
        }
        let summary = format!(
            "checked ecosystem `{name}` ({}): {}, {}",
            counts_text(&counts),
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
    datasurface_stdx::parallel::drop_later(sources);
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
    let findings: Vec<Finding> = errors.iter().map(Finding::from).collect();
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
    // Documents that parsed but do not fit together are the model's errors;
    // anything else could not run (the gate's `Verdict`, for every caller).
    Outcome::from(datasurface_gate::Verdict::of_load_errors(errors))
}

/// `n noun`, or `n nouns`.
pub(crate) fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

fn counts_text(c: &ModelCounts) -> String {
    format!(
        "{}: {}, {}, {} with {}, {}, {}",
        counted(c.documents, "document"),
        counted(c.zones, "zone"),
        counted(c.teams, "team"),
        counted(c.datastores, "datastore"),
        counted(c.datasets, "dataset"),
        counted(c.workspaces, "workspace"),
        counted(c.platforms, "platform"),
    )
}
