//! Cross-crate tests: the example models, the committed schema and building in code agree.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};

use datasurface_files::{self as files, SourceFile};

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

fn load_example(name: &str) -> datasurface_core::Ecosystem {
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

/// Python's `jsonschema`, the validator behind `check-jsonschema` and many
/// editors, reads the committed schema and accepts every example (and still
/// refuses a name with a control character): the schema is usable beyond
/// the Rust validator.
const PYTHON_VALIDATES: &str = r#"
import json, sys
from jsonschema import validators
schema = json.load(open(sys.argv[1]))
cls = validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema)
errors = []
for path in sys.argv[2:]:
    for e in validator.iter_errors(json.load(open(path))):
        errors.append(f"{path}: {e.message} at {list(e.absolute_path)}")
print(json.dumps(errors))
"#;

#[test]
fn a_second_validator_reads_the_schema_and_accepts_the_examples() {
    let python = std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
            "python3 with jsonschema is required"
        );
        return;
    }
    let dir = std::env::temp_dir().join(format!("datasurface-pyschema-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (n, path) in example_paths().iter().enumerate() {
        let value: serde_json::Value =
            serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let file = dir.join(format!("{n}.json"));
        std::fs::write(&file, value.to_string()).unwrap();
        files.push(file);
    }
    // An example team renamed with a control character: only the name makes it invalid.
    let team = example_paths()
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with("northwindteam.yaml"))
        .unwrap();
    let mut value: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(team).unwrap()).unwrap();
    value["name"] = serde_json::Value::String("Bad\u{7}Team".into());
    let bad = dir.join("bad.json");
    std::fs::write(&bad, value.to_string()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-c", PYTHON_VALIDATES])
        .arg(repo_root().join("schema/ecosystem.schema.json"))
        .args(&files)
        .arg(&bad)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let errors: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        errors
            .iter()
            .all(|e| e.starts_with(&bad.display().to_string())),
        "{errors:#?}"
    );
    assert_eq!(
        errors.len(),
        1,
        "the control character is refused: {errors:#?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
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
    let from_code = datasurface_examples::northwind().build().unwrap();
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
    use datasurface_rules::validate::{Severity, check};
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

/// The job runner's image: the `airflow` platform's tasks run `datasurface`
/// in it (`cmds=["datasurface"]` on Kubernetes), so the Dockerfile must parse,
/// build the command line in a Rust at least as new as the workspace needs,
/// and ship only the binary, on `PATH`, run by an unprivileged user.
#[test]
fn the_dockerfile_builds_a_small_non_root_runner_image() {
    use parse_dockerfile::{Command, Instruction};
    let text = std::fs::read_to_string(repo_root().join("Dockerfile")).unwrap();
    let dockerfile = parse_dockerfile::parse(&text).expect("the Dockerfile parses");
    let stages: Vec<_> = dockerfile.stages().collect();
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let (build, runtime) = (&stages[0], &stages[1]);
    let name =
        |s: &parse_dockerfile::Stage<'_, '_>| s.from.as_.as_ref().map(|(_, n)| n.value.to_string());
    assert_eq!(name(build).as_deref(), Some("build"));
    // The build image's Rust is at least the workspace's rust-version.
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let needed = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap();
    let image = build.from.image.value.to_string();
    let version = image
        .strip_prefix("rust:")
        .and_then(|t| t.split('-').next())
        .expect("the build stage is an official Rust image");
    let parts = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    assert!(
        parts(version) >= parts(needed),
        "{image} builds a crate that needs Rust {needed}"
    );
    let runs: Vec<String> = build
        .instructions
        .iter()
        .filter_map(|i| match i {
            Instruction::Run(run) => Some(format!("{:?}", run.arguments)),
            _ => None,
        })
        .collect();
    assert!(
        runs.iter()
            .any(|r| r.contains("cargo build --release --locked -p datasurface-cli")),
        "{runs:?}"
    );
    // The runtime stage: slim, the binary on PATH, a numeric non-root user, `datasurface` first.
    assert!(
        runtime.from.image.value.ends_with("-slim"),
        "{}",
        runtime.from.image.value
    );
    let mut copied = false;
    let mut user = None;
    let mut entrypoint = Vec::new();
    let mut exposed = Vec::new();
    for instruction in runtime.instructions {
        match instruction {
            Instruction::Copy(copy) => {
                assert!(
                    copy.options.iter().any(|f| f.name.value == "from"
                        && f.value.as_ref().is_some_and(|v| v.value == "build")),
                    "the runtime copies only from the build stage"
                );
                copied |= copy.dest.value == "/usr/local/bin/datasurface";
            }
            Instruction::User(u) => user = Some(u.arguments.value.to_string()),
            Instruction::Expose(e) => {
                exposed.extend(e.arguments.iter().map(|a| a.value.to_string()));
            }
            Instruction::Entrypoint(e) => {
                if let Command::Exec(args) = &e.arguments {
                    entrypoint = args.value.iter().map(|a| a.value.to_string()).collect();
                }
            }
            _ => {}
        }
    }
    assert!(copied, "the binary lands in /usr/local/bin");
    assert!(
        exposed.iter().any(|p| p == "8080"),
        "the image runs `serve` on 8080 too: {exposed:?}"
    );
    let user = user.expect("the runtime sets a user");
    let uid: u32 = user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("a numeric user, which Kubernetes can check");
    assert_ne!(uid, 0, "the runner is not root");
    assert_eq!(entrypoint, ["datasurface"]);
    let ignore = std::fs::read_to_string(repo_root().join(".dockerignore")).unwrap();
    assert!(
        ignore.lines().any(|l| l == "target/"),
        "the build context leaves out target/"
    );
}

/// The workspace's layers, from `cargo metadata`: no crate depends on the
/// facade `datasurface-model` (each imports the crate that defines what it
/// uses); the plugin API depends on nothing above it, so a third-party
/// platform pays only for the model, its rules and the graphs; and the
/// plugin API stays small enough to read (at most 6,000 lines).
#[test]
fn the_facade_sits_on_top_and_the_plugin_api_stays_small() {
    let out = std::process::Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let depends_on = |package: &serde_json::Value| -> Vec<String> {
        package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["name"].as_str().map(str::to_owned))
            .collect()
    };
    for package in packages {
        let name = package["name"].as_str().unwrap();
        if name != "datasurface-model" {
            assert!(
                !depends_on(package).iter().any(|d| d == "datasurface-model"),
                "{name} depends on the facade datasurface-model: depend on datasurface-core, -files or -rules"
            );
        }
    }
    let platform = packages
        .iter()
        .find(|p| p["name"] == "datasurface-platform")
        .unwrap();
    let above = [
        "datasurface-runtime",
        "datasurface-gate",
        "datasurface-hooks",
        "datasurface-testkit",
        "datasurface-airflow",
        "datasurface-sqlite",
        "datasurface-server",
        "datasurface-cli",
        "datasurface-model",
    ];
    for dependency in depends_on(platform) {
        assert!(
            !above.contains(&dependency.as_str()),
            "datasurface-platform depends on {dependency}, which is above it"
        );
    }
    let mut lines = 0;
    let mut stack = vec![repo_root().join("datasurface-platform/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                lines += std::fs::read_to_string(&path).unwrap().lines().count();
            }
        }
    }
    assert!(
        lines <= 6_000,
        "datasurface-platform has {lines} lines: move what only runners or the gate need to datasurface-runtime or datasurface-gate"
    );
}
