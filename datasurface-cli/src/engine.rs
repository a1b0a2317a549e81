//! `datasurface apply`, `run` and `up`: the `sqlite` platform's engine on a
//! state directory.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use datasurface_platform::{Disruption, Plan, render_platform};
use datasurface_rules::validate::ValidEcosystem;
use datasurface_runtime::hook::Subject;
use datasurface_sqlite::engine::{
    Engine, HookDecision, RunEvent, RunSummary, Schedules, StreamOutcome, StreamStatus,
};
use datasurface_sqlite::{DEFAULT_STATE_FOLDER, local_sources};
use indicatif::{ProgressBar, ProgressStyle};

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{ApplyArgs, EngineTarget, PlanFormat, RunArgs, RunFormat, UpArgs};
use crate::model::Loaded;
use crate::platforms::{diff, plan_text, platform_of_kind, render_loaded};

/// Where each source container's data is on this machine: the model's
/// [`local_sources`], relative to the model's directory.
///
/// No source is read from inside the platform's state directory, whoever
/// names it: the state holds every team's merged rows, and is the
/// platform's own (`resources`), wherever `--state` puts it.
fn sources(
    valid: &ValidEcosystem,
    platform: &str,
    model: &Path,
    state: &Path,
) -> BTreeMap<String, PathBuf> {
    let base = crate::sources::model_dir(model);
    let Some(declaration) = valid.platforms.get(platform) else {
        return BTreeMap::new();
    };
    // A team's container file is read only if it resolves inside the model's
    // directory (a link out of it is not followed); the ecosystem owner's
    // `sources` may name any file.
    let owners: Vec<String> = datasurface_sqlite::SqliteParameters::of(declaration)
        .sources
        .into_keys()
        .collect();
    let root = std::fs::canonicalize(&base).ok();
    // Made first, so a path into it is seen before the engine fills it.
    let _ = std::fs::create_dir_all(state);
    let state = std::fs::canonicalize(state).ok();
    local_sources(valid, declaration)
        .into_iter()
        .map(|(container, path)| (container, base.join(path)))
        .filter(|(container, path)| {
            let real = datasurface_runtime::confined::leads_to(path);
            let in_state =
                matches!((&state, &real), (Some(state), Some(real)) if real.starts_with(state));
            !in_state
                && (owners.contains(container)
                    || match (&root, &real) {
                        (Some(root), Some(real)) => real.starts_with(root),
                        _ => true,
                    })
        })
        .collect()
}

/// The merge databases of the primary ingestion platforms a `sqlite`
/// platform mirrors (its `primaries` parameter, the ecosystem owner's),
/// relative to the model's directory.
fn primaries(valid: &ValidEcosystem, platform: &str, model: &Path) -> BTreeMap<String, PathBuf> {
    let base = crate::sources::model_dir(model);
    let Some(declaration) = valid.platforms.get(platform) else {
        return BTreeMap::new();
    };
    datasurface_sqlite::SqliteParameters::of(declaration)
        .primaries
        .into_iter()
        .filter_map(|(name, primary)| match primary {
            datasurface_sqlite::Primary::File(path) => Some((name, base.join(path))),
            datasurface_sqlite::Primary::Credential(_) => None,
        })
        .collect()
}

