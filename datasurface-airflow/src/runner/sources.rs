//! Reading a stream's sources into its staging tables: PostgreSQL tables
//! (`COPY … TO STDOUT` streamed into `COPY … FROM STDIN`), SQLite files and
//! CSV folders (rows written in `COPY` text), and transformer outputs (one
//! `INSERT … SELECT` in the merge database). Rows stream through a small
//! buffer: a table is never held in memory.

use super::{BatchFailure, JobError, failure};
use std::io::{BufRead, Write};
use std::path::Path;

use datasurface_runtime::state;
use postgres::Transaction;
use rusqlite::types::ValueRef;

use super::errors::{self, FileLines};
use super::exact::{self, Kind};
use super::{Endpoint, Login, Transport, connect_with};
use crate::copy_text::{push_bytes, push_field, push_null};
use crate::escape::sql::literal as sql_str;
use crate::names::quoted;
use crate::spec::{DatasetSpec, SourceSpec};
use crate::statements::Statements;

/// What staging one dataset read.
pub(crate) struct Staged {
    /// Rows staged.
    pub(crate) rows: u64,
    /// For an incremental source, the watermark the next batch reads after.
    pub(crate) watermark: Option<String>,
}

/// An open source.
pub(crate) enum Source {
    /// A PostgreSQL database, in one read-only repeatable-read transaction,
    /// so a multi-dataset stream sees its tables at one moment.
    Postgres {
        client: Box<postgres::Client>,
        watermark: Option<String>,
        /// A primary's merge tables: only their live rows.
        live_only: bool,
    },
    /// A SQLite file, read only: a source's tables, or (`primary`) the
    /// live rows of a `sqlite` primary ingestion platform's merge tables,
    /// in one read transaction.
    Sqlite {
        conn: rusqlite::Connection,
        path: String,
        primary: bool,
    },
    /// A folder of CSV files.
    Csv(std::path::PathBuf),
    /// The transformer output tables in the merge database.
    Transformer,
}

/// Opens a stream's source; `login` resolves a credential by name.
pub(crate) fn open(
    spec: &SourceSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<Source, BatchFailure> {
    match spec {
        SourceSpec::Postgres {
            container,
            watermark,
            ..
        } => {
            let (mut client, _) = connect_source(spec, login)?;
            client
                .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .map_err(|e| format!("source container `{container}`: {}", errors::text(&e)))?;
            Ok(Source::Postgres {
                client: Box::new(client),
                watermark: watermark.clone(),
                live_only: false,
            })
        }
        SourceSpec::AirflowPrimary {
            platform,
            host,
            port,
            database,
            credential,
            ..
        } => open_airflow_primary(
            platform,
            &Endpoint {
                host: host.clone(),
                port: *port,
                database: database.clone(),
                login: login(credential).map_err(BatchFailure::from_error)?,
            },
        ),
        SourceSpec::Sqlite { container, path } => {
            let conn = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(|e| format!("cannot open source container `{container}` ({path}): {e}"))?;
            Ok(Source::Sqlite {
                conn,
                path: path.clone(),
                primary: false,
            })
        }
        SourceSpec::SqlitePrimary { platform, path } => open_sqlite_primary(platform, path),
        SourceSpec::Csv { folder, container } => {
            let dir = Path::new(folder);
            if dir.is_dir() {
                Ok(Source::Csv(dir.to_owned()))
            } else {
                Err(failure!(
                    "source container `{container}`: the folder {folder} does not exist on this worker"
                ))
            }
        }
        SourceSpec::Transformer { .. } => Ok(Source::Transformer),
        SourceSpec::Unsupported { reason } => Err(BatchFailure::from(reason.as_str())),
    }
}

/// Connects to a PostgreSQL source as its capture's credential, over the
/// transport a source gets ([`Transport::to_source`]), in sessions that
/// are read only unless a transaction says otherwise; the credential's name.
pub(crate) fn connect_source<'s>(
    spec: &'s SourceSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<(postgres::Client, &'s str), BatchFailure> {
    let (endpoint, transport, what) = source_endpoint(spec, login)?;
    let client = connect_with(
        &endpoint,
        &what,
        "-c default_transaction_read_only=on",
        transport,
    )?;
    let name = match spec {
        SourceSpec::Postgres {
            credential: Some(name),
            ..
        } => name.as_str(),
        _ => "",
    };
    Ok((client, name))
}

