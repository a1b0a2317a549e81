//! [`Runner`]: the job runner of one merge database, as the `sqlite`
//! platform's `Engine` is of its state directory.

use chrono::{DateTime, Utc};
use datasurface_core::HookEventKind;
use datasurface_platform::Rendering;
use datasurface_runtime::hook::{HookEvent, Verdict};
use datasurface_runtime::{DatasetState, RunTotals};

use super::{
    ApplySummary, BatchOutcome, IngestOptions, JobError, Lineage, Login, MergeDatabase, Question,
    TransformOutcome, credential,
};

/// How a runner finds a credential's login by name.
type Logins<'a> = Box<dyn Fn(&str) -> Result<Login, JobError> + Send + Sync + 'a>;

/// The runner of an `airflow` platform's jobs on its merge database: what
/// the rendered DAGs' tasks call through `datasurface job`.
///
/// It holds where the merge database is, how to find a source's credential,
/// and where OpenLineage events go; each method opens its own connections
/// and takes the stream's or transformer's lock, so runners in several
/// processes share one merge database safely.
///
/// ```no_run
/// use datasurface_airflow::runner::{Endpoint, IngestOptions, Login, MergeDatabase, Runner};
///
/// let db = MergeDatabase {
///     endpoint: Endpoint {
///         host: "localhost".into(),
///         port: 5432,
///         database: "datasurface".into(),
///         login: Login { user: "merge_rw".into(), password: Some("…".into()) },
///     },
///     schema: "central".into(),
/// };
/// let runner = Runner::new(db).with_credentials(|name| std::env::var(name).ok());
/// let batch = runner.ingest("NW_Data", &IngestOptions::default(), &mut |step| println!("{step}"))?;
/// println!("{batch}");
/// # Ok::<(), datasurface_airflow::runner::JobError>(())
/// ```
pub struct Runner<'a> {
    db: MergeDatabase,
    logins: Logins<'a>,
    lineage: Lineage<'a>,
}

impl std::fmt::Debug for Runner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("db", &self.db)
            .field("lineage", &self.lineage)
            .finish_non_exhaustive()
    }
}

impl<'a> Runner<'a> {
    /// A runner on `db` that knows no source credential and sends no
    /// lineage events.
    pub fn new(db: MergeDatabase) -> Self {
        Runner {
            db,
            logins: Box::new(|name| credential(name, &|_| None)),
            lineage: Lineage::off(),
        }
    }

    /// Finds a source's credential in `variables` (the worker's
    /// environment): `DATASURFACE_CREDENTIAL_<NAME>_USER` and `…_PASSWORD`.
    #[must_use]
    pub fn with_credentials(
        self,
        variables: impl Fn(&str) -> Option<String> + Send + Sync + 'a,
    ) -> Self {
        self.with_logins(move |name| credential(name, &variables))
    }

    /// Finds a source's credential with `logins`.
    #[must_use]
    pub fn with_logins(
        mut self,
        logins: impl Fn(&str) -> Result<Login, JobError> + Send + Sync + 'a,
    ) -> Self {
        self.logins = Box::new(logins);
        self
    }

    /// Sends each job's OpenLineage events to `lineage`.
    #[must_use]
    pub fn with_lineage(mut self, lineage: Lineage<'a>) -> Self {
        self.lineage = lineage;
        self
    }

    /// The merge database it works on.
    pub fn merge_database(&self) -> &MergeDatabase {
        &self.db
    }

    /// Puts a rendering onto the merge database: its tables, views, roles
    /// and job specs, only what changed; then makes the publications and
    /// replication slots of its change data capture streams on their
    /// sources (and drops the slots of streams it no longer has); `log`
    /// hears each step.
    pub fn apply(
        &self,
        rendering: &Rendering,
        log: &mut dyn FnMut(&str),
    ) -> Result<ApplySummary, JobError> {
        super::apply::apply(&self.db, rendering, &self.logins, log)
    }

    /// Runs one batch of `stream` (or finishes the one left unfinished).
    pub fn ingest(
        &self,
        stream: &str,
        options: &IngestOptions,
        log: &mut dyn FnMut(&str),
    ) -> Result<BatchOutcome, JobError> {
        super::ingest::ingest(&self.db, stream, options, &self.logins, log, self.lineage)
    }

    /// Restarts change data capture stream `stream` from a fresh snapshot:
    /// for a slot that is gone, lost changes, or holds more of its source's
    /// log than the platform allows (`run_totals` says which). Remakes the
    /// slot where the source's log is now, then runs a batch that loads a
    /// snapshot and merges it as a snapshot capture does (a row deleted
    /// meanwhile is closed); later batches read changes from there.
    pub fn resync(
        &self,
        stream: &str,
        log: &mut dyn FnMut(&str),
    ) -> Result<BatchOutcome, JobError> {
        super::ingest::resync(&self.db, stream, &self.logins, log, self.lineage)
    }

    /// Runs transformer `workspace` once, in a role of its own.
    pub fn transform(
        &self,
        workspace: &str,
        spec_hash: Option<&str>,
        log: &mut dyn FnMut(&str),
    ) -> Result<TransformOutcome, JobError> {
        super::transform::transform(&self.db, workspace, spec_hash, log, self.lineage)
    }

    /// What transformer `workspace`'s hook is asked at `now`, for an event of `kind`.
    pub fn question(
        &self,
        workspace: &str,
        spec_hash: Option<&str>,
        kind: HookEventKind,
        now: DateTime<Utc>,
    ) -> Result<Question, JobError> {
        super::decide::question(&self.db, workspace, spec_hash, kind, now)
    }

    /// Records what the hook of transformer `workspace` decided; the
    /// decision's number.
    pub fn record(
        &self,
        workspace: &str,
        event: &HookEvent,
        verdict: &Verdict,
    ) -> Result<i32, JobError> {
        super::decide::record(&self.db, workspace, event, verdict)
    }

    /// Tells lineage that transformer `workspace` was due and its hook held
    /// it, for `why`.
    pub fn held(
        &self,
        workspace: &str,
        spec_hash: Option<&str>,
        why: &str,
    ) -> Result<(), JobError> {
        super::lineage::held(&self.db, workspace, spec_hash, why, self.lineage)
    }

    /// Stores hook modules by their SHA-256, for decision tasks to load;
    /// how many were new.
    pub fn store_modules(&self, modules: &[(String, Vec<u8>)]) -> Result<usize, JobError> {
        super::decide::store_modules(&self.db, modules)
    }

    /// What the platform's batches add up to, stream by stream, with each
    /// change data capture stream's replication slot (read on its source
    /// with the credential the runner finds for it).
    pub fn run_totals(&self) -> Result<RunTotals, JobError> {
        super::totals::run_totals(&self.db, &self.logins)
    }

    /// The state of one dataset of `store`: its last batch and rows.
    pub fn dataset_state(
        &self,
        store: &str,
        dataset: &str,
    ) -> Result<Option<DatasetState>, JobError> {
        super::totals::dataset_state(&self.db, store, dataset)
    }
}
