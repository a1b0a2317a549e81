//! `--env`: the model as one environment runs it, the gate's checks of
//! every environment, and `release`, the revision an environment runs.

use std::path::Path;

use super::{copy_northwind, datasurface, scratch};

/// Northwind with its ecosystem document's `environments` replaced.
fn northwind_with(dir: &Path, environments: &str) {
    copy_northwind(dir, str::to_owned);
    let eco = dir.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap();
    let start = text.find("environments:\n").unwrap();
    let end = text.find("assignments:\n").unwrap();
    let text = format!("{}{environments}{}", &text[..start], &text[end..]);
    std::fs::write(&eco, text).unwrap();
}

#[test]
fn check_refuses_environments_that_name_unknowns_or_map_half_their_containers() {
    let dir = scratch("environments-check");
    northwind_with(
        &dir.join("model"),
        "environments:\n  test:\n    release: {branch: main}\n    platforms:\n      Local: {parameters: {sorces: {}}}\n      Lokal: {}\n    containers:\n      NW Source DB: {database: {engine: SQLITE, database: test/nw.sqlite}}\n      Nowhere: platformManaged\n",
    );
    let run = datasurface(&["check", "model", "--format", "json"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let found: Vec<(String, String)> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for expected in [
        (
            "environment-unknown-name",
            "/environments/test/platforms/Lokal",
        ),
        (
            "environment-unknown-name",
            "/environments/test/containers/Nowhere",
        ),
        (
            "environment-map-incomplete",
            "/environments/test/containers",
        ),
        (
            "invalid-platform-parameter",
            "/environments/test/platforms/Local/parameters/sorces",
        ),
    ] {
        assert!(
            found
                .iter()
                .any(|(c, p)| c == expected.0 && p == expected.1),
            "{expected:?} in {found:?}"
        );
    }
    let incomplete = json
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "environment-map-incomplete")
        .unwrap();
    assert!(
        incomplete["message"]
            .as_str()
            .unwrap()
            .contains("but not `Test Azure SQL`"),
        "{incomplete}"
    );
    // `check` checks every environment; `--env` is for the commands that
    // work on one.
    let run = datasurface(&["check", "model", "--env", "test"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("check every environment"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_environment_renders_only_its_platforms_with_its_parameters() {
    let dir = scratch("environments-render");
    copy_northwind(&dir.join("model"), str::to_owned);
    let run = datasurface(
        &["render", "model", "--env", "prod", "--all", "--out", "prod"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!dir.join("prod/Local").exists());
    let dag = std::fs::read_to_string(
        dir.join("prod/Azure%20Platform/artifacts/dags/ingest/NW_Data.json"),
    )
    .unwrap();
    assert!(
        dag.contains("nw-merge.postgres.database.azure.com"),
        "{dag}"
    );
    let run = datasurface(&["graph", "model", "--env", "staging"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("the model declares no environment `staging`; it declares: dev, prod"),
        "{}",
        run.stderr
    );
}

#[test]
fn release_outside_git_says_there_is_no_repository() {
    // Outside the workspace's checkout, so no repository lies above it.
    let dir = std::env::temp_dir().join(format!("ds-release-no-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    copy_northwind(&dir, str::to_owned);
    let run = datasurface(&["release", ".", "--env", "dev"], &dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("is not in a git repository, so it has no reviewed history to release from")
            && !run.stderr.contains("has no branch"),
        "{}",
        run.stderr
    );
}

#[test]
fn release_prints_the_revision_an_environment_runs() {
    let dir = scratch("environments-release");
    copy_northwind(&dir, str::to_owned);
    let git = |args: &[&str]| super::git(&dir, args);
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "model"]);
    let first = git(&["rev-parse", "HEAD"]);
    // No release is tagged yet: prod has nothing to run.
    let run = datasurface(&["release", ".", "--env", "prod"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("no tag matches `v*`"), "{}", run.stderr);
    git(&["tag", "v1.9.0"]);
    git(&["commit", "-q", "--allow-empty", "-m", "next"]);
    git(&["tag", "v1.10.0"]);
    git(&["tag", "nightly"]);
    let second = git(&["rev-parse", "HEAD"]);
    let run = datasurface(&["release", ".", "--env", "prod"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        run.stdout,
        format!("environment `prod` runs tag `v1.10.0`, commit {second}\n")
    );
    let run = datasurface(
        &["release", ".", "--env", "dev", "--format", "commit"],
        &dir,
    );
    assert_eq!(run.stdout, format!("{second}\n"), "{}", run.transcript());
    assert_ne!(first, second);
    // A tag pushed on a commit nobody merged is passed over, saying why:
    // production runs only what the reviewed branch `main` holds.
    git(&["checkout", "-q", "-b", "unreviewed"]);
    std::fs::write(dir.join("zones/usa/teams/evil.yaml"), "# not reviewed\n").unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "straight to prod"]);
    git(&["tag", "v9.0.0"]);
    let unreviewed = git(&["rev-parse", "HEAD"]);
    git(&["checkout", "-q", "main"]);
    let run = datasurface(&["release", ".", "--env", "prod"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        run.stdout,
        format!("environment `prod` runs tag `v1.10.0`, commit {second}\n")
    );
    assert!(
        run.stderr.contains(&format!(
            "tag `v9.0.0` is passed over: its commit {unreviewed} is not on the reviewed branch `main`"
        )),
        "{}",
        run.transcript()
    );
    // With only unreviewed tags, nothing is released.
    git(&["tag", "-d", "v1.9.0", "v1.10.0"]);
    let run = datasurface(&["release", ".", "--env", "prod"], &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("no tag that matches `v*` is on the reviewed branch `main`"),
        "{}",
        run.transcript()
    );
}