/// Where a PostgreSQL source is, who logs in to it (its capture's
/// credential) and over what; what it is, for messages.
pub(crate) fn source_endpoint(
    spec: &SourceSpec,
    login: &dyn Fn(&str) -> Result<Login, JobError>,
) -> Result<(Endpoint, Transport, String), BatchFailure> {
    let SourceSpec::Postgres {
        container,
        host,
        port,
        database,
        credential,
        plaintext,
        ..
    } = spec
    else {
        return Err(BatchFailure::from("the stream reads no PostgreSQL source"));
    };
    let Some(name) = credential else {
        return Err(failure!(
            "source container `{container}` needs a credential: add one to the capture"
        ));
    };
    let endpoint = Endpoint {
        host: host.clone(),
        port: *port,
        database: database.clone(),
        login: login(name).map_err(BatchFailure::from_error)?,
    };
    Ok((
        endpoint,
        Transport::to_source(host, *plaintext),
        format!("source container `{container}`"),
    ))
}

/// Connects to an `airflow` primary's merge database (`what`, in messages)
/// and begins one read-only repeatable-read transaction, so that every
/// dataset read from it comes from the same batches. The platforms' own
/// databases: TLS when the server offers it, as for this platform's merge
/// database.
pub(crate) fn primary_snapshot(
    endpoint: &Endpoint,
    what: &str,
) -> Result<postgres::Client, BatchFailure> {
    let mut client = connect_with(
        endpoint,
        what,
        "-c default_transaction_read_only=on",
        Transport::Opportunistic,
    )?;
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .map_err(|e| format!("{what}: {}", errors::text(&e)))?;
    Ok(client)
}

/// Opens an `airflow` primary's merge database, read only, in one
/// repeatable-read transaction, with this platform's merge credential.
fn open_airflow_primary(platform: &str, endpoint: &Endpoint) -> Result<Source, BatchFailure> {
    let client = primary_snapshot(endpoint, &format!("platform `{platform}`'s merge database"))?;
    Ok(Source::Postgres {
        client: Box::new(client),
        watermark: None,
        live_only: true,
    })
}

/// Opens a `sqlite` primary's merge database file, read only, in one read
/// transaction.
fn open_sqlite_primary(platform: &str, path: &str) -> Result<Source, BatchFailure> {
    if !Path::new(path).is_file() {
        return Err(failure!(
            "platform `{platform}` has not ingested this stream yet: its merge database {path} does not exist on this worker; run it first"
        ));
    }
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .and_then(|conn| {
        // Every dataset of the stream from the same primary batch.
        conn.execute_batch("BEGIN; SELECT count(*) FROM sqlite_master;")?;
        Ok(conn)
    })
    .map_err(|e| format!("cannot read platform `{platform}`'s merge database {path}: {e}"))?;
    Ok(Source::Sqlite {
        conn,
        path: path.to_owned(),
        primary: true,
    })
}

impl Source {
    /// Stages dataset `d` as batch `batch`, reading after `since` when the source is incremental.
    pub(crate) fn stage(
        &mut self,
        tx: &mut Transaction<'_>,
        d: &DatasetSpec,
        batch: i32,
        since: Option<&str>,
    ) -> Result<Staged, BatchFailure> {
        match self {
            Source::Postgres {
                client,
                watermark,
                live_only,
            } => postgres_table(
                client,
                tx,
                d,
                batch,
                watermark.as_deref(),
                since,
                *live_only,
            ),
            Source::Sqlite {
                conn,
                path,
                primary,
            } => sqlite_table(conn, path, tx, d, batch, *primary),
            Source::Csv(folder) => csv_file(folder, tx, d, batch),
            Source::Transformer => {
                let rows = tx
                    .execute(&Statements::postgres().stage_from_table(d), &[&batch])
                    .map_err(|e| errors::staging_failure(&d.dataset, &e, None))?;
                Ok(Staged {
                    rows,
                    watermark: None,
                })
            }
        }
    }

    /// Ends the source's read (its transaction, for PostgreSQL).
    pub(crate) fn close(self) {
        match self {
            Source::Postgres { mut client, .. } => {
                let _ = client.batch_execute("COMMIT");
            }
            Source::Sqlite {
                conn,
                primary: true,
                ..
            } => {
                let _ = conn.execute_batch("COMMIT");
            }
            _ => {}
        }
    }
}

