//! A proposed change held in memory over a model's files: the base model's
//! files, with some replaced, added or removed, for checking a change
//! before anything is written (an assistant's proposal, an editor's
//! unsaved buffers, a patch from a review).

use std::collections::BTreeMap;

use datasurface_files::{Format, LoadError, SourceFile};
use diffy::patch_set::{FileOperation, ParseOptions, PatchKind, PatchSet};
use sha2::{Digest as _, Sha256};

use crate::source::{
    Listed, Listing, MAX_FILE_BYTES, MAX_MODEL_BYTES, ModelSource, NamedContent, NamedFileError,
    Resolved,
};

/// A model's files with a change laid over them: each changed file's new
/// bytes (or its removal) in memory, every other file read from the base.
///
/// Paths are from the model's root (`teams/sales.yaml`); a path that is
/// absolute, climbs out (`..`) or is empty is refused. A file set to what
/// the base already holds is no change. Nothing is written anywhere.
///
/// ```
/// use datasurface_gate::{Gate, MemoryModel, Overlay};
/// use datasurface_gate::platform::PlatformRegistry;
///
/// let base = MemoryModel::new().with_file(
///     "ecosystem.yaml",
///     "apiVersion: datasurface.dev/v1
/// kind: Ecosystem
/// name: Empty
/// owningRepository: {name: my-org/model, branch: main}
/// liveRepository: {name: my-org/model, branch: live}
/// ",
/// );
/// let mut proposed = Overlay::new(&base);
/// proposed.apply_patch(
///     "--- a/ecosystem.yaml
/// +++ b/ecosystem.yaml
/// @@ -1,3 +1,3 @@
///  apiVersion: datasurface.dev/v1
///  kind: Ecosystem
/// -name: Empty
/// +name: Renamed
/// ",
/// )?;
/// assert_eq!(proposed.changed().count(), 1);
/// let checked = Gate::new(PlatformRegistry::new()).check(&proposed);
/// assert!(checked.passes(false), "{:?}", checked.findings());
/// # Ok::<(), datasurface_gate::OverlayError>(())
/// ```
pub struct Overlay<'a> {
    base: &'a dyn ModelSource,
    /// By path from the root: the new bytes, or `None` for a removal.
    changed: BTreeMap<String, Option<Vec<u8>>>,
    /// The bytes held in memory, over every changed file.
    held: u64,
}

impl std::fmt::Debug for Overlay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overlay")
            .field("base", &self.base.root_shown())
            .field("changed", &self.changed.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// Why a change could not be laid over a model: each names the file and
/// says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OverlayError {
    /// A path that is not a file's path inside the model.
    #[error(
        "`{path}` is not a path inside the model ({why}); name each file by its path from the model's root, such as `teams/sales.yaml`"
    )]
    Path {
        /// The path as given.
        path: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The patch is not a unified diff.
    #[error("the patch cannot be read: {0}; give a unified diff, as `git diff` prints it")]
    Patch(String),
    /// A file's part of the patch does not apply to the model's file.
    #[error(
        "the patch does not apply to `{path}`: {why}; make the patch against the model as it is now"
    )]
    NotApplied {
        /// The file.
        path: String,
        /// Why not.
        why: String,
    },
    /// More bytes than a model may hold.
    #[error(
        "the change holds more than {} MiB, the most a model may; change fewer files",
        MAX_MODEL_BYTES >> 20
    )]
    TooLarge,
}

impl<'a> Overlay<'a> {
    /// No change yet over `base`.
    pub fn new(base: &'a dyn ModelSource) -> Self {
        Overlay {
            base,
            changed: BTreeMap::new(),
            held: 0,
        }
    }

    /// Sets the file at `path` to `bytes` (adding it if the base lacks it).
    ///
    /// # Errors
    ///
    /// When `path` is not inside the model, or the change grows past what
    /// a model may hold.
    pub fn write(&mut self, path: &str, bytes: impl Into<Vec<u8>>) -> Result<(), OverlayError> {
        let key = key(path)?;
        let bytes = bytes.into();
        let same = self
            .base
            .read_named(&key, MAX_FILE_BYTES)
            .is_ok_and(|base| base == bytes);
        if same {
            self.unchanged(&key);
            Ok(())
        } else {
            self.put(key, Some(bytes))
        }
    }

    /// Removes the file at `path` (nothing, if the base lacks it).
    ///
    /// # Errors
    ///
    /// When `path` is not inside the model.
    pub fn remove(&mut self, path: &str) -> Result<(), OverlayError> {
        let key = key(path)?;
        let in_base = self.base.read_named(&key, MAX_FILE_BYTES).is_ok();
        if in_base {
            self.put(key, None)
        } else {
            self.unchanged(&key);
            Ok(())
        }
    }

