//! `datasurface render` and `datasurface plan`: a platform's rendering of the
//! model, saved to a directory, and the plan from a saved one to the model's.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use datasurface_platform::{
    INDEX_FILE, PlatformRegistry, RenderFailure, Rendered, Rendering, SavedFile, render_platform,
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
            Ok((loaded, rendered))
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
    let entries = fs::read_dir(dir).map_err(|e| {
        format!("cannot read the saved rendering {shown}: {e}\n  help: render it first with `datasurface render MODEL --platform NAME --out {shown}`, or pass an empty directory to plan from nothing")
    })?;
    if entries.count() == 0 {
        return Ok(Rendering::default());
    }
    let mut files = Vec::new();
    read_tree(dir, dir, &mut files)?;
    Rendering::from_files(&files).map_err(|e| {
        format!("{shown} is not a usable saved rendering: {e}\n  help: render it again with `datasurface render … --out {shown}`")
    })
}

fn read_tree(root: &Path, dir: &Path, files: &mut Vec<SavedFile>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            read_tree(root, &path, files)?;
        } else {
            let text = fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let relative = path
                .strip_prefix(root)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(SavedFile {
                path: parts.join("/"),
                text,
            });
        }
    }
    Ok(())
}

/// Writes a rendering to `dir`, replacing a rendering saved there before but
/// never anything else: the new files go to a temporary sibling first, which
/// then takes the directory's place, so a failure leaves the old one whole.
fn save(rendering: &Rendering, dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    if dir.exists() {
        let empty = fs::read_dir(dir)
            .map_err(|e| format!("cannot read {shown}: {e}"))?
            .next()
            .is_none();
        if !empty && !dir.join(INDEX_FILE).is_file() {
            return Err(format!(
                "{shown} holds files but no saved rendering (`{INDEX_FILE}`); refusing to replace it\n  help: choose an empty or new directory"
            ));
        }
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("{shown} is not a directory name"))?;
    let parent = dir.parent().unwrap_or_else(|| Path::new("."));
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        for file in rendering.to_files() {
            let path = staging.join(&file.path);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&path, file.text)?;
        }
        Ok(())
    };
    if let Err(e) = write() {
        let _ = fs::remove_dir_all(&staging);
        return Err(format!("cannot write the rendering next to {shown}: {e}"));
    }
    if dir.exists() {
        fs::rename(dir, &old).map_err(|e| {
            let _ = fs::remove_dir_all(&staging);
            format!("cannot move the previous rendering {shown} aside: {e}")
        })?;
    }
    if let Err(e) = fs::rename(&staging, dir) {
        let _ = fs::rename(&old, dir);
        let _ = fs::remove_dir_all(&staging);
        return Err(format!(
            "cannot put the new rendering in place at {shown}: {e}"
        ));
    }
    let _ = fs::remove_dir_all(&old);
    Ok(())
}
