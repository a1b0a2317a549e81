//! `datasurface job`: the job runner the rendered DAGs call, on PostgreSQL.
//!
//! This is the platform's IO, behind one type, [`Runner`]: it connects to
//! the merge database (and to sources), applies renderings
//! ([`Runner::apply`]), ingests one batch of one stream
//! ([`Runner::ingest`]), runs transformers ([`Runner::transform`]) and
//! prepares and records the decisions of their hooks
//! ([`Runner::question`], [`Runner::record`]). It reads no
//! environment itself: the caller (the CLI) passes the merge database's
//! address and a lookup for credentials, which the rendering names and the
//! worker's environment (or a Kubernetes secret through it) holds.
//!
//! A batch moves through `started → staged → merged → committed` in the
//! `batch_metrics` table, each step its own transaction, or ends `failed`
//! with its reason; a runner killed at any point and started again finishes
//! the batch it finds unfinished. One runner works on a stream at a time
//! (a row lock in the runners' own table, held on a connection of its own,
//! which no transformer's role can read or lock); a second exits at once,
//! saying so.

mod apply;
pub mod capture;
mod cdc;
mod decide;
mod errors;
mod exact;
mod handle;
mod ingest;
mod lineage;
mod mirror;
mod sources;
mod totals;
mod transform;

use std::fmt;
use std::time::Duration;

use crate::names::qualified;

pub use apply::ApplySummary;
pub use cdc::CHANGE_ROW;
pub use decide::Question;
pub use handle::Runner;
pub use ingest::{BatchOutcome, IngestOptions};
pub use lineage::Lineage;
pub use mirror::{MirroredDataset, live_rows};
pub use transform::TransformOutcome;

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
    let user = variable(&user_var)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| JobError::CredentialMissing {
            name: name.to_owned(),
            user_variable: user_var.clone(),
            password_variable: password_var.clone(),
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

/// Why a job did not do its work. Only [`JobError::BatchFailed`] means a
/// batch was started: every other kind left the merge tables as they were.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// What the runner was given is wrong: its settings, arguments or
    /// environment.
    #[error("{message}")]
    Settings {
        /// What is wrong, and how to fix it.
        message: String,
    },
    /// A credential the job needs is not in the worker's environment.
    #[error(
        "credential `{name}` is not set: set {user_variable} (and {password_variable}) in the worker's environment, \
         or create the Kubernetes secret the rendering's airflow/secrets.md names"
    )]
    CredentialMissing {
        /// The credential's name in the model.
        name: String,
        /// The variable that holds its user.
        user_variable: String,
        /// The variable that holds its password.
        password_variable: String,
    },
    /// The merge credential can do more than the platform needs, so the
    /// runner refuses it.
    #[error(
        "the merge credential logs in as `{user}`, which has {}: the runner refuses a merge credential \
         that can do more than the platform needs. Give it only {MERGE_LEAST_RIGHTS} (docs/airflow.md)",
        rights.join(", ")
    )]
    MergeCredentialTooMighty {
        /// The role it logs in as.
        user: String,
        /// What it has that it must not.
        rights: Vec<String>,
    },
    /// The merge database could not be reached, refused the job, or holds
    /// what this build cannot read.
    #[error("{context}: {message}")]
    Database {
        /// What the job was doing, naming the stream or transformer.
        context: String,
        /// What PostgreSQL (or the connection) said.
        message: String,
    },
    /// The job the DAG names is not applied to the merge database as the
    /// DAG was rendered: the DAGs and the database come from different models.
    #[error("{message}")]
    NotApplied {
        /// What differs, and how to bring them together.
        message: String,
    },
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

impl JobError {
    /// A job's settings, arguments or environment are wrong.
    pub fn settings(message: impl Into<String>) -> Self {
        JobError::Settings {
            message: message.into(),
        }
    }

    /// PostgreSQL failed or refused what the job was doing (`context`).
    pub(crate) fn database(context: impl Into<String>, e: &postgres::Error) -> Self {
        JobError::Database {
            context: context.into(),
            message: errors::text(e),
        }
    }

