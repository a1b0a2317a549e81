//! The engine on real files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use datasurface_files::{self as files, SourceFile};
use datasurface_platform::graph::build;
use datasurface_platform::{DataPlatform, Rendering, render_with};
use datasurface_rules::validate::validate;
use datasurface_sqlite::SqlitePlatform;
use datasurface_sqlite::engine::{Engine, RunEvent, RunSummary, Schedules, StreamStatus};
use rusqlite::Connection;

/// A scratch directory, emptied first.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sqlite-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small shop: items from a SQLite database, events from CSV drops; a live
/// consumer of both and a forensic consumer of items.
pub(crate) const SHOP: &str = r"
apiVersion: datasurface.dev/v1
kind: Ecosystem
name: Shop
owningRepository: {name: acme/eco, branch: main}
liveRepository: {name: acme/eco, branch: live}
platforms:
  Local:
    kind: sqlite
    version: ^0.1
    parameters:
      sources: {Drops: drops}
zoneDeclarations:
  Z: {repository: {name: acme/z, branch: main}}
zones:
  Z:
    teamDeclarations:
      T: {repository: {name: acme/t, branch: main}}
    teams:
      T:
        containers:
          Shop DB:
            kind: {database: {engine: SQLITE, database: shop.sqlite}}
          Drops:
            kind: {objectStorage: {bucket: drops}}
          Warehouse:
            kind: {database: {engine: SQLITE, database: warehouse.sqlite}}
        datastores:
          Shop:
            capture:
              ingestion:
                container: Shop DB
                consistency: MULTI_DATASET
                method: {sqlSnapshot: {}}
            datasets:
              items:
                classifications: [PUB]
                schema:
                  columns:
                    id: {type: Integer, nullable: false}
                    name: {type: {VarChar: {maxSize: 40}}}
                    price: {type: {Decimal: {precision: 8, scale: 2}}}
                  primaryKey: [id]
          Feed:
            capture:
              ingestion:
                container: Drops
                consistency: MULTI_DATASET
                method: {fileDrop: {}}
            datasets:
              events:
                classifications: [PUB]
                schema:
                  columns:
                    id: {type: Integer, nullable: false}
                    kind: {type: {VarChar: {maxSize: 20}}}
                  primaryKey: [id]
        workspaces:
          Live:
            container: Warehouse
            datasetGroups:
              Main:
                sinks:
                  - {datastore: Shop, dataset: items}
                  - {datastore: Feed, dataset: events}
                requirements: {milestoning: LIVE_ONLY, latency: MINUTES}
          Audit:
            container: Warehouse
            datasetGroups:
              History:
                sinks:
                  - {datastore: Shop, dataset: items}
                requirements: {milestoning: FORENSIC, latency: HOURS}
assignments:
  - workspace: Live
    datasetGroup: Main
    platforms: [{platform: Local, status: PROVISIONED}]
  - workspace: Audit
    datasetGroup: History
    platforms: [{platform: Local, status: PROVISIONED}]
";

/// A platform state over a model's text, with its source files in `dir`.
pub(crate) struct Rig {
    pub(crate) dir: PathBuf,
    pub(crate) engine: Engine,
}

pub(crate) fn render(model: &str, platform: &str) -> Rendering {
    let valid = validate(
        files::load(&[SourceFile::new("model.yaml", model)])
            .unwrap()
            .ecosystem,
    )
    .unwrap();
    let graphs = build(&valid);
    let name = valid.platforms.get_key_value(platform).unwrap().0;
    render_with(&SqlitePlatform, &valid, &graphs, name)
        .unwrap()
        .rendering
}

/// Drops `csv` as the feed's file and runs: its batch fails, saying `why`.
fn feed_fails(rig: &Rig, csv: &str, why: &str) {
    std::fs::write(rig.dir.join("drops/events.csv"), csv).unwrap();
    let summary = rig.run();
    let feed = summary.streams.iter().find(|s| s.stream == "Feed").unwrap();
    assert_eq!(feed.status, StreamStatus::Failed, "{csv}");
    assert!(
        feed.message.as_deref().unwrap().contains(why),
        "{:?}",
        feed.message
    );
}

