//! `datasurface job`: the `airflow` platform's job runner, as the rendered
//! DAGs call it. This is where its settings come from the environment; the
//! work is `datasurface_airflow::runner`'s.

use std::io::Write;

use datasurface_airflow::dags::env;
use datasurface_airflow::runner::{
    self, Endpoint, IngestOptions, JobError, Login, MergeDatabase, credential,
};
use datasurface_airflow::{Airflow, AirflowConfig};
use datasurface_platform::DataPlatform;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{JobApplyArgs, JobArgs, JobCommand, JobIngestArgs, JobTransformArgs};
use crate::model::load_valid;
use crate::platforms::{platform_name, render_loaded};

fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The merge database from the environment the DAGs set, each setting
/// falling back to `defaults` (the model's platform parameters) when given.
fn merge_database(defaults: Option<&AirflowConfig>) -> Result<MergeDatabase, String> {
    let setting = |name: &str, default: Option<String>| {
        variable(name).or(default).ok_or_else(|| {
            format!(
                "{name} is not set: the rendered DAGs set it; outside Airflow, set it to the platform's merge database setting"
            )
        })
    };
    let host = setting(env::MERGE_HOST, defaults.map(|c| c.merge_host.clone()))?;
    let port = setting(env::MERGE_PORT, defaults.map(|c| c.merge_port.to_string()))?;
    let port: u16 = port.parse().map_err(|_| {
        format!(
            "{} is `{port}`, which is not a port number",
            env::MERGE_PORT
        )
    })?;
    let database = setting(
        env::MERGE_DATABASE,
        defaults.map(|c| c.merge_database.clone()),
    )?;
    let schema = setting(env::MERGE_SCHEMA, defaults.map(|c| c.schema.clone()))?;
    let name = setting(
        env::MERGE_CREDENTIAL,
        defaults.map(|c| c.merge_credential.clone()),
    )?;
    let login = credential(&name, &variable).map_err(|e| e.to_string())?;
    Ok(MergeDatabase {
        endpoint: Endpoint {
            host,
            port,
            database,
            login,
        },
        schema,
    })
}

fn login(name: &str) -> Result<Login, String> {
    credential(name, &variable).map_err(|e| e.to_string())
}

/// Checks that `--platform` names the platform the environment was rendered for.
fn same_platform(platform: &str) -> Result<(), String> {
    match variable(env::PLATFORM) {
        Some(p) if p != platform => Err(format!(
            "--platform is `{platform}` but {} is `{p}`: the task runs one platform's job",
            env::PLATFORM
        )),
        _ => Ok(()),
    }
}

/// `datasurface job …`.
pub(crate) fn run(
    app: &App<'_>,
    args: &JobArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let result = match &args.command {
        JobCommand::Apply(a) => return apply(app, a, out, err),
        JobCommand::Ingest(a) => ingest(a, out),
        JobCommand::Transform(a) => transform(a, out),
    };
    match result {
        Ok(()) => Outcome::Success,
        Err(e) => {
            let _ = writeln!(err, "{}: {e}", app.paint(Paint::Error, "error"));
            match e {
                JobError::BatchFailed { .. } => Outcome::BatchesFailed,
                _ => Outcome::CouldNotRun,
            }
        }
    }
}

