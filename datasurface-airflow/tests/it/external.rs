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

use datasurface_airflow::dags::DagSpec;
use datasurface_airflow::factory::ChunkManifest;
use datasurface_airflow::{Airflow, CHUNKS, DEFAULT_MAX_CHUNK_SIZE};
use datasurface_platform::graph::build;
use datasurface_platform::{
    Action, ArtifactKey, DataPlatform, Rendering, dependency_order, render_with,
};
use datasurface_rules::validate::validate;
use datasurface_testkit::edits::EDITS;
use datasurface_testkit::{Conformance, Shape, generate_for};
use serde_json::json;

use super::{dagbag, northwind, render};

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

/// Writes a rendering's DAG folder (`dags/…`) to `dir`; returns the DAG
/// specs it holds.
fn write_dags(rendering: &Rendering, dir: &Path) -> Vec<DagSpec> {
    let mut specs = Vec::new();
    for (key, a) in &rendering.artifacts {
        if let Some(rest) = key.as_str().strip_prefix("dags/") {
            let path = dir.join(rest);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, &a.content).unwrap();
            if rest.starts_with("ingest/") || rest.starts_with("transformer/") {
                specs.push(serde_json::from_str(&a.content).unwrap());
            }
        }
    }
    specs
}

#[test]
fn rendered_dags_import_under_airflow_3() {
    let Some(python) = airflow_python() else {
        return absent(
            "Apache Airflow 3",
            "install it with `.ci/external`, or set DATASURFACE_AIRFLOW_PYTHON",
        );
    };
    let dir = scratch("dags");
    let dags = dir.join("dags");
    let mut specs = write_dags(
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
        specs.extend(write_dags(&r, &dags.join(name)));
    }
    dagbag::assert_airflow_builds(&python, &dags, &specs);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The DAG folder of a generated model with `stores` datastores of 10
/// datasets, in chunks of at most `max_chunk_size` DAGs, loads whole.
fn a_generated_model_loads(stores: usize, max_chunk_size: Option<usize>) {
    let Some(python) = airflow_python() else {
        return absent(
            "Apache Airflow 3",
            "install it with `.ci/external`, or set DATASURFACE_AIRFLOW_PYTHON",
        );
    };
    let airflow = Airflow::new();
    let mut model = generate_for(
        &Shape::new(stores, 10, 10),
        &[("Central", &airflow as &dyn DataPlatform)],
    )
    .unwrap();
    if let Some(max) = max_chunk_size {
        for declaration in model.platforms.values_mut() {
            declaration
                .parameters
                .insert("maxChunkSize".into(), json!(max));
        }
    }
    let valid = validate(model).unwrap();
    let graphs = build(&valid);
    let rendering = render_with(&airflow, &valid, &graphs, &"Central".parse().unwrap())
        .unwrap()
        .rendering;
    let dir = scratch(&format!("generated-{stores}"));
    let dags = dir.join("dags");
    let specs = write_dags(&rendering, &dags);
    let chunks: ChunkManifest =
        serde_json::from_str(&rendering.artifacts[&ArtifactKey::new(CHUNKS).unwrap()].content)
            .unwrap();
    let most = max_chunk_size.unwrap_or(DEFAULT_MAX_CHUNK_SIZE);
    assert!(
        chunks.chunks.len() > 1,
        "the model needs more than one chunk"
    );
    assert!(chunks.chunks.iter().all(|c| c.dags.len() <= most));
    assert_eq!(
        chunks.chunks.iter().map(|c| c.dags.len()).sum::<usize>(),
        specs.len()
    );
    dagbag::assert_airflow_builds(&python, &dags, &specs);
    let _ = std::fs::remove_dir_all(&dir);
}

/// 10,100 datasets (1,000 stores), 1,082 DAGs: what CI runs.
#[test]
fn a_generated_model_of_10_100_datasets_loads_under_airflow_3() {
    a_generated_model_loads(1_000, Some(200));
}

/// 101,000 datasets (10,000 stores), 10,607 DAGs in the default chunks:
/// about a minute; the figures come from `airflow-dagbag` in
/// `datasurface-bench`.
#[test]
#[ignore = "slow: run with --ignored; .ci/run runs the 10,100-dataset model"]
fn a_generated_model_of_101_000_datasets_loads_under_airflow_3() {
    a_generated_model_loads(10_000, None);
}
