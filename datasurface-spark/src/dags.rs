//! Apache Airflow 3 DAGs that submit the platform's jobs: one per
//! ingestion stream and per transformer, each a `BashOperator` task that
//! runs `spark-submit` of the driver over the job's spec, in the same
//! chunked layout as the `airflow` platform (its DAG specs and its one
//! factory program, `dags/chunk_<n>.py`, built from `dags/chunks.json`), so
//! the DAG processor parses a few files for thousands of DAGs.
//!
//! DAGs trigger each other through Airflow assets, as the intention graph
//! says: a stream publishes one asset per dataset, a transformer runs when
//! one of its inputs' assets is updated (or on its cron schedule) and
//! publishes its own, which its output's stream runs on. Credentials appear
//! by name only: the worker's environment holds their values
//! (`DATASURFACE_CREDENTIAL_<NAME>_USER`, `_PASSWORD`), which the task adds
//! to. A hooked transformer's DAG asks its hook first, in a decision task
//! (`datasurface job spark --decide` on the worker, with the model in
//! `DATASURFACE_MODEL`), which Airflow skips, with the transformer's task,
//! when the hook says not to run.

use std::collections::BTreeMap;

use datasurface_airflow::dags::{
    DagSpec, Operator, RUN_TYPE, SKIP_EXIT_CODE, Schedule, TaskSpec, worker_env,
};
use datasurface_airflow::escape::jinja::inert;
use datasurface_airflow::factory;
use datasurface_core::StepTrigger;
use datasurface_platform::escape::shell;

use crate::config::{SparkConfig, TaskCommand};
use crate::layout::segment;

/// The schedule of a stream whose capture names no trigger.
pub const DEFAULT_SCHEDULE: &str = "@hourly";

/// The chunk manifest: which DAG specs each chunk's factory file builds.
pub const CHUNKS: &str = "dags/chunks.json";

/// The asset of one dataset, which its stream's task updates:
/// `datasurface://<platform>/<store>/<dataset>`, each part a path segment.
pub fn dataset_asset(platform: &str, store: &str, dataset: &str) -> String {
    format!(
        "datasurface://{}/{}/{}",
        segment(platform),
        segment(store),
        segment(dataset)
    )
}

/// The asset a transformer's task updates when it has staged its output.
pub fn transformer_asset(platform: &str, workspace: &str) -> String {
    format!(
        "datasurface://{}/~transformer/{}",
        segment(platform),
        segment(workspace)
    )
}

/// When a job runs: its trigger, if it names one, else `otherwise`.
pub(crate) fn schedule(trigger: Option<&StepTrigger>, otherwise: Schedule) -> Schedule {
    match trigger {
        Some(StepTrigger::Cron(cron)) => Schedule::Cron(cron.clone()),
        Some(StepTrigger::External(_)) => Schedule::External,
        _ => otherwise,
    }
}

/// One DAG of the platform: its id, what it does, when it runs, the job it
/// submits and the assets it updates.
pub(crate) struct SparkDag<'a> {
    pub(crate) dag_id: String,
    pub(crate) description: String,
    pub(crate) schedule: Schedule,
    /// `ingest` or `transform`.
    pub(crate) job: &'a str,
    /// What `datasurface job spark` runs: `--stream` and the stream's key,
    /// or `--transformer` and the workspace.
    pub(crate) runs: (&'a str, &'a str),
    /// The job spec's key in the rendering.
    pub(crate) spec: &'a str,
    /// A transformer's memory (`--driver-memory`, MiB).
    pub(crate) memory_mib: Option<u32>,
    pub(crate) outlets: Vec<String>,
    /// A hooked transformer's workspace: its DAG asks the hook first.
    pub(crate) decide: Option<&'a str>,
    /// The variables of the credentials the job reads its source with.
    pub(crate) credential_variables: Vec<String>,
}

impl SparkDag<'_> {
    /// The DAG's spec: one task that submits the driver over the job's
    /// spec, every word quoted for the shell and the whole made inert for
    /// Jinja.
    pub(crate) fn spec(&self, config: &SparkConfig, platform: &str) -> DagSpec {
        let root = config.rendering.trim_end_matches('/');
        let words = match config.task_command {
            TaskCommand::SparkSubmit => self.spark_submit(config, root),
            TaskCommand::Datasurface => ["datasurface", "job", "spark", self.runs.0, self.runs.1]
                .iter()
                .map(|w| (*w).to_owned())
                .chain([
                    "--deployed-spec".to_owned(),
                    format!("{root}/{}", self.spec),
                ])
                .collect(),
        };
        let command: Vec<String> = words.iter().map(|w| shell::word(w)).collect();
        let env = BTreeMap::from([(
            "DATASURFACE_PLATFORM".to_owned(),
            inert(platform).into_owned(),
        )]);
        let mut tasks = Vec::with_capacity(2);
        if let Some(workspace) = self.decide {
            tasks.push(decide_task(
                workspace,
                &format!("{root}/{}", self.spec),
                env.clone(),
            ));
        }
        tasks.push(TaskSpec {
            task_id: self.job.to_owned(),
            outlets: self.outlets.clone(),
            skip_on_exit_code: None,
            operator: Operator::Bash {
                bash_command: inert(&command.join(" ")).into_owned(),
                env,
                worker_env: worker_env(self.credential_variables.iter().cloned()),
            },
        });
        DagSpec {
            dag_id: self.dag_id.clone(),
            description: self.description.clone(),
            schedule: self.schedule.clone(),
            tags: vec!["datasurface".to_owned(), "spark".to_owned()],
            retries: config.retries,
            tasks,
        }
    }

    /// `spark-submit` of the driver over the job's spec, as the platform's
    /// parameters say.
    fn spark_submit(&self, config: &SparkConfig, root: &str) -> Vec<String> {
        let mut words: Vec<String> = vec![config.spark_submit.clone()];
        words.extend(crate::config::submit_options(
            &config.master,
            &config.jdbc_jars,
            &config.spark_conf,
            self.memory_mib,
        ));
        words.push(format!("{root}/{}", crate::DRIVER));
        words.push(self.job.to_owned());
        words.push(format!("{root}/{}", self.spec));
        words
    }
}

/// A hooked transformer's decision task: `datasurface job spark --decide`
/// on the worker, with the model the DAGs were rendered from
/// (`DATASURFACE_MODEL` in the worker's environment), which checks that the
/// deployed spec is the one the model renders, asks the hook about this DAG
/// run and records its decision. It exits [`SKIP_EXIT_CODE`] when the hook
/// says not to run, which skips the task and the transformer's after it.
fn decide_task(workspace: &str, spec: &str, env: BTreeMap<String, String>) -> TaskSpec {
    let words: Vec<String> = [
        "datasurface",
        "job",
        "spark",
        "--transformer",
        workspace,
        "--decide",
        "--deployed-spec",
        spec,
    ]
    .iter()
    .map(|w| shell::word(w))
    .collect();
    let mut command = inert(&words.join(" ")).into_owned();
    // The template is ours and renders to a bare word.
    command.push_str(" --run-type ");
    command.push_str(RUN_TYPE);
    TaskSpec {
        task_id: "decide".to_owned(),
        outlets: Vec::new(),
        skip_on_exit_code: Some(SKIP_EXIT_CODE),
        operator: Operator::Bash {
            bash_command: command,
            env,
            worker_env: worker_env([]),
        },
    }
}

/// A chunk's factory file: the `airflow` platform's program.
pub(crate) fn chunk_file(chunk: usize, version: &semver::Version) -> (String, String) {
    (
        factory::chunk_path(chunk),
        factory::chunk_file(chunk, version),
    )
}