impl Rig {
    pub(crate) fn new(name: &str, sources: &[(&str, &str)]) -> Self {
        let dir = scratch(name);
        let sources: BTreeMap<String, PathBuf> = sources
            .iter()
            .map(|(c, p)| ((*c).to_owned(), dir.join(p)))
            .collect();
        let engine = Engine::open(&dir.join("state"), sources).unwrap();
        Rig { dir, engine }
    }

    /// Renders, plans from what was applied, applies; returns the number of steps.
    pub(crate) fn apply(&self, model: &str) -> usize {
        let next = render(model, "Local");
        let plan = SqlitePlatform.diff(&self.engine.applied().unwrap(), &next);
        self.engine.apply(&plan, &next).unwrap();
        plan.steps.len()
    }

    /// Applies `model` with `query` in place of its transformer's rendered
    /// query, as if it had got past the gate ([`past_the_gate`]).
    pub(crate) fn apply_past_the_gate(&self, model: &str, query: &str) {
        let mut next = render(model, "Local");
        past_the_gate(&mut next, query);
        let plan = SqlitePlatform.diff(&self.engine.applied().unwrap(), &next);
        self.engine.apply(&plan, &next).unwrap();
    }

    pub(crate) fn run(&self) -> RunSummary {
        self.engine
            .run_once(Schedules::Ignore, &mut |_| {})
            .unwrap()
    }

    pub(crate) fn source(&self, file: &str) -> Connection {
        Connection::open(self.dir.join(file)).unwrap()
    }

    pub(crate) fn warehouse(&self, container: &str) -> Connection {
        Connection::open(self.engine.container_path(container)).unwrap()
    }
}

pub(crate) fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        Ok((0..n)
            .map(|i| match r.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => "∅".to_owned(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Blob(b) => format!("{} bytes", b.len()),
            })
            .collect::<Vec<_>>()
            .join("|"))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

pub(crate) fn shop(name: &str) -> Rig {
    let rig = Rig::new(name, &[("Drops", "drops"), ("Shop DB", "shop.sqlite")]);
    std::fs::create_dir_all(rig.dir.join("drops")).unwrap();
    std::fs::write(rig.dir.join("drops/events.csv"), "id,kind\n1,view\n2,buy\n").unwrap();
    rig.source("shop.sqlite")
        .execute_batch(
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, price NUMERIC);
             INSERT INTO items VALUES (1, 'pen', 1.50), (2, 'ink', 4.00);",
        )
        .unwrap();
    rig
}

fn committed(summary: &RunSummary) -> Vec<String> {
    summary
        .streams
        .iter()
        .map(|s| match s.status {
            StreamStatus::Committed => format!(
                "{} #{} +{} ~{} -{}",
                s.stream, s.batch, s.rows.inserted, s.rows.updated, s.rows.deleted
            ),
            StreamStatus::Failed => format!(
                "{} #{} failed: {}",
                s.stream,
                s.batch,
                s.message.clone().unwrap_or_default()
            ),
        })
        .collect()
}

#[test]
fn history_is_kept_for_forensic_consumers_and_live_views_show_the_present() {
    let rig = shop("history");
    let model = SHOP;
    assert!(rig.apply(model) > 0);
    assert_eq!(
        committed(&rig.run()),
        ["Feed #1 +2 ~0 -0", "Shop #1 +2 ~0 -0"]
    );
    // Batch 2: the pen's price changes. Batch 3: the pen is gone.
    rig.source("shop.sqlite")
        .execute_batch("UPDATE items SET price = 2.00 WHERE id = 1")
        .unwrap();
    assert_eq!(
        committed(&rig.run()),
        ["Feed #2 +0 ~0 -0", "Shop #2 +0 ~1 -0"]
    );
    rig.source("shop.sqlite")
        .execute_batch("DELETE FROM items WHERE id = 1")
        .unwrap();
    assert_eq!(
        committed(&rig.run()),
        ["Feed #3 +0 ~0 -0", "Shop #3 +0 ~0 -1"]
    );
    let w = rig.warehouse("Warehouse");
    assert_eq!(
        rows(
            &w,
            "SELECT id, name, price FROM Live__Main__Shop__items ORDER BY id"
        ),
        ["2|ink|4.00"]
    );
    let at = |batch: i64| {
        rows(
            &w,
            &format!(
                "SELECT id, price FROM Audit__History__Shop__items WHERE ds_surf_batch_in <= {batch} AND ds_surf_batch_out > {batch} ORDER BY id"
            ),
        )
    };
    assert_eq!(at(1), ["1|1.50", "2|4.00"]);
    assert_eq!(at(2), ["1|2.00", "2|4.00"]);
    assert_eq!(at(3), ["2|4.00"]);
    // Every version, with the batches that opened and closed it.
    assert_eq!(
        rows(
            &w,
            "SELECT id, price, ds_surf_batch_in, ds_surf_batch_out FROM Audit__History__Shop__items WHERE id = 1 ORDER BY ds_surf_batch_in"
        ),
        ["1|1.50|1|2", "1|2.00|2|3"]
    );
    // Applying the same model again changes nothing.
    assert_eq!(rig.apply(model), 0);
}

