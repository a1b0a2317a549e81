//! The gate as an application embeds it: models from a directory and from
//! memory, a module runner of its own, and findings in the CLI's JSON.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use datasurface_core::{HookLimits, Repository};
use datasurface_gate::platform::{PlatformRegistry, sha256_hex};
use datasurface_gate::{
    Finding, Gate, HOOK_MODULE, HOOKS_NOT_CHECKED, MemoryModel, ModelDir, ModelSource,
};
use datasurface_runtime::hook::{Action, Decide, Decision, HookError, HookInput, HookLoader};
use proptest::prelude::*;

mod incremental;
mod load_again;

fn northwind() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/models/northwind")
}

/// Every file under `dir`, by its path below it.
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let below = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                found.push((below, std::fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

fn memory_copy(dir: &Path) -> MemoryModel {
    let mut model = MemoryModel::new();
    for (path, bytes) in files_under(dir) {
        model.insert(path, bytes);
    }
    model
}

fn copy_dir(from: &Path, to: &Path) {
    for (below, bytes) in files_under(from) {
        let target = to.join(below);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ds-gate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The platforms the example models declare, left to other programs: the
/// gate crate knows no platform of its own.
fn gate() -> Gate {
    Gate::new(PlatformRegistry::new()).with_external_kinds(["airflow", "sqlite"])
}

/// A module runner that keeps the pin and decides `run`: what an
/// application gives the gate when it runs hooks its own way.
#[derive(Debug)]
struct PinLoader;

impl HookLoader for PinLoader {
    fn max_module_bytes(&self) -> u64 {
        1 << 20
    }

    fn wall_time(&self, _: &HookLimits) -> Duration {
        Duration::from_secs(1)
    }

    fn load(
        &self,
        bytes: &[u8],
        pinned_sha256: &str,
        _: &HookLimits,
        _: Duration,
    ) -> Result<Box<dyn Decide>, HookError> {
        if sha256_hex(bytes) != pinned_sha256 {
            return Err(HookError::Module(
                "not the module the model pins".to_owned(),
            ));
        }
        let decide = |_: &HookInput| -> Result<Decision, HookError> {
            Ok(Decision {
                action: Action::Run,
                until: None,
                reason: String::new(),
            })
        };
        Ok(Box::new(decide))
    }
}

/// The findings without the file names, which differ between sources.
fn placeless(findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .map(|mut f| {
            f.file = None;
            f
        })
        .collect()
}

#[test]
fn a_model_in_memory_and_on_disk_has_the_same_findings() {
    let on_disk = gate().check(&ModelDir::new(northwind()));
    let in_memory = gate().check(&memory_copy(&northwind()));
    assert!(on_disk.load_errors.is_empty(), "{:?}", on_disk.load_errors);
    assert_eq!(on_disk.counts, in_memory.counts);
    assert_eq!(
        placeless(on_disk.findings()),
        placeless(in_memory.findings())
    );
    // Northwind names a hook module; this gate has no runner, and says so.
    let codes: Vec<String> = on_disk.findings().into_iter().map(|f| f.code).collect();
    assert!(codes.contains(&HOOKS_NOT_CHECKED.to_owned()), "{codes:?}");
    assert!(on_disk.passes(false));
    assert!(!on_disk.passes(true), "the note is a warning");
}

#[test]
fn a_gate_with_a_runner_checks_the_pin_and_a_changed_one_may_not_merge() {
    let gate = gate().with_hooks(Arc::new(PinLoader));
    let base = memory_copy(&northwind());
    let checked = gate.check(&base);
    assert!(checked.passes(true), "{:#?}", checked.findings());

    // The team pins another hash: the module no longer matches.
    let team = "zones/usa/teams/northwindteam.yaml";
    let mut proposed = base.clone();
    let text = String::from_utf8(base.read_named(team, 1 << 20).unwrap()).unwrap();
    let pinned = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("sha256: "))
        .unwrap()
        .to_owned();
    proposed.insert(team, text.replace(&pinned, &"0".repeat(64)));
    let source: Repository = "northwind/northwind-team@main".parse().unwrap();
    let verified = gate.verify(Some(&base), &proposed, &source);
    let hook = verified
        .findings()
        .into_iter()
        .find(|f| f.code == HOOK_MODULE)
        .expect("a hook-module finding");
    assert!(
        hook.message.contains("not the module the model pins"),
        "{hook:?}"
    );
    assert_eq!(
        hook.file.as_deref(),
        Some(team),
        "located in the team's file"
    );
    assert!(hook.line.is_some());
    assert!(!verified.may_merge(false));
    let json: serde_json::Value = serde_json::from_str(&verified.output(false).to_json()).unwrap();
    assert_eq!(json["mayMerge"], false);
}

#[test]
fn a_rendering_saved_inside_the_model_folder_is_not_read_as_documents() {
    let dir = scratch("rendering-inside");
    copy_dir(&northwind(), &dir);
    let saved = dir.join("rendered");
    std::fs::create_dir_all(saved.join("artifacts")).unwrap();
    std::fs::write(
        saved.join("rendering.json"),
        "{\"not\": \"a model document\"}",
    )
    .unwrap();
    std::fs::write(saved.join("artifacts/job.json"), "[1, 2").unwrap();
    let checked = gate().check(&ModelDir::new(&dir));
    assert!(checked.load_errors.is_empty(), "{:?}", checked.load_errors);
    assert_eq!(
        checked.counts.documents,
        gate().check(&ModelDir::new(northwind())).counts.documents
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_model_that_cannot_load_says_which_file_and_how_to_fix_it() {
    let model = MemoryModel::new()
        .with_file(
            "ecosystem.yaml",
            "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: [\n",
        )
        .with_file("zones/bad.json", vec![0xff, 0xfe]);
    let checked = gate().check(&model);
    assert!(!checked.passes(false));
    let findings = checked.findings();
    assert!(
        findings
            .iter()
            .all(|f| f.file.is_some() && f.help.is_some()),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .any(|f| f.file.as_deref() == Some("zones/bad.json") && f.message.contains("UTF-8"))
    );
    let none = gate().check(&MemoryModel::new());
    assert!(none.load_errors[0].message.contains("no ecosystem.yaml"));
}

#[test]
fn the_findings_schema_is_versioned_and_describes_every_field() {
    let schema = datasurface_gate::finding_schema();
    assert_eq!(
        schema["$id"],
        format!(
            "https://datasurface.dev/schema/findings-v{}.json",
            datasurface_gate::FINDINGS_VERSION
        )
    );
    let text = schema.to_string();
    for field in [
        "code", "severity", "path", "message", "help", "file", "line", "column",
    ] {
        assert!(text.contains(&format!("\"{field}\"")), "{field}: {text}");
    }
}

fn severity() -> impl Strategy<Value = datasurface_rules::validate::Severity> {
    use datasurface_rules::validate::Severity;
    prop_oneof![
        Just(Severity::Error),
        Just(Severity::Warning),
        Just(Severity::Info)
    ]
}

proptest! {
    /// What the CLI prints, an application reads back unchanged.
    #[test]
    fn findings_round_trip_through_their_json(
        code in "[a-z-]{1,20}",
        severity in severity(),
        path in proptest::option::of(".*"),
        message in ".*",
        help in proptest::option::of(".*"),
        file in proptest::option::of(".*"),
        line in proptest::option::of(1usize..100_000),
        column in proptest::option::of(1usize..1_000),
    ) {
        let mut finding = Finding::new(code, severity, message);
        (finding.path, finding.help, finding.file) = (path, help, file);
        (finding.line, finding.column) = (line, column);
        let json = datasurface_gate::to_json(std::slice::from_ref(&finding));
        let back: Vec<Finding> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, vec![finding]);
    }
}

/// Northwind, and Northwind with a column its consumer reads removed.
fn northwind_breaking() -> (MemoryModel, MemoryModel) {
    let base = memory_copy(&northwind());
    let mut proposed = MemoryModel::new();
    for (path, bytes) in files_under(&northwind()) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let edited = text.replace(
            "            discontinued: {type: Boolean, nullable: false, classifications: [PUB]}\n",
            "",
        );
        proposed.insert(path, edited.into_bytes());
    }
    (base, proposed)
}

#[test]
fn a_breaking_change_s_comment_names_whom_it_breaks_and_always_fits() {
    use datasurface_gate::markdown::{CommentOptions, MARKER, verify_comment};
    let (base, proposed) = northwind_breaking();
    let source: Repository = "northwind/northwind-team@main".parse().unwrap();
    let verified = gate().with_plans().verify(Some(&base), &proposed, &source);
    let full = verify_comment(
        &verified,
        "northwind/northwind-team@main",
        &CommentOptions::default(),
    );
    assert!(full.starts_with(MARKER), "{full}");
    assert!(
        full.contains("### ❌ datasurface: may not merge: 1 error"),
        "{full}"
    );
    assert!(
        full.contains(
            "| `removed-column` | in `NW_Data.products`, column `discontinued` is removed"
        ),
        "{full}"
    );
    assert!(
        full.contains("`ProductAnalytics` (`github:northwind/northwind-team@main`)"),
        "{full}"
    );
    assert!(!full.contains("[!NOTE]"), "nothing is cut: {full}");
    assert!(full.len() > 1_400, "a comment long enough to cut: {full}");
    // However small the limit, the comment fits it, keeps its verdict, and
    // says what it left out.
    for limit in (700..full.len()).step_by(53) {
        let options = CommentOptions {
            limit,
            ..CommentOptions::default()
        };
        let cut = verify_comment(&verified, "northwind/northwind-team@main", &options);
        assert!(cut.len() <= limit, "{} > {limit}:\n{cut}", cut.len());
        assert!(cut.contains("may not merge"), "{cut}");
        assert!(cut.contains("[!NOTE]"), "{limit}: {cut}");
        assert_eq!(
            cut.matches("<details>").count(),
            cut.matches("</details>").count(),
            "{cut}"
        );
    }
}
