//! `datasurface render` and `datasurface plan`: a platform's rendering of the
//! model, saved to a directory, and the plan from a saved one to the model's.

use std::io::Write;
use std::path::Path;

use datasurface_graph::IntentionGraphs;
use datasurface_platform::{
    Plan, RenderFailure, Rendered, Rendering, render_platform, render_platform_into,
};
use datasurface_rules::validate::ValidEcosystem;
use datasurface_runtime::{RenderingWriter, SavedDirError};

use crate::Outcome;
use crate::app::Verbosity;
use crate::app::{App, Paint};
use crate::args::{PlanArgs, PlanFormat, RenderArgs};
use crate::model::{Loaded, load_valid, load_valid_from};
use crate::problem::Problem;
use crate::render_record::{RenderRecords, Unchanged};
use datasurface_gate::{ModelDir, Recording};

/// The platform a command works on: the one named, or else the model's only
/// platform (of `kind`, if given); prints why not.
pub(crate) fn platform_name(
    app: &App<'_>,
    valid: &ValidEcosystem,
    named: Option<&str>,
    kind: Option<&str>,
    err: &mut dyn Write,
) -> Option<String> {
    if let Some(n) = named {
        return Some(n.to_owned());
    }
    let candidates: Vec<&str> = valid
        .platforms
        .iter()
        .filter(|(_, d)| kind.is_none_or(|k| d.kind.as_str() == k))
        .map(|(n, _)| n.as_str())
        .collect();
    let of_kind = kind.map_or_else(String::new, |k| format!(" of kind `{k}`"));
    let why = match candidates.as_slice() {
        [one] => return Some((*one).to_owned()),
        [] => match (kind, app.environment) {
            (Some(k), Some(env)) => format!(
                "environment `{env}` runs no platform of kind `{k}`\n  help: run this command in an environment that runs one, or add one to `environments: {{{env}: {{platforms: …}}}}`"
            ),
            (Some(k), None) => format!(
                "the model declares no platform of kind `{k}`\n  help: declare one under `platforms` in the Ecosystem document, such as `Local: {{kind: {k}, version: ^0.1}}`, and assign dataset groups to it under `assignments`; `datasurface init` writes a model that has one"
            ),
            (None, _) => "the model declares no platform\n  help: declare one under `platforms` in the Ecosystem document".to_owned(),
        },
        many => format!(
            "the model declares several platforms{of_kind} ({}); name one with --platform",
            many.join(", ")
        ),
    };
    let _ = writeln!(err, "{}: {why}", app.paint(Paint::Error, "error"));
    None
}

/// The platform of kind `kind` a command works on ([`platform_name`]), with
/// its declaration; prints why not: a name the model does not declare (with
/// those it does), or a platform of another kind (`works`, such as
/// "`job spark` runs `spark` platforms' jobs", says what the command does).
#[cfg(any(feature = "sqlite", feature = "airflow"))]
pub(crate) fn platform_of_kind<'v>(
    app: &App<'_>,
    valid: &'v ValidEcosystem,
    named: Option<&str>,
    kind: &str,
    works: &str,
    err: &mut dyn Write,
) -> Option<(String, &'v datasurface_core::PlatformDeclaration)> {
    let name = platform_name(app, valid, named, Some(kind), err)?;
    let error = app.paint(Paint::Error, "error");
    let Some(declaration) = valid.platforms.get(name.as_str()) else {
        let declared: Vec<&str> = valid
            .platforms
            .keys()
            .map(datasurface_core::names::PlatformName::as_str)
            .collect();
        let _ = writeln!(
            err,
            "{error}: the model declares no platform `{name}`; it declares: {}",
            declared.join(", ")
        );
        return None;
    };
    if declaration.kind.as_str() != kind {
        let _ = writeln!(
            err,
            "{error}: platform `{name}` is of kind `{}`; {works}",
            declaration.kind
        );
        return None;
    }
    Some((name, declaration))
}

