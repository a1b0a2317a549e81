//! The rendered SQL on a real PostgreSQL and the rendered DAGs under a real
//! Apache Airflow 3, when the machine has them.
//!
//! PostgreSQL is reached with `psql` as the current user (`.ci/run` starts the
//! server and creates that role). Airflow is the Python at
//! `$DATASURFACE_AIRFLOW_PYTHON`, or `~/.cache/datasurface/airflow-3.1/bin/python`
//! (`.ci/run` installs it there). When one is missing the test says so and
//! passes, unless `DATASURFACE_REQUIRE_EXTERNAL=1`, as `.ci/run` sets, makes
//! it fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use datasurface_airflow::Airflow;
use datasurface_platform::{Action, DataPlatform, Rendering, dependency_order};
use datasurface_testkit::Conformance;
use datasurface_testkit::edits::EDITS;
use serde_json::json;

use super::{northwind, render};

fn required() -> bool {
    std::env::var("DATASURFACE_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1")
}

/// Reports a missing tool: a failure when it is required, a clear note otherwise.
pub(crate) fn absent(what: &str, how: &str) {
    let message = format!("SKIPPED: {what} is not available here ({how})");
    assert!(
        !required(),
        "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires it"
    );
    #[allow(
        clippy::print_stderr,
        reason = "the test says clearly what it could not check"
    )]
    {
        eprintln!("{message}");
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("datasurface-airflow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn psql(database: &str, args: &[&str]) -> std::io::Result<std::process::Output> {
    Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database])
        .args(args)
        .output()
}

