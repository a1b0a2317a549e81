//! The WebAssembly host against modules written to behave, and to misbehave.

mod example;

use chrono::{DateTime, Utc};
use datasurface_core::{FailurePolicy, HookEventKind};
use datasurface_hooks::{Limits, WasmHook};
use datasurface_platform::sha256_hex;
use datasurface_runtime::hook::{
    Action, Decide, HookContext, HookError, HookEvent, HookInput, Subject, ask,
};
use std::time::Duration;

/// A hook module whose `ds_decide` has `body` (which leaves an i64 on the
/// stack), with `answer` in its memory at address 16 for the body to return.
fn module(answer: &str, body: &str) -> Vec<u8> {
    let escaped = answer.replace('\\', "\\\\").replace('"', "\\\"");
    wat::parse_str(format!(
        r#"(module
          (memory (export "memory") 1)
          (global $heap (mut i32) (i32.const 4096))
          (func (export "ds_contract_version") (result i32) i32.const 1)
          (func (export "ds_alloc") (param $n i32) (result i32) (local $p i32)
            global.get $heap local.set $p
            global.get $heap local.get $n i32.add global.set $heap
            local.get $p)
          (data (i32.const 16) "{escaped}")
          (func $answer (result i64)
            i64.const 16 i64.const 32 i64.shl i64.const {len} i64.or)
          (func (export "ds_decide") (param $ptr i32) (param $len i32) (result i64)
            {body}))"#,
        len = answer.len(),
    ))
    .expect("the test's module is valid text format")
}

/// A module that answers `answer`.
fn answering(answer: &str) -> Vec<u8> {
    module(answer, "call $answer")
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("a valid time")
}

fn input() -> HookInput {
    HookInput::new(
        HookEvent::new(HookEventKind::ScheduleTick, at("2026-11-15T06:00:00Z")),
        HookContext {
            workspace: "Masked".into(),
            team: None,
            platform: "Local".into(),
            subject: Subject::Transformer {
                output_datastore: "Masked_NW_Data".into(),
            },
            last_run: None,
            last_decisions: Vec::new(),
        },
    )
}

fn load(bytes: &[u8]) -> WasmHook {
    WasmHook::load(bytes, None, Limits::default()).expect("the module loads")
}

fn decide(bytes: &[u8]) -> Result<datasurface_runtime::hook::HookRun, HookError> {
    load(bytes).decide(&input())
}

