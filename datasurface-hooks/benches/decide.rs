//! The cost of one hook decision: instantiate the example hook (C compiled
//! to WebAssembly) in a fresh sandbox, hand it the event, run it, read and
//! check its decision. And of loading (compiling and checking) the module.
//!
//! `cargo bench -p datasurface-hooks --bench decide`

use datasurface_core::HookEventKind;
use datasurface_hooks::{Limits, WasmHook};
use datasurface_runtime::hook::{Decide, HookContext, HookEvent, HookInput, RowCounts, Subject};

fn main() {
    divan::main();
}

fn module() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/hooks/monthly_or_new_batch.wasm"
    );
    std::fs::read(path).expect("the example hook is in the checkout")
}

fn input() -> HookInput {
    let mut event = HookEvent::new(
        HookEventKind::BatchCommitted,
        "2026-11-15T06:00:00Z".parse().expect("a time"),
    );
    event.datastore = Some("NW_Data".to_owned());
    event.batch = Some(12);
    event.rows = Some(RowCounts {
        read: 300,
        inserted: 3,
        updated: 1,
        deleted: 0,
    });
    HookInput::new(
        event,
        HookContext {
            workspace: "MaskedCustomers".to_owned(),
            team: Some("NW_Team".to_owned()),
            platform: "Local".to_owned(),
            subject: Subject::Transformer {
                output_datastore: "Masked_NW_Data".to_owned(),
            },
            last_run: None,
            last_decisions: Vec::new(),
        },
    )
}

/// One decision of the example hook: a fresh instance, the input written,
/// the hook run, its answer read and checked.
#[divan::bench]
fn decide(bencher: divan::Bencher<'_, '_>) {
    let hook = WasmHook::load(&module(), None, Limits::default()).expect("the example loads");
    let input = input();
    bencher.bench_local(|| hook.decide(divan::black_box(&input)).expect("it decides"));
}

/// Loading the module: hashing, validating, compiling and checking its exports.
#[divan::bench]
fn load(bencher: divan::Bencher<'_, '_>) {
    let bytes = module();
    bencher.bench_local(|| WasmHook::load(divan::black_box(&bytes), None, Limits::default()));
}
