//! A model in a directory (or one file): the confined reader every command
//! uses.
//!
//! A model directory is untrusted: every team writes part of it in a pull
//! request. Only regular files under the directory are read. A symbolic link
//! is followed only if it resolves inside the directory; one that leads out
//! of it, cannot be resolved (a loop, a missing target), or names a FIFO,
//! socket or device is refused before anything is read from it, so nothing
//! outside the model can be printed or approved. Files and the whole model
//! are limited in size ([`MAX_FILE_BYTES`], [`MAX_MODEL_BYTES`]).
//! Directories that hold what datasurface writes (a saved rendering, a
//! `sqlite` platform's state) are skipped, so a rendering kept inside the
//! model folder is not read as documents.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use datasurface_files::{Format, LoadError, SourceFile};
use datasurface_platform::to_hex;
use datasurface_runtime::confined::resolve_inside;
use sha2::{Digest as _, Sha256};

use crate::source::{
    Listed, Listing, MAX_FILE_BYTES, MAX_MODEL_BYTES, ModelSource, NamedContent, NamedFileError,
    Resolved,
};

/// The names a model directory's root document may have.
const ROOT_NAMES: [&str; 3] = ["ecosystem.yaml", "ecosystem.yml", "ecosystem.json"];

/// The most entries one named folder may hold: a folder that large is not
/// a drop folder, and reading it would hold the gate up.
const MAX_FOLDER_ENTRIES: usize = 100_000;

/// A model on disk: a directory holding `ecosystem.yaml` and any number of
/// zone and team documents, or a single model file.
///
/// ```no_run
/// use datasurface_gate::{ModelDir, ModelSource};
///
/// let model = ModelDir::new("model");
/// for document in model.list().expect("a model directory").documents {
///     println!("{}", document.path);
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelDir {
    path: PathBuf,
}

impl ModelDir {
    /// The model at `path`: a directory or one file. Nothing is read yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        ModelDir { path: path.into() }
    }

    /// The path it was given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The directory the model's paths are relative to: the model directory,
    /// or the directory of a one-file model.
    pub fn root(&self) -> PathBuf {
        if self.path.is_dir() {
            self.path.clone()
        } else {
            self.path
                .parent()
                .map(Path::to_path_buf)
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."))
        }
    }

    /// The documents [`ModelSource::list`] lists, as paths; none when the
    /// model cannot be listed. For noticing a change without reading anything.
    pub fn files(&self) -> Vec<PathBuf> {
        self.list().map_or_else(
            |_| Vec::new(),
            |listing| {
                listing
                    .documents
                    .into_iter()
                    .map(|d| self.on_disk(&d))
                    .collect()
            },
        )
    }

    /// Where a listed document is on disk.
    fn on_disk(&self, document: &Listed) -> PathBuf {
        if self.path.is_dir() {
            self.path.join(&document.place)
        } else {
            self.path.clone()
        }
    }
}

/// A file's identity on disk and the time its metadata last changed
/// (which any write, and any setting of its modification time, moves).
#[cfg(unix)]
fn identity(meta: &fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt as _;
    format!(
        "{}:{} {}.{}",
        meta.dev(),
        meta.ino(),
        meta.ctime(),
        meta.ctime_nsec()
    )
}

/// Elsewhere, the size and modification time are the stamp.
#[cfg(not(unix))]
fn identity(_: &fs::Metadata) -> String {
    String::new()
}

impl ModelSource for ModelDir {
    fn list(&self) -> Result<Listing, Vec<LoadError>> {
        let path = self.path.as_path();
        let shown = shown_path(path);
        let metadata =
            fs::metadata(path).map_err(|e| vec![io_error(&shown, &e, "check the path")])?;
        if metadata.is_file() {
            // A file named by the caller is the caller's choice, link or not.
            let place = path
                .file_name()
                .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
            return Ok(Listing {
                documents: vec![Listed {
                    path: shown,
                    place,
                    size: metadata.len().min(MAX_FILE_BYTES),
                }],
                refused: Vec::new(),
            });
        }
        if !metadata.is_dir() {
            return Err(vec![load_error(
                &shown,
                "is not a file or directory (a FIFO, socket or device)",
                "name a model file or a model directory",
            )]);
        }
        if !ROOT_NAMES.iter().any(|name| path.join(name).is_file()) {
            return Err(vec![load_error(
                &shown,
                "the directory has no ecosystem.yaml",
                "a model directory holds `ecosystem.yaml` (the Ecosystem document) and any number of zone and team documents",
            )]);
        }
        let root =
            fs::canonicalize(path).map_err(|e| vec![io_error(&shown, &e, "check the path")])?;
        let mut walk = Walk {
            root,
            seen: BTreeSet::new(),
            paths: Vec::new(),
            errors: Vec::new(),
        };
        walk.dir(path);
        let Walk {
            mut paths, errors, ..
        } = walk;
        paths.sort();
        let documents = paths
            .into_iter()
            .map(|file| {
                let size = fs::metadata(&file)
                    .map_or(0, |m| m.len())
                    .min(MAX_FILE_BYTES);
                let place = file
                    .strip_prefix(path)
                    .map_or_else(|_| file.clone(), Path::to_owned)
                    .to_string_lossy()
                    .into_owned();
                Listed {
                    path: shown_path(&file),
                    place,
                    size,
                }
            })
            .collect();
        Ok(Listing {
            documents,
            refused: errors,
        })
    }

