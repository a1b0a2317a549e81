//! Exported contracts checked by the standard's own tools: the
//! `open-data-contract-standard` package (its JSON Schema and pydantic
//! model) and `datacontract-cli`'s lint, installed by `.ci/external` into
//! the virtual environment whose `bin` `DATASURFACE_CONTRACT_TOOLS` names.
//! Without them the tests say so and pass, unless
//! `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

use datasurface_contract::{ExportOptions, export};
use datasurface_core::names::DatasetName;
use datasurface_fixtures::arbitrary;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// A scratch directory of this test's own, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("makes a scratch directory");
    dir
}

/// What `command` printed; it must succeed.
fn succeeds(command: &mut Command) -> String {
    let out = command.env("NO_COLOR", "1").output().expect("runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    text
}

/// Checks every file with the package's schema and model and the lint.
fn check_all(bin: &Path, files: &[PathBuf]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/check_contracts.py");
    let text = succeeds(Command::new(bin.join("python")).arg(script).args(files));
    assert_eq!(
        text.matches("\nok ").count() + usize::from(text.starts_with("ok ")),
        files.len(),
        "{text}"
    );
    text
}

fn write(dir: &Path, model: &datasurface_core::Ecosystem, per_dataset: bool) -> Vec<PathBuf> {
    let options = ExportOptions {
        per_dataset,
        ..ExportOptions::default()
    };
    export(model, &options)
        .expect("exports")
        .iter()
        .map(|e| {
            let path = dir.join(&e.file_name);
            std::fs::write(&path, e.to_yaml().expect("writes YAML")).expect("writes the file");
            path
        })
        .collect()
}

#[test]
fn northwind_passes_datacontract_lint_and_the_standard_model() {
    let Some(bin) = crate::external::contract_tools() else {
        return;
    };
    let dir = scratch("odcs-northwind");
    // With a quality rule of each kind: ODCS metrics and datasurface's own.
    let model = crate::northwind_with_rules();
    let mut files = write(&dir, &model, false);
    let per_dataset = dir.join("per-dataset");
    std::fs::create_dir_all(&per_dataset).expect("makes a directory");
    files.extend(write(&per_dataset, &model, true));
    // The command line, as a user runs it, on each file.
    for file in &files {
        let text = succeeds(Command::new(bin.join("datacontract")).arg("lint").arg(file));
        assert!(text.contains("valid against ODCS v3.1.0"), "{text}");
    }
    check_all(&bin, &files);
}

#[test]
fn generated_datastores_pass_the_standard_tools() {
    let Some(bin) = crate::external::contract_tools() else {
        return;
    };
    let dir = scratch("odcs-generated");
    let mut runner = TestRunner::deterministic();
    let datasets = proptest::collection::vec(arbitrary::dataset(), 1..4);
    let mut files = Vec::new();
    for round in 0..24 {
        let mut model = datasurface_fixtures::northwind().build().expect("builds");
        let store = std::sync::Arc::make_mut(&mut model.zones[0].teams[0])
            .datastores
            .get_mut("NW_Data")
            .expect("Northwind has NW_Data");
        store.datasets = datasets
            .new_tree(&mut runner)
            .expect("generates")
            .current()
            .into_iter()
            .enumerate()
            .map(|(i, d)| (DatasetName::new(format!("t{i}")).expect("a name"), d))
            .collect();
        let round_dir = dir.join(format!("{round:02}"));
        std::fs::create_dir_all(&round_dir).expect("makes a directory");
        files.extend(write(&round_dir, &model, round % 2 == 1));
    }
    check_all(&bin, &files);
}