/// The state directory of `model`: `given`, or `datasurface-state` in the
/// model's folder, whatever the working folder. A state an earlier version
/// kept in the working folder is never passed over silently: while the
/// model's own has none, a command that would start a new one names the old
/// one and how to carry on from it.
fn state_of(
    app: &App<'_>,
    model: &Path,
    given: Option<&Path>,
    err: &mut dyn Write,
) -> Result<PathBuf, Outcome> {
    if let Some(given) = given {
        return Ok(given.to_path_buf());
    }
    let folder = crate::sources::model_dir(model);
    let state = if folder.as_os_str().is_empty() || folder == Path::new(".") {
        PathBuf::from(DEFAULT_STATE_FOLDER)
    } else {
        folder.join(DEFAULT_STATE_FOLDER)
    };
    // The model's folder is its teams' to fill: a link or a file where the
    // state belongs would send every team's merged rows wherever it points.
    if std::fs::symlink_metadata(&state).is_ok_and(|m| !m.is_dir()) {
        let error = app.paint(Paint::Error, "error");
        let _ = writeln!(
            err,
            "{error}: {} is where the state of {} belongs, but it is a link or a file, not a folder\n  help: remove it, or name a state folder with `--state DIR`",
            state.display(),
            model.display(),
        );
        return Err(Outcome::CouldNotRun);
    }
    let here = Path::new(DEFAULT_STATE_FOLDER);
    let same = |a: &Path, b: &Path| match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    let held = |dir: &Path| dir.join("merge.sqlite").is_file();
    if !held(&state) && held(here) && !same(here, &state) {
        let error = app.paint(Paint::Error, "error");
        let _ = writeln!(
            err,
            "{error}: the state of {model} is kept in its folder, at {state}, which holds none yet; {here} in the working folder holds a state (where earlier versions kept it), and starting a new one would run every stream again from batch 1\n  help: to carry on from it, move it: `mv {here} {state}`; to use it where it is, pass `--state {here}`; to start afresh, pass `--state {state}`",
            model = model.display(),
            state = state.display(),
            here = here.display(),
        );
        return Err(Outcome::CouldNotRun);
    }
    Ok(state)
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
    app: &App<'_>,
    target: &EngineTarget,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Chosen, Outcome> {
    let EngineTarget {
        model,
        platform,
        state,
    } = target;
    let platform = platform.as_deref();
    let state = &state_of(app, model, state.as_deref(), err)?;
    let loaded = crate::model::load_valid(app, model, "apply or run it", out, err)?;
    let (name, _) = platform_of_kind(
        app,
        &loaded.valid,
        platform,
        "sqlite",
        "`apply`, `run` and `up` work on `sqlite` platforms (render and plan work for every kind)",
        err,
    )
    .ok_or(Outcome::CouldNotRun)?;
    let error = app.paint(Paint::Error, "error");
    let engine = Engine::open(state, sources(&loaded.valid, &name, model, state))
        .map_err(|e| {
            let _ = writeln!(err, "{error}: {e}");
            Outcome::CouldNotRun
        })?
        .with_primaries(primaries(&loaded.valid, &name, model))
        .with_hooks(crate::hook_load::engine_hooks(
            model,
            loaded.valid.ecosystem(),
        ));
    #[cfg(feature = "airflow")]
    let engine = match crate::mirror::airflow_primaries(&loaded.valid, &name) {
        Some(reader) => engine.with_primary_reader(reader),
        None => engine,
    };
    #[cfg(feature = "airflow")]
    let engine = match crate::capture::reader(loaded.valid.ecosystem()) {
        Some(reader) => engine.with_change_reader(reader),
        None => engine,
    };
    Ok(Chosen {
        loaded,
        name,
        engine,
    })
}

/// `datasurface apply MODEL [--platform NAME] --state DIR`.
pub(crate) fn apply(
    app: &App<'_>,
    args: &ApplyArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    match choose(app, &args.target, out, err) {
        Ok(chosen) => apply_chosen(app, &chosen, args.format, out, err),
        Err(outcome) => outcome,
    }
}

fn apply_chosen(
    app: &App<'_>,
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
    let error = app.paint(Paint::Error, "error");
    let next = match render_loaded(app, loaded, name, err) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let previous = match engine.applied() {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "{error}: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let Some(plan) = diff(app, loaded, name, &previous, &next.rendering) else {
        return Outcome::CouldNotRun;
    };
    let state = engine.state().display();
    if format == PlanFormat::Json || app.chatty() {
        match plan_text(&plan, format) {
            Ok(text) => {
                let _ = out.write_all(text.as_bytes());
            }
            Err(message) => {
                let _ = writeln!(
                    err,
                    "{error}: {}",
                    datasurface_stdx::text::for_terminal(&message.to_string())
                );
                return Outcome::CouldNotRun;
            }
        }
    }
    match engine.apply(&plan, &next.rendering) {
        Ok(summary) => {
            if format == PlanFormat::Human {
                let _ = if plan.is_empty() && summary.repaired.is_empty() {
                    writeln!(out, "nothing to apply: {state} already matches the model")
                } else if plan.is_empty() {
                    writeln!(
                        out,
                        "nothing changed in the model; repaired {} in {state}",
                        crate::check::counted(summary.repaired.len(), "drifted artifact")
                    )
                } else {
                    writeln!(
                        out,
                        "applied {} to {state}: {}, {} recorded with the rendering",
                        crate::check::counted(plan.steps.len(), "change"),
                        crate::check::counted(summary.database_steps, "database step"),
                        crate::check::counted(summary.recorded, "job definition"),
                    )
                };
                for r in &summary.repaired {
                    let _ = writeln!(
                        out,
                        "  made {r} again: something it made had been removed outside datasurface"
                    );
                }
                for b in &summary.backfilled {
                    let _ = writeln!(out, "  back-filled {b} from what was already ingested");
                }
                for t in &summary.rebuilt {
                    let _ = writeln!(
                        out,
                        "  transformer `{t}`'s query changed: the next run rebuilds its output"
                    );
                }
                for s in &summary.slots_made {
                    let _ = writeln!(
                        out,
                        "  made the replication slot of stream `{s}` on its source"
                    );
                }
                for s in &summary.slots_dropped {
                    let _ = writeln!(
                        out,
                        "  dropped the replication slot of stream `{s}`, which no stream reads now"
                    );
                }
                for n in &summary.notes {
                    let _ = writeln!(out, "  {n}");
                }
            }
            Outcome::Success
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "{error}: {e}\n  help: fix the cause and apply again; every step converges, so nothing is done twice"
            );
            Outcome::CouldNotRun
        }
    }
}