    fn read(&self, document: &Listed, budget: u64) -> Result<SourceFile, LoadError> {
        read_file(&self.on_disk(document), &mut { budget })
    }

    fn stamp(&self, document: &Listed) -> Option<String> {
        let meta = fs::metadata(self.on_disk(document)).ok()?;
        if !meta.is_file() {
            return None;
        }
        let modified = meta.modified().ok()?;
        // A file changed within the last second may change again within
        // the same tick of the file system's clock, and keep its time.
        let settled = std::time::SystemTime::now()
            .duration_since(modified)
            .is_ok_and(|age| age >= std::time::Duration::from_secs(1));
        if !settled {
            return None;
        }
        let since = modified.duration_since(std::time::UNIX_EPOCH).ok()?;
        Some(format!(
            "{} {} {}",
            meta.len(),
            since.as_nanos(),
            identity(&meta)
        ))
    }

    fn read_again(&self, document: &Listed) -> Option<SourceFile> {
        // Only a regular file is opened again (a FIFO put in its place
        // would block).
        let path = self.on_disk(document);
        if !fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            return None;
        }
        read_file(&path, &mut { MAX_FILE_BYTES }).ok()
    }

    fn read_named(&self, path: &str, max: u64) -> Result<Vec<u8>, NamedFileError> {
        read_named(&self.root(), path, max)
    }

    fn named_content(&self, path: &str) -> NamedContent {
        content(&self.root(), path)
    }

    fn resolve(&self, path: &str) -> Resolved {
        resolve_named(&self.root(), path)
    }

    fn root_shown(&self) -> String {
        self.root().display().to_string()
    }
}

/// Where a path the model names leads, links followed: a file that is not
/// there yet by its folder's place. An absolute path, or one whose folder
/// cannot be resolved, is taken as written (reading it is refused elsewhere).
fn resolve_named(root: &Path, file: &str) -> Resolved {
    let as_written = || Resolved::Inside(file.to_owned());
    if Path::new(file).is_absolute() {
        return as_written();
    }
    let Ok(real_root) = fs::canonicalize(root) else {
        return as_written();
    };
    let Some(real) = datasurface_runtime::confined::leads_to(&root.join(file)) else {
        return as_written();
    };
    match real.strip_prefix(&real_root) {
        Ok(inside) => Resolved::Inside(
            inside
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/"),
        ),
        Err(_) => Resolved::Outside(real.display().to_string()),
    }
}

/// Reads a file the model names, if it is a regular file that resolves
/// inside the model's root and is no larger than `max`.
fn read_named(root: &Path, file: &str, max: u64) -> Result<Vec<u8>, NamedFileError> {
    let path = root.join(file);
    let shown = path.display().to_string();
    if Path::new(file).is_absolute() {
        return Err(NamedFileError::absolute(file));
    }
    let real_root = fs::canonicalize(root)
        .map_err(|e| NamedFileError::unresolved_root(root.display().to_string(), e))?;
    let real = resolve_inside(&real_root, &path).map_err(|e| match e {
        datasurface_runtime::confined::ConfinedError::Outside { real, .. } => {
            NamedFileError::outside(&shown, real.display().to_string())
        }
        other => NamedFileError::confined(other),
    })?;
    let metadata = fs::metadata(&real).map_err(|e| NamedFileError::unreadable(&shown, e))?;
    if !metadata.is_file() {
        return Err(NamedFileError::not_regular(shown));
    }
    if metadata.len() > max {
        return Err(NamedFileError::too_large(shown, metadata.len(), max));
    }
    let mut bytes = Vec::new();
    fs::File::open(&real)
        .and_then(|f| f.take(max + 1).read_to_end(&mut bytes))
        .map_err(|e| NamedFileError::unreadable(&shown, e))?;
    if bytes.len() as u64 > max {
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        return Err(NamedFileError::too_large(shown, size, max));
    }
    Ok(bytes)
}