/// A file format the platform cannot read is refused before anything renders.
#[test]
fn a_file_format_the_platform_cannot_read_is_refused() {
    let parquet = SHOP.replacen(
        "method: {fileDrop: {}}",
        "method: {fileDrop: {format: PARQUET}}",
        1,
    );
    assert_ne!(parquet, SHOP);
    let valid = validate(
        files::load(&[SourceFile::new("model.yaml", &parquet)])
            .unwrap()
            .ecosystem,
    )
    .unwrap();
    let graphs = build(&valid);
    let name = valid.platforms.get_key_value("Local").unwrap().0;
    let Err(error) = render_with(&SqlitePlatform, &valid, &graphs, name) else {
        panic!("a PARQUET file drop rendered on sqlite");
    };
    let text = format!("{error}");
    assert!(
        text.contains("unsupported-by-platform") && text.contains("PARQUET"),
        "{text}"
    );
}

/// A dataset that says its source may really be emptied is emptied.
#[test]
fn an_empty_snapshot_deletes_everything_only_when_the_dataset_allows_it() {
    let rig = shop("emptied");
    let allowing = SHOP.replacen(
        "              events:\n                classifications: [PUB]\n",
        "              events:\n                allowEmptySnapshot: true\n                classifications: [PUB]\n",
        1,
    );
    assert_ne!(allowing, SHOP);
    rig.apply(&allowing);
    rig.run();
    std::fs::write(rig.dir.join("drops/events.csv"), "id,kind\n").unwrap();
    let summary = rig.run();
    let feed = summary.streams.iter().find(|s| s.stream == "Feed").unwrap();
    assert_eq!(feed.status, StreamStatus::Committed, "{:?}", feed.message);
    assert_eq!(
        rows(
            &rig.warehouse("Warehouse"),
            "SELECT count(*) FROM Live__Main__Feed__events"
        ),
        ["0"]
    );
}

#[test]
fn a_bad_batch_fails_whole_and_the_last_committed_state_stands() {
    let rig = shop("bad");
    let model = SHOP;
    rig.apply(model);
    rig.run();
    let before = rows(
        &rig.warehouse("Warehouse"),
        "SELECT id, kind FROM Live__Main__Feed__events ORDER BY id",
    );
    for (bad, why) in [
        (
            "id,kind\n1,view\n1,buy\n",
            ":3: dataset `events`: the primary key (id = 1) repeats line 2; a key may appear once in a batch",
        ),
        (
            "id,kind\n1,view\n,buy\n",
            ":3: dataset `events`: column `id` is empty, but it may not be",
        ),
        (
            "id,kind\nx,view\n",
            ":2: dataset `events`: column `id` holds `x`, which is not a whole number",
        ),
        (
            "id,kind,kind\n1,view,buy\n",
            "names column `kind` twice in its header",
        ),
        (
            "id,kind\n1,a-kind-of-event-longer-than-twenty\n",
            "holds text of 34 characters, longer than its 20",
        ),
        (
            "id,kind\n99999999999,view\n",
            "outside the range of a 32-bit integer",
        ),
        (
            "id,kind\n",
            "has no rows, but 2 rows are live from the last batch",
        ),
        ("id\n1\n", "has no column `kind`"),
        (
            "id,kind\n1,view\n2\n",
            "drops/events.csv:3: the row has 1 field, but the header names 2 columns; give every row one field per column (an empty field for no value), and quote a field that holds a comma",
        ),
    ] {
        feed_fails(&rig, bad, why);
        let after = rows(
            &rig.warehouse("Warehouse"),
            "SELECT id, kind FROM Live__Main__Feed__events ORDER BY id",
        );
        assert_eq!(after, before);
    }
    let merge = Connection::open(rig.engine.merge_path()).unwrap();
    assert_eq!(
        rows(
            &merge,
            "SELECT status, count(*) FROM batch_metrics WHERE stream_key = 'Feed' GROUP BY status ORDER BY status"
        ),
        ["committed|1", "failed|9"]
    );
}

