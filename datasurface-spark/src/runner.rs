//! The job runner: submits the driver program over a stream's job spec
//! with `spark-submit`, and reads a local warehouse's batch records.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::config::SparkConfig;

/// What the driver does with a spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Job {
    /// One batch of an ingestion stream (`jobs/ingest/…`).
    Ingest,
    /// One run of a transformer (`jobs/transformer/…`).
    Transform,
}

impl Job {
    fn verb(self) -> &'static str {
        match self {
            Job::Ingest => "ingest",
            Job::Transform => "transform",
        }
    }
}

/// How the driver's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Ran {
    /// The batch committed, or the transformer staged its output.
    Committed,
    /// The batch (or transformer) failed: nothing of it is visible, and
    /// its run record (or the driver's last line) says why.
    BatchFailed,
}

/// Why a job could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// `spark-submit` could not be started.
    #[error(
        "cannot start `{command}`: {source} (set the platform's `sparkSubmit`, or put spark-submit on the PATH)"
    )]
    Spawn {
        /// The command.
        command: String,
        /// Why.
        source: std::io::Error,
    },
    /// The application ended without a batch's outcome: the spec, a
    /// credential, the warehouse or Spark itself.
    #[error("the Spark application for `{spec}` could not run (exit status {status}): {tail}")]
    CouldNotRun {
        /// The job spec.
        spec: String,
        /// Its exit status.
        status: String,
        /// The last lines it wrote on standard error.
        tail: String,
    },
    /// A batch record could not be read.
    #[error("cannot read {path}: {message}")]
    Record {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

/// How applications are submitted: the platform's parameters.
#[derive(Debug, Clone)]
pub struct Submitter {
    spark_submit: String,
    master: String,
    jars: Vec<String>,
    conf: Vec<(String, String)>,
    env: Vec<(String, String)>,
    driver_memory_mib: Option<u32>,
    started: Option<String>,
}

impl Submitter {
    /// The submitter the platform's parameters describe.
    pub fn new(config: &SparkConfig) -> Self {
        Submitter {
            spark_submit: config.spark_submit.clone(),
            master: config.master.clone(),
            jars: config.jdbc_jars.clone(),
            conf: config
                .spark_conf
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            env: Vec::new(),
            driver_memory_mib: None,
            started: None,
        }
    }

    /// Gives the application `mib` MiB (`--driver-memory`): a
    /// transformer's limit, which [`run`](Self::run) reads from its spec.
    #[must_use]
    pub fn with_driver_memory(mut self, mib: u32) -> Self {
        self.driver_memory_mib = Some(mib);
        self
    }

    /// Sets an environment variable of the applications, such as a
    /// credential's (`DATASURFACE_CREDENTIAL_<NAME>_USER`, `_PASSWORD`),
    /// beside those they inherit.
    #[must_use]
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((name.into(), value.into()));
        self
    }

    /// Records `started` (UTC, [`crate::events::TIME_FORMAT`]) as the start of
    /// the batch an ingestion run makes (`--started`), rather than the
    /// driver's clock when it begins: the time its OpenLineage events name
    /// the run by (see [`crate::events`]).
    #[must_use]
    pub fn with_started(mut self, started: impl Into<String>) -> Self {
        self.started = Some(started.into());
        self
    }

    /// Submits with `spark_submit` instead of the parameter's (a test's own
    /// pyspark, an operator's wrapper).
    #[must_use]
    pub fn with_spark_submit(mut self, spark_submit: impl Into<String>) -> Self {
        self.spark_submit = spark_submit.into();
        self
    }

    /// The command that runs the driver's `job` (`ingest` or `transform`)
    /// over a spec: every value is its own argument, never a shell's text.
    pub fn command(&self, driver: &Path, job: Job, spec: &Path) -> Command {
        let mut command = Command::new(&self.spark_submit);
        command.args(crate::config::submit_options(
            &self.master,
            &self.jars,
            self.conf.iter().map(|(k, v)| (k, v)),
            self.driver_memory_mib,
        ));
        command.arg(driver).arg(job.verb()).arg(spec);
        if let (Job::Ingest, Some(started)) = (job, &self.started) {
            command.arg("--started").arg(started);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Runs `job` over the spec `spec` (a key of the rendering whose
    /// artifacts are in the folder `rendered`), passing each line the
    /// driver prints to `say`: one batch of a stream, or one run of a
    /// transformer.
    pub fn run(
        &self,
        rendered: &Path,
        job: Job,
        spec: &Path,
        say: &mut dyn FnMut(&str),
    ) -> Result<Ran, RunError> {
        let driver = rendered.join(crate::DRIVER);
        let spec_path = rendered.join(spec);
        let submitter = match job {
            // A transformer's application gets the memory its limits allow.
            Job::Transform => {
                let text = std::fs::read_to_string(&spec_path).map_err(|e| RunError::Record {
                    path: spec_path.display().to_string(),
                    message: e.to_string(),
                })?;
                let read: crate::spec::TransformSpec =
                    serde_json::from_str(&text).map_err(|e| RunError::Record {
                        path: spec_path.display().to_string(),
                        message: e.to_string(),
                    })?;
                self.clone().with_driver_memory(read.memory_mib)
            }
            Job::Ingest => self.clone(),
        };
        let mut child = submitter
            .command(&driver, job, &spec_path)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| RunError::Spawn {
                command: self.spark_submit.clone(),
                source,
            })?;
        let errors = child.stderr.take().map(|stderr| {
            std::thread::spawn(move || {
                let mut tail: Vec<String> = Vec::new();
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    tail.push(line);
                    if tail.len() > 20 {
                        tail.remove(0);
                    }
                }
                tail
            })
        });
        if let Some(stdout) = child.stdout.take() {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                say(&line);
            }
        }
        let status = child.wait().map_err(|source| RunError::Spawn {
            command: self.spark_submit.clone(),
            source,
        })?;
        let tail = errors
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
            .join("\n");
        match status.code() {
            Some(0) => Ok(Ran::Committed),
            Some(3) => Ok(Ran::BatchFailed),
            code => Err(RunError::CouldNotRun {
                spec: spec.display().to_string(),
                status: code
                    .map_or_else(|| "none: killed by a signal".to_owned(), |c| c.to_string()),
                tail,
            }),
        }
    }
}

