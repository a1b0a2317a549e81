//! `datasurface job spark`: one batch of a `spark` platform's stream, or
//! one run of its transformer, without a scheduler. The model is loaded and
//! the platform rendered as every command does; the rendering is written to
//! a folder of the job's own, and `datasurface_spark::runner` submits its
//! driver program over the job's spec.
//!
//! With `--decide` it runs nothing: it asks a hooked transformer's hook
//! about this run (the module read from the model's directory, the event
//! and context from the warehouse, see `datasurface_spark::decide`),
//! records the decision there, and exits 0 to run the transformer or 99
//! not to: the transformer DAG's decision task. With `--status` it prints
//! the platform's run state from the warehouse's records.

use std::io::Write;
use std::path::{Path, PathBuf};

use datasurface_hooks::{Limits, WasmHook};
use datasurface_platform::ArtifactKey;
use datasurface_runtime::hook::{HookError, HookJob, ask, verdict};
use datasurface_spark::decide::{self, Question};
use datasurface_spark::events;
use datasurface_spark::runner::{Job, Ran, Submitter};
use datasurface_spark::spec::{IngestSpec, TransformSpec};
use datasurface_spark::{SparkParameters, ingest_key, transform_key};

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{JobSparkArgs, JobStatusFormat};
use crate::model::load_valid;
use crate::platforms::{platform_of_kind, render_loaded};

/// A folder removed when the job ends, whatever its outcome.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Writes each artifact under `dir`, at its key.
fn write_artifacts(rendering: &datasurface_platform::Rendering, dir: &Path) -> std::io::Result<()> {
    for (key, artifact) in &rendering.artifacts {
        let path = dir.join(key.as_str());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        datasurface_runtime::write_new(&path, artifact.content.as_bytes())?;
    }
    Ok(())
}