#[test]
fn a_batch_breaking_a_fail_quality_rule_leaves_nothing_visible_and_a_warn_rule_commits() {
    let rig = shop("quality");
    let model = SHOP.replacen(
        "                    kind: {type: {VarChar: {maxSize: 20}}}\n                  primaryKey: [id]\n",
        "                    kind: {type: {VarChar: {maxSize: 20}}}\n                  primaryKey: [id]\n                quality:\n                  - allowedValues: {column: kind, values: [view, buy]}\n                  - range: {column: id, max: 100, severity: warn}\n                  - check: {name: small-id, sql: \"id < 1000\"}\n",
        1,
    );
    assert_ne!(model, SHOP);
    rig.apply(&model);
    rig.run();
    let live = || {
        rows(
            &rig.warehouse("Warehouse"),
            "SELECT id, kind FROM Live__Main__Feed__events ORDER BY id",
        )
    };
    let before = live();
    for (bad, why) in [
        (
            "id,kind\n1,view\n3,sell\n4,sell\n",
            "dataset `events`: quality rule `kind-allowed-values` (allowedValues, fail) is broken: 2 rows break it; the first has id = 3, kind = sell",
        ),
        (
            "id,kind\n1,view\n2,buy\n5000,view\n",
            "quality rule `small-id` (check, fail) is broken: 1 row breaks it; the first has id = 5000",
        ),
    ] {
        feed_fails(&rig, bad, why);
        assert_eq!(live(), before, "nothing of the batch is visible");
    }
    std::fs::write(
        rig.dir.join("drops/events.csv"),
        "id,kind\n1,view\n500,buy\n",
    )
    .unwrap();
    let summary = rig.run();
    let feed = summary.streams.iter().find(|s| s.stream == "Feed").unwrap();
    assert_eq!(feed.status, StreamStatus::Committed, "{:?}", feed.message);
    assert_eq!(live(), ["1|view", "500|buy"], "a broken warn rule commits");
    // The batch's record says which `warn` rule it broke; the totals
    // (`/metrics`) count it.
    let status = rig.engine.status(1).unwrap();
    let feed = status.iter().find(|s| s.stream == "Feed").unwrap();
    assert_eq!(
        feed.batches[0].message.as_deref(),
        Some(
            "dataset `events`: quality rule `id-range` (range, warn) is broken: 1 row breaks it; the first has id = 500"
        )
    );
    let totals = rig.engine.totals().unwrap();
    let feed = totals.streams.iter().find(|s| s.stream == "Feed").unwrap();
    assert_eq!((feed.committed, feed.warned), (2, 1), "{feed:?}");
}

#[test]
fn a_new_column_and_a_new_workspace_backfill_without_reingesting() {
    let rig = shop("grow");
    let model = SHOP;
    rig.apply(model);
    rig.run();
    let grown = model
        .replace(
            "                    kind: {type: {VarChar: {maxSize: 20}}}\n",
            "                    kind: {type: {VarChar: {maxSize: 20}}}\n                    source: {type: {VarChar: {maxSize: 20}}}\n",
        )
        .replace(
            "assignments:\n",
            "assignments:\n  - workspace: Events\n    datasetGroup: Everything\n    platforms: [{platform: Local, status: PROVISIONED}]\n",
        )
        .replace(
            "          Audit:\n",
            "          Events:\n            container: Warehouse\n            datasetGroups:\n              Everything:\n                sinks: [{datastore: Feed, dataset: events}]\n                requirements: {milestoning: LIVE_ONLY, latency: HOURS}\n          Audit:\n",
        );
    rig.apply(&grown);
    let w = rig.warehouse("Warehouse");
    // The new workspace sees what was ingested before it existed.
    assert_eq!(
        rows(
            &w,
            "SELECT id, kind FROM Events__Everything__Feed__events ORDER BY id"
        ),
        ["1|view", "2|buy"]
    );
    let merge = Connection::open(rig.engine.merge_path()).unwrap();
    assert_eq!(
        rows(&merge, "SELECT count(*) FROM batch_metrics"),
        ["2"],
        "nothing was re-ingested"
    );
    // The new column fills from the next batch on.
    std::fs::write(
        rig.dir.join("drops/events.csv"),
        "id,kind,source\n1,view,web\n2,buy,app\n",
    )
    .unwrap();
    assert_eq!(
        committed(&rig.run()),
        ["Feed #2 +0 ~2 -0", "Shop #2 +0 ~0 -0"]
    );
    assert_eq!(
        rows(
            &w,
            "SELECT id, source FROM Events__Everything__Feed__events ORDER BY id"
        ),
        ["1|web", "2|app"]
    );
    // Removing the workspace drops its views and nothing else.
    rig.apply(model);
    assert!(
        rows(
            &w,
            "SELECT name FROM sqlite_master WHERE name LIKE 'Events__%'"
        )
        .is_empty()
    );
    assert_eq!(
        rows(&w, "SELECT count(*) FROM Live__Main__Feed__events"),
        ["2"]
    );
}

