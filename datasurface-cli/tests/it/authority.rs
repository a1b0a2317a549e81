//! Authority at run time (docs/security.md): a team's pull request that
//! names another owner's resource, or changes another owner's file, does
//! not pass the gate. Each case is what a hostile team tried.

use std::path::Path;

use super::{copy_dir, copy_northwind, datasurface, repo_root, scratch};

/// Northwind with a second team, `Evil`, declared in zone USA and defined
/// by `evil`, a team document of its own.
pub(super) fn with_evil_team(dir: &Path, evil: &str) {
    copy_northwind(dir, str::to_owned);
    let zone = dir.join("zones/usa/zone.yaml");
    let text = std::fs::read_to_string(&zone).unwrap().replacen(
        "teamDeclarations:\n",
        "teamDeclarations:\n  Evil:\n    repository: {name: evil/evil-team, branch: main}\n",
        1,
    );
    std::fs::write(&zone, text).unwrap();
    std::fs::write(
        dir.join("zones/usa/teams/evil.yaml"),
        format!("apiVersion: datasurface.dev/v1\nkind: Team\nzone: USA\nname: Evil\n{evil}"),
    )
    .unwrap();
}

#[test]
fn another_owners_resources_are_refused_at_check() {
    let evil_store = |container: &str, credential: &str, method: &str| {
        format!(
            "datastores:\n  Loot:\n    capture:\n      ingestion:\n        container: {container}\n        consistency: MULTI_DATASET\n        \
             credential: {{name: {credential}, type: USER_PASSWORD}}\n        method: {method}\n    datasets:\n      \
             job_spec:\n        classifications: [PUB]\n        schema:\n          columns:\n            \
             kind: {{type: {{VarChar: {{maxSize: 20}}}}, nullable: false}}\n          primaryKey: [kind]\n"
        )
    };
    let cases = [
        // Another team's source container, read with its own credential.
        (
            "a container",
            format!(
                "containers:\n  Mine:\n    kind: {{database: {{engine: POSTGRES, database: mine}}}}\n{}",
                evil_store("NW Source DB", "evil_reader", "{sqlSnapshot: {}}")
            ),
            "resource-not-granted",
            "uses data container `NW Source DB` of team `NorthwindTeam`",
        ),
        // Another team's credential, on its own server.
        (
            "a credential",
            format!(
                "containers:\n  Mine:\n    kind: {{database: {{engine: POSTGRES, database: mine, endpoint: {{host: evil.example, port: 5432}}}}}}\n{}",
                evil_store("Mine", "nw_reader", "{sqlSnapshot: {}}")
            ),
            "duplicate-credential",
            "credential `nw_reader`, which nobody declares and team `NorthwindTeam` also names",
        ),
        // A platform's own credential: the airflow merge credential.
        (
            "the merge credential",
            format!(
                "containers:\n  Mine:\n    kind: {{database: {{engine: POSTGRES, database: mine, endpoint: {{host: evil.example, port: 5432}}}}}}\n{}",
                evil_store("Mine", "merge_rw", "{sqlSnapshot: {}}")
            ),
            "platform-credential",
            "names credential `merge_rw`, which is platform `Azure Platform`'s own",
        ),
        // A workspace in another team's container.
        (
            "a workspace's container",
            "workspaces:\n  Peek:\n    container: Test Azure SQL\n    datasetGroups:\n      G:\n        sinks:\n          \
             - {datastore: NW_Data, dataset: products}\n"
                .to_owned(),
            "resource-not-granted",
            "workspace `Peek` uses data container `Test Azure SQL`",
        ),
        // Another team's source database file inside the model.
        (
            "a source file",
            "containers:\n  Copy:\n    kind: {database: {engine: SQLITE, database: data/northwind.sqlite}}\n".to_owned(),
            "resource-not-granted",
            "which belongs to team `NorthwindTeam` of zone `USA` (platform `Local`'s `sources` for container `NW Source DB`)",
        ),
        // A drop file outside its folder.
        (
            "a drop file",
            format!(
                "containers:\n  Drops:\n    kind: {{objectStorage: {{bucket: drops}}}}\n{}",
                evil_store("Drops", "evil_reader", "{fileDrop: {files: {job_spec: ../../../etc/passwd}}}")
            ),
            "unconfined-path",
            "reads `../../../etc/passwd`, which is not inside its drop folder",
        ),
    ];
    for (what, evil, code, said) in cases {
        let dir = scratch(&format!("authority-{}", what.replace(' ', "-")));
        with_evil_team(&dir.join("model"), &evil);
        let run = datasurface(&["check", "model", "--format", "json"], &dir);
        assert_eq!(run.code, 1, "{what}: {}{}", run.stdout, run.stderr);
        let findings: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let found =
            findings.as_array().unwrap().iter().any(|f| {
                f["code"] == code && f["message"].as_str().is_some_and(|m| m.contains(said))
            });
        assert!(
            found,
            "{what}: no `{code}` saying {said:?}:\n{}",
            run.stdout
        );
        // The same model with the owner's grant passes that check.
        if code == "resource-not-granted" && what != "a source file" {
            let granted = dir.join("granted");
            copy_dir(&dir.join("model"), {
                std::fs::create_dir_all(&granted).unwrap();
                &granted
            });
            let team = granted.join("zones/usa/teams/northwindteam.yaml");
            let text = std::fs::read_to_string(&team)
                .unwrap()
                .replace("    documentation:\n      description: The order system's operational database.\n", "    grants: [{team: Evil}]\n    documentation:\n      description: The order system's operational database.\n")
                .replace("  Test Azure SQL:\n", "  Test Azure SQL:\n    grants: [{team: Evil}]\n");
            std::fs::write(&team, text).unwrap();
            let run = datasurface(&["check", "granted", "--format", "json"], &dir);
            assert!(
                !run.stdout.contains("resource-not-granted"),
                "{what}, granted: {}{}",
                run.stdout,
                run.stderr
            );
        }
    }
}