/// How often `run` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Every {
    /// Once.
    Once,
    /// Again and again, this long apart.
    Every(Duration),
}

/// How `run` runs.
#[derive(Debug, Clone, Copy)]
struct How {
    /// Once, or again and again.
    every: Every,
    /// Whether cron schedules are kept.
    schedules: Schedules,
    /// A JSON summary instead of lines.
    json: bool,
}

/// A hook's decision, as a run prints it: a failed hook's policy painted
/// as a warning (failed open) or an error (failed closed); the fuel it used
/// with `--verbose`.
fn decision_line(app: &App<'_>, d: &HookDecision) -> String {
    let until = d
        .until
        .as_deref()
        .map_or_else(String::new, |u| format!(" until {u}"));
    // The fuel a hook uses depends on its input, times included, so it is
    // shown only when asked for, as batch times are.
    let fuel = d
        .fuel
        .filter(|_| app.verbose())
        .map_or_else(String::new, |f| format!(" ({f} fuel)"));
    let of = match &d.subject {
        Subject::Delivery { dataset_group } => format!(", delivery of group `{dataset_group}`"),
        Subject::Transformer { .. } => String::new(),
    };
    let head = format!(
        "{:<40} hook on {}{of}: {}{until}",
        d.workspace, d.event, d.action
    );
    let head = match d.decided_by {
        "failedOpen" => app.paint(Paint::Warning, &head),
        "failedClosed" => app.paint(Paint::Error, &head),
        _ => head,
    };
    format!(
        "{head}: {}{fuel}",
        datasurface_stdx::text::for_terminal(&d.reason)
    )
}

fn line(app: &App<'_>, o: &StreamOutcome, took: Option<Duration>) -> String {
    let took = took.map_or_else(String::new, |d| format!(" in {} ms", d.as_millis()));
    match o.status {
        StreamStatus::Committed => {
            let warned = o.message.as_deref().map_or_else(String::new, |said| {
                format!(
                    "\n{:<40} {}: {}",
                    "",
                    app.paint(Paint::Warning, "warning"),
                    datasurface_stdx::text::for_terminal(said)
                )
            });
            format!(
                "{:<40} batch {:>4} committed: {} read, {}{took}{warned}",
                o.stream, o.batch, o.rows.total, o.rows
            )
        }
        StreamStatus::Failed => format!(
            "{:<40} batch {:>4} {}: {}{took}",
            o.stream,
            o.batch,
            app.paint(Paint::Error, "FAILED"),
            datasurface_stdx::text::for_terminal(o.message.as_deref().unwrap_or_default())
        ),
    }
}

/// Whether a batch is news: it changed rows, or it failed.
fn changed(o: &StreamOutcome) -> bool {
    o.status == StreamStatus::Failed || o.rows.changed()
}

/// Whether a run keeps to the cron schedules: not with `--all`.
fn schedules(all: bool) -> Schedules {
    if all {
        Schedules::Ignore
    } else {
        Schedules::Keep
    }
}

