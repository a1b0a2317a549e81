//! Apache Airflow 3 DAGs: one per ingestion stream and per transformer, each
//! rendered as a JSON DAG spec ([`DagSpec`]) that the chunk's factory file
//! ([`factory`](crate::factory)) builds into a DAG.
//!
//! Each DAG has one task, which runs the datasurface job runner for its stream
//! (`datasurface job ingest …` or `datasurface job transform …`) in a Kubernetes
//! pod or as a local process. DAGs trigger each other through Airflow assets,
//! as the intention graph says: an ingestion publishes one asset per dataset, a
//! transformer runs when any of its inputs' assets is updated (or on its cron
//! schedule) and publishes its own, and the ingestion of its output runs on that.
//! Credentials appear by name only: Kubernetes secrets or the worker's
//! environment hold the values.
//!
//! A spec holds every value as the operator receives it: a templated field's
//! text is already made inert for Jinja ([`inert`]) and a shell command's
//! words quoted ([`shell::word`]) here, in Rust, once. The factory is the
//! same Python program in every chunk file and holds no model text; it reads
//! the specs with `json.load` and copies their strings into operators, so no
//! team's text is ever Python source, a template or a shell word of its own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::{AirflowConfig, Executor};
use crate::escape::jinja::inert;
use crate::escape::shell;
use crate::names::k8s_name;

/// The environment variables a task sets for the job runner, which
/// `datasurface job` reads: the one list both sides use.
pub mod env {
    /// The platform's name.
    pub const PLATFORM: &str = "DATASURFACE_PLATFORM";
    /// The merge database's host (or Unix socket directory).
    pub const MERGE_HOST: &str = "DATASURFACE_MERGE_HOST";
    /// The merge database's port.
    pub const MERGE_PORT: &str = "DATASURFACE_MERGE_PORT";
    /// The merge database.
    pub const MERGE_DATABASE: &str = "DATASURFACE_MERGE_DATABASE";
    /// The platform's schema in it.
    pub const MERGE_SCHEMA: &str = "DATASURFACE_MERGE_SCHEMA";
    /// The name of the credential for it.
    pub const MERGE_CREDENTIAL: &str = "DATASURFACE_MERGE_CREDENTIAL";
    /// The names of every credential the task may use, comma-separated (local executor).
    pub const CREDENTIALS: &str = "DATASURFACE_CREDENTIALS";
}

/// The worker's variables a local task passes to its job whatever it runs:
/// what finds and runs programs (the job runner, `spark-submit`, Java and
/// Python), the locale and time zone, and the job runner's own settings
/// that hold no secret. Every other variable of the worker stays out of the
/// job's environment, above all other jobs' credentials: a task adds only
/// the variables of the credentials its spec names ([`worker_env`]).
pub const WORKER_VARIABLES: &[&str] = &[
    "DATASURFACE_CACHE_DIR",
    "DATASURFACE_LINEAGE",
    "DATASURFACE_MODEL",
    "DATASURFACE_SPARK_SUBMIT",
    "HADOOP_CONF_DIR",
    "HOME",
    "HOSTNAME",
    "JAVA_HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "LOGNAME",
    "PATH",
    "PYSPARK_DRIVER_PYTHON",
    "PYSPARK_PYTHON",
    "PYTHONPATH",
    "SPARK_CONF_DIR",
    "SPARK_HOME",
    "SSL_CERT_DIR",
    "SSL_CERT_FILE",
    "TMPDIR",
    "TZ",
    "USER",
    "VIRTUAL_ENV",
];

/// The worker's variables a local task may read: [`WORKER_VARIABLES`] and
/// the `variables` of the credentials its job uses (each credential's user
/// and password variables, [`credential_variable`]), sorted, each once.
pub fn worker_env(variables: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut names: Vec<String> = WORKER_VARIABLES.iter().map(|v| (*v).to_owned()).collect();
    names.extend(variables);
    names.sort();
    names.dedup();
    names
}

/// When a DAG runs: in a spec, `{"cron": "…"}`, `{"anyOf": ["<asset>", …]}`
/// or `"external"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Schedule {
    /// On a cron schedule.
    Cron(String),
    /// When any of these assets is updated.
    AnyOf(Vec<String>),
    /// Only when triggered from outside (an API call or a sensor).
    External,
}

