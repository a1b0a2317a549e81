//! `datasurface verify`: may a proposed model replace the base one?

use std::io::Write;

use datasurface_core::Repository;
use datasurface_gate::{Finding, ModelDir, ModelSource, Verified};
use datasurface_rules::validate::{Diagnostic, Report, Severity};
use datasurface_rules::verify::Verification;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{CheckFormat, VerifyArgs, VerifyFormat};
use crate::findings;

impl VerifyFormat {
    /// The format the findings alone are printed in.
    fn findings(self) -> CheckFormat {
        match self {
            // Markdown prints a comment of its own; never asked.
            VerifyFormat::Human | VerifyFormat::Markdown => CheckFormat::Human,
            VerifyFormat::Json => CheckFormat::Json,
            VerifyFormat::Sarif => CheckFormat::Sarif,
            VerifyFormat::Github => CheckFormat::Github,
        }
    }
}

pub(crate) fn run(
    app: &App<'_>,
    args: &VerifyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let source: Repository = match args.source.parse() {
        Ok(source) => source,
        Err(e) => {
            let _ = writeln!(err, "{}: {e}", app.paint(Paint::Error, "error"));
            return Outcome::CouldNotRun;
        }
    };
    let external = args.external.as_strs();
    let mut gate = crate::gate::gate(app, &external);
    if args.format == VerifyFormat::Markdown {
        gate = gate.with_plans();
    }
    if let Some(now) = args.now {
        gate = gate.with_today(now.date_naive());
    }
    let base = args.base.as_deref().map(ModelDir::new);
    let proposed = ModelDir::new(&args.proposed);
    let verified = gate.verify(
        base.as_ref().map(|b| b as &dyn ModelSource),
        &proposed,
        &source,
    );
    crate::gate::print_changed(app, &verified.changed_while_checked, err);
    crate::gate::print_platforms(app, &verified.platforms, err);
    let may_merge = verified.may_merge(args.deny_warnings);
    if args.format == VerifyFormat::Markdown {
        let options = datasurface_gate::markdown::CommentOptions {
            deny_warnings: args.deny_warnings,
            ..Default::default()
        };
        let comment =
            datasurface_gate::markdown::verify_comment(&verified, &source.to_string(), &options);
        let written = out.write_all(comment.as_bytes());
        let outcome = match (written, verified.verification.is_some(), may_merge) {
            (Err(_), _, _) | (Ok(()), false, _) => Outcome::CouldNotRun,
            (Ok(()), true, true) => Outcome::Success,
            (Ok(()), true, false) => Outcome::ModelErrors,
        };
        datasurface_stdx::parallel::drop_later(verified);
        return outcome;
    }
    let Some(verification) = verified.verification.as_ref() else {
        return not_verified(app, &verified, args, out, err);
    };
    // `--quiet` prints, for people, only what fails the gate, as `check`
    // does; the verdict still counts everything.
    let quiet = args.format == VerifyFormat::Human && !app.chatty();
    let fails = |d: &&Diagnostic| {
        !quiet
            || d.severity == Severity::Error
            || (args.deny_warnings && d.severity == Severity::Warning)
    };
    let shown = Report::new(
        verification
            .report
            .diagnostics()
            .iter()
            .filter(fails)
            .cloned()
            .collect(),
    );
    let findings = findings::of(&shown);
    let written = match args.format {
        VerifyFormat::Human => findings::write(
            app,
            &findings,
            &verified.sources,
            CheckFormat::Human,
            out,
            err,
        )
        .and_then(|()| out.write_all(verification.summary().as_bytes()))
        .and_then(|()| writeln!(out, "{}", verdict(app, verification, may_merge))),
        VerifyFormat::Json => {
            out.write_all(verified.output(args.deny_warnings).to_json().as_bytes())
        }
        VerifyFormat::Sarif | VerifyFormat::Github | VerifyFormat::Markdown => findings::write(
            app,
            &findings,
            &verified.sources,
            args.format.findings(),
            out,
            err,
        ),
    };
    datasurface_stdx::parallel::drop_later(verified);
    match (written, may_merge) {
        (Err(_), _) => Outcome::CouldNotRun,
        (Ok(()), true) => Outcome::Success,
        (Ok(()), false) => Outcome::ModelErrors,
    }
}

/// What `verify` prints and returns when a model could not be loaded.
fn not_verified(
    app: &App<'_>,
    verified: &Verified,
    args: &VerifyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    // JSON is the verify object in every case, as the library's
    // `Verified::output` gives it; other formats show the findings.
    let written = if args.format == VerifyFormat::Json {
        out.write_all(verified.output(args.deny_warnings).to_json().as_bytes())
    } else {
        let findings: Vec<Finding> = verified.load_errors.iter().map(Finding::from).collect();
        findings::write(
            app,
            &findings,
            &verified.sources,
            args.format.findings(),
            out,
            err,
        )
    };
    let _ = writeln!(err, "could not verify: a model could not be loaded");
    match written {
        Ok(()) => Outcome::from(verified.verdict(args.deny_warnings)),
        Err(_) => Outcome::CouldNotRun,
    }
}

fn verdict(app: &App<'_>, v: &Verification, may_merge: bool) -> String {
    let errors = v.report.count(Severity::Error);
    let warnings = v.report.count(Severity::Warning);
    if may_merge {
        app.paint(Paint::Good, "may merge")
    } else if errors == 0 {
        app.paint(
            Paint::Error,
            &format!(
                "may not merge: {} (--deny-warnings)",
                crate::check::counted(warnings, "warning")
            ),
        )
    } else {
        app.paint(
            Paint::Error,
            &format!("may not merge: {}", crate::check::counted(errors, "error")),
        )
    }
}
