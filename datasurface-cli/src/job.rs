//! `datasurface job`: the `airflow` platform's job runner, as the rendered
//! DAGs call it. This is where its settings come from the environment; the
//! work is `datasurface_airflow::runner`'s.

use std::io::Write;

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
    let host = setting(
        "DATASURFACE_MERGE_HOST",
        defaults.map(|c| c.merge_host.clone()),
    )?;
    let port = setting(
        "DATASURFACE_MERGE_PORT",
        defaults.map(|c| c.merge_port.to_string()),
    )?;
    let port: u16 = port
        .parse()
        .map_err(|_| format!("DATASURFACE_MERGE_PORT is `{port}`, which is not a port number"))?;
    let database = setting(
        "DATASURFACE_MERGE_DATABASE",
        defaults.map(|c| c.merge_database.clone()),
    )?;
    let schema = setting(
        "DATASURFACE_MERGE_SCHEMA",
        defaults.map(|c| c.schema.clone()),
    )?;
    let name = setting(
        "DATASURFACE_MERGE_CREDENTIAL",
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
    match variable("DATASURFACE_PLATFORM") {
        Some(p) if p != platform => Err(format!(
            "--platform is `{platform}` but DATASURFACE_PLATFORM is `{p}`: the task runs one platform's job"
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
