//! Saved renderings on disk (feature `fs`): the one place that reads and
//! writes them, for the command line and for platforms that apply plans.
//! Rendering itself never touches the file system.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::confined::{ConfinedError, no_link_below, read_regular};
use datasurface_platform::{ARTIFACTS_DIR, INDEX_FILE, SavedFile, SavedRenderingError};
use datasurface_platform::{Artifact, ArtifactKey, ArtifactSink, Rendering, SavedIndex, SinkError};

/// The largest file a saved rendering may hold, in bytes.
pub const MAX_SAVED_FILE_BYTES: u64 = 256 << 20;

/// Why a saved rendering directory could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SavedDirError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The directory holds files but no saved rendering; it is never replaced.
    #[error("{0} holds files but no saved rendering (`{INDEX_FILE}`); refusing to replace it")]
    NotARendering(PathBuf),
    /// A link, FIFO, socket or device below the directory, or a file too
    /// large: never followed, read or written through.
    #[error(transparent)]
    Refused(#[from] ConfinedError),
    /// The files are there but do not make a rendering.
    #[error("{path} is not a usable saved rendering: {source}")]
    Unreadable {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: SavedRenderingError,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SavedDirError + '_ {
    move |source| SavedDirError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads the files below `dir` (inside `root`) in name order: regular
/// files and folders only, no link followed, no file larger than
/// [`MAX_SAVED_FILE_BYTES`].
fn read_tree(root: &Path, dir: &Path, files: &mut Vec<SavedFile>) -> Result<(), SavedDirError> {
    let mut entries: Vec<(PathBuf, fs::FileType)> = fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|e| e.and_then(|e| Ok((e.path(), e.file_type()?))))
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        if kind.is_symlink() {
            return Err(ConfinedError::Link { path }.into());
        }
        if kind.is_dir() {
            read_tree(root, &path, files)?;
            continue;
        }
        let bytes = read_regular(&path, MAX_SAVED_FILE_BYTES)?
            .ok_or_else(|| io(&path)(std::io::Error::from(std::io::ErrorKind::NotFound)))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            io(&path)(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))
        })?;
        let parts: Vec<String> = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.push(SavedFile::new(parts.join("/"), text));
    }
    Ok(())
}

/// Reads a rendering saved in a directory. An empty directory is an empty
/// rendering; a missing one is an error of kind `NotFound`.
pub fn read_rendering(dir: &Path) -> Result<Rendering, SavedDirError> {
    let mut files = Vec::new();
    read_tree(dir, dir, &mut files)?;
    if files.is_empty() {
        return Ok(Rendering::default());
    }
    Rendering::from_files(&files).map_err(|source| SavedDirError::Unreadable {
        path: dir.to_path_buf(),
        source,
    })
}

/// Saves the rendering in a directory, replacing a rendering saved there
/// before but never anything else. Only what changed is written: an
/// artifact file whose content the saved index recorded with the same
/// hash, and that still holds exactly that content, is left as it is
/// (so a one-team change rewrites that team's artifacts, and tools that
/// watch the files see only those); every other file is replaced whole
/// (written beside it, then renamed over it), the index last, and files
/// the new rendering no longer has are removed.
///
/// A file is not read to tell that it still holds what the index
/// recorded when nothing has touched it since that save: it is a regular
/// file of the recorded content's length, last modified before the index
/// was (strictly: a file changed in the same tick of the file system's
/// clock is read). Only a hand that edits a file and sets its time back
/// goes unseen; reading the rendering (`read_rendering`) checks every hash.
///
/// [`RenderingWriter`] does the same for a rendering that comes artifact
/// by artifact, without holding it whole.
pub fn write_rendering(rendering: &Rendering, dir: &Path) -> Result<Written, SavedDirError> {
    let mut writer = RenderingWriter::open(dir)?;
    let artifacts: Vec<(&ArtifactKey, &Artifact)> = rendering.artifacts.iter().collect();
    for (key, artifact) in &artifacts {
        // The rendering's keys are distinct.
        let _ = writer.index.add((*key).clone(), artifact);
    }
    writer.write(&artifacts)?;
    writer.finish()
}