/// The kind of value a PostgreSQL type holds, for finding schema drift: a
/// source column must hold the kind the model says (its size is checked
/// row by row as values land).
pub(crate) fn type_family(pg_type: &str) -> &'static str {
    let t = pg_type.trim().to_ascii_lowercase();
    if t.ends_with("[]") {
        return "array";
    }
    let starts = |p: &[&str]| p.iter().any(|p| t.starts_with(p));
    if starts(&[
        "smallint",
        "integer",
        "bigint",
        "numeric",
        "decimal",
        "real",
        "double precision",
        "int",
        "float",
        "serial",
        "bigserial",
        "smallserial",
    ]) {
        "number"
    } else if starts(&[
        "character",
        "varchar",
        "char",
        "text",
        "bpchar",
        "name",
        "citext",
        "uuid",
    ]) {
        "text"
    } else if starts(&["bool"]) {
        "boolean"
    } else if t == "date" {
        "date"
    } else if starts(&["timestamp"]) {
        "timestamp"
    } else if starts(&["time"]) {
        "time"
    } else if starts(&["interval"]) {
        "interval"
    } else if starts(&["json"]) {
        "json"
    } else if starts(&["bytea"]) {
        "bytes"
    } else {
        "other"
    }
}

/// Streams `COPY` text lines into staging, each prefixed with the batch id.
struct CopyWriter<'t> {
    writer: postgres::CopyInWriter<'t>,
    buf: Vec<u8>,
    prefix: Vec<u8>,
    rows: u64,
    /// The dataset, for messages.
    dataset: String,
    /// Each column's name and kind, in order, for the exactness checks.
    columns: Vec<(String, Kind)>,
    /// The file the rows come from, if they come from one.
    file: Option<FileLines>,
}

const FLUSH_AT: usize = 1 << 16;

impl<'t> CopyWriter<'t> {
    fn new(tx: &'t mut Transaction<'_>, d: &DatasetSpec, batch: i32) -> Result<Self, BatchFailure> {
        let writer = tx
            .copy_in(&Statements::postgres().copy_into_staging(d))
            .map_err(|e| errors::staging_failure(&d.dataset, &e, None))?;
        Ok(CopyWriter {
            writer,
            buf: Vec::with_capacity(FLUSH_AT * 2),
            prefix: format!("{batch}").into_bytes(),
            rows: 0,
            dataset: d.dataset.clone(),
            columns: d
                .columns
                .iter()
                .map(|c| (c.name.clone(), Kind::of(&c.pg_type)))
                .collect(),
            file: None,
        })
    }

    /// Rows come from `path`, as the user names it: messages name its lines.
    fn reads_file(&mut self, path: String) {
        self.file = Some(FileLines {
            path,
            lines: Vec::new(),
        });
    }

    /// The row about to be written starts on `line` of the file.
    fn at_line(&mut self, line: u64) {
        if let Some(f) = &mut self.file {
            f.lines.push(line);
        }
    }

    /// Why the value of column `at` in the row being written cannot land:
    /// the dataset, the row (from 1), the column and what is wrong.
    fn refuse(&self, at: usize, why: impl std::fmt::Display) -> BatchFailure {
        let column = self.columns.get(at).map_or("?", |(name, _)| name.as_str());
        match self.file.as_ref().and_then(|f| f.row(self.rows + 1)) {
            Some(place) => failure!(
                "{place}: dataset `{}`, column `{column}`: {why}",
                self.dataset
            ),
            None => failure!(
                "dataset `{}`, row {}, column `{column}`: {why}",
                self.dataset,
                self.rows + 1
            ),
        }
    }

    /// Writes column `at`'s value from its text, if it lands exactly.
    fn value(&mut self, at: usize, text: &str) -> Result<(), BatchFailure> {
        let kind = self.columns.get(at).map_or(Kind::Other, |(_, k)| *k);
        if kind == Kind::Bytes {
            return Err(self.refuse(
                at,
                "the source holds text, but the column holds bytes (`Binary`); datasurface does not turn text into bytes",
            ));
        }
        exact::check(kind, text).map_err(|e| self.refuse(at, e))?;
        self.text(text);
        Ok(())
    }