/// `datasurface run MODEL [--platform NAME] --state DIR [--once | --every D]`.
pub(crate) fn run(
    app: &App<'_>,
    args: &RunArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let mut chosen = match choose(app, &args.target, out, err) {
        Ok(chosen) => chosen,
        Err(outcome) => return outcome,
    };
    let lineage = crate::lineage::Lineage::for_args(&args.lineage);
    chosen.engine = chosen
        .engine
        .with_lineage(lineage.sink(), &crate::lineage::host());
    let json = args.format == RunFormat::Json;
    if let Some(outcome) = apply_if_safe(app, &chosen, &args.target.model, json, out, err) {
        return outcome;
    }
    if let Some(stream) = &args.resync {
        match chosen.engine.resync(stream, &mut |_| {}) {
            Ok(o) if o.status == StreamStatus::Failed => {
                let _ = writeln!(out, "{}", line(app, &o, None));
                lineage.finish(app, err);
                return Outcome::BatchesFailed;
            }
            Ok(o) => {
                let _ = writeln!(out, "{} (loaded afresh)", line(app, &o, None));
            }
            Err(e) => {
                let _ = writeln!(err, "{}: {e}", app.paint(Paint::Error, "error"));
                lineage.finish(app, err);
                return Outcome::CouldNotRun;
            }
        }
    }
    let ran = run_chosen(
        app,
        &chosen.engine,
        How {
            every: args.every.map_or(Every::Once, Every::Every),
            schedules: schedules(args.all),
            json: args.format == RunFormat::Json,
        },
        out,
        err,
    );
    lineage.finish(app, err);
    ran
}

/// The plan from what the state directory applied to the model's rendering,
/// if the model renders; printing nothing.
fn unapplied(app: &App<'_>, chosen: &Chosen) -> Option<Plan> {
    let graphs = datasurface_graph::build(&chosen.loaded.valid);
    let next = render_platform(app.registry, &chosen.loaded.valid, &graphs, &chosen.name).ok()?;
    let previous = chosen.engine.applied().ok()?;
    diff(
        app,
        &chosen.loaded,
        &chosen.name,
        &previous,
        &next.rendering,
    )
}

/// Applies the model first when it is not what the state directory
/// applied and no step drops data, so a run runs the model as it is now; a
/// change that drops data waits for `apply` (this run runs what was
/// applied, and says so). Returns the outcome when applying failed.
fn apply_if_safe(
    app: &App<'_>,
    chosen: &Chosen,
    model: &Path,
    json: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Option<Outcome> {
    let plan = unapplied(app, chosen)?;
    if plan.is_empty() {
        return None;
    }
    let state = chosen.engine.state().display();
    if plan.worst_disruption() == Disruption::DataDropped {
        let _ = writeln!(
            err,
            "{}: the model differs from what was applied to {state} ({}), and applying it drops data; this run runs what was applied\n  help: when that data may go, apply the model: `datasurface apply {} --state {state}` (it prints each step as it applies it)",
            app.paint(Paint::Warning, "warning"),
            plan.totals(),
            model.display()
        );
        return None;
    }
    // The apply's report goes where the run's does, or to stderr beside JSON.
    let mut report = Vec::new();
    if app.chatty() {
        let _ = writeln!(
            report,
            "the model changed since it was applied to {state}; applying it before this run:"
        );
    }
    let applied = apply_chosen(app, chosen, PlanFormat::Human, &mut report, err);
    let _ = if json {
        err.write_all(&report)
    } else {
        out.write_all(&report)
    };
    (applied != Outcome::Success).then_some(applied)
}

/// A progress bar on a terminal (none for JSON or without one).
fn progress_bar(app: &App<'_>, json: bool) -> ProgressBar {
    if json || !app.progress {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:30}] {pos}/{len} {wide_msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn run_chosen(
    app: &App<'_>,
    engine: &Engine,
    how: How,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let How {
        every,
        schedules,
        json,
    } = how;
    let mut first = true;
    loop {
        // A progress bar on a terminal; lines as batches end, above it.
        let bar = progress_bar(app, json);
        let mut started = Instant::now();
        let mut progress = |event: RunEvent<'_>| match event {
            RunEvent::Due(n) => bar.inc_length(n as u64),
            RunEvent::Started(stream) => {
                started = Instant::now();
                bar.set_message(format!("{stream}: reading its source"));
            }
            RunEvent::Read { stream, rows } => {
                bar.set_message(format!(
                    "{stream}: {} read; checking and merging them",
                    crate::check::counted(rows, "row")
                ));
            }
            RunEvent::Ended(o) => {
                bar.inc(1);
                let shown = if first {
                    app.chatty() || o.status == StreamStatus::Failed
                } else {
                    changed(o)
                };
                if !json && shown {
                    let took = app.verbose().then(|| started.elapsed());
                    bar.suspend(|| writeln!(out, "{}", line(app, o, took)))
                        .unwrap_or_default();
                }
            }
            RunEvent::Note { stream, note } if !json => {
                bar.suspend(|| writeln!(out, "{stream}: {note}"))
                    .unwrap_or_default();
            }
            // Every decision is news: the hook was asked about something new.
            RunEvent::Decided(d) if !json => {
                bar.suspend(|| writeln!(out, "{}", decision_line(app, d)))
                    .unwrap_or_default();
            }
            _ => {}
        };
        let result = engine.run_once(schedules, &mut progress);
        bar.finish_and_clear();
        let summary: RunSummary = match result {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(err, "{}: {e}", app.paint(Paint::Error, "error"));
                return Outcome::CouldNotRun;
            }
        };
        if json {
            let text = if every == Every::Once {
                serde_json::to_string_pretty(&summary)
            } else {
                serde_json::to_string(&summary)
            };
            let _ = writeln!(out, "{}", text.unwrap_or_default());
        } else if first || summary.streams.iter().any(changed) {
            if first && app.chatty() {
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
            }
            let failed = summary.failed();
            let totals = format!(
                "{} batches, {} failed, {} waiting; merge database {}",
                summary.streams.len(),
                failed,
                summary.waiting.len(),
                engine.merge_path().display()
            );
            let _ = if failed > 0 {
                writeln!(out, "{}", app.paint(Paint::Error, &totals))
            } else {
                writeln!(out, "{totals}")
            };
        }
        match every {
            Every::Once => {
                return if summary.failed() == 0 {
                    Outcome::Success
                } else {
                    Outcome::BatchesFailed
                };
            }
            Every::Every(d) => std::thread::sleep(d),
        }
        first = false;
    }
}