    /// The base's file at `key` stands.
    fn unchanged(&mut self, key: &str) {
        if let Some(old) = self.changed.remove(key) {
            self.held -= old.map_or(0, |b| b.len() as u64);
        }
    }

    /// The file at `key` becomes `bytes` (`None`: removed).
    fn put(&mut self, key: String, bytes: Option<Vec<u8>>) -> Result<(), OverlayError> {
        self.unchanged(&key);
        let held = self.held + bytes.as_ref().map_or(0, |b| b.len() as u64);
        if held > MAX_MODEL_BYTES {
            return Err(OverlayError::TooLarge);
        }
        self.held = held;
        self.changed.insert(key, bytes);
        Ok(())
    }

    /// Applies a unified diff (as `git diff` or `diff -u` print it, one or
    /// many files; `a/` and `b/` prefixes taken off) to the model's files
    /// as this overlay has them: files created, changed, renamed, copied
    /// or deleted. Nothing is changed unless every file's part applies.
    ///
    /// # Errors
    ///
    /// When the patch is not a unified diff, holds a binary change, names a
    /// path outside the model, or does not apply to a file as it is.
    pub fn apply_patch(&mut self, diff: &str) -> Result<(), OverlayError> {
        let git = diff.starts_with("diff --git ") || diff.contains("\ndiff --git ");
        let options = if git {
            ParseOptions::gitdiff()
        } else {
            ParseOptions::unidiff()
        };
        let files = PatchSet::parse(diff, options)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| OverlayError::Patch(e.to_string()))?;
        if files.is_empty() {
            return Err(OverlayError::Patch("it changes no file".to_owned()));
        }
        // Applied to a copy: a patch applies whole or not at all.
        let mut next = Overlay {
            base: self.base,
            changed: self.changed.clone(),
            held: self.held,
        };
        for file in &files {
            let strip = usize::from(prefixed(file.operation()));
            let operation = file.operation().strip_prefix(strip);
            let PatchKind::Text(text) = file.patch() else {
                return Err(OverlayError::Patch(format!(
                    "it holds a binary change ({operation:?}); a model's files are text"
                )));
            };
            let applied = |from: &str, next: &Overlay<'_>| -> Result<String, OverlayError> {
                let base = if from.is_empty() {
                    String::new()
                } else {
                    next.text(from)?
                };
                diffy::apply(&base, text).map_err(|e| OverlayError::NotApplied {
                    path: from.to_owned(),
                    why: e.to_string(),
                })
            };
            match operation {
                FileOperation::Create(path) => {
                    let text = applied("", &next)?;
                    next.write(&path, text)?;
                }
                FileOperation::Delete(path) => {
                    next.text(&path)?;
                    next.remove(&path)?;
                }
                FileOperation::Modify { original, modified } => {
                    let text = applied(&original, &next)?;
                    if original != modified {
                        next.remove(&original)?;
                    }
                    next.write(&modified, text)?;
                }
                FileOperation::Rename { from, to } => {
                    let text = applied(&from, &next)?;
                    next.remove(&from)?;
                    next.write(&to, text)?;
                }
                FileOperation::Copy { from, to } => {
                    let text = applied(&from, &next)?;
                    next.write(&to, text)?;
                }
            }
        }
        self.changed = next.changed;
        self.held = next.held;
        Ok(())
    }

    /// The text of the file at `path` as this overlay has it.
    fn text(&self, path: &str) -> Result<String, OverlayError> {
        let key = key(path)?;
        let bytes = match self.changed.get(&key) {
            Some(Some(bytes)) => bytes.clone(),
            Some(None) => {
                return Err(OverlayError::NotApplied {
                    path: key,
                    why: "the change removes it".to_owned(),
                });
            }
            None => self.base.read_named(&key, MAX_FILE_BYTES).map_err(|e| {
                OverlayError::NotApplied {
                    path: key.clone(),
                    why: e.to_string(),
                }
            })?,
        };
        String::from_utf8(bytes).map_err(|_| OverlayError::NotApplied {
            path: key,
            why: "it is not UTF-8 text".to_owned(),
        })
    }

    /// Each changed file, in path order: its new bytes, or `None` where it
    /// is removed.
    pub fn changed(&self) -> impl Iterator<Item = (&str, Option<&[u8]>)> {
        self.changed
            .iter()
            .map(|(path, bytes)| (path.as_str(), bytes.as_deref()))
    }
}

/// Whether a patch's paths carry git's `a/` and `b/` prefixes.
fn prefixed(operation: &FileOperation<'_, str>) -> bool {
    let (a, b) = match operation {
        FileOperation::Create(path) => return path.starts_with("b/"),
        FileOperation::Delete(path) => return path.starts_with("a/"),
        FileOperation::Modify { original, modified } => (original, modified),
        FileOperation::Rename { from, to } | FileOperation::Copy { from, to } => (from, to),
    };
    a.starts_with("a/") && b.starts_with("b/")
}

