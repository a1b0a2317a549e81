//! Integration tests of the `datasurface` binary: output and exit codes.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

mod boundaries;
mod gitops;
mod hooks;
mod job;
mod newcomer;
mod serve;
mod walkthrough;

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
fn check_passes_the_examples() {
    let run = datasurface(&["check", "examples/models/northwind"], &repo_root());
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    checked ecosystem `Northwind` (3 documents: 1 zone, 1 team, 2 datastores with 4 datasets, 2 workspaces, 2 platforms): 0 errors, 0 warnings
    --- stderr
    ");
    // Federated declares platforms of kinds that other programs render: an
    // error unless the gate is told so.
    let run = datasurface(
        &["check", "--deny-warnings", "examples/models/federated"],
        &repo_root(),
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_eq!(
        run.stderr.matches("error[unknown-platform-kind]").count(),
        2,
        "{}",
        run.stderr
    );
    let run = datasurface(
        &[
            "check",
            "--deny-warnings",
            "--platform-kinds-external",
            "aws,databricks",
            "examples/models/federated",
        ],
        &repo_root(),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn check_a_single_file() {
    let dir = scratch("single");
    let model = "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Tiny\nowningRepository: {name: a/b, branch: main}\nliveRepository: {name: a/b, branch: live}\n";
    std::fs::write(dir.join("model.yaml"), model).unwrap();
    let run = datasurface(&["check", "model.yaml"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("`Tiny` (1 document: 0 zones"),
        "{}",
        run.stdout
    );
}

/// A copy of Northwind with two validation errors.
fn broken_northwind(name: &str) -> PathBuf {
    let dir = scratch(name);
    copy_northwind(&dir, |team| {
        team.replacen("primaryKey: [product_id]", "primaryKey: [product_idd]", 1)
            .replacen(
                "- {datastore: NW_Data, dataset: suppliers}",
                "- {datastore: NW_Data, dataset: supplier}",
                1,
            )
    });
    dir
}

#[test]
fn validation_errors_exit_1_with_source_lines() {
    let dir = broken_northwind("invalid");
    let run = datasurface(&["check", "."], &dir);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn machine_formats() {
    let dir = broken_northwind("formats");
    let json = datasurface(&["check", "--format", "json", "."], &dir);
    assert_eq!(json.code, 1);
    let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(findings.as_array().map(Vec::len), Some(2));
    for key in [
        "code", "severity", "path", "message", "help", "file", "line", "column",
    ] {
        assert!(findings[0].get(key).is_some(), "JSON findings have `{key}`");
    }
    insta::assert_snapshot!("json", json.stdout);
    let github = datasurface(&["check", "--format", "github", "."], &dir);
    assert_eq!(github.code, 1);
    insta::assert_snapshot!("github", github.stdout);
    let sarif = datasurface(&["check", "--format", "sarif", "."], &dir);
    assert_eq!(sarif.code, 1);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "key-column-unknown");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        51
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "unknown-dataset"));
}

#[test]
fn load_errors_in_machine_formats() {
    let dir = scratch("load-json");
    std::fs::write(
        dir.join("m.yaml"),
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nnme: x\n",
    )
    .unwrap();
    let run = datasurface(&["check", "--format", "json", "m.yaml"], &dir);
    assert_eq!(run.code, 2);
    let findings: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(findings[0]["code"], "load-error");
    assert_eq!(findings[0]["line"], 3);
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = scratch("warnings");
    // A production workspace reading non-production data: warnings, not errors.
    copy_northwind(&dir, |team| {
        team.replacen(
            "    priority: HIGH\n",
            "    priority: HIGH\n    productionStatus: PRODUCTION\n",
            1,
        )
    });
    let run = datasurface(&["check", "."], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains("warning[production-mismatch]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("0 errors, 3 warnings"),
        "{}",
        run.stdout
    );
    let run = datasurface(&["check", "--deny-warnings", "."], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("0 errors, 3 warnings"),
        "{}",
        run.stderr
    );
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
            original.replacen("port: 5432", "port: fourteen", 1),
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
fn parse_errors_exit_2_with_every_error_located() {
    let dir = scratch("parse-errors");
    copy_northwind(&dir, |team| {
        team.replacen("nullable: false", "nulable: false", 1)
    });
    let zone = dir.join("zones/usa/zone.yaml");
    let text = std::fs::read_to_string(&zone).unwrap().replacen(
        "kind: GovernanceZone",
        "kind: GovernanceZones",
        1,
    );
    std::fs::write(&zone, text).unwrap();
    let run = datasurface(&["check", "."], &dir);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn model_structure_errors_exit_1() {
    let dir = scratch("model-errors");
    copy_northwind(&dir, |team| team.replacen("zone: USA", "zone: US", 1));
    let run = datasurface(&["check", "."], &dir);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn io_and_usage_errors_exit_2() {
    let dir = scratch("io");
    let run = datasurface(&["check", "missing.yaml"], &dir);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--> missing.yaml") && run.stderr.contains("cannot read"),
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
fn explain_a_code_and_the_catalogue() {
    let run = datasurface(&["explain", "missing-primary-key"], &repo_root());
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("missing-primary-key (error)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("is reported as:"), "{}", run.stdout);
    let run = datasurface(&["explain", "missing-primary-kee"], &repo_root());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown diagnostic code"),
        "{}",
        run.stderr
    );
    let run = datasurface(&["explain", "--all"], &repo_root());
    assert_eq!(run.code, 0);
    let committed = std::fs::read_to_string(repo_root().join("docs/diagnostics.md")).unwrap();
    assert_eq!(
        run.stdout, committed,
        "docs/diagnostics.md is `datasurface explain --all`"
    );
}

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

#[test]
fn graph_prints_each_platforms_intention_graph() {
    let root = repo_root();
    let run = datasurface(
        &["graph", "examples/models/northwind", "--format", "mermaid"],
        &root,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.starts_with("graph LR\n"), "{}", run.stdout);
    // Northwind's graph on each of its two platforms.
    assert_eq!(run.stdout.matches(" --> ").count(), 20);
    let run = datasurface(
        &["graph", "examples/models/northwind", "--chunk-size", "4"],
        &root,
    );
    assert_eq!(run.code, 0);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value[0]["platform"], "Azure Platform");
    assert_eq!(value[0]["chunks"].as_array().map(Vec::len), Some(3));
    let run = datasurface(
        &[
            "graph",
            "examples/models/northwind",
            "--format",
            "dot",
            "--platform",
            "Azure Platform",
        ],
        &root,
    );
    assert!(
        run.stdout.starts_with("digraph \"Azure Platform\""),
        "{}",
        run.stdout
    );
    let run = datasurface(
        &["graph", "examples/models/northwind", "--platform", "Nope"],
        &root,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("platforms with assigned dataset groups: Azure Platform, Local"),
        "{}",
        run.stderr
    );
    // The federated example: the EU group moving platforms appears on both.
    let run = datasurface(&["graph", "examples/models/federated"], &root);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value.as_array().map(Vec::len), Some(2));
}

#[test]
fn generate_writes_a_valid_model_deterministically_and_never_over_files() {
    let dir = scratch("generate");
    let args = |out: &str, format: &str| {
        datasurface(
            &[
                "generate",
                "--stores",
                "30",
                "--datasets-per-store",
                "4",
                "--columns",
                "6",
                "--seed",
                "7",
                "--format",
                format,
                "--out",
                out,
            ],
            &dir,
        )
    };
    let run = args("a", "yaml");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.starts_with("generated 30 stores × 4 datasets × 6 columns (123 datasets with transformer outputs), 9 workspaces, 3 transformers, 2 zones, seed 7"),
        "{}",
        run.stdout
    );
    let check = datasurface(&["check", "a"], &dir);
    assert_eq!(check.code, 0, "{}", check.transcript());
    assert!(
        check.stdout.contains(": 0 errors, "),
        "{}",
        check.transcript()
    );
    // The only warnings: the `airflow` platform cannot know where a worker
    // finds the generated file-drop containers (its `sources` parameter says).
    for line in check.stderr.lines().filter(|l| l.starts_with("warning")) {
        assert!(
            line.starts_with("warning[airflow-unreadable-source]")
                && line.contains("file drop container"),
            "{line}"
        );
    }
    // The same arguments give the same files; JSON holds the same model.
    assert_eq!(args("b", "yaml").code, 0);
    for file in [
        "ecosystem.yaml",
        "zones/zone-1/zone.yaml",
        "zones/zone-2/teams/producers-2.yaml",
    ] {
        assert_eq!(
            std::fs::read_to_string(dir.join("a").join(file)).unwrap(),
            std::fs::read_to_string(dir.join("b").join(file)).unwrap(),
            "{file}"
        );
    }
    assert_eq!(args("c", "json").code, 0);
    assert_eq!(datasurface(&["check", "c"], &dir).code, 0);
    // Never over anything: a directory with files in it is refused, untouched.
    let run = args("a", "yaml");
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("is not an empty directory"),
        "{}",
        run.stderr
    );
    assert!(dir.join("a/ecosystem.yaml").exists());
}

#[test]
fn help_lists_the_commands() {
    let run = datasurface(&["--help"], &repo_root());
    assert_eq!(run.code, 0);
    for command in [
        "check", "verify", "graph", "render", "plan", "apply", "run", "up", "explain", "schema",
        "generate",
    ] {
        assert!(run.stdout.contains(command), "{}", run.stdout);
    }
}

#[test]
fn schema_prints_the_committed_schema() {
    let run = datasurface(&["schema"], &repo_root());
    assert_eq!(run.code, 0);
    let committed =
        std::fs::read_to_string(repo_root().join("schema/ecosystem.schema.json")).unwrap();
    assert_eq!(run.stdout, committed);
}

#[test]
fn render_then_plan_a_change() {
    let dir = scratch("render");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    let out = dir.join("rendered");
    let render = |cwd: &Path| {
        datasurface(
            &[
                "render",
                "model",
                "--platform",
                "Azure Platform",
                "--out",
                "rendered",
            ],
            cwd,
        )
    };
    let run = render(&dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("rendered 17 artifacts"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "", "Northwind renders with no finding");
    assert!(out.join("rendering.json").is_file());
    assert!(out.join("artifacts/dags/ingest/NW_Data.py").is_file());
    let plan = |format: &str| {
        datasurface(
            &[
                "plan",
                "model",
                "--platform",
                "Azure Platform",
                "--from",
                "rendered",
                "--format",
                format,
            ],
            &dir,
        )
    };
    let run = plan("human");
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(
        run.stdout,
        "0 to create, 0 to update, 0 to replace, 0 to delete\n"
    );
    // A nullable column changes the artifacts of its dataset's path: its
    // stream's tables, job spec and DAG (which names the spec's hash), its
    // export and the consumer's views.
    copy_northwind(&model, |t| {
        t.replacen(
            "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n",
            "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n            reorder_level: {type: SmallInt, classifications: [PUB]}\n",
            1,
        )
    });
    let run = plan("json");
    assert_eq!(run.code, 0, "{}", run.transcript());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let keys: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "sql/ingest/NW_Data.sql",
            "jobs/ingest/NW_Data.json",
            "dags/ingest/NW_Data.py",
            "sql/export/Test_Azure_SQL/NW_Data/products.sql",
            "sql/workspace/ProductAnalytics/Reporting.sql"
        ]
    );
    // Rendering again replaces the saved rendering; the plan is then empty.
    assert_eq!(render(&dir).code, 0);
    assert!(plan("human").stdout.starts_with("0 to create"));
}

#[test]
fn render_and_plan_refuse_what_they_cannot_do() {
    let dir = scratch("render-errors");
    copy_northwind(&dir.join("model"), str::to_owned);
    std::fs::create_dir_all(dir.join("precious")).unwrap();
    std::fs::write(dir.join("precious/notes.txt"), "keep me").unwrap();
    let run = datasurface(
        &[
            "render",
            "model",
            "--platform",
            "Azure Platform",
            "--out",
            "precious",
        ],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("refusing to replace it"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("precious/notes.txt")).unwrap(),
        "keep me"
    );
    let run = datasurface(
        &["render", "model", "--platform", "Nowhere", "--out", "x"],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("declares: Azure Platform"),
        "{}",
        run.stderr
    );
    let run = datasurface(
        &[
            "plan",
            "model",
            "--platform",
            "Azure Platform",
            "--from",
            "missing",
        ],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("render it first"), "{}", run.stderr);
    // An empty directory plans from nothing: everything is created.
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let run = datasurface(
        &[
            "plan",
            "model",
            "--platform",
            "Azure Platform",
            "--from",
            "empty",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(run.stdout.contains("17 to create"), "{}", run.stdout);
    // A platform kind this build does not know is a diagnostic at the declaration.
    let eco = dir.join("model/ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap();
    std::fs::write(&eco, text.replace("kind: airflow", "kind: dataflow")).unwrap();
    let run = datasurface(
        &[
            "render",
            "model",
            "--platform",
            "Azure Platform",
            "--out",
            "x",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("unknown-platform-kind"),
        "{}",
        run.stderr
    );
    assert!(!dir.join("x").exists());
}

#[test]
fn up_runs_northwind_on_one_machine_and_apply_is_idempotent() {
    let dir = scratch("up");
    copy_northwind(&dir.join("model"), str::to_owned);
    let run = datasurface(&["up", "model", "--state", "state"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains(
            "Masked_NW_Data                           batch    1 committed: 150 read, +150"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("Try:\n  sqlite3 state/containers/Test_Azure_SQL.sqlite"),
        "{}",
        run.stdout
    );
    let run = datasurface(&["apply", "model", "--state", "state"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout
            .starts_with("0 to create, 0 to update, 0 to replace, 0 to delete"),
        "{}",
        run.stdout
    );
    // NW_Data runs every quarter hour: it waits, unless a quarter hour
    // began since `up` ran it.
    let run = datasurface(
        &["run", "model", "--state", "state", "--format", "json"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    if json["streams"].as_array().unwrap().is_empty() {
        assert_eq!(json["waiting"][0]["stream"], "NW_Data", "{json}");
        assert!(
            json["waiting"][0]["next"]
                .as_str()
                .unwrap()
                .ends_with(":00Z")
        );
    } else {
        assert_eq!(json["streams"][0]["inserted"], 0, "{json}");
    }
    // `--all` runs it now; nothing changed in the source.
    let run = datasurface(
        &[
            "run", "model", "--state", "state", "--all", "--format", "json",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["streams"][0]["stream"], "NW_Data");
    assert_eq!(json["streams"][0]["inserted"], 0);
    assert_eq!(json["streams"][0]["status"], "committed");
    // A platform that is not `sqlite` cannot be applied.
    let run = datasurface(
        &[
            "apply",
            "model",
            "--platform",
            "Azure Platform",
            "--state",
            "x",
        ],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("of kind `airflow`"), "{}", run.stderr);
}

/// A model with one stream from a folder of CSV files and one live consumer.
const FEED: &str = r"
apiVersion: datasurface.dev/v1
kind: Ecosystem
name: Feed
owningRepository: {name: acme/eco, branch: main}
liveRepository: {name: acme/eco, branch: live}
platforms:
  Local: {kind: sqlite, version: ^0.1, parameters: {sources: {Drops: drops}}}
zoneDeclarations:
  Z: {repository: {name: acme/z, branch: main}}
zones:
  Z:
    teamDeclarations:
      T: {repository: {name: acme/t, branch: main}}
    teams:
      T:
        containers:
          Drops: {kind: {objectStorage: {bucket: drops}}}
          Warehouse: {kind: platformManaged}
        datastores:
          Feed:
            capture: {ingestion: {container: Drops, consistency: MULTI_DATASET, method: {fileDrop: {}}}}
            datasets:
              events:
                classifications: [PUB]
                schema:
                  columns:
                    id: {type: Integer, nullable: false}
                    kind: {type: {VarChar: {maxSize: 20}}}
                  primaryKey: [id]
        workspaces:
          Live:
            container: Warehouse
            datasetGroups:
              Main:
                sinks: [{datastore: Feed, dataset: events}]
                requirements: {milestoning: LIVE_ONLY, latency: MINUTES}
assignments:
  - {workspace: Live, datasetGroup: Main, platforms: [{platform: Local, status: PROVISIONED}]}
";

fn query(path: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let value: rusqlite::types::Value = conn.query_row(sql, [], |r| r.get(0)).unwrap();
    match value {
        rusqlite::types::Value::Integer(n) => n.to_string(),
        rusqlite::types::Value::Text(t) => t,
        other => format!("{other:?}"),
    }
}

#[test]
fn a_killed_run_recovers_with_no_loss_and_no_duplicate() {
    let dir = scratch("kill");
    std::fs::write(dir.join("model.yaml"), FEED).unwrap();
    std::fs::create_dir_all(dir.join("drops")).unwrap();
    std::fs::write(dir.join("drops/events.csv"), "id,kind\n1,view\n2,buy\n").unwrap();
    for command in ["apply", "run"] {
        let run = datasurface(&[command, "model.yaml", "--state", "state"], &dir);
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
    // A big drop, so the batch takes long enough to be killed in the middle.
    let rows = 200_000;
    let mut csv = String::from("id,kind\n");
    for i in 0..rows {
        let _ = writeln!(csv, "{i},kind{}", i % 7);
    }
    std::fs::write(dir.join("drops/events.csv"), csv).unwrap();
    let merge = dir.join("state/merge.sqlite");
    let view = dir.join("state/containers/Warehouse.sqlite");
    let batch_2_started =
        || query(&merge, "SELECT count(*) FROM ds_batches WHERE batch = 2") == "1";
    let mut killed_mid_batch = false;
    for delay_ms in [30, 120, 400] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
            .args(["run", "model.yaml", "--state", "state"])
            .current_dir(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait for the batch to start, then kill the process without warning.
        for _ in 0..2000 {
            if batch_2_started() || child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        let _ = child.kill();
        let _ = child.wait();
        if !finished {
            killed_mid_batch = true;
            break;
        }
    }
    assert!(
        killed_mid_batch,
        "the run always finished before it could be killed"
    );
    // Nothing of the killed batch is visible.
    let count = "SELECT count(*) || '|' || count(DISTINCT id) FROM Live__Main__Feed__events";
    assert_eq!(query(&view, count), "2|2");
    // Running again finishes the work: every row once, no duplicate keys.
    let run = datasurface(&["run", "model.yaml", "--state", "state"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert_eq!(query(&view, count), format!("{rows}|{rows}"));
    let states = query(
        &merge,
        "SELECT group_concat(status, ',') FROM (SELECT status FROM ds_batches ORDER BY batch)",
    );
    let states: Vec<&str> = states.split(',').collect();
    assert_eq!(states.first(), Some(&"committed"));
    assert_eq!(states.last(), Some(&"committed"));
    assert!(
        states[1..states.len() - 1].iter().all(|s| *s == "failed"),
        "{states:?}"
    );
}

/// Copies the Northwind example into `dir`, with its team document changed by `edit`.
fn copy_northwind(dir: &Path, edit: impl Fn(&str) -> String) {
    std::fs::create_dir_all(dir).unwrap();
    copy_dir(&repo_root().join("examples/models/northwind"), dir);
    let team = dir.join("zones/usa/teams/northwindteam.yaml");
    let text = edit(&std::fs::read_to_string(&team).unwrap());
    std::fs::write(&team, text).unwrap();
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

/// A declared platform with nothing live on it has an empty graph, not an error.
#[test]
fn a_platform_with_nothing_assigned_has_an_empty_graph() {
    let dir = scratch("spare-platform");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    let eco = model.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap().replacen(
        "  Local:\n    kind: sqlite",
        "  Spare:\n    kind: sqlite\n    version: ^0.1\n  Local:\n    kind: sqlite",
        1,
    );
    std::fs::write(&eco, text).unwrap();
    let run = datasurface(&["graph", "model", "--platform", "Spare"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let graph: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(graph[0]["platform"], "Spare");
    assert_eq!(graph[0]["nodes"], serde_json::json!([]));
}

/// `--quiet` prints, for people, only what fails the check: warnings are
/// counted, and printed (and located) only when `--deny-warnings` makes
/// them fail it.
#[test]
fn quiet_check_prints_only_what_fails() {
    let dir = scratch("quiet-check");
    copy_northwind(&dir.join("model"), |team| {
        team.replacen("        classifications: [PC1]\n", "", 1)
    });
    let run = datasurface(&["check", "--quiet", "model"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!run.stderr.contains("warning["), "{}", run.transcript());
    assert!(
        run.stdout.contains("0 errors, 1 warning"),
        "{}",
        run.transcript()
    );
    let run = datasurface(&["check", "--quiet", "--deny-warnings", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("warning[unclassified-dataset]")
            && run
                .stderr
                .contains("--> model/zones/usa/teams/northwindteam.yaml:52:7"),
        "{}",
        run.transcript()
    );
    let run = datasurface(&["check", "model"], &dir);
    assert!(
        run.stderr.contains("warning[unclassified-dataset]"),
        "{}",
        run.transcript()
    );
}
