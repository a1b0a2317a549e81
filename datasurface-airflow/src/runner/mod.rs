//! `datasurface job`: the job runner the rendered DAGs call, on PostgreSQL.
//!
//! This is the platform's IO: it connects to the merge database (and to
//! sources), applies renderings ([`apply`]), ingests one batch of one stream
//! ([`ingest`]), runs transformers ([`transform`]) and prepares and records
//! the decisions of their hooks ([`question`], [`record`]). It reads no
//! environment itself: the caller (the CLI) passes the merge database's
//! address and a lookup for credentials, which the rendering names and the
//! worker's environment (or a Kubernetes secret through it) holds.
//!
//! A batch moves through `started → staged → merged → committed` in the
//! `batch_metrics` table, each step its own transaction, or ends `failed`
//! with its reason; a runner killed at any point and started again finishes
//! the batch it finds unfinished. One runner works on a stream at a time
//! (a PostgreSQL advisory lock); a second exits at once, saying so.

mod apply;
mod decide;
mod errors;
mod ingest;
mod sources;
mod transform;

use std::time::Duration;

use crate::names::qualified;

pub use apply::{ApplySummary, apply};
pub use decide::{Question, question, record, store_modules};
pub use ingest::{BatchOutcome, IngestOptions, ingest};
pub use transform::{TransformOutcome, transform};

/// Who a job logs in as: a credential's user and password.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    /// The user.
    pub user: String,
    /// The password, if the server asks for one.
    pub password: Option<String>,
}

impl std::fmt::Debug for Login {
    /// The password is never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// The environment variable that holds a part (`user`, `password`) of a
/// named credential: `DATASURFACE_CREDENTIAL_<NAME>_<PART>`.
pub use crate::dags::credential_variable;

/// Resolves a credential by name from variables (the worker's environment):
/// `DATASURFACE_CREDENTIAL_<NAME>_USER` and `…_PASSWORD`.
pub fn credential(
    name: &str,
    variable: &dyn Fn(&str) -> Option<String>,
) -> Result<Login, JobError> {
    let user_var = credential_variable(name, "user");
    let password_var = credential_variable(name, "password");
    let user = variable(&user_var).filter(|u| !u.is_empty()).ok_or_else(|| {
        JobError::Setup(format!(
            "credential `{name}` is not set: set {user_var} (and {password_var}) in the worker's environment, \
             or create the Kubernetes secret the rendering's airflow/secrets.md names"
        ))
    })?;
    Ok(Login {
        user,
        password: variable(&password_var),
    })
}

/// A PostgreSQL server and database, and who to log in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The host, or a Unix socket directory (a path starting with `/`).
    pub host: String,
    /// The port.
    pub port: u16,
    /// The database.
    pub database: String,
    /// Who.
    pub login: Login,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}/{} as `{}`",
            self.host, self.port, self.database, self.login.user
        )
    }
}

/// The platform's merge database: where it is and the schema of its tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeDatabase {
    /// The server and database.
    pub endpoint: Endpoint,
    /// The platform's schema.
    pub schema: String,
}

/// Why a job did not do its work.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// It could not start: settings, credentials, the merge database, a
    /// missing or different spec. Nothing was changed.
    #[error("{0}")]
    Setup(String),
    /// Another runner is working on the same stream or transformer.
    #[error(
        "another `datasurface job` is running `{name}` on this merge database; this one exits without a batch (the other's batch stands)"
    )]
    Busy {
        /// The stream or transformer.
        name: String,
    },
    /// The batch failed as a whole: the merge tables are as before, the
    /// failure is recorded with its reason, and the next run starts a new batch.
    #[error("batch {batch} of `{name}` failed: {message}")]
    BatchFailed {
        /// The stream or transformer.
        name: String,
        /// The batch.
        batch: i32,
        /// Why, naming the dataset, row and column where there is one.
        message: String,
    },
}

/// Session settings every job connection uses: values are written as text
/// the same way on every run (so row hashes are stable), and the server ends
/// the work of a runner that was killed within a second.
const SESSION: &str = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres \
                       -c extra_float_digits=3 -c client_connection_check_interval=1000";

