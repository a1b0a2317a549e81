//! `datasurface render --all` and `datasurface advance`: every platform's
//! rendering in a folder of its own, for a GitOps branch.
//!
//! The layout of `OUT` is `datasurface_runtime::gitops`: one folder per
//! platform, holding the saved rendering and `source.json`, which says
//! which model the rendering came from. Terraform, Argo or a platform's own applier watch the
//! folders; `advance` moves each one to a new model when the platform's
//! cadence allows, so one scheduled job serves every platform.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, SecondsFormat, Utc};
use datasurface_core::names::PlatformName;
use datasurface_core::{AdvanceTiming, Cadence, PlatformDeclaration};
use datasurface_files::SourceFile;
use datasurface_platform::{Action, Disruption, Plan, Rendered, Rendering};
use datasurface_runtime::gitops::{
    ModelSource, SOURCE_FILE, SourceRecord, folder_clashes, folder_name, read_source_record,
    rendering_hash, write_source_record,
};
use serde::Serialize;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{AdvanceArgs, AdvanceFormat, ExternalKinds, ModelCommit, RenderArgs};
use crate::model::{Loaded, load_valid};
use crate::platforms::{diff, graphs, render_one};
use crate::problem::Problem;

/// The model's commit and content, for `source.json`.
fn model_source(model: &Path, given: &ModelCommit, sources: &[SourceFile]) -> ModelSource {
    let (commit, uncommitted_changes) = match &given.commit {
        Some(commit) => (Some(commit.clone()), false),
        None => ask_git(model),
    };
    ModelSource::new(
        commit,
        uncommitted_changes,
        crate::sources::model_hash(model, sources),
    )
}

/// Says when the model's files differ from the commit recorded: a GitOps
/// branch should come from a commit that others can check out.
fn warn_uncommitted(app: &App<'_>, model: &Path, source: &ModelSource, err: &mut dyn Write) {
    if source.uncommitted_changes {
        let _ = writeln!(
            err,
            "{}: {} has changes not committed to {}; `source.json` says so (`uncommittedChanges`)\n  help: commit the model first, or name the commit with --commit",
            app.paint(Paint::Warning, "warning"),
            model.display(),
            source.commit.as_deref().unwrap_or("its commit"),
        );
    }
}

/// The commit the model's directory is checked out at, and whether its
/// files differ from it; `(None, false)` outside a repository or without git.
fn ask_git(model: &Path) -> (Option<String>, bool) {
    // The model's directory, and what in it is the model: all of it, or one file.
    let (dir, pathspec) = if model.is_dir() {
        (model, ".".to_owned())
    } else {
        let dir = model
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file = model
            .file_name()
            .map_or_else(|| ".".to_owned(), |f| f.to_string_lossy().into_owned());
        (dir, file)
    };
    let git = |args: &[&str]| git_plumbing(dir, args, None);
    let Some(commit) = git(&["rev-parse", "--verify", "HEAD"]).filter(|c| !c.is_empty()) else {
        return (None, false);
    };
    (
        Some(commit),
        differs_from_head(dir, &pathspec).unwrap_or(true),
    )
}

/// Runs a git plumbing command in `dir` that runs nothing a repository can
/// configure: no hooks, file-system monitor, pager, external diff or text
/// conversion, no signature program (`log.showSignature` would run
/// `gpg.program` for every signed commit `log` or `show` reads), no colour,
/// and no clean or smudge filter (the commands used read the index and
/// trees, and hash files with `--no-filters`); no prompt, and no write to
/// the index. Its output as text, trimmed, if it succeeded.
pub(crate) fn git_plumbing(dir: &Path, args: &[&str], stdin: Option<&str>) -> Option<String> {
    git_plumbing_bytes(dir, args, stdin).map(|out| String::from_utf8_lossy(&out).trim().to_owned())
}

