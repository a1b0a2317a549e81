//! `verify`: the gate on a change, by owner and compatibility, from any repository host.

use std::path::Path;

use super::{copy_northwind, datasurface, repo_root, scratch};

#[test]
fn verify_gates_a_change_by_owner_and_compatibility() {
    let dir = scratch("verify");
    let proposed = dir.join("proposed");
    std::fs::create_dir_all(&proposed).unwrap();
    copy_northwind(&proposed, |team| {
        team.replacen("            phone: {type: {NVarChar: {maxSize: 24}}}\n", "            phone: {type: {NVarChar: {maxSize: 24}}}\n            fax: {type: {NVarChar: {maxSize: 24}}}\n", 1)
    });
    let base = repo_root().join("examples/models/northwind");
    let base = base.to_str().unwrap();
    // From the owning team: a nullable column may be added.
    let run = datasurface(
        &[
            "verify",
            "--base",
            base,
            "--proposed",
            "proposed",
            "--source",
            "northwind/northwind-team@main",
        ],
        &dir,
    );
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    team `NorthwindTeam` of zone `USA` (github:northwind/northwind-team@main): changed
      added    /zones/USA/teams/NorthwindTeam/datastores/NW_Data/datasets/suppliers/schema/columns/fax
    may merge
    --- stderr
    ");
    // From the zone's repository: not its region.
    let run = datasurface(
        &[
            "verify",
            "--base",
            base,
            "--proposed",
            "proposed",
            "--source",
            "northwind/usa-zone@main",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("error[unauthorized-change]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("may not merge: 1 error"),
        "{}",
        run.stdout
    );
    // From a stranger, as JSON.
    let run = datasurface(
        &[
            "verify",
            "--base",
            base,
            "--proposed",
            "proposed",
            "--source",
            "someone/else@main",
            "--format",
            "json",
        ],
        &dir,
    );
    assert_eq!(run.code, 1);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["mayMerge"], false);
    assert_eq!(value["findings"][0]["code"], "unknown-change-source");
    assert_eq!(value["changes"][0]["kind"], "changed");
}

/// A team whose repository lives on a self-hosted server is named by
/// `--source` with the server's address; the same path on gitlab.com or on
/// another server is someone else.
#[test]
fn verify_takes_repositories_on_other_servers() {
    let dir = scratch("verify-server");
    let on_server = |root: &Path| {
        let zone = root.join("zones/usa/zone.yaml");
        let text = std::fs::read_to_string(&zone).unwrap().replacen(
            "      name: northwind/northwind-team\n",
            "      host: GITLAB\n      url: https://git.acme.com/tools/gitlab\n      name: data/northwind/team\n",
            1,
        );
        std::fs::write(zone, text).unwrap();
    };
    copy_northwind(&dir.join("base"), str::to_owned);
    on_server(&dir.join("base"));
    copy_northwind(&dir.join("proposed"), |team| {
        team.replacen("            phone: {type: {NVarChar: {maxSize: 24}}}\n", "            phone: {type: {NVarChar: {maxSize: 24}}}\n            fax: {type: {NVarChar: {maxSize: 24}}}\n", 1)
    });
    on_server(&dir.join("proposed"));
    let verify = |source: &str| {
        datasurface(
            &[
                "verify",
                "--base",
                "base",
                "--proposed",
                "proposed",
                "--source",
                source,
            ],
            &dir,
        )
    };
    for source in [
        "gitlab:https://git.acme.com/tools/gitlab/data/northwind/team@main",
        "https://git.acme.com/tools/gitlab/data/northwind/team.git@main",
        "https://GIT.acme.com/tools/gitlab/data/Northwind/team@main",
    ] {
        let run = verify(source);
        assert_eq!(run.code, 0, "{source}: {}", run.transcript());
        assert!(
            run.stdout.contains("team `NorthwindTeam` of zone `USA` (gitlab:https://git.acme.com/tools/gitlab/data/northwind/team@main): changed"),
            "{}",
            run.stdout
        );
    }
    for stranger in [
        "gitlab:data/northwind/team@main",
        "https://git.acme.org/tools/gitlab/data/northwind/team@main",
    ] {
        let run = verify(stranger);
        assert_eq!(run.code, 1, "{stranger}: {}", run.transcript());
        assert!(
            run.stderr.contains("error[unknown-change-source]"),
            "{}",
            run.stderr
        );
    }
    let run = verify("https://token:x@git.acme.com/data/northwind/team@main");
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("no user, password"), "{}", run.stderr);
}