/// Writes a rendering into a directory as a platform renders it: an
/// [`ArtifactSink`] for [`DataPlatform::render_into`], so the rendering is
/// never held whole, only its index. What it writes, keeps and removes is
/// what [`write_rendering`] does; artifacts are compared and written in
/// batches of a few megabytes, each on every core.
///
/// ```no_run
/// use datasurface_platform::PlatformRegistry;
/// use datasurface_platform::graph::IntentionGraphs;
/// use datasurface_platform::rules::validate::ValidEcosystem;
/// use datasurface_runtime::RenderingWriter;
///
/// fn save_nightly(
///     registry: &PlatformRegistry,
///     valid: &ValidEcosystem,
///     graphs: &IntentionGraphs,
/// ) -> Result<(), Box<dyn std::error::Error>> {
///     let mut writer = RenderingWriter::open("out/nightly".as_ref())?;
///     let _warnings = datasurface_platform::render_platform_into(
///         registry, valid, graphs, "Nightly", &mut writer,
///     )?;
///     let written = writer.finish()?;
///     println!("{} written, {} as they were", written.written, written.unchanged);
///     Ok(())
/// }
/// ```
///
/// Until [`finish`](Self::finish) writes the index, the folder's files
/// may not match it: a render that fails (or a writer dropped unfinished)
/// leaves the index of the rendering saved before over files partly
/// replaced, which [`read_rendering`] reports, and a render that then
/// finishes repairs.
///
/// [`DataPlatform::render_into`]: datasurface_platform::DataPlatform::render_into
#[derive(Debug)]
pub struct RenderingWriter {
    dir: PathBuf,
    /// What the rendering saved here before listed: only those files may
    /// go, and those whose hash is unchanged may stay.
    before: BTreeMap<String, String>,
    /// When its index was written.
    saved_at: Option<std::time::SystemTime>,
    /// Folders checked (no link on the way) and made, each looked at once.
    folders: Mutex<BTreeSet<PathBuf>>,
    /// The index of what was put.
    index: SavedIndex,
    /// Artifacts put and not yet written, and their bytes.
    pending: Vec<(ArtifactKey, Artifact)>,
    pending_bytes: usize,
    /// The file system's latest time among the artifact files written or
    /// read: the index must be later.
    last_written: Option<std::time::SystemTime>,
    /// When to write what is held: [`BATCH_BYTES`], [`BATCH_FILES`].
    batch: (usize, usize),
    done: Written,
}

/// How many bytes of artifacts a [`RenderingWriter`] holds before it
/// writes them.
const BATCH_BYTES: usize = 8 << 20;
/// How many artifacts it holds at most before it writes them.
const BATCH_FILES: usize = 2048;
/// How many times the index is written again, 2 ms apart, to fall in a
/// later tick of the file system's clock than its files.
const TICK_TRIES: usize = 50;

/// When a file was last modified, by the file system's clock.
fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::symlink_metadata(path).and_then(|m| m.modified()).ok()
}

impl RenderingWriter {
    /// Starts writing into `dir`, which may be missing, empty, or hold a
    /// rendering saved before (replaced); a folder holding anything else
    /// is refused ([`SavedDirError::NotARendering`]) before anything is
    /// written.
    pub fn open(dir: &Path) -> Result<Self, SavedDirError> {
        let mut before: BTreeMap<String, String> = BTreeMap::new();
        let mut saved_at = None;
        if dir.exists() {
            let empty = fs::read_dir(dir).map_err(io(dir))?.next().is_none();
            if !empty {
                let index = dir.join(INDEX_FILE);
                let Some(bytes) = read_regular(&index, MAX_SAVED_FILE_BYTES)? else {
                    return Err(SavedDirError::NotARendering(dir.to_path_buf()));
                };
                saved_at = modified(&index);
                let text = String::from_utf8_lossy(&bytes);
                before = datasurface_platform::listed_files(&text)
                    .map_err(|source| SavedDirError::Unreadable {
                        path: dir.to_path_buf(),
                        source,
                    })?
                    .into_iter()
                    .collect();
            }
        }
        // Into the directory (a link to one stays a link), each file
        // replaced whole, the index last; the directory is made with the
        // first file, so a render refused before it puts one leaves none.
        Ok(RenderingWriter {
            dir: dir.to_path_buf(),
            before,
            saved_at,
            folders: Mutex::new(BTreeSet::new()),
            index: SavedIndex::new(),
            pending: Vec::new(),
            pending_bytes: 0,
            last_written: None,
            batch: (BATCH_BYTES, BATCH_FILES),
            done: Written::default(),
        })
    }