/// [`git_plumbing`]'s output byte for byte: for `-z` output, whose names
/// are bytes a file system chose (a line feed, invalid UTF-8), which
/// trimming or a lossy decoding would make into another file's name.
pub(crate) fn git_plumbing_bytes(
    dir: &Path,
    args: &[&str],
    stdin: Option<&str>,
) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
            "-c",
            "core.pager=cat",
            "-c",
            "core.untrackedCache=false",
            "-c",
            "log.showSignature=false",
            "-c",
            "gpg.program=false",
            "-c",
            "gpg.ssh.program=false",
            "-c",
            "gpg.x509.program=false",
            "-c",
            "color.ui=never",
            "--no-pager",
            "--literal-pathspecs",
        ])
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_EXTERNAL_DIFF")
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut child = command.spawn().ok()?;
    let pipe = child.stdin.take();
    // The input is written while the output is read, so neither pipe fills
    // and waits on the other; a failed write shows as a failed command.
    let output = std::thread::scope(|scope| {
        if let (Some(text), Some(mut pipe)) = (stdin, pipe) {
            scope.spawn(move || {
                let _ = pipe.write_all(text.as_bytes());
            });
        }
        child.wait_with_output()
    })
    .ok()?;
    output.status.success().then_some(output.stdout)
}

/// Whether the model's files (`pathspec` in `dir`) differ from the commit
/// checked out: staged changes, files changed or deleted in the working
/// tree (hashed as stored, with no filter run), or untracked files. `None`
/// when git cannot tell.
fn differs_from_head(dir: &Path, pathspec: &str) -> Option<bool> {
    let git = |args: &[&str], stdin: Option<&str>| git_plumbing(dir, args, stdin);
    // Untracked files that are not ignored.
    let untracked = git(
        &[
            "ls-files",
            "--others",
            "--exclude-standard",
            "-z",
            "--",
            pathspec,
        ],
        None,
    )?;
    if !untracked.is_empty() {
        return Some(true);
    }
    // The index against the commit: trees only, no working file read.
    if git(
        &[
            "diff-index",
            "--cached",
            "--quiet",
            "--no-ext-diff",
            "--no-textconv",
            "HEAD",
            "--",
            pathspec,
        ],
        None,
    )
    .is_none()
    {
        return Some(true);
    }
    // The working files against the index, hashed without filters.
    let staged = git(&["ls-files", "--stage", "-z", "--", pathspec], None)?;
    // `hash-object` reads paths from the repository's top; absolute ones
    // are the same from anywhere.
    let dir = std::fs::canonicalize(dir).ok()?;
    let mut paths = Vec::new();
    let mut hashes = Vec::new();
    for entry in staged.split('\0').filter(|e| !e.is_empty()) {
        let (meta, path) = entry.split_once('\t')?;
        if path.contains('\n') {
            return Some(true); // Cannot be hashed by name; say so rather than guess.
        }
        let mut fields = meta.split(' ');
        let (mode, hash) = (fields.next()?, fields.next()?);
        if mode == "160000" {
            continue; // A submodule: not the model's files.
        }
        let file = dir.join(path);
        let present = std::fs::symlink_metadata(&file).ok()?;
        if mode == "120000" {
            if !present.file_type().is_symlink() {
                return Some(true);
            }
            continue;
        }
        if !present.is_file() {
            return Some(true);
        }
        paths.push(file.to_str()?.to_owned());
        hashes.push(hash.to_owned());
    }
    if paths.is_empty() {
        return Some(false);
    }
    let listed = paths.join("\n") + "\n";
    let now = git(
        &["hash-object", "--no-filters", "--stdin-paths"],
        Some(&listed),
    )?;
    Some(!now.lines().eq(hashes.iter().map(String::as_str)))
}

/// A platform of the model that this program renders, with its folder.
struct Target<'m> {
    name: &'m PlatformName,
    declaration: &'m PlatformDeclaration,
    folder: PathBuf,
}