/// Another platform's merge database, which the `airflow` platform's
/// `primaries` maps to mirror it, holds every team's rows: a team's SQLite
/// container may not lie on it.
#[test]
fn a_team_file_on_a_mapped_merge_database_is_refused() {
    let dir = scratch("authority-primaries");
    with_evil_team(
        &dir.join("model"),
        "containers:\n  Copy:\n    kind: {database: {engine: SQLITE, database: state/merge.sqlite}}\n",
    );
    let ecosystem = dir.join("model/ecosystem.yaml");
    let text = std::fs::read_to_string(&ecosystem).unwrap().replacen(
        "    documentation:\n      description: Batch pipelines on Apache Airflow, merging into PostgreSQL.\n",
        "    parameters: {primaries: {Local: state/merge.sqlite}}\n    documentation:\n      description: Batch pipelines on Apache Airflow, merging into PostgreSQL.\n",
        1,
    );
    assert!(text.contains("primaries: {Local"), "{text}");
    std::fs::write(&ecosystem, text).unwrap();
    let run = datasurface(&["check", "model", "--format", "json"], &dir);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("resource-not-granted")
            && run
                .stdout
                .contains("platform `Azure Platform`'s `primaries`"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_change_to_another_owners_file_may_not_merge() {
    let dir = scratch("authority-file-change");
    let proposed = dir.join("proposed");
    copy_northwind(&proposed, str::to_owned);
    // The source data, rewritten in a team's pull request.
    let data = proposed.join("data/northwind.sqlite");
    let mut bytes = std::fs::read(&data).unwrap();
    bytes.extend_from_slice(b"tampered");
    std::fs::write(&data, bytes).unwrap();
    let base = repo_root().join("examples/models/northwind");
    let base = base.to_str().unwrap();
    let verify = |source: &str| {
        datasurface(
            &[
                "verify",
                "--base",
                base,
                "--proposed",
                "proposed",
                "--source",
                source,
            ],
            &dir,
        )
    };
    let run = verify("northwind/northwind-team@main");
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "error[unauthorized-file-change]: github:northwind/northwind-team@main changed \
             `data/northwind.sqlite`, which platform `Local`'s `sources` for container \
             `NW Source DB` names; only github:northwind/ecosystem@main may change it"
        ) && run
            .stdout
            .contains("file `data/northwind.sqlite` (github:northwind/ecosystem@main): changed"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    // The ecosystem's repository names it, and may change it.
    let run = verify("northwind/ecosystem@main");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // Unchanged bytes are no change at all.
    std::fs::copy(
        repo_root().join("examples/models/northwind/data/northwind.sqlite"),
        &data,
    )
    .unwrap();
    let run = verify("northwind/northwind-team@main");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no changes"), "{}", run.stdout);
}