    /// Writes what is still held, then the index, then removes the files
    /// of the rendering saved before that this one no longer has.
    pub fn finish(mut self) -> Result<Written, SavedDirError> {
        self.flush()?;
        let dir = &self.dir;
        let now: BTreeSet<String> = self
            .index
            .keys()
            .map(|key| format!("{ARTIFACTS_DIR}/{key}"))
            .collect();
        let index = dir.join(INDEX_FILE);
        no_link_below(dir, &index)?;
        let text = self.index.text();
        write_whole(&index, &text)?;
        // The index is written after its files, and must be seen to be:
        // a file whose time is not strictly before the index's is read the
        // next time (`untouched_since`), and the folder does not count as
        // unchanged (`unchanged_since_saved`). File systems keep time in
        // ticks of up to a few milliseconds, so an index written in the
        // tick of its last file is written again in the next tick.
        if let Some(last) = self.last_written {
            for _ in 0..TICK_TRIES {
                if modified(&index).is_none_or(|at| at > last) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
                write_whole(&index, &text)?;
            }
        }
        let mut written = self.done;
        for path in self.before.keys().filter(|p| !now.contains(p.as_str())) {
            let file = dir.join(path);
            no_link_below(dir, &file)?;
            match fs::remove_file(&file) {
                Ok(()) => {
                    remove_empty_parents(dir, &file);
                    written.removed += 1;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&file)(e)),
            }
        }
        Ok(written)
    }

    /// Writes the artifacts held.
    fn flush(&mut self) -> Result<(), SavedDirError> {
        let pending = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let batch: Vec<(&ArtifactKey, &Artifact)> = pending.iter().map(|(k, a)| (k, a)).collect();
        self.write(&batch)
    }

    /// Compares and writes a batch of artifacts on every core; the first
    /// error in the batch's order is the one said.
    fn write(&mut self, artifacts: &[(&ArtifactKey, &Artifact)]) -> Result<(), SavedDirError> {
        let outcomes = datasurface_stdx::parallel::each(
            artifacts,
            |(_, artifact)| artifact.content.len(),
            |(key, artifact)| self.keep(key, artifact),
        );
        for kept in outcomes {
            match kept? {
                Kept::Written(at) => {
                    self.done.written += 1;
                    self.last_written = self.last_written.max(at);
                }
                Kept::Untouched => self.done.unchanged += 1,
                Kept::Compared(at) => {
                    self.done.unchanged += 1;
                    self.done.compared += 1;
                    self.last_written = self.last_written.max(at);
                }
            }
        }
        Ok(())
    }

    /// One artifact's file: left as it is when it holds the content, else
    /// replaced.
    fn keep(&self, key: &ArtifactKey, artifact: &Artifact) -> Result<Kept, SavedDirError> {
        let dir = &self.dir;
        let relative = format!("{ARTIFACTS_DIR}/{key}");
        let path = dir.join(&relative);
        let parent = path.parent().unwrap_or(dir);
        let known = self
            .folders
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(parent);
        if !known {
            // No folder on the way to a file may be a link: a write or
            // removal through one would change files outside the directory.
            no_link_below(dir, &path)?;
            fs::create_dir_all(parent).map_err(io(parent))?;
            self.folders
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(
                    parent
                        .ancestors()
                        .take_while(|a| a.starts_with(dir))
                        .map(Path::to_path_buf),
                );
        }
        if self.before.get(&relative) != Some(&artifact.hash) {
            replace(&path, &artifact.content)?;
            return Ok(Kept::Written(modified(&path)));
        }
        if untouched_since(&path, artifact.content.len(), self.saved_at) {
            return Ok(Kept::Untouched);
        }
        let same = matches!(
            read_regular(&path, MAX_SAVED_FILE_BYTES),
            Ok(Some(bytes)) if bytes == artifact.content.as_bytes()
        );
        if !same {
            replace(&path, &artifact.content)?;
            return Ok(Kept::Written(modified(&path)));
        }
        Ok(Kept::Compared(modified(&path)))
    }
}