/// The platforms to work on: every one the model declares (or those named),
/// less those of external kinds; prints why not.
fn targets<'m>(
    app: &App<'_>,
    loaded: &'m Loaded,
    named: &[String],
    external: &ExternalKinds,
    out_dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Vec<Target<'m>>, Outcome> {
    let platforms = &loaded.valid.platforms;
    if platforms.is_empty() {
        let _ = writeln!(
            err,
            "{}: the model declares no platform\n  help: declare one under `platforms` in the Ecosystem document",
            app.paint(Paint::Error, "error")
        );
        return Err(Outcome::CouldNotRun);
    }
    let unknown: Vec<&str> = named
        .iter()
        .map(String::as_str)
        .filter(|n| !platforms.keys().any(|p| p.as_str() == *n))
        .collect();
    if !unknown.is_empty() {
        let declared: Vec<&str> = platforms.keys().map(PlatformName::as_str).collect();
        let _ = writeln!(
            err,
            "{}: the model declares no platform named {}\n  help: the declared platforms are {}",
            app.paint(Paint::Error, "error"),
            unknown
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
            declared.join(", ")
        );
        return Err(Outcome::CouldNotRun);
    }
    let clashes = folder_clashes(platforms.keys().map(PlatformName::as_str));
    if !clashes.is_empty() {
        for clash in clashes {
            let _ = writeln!(err, "{}: {clash}", app.paint(Paint::Error, "error"));
        }
        return Err(Outcome::ModelErrors);
    }
    let mut chosen = Vec::new();
    for (name, declaration) in platforms {
        if !named.is_empty() && !named.iter().any(|n| n == name.as_str()) {
            continue;
        }
        if external
            .kinds
            .iter()
            .any(|k| k == declaration.kind.as_str())
        {
            if app.chatty() {
                let _ = writeln!(
                    out,
                    "{}: platform `{name}` is of kind `{}`, which another program renders; skipped",
                    app.paint(Paint::Note, "note"),
                    declaration.kind
                );
            }
            continue;
        }
        let folder = out_dir.join(folder_name(name.as_str()));
        // A link committed in the renderings' repository must not send a
        // platform's files elsewhere on the machine.
        if std::fs::symlink_metadata(&folder).is_ok_and(|m| m.file_type().is_symlink()) {
            let _ = writeln!(
                err,
                "{}: {} is a link; a platform's folder must be a directory of its own\n  help: remove the link, and run again to render the platform there",
                app.paint(Paint::Error, "error"),
                folder.display()
            );
            return Err(Outcome::CouldNotRun);
        }
        chosen.push(Target {
            name,
            declaration,
            folder,
        });
    }
    Ok(chosen)
}

/// Renders every target from one build of the graphs; nothing is written
/// unless all of them render.
fn render_targets(
    app: &App<'_>,
    loaded: &Loaded,
    targets: &[Target<'_>],
    err: &mut dyn Write,
) -> Result<Vec<Rendered>, Outcome> {
    let graphs = graphs(app, loaded, err)?;
    let mut rendered = Vec::with_capacity(targets.len());
    let mut failed = None;
    for target in targets {
        match render_one(app, loaded, &graphs, target.name.as_str(), err) {
            Ok(r) => rendered.push(r),
            Err(outcome) => failed = failed.or(Some(outcome)),
        }
    }
    match failed {
        Some(outcome) => {
            let _ = writeln!(
                err,
                "{}: nothing was written: every platform must render before any folder changes",
                app.paint(Paint::Error, "error")
            );
            Err(outcome)
        }
        None => Ok(rendered),
    }
}

/// Takes `OUT` for this process alone (an advisory lock on the directory,
/// let go when the process ends, however it ends), making it if need be.
fn hold(out_dir: &Path) -> Result<std::fs::File, Problem> {
    let shown = out_dir.display();
    std::fs::create_dir_all(out_dir)
        .map_err(|e| Problem::new(format!("cannot make {shown}: {e}")))?;
    let dir = std::fs::File::open(out_dir)
        .map_err(|e| Problem::new(format!("cannot open {shown}: {e}")))?;
    match dir.try_lock() {
        Ok(()) => Ok(dir),
        Err(std::fs::TryLockError::WouldBlock) => Err(Problem::new(format!(
            "another `datasurface advance` or `render --all` is writing {shown}; nothing was written"
        ))
        .help("run again when it ends (a scheduled job that overlaps itself skips a turn)")),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(Problem::new(format!("cannot lock {shown}: {e}")))
        }
    }
}