/// Northwind's transformer's query, as the model holds it.
const ACCEPTED_QUERY: &str =
    "SELECT customer_id, company_name, '***' AS contact_name, city, country FROM NW_Data_customers";

/// Puts `query` in the rendered transformer spec as the text the engine
/// runs, in place of the query the platform rendered.
pub(crate) fn past_the_gate(rendering: &mut Rendering, query: &str) {
    let mut found = false;
    for artifact in rendering.artifacts.values_mut() {
        let Ok(mut spec) = serde_json::from_str::<serde_json::Value>(&artifact.content) else {
            continue;
        };
        let Some(queries) = spec.get_mut("queries").and_then(|q| q.as_array_mut()) else {
            continue;
        };
        for pair in queries {
            pair[1] = serde_json::Value::String(query.to_owned());
        }
        let node = artifact.node.clone();
        let depends_on = artifact.depends_on.clone();
        *artifact = datasurface_platform::Artifact::new(
            node,
            serde_json::to_string_pretty(&spec).unwrap(),
            depends_on,
        );
        found = true;
    }
    assert!(found, "the rendering has no transformer spec");
}

/// Northwind's `Local` platform applied in a scratch state directory, with
/// its team document as `team` gives it.
fn northwind_engine(name: &str, team: impl Fn(&str) -> String) -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/models/northwind");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let files = [
        SourceFile::new("ecosystem.yaml", read("ecosystem.yaml")),
        SourceFile::new("zones/usa/zone.yaml", read("zones/usa/zone.yaml")),
        SourceFile::new(
            "zones/usa/teams/northwindteam.yaml",
            team(&read("zones/usa/teams/northwindteam.yaml")),
        ),
    ];
    let mut ecosystem = files::load(&files).unwrap().ecosystem;
    // The test's own query (hostile, or beyond what the gate allows) would
    // be refused at render, as the gate refuses it: the model renders with
    // a query the gate accepts, and the test's query takes the rendered
    // one's place in the transformer's spec, as if it had got past the
    // gate, so the engine's own defences are what is tested.
    let mut own = None;
    for team in ecosystem.teams_mut_where(|t| t.workspaces.contains_key("MaskCustomersWorkSpace")) {
        let workspace = team.workspaces.get_mut("MaskCustomersWorkSpace").unwrap();
        let transformer = workspace.transformer.as_mut().unwrap();
        let datasurface_core::CodeArtifact::Sql(code) = &mut transformer.code else {
            panic!("Northwind's transformer is SQL");
        };
        let query = code.queries.values_mut().next().unwrap();
        own = Some(std::mem::replace(query, ACCEPTED_QUERY.to_owned()));
    }
    let valid = validate(ecosystem).unwrap();
    let graphs = build(&valid);
    let platform = valid.platforms.get_key_value("Local").unwrap().0;
    let mut next = render_with(&SqlitePlatform, &valid, &graphs, platform)
        .unwrap()
        .rendering;
    if let Some(own) = own.filter(|q| q != ACCEPTED_QUERY) {
        past_the_gate(&mut next, &own);
    }
    let dir = scratch(name);
    let sources = BTreeMap::from([(
        "NW Source DB".to_owned(),
        root.join("data/northwind.sqlite"),
    )]);
    let engine = Engine::open(&dir.join("state"), sources).unwrap();
    engine
        .apply(&SqlitePlatform.diff(&Rendering::default(), &next), &next)
        .unwrap();
    engine
}

