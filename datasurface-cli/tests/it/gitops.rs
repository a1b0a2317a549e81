//! `render --all` and `advance`: every platform in a folder of its own, each
//! moving to a new model when its cadence allows.

use std::path::Path;

use super::{copy_northwind, datasurface, scratch};

/// Northwind in `dir/model`, its team document changed by `edit`.
fn model(dir: &Path, edit: impl Fn(&str) -> String) -> String {
    copy_northwind(&dir.join("model"), edit);
    "model".to_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn source(dir: &Path, platform_folder: &str) -> serde_json::Value {
    serde_json::from_str(&read(
        &dir.join("out").join(platform_folder).join("source.json"),
    ))
    .unwrap()
}

/// Northwind in a scratch directory `name`, every platform rendered into
/// `out` from commit `one`.
fn rendered_once(name: &str) -> (std::path::PathBuf, String) {
    let dir = scratch(name);
    let m = model(&dir, str::to_owned);
    let first = datasurface(
        &["render", &m, "--all", "--out", "out", "--commit", "one"],
        &dir,
    );
    assert_eq!(first.code, 0, "{}", first.transcript());
    (dir, m)
}

/// Adds a column to the suppliers dataset: every platform's rendering changes.
fn with_fax(team: &str) -> String {
    team.replacen(
        "            phone: {type: {NVarChar: {maxSize: 24}}}\n          primaryKey: [supplier_id]",
        "            phone: {type: {NVarChar: {maxSize: 24}}}\n            fax: {type: {NVarChar: {maxSize: 24}}}\n          primaryKey: [supplier_id]",
        1,
    )
}

#[test]
fn render_all_writes_each_platform_with_the_model_it_came_from() {
    let dir = scratch("gitops-render-all");
    let m = model(&dir, str::to_owned);
    let run = datasurface(
        &["render", &m, "--all", "--out", "out", "--commit", "c0ffee"],
        &dir,
    );
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    rendered 18 artifacts of platform `Azure Platform` into out/Azure%20Platform
    rendered 12 artifacts of platform `Local` into out/Local
    2 platforms from model c0ffee
    --- stderr
    ");
    let azure = source(&dir, "Azure%20Platform");
    assert_eq!(azure["platform"], "Azure Platform");
    assert_eq!(azure["kind"], "airflow");
    assert_eq!(azure["model"]["commit"], "c0ffee");
    assert!(dir.join("out/Local/rendering.json").is_file());
    // The content hash names the files under the model, wherever the command runs.
    let elsewhere = datasurface(
        &[
            "render",
            "gitops-render-all/model",
            "--all",
            "--out",
            "again",
        ],
        dir.parent().unwrap(),
    );
    assert_eq!(elsewhere.code, 0, "{}", elsewhere.transcript());
    let again: serde_json::Value = serde_json::from_str(&read(
        &dir.parent().unwrap().join("again/Local/source.json"),
    ))
    .unwrap();
    assert_eq!(
        again["model"]["contentHash"],
        source(&dir, "Local")["model"]["contentHash"]
    );
    assert_eq!(again["rendering"], source(&dir, "Local")["rendering"]);
    let _ = std::fs::remove_dir_all(dir.parent().unwrap().join("again"));
    // Rendering again changes nothing.
    let before = read(&dir.join("out/Local/rendering.json"));
    let run = datasurface(
        &["render", &m, "--all", "--out", "out", "--commit", "c0ffee"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(read(&dir.join("out/Local/rendering.json")), before);
}

/// docs/gitops.md shows `advance` printing `stdout`, its model commit a
/// real one where the test's is `two`.
fn doc_shows(stdout: &str) {
    let doc = read(&super::repo_root().join("docs/gitops.md"));
    let shown = doc
        .split("```console\n$ datasurface advance model --out renderings\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/gitops.md shows `advance`");
    let commit = shown
        .split("; model ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("the summary names the commit");
    assert_eq!(
        stdout,
        shown.replace(&format!("model {commit} at"), "model two at"),
        "docs/gitops.md shows what `advance` prints"
    );
}

#[test]
fn advance_moves_each_platform_by_its_cadence() {
    let (dir, m) = rendered_once("gitops-advance");
    let azure_before = read(&dir.join("out/Azure%20Platform/rendering.json"));

    // A change every platform renders differently, on a Tuesday: Local moves at
    // once, the Azure platform waits for its weekend window.
    copy_northwind(&dir.join("model"), with_fax);
    let tuesday = [
        "advance",
        &m,
        "--out",
        "out",
        "--commit",
        "two",
        "--now",
        "2026-11-24T10:00:00Z",
    ];
    let run = datasurface(&tuesday, &dir);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    Azure Platform  waiting        5 to update: outside its window (`0 22 * * 5` for 3360 minutes); it opens 2026-11-27T22:00:00Z
    Local           advanced       4 to update: its cadence is `immediate`
    1 advanced, 1 waiting, 0 current; model two at 2026-11-24T10:00:00Z
    --- stderr
    ");
    doc_shows(&run.stdout);
    assert_eq!(source(&dir, "Local")["model"]["commit"], "two");
    assert_eq!(source(&dir, "Azure%20Platform")["model"]["commit"], "one");
    assert_eq!(
        read(&dir.join("out/Azure%20Platform/rendering.json")),
        azure_before
    );

    // With --verbose, what a waiting platform will do, step by step.
    let mut verbose = tuesday.to_vec();
    verbose.extend(["--dry-run", "--verbose"]);
    let run = datasurface(&verbose, &dir);
    assert!(
        run.stdout
            .contains("\n    ~ update  sql/ingest/NW_Data.sql\n        why: the ingestion of datastore `NW_Data`: its content changed"),
        "{}",
        run.transcript()
    );

    // With --quiet, only the summary.
    let mut quiet = tuesday.to_vec();
    quiet.extend(["--dry-run", "--quiet"]);
    let run = datasurface(&quiet, &dir);
    assert_eq!(
        run.stdout,
        "0 advanced, 1 waiting, 1 current; model two at 2026-11-24T10:00:00Z\n",
        "{}",
        run.transcript()
    );

    // Asked again the same day: nothing new.
    let run = datasurface(&tuesday, &dir);
    assert!(
        run.stdout.contains("0 advanced, 1 waiting, 1 current"),
        "{}",
        run.transcript()
    );

    // A dry run inside the window writes nothing.
    let friday_night = [
        "advance",
        &m,
        "--out",
        "out",
        "--commit",
        "two",
        "--now",
        "2026-11-27T23:00:00Z",
    ];
    let mut dry = friday_night.to_vec();
    dry.push("--dry-run");
    let run = datasurface(&dry, &dir);
    insta::assert_snapshot!(run.stdout, @r"
    Azure Platform  would advance  5 to update: inside its window (`0 22 * * 5` for 3360 minutes), open until 2026-11-30T06:00:00Z
    Local           current        no change: already rendered from this model
    1 would advance, 0 waiting, 1 current; model two at 2026-11-27T23:00:00Z
    ");
    assert_eq!(
        read(&dir.join("out/Azure%20Platform/rendering.json")),
        azure_before
    );

    // Inside the window it moves, and says so as JSON too.
    let mut json = friday_night.to_vec();
    json.extend(["--format", "json"]);
    let run = datasurface(&json, &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let decided: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(decided["platforms"][0]["decision"], "advanced");
    assert_eq!(decided["platforms"][0]["from"]["commit"], "one");
    assert_eq!(decided["platforms"][0]["plan"]["update"], 5);
    assert_eq!(decided["platforms"][0]["until"], "2026-11-30T06:00:00Z");
    assert_eq!(decided["platforms"][1]["decision"], "current");
    assert_eq!(source(&dir, "Azure%20Platform")["model"]["commit"], "two");
    assert_ne!(
        read(&dir.join("out/Azure%20Platform/rendering.json")),
        azure_before
    );
}

#[test]
fn a_change_that_renders_the_same_moves_at_any_time_and_force_moves_one() {
    let (dir, m) = rendered_once("gitops-same");
    // Documentation only: no platform's artifacts change.
    copy_northwind(&dir.join("model"), |team| format!("# A comment.\n{team}"));
    let run = datasurface(
        &[
            "advance",
            &m,
            "--out",
            "out",
            "--commit",
            "two",
            "--now",
            "2026-11-24T10:00:00Z",
        ],
        &dir,
    );
    assert!(
        run.stdout
            .contains("Azure Platform  advanced       no change: its rendering does not change"),
        "{}",
        run.transcript()
    );
    assert_eq!(source(&dir, "Azure%20Platform")["model"]["commit"], "two");

    copy_northwind(&dir.join("model"), with_fax);
    let run = datasurface(
        &[
            "advance",
            &m,
            "--out",
            "out",
            "--commit",
            "three",
            "--now",
            "2026-11-24T10:00:00Z",
            "--platform",
            "Azure Platform",
            "--force",
        ],
        &dir,
    );
    insta::assert_snapshot!(run.stdout, @r"
    Azure Platform  advanced       5 to update: forced with --force
    1 advanced, 0 waiting, 0 current; model three at 2026-11-24T10:00:00Z
    ");
    // Local was not named: it stays where it was.
    assert_eq!(source(&dir, "Local")["model"]["commit"], "two");

    let run = datasurface(&["advance", &m, "--out", "out", "--platform", "Nope"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("no platform named `Nope`"),
        "{}",
        run.stderr
    );
    let run = datasurface(&["advance", &m, "--out", "out", "--force"], &dir);
    assert_eq!(
        run.code,
        2,
        "--force needs --platform: {}",
        run.transcript()
    );
}

#[test]
fn hostile_names_and_folders_are_refused_or_kept_safe() {
    let dir = scratch("gitops-hostile");
    let m = model(&dir, str::to_owned);
    let eco = dir.join("model/ecosystem.yaml");
    let text = read(&eco);
    // A platform named `..` renders into its own folder, never above OUT.
    let dotdot = text
        .replace("  Local:\n", "  '..':\n")
        .replace("      Local: {}\n", "      '..': {}\n")
        .replace("platform: Local\n", "platform: '..'\n");
    std::fs::write(&eco, &dotdot).unwrap();
    let run = datasurface(&["render", &m, "--all", "--out", "out"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        dir.join("out/%2E./source.json").is_file(),
        "{}",
        run.transcript()
    );
    assert!(!dir.join("source.json").exists());
    assert_eq!(source(&dir, "%2E.")["platform"], "..");

    // The folder of a platform the model no longer declares is kept, with a warning.
    std::fs::write(&eco, &text).unwrap();
    let run = datasurface(&["advance", &m, "--out", "out"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("out/%2E. holds a platform the model no longer declares"),
        "{}",
        run.stderr
    );
    assert!(dir.join("out/%2E./rendering.json").is_file());

    // Two platforms whose folders meet on a file system that ignores case.
    let clash = text.replacen(
        "  Local:\n",
        "  local:\n    kind: sqlite\n    version: ^0.1\n  Local:\n",
        1,
    );
    std::fs::write(&eco, clash).unwrap();
    let run = datasurface(&["render", &m, "--all", "--out", "clash"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("would share the folder"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("clash").exists());
    std::fs::write(&eco, &text).unwrap();

    // A platform's folder that is a link (committed by someone) is refused,
    // and nothing is written where it points.
    std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
    std::fs::create_dir_all(dir.join("linked")).unwrap();
    std::os::unix::fs::symlink(dir.join("elsewhere"), dir.join("linked/Local")).unwrap();
    let run = datasurface(&["render", &m, "--all", "--out", "linked"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("linked/Local is a link"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_dir(dir.join("elsewhere")).unwrap().count(), 0);

    // A folder that is not a rendering is never replaced; a broken source record is named.
    std::fs::create_dir_all(dir.join("mine/Local")).unwrap();
    std::fs::write(dir.join("mine/Local/notes.txt"), "keep").unwrap();
    let run = datasurface(&["render", &m, "--all", "--out", "mine"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert_eq!(read(&dir.join("mine/Local/notes.txt")), "keep");
    std::fs::write(dir.join("out/Local/source.json"), "{").unwrap();
    let run = datasurface(&["advance", &m, "--out", "out"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("out/Local/source.json is not a source record"),
        "{}",
        run.stderr
    );
}

#[test]
fn nothing_is_written_unless_every_platform_renders() {
    let dir = scratch("gitops-all-or-nothing");
    let m = model(&dir, str::to_owned);
    let eco = dir.join("model/ecosystem.yaml");
    // The sqlite platform's source is not a SQLite file path it accepts.
    let text = read(&eco).replacen(
        "sources: {NW Source DB: data/northwind.sqlite}",
        "sources: {NW Source DB: 42}",
        1,
    );
    std::fs::write(&eco, text).unwrap();
    let run = datasurface(&["render", &m, "--all", "--out", "out"], &dir);
    assert_ne!(run.code, 0, "{}", run.transcript());
    // The gate's pipeline refuses the model before any platform renders.
    assert!(
        run.stderr.contains("invalid-platform-parameter")
            && run.stderr.contains("the model has errors"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("out").exists());
}

#[test]
fn the_commit_is_asked_of_git_and_uncommitted_changes_are_said() {
    let dir = scratch("gitops-git");
    let m = model(&dir, str::to_owned);
    let git = |args: &[&str]| super::git(&dir, args);
    git(&["init", "-q"]);
    git(&["add", "model"]);
    git(&["commit", "-q", "-m", "the model"]);
    let head = git(&["rev-parse", "HEAD"]);
    let run = datasurface(&["render", &m, "--all", "--out", "out"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(run.stderr, "");
    assert!(
        run.stdout
            .ends_with(&format!("2 platforms from model {}\n", &head[..12])),
        "{}",
        run.stdout
    );
    assert_eq!(source(&dir, "Local")["model"]["commit"], head.as_str());
    assert_eq!(
        source(&dir, "Local")["model"].get("uncommittedChanges"),
        None
    );

    // The rendering itself, outside the model, is not a change of the model.
    copy_northwind(&dir.join("model"), with_fax);
    let run = datasurface(
        &["advance", &m, "--out", "out", "--platform", "Local"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains("has changes not committed to"),
        "{}",
        run.stderr
    );
    assert_eq!(source(&dir, "Local")["model"]["uncommittedChanges"], true);
}

#[test]
fn a_second_run_while_one_writes_writes_nothing() {
    let (dir, m) = rendered_once("gitops-overlap");
    // Another run holds the folder (as `advance` does while it writes).
    let held = std::fs::File::open(dir.join("out")).unwrap();
    held.lock().unwrap();
    copy_northwind(&dir.join("model"), with_fax);
    let run = datasurface(&["advance", &m, "--out", "out", "--commit", "two"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("is writing out; nothing was written"),
        "{}",
        run.stderr
    );
    assert_eq!(source(&dir, "Local")["model"]["commit"], "one");
    // A dry run writes nothing, so it does not wait for the folder.
    let run = datasurface(&["advance", &m, "--out", "out", "--dry-run"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    held.unlock().unwrap();
    let run = datasurface(&["advance", &m, "--out", "out", "--commit", "two"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(source(&dir, "Local")["model"]["commit"], "two");
}

/// `datasurface advance --force` in `dir`, stopped if it takes more than a
/// minute (a FIFO once made it wait for ever, holding the lock).
#[cfg(unix)]
fn advance_within_a_minute(dir: &Path, m: &str) -> (i32, String) {
    let run = super::datasurface_within_a_minute(
        &[
            "advance",
            m,
            "--out",
            "out",
            "--platform",
            "Local",
            "--force",
        ],
        dir,
        "advance hung on a hostile folder",
    );
    (run.code, run.stderr)
}

#[cfg(unix)]
#[test]
fn a_renderings_folder_is_read_and_written_without_following_links() {
    use std::os::unix::fs::symlink;
    let (dir, m) = rendered_once("gitops-links");
    let victim = dir.join("victim");
    std::fs::create_dir_all(victim.join("sqlite")).unwrap();
    std::fs::write(victim.join("sqlite/keep.sql"), "keep").unwrap();
    let local = dir.join("out/Local");
    let artifacts = local.join("artifacts");
    let saved = dir.join("saved-artifacts");
    std::fs::rename(&artifacts, &saved).unwrap();

    // A folder below a platform's folder that is a link: nothing is
    // written or removed where it points, even a file the index names.
    symlink(&victim, &artifacts).unwrap();
    let index = read(&local.join("rendering.json"));
    let crafted = index.replacen(
        "\"artifacts\": {",
        "\"artifacts\": {\n    \"sqlite/keep.sql\": {\"hash\": \"0\"},",
        1,
    );
    std::fs::write(local.join("rendering.json"), crafted).unwrap();
    let (code, stderr) = advance_within_a_minute(&dir, &m);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a link"), "{stderr}");
    assert_eq!(read(&victim.join("sqlite/keep.sql")), "keep");
    assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 1);
    std::fs::remove_file(&artifacts).unwrap();
    std::fs::rename(&saved, &artifacts).unwrap();
    std::fs::write(local.join("rendering.json"), &index).unwrap();

    // An artifact that is a link to a device is not read (`/dev/zero` never ends).
    let some_artifact = std::fs::read_dir(artifacts.join("merge"))
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_type().unwrap().is_file())
        .unwrap()
        .path();
    let original = std::fs::read(&some_artifact).unwrap();
    std::fs::remove_file(&some_artifact).unwrap();
    symlink("/dev/zero", &some_artifact).unwrap();
    let (code, stderr) = advance_within_a_minute(&dir, &m);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a link"), "{stderr}");
    std::fs::remove_file(&some_artifact).unwrap();
    std::fs::write(&some_artifact, original).unwrap();

    // A FIFO in place of `source.json`: refused at once, the lock let go.
    let source_json = local.join("source.json");
    let record = read(&source_json);
    std::fs::remove_file(&source_json).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(&source_json)
        .status()
        .unwrap();
    assert!(made.success());
    let (code, stderr) = advance_within_a_minute(&dir, &m);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");
    std::fs::remove_file(&source_json).unwrap();
    std::fs::write(&source_json, record).unwrap();
    let (code, stderr) = advance_within_a_minute(&dir, &m);
    assert_eq!(code, 0, "{stderr}");
}

#[cfg(unix)]
#[test]
fn git_runs_nothing_the_model_checkout_configures() {
    let dir = scratch("gitops-git-config");
    let m = model(&dir, str::to_owned);
    let git = |args: &[&str]| super::git(&dir, args);
    git(&["init", "-q"]);
    git(&["add", "model"]);
    git(&["commit", "-q", "-m", "the model"]);
    // The checkout's own configuration names commands for every file: a
    // filter, a file-system monitor, hooks, a pager, an external diff.
    let marker = dir.join("ran");
    let run = format!("sh -c 'echo ran >> {}; cat'", marker.display());
    std::fs::write(dir.join(".gitattributes"), "* filter=evil diff=evil\n").unwrap();
    for (key, value) in [
        ("filter.evil.process", run.as_str()),
        ("filter.evil.clean", run.as_str()),
        ("filter.evil.smudge", run.as_str()),
        ("diff.evil.command", run.as_str()),
        ("diff.external", run.as_str()),
        ("core.fsmonitor", run.as_str()),
        ("core.pager", run.as_str()),
    ] {
        git(&["config", key, value]);
    }
    // A changed file, so that git would have to look at its content.
    let eco = dir.join("model/ecosystem.yaml");
    std::fs::write(&eco, read(&eco) + "\n").unwrap();
    let run = datasurface(&["render", &m, "--all", "--out", "out"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains("has changes not committed to"),
        "{}",
        run.stderr
    );
    assert!(
        !marker.exists(),
        "git ran a command the checkout configured"
    );
}