/// Saves a rendering and its `source.json` in a platform's folder.
fn save_folder(
    target: &Target<'_>,
    rendering: &Rendering,
    model: &ModelSource,
) -> Result<(), Problem> {
    crate::platforms::save(rendering, &target.folder)?;
    let record = SourceRecord::new(
        target.name.as_str(),
        target.declaration.kind.as_str(),
        model.clone(),
        rendering_hash(rendering),
    );
    write_source_record(&target.folder, &record)
        .map_err(|e| Problem::new(e.to_string()).help(e.help()))
}

/// Reads a platform folder's `source.json`, if it has one.
fn read_source(folder: &Path) -> Result<Option<SourceRecord>, Problem> {
    read_source_record(folder).map_err(|e| Problem::new(e.to_string()).help(e.help()))
}

/// Warns of folders under `OUT` that no platform of the model renders into:
/// left alone, since removing one would tear down what it describes.
fn orphan_folders(app: &App<'_>, out_dir: &Path, loaded: &Loaded, err: &mut dyn Write) {
    let Ok(entries) = std::fs::read_dir(out_dir) else {
        return;
    };
    let ours: Vec<String> = loaded
        .valid
        .platforms
        .keys()
        .map(|n| folder_name(n.as_str()))
        .collect();
    let mut orphans: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| {
            std::fs::symlink_metadata(e.path().join(SOURCE_FILE)).is_ok_and(|m| m.is_file())
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !ours.contains(name))
        .collect();
    orphans.sort();
    for orphan in orphans {
        let _ = writeln!(
            err,
            "{}: {} holds a platform the model no longer declares; it is left as it is\n  help: delete the folder once the platform's resources are torn down",
            app.paint(Paint::Warning, "warning"),
            out_dir.join(orphan).display()
        );
    }
}

/// What `render --all` and `advance` share: the model, the platforms asked
/// for (none: all), and where their folders go.
struct Ask<'a> {
    model: &'a Path,
    doing: &'a str,
    /// Whether the command writes the folders (not a dry run).
    writes: bool,
    platforms: &'a [String],
    external: &'a ExternalKinds,
    out_dir: &'a Path,
    commit: &'a ModelCommit,
}

/// The model, loaded and valid, its platforms asked for, each rendered
/// (from one build of the graphs), and the model's commit.
struct RenderedAll<'m> {
    loaded: &'m Loaded,
    targets: Vec<Target<'m>>,
    rendered: Vec<Rendered>,
    model: ModelSource,
}