#[test]
fn verify_the_initial_check_in_and_bad_arguments() {
    let root = repo_root();
    // The initial check-in is judged as a change from an empty model: the
    // ecosystem's repository checks in its own document, declarations and
    // all; the zone and the team define themselves later.
    let dir = scratch("initial");
    std::fs::create_dir_all(dir.join("declarations")).unwrap();
    let eco =
        std::fs::read_to_string(root.join("examples/models/northwind/ecosystem.yaml")).unwrap();
    let declarations = eco.split("\nassignments:").next().unwrap();
    std::fs::write(dir.join("declarations/ecosystem.yaml"), declarations).unwrap();
    let run = datasurface(
        &[
            "verify",
            "--proposed",
            "declarations",
            "--source",
            "northwind/ecosystem@main",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let run = datasurface(
        &[
            "verify",
            "--proposed",
            "examples/models/northwind",
            "--source",
            "northwind/ecosystem@main",
        ],
        &root,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("the initial check-in from github:northwind/ecosystem@main defines zone `USA`, which github:northwind/usa-zone@main owns"),
        "{}",
        run.transcript()
    );
    let run = datasurface(
        &[
            "verify",
            "--proposed",
            "examples/models/northwind",
            "--source",
            "northwind/northwind-team@main",
        ],
        &root,
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("initial-check-in-source"),
        "{}",
        run.stderr
    );
    let run = datasurface(
        &[
            "verify",
            "--proposed",
            "examples/models/northwind",
            "--source",
            "not a repository",
        ],
        &root,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("write `owner/name@branch`"),
        "{}",
        run.stderr
    );
    let run = datasurface(
        &[
            "verify",
            "--base",
            "missing",
            "--proposed",
            "examples/models/northwind",
            "--source",
            "a/b@c",
        ],
        &root,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
}

/// Files moved or renamed in a change are paired with the base's files of
/// the same size, to parse a file once when its bytes are the same: a team's
/// file moved as it was is no change, and a zone's file renamed and edited
/// to the same size is still compared in full.
#[test]
fn verify_pairs_moved_files_by_content() {
    let dir = scratch("verify-moved");
    let proposed = dir.join("proposed");
    copy_northwind(&proposed, str::to_owned);
    let usa = proposed.join("zones/usa");
    std::fs::rename(
        usa.join("teams/northwindteam.yaml"),
        usa.join("northwind-team.yaml"),
    )
    .unwrap();
    let zone = std::fs::read_to_string(usa.join("zone.yaml")).unwrap();
    let edited = zone.replacen("governed in the USA.", "governed in the US!.", 1);
    assert_eq!((edited.len(), edited != zone), (zone.len(), true));
    std::fs::remove_file(usa.join("zone.yaml")).unwrap();
    std::fs::write(usa.join("the-zone.yaml"), edited).unwrap();
    let base = repo_root().join("examples/models/northwind");
    let run = datasurface(
        &[
            "verify",
            "--base",
            base.to_str().unwrap(),
            "--proposed",
            "proposed",
            "--source",
            "northwind/usa-zone@main",
        ],
        &dir,
    );
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    zone `USA` (github:northwind/usa-zone@main): changed
      changed  /zones/USA/documentation/description
    may merge
    --- stderr
    ");
}