/// `datasurface job spark`.
pub(crate) fn run(
    app: &App<'_>,
    args: &JobSparkArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let error = app.paint(Paint::Error, "error");
    let loaded = match load_valid(app, &args.model, "run it", out, err) {
        Ok(l) => l,
        Err(outcome) => return outcome,
    };
    let Some((name, declaration)) = platform_of_kind(
        app,
        &loaded.valid,
        args.platform.as_deref(),
        "spark",
        "`job spark` runs `spark` platforms' jobs",
        err,
    ) else {
        return Outcome::CouldNotRun;
    };
    let rendered = match render_loaded(app, &loaded, &name, err) {
        Ok(r) => r,
        Err(outcome) => return outcome,
    };
    if args.status {
        return status(app, &name, &rendered.rendering, args.format, out, err);
    }
    let (job, key, what) = match (&args.stream, &args.transformer) {
        (Some(stream), _) => {
            let (store, dataset) = match stream.split_once('#') {
                Some((s, d)) => (s, Some(d)),
                None => (stream.as_str(), None),
            };
            (Job::Ingest, ingest_key(store, dataset), "stream")
        }
        (None, Some(workspace)) => (Job::Transform, transform_key(workspace), "transformer"),
        (None, None) => {
            let _ = writeln!(err, "{error}: name a --stream or a --transformer");
            return Outcome::CouldNotRun;
        }
    };
    if !rendered.rendering.artifacts.contains_key(&key) {
        let prefix = match job {
            Job::Transform => "jobs/transformer/",
            _ => "jobs/ingest/",
        };
        let known: Vec<String> = rendered
            .rendering
            .artifacts
            .keys()
            .filter_map(|k| k.as_str().strip_prefix(prefix))
            .map(|k| format!("`{}`", k.trim_end_matches(".json").replace('/', "#")))
            .collect();
        let _ = writeln!(
            err,
            "{error}: platform `{name}` runs no {what} `{}`; it runs {}",
            args.stream
                .as_deref()
                .or(args.transformer.as_deref())
                .unwrap_or_default(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        );
        return Outcome::CouldNotRun;
    }
    if let Some(deployed) = &args.deployed_spec {
        let rendered_spec = rendered
            .rendering
            .artifacts
            .get(&key)
            .map(|a| a.content.as_str());
        if let Err(e) = same_spec(deployed, rendered_spec) {
            let _ = writeln!(
                err,
                "{error}: {e} for {what} `{}`: give this worker the model the DAGs were rendered from (`DATASURFACE_MODEL`), or deploy this model's rendering",
                args.stream
                    .as_deref()
                    .or(args.transformer.as_deref())
                    .unwrap_or_default(),
            );
            return Outcome::CouldNotRun;
        }
    }
    if args.decide {
        return decide(
            app,
            (args, &loaded),
            (&name, declaration),
            (&rendered.rendering, &key),
            out,
            err,
        );
    }
    submit(
        app,
        args,
        (&name, declaration),
        (&rendered.rendering, job, &key),
        out,
        err,
    )
}

/// `datasurface job spark --status`: the platform's run state, read from
/// its warehouse's records.
fn status(
    app: &App<'_>,
    platform: &str,
    rendering: &datasurface_platform::Rendering,
    format: JobStatusFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let error = app.paint(Paint::Error, "error");
    let totals = match datasurface_spark::totals::run_totals(platform, rendering) {
        Ok(totals) => totals,
        Err(e) => {
            let _ = writeln!(err, "{error}: platform `{platform}`: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let text = match format {
        JobStatusFormat::Prometheus => {
            crate::run_metrics::exposition(std::slice::from_ref(&totals)).map_err(|e| e.to_string())
        }
        JobStatusFormat::Json => Ok(format!("{:#}\n", serde_json::json!(totals))),
    };
    match text {
        Ok(text) => {
            let _ = out.write_all(text.as_bytes());
            Outcome::Success
        }
        Err(e) => {
            let _ = writeln!(err, "{error}: cannot write the run state: {e}");
            Outcome::CouldNotRun
        }
    }
}

/// Whether the spec deployed at `deployed` is the one the model renders
/// (`rendered`); why not.
fn same_spec(deployed: &Path, rendered: Option<&str>) -> Result<(), String> {
    match read_deployed(deployed) {
        Ok(text) if Some(text.as_str()) == rendered => Ok(()),
        Ok(_) => Err(format!(
            "the spec deployed at {} is not the one this model renders",
            deployed.display()
        )),
        Err(e) => Err(format!("cannot read {}: {e}", deployed.display())),
    }
}

/// Reads a file a deployment holds: a regular file (never a link), no
/// larger than a saved rendering's file may be.
fn read_deployed(path: &Path) -> Result<String, String> {
    match datasurface_runtime::confined::read_regular(
        path,
        datasurface_runtime::MAX_SAVED_FILE_BYTES,
    ) {
        Ok(Some(bytes)) => String::from_utf8(bytes).map_err(|e| e.to_string()),
        Ok(None) => Err("nothing is there".to_owned()),
        Err(e) => Err(e.to_string()),
    }
}

/// `datasurface job spark --transformer W --decide`: asks the transformer's
/// hook about this run, records its decision in the warehouse, and says
/// whether the transformer runs now (0) or not (99).
fn decide(
    app: &App<'_>,
    (args, loaded): (&JobSparkArgs, &crate::model::Loaded),
    platform: (&str, &datasurface_core::PlatformDeclaration),
    (rendering, key): (&datasurface_platform::Rendering, &ArtifactKey),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let error = app.paint(Paint::Error, "error");
    let workspace = args.transformer.as_deref().unwrap_or_default();
    let Some(artifact) = rendering.artifacts.get(key) else {
        return Outcome::CouldNotRun;
    };
    let spec: TransformSpec = match serde_json::from_str(&artifact.content) {
        Ok(spec) => spec,
        Err(e) => {
            let _ = writeln!(err, "{error}: transformer `{workspace}`'s spec: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let Some(hook) = &spec.hook else {
        let _ = writeln!(
            err,
            "{error}: workspace `{workspace}` has no hook: its transformer runs without asking; its DAG has no decision task"
        );
        return Outcome::CouldNotRun;
    };
    let kind = match crate::job::run_event(args.run_type.as_deref().unwrap_or("manual")) {
        Ok(kind) => kind,
        Err(e) => {
            let _ = writeln!(err, "{error}: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let now = chrono::Utc::now();
    let input = match decide::question(hook, kind, now) {
        Ok(Question::Ask(input)) => input,
        Ok(Question::Deferred(until)) => {
            let until = until.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let _ = writeln!(
                out,
                "transformer `{workspace}`: its hook deferred it until {until}: not run, not asked"
            );
            return Outcome::NotNow;
        }
        Ok(_) => {
            let _ = writeln!(
                out,
                "transformer `{workspace}`: its hook does not decide on {kind}: run"
            );
            return Outcome::Success;
        }
        Err(e) => {
            let _ = writeln!(err, "{error}: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let verdict = match module(loaded, &args.model, workspace, &hook.job) {
        Ok(wasm) => ask(&wasm, &input, hook.job.on_failure),
        Err(e) => verdict(Err(e), hook.job.on_failure),
    };
    let decision = match decide::record(hook, &input.event, &verdict) {
        Ok(n) => n,
        Err(e) => {
            let _ = writeln!(err, "{error}: the decision was not recorded: {e}");
            return Outcome::CouldNotRun;
        }
    };
    crate::job::say_decision(out, workspace, &verdict, decision, &input);
    if verdict.runs() {
        Outcome::Success
    } else {
        held(app, (args, platform), &spec, &verdict.reason, err);
        Outcome::NotNow
    }
}

/// Tells lineage, where `--lineage` says, that the transformer was due and
/// its hook held it (`ABORT`, the child of the input batch that made it
/// due); lineage never changes the decision.
fn held(
    app: &App<'_>,
    (args, (name, declaration)): (
        &JobSparkArgs,
        (&str, &datasurface_core::PlatformDeclaration),
    ),
    spec: &TransformSpec,
    why: &str,
    err: &mut dyn Write,
) {
    let events = crate::lineage::Lineage::for_args(&args.lineage);
    if !events.is_on() {
        return;
    }
    let sink = events.sink();
    let host = crate::lineage::host();
    let (config, _) = SparkParameters::read(name, declaration);
    let lineage = events::Lineage {
        sink: sink.as_ref(),
        host: &host,
        warehouse: &config.warehouse,
    };
    let at = chrono::Utc::now().format(events::TIME_FORMAT).to_string();
    match events::Run::transform(lineage, spec, &at) {
        Ok(Some(run)) => run.held(why),
        Ok(None) => {}
        Err(e) => {
            let warning = app.paint(Paint::Warning, "warning");
            let _ = writeln!(err, "{warning}: the hold was not sent to lineage: {e}");
        }
    }
    events.finish(app, err);
}

/// The hook's module, read from the model's directory (a regular file
/// inside it) and checked against the spec's SHA-256 and the hook contract.
fn module(
    loaded: &crate::model::Loaded,
    model: &Path,
    workspace: &str,
    job: &HookJob,
) -> Result<WasmHook, HookError> {
    let spec = loaded
        .valid
        .ecosystem()
        .workspaces()
        .find(|(_, name, _)| name.as_str() == workspace)
        .and_then(|(_, _, ws)| ws.hook.as_ref())
        .ok_or_else(|| HookError::Module(format!("workspace `{workspace}` has no hook")))?;
    let bytes =
        crate::hook_load::read_model_file(&crate::hook_load::model_root(model), &spec.module)
            .map_err(|e| HookError::Module(format!("`{}`: {e}", spec.module)))?;
    WasmHook::load(&bytes, Some(&job.sha256), Limits::from_model(&job.limits))
}

fn submit(
    app: &App<'_>,
    args: &JobSparkArgs,
    (name, declaration): (&str, &datasurface_core::PlatformDeclaration),
    (rendering, job, key): (&datasurface_platform::Rendering, Job, &ArtifactKey),
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let error = app.paint(Paint::Error, "error");
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.f");
    let scratch = Scratch(
        std::env::temp_dir().join(format!("datasurface-spark-{}-{stamp}", std::process::id())),
    );
    if let Err(e) = write_artifacts(rendering, &scratch.0) {
        let _ = writeln!(
            err,
            "{error}: cannot write platform `{name}`'s rendering to {}: {e}",
            scratch.0.display()
        );
        return Outcome::CouldNotRun;
    }
    let (config, _) = SparkParameters::read(name, declaration);
    let mut submitter = Submitter::new(&config);
    if let Some(spark_submit) = &args.spark_submit {
        submitter = submitter.with_spark_submit(spark_submit.clone());
    }
    let events = crate::lineage::Lineage::for_args(&args.lineage);
    let sink = events.sink();
    let host = crate::lineage::host();
    let lineage = events::Lineage {
        sink: sink.as_ref(),
        host: &host,
        warehouse: &config.warehouse,
    };
    let started = chrono::Utc::now().format(events::TIME_FORMAT).to_string();
    let content = rendering
        .artifacts
        .get(key)
        .map(|a| a.content.as_str())
        .unwrap_or_default();
    // The spec is read for its lineage only when events go somewhere.
    let specs = match (events.is_on(), job) {
        (false, _) => None,
        (true, Job::Transform) => serde_json::from_str(content).ok().map(Specs::Transform),
        (true, _) => serde_json::from_str(content).ok().map(Specs::Ingest),
    };
    let run = match &specs {
        None => Ok(None),
        Some(Specs::Ingest(spec)) => events::Run::ingest(lineage, spec, &started),
        Some(Specs::Transform(spec)) => events::Run::transform(lineage, spec, &started),
    };
    let run = run.unwrap_or_else(|e| {
        let warning = app.paint(Paint::Warning, "warning");
        let _ = writeln!(err, "{warning}: this run sends no OpenLineage events: {e}");
        None
    });
    if let Some(run) = &run {
        run.begin();
        submitter = submitter.with_started(started.as_str());
    }
    let mut said = None;
    let ran = submitter.run(&scratch.0, job, Path::new(key.as_str()), &mut |line| {
        let _ = writeln!(out, "{}", datasurface_stdx::text::for_terminal(line));
        let _ = out.flush();
        said = Some(line.to_owned());
    });
    if let Some(run) = &run {
        let at = chrono::Utc::now().format(events::TIME_FORMAT).to_string();
        run.end(&ran, &at, said.as_deref());
    }
    drop(run);
    events.finish(app, err);
    match ran {
        Ok(Ran::Committed) => Outcome::Success,
        Ok(_) => Outcome::BatchesFailed,
        Err(e) => {
            let _ = writeln!(err, "{error}: {e}");
            Outcome::CouldNotRun
        }
    }
}

/// A job's spec, read for its lineage.
enum Specs {
    Ingest(IngestSpec),
    Transform(TransformSpec),
}