/// A walk of a model directory: the files to read and the entries refused.
struct Walk {
    /// The model directory, resolved.
    root: PathBuf,
    /// Directories walked, resolved, so a link back up is walked once.
    seen: BTreeSet<PathBuf>,
    paths: Vec<PathBuf>,
    errors: Vec<LoadError>,
}

impl Walk {
    fn refuse(&mut self, path: &Path, message: &str, help: &str) {
        self.errors
            .push(load_error(&shown_path(path), message, help));
    }

    fn dir(&mut self, dir: &Path) {
        match fs::canonicalize(dir) {
            Ok(real) => {
                if !self.seen.insert(real) {
                    return;
                }
            }
            Err(e) => {
                self.errors
                    .push(io_error(&shown_path(dir), &e, "check the directory"));
                return;
            }
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.errors.push(io_error(
                    &shown_path(dir),
                    &e,
                    "check the directory's permissions",
                ));
                return;
            }
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(fs::DirEntry::file_name);
        for entry in entries {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            self.entry(&entry.path());
        }
    }

    fn entry(&mut self, path: &Path) {
        let Ok(own) = fs::symlink_metadata(path) else {
            return self.refuse(path, "cannot be read", "check the path and its permissions");
        };
        let model_file = Format::of_path(&path.to_string_lossy()).is_some();
        let kind = if own.file_type().is_symlink() {
            // Followed only into the model's own directory.
            match fs::canonicalize(path) {
                Ok(target) if target.starts_with(&self.root) => match fs::metadata(&target) {
                    Ok(m) => m.file_type(),
                    Err(_) => return,
                },
                Ok(target) => {
                    if model_file || target.is_dir() {
                        self.refuse(
                            path,
                            "is a symbolic link that leads outside the model's directory; it was not read",
                            "replace the link with the file itself: a model reads only files under its own directory",
                        );
                    }
                    return;
                }
                Err(_) => {
                    if model_file {
                        self.refuse(
                            path,
                            "is a symbolic link that cannot be resolved (a loop, or a missing target)",
                            "replace the link with the file itself, or remove it",
                        );
                    }
                    return;
                }
            }
        } else {
            own.file_type()
        };
        if kind.is_dir() {
            if !is_output(path) {
                self.dir(path);
            }
        } else if model_file {
            if kind.is_file() {
                self.paths.push(path.to_owned());
            } else {
                self.refuse(
                    path,
                    "is not a regular file (a FIFO, socket or device); it was not read",
                    "model documents are regular files",
                );
            }
        }
    }
}

/// A path as messages show it: as given, without a leading `./`.
fn shown_path(path: &Path) -> String {
    let shown = path.display().to_string();
    shown
        .strip_prefix("./")
        .map_or(shown.clone(), str::to_owned)
}

/// Whether a directory holds what datasurface writes rather than model
/// documents: a saved rendering (`render --out`: its index `rendering.json`),
/// or a `sqlite` platform's state directory (`apply`, `run`, `up --state`:
/// its `merge.sqlite`), which may sit inside the model's directory and holds
/// JSON files of its own, even half-written.
fn is_output(dir: &Path) -> bool {
    let saved_rendering = dir.join(datasurface_platform::INDEX_FILE).is_file();
    let state = dir.join("merge.sqlite").is_file();
    saved_rendering || state
}

/// Reads one model file, within the per-file limit and what is left of the model's.
fn read_file(path: &Path, budget: &mut u64) -> Result<SourceFile, LoadError> {
    let shown = shown_path(path);
    let file = fs::File::open(path)
        .map_err(|e| io_error(&shown, &e, "check the path and its permissions"))?;
    let limit = MAX_FILE_BYTES.min(*budget);
    // Sized from the file's length, so the bytes are not copied as they grow.
    let expected = file.metadata().map_or(0, |m| m.len()).min(limit);
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0).saturating_add(1));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(&shown, &e, "check the path and its permissions"))?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > limit {
        return Err(if limit == MAX_FILE_BYTES {
            load_error(
                &shown,
                &format!(
                    "the file is larger than {} MiB, the most a model file may be",
                    MAX_FILE_BYTES >> 20
                ),
                "split it: each zone and team can have its own document",
            )
        } else {
            load_error(
                &shown,
                &format!(
                    "the model is larger than {} MiB in all, the most datasurface reads",
                    MAX_MODEL_BYTES >> 20
                ),
                "check that the directory holds only the model's documents",
            )
        });
    }
    *budget -= read;
    let text = String::from_utf8(bytes).map_err(|e| {
        load_error(
            &shown,
            &format!(
                "the file is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            "save the file as UTF-8",
        )
    })?;
    Ok(SourceFile::new(shown, text))
}

