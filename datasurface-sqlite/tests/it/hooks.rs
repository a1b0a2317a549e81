//! Workspaces' code hooks: a due transformer runs only if its hook says so;
//! skips and deferrals hold it without asking again until something new
//! happens or the deferral's time comes; a failing hook's policy decides;
//! every decision is recorded and linked to the batch it let run.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration};
use datasurface_core::HookEventKind;
use datasurface_platform::DataPlatform;
use datasurface_runtime::hook::{Action, Decision, HookError, HookInput, Subject};
use datasurface_sqlite::SqlitePlatform;
use datasurface_sqlite::engine::{Engine, Hooks, RunSummary, Schedules};

use crate::engine::{Collected, Rig, SHOP, render, rows, shop};
use crate::schedules::{at, scheduled_shop};

const SHA: &str = "a6e1060870315ce6c04fbb28a25487793b60f494f4d6101b807daf20ea558c19";

/// The scheduled shop with a hook on the `Daily` transformer's workspace;
/// without its cron trigger when `on_batches`, so new batches of `Shop`
/// make it due.
fn hooked_shop(on_batches: bool, events: &str, fail_closed: bool) -> String {
    let mut model = scheduled_shop().replace(
        "          Daily:\n            container: Warehouse\n",
        &format!(
            "          Daily:\n            container: Warehouse\n            hook:\n              module: hooks/daily.wasm\n              sha256: {SHA}\n              events: [{events}]\n{}",
            if fail_closed {
                "              onFailure: failClosed\n"
            } else {
                ""
            }
        ),
    );
    if on_batches {
        model = model.replace("              trigger: {cron: \"0 0 * * *\"}\n", "");
    }
    model
}

/// What the hook answers: one scripted decision per question, the last
/// repeated. `defer` defers an hour past the event.
type Script = Vec<&'static str>;

/// A rig with the model applied, an engine on a test clock (2026-11-21
/// 10:20 UTC), and a hook that answers from a script and keeps what it was
/// asked.
struct Hooked {
    rig: Rig,
    engine: Engine,
    now: Arc<AtomicI64>,
    asked: Arc<Mutex<Vec<HookInput>>>,
    /// The OpenLineage events its runs sent.
    events: Arc<Collected>,
}

fn hooked(name: &str, model: &str, script: Script, given: bool) -> Hooked {
    hooked_workspace(name, model, script, given.then_some("Daily"))
}

/// [`hooked`], the hook given for `workspace` (if any).
fn hooked_workspace(name: &str, model: &str, script: Script, given: Option<&str>) -> Hooked {
    let rig = shop(name);
    let now = Arc::new(AtomicI64::new(at(10, 20)));
    let clock = Arc::clone(&now);
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&asked);
    let hook = move |input: &HookInput| {
        let mut seen = seen.lock().unwrap();
        seen.push(input.clone());
        let answer = script[(seen.len() - 1).min(script.len() - 1)];
        match answer {
            "trap" => Err(HookError::Trap("unreachable executed".into())),
            "defer" => Ok(Decision {
                action: Action::Defer,
                until: Some(input.event.time + Duration::hours(1)),
                reason: "later".into(),
            }),
            "skip" => Ok(Decision {
                action: Action::Skip,
                until: None,
                reason: "not now".into(),
            }),
            _ => Ok(Decision {
                action: Action::Run,
                until: None,
                reason: "go".into(),
            }),
        }
    };
    let mut hooks = Hooks::new();
    if let Some(workspace) = given {
        hooks.insert(workspace, SHA, Arc::new(hook));
    }
    let engine = rig
        .engine
        .clone()
        .with_clock(move || {
            DateTime::from_timestamp(clock.load(Ordering::SeqCst), 0).unwrap_or_default()
        })
        .with_hooks(hooks);
    let events = Arc::new(Collected::default());
    let engine = engine.with_lineage(events.clone(), "test-host");
    let next = render(model, "Local");
    engine
        .apply(
            &SqlitePlatform.diff(&engine.applied().unwrap(), &next),
            &next,
        )
        .unwrap();
    Hooked {
        rig,
        engine,
        now,
        asked,
        events,
    }
}

impl Hooked {
    fn run_at(&self, hh: i64, mm: i64, schedules: Schedules) -> RunSummary {
        self.now.store(at(hh, mm), Ordering::SeqCst);
        self.engine.run_once(schedules, &mut |_| {}).unwrap()
    }

    fn asked(&self) -> usize {
        self.asked.lock().unwrap().len()
    }

    fn recorded(&self) -> Vec<String> {
        rows(
            &rusqlite::Connection::open(self.engine.merge_path()).unwrap(),
            "SELECT decision, event, action, coalesce(until, '-'), reason, decided_by, coalesce(batch, '-') \
             FROM hook_decision WHERE workspace IN ('Daily', 'Live') ORDER BY decision",
        )
    }
}

