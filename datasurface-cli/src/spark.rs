//! `datasurface job spark`: one batch of a `spark` platform's stream, or
//! one run of its transformer, without a scheduler. The model is loaded and
//! the platform rendered as every command does; the rendering is written to
//! a folder of the job's own, and `datasurface_spark::runner` submits its
//! driver program over the job's spec.

use std::io::Write;
use std::path::{Path, PathBuf};

use datasurface_platform::ArtifactKey;
use datasurface_spark::runner::{Job, Ran, Submitter};
use datasurface_spark::{SparkParameters, ingest_key, transform_key};

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::JobSparkArgs;
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
    submit(
        app,
        args,
        (&name, declaration),
        (&rendered.rendering, job, &key),
        out,
        err,
    )
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
    let ran = submitter.run(&scratch.0, job, Path::new(key.as_str()), &mut |line| {
        let _ = writeln!(out, "{}", datasurface_stdx::text::for_terminal(line));
        let _ = out.flush();
    });
    match ran {
        Ok(Ran::Committed) => Outcome::Success,
        Ok(_) => Outcome::BatchesFailed,
        Err(e) => {
            let _ = writeln!(err, "{error}: {e}");
            Outcome::CouldNotRun
        }
    }
}
