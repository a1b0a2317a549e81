//! A hooked transformer: its DAG asks the hook first, and the decision
//! runner reads the event from the warehouse's batch records and records
//! each decision whole, numbered, in its output's stream directory. No
//! Spark is needed: the records are files.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use datasurface_core::HookEventKind;
use datasurface_platform::Rendering;
use datasurface_runtime::hook::{Action, DecidedBy, Verdict};
use datasurface_spark::decide::{self, Question};
use datasurface_spark::spec::{HookSpec, TransformSpec};
use datasurface_spark::transform_key;

/// The engine test's model, its `Mask` workspace hooked.
pub(crate) fn hooked(warehouse: &str) -> Vec<datasurface_files::SourceFile> {
    let mut files = crate::engine::model("shop", Path::new(warehouse));
    let mask = "  Mask:\n    container: Analytics\n";
    assert!(files[2].text.contains(mask));
    files[2].text = files[2].text.replacen(
        mask,
        &format!(
            "{mask}    hook: {{module: hooks/h.wasm, sha256: {}, events: [batchCommitted, manualRun]}}\n",
            "ab".repeat(32)
        ),
        1,
    );
    files
}

fn hook_of(rendering: &Rendering) -> HookSpec {
    let spec: TransformSpec =
        serde_json::from_str(&rendering.artifacts[&transform_key("Mask")].content).unwrap();
    spec.hook.unwrap()
}