/// Loads the model and renders every platform asked for, then hands them
/// to `then`; prints why not on failure.
fn with_rendered(
    app: &App<'_>,
    ask: &Ask<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    then: impl FnOnce(RenderedAll<'_>, &mut dyn Write, &mut dyn Write) -> Outcome,
) -> Outcome {
    let loaded = match load_valid(app, ask.model, ask.doing, out, err) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let targets = match targets(
        app,
        &loaded,
        ask.platforms,
        ask.external,
        ask.out_dir,
        out,
        err,
    ) {
        Ok(targets) => targets,
        Err(outcome) => return outcome,
    };
    let rendered = match render_targets(app, &loaded, &targets, err) {
        Ok(rendered) => rendered,
        Err(outcome) => return outcome,
    };
    let model = model_source(ask.model, ask.commit, &loaded.sources);
    warn_uncommitted(app, ask.model, &model, err);
    // Held until the command ends: a second run that overlaps this one (a
    // scheduled job slower than its schedule) must not interleave its writes.
    let _held = if ask.writes {
        match hold(ask.out_dir) {
            Ok(held) => Some(held),
            Err(message) => {
                let _ = writeln!(err, "{}: {message}", app.paint(Paint::Error, "error"));
                return Outcome::CouldNotRun;
            }
        }
    } else {
        None
    };
    then(
        RenderedAll {
            loaded: &loaded,
            targets,
            rendered,
            model,
        },
        out,
        err,
    )
}

/// `datasurface render MODEL --all --out DIR`.
pub(crate) fn render_all(
    app: &App<'_>,
    args: &RenderArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let ask = Ask {
        model: &args.model,
        doing: "render it",
        writes: true,
        platforms: &[],
        external: &args.external,
        out_dir: &args.out,
        commit: &args.source,
    };
    with_rendered(app, &ask, out, err, |all, out, err| {
        for (target, rendered) in all.targets.iter().zip(&all.rendered) {
            if let Err(message) = save_folder(target, &rendered.rendering, &all.model) {
                let _ = writeln!(err, "{}: {message}", app.paint(Paint::Error, "error"));
                return Outcome::CouldNotRun;
            }
            if !app.chatty() {
                continue;
            }
            let _ = writeln!(
                out,
                "rendered {} artifacts of platform `{}` into {}",
                rendered.rendering.len(),
                target.name,
                target.folder.display()
            );
        }
        orphan_folders(app, &args.out, all.loaded, err);
        let _ = writeln!(
            out,
            "{} from model {}",
            crate::check::counted(all.targets.len(), "platform"),
            all.model.short()
        );
        Outcome::Success
    })
}

/// What `advance` did with one platform.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct AdvanceReport {
    platform: String,
    kind: String,
    folder: String,
    /// What it did.
    decision: AdvanceOutcome,
    /// Why, in words.
    reason: String,
    /// The model the folder was rendered from before, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<ModelSource>,
    /// The plan from the folder's rendering to the model's.
    plan: PlanTotals,
    /// While waiting: when the next window opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    opens: Option<String>,
    /// Inside a window: when it closes.
    #[serde(skip_serializing_if = "Option::is_none")]
    until: Option<String>,
    /// With --verbose: the plan's steps, each artifact with why and how
    /// disruptive (without its content).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    steps: Vec<StepLine>,
}

/// What `advance` did with a platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
enum AdvanceOutcome {
    /// Its folder moved to the model.
    Advanced,
    /// With --dry-run: it would have moved.
    WouldAdvance,
    /// Its cadence holds it back.
    Waiting,
    /// Its folder was rendered from this model already.
    Current,
}

impl AdvanceOutcome {
    /// How people read it, and its colour.
    fn shown(self) -> (Paint, &'static str) {
        match self {
            AdvanceOutcome::Advanced => (Paint::Good, "advanced"),
            AdvanceOutcome::WouldAdvance => (Paint::Good, "would advance"),
            AdvanceOutcome::Waiting => (Paint::Warning, "waiting"),
            AdvanceOutcome::Current => (Paint::Note, "current"),
        }
    }
}

/// One step of a plan, as `advance --verbose` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StepLine {
    action: Action,
    artifact: String,
    reason: String,
    disruption: Disruption,
}

impl StepLine {
    fn of(plan: &Plan) -> Vec<StepLine> {
        plan.steps
            .iter()
            .map(|s| StepLine {
                action: s.action,
                artifact: s.key.to_string(),
                reason: s.reason.clone(),
                disruption: s.disruption,
            })
            .collect()
    }
}

/// A plan's size.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PlanTotals {
    create: usize,
    update: usize,
    replace: usize,
    delete: usize,
    worst_disruption: String,
}

