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
//! to.

use std::collections::BTreeMap;

use datasurface_airflow::dags::{DagSpec, Operator, Schedule, TaskSpec};
use datasurface_airflow::escape::jinja::inert;
use datasurface_airflow::factory;
use datasurface_core::StepTrigger;
use datasurface_platform::escape::shell;

use crate::config::SparkConfig;
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
    /// The job spec's key in the rendering.
    pub(crate) spec: &'a str,
    /// A transformer's memory (`--driver-memory`, MiB).
    pub(crate) memory_mib: Option<u32>,
    pub(crate) outlets: Vec<String>,
}

impl SparkDag<'_> {
    /// The DAG's spec: one task that submits the driver over the job's
    /// spec, every word quoted for the shell and the whole made inert for
    /// Jinja.
    pub(crate) fn spec(&self, config: &SparkConfig, platform: &str) -> DagSpec {
        let root = config.rendering.trim_end_matches('/');
        let mut words: Vec<String> = vec![config.spark_submit.clone()];
        words.extend(["--master".to_owned(), config.master.clone()]);
        let jars: Vec<&str> = config
            .jdbc_jars
            .iter()
            .map(String::as_str)
            .filter(|j| !j.is_empty())
            .collect();
        if !jars.is_empty() {
            words.extend(["--jars".to_owned(), jars.join(",")]);
        }
        for (name, value) in &config.spark_conf {
            words.extend(["--conf".to_owned(), format!("{name}={value}")]);
        }
        if let Some(mib) = self.memory_mib {
            words.extend(["--driver-memory".to_owned(), format!("{mib}m")]);
        }
        words.push(format!("{root}/{}", crate::DRIVER));
        words.push(self.job.to_owned());
        words.push(format!("{root}/{}", self.spec));
        let command: Vec<String> = words.iter().map(|w| shell::word(w)).collect();
        let env = BTreeMap::from([(
            "DATASURFACE_PLATFORM".to_owned(),
            inert(platform).into_owned(),
        )]);
        DagSpec {
            dag_id: self.dag_id.clone(),
            description: self.description.clone(),
            schedule: self.schedule.clone(),
            tags: vec!["datasurface".to_owned(), "spark".to_owned()],
            retries: config.retries,
            tasks: vec![TaskSpec {
                task_id: self.job.to_owned(),
                outlets: self.outlets.clone(),
                skip_on_exit_code: None,
                operator: Operator::Bash {
                    bash_command: inert(&command.join(" ")).into_owned(),
                    env,
                },
            }],
        }
    }
}

/// A chunk's factory file: the `airflow` platform's program.
pub(crate) fn chunk_file(chunk: usize, version: &semver::Version) -> (String, String) {
    (
        factory::chunk_path(chunk),
        factory::chunk_file(chunk, version),
    )
}
