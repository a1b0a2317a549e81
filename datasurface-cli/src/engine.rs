//! `datasurface apply` and `datasurface run`: the `sqlite` platform's engine
//! on a state directory.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use datasurface_model::validate::ValidEcosystem;
use datasurface_sqlite::engine::{
    Engine, RunEvent, RunSummary, Schedules, StreamOutcome, StreamStatus,
};
use datasurface_sqlite::local_sources;
use indicatif::{ProgressBar, ProgressStyle};

use crate::Outcome;
use crate::model::Loaded;
use crate::platforms::{PlanFormat, registry, render_loaded};

/// The platform to use: the one named, or the model's only `sqlite` platform.
fn platform_name(
    valid: &ValidEcosystem,
    named: Option<&str>,
    err: &mut dyn Write,
) -> Option<String> {
    if let Some(n) = named {
        return Some(n.to_owned());
    }
    let sqlite: Vec<&str> = valid
        .platforms
        .iter()
        .filter(|(_, d)| d.kind.as_str() == "sqlite")
        .map(|(n, _)| n.as_str())
        .collect();
    match sqlite.as_slice() {
        [one] => Some((*one).to_owned()),
        [] => {
            let _ = writeln!(
                err,
                "error: the model declares no platform of kind `sqlite`; name one with --platform"
            );
            None
        }
        many => {
            let _ = writeln!(
                err,
                "error: the model declares several `sqlite` platforms ({}); name one with --platform",
                many.join(", ")
            );
            None
        }
    }
}

/// Where each source container's data is on this machine: the model's
/// [`local_sources`], relative to the model's directory.
fn sources(valid: &ValidEcosystem, platform: &str, model: &Path) -> BTreeMap<String, PathBuf> {
    let base = if model.is_dir() {
        model.to_path_buf()
    } else {
        model.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let Some(declaration) = valid.platforms.get(platform) else {
        return BTreeMap::new();
    };
    local_sources(valid, declaration)
        .into_iter()
        .map(|(container, path)| (container, base.join(path)))
        .collect()
}

/// A loaded model, the `sqlite` platform chosen in it, and the engine over
/// its state directory: what `apply`, `run` and `up` work on.
struct Chosen {
    loaded: Loaded,
    name: String,
    engine: Engine,
}

/// Loads the model once and chooses its `sqlite` platform; prints why not.
fn choose(
    model: &Path,
    platform: Option<&str>,
    state: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Chosen, Outcome> {
    let loaded = crate::model::load_valid(model, "apply or run it", out, err)?;
    let name = platform_name(&loaded.valid, platform, err).ok_or(Outcome::CouldNotRun)?;
    let kind = loaded.valid.platforms[name.as_str()].kind.as_str();
    if kind != "sqlite" {
        let _ = writeln!(
            err,
            "error: platform `{name}` is of kind `{kind}`; `apply` and `run` work on `sqlite` platforms (render and plan work for every kind)"
        );
        return Err(Outcome::CouldNotRun);
    }
    let engine = Engine::open(state, sources(&loaded.valid, &name, model)).map_err(|e| {
        let _ = writeln!(err, "error: {e}");
        Outcome::CouldNotRun
    })?;
    Ok(Chosen {
        loaded,
        name,
        engine,
    })
}

/// `datasurface apply MODEL [--platform NAME] --state DIR`.
pub(crate) fn apply(
    model: &Path,
    platform: Option<&str>,
    state: &Path,
    format: PlanFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    match choose(model, platform, state, out, err) {
        Ok(chosen) => apply_chosen(&chosen, format, out, err),
        Err(outcome) => outcome,
    }
}

fn apply_chosen(
    chosen: &Chosen,
    format: PlanFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let Chosen {
        loaded,
        name,
        engine,
    } = chosen;
    let next = match render_loaded(loaded, name, err) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let Some(implementation) = registry().get("sqlite").cloned() else {
        return Outcome::CouldNotRun;
    };
    let previous = match engine.applied() {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let plan = implementation.diff(&previous, &next.rendering);
    let _ = match format {
        PlanFormat::Human => writeln!(out, "{plan}"),
        PlanFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&plan).unwrap_or_default()
        ),
    };
    match engine.apply(&plan, &next.rendering) {
        Ok(summary) => {
            if format == PlanFormat::Human {
                let _ = writeln!(
                    out,
                    "applied {} steps to {}",
                    summary.steps,
                    engine.state().display()
                );
                for b in &summary.backfilled {
                    let _ = writeln!(out, "  back-filled {b} from what was already ingested");
                }
            }
            Outcome::Success
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "error: {e}\n  help: fix the cause and apply again; every step converges, so nothing is done twice"
            );
            Outcome::CouldNotRun
        }
    }
}

/// How often `run` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Every {
    /// Once.
    Once,
    /// Again and again, this long apart.
    Every(Duration),
}

