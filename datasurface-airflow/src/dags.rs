//! Apache Airflow 3 DAG files: one per ingestion stream and per transformer.
//!
//! Each DAG has one task, which runs the datasurface job runner for its stream
//! (`datasurface job ingest …` or `datasurface job transform …`) in a Kubernetes
//! pod or as a local process. DAGs trigger each other through Airflow assets,
//! as the intention graph says: an ingestion publishes one asset per dataset, a
//! transformer runs when any of its inputs' assets is updated (or on its cron
//! schedule) and publishes its own, and the ingestion of its output runs on that.
//! Credentials appear by name only: Kubernetes secrets or the worker's
//! environment hold the values.

use std::fmt::Write as _;

use crate::config::{AirflowConfig, Executor};
use crate::escape::jinja::inert;
use crate::escape::python::{docstring as py_docstring, str_literal as py_str};
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

/// When a DAG runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// On a cron schedule.
    Cron(String),
    /// When any of these assets is updated.
    AnyOf(Vec<String>),
    /// Only when triggered from outside (an API call or a sensor).
    External,
}

/// One DAG file.
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

/// One task of a DAG: its id, the job runner's arguments after `datasurface
/// job`, and whether it is the decision task ahead of the DAG's own.
struct Task<'a> {
    id: &'a str,
    arguments: &'a [String],
    decide: bool,
}

/// The Jinja expression a decision task passes as `--run-type`: Airflow's
/// kind of DAG run (`scheduled`, `manual`, `asset_triggered`, `backfill`),
/// the event the hook is asked about. Written by us, never from the model.
const RUN_TYPE: &str = "{{ dag_run.run_type }}";

fn py_list(items: &[String], indent: &str) -> String {
    if items.is_empty() {
        return "[]".into();
    }
    let mut out = String::from("[\n");
    for item in items {
        let _ = writeln!(out, "{indent}    {item},");
    }
    out.push_str(indent);
    out.push(']');
    out
}

/// The environment variable a credential's part is passed in, such as
/// `DATASURFACE_CREDENTIAL_NW_READER_PASSWORD`.
pub fn credential_variable(credential: &str, part: &str) -> String {
    let name: String = credential
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "DATASURFACE_CREDENTIAL_{name}_{}",
        part.to_ascii_uppercase()
    )
}

impl Dag {
    /// Names the hash of the job spec rendered beside the DAG, which every
    /// job of the DAG checks (`--spec`).
    pub fn name_spec(&mut self, hash: &str) {
        for arguments in std::iter::once(&mut self.arguments).chain(self.decide.as_mut()) {
            arguments.push("--spec".to_owned());
            arguments.push(hash.to_owned());
        }
    }