#[test]
fn northwind_runs_end_to_end_with_its_masking_transformer() {
    let engine = northwind_engine("northwind", str::to_owned);
    // A batch says how many rows it read before the long part, the merge.
    let mut events = Vec::new();
    let summary = engine
        .run_once(Schedules::Ignore, &mut |e| match e {
            RunEvent::Started(s) => events.push(format!("started {s}")),
            RunEvent::Read { stream, rows } => events.push(format!("read {stream} {rows}")),
            RunEvent::Ended(o) => events.push(format!("ended {}", o.stream)),
            _ => {}
        })
        .unwrap();
    assert_eq!(
        events,
        [
            "started NW_Data",
            "read NW_Data 300",
            "ended NW_Data",
            "started Masked_NW_Data",
            "read Masked_NW_Data 150",
            "ended Masked_NW_Data"
        ]
    );
    assert_eq!(
        committed(&summary),
        ["NW_Data #1 +300 ~0 -0", "Masked_NW_Data #1 +150 ~0 -0"]
    );
    let w = Connection::open(engine.container_path("Test Azure SQL")).unwrap();
    let masked = rows(
        &w,
        "SELECT DISTINCT contact_name FROM ProductAnalytics__Reporting__Masked_NW_Data__customers",
    );
    assert_eq!(masked, ["***"]);
    assert_eq!(
        rows(
            &w,
            "SELECT count(*) FROM ProductAnalytics__Reporting__Masked_NW_Data__customers"
        ),
        ["150"]
    );
    assert_eq!(
        rows(
            &w,
            "SELECT count(*) FROM ProductAnalytics__Reporting__NW_Data__products"
        ),
        ["120"]
    );
    // Running again with nothing new changes nothing and runs the transformer no more.
    assert_eq!(
        committed(&engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap()),
        ["NW_Data #2 +0 ~0 -0"]
    );
}

#[test]
fn a_transformer_reads_only_its_inputs_and_writes_nothing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/models/northwind");
    let original =
        std::fs::read_to_string(root.join("zones/usa/teams/northwindteam.yaml")).unwrap();
    let query = "SELECT customer_id, company_name, '***' AS contact_name, city, country\n              FROM NW_Data_customers";
    assert!(original.contains(query));
    for (attack, refused) in [
        // Another consumer's export, in the same container database.
        (
            "DELETE FROM ds_export__NW_Data__products RETURNING 'x' AS customer_id, 'x' AS company_name, NULL AS contact_name, NULL AS city, NULL AS country",
            "may only read its input views",
        ),
        // Another workspace's view of data the transformer was not given.
        (
            "SELECT 'S' || supplier_id AS customer_id, company_name, contact_name, city, country FROM ProductAnalytics__Reporting__NW_Data__suppliers",
            "may only read its input views",
        ),
        // The schema, and other databases.
        (
            "SELECT name AS customer_id, name AS company_name, sql AS contact_name, NULL AS city, NULL AS country FROM sqlite_master",
            "may only read its input views",
        ),
    ] {
        let engine = northwind_engine("sandbox", |t| t.replacen(query, attack, 1));
        let summary = committed(&engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap());
        assert_eq!(summary[0], "NW_Data #1 +300 ~0 -0", "{attack}");
        assert!(
            summary[1].starts_with("Masked_NW_Data #1 failed") && summary[1].contains(refused),
            "{attack}: {summary:?}"
        );
        let w = Connection::open(engine.container_path("Test Azure SQL")).unwrap();
        assert_eq!(
            rows(
                &w,
                "SELECT count(*) FROM ProductAnalytics__Reporting__NW_Data__products"
            ),
            ["120"],
            "{attack}"
        );
    }
}

