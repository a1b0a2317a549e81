//! Every entry point reaches the model through the gate's one pipeline
//! (`datasurface_gate::Gate::load`), so none sees a model another would
//! refuse, and all report the same findings (issue 57).

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

#[test]
fn a_model_only_a_platforms_lint_refuses_is_refused_by_every_command() {
    let dir = scratch("entry-points-lint");
    copy_northwind(&dir.join("model"), str::to_owned);
    let eco = dir.join("model/ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap().replacen(
        "    parameters:\n      # The order",
        "    parameters:\n      bogus: 1\n      # The order",
        1,
    );
    std::fs::write(&eco, text).unwrap();
    // `plan` plans from an empty saved rendering.
    std::fs::create_dir_all(dir.join("r")).unwrap();
    let (code, found) = check(&dir);
    assert_eq!(code, 1);
    assert!(
        found
            .iter()
            .any(|(c, ..)| c == "invalid-platform-parameter"),
        "{found:?}"
    );
    for args in ON_A_VALID_MODEL {
        let run = datasurface(args, &dir);
        assert_eq!(run.code, 1, "{args:?}: {}", run.transcript());
        assert!(
            run.stderr.contains("invalid-platform-parameter")
                && run.stderr.contains("the model has errors"),
            "{args:?}: {}",
            run.transcript()
        );
    }
    // The service refuses to start on it, as `check` fails it.
    let run = datasurface(&["serve", "--addr", "127.0.0.1:0", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("invalid-platform-parameter"),
        "{}",
        run.transcript()
    );
}

#[test]
fn check_and_the_service_report_the_same_findings() {
    let notes = "          primaryKey: [product_id]\n      notes:\n        schema:\n          columns:\n            \
                 note_id: {type: Integer, nullable: false}\n            body: {type: {String: {}}}\n          primaryKey: [note_id]\n";
    let suppression = "exceptions:\n  suppressions:\n    - code: unclassified-dataset\n      \
                       path: /zones/USA/teams/NorthwindTeam/datastores/NW_Data\n      reason: internal notes, classified next sprint\n";
    let models: [(&str, String); 3] = [
        ("as it is", String::new()),
        ("a warning", notes.to_owned()),
        (
            "a warning its owner quiets",
            format!("{notes}\u{0}{suppression}"),
        ),
    ];
    for (i, (what, edit)) in models.iter().enumerate() {
        let dir = scratch(&format!("entry-points-same-{i}"));
        let (added, appended) = edit.split_once('\u{0}').unwrap_or((edit.as_str(), ""));
        copy_northwind(&dir.join("model"), |team| {
            let team = if added.is_empty() {
                team.to_owned()
            } else {
                team.replacen("          primaryKey: [product_id]\n", added, 1)
            };
            format!("{team}{appended}")
        });
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
        // The warning, then quieted by its owner: `info` everywhere.
        let severity = checked
            .iter()
            .find(|(c, ..)| c == "unclassified-dataset")
            .map(|(_, s, _)| s.as_str());
        assert_eq!(
            severity,
            [None, Some("warning"), Some("info")][i],
            "{what}: {checked:?}"
        );
    }
}