impl ArtifactSink for RenderingWriter {
    fn put(&mut self, key: ArtifactKey, artifact: Artifact) -> Result<(), SinkError> {
        self.index.add(key.clone(), &artifact)?;
        self.pending_bytes += artifact.content.len();
        self.pending.push((key, artifact));
        if self.pending_bytes >= self.batch.0 || self.pending.len() >= self.batch.1 {
            self.flush().map_err(|e| SinkError::Failed(Box::new(e)))?;
        }
        Ok(())
    }
}

/// A saved rendering as its last save left it, by metadata alone: the
/// SHA-256 of its index's text and how many artifacts it lists, when
/// every listed file is a regular file last modified before the index
/// was (as [`write_rendering`] judges a file it need not read); `None`
/// when one is missing, replaced by something else or touched since, or
/// there is no index. No artifact is read: a caller that knows the index
/// it wrote (by its digest) knows the folder still holds that rendering,
/// save for a hand that edits a file and sets its time back.
pub fn unchanged_since_saved(dir: &Path) -> Result<Option<(String, usize)>, SavedDirError> {
    let index = dir.join(INDEX_FILE);
    no_link_below(dir, &index)?;
    let Some(bytes) = read_regular(&index, MAX_SAVED_FILE_BYTES)? else {
        return Ok(None);
    };
    let Some(saved_at) = modified(&index) else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let Ok(listed) = datasurface_platform::listed_files(&text) else {
        return Ok(None);
    };
    // Each file's time, from one walk of the folder (a link anywhere in it
    // and the folder does not count as unchanged): a file looked at from
    // its folder, not by its whole path, costs one call.
    let mut times = BTreeMap::new();
    if !file_times(dir, "", &mut times) {
        return Ok(None);
    }
    let untouched = listed
        .iter()
        .all(|(path, _)| times.get(path.as_str()).is_some_and(|t| *t < saved_at));
    if !untouched {
        return Ok(None);
    }
    Ok(Some((
        datasurface_platform::sha256_hex(&bytes),
        listed.len(),
    )))
}

/// Adds the modification time of every regular file below `dir` to
/// `times`, by its `/`-separated path from the rendering's folder
/// (`prefix`); `false` at a link, a special file, or a folder or file it
/// cannot look at.
fn file_times(
    dir: &Path,
    prefix: &str,
    times: &mut BTreeMap<String, std::time::SystemTime>,
) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    for entry in entries {
        let Ok(entry) = entry else { return false };
        let Ok(kind) = entry.file_type() else {
            return false;
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if kind.is_dir() {
            if !file_times(&entry.path(), &path, times) {
                return false;
            }
        } else if kind.is_file() {
            let Ok(modified) = entry.metadata().and_then(|m| m.modified()) else {
                return false;
            };
            times.insert(path, modified);
        } else {
            return false;
        }
    }
    true
}

/// What became of one artifact's file.
enum Kept {
    /// Written: new, changed, or changed on disk since it was saved; when
    /// it was, by the file system's clock.
    Written(Option<std::time::SystemTime>),
    /// Left as it was, untouched since it was saved (not read).
    Untouched,
    /// Left as it was, read and found the same; when it was last
    /// modified (perhaps after the last save).
    Compared(Option<std::time::SystemTime>),
}

