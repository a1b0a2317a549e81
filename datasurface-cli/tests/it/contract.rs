//! `datasurface contract export` and `import` on the examples: the exports
//! checked by the standard's own tools, export then import giving back the
//! team files' datasets, and files never written through or replaced.

use std::path::{Path, PathBuf};
use std::process::Command;

use datasurface_core::names::DatasetName;
use datasurface_core::{Dataset, OrderedMap};

use crate::{datasurface, repo_root, scratch};

fn odcs_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".odcs.yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn exported_examples_pass_datacontract_lint_and_the_standard_model() {
    let Some(bin) = crate::external::contract_tools() else {
        return;
    };
    let dir = scratch("contract-examples");
    let mut files = Vec::new();
    for model in ["northwind", "federated"] {
        for (flag, sub) in [(None, "stores"), (Some("--per-dataset"), "datasets")] {
            let out = dir.join(model).join(sub);
            let path = repo_root().join("examples/models").join(model);
            let mut args = vec![
                "contract",
                "export",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ];
            args.extend(flag);
            let run = datasurface(&args, &dir);
            assert_eq!(run.code, 0, "{}", run.transcript());
            files.extend(odcs_files(&out));
        }
    }
    assert!(files.len() >= 12, "{files:?}");
    for file in &files {
        let out = Command::new(bin.join("datacontract"))
            .arg("lint")
            .arg(file)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("valid against ODCS v3.1.0"),
            "{}: {text}",
            file.display()
        );
    }
    let script = repo_root().join("datasurface-contract/tests/it/check_contracts.py");
    let out = Command::new(bin.join("python"))
        .arg(script)
        .args(&files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len(),
        "{text}"
    );
}

/// The datasets of a datastore in a `Team` document's YAML.
fn datasets(team_yaml: &str, store: &str) -> OrderedMap<DatasetName, Dataset> {
    let value: serde_json::Value = serde_saphyr::from_str(team_yaml).unwrap();
    serde_json::from_value(value["datastores"][store]["datasets"].clone()).unwrap()
}