    /// Writes column `at`'s value from bytes, if the column holds bytes.
    fn blob(&mut self, at: usize, bytes: &[u8]) -> Result<(), BatchFailure> {
        match self.columns.get(at).map(|(_, k)| *k) {
            Some(Kind::Bytes) => {
                self.bytes(bytes);
                Ok(())
            }
            _ => Err(self.refuse(
                at,
                format!(
                    "the source holds {} bytes (a BLOB), but the column does not hold bytes; datasurface does not turn bytes into text",
                    bytes.len()
                ),
            )),
        }
    }

    /// Checks the fields of a line in `COPY` text whose columns need a look
    /// (`at`, by position), before the line is written whole.
    fn check_line(&self, line: &[u8], at: &[usize]) -> Result<(), BatchFailure> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        for (i, field) in line.split(|&b| b == b'\t').enumerate() {
            if !at.contains(&i) || field == b"\\N" {
                continue;
            }
            let kind = self.columns.get(i).map_or(Kind::Other, |(_, k)| *k);
            // Numbers and times hold no escapes in COPY text.
            let text = String::from_utf8_lossy(field);
            exact::check(kind, &text).map_err(|e| self.refuse(i, e))?;
        }
        Ok(())
    }

    fn start_row(&mut self) {
        self.buf.extend_from_slice(&self.prefix);
    }

    fn separator(&mut self) {
        self.buf.push(b'\t');
    }

    fn text(&mut self, text: &str) {
        self.separator();
        push_field(&mut self.buf, text);
    }

    fn null(&mut self) {
        self.separator();
        push_null(&mut self.buf);
    }

    fn bytes(&mut self, bytes: &[u8]) {
        self.separator();
        push_bytes(&mut self.buf, bytes);
    }

    /// Adds a line the source wrote in `COPY` text already (ending in a newline).
    fn raw_line(&mut self, line: &[u8]) -> Result<(), std::io::Error> {
        self.buf.extend_from_slice(&self.prefix);
        self.buf.push(b'\t');
        self.buf.extend_from_slice(line);
        if !line.ends_with(b"\n") {
            self.buf.push(b'\n');
        }
        self.rows += 1;
        self.maybe_flush()
    }

    /// Adds bytes the source wrote in `COPY` text, any part of a line or
    /// many lines: the batch id goes before each line's first byte. A
    /// large chunk goes to the server without being copied here.
    fn raw_chunk(&mut self, chunk: &[u8], line_start: &mut bool) -> Result<(), std::io::Error> {
        let mut rest = chunk;
        while !rest.is_empty() {
            if *line_start {
                self.buf.extend_from_slice(&self.prefix);
                self.buf.push(b'\t');
                *line_start = false;
            }
            let (part, tail) = match rest.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    *line_start = true;
                    self.rows += 1;
                    rest.split_at(end + 1)
                }
                None => (rest, &[][..]),
            };
            if part.len() >= FLUSH_AT {
                self.writer.write_all(&self.buf)?;
                self.buf.clear();
                self.writer.write_all(part)?;
            } else {
                self.buf.extend_from_slice(part);
                self.maybe_flush()?;
            }
            rest = tail;
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), std::io::Error> {
        self.buf.push(b'\n');
        self.rows += 1;
        self.maybe_flush()
    }

    fn maybe_flush(&mut self) -> Result<(), std::io::Error> {
        if self.buf.len() >= FLUSH_AT {
            self.writer.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self, dataset: &str) -> Result<u64, BatchFailure> {
        if let Err(e) = self.writer.write_all(&self.buf) {
            return Err(self.io_failed(&e));
        }
        let rows = self.rows;
        self.writer.finish().map(|_| rows).map_err(|e| {
            BatchFailure::from(errors::staging_failure(dataset, &e, self.file.as_ref()))
        })
    }

    /// A failed write of the `COPY`, naming the file's line when the rows
    /// come from a file.
    fn io_failed(&self, e: &std::io::Error) -> BatchFailure {
        match e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<postgres::Error>())
        {
            Some(pg) => errors::staging_failure(&self.dataset, pg, self.file.as_ref()).into(),
            None => failure!("dataset `{}`: {e}", self.dataset),
        }
    }
}

