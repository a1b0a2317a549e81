//! When the model's files last changed: what the caller's loader found (the
//! command line asks git, or the files' modification times), served newest
//! first so that people see what moved before what did not.

use chrono::{DateTime, SecondsFormat, Utc};
use datasurface_core::names::{TeamName, ZoneName};
use schemars::JsonSchema;
use serde::Serialize;

/// The longest commit subject and author name served, in characters: the
/// text is the repository's, and a page shows it in a line.
const MAX_TEXT: usize = 200;

/// When one of the model's files last changed, and how that is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    /// The file, relative to the model's directory.
    pub file: String,
    /// The zone it defines or belongs to, for zone and team documents.
    pub zone: Option<ZoneName>,
    /// The team it defines, for team documents.
    pub team: Option<TeamName>,
    /// When it changed.
    pub changed_at: DateTime<Utc>,
    /// How that is known.
    pub origin: ChangeOrigin,
}

/// How a file's change time is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOrigin {
    /// The last commit that changed the file, which the file still matches.
    Commit {
        /// The commit's id.
        id: String,
        /// Its author's name.
        author: String,
        /// Its subject line.
        subject: String,
    },
    /// The file differs from the commit checked out (or is not in it): its
    /// modification time.
    Uncommitted,
    /// The file's modification time, outside a git repository.
    Modified,
}

/// The served version's changes, newest first (then by file).
pub(crate) fn newest_first(changes: &mut [FileChange]) {
    changes.sort_by(|a, b| {
        b.changed_at
            .cmp(&a.changed_at)
            .then_with(|| a.file.cmp(&b.file))
    });
}

/// A commit as the API answers it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct CommitBody {
    pub(crate) id: String,
    pub(crate) author: String,
    pub(crate) subject: String,
}

/// One file's change, as the API answers it.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct ChangeItem {
    /// The file, relative to the model's directory.
    pub(crate) file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) zone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) team: Option<String>,
    /// The zone or team the file defines, if it defines one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) href: Option<String>,
    /// When it changed (RFC 3339, UTC).
    pub(crate) changed_at: String,
    /// `commit` (the last commit that changed it), `uncommitted` (the file
    /// differs from the commit checked out) or `modified` (its modification
    /// time, outside git).
    #[schemars(regex(pattern = "^(commit|uncommitted|modified)$"))]
    pub(crate) origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) commit: Option<CommitBody>,
}

fn bounded(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(MAX_TEXT) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line.to_owned(),
    }
}

impl ChangeItem {
    pub(crate) fn of(change: &FileChange, href: Option<String>) -> Self {
        let (origin, commit) = match &change.origin {
            ChangeOrigin::Commit {
                id,
                author,
                subject,
            } => (
                "commit",
                Some(CommitBody {
                    id: bounded(id),
                    author: bounded(author),
                    subject: bounded(subject),
                }),
            ),
            ChangeOrigin::Uncommitted => ("uncommitted", None),
            ChangeOrigin::Modified => ("modified", None),
        };
        ChangeItem {
            file: change.file.clone(),
            zone: change.zone.as_ref().map(ToString::to_string),
            team: change.team.as_ref().map(ToString::to_string),
            href,
            changed_at: change.changed_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            origin,
            commit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_or_many_line_text_is_cut_to_one_bounded_line() {
        assert_eq!(bounded("fix: a\nsecond line"), "fix: a");
        let long = "é".repeat(MAX_TEXT + 5);
        let cut = bounded(&long);
        assert_eq!(cut.chars().count(), MAX_TEXT + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn newest_first_then_by_file() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let change = |file: &str, when: &str| FileChange {
            file: file.to_owned(),
            zone: None,
            team: None,
            changed_at: at(when),
            origin: ChangeOrigin::Modified,
        };
        let mut changes = vec![
            change("b.yaml", "2026-01-01T00:00:00Z"),
            change("c.yaml", "2026-02-01T00:00:00Z"),
            change("a.yaml", "2026-01-01T00:00:00Z"),
        ];
        newest_first(&mut changes);
        let files: Vec<_> = changes.iter().map(|c| c.file.as_str()).collect();
        assert_eq!(files, ["c.yaml", "a.yaml", "b.yaml"]);
    }
}
