//! Reading a dataset's rows from its source: a table of a SQLite file, or a
//! CSV file with a header row. Sources are only read.

use super::{BatchFailure, failure};
use std::path::Path;

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

use crate::dialect::{SqlDialect, Sqlite};
use crate::spec::DatasetSpec;

/// Rows in the dataset's column order; a problem is a message for the batch.
pub(crate) type Rows = Vec<Vec<Value>>;

/// Reads a table of a SQLite file, read-only, in the dataset's column order.
pub(crate) fn sqlite_table(path: &Path, d: &DatasetSpec) -> Result<Rows, BatchFailure> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open the source database {}: {e}", path.display()))?;
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
            "SELECT {} FROM {}",
            cols.join(", "),
            q.quote(&d.source_table)
        ))
        .map_err(|e| format!("cannot read table `{}`: {e}", d.source_table))?;
    let n = d.columns.len();
    stmt.query_map([], |row| {
        (0..n)
            .map(|i| row.get::<_, Value>(i))
            .collect::<Result<Vec<_>, _>>()
    })
    .and_then(Iterator::collect::<Result<Vec<_>, _>>)
    .map_err(|e| failure!("cannot read table `{}`: {e}", d.source_table))
}

/// Reads `<folder>/<source table>` (adding `.csv` if it has no extension):
/// a header row naming the columns, then one row per record.
pub(crate) fn csv_file(folder: &Path, d: &DatasetSpec) -> Result<Rows, BatchFailure> {
    let path = datasurface_platform::confined::file_in(folder, &d.source_table, "csv")
        .map_err(BatchFailure::from_error)?;
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the header of {}: {e}", path.display()))?
        .clone();
    // A header naming a column twice is ambiguous: which is the value?
    let mut seen: Vec<String> = Vec::new();
    for h in &headers {
        let name = h.trim().to_lowercase();
        if seen.contains(&name) {
            return Err(failure!(
                "{} names column `{}` twice in its header, so its values cannot be told apart; remove or rename one of them",
                path.display(),
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
        positions.push(at.ok_or_else(|| {
            format!(
                "{} has no column `{}` in its header",
                path.display(),
                c.name
            )
        })?);
    }
    let mut rows = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("{} record {}: {e}", path.display(), n + 1))?;
        rows.push(
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
    Ok(rows)
}