/// A failed read of a source's `COPY`: the source server's error when it
/// is one, with what it means when the source's text cannot be read as
/// UTF-8 (a `SQL_ASCII` database holding other bytes, say).
fn source_read_failure(dataset: &str, e: &std::io::Error) -> BatchFailure {
    let Some(pg) = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<postgres::Error>())
    else {
        return failure!("dataset `{dataset}`: reading the source failed: {e}");
    };
    let mut out = format!(
        "dataset `{dataset}`: reading the source failed: {}",
        errors::text(pg)
    );
    if pg.code().is_some_and(|c| {
        *c == postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE
            || *c == postgres::error::SqlState::UNTRANSLATABLE_CHARACTER
    }) {
        out.push_str(
            "; the source database's text is not in an encoding that converts to UTF-8 (a SQL_ASCII database holds whatever bytes it was given): fix the value at the source, or give the database its real encoding",
        );
    }
    out.into()
}

/// A failed write of a `COPY`: the server's error when it is one.
fn io_failure(dataset: &str, e: &std::io::Error) -> BatchFailure {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<postgres::Error>())
    {
        Some(pg) => errors::staging_failure(dataset, pg, None).into(),
        None => failure!("dataset `{dataset}`: {e}"),
    }
}

/// Maps the dataset's columns to the source's, or says which is missing or
/// of another kind. `present` is each source column with its type (if known).
/// The first header name that an earlier one already gave, ignoring case
/// (columns are matched by name without regard to case).
fn named_twice<'a>(names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::BTreeSet::new();
    names
        .into_iter()
        .find(|name| !seen.insert(name.to_ascii_lowercase()))
}

pub(crate) fn match_columns<'a>(
    d: &DatasetSpec,
    table: &str,
    present: &'a [(String, Option<String>)],
) -> Result<Vec<&'a str>, BatchFailure> {
    let mut out = Vec::with_capacity(d.columns.len());
    for c in &d.columns {
        let found = present.iter().find(|(n, _)| *n == c.name).or_else(|| {
            present
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&c.name))
        });
        let Some((name, source_type)) = found else {
            return Err(failure!(
                "dataset `{}`: the source table `{table}` has no column `{}` (the model says it is {}); \
                 the source's schema has drifted from the model",
                d.dataset,
                c.name,
                c.pg_type
            ));
        };
        if let Some(t) = source_type
            && type_family(t) != type_family(&c.pg_type)
        {
            return Err(failure!(
                "dataset `{}`, column `{}`: the source column is `{t}`, but the model says {} \
                 (the source's schema has drifted from the model: change one of them)",
                d.dataset,
                c.name,
                c.pg_type
            ));
        }
        out.push(name.as_str());
    }
    Ok(out)
}

pub(crate) fn postgres_table(
    src: &mut postgres::Client,
    tx: &mut Transaction<'_>,
    d: &DatasetSpec,
    batch: i32,
    watermark: Option<&str>,
    since: Option<&str>,
    live_only: bool,
) -> Result<Staged, BatchFailure> {
    let fail = |e: &postgres::Error| failure!("dataset `{}`: {}", d.dataset, errors::text(e));
    let (table, present) = source_table(src, d)?;
    let names = match_columns(d, &table, &present)?;
    let select: Vec<String> = names.iter().map(|n| quoted(n)).collect();
    let mut filter = if live_only {
        format!(
            " WHERE {} = {}",
            quoted(state::BATCH_OUT),
            state::LIVE_BATCH
        )
    } else {
        String::new()
    };
    let mut next_mark = None;
    if let Some(column) = watermark {
        let Some((name, Some(t))) = present.iter().find(|(n, _)| n.eq_ignore_ascii_case(column))
        else {
            return Err(failure!(
                "dataset `{}`: the source table `{table}` has no watermark column `{column}`",
                d.dataset
            ));
        };
        let col = quoted(name);
        let after = since
            .map(|s| format!(" WHERE {col} > CAST({} AS {t})", sql_str(s)))
            .unwrap_or_default();
        let max: Option<String> = src
            .query_one(&format!("SELECT max({col})::text FROM {table}{after}"), &[])
            .map_err(|e| fail(&e))?
            .get(0);
        let Some(max) = max else {
            // Nothing new since the last batch.
            return Ok(Staged {
                rows: 0,
                watermark: since.map(str::to_owned),
            });
        };
        filter = format!(
            " WHERE {col} <= CAST({} AS {t}){}",
            sql_str(&max),
            since
                .map(|s| format!(" AND {col} > CAST({} AS {t})", sql_str(s)))
                .unwrap_or_default()
        );
        next_mark = Some(max);
    }
    let query = format!(
        "COPY (SELECT {} FROM {table}{filter}) TO STDOUT",
        select.join(", ")
    );
    let at = decimals_to_look_at(d, &names, &present);
    let reader = src.copy_out(&query).map_err(|e| fail(&e))?;
    let out = CopyWriter::new(tx, d, batch)?;
    let rows = pass_on(reader, out, &at, &d.dataset)?;
    Ok(Staged {
        rows,
        watermark: next_mark,
    })
}