    /// The DAG file's Python source.
    pub fn render(
        &self,
        config: &AirflowConfig,
        platform: &str,
        version: &semver::Version,
    ) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Generated by datasurface for platform `{platform}` (airflow {version}). Do not edit:\n\
             # change the model and run `datasurface render`."
        );
        let _ = writeln!(out, "{}", py_docstring(&self.description));
        let assets = matches!(self.schedule, Schedule::AnyOf(_)) || !self.outlets.is_empty();
        out.push_str("from __future__ import annotations\n\nimport pendulum\n");
        let mut sdk = vec!["DAG"];
        if assets {
            sdk.push("Asset");
        }
        if matches!(&self.schedule, Schedule::AnyOf(a) if a.len() > 1) {
            sdk.push("AssetAny");
        }
        let _ = writeln!(out, "from airflow.sdk import {}", sdk.join(", "));
        match config.executor {
            Executor::Kubernetes => out.push_str(
                "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n\
                 from kubernetes.client import models as k8s\n",
            ),
            Executor::Local => {
                out.push_str("from airflow.providers.standard.operators.bash import BashOperator\n");
            }
        }
        out.push('\n');
        let schedule = match &self.schedule {
            Schedule::Cron(c) => py_str(c),
            Schedule::External => "None".into(),
            Schedule::AnyOf(assets) if assets.len() == 1 => {
                format!("[Asset({})]", py_str(&assets[0]))
            }
            Schedule::AnyOf(assets) => {
                let list: Vec<String> = assets
                    .iter()
                    .map(|a| format!("Asset({})", py_str(a)))
                    .collect();
                format!("AssetAny(\n        {},\n    )", list.join(",\n        "))
            }
        };
        let tags: Vec<String> = self.tags.iter().map(|t| py_str(t)).collect();
        let _ = writeln!(
            out,
            "with DAG(\n    \
                 dag_id={},\n    \
                 description={},\n    \
                 schedule={schedule},\n    \
                 start_date=pendulum.datetime(2025, 1, 1, tz=\"UTC\"),\n    \
                 catchup=False,\n    \
                 max_active_runs=1,\n    \
                 tags=[{}],\n    \
                 default_args={{\"retries\": {}, \"retry_delay\": pendulum.duration(minutes=1)}},\n\
             ) as dag:",
            py_str(&self.dag_id),
            py_str(&self.description),
            tags.join(", "),
            config.retries,
        );
        match &self.decide {
            None => {
                out.push_str("    ");
                out.push_str(&self.task(config, platform, &self.own_task()));
            }
            Some(decide) => {
                let _ = writeln!(
                    out,
                    "    decide = {}    {} = {}    decide >> {}",
                    self.task(
                        config,
                        platform,
                        &Task {
                            id: "decide",
                            arguments: decide,
                            decide: true,
                        }
                    ),
                    self.task_id,
                    self.task(config, platform, &self.own_task()),
                    self.task_id,
                );
            }
        }
        out
    }

    /// A task that runs the job runner with `arguments`: the DAG's own task,
    /// which updates its outlets, or (`decide`) its decision task, which
    /// passes the run's type and is skipped when the hook says not to run.
    fn task(&self, config: &AirflowConfig, platform: &str, task: &Task<'_>) -> String {
        let mut env = vec![
            ("DATASURFACE_PLATFORM", platform.to_owned()),
            ("DATASURFACE_MERGE_HOST", config.merge_host.clone()),
            ("DATASURFACE_MERGE_PORT", config.merge_port.to_string()),
            ("DATASURFACE_MERGE_DATABASE", config.merge_database.clone()),
            ("DATASURFACE_MERGE_SCHEMA", config.schema.clone()),
            (
                "DATASURFACE_MERGE_CREDENTIAL",
                config.merge_credential.clone(),
            ),
        ];
        let mut credentials = vec![config.merge_credential.clone()];
        if !task.decide {
            credentials.extend(self.credentials.iter().cloned());
        }
        credentials.sort();
        credentials.dedup();
        match config.executor {
            Executor::Kubernetes => self.kubernetes_task(config, &env, &credentials, task),
            Executor::Local => {
                env.push((env::CREDENTIALS, credentials.join(",")));
                self.local_task(&env, task)
            }
        }
    }

    /// A task as a pod of the job runner's image.
    fn kubernetes_task(
        &self,
        config: &AirflowConfig,
        env: &[(&str, String)],
        credentials: &[String],
        task: &Task<'_>,
    ) -> String {
        let (task_id, arguments, decide) = (task.id, task.arguments, task.decide);
        let mut out = String::new();
        let (outlets, skip) = self.outlets_and_skip(decide);
        let skip = skip.map_or_else(String::new, |s| format!("{s}\n        "));
        let mut vars: Vec<String> = env
            .iter()
            .map(|(k, v)| {
                format!(
                    "k8s.V1EnvVar(name={}, value={})",
                    py_str(k),
                    py_str(&inert(v))
                )
            })
            .collect();
        for credential in credentials {
            for part in ["user", "password"] {
                vars.push(format!(
                    "k8s.V1EnvVar(\n                name={},\n                value_from=k8s.V1EnvVarSource(\n                    secret_key_ref=k8s.V1SecretKeySelector(name={}, key={})\n                ),\n            )",
                    py_str(&credential_variable(credential, part)),
                    py_str(&k8s_name(&[credential])),
                    py_str(part),
                ));
            }
        }
        // Arguments, environment values and the image are templated fields.
        let mut arguments: Vec<String> = arguments.iter().map(|a| py_str(&inert(a))).collect();
        arguments.insert(0, py_str("job"));
        if decide {
            arguments.push(py_str("--run-type"));
            arguments.push(py_str(RUN_TYPE));
        }
        let _ = writeln!(
            out,
            "KubernetesPodOperator(\n        \
                 task_id={},\n        \
                 name={},\n        \
                 namespace={},\n        \
                 image={},\n        \
                 cmds=[\"datasurface\"],\n        \
                 arguments={},\n        \
                 env_vars={},\n        \
                 outlets={},\n        \
                 {skip}get_logs=True,\n        \
                 on_finish_action=\"delete_pod\",\n    \
             )",
            py_str(task_id),
            py_str(&if decide {
                k8s_name(&[&self.dag_id, task_id])
            } else {
                k8s_name(&[&self.dag_id])
            }),
            py_str(&config.namespace),
            py_str(&inert(&config.image)),
            py_list(&arguments, "        "),
            py_list(&vars, "        "),
            py_list(&outlets, "        "),
        );
        out
    }

    /// A task as a process on the worker.
    fn local_task(&self, env: &[(&str, String)], task: &Task<'_>) -> String {
        let (task_id, arguments, decide) = (task.id, task.arguments, task.decide);
        let mut out = String::new();
        let (outlets, skip) = self.outlets_and_skip(decide);
        let skip_line = skip.map_or_else(String::new, |s| format!("        {s}\n"));
        let command: Vec<String> = ["datasurface", "job"]
            .into_iter()
            .map(str::to_owned)
            .chain(arguments.iter().map(|a| shell::word(a)))
            .collect();
        let mut command = inert(&command.join(" ")).into_owned();
        if decide {
            // The template is ours and renders to a bare word.
            command.push_str(" --run-type ");
            command.push_str(RUN_TYPE);
        }
        let env: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{}: {}", py_str(k), py_str(&inert(v))))
            .collect();
        let _ = writeln!(
            out,
            "BashOperator(\n        \
                 task_id={},\n        \
                 bash_command={},\n        \
                 env={{\n            {},\n        }},\n        \
                 append_env=True,\n        \
                 outlets={},\n\
                 {skip_line}    )",
            py_str(task_id),
            // `bash_command` and `env` are templated fields.
            py_str(&command),
            env.join(",\n            "),
            py_list(&outlets, "        "),
        );
        out
    }

    /// The DAG's own task.
    fn own_task(&self) -> Task<'_> {
        Task {
            id: self.task_id,
            arguments: &self.arguments,
            decide: false,
        }
    }

    /// A task's outlets (the decision task updates none) and, for the
    /// decision task, its `skip_on_exit_code` argument.
    fn outlets_and_skip(&self, decide: bool) -> (Vec<String>, Option<String>) {
        if decide {
            return (
                Vec::new(),
                Some(format!("skip_on_exit_code={SKIP_EXIT_CODE},")),
            );
        }
        let outlets = self
            .outlets
            .iter()
            .map(|a| format!("Asset({})", py_str(a)))
            .collect();
        (outlets, None)
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