#[test]
fn export_then_import_gives_back_every_teams_datasets() {
    let dir = scratch("contract-round-trip");
    for (model, teams) in [
        ("northwind", &["zones/usa/teams/northwindteam.yaml"][..]),
        (
            "federated",
            &[
                "zones/usa/teams/trading.yaml",
                "zones/usa/teams/risk.yaml",
                "zones/eu/teams/customer.yaml",
                "zones/eu/teams/analytics.yaml",
            ][..],
        ),
    ] {
        let path = repo_root().join("examples/models").join(model);
        let out = dir.join(model);
        let run = datasurface(
            &[
                "contract",
                "export",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &dir,
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
        for team in teams {
            let text = std::fs::read_to_string(path.join(team)).unwrap();
            let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
            let Some(stores) = value["datastores"].as_object() else {
                continue;
            };
            for store in stores.keys() {
                let contract = out.join(format!("{store}.odcs.yaml"));
                let run = datasurface(
                    &[
                        "contract",
                        "import",
                        contract.to_str().unwrap(),
                        "--container",
                        "Any",
                    ],
                    &dir,
                );
                assert_eq!(run.code, 0, "{}", run.transcript());
                assert_eq!(run.stderr, "", "nothing left out of what datasurface wrote");
                assert!(
                    run.stdout
                        .contains(&format!("zone: {}\n", value["zone"].as_str().unwrap()))
                );
                assert_eq!(
                    datasets(&run.stdout, store),
                    datasets(&text, store),
                    "{model} {store}"
                );
            }
        }
    }
}

#[test]
fn import_writes_a_new_file_and_never_replaces_one() {
    let dir = scratch("contract-import-out");
    let contract = repo_root().join("examples/contracts/orders.odcs.yaml");
    let target = dir.join("shop.yaml");
    std::fs::write(&target, "# the team's own file\n").unwrap();
    let args = [
        "contract",
        "import",
        contract.to_str().unwrap(),
        "--container",
        "Shop DB",
        "--team",
        "Shop",
        "--out",
        "shop.yaml",
    ];
    let run = datasurface(&args, &dir);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("never replaces one"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "# the team's own file\n"
    );
    std::fs::remove_file(&target).unwrap();
    let run = datasurface(&args, &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(
        written.contains("kind: Team\nzone: Sales\nname: Shop\n"),
        "{written}"
    );
}

#[cfg(unix)]
#[test]
fn export_never_writes_through_a_link() {
    let dir = scratch("contract-export-link");
    let outside = dir.join("outside.txt");
    std::fs::write(&outside, "keep\n").unwrap();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::os::unix::fs::symlink(&outside, out.join("NW_Data.odcs.yaml")).unwrap();
    let model = repo_root().join("examples/models/northwind");
    let run = datasurface(
        &[
            "contract",
            "export",
            model.to_str().unwrap(),
            "--out",
            "out",
        ],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("is not a regular file"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), "keep\n");
}

#[test]
fn import_refuses_what_is_not_a_contract_file() {
    let dir = scratch("contract-import-bad");
    std::fs::create_dir_all(dir.join("a-directory")).unwrap();
    let run = datasurface(
        &["contract", "import", "a-directory", "--container", "X"],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("a-directory is not a regular file"),
        "{}",
        run.stderr
    );
    let run = datasurface(
        &["contract", "import", "missing.yaml", "--container", "X"],
        &dir,
    );
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr.contains("cannot read missing.yaml"),
        "{}",
        run.stderr
    );
}

#[test]
fn import_never_shows_what_a_file_holds_nor_paints_the_terminal() {
    let dir = scratch("contract-import-hostile");
    let token = "ghp_0123456789abcdefSECRET";
    // A token file named directly, and through a link in a repository the
    // user imports from: neither shows the token.
    let outside = scratch("contract-import-hostile-outside");
    std::fs::write(outside.join("token"), format!("{token}\n")).unwrap();
    let run = datasurface(
        &[
            "contract",
            "import",
            outside.join("token").to_str().unwrap(),
            "--container",
            "C",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("it is a string"), "{}", run.stderr);
    assert!(!run.transcript().contains(token), "{}", run.transcript());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("token"), dir.join("orders.yaml")).unwrap();
        let run = datasurface(
            &["contract", "import", "orders.yaml", "--container", "C"],
            &dir,
        );
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert!(
            run.stderr
                .contains("orders.yaml is a link that leads out of the working folder"),
            "{}",
            run.stderr
        );
        assert!(!run.transcript().contains(token), "{}", run.transcript());
    }
    // A file that is not YAML: where, never what.
    std::fs::write(dir.join("broken.yaml"), format!("key: [{token}\n")).unwrap();
    let run = datasurface(
        &["contract", "import", "broken.yaml", "--container", "C"],
        &dir,
    );
    assert!(
        run.stderr.contains("is not YAML or JSON at line"),
        "{}",
        run.stderr
    );
    assert!(!run.transcript().contains(token), "{}", run.transcript());
    // Keys that would paint the terminal are shown escaped.
    let orders = std::fs::read_to_string(repo_root().join("examples/contracts/orders.odcs.yaml"))
        .unwrap()
        .replacen(
            "        primaryKey: true\n",
            "        primaryKey: true\n        \"\\e[2J\\e]0;owned\\a\": 1\n",
            1,
        );
    std::fs::write(dir.join("painted.yaml"), orders).unwrap();
    let run = datasurface(
        &[
            "contract",
            "import",
            "painted.yaml",
            "--container",
            "C",
            "--team",
            "Shop",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("`\\u{1b}[2J\\u{1b}]0;owned\\u{7}` left out"),
        "{}",
        run.stderr
    );
    assert!(
        !run.transcript().contains('\u{1b}'),
        "{:?}",
        run.transcript()
    );
    assert!(
        !run.transcript().contains('\u{7}'),
        "{:?}",
        run.transcript()
    );
}