/// Dataset `d`'s source table as the source writes its name, and its
/// columns with their types, in order; a failure when it has none.
#[allow(clippy::type_complexity, reason = "a name and its typed columns")]
pub(crate) fn source_table(
    src: &mut postgres::Client,
    d: &DatasetSpec,
) -> Result<(String, Vec<(String, Option<String>)>), BatchFailure> {
    let fail = |e: &postgres::Error| failure!("dataset `{}`: {}", d.dataset, errors::text(e));
    let table: Option<String> = src
        .query_one("SELECT to_regclass($1)::text", &[&d.source_table])
        .map_err(|e| fail(&e))?
        .get(0);
    let Some(table) = table else {
        return Err(failure!(
            "dataset `{}`: the source database has no table `{}`",
            d.dataset,
            d.source_table
        ));
    };
    let present = src
        .query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a \
             WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            &[&d.source_table],
        )
        .map_err(|e| fail(&e))?
        .iter()
        .map(|r| (r.get(0), Some(r.get(1))))
        .collect();
    Ok((table, present))
}

/// The positions of the dataset's decimal columns whose source column is
/// not of the model's type: their values could be rounded on the way in,
/// so they are looked at.
fn decimals_to_look_at(
    d: &DatasetSpec,
    names: &[&str],
    present: &[(String, Option<String>)],
) -> Vec<usize> {
    d.columns
        .iter()
        .zip(names)
        .enumerate()
        .filter(|(_, (c, name))| {
            matches!(Kind::of(&c.pg_type), Kind::Decimal { .. })
                && present
                    .iter()
                    .find(|(n, _)| n == *name)
                    .and_then(|(_, t)| t.as_deref())
                    .is_none_or(|t| Kind::of(t) != Kind::of(&c.pg_type))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Passes a PostgreSQL source's `COPY` text on to staging. With nothing to
/// look at, its bytes go on as they come, each line given the batch id, so
/// no line is ever held whole; otherwise line by line, the columns `at`
/// checked first.
fn pass_on(
    mut reader: postgres::CopyOutReader<'_>,
    mut out: CopyWriter<'_>,
    at: &[usize],
    dataset: &str,
) -> Result<u64, BatchFailure> {
    let reading = |e: std::io::Error| source_read_failure(dataset, &e);
    if at.is_empty() {
        let mut line_start = true;
        loop {
            let chunk = reader.fill_buf().map_err(reading)?;
            if chunk.is_empty() {
                break;
            }
            let n = chunk.len();
            out.raw_chunk(chunk, &mut line_start)
                .map_err(|e| io_failure(dataset, &e))?;
            reader.consume(n);
        }
    } else {
        let mut line = Vec::with_capacity(1024);
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line).map_err(reading)?;
            if n == 0 {
                break;
            }
            // The batch id is not in the source's line.
            out.check_line(&line, at)?;
            out.raw_line(&line).map_err(|e| io_failure(dataset, &e))?;
        }
    }
    drop(reader);
    out.finish(dataset)
}

fn sqlite_table(
    conn: &rusqlite::Connection,
    path: &str,
    tx: &mut Transaction<'_>,
    d: &DatasetSpec,
    batch: i32,
    primary: bool,
) -> Result<Staged, BatchFailure> {
    let q = |n: &str| format!("\"{}\"", n.replace('"', "\"\""));
    let fail = |e: rusqlite::Error| failure!("dataset `{}`: reading {path}: {e}", d.dataset);
    let declared: Vec<(String, String)> = {
        let mut stmt = conn
            .prepare(&format!("PRAGMA table_info({})", q(&d.source_table)))
            .map_err(fail)?;
        stmt.query_map([], |r| Ok((r.get::<_, String>(1)?, r.get::<_, String>(2)?)))
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(fail)?
    };
    let present: Vec<(String, Option<String>)> =
        declared.iter().map(|(n, _)| (n.clone(), None)).collect();
    if present.is_empty() {
        return Err(failure!(
            "dataset `{}`: the source database {path} has no table `{}`",
            d.dataset,
            d.source_table
        ));
    }
    let names = match_columns(d, &d.source_table, &present)?;
    let select: Vec<String> = names.iter().map(|n| q(n)).collect();
    // A primary's merge table: its live rows, and its decimals (stored as
    // whole numbers of their smallest unit, `SCALED_INT(s)`) as exact text.
    let (filter, scales): (String, Vec<Option<u32>>) = if primary {
        let scale = |name: &str| {
            declared.iter().find(|(n, _)| n == name).and_then(|(_, t)| {
                t.strip_prefix("SCALED_INT(")?
                    .strip_suffix(')')?
                    .parse()
                    .ok()
            })
        };
        (
            format!(" WHERE {} = {}", q(state::BATCH_OUT), state::LIVE_BATCH),
            names.iter().map(|n| scale(n)).collect(),
        )
    } else {
        (String::new(), vec![None; names.len()])
    };
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {} FROM {}{filter}",
            select.join(", "),
            q(&d.source_table)
        ))
        .map_err(fail)?;
    let mut rows = stmt.query([]).map_err(fail)?;
    let mut out = CopyWriter::new(tx, d, batch)?;
    while let Some(row) = rows.next().map_err(fail)? {
        out.start_row();
        for i in 0..names.len() {
            match row.get_ref(i).map_err(fail)? {
                ValueRef::Null => out.null(),
                ValueRef::Integer(v) => match scales.get(i).copied().flatten() {
                    Some(scale) => out.value(i, &unscaled(v, scale))?,
                    None => out.value(i, &v.to_string())?,
                },
                ValueRef::Real(v) => out.value(i, &v.to_string())?,
                ValueRef::Text(t) => {
                    let text = std::str::from_utf8(t).map_err(|e| {
                        out.refuse(
                            i,
                            format!(
                                "the text is not UTF-8 (an invalid byte at offset {}); SQLite stores what it is given, so fix the value at the source",
                                e.valid_up_to()
                            ),
                        )
                    })?;
                    out.value(i, text)?;
                }
                ValueRef::Blob(b) => out.blob(i, b)?,
            }
        }
        out.end_row().map_err(|e| io_failure(&d.dataset, &e))?;
    }
    let rows = out.finish(&d.dataset)?;
    Ok(Staged {
        rows,
        watermark: None,
    })
}

