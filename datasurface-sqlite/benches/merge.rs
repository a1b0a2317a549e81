//! The merge's speed: 1,000,000 rows loaded, then a snapshot in which
//! 100,000 of them changed merged into a live and a forensic table.
//! Run with `cargo bench -p datasurface-sqlite --bench merge`.

#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    missing_docs,
    reason = "a benchmark prints its figures"
)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

use datasurface_files::{self as files, SourceFile};
use datasurface_platform::graph::build;
use datasurface_platform::{DataPlatform, render_with};
use datasurface_rules::validate::validate;
use datasurface_sqlite::SqlitePlatform;
use datasurface_sqlite::engine::{Engine, Schedules};

const ROWS: usize = 1_000_000;
const CHANGED: usize = 100_000;

fn model(milestoning: &str) -> String {
    format!(
        r"
apiVersion: datasurface.dev/v1
kind: Ecosystem
name: Bench
owningRepository: {{name: acme/eco, branch: main}}
liveRepository: {{name: acme/eco, branch: live}}
platforms:
  Local: {{kind: sqlite, version: ^0.1, parameters: {{sources: {{Drops: drops}}}}}}
zoneDeclarations:
  Z: {{repository: {{name: acme/z, branch: main}}}}
zones:
  Z:
    teamDeclarations:
      T: {{repository: {{name: acme/t, branch: main}}}}
    teams:
      T:
        containers:
          Drops: {{kind: {{objectStorage: {{bucket: drops}}}}}}
          Warehouse: {{kind: platformManaged}}
        datastores:
          Orders:
            capture: {{ingestion: {{container: Drops, consistency: MULTI_DATASET, method: {{fileDrop: {{}}}}}}}}
            datasets:
              orders:
                classifications: [PUB]
                schema:
                  columns:
                    id: {{type: BigInt, nullable: false}}
                    customer: {{type: {{VarChar: {{maxSize: 20}}}}}}
                    amount: {{type: {{Decimal: {{precision: 12, scale: 2}}}}}}
                    status: {{type: {{VarChar: {{maxSize: 10}}}}}}
                  primaryKey: [id]
        workspaces:
          Reports:
            container: Warehouse
            datasetGroups:
              Main:
                sinks: [{{datastore: Orders, dataset: orders}}]
                requirements: {{milestoning: {milestoning}, latency: HOURS}}
assignments:
  - {{workspace: Reports, datasetGroup: Main, platforms: [{{platform: Local, status: PROVISIONED}}]}}
"
    )
}

fn write_csv(path: &std::path::Path, changed: bool) {
    let mut csv = String::with_capacity(ROWS * 40);
    csv.push_str("id,customer,amount,status\n");
    for i in 0..ROWS {
        let status = if changed && i % (ROWS / CHANGED) == 0 {
            "shipped"
        } else {
            "open"
        };
        let _ = writeln!(
            csv,
            "{i},customer{},{}.{:02},{status}",
            i % 5000,
            i % 1000,
            i % 100
        );
    }
    std::fs::write(path, csv).unwrap();
}

fn main() {
    for milestoning in ["LIVE_ONLY", "FORENSIC"] {
        let dir = std::env::temp_dir().join(format!("datasurface-merge-bench-{milestoning}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("drops")).unwrap();
        let text = model(milestoning);
        let valid = validate(
            files::load(&[SourceFile::new("m.yaml", text)])
                .unwrap()
                .ecosystem,
        )
        .unwrap();
        let graphs = build(&valid);
        let name = valid.platforms.get_key_value("Local").unwrap().0;
        let next = render_with(&SqlitePlatform, &valid, &graphs, name)
            .unwrap()
            .rendering;
        let engine = Engine::open(
            &dir.join("state"),
            BTreeMap::from([("Drops".into(), dir.join("drops"))]),
        )
        .unwrap();
        engine
            .apply(
                &SqlitePlatform.diff(&engine.applied().unwrap(), &next),
                &next,
            )
            .unwrap();
        let csv = dir.join("drops/orders.csv");
        write_csv(&csv, false);
        let t = Instant::now();
        engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap();
        let first = t.elapsed();
        write_csv(&csv, true);
        let t = Instant::now();
        let summary = engine.run_once(Schedules::Ignore, &mut |_| {}).unwrap();
        let second = t.elapsed();
        let s = &summary.streams[0];
        assert_eq!(s.rows.updated, i64::try_from(CHANGED).unwrap());
        #[allow(clippy::cast_precision_loss, reason = "a rate")]
        let rate = |d: std::time::Duration| ROWS as f64 / d.as_secs_f64();
        println!(
            "{milestoning:>9}: first load of {ROWS} rows {:.2} s ({:.0} rows/s); merge of {ROWS} rows with {CHANGED} changed {:.2} s ({:.0} rows/s)",
            first.as_secs_f64(),
            rate(first),
            second.as_secs_f64(),
            rate(second)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
