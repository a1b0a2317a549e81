//! `datasurface job`: the `airflow` platform's job runner, as the rendered
//! DAGs call it. This is where its settings come from the environment; the
//! work is `datasurface_airflow::runner`'s.

use std::io::Write;

use datasurface_airflow::dags::env;
use datasurface_airflow::runner::{
    self, Endpoint, IngestOptions, JobError, Login, MergeDatabase, Question, Runner, credential,
};
use datasurface_airflow::{Airflow, AirflowConfig};
use datasurface_core::HookEventKind;
use datasurface_hooks::{Limits, WasmHook};
use datasurface_platform::DataPlatform;
use datasurface_runtime::hook::{HookError, HookInput, Verdict, ask, verdict};

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{
    JobApplyArgs, JobArgs, JobCommand, JobDecideArgs, JobIngestArgs, JobResyncArgs, JobStatusArgs,
    JobStatusFormat, JobTransformArgs, TransformerJobArgs,
};
use crate::model::load_valid;
use crate::platforms::{platform_of_kind, render_loaded};

fn variable(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The merge database from the environment the DAGs set, each setting
/// falling back to `defaults` (the model's platform parameters) when given.
pub(crate) fn merge_database(defaults: Option<&AirflowConfig>) -> Result<MergeDatabase, JobError> {
    let setting = |name: &str, default: Option<String>| {
        variable(name).or(default).ok_or_else(|| {
            JobError::settings(format!(
                "{name} is not set: the rendered DAGs set it; outside Airflow, set it to the platform's merge database setting"
            ))
        })
    };
    let host = setting(env::MERGE_HOST, defaults.map(|c| c.merge_host.clone()))?;
    let port = setting(env::MERGE_PORT, defaults.map(|c| c.merge_port.to_string()))?;
    let port: u16 = port.parse().map_err(|_| {
        JobError::settings(format!(
            "{} is `{port}`, which is not a port number",
            env::MERGE_PORT
        ))
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
    let login = credential(&name, &variable)?;
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

/// A source credential's login, from the environment variables the
/// rendering names for it.
pub(crate) fn login(name: &str) -> Result<Login, JobError> {
    credential(name, &variable)
}

/// Checks that `--platform` names the platform the environment was rendered for.
fn same_platform(platform: &str) -> Result<(), JobError> {
    match variable(env::PLATFORM) {
        Some(p) if p != platform => Err(JobError::settings(format!(
            "--platform is `{platform}` but {} is `{p}`: the task runs one platform's job",
            env::PLATFORM
        ))),
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
        JobCommand::Decide(a) => {
            return match decide(app, a, out, err) {
                Ok(true) => Outcome::Success,
                Ok(false) => Outcome::NotNow,
                Err(e) => {
                    let _ = writeln!(err, "{}: {e}", app.paint(Paint::Error, "error"));
                    Outcome::CouldNotRun
                }
            };
        }
        JobCommand::Status(a) => status(a, out),
        #[cfg(all(feature = "spark", feature = "airflow"))]
        JobCommand::Spark(a) => return crate::spark::run(app, a, out, err),
        JobCommand::Ingest(a) => ingest(app, a, out, err),
        JobCommand::Resync(a) => resync(app, a, out, err),
        JobCommand::Transform(a) => transform(app, a, out, err),
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

/// `datasurface job status`: the merge database's run state.
fn status(args: &JobStatusArgs, out: &mut dyn Write) -> Result<(), JobError> {
    same_platform(&args.platform)?;
    let db = merge_database(None)?;
    let totals = Runner::new(db).with_logins(login).run_totals()?;
    let text = match args.format {
        JobStatusFormat::Prometheus => {
            crate::run_metrics::exposition(std::slice::from_ref(&totals))
                .map_err(|e| JobError::settings(format!("cannot write the metrics: {e}")))?
        }
        JobStatusFormat::Json => format!("{:#}\n", serde_json::json!(totals)),
    };
    out.write_all(text.as_bytes())
        .map_err(|e| JobError::settings(format!("cannot write the metrics: {e}")))
}

/// Runs `job` on the merge database's runner (with the source credentials
/// from the environment when `sources`), its OpenLineage events sent as
/// `lineage` says, once `platform` is checked against the environment's.
fn with_events<T>(
    app: &App<'_>,
    (platform, lineage): (&str, &crate::args::LineageArgs),
    sources: bool,
    err: &mut dyn Write,
    job: impl FnOnce(&Runner<'_>) -> Result<T, JobError>,
) -> Result<(), JobError> {
    same_platform(platform)?;
    let db = merge_database(None)?;
    let events = crate::lineage::Lineage::for_args(lineage);
    let sink = events.sink();
    let host = crate::lineage::host();
    let mut runner = Runner::new(db);
    if sources {
        runner = runner.with_logins(login);
    }
    let ran = job(&runner.with_lineage(runner::Lineage {
        sink: sink.as_ref(),
        host: &host,
    }));
    events.finish(app, err);
    ran.map(|_| ())
}

fn ingest(
    app: &App<'_>,
    args: &JobIngestArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), JobError> {
    let options = IngestOptions {
        spec: args.spec.clone(),
        keep_history: match (args.keep_history, args.live_only) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
        from_platform: args.from_platform.clone(),
    };
    with_events(app, (&args.platform, &args.lineage), true, err, |r| {
        r.ingest(&args.stream, &options, &mut printer(out))
    })
}

fn resync(
    app: &App<'_>,
    args: &JobResyncArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), JobError> {
    with_events(app, (&args.platform, &args.lineage), true, err, |r| {
        r.resync(&args.stream, &mut printer(out))
    })
}

fn transform(
    app: &App<'_>,
    args: &JobTransformArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), JobError> {
    let args = &args.job;
    with_events(app, (&args.platform, &args.lineage), false, err, |r| {
        r.transform(&args.workspace, args.spec.as_deref(), &mut printer(out))
    })
}

/// The event a DAG run is, from Airflow's kind of run (`scheduled`,
/// `asset_triggered`, `manual`, `backfill`; `DagRunType.MANUAL` as some
/// versions print it).
pub(crate) fn run_event(run_type: &str) -> Result<HookEventKind, JobError> {
    let lower = run_type.trim().to_ascii_lowercase();
    let kind = lower.strip_prefix("dagruntype.").unwrap_or(&lower);
    match kind {
        "scheduled" => Ok(HookEventKind::ScheduleTick),
        "asset_triggered" | "dataset_triggered" => Ok(HookEventKind::BatchCommitted),
        "manual" | "backfill" => Ok(HookEventKind::ManualRun),
        _ => Err(JobError::settings(format!(
            "--run-type is `{run_type}`, which is not a kind of Airflow DAG run: use scheduled, asset_triggered, manual or backfill (the rendered DAG passes {{{{ dag_run.run_type }}}})"
        ))),
    }
}

/// `datasurface job decide`: asks a hooked transformer's hook, records the
/// verdict, and says whether the transformer runs now.
fn decide(
    app: &App<'_>,
    args: &JobDecideArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<bool, JobError> {
    let kind = run_event(&args.run_type)?;
    let args = &args.job;
    same_platform(&args.platform)?;
    let db = merge_database(None)?;
    let workspace = &args.workspace;
    let now = chrono::Utc::now();
    let jobs = Runner::new(db);
    let question = jobs.question(workspace, args.spec.as_deref(), kind, now)?;
    let (job, module, input) = match question {
        Question::NotWanted(kind) => {
            let _ = writeln!(
                out,
                "transformer `{workspace}`: its hook does not decide on {kind}: run"
            );
            return Ok(true);
        }
        Question::Deferred(until) => {
            let until = until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let _ = writeln!(
                out,
                "transformer `{workspace}`: its hook deferred it until {until}: not run, not asked",
            );
            held(
                app,
                (jobs.merge_database(), args),
                &format!("its hook deferred it until {until}"),
                err,
            );
            return Ok(false);
        }
        Question::Ask { job, module, input } => (job, module, input),
        _ => return Ok(true),
    };
    let loaded = if module.is_empty() {
        Err(HookError::Module(format!(
            "the merge database holds no module with SHA-256 {} (`{}`): `datasurface job apply` stores it from the model's directory; run it with the model the DAGs were rendered from",
            job.sha256, job.module
        )))
    } else {
        WasmHook::load(&module, Some(&job.sha256), Limits::from_model(&job.limits))
    };
    let verdict = match &loaded {
        Ok(hook) => ask(hook, &input, job.on_failure),
        Err(e) => verdict(Err(e.clone()), job.on_failure),
    };
    let decision = jobs.record(workspace, &input.event, &verdict)?;
    say_decision(out, workspace, &verdict, decision, &input);
    if !verdict.runs() {
        held(app, (jobs.merge_database(), args), &verdict.reason, err);
    }
    Ok(verdict.runs())
}

/// Says what a transformer's hook decided, under which number, and what
/// it was asked: the decision task's log, the same on every platform.
pub(crate) fn say_decision(
    out: &mut dyn Write,
    workspace: &str,
    verdict: &Verdict,
    decision: impl std::fmt::Display,
    input: &HookInput,
) {
    let until = verdict.until.map_or_else(String::new, |u| {
        format!(
            " until {}",
            u.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        )
    });
    let fuel = verdict
        .fuel
        .map_or_else(String::new, |f| format!(" ({f} fuel)"));
    let _ = writeln!(
        out,
        "transformer `{workspace}`: hook on {}: {}{until}: {} [decision {decision}, {}]{fuel}",
        input.event.kind,
        verdict.action,
        datasurface_stdx::text::for_terminal(&verdict.reason),
        verdict.by_name()
    );
    let _ = writeln!(out, "asked: {}", input.to_json());
}

/// Sends the `ABORT` of a transformer its hook held, where `--lineage`
/// says; lineage never changes the decision.
fn held(
    app: &App<'_>,
    (db, args): (&runner::MergeDatabase, &TransformerJobArgs),
    why: &str,
    err: &mut dyn Write,
) {
    let lineage = crate::lineage::Lineage::for_args(&args.lineage);
    let sink = lineage.sink();
    let host = crate::lineage::host();
    let sent = Runner::new(db.clone())
        .with_lineage(runner::Lineage {
            sink: sink.as_ref(),
            host: &host,
        })
        .held(&args.workspace, args.spec.as_deref(), why);
    if let Err(e) = sent {
        let _ = writeln!(
            err,
            "{}: the hold was not sent to lineage: {e}",
            app.paint(Paint::Warning, "warning")
        );
    }
    lineage.finish(app, err);
}

fn apply(app: &App<'_>, args: &JobApplyArgs, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let error = app.paint(Paint::Error, "error");
    let loaded = match load_valid(app, &args.model, "apply it", out, err) {
        Ok(l) => l,
        Err(outcome) => return outcome,
    };
    let Some((name, declaration)) = platform_of_kind(
        app,
        &loaded.valid,
        args.platform.as_deref(),
        "airflow",
        "`job apply` applies `airflow` platforms (a `sqlite` platform is applied by `datasurface apply`)",
        err,
    ) else {
        return Outcome::CouldNotRun;
    };
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
    // Change data capture streams' slots are made with their sources' credentials.
    let jobs = Runner::new(db).with_logins(login);
    let applied = jobs.apply(&rendered.rendering, &mut printer(&mut *out));
    let applied = applied.and_then(|summary| {
        let (modules, warnings) = crate::hook_load::applied_modules(
            &args.model,
            loaded.valid.ecosystem(),
            &rendered.rendering,
        );
        for warning in warnings {
            let _ = writeln!(err, "{}: {warning}", app.paint(Paint::Warning, "warning"));
        }
        let stored = jobs.store_modules(&modules)?;
        if stored > 0 {
            let _ = writeln!(out, "stored {stored} hook modules");
        }
        Ok(summary)
    });
    match applied {
        Ok(summary) => {
            let _ = writeln!(
                out,
                "applied platform `{name}` to {}/{} (schema `{}`): {summary}",
                jobs.merge_database().endpoint.host,
                jobs.merge_database().endpoint.database,
                jobs.merge_database().schema
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
        let sources =
            datasurface_gate::read_model(&datasurface_gate::ModelDir::new(&root)).unwrap();
        let loaded = datasurface_files::load(&sources).unwrap();
        let valid = datasurface_rules::validate::validate(loaded.ecosystem).unwrap();
        let graphs = datasurface_graph::build(&valid);
        let name = valid.platforms.get_key_value(platform).unwrap().0;
        render_with(&Airflow::new(), &valid, &graphs, name)
            .unwrap()
            .rendering
    }

    /// The command line of each DAG's task, from the DAG specs: the
    /// Kubernetes pod's `cmds` + `arguments`, or the local task's
    /// `bash_command`.
    fn commands(rendering: &Rendering) -> Vec<Vec<String>> {
        use datasurface_airflow::dags::{DagSpec, Operator};
        let mut found = Vec::new();
        for (key, artifact) in &rendering.artifacts {
            let k = key.as_str();
            if !(k.starts_with("dags/ingest/") || k.starts_with("dags/transformer/")) {
                continue;
            }
            let spec: DagSpec = serde_json::from_str(&artifact.content).unwrap();
            for task in spec.tasks {
                match task.operator {
                    Operator::Pod {
                        cmds, arguments, ..
                    } => {
                        assert_eq!(cmds, ["datasurface"], "{key}");
                        found.push(
                            cmds.into_iter()
                                .chain(arguments)
                                .map(|a| a.replace("{{ dag_run.run_type }}", "RUN_TYPE"))
                                .collect(),
                        );
                    }
                    Operator::Bash { bash_command, .. } => {
                        let command = bash_command.replace("{{ dag_run.run_type }}", "RUN_TYPE");
                        // No argument of these models needs shell quoting.
                        assert!(!command.contains('\''), "{command}");
                        found.push(command.split(' ').map(str::to_owned).collect());
                    }
                }
            }
        }
        found
    }

    #[test]
    fn every_rendered_task_is_a_job_command_line() {
        for (model, platform, dags) in [
            // Each hooked transformer's DAG has a decision task before its own.
            ("examples/models/northwind", "Azure Platform", 4),
            ("examples/airflow/model", "Airflow", 4),
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
                        a.job.platform,
                        (
                            format!("jobs/transformer/{}.json", a.job.workspace),
                            a.job.spec,
                        ),
                    ),
                    JobCommand::Decide(a) => {
                        // The run's type, templated by Airflow.
                        assert_eq!(a.run_type, "RUN_TYPE", "{args:?}");
                        (
                            a.job.platform,
                            (
                                format!("jobs/transformer/{}.json", a.job.workspace),
                                a.job.spec,
                            ),
                        )
                    }
                    JobCommand::Apply(_) | JobCommand::Status(_) | JobCommand::Resync(_) => {
                        panic!("DAGs neither apply, resync nor report: {args:?}")
                    }
                    #[cfg(feature = "spark")]
                    JobCommand::Spark(_) => panic!("an `airflow` DAG runs no spark job: {args:?}"),
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
