//! The rendered DAGs as Apache Airflow 3.1 loads them: every DAG of the
//! chunk manifest built by the factory files with no import error, each
//! one `BashOperator` task that submits the driver, scheduled and linked by
//! assets as the graph says. Airflow is found as `.ci/external` installs it
//! (`DATASURFACE_AIRFLOW_PYTHON`, or `~/.cache/datasurface/airflow-3.1`);
//! without it the test says so and passes, unless
//! `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::path::PathBuf;
use std::process::Command;

use datasurface_airflow::dags::{DagSpec, Operator, Schedule};

/// Loads a DAG folder with Airflow's `DagBag` and prints each DAG's
/// schedule, tasks (id, operator, command, outlets) and the import errors.
const DAGBAG: &str = r#"
import json, sys
from airflow.models.dagbag import DagBag
from airflow.sdk import Asset

def assets(schedule):
    if isinstance(schedule, Asset):
        return [schedule.uri]
    found = []
    for item in getattr(schedule, "objects", None) or schedule:
        found.extend(assets(item))
    return found

bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
dags = {}
for dag_id, dag in sorted(bag.dags.items()):
    s = dag.schedule
    dags[dag_id] = {
        "schedule": "external" if s is None else {"cron": s} if isinstance(s, str) else {"anyOf": sorted(assets(s))},
        "tasks": [[t.task_id, type(t).__name__, t.bash_command, sorted(o.uri for o in t.outlets)] for t in dag.tasks],
    }
print(json.dumps({"dags": dags, "errors": {str(k): str(v) for k, v in bag.import_errors.items()}}))
"#;

fn airflow_python() -> Option<PathBuf> {
    let path = std::env::var_os("DATASURFACE_AIRFLOW_PYTHON").map_or_else(
        || {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/datasurface/airflow-3.1/bin/python")
        },
        PathBuf::from,
    );
    path.is_file().then_some(path)
}

#[test]
fn rendered_dags_load_in_airflow() {
    let dir = std::env::temp_dir().join(format!("ds-spark-dags-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rendering = crate::render(
        &crate::engine::model("shop", std::path::Path::new("/warehouse")),
        "Lake",
    );
    let mut specs: Vec<DagSpec> = Vec::new();
    for (key, artifact) in &rendering.artifacts {
        let path = dir.join(key.as_str());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &artifact.content).unwrap();
        let k = key.as_str();
        if k.starts_with("dags/ingest/") || k.starts_with("dags/transformer/") {
            specs.push(serde_json::from_str(&artifact.content).unwrap());
        }
    }
    // Each stream and transformer the graph runs has its DAG.
    let mut ids: Vec<&str> = specs.iter().map(|s| s.dag_id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "lake__masked",
            "lake__shop",
            "lake__slowed",
            "lake__sneaked",
            "lake__transformer__mask",
            "lake__transformer__slow",
            "lake__transformer__sneak"
        ]
    );
    let Some(python) = airflow_python() else {
        let message =
            "SKIPPED: Apache Airflow is not available here (install it with .ci/external)";
        assert!(
            std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
            "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires it"
        );
        return;
    };
    let out = Command::new(&python)
        .arg("-c")
        .arg(DAGBAG)
        .arg(dir.join("dags"))
        .env("AIRFLOW_HOME", dir.join("airflow-home"))
        .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    assert_eq!(result["errors"], serde_json::json!({}), "import errors");
    let built = result["dags"].as_object().unwrap();
    assert_eq!(built.len(), specs.len(), "{built:#?}");
    for spec in &specs {
        let dag = &built[&spec.dag_id];
        let schedule = match &spec.schedule {
            Schedule::Cron(c) => serde_json::json!({"cron": c}),
            Schedule::AnyOf(a) => {
                let mut a = a.clone();
                a.sort();
                serde_json::json!({"anyOf": a})
            }
            Schedule::External => serde_json::json!("external"),
        };
        assert_eq!(dag["schedule"], schedule, "{}", spec.dag_id);
        let task = &spec.tasks[0];
        let Operator::Bash { bash_command, .. } = &task.operator else {
            panic!("{} is not a BashOperator", spec.dag_id)
        };
        let mut outlets = task.outlets.clone();
        outlets.sort();
        assert_eq!(
            dag["tasks"],
            serde_json::json!([[task.task_id, "BashOperator", bash_command, outlets]]),
            "{}",
            spec.dag_id
        );
    }
    // The stream's task submits the driver over its spec, every word quoted
    // for the shell and the whole inert for Jinja.
    let shop = &built["lake__shop"]["tasks"][0][2];
    let command = "spark-submit --master 'local[2]' --jars /usr/share/java/postgresql.jar --conf spark.sql.shuffle.partitions=2 --conf spark.ui.enabled=false /opt/datasurface/rendering/spark/driver.py ingest /opt/datasurface/rendering/jobs/ingest/Shop.json";
    assert_eq!(
        shop.as_str(),
        Some(datasurface_airflow::escape::jinja::inert(command).as_ref())
    );
    let _ = std::fs::remove_dir_all(&dir);
}