/// One DAG, as the renderer knows it: made into a [`DagSpec`] by [`Dag::spec`].
#[derive(Debug, Clone)]
pub struct Dag {
    /// The DAG id.
    pub dag_id: String,
    /// What it does, for its documentation.
    pub description: String,
    /// When it runs.
    pub schedule: Schedule,
    /// The id of its one task.
    pub task_id: &'static str,
    /// The job runner's arguments after `datasurface`.
    pub arguments: Vec<String>,
    /// The names of the credentials the job needs.
    pub credentials: Vec<String>,
    /// The assets the task updates when it succeeds.
    pub outlets: Vec<String>,
    /// Airflow tags.
    pub tags: Vec<String>,
    /// For a hooked transformer: the job runner's arguments (after
    /// `datasurface job`) of the decision task that runs first and asks the
    /// workspace's hook. It exits [`SKIP_EXIT_CODE`] when the hook says not
    /// to run, which leaves it skipped and short-circuits the task after it.
    pub decide: Option<Vec<String>>,
}

/// The exit code with which `datasurface job decide` says "do not run":
/// the decision task is then skipped (Airflow's `skip_on_exit_code`), and so
/// is the task after it.
pub const SKIP_EXIT_CODE: u8 = 99;

/// A DAG as its chunk's factory builds it, every value final (see the
/// module's documentation): the artifact `dags/ingest/<stream>.json` or
/// `dags/transformer/<workspace>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DagSpec {
    /// The DAG id.
    pub dag_id: String,
    /// What it does.
    pub description: String,
    /// When it runs.
    pub schedule: Schedule,
    /// Airflow tags.
    pub tags: Vec<String>,
    /// How often Airflow retries a failed task, a minute apart.
    pub retries: u32,
    /// Its tasks, each run after the one before it.
    pub tasks: Vec<TaskSpec>,
}

/// One task of a [`DagSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSpec {
    /// The task id.
    pub task_id: String,
    /// The assets it updates when it succeeds.
    pub outlets: Vec<String>,
    /// The exit code that leaves it skipped, and the tasks after it (the
    /// decision task's [`SKIP_EXIT_CODE`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_on_exit_code: Option<u8>,
    /// What runs it.
    #[serde(flatten)]
    pub operator: Operator,
}

/// The operator of a task and its fields, as the operator receives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "operator", rename_all = "camelCase")]
pub enum Operator {
    /// `BashOperator`: a process on the worker (the `local` executor).
    #[serde(rename_all = "camelCase")]
    Bash {
        /// The command line, its words quoted for the shell and the whole
        /// made inert for Jinja.
        bash_command: String,
        /// The job runner's environment, values inert.
        env: BTreeMap<String, String>,
        /// The worker's variables the job also sees, read where the task
        /// runs ([`worker_env`]); no other variable of the worker reaches it.
        worker_env: Vec<String>,
    },
    /// `KubernetesPodOperator`: a pod of the job runner's image.
    Pod {
        /// The pod's name.
        name: String,
        /// Its namespace.
        namespace: String,
        /// The job runner's image, inert.
        image: String,
        /// The entry point: `["datasurface"]`.
        cmds: Vec<String>,
        /// Its arguments, each inert.
        arguments: Vec<String>,
        /// Its environment: values (inert) and references to secrets.
        env: Vec<PodEnvVar>,
    },
}

/// An environment variable of a pod: a value, or a key of a Kubernetes secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PodEnvVar {
    /// A value.
    Value {
        /// The variable.
        name: String,
        /// Its value, inert.
        value: String,
    },
    /// A key of a secret.
    Secret {
        /// The variable.
        name: String,
        /// The secret and its key.
        secret: SecretKey,
    },
}

/// A key of a Kubernetes secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretKey {
    /// The secret.
    pub name: String,
    /// The key.
    pub key: String,
}

/// The Jinja expression a decision task passes as `--run-type`: Airflow's
/// kind of DAG run (`scheduled`, `manual`, `asset_triggered`, `backfill`),
/// the event the hook is asked about. Written by us, never from the model.
pub const RUN_TYPE: &str = "{{ dag_run.run_type }}";

pub use datasurface_runtime::credential_variable;

impl Dag {
    /// Names the hash of the job spec rendered beside the DAG, which every
    /// job of the DAG checks (`--spec`).
    pub fn name_spec(&mut self, hash: &str) {
        for arguments in std::iter::once(&mut self.arguments).chain(self.decide.as_mut()) {
            arguments.push("--spec".to_owned());
            arguments.push(hash.to_owned());
        }
    }

