//! When the model's files last changed, for the model service's
//! `/api/v1/changes` and the catalogue's home page: where the model is a
//! git checkout, the last commit that changed each file (when the file
//! still matches the commit checked out), else the file's modification
//! time. git runs as [`git_plumbing`] runs it: nothing a repository can
//! configure runs, and the only text read from a commit (author, subject)
//! comes NUL-separated, so no subject can forge another file's record.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use datasurface_files::DocumentSource;
use datasurface_server::{ChangeOrigin, FileChange};

use crate::gitops::{git_plumbing, git_plumbing_bytes};

/// How many commits back the history is searched for a file's last
/// change; a file unchanged for longer shows its modification time.
const MAX_COMMITS: &str = "--max-count=20000";

/// When each document of the model last changed. Files whose time cannot
/// be read are left out; the rest come in the documents' order (the
/// service sorts them newest first).
pub(crate) fn changes(model: &Path, documents: &[DocumentSource]) -> Vec<FileChange> {
    let root = datasurface_gate::ModelDir::new(model).root();
    let files: Vec<(PathBuf, &DocumentSource)> = documents
        .iter()
        .filter_map(|d| relative(model, &root, &d.path).map(|p| (p, d)))
        .collect();
    let committed = Git::open(&root).map(|git| git.last_commits(&files));
    files
        .iter()
        .filter_map(|(file, doc)| {
            let origin_at = match committed.as_ref().map(|c| c.get(file)) {
                Some(Some((at, origin))) => Some((*at, origin.clone())),
                Some(None) => modified(&root.join(file)).map(|at| (at, ChangeOrigin::Uncommitted)),
                None => modified(&root.join(file)).map(|at| (at, ChangeOrigin::Modified)),
            };
            origin_at.map(|(changed_at, origin)| FileChange {
                file: slashed(file),
                zone: doc.zone.clone(),
                team: doc.team.clone(),
                changed_at,
                origin,
            })
        })
        .collect()
}

/// A document's path relative to the model's root: the loader names files
/// as the model was given (`model/zones/usa.yaml`, or the file itself).
fn relative(model: &Path, root: &Path, path: &str) -> Option<PathBuf> {
    let path = Path::new(path);
    path.strip_prefix(model)
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .or_else(|| path.strip_prefix(root).ok())
        .or_else(|| path.file_name().map(Path::new))
        .map(Path::to_path_buf)
}

fn slashed(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A regular file's modification time (a link is not followed).
fn modified(path: &Path) -> Option<DateTime<Utc>> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    meta.file_type()
        .is_file()
        .then(|| meta.modified().ok())
        .flatten()
        .map(DateTime::<Utc>::from)
}

/// The commits of `git log --name-only -z --format=%x1e%H %ct` output:
/// each id, its committer time and the names it changed. A record is
/// `\x1e`, the id and time, a NUL and one line feed, then names each
/// ended by a NUL; names are taken byte for byte (a name may start with a
/// line feed), and one that is not UTF-8 names no document.
fn log_records(log: &[u8]) -> impl Iterator<Item = (&str, DateTime<Utc>, Vec<&str>)> {
    log.split(|b| *b == 0x1e).filter_map(|record| {
        let end = record.iter().position(|b| *b == 0)?;
        let header = std::str::from_utf8(record.get(..end)?).ok()?;
        let (id, time) = header.trim().split_once(' ')?;
        let at = time
            .parse::<i64>()
            .ok()
            .and_then(|t| DateTime::from_timestamp(t, 0))?;
        let rest = record.get(end + 1..)?;
        let rest = rest.strip_prefix(b"\n").unwrap_or(rest);
        let names = rest
            .split(|b| *b == 0)
            .filter(|n| !n.is_empty())
            .filter_map(|n| std::str::from_utf8(n).ok())
            .collect();
        Some((id, at, names))
    })
}

/// The git checkout the model's root is in.
struct Git {
    dir: PathBuf,
}

impl Git {
    /// `None` outside a repository with a commit, or without git.
    fn open(root: &Path) -> Option<Git> {
        git_plumbing(root, &["rev-parse", "--verify", "HEAD"], None)
            .filter(|c| !c.is_empty())
            .map(|_| Git {
                dir: root.to_path_buf(),
            })
    }

    fn run(&self, args: &[&str], stdin: Option<&str>) -> Option<String> {
        git_plumbing(&self.dir, args, stdin)
    }