    /// The merge database could not be reached, or said something this
    /// build cannot read.
    pub(crate) fn merge(message: impl fmt::Display) -> Self {
        JobError::Database {
            context: "the merge database".to_owned(),
            message: message.to_string(),
        }
    }

    /// The job the DAG names is not applied as it was rendered.
    pub(crate) fn not_applied(message: impl Into<String>) -> Self {
        JobError::NotApplied {
            message: message.into(),
        }
    }
}

pub(crate) use datasurface_runtime::{BatchFailure, batch_failure as failure};

/// How PostgreSQL writes a time for the runner to read (sessions are UTC):
/// RFC 3339, to the microsecond.
pub(crate) const TIME: &str = r#"'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'"#;

/// Session settings every job connection uses: values are written as text
/// the same way on every run (so row hashes are stable), and the server ends
/// the work of a runner that was killed within a second.
const SESSION: &str = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres \
                       -c extra_float_digits=3 -c client_connection_check_interval=1000";

/// How a connection protects the credential it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    /// A Unix socket on this machine: nothing crosses a network.
    Local,
    /// TLS, and a login bound to it: SCRAM-SHA-256-PLUS with channel
    /// binding required, so a clear-text or MD5 password request is refused
    /// before anything is sent, and a server that relays the login to
    /// another fails it. What the runner does for every source a team names.
    Bound,
    /// TLS when the server offers it, channel binding when it can: for the
    /// platform's own merge database, and for source hosts the ecosystem's
    /// owners list in `plaintextSources`, accepting the risk.
    Opportunistic,
}

impl Transport {
    /// The transport to a source at `host`: bound unless it is a socket or
    /// the ecosystem lets it go without TLS.
    pub(crate) fn to_source(host: &str, plaintext: bool) -> Transport {
        if host.starts_with('/') {
            Transport::Local
        } else if plaintext {
            Transport::Opportunistic
        } else {
            Transport::Bound
        }
    }
}

/// The TLS the runner speaks. The server's certificate is not checked
/// against an authority: what protects the credential is the channel
/// binding of SCRAM-SHA-256-PLUS, which fails unless the server that
/// proves it knows the password's verifier is the end of this very TLS
/// channel (docs/security.md).
///
/// Made once per process: OpenSSL reads the system's certificate bundle
/// each time a connector is built (about 40 ms), and a job connects two or
/// three times.
fn tls() -> Result<postgres_native_tls::MakeTlsConnector, BatchFailure> {
    tls_connector().map(postgres_native_tls::MakeTlsConnector::new)
}