    /// The DAG's spec: its decision task first, if it has one, then its own.
    pub fn spec(&self, config: &AirflowConfig, platform: &str) -> DagSpec {
        let mut tasks = Vec::with_capacity(2);
        if let Some(decide) = &self.decide {
            tasks.push(self.task(config, platform, "decide", decide, true));
        }
        tasks.push(self.task(config, platform, self.task_id, &self.arguments, false));
        DagSpec {
            dag_id: self.dag_id.clone(),
            description: self.description.clone(),
            schedule: self.schedule.clone(),
            tags: self.tags.clone(),
            retries: config.retries,
            tasks,
        }
    }

    /// A task that runs the job runner with `arguments` (after `datasurface
    /// job`): the DAG's own task, which updates its outlets, or (`decide`)
    /// its decision task, which passes the run's type, uses only the merge
    /// database's credential and is skipped when the hook says not to run.
    fn task(
        &self,
        config: &AirflowConfig,
        platform: &str,
        task_id: &str,
        arguments: &[String],
        decide: bool,
    ) -> TaskSpec {
        let env = [
            (env::PLATFORM, platform.to_owned()),
            (env::MERGE_HOST, config.merge_host.clone()),
            (env::MERGE_PORT, config.merge_port.to_string()),
            (env::MERGE_DATABASE, config.merge_database.clone()),
            (env::MERGE_SCHEMA, config.schema.clone()),
            (env::MERGE_CREDENTIAL, config.merge_credential.clone()),
        ];
        let mut credentials = vec![config.merge_credential.clone()];
        if !decide {
            credentials.extend(self.credentials.iter().cloned());
        }
        credentials.sort();
        credentials.dedup();
        let operator = match config.executor {
            Executor::Kubernetes => {
                let mut vars: Vec<PodEnvVar> = env
                    .into_iter()
                    .map(|(name, value)| PodEnvVar::Value {
                        name: name.to_owned(),
                        value: inert(&value).into_owned(),
                    })
                    .collect();
                for credential in &credentials {
                    for part in ["user", "password"] {
                        vars.push(PodEnvVar::Secret {
                            name: credential_variable(credential, part),
                            secret: SecretKey {
                                name: k8s_name(&[credential]),
                                key: part.to_owned(),
                            },
                        });
                    }
                }
                // Arguments, environment values and the image are templated fields.
                let mut words: Vec<String> = std::iter::once("job".to_owned())
                    .chain(arguments.iter().map(|a| inert(a).into_owned()))
                    .collect();
                if decide {
                    words.push("--run-type".to_owned());
                    words.push(RUN_TYPE.to_owned());
                }
                Operator::Pod {
                    name: if decide {
                        k8s_name(&[&self.dag_id, task_id])
                    } else {
                        k8s_name(&[&self.dag_id])
                    },
                    namespace: config.namespace.clone(),
                    image: inert(&config.image).into_owned(),
                    cmds: vec!["datasurface".to_owned()],
                    arguments: words,
                    env: vars,
                }
            }
            Executor::Local => {
                let words: Vec<String> = ["datasurface", "job"]
                    .into_iter()
                    .map(str::to_owned)
                    .chain(arguments.iter().map(|a| shell::word(a)))
                    .collect();
                // `bash_command` and `env` are templated fields.
                let mut command = inert(&words.join(" ")).into_owned();
                if decide {
                    // The template is ours and renders to a bare word.
                    command.push_str(" --run-type ");
                    command.push_str(RUN_TYPE);
                }
                let mut env: BTreeMap<String, String> = env
                    .into_iter()
                    .map(|(name, value)| (name.to_owned(), inert(&value).into_owned()))
                    .collect();
                env.insert(
                    env::CREDENTIALS.to_owned(),
                    inert(&credentials.join(",")).into_owned(),
                );
                Operator::Bash {
                    bash_command: command,
                    env,
                    worker_env: worker_env(credentials.iter().flat_map(|credential| {
                        ["user", "password"].map(|part| credential_variable(credential, part))
                    })),
                }
            }
        };
        TaskSpec {
            task_id: task_id.to_owned(),
            outlets: if decide {
                Vec::new()
            } else {
                self.outlets.clone()
            },
            skip_on_exit_code: decide.then_some(SKIP_EXIT_CODE),
            operator,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_have_one_variable_per_part() {
        assert_eq!(
            credential_variable("nw-reader", "password"),
            "DATASURFACE_CREDENTIAL_NW_READER_PASSWORD"
        );
    }
}
