//! The rendered DAGs as Apache Airflow 3.1 loads them: every DAG of the
//! chunk manifest built by the factory files with no import error, each a
//! `BashOperator` task that submits the driver (a hooked transformer's
//! after its decision task), scheduled and linked by assets as the graph
//! says. Airflow is found as `.ci/external` installs it
//! (`DATASURFACE_AIRFLOW_PYTHON`, or `~/.cache/datasurface/airflow-3.1`);
//! without it the test says so and passes, unless
//! `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::path::PathBuf;

use datasurface_airflow::dags::{DagSpec, Operator};

use super::dagbag;

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
    // `Mask` is hooked: its DAG asks the hook first.
    let rendering = crate::render(&crate::decide::hooked("/warehouse"), "Lake");
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
    for spec in &specs {
        let tasks: Vec<&str> = spec.tasks.iter().map(|t| t.task_id.as_str()).collect();
        let expected: &[&str] = match spec.dag_id.as_str() {
            "lake__transformer__mask" => &["decide", "transform"],
            id if id.starts_with("lake__transformer__") => &["transform"],
            _ => &["ingest"],
        };
        assert_eq!(tasks, expected, "{}", spec.dag_id);
        assert!(
            spec.tasks
                .iter()
                .all(|t| matches!(t.operator, Operator::Bash { .. })),
            "{} has a task that is not a BashOperator",
            spec.dag_id
        );
    }
    let Some(python) = airflow_python() else {
        let message =
            "SKIPPED: Apache Airflow is not available here (install it with .ci/external)";
        assert!(
            std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
            "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires it"
        );
        return;
    };
    let built = dagbag::assert_airflow_builds(&python, &dir.join("dags"), &specs);
    // The stream's task submits the driver over its spec, every word quoted
    // for the shell and the whole inert for Jinja.
    let shop = &built["lake__shop"]["tasks"][0]["bashCommand"];
    let command = "spark-submit --master 'local[2]' --jars /usr/share/java/postgresql.jar --conf spark.sql.shuffle.partitions=2 --conf spark.ui.enabled=false /opt/datasurface/rendering/spark/driver.py ingest /opt/datasurface/rendering/jobs/ingest/Shop.json";
    assert_eq!(
        shop.as_str(),
        Some(datasurface_airflow::escape::jinja::inert(command).as_ref())
    );
    // The hooked transformer's decision task asks the hook with the run's
    // type, which Airflow fills in when it runs.
    let decide = &built["lake__transformer__mask"]["tasks"][0]["bashCommand"];
    let words = "datasurface job spark --transformer Mask --decide --deployed-spec /opt/datasurface/rendering/jobs/transformer/Mask.json";
    assert_eq!(
        decide.as_str(),
        Some(
            format!(
                "{} --run-type {{{{ dag_run.run_type }}}}",
                datasurface_airflow::escape::jinja::inert(words)
            )
            .as_str()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// With `taskCommand: datasurface`, each task runs `datasurface job spark`
/// over its deployed spec (checked against the worker's model, and sending
/// OpenLineage events) instead of `spark-submit`.
#[test]
fn tasks_can_run_the_job_through_datasurface() {
    let mut files = crate::decide::hooked("/warehouse");
    for file in &mut files {
        if file.path.ends_with("ecosystem.yaml") {
            let text = file.text.replace(
                "master: \"local[2]\"",
                "master: \"local[2]\", taskCommand: datasurface",
            );
            assert_ne!(
                text, file.text,
                "the model's platform has no master to follow"
            );
            *file = datasurface_files::SourceFile::new(file.path.clone(), text);
        }
    }
    let rendering = crate::render(&files, "Lake");
    let command = |key: &str| -> Vec<String> {
        let spec: DagSpec = serde_json::from_str(
            &rendering.artifacts[&datasurface_platform::ArtifactKey::new(key).unwrap()].content,
        )
        .unwrap();
        spec.tasks
            .iter()
            .map(|t| match &t.operator {
                Operator::Bash { bash_command, .. } => bash_command.clone(),
                other @ Operator::Pod { .. } => panic!("{other:?}"),
            })
            .collect()
    };
    // As the task's shell reads it: quoted words, inert for Jinja.
    let inert = |words: String| datasurface_airflow::escape::jinja::inert(&words).into_owned();
    let root = "/opt/datasurface/rendering/jobs";
    assert_eq!(
        command("dags/ingest/Shop.json"),
        [inert(format!(
            "datasurface job spark --stream Shop --deployed-spec {root}/ingest/Shop.json"
        ))]
    );
    let mask = command("dags/transformer/Mask.json");
    assert_eq!(
        mask[1],
        inert(format!(
            "datasurface job spark --transformer Mask --deployed-spec {root}/transformer/Mask.json"
        ))
    );
}