fn ran(summary: &RunSummary) -> Vec<&str> {
    summary.streams.iter().map(|s| s.stream.as_str()).collect()
}

fn decided(summary: &RunSummary) -> Vec<String> {
    summary
        .decisions
        .iter()
        .map(|d| format!("{} {} {} {}", d.workspace, d.event, d.action, d.decided_by))
        .collect()
}

#[test]
fn a_hook_decides_whether_a_transformer_runs_on_new_batches() {
    let h = hooked(
        "hooks-batches",
        &hooked_shop(true, "batchCommitted", false),
        vec!["skip", "defer", "run"],
        true,
    );
    // Shop's first batch makes Daily due; the hook skips it.
    let first = h.run_at(10, 20, Schedules::Ignore);
    assert_eq!(ran(&first), ["Feed", "Shop"]);
    assert_eq!(decided(&first), ["Daily batchCommitted skip hook"]);
    let event = h.asked.lock().unwrap()[0].event.clone();
    assert_eq!(event.stream.as_deref(), Some("Shop"));
    assert_eq!(event.datastore.as_deref(), Some("Shop"));
    assert_eq!(event.batch, Some(1));
    assert_eq!(event.rows.map(|r| (r.read, r.inserted)), Some((2, 2)));
    // Nothing new: the skip holds, and the hook is not asked again.
    let second = h.run_at(10, 25, Schedules::Ignore);
    assert_eq!(ran(&second), ["Feed", "Shop"]);
    assert!(second.decisions.is_empty());
    assert_eq!(h.asked(), 1);
    // A new item: asked again, and it defers an hour.
    h.rig
        .source("shop.sqlite")
        .execute_batch("INSERT INTO items VALUES (3, 'nib', 0.20)")
        .unwrap();
    let third = h.run_at(10, 30, Schedules::Ignore);
    assert_eq!(decided(&third), ["Daily batchCommitted defer hook"]);
    let waiting: Vec<_> = third
        .waiting
        .iter()
        .map(|w| format!("{} {}", w.stream, w.next.as_deref().unwrap_or("never")))
        .collect();
    assert_eq!(waiting, ["Summary 2026-11-21T11:30:00Z"]);
    // Before the deferral's time: held without asking.
    let fourth = h.run_at(11, 0, Schedules::Ignore);
    assert!(fourth.decisions.is_empty());
    assert_eq!(fourth.waiting.len(), 1);
    assert_eq!(h.asked(), 2);
    // After it: asked, runs, and the decision is linked to its batch.
    let fifth = h.run_at(11, 31, Schedules::Ignore);
    assert_eq!(ran(&fifth), ["Feed", "Shop", "Summary"]);
    assert_eq!(decided(&fifth), ["Daily batchCommitted run hook"]);
    let context = h.asked.lock().unwrap()[2].context.clone();
    let past: Vec<_> = context
        .last_decisions
        .iter()
        .map(|d| d.action.as_str())
        .collect();
    assert_eq!(past, ["defer", "skip"]);
    assert_eq!(context.workspace, "Daily");
    assert_eq!(context.team.as_deref(), Some("T"));
    assert_eq!(context.platform, "Local");
    assert_eq!(context.last_run, None);
    assert_eq!(
        h.recorded(),
        [
            "1|batchCommitted|skip|-|not now|hook|-",
            "2|batchCommitted|defer|2026-11-21T11:30:00.000Z|later|hook|-",
            "3|batchCommitted|run|-|go|hook|1",
        ]
    );
    assert_eq!(
        rows(
            &h.rig.warehouse("Warehouse"),
            "SELECT n FROM Board__Main__Summary__counts"
        ),
        ["3"]
    );
}

#[test]
fn a_scheduled_transformer_s_hook_is_asked_once_a_tick_and_by_hand_with_all() {
    let h = hooked(
        "hooks-ticks",
        &hooked_shop(false, "scheduleTick, manualRun", false),
        vec!["skip", "run"],
        true,
    );
    let first = h.run_at(10, 20, Schedules::Keep);
    assert_eq!(decided(&first), ["Daily scheduleTick skip hook"]);
    // The schedule has not fired since the skip: held.
    assert!(h.run_at(10, 30, Schedules::Keep).decisions.is_empty());
    assert_eq!(h.asked(), 1);
    // Midnight: asked again, and it runs.
    let midnight = h.run_at(24, 0, Schedules::Keep);
    assert_eq!(decided(&midnight), ["Daily scheduleTick run hook"]);
    assert!(ran(&midnight).contains(&"Summary"));
    // By hand (`--all`): a manual run, asked every time.
    let manual = h.run_at(24, 5, Schedules::Ignore);
    assert_eq!(decided(&manual), ["Daily manualRun run hook"]);
    assert!(ran(&manual).contains(&"Summary"));
    assert_eq!(
        h.asked.lock().unwrap()[2].event.kind,
        HookEventKind::ManualRun
    );
}