/// `datasurface up MODEL [--platform NAME] [--state DIR] [--all]`: apply, run
/// once, and say where the results are and how to look at them.
pub(crate) fn up(
    app: &App<'_>,
    args: &UpArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let mut chosen = match choose(app, &args.target, out, err) {
        Ok(chosen) => chosen,
        Err(outcome) => return outcome,
    };
    let lineage = crate::lineage::Lineage::for_args(&args.lineage);
    chosen.engine = chosen
        .engine
        .with_lineage(lineage.sink(), &crate::lineage::host());
    let applied = apply_chosen(app, &chosen, PlanFormat::Human, out, err);
    if applied != Outcome::Success {
        return applied;
    }
    let engine = &chosen.engine;
    let ran = run_chosen(
        app,
        engine,
        How {
            every: Every::Once,
            schedules: schedules(args.all),
            json: false,
        },
        out,
        err,
    );
    lineage.finish(app, err);
    if app.chatty() {
        where_to_look(engine, out);
    }
    ran
}

/// Every view of every workspace container, and a query to try on the first.
fn where_to_look(engine: &Engine, out: &mut dyn Write) {
    let Ok(rendering) = engine.applied() else {
        return;
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
    match first {
        Some((path, view)) => {
            let _ = writeln!(
                out,
                "\nTry:\n  sqlite3 {} 'SELECT * FROM \"{view}\" LIMIT 5'",
                path.display()
            );
        }
        None => {
            let _ = writeln!(
                out,
                "  nothing yet: no dataset group is assigned to this platform (see the warnings above)"
            );
        }
    }
}

/// For the process's own command line only (never an embedding program,
/// whose process is its own): Ctrl-C in `apply`, `run` or `up` ends the
/// command at once, as it always did, and says what it left and that the
/// next command carries on from there, instead of ending silently. Exit
/// code 130, as a shell reports a command a SIGINT ended.
pub(crate) fn say_what_an_interrupt_leaves(command: &crate::args::Command) {
    let said = match command {
        crate::args::Command::Apply(_) => {
            "interrupted: the model is not recorded as applied; the next `apply`, `run` or `up` applies it again, finishing what was half made"
        }
        crate::args::Command::Run(_) | crate::args::Command::Up(_) => {
            "interrupted: committed batches are kept and the batch in progress is rolled back; the next `run` or `up` carries on from there, and nothing is counted twice"
        }
        _ => return,
    };
    // Fails only when a handler is already set (by whoever embeds this),
    // which then decides.
    let _ = ctrlc::set_handler(move || {
        let _ = writeln!(std::io::stderr(), "\n{said}");
        std::process::exit(130);
    });
}
