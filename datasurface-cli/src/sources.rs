//! Reading model files from disk: the only IO the model needs.
//!
//! A model directory is untrusted: every team writes part of it in a pull
//! request. Only regular files under the directory are read. A symbolic link
//! is followed only if it resolves inside the directory; one that leads out
//! of it, cannot be resolved (a loop, a missing target), or names a FIFO,
//! socket or device is refused before anything is read from it, so nothing
//! outside the model can be printed or approved. Files and the whole model
//! are limited in size.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use datasurface_model::files::{self, Format, LoadError, ParsedFile, SourceFile};

/// The largest model file read, in bytes.
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;

/// The most bytes read for one model, over all its files.
pub(crate) const MAX_MODEL_BYTES: u64 = 1 << 30;

/// The names a model directory's root document may have.
const ROOT_NAMES: [&str; 3] = ["ecosystem.yaml", "ecosystem.yml", "ecosystem.json"];

/// A file of a model to read, with its share of the model's size limit.
struct Entry {
    path: PathBuf,
    /// Its size on disk, capped at the per-file limit.
    size: u64,
    /// What the files before it (by their sizes on disk) leave of the
    /// model's limit, so the files are read at once and the outcome is the
    /// same as reading them one after the other.
    share: u64,
}

/// The files of a model, in path order: one file, or every `.yaml`, `.yml`
/// and `.json` file under a directory (hidden entries skipped); and the
/// entries refused on the way.
fn list_model(path: &Path) -> Result<(Vec<Entry>, Vec<LoadError>), Vec<LoadError>> {
    let shown = path.display().to_string();
    let metadata = fs::metadata(path).map_err(|e| vec![io_error(&shown, &e, "check the path")])?;
    if metadata.is_file() {
        // A file named on the command line is the caller's choice, link or not.
        let entry = Entry {
            path: path.to_owned(),
            size: metadata.len().min(MAX_FILE_BYTES),
            share: MAX_MODEL_BYTES,
        };
        return Ok((vec![entry], Vec::new()));
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
    let root = fs::canonicalize(path).map_err(|e| vec![io_error(&shown, &e, "check the path")])?;
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
    let mut budget = MAX_MODEL_BYTES;
    let entries = paths
        .into_iter()
        .map(|path| {
            let size = fs::metadata(&path)
                .map_or(0, |m| m.len())
                .min(MAX_FILE_BYTES);
            let share = budget;
            budget = budget.saturating_sub(size);
            Entry { path, size, share }
        })
        .collect();
    Ok((entries, errors))
}

impl Entry {
    fn weight(&self) -> usize {
        usize::try_from(self.size).unwrap_or(usize::MAX)
    }

    fn read(&self) -> Result<SourceFile, LoadError> {
        read_file(&self.path, &mut { self.share })
    }
}

/// The entries refused and the files that could not be read, or what was
/// made of every file.
fn gather<T>(
    mut errors: Vec<LoadError>,
    done: Vec<Result<T, LoadError>>,
) -> Result<Vec<T>, Vec<LoadError>> {
    let mut made = Vec::with_capacity(done.len());
    for result in done {
        match result {
            Ok(item) => made.push(item),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(made)
    } else {
        Err(errors)
    }
}

/// A hash of the model's files: each file's path under the model and its
/// text, in order, so it names the content wherever the command runs. The
/// service's entity tags and GitOps renderings' `source.json` use it.
pub(crate) fn model_hash(model: &Path, sources: &[SourceFile]) -> String {
    let mut all = String::new();
    for file in sources {
        let path = Path::new(&file.path);
        let under = path
            .strip_prefix(model)
            .ok()
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| path.file_name().map(Path::new))
            .unwrap_or(path);
        all.push_str(&under.to_string_lossy());
        all.push('\0');
        all.push_str(&datasurface_platform::content_hash(&file.text));
        all.push('\n');
    }
    datasurface_platform::content_hash(&all)
}

/// Reads a model: one file, or every `.yaml`, `.yml` and `.json` file under a
/// directory (hidden entries skipped), in path order. Paths in messages are
/// shown relative to the current directory when they were given so.
pub(crate) fn read_model(path: &Path) -> Result<Vec<SourceFile>, Vec<LoadError>> {
    let (entries, refused) = list_model(path)?;
    gather(
        refused,
        datasurface_model::parallel::each(&entries, Entry::weight, Entry::read),
    )
}

/// The files `read_model` would read (and the directories' own paths are
/// not among them), in path order; none when the model cannot be listed.
/// For noticing a change without reading anything.
pub(crate) fn list_files(path: &Path) -> Vec<PathBuf> {
    list_model(path).map_or_else(
        |_| Vec::new(),
        |(entries, _)| entries.into_iter().map(|e| e.path).collect(),
    )
}

/// A model read and parsed file by file: each file's text is let go as
/// soon as it is parsed, so a command holds the model and the few files in
/// hand, never every text beside the model.
pub(crate) struct ParsedModel {
    /// The files, in path order, their texts empty until [`restore`]d.
    pub(crate) files: Vec<SourceFile>,
    /// Each file's document, for [`files::assemble`](datasurface_model::files::assemble).
    pub(crate) parsed: Vec<ParsedFile>,
    /// What the texts were, to read them again for messages.
    pub(crate) released: Released,
}

/// A file read and parsed, its text let go: its path, its document and
/// its fingerprint.
type Done = (String, ParsedFile, (usize, u64));

fn parsed_model(
    refused: Vec<LoadError>,
    done: Vec<Result<Done, LoadError>>,
) -> Result<ParsedModel, Vec<LoadError>> {
    let done = gather(refused, done)?;
    let mut model = ParsedModel {
        files: Vec::with_capacity(done.len()),
        parsed: Vec::with_capacity(done.len()),
        released: Released {
            fingerprints: Vec::with_capacity(done.len()),
        },
    };
    for (path, parsed, print) in done {
        model.files.push(SourceFile::new(path, String::new()));
        model.parsed.push(parsed);
        model.released.fingerprints.push(print);
    }
    Ok(model)
}

/// Pairs files found in only one of two models (a file moved or renamed in
/// a change) by their size, so that one with the same bytes is still parsed
/// once ([`files::parse_pair`] compares the bytes; a pair whose bytes differ
/// is parsed twice, as two lone files would be). Pairs by place come first,
/// unchanged.
fn pair_moved<'e>(
    pairs: Vec<(Option<&'e Entry>, Option<&'e Entry>)>,
) -> Vec<(Option<&'e Entry>, Option<&'e Entry>)> {
    let (mut paired, lone): (Vec<_>, Vec<_>) = pairs
        .into_iter()
        .partition(|pair| matches!(pair, (Some(_), Some(_))));
    // Proposed lone files by size, each taken at most once.
    let mut proposed_by_size: BTreeMap<u64, Vec<&'e Entry>> = BTreeMap::new();
    let mut lone_base = Vec::new();
    for pair in lone {
        match pair {
            (Some(b), None) => lone_base.push(b),
            (None, Some(p)) => proposed_by_size.entry(p.size).or_default().push(p),
            _ => {}
        }
    }
    for b in lone_base {
        let p = proposed_by_size.get_mut(&b.size).and_then(Vec::pop);
        paired.push((Some(b), p));
    }
    paired.extend(
        proposed_by_size
            .into_values()
            .flatten()
            .map(|p| (None, Some(p))),
    );
    paired
}