/// A whole number of `10^-scale` units as its exact decimal text.
fn unscaled(units: i64, scale: u32) -> String {
    let Some(unit) = 10_i128.checked_pow(scale).filter(|_| scale > 0) else {
        return units.to_string();
    };
    let abs = i128::from(units).abs();
    let sign = if units < 0 { "-" } else { "" };
    let width = scale as usize;
    format!("{sign}{}.{:0width$}", abs / unit, abs % unit)
}

/// `<folder>/<source table>` (with `.csv` if it has no extension): a header
/// naming the columns, then a record per row; an empty field is a null.
fn csv_file(
    folder: &Path,
    tx: &mut Transaction<'_>,
    d: &DatasetSpec,
    batch: i32,
) -> Result<Staged, BatchFailure> {
    let path = datasurface_runtime::confined::file_in(folder, &d.source_table, "csv")
        .map_err(|e| format!("dataset `{}`: {e}", d.dataset))?;
    let shown = shown_path(folder, &d.source_table);
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| format!("dataset `{}`: cannot read {}: {e}", d.dataset, shown))?;
    let present: Vec<(String, Option<String>)> = reader
        .headers()
        .map_err(|e| format!("dataset `{}`: the header of {}: {e}", d.dataset, shown))?
        .iter()
        .map(|h| (h.trim().to_owned(), None))
        .collect();
    if let Some(twice) = named_twice(present.iter().map(|(n, _)| n.as_str())) {
        return Err(failure!(
            "dataset `{}`: {} names column `{twice}` twice in its header, so its values cannot be told apart; remove or rename one of them",
            d.dataset,
            shown
        ));
    }
    let names = match_columns(d, &shown, &present)?;
    let positions: Vec<usize> = names
        .iter()
        .filter_map(|n| present.iter().position(|(p, _)| p == n))
        .collect();
    // The key's fields, by position in a record.
    let key_at: Vec<usize> = d
        .primary_key
        .iter()
        .filter_map(|k| d.columns.iter().position(|c| &c.name == k))
        .filter_map(|i| positions.get(i).copied())
        .collect();
    let mut keys = KeysSeen::default();
    let mut out = CopyWriter::new(tx, d, batch)?;
    out.reads_file(shown.clone());
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let (line, what) = datasurface_runtime::csv_drop::record_problem(&e);
            format!("{shown}{line}: dataset `{}`: {what}", d.dataset)
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, csv::Position::line);
        if let Some(first) =
            keys.first_line(key_at.iter().map(|&i| record.get(i).unwrap_or("")), line)
        {
            let key: Vec<String> = d
                .primary_key
                .iter()
                .zip(&key_at)
                .map(|(name, &i)| format!("{name} = {}", record.get(i).unwrap_or("")))
                .collect();
            return Err(failure!(
                "{shown}:{line}: dataset `{}`: the primary key ({}) repeats line {first}; a key may appear once in a batch",
                d.dataset,
                key.join(", ")
            ));
        }
        out.at_line(line);
        out.start_row();
        for (at, &i) in positions.iter().enumerate() {
            match record.get(i) {
                // An empty field in a file is no value, whatever the column's type.
                Some("") | None => out.null(),
                Some(v) => out.value(at, v)?,
            }
        }
        out.end_row().map_err(|e| out.io_failed(&e))?;
    }
    let rows = out.finish(&d.dataset)?;
    Ok(Staged {
        rows,
        watermark: None,
    })
}

