//! Cross-crate tests: the example models, the committed schema and building in code agree.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};

use datasurface_model::files::{self, SourceFile};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every model file under `examples/models`, sorted.
fn example_paths() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    let mut stack = vec![repo_root().join("examples/models")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if files::Format::of_path(&path.to_string_lossy()).is_some() {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(paths.len() >= 10, "the examples are where they should be");
    paths
}

fn load_example(name: &str) -> datasurface_model::Ecosystem {
    let dir = repo_root().join("examples/models").join(name);
    let sources: Vec<SourceFile> = example_paths()
        .into_iter()
        .filter(|p| p.starts_with(&dir))
        .map(|p| {
            SourceFile::new(
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files::load(&sources)
        .unwrap_or_else(|e| panic!("{e}"))
        .ecosystem
}

#[test]
fn every_example_file_satisfies_the_committed_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("schema/ecosystem.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the committed schema compiles");
    for path in example_paths() {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
}

#[test]
fn every_example_file_points_editors_at_the_schema() {
    let schema = repo_root()
        .join("schema/ecosystem.schema.json")
        .canonicalize()
        .unwrap();
    for path in example_paths() {
        let text = std::fs::read_to_string(&path).unwrap();
        let first = text.lines().next().unwrap_or_default();
        let relative = first
            .strip_prefix("# yaml-language-server: $schema=")
            .unwrap_or_else(|| {
                panic!(
                    "{} does not start with the yaml-language-server schema comment",
                    path.display()
                )
            });
        let target = path.parent().unwrap().join(relative).canonicalize();
        assert_eq!(
            target.ok().as_ref(),
            Some(&schema),
            "{}: the schema comment points elsewhere",
            path.display()
        );
    }
}

#[test]
fn every_example_model_loads() {
    for name in ["northwind", "federated"] {
        let model = load_example(name);
        assert!(!model.zones.is_empty(), "{name} has zones");
    }
}

#[test]
fn northwind_built_in_code_equals_the_files() {
    let from_code = datasurface_examples::northwind().unwrap();
    let from_files = load_example("northwind");
    assert_eq!(from_code, from_files);
    assert_eq!(
        files::to_yaml_string(&from_code).unwrap(),
        files::to_yaml_string(&from_files).unwrap(),
        "and in the same order"
    );
}

#[test]
fn the_federated_example_exercises_federated_ownership() {
    let model = load_example("federated");
    let repositories: std::collections::BTreeSet<String> = model
        .zone_declarations
        .values()
        .map(|d| d.repository.to_string())
        .chain(model.zones.values().flat_map(|z| {
            z.team_declarations
                .values()
                .map(|d| d.repository.to_string())
        }))
        .collect();
    assert!(
        repositories.len() >= 6,
        "zones and teams have repositories of their own: {repositories:?}"
    );
    assert_eq!(model.zones.len(), 2);
    let eu = &model.zones["EU"];
    assert!(!eu.location_policies.is_empty() && !eu.hard_vendor_policies.is_empty());
    assert!(
        !model.zones["USA"].classification_policies.is_empty()
            && !model.zones["USA"].vendor_policies.is_empty()
    );
    assert!(
        eu.team_declarations
            .keys()
            .any(|t| !eu.teams.contains_key(t)),
        "a team is declared but not yet defined"
    );
}

#[test]
fn every_example_model_validates_without_errors_or_warnings() {
    use datasurface_model::validate::{Severity, check};
    let northwind = check(&load_example("northwind"));
    assert!(northwind.is_empty(), "northwind:\n{northwind}");
    let federated = check(&load_example("federated"));
    assert_eq!(
        federated.count(Severity::Error) + federated.count(Severity::Warning),
        0,
        "federated:\n{federated}"
    );
    // The federated example shows the two-phase protocol half way: team London is declared, not yet defined.
    assert_eq!(
        federated.codes(),
        ["declared-not-defined"],
        "federated:\n{federated}"
    );
}