/// A path from the model's root, as kept: `/`-separated, without `./`;
/// one that is not inside the model is refused.
fn key(path: &str) -> Result<String, OverlayError> {
    let refuse = |why| {
        Err(OverlayError::Path {
            path: datasurface_stdx::text::for_terminal(path).into_owned(),
            why,
        })
    };
    let path = path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    if path.is_empty() {
        return refuse("it is empty");
    }
    if path.starts_with('/') || path.get(1..2) == Some(":") {
        return refuse("it is absolute");
    }
    if path.chars().any(char::is_control) {
        return refuse("it holds a control character");
    }
    for part in path.split('/') {
        match part {
            "" | "." => return refuse("it has an empty or `.` part"),
            ".." => return refuse("it climbs out with `..`"),
            _ => {}
        }
    }
    Ok(path.to_owned())
}

/// Whether a path is one of the model's documents, as a directory lists them.
fn is_document(path: &str) -> bool {
    Format::of_path(path).is_some() && !path.split('/').any(|part| part.starts_with('.'))
}

impl ModelSource for Overlay<'_> {
    fn list(&self) -> Result<Listing, Vec<LoadError>> {
        let mut listing = self.base.list()?;
        // How the base names its documents: `place` under a prefix.
        let prefix = listing
            .documents
            .iter()
            .find_map(|d| d.path.strip_suffix(&d.place))
            .unwrap_or_default()
            .to_owned();
        listing
            .documents
            .retain(|d| !self.changed.contains_key(&d.place));
        for (place, bytes) in &self.changed {
            let Some(bytes) = bytes else { continue };
            if is_document(place) {
                listing.documents.push(Listed {
                    path: format!("{prefix}{place}"),
                    place: place.clone(),
                    size: (bytes.len() as u64).min(MAX_FILE_BYTES),
                });
            }
        }
        listing.documents.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(listing)
    }

    fn read(&self, document: &Listed, budget: u64) -> Result<SourceFile, LoadError> {
        let Some(change) = self.changed.get(&document.place) else {
            return self.base.read(document, budget);
        };
        let Some(bytes) = change else {
            return Err(LoadError::document(
                &document.path,
                "is removed by the change",
                "list the model again",
            ));
        };
        crate::memory::document_in_memory(document, bytes, budget)
    }

    fn stamp(&self, document: &Listed) -> Option<String> {
        if self.changed.contains_key(&document.place) {
            None
        } else {
            self.base.stamp(document)
        }
    }

    fn read_again(&self, document: &Listed) -> Option<SourceFile> {
        if self.changed.contains_key(&document.place) {
            self.read(document, MAX_FILE_BYTES).ok()
        } else {
            self.base.read_again(document)
        }
    }

    fn read_named(&self, path: &str, max: u64) -> Result<Vec<u8>, NamedFileError> {
        let Ok(key) = key(path) else {
            return self.base.read_named(path, max);
        };
        match self.changed.get(&key) {
            None => self.base.read_named(path, max),
            Some(None) => Err(NamedFileError::missing(path)),
            Some(Some(bytes)) => {
                let size = bytes.len() as u64;
                if size > max {
                    return Err(NamedFileError::too_large(path, size, max));
                }
                Ok(bytes.clone())
            }
        }
    }

    fn named_content(&self, path: &str) -> NamedContent {
        let base = self.base.named_content(path);
        let Ok(key) = key(path) else {
            return base;
        };
        if let Some(change) = self.changed.get(&key) {
            return match change {
                Some(bytes) => NamedContent::Digest(datasurface_platform::sha256_hex(bytes)),
                None => NamedContent::Missing,
            };
        }
        // A folder with changed files below it: a digest of the base's and
        // of the changes (each a real change: a file set to what the base
        // holds is not kept), so it differs from the base's exactly when
        // something below changed.
        let prefix = format!("{}/", key.trim_end_matches('/'));
        let below: Vec<_> = self
            .changed
            .range(prefix.clone()..)
            .take_while(|(file, _)| file.starts_with(&prefix))
            .collect();
        if below.is_empty() {
            return base;
        }
        if matches!(base, NamedContent::Missing) && below.iter().all(|(_, c)| c.is_none()) {
            return NamedContent::Missing;
        }
        let mut hasher = Sha256::new();
        hasher.update(format!("{base:?}").as_bytes());
        for (file, change) in below {
            hasher.update(file.as_bytes());
            hasher.update([0]);
            match change {
                Some(bytes) => hasher.update(datasurface_platform::sha256_hex(bytes).as_bytes()),
                None => hasher.update(b"-"),
            }
            hasher.update([b'\n']);
        }
        NamedContent::Digest(datasurface_platform::to_hex(&hasher.finalize()))
    }

    fn resolve(&self, path: &str) -> Resolved {
        match key(path) {
            Ok(key) if self.changed.contains_key(&key) => Resolved::Inside(key),
            _ => self.base.resolve(path),
        }
    }

    fn root_shown(&self) -> String {
        self.base.root_shown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryModel;

    fn base() -> MemoryModel {
        MemoryModel::new()
            .with_file("ecosystem.yaml", "a\nb\nc\n")
            .with_file("teams/t.yaml", "one\ntwo\n")
            .with_file("hooks/h.wasm", vec![0, 1, 2])
    }

    fn listed(o: &Overlay<'_>) -> Vec<String> {
        o.list()
            .unwrap()
            .documents
            .into_iter()
            .map(|d| d.place)
            .collect()
    }

    #[test]
    fn paths_outside_the_model_are_refused() {
        let base = base();
        let mut o = Overlay::new(&base);
        for bad in [
            "",
            "/etc/passwd",
            "../x.yaml",
            "a/../../x",
            "C:/x",
            "a//b",
            "a\0b",
        ] {
            let e = o.write(bad, "x").unwrap_err();
            assert!(
                e.to_string().contains("not a path inside the model"),
                "{bad}: {e}"
            );
        }
        o.write("./teams/new.yaml", "x").unwrap();
        assert_eq!(
            listed(&o),
            ["ecosystem.yaml", "teams/new.yaml", "teams/t.yaml"]
        );
    }

    #[test]
    fn a_file_set_to_what_the_base_holds_is_no_change() {
        let base = base();
        let mut o = Overlay::new(&base);
        o.write("teams/t.yaml", "changed\n").unwrap();
        assert_eq!(o.changed().count(), 1);
        o.write("teams/t.yaml", "one\ntwo\n").unwrap();
        o.remove("teams/absent.yaml").unwrap();
        assert_eq!(o.changed().count(), 0);
        assert_eq!(o.named_content("teams"), base.named_content("teams"));
        o.remove("teams/t.yaml").unwrap();
        assert_eq!(listed(&o), ["ecosystem.yaml"]);
        assert_ne!(o.named_content("teams"), base.named_content("teams"));
        assert_eq!(o.named_content("teams/t.yaml"), NamedContent::Missing);
        assert_eq!(o.read_named("hooks/h.wasm", 10).unwrap(), vec![0, 1, 2]);
    }

    #[test]
    fn a_git_patch_creates_changes_renames_and_deletes_files() {
        let base = base();
        let mut o = Overlay::new(&base);
        o.apply_patch(
            "diff --git a/ecosystem.yaml b/ecosystem.yaml
--- a/ecosystem.yaml
+++ b/ecosystem.yaml
@@ -1,3 +1,3 @@
 a
-b
+B
 c
diff --git a/teams/new.yaml b/teams/new.yaml
new file mode 100644
--- /dev/null
+++ b/teams/new.yaml
@@ -0,0 +1 @@
+new
diff --git a/teams/t.yaml b/teams/u.yaml
similarity index 100%
rename from teams/t.yaml
rename to teams/u.yaml
",
        )
        .unwrap();
        assert_eq!(
            listed(&o),
            ["ecosystem.yaml", "teams/new.yaml", "teams/u.yaml"]
        );
        assert_eq!(o.read_named("ecosystem.yaml", 100).unwrap(), b"a\nB\nc\n");
        assert_eq!(o.read_named("teams/u.yaml", 100).unwrap(), b"one\ntwo\n");
        assert_eq!(o.read_named("teams/new.yaml", 100).unwrap(), b"new\n");
        o.apply_patch("--- a/teams/new.yaml\n+++ /dev/null\n@@ -1 +0,0 @@\n-new\n")
            .unwrap();
        assert_eq!(listed(&o), ["ecosystem.yaml", "teams/u.yaml"]);
    }

    #[test]
    fn a_patch_that_does_not_apply_changes_nothing() {
        let base = base();
        let mut o = Overlay::new(&base);
        let e = o
            .apply_patch(
                "--- a/ecosystem.yaml\n+++ b/ecosystem.yaml\n@@ -1 +1 @@\n-a\n+A\n--- a/teams/t.yaml\n+++ b/teams/t.yaml\n@@ -1 +1 @@\n-zzz\n+y\n",
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("does not apply to `teams/t.yaml`"),
            "{e}"
        );
        assert_eq!(o.changed().count(), 0);
        let e = o.apply_patch("not a patch").unwrap_err();
        assert!(e.to_string().contains("cannot be read"), "{e}");
        let e = o
            .apply_patch("--- a/../x\n+++ b/../x\n@@ -1 +1 @@\n-a\n+b\n")
            .unwrap_err();
        assert!(e.to_string().contains("climbs out"), "{e}");
    }
}