/// The keys of a file's rows seen so far, by a 128-bit hash of their
/// fields' text, with the line each was first seen on: a repeated key is
/// named with both lines before anything reaches the server. (Keys that
/// differ as text but not as values, `7` and `07`, are the unique index's
/// to find.)
#[derive(Default)]
struct KeysSeen(std::collections::BTreeMap<[u8; 16], u64>);

impl KeysSeen {
    /// The line a key was first seen on, if it was; else records it at `line`.
    fn first_line<'a>(&mut self, fields: impl Iterator<Item = &'a str>, line: u64) -> Option<u64> {
        use sha2::Digest as _;
        let mut h = sha2::Sha256::new();
        let mut any = false;
        for f in fields {
            any = true;
            h.update((f.len() as u64).to_le_bytes());
            h.update(f.as_bytes());
        }
        if !any {
            return None;
        }
        let digest = h.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        match self.0.entry(key) {
            std::collections::btree_map::Entry::Occupied(e) => Some(*e.get()),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(line);
                None
            }
        }
    }
}

/// A file of a folder as the user would name it: the folder as given (not
/// resolved), without a leading `./`.
fn shown_path(folder: &Path, name: &str) -> String {
    let mut path = folder.join(name);
    if path.extension().is_none() {
        path.set_extension("csv");
    }
    path.strip_prefix(".")
        .unwrap_or(&path)
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_named_twice_in_a_header_is_found() {
        assert_eq!(named_twice(["id", "name", "ID"].into_iter()), Some("ID"));
        assert_eq!(named_twice(["id", "name", "qty"].into_iter()), None);
    }

    #[test]
    fn types_fall_into_families() {
        assert_eq!(type_family("character varying(40)"), "text");
        assert_eq!(type_family("varchar(40)"), "text");
        assert_eq!(type_family("numeric(10,2)"), "number");
        assert_eq!(type_family("numeric(10, 2)"), "number");
        assert_eq!(type_family("timestamp(3) with time zone"), "timestamp");
        assert_eq!(type_family("time without time zone"), "time");
        assert_eq!(type_family("integer[]"), "array");
        assert_eq!(type_family("boolean"), "boolean");
        assert_ne!(type_family("integer"), type_family("boolean"));
    }
}