/// Connects to a database, for `what` (in messages).
pub(crate) fn connect(
    endpoint: &Endpoint,
    what: &str,
    read_only: bool,
) -> Result<postgres::Client, String> {
    let mut config = postgres::Config::new();
    config
        .host(&endpoint.host)
        .port(endpoint.port)
        .dbname(&endpoint.database)
        .user(&endpoint.login.user)
        .application_name("datasurface job")
        .connect_timeout(Duration::from_secs(15));
    let options = if read_only {
        format!("{SESSION} -c default_transaction_read_only=on")
    } else {
        SESSION.to_owned()
    };
    config.options(&options);
    if let Some(p) = &endpoint.login.password {
        config.password(p);
    }
    config.connect(postgres::NoTls).map_err(|e| {
        format!(
            "cannot connect to {what} at {endpoint}: {}",
            errors::text(&e)
        )
    })
}

/// An open merge database: its connection and schema.
pub(crate) struct Merge {
    pub(crate) client: postgres::Client,
    pub(crate) schema: String,
}

impl Drop for Merge {
    /// Releases the session's locks before the connection closes: the server
    /// would release them when it notices, but a runner started right after
    /// this one must not find the stream still taken.
    fn drop(&mut self) {
        let _ = self.client.batch_execute("SELECT pg_advisory_unlock_all()");
    }
}

impl Merge {
    pub(crate) fn open(db: &MergeDatabase) -> Result<Self, JobError> {
        let client = connect(&db.endpoint, "the merge database", false).map_err(JobError::Setup)?;
        Ok(Merge {
            client,
            schema: db.schema.clone(),
        })
    }

    pub(crate) fn table(&self, name: &str) -> String {
        qualified(&self.schema, name)
    }

    /// Takes the advisory lock on `name` for this session, or says who holds it.
    pub(crate) fn lock(&mut self, what: &str, name: &str) -> Result<(), JobError> {
        let key = format!("datasurface {what} {} {name}", self.schema);
        let row = self
            .client
            .query_one(
                "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                &[&key],
            )
            .map_err(|e| JobError::Setup(format!("cannot lock `{name}`: {}", errors::text(&e))))?;
        if row.get::<_, bool>(0) {
            Ok(())
        } else {
            Err(JobError::Busy {
                name: name.to_owned(),
            })
        }
    }

    /// The spec `job apply` stored for a stream or transformer, checked
    /// against the hash its DAG was rendered with.
    pub(crate) fn spec<T: serde::de::DeserializeOwned>(
        &mut self,
        kind: &str,
        name: &str,
        expected: Option<&str>,
    ) -> Result<(T, String), JobError> {
        let table = self.table("job_spec");
        let exists: Option<String> = self
            .client
            .query_one("SELECT to_regclass($1)::text", &[&table])
            .map_err(|e| JobError::Setup(errors::text(&e)))?
            .get(0);
        let not_applied = |detail: &str| {
            JobError::Setup(format!(
                "{detail}: run `datasurface job apply <MODEL> --platform <PLATFORM>` with the model the DAGs were rendered from"
            ))
        };
        if exists.is_none() {
            return Err(not_applied(&format!(
                "the merge database has no datasurface tables in schema `{}`",
                self.schema
            )));
        }
        let row = self
            .client
            .query_opt(
                &format!(
                    "SELECT hash, spec::text, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS') FROM {table} WHERE kind = $1 AND name = $2"
                ),
                &[&kind, &name],
            )
            .map_err(|e| JobError::Setup(errors::text(&e)))?
            .ok_or_else(|| {
                not_applied(&format!(
                    "no {kind} job `{name}` is applied in schema `{}` of the merge database",
                    self.schema
                ))
            })?;
        let (hash, text, at): (String, String, String) = (row.get(0), row.get(1), row.get(2));
        if let Some(expected) = expected
            && expected != hash
        {
            return Err(JobError::Setup(format!(
                "the DAG was rendered with spec {expected} of {kind} job `{name}`, but the merge database has spec {hash} (applied {at} UTC): \
                 the DAGs and the database come from different models. Apply the model the DAGs were rendered from \
                 (`datasurface job apply`), or render and deploy the DAGs of the applied model"
            )));
        }
        let spec = serde_json::from_str(&text).map_err(|e| {
            JobError::Setup(format!(
                "the stored spec of {kind} job `{name}` cannot be read by this datasurface ({e}): apply the model again with this version"
            ))
        })?;
        Ok((spec, hash))
    }
}