impl PlanTotals {
    fn of(plan: &Plan) -> Self {
        PlanTotals {
            create: plan.count(Action::Create),
            update: plan.count(Action::Update),
            replace: plan.count(Action::Replace),
            delete: plan.count(Action::Delete),
            worst_disruption: plan.worst_disruption().to_string(),
        }
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Decides whether one platform moves now, and why.
fn decide(
    declaration: &PlatformDeclaration,
    plan: &Plan,
    forced: bool,
    now: DateTime<Utc>,
) -> (bool, String, Option<String>, Option<String>) {
    if plan.is_empty() {
        return (
            true,
            "its rendering does not change, so it moves whatever its cadence".to_owned(),
            None,
            None,
        );
    }
    if forced {
        return (true, "forced with --force".to_owned(), None, None);
    }
    match (&declaration.cadence, declaration.cadence.timing(now)) {
        (Cadence::Immediate, _) => (true, "its cadence is `immediate`".to_owned(), None, None),
        (Cadence::Window(w), AdvanceTiming::Now { until }) => (
            true,
            format!(
                "inside its window (`{}` for {} minutes), open until {}",
                w.cron,
                w.minutes,
                until.map_or_else(String::new, time)
            ),
            None,
            until.map(time),
        ),
        (Cadence::Window(w), AdvanceTiming::Wait { opens }) => (
            false,
            match opens {
                Some(at) => format!(
                    "outside its window (`{}` for {} minutes); it opens {}",
                    w.cron,
                    w.minutes,
                    time(at)
                ),
                None => format!("its window (`{}`) never opens", w.cron),
            },
            opens.map(time),
            None,
        ),
        (Cadence::Manual, _) => (
            false,
            "its cadence is `manual`: it moves when named with --platform and --force".to_owned(),
            None,
            None,
        ),
    }
}

/// `datasurface advance MODEL --out DIR`.
pub(crate) fn advance(
    app: &App<'_>,
    args: &AdvanceArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let now = args.now.unwrap_or_else(Utc::now);
    let ask = Ask {
        model: &args.model,
        doing: "advance to it",
        writes: !args.dry_run,
        platforms: &args.platform,
        external: &args.external,
        out_dir: &args.out,
        commit: &args.source,
    };
    with_rendered(app, &ask, out, err, |all, out, err| {
        advance_rendered(app, args, now, &all, out, err)
    })
}

/// `advance` once every platform is rendered: decides, writes and prints.
fn advance_rendered(
    app: &App<'_>,
    args: &AdvanceArgs,
    now: DateTime<Utc>,
    all: &RenderedAll<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let RenderedAll {
        loaded,
        targets,
        rendered,
        model,
    } = all;
    let mut reports = Vec::with_capacity(targets.len());
    // The whole plans, for a comment that shows their steps.
    let mut plans = Vec::new();
    for (target, rendered) in targets.iter().zip(rendered) {
        let (previous, from) = match (
            crate::platforms::load(&target.folder),
            read_source(&target.folder),
        ) {
            (Ok(previous), Ok(from)) => (previous, from),
            (Err(_), Ok(None)) if !target.folder.exists() => (Rendering::default(), None),
            (Err(message), _) | (_, Err(message)) => {
                let _ = writeln!(err, "{}: {message}", app.paint(Paint::Error, "error"));
                return Outcome::CouldNotRun;
            }
        };
        let Some(plan) = diff(
            app,
            loaded,
            target.name.as_str(),
            &previous,
            &rendered.rendering,
        ) else {
            return Outcome::CouldNotRun;
        };
        let forced = args.force && args.platform.iter().any(|n| n == target.name.as_str());
        let (moves, reason, opens, until) = decide(target.declaration, &plan, forced, now);
        let current = plan.is_empty() && from.as_ref().is_some_and(|f| f.model == *model);
        let decision = match (moves, current, args.dry_run) {
            (_, true, _) => AdvanceOutcome::Current,
            (true, false, false) => AdvanceOutcome::Advanced,
            (true, false, true) => AdvanceOutcome::WouldAdvance,
            (false, _, _) => AdvanceOutcome::Waiting,
        };
        if moves
            && !current
            && !args.dry_run
            && let Err(message) = save_folder(target, &rendered.rendering, model)
        {
            let _ = writeln!(err, "{}: {message}", app.paint(Paint::Error, "error"));
            return Outcome::CouldNotRun;
        }
        if args.format == AdvanceFormat::Markdown {
            let reason = if current {
                "already rendered from this model"
            } else {
                reason.as_str()
            };
            plans.push(datasurface_gate::PlatformPlan {
                name: target.name.to_string(),
                kind: target.declaration.kind.to_string(),
                plan: Ok(plan.clone()),
                decision: Some(format!("{}: {reason}", decision.shown().1)),
            });
        }
        reports.push(AdvanceReport {
            platform: target.name.to_string(),
            kind: target.declaration.kind.to_string(),
            folder: target.folder.display().to_string(),
            decision,
            reason: if current {
                "already rendered from this model".to_owned()
            } else {
                reason
            },
            from: from.map(|f| f.model),
            plan: PlanTotals::of(&plan),
            opens,
            until,
            steps: if app.verbose() {
                StepLine::of(&plan)
            } else {
                Vec::new()
            },
        });
    }
    if !args.dry_run {
        orphan_folders(app, &args.out, loaded, err);
    }
    print_decisions(app, args.format, now, model, (&reports, &plans), out)
}

/// How many platforms advanced (or would), wait, and are current.
fn tally(decisions: &[AdvanceReport]) -> String {
    let count = |what| decisions.iter().filter(|d| d.decision == what).count();
    let moved = match count(AdvanceOutcome::WouldAdvance) {
        0 => format!("{} advanced", count(AdvanceOutcome::Advanced)),
        n => format!("{n} would advance"),
    };
    format!(
        "{moved}, {} waiting, {} current",
        count(AdvanceOutcome::Waiting),
        count(AdvanceOutcome::Current)
    )
}

fn print_decisions(
    app: &App<'_>,
    format: AdvanceFormat,
    now: DateTime<Utc>,
    model: &ModelSource,
    (decisions, plans): (&[AdvanceReport], &[datasurface_gate::PlatformPlan]),
    out: &mut dyn Write,
) -> Outcome {
    let text = match format {
        AdvanceFormat::Markdown => datasurface_gate::markdown::plans_comment(
            &format!(
                "datasurface advance: {}; model {} at {}",
                tally(decisions),
                model.short(),
                time(now)
            ),
            plans,
            datasurface_gate::markdown::GITHUB_COMMENT_LIMIT,
        ),
        AdvanceFormat::Json => {
            let document = serde_json::json!({
                "now": time(now),
                "model": model,
                "platforms": decisions,
            });
            match serde_json::to_string_pretty(&document) {
                Ok(text) => text + "\n",
                Err(_) => return Outcome::CouldNotRun,
            }
        }
        AdvanceFormat::Human => {
            let width = decisions
                .iter()
                .map(|d| d.platform.chars().count())
                .max()
                .unwrap_or(0);
            let mut text = String::new();
            // `--quiet` leaves the summary line alone.
            let shown: &[AdvanceReport] = if app.chatty() { decisions } else { &[] };
            for d in shown {
                let (paint, word) = d.decision.shown();
                let padded = format!("{word:<13}");
                let _ = writeln!(
                    text,
                    "{:<width$}  {}  {}: {}",
                    d.platform,
                    app.paint(paint, &padded),
                    plan_words(&d.plan),
                    d.reason
                );
                for step in &d.steps {
                    let (sign, verb) = (step.action.sign(), step.action.verb());
                    let _ = writeln!(text, "    {sign} {verb:<7} {}", step.artifact);
                    let _ = writeln!(text, "        why: {}", step.reason);
                    if step.disruption != Disruption::None {
                        let _ = writeln!(text, "        disruption: {}", step.disruption);
                    }
                }
            }
            let _ = writeln!(
                text,
                "{}; model {} at {}",
                tally(decisions),
                model.short(),
                time(now)
            );
            text
        }
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => Outcome::Success,
        Err(_) => Outcome::CouldNotRun,
    }
}

fn plan_words(plan: &PlanTotals) -> String {
    if plan.create + plan.update + plan.replace + plan.delete == 0 {
        return "no change".to_owned();
    }
    let mut parts = Vec::new();
    for (n, verb) in [
        (plan.create, "create"),
        (plan.update, "update"),
        (plan.replace, "replace"),
        (plan.delete, "delete"),
    ] {
        if n > 0 {
            parts.push(format!("{n} to {verb}"));
        }
    }
    parts.join(", ")
}