#[test]
fn run_skip_and_defer() {
    let run = decide(&answering(r#"{"action":"run","reason":"always"}"#)).unwrap();
    assert_eq!(run.decision.action, Action::Run);
    assert_eq!(run.decision.reason, "always");
    assert!(
        run.fuel.is_some_and(|f| f > 0 && f < 1_000),
        "{:?}",
        run.fuel
    );

    let skip = decide(&answering(r#"{"action":"skip","reason":"not today"}"#)).unwrap();
    assert_eq!(skip.decision.action, Action::Skip);

    let defer = decide(&answering(
        r#"{"action":"defer","until":"2026-12-01T00:00:00Z","reason":"first of the month"}"#,
    ))
    .unwrap();
    assert_eq!(defer.decision.action, Action::Defer);
    assert_eq!(defer.decision.until, Some(at("2026-12-01T00:00:00Z")));
}

#[test]
fn a_trapping_hook_is_contained_and_each_policy_applies() {
    let hook = load(&module("", "unreachable"));
    let err = hook.decide(&input()).unwrap_err();
    assert!(matches!(err, HookError::Trap(_)), "{err}");
    assert!(err.to_string().contains("unreachable"), "{err}");

    let open = ask(&hook, &input(), FailurePolicy::FailOpen);
    assert!(open.runs() && open.is_warning(), "{open:?}");
    let closed = ask(&hook, &input(), FailurePolicy::FailClosed);
    assert!(!closed.runs() && closed.is_alert(), "{closed:?}");
    assert!(closed.reason.contains("trapped"), "{}", closed.reason);
}

#[test]
fn an_infinite_loop_is_stopped_by_fuel() {
    let bytes = module("", "(loop $forever br $forever) i64.const 0");
    let limits = Limits {
        fuel: 5_000_000,
        ..Limits::default()
    };
    let hook = WasmHook::load(&bytes, None, limits).unwrap();
    let err = hook.decide(&input()).unwrap_err();
    assert_eq!(err, HookError::OutOfFuel { limit: 5_000_000 });
    assert!(err.to_string().contains("raise `limits.fuel`"), "{err}");
}

#[test]
fn an_infinite_loop_is_stopped_by_wall_time_when_fuel_is_plenty() {
    let bytes = module("", "(loop $forever br $forever) i64.const 0");
    let limits = Limits {
        fuel: u64::MAX / 2,
        wall_time: Duration::from_millis(50),
        ..Limits::default()
    };
    let hook = WasmHook::load(&bytes, None, limits).unwrap();
    let err = hook.decide(&input()).unwrap_err();
    assert_eq!(err, HookError::WallTime { limit_ms: 50 });
}

#[test]
fn a_memory_bomb_is_stopped_at_its_limit() {
    // Grows a page at a time, forever, ignoring failures.
    let bytes = module(
        "",
        "(loop $more (drop (memory.grow (i32.const 1))) br $more) i64.const 0",
    );
    let limits = Limits {
        memory_bytes: 2 << 20,
        ..Limits::default()
    };
    let hook = WasmHook::load(&bytes, None, limits).unwrap();
    let err = hook.decide(&input()).unwrap_err();
    assert_eq!(err, HookError::OutOfMemory { limit_mib: 2 });

    // A module that asks for more memory up front than it may have does not start.
    let greedy = wat::parse_str(
        r#"(module (memory (export "memory") 100)
            (func (export "ds_contract_version") (result i32) i32.const 1)
            (func (export "ds_alloc") (param i32) (result i32) i32.const 0)
            (func (export "ds_decide") (param i32 i32) (result i64) i64.const 0))"#,
    )
    .unwrap();
    let err = WasmHook::load(&greedy, None, limits).unwrap_err();
    assert_eq!(err, HookError::OutOfMemory { limit_mib: 2 });
}

#[test]
fn deep_recursion_is_a_trap_not_a_crash() {
    let bytes = wat::parse_str(
        r#"(module (memory (export "memory") 1)
            (func (export "ds_contract_version") (result i32) i32.const 1)
            (func (export "ds_alloc") (param i32) (result i32) i32.const 0)
            (func $down (param i32) (result i64) (call $down (local.get 0)))
            (func (export "ds_decide") (param i32 i32) (result i64) (call $down (local.get 0))))"#,
    )
    .unwrap();
    let err = decide(&bytes).unwrap_err();
    assert!(matches!(err, HookError::Trap(_)), "{err}");
}

#[test]
fn the_hash_must_match_the_model() {
    let bytes = answering(r#"{"action":"run"}"#);
    let pinned = sha256_hex(&bytes);
    assert!(WasmHook::load(&bytes, Some(&pinned), Limits::default()).is_ok());
    let other = "0".repeat(64);
    let err = WasmHook::load(&bytes, Some(&other), Limits::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains(&pinned) && text.contains(&other), "{text}");
    assert!(text.contains("sha256sum"), "{text}");
}

#[test]
fn modules_that_break_the_contract_are_refused_at_load() {
    let cases: [(&[u8], &str); 5] = [
        (b"not wasm at all", "not start as a WebAssembly binary"),
        (
            &wat::parse_str(
                r#"(module (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32))))"#,
            )
            .unwrap(),
            "imports `wasi_snapshot_preview1.fd_write`",
        ),
        (
            &wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap(),
            "does not export `ds_contract_version`",
        ),
        (
            &wat::parse_str(
                r#"(module (memory (export "memory") 1)
                    (func (export "ds_contract_version") (result i32) i32.const 2)
                    (func (export "ds_alloc") (param i32) (result i32) i32.const 0)
                    (func (export "ds_decide") (param i32 i32) (result i64) i64.const 0))"#,
            )
            .unwrap(),
            "contract version 2",
        ),
        (
            &wat::parse_str(
                r#"(module (memory (export "memory") 1)
                    (func (export "ds_contract_version") (result i32) i32.const 1)
                    (func (export "ds_alloc") (param i32) (result i32) i32.const 0)
                    (func (export "ds_decide") (param i32 i32) (result i32) i32.const 0))"#,
            )
            .unwrap(),
            "`ds_decide` is a function (i32, i32) -> i32, not a function (i32, i32) -> i64",
        ),
    ];
    for (bytes, why) in cases {
        let err = WasmHook::load(bytes, None, Limits::default()).unwrap_err();
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
}

#[test]
fn answers_outside_memory_or_not_decisions_are_errors() {
    let outside = module("", "i64.const 0xffff0000_00000010");
    let err = decide(&outside).unwrap_err();
    assert!(err.to_string().contains("outside its memory"), "{err}");

    let prose = answering("sure, run it");
    let err = decide(&prose).unwrap_err();
    assert!(matches!(err, HookError::BadDecision(_)), "{err}");

    let past = answering(r#"{"action":"defer","until":"2020-01-01T00:00:00Z"}"#);
    let err = decide(&past).unwrap_err();
    assert!(
        err.to_string().contains("not after the event's time"),
        "{err}"
    );
}

#[test]
fn the_host_hands_the_input_over_intact() {
    // `ds_decide` answers with the bytes it was given: the host must read
    // back exactly the JSON it wrote, which is not a decision.
    let echo = module(
        "",
        "(i64.or (i64.shl (i64.extend_i32_u (local.get $ptr)) (i64.const 32)) (i64.extend_i32_u (local.get $len)))",
    );
    let err = decide(&echo).unwrap_err().to_string();
    assert!(err.contains("unknown field `contract`"), "{err}");
}

#[test]
fn each_decision_starts_from_a_fresh_instance() {
    // Counts its calls in a global, and answers `skip` from the second on:
    // with a fresh instance per decision it always answers `run`.
    let run = r#"{"action":"run"}"#;
    let bytes = wat::parse_str(format!(
        r#"(module (memory (export "memory") 1)
            (global $calls (mut i32) (i32.const 0))
            (data (i32.const 16) "{{\"action\":\"run\"}}")
            (data (i32.const 64) "{{\"action\":\"skip\"}}")
            (func (export "ds_contract_version") (result i32) i32.const 1)
            (func (export "ds_alloc") (param i32) (result i32) i32.const 1024)
            (func (export "ds_decide") (param i32 i32) (result i64)
              (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
              (if (result i64) (i32.gt_u (global.get $calls) (i32.const 1))
                (then (i64.or (i64.shl (i64.const 64) (i64.const 32)) (i64.const 17)))
                (else (i64.or (i64.shl (i64.const 16) (i64.const 32)) (i64.const {}))))))"#,
        run.len()
    ))
    .unwrap();
    let hook = load(&bytes);
    for _ in 0..3 {
        assert_eq!(hook.decide(&input()).unwrap().decision.action, Action::Run);
    }
}

#[test]
fn many_slices_of_fuel() {
    let bytes = module("", "(loop $forever br $forever) i64.const 0");
    let limits = Limits {
        fuel: 300_000_000,
        wall_time: Duration::from_secs(60),
        ..Limits::default()
    };
    let hook = WasmHook::load(&bytes, None, limits).unwrap();
    let err = hook.decide(&input()).unwrap_err();
    assert_eq!(err, HookError::OutOfFuel { limit: 300_000_000 });
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

    /// Whatever bytes a team commits as its module, loading refuses them
    /// with an error, never a panic.
    #[test]
    fn any_bytes_load_or_are_refused(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..512), header in proptest::bool::ANY) {
        let mut bytes = if header { b"\0asm\x01\0\0\0".to_vec() } else { Vec::new() };
        bytes.extend(tail);
        let _ = WasmHook::load(&bytes, None, Limits::default());
    }

    /// Any reason a hook gives comes back as it was written, or is refused
    /// with a clear error: it is never altered on the way.
    #[test]
    fn reasons_come_back_intact_or_are_refused(reason in "\\PC{0,40}|[\\x00-\\x1f\"\\\\]{0,5}") {
        let answer = serde_json::json!({"action": "run", "reason": reason}).to_string();
        match decide(&answering(&answer)) {
            Ok(run) => proptest::prop_assert_eq!(run.decision.reason, reason),
            Err(e) => proptest::prop_assert!(e.to_string().contains("control character"), "{}", e),
        }
    }
}

/// One thing a hostile hook does, over and over.
#[derive(Debug, Clone)]
enum Hostile {
    /// `memory.grow` by this many pages, its failure ignored.
    GrowMemory(i32),
    /// `table.grow` by this many elements, its failure ignored.
    GrowTable(i32),
    /// A call that recurses this deep before returning.
    Recurse(i32),
    /// Fills a table slot and calls through it.
    CallIndirect,
}

impl Hostile {
    fn text(&self) -> String {
        match self {
            Hostile::GrowMemory(n) => format!("(drop (memory.grow (i32.const {n})))"),
            Hostile::GrowTable(n) => {
                format!("(drop (table.grow $t (ref.null func) (i32.const {n})))")
            }
            Hostile::Recurse(n) => format!("(drop (call $down (i32.const {n})))"),
            Hostile::CallIndirect => {
                "(table.set $t (i32.const 0) (ref.func $down)) (drop (call_indirect $t (param i32) (result i32) (i32.const 3) (i32.const 0)))".to_owned()
            }
        }
    }
}

/// A module whose `ds_decide` does `steps` forever (or `rounds` times, then answers).
fn hostile(steps: &[Hostile], rounds: Option<u32>) -> Vec<u8> {
    let body: String = steps
        .iter()
        .map(Hostile::text)
        .collect::<Vec<_>>()
        .join(" ");
    let repeat = match rounds {
        Some(n) => format!(
            "(local.set $i (i32.const {n})) (block $out (loop $more {body} (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br_if $out (i32.eqz (local.get $i))) br $more))"
        ),
        None => format!("(loop $more {body} br $more)"),
    };
    let answer = r#"{"action":"run"}"#;
    wat::parse_str(format!(
        r#"(module (memory (export "memory") 1)
            (table $t 1 funcref)
            (elem declare func $down)
            (data (i32.const 16) "{{\"action\":\"run\"}}")
            (func (export "ds_contract_version") (result i32) i32.const 1)
            (func (export "ds_alloc") (param i32) (result i32) i32.const 1024)
            (func $down (param $n i32) (result i32)
              (if (result i32) (i32.le_s (local.get $n) (i32.const 0))
                (then (i32.const 0))
                (else (call $down (i32.sub (local.get $n) (i32.const 1))))))
            (func (export "ds_decide") (param i32 i32) (result i64) (local $i i32)
              {repeat}
              i64.const 16 i64.const 32 i64.shl i64.const {len} i64.or))"#,
        len = answer.len(),
    ))
    .expect("the test's module is valid text format")
}

fn any_hostile() -> impl proptest::strategy::Strategy<Value = Hostile> {
    use proptest::prelude::*;
    prop_oneof![
        prop_oneof![
            Just(0),
            Just(1),
            Just(16),
            Just(65_536),
            Just(i32::MAX),
            Just(-1),
            any::<i32>()
        ]
        .prop_map(Hostile::GrowMemory),
        prop_oneof![
            Just(0),
            Just(1),
            Just(50_000),
            Just(100_001),
            Just(i32::MAX),
            Just(-1),
            any::<i32>()
        ]
        .prop_map(Hostile::GrowTable),
        prop_oneof![Just(1), Just(10_000), Just(1_000_000), Just(i32::MAX)]
            .prop_map(Hostile::Recurse),
        Just(Hostile::CallIndirect),
    ]
}

/// A refused `table.grow` in a loop once overflowed the native stack in
/// optimised builds and aborted the process (issue 37): the host must come
/// back with the hook's own error.
#[test]
fn a_loop_of_refused_table_growth_is_stopped_by_fuel() {
    let bytes = hostile(&[Hostile::GrowTable(i32::MAX)], None);
    let err = decide(&bytes).unwrap_err();
    assert_eq!(
        err,
        HookError::OutOfFuel {
            limit: Limits::default().fuel
        }
    );
    let bytes = hostile(&[Hostile::GrowMemory(16)], None);
    let err = decide(&bytes).unwrap_err();
    assert!(matches!(err, HookError::OutOfMemory { .. }), "{err}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 48, ..Default::default() })]

    /// Whatever a module grows, however deep it recurses, and however often,
    /// the host comes back with a decision or the hook's own error, within
    /// its limits: it never aborts, and never runs past its wall time.
    #[test]
    fn any_growth_or_recursion_ends_in_a_decision_or_an_error(
        steps in proptest::collection::vec(any_hostile(), 1..4),
        rounds in proptest::option::of(1u32..50),
    ) {
        let limits = Limits {
            fuel: 50_000_000,
            memory_bytes: 4 << 20,
            wall_time: Duration::from_millis(300),
        };
        let hook = WasmHook::load(&hostile(&steps, rounds), None, limits).unwrap();
        let started = std::time::Instant::now();
        match hook.decide(&input()) {
            Ok(run) => proptest::prop_assert_eq!(run.decision.action, Action::Run),
            Err(HookError::OutOfFuel { .. } | HookError::OutOfMemory { .. } | HookError::WallTime { .. } | HookError::Trap(_)) => {}
            Err(other) => proptest::prop_assert!(false, "unexpected error {other}"),
        }
        proptest::prop_assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[test]
fn a_reason_that_would_reorder_or_break_a_line_is_refused() {
    // Written as JSON escapes: the module's text format refuses them raw.
    for reason in ["evil\\u202Etxt", "two\\u2028lines", "iso\\u2066late"] {
        let answer = format!(r#"{{"action":"run","reason":"{reason}"}}"#);
        let err = decide(&answering(&answer)).unwrap_err();
        assert!(err.to_string().contains("control character"), "{err}");
    }
}