/// Whether the file at `path` is, by its metadata alone, as the last save
/// left it: a regular file (no link) of `len` bytes, modified strictly
/// before the index saved at `saved_at` was.
fn untouched_since(path: &Path, len: usize, saved_at: Option<std::time::SystemTime>) -> bool {
    let Some(saved_at) = saved_at else {
        return false;
    };
    fs::symlink_metadata(path).is_ok_and(|m| {
        m.file_type().is_file()
            && usize::try_from(m.len()).is_ok_and(|l| l == len)
            && m.modified().is_ok_and(|t| t < saved_at)
    })
}

/// What [`write_rendering`] did to the artifact files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Written {
    /// Files written: new, or changed since the rendering saved before.
    pub written: usize,
    /// Files left as they were: the same content as before.
    pub unchanged: usize,
    /// Of those, the files read to tell (changed on disk after the index
    /// was saved, or in the same tick); the others were not read.
    pub compared: usize,
    /// Files removed: artifacts the rendering no longer has.
    pub removed: usize,
}

/// Writes a file whole: to a temporary file beside it, then renamed over it.
fn write_whole(path: &Path, text: &str) -> Result<(), SavedDirError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(io(parent))?;
    }
    replace(path, text)
}

/// [`write_whole`] into a folder that is there.
fn replace(path: &Path, text: &str) -> Result<(), SavedDirError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(format!(".{name}.new-{}", std::process::id()));
    write_new(&temp, text.as_bytes()).map_err(io(&temp))?;
    fs::rename(&temp, path).map_err(|e| {
        let _ = fs::remove_file(&temp);
        io(path)(e)
    })
}

/// Writes `bytes` to a new file at `path`: whatever is there (a file left
/// by a crash, or a link someone put in its way) is removed, not written
/// through.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let create = || {
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    };
    let mut file = match create() {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            fs::remove_file(path)?;
            create()?
        }
        Err(e) => return Err(e),
    };
    file.write_all(bytes)
}