/// Runs one script; panics with PostgreSQL's message if it fails.
fn run_sql(database: &str, what: &str, sql: &str, dir: &Path) {
    let file = dir.join("script.sql");
    std::fs::write(&file, sql).unwrap();
    let out = psql(database, &["-f", file.to_str().unwrap()]).unwrap();
    assert!(
        out.status.success(),
        "{what} failed on PostgreSQL:\n{}\n--- script ---\n{sql}",
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn query(database: &str, sql: &str) -> String {
    let out = psql(database, &["-t", "-A", "-c", sql]).unwrap();
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Runs every SQL artifact of a rendering, in dependency order.
fn apply_all(database: &str, rendering: &Rendering, dir: &Path) {
    for key in dependency_order(rendering) {
        if key.as_str().starts_with("sql/") {
            run_sql(
                database,
                key.as_str(),
                &rendering.artifacts[key].content,
                dir,
            );
        }
    }
}

/// Runs the SQL of a plan's creates, updates and replaces, in plan order.
fn apply_plan(database: &str, before: &Rendering, after: &Rendering, dir: &Path) -> usize {
    let plan = Airflow::new().diff(before, after);
    let mut ran = 0;
    for step in &plan.steps {
        if step.action != Action::Delete
            && step.key.as_str().starts_with("sql/")
            && let Some(a) = &step.artifact
        {
            run_sql(database, step.key.as_str(), &a.content, dir);
            ran += 1;
        }
    }
    ran
}

#[test]
fn rendered_sql_runs_on_postgresql() {
    match psql("postgres", &["-c", "SELECT 1"]) {
        Ok(out) if out.status.success() => {}
        _ => {
            return absent(
                "PostgreSQL",
                "start it with `pg_ctlcluster 15 main start` and create a role for this user",
            );
        }
    }
    let dir = scratch("sql");
    let database = format!("datasurface_airflow_test_{}", std::process::id());
    query("postgres", &format!("DROP DATABASE IF EXISTS {database}"));
    query("postgres", &format!("CREATE DATABASE {database}"));

    // Northwind, twice: every script converges.
    let nw = render(&northwind(), "Azure Platform");
    apply_all(&database, &nw, &dir);
    apply_all(&database, &nw, &dir);
    // A row merged in is visible through the consumer's live view until its version closes.
    query(
        &database,
        "INSERT INTO azure_platform.nw_data_products_merge \
         (ds_surf_batch_in, ds_surf_all_hash, ds_surf_key_hash, product_id, product_name, discontinued) \
         VALUES (1, repeat('a', 32), repeat('b', 32), 7, 'Chai', false)",
    );
    let view = "azure_platform_productanalytics.reporting_nw_data_products";
    assert_eq!(
        query(&database, &format!("SELECT product_name FROM {view}")),
        "Chai"
    );
    query(
        &database,
        "UPDATE azure_platform.nw_data_products_merge SET ds_surf_batch_out = 2",
    );
    assert_eq!(
        query(&database, &format!("SELECT count(*) FROM {view}")),
        "0"
    );

    // A model that uses every capability, then each everyday edit planned onto it.
    let kit = Conformance::new(&Airflow);
    let model = kit.exercise_model().unwrap();
    let base = kit.render(&model).unwrap();
    apply_all(&database, &base, &dir);
    for edit in EDITS {
        let mut changed = model.clone();
        if !(edit.apply)(&mut changed) {
            continue;
        }
        let next = kit.render(&changed).unwrap();
        apply_plan(&database, &base, &next, &dir);
        // Back again: the database converges to the base model's objects.
        apply_plan(&database, &next, &base, &dir);
    }
    let views = query(
        &database,
        "SELECT count(*) FROM information_schema.views WHERE table_schema LIKE 'platform_under_test%'",
    );
    assert!(views.parse::<u32>().unwrap() > 0);
    query("postgres", &format!("DROP DATABASE {database}"));
    let _ = std::fs::remove_dir_all(&dir);
}

pub(crate) fn airflow_python() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("DATASURFACE_AIRFLOW_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var("HOME").ok()?;
    let p = Path::new(&home).join(".cache/datasurface/airflow-3.1/bin/python");
    p.is_file().then_some(p)
}

fn write_dags(rendering: &Rendering, dir: &Path) -> usize {
    let mut n = 0;
    for (key, a) in &rendering.artifacts {
        if let Some(rest) = key.as_str().strip_prefix("dags/") {
            let path = dir.join(rest);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &a.content).unwrap();
            n += 1;
        }
    }
    n
}

const DAGBAG: &str = r#"
import json, sys
from airflow.models.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
print(json.dumps({"dags": sorted(bag.dag_ids), "errors": {str(k): str(v) for k, v in bag.import_errors.items()}}))
"#;

#[test]
fn rendered_dags_import_under_airflow_3() {
    let Some(python) = airflow_python() else {
        return absent(
            "Apache Airflow 3",
            "install it with `.ci/airflow-venv`, or set DATASURFACE_AIRFLOW_PYTHON",
        );
    };
    let dir = scratch("dags");
    let dags = dir.join("dags");
    let mut expected = write_dags(
        &render(&northwind(), "Azure Platform"),
        &dags.join("northwind"),
    );
    // Every capability, with the local executor too.
    let mut local = serde_json::Map::new();
    local.insert("executor".into(), json!("local"));
    local.insert("schema".into(), json!("local_test"));
    for (name, parameters) in [("kubernetes", serde_json::Map::new()), ("local", local)] {
        let kit = Conformance::new(&Airflow).with_parameters(parameters);
        let r = kit.render(&kit.exercise_model().unwrap()).unwrap();
        expected += write_dags(&r, &dags.join(name));
    }
    let out = Command::new(&python)
        .arg("-c")
        .arg(DAGBAG)
        .arg(&dags)
        .env("AIRFLOW_HOME", dir.join("airflow-home"))
        .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "DagBag failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("unexpected DagBag output ({e}):\n{stdout}"));
    assert_eq!(result["errors"], json!({}), "DAG import errors");
    // Every file holds one DAG, with an id of its own.
    assert_eq!(
        result["dags"].as_array().unwrap().len(),
        expected,
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
