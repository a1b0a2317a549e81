//! Nothing the model names is ownerless (issue 57): a file or credential
//! that only an environment names, the `sqlite` platform's own state folder,
//! and a link to another owner's file are each claimed by their owner, so a
//! hostile team's pull request that names them fails `check` and `verify`.
//!
//! Each case is a table row: how the ecosystem document changes, what team
//! `Evil` writes, the finding's code and what it says.

use std::path::Path;

use super::authority::with_evil_team;
use super::{datasurface, scratch};

/// Northwind with team `Evil` defined by `evil`, and the ecosystem
/// document's `dev` environment replaced by `dev`.
fn model(dir: &Path, dev: &str, evil: &str) {
    with_evil_team(dir, evil);
    let eco = dir.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap();
    let old_dev = "  dev:\n    release: {branch: main}\n    platforms:\n      Local: {}\n";
    assert!(
        text.contains(old_dev),
        "the example's dev environment moved"
    );
    std::fs::write(&eco, text.replacen(old_dev, dev, 1)).unwrap();
}

const DEV: &str = "  dev:\n    release: {branch: main}\n    platforms:\n      Local: {}\n";

/// A container of Evil's that is a SQLite file at `path`.
fn evil_file(path: &str) -> String {
    format!("containers:\n  Copy:\n    kind: {{database: {{engine: SQLITE, database: {path}}}}}\n")
}

/// A capture of Evil's that logs in with `credential`.
fn evil_capture(credential: &str) -> String {
    format!(
        "containers:\n  Mine:\n    kind: {{database: {{engine: POSTGRES, database: mine, endpoint: {{host: evil.example, port: 5432}}}}}}\n\
         datastores:\n  Loot:\n    capture:\n      ingestion:\n        container: Mine\n        consistency: MULTI_DATASET\n        \
         credential: {{name: {credential}, type: USER_PASSWORD}}\n        method: {{sqlSnapshot: {{}}}}\n    datasets:\n      \
         job_spec:\n        classifications: [PUB]\n        schema:\n          columns:\n            \
         kind: {{type: {{VarChar: {{maxSize: 20}}}}, nullable: false}}\n          primaryKey: [kind]\n"
    )
}

/// Whether `check --format json` found `code` saying `said`.
fn found(stdout: &str, code: &str, said: &str) -> bool {
    let findings: serde_json::Value = serde_json::from_str(stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == code && f["message"].as_str().is_some_and(|m| m.contains(said)))
}

#[test]
fn resources_only_an_environment_or_a_platform_names_are_owned() {
    let cases: [(&str, String, String, &str, &str); 5] = [
        (
            "a file only an environment's sources overlay names",
            "  dev:\n    release: {branch: main}\n    platforms:\n      Local:\n        parameters:\n          \
             sources: {NW Source DB: data/dev-customers.sqlite}\n"
                .to_owned(),
            evil_file("data/dev-customers.sqlite"),
            "resource-not-granted",
            "which belongs to team `NorthwindTeam` of zone `USA` (platform `Local`'s `sources` for container `NW Source DB`)",
        ),
        (
            "a file only an environment's container map names",
            "  dev:\n    release: {branch: main}\n    platforms:\n      Local: {}\n    containers:\n      \
             NW Source DB: {database: {engine: SQLITE, database: data/dev-orders.sqlite}}\n"
                .to_owned(),
            evil_file("./data/dev-orders.sqlite"),
            "resource-not-granted",
            "which belongs to team `NorthwindTeam` of zone `USA` (environment `dev`'s map of container `NW Source DB`)",
        ),
        (
            "a merge credential only an environment names",
            format!(
                "{DEV}  staging:\n    release: {{branch: main}}\n    platforms:\n      Azure Platform:\n        parameters: {{mergeCredential: staging_merge}}\n"
            ),
            evil_capture("staging_merge"),
            "platform-credential",
            "names credential `staging_merge`, which is platform `Azure Platform`'s own",
        ),
        (
            "the sqlite platform's state folder",
            DEV.to_owned(),
            evil_file("datasurface-state/merge.sqlite"),
            "resource-not-granted",
            "which belongs to platform `Local`",
        ),
        (
            "another team's file beside the state",
            DEV.to_owned(),
            evil_file("Datasurface-State/containers/NW Source DB.sqlite"),
            "resource-not-granted",
            "which belongs to platform `Local`",
        ),
    ];
    for (i, (what, dev, evil, code, said)) in cases.into_iter().enumerate() {
        let dir = scratch(&format!("ownerless-{i}"));
        model(&dir.join("model"), &dev, &evil);
        let run = datasurface(&["check", "model", "--format", "json"], &dir);
        assert_eq!(run.code, 1, "{what}: {}{}", run.stdout, run.stderr);
        assert!(
            found(&run.stdout, code, said),
            "{what}: no `{code}` saying {said:?}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn a_change_to_a_file_only_an_environment_names_may_not_merge() {
    let dir = scratch("ownerless-file-change");
    let dev = "  dev:\n    release: {branch: main}\n    platforms:\n      Local:\n        parameters:\n          \
               sources: {NW Source DB: data/dev-customers.sqlite}\n";
    for side in ["base", "proposed"] {
        model(&dir.join(side), dev, "");
        std::fs::write(dir.join(side).join("data/dev-customers.sqlite"), side).unwrap();
    }
    let run = datasurface(
        &[
            "verify",
            "--base",
            "base",
            "--proposed",
            "proposed",
            "--source",
            "evil/evil-team@main",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("error[unauthorized-file-change]")
            && run.stderr.contains("`data/dev-customers.sqlite`"),
        "{}{}",
        run.stdout,
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_link_is_judged_by_the_file_it_leads_to() {
    use std::os::unix::fs::symlink;
    let cases = [
        (
            "a link to another team's source file",
            "../data/northwind.sqlite",
            "is a link to `data/northwind.sqlite`",
        ),
        (
            "a link into the platform's state",
            "../datasurface-state",
            "which belongs to platform `Local`",
        ),
        (
            "a link out of the model",
            "/etc/hostname",
            "which leads out of the model (to /etc/hostname)",
        ),
    ];
    for (i, (what, target, said)) in cases.into_iter().enumerate() {
        let dir = scratch(&format!("ownerless-link-{i}"));
        let root = dir.join("model");
        let leaf = if target.ends_with("state") {
            "mine"
        } else {
            "mine.sqlite"
        };
        let at = if leaf == "mine" {
            "evil/mine/x.sqlite"
        } else {
            "evil/mine.sqlite"
        };
        model(&root, DEV, &evil_file(at));
        std::fs::create_dir_all(root.join("evil")).unwrap();
        std::fs::create_dir_all(root.join("datasurface-state")).unwrap();
        symlink(target, root.join("evil").join(leaf)).unwrap();
        let run = datasurface(&["check", "model", "--format", "json"], &dir);
        assert_eq!(run.code, 1, "{what}: {}{}", run.stdout, run.stderr);
        assert!(
            found(&run.stdout, "resource-not-granted", said),
            "{what}: nothing saying {said:?}:\n{}",
            run.stdout
        );
    }
}
