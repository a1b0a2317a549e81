//! A model held in memory: for tests, and for applications that read a
//! model from somewhere other than a directory (a Git tree, a request).

use std::collections::BTreeMap;

use datasurface_files::{Format, LoadError, SourceFile};
use sha2::{Digest as _, Sha256};

use crate::source::{Listed, Listing, MAX_FILE_BYTES, ModelSource, NamedContent, NamedFileError};

/// A model's files in memory, by their paths from the model's root.
///
/// Documents are the files whose names end in `.yaml`, `.yml` or `.json`,
/// outside hidden folders, listed in path order, as a directory's are; any
/// file can be named by the model (a hook module, a source file).
///
/// ```
/// use datasurface_gate::{Gate, MemoryModel};
/// use datasurface_gate::platform::PlatformRegistry;
///
/// let model = MemoryModel::new().with_file(
///     "ecosystem.yaml",
///     "apiVersion: datasurface.dev/v1
/// kind: Ecosystem
/// name: Empty
/// owningRepository: {name: my-org/model, branch: main}
/// liveRepository: {name: my-org/model, branch: live}
/// ",
/// );
/// let checked = Gate::new(PlatformRegistry::new()).check(&model);
/// assert!(checked.passes(false), "{:?}", checked.findings());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryModel {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemoryModel {
    /// A model with no files.
    pub fn new() -> Self {
        MemoryModel::default()
    }

    /// Adds (or replaces) the file at `path` from the model's root.
    #[must_use]
    pub fn with_file(mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.insert(path, bytes);
        self
    }

    /// Adds (or replaces) the file at `path` from the model's root.
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }

    /// Removes the file at `path` from the model's root; its bytes, if it
    /// was there.
    pub fn remove(&mut self, path: &str) -> Option<Vec<u8>> {
        self.files
            .remove(path)
            .or_else(|| self.files.remove(&Self::key(path)))
    }

    /// A path as stored: `/`-separated, without `./`.
    fn key(path: &str) -> String {
        path.trim_start_matches("./").replace('\\', "/")
    }

    fn is_document(path: &str) -> bool {
        Format::of_path(path).is_some() && !path.split('/').any(|part| part.starts_with('.'))
    }
}

/// A listed document's bytes held in memory, as its text: within the
/// limits a document on disk is read within, and UTF-8.
pub(crate) fn document_in_memory(
    document: &Listed,
    bytes: &[u8],
    budget: u64,
) -> Result<SourceFile, LoadError> {
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if read > MAX_FILE_BYTES {
        return Err(LoadError::document(
            &document.path,
            format!(
                "the file is larger than {} MiB, the most a model file may be",
                MAX_FILE_BYTES >> 20
            ),
            "split it: each zone and team can have its own document",
        ));
    }
    if read > budget {
        return Err(LoadError::document(
            &document.path,
            format!(
                "the model is larger than {} MiB in all, the most datasurface reads",
                crate::source::MAX_MODEL_BYTES >> 20
            ),
            "check that the model holds only its documents",
        ));
    }
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
        LoadError::document(
            &document.path,
            format!(
                "the file is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            "save the file as UTF-8",
        )
    })?;
    Ok(SourceFile::new(document.path.clone(), text))
}

impl ModelSource for MemoryModel {
    fn list(&self) -> Result<Listing, Vec<LoadError>> {
        let has_root = ["ecosystem.yaml", "ecosystem.yml", "ecosystem.json"]
            .iter()
            .any(|name| self.files.contains_key(*name));
        if !has_root {
            return Err(vec![LoadError::document(
                "(model in memory)",
                "the model has no ecosystem.yaml",
                "a model holds `ecosystem.yaml` (the Ecosystem document) and any number of zone and team documents",
            )]);
        }
        let documents = self
            .files
            .iter()
            .filter(|(path, _)| Self::is_document(path))
            .map(|(path, bytes)| Listed {
                path: path.clone(),
                place: path.clone(),
                size: u64::try_from(bytes.len())
                    .unwrap_or(u64::MAX)
                    .min(MAX_FILE_BYTES),
            })
            .collect();
        Ok(Listing {
            documents,
            refused: Vec::new(),
        })
    }

    fn read(&self, document: &Listed, budget: u64) -> Result<SourceFile, LoadError> {
        let bytes = self.files.get(&document.place).ok_or_else(|| {
            LoadError::document(
                &document.path,
                "is not in the model",
                "list the model again",
            )
        })?;
        document_in_memory(document, bytes, budget)
    }

    fn read_named(&self, path: &str, max: u64) -> Result<Vec<u8>, NamedFileError> {
        let bytes = self
            .files
            .get(&Self::key(path))
            .ok_or_else(|| NamedFileError::missing(path))?;
        let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if size > max {
            return Err(NamedFileError::too_large(path, size, max));
        }
        Ok(bytes.clone())
    }

    fn named_content(&self, path: &str) -> NamedContent {
        let key = Self::key(path);
        if let Some(bytes) = self.files.get(&key) {
            return NamedContent::Digest(datasurface_platform::sha256_hex(bytes));
        }
        // A folder: every file below it, by its path below it and digest.
        let prefix = format!("{}/", key.trim_end_matches('/'));
        let mut hasher = Sha256::new();
        let mut any = false;
        for (file, bytes) in self.files.range(prefix.clone()..) {
            let Some(below) = file.strip_prefix(&prefix) else {
                break;
            };
            any = true;
            hasher.update(below.as_bytes());
            hasher.update([0]);
            hasher.update(datasurface_platform::sha256_hex(bytes).as_bytes());
            hasher.update([b'\n']);
        }
        if any {
            NamedContent::Digest(datasurface_platform::to_hex(&hasher.finalize()))
        } else {
            NamedContent::Missing
        }
    }

    fn root_shown(&self) -> String {
        "the model's root".to_owned()
    }
}
