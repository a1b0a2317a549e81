//! The engine: applies plans to SQLite files and runs jobs. It is the only
//! part of the platform that does IO.
//!
//! A state directory holds the platform's merge database (`merge.sqlite`),
//! one database per workspace container (`containers/<name>.sqlite`), and the
//! rendering last applied (`rendering/`). Every plan step and every batch
//! commits atomically; a batch's merge and its exports commit together.

mod apply;
mod batch;
mod capture;
mod deliver;
mod hooks;
mod lineage;
mod metrics;
mod pool;
mod reconcile;
mod run;
mod source;
mod status;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datasurface_platform::Rendering;
use datasurface_runtime::lineage::{LineageSink, NoLineage};

pub use apply::ApplySummary;
pub use batch::Counts;
pub use capture::{
    BatchesSince, CaptureBatch, CaptureFrom, CaptureRead, Change, ChangeOp, ChangeReader, SlotMends,
};
pub use datasurface_runtime::DatasetState;
pub use hooks::{HookDecision, Hooks};
pub use run::{RunEvent, RunSummary, Schedules, StreamOutcome, StreamStatus, Waiting};
pub use status::{Attention, BatchRecord, NextRun, StreamState};

/// Why the engine could not do something. Every variant names what and where.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// A SQLite call failed.
    #[error("{context}: {source}")]
    Sqlite {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
    /// A file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The state directory or a rendering in it is not what the engine expects.
    #[error("{0}")]
    State(String),
}

pub(crate) use datasurface_runtime::{BatchFailure, batch_failure as failure};