#[test]
fn events_a_hook_does_not_want_run_the_transformer_without_asking() {
    let h = hooked(
        "hooks-unwanted",
        &hooked_shop(true, "scheduleTick", false),
        vec!["skip"],
        true,
    );
    let first = h.run_at(10, 20, Schedules::Ignore);
    assert_eq!(ran(&first), ["Feed", "Shop", "Summary"]);
    assert!(first.decisions.is_empty());
    assert_eq!(h.asked(), 0);
}

#[test]
fn a_failing_hook_runs_the_transformer_when_it_fails_open() {
    let h = hooked(
        "hooks-fail-open",
        &hooked_shop(true, "batchCommitted", false),
        vec!["trap"],
        true,
    );
    let first = h.run_at(10, 20, Schedules::Ignore);
    assert_eq!(ran(&first), ["Feed", "Shop", "Summary"]);
    assert_eq!(decided(&first), ["Daily batchCommitted run failedOpen"]);
    assert!(first.decisions[0].failed());
    assert!(
        first.decisions[0]
            .reason
            .contains("trapped: unreachable executed; failing open"),
        "{}",
        first.decisions[0].reason
    );
}

#[test]
fn a_failing_hook_skips_the_transformer_when_it_fails_closed() {
    let h = hooked(
        "hooks-fail-closed",
        &hooked_shop(true, "batchCommitted", true),
        vec!["trap"],
        true,
    );
    let first = h.run_at(10, 20, Schedules::Ignore);
    assert_eq!(ran(&first), ["Feed", "Shop"]);
    assert_eq!(decided(&first), ["Daily batchCommitted skip failedClosed"]);
    assert_eq!(
        h.recorded(),
        [
            "1|batchCommitted|skip|-|the hook trapped: unreachable executed; failing closed: not run|failedClosed|-"
        ]
    );
}

#[test]
fn a_hook_the_engine_was_not_given_fails_by_its_policy() {
    let h = hooked(
        "hooks-missing",
        &hooked_shop(true, "batchCommitted", true),
        vec!["run"],
        false,
    );
    let first = h.run_at(10, 20, Schedules::Ignore);
    assert_eq!(ran(&first), ["Feed", "Shop"]);
    assert_eq!(decided(&first), ["Daily batchCommitted skip failedClosed"]);
    assert!(
        first.decisions[0]
            .reason
            .contains("no hook was loaded for workspace `Daily`"),
        "{}",
        first.decisions[0].reason
    );
}

#[test]
fn a_hook_loaded_from_another_module_than_the_applied_one_fails_by_its_policy() {
    let h = hooked(
        "hooks-other-module",
        &hooked_shop(true, "batchCommitted", false).replace(SHA, &"b".repeat(64)),
        vec!["skip"],
        true,
    );
    let first = h.run_at(10, 20, Schedules::Ignore);
    assert_eq!(decided(&first), ["Daily batchCommitted run failedOpen"]);
    assert!(
        first.decisions[0]
            .reason
            .contains("the applied rendering pins"),
        "{}",
        first.decisions[0].reason
    );
    assert_eq!(h.asked(), 0);
}

/// The shop with a hook on the `Live` workspace, whose group `Main` (items
/// and events) is delivered only when the hook says so.
fn hooked_live(events: &str, fail_closed: bool) -> String {
    SHOP.replace(
        "          Live:\n            container: Warehouse\n",
        &format!(
            "          Live:\n            container: Warehouse\n            hook:\n              module: hooks/live.wasm\n              sha256: {SHA}\n              events: [{events}]\n{}",
            if fail_closed {
                "              onFailure: failClosed\n"
            } else {
                ""
            }
        ),
    )
}

fn items(h: &Hooked, view: &str) -> Vec<String> {
    rows(
        &h.rig.warehouse("Warehouse"),
        &format!("SELECT id FROM {view} ORDER BY id"),
    )
}