/// A committed batch, as `meta/committed/<batch>.json` records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Committed {
    /// The batch.
    pub batch: u64,
    /// When its run started (UTC, RFC 3339).
    pub started: String,
    /// When it committed.
    pub committed: String,
    /// Rows by dataset.
    pub datasets: std::collections::BTreeMap<String, Counts>,
}

/// What a batch did to one dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Counts {
    /// Keys that were new.
    pub inserted: u64,
    /// Keys whose row changed.
    pub updated: u64,
    /// Keys that went.
    pub deleted: u64,
    /// Live rows after the batch.
    pub live: u64,
}

/// The committed batches of a stream in a local warehouse, in order:
/// `root` is the stream's directory (its spec's `root`).
pub fn committed(root: &Path) -> Result<Vec<Committed>, RunError> {
    committed_after(root, 0)
}

/// The committed batches of a stream numbered after `after`, in order:
/// only their records are read.
pub fn committed_after(root: &Path, after: u64) -> Result<Vec<Committed>, RunError> {
    records_after(&root.join("meta").join("committed"), after)
}

/// A stream's last committed batch: one record read, whatever its history.
pub fn last_committed(root: &Path) -> Result<Option<Committed>, RunError> {
    let dir = root.join("meta").join("committed");
    let Some((_, path)) = batch_files(&dir)?.pop() else {
        return Ok(None);
    };
    read_record(&path).map(Some)
}

/// A folder's records named by their batch (`<batch>.json`), in order of
/// batch; any other file is not one (a record being written, a summary).
fn batch_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, RunError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(bad(dir, &e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| bad(dir, &e))?.path();
        let batch = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u64>().ok());
        if let Some(batch) = batch {
            found.push((batch, path));
        }
    }
    found.sort_by_key(|(batch, _)| *batch);
    Ok(found)
}

/// The records of a folder of the warehouse's `meta` named by a batch
/// after `after`, in order of batch; none when the folder is not there.
pub(crate) fn records_after<T: serde::de::DeserializeOwned>(
    dir: &Path,
    after: u64,
) -> Result<Vec<T>, RunError> {
    batch_files(dir)?
        .into_iter()
        .filter(|(batch, _)| *batch > after)
        .map(|(_, path)| read_record(&path))
        .collect()
}

/// One JSON record.
pub(crate) fn read_record<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, RunError> {
    let text = std::fs::read_to_string(path).map_err(|e| bad(path, &e))?;
    serde_json::from_str(&text).map_err(|e| bad(path, &e))
}

/// A record that could not be read or written, and why.
pub(crate) fn bad(path: &Path, message: &dyn std::fmt::Display) -> RunError {
    RunError::Record {
        path: path.display().to_string(),
        message: message.to_string(),
    }
}

/// A stream directory of a spec as a local path: the runner reads and
/// writes the warehouse's records as local files (`what` needs them).
pub(crate) fn local(root: &str, what: &str) -> Result<PathBuf, RunError> {
    crate::config::local_path(root)
        .map(PathBuf::from)
        .ok_or_else(|| RunError::Record {
            path: root.to_owned(),
            message: format!(
                "{what} the warehouse, which the job runner reads as local files: give the platform a local `warehouse` (or a `file:` URL)"
            ),
        })
}

/// A record's RFC 3339 time.
pub(crate) fn time(path: &Path, text: &str) -> Result<chrono::DateTime<chrono::Utc>, RunError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| bad(path, &format!("it gives the time `{text}` ({e})")))
}