/// How `run` runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct How {
    /// Once, or again and again.
    pub(crate) every: Every,
    /// Whether cron schedules are kept.
    pub(crate) schedules: Schedules,
    /// A JSON summary instead of lines.
    pub(crate) json: bool,
}

/// Parses `30s`, `5m`, `2h`.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 30s, 5m or 2h"))?;
    let seconds = match unit {
        "s" | "" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("`{text}` is not a duration such as 30s, 5m or 2h")),
    };
    if seconds == 0 {
        return Err("the duration must be more than zero".into());
    }
    Ok(Duration::from_secs(seconds))
}

fn line(o: &StreamOutcome) -> String {
    match o.status {
        StreamStatus::Committed => format!(
            "{:<40} batch {:>4} committed: {} read, +{} ~{} -{}",
            o.stream, o.batch, o.total, o.inserted, o.updated, o.deleted
        ),
        StreamStatus::Failed => format!(
            "{:<40} batch {:>4} FAILED: {}",
            o.stream,
            o.batch,
            o.message.as_deref().unwrap_or_default()
        ),
    }
}

/// `datasurface run MODEL [--platform NAME] --state DIR [--once | --every D]`.
pub(crate) fn run(
    model: &Path,
    platform: Option<&str>,
    state: &Path,
    how: How,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    match choose(model, platform, state, out, err) {
        Ok(chosen) => run_chosen(&chosen.engine, how, out, err),
        Err(outcome) => outcome,
    }
}

fn run_chosen(engine: &Engine, how: How, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let How {
        every,
        schedules,
        json,
    } = how;
    loop {
        // A progress bar on a terminal; lines as batches end, above it.
        let bar = if !json && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {elapsed:>4} [{bar:30}] {pos}/{len} {wide_msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        } else {
            ProgressBar::hidden()
        };
        let mut progress = |event: RunEvent<'_>| match event {
            RunEvent::Due(n) => bar.inc_length(n as u64),
            RunEvent::Started(stream) => bar.set_message(stream.to_owned()),
            RunEvent::Ended(o) => {
                bar.inc(1);
                if !json {
                    bar.suspend(|| writeln!(out, "{}", line(o)))
                        .unwrap_or_default();
                }
            }
            _ => {}
        };
        let result = engine.run_once(schedules, &mut progress);
        bar.finish_and_clear();
        let summary: RunSummary = match result {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return Outcome::CouldNotRun;
            }
        };
        if json {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
        } else {
            for w in &summary.waiting {
                let _ = writeln!(
                    out,
                    "{:<40} waiting for its schedule: next at {}",
                    w.stream,
                    w.next
                        .as_deref()
                        .unwrap_or("never (the schedule never fires)")
                );
            }
            let _ = writeln!(
                out,
                "{} batches, {} failed, {} waiting; merge database {}",
                summary.streams.len(),
                summary.failed(),
                summary.waiting.len(),
                engine.merge_path().display()
            );
        }
        match every {
            Every::Once => {
                return if summary.failed() == 0 {
                    Outcome::Success
                } else {
                    Outcome::ModelErrors
                };
            }
            Every::Every(d) => std::thread::sleep(d),
        }
    }
}

/// `datasurface up MODEL [--platform NAME] [--state DIR]`: apply, run once,
/// and say where the results are and how to look at them.
pub(crate) fn up(
    model: &Path,
    platform: Option<&str>,
    state: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let chosen = match choose(model, platform, state, out, err) {
        Ok(chosen) => chosen,
        Err(outcome) => return outcome,
    };
    let applied = apply_chosen(&chosen, PlanFormat::Human, out, err);
    if applied != Outcome::Success {
        return applied;
    }
    let engine = &chosen.engine;
    let ran = run_chosen(
        engine,
        How {
            every: Every::Once,
            schedules: Schedules::Keep,
            json: false,
        },
        out,
        err,
    );
    let Ok(rendering) = engine.applied() else {
        return ran;
    };
    let mut first = None;
    let _ = writeln!(out, "\nWhere to look:");
    for (key, artifact) in &rendering.artifacts {
        let Some(rest) = key.as_str().strip_prefix("containers/") else {
            continue;
        };
        if !rest.contains("/workspaces/") {
            continue;
        }
        let Ok(spec) =
            serde_json::from_str::<datasurface_sqlite::spec::DatabaseSpec>(&artifact.content)
        else {
            continue;
        };
        let datasurface_sqlite::spec::Target::Container(container) = &spec.target else {
            continue;
        };
        let path = engine.container_path(container);
        for view in &spec.views {
            let _ = writeln!(out, "  {}  view {}", path.display(), view.name);
            first.get_or_insert((path.clone(), view.name.clone()));
        }
    }
    if let Some((path, view)) = first {
        let _ = writeln!(
            out,
            "\nTry:\n  sqlite3 {} 'SELECT * FROM \"{view}\" LIMIT 5'",
            path.display()
        );
    }
    ran
}