#[test]
fn a_hooked_group_sees_new_batches_only_when_its_hook_delivers_them() {
    let h = hooked_workspace(
        "hooks-deliveries",
        &hooked_live("batchCommitted", false),
        vec!["skip", "run"],
        Some("Live"),
    );
    // The first batches: the hook holds the delivery; the unhooked forensic
    // consumer of the same items sees them at once.
    let first = h.run_at(10, 20, Schedules::Ignore);
    assert_eq!(decided(&first), ["Live batchCommitted skip hook"]);
    let told = h.events.told();
    assert_eq!(
        told.last().map(String::as_str),
        Some("deliver.Live.Main ABORT"),
        "{told:?}"
    );
    assert_eq!(
        first.decisions[0].subject,
        Subject::Delivery {
            dataset_group: "Main".into()
        }
    );
    assert!(items(&h, "Live__Main__Shop__items").is_empty());
    assert_eq!(items(&h, "Audit__History__Shop__items"), ["1", "2"]);
    let asked = h.asked.lock().unwrap()[0].clone();
    assert_eq!(
        asked.context.subject,
        Subject::Delivery {
            dataset_group: "Main".into()
        }
    );
    assert_eq!(asked.event.kind, HookEventKind::BatchCommitted);
    // Batches without changes are no news: held, not asked.
    let second = h.run_at(10, 25, Schedules::Ignore);
    assert!(second.decisions.is_empty());
    assert_eq!(h.asked(), 1);
    assert!(items(&h, "Live__Main__Shop__items").is_empty());
    // A new item: asked again; it delivers, and the group sees everything.
    h.rig
        .source("shop.sqlite")
        .execute_batch("INSERT INTO items VALUES (3, 'nib', 0.20)")
        .unwrap();
    h.events.told();
    let third = h.run_at(10, 30, Schedules::Ignore);
    assert_eq!(decided(&third), ["Live batchCommitted run hook"]);
    delivery_events(&h);
    assert_eq!(items(&h, "Live__Main__Shop__items"), ["1", "2", "3"]);
    assert_eq!(items(&h, "Live__Main__Feed__events"), ["1", "2"]);
    assert_eq!(
        h.recorded(),
        [
            "1|batchCommitted|skip|-|not now|hook|-",
            "2|batchCommitted|run|-|go|hook|3",
        ]
    );
    // Delivered and nothing new: not asked again.
    assert!(h.run_at(10, 35, Schedules::Ignore).decisions.is_empty());
    assert_eq!(h.asked(), 2);
}

/// The delivery's events: `START` and `COMPLETE` of one run, the child of
/// the batch it delivers, reading the exports and writing the group's views.
fn delivery_events(h: &Hooked) {
    let events: Vec<serde_json::Value> = h.events.0.lock().unwrap().clone();
    let delivery: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["job"]["name"] == "deliver.Live.Main")
        .collect();
    let kinds: Vec<&str> = delivery
        .iter()
        .map(|e| e["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["START", "COMPLETE"], "{events:?}");
    let (start, done) = (delivery[0], delivery[1]);
    assert_eq!(start["run"]["runId"], done["run"]["runId"]);
    assert_eq!(done["job"]["facets"]["jobType"]["jobType"], "EXPORT");
    let shop = events
        .iter()
        .find(|e| e["job"]["name"] == "ingest.Shop" && e["eventType"] == "COMPLETE")
        .unwrap();
    assert_eq!(
        start["run"]["facets"]["parent"]["run"]["runId"],
        shop["run"]["runId"]
    );
    let names = |side: &str| -> Vec<String> {
        done[side]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                d["name"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert!(
        names("outputs").contains(&"Live__Main__Shop__items".to_owned()),
        "{done}"
    );
    assert!(
        names("inputs")
            .iter()
            .any(|n| n.contains("Shop") && n.contains("items")),
        "{done}"
    );
}

#[test]
fn a_group_whose_hook_fails_closed_is_not_delivered_and_one_failing_open_is() {
    let closed = hooked_workspace(
        "hooks-delivery-closed",
        &hooked_live("batchCommitted", true),
        vec!["trap"],
        Some("Live"),
    );
    let first = closed.run_at(10, 20, Schedules::Ignore);
    assert_eq!(decided(&first), ["Live batchCommitted skip failedClosed"]);
    assert!(items(&closed, "Live__Main__Shop__items").is_empty());

    let open = hooked_workspace(
        "hooks-delivery-open",
        &hooked_live("batchCommitted", false),
        vec!["trap"],
        Some("Live"),
    );
    let first = open.run_at(10, 20, Schedules::Ignore);
    assert_eq!(decided(&first), ["Live batchCommitted run failedOpen"]);
    assert_eq!(items(&open, "Live__Main__Shop__items"), ["1", "2"]);
}

#[test]
fn a_group_whose_hook_does_not_want_batches_is_delivered_without_asking() {
    let h = hooked_workspace(
        "hooks-delivery-unwanted",
        &hooked_live("scheduleTick", false),
        vec!["skip"],
        Some("Live"),
    );
    let first = h.run_at(10, 20, Schedules::Ignore);
    assert!(first.decisions.is_empty());
    assert_eq!(h.asked(), 0);
    assert_eq!(items(&h, "Live__Main__Shop__items"), ["1", "2"]);
}
