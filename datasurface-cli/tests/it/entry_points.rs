//! Every entry point reaches the model through the gate's one pipeline
//! (`datasurface_gate::Gate::load`, whose stages `verify` runs on both of
//! its models), so none sees a model another would refuse, and all report
//! the same findings and see the same platforms chosen (issue 57).
//!
//! `choose` and `explain-choice` stop the pipeline before any platform is
//! chosen or rule runs (they answer about the model as its teams wrote it,
//! valid or not); they are held to the same choice the other commands see.

use std::path::Path;

use super::serve::Server;
use super::{copy_northwind, datasurface, scratch};

/// Each command that works on a valid model, as run on `model` in a scratch
/// directory (`r` is a saved rendering's folder, `state` a state folder).
const ON_A_VALID_MODEL: &[&[&str]] = &[
    &["graph", "model"],
    &["render", "model", "--platform", "Local", "--out", "r"],
    &["advance", "model", "--out", "r"],
    &["plan", "model", "--platform", "Local", "--from", "r"],
    &["apply", "model", "--state", "state"],
    &["run", "model", "--state", "state"],
    &["up", "model", "--state", "state"],
    &["--env", "dev", "graph", "model"],
    &["--env", "dev", "release", "model"],
    &["contract", "export", "model", "--out", "contracts"],
    &["job", "apply", "model", "--platform", "Azure Platform"],
];

/// `verify` of the model at `model` against `base` (itself, when nothing
/// changed), from the team's repository: its exit code, whether it says
/// the change may merge, and its findings.
fn verify_from(dir: &Path, base: &str) -> (i32, bool, Vec<(String, String, String)>) {
    let run = datasurface(
        &[
            "verify",
            "--base",
            base,
            "--proposed",
            "model",
            "--source",
            "northwind/northwind-team@main",
            "--format",
            "json",
        ],
        dir,
    );
    let json: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.transcript()));
    (run.code, json["mayMerge"] == true, codes(&json["findings"]))
}

/// Findings as `(code, severity, path)`, sorted, from `check --format json`
/// or the service's `/api/v1/diagnostics`.
fn codes(findings: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut found: Vec<(String, String, String)> = findings
        .as_array()
        .unwrap_or_else(|| panic!("not a list of findings: {findings}"))
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_owned(),
                f["severity"].as_str().unwrap_or_default().to_owned(),
                f["path"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    found.sort();
    found
}

fn check(dir: &Path) -> (i32, Vec<(String, String, String)>) {
    let run = datasurface(&["check", "model", "--format", "json"], dir);
    let json: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.transcript()));
    (run.code, codes(&json))
}

/// Replaces `old` by `new` in the file at `path`, which must hold it.
fn edit(path: &Path, old: &str, new: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(old),
        "{} no longer holds {old:?}",
        path.display()
    );
    std::fs::write(path, text.replacen(old, new, 1)).unwrap();
}