#[test]
fn a_transformer_that_runs_past_its_limit_is_interrupted() {
    let query = "SELECT customer_id, company_name, '***' AS contact_name, city, country\n              FROM NW_Data_customers";
    // A query that all but never ends (the input joined with itself five
    // times over: some 6e9 rows to count), and a limit of one second.
    let endless = "SELECT customer_id, company_name, NULL AS contact_name, city, country \
                   FROM NW_Data_customers WHERE (SELECT count(*) FROM NW_Data_customers a \
                   CROSS JOIN NW_Data_customers b CROSS JOIN NW_Data_customers c \
                   CROSS JOIN NW_Data_customers d CROSS JOIN NW_Data_customers e) > 0";
    let engine = northwind_engine("endless", |t| {
        t.replacen(query, endless, 1).replacen(
            "    # The team's own code decides",
            "      limits: {timeoutSeconds: 1}\n    # The team's own code decides",
            1,
        )
    });
    let started = std::time::Instant::now();
    let summary = committed(&engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap());
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(summary[0], "NW_Data #1 +300 ~0 -0");
    assert!(
        summary[1].starts_with("Masked_NW_Data #1 failed")
            && summary[1].contains("longer than the 1 s its limits allow"),
        "{summary:?}"
    );
}

static DAY: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

fn test_clock() -> chrono::DateTime<chrono::Utc> {
    let day = DAY.load(std::sync::atomic::Ordering::SeqCst);
    chrono::DateTime::from_timestamp(1_767_225_600 + day * 86_400, 0).unwrap()
}

#[test]
fn closed_versions_are_kept_as_long_as_the_longest_retention_and_no_longer() {
    let rig = shop("retention");
    let engine = rig.engine.clone().with_clock(test_clock);
    let model = SHOP.replace(
        "requirements: {milestoning: FORENSIC, latency: HOURS}",
        "requirements: {milestoning: FORENSIC, latency: HOURS, retention: P3D}",
    );
    let next = render(&model, "Local");
    engine
        .apply(
            &SqlitePlatform.diff(&engine.applied().unwrap(), &next),
            &next,
        )
        .unwrap();
    let run = |day: i64| {
        DAY.store(day, std::sync::atomic::Ordering::SeqCst);
        engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap()
    };
    run(0);
    rig.source("shop.sqlite")
        .execute_batch("UPDATE items SET price = 2.00 WHERE id = 1")
        .unwrap();
    run(1);
    let versions = || {
        rows(
            &rig.warehouse("Warehouse"),
            "SELECT price FROM Audit__History__Shop__items WHERE id = 1 ORDER BY ds_surf_batch_in",
        )
    };
    // Closed on day 1: two days later it is younger than the retention and stays.
    run(3);
    assert_eq!(versions(), ["1.50", "2.00"]);
    // Four days later it is older than every consumer asks for: purged.
    run(5);
    assert_eq!(versions(), ["2.00"]);
    assert_eq!(
        rows(
            &rig.warehouse("Warehouse"),
            "SELECT count(*) FROM Live__Main__Shop__items"
        ),
        ["2"]
    );
}

/// Leaves `db` as a process killed in the middle of writing it would: the
/// file part-written and its rollback journal hot beside it.
fn interrupt_a_write(db: &Path) {
    let journal = Path::new(&format!("{}-journal", db.display())).to_path_buf();
    let saved = db.with_extension("interrupted");
    {
        let conn = Connection::open(db).unwrap();
        // A tiny cache, so the write spills to the file before commit.
        conn.execute_batch(
            "PRAGMA cache_size = 1; BEGIN; CREATE TABLE interrupted(x); \
             INSERT INTO interrupted WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT randomblob(100) FROM n;",
        )
        .unwrap();
        std::fs::copy(db, &saved).unwrap();
        std::fs::copy(&journal, saved.with_extension("interrupted-journal")).unwrap();
        // Dropped without commit: rolled back here, so put the crash back.
    }
    std::fs::copy(&saved, db).unwrap();
    std::fs::copy(saved.with_extension("interrupted-journal"), &journal).unwrap();
}

#[test]
fn a_run_killed_mid_write_leaves_nothing_the_next_run_cannot_recover() {
    let engine = northwind_engine("hot-journal", str::to_owned);
    engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap();
    let container = engine.container_path("Test Azure SQL");
    interrupt_a_write(&container);
    // The next run reads the container (its exports, the transformer's
    // inputs) without an operator's help, and the interrupted write is gone.
    let summary = engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap();
    assert!(
        summary
            .streams
            .iter()
            .all(|s| s.status != StreamStatus::Failed),
        "{:?}",
        committed(&summary)
    );
    let w = Connection::open(&container).unwrap();
    assert_eq!(
        rows(
            &w,
            "SELECT count(*) FROM sqlite_master WHERE name = 'interrupted'"
        ),
        ["0"]
    );
}