/// The runner's TLS connector ([`tls`]), for a connection it speaks
/// itself (a source's replication stream).
pub(crate) fn tls_connector() -> Result<native_tls::TlsConnector, BatchFailure> {
    static CONNECTOR: std::sync::OnceLock<Result<native_tls::TlsConnector, String>> =
        std::sync::OnceLock::new();
    CONNECTOR
        .get_or_init(|| {
            native_tls::TlsConnector::builder()
                .danger_accept_invalid_certs(true)
                .danger_accept_invalid_hostnames(true)
                .build()
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| failure!("cannot set up TLS: {e}"))
}

/// Connects to a database, for `what` (in messages).
pub(crate) fn connect(
    endpoint: &Endpoint,
    what: &str,
    read_only: bool,
) -> Result<postgres::Client, BatchFailure> {
    connect_with(
        endpoint,
        what,
        if read_only {
            "-c default_transaction_read_only=on"
        } else {
            ""
        },
        Transport::Opportunistic,
    )
}

/// Connects to a database with more session settings (`-c name=value …`)
/// over `transport`.
pub(crate) fn connect_with(
    endpoint: &Endpoint,
    what: &str,
    settings: &str,
    transport: Transport,
) -> Result<postgres::Client, BatchFailure> {
    let mut config = postgres::Config::new();
    config
        .host(&endpoint.host)
        .port(endpoint.port)
        .dbname(&endpoint.database)
        .user(&endpoint.login.user)
        .application_name("datasurface job")
        .connect_timeout(Duration::from_secs(15));
    config.options(&format!("{SESSION} {settings}"));
    if let Some(p) = &endpoint.login.password {
        config.password(p);
    }
    let connected = match transport {
        Transport::Local => config.connect(postgres::NoTls),
        Transport::Bound => {
            config
                .ssl_mode(postgres::config::SslMode::Require)
                .channel_binding(postgres::config::ChannelBinding::Require);
            config.connect(tls()?)
        }
        Transport::Opportunistic => {
            config.ssl_mode(postgres::config::SslMode::Prefer);
            config.connect(tls()?)
        }
    };
    connected.map_err(|e| {
        let mut message = format!(
            "cannot connect to {what} at {endpoint}: {}",
            errors::text(&e)
        );
        if transport == Transport::Bound {
            let text = e.to_string();
            if text.contains("TLS") || text.contains("tls") {
                message.push_str(
                    "; the runner sends a credential to a source only over TLS: turn on `ssl` on the server \
                     (with `scram-sha-256` in pg_hba.conf), or list the host in the platform's \
                     `plaintextSources` parameter if the ecosystem's owners accept the risk (docs/security.md)",
                );
            } else if text.contains("channel binding") || text.contains("SASL") {
                message.push_str(
                    "; the server asked for a clear-text or MD5 password, or for SCRAM without channel \
                     binding: the runner sends nothing to a source but a SCRAM-SHA-256-PLUS login bound to \
                     its TLS channel. Set the server's pg_hba.conf to `scram-sha-256` over `hostssl` (docs/security.md)",
                );
            }
        }
        BatchFailure::from(message)
    })
}

/// Refuses a merge credential that can do more than the platform needs: a
/// superuser, or a role that bypasses row security or reads and writes the
/// server's files. Transformers run under roles this credential makes, and
/// a credential that mighty would make every team's mistake everyone's.
fn too_mighty(client: &mut postgres::Client, user: &str) -> Result<(), JobError> {
    let row = client
        .query_one(
            "SELECT r.rolsuper, r.rolbypassrls, \
                    ARRAY(SELECT m.rolname::text FROM pg_roles m \
                          WHERE m.rolname IN ('pg_read_server_files', 'pg_write_server_files', \
                                              'pg_execute_server_program', 'pg_signal_backend') \
                            AND pg_has_role(r.oid, m.oid, 'USAGE') ORDER BY 1) \
             FROM pg_roles r WHERE r.rolname = current_user",
            &[],
        )
        .map_err(|e| JobError::database("cannot read the merge credential's rights", &e))?;
    let (superuser, bypass, members): (bool, bool, Vec<String>) =
        (row.get(0), row.get(1), row.get(2));
    let mut too_much = Vec::new();
    if superuser {
        too_much.push("SUPERUSER".to_owned());
    }
    if bypass {
        too_much.push("BYPASSRLS".to_owned());
    }
    too_much.extend(members.into_iter().map(|m| format!("membership of {m}")));
    if too_much.is_empty() {
        return Ok(());
    }
    Err(JobError::MergeCredentialTooMighty {
        user: user.to_owned(),
        rights: too_much,
    })
}

/// An open merge database: its connection and schema, and, once a job has
/// taken its stream, the connection that holds the lock.
pub(crate) struct Merge {
    pub(crate) client: postgres::Client,
    pub(crate) schema: String,
    pub(crate) endpoint: Endpoint,
    held: Option<postgres::Client>,
}

/// The rights a merge credential must not have, and what it needs instead
/// (docs/airflow.md lists the same).
pub(crate) const MERGE_LEAST_RIGHTS: &str = "a login role that owns the merge database      (or has CREATE on it), with CREATEROLE for the transformers' roles, and no SUPERUSER,      BYPASSRLS or membership of pg_read_server_files, pg_write_server_files,      pg_execute_server_program or pg_signal_backend";

impl Merge {
    pub(crate) fn open(db: &MergeDatabase) -> Result<Self, JobError> {
        let mut client =
            connect(&db.endpoint, "the merge database", false).map_err(JobError::merge)?;
        too_mighty(&mut client, &db.endpoint.login.user)?;
        Ok(Merge {
            client,
            schema: db.schema.clone(),
            endpoint: db.endpoint.clone(),
            held: None,
        })
    }

    pub(crate) fn table(&self, name: &str) -> String {
        qualified(&self.schema, name)
    }

    /// Takes the lock on `name` for this job, or says another runner holds
    /// it: a row of the runners' own table (`runner_lock` in the platform's
    /// schema, made here when missing), locked in a transaction held open
    /// on a connection of its own until the job ends (or dies, when the
    /// server ends the transaction). No transformer's role has any right on
    /// the table, so no team's query can take a stream's lock from its
    /// runner, as it could an advisory lock, whose keys any session may take.
    pub(crate) fn lock(&mut self, what: &str, name: &str) -> Result<(), JobError> {
        let table = self.table("runner_lock");
        let key = format!("{what} {name}");
        let failed = |e: &postgres::Error| JobError::database(format!("cannot lock `{name}`"), e);
        let mut held =
            connect(&self.endpoint, "the merge database", false).map_err(JobError::merge)?;
        let insert = format!("INSERT INTO {table} (name) VALUES ($1) ON CONFLICT DO NOTHING");
        if let Err(e) = held.execute(&insert, &[&key]) {
            use postgres::error::SqlState;
            if ![SqlState::UNDEFINED_TABLE, SqlState::INVALID_SCHEMA_NAME]
                .contains(e.code().unwrap_or(&SqlState::SUCCESSFUL_COMPLETION))
            {
                return Err(failed(&e));
            }
            // The first job makes the table; another making it at the
            // same moment fails once on the catalogue's unique index.
            let make = format!(
                "CREATE SCHEMA IF NOT EXISTS {schema}; \
                 CREATE TABLE IF NOT EXISTS {table} (name text PRIMARY KEY); \
                 REVOKE ALL ON {table} FROM PUBLIC",
                schema = crate::names::quoted(&self.schema)
            );
            if held.batch_execute(&make).is_err() {
                held.batch_execute(&make).map_err(|e| failed(&e))?;
            }
            held.execute(&insert, &[&key]).map_err(|e| failed(&e))?;
        }
        held.batch_execute("SET idle_in_transaction_session_timeout = 0; BEGIN")
            .map_err(|e| failed(&e))?;
        match held.query_one(
            &format!("SELECT name FROM {table} WHERE name = $1 FOR UPDATE NOWAIT"),
            &[&key],
        ) {
            Ok(_) => {
                self.held = Some(held);
                Ok(())
            }
            Err(e) if e.code() == Some(&postgres::error::SqlState::LOCK_NOT_AVAILABLE) => {
                Err(JobError::Busy {
                    name: name.to_owned(),
                })
            }
            Err(e) => Err(failed(&e)),
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
            .map_err(|e| JobError::database("the merge database", &e))?
            .get(0);
        let not_applied = |detail: &str| {
            JobError::not_applied(format!(
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
            .map_err(|e| JobError::database("the merge database", &e))?
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
            return Err(JobError::not_applied(format!(
                "the DAG was rendered with spec {expected} of {kind} job `{name}`, but the merge database has spec {hash} (applied {at} UTC): \
                 the DAGs and the database come from different models. Apply the model the DAGs were rendered from \
                 (`datasurface job apply`), or render and deploy the DAGs of the applied model"
            )));
        }
        let spec = serde_json::from_str(&text).map_err(|e| {
            JobError::not_applied(format!(
                "the stored spec of {kind} job `{name}` cannot be read by this datasurface ({e}): apply the model again with this version"
            ))
        })?;
        Ok((spec, hash))
    }
}
