//! Reading a dataset's rows from its source: a table of a SQLite file, or a
//! CSV file with a header row. Sources are only read.

use super::{BatchFailure, failure};
use std::path::Path;

use rusqlite::Connection;
use rusqlite::types::Value;

use crate::dialect::{SqlDialect, Sqlite};
use crate::spec::DatasetSpec;

/// A dataset's rows in its column order, with where they came from.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    /// The rows.
    pub(crate) values: Vec<Vec<Value>>,
    /// Where they came from, to point at a row in a message.
    pub(crate) origin: Origin,
}

/// Where a dataset's rows came from.
#[derive(Debug, Default)]
pub(crate) enum Origin {
    /// A file, with the line each row starts on, as an editor counts
    /// (the header is line 1; a quoted field may span lines).
    File {
        /// The file, as the message shows it.
        path: String,
        /// The line of each row.
        lines: Vec<u64>,
    },
    /// A table or query with no lines: rows are counted from 1.
    #[default]
    Rows,
}

impl Origin {
    /// Where row `n` (from 0) is: `orders.csv:7`, or `row 6`.
    pub(crate) fn row(&self, n: usize) -> String {
        match self {
            Origin::File { path, lines } => match lines.get(n) {
                Some(line) => format!("{path}:{line}"),
                None => format!("{path}, row {}", n + 1),
            },
            Origin::Rows => format!("row {}", n + 1),
        }
    }

    /// Row `n` again, after another row's place: `line 5`, or `row 2`.
    pub(crate) fn short(&self, n: usize) -> String {
        match self {
            Origin::File { lines, .. } => match lines.get(n) {
                Some(line) => format!("line {line}"),
                None => format!("row {}", n + 1),
            },
            Origin::Rows => format!("row {}", n + 1),
        }
    }
}

/// Reads a table of a SQLite file, read-only, in the dataset's column order.
pub(crate) fn sqlite_table(
    conn: &Connection,
    path: &Path,
    d: &DatasetSpec,
) -> Result<Rows, BatchFailure> {
    table_rows(conn, path, d, "")
}

/// Reads the live rows of another `sqlite` platform's merge table (the
/// dataset's `sourceTable`): those no later batch closed.
pub(crate) fn live_rows(
    conn: &Connection,
    path: &Path,
    d: &DatasetSpec,
) -> Result<Rows, BatchFailure> {
    let live = format!(
        " WHERE {} = {}",
        Sqlite.quote(datasurface_runtime::state::BATCH_OUT),
        crate::spec::LIVE
    );
    let mut rows = table_rows(conn, path, d, &live)?;
    // A decimal is stored as a whole number of its smallest units: read it
    // back as the exact decimal a source would give.
    for (i, c) in d.columns.iter().enumerate() {
        if let (crate::dialect::Affinity::Decimal, Some(scale)) = (c.affinity, c.scale) {
            for row in &mut rows.values {
                if let Some(v) = row.get_mut(i) {
                    *v = super::values::unscaled(std::mem::replace(v, Value::Null), scale);
                }
            }
        }
    }
    Ok(rows)
}

/// The rows of `d`'s source table that `filter` (empty, or a `WHERE`
/// clause the engine writes, never the model) keeps.
fn table_rows(
    conn: &Connection,
    path: &Path,
    d: &DatasetSpec,
    filter: &str,
) -> Result<Rows, BatchFailure> {
    let q = Sqlite;
    let present = {
        let mut stmt = conn
            .prepare(&format!("PRAGMA table_info({})", q.quote(&d.source_table)))
            .map_err(|e| {
                format!(
                    "cannot read table `{}` of {}: {e}",
                    d.source_table,
                    path.display()
                )
            })?;
        stmt.query_map([], |r| r.get::<_, String>(1))
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| {
                format!(
                    "cannot read table `{}` of {}: {e}",
                    d.source_table,
                    path.display()
                )
            })?
    };
    if present.is_empty() {
        return Err(failure!(
            "the source database {} has no table `{}`",
            path.display(),
            d.source_table
        ));
    }
    for c in &d.columns {
        if !present.iter().any(|p| p.eq_ignore_ascii_case(&c.name)) {
            return Err(failure!(
                "the source table `{}` has no column `{}`",
                d.source_table,
                c.name
            ));
        }
    }
    let cols: Vec<String> = d.columns.iter().map(|c| q.quote(&c.name)).collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT {} FROM {}{filter}",
            cols.join(", "),
            q.quote(&d.source_table)
        ))
        .map_err(|e| format!("cannot read table `{}`: {e}", d.source_table))?;
    let n = d.columns.len();
    let values = stmt
        .query_map([], |row| {
            (0..n)
                .map(|i| row.get::<_, Value>(i))
                .collect::<Result<Vec<_>, _>>()
        })
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| failure!("cannot read table `{}`: {e}", d.source_table))?;
    Ok(Rows {
        values,
        origin: Origin::Rows,
    })
}

/// Reads `<folder>/<source table>` (adding `.csv` if it has no extension):
/// a header row naming the columns, then one row per record.
pub(crate) fn csv_file(folder: &Path, d: &DatasetSpec) -> Result<Rows, BatchFailure> {
    let path = datasurface_runtime::confined::file_in(folder, &d.source_table, "csv")
        .map_err(BatchFailure::from_error)?;
    let shown = shown_path(folder, &d.source_table);
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the header of {shown}: {e}"))?
        .clone();
    // A header naming a column twice is ambiguous: which is the value?
    let mut seen: Vec<String> = Vec::new();
    for h in &headers {
        let name = h.trim().to_lowercase();
        if seen.contains(&name) {
            return Err(failure!(
                "{} names column `{}` twice in its header, so its values cannot be told apart; remove or rename one of them",
                shown,
                h.trim()
            ));
        }
        seen.push(name);
    }
    let mut positions = Vec::new();
    for c in &d.columns {
        let at = headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(&c.name));
        positions
            .push(at.ok_or_else(|| format!("{} has no column `{}` in its header", shown, c.name))?);
    }
    let (mut values, mut lines) = (Vec::new(), Vec::new());
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let (line, what) = datasurface_runtime::csv_drop::record_problem(&e);
            format!("{shown}{line}: {what}")
        })?;
        if !more {
            break;
        }
        lines.push(record.position().map_or(0, csv::Position::line));
        values.push(
            positions
                .iter()
                .map(|&i| match record.get(i) {
                    // An empty field in a file is no value, whatever the column's type.
                    Some("") | None => Value::Null,
                    Some(v) => Value::Text(v.to_owned()),
                })
                .collect(),
        );
    }
    Ok(Rows {
        values,
        origin: Origin::File { path: shown, lines },
    })
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