#[test]
fn a_transformer_whose_result_outgrows_its_memory_fails_alone() {
    let query = "SELECT customer_id, company_name, '***' AS contact_name, city, country\n              FROM NW_Data_customers";
    for (endless, says) in [
        // Rows without end: the engine stops holding them at the limit.
        // (Within what the gate allows: the input joined with itself.)
        (
            "SELECT a.customer_id || b.customer_id || c.customer_id || d.customer_id AS customer_id, \
             'x' AS company_name, NULL AS contact_name, NULL AS city, NULL AS country \
             FROM NW_Data_customers a CROSS JOIN NW_Data_customers b \
             CROSS JOIN NW_Data_customers c CROSS JOIN NW_Data_customers d",
            "its result is larger than the 16 MiB its limits allow",
        ),
        // One value without end: SQLite stops building it at the limit.
        (
            "SELECT 'C' AS customer_id, group_concat(a.company_name || b.company_name || c.company_name) AS company_name, \
             NULL AS contact_name, NULL AS city, NULL AS country \
             FROM NW_Data_customers a CROSS JOIN NW_Data_customers b CROSS JOIN NW_Data_customers c",
            "needed more than the 16 MiB its limits allow",
        ),
    ] {
        let engine = northwind_engine("outgrown", |t| {
            t.replacen(query, endless, 1).replacen(
                "    # The team's own code decides",
                "      limits: {memoryMib: 16}\n    # The team's own code decides",
                1,
            )
        });
        let summary = committed(&engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap());
        assert_eq!(summary[0], "NW_Data #1 +300 ~0 -0");
        assert!(
            summary[1].starts_with("Masked_NW_Data #1 failed") && summary[1].contains(says),
            "{summary:?}"
        );
    }
}

/// Every event a run sends, as JSON.
#[derive(Default)]
pub(crate) struct Collected(pub(crate) std::sync::Mutex<Vec<serde_json::Value>>);

impl Collected {
    /// `<job> <eventType>` of each event sent since the last call.
    pub(crate) fn told(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .drain(..)
            .map(|e| {
                format!(
                    "{} {}",
                    e["job"]["name"].as_str().unwrap(),
                    e["eventType"].as_str().unwrap()
                )
            })
            .collect()
    }
}

impl datasurface_runtime::lineage::LineageSink for Collected {
    fn emit(&self, event: &datasurface_runtime::lineage::RunEvent) {
        self.0
            .lock()
            .unwrap()
            .push(serde_json::to_value(event).unwrap());
    }
}

#[test]
fn a_container_broken_under_the_engine_ends_each_run_fail_never_open() {
    let rig = shop("lineage-engine-error");
    rig.apply(SHOP);
    rig.run();
    let sink = std::sync::Arc::new(Collected::default());
    let engine = Engine::open(
        &rig.dir.join("state"),
        [
            ("Drops".to_owned(), rig.dir.join("drops")),
            ("Shop DB".to_owned(), rig.dir.join("shop.sqlite")),
        ]
        .into(),
    )
    .unwrap()
    .with_lineage(sink.clone(), "test-host");
    // The container the consumers read stops being a database under the
    // engine: every batch that exports to it fails, and says why.
    std::fs::write(rig.engine.container_path("Warehouse"), vec![7u8; 8192]).unwrap();
    let ran = engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap();
    assert_eq!(
        ran.streams
            .iter()
            .filter(|s| s.status == StreamStatus::Failed)
            .count(),
        2,
        "{:?}",
        committed(&ran)
    );
    let events = sink.0.lock().unwrap().clone();
    assert!(!events.is_empty());
    let mut open = BTreeMap::new();
    for e in &events {
        let id = e["run"]["runId"].as_str().unwrap().to_owned();
        match e["eventType"].as_str().unwrap() {
            "START" => {
                open.insert(id, e["job"]["name"].clone());
            }
            "FAIL" => {
                assert!(open.remove(&id).is_some(), "{e}");
                assert!(e["run"]["facets"]["errorMessage"]["message"].is_string());
            }
            other => panic!("{other} from a batch that could not finish: {e}"),
        }
    }
    assert!(open.is_empty(), "runs that never ended: {open:?}");
}