/// Loads the model and renders one platform; prints why not on failure.
fn rendered(
    app: &App<'_>,
    model: &Path,
    platform: Option<&str>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(Loaded, String, Rendered), Outcome> {
    let loaded = load_valid(app, model, "render it", out, err)?;
    let name =
        platform_name(app, &loaded.valid, platform, None, err).ok_or(Outcome::CouldNotRun)?;
    let rendered = render_loaded(app, &loaded, &name, err)?;
    Ok((loaded, name, rendered))
}

/// Renders one platform of a loaded model, printing what building the graphs
/// and the platform's lint found; prints why not on failure.
pub(crate) fn render_loaded(
    app: &App<'_>,
    loaded: &Loaded,
    platform: &str,
    err: &mut dyn Write,
) -> Result<Rendered, Outcome> {
    let graphs = graphs(app, loaded, err)?;
    render_one(app, loaded, &graphs, platform, err)
}

/// Builds a loaded model's intention graphs, printing what building them
/// found; fails if they have errors.
pub(crate) fn graphs(
    app: &App<'_>,
    loaded: &Loaded,
    err: &mut dyn Write,
) -> Result<IntentionGraphs, Outcome> {
    let mut graphs = datasurface_graph::build(&loaded.valid);
    loaded.print(app, &mut graphs.report, err);
    if graphs.report.has_errors() {
        let _ = writeln!(
            err,
            "{}: the intention graphs have errors; fix them to render",
            app.paint(Paint::Error, "error")
        );
        return Err(Outcome::ModelErrors);
    }
    Ok(graphs)
}

/// Renders one platform from graphs already built, printing the platform's
/// lint; prints why not on failure.
pub(crate) fn render_one(
    app: &App<'_>,
    loaded: &Loaded,
    graphs: &IntentionGraphs,
    platform: &str,
    err: &mut dyn Write,
) -> Result<Rendered, Outcome> {
    match render_platform(app.registry, &loaded.valid, graphs, platform) {
        Ok(mut rendered) => {
            loaded.print(app, &mut rendered.warnings, err);
            Ok(rendered)
        }
        Err(failure) => Err(refused(app, loaded, platform, failure, err)),
    }
}

/// Prints why a platform did not render.
fn refused(
    app: &App<'_>,
    loaded: &Loaded,
    platform: &str,
    failure: RenderFailure,
    err: &mut dyn Write,
) -> Outcome {
    match failure {
        RenderFailure::Refused { mut report, .. } => {
            loaded.print(app, &mut report, err);
            let _ = writeln!(
                err,
                "{}: platform `{platform}` cannot render this model; nothing was written",
                app.paint(Paint::Error, "error")
            );
            Outcome::ModelErrors
        }
        e @ RenderFailure::UnknownPlatform { .. } => {
            let _ = writeln!(err, "{}: {e}", app.paint(Paint::Error, "error"));
            Outcome::CouldNotRun
        }
        e => {
            let _ = writeln!(err, "{}: {e}", app.paint(Paint::Error, "error"));
            Outcome::ModelErrors
        }
    }
}

/// `datasurface render MODEL [--platform NAME] --out DIR`: the platform
/// renders artifact by artifact into the folder (`RenderingWriter`), so
/// the rendering is never held whole.
pub(crate) fn render(
    app: &App<'_>,
    args: &RenderArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    if args.all {
        return crate::gitops::render_all(app, args, out, err);
    }
    let dir = &args.out;
    let model = ModelDir::new(&args.model);
    let records = RenderRecords::new(args, app.environment);
    if let Some(unchanged) = records.as_ref().and_then(|r| r.unchanged(&model, dir)) {
        say_unchanged(app, &unchanged, dir, out, err);
        return Outcome::Success;
    }
    // What this render reads is recorded, for the next one.
    let recording = Recording::new(&model);
    if let Some(records) = &records {
        records.forget(dir);
    }
    let loaded = match load_valid_from(app, &recording, &args.model, "render it", out, err) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let Some(name) = platform_name(app, &loaded.valid, args.platform.as_deref(), None, err) else {
        return Outcome::CouldNotRun;
    };
    let graphs = match graphs(app, &loaded, err) {
        Ok(graphs) => graphs,
        Err(outcome) => return outcome,
    };
    let mut findings = graphs.report.diagnostics().len();
    let mut writer = match RenderingWriter::open(dir) {
        Ok(writer) => writer,
        Err(e) => {
            let problem = saving_problem(e, dir);
            let _ = writeln!(err, "{}: {problem}", app.paint(Paint::Error, "error"));
            return Outcome::CouldNotRun;
        }
    };
    match render_platform_into(app.registry, &loaded.valid, &graphs, &name, &mut writer) {
        Ok(mut warnings) => {
            findings += warnings.diagnostics().len();
            loaded.print(app, &mut warnings, err);
        }
        Err(failure) => {
            let started = matches!(failure, RenderFailure::Platform(_));
            let outcome = refused(app, &loaded, &name, failure, err);
            if started {
                let _ = writeln!(
                    err,
                    "  note: {} may be partly rewritten and no longer match its `rendering.json`; render again to repair it",
                    dir.display()
                );
            }
            return outcome;
        }
    }
    match writer.finish() {
        Ok(written) => {
            if let Some(records) = &records {
                records.keep(dir, &name, findings, recording.record());
            }
            let _ = writeln!(
                out,
                "rendered {} artifacts of platform `{name}` into {}",
                written.written + written.unchanged,
                dir.display(),
            );
            Outcome::Success
        }
        Err(e) => {
            let problem = saving_problem(e, dir);
            let _ = writeln!(err, "{}: {problem}", app.paint(Paint::Error, "error"));
            Outcome::CouldNotRun
        }
    }
}

/// What `render` says of a folder it leaves as it is: what it holds, and
/// why it was not rendered again.
fn say_unchanged(
    app: &App<'_>,
    unchanged: &Unchanged,
    dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) {
    if app.verbosity > Verbosity::Quiet {
        let _ = writeln!(
            err,
            "{}: nothing the last render into {} read has changed, and its files are as it left them: left as they are{}\n  help: `--force` renders anyway",
            app.paint(Paint::Note, "note"),
            dir.display(),
            match unchanged.findings {
                0 => String::new(),
                n => format!(
                    " (it found {n} warnings, not repeated here; `datasurface check` lists the model's)"
                ),
            },
        );
    }
    let _ = writeln!(
        out,
        "rendered {} artifacts of platform `{}` into {}",
        unchanged.artifacts,
        unchanged.platform,
        dir.display(),
    );
}

/// The plan from `previous` to a platform's new rendering, by the platform's own diff.
pub(crate) fn diff(
    app: &App<'_>,
    loaded: &Loaded,
    platform: &str,
    previous: &Rendering,
    next: &Rendering,
) -> Option<Plan> {
    let (name, declaration) = loaded.valid.platforms.get_key_value(platform)?;
    let mut plan = app
        .registry
        .get(declaration.kind.as_str())?
        .diff(previous, next);
    datasurface_platform::mark_moves(&mut plan, previous, name, loaded.valid.ecosystem());
    Some(plan)
}

/// A plan as people or programs read it.
pub(crate) fn plan_text(plan: &Plan, format: PlanFormat) -> Result<String, Problem> {
    match format {
        PlanFormat::Human => Ok(format!("{plan}\n")),
        PlanFormat::Json => serde_json::to_string_pretty(plan)
            .map(|json| json + "\n")
            .map_err(|e| Problem::new(format!("cannot write the plan as JSON: {e}"))),
    }
}

/// `datasurface plan MODEL [--platform NAME] --from DIR`.
pub(crate) fn plan(
    app: &App<'_>,
    args: &PlanArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let previous = match load(&args.from) {
        Ok(previous) => previous,
        Err(message) => {
            let _ = writeln!(err, "{}: {message}", app.paint(Paint::Error, "error"));
            return Outcome::CouldNotRun;
        }
    };
    let (loaded, name, rendered) =
        match rendered(app, &args.model, args.platform.as_deref(), out, err) {
            Ok(r) => r,
            Err(outcome) => return outcome,
        };
    let Some(plan) = diff(app, &loaded, &name, &previous, &rendered.rendering) else {
        return Outcome::CouldNotRun;
    };
    match plan_text(&plan, args.format) {
        Ok(text) => match out.write_all(text.as_bytes()) {
            Ok(()) => Outcome::Success,
            Err(_) => Outcome::CouldNotRun,
        },
        Err(message) => {
            let _ = writeln!(err, "{}: {message}", app.paint(Paint::Error, "error"));
            Outcome::CouldNotRun
        }
    }
}

/// Reads a saved rendering. An empty directory is an empty rendering, so a
/// first plan can start from nothing.
pub(crate) fn load(dir: &Path) -> Result<Rendering, Problem> {
    let shown = dir.display();
    datasurface_runtime::read_rendering(dir).map_err(|e| match e {
        SavedDirError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Problem::new(format!("cannot read the saved rendering {shown}: {source}")).help(format!(
                "render it first with `datasurface render MODEL --platform NAME --out {shown}`, or pass an empty directory to plan from nothing"
            ))
        }
        SavedDirError::Unreadable { .. } => Problem::new(&e)
            .help(format!("render it again with `datasurface render … --out {shown}`")),
        other => Problem::new(other),
    })
}

/// Writes a rendering to `dir`, replacing a rendering saved there before but
/// never anything else (only the files that changed are written).
pub(crate) fn save(rendering: &Rendering, dir: &Path) -> Result<(), Problem> {
    datasurface_runtime::write_rendering(rendering, dir)
        .map(|_| ())
        .map_err(|e| saving_problem(e, dir))
}

/// Why a rendering could not be saved in `dir`, and what to do.
fn saving_problem(e: SavedDirError, dir: &Path) -> Problem {
    match e {
        SavedDirError::NotARendering(_) => {
            Problem::new(&e).help("choose an empty or new directory")
        }
        other => Problem::new(format!(
            "cannot write the rendering at {}: {other}",
            dir.display()
        )),
    }
}
