//! Integration tests of the `datasurface` binary: output and exit codes.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr, for a snapshot.
    fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn datasurface(args: &[&str], cwd: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_datasurface"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch directory under the target directory, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn check_loads_the_examples() {
    let run = datasurface(&["check", "examples/models/northwind"], &repo_root());
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    loaded ecosystem `Northwind` from 3 documents: 1 zone, 1 team, 2 datastores (4 datasets), 2 workspaces, 1 platform
    --- stderr
    ");
    let run = datasurface(&["check", "examples/models/federated"], &repo_root());
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn check_reports_json() {
    let run = datasurface(
        &["check", "--format", "json", "examples/models/northwind"],
        &repo_root(),
    );
    assert_eq!(run.code, 0);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["ok"], true);
    assert_eq!(value["datasets"], 4);
}

#[test]
fn check_a_single_file() {
    let dir = scratch("single");
    let model = "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Tiny\nowningRepository: {name: a/b, branch: main}\nliveRepository: {name: a/b, branch: live}\n";
    std::fs::write(dir.join("model.yaml"), model).unwrap();
    let run = datasurface(&["check", "model.yaml"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("`Tiny` from 1 document: 0 zones"),
        "{}",
        run.stdout
    );
}

#[test]
fn parse_errors_exit_2_with_every_error_located() {
    let dir = scratch("parse-errors");
    let northwind = repo_root().join("examples/models/northwind");
    copy_dir(&northwind, &dir);
    let team = dir.join("zones/usa/teams/northwindteam.yaml");
    let text =
        std::fs::read_to_string(&team)
            .unwrap()
            .replacen("nullable: false", "nulable: false", 1);
    std::fs::write(&team, text).unwrap();
    let zone = dir.join("zones/usa/zone.yaml");
    let text = std::fs::read_to_string(&zone).unwrap().replacen(
        "kind: GovernanceZone",
        "kind: GovernanceZones",
        1,
    );
    std::fs::write(&zone, text).unwrap();
    let run = datasurface(&["check", "."], &dir);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 2
    --- stdout
    --- stderr
    ./zones/usa/teams/northwindteam.yaml:43:41: error: unknown field `nulable`
      help: did you mean `nullable`?
    ./zones/usa/zone.yaml:3:1: error: unknown kind `GovernanceZones`
      help: did you mean `GovernanceZone`?
    . could not be loaded: 2 errors
    ");
}

/// The four mistakes every model author makes, each in its own copy of Northwind's team file.
#[test]
fn each_kind_of_mistake_is_located_and_exits_2() {
    let original = std::fs::read_to_string(
        repo_root().join("examples/models/northwind/zones/usa/teams/northwindteam.yaml"),
    )
    .unwrap();
    let cut = original.find("primaryKey: [supplier_id]").unwrap() - 40;
    let cases: [(&str, String); 4] = [
        (
            "type-error.yaml",
            original.replacen("port: 1433", "port: fourteen", 1),
        ),
        (
            "misspelled-field.yaml",
            original.replacen("nullable: false", "nulable: false", 1),
        ),
        (
            "bad-name.yaml",
            original.replacen("  NW_Data:", "  NW Data:", 1),
        ),
        ("truncated.yaml", original[..cut].to_owned()),
    ];
    let dir = scratch("mistakes");
    let mut transcripts = Vec::new();
    for (name, text) in cases {
        std::fs::write(dir.join(name), text).unwrap();
        let run = datasurface(&["check", name], &dir);
        assert_eq!(run.code, 2, "{}", run.transcript());
        transcripts.push(run.transcript());
    }
    insta::assert_snapshot!(transcripts.join("\n"));
}

#[test]
fn model_errors_exit_1() {
    let dir = scratch("model-errors");
    copy_dir(&repo_root().join("examples/models/northwind"), &dir);
    let team = dir.join("zones/usa/teams/northwindteam.yaml");
    let text = std::fs::read_to_string(&team)
        .unwrap()
        .replacen("zone: USA", "zone: US", 1);
    std::fs::write(&team, text).unwrap();
    let run = datasurface(&["check", "."], &dir);
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 1
    --- stdout
    --- stderr
    ./zones/usa/teams/northwindteam.yaml:4:1: error: team `NorthwindTeam` belongs to zone `US`, which no document defines
      help: did you mean `USA`?
    . could not be loaded: 1 error
    ");
}

#[test]
fn io_and_usage_errors_exit_2() {
    let dir = scratch("io");
    let run = datasurface(&["check", "missing.yaml"], &dir);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("missing.yaml: error: cannot read:"),
        "{}",
        run.stderr
    );
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let run = datasurface(&["check", "empty"], &dir);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the directory has no ecosystem.yaml"),
        "{}",
        run.stderr
    );
    std::fs::write(dir.join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
    let run = datasurface(&["check", "latin1.yaml"], &dir);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
    let run = datasurface(&["chekc"], &dir);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("check"),
        "clap suggests the command: {}",
        run.stderr
    );
}

#[test]
fn help_lists_the_commands() {
    let run = datasurface(&["--help"], &repo_root());
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("check"), "{}", run.stdout);
    assert!(run.stdout.contains("schema"), "{}", run.stdout);
}

#[test]
fn schema_prints_the_committed_schema() {
    let run = datasurface(&["schema"], &repo_root());
    assert_eq!(run.code, 0);
    let committed =
        std::fs::read_to_string(repo_root().join("schema/ecosystem.schema.json")).unwrap();
    assert_eq!(run.stdout, committed);
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