/// What `path` (relative to the model's root) holds, read only inside the root.
fn content(root: &Path, path: &str) -> NamedContent {
    let relative = Path::new(path);
    if relative.is_absolute() {
        // A file outside the model is no part of a pull request.
        return NamedContent::Missing;
    }
    let Ok(real_root) = std::fs::canonicalize(root) else {
        return NamedContent::Missing;
    };
    let joined = root.join(relative);
    if std::fs::symlink_metadata(&joined).is_err() {
        return NamedContent::Missing;
    }
    let real = match resolve_inside(&real_root, &joined) {
        Ok(real) => real,
        Err(why) => return NamedContent::Refused(why.to_string()),
    };
    match std::fs::metadata(&real) {
        Ok(m) if m.is_file() => match file_digest(&real) {
            Ok(digest) => NamedContent::Digest(digest),
            Err(e) => NamedContent::Refused(e.to_string()),
        },
        Ok(m) if m.is_dir() => folder_digest(&real_root, &real),
        Ok(_) => NamedContent::Refused("not a regular file or folder".to_owned()),
        Err(e) => NamedContent::Refused(e.to_string()),
    }
}

fn file_digest(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(to_hex(&hasher.finalize()))
}

/// A folder's digest: over each entry's path below it and what it holds,
/// in path order, so a file added, removed, renamed or changed changes it.
fn folder_digest(real_root: &Path, folder: &Path) -> NamedContent {
    let mut entries = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&dir) else {
            return NamedContent::Refused(format!("cannot list {}", dir.display()));
        };
        for entry in listing.flatten() {
            if entries.len() >= MAX_FOLDER_ENTRIES {
                return NamedContent::Refused(format!("more than {MAX_FOLDER_ENTRIES} entries"));
            }
            let path = entry.path();
            let below = path
                .strip_prefix(folder)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            let held = match resolve_inside(real_root, &path) {
                Err(why) => format!("refused: {why}"),
                Ok(real) => match std::fs::metadata(&real) {
                    Ok(m) if m.is_dir() && real == path => {
                        pending.push(path.clone());
                        "folder".to_owned()
                    }
                    Ok(m) if m.is_file() => {
                        file_digest(&real).unwrap_or_else(|e| format!("unreadable: {e}"))
                    }
                    _ => "refused: not a regular file".to_owned(),
                },
            };
            entries.push((below, held));
        }
    }
    entries.sort();
    let mut hasher = Sha256::new();
    for (path, held) in &entries {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(held.as_bytes());
        hasher.update([b'\n']);
    }
    NamedContent::Digest(to_hex(&hasher.finalize()))
}

fn io_error(path: &str, error: &std::io::Error, help: &str) -> LoadError {
    load_error(path, &format!("cannot read: {error}"), help)
}

fn load_error(path: &str, message: &str, help: &str) -> LoadError {
    LoadError::document(path, message, help)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn content_is_read_only_inside_the_model() {
        let dir = std::env::temp_dir().join(format!("ds-named-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("model/data")).unwrap();
        std::fs::write(dir.join("model/data/a.csv"), "x\n1\n").unwrap();
        std::fs::write(dir.join("outside.csv"), "secret\n").unwrap();
        let root = dir.join("model");
        assert!(matches!(
            content(&root, "data/a.csv"),
            NamedContent::Digest(_)
        ));
        assert!(matches!(content(&root, "data"), NamedContent::Digest(_)));
        assert_eq!(content(&root, "data/none.csv"), NamedContent::Missing);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("outside.csv"), root.join("data/link.csv"))
                .unwrap();
            assert!(matches!(
                content(&root, "data/link.csv"),
                NamedContent::Refused(why) if why.contains("resolves outside")
            ));
            // A folder with a link out hashes the refusal, never the bytes.
            let before = content(&root, "data");
            std::fs::write(dir.join("outside.csv"), "changed\n").unwrap();
            assert_eq!(content(&root, "data"), before);
        }
        let before = content(&root, "data");
        std::fs::write(root.join("data/a.csv"), "x\n2\n").unwrap();
        assert_ne!(content(&root, "data"), before);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
