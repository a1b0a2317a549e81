//! Rendered DAG folders loaded by a real Apache Airflow 3's `DagBag`,
//! checked against the specs they were rendered from. Shared by the
//! platforms whose DAGs the `airflow` platform's factory builds
//! (`#[path]`-included by `datasurface-spark`'s tests).

use std::path::Path;
use std::process::Command;

use datasurface_airflow::dags::{DagSpec, Operator};
use serde_json::json;

/// Loads a DAG folder with Airflow's `DagBag`, as the DAG processor does,
/// and prints every DAG it built as Airflow holds it: its schedule (a cron,
/// the URIs of the assets it waits for, or none), tags, retries, and each
/// task's id, operator, outlets and upstream tasks.
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

def schedule(dag):
    s = dag.schedule
    if s is None:
        return "external"
    if isinstance(s, str):
        return {"cron": s}
    return {"anyOf": assets(s)}

bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
dags = {}
for dag_id, dag in sorted(bag.dags.items()):
    dags[dag_id] = {
        "schedule": schedule(dag),
        "tags": sorted(dag.tags),
        "retries": dag.default_args["retries"],
        "tasks": [
            {
                "taskId": t.task_id,
                "operator": type(t).__name__,
                "outlets": [o.uri for o in t.outlets],
                "upstream": sorted(t.upstream_task_ids),
                **({"bashCommand": t.bash_command} if hasattr(t, "bash_command") else {}),
                **({"env": sorted(k for k in t.get_env({}) if not k.startswith("AIRFLOW_CTX_"))}
                   if hasattr(t, "get_env") else {}),
            }
            for t in dag.tasks
        ],
    }
errors = {str(k): str(v) for k, v in bag.import_errors.items()}
print(json.dumps({"dags": dags, "errors": errors}))
"#;

/// A variable of the worker that no task names: another job's credential.
const FOREIGN_SECRET: &str = "DATASURFACE_CREDENTIAL_SOMEONE_ELSES_PASSWORD";

/// Loads `dags` with Airflow's `DagBag` and checks that it built exactly the
/// DAGs `specs` describe: every DAG id once, with its schedule, assets,
/// tags, retries and tasks in order (a bash task with its command as
/// written and the environment its command gets on a worker that holds
/// every credential: its spec's variables and the worker's variables it
/// names, never another's), and no import error. Returns the DAGs as
/// Airflow built them.
pub(crate) fn assert_airflow_builds(
    python: &Path,
    dags: &Path,
    specs: &[DagSpec],
) -> serde_json::Map<String, serde_json::Value> {
    let home = dags.with_file_name("airflow-home");
    // The worker holds every credential any task names, and one none does.
    let mut worker: std::collections::BTreeSet<String> =
        std::iter::once(FOREIGN_SECRET.to_owned()).collect();
    for task in specs.iter().flat_map(|s| &s.tasks) {
        if let Operator::Bash { worker_env, .. } = &task.operator {
            worker.extend(
                worker_env
                    .iter()
                    .filter(|v| v.starts_with("DATASURFACE_CREDENTIAL_"))
                    .cloned(),
            );
        }
    }
    let out = Command::new(python)
        .arg("-c")
        .arg(DAGBAG)
        .arg(dags)
        .envs(worker.iter().map(|v| (v, "worker's value")))
        .env("AIRFLOW_HOME", &home)
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
    let built = result["dags"].as_object().unwrap().clone();
    let mut expected = serde_json::Map::new();
    for spec in specs {
        let mut previous: Option<&str> = None;
        let tasks: Vec<serde_json::Value> = spec
            .tasks
            .iter()
            .map(|t| {
                let upstream: Vec<&str> = previous.into_iter().collect();
                previous = Some(&t.task_id);
                match &t.operator {
                    Operator::Bash {
                        bash_command,
                        env,
                        worker_env,
                    } => {
                        let mut seen: Vec<&str> = env.keys().map(String::as_str).collect();
                        seen.extend(
                            worker_env
                                .iter()
                                .filter(|v| {
                                    worker.contains(*v) || std::env::var_os(v.as_str()).is_some()
                                })
                                .map(String::as_str),
                        );
                        seen.sort_unstable();
                        seen.dedup();
                        assert!(!seen.contains(&FOREIGN_SECRET));
                        json!({
                            "taskId": t.task_id, "operator": "JobOperator", "outlets": t.outlets,
                            "upstream": upstream, "bashCommand": bash_command, "env": seen
                        })
                    }
                    Operator::Pod { .. } => json!({
                        "taskId": t.task_id, "operator": "KubernetesPodOperator",
                        "outlets": t.outlets, "upstream": upstream
                    }),
                }
            })
            .collect();
        let mut tags = spec.tags.clone();
        tags.sort();
        let schedule = serde_json::to_value(&spec.schedule).unwrap();
        let previous = expected.insert(
            spec.dag_id.clone(),
            json!({"schedule": schedule, "tags": tags, "retries": spec.retries, "tasks": tasks}),
        );
        assert!(previous.is_none(), "two specs for DAG {}", spec.dag_id);
    }
    assert_eq!(built.len(), expected.len(), "DAGs built against specs");
    for (dag_id, want) in &expected {
        assert_eq!(
            built.get(dag_id),
            Some(want),
            "DAG {dag_id} as Airflow built it"
        );
    }
    let _ = std::fs::remove_dir_all(&home);
    built
}
