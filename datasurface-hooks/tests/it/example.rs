//! The example hook of `examples/hooks/`, written in C and compiled with
//! clang (CI rebuilds it from its source and runs these against that build
//! too, through `DATASURFACE_HOOK_EXAMPLE`): the motivating case, "run on the first of
//! the month, or when the input has a new batch".

use std::path::PathBuf;

use datasurface_core::HookEventKind;
use datasurface_hooks::{Limits, WasmHook};
use datasurface_runtime::hook::{Action, Decide, HookEvent, HookInput, RowCounts};

use super::{at, input};

fn example() -> WasmHook {
    let path = std::env::var_os("DATASURFACE_HOOK_EXAMPLE").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../examples/hooks/monthly_or_new_batch.wasm")
        },
        PathBuf::from,
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    WasmHook::load(&bytes, None, Limits::default()).expect("the example loads")
}

fn ask(event: HookEvent) -> (Action, Option<String>, String) {
    let mut input: HookInput = input();
    input.event = event;
    let run = example().decide(&input).expect("the example decides");
    (
        run.decision.action,
        run.decision.until.map(|t| t.to_rfc3339()),
        run.decision.reason,
    )
}

fn tick(time: &str) -> HookEvent {
    HookEvent::new(HookEventKind::ScheduleTick, at(time))
}

fn batch(store: &str, changed: u64) -> HookEvent {
    let mut event = HookEvent::new(HookEventKind::BatchCommitted, at("2026-11-15T06:00:00Z"));
    event.datastore = Some(store.to_owned());
    event.batch = Some(12);
    event.rows = Some(RowCounts {
        read: 300,
        inserted: changed,
        updated: 0,
        deleted: 0,
    });
    event
}

#[test]
fn runs_on_the_first_of_the_month_and_defers_otherwise() {
    assert_eq!(ask(tick("2026-12-01T00:00:00Z")).0, Action::Run);
    let (action, until, reason) = ask(tick("2026-11-15T06:00:00Z"));
    assert_eq!(action, Action::Defer);
    assert_eq!(until.as_deref(), Some("2026-12-01T00:00:00+00:00"));
    assert_eq!(reason, "waiting for the first of the month");
    let (_, until, _) = ask(tick("2026-12-15T06:00:00Z"));
    assert_eq!(until.as_deref(), Some("2027-01-01T00:00:00+00:00"));
}

#[test]
fn runs_when_the_watched_input_has_a_batch_with_changes() {
    assert_eq!(
        ask(batch("NW_Data", 3)),
        (
            Action::Run,
            None,
            "a new batch of NW_Data with changes".to_owned()
        )
    );
    assert_eq!(ask(batch("NW_Data", 0)).0, Action::Skip);
    assert_eq!(ask(batch("Other", 3)).0, Action::Skip);
}

#[test]
fn runs_when_asked_by_hand() {
    let event = HookEvent::new(HookEventKind::ManualRun, at("2026-11-15T06:00:00Z"));
    assert_eq!(ask(event).0, Action::Run);
}

#[test]
fn the_example_models_pin_the_example_as_built() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let example = std::fs::read(root.join("examples/hooks/monthly_or_new_batch.wasm")).unwrap();
    for model in ["examples/models/northwind", "examples/airflow/model"] {
        let pinned =
            std::fs::read(root.join(model).join("hooks/monthly_or_new_batch.wasm")).unwrap();
        assert!(
            example == pinned,
            "{model}/hooks/ holds another build of the example hook; copy examples/hooks/monthly_or_new_batch.wasm there and put its sha256 in the model"
        );
    }
}
