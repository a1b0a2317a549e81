//! PostgreSQL's errors as messages that name what failed: the dataset, the
//! row and the column, and never a credential.

use std::fmt::Write as _;

/// An error's text: the server's message with its detail, or the client's.
pub(crate) fn text(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut out = db.message().to_owned();
        if let Some(detail) = db.detail() {
            let _ = write!(out, " ({detail})");
        }
        return out;
    }
    // The client's error, with its causes (an IO error, a refused connection).
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let t = cause.to_string();
        if !out.contains(&t) {
            let _ = write!(out, ": {t}");
        }
        source = cause.source();
    }
    out
}

/// Where in a `COPY` a server error happened: the row (the line of the
/// data, from 1) and the column, from its context (`COPY t, line 3, column c: "x"`).
pub(crate) fn copy_position(e: &postgres::Error) -> (Option<u64>, Option<String>) {
    let Some(context) = e.as_db_error().and_then(|db| db.where_()) else {
        return (None, None);
    };
    let line = context
        .split(", line ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok());
    let column = context
        .split(", column ")
        .nth(1)
        .and_then(|rest| rest.split(':').next())
        .map(str::to_owned);
    (line, column)
}

/// Where the rows of a `COPY` came from when they came from a file: the
/// file as the user names it and the line each row starts on.
#[derive(Debug, Default)]
pub(crate) struct FileLines {
    /// The file, as messages show it.
    pub(crate) path: String,
    /// The line of each row written so far (the header is line 1).
    pub(crate) lines: Vec<u64>,
}

impl FileLines {
    /// `path:line` of row `n` (from 1), if known.
    pub(crate) fn row(&self, n: u64) -> Option<String> {
        let at = usize::try_from(n.checked_sub(1)?).ok()?;
        self.lines
            .get(at)
            .map(|line| format!("{}:{line}", self.path))
    }
}

/// A failed staging of a dataset, as the batch's message: the dataset, the
/// row and column where the server says (a file's `path:line` first when
/// the rows came from one), and what was wrong.
pub(crate) fn staging_failure(
    dataset: &str,
    e: &postgres::Error,
    file: Option<&FileLines>,
) -> String {
    let (line, column) = copy_position(e);
    let mut out = String::new();
    if let Some(place) = line.and_then(|n| file?.row(n)) {
        let _ = write!(out, "{place}: dataset `{dataset}`");
    } else {
        let _ = write!(out, "dataset `{dataset}`");
        if let Some(n) = line {
            let _ = write!(out, ", row {n}");
        }
    }
    if let Some(c) = column.filter(|c| c != "ds_surf_batch_id") {
        let _ = write!(out, ", column `{c}`");
    }
    out.push_str(": ");
    let db = e.as_db_error();
    if db.is_some_and(|db| db.code() == &postgres::error::SqlState::UNIQUE_VIOLATION) {
        let detail = db.and_then(|d| d.detail()).unwrap_or_default();
        out.push_str("the primary key repeats an earlier row of the batch");
        if let Some(key) = repeated_key(detail) {
            let _ = write!(out, " ({key})");
        }
    } else {
        out.push_str(&text(e));
        if db.is_some_and(|db| db.code() == &postgres::error::SqlState::CHARACTER_NOT_IN_REPERTOIRE)
        {
            out.push_str(
                "; the source's text is not UTF-8 (a SQL_ASCII source database holds whatever bytes it was given): fix the value at the source",
            );
        }
    }
    out
}

/// `Key (ds_surf_batch_id, id)=(3, 7) already exists.` → `id = 7`.
fn repeated_key(detail: &str) -> Option<String> {
    let rest = detail.strip_prefix("Key (ds_surf_batch_id, ")?;
    let (names, rest) = rest.split_once(")=(")?;
    let values = rest.strip_suffix(") already exists.")?;
    let values = values.split_once(", ").map_or(values, |(_, v)| v);
    Some(format!("{names} = {values}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_named_without_the_batch() {
        assert_eq!(
            repeated_key("Key (ds_surf_batch_id, id)=(3, 7) already exists.").as_deref(),
            Some("id = 7")
        );
        assert_eq!(repeated_key("something else"), None);
    }
}
