//! `render` and `plan`: a platform's rendering saved, and the plan of a change.

use std::path::Path;

use super::{copy_northwind, datasurface, scratch};

/// A render that nothing has changed since the last one leaves the folder
/// as it is without loading the model; any change to the model, the
/// folder, the options or a request for `--force` renders again.
#[test]
fn a_render_nothing_changed_is_skipped_and_anything_changed_renders() {
    let dir = scratch("render-unchanged");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "model", "--platform", "Local", "--out", "r"];
        args.extend_from_slice(extra);
        datasurface(&args, &dir)
    };
    let skipped = |run: &super::Run| {
        run.stderr
            .contains("nothing the last render into r read has changed")
    };
    let first = render(&[]);
    assert_eq!(first.code, 0, "{}", first.transcript());
    assert!(!skipped(&first), "{}", first.transcript());
    let second = render(&[]);
    assert_eq!(second.code, 0, "{}", second.transcript());
    assert!(skipped(&second), "{}", second.transcript());
    assert_eq!(second.stdout, first.stdout, "the same last line");
    // A file of the rendering edited by hand: rendered again, and repaired.
    let mut file = dir.join("r/artifacts");
    while file.is_dir() {
        file = std::fs::read_dir(&file)
            .unwrap()
            .map(|e| e.unwrap().path())
            .min()
            .unwrap();
    }
    let original = std::fs::read_to_string(&file).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&file, "edited by hand").unwrap();
    let repaired = render(&[]);
    assert!(!skipped(&repaired), "{}", repaired.transcript());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);
    assert!(skipped(&render(&[])));
    // A document of the model edited: rendered again.
    copy_northwind(&model, |t| format!("{t}\n"));
    let edited = render(&[]);
    assert!(!skipped(&edited), "{}", edited.transcript());
    assert!(skipped(&render(&[])));
    // A new document in the model: rendered again (it may add a team).
    std::fs::write(model.join("zones/usa/teams/notes.yaml"), "").unwrap();
    let added = render(&[]);
    assert!(!skipped(&added), "{}", added.transcript());
    std::fs::remove_file(model.join("zones/usa/teams/notes.yaml")).unwrap();
    let _ = render(&[]);
    // `--force` renders; a quiet skip says nothing but its last line.
    assert!(!skipped(&render(&["--force"])));
    let quiet = render(&["-q"]);
    assert_eq!(quiet.code, 0, "{}", quiet.transcript());
    assert_eq!(quiet.stderr, "", "{}", quiet.transcript());
    assert_eq!(quiet.stdout, first.stdout);
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
        run.stdout.contains("rendered 18 artifacts"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stderr, "", "Northwind renders with no finding");
    assert!(out.join("rendering.json").is_file());
    assert!(out.join("artifacts/dags/ingest/NW_Data.json").is_file());
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
            "dags/ingest/NW_Data.json",
            "sql/export/Test+Azure+SQL/NW_Data/products.sql",
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
    assert!(run.stdout.contains("18 to create"), "{}", run.stdout);
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

/// Northwind's group served only by `Vendor ETL`, a governance-only
/// platform: another system runs its pipelines.
fn governed_northwind(dir: &Path, edit: impl Fn(&str) -> String) {
    copy_northwind(dir, edit);
    let eco = dir.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap();
    let text = text
        .replacen(
            "  Local:\n",
            "  Vendor ETL:\n    kind: external\n    version: ^0.1\n    parameters: {system: Informatica, contact: etl-oncall@northwind.example}\n  Local:\n",
            1,
        )
        .replacen(
            "      - platform: Azure Platform\n        status: PROVISIONED\n      - platform: Local\n        status: PROVISIONED\n",
            "      - platform: Vendor ETL\n        status: PROVISIONED\n",
            1,
        );
    std::fs::write(&eco, text).unwrap();
}

#[test]
fn a_governance_only_platform_renders_an_inventory_that_plans_show_and_verify_guards() {
    let dir = scratch("external-kind");
    governed_northwind(&dir.join("model"), str::to_owned);
    let run = datasurface(&["check", "model"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    // Its pipelines are in its graph, as any platform's.
    let run = datasurface(
        &[
            "graph",
            "model",
            "--platform",
            "Vendor ETL",
            "--format",
            "json",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout
            .contains("Workspace/Vendor ETL/ProductAnalytics/Reporting")
    );
    let run = datasurface(
        &[
            "render",
            "model",
            "--platform",
            "Vendor ETL",
            "--out",
            "inventory",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("rendered 9 artifacts"),
        "{}",
        run.stdout
    );
    let entry = std::fs::read_to_string(
        dir.join("inventory/artifacts/inventory/deliver/ProductAnalytics/Reporting.json"),
    )
    .unwrap();
    let entry: serde_json::Value = serde_json::from_str(&entry).unwrap();
    assert_eq!(entry["operatedBy"]["system"], "Informatica");
    assert_eq!(entry["expects"]["requirements"]["milestoning"], "LIVE_ONLY");
    // A new column shows its operators what changes for them.
    let proposed = dir.join("proposed");
    governed_northwind(&proposed, |t| {
        t.replacen(
            "            phone: {type: {NVarChar: {maxSize: 24}}}\n",
            "            phone: {type: {NVarChar: {maxSize: 24}}}\n            fax: {type: {NVarChar: {maxSize: 24}}}\n",
            1,
        )
    });
    let run = datasurface(
        &[
            "plan",
            "proposed",
            "--platform",
            "Vendor ETL",
            "--from",
            "inventory",
        ],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout
            .contains("\n0 to create, 2 to update, 0 to replace, 0 to delete"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("inventory/ingest/NW_Data.json"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("inventory/export/Test+Azure+SQL/NW_Data/suppliers.json"),
        "{}",
        run.stdout
    );
}

/// A column its consumer reads cannot be removed, though datasurface runs
/// nothing for that consumer.
#[test]
fn verify_guards_the_consumers_of_a_governance_only_platform() {
    let dir = scratch("external-kind-verify");
    governed_northwind(&dir.join("model"), str::to_owned);
    let proposed = dir.join("proposed");
    governed_northwind(&proposed, |t| {
        t.replacen(
            "            phone: {type: {NVarChar: {maxSize: 24}}}\n",
            "",
            1,
        )
    });
    let run = datasurface(
        &[
            "verify",
            "--base",
            "model",
            "--proposed",
            "proposed",
            "--source",
            "northwind/northwind-team@main",
        ],
        &dir,
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("error[removed-column]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("ProductAnalytics"), "{}", run.stderr);
}