/// Removes the directories a removed file leaves empty, up to `root`.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasurface_platform::{Artifact, ArtifactKey};
    use proptest::prelude::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "datasurface-saved-dir-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn rendering(files: &[(&str, &str)]) -> Rendering {
        let mut r = Rendering::default();
        for (key, text) in files {
            r.insert(
                ArtifactKey::new(*key).unwrap(),
                Artifact::new(None, *text, Vec::new()),
            )
            .unwrap();
        }
        r
    }

    /// Streams `r` into `dir` in the order given, `files` artifacts a batch.
    fn stream(r: &Rendering, order: &[usize], files: usize, dir: &Path) -> Written {
        let mut writer = RenderingWriter::open(dir).unwrap();
        writer.batch = (usize::MAX, files);
        let all: Vec<_> = r.artifacts.iter().collect();
        for &i in order {
            let (key, artifact) = all[i];
            writer.put(key.clone(), artifact.clone()).unwrap();
        }
        writer.finish().unwrap()
    }

    #[test]
    fn a_streamed_rendering_is_saved_as_a_whole_one_is() {
        let dir = scratch("stream");
        let first = rendering(&[
            ("a.sql", "1"),
            ("b/c.sql", "2"),
            ("b/d.sql", "3"),
            ("e.sql", "4"),
        ]);
        let out = dir.join("out");
        // Nothing is made before the first artifact comes.
        drop(RenderingWriter::open(&out).unwrap());
        assert!(!out.exists());
        let w = stream(&first, &[3, 1, 0, 2], 2, &out);
        assert_eq!((w.written, w.unchanged, w.removed), (4, 0, 0));
        assert_eq!(read_rendering(&out).unwrap(), first);
        let whole = dir.join("whole");
        write_rendering(&first, &whole).unwrap();
        assert_eq!(
            fs::read_to_string(out.join(INDEX_FILE)).unwrap(),
            fs::read_to_string(whole.join(INDEX_FILE)).unwrap()
        );
        // Again with one changed and one gone: the rest stays as it was.
        let second = rendering(&[("a.sql", "1"), ("b/c.sql", "two"), ("e.sql", "4")]);
        let w = stream(&second, &[0, 1, 2], 1, &out);
        assert_eq!((w.written, w.unchanged, w.removed), (1, 2, 1));
        assert_eq!(read_rendering(&out).unwrap(), second);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_key_put_twice_is_refused_and_a_writer_left_unfinished_is_seen() {
        let dir = scratch("twice");
        let out = dir.join("out");
        write_rendering(&rendering(&[("a.sql", "1")]), &out).unwrap();
        let mut writer = RenderingWriter::open(&out).unwrap();
        writer.batch = (0, 1);
        let key = ArtifactKey::new("a.sql").unwrap();
        writer
            .put(key.clone(), Artifact::new(None, "changed", Vec::new()))
            .unwrap();
        let err = writer
            .put(key, Artifact::new(None, "again", Vec::new()))
            .unwrap_err();
        assert!(matches!(err, SinkError::Duplicate(_)), "{err}");
        // The render stops here; the old index no longer matches its file.
        drop(writer);
        assert!(matches!(
            read_rendering(&out),
            Err(SavedDirError::Unreadable {
                source: SavedRenderingError::Tampered(_),
                ..
            })
        ));
        // A folder of other files is refused before anything is written.
        let other = dir.join("other");
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("notes.txt"), "keep").unwrap();
        assert!(matches!(
            RenderingWriter::open(&other),
            Err(SavedDirError::NotARendering(_))
        ));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_folder_is_unchanged_until_a_file_is_touched_or_gone() {
        let dir = scratch("unchanged");
        let out = dir.join("out");
        assert!(unchanged_since_saved(&out).unwrap().is_none());
        let r = rendering(&[("a.sql", "1"), ("b/c.sql", "2")]);
        // The index falls in a later tick of the clock than its files,
        // however quickly they are written.
        write_rendering(&r, &out).unwrap();
        let index = fs::read(out.join(INDEX_FILE)).unwrap();
        let expected = Some((datasurface_platform::sha256_hex(&index), 2));
        assert_eq!(unchanged_since_saved(&out).unwrap(), expected);
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(out.join("artifacts/b/c.sql"), "2").unwrap();
        assert_eq!(unchanged_since_saved(&out).unwrap(), None);
        write_rendering(&r, &out).unwrap();
        // A link anywhere in the folder: not as the render left it.
        #[cfg(unix)]
        {
            assert!(unchanged_since_saved(&out).unwrap().is_some());
            std::os::unix::fs::symlink("/etc", out.join("artifacts/b/elsewhere")).unwrap();
            assert_eq!(unchanged_since_saved(&out).unwrap(), None);
            fs::remove_file(out.join("artifacts/b/elsewhere")).unwrap();
        }
        fs::remove_file(out.join("artifacts/a.sql")).unwrap();
        assert_eq!(unchanged_since_saved(&out).unwrap(), None);
        let _ = fs::remove_dir_all(&dir);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the order and the batches, streaming saves what
        /// writing the whole rendering saves, over any rendering before.
        #[test]
        fn streaming_in_any_order_and_batch_saves_the_same(
            before in proptest::collection::btree_map("[a-c]{1,2}(/[a-c]{1,2})?", "[xy]{0,3}", 0..6),
            after in proptest::collection::btree_map("[a-c]{1,2}(/[a-c]{1,2})?", "[xy]{0,3}", 0..6),
            seed in any::<u64>(),
            files in 1usize..4,
        ) {
            // Keys that are a file in one and a folder in the other meet
            // on disk; keep those apart.
            let clash = |m: &BTreeMap<String, String>| m.keys().any(|k| m.keys().any(|o| o.starts_with(&format!("{k}/"))));
            prop_assume!(!clash(&before) && !clash(&after));
            let to = |m: &BTreeMap<String, String>| {
                let pairs: Vec<(String, String)> = m.iter().map(|(k, v)| (format!("{k}.sql"), v.clone())).collect();
                let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                rendering(&refs)
            };
            let (before, after) = (to(&before), to(&after));
            let dir = scratch(&format!("prop-{seed}"));
            let (streamed, whole) = (dir.join("s"), dir.join("w"));
            write_rendering(&before, &streamed).unwrap();
            write_rendering(&before, &whole).unwrap();
            let mut order: Vec<usize> = (0..after.len()).collect();
            let mut rng = seed;
            for i in (1..order.len()).rev() {
                rng = rng.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                order.swap(i, usize::try_from(rng >> 33).unwrap() % (i + 1));
            }
            let s = stream(&after, &order, files, &streamed);
            let w = write_rendering(&after, &whole).unwrap();
            prop_assert_eq!((s.written, s.unchanged, s.removed), (w.written, w.unchanged, w.removed));
            prop_assert_eq!(read_rendering(&streamed).unwrap(), after.clone());
            prop_assert_eq!(read_rendering(&whole).unwrap(), after);
            let _ = fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn renderings_round_trip_through_a_directory_that_is_never_clobbered() {
        let dir =
            std::env::temp_dir().join(format!("datasurface-saved-dir-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut r = Rendering::default();
        r.insert(
            ArtifactKey::new("sql/a.sql").unwrap(),
            Artifact::new(None, "SELECT 1;", Vec::new()),
        )
        .unwrap();
        let out = dir.join("out");
        write_rendering(&r, &out).unwrap();
        assert_eq!(read_rendering(&out).unwrap(), r);
        write_rendering(&r, &out).unwrap();
        assert_eq!(read_rendering(&out).unwrap(), r);
        fs::create_dir_all(dir.join("empty")).unwrap();
        assert!(read_rendering(&dir.join("empty")).unwrap().is_empty());
        assert!(matches!(
            read_rendering(&dir.join("missing")),
            Err(SavedDirError::Io { .. })
        ));
        fs::create_dir_all(dir.join("other")).unwrap();
        fs::write(dir.join("other/notes.txt"), "keep").unwrap();
        assert!(matches!(
            write_rendering(&r, &dir.join("other")),
            Err(SavedDirError::NotARendering(_))
        ));
        assert_eq!(
            fs::read_to_string(dir.join("other/notes.txt")).unwrap(),
            "keep"
        );
        let _ = fs::remove_dir_all(&dir);
    }

    /// Saving again writes only the artifacts whose content changed, and
    /// one whose file was changed on disk since, whatever the index says.
    #[test]
    fn saving_again_writes_only_what_changed() {
        let dir =
            std::env::temp_dir().join(format!("datasurface-saved-changed-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let rendering = |b: &str| {
            let mut r = Rendering::default();
            for (key, text) in [
                ("sql/a.sql", "SELECT 1;"),
                ("sql/b.sql", b),
                ("sql/c.sql", "SELECT 3;"),
            ] {
                r.insert(
                    ArtifactKey::new(key).unwrap(),
                    Artifact::new(None, text, Vec::new()),
                )
                .unwrap();
            }
            r
        };
        let out = dir.join("out");
        let first = rendering("SELECT 2;");
        let w = write_rendering(&first, &out).unwrap();
        assert_eq!((w.written, w.unchanged, w.removed), (3, 0, 0));
        let a = out.join("artifacts/sql/a.sql");
        // A file replaced whole is a new file: its inode tells.
        #[cfg(unix)]
        let inode = |p: &Path| std::os::unix::fs::MetadataExt::ino(&fs::metadata(p).unwrap());
        #[cfg(unix)]
        let before = inode(&a);
        // One artifact changed: one file written, the others kept as they are.
        let second = rendering("SELECT 22;");
        let w = write_rendering(&second, &out).unwrap();
        assert_eq!((w.written, w.unchanged, w.removed), (1, 2, 0));
        #[cfg(unix)]
        assert_eq!(inode(&a), before);
        assert_eq!(read_rendering(&out).unwrap(), second);
        // A file changed by hand is written again, though its hash did not change.
        fs::write(out.join("artifacts/sql/c.sql"), "DROP TABLE x;").unwrap();
        let w = write_rendering(&second, &out).unwrap();
        assert_eq!((w.written, w.unchanged), (1, 2));
        assert_eq!(read_rendering(&out).unwrap(), second);
        // Files untouched since the index was saved are not read: with
        // their times a second before the index's, saving again reads none.
        let saved = fs::metadata(out.join(INDEX_FILE))
            .unwrap()
            .modified()
            .unwrap();
        let earlier = saved - std::time::Duration::from_secs(1);
        for key in ["a", "b", "c"] {
            let file = fs::File::options()
                .write(true)
                .open(out.join(format!("artifacts/sql/{key}.sql")))
                .unwrap();
            file.set_modified(earlier).unwrap();
        }
        let w = write_rendering(&second, &out).unwrap();
        assert_eq!((w.written, w.unchanged, w.compared), (0, 3, 0));
        // A hand edit of the same length after the save is read, and mended.
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(out.join("artifacts/sql/a.sql"), "SELECT 9;").unwrap();
        let w = write_rendering(&second, &out).unwrap();
        assert_eq!((w.written, w.unchanged), (1, 2));
        assert_eq!(read_rendering(&out).unwrap(), second);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_new_rendering_removes_only_what_the_last_one_wrote() {
        let dir =
            std::env::temp_dir().join(format!("datasurface-saved-only-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let artifact = |key: &str| {
            (
                ArtifactKey::new(key).unwrap(),
                Artifact::new(None, "SELECT 1;", Vec::new()),
            )
        };
        let mut first = Rendering::default();
        for key in ["sql/a.sql", "sql/gone/b.sql"] {
            let (k, a) = artifact(key);
            first.insert(k, a).unwrap();
        }
        let mut second = Rendering::default();
        let (k, a) = artifact("sql/a.sql");
        second.insert(k, a).unwrap();
        // The output is a link to a directory: it stays a link.
        let real = dir.join("real");
        fs::create_dir_all(&real).unwrap();
        let out = dir.join("out");
        std::os::unix::fs::symlink(&real, &out).unwrap();
        write_rendering(&first, &out).unwrap();
        fs::write(out.join("artifacts/sql/mine.txt"), "someone's notes").unwrap();
        write_rendering(&second, &out).unwrap();
        assert!(fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
        assert_eq!(read_rendering(&real).unwrap(), second);
        assert!(!real.join("artifacts/sql/gone").exists());
        assert_eq!(
            fs::read_to_string(real.join("artifacts/sql/mine.txt")).unwrap(),
            "someone's notes"
        );
        // An index naming a path out of its directory is refused, and nothing is removed.
        fs::write(dir.join("victim.txt"), "keep").unwrap();
        fs::write(
            out.join(INDEX_FILE),
            "{\"format\": 1, \"artifacts\": {\"../../victim.txt\": {\"hash\": \"x\"}}}",
        )
        .unwrap();
        assert!(matches!(
            write_rendering(&second, &out),
            Err(SavedDirError::Unreadable { .. })
        ));
        assert!(dir.join("victim.txt").exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn links_on_the_way_are_refused_and_never_written_through() {
        let dir =
            std::env::temp_dir().join(format!("datasurface-saved-links-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let outside = dir.join("outside");
        fs::create_dir_all(&outside).unwrap();
        let mut r = Rendering::default();
        for key in ["sql/a.sql", "sql/b.sql", "dags/c.json"] {
            r.insert(
                ArtifactKey::new(key).unwrap(),
                Artifact::new(None, "SELECT 1;", Vec::new()),
            )
            .unwrap();
        }
        // A folder of the rendering made a link out of it: refused, whatever
        // other file of that folder is written first.
        let out = dir.join("out");
        fs::create_dir_all(out.join("artifacts")).unwrap();
        std::os::unix::fs::symlink(&outside, out.join("artifacts/sql")).unwrap();
        assert!(write_rendering(&r, &out).is_err());
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        // A link where a file's temporary goes is replaced, not followed.
        let target = outside.join("target.txt");
        fs::write(&target, "keep").unwrap();
        let temp = dir.join("temp.txt");
        std::os::unix::fs::symlink(&target, &temp).unwrap();
        write_new(&temp, b"new").unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(fs::read_to_string(&temp).unwrap(), "new");
        assert!(
            !fs::symlink_metadata(&temp)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