/// A fresh folder for one test's warehouse.
fn warehouse(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ds-decide-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Writes a committed batch's record, as the driver does.
fn commit(root: &str, batch: u64, committed: &str, inserted: u64) {
    let dir = Path::new(root).join("meta/committed");
    std::fs::create_dir_all(&dir).unwrap();
    let record = serde_json::json!({
        "batch": batch, "started": "2026-11-01T00:00:00Z", "committed": committed,
        "datasets": {"items": {"inserted": inserted, "updated": 0, "deleted": 0, "live": 100}},
    });
    std::fs::write(dir.join(format!("{batch}.json")), record.to_string()).unwrap();
}

fn verdict(action: Action, until: Option<DateTime<Utc>>) -> Verdict {
    Verdict {
        action,
        until,
        reason: format!("test {action}"),
        by: DecidedBy::Hook,
        fuel: Some(7),
    }
}

#[test]
fn a_hooked_transformers_dag_asks_its_hook_first() {
    let rendering = crate::render(&hooked("/w"), "Lake");
    let hook = hook_of(&rendering);
    assert_eq!(hook.output, "/w/Masked");
    let inputs: Vec<(&str, &str)> = hook
        .inputs
        .iter()
        .map(|i| (i.stream.as_str(), i.root.as_str()))
        .collect();
    assert_eq!(inputs, [("Shop", "/w/Shop")]);
    assert_eq!(hook.job.team, "Shop");
    let dags = &rendering.artifacts
        [&datasurface_platform::ArtifactKey::new("dags/transformer/Mask.json").unwrap()]
        .content;
    let tasks: serde_json::Value = serde_json::from_str(dags).unwrap();
    let tasks = tasks["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2, "{dags}");
    assert_eq!(tasks[0]["taskId"], "decide");
    assert_eq!(tasks[0]["skipOnExitCode"], 99);
    assert_eq!(tasks[0]["operator"], "bash");
    let command = tasks[0]["bashCommand"].as_str().unwrap();
    let words = "datasurface job spark --transformer Mask --decide --deployed-spec /opt/datasurface/rendering/jobs/transformer/Mask.json";
    assert_eq!(
        command,
        format!(
            "{} --run-type {{{{ dag_run.run_type }}}}",
            datasurface_airflow::escape::jinja::inert(words)
        )
    );
    assert_eq!(tasks[1]["taskId"], "transform");
    // An unhooked transformer's DAG runs it straight away.
    let plain = crate::render(&crate::engine::model("shop", Path::new("/w")), "Lake");
    let spec: TransformSpec =
        serde_json::from_str(&plain.artifacts[&transform_key("Mask")].content).unwrap();
    assert!(spec.hook.is_none());
}

#[test]
fn a_hook_hears_of_its_inputs_newest_batch_and_its_decisions_are_kept() {
    let dir = warehouse("kept");
    let rendering = crate::render(&hooked(&dir.display().to_string()), "Lake");
    let hook = hook_of(&rendering);
    let now = at("2026-11-28T12:00:00Z");

    // Nothing committed yet: the event has no batch, there is no last run.
    let Question::Ask(input) = decide::question(&hook, HookEventKind::BatchCommitted, now).unwrap()
    else {
        panic!("not asked");
    };
    assert_eq!(input.event.batch, None);
    assert!(input.context.last_decisions.is_empty());

    commit(&hook.inputs[0].root, 1, "2026-11-28T10:00:00Z", 100);
    commit(&hook.inputs[0].root, 2, "2026-11-28T11:00:00Z", 3);
    commit(&hook.output, 1, "2026-11-28T10:30:00Z", 5);
    let Question::Ask(input) = decide::question(&hook, HookEventKind::BatchCommitted, now).unwrap()
    else {
        panic!("not asked");
    };
    assert_eq!(input.event.batch, Some(2));
    assert_eq!(input.event.datastore.as_deref(), Some("Shop"));
    assert_eq!(input.event.stream.as_deref(), Some("Shop"));
    let rows = input.event.rows.unwrap();
    assert_eq!((rows.read, rows.inserted), (100, 3));
    assert_eq!(
        input.event.batch_committed,
        Some(at("2026-11-28T11:00:00Z"))
    );
    assert_eq!(input.context.last_run, Some(at("2026-11-01T00:00:00Z")));

    // A deferral holds the transformer until its time, unasked; a manual
    // run is asked all the same.
    let until = now + Duration::hours(1);
    let first = decide::record(&hook, &input.event, &verdict(Action::Defer, Some(until))).unwrap();
    assert_eq!(first, 1);
    assert_eq!(
        decide::question(&hook, HookEventKind::BatchCommitted, now).unwrap(),
        Question::Deferred(until)
    );
    assert!(matches!(
        decide::question(&hook, HookEventKind::ManualRun, now).unwrap(),
        Question::Ask(_)
    ));
    let later = now + Duration::hours(2);
    let Question::Ask(input) =
        decide::question(&hook, HookEventKind::BatchCommitted, later).unwrap()
    else {
        panic!("not asked after the deferral");
    };
    assert_eq!(input.context.last_decisions.len(), 1);
    assert_eq!(input.context.last_decisions[0].action, Action::Defer);
    let second = decide::record(&hook, &input.event, &verdict(Action::Run, None)).unwrap();
    assert_eq!(second, 2);

    // Each decision is its own file, newest first when read back.
    let kept = decide::decisions(&hook, 10).unwrap();
    assert_eq!(
        kept.iter()
            .map(|d| (d.decision, d.past.action))
            .collect::<Vec<_>>(),
        [(2, Action::Run), (1, Action::Defer)]
    );
    assert_eq!(kept[0].decided_by, "hook");
    assert_eq!(kept[0].fuel, Some(7));
    let files = Path::new(&hook.output).join("meta/decisions");
    let mut names: Vec<String> = std::fs::read_dir(&files)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["0000000001.json", "0000000002.json"]);

    // A hook not asked about an event runs the transformer as if it had none.
    assert_eq!(
        decide::question(&hook, HookEventKind::ScheduleTick, later).unwrap(),
        Question::NotWanted(HookEventKind::ScheduleTick)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_decision_record_that_is_a_link_is_refused() {
    let dir = warehouse("link");
    let rendering = crate::render(&hooked(&dir.display().to_string()), "Lake");
    let hook = hook_of(&rendering);
    let records = Path::new(&hook.output).join("meta/decisions");
    std::fs::create_dir_all(&records).unwrap();
    std::fs::write(dir.join("elsewhere.json"), "{}").unwrap();
    std::os::unix::fs::symlink(dir.join("elsewhere.json"), records.join("0000000001.json"))
        .unwrap();
    let error = decide::decisions(&hook, 10).unwrap_err().to_string();
    assert!(error.contains("not a regular file"), "{error}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_hook_on_a_warehouse_the_runner_cannot_read_is_refused() {
    let files = hooked("s3a://bucket/warehouse");
    let valid =
        datasurface_rules::validate::validate(datasurface_files::load(&files).unwrap().ecosystem)
            .unwrap();
    let graphs = datasurface_platform::graph::build(&valid);
    let name = valid.platforms.get_key_value("Lake").unwrap().0;
    let Err(failure) =
        datasurface_platform::render_with(&datasurface_spark::Spark::new(), &valid, &graphs, name)
    else {
        panic!("rendered a hook on an object store's warehouse");
    };
    let datasurface_platform::RenderFailure::Refused { report, .. } = failure else {
        panic!("{failure}");
    };
    let found: Vec<(&str, String)> = report
        .diagnostics()
        .iter()
        .map(|d| (d.code, d.path.to_string()))
        .collect();
    assert_eq!(
        found,
        [(
            "unsupported-by-platform",
            "/zones/Main/teams/Shop/workspaces/Mask/hook".to_owned()
        )],
        "{report}"
    );
    // Without its hook the same transformer renders there.
    let plain = crate::engine::model("shop", Path::new("s3a://bucket/warehouse"));
    crate::render(&plain, "Lake");
}

/// The run state is read from the same records: each stream's committed
/// batches added up, the attempts that did not commit, a killed run's
/// batch unfinished, and each hook's decisions by action.
#[test]
fn the_run_state_adds_up_the_warehouse_records() {
    use datasurface_spark::totals;
    let dir = warehouse("totals");
    let rendering = crate::render(&hooked(&dir.display().to_string()), "Lake");
    let hook = hook_of(&rendering);
    let shop = &hook.inputs[0].root;
    commit(shop, 1, "2026-11-28T00:00:30Z", 100);
    commit(shop, 2, "2026-11-28T00:01:00Z", 3);
    let runs = Path::new(shop).join("meta/runs");
    std::fs::create_dir_all(&runs).unwrap();
    // Batch 2 committed at its second attempt; batch 3's run was killed.
    std::fs::write(
        runs.join("2.json"),
        r#"{"batch": 2, "state": "committed", "attempt": 2}"#,
    )
    .unwrap();
    std::fs::write(
        runs.join("3.json"),
        r#"{"batch": 3, "state": "ingesting", "attempt": 1}"#,
    )
    .unwrap();
    let event = datasurface_runtime::hook::HookEvent::new(
        HookEventKind::ManualRun,
        at("2026-11-28T01:00:00Z"),
    );
    for action in [Action::Run, Action::Skip, Action::Run] {
        decide::record(&hook, &event, &verdict(action, None)).unwrap();
    }

    let state = totals::run_totals("Lake", &rendering).unwrap();
    assert_eq!(state.platform.as_deref(), Some("Lake"));
    let shop = state.streams.iter().find(|s| s.stream == "Shop").unwrap();
    assert_eq!(
        (shop.committed, shop.failed, shop.unfinished),
        (2, 1, 1),
        "{shop:?}"
    );
    assert_eq!((shop.rows.read, shop.rows.inserted), (200, 103));
    assert_eq!(shop.last_success.as_deref(), Some("2026-11-28T00:01:00Z"));
    assert_eq!(shop.last_seconds, Some(2_332_860.0));
    // A stream with no batch yet is there, with nothing counted.
    let masked = state.streams.iter().find(|s| s.stream == "Masked").unwrap();
    assert_eq!(
        (masked.committed, masked.workspace.as_deref()),
        (0, Some("Mask"))
    );
    let decisions: Vec<(&str, &str, u64)> = state
        .decisions
        .iter()
        .map(|d| (d.workspace.as_str(), d.action.as_str(), d.count))
        .collect();
    assert_eq!(decisions, [("Mask", "run", 2), ("Mask", "skip", 1)]);

    let items = totals::dataset_state("Lake", &rendering, "Shop", "items")
        .unwrap()
        .unwrap();
    assert_eq!((items.live_rows, items.stream.committed), (100, 2));
    assert!(
        totals::dataset_state("Lake", &rendering, "Shop", "nothing")
            .unwrap()
            .is_none()
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// What the driver's `meta/totals.json` adds up (and every hundredth
/// decision's summary) is read in its records' place: the run state reads
/// only the records after it, so a long history costs nothing at a scrape.
#[test]
fn the_run_state_reads_the_totals_in_place_of_the_records_they_cover() {
    use datasurface_spark::totals;
    let dir = warehouse("summaries");
    let rendering = crate::render(&hooked(&dir.display().to_string()), "Lake");
    let hook = hook_of(&rendering);
    let shop = Path::new(&hook.inputs[0].root);
    for batch in 1..=3 {
        commit(
            &shop.display().to_string(),
            batch,
            &format!("2026-11-28T00:0{batch}:00Z"),
            batch * 10,
        );
    }
    std::fs::create_dir_all(shop.join("meta/runs")).unwrap();
    std::fs::write(
        shop.join("meta/runs/2.json"),
        r#"{"batch": 2, "state": "committed", "attempt": 3}"#,
    )
    .unwrap();
    let event = datasurface_runtime::hook::HookEvent::new(
        HookEventKind::ManualRun,
        at("2026-11-28T01:00:00Z"),
    );
    for n in 1..=101 {
        let action = if n % 4 == 0 {
            Action::Skip
        } else {
            Action::Run
        };
        decide::record(&hook, &event, &verdict(action, None)).unwrap();
    }
    let from_records = totals::run_totals("Lake", &rendering).unwrap();

    // The driver's totals through batch 2, as it writes them; the records
    // they cover are then unreadable, and not read.
    std::fs::write(
        shop.join("meta/totals.json"),
        r#"{"batches": 2, "failed": 2, "rows": {"deleted": 0, "inserted": 30, "read": 200, "updated": 0}, "through": 2}"#,
    )
    .unwrap();
    for covered in [
        "meta/committed/1.json",
        "meta/committed/2.json",
        "meta/runs/2.json",
    ] {
        std::fs::write(shop.join(covered), "not a record").unwrap();
    }
    // The hundredth decision folded the first hundred.
    let decisions = shop.parent().unwrap().join("Masked/meta/decisions");
    let folded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(decisions.join("totals.json")).unwrap())
            .unwrap();
    assert_eq!(
        folded,
        serde_json::json!({"through": 100, "actions": {"run": 75, "skip": 25}})
    );
    std::fs::write(decisions.join("0000000001.json"), "not a record").unwrap();

    let from_totals = totals::run_totals("Lake", &rendering).unwrap();
    assert_eq!(from_totals, from_records);
    let shop_state = from_totals
        .streams
        .iter()
        .find(|s| s.stream == "Shop")
        .unwrap();
    assert_eq!(
        (
            shop_state.committed,
            shop_state.failed,
            shop_state.rows.inserted
        ),
        (3, 2, 60)
    );
    assert_eq!(
        shop_state.last_success.as_deref(),
        Some("2026-11-28T00:03:00Z")
    );
    let counts: Vec<(&str, u64)> = from_totals
        .decisions
        .iter()
        .map(|d| (d.action.as_str(), d.count))
        .collect();
    assert_eq!(counts, [("run", 76), ("skip", 25)]);
    std::fs::remove_dir_all(&dir).unwrap();
}
