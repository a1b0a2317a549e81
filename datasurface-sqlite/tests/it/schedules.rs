//! Cron triggers: scheduled streams and transformers run when their schedule
//! fired since their last batch, and a stream exported to more containers
//! than SQLite attaches at once reaches every one of them.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use datasurface_platform::DataPlatform;
use datasurface_sqlite::SqlitePlatform;
use datasurface_sqlite::engine::{RunEvent, RunSummary, Schedules};

use crate::engine::{Rig, SHOP, render, rows, shop};

/// The shop with items captured hourly, and a transformer counting items
/// daily at midnight into `Summary`, which `Board` reads.
pub(crate) fn scheduled_shop() -> String {
    SHOP.replace(
        "                method: {sqlSnapshot: {}}\n",
        "                method: {sqlSnapshot: {}}\n                trigger: {cron: \"0 * * * *\"}\n",
    )
    .replace(
        "        datastores:\n",
        "        datastores:
          Summary:
            capture:
              transformerOutput: {workspace: Daily}
            datasets:
              counts:
                classifications: [PUB]
                schema:
                  columns:
                    id: {type: Integer, nullable: false}
                    n: {type: Integer}
                  primaryKey: [id]
",
    )
    .replace(
        "        workspaces:\n",
        "        workspaces:
          Daily:
            container: Warehouse
            datasetGroups:
              Input:
                sinks:
                  - {datastore: Shop, dataset: items}
            transformer:
              outputDatastore: Summary
              trigger: {cron: \"0 0 * * *\"}
              code:
                sql:
                  queries:
                    counts: SELECT 1 AS id, COUNT(*) AS n FROM Shop_items
          Board:
            container: Warehouse
            datasetGroups:
              Main:
                sinks:
                  - {datastore: Summary, dataset: counts}
                requirements: {milestoning: LIVE_ONLY, latency: HOURS}
",
    )
    .replace(
        "assignments:\n",
        "assignments:
  - workspace: Board
    datasetGroup: Main
    platforms: [{platform: Local, status: PROVISIONED}]
",
    )
}

/// 2026-11-21 (a Saturday) at `hh:mm` UTC, in seconds.
pub(crate) fn at(hh: i64, mm: i64) -> i64 {
    1_795_219_200 + hh * 3600 + mm * 60
}

fn ran(summary: &RunSummary) -> Vec<&str> {
    summary.streams.iter().map(|s| s.stream.as_str()).collect()
}

fn waiting(summary: &RunSummary) -> Vec<String> {
    summary
        .waiting
        .iter()
        .map(|w| format!("{} {}", w.stream, w.next.as_deref().unwrap_or("never")))
        .collect()
}

/// The rig's engine on a clock the test sets (it starts at 10:20), with the
/// scheduled shop applied.
struct Clocked {
    engine: datasurface_sqlite::engine::Engine,
    now: Arc<AtomicI64>,
}

impl Clocked {
    fn new(rig: &Rig) -> Self {
        let now = Arc::new(AtomicI64::new(at(10, 20)));
        let clock = Arc::clone(&now);
        let engine = rig.engine.clone().with_clock(move || {
            chrono::DateTime::from_timestamp(clock.load(Ordering::SeqCst), 0).unwrap_or_default()
        });
        let next = render(&scheduled_shop(), "Local");
        engine
            .apply(
                &SqlitePlatform.diff(&engine.applied().unwrap(), &next),
                &next,
            )
            .unwrap();
        Clocked { engine, now }
    }

    /// Sets the clock to `hh:mm` of 2026-11-21 (24:00 is the next midnight)
    /// and runs what is due then.
    fn run_at(&self, hh: i64, mm: i64) -> RunSummary {
        self.now.store(at(hh, mm), Ordering::SeqCst);
        self.engine.run_once(Schedules::Keep, &mut |_| {}).unwrap()
    }
}

#[test]
fn scheduled_streams_and_transformers_run_when_their_schedule_fires() {
    let rig = shop("schedules");
    let clock = Clocked::new(&rig);
    let engine = &clock.engine;
    // Never run: everything is due, and the transformer follows its input.
    let first = clock.run_at(10, 20);
    assert_eq!(ran(&first), ["Feed", "Shop", "Summary"]);
    // Ten minutes later only the unscheduled stream runs.
    let later = clock.run_at(10, 30);
    assert_eq!(ran(&later), ["Feed"]);
    assert_eq!(
        waiting(&later),
        ["Shop 2026-11-21T11:00:00Z", "Summary 2026-11-22T00:00:00Z"]
    );
    // A new item; the hourly capture picks it up at 11:00, but the daily
    // transformer does not run on new input, only at midnight.
    rig.source("shop.sqlite")
        .execute_batch("INSERT INTO items VALUES (3, 'nib', 0.20)")
        .unwrap();
    assert_eq!(ran(&clock.run_at(10, 59)), ["Feed"]);
    assert_eq!(ran(&clock.run_at(11, 0)), ["Feed", "Shop"]);
    let counts = || {
        rows(
            &rig.warehouse("Warehouse"),
            "SELECT n FROM Board__Main__Summary__counts",
        )
    };
    assert_eq!(counts(), ["2"]);
    assert_eq!(ran(&clock.run_at(24, 0)), ["Feed", "Shop", "Summary"]);
    assert_eq!(counts(), ["3"]);
    // Ignoring schedules runs everything now; progress hears of each batch.
    let mut events = Vec::new();
    let summary = engine
        .run_once(Schedules::Ignore, &mut |e| {
            events.push(match e {
                RunEvent::Due(n) => format!("due {n}"),
                RunEvent::Started(s) => format!("start {s}"),
                RunEvent::Read { stream, .. } => format!("read {stream}"),
                RunEvent::Ended(o) => format!("end {}", o.stream),
                _ => "other".to_owned(),
            });
        })
        .unwrap();
    assert_eq!(ran(&summary), ["Feed", "Shop", "Summary"]);
    assert!(summary.waiting.is_empty());
    assert_eq!(
        events,
        [
            "due 2",
            "start Feed",
            "read Feed",
            "end Feed",
            "start Shop",
            "read Shop",
            "end Shop",
            "due 1",
            "start Summary",
            "read Summary",
            "end Summary"
        ]
    );
}

/// The shop with `n` live consumers of items, each in its own container.
fn many_containers(n: usize) -> String {
    let (mut containers, mut workspaces, mut assignments) =
        (String::new(), String::new(), String::new());
    for i in 0..n {
        writeln!(
            containers,
            "          Mart {i:02}:\n            kind: {{database: {{engine: SQLITE, database: mart{i:02}.sqlite}}}}"
        )
        .unwrap();
        writeln!(
            workspaces,
            "          Mart{i:02}:
            container: Mart {i:02}
            datasetGroups:
              Main:
                sinks:
                  - {{datastore: Shop, dataset: items}}
                requirements: {{milestoning: LIVE_ONLY, latency: MINUTES}}"
        )
        .unwrap();
        writeln!(
            assignments,
            "  - workspace: Mart{i:02}\n    datasetGroup: Main\n    platforms: [{{platform: Local, status: PROVISIONED}}]"
        )
        .unwrap();
    }
    SHOP.replace(
        "        containers:\n",
        &format!("        containers:\n{containers}"),
    )
    .replace(
        "        workspaces:\n",
        &format!("        workspaces:\n{workspaces}"),
    )
    .replace("assignments:\n", &format!("assignments:\n{assignments}"))
}

fn mart_items(rig: &Rig, i: usize) -> Vec<String> {
    rows(
        &rig.warehouse(&format!("Mart {i:02}")),
        &format!("SELECT id || ':' || price FROM Mart{i:02}__Main__Shop__items ORDER BY id"),
    )
}

#[test]
fn a_stream_reaches_more_containers_than_sqlite_attaches_at_once() {
    let rig = shop("many-containers");
    let model = many_containers(23);
    rig.apply(&model);
    rig.run();
    for i in 0..23 {
        assert_eq!(mart_items(&rig, i), ["1:1.50", "2:4.00"], "mart {i}");
    }
    rig.source("shop.sqlite")
        .execute_batch(
            "UPDATE items SET price = 9.99 WHERE id = 2; INSERT INTO items VALUES (3, 'nib', 0.20)",
        )
        .unwrap();
    rig.run();
    for i in 0..23 {
        assert_eq!(
            mart_items(&rig, i),
            ["1:1.50", "2:9.99", "3:0.20"],
            "mart {i}"
        );
    }
    // An export a crash left a batch behind (simulated by winding its state
    // back) is caught up by the next run, even when its stream has nothing new.
    rig.warehouse("Mart 20")
        .execute_batch("UPDATE ds_export_state SET batch = batch - 1; DELETE FROM ds_export__Shop__items WHERE id = 3")
        .unwrap();
    assert_eq!(mart_items(&rig, 20), ["1:1.50", "2:9.99"]);
    rig.run();
    assert_eq!(mart_items(&rig, 20), ["1:1.50", "2:9.99", "3:0.20"]);
}

#[test]
fn a_failed_scheduled_stream_is_retried_on_the_next_run_not_at_its_next_time() {
    let rig = shop("retry-failed");
    let clock = Clocked::new(&rig);
    let engine = &clock.engine;
    // The hourly source is broken at its first run: its batch fails.
    rig.source("shop.sqlite")
        .execute_batch("ALTER TABLE items RENAME TO items_gone")
        .unwrap();
    let first = clock.run_at(10, 20);
    assert_eq!(
        ran(&first),
        ["Feed", "Shop"],
        "the transformer waits for its input"
    );
    assert_eq!(first.failed(), 1);
    // Mended ten minutes later, long before 11:00: the next run retries it.
    rig.source("shop.sqlite")
        .execute_batch("ALTER TABLE items_gone RENAME TO items")
        .unwrap();
    let retried = clock.run_at(10, 30);
    assert_eq!(ran(&retried), ["Feed", "Shop", "Summary"]);
    assert_eq!(retried.failed(), 0);
    // Committed now, it keeps to its schedule again.
    assert_eq!(ran(&clock.run_at(10, 40)), ["Feed"]);
    let status = engine.status(5).unwrap();
    let shop = status.iter().find(|s| s.stream == "Shop").unwrap();
    assert_eq!(
        shop.batches
            .iter()
            .map(|b| b.status.as_str())
            .collect::<Vec<_>>(),
        ["committed", "failed"]
    );
    assert!(!shop.failing());
    assert_eq!(
        shop.next,
        datasurface_sqlite::engine::NextRun::Scheduled("2026-11-21T11:00:00Z".into())
    );
    assert_eq!(shop.source, "sqlite:Shop DB");
    let summary = status.iter().find(|s| s.stream == "Summary").unwrap();
    assert_eq!(summary.source, "transformer:Daily");
}

/// The shop with an unscheduled transformer copying items into `Copy`, read by `Board`.
fn copying_shop(query: &str) -> String {
    SHOP.replace(
        "        datastores:\n",
        "        datastores:
          Copy:
            capture:
              transformerOutput: {workspace: Copier}
            datasets:
              items:
                classifications: [PUB]
                schema:
                  columns:
                    id: {type: Integer, nullable: false}
                    name: {type: {VarChar: {maxSize: 40}}}
                  primaryKey: [id]
",
    )
    .replace(
        "        workspaces:\n",
        &format!(
            "        workspaces:
          Copier:
            container: Warehouse
            datasetGroups:
              Input:
                sinks:
                  - {{datastore: Shop, dataset: items}}
            transformer:
              outputDatastore: Copy
              code:
                sql:
                  queries:
                    items: {query}
          Board:
            container: Warehouse
            datasetGroups:
              Main:
                sinks:
                  - {{datastore: Copy, dataset: items}}
                requirements: {{milestoning: LIVE_ONLY, latency: HOURS}}
"
        ),
    )
    .replace(
        "assignments:\n",
        "assignments:
  - workspace: Board
    datasetGroup: Main
    platforms: [{platform: Local, status: PROVISIONED}]
",
    )
}

#[test]
fn a_failing_transformer_is_tried_once_a_run() {
    let rig = shop("transformer-once");
    // A query the engine cannot run, past the gate (which would refuse it).
    rig.apply_past_the_gate(
        &copying_shop("SELECT id, name FROM Shop_items"),
        "SELECT id, name FROM no_such_input",
    );
    let summary = rig.run();
    assert_eq!(ran(&summary), ["Feed", "Shop", "Copy"]);
    let failed: Vec<&str> = summary
        .streams
        .iter()
        .filter(|s| s.stream == "Copy")
        .map(|s| s.message.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(failed.len(), 1, "tried once: {failed:?}");
    // The message names the views the transformer can read.
    assert!(
        failed[0].contains("no such table: no_such_input"),
        "{}",
        failed[0]
    );
    assert!(failed[0].contains("`Shop_items`"), "{}", failed[0]);
}

#[test]
fn a_changed_query_rebuilds_the_output_on_the_next_run() {
    let rig = shop("query-changed");
    rig.apply(&copying_shop("SELECT id, name FROM Shop_items"));
    rig.run();
    let board = || {
        rows(
            &rig.warehouse("Warehouse"),
            "SELECT id || ':' || name FROM Board__Main__Copy__items ORDER BY id",
        )
    };
    assert_eq!(board(), ["1:pen", "2:ink"]);
    // Nothing new in the inputs, but the query changed: the plan says the
    // output is rebuilt, and the next run rebuilds it.
    let model = copying_shop("SELECT id, upper(name) AS name FROM Shop_items");
    let next = render(&model, "Local");
    let plan = SqlitePlatform.diff(&rig.engine.applied().unwrap(), &next);
    let step = plan
        .steps
        .iter()
        .find(|s| s.key.as_str().starts_with("jobs/transformer/"))
        .unwrap();
    assert_eq!(
        step.disruption,
        datasurface_platform::Disruption::Backfill,
        "{}",
        step.reason
    );
    assert!(
        step.reason.contains("rebuilds its output"),
        "{}",
        step.reason
    );
    let applied = rig.engine.apply(&plan, &next).unwrap();
    assert_eq!(applied.rebuilt, ["Copier"]);
    assert_eq!(applied.database_steps + applied.recorded, plan.steps.len());
    rig.run();
    assert_eq!(board(), ["1:PEN", "2:INK"]);
}