    /// For each file that matches the commit checked out, the last commit
    /// that changed it; files that differ (or git cannot tell) are absent.
    fn last_commits(
        &self,
        files: &[(PathBuf, &DocumentSource)],
    ) -> BTreeMap<PathBuf, (DateTime<Utc>, ChangeOrigin)> {
        let unchanged = self.unchanged(files);
        let when = self.when_changed(&unchanged);
        let ids: Vec<&str> = {
            let mut ids: Vec<&str> = when.values().map(|(id, _)| id.as_str()).collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let described = self.describe(&ids);
        when.iter()
            .filter_map(|(file, (id, at))| {
                let (author, subject) = described.get(id.as_str())?;
                Some((
                    file.clone(),
                    (
                        *at,
                        ChangeOrigin::Commit {
                            id: id.clone(),
                            author: author.clone(),
                            subject: subject.clone(),
                        },
                    ),
                ))
            })
            .collect()
    }

    /// The files whose bytes are the commit's: the blob `HEAD` holds equals
    /// the working file hashed without filters.
    fn unchanged(&self, files: &[(PathBuf, &DocumentSource)]) -> Vec<PathBuf> {
        let Some(tree) =
            git_plumbing_bytes(&self.dir, &["ls-tree", "-r", "-z", "HEAD", "--", "."], None)
        else {
            return Vec::new();
        };
        // Names byte for byte: one that is not UTF-8 is no document's.
        let at_head: BTreeMap<&str, &str> = tree
            .split(|b| *b == 0)
            .filter_map(|entry| {
                let tab = entry.iter().position(|b| *b == b'\t')?;
                let meta = std::str::from_utf8(entry.get(..tab)?).ok()?;
                let path = std::str::from_utf8(entry.get(tab + 1..)?).ok()?;
                let mut fields = meta.split(' ');
                let (_, kind, hash) = (fields.next()?, fields.next()?, fields.next()?);
                (kind == "blob").then_some((path, hash))
            })
            .collect();
        let Ok(dir) = std::fs::canonicalize(&self.dir) else {
            return Vec::new();
        };
        // Only files git can be asked about by name, one a line.
        let asked: Vec<&PathBuf> = files
            .iter()
            .map(|(f, _)| f)
            .filter(|f| {
                let name = slashed(f);
                !name.contains('\n') && at_head.contains_key(name.as_str())
            })
            .collect();
        let mut paths = String::new();
        for f in &asked {
            paths.push_str(&dir.join(f).to_string_lossy());
            paths.push('\n');
        }
        let Some(hashes) = self.run(
            &["hash-object", "--no-filters", "--stdin-paths"],
            Some(&paths),
        ) else {
            return Vec::new();
        };
        let hashes: Vec<&str> = hashes.lines().collect();
        if hashes.len() != asked.len() {
            return Vec::new();
        }
        asked
            .into_iter()
            .zip(hashes)
            .filter(|(f, hash)| at_head.get(slashed(f).as_str()) == Some(hash))
            .map(|(f, _)| f.clone())
            .collect()
    }

    /// The last commit (id, committer time) that changed each file, from
    /// one walk of the history; the format holds no text a commit's author
    /// chose.
    fn when_changed(&self, files: &[PathBuf]) -> BTreeMap<PathBuf, (String, DateTime<Utc>)> {
        let mut wanted: BTreeMap<String, &PathBuf> =
            files.iter().map(|f| (slashed(f), f)).collect();
        let mut found = BTreeMap::new();
        if wanted.is_empty() {
            return found;
        }
        let Some(log) = git_plumbing_bytes(
            &self.dir,
            &[
                "log",
                "--no-renames",
                "--relative",
                "--name-only",
                "-z",
                "--format=%x1e%H %ct",
                MAX_COMMITS,
                "--",
                ".",
            ],
            None,
        ) else {
            return found;
        };
        for (id, at, names) in log_records(&log) {
            for name in names {
                if let Some(file) = wanted.remove(name) {
                    found.insert(file.clone(), (id.to_owned(), at));
                }
            }
            if wanted.is_empty() {
                break;
            }
        }
        found
    }

    /// Each commit's author name and subject, read NUL-separated (no name
    /// or subject holds a NUL), and only for the ids asked.
    fn describe(&self, ids: &[&str]) -> BTreeMap<String, (String, String)> {
        let mut described = BTreeMap::new();
        for chunk in ids.chunks(500) {
            let mut args = vec!["show", "-s", "-z", "--no-notes", "--format=%H%x00%an%x00%s"];
            args.extend(chunk.iter().copied());
            let Some(out) = self.run(&args, None) else {
                continue;
            };
            let fields: Vec<&str> = out.split('\0').collect();
            for triple in fields.chunks_exact(3) {
                let id = triple[0].trim();
                if chunk.contains(&id) {
                    described.insert(id.to_owned(), (triple[1].to_owned(), triple[2].to_owned()));
                }
            }
        }
        described
    }
}

#[cfg(test)]
mod tests {
    use super::log_records;

    #[test]
    fn log_names_are_read_byte_for_byte() {
        let mut log = b"\x1eaaa 100\0\n\na.yaml\0 b.yaml \0".to_vec();
        log.extend_from_slice(b"\xff.yaml\0\x1ebbb 50\0\na.yaml\0");
        let records: Vec<_> = log_records(&log).collect();
        assert_eq!(records.len(), 2);
        let (id, at, names) = &records[0];
        assert_eq!((*id, at.timestamp()), ("aaa", 100));
        // A leading line feed and spaces are the name's; a name that is
        // not UTF-8 is no document's.
        assert_eq!(names, &["\na.yaml", " b.yaml "]);
        assert_eq!(records[1].2, ["a.yaml"]);
    }

    /// A history of many commits of many files, and file names of every
    /// length: reading it grows about linearly.
    #[test]
    fn reading_the_history_grows_linearly_with_it() {
        let history = |n: usize| {
            let mut log = Vec::new();
            for i in 0..n {
                log.extend_from_slice(format!("\x1e{i:040} {i}\0\n").as_bytes());
                for j in 0..4 {
                    log.extend_from_slice(format!("{}{j}.yaml\0", "d/".repeat(i % 50)).as_bytes());
                }
            }
            log
        };
        datasurface_fixtures::growth::assert_near_linear(
            "reading git history",
            100..=1_000_000,
            history,
            |log| {
                assert!(log_records(log).count() > 0);
            },
        );
    }
}
