//! `datasurface verify`: may a proposed model replace the base one?

use std::io::Write;
use std::path::Path;

use datasurface_model::files::{self, LoadError, LoadedModel, SourceFile};
use datasurface_model::validate::{self, Diagnostic, Report, Severity};
use datasurface_model::verify::{self, Verification};
use datasurface_model::{Ecosystem, Repository};
use serde_json::json;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{CheckFormat, VerifyArgs, VerifyFormat};
use crate::findings::{self, Finding};
use crate::sources::{ParsedModel, Released};

/// A model read and loaded, with its files (their texts let go until a
/// message needs them).
struct Model {
    sources: Vec<SourceFile>,
    released: Released,
    loaded: LoadedModel,
}

/// A model, or why it could not be loaded (with the files read, for messages).
type Loaded = Result<Model, (Vec<LoadError>, Vec<SourceFile>)>;

/// Reads and loads the base (if any) and the proposed model, each file's
/// text let go once parsed; a file at the same place in both with the same
/// bytes is parsed once. The two models are assembled at once.
fn load_models(
    app: &App<'_>,
    base: Option<&Path>,
    proposed: &Path,
    err: &mut dyn Write,
) -> (Option<Loaded>, Loaded) {
    let (base_parsed, proposed_parsed) = match base {
        Some(base) => {
            let (b, p) = crate::sources::parse_models(base, proposed);
            (Some(b), p)
        }
        None => (None, crate::sources::parse_model(proposed)),
    };
    let assemble = |parsed: Result<ParsedModel, Vec<LoadError>>| -> Assembled {
        parsed.map(
            |ParsedModel {
                 files,
                 parsed,
                 released,
             }| (files, released, files::assemble(parsed)),
        )
    };
    let (base_loaded, proposed_loaded) = std::thread::scope(|scope| {
        let base_loaded = scope.spawn(|| base_parsed.map(assemble));
        let proposed_loaded = assemble(proposed_parsed);
        match base_loaded.join() {
            Ok(base_loaded) => (base_loaded, proposed_loaded),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let base = base_loaded.map(|loaded| finish(app, loaded, err));
    (base, finish(app, proposed_loaded, err))
}

/// A model's files, their texts' fingerprints, and the model assembled
/// from them; or why the files could not be read.
type Assembled = Result<
    (
        Vec<SourceFile>,
        Released,
        Result<LoadedModel, files::LoadErrors>,
    ),
    Vec<LoadError>,
>;

/// A model loaded, or its errors with the files' texts read again to show
/// where they are.
fn finish(app: &App<'_>, assembled: Assembled, err: &mut dyn Write) -> Loaded {
    match assembled {
        Ok((sources, released, Ok(loaded))) => Ok(Model {
            sources,
            released,
            loaded,
        }),
        Ok((mut sources, released, Err(errors))) => {
            crate::sources::restore(app, &released, &mut sources, err);
            Err((errors.0, sources))
        }
        Err(errors) => Err((errors, Vec::new())),
    }
}

impl VerifyFormat {
    /// The format the findings alone are printed in.
    fn findings(self) -> CheckFormat {
        match self {
            VerifyFormat::Human => CheckFormat::Human,
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
    let mut load_errors = Vec::new();
    let mut sources = Vec::new();
    let (base, proposed) = load_models(app, args.base.as_deref(), &args.proposed, err);
    let base = match base {
        None => None,
        Some(Ok(model)) => Some(model),
        Some(Err((errors, files))) => {
            load_errors.extend(errors);
            sources.extend(files);
            None
        }
    };
    let proposed = match proposed {
        Ok(model) => Some(model),
        Err((errors, files)) => {
            load_errors.extend(errors);
            sources.extend(files);
            None
        }
    };
    let (Some(proposed), true) = (proposed, load_errors.is_empty()) else {
        let findings: Vec<Finding> = load_errors.iter().map(Finding::from_load).collect();
        let _ = findings::write(app, &findings, &sources, args.format.findings(), out, err);
        let _ = writeln!(err, "could not verify: a model could not be loaded");
        return Outcome::CouldNotRun;
    };
    let Model {
        sources: mut proposed_sources,
        released,
        loaded: proposed_loaded,
    } = proposed;
    // The files' texts are read again only for findings to show (the
    // base model's, never).
    let verification = gate(app, args, proposed_loaded.ecosystem, base, &source, err);
    let may_merge = verification.may_merge()
        && !(args.deny_warnings && verification.report.count(Severity::Warning) > 0);
    // `--quiet` prints, for people, only what fails the gate, as `check`
    // does; the verdict still counts everything. Only what is printed is
    // located in its file.
    let quiet = args.format == VerifyFormat::Human && !app.chatty();
    let fails = |d: &&Diagnostic| {
        !quiet
            || d.severity == Severity::Error
            || (args.deny_warnings && d.severity == Severity::Warning)
    };
    let mut shown = Report::new(
        verification
            .report
            .diagnostics()
            .iter()
            .filter(fails)
            .cloned()
            .collect(),
    );
    if !shown.diagnostics().is_empty() {
        crate::sources::restore(app, &released, &mut proposed_sources, err);
    }
    files::locate(&mut shown, &proposed_loaded.documents, &proposed_sources);
    let findings = findings::of(&shown);
    let written = match args.format {
        VerifyFormat::Human => findings::write(
            app,
            &findings,
            &proposed_sources,
            CheckFormat::Human,
            out,
            err,
        )
        .and_then(|()| out.write_all(verification.summary().as_bytes()))
        .and_then(|()| writeln!(out, "{}", verdict(app, &verification, may_merge))),
        VerifyFormat::Json => writeln!(
            out,
            "{:#}",
            json_output(&verification, may_merge, &findings)
        ),
        VerifyFormat::Sarif | VerifyFormat::Github => findings::write(
            app,
            &findings,
            &proposed_sources,
            args.format.findings(),
            out,
            err,
        ),
    };
    crate::discard::later((proposed_loaded.documents, proposed_sources));
    match (written, may_merge) {
        (Err(_), _) => Outcome::CouldNotRun,
        (Ok(()), true) => Outcome::Success,
        (Ok(()), false) => Outcome::ModelErrors,
    }
}

/// The proposed model through the whole gate `check` runs (validation, then,
/// when it validates, the intention graphs and every platform's lint), and
/// the change from the base verified. Both models are freed off the
/// critical path.
fn gate(
    app: &App<'_>,
    args: &VerifyArgs,
    proposed: Ecosystem,
    base: Option<Model>,
    source: &Repository,
    err: &mut dyn Write,
) -> Verification {
    let base_model: Option<&Ecosystem> = base.as_ref().map(|b| &b.loaded.ecosystem);
    let base_at = base_model.zip(args.base.as_deref());
    let files = |proposed: &Ecosystem| {
        crate::named_files::authorize(app.registry, base_at, (proposed, &args.proposed), source)
    };
    let verification = match validate::try_validate(proposed) {
        Ok(valid) => {
            let external = args.external.as_strs();
            // The base passed the gate: its hook modules are not asked again.
            let known = base_model.map(crate::hook::module_keys).unwrap_or_default();
            let platforms =
                crate::gate::platform_findings(app, &valid, &args.proposed, &external, &known, err);
            let mut found = valid.warnings().diagnostics().to_vec();
            found.extend_from_slice(platforms.diagnostics());
            let (changed, refused) = files(&valid);
            let verification =
                verify::verify_checked(base_model, &valid, &Report::new(found), source)
                    .with_files(changed, refused);
            crate::discard::later(valid);
            verification
        }
        Err(invalid) => {
            let (changed, refused) = files(&invalid.ecosystem);
            let verification =
                verify::verify_checked(base_model, &invalid.ecosystem, &invalid.report, source)
                    .with_files(changed, refused);
            crate::discard::later(invalid.ecosystem);
            verification
        }
    };
    crate::discard::later(base);
    verification
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

fn json_output(v: &Verification, may_merge: bool, findings: &[Finding]) -> serde_json::Value {
    let findings: serde_json::Value =
        serde_json::from_str(&findings::json(findings)).unwrap_or_default();
    json!({
        "mayMerge": may_merge,
        "findings": findings,
        "changes": serde_json::to_value(&v.changes).unwrap_or_default(),
    })
}