#[test]
fn a_model_check_refuses_is_refused_by_every_command() {
    // Each a model that validates, refused later in the pipeline: by a
    // platform's lint, by its Avro file's pin, by an environment's
    // parameters, by a team's link to another owner's file.
    type Make = fn(&Path);
    let cases: [(&str, Make, &str); 4] = [
        (
            "a platform's lint",
            |model| {
                copy_northwind(model, str::to_owned);
                edit(
                    &model.join("ecosystem.yaml"),
                    "    parameters:\n      # The order",
                    "    parameters:\n      bogus: 1\n      # The order",
                );
            },
            "invalid-platform-parameter",
        ),
        (
            "an Avro file that is not what it pins",
            |model| {
                super::avro::northwind_with(model, super::avro::SUPPLIERS, Some(&"0".repeat(64)));
            },
            "invalid-avro-schema",
        ),
        (
            "an environment's parameters",
            |model| {
                copy_northwind(model, str::to_owned);
                edit(
                    &model.join("ecosystem.yaml"),
                    "      Local: {}\n",
                    "      Local: {parameters: {bogus: 1}}\n",
                );
            },
            "invalid-platform-parameter",
        ),
        (
            "a team's link to another team's file",
            |model| {
                super::authority::with_evil_team(
                    model,
                    "containers:\n  Mine:\n    kind: {database: {engine: SQLITE, database: mine/orders.sqlite}}\n",
                );
                std::fs::create_dir_all(model.join("mine")).unwrap();
                #[cfg(unix)]
                std::os::unix::fs::symlink(
                    "../data/northwind.sqlite",
                    model.join("mine/orders.sqlite"),
                )
                .unwrap();
            },
            "resource-not-granted",
        ),
    ];
    for (i, (what, make, code)) in cases.into_iter().enumerate() {
        if cfg!(not(unix)) && what.contains("link") {
            continue;
        }
        let dir = scratch(&format!("entry-points-refused-{i}"));
        make(&dir.join("model"));
        // `plan` plans from an empty saved rendering.
        std::fs::create_dir_all(dir.join("r")).unwrap();
        let (status, found) = check(&dir);
        assert_eq!(status, 1, "{what}: {found:?}");
        assert!(found.iter().any(|(c, ..)| c == code), "{what}: {found:?}");
        for args in ON_A_VALID_MODEL {
            let run = datasurface(args, &dir);
            assert_eq!(run.code, 1, "{what}: {args:?}: {}", run.transcript());
            assert!(
                run.stderr.contains(code) && run.stderr.contains("the model has errors"),
                "{what}: {args:?}: {}",
                run.transcript()
            );
        }
        // `verify` will not let it merge, for the same reason.
        let (status, may_merge, verified) = verify_from(&dir, "model");
        assert_eq!((status, may_merge), (1, false), "{what}: {verified:?}");
        assert_eq!(verified, found, "{what}: `verify` and `check` disagree");
        // `choose` and `explain-choice` answer about the model as written.
        for args in [
            &["choose", "model"][..],
            &["explain-choice", "model", "ProductAnalytics/Reporting"],
        ] {
            let run = datasurface(args, &dir);
            assert_eq!(run.code, 0, "{what}: {args:?}: {}", run.transcript());
        }
        // The services refuse to start on it, as `check` fails it.
        for args in [
            &["serve", "--addr", "127.0.0.1:0", "model"][..],
            #[cfg(feature = "mcp")]
            &["mcp", "model"],
        ] {
            let run = datasurface(args, &dir);
            assert_eq!(run.code, 1, "{what}: {args:?}: {}", run.transcript());
            assert!(
                run.stderr.contains(code),
                "{what}: {args:?}: {}",
                run.transcript()
            );
            assert!(
                run.stdout.is_empty(),
                "{what}: {args:?}: {}",
                run.transcript()
            );
        }
    }
}

/// Northwind's products gain an unclassified dataset (a warning); with
/// `quiet`, the team suppresses it in its own region.
fn with_notes(model: &Path, quiet: bool) {
    let notes = "          primaryKey: [product_id]\n      notes:\n        schema:\n          columns:\n            \
                 note_id: {type: Integer, nullable: false}\n            body: {type: {String: {}}}\n          primaryKey: [note_id]\n";
    let suppression = "exceptions:\n  suppressions:\n    - code: unclassified-dataset\n      \
                       path: /zones/USA/teams/NorthwindTeam/datastores/NW_Data\n      reason: internal notes, classified next sprint\n";
    copy_northwind(model, |team| {
        let team = team.replacen("          primaryKey: [product_id]\n", notes, 1);
        if quiet {
            format!("{team}{suppression}")
        } else {
            team
        }
    });
}

/// Northwind with its assignments left out and `Local` preferred: the gate
/// chooses `Local` for its one group.
fn with_choice(model: &Path) {
    copy_northwind(model, str::to_owned);
    let path = model.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text
        .find("assignments:")
        .expect("Northwind assigns its group");
    std::fs::write(
        &path,
        text[..at].replacen(
            "platforms:\n",
            "platformPreference: [Local, Azure Platform]\nplatforms:\n",
            1,
        ),
    )
    .unwrap();
}

/// Northwind without products' `discontinued` column, a break its
/// consumer's owner (the same team) approves for a month.
fn with_approval(model: &Path) {
    let until = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    copy_northwind(model, |team| {
        format!(
            "{}{}",
            team.replacen(super::verify::DISCONTINUED, "", 1),
            super::verify::approval(&until)
        )
    });
}