/// A file's path, document and fingerprint, its text let go.
fn done(file: SourceFile, parsed: ParsedFile) -> Done {
    let print = fingerprint(&file.text);
    (file.path, parsed, print)
}

/// Reads and parses a model (as [`read_model`] reads it), on every core,
/// each file's text let go once parsed.
pub(crate) fn parse_model(path: &Path) -> Result<ParsedModel, Vec<LoadError>> {
    parse_listed(list_model(path))
}

fn parse_listed(
    listed: Result<(Vec<Entry>, Vec<LoadError>), Vec<LoadError>>,
) -> Result<ParsedModel, Vec<LoadError>> {
    let (entries, refused) = listed?;
    let done = datasurface_model::parallel::each(&entries, Entry::weight, |entry| {
        entry.read().map(parse_one)
    });
    parsed_model(refused, done)
}

/// A file parsed on its own, its text let go.
fn parse_one(file: SourceFile) -> Done {
    let parsed = files::parse(&file);
    done(file, parsed)
}

/// Reads and parses two models at once, such as the base and the proposed
/// model of a change: a file at the same place in both, with the same
/// bytes, is parsed once ([`files::parse_pair`]). Each result is that of
/// [`parse_model`].
pub(crate) fn parse_models(
    base: &Path,
    proposed: &Path,
) -> (
    Result<ParsedModel, Vec<LoadError>>,
    Result<ParsedModel, Vec<LoadError>>,
) {
    let (base_list, proposed_list) = (list_model(base), list_model(proposed));
    let (Ok((base_entries, base_refused)), Ok((proposed_entries, proposed_refused))) =
        (&base_list, &proposed_list)
    else {
        return (parse_listed(base_list), parse_listed(proposed_list));
    };
    // Each file paired with the file at the same place in the other model.
    let place = |root: &Path, entry: &Entry| {
        entry
            .path
            .strip_prefix(root)
            .map_or_else(|_| entry.path.clone(), Path::to_owned)
    };
    let mut pairs: BTreeMap<PathBuf, (Option<&Entry>, Option<&Entry>)> = BTreeMap::new();
    for entry in base_entries {
        pairs.entry(place(base, entry)).or_default().0 = Some(entry);
    }
    for entry in proposed_entries {
        pairs.entry(place(proposed, entry)).or_default().1 = Some(entry);
    }
    let pairs = pair_moved(pairs.into_values().collect());
    let done = datasurface_model::parallel::each(
        &pairs,
        |(b, p)| b.map_or(0, Entry::weight) + p.map_or(0, Entry::weight),
        |&(b, p)| match (b.map(Entry::read), p.map(Entry::read)) {
            (Some(Ok(b)), Some(Ok(p))) => {
                let (base_parsed, proposed_parsed) = files::parse_pair(&b, &p);
                (
                    Some(Ok(done(b, base_parsed))),
                    Some(Ok(done(p, proposed_parsed))),
                )
            }
            (b, p) => (
                b.map(|read| read.map(parse_one)),
                p.map(|read| read.map(parse_one)),
            ),
        },
    );
    // Back in each model's own order: its entries' order.
    let mut by_path: BTreeMap<&Path, Result<Done, LoadError>> = BTreeMap::new();
    let mut proposed_by_path: BTreeMap<&Path, Result<Done, LoadError>> = BTreeMap::new();
    for ((b, p), (b_done, p_done)) in pairs.iter().zip(done) {
        if let (Some(entry), Some(d)) = (b, b_done) {
            by_path.insert(entry.path.as_path(), d);
        }
        if let (Some(entry), Some(d)) = (p, p_done) {
            proposed_by_path.insert(entry.path.as_path(), d);
        }
    }
    let in_order = |entries: &[Entry], by_path: &mut BTreeMap<&Path, Result<Done, LoadError>>| {
        entries
            .iter()
            .filter_map(|e| by_path.remove(e.path.as_path()))
            .collect::<Vec<_>>()
    };
    let base_done = in_order(base_entries, &mut by_path);
    let proposed_done = in_order(proposed_entries, &mut proposed_by_path);
    (
        parsed_model(base_refused.clone(), base_done),
        parsed_model(proposed_refused.clone(), proposed_done),
    )
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

/// The texts of a loaded model's files, let go until a message needs them.
///
/// Once a model is loaded its files' texts serve only to show where a
/// finding is. A check that has nothing to show never holds them beside the
/// model (84 MB for the generated model of 100,000 datasets), and one that
/// has reads them again, on every core. A file whose bytes are not what was
/// loaded (it changed while the command ran) is not shown from: its lines
/// would point at the wrong places.
pub(crate) struct Released {
    /// Each file's length and hash, in the files' order.
    fingerprints: Vec<(usize, u64)>,
}

/// The fingerprint of a text: its length and a hash of its bytes.
fn fingerprint(text: &str) -> (usize, u64) {
    use std::hash::BuildHasher as _;
    (
        text.len(),
        foldhash::quality::FixedState::with_seed(0x6461_7461_7375_7266).hash_one(text),
    )
}

impl Released {
    /// Reads the texts of `files` again; the paths of files that are not
    /// what was loaded, whose texts are left empty.
    pub(crate) fn restore(&self, files: &mut [SourceFile]) -> Vec<String> {
        let paths: Vec<(&str, usize)> = files
            .iter()
            .zip(&self.fingerprints)
            .map(|(file, &(len, _))| (file.path.as_str(), len))
            .collect();
        let read = datasurface_model::parallel::each(
            &paths,
            |&(_, len)| len,
            |&(path, _)| {
                // Only a regular file is opened again (a FIFO put in its
                // place would block); what it holds must still match.
                let path = Path::new(path);
                if !fs::metadata(path).is_ok_and(|m| m.is_file()) {
                    return None;
                }
                let mut budget = MAX_FILE_BYTES;
                read_file(path, &mut budget).ok()
            },
        );
        let mut changed = Vec::new();
        for ((file, again), print) in files.iter_mut().zip(read).zip(&self.fingerprints) {
            match again {
                Some(again) if fingerprint(&again.text) == *print => file.text = again.text,
                _ => changed.push(file.path.clone()),
            }
        }
        changed
    }
}

/// Reads the texts of `files` again to show findings in them, and says
/// which files changed while the command ran.
pub(crate) fn restore(
    app: &crate::app::App<'_>,
    released: &Released,
    files: &mut [SourceFile],
    err: &mut dyn std::io::Write,
) {
    for path in released.restore(files) {
        let _ = writeln!(
            err,
            "{}: `{path}` changed while it was checked; its findings are shown without their lines",
            app.paint(crate::app::Paint::Warning, "warning")
        );
    }
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
    fn released_texts_come_back_unless_the_file_changed() {
        let dir = std::env::temp_dir().join(format!("datasurface-released-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("teams")).unwrap();
        fs::write(dir.join("ecosystem.yaml"), "kind: Ecosystem\n").unwrap();
        fs::write(dir.join("teams/a.yaml"), "kind: Team\n").unwrap();
        let before: Vec<String> = read_model(&dir)
            .unwrap()
            .into_iter()
            .map(|f| f.text)
            .collect();
        let ParsedModel {
            mut files,
            parsed,
            released,
        } = parse_model(&dir).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(files.iter().all(|f| f.text.is_empty()));
        assert!(released.restore(&mut files).is_empty());
        let after: Vec<String> = files.iter().map(|f| f.text.clone()).collect();
        assert_eq!(after, before);

        let forget = |files: &mut [SourceFile]| files.iter_mut().for_each(|f| f.text.clear());
        forget(&mut files);
        // The same length, other bytes: a change is seen all the same.
        fs::write(dir.join("teams/a.yaml"), "kind: Tame\n").unwrap();
        let changed = released.restore(&mut files);
        assert_eq!(changed.len(), 1);
        assert!(changed[0].ends_with("a.yaml"), "{changed:?}");
        assert!(files[1].text.is_empty());
        assert_eq!(files[0].text, before[0]);

        // Not a regular file any more: not opened, not shown from.
        fs::remove_file(dir.join("teams/a.yaml")).unwrap();
        fs::create_dir(dir.join("teams/a.yaml")).unwrap();
        forget(&mut files);
        assert_eq!(released.restore(&mut files).len(), 1);
        assert!(files[1].text.is_empty());
        let _ = fs::remove_dir_all(&dir);
    }
}