pub(crate) fn sql(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> EngineError {
    let context = context.into();
    move |source| EngineError::Sqlite { context, source }
}

pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> EngineError {
    let context = context.into();
    move |source| EngineError::Io { context, source }
}

/// Reads what a primary ingestion platform of another kind merged, for the
/// streams this platform mirrors from it (the `airflow` platform's merge
/// tables, read by the command line, which knows both platforms).
pub trait PrimaryReader: Send + Sync {
    /// The live rows of each dataset of `job` as platform `platform`
    /// merged them, each row's values in the dataset's column order, as
    /// text (`None` for null) that is conformed to each column as a CSV
    /// source's is; `None` when this reader does not read `platform`.
    ///
    /// # Errors
    ///
    /// When the primary cannot be read: the batch fails with the reason.
    #[allow(clippy::type_complexity, reason = "datasets of rows of values")]
    fn live_rows(
        &self,
        platform: &str,
        job: &crate::spec::IngestSpec,
    ) -> Option<Result<Vec<Vec<Vec<Option<String>>>>, BatchFailure>>;
}

/// Where the engine reads the time: the system clock, or a test's.
type Clock = Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>;

/// The engine of one platform's state directory.
#[derive(Clone)]
pub struct Engine {
    state: PathBuf,
    sources: BTreeMap<String, PathBuf>,
    primaries: BTreeMap<String, PathBuf>,
    primary_reader: Option<Arc<dyn PrimaryReader>>,
    change_reader: Option<Arc<dyn ChangeReader>>,
    clock: Clock,
    hooks: Arc<Hooks>,
    pool: pool::Pool,
    lineage: Lineage,
}

/// Where the engine sends its OpenLineage events, and the host its
/// databases' namespaces name.
#[derive(Clone)]
struct Lineage {
    sink: Arc<dyn LineageSink>,
    host: String,
}

impl Default for Lineage {
    fn default() -> Self {
        Lineage {
            sink: Arc::new(NoLineage),
            host: "localhost".to_owned(),
        }
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("state", &self.state)
            .field("sources", &self.sources)
            .field("hooks", &self.hooks)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over a state directory (made if missing). `sources` maps
    /// source container names to the local SQLite files or CSV folders that
    /// hold their data.
    pub fn open(state: &Path, sources: BTreeMap<String, PathBuf>) -> Result<Self, EngineError> {
        std::fs::create_dir_all(state.join("containers")).map_err(io(format!(
            "cannot create the state directory {}",
            state.display()
        )))?;
        Ok(Engine {
            state: state.to_path_buf(),
            sources,
            primaries: BTreeMap::new(),
            primary_reader: None,
            change_reader: None,
            clock: Arc::new(chrono::Utc::now),
            hooks: Arc::new(Hooks::new()),
            pool: pool::Pool::default(),
            lineage: Lineage::default(),
        })
    }

    /// The engine with the merge databases of the primary ingestion
    /// platforms it mirrors, by platform name (the platform's `primaries`
    /// parameter): a mirrored stream reads the primary's live rows there,
    /// read-only, and never its source.
    #[must_use]
    pub fn with_primaries(mut self, primaries: BTreeMap<String, PathBuf>) -> Self {
        self.primaries = primaries;
        self
    }

    /// The engine with a reader of primaries of other kinds (see
    /// [`PrimaryReader`]), for mirrored streams whose primary has no merge
    /// database file.
    #[must_use]
    pub fn with_primary_reader(mut self, reader: Arc<dyn PrimaryReader>) -> Self {
        self.primary_reader = Some(reader);
        self
    }

    /// The engine with a reader of PostgreSQL change data capture (see
    /// [`ChangeReader`]), for streams whose source is
    /// [`SourceSpec::PostgresCdc`](crate::spec::SourceSpec::PostgresCdc):
    /// without one their batches fail, saying so.
    #[must_use]
    pub fn with_change_reader(mut self, reader: Arc<dyn ChangeReader>) -> Self {
        self.change_reader = Some(reader);
        self
    }

    /// The engine sending an OpenLineage event as each batch starts and
    /// ends, and as a hook holds a transformer back, to `sink`; its
    /// databases' namespaces name `host` (`sqlite://<host>`).
    #[must_use]
    pub fn with_lineage(mut self, sink: Arc<dyn LineageSink>, host: &str) -> Self {
        self.lineage = Lineage {
            sink,
            host: host.to_owned(),
        };
        self
    }

    /// The engine with another clock, for batch times, schedules and
    /// retention (tests use it to let time pass).
    #[must_use]
    pub fn with_clock(
        mut self,
        clock: impl Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync + 'static,
    ) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The time now, as batches record it.
    pub(crate) fn now(&self) -> String {
        (self.clock)().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// The time `days` ago, as batches record it.
    pub(crate) fn days_ago(&self, days: u64) -> String {
        let then = (self.clock)()
            - chrono::Duration::days(i64::try_from(days).unwrap_or(i64::MAX / 86_400_000));
        then.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// The time `minutes` ago, as a freshness rule's oldest allowed time.
    pub(crate) fn minutes_ago(&self, minutes: u32) -> String {
        let then = (self.clock)() - chrono::Duration::minutes(i64::from(minutes));
        then.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    }

    /// The state directory.
    pub fn state(&self) -> &Path {
        &self.state
    }

    /// The merge database's file.
    pub fn merge_path(&self) -> PathBuf {
        self.state.join("merge.sqlite")
    }

    /// A workspace container's database file.
    pub fn container_path(&self, container: &str) -> PathBuf {
        self.state
            .join("containers")
            .join(crate::collisions::container_file(container))
    }

    fn rendering_dir(&self) -> PathBuf {
        self.state.join("rendering")
    }

    /// The rendering last applied; empty before the first apply.
    pub fn applied(&self) -> Result<Rendering, EngineError> {
        apply::load_rendering(&self.rendering_dir())
    }

    /// The merge database, read and written; kept open between batches
    /// within a [`pool::Session`].
    pub(crate) fn open_merge(&self) -> Result<pool::Pooled, EngineError> {
        self.pool
            .get(&self.merge_path(), pool::Access::Write, open_db)
    }

    /// A workspace container's database, read and written; kept open
    /// between steps within a [`pool::Session`].
    pub(crate) fn open_container(&self, container: &str) -> Result<pool::Pooled, EngineError> {
        self.pool.get(
            &self.container_path(container),
            pool::Access::Write,
            open_db,
        )
    }

    /// A database the engine wrote and now only reads (a container to
    /// check), kept open between batches within a [`pool::Session`].
    pub(crate) fn open_reading(&self, path: &Path) -> rusqlite::Result<pool::Pooled> {
        self.pool.get(path, pool::Access::Read, open_read_only)
    }

    /// A source database, only ever read, kept open between batches within
    /// a [`pool::Session`].
    pub(crate) fn open_source(&self, path: &Path) -> rusqlite::Result<pool::Pooled> {
        self.pool.get(path, pool::Access::Source, |path| {
            rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        })
    }

    /// Keeps the connections the engine opens until the session drops: a
    /// run's batches share them.
    pub(crate) fn session(&self) -> pool::Session {
        self.pool.session()
    }
}

/// Opens a database the engine writes, for reading only. A run killed in
/// the middle of a write leaves a hot journal beside the file, which only
/// a connection that may write can roll back (a read-only one fails with
/// "attempt to write a readonly database" until something writes): so when
/// there is one, a writable connection reads the schema first, which rolls
/// the interrupted transaction back, and the next run goes on by itself.
pub(crate) fn open_read_only(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    if Path::new(&journal).exists() {
        let conn = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))?;
    }
    rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// Opens a database with the settings every connection uses: rollback journal
/// (so a transaction over attached databases commits atomically), full sync,
/// a 256 MiB page cache, temporary tables in memory, and a wait for locks.
pub(crate) fn open_db(path: &Path) -> Result<rusqlite::Connection, EngineError> {
    let conn =
        rusqlite::Connection::open(path).map_err(sql(format!("cannot open {}", path.display())))?;
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
    )
    .map_err(sql(format!("cannot configure {}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(sql(format!("cannot configure {}", path.display())))?;
    Ok(conn)
}