fn printer(out: &mut dyn Write) -> impl FnMut(&str) + '_ {
    move |line: &str| {
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

fn ingest(args: &JobIngestArgs, out: &mut dyn Write) -> Result<(), JobError> {
    same_platform(&args.platform).map_err(JobError::Setup)?;
    if let Some(p) = &args.from_platform {
        return Err(JobError::Setup(format!(
            "stream `{}` comes from platform `{p}`; the job runner does not yet read another platform's merge tables",
            args.stream
        )));
    }
    let db = merge_database(None).map_err(JobError::Setup)?;
    let options = IngestOptions {
        spec: args.spec.clone(),
        keep_history: match (args.keep_history, args.live_only) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
    };
    runner::ingest(&db, &args.stream, &options, &login, &mut printer(out)).map(|_| ())
}

fn transform(args: &JobTransformArgs, out: &mut dyn Write) -> Result<(), JobError> {
    same_platform(&args.platform).map_err(JobError::Setup)?;
    let db = merge_database(None).map_err(JobError::Setup)?;
    runner::transform(
        &db,
        &args.workspace,
        args.spec.as_deref(),
        &mut printer(out),
    )
    .map(|_| ())
}

fn apply(app: &App<'_>, args: &JobApplyArgs, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let error = app.paint(Paint::Error, "error");
    let loaded = match load_valid(app, &args.model, "apply it", out, err) {
        Ok(l) => l,
        Err(outcome) => return outcome,
    };
    let kind = "airflow";
    let Some(name) = platform_name(
        app,
        &loaded.valid,
        args.platform.as_deref(),
        Some(kind),
        err,
    ) else {
        return Outcome::CouldNotRun;
    };
    let Some(declaration) = loaded.valid.platforms.get(name.as_str()) else {
        let _ = writeln!(err, "{error}: the model declares no platform `{name}`");
        return Outcome::CouldNotRun;
    };
    if declaration.kind.as_str() != kind {
        let _ = writeln!(
            err,
            "{error}: platform `{name}` is of kind `{}`; `job apply` applies `airflow` platforms (a `sqlite` platform is applied by `datasurface apply`)",
            declaration.kind
        );
        return Outcome::CouldNotRun;
    }
    let rendered = match render_loaded(app, &loaded, &name, err) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    let (config, _) = AirflowConfig::read(&name, declaration, &Airflow::new().version());
    let db = match merge_database(Some(&config)) {
        Ok(db) => db,
        Err(e) => {
            let _ = writeln!(err, "{error}: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let applied = runner::apply(&db, &rendered.rendering, &mut printer(out));
    match applied {
        Ok(summary) => {
            let _ = writeln!(
                out,
                "applied platform `{name}` to {}/{} (schema `{}`): {summary}",
                db.endpoint.host, db.endpoint.database, db.schema
            );
            Outcome::Success
        }
        Err(e) => {
            let _ = writeln!(err, "{error}: {e}");
            Outcome::CouldNotRun
        }
    }
}

#[cfg(test)]
mod tests {
    //! The rendering and the runner must never disagree: every task of every
    //! rendered DAG parses as a `datasurface job` command line.

    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use std::path::Path;

    use clap::Parser;
    use datasurface_airflow::Airflow;
    use datasurface_platform::{Rendering, render_with};

    use crate::args::{Args, Command, JobCommand};

    fn render(model: &str, platform: &str) -> Rendering {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(model);
        let sources = crate::sources::read_model(&root).unwrap();
        let loaded = datasurface_model::files::load(&sources).unwrap();
        let valid = datasurface_model::validate::validate(loaded.ecosystem).unwrap();
        let graphs = datasurface_graph::build(&valid);
        let name = valid.platforms.get_key_value(platform).unwrap().0;
        render_with(&Airflow::new(), &valid, &graphs, name)
            .unwrap()
            .rendering
    }

    /// A Python string literal's value (the renderer escapes `"` and `\`).
    fn py_value(literal: &str) -> String {
        let inner = literal.trim().trim_end_matches(',');
        let inner = &inner[1..inner.len() - 1];
        inner.replace("\\\"", "\"").replace("\\\\", "\\")
    }

    /// The command line of each DAG's task: the Kubernetes pod's
    /// `cmds` + `arguments`, or the local task's `bash_command`.
    fn commands(rendering: &Rendering) -> Vec<Vec<String>> {
        let mut found = Vec::new();
        for (key, artifact) in &rendering.artifacts {
            if !key.as_str().starts_with("dags/") {
                continue;
            }
            let text = &artifact.content;
            if let Some(at) = text.find("arguments=[") {
                assert!(text.contains("cmds=[\"datasurface\"]"), "{key}");
                let list = &text[at + "arguments=[".len()..];
                let list = &list[..list.find(']').unwrap()];
                let mut args = vec!["datasurface".to_owned()];
                args.extend(list.lines().filter(|l| !l.trim().is_empty()).map(py_value));
                found.push(args);
            } else {
                let line = text.lines().find(|l| l.contains("bash_command=")).unwrap();
                let command = py_value(line.trim().strip_prefix("bash_command=").unwrap());
                // No argument of these models needs shell quoting.
                assert!(!command.contains('\''), "{command}");
                found.push(command.split(' ').map(str::to_owned).collect());
            }
        }
        found
    }

    #[test]
    fn every_rendered_task_is_a_job_command_line() {
        for (model, platform, dags) in [
            ("examples/models/northwind", "Azure Platform", 3),
            ("examples/airflow/model", "Airflow", 3),
        ] {
            let rendering = render(model, platform);
            let commands = commands(&rendering);
            assert_eq!(commands.len(), dags, "{model}");
            for args in commands {
                let parsed = Args::try_parse_from(&args)
                    .unwrap_or_else(|e| panic!("{}: {e}", args.join(" ")));
                let Command::Job(job) = parsed.command else {
                    panic!("not a job: {args:?}");
                };
                let (named, spec) = match job.command {
                    JobCommand::Ingest(a) => {
                        assert!(a.keep_history != a.live_only, "{args:?}");
                        let key = format!("jobs/ingest/{}.json", a.stream.replace('#', "__"));
                        (a.platform, (key, a.spec))
                    }
                    JobCommand::Transform(a) => (
                        a.platform,
                        (format!("jobs/transformer/{}.json", a.workspace), a.spec),
                    ),
                    JobCommand::Apply(_) => panic!("DAGs do not apply: {args:?}"),
                };
                assert_eq!(named, platform);
                // The spec the DAG names is the one rendered beside it.
                let (key, hash) = spec;
                let artifact = rendering
                    .artifacts
                    .iter()
                    .find(|(k, _)| k.as_str() == key)
                    .unwrap_or_else(|| panic!("no {key}"))
                    .1;
                assert_eq!(
                    hash.as_deref(),
                    Some(datasurface_airflow::spec::spec_hash(&artifact.content).as_str())
                );
            }
        }
    }
}
