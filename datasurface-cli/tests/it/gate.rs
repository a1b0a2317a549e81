//! The library gate equals the command line: an application that embeds
//! `datasurface-gate` with this binary's platforms and hook runner gets the
//! JSON `datasurface check` and `verify` print, byte for byte.

use std::path::Path;
use std::sync::Arc;

use datasurface_cli::{Datasurface, Outcome};
use datasurface_gate::{Gate, ModelDir, ModelSource, to_json};

use super::{copy_northwind, repo_root, scratch};

/// The gate an embedding application builds to match `datasurface`.
fn embedded() -> Gate {
    Gate::new(Datasurface::new().registry().clone())
        .with_hooks(Arc::new(datasurface_hooks::WasmLoader))
}

fn cli(args: &[&str]) -> (Outcome, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut all = vec!["datasurface"];
    all.extend_from_slice(args);
    let outcome = Datasurface::new().run(all, &mut out, &mut err);
    (outcome, String::from_utf8(out).unwrap())
}

fn assert_check_equal(model: &Path) {
    let shown = model.display().to_string();
    let (outcome, printed) = cli(&["check", &shown, "--format", "json"]);
    let checked = embedded().check(&ModelDir::new(model));
    assert_eq!(to_json(&checked.findings()), printed, "{shown}");
    assert_eq!(
        checked.passes(false),
        outcome == Outcome::Success,
        "{shown}: {outcome:?}"
    );
}

fn assert_verify_equal(base: &Path, proposed: &Path, source: &str) -> String {
    let (b, p) = (base.display().to_string(), proposed.display().to_string());
    let (outcome, printed) = cli(&[
        "verify",
        "--base",
        &b,
        "--proposed",
        &p,
        "--source",
        source,
        "--format",
        "json",
    ]);
    let base = ModelDir::new(base);
    let verified = embedded().verify(
        Some(&base as &dyn ModelSource),
        &ModelDir::new(proposed),
        &source.parse().unwrap(),
    );
    assert_eq!(verified.output(false).to_json(), printed, "{p}");
    assert_eq!(verified.may_merge(false), outcome == Outcome::Success);
    printed
}

#[test]
fn the_example_models_have_the_command_lines_findings() {
    for model in ["examples/models/northwind", "examples/models/federated"] {
        assert_check_equal(&repo_root().join(model));
    }
    let northwind = repo_root().join("examples/models/northwind");
    assert_verify_equal(&northwind, &northwind, "northwind/northwind-team@main");
}

#[test]
fn a_changed_hook_pin_fails_both_alike() {
    let dir = scratch("gate-changed-pin");
    copy_northwind(&dir, |text| {
        let pinned = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("sha256: "))
            .unwrap()
            .to_owned();
        text.replace(&pinned, &"1".repeat(64))
    });
    assert_check_equal(&dir);
    let printed = assert_verify_equal(
        &repo_root().join("examples/models/northwind"),
        &dir,
        "northwind/northwind-team@main",
    );
    assert!(printed.contains("\"code\": \"hook-module\""), "{printed}");
    assert!(printed.contains("\"mayMerge\": false"), "{printed}");
}

#[test]
fn a_platform_only_error_fails_both_alike() {
    let dir = scratch("gate-platform-only");
    copy_northwind(&dir, str::to_owned);
    let ecosystem = dir.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&ecosystem).unwrap();
    // Validation accepts any parameters; the `sqlite` platform's lint does not.
    let text = text.replace(
        "sources: {NW Source DB: data/northwind.sqlite}",
        "sources: {NW Source DB: data/northwind.sqlite}\n      sorces: {}",
    );
    std::fs::write(&ecosystem, text).unwrap();
    assert_check_equal(&dir);
    let printed = assert_verify_equal(
        &repo_root().join("examples/models/northwind"),
        &dir,
        "northwind/ecosystem@main",
    );
    assert!(
        printed.contains("\"code\": \"invalid-platform-parameter\""),
        "{printed}"
    );
}

#[test]
fn a_platform_authors_binary_has_its_own_name_and_version() {
    let cli = Datasurface::without_platforms().named("streamer", "0.3.0", "Streams a model.");
    let run = |args: &[&str]| {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let outcome = cli.run(args.iter().copied(), &mut out, &mut err);
        (outcome, String::from_utf8(out).unwrap())
    };
    let (outcome, version) = run(&["streamer", "--version"]);
    assert_eq!(outcome, Outcome::Success);
    assert_eq!(version, "streamer 0.3.0\n");
    let (_, help) = run(&["streamer", "--help"]);
    assert!(help.starts_with("Streams a model."), "{help}");
    assert!(help.contains("Usage: streamer"), "{help}");
    let (_, completions) = run(&["streamer", "completions", "bash"]);
    assert!(completions.contains("_streamer()"), "{completions}");
}
