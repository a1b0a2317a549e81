//! `datasurface render` and `datasurface plan`: a platform's rendering of the
//! model, saved to a directory, and the plan from a saved one to the model's.

use std::io::Write;
use std::path::Path;

use datasurface_platform::{
    PlatformRegistry, RenderFailure, Rendered, Rendering, SavedDirError, render_platform,
};

use crate::Outcome;
use crate::model::{Loaded, load_valid};

/// The platforms this build of the command line knows.
pub(crate) fn registry() -> PlatformRegistry {
    let mut registry = PlatformRegistry::new();
    registry.register(std::sync::Arc::new(datasurface_airflow::Airflow::new()));
    registry.register(std::sync::Arc::new(datasurface_sqlite::SqlitePlatform));
    registry
}

/// How `plan` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum PlanFormat {
    /// Each step with its reason and disruption.
    #[value(alias = "text")]
    Human,
    /// The plan as JSON, with each artifact's new content.
    Json,
}

/// Loads the model and renders one platform; prints why not on failure.
pub(crate) fn rendered(
    model: &Path,
    platform: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(Loaded, Rendered), Outcome> {
    let loaded = load_valid(model, &format!("render platform `{platform}`"), out, err)?;
    let rendered = render_loaded(&loaded, platform, err)?;
    Ok((loaded, rendered))
}

/// Renders one platform of a loaded model; prints why not on failure.
pub(crate) fn render_loaded(
    loaded: &Loaded,
    platform: &str,
    err: &mut dyn Write,
) -> Result<Rendered, Outcome> {
    let mut graphs = datasurface_graph::build(&loaded.valid);
    if graphs.report.has_errors() {
        loaded.print(&mut graphs.report, err);
        let _ = writeln!(
            err,
            "error: the intention graphs have errors; fix them to render"
        );
        return Err(Outcome::ModelErrors);
    }
    match render_platform(&registry(), &loaded.valid, &graphs, platform) {
        Ok(mut rendered) => {
            loaded.print(&mut rendered.warnings, err);
            Ok(rendered)
        }
        Err(RenderFailure::Refused { mut report, .. }) => {
            loaded.print(&mut report, err);
            let _ = writeln!(
                err,
                "error: platform `{platform}` cannot render this model; nothing was written"
            );
            Err(Outcome::ModelErrors)
        }
        Err(e @ RenderFailure::UnknownPlatform { .. }) => {
            let _ = writeln!(err, "error: {e}");
            Err(Outcome::CouldNotRun)
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            Err(Outcome::ModelErrors)
        }
    }
}

/// `datasurface render MODEL --platform NAME --out DIR`.
pub(crate) fn render(
    model: &Path,
    platform: &str,
    dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let (_, rendered) = match rendered(model, platform, out, err) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    match save(&rendered.rendering, dir) {
        Ok(()) => {
            let _ = writeln!(
                out,
                "rendered {} artifacts of platform `{platform}` into {}",
                rendered.rendering.len(),
                dir.display()
            );
            Outcome::Success
        }
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            Outcome::CouldNotRun
        }
    }
}

/// `datasurface plan MODEL --platform NAME --from DIR`.
pub(crate) fn plan(
    model: &Path,
    platform: &str,
    from: &Path,
    format: PlanFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let previous = match load(from) {
        Ok(previous) => previous,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return Outcome::CouldNotRun;
        }
    };
    let (loaded, rendered) = match rendered(model, platform, out, err) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let registry = registry();
    let kind = &loaded.valid.platforms[platform].kind;
    let Some(implementation) = registry.get(kind.as_str()) else {
        return Outcome::CouldNotRun;
    };
    let plan = implementation.diff(&previous, &rendered.rendering);
    let text = match format {
        PlanFormat::Human => format!("{plan}\n"),
        PlanFormat::Json => match serde_json::to_string_pretty(&plan) {
            Ok(json) => json + "\n",
            Err(e) => {
                let _ = writeln!(err, "error: cannot write the plan as JSON: {e}");
                return Outcome::CouldNotRun;
            }
        },
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => Outcome::Success,
        Err(_) => Outcome::CouldNotRun,
    }
}

/// Reads a saved rendering. An empty directory is an empty rendering, so a
/// first plan can start from nothing.
fn load(dir: &Path) -> Result<Rendering, String> {
    let shown = dir.display();
    Rendering::read_dir(dir).map_err(|e| match e {
        SavedDirError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => format!(
            "cannot read the saved rendering {shown}: {source}\n  help: render it first with `datasurface render MODEL --platform NAME --out {shown}`, or pass an empty directory to plan from nothing"
        ),
        SavedDirError::Unreadable { .. } => format!(
            "{e}\n  help: render it again with `datasurface render … --out {shown}`"
        ),
        other => other.to_string(),
    })
}

/// Writes a rendering to `dir`, replacing a rendering saved there before but
/// never anything else.
fn save(rendering: &Rendering, dir: &Path) -> Result<(), String> {
    rendering.write_dir(dir).map_err(|e| match e {
        SavedDirError::NotARendering(_) => format!("{e}\n  help: choose an empty or new directory"),
        other => format!("cannot write the rendering at {}: {other}", dir.display()),
    })
}