/// The platform `choose` names for Northwind's group (`Local` when the
/// model leaves it to the gate, else the assigned `Azure Platform`) is the
/// one `explain-choice` gives and every other command sees serving it.
fn same_choice(dir: &Path, what: &str) {
    // The platform `choose` names for the group is the one every other
    // command sees serving it.
    let chosen = datasurface(&["choose", "model"], dir);
    assert_eq!(chosen.code, 0, "{what}: {}", chosen.transcript());
    let why = datasurface(
        &["explain-choice", "model", "ProductAnalytics/Reporting"],
        dir,
    );
    assert_eq!(why.code, 0, "{what}: {}", why.transcript());
    let serving = if chosen.stdout == "ProductAnalytics/Reporting: Local\n" {
        assert!(
            why.stdout.contains("is served by `Local`"),
            "{what}: {}",
            why.stdout
        );
        "Local"
    } else {
        assert!(
            chosen.stdout.starts_with("no dataset group needs a choice"),
            "{what}: {}",
            chosen.transcript()
        );
        assert!(
            why.stdout.contains("assigned by the ecosystem"),
            "{what}: {}",
            why.stdout
        );
        "Azure Platform"
    };
    let graph = datasurface(&["graph", "model", "--platform", serving], dir);
    assert!(
        graph.stdout.contains("ProductAnalytics"),
        "{what}: {}",
        graph.transcript()
    );
    assert_eq!(
        serving == "Local",
        what == "a chosen platform",
        "{what}: only the chosen case is served by `Local`"
    );
}

#[test]
fn every_entry_point_reports_the_same_findings_and_sees_the_same_choice() {
    // Northwind has environments (with overlays), a hook and assignments;
    // these add a warning, a suppression, an Avro file, a choice and an
    // approved break (which `verify` judges against Northwind as it was).
    type Make = fn(&Path);
    let models: [(&str, Make, Option<&str>); 6] = [
        ("as it is", |m| copy_northwind(m, str::to_owned), None),
        ("a warning", |m| with_notes(m, false), Some("warning")),
        (
            "a warning its owner quiets",
            |m| with_notes(m, true),
            Some("info"),
        ),
        (
            "an Avro file",
            |m| super::avro::northwind_with(m, super::avro::SUPPLIERS, None),
            None,
        ),
        ("a chosen platform", with_choice, None),
        ("an approved break", with_approval, None),
    ];
    for (i, (what, make, unclassified)) in models.into_iter().enumerate() {
        let dir = scratch(&format!("entry-points-same-{i}"));
        make(&dir.join("model"));
        let (code, checked) = check(&dir);
        assert_eq!(code, 0, "{what}: {checked:?}");
        let server = Server::start(&dir.join("model"), "0");
        let (status, answer) = server.get("/api/v1/diagnostics");
        assert_eq!(status, 200, "{what}: {answer}");
        assert_eq!(
            codes(&answer["page"]["items"]),
            checked,
            "{what}: the service and `check` disagree: {answer}"
        );
        // `verify` of the change (none but the approved break): the same
        // findings, and it merges.
        copy_northwind(&dir.join("base"), str::to_owned);
        let base = if what == "an approved break" {
            "base"
        } else {
            "model"
        };
        let (status, may_merge, mut verified) = verify_from(&dir, base);
        assert_eq!((status, may_merge), (0, true), "{what}: {verified:?}");
        if base == "base" {
            // The change's own finding, approved: a note only `verify`,
            // which sees the change, can make.
            let approved = (
                "removed-column".to_owned(),
                "info".to_owned(),
                "/zones/USA/teams/NorthwindTeam/datastores/NW_Data/datasets/products/schema/columns/discontinued".to_owned(),
            );
            assert!(verified.contains(&approved), "{what}: {verified:?}");
            verified.retain(|f| *f != approved);
        }
        assert_eq!(verified, checked, "{what}: `verify` and `check` disagree");
        same_choice(&dir, what);
        // The warning, then quieted by its owner: `info` everywhere.
        let severity = checked
            .iter()
            .find(|(c, ..)| c == "unclassified-dataset")
            .map(|(_, s, _)| s.as_str());
        assert_eq!(severity, unclassified, "{what}: {checked:?}");
        // And every command takes it (a batch may still fail on data the
        // sample lacks: exit 3, not a refusal of the model).
        std::fs::create_dir_all(dir.join("r")).unwrap();
        for args in ON_A_VALID_MODEL.iter().filter(|a| !a.contains(&"job")) {
            let run = datasurface(args, &dir);
            assert!(
                run.code == 0 || run.code == 3,
                "{what}: {args:?}: {}",
                run.transcript()
            );
            assert!(
                !run.stderr.contains("the model has errors"),
                "{what}: {args:?}: {}",
                run.transcript()
            );
        }
    }
}
