//! Saved renderings: one file per artifact plus an index, so a plan can compare a
//! new render with what was last applied.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rendering::{Artifact, ArtifactKey, DuplicateArtifact, Rendering, content_hash};

/// The index file of a saved rendering.
pub const INDEX_FILE: &str = "rendering.json";
/// The folder that holds the artifacts of a saved rendering.
pub const ARTIFACTS_DIR: &str = "artifacts";

/// A file of a saved rendering: its path relative to the rendering's directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SavedFile {
    /// The relative path, `/`-separated.
    pub path: String,
    /// The text.
    pub text: String,
}

impl SavedFile {
    /// A file at a relative, `/`-separated path.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SavedFile {
            path: path.into(),
            text: text.into(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Index {
    format: u32,
    artifacts: BTreeMap<ArtifactKey, Entry>,
}

/// [`Index`] as it is written, borrowing its entries.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IndexRef<'a> {
    format: u32,
    artifacts: &'a BTreeMap<ArtifactKey, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Entry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    node: Option<datasurface_graph::NodeKey>,
    hash: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<ArtifactKey>,
}

/// Why a saved rendering could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SavedRenderingError {
    /// The index is missing.
    #[error("the saved rendering has no `{INDEX_FILE}`")]
    NoIndex,
    /// The index does not parse.
    #[error("`{INDEX_FILE}` is not a saved-rendering index: {0}")]
    BadIndex(String),
    /// An artifact's file is missing.
    #[error("`{0}` is listed in `{INDEX_FILE}` but its file is missing")]
    Missing(String),
    /// An artifact's file does not match the hash the index recorded: it changed after it was saved.
    #[error("`{0}` does not match the hash in `{INDEX_FILE}`: it was changed after it was saved")]
    Tampered(String),
}

/// The artifact files a saved rendering's index lists: each one's checked
/// relative path under [`ARTIFACTS_DIR`] and the content hash recorded.
pub fn listed_files(index_text: &str) -> Result<Vec<(String, String)>, SavedRenderingError> {
    let index: Index = serde_json::from_str(index_text)
        .map_err(|e| SavedRenderingError::BadIndex(e.to_string()))?;
    Ok(index
        .artifacts
        .into_iter()
        .map(|(k, entry)| (format!("{ARTIFACTS_DIR}/{k}"), entry.hash))
        .collect())
}

/// A saved rendering's index, built artifact by artifact without keeping
/// their content: what a writer that streams a rendering to disk
/// (`datasurface_runtime::RenderingWriter`) writes last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedIndex {
    artifacts: BTreeMap<ArtifactKey, Entry>,
}

impl SavedIndex {
    /// An index of no artifacts.
    pub fn new() -> Self {
        SavedIndex::default()
    }

    /// Lists an artifact (its node, hash and dependencies) under a key no
    /// other has; a key listed before is an error naming both nodes, as
    /// [`Rendering::insert`]'s is.
    pub fn add(&mut self, key: ArtifactKey, artifact: &Artifact) -> Result<(), DuplicateArtifact> {
        let entry = Entry {
            node: artifact.node.clone(),
            hash: artifact.hash.clone(),
            depends_on: artifact.depends_on.clone(),
        };
        match self.artifacts.entry(key) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(entry);
                Ok(())
            }
            std::collections::btree_map::Entry::Occupied(there) => {
                let of = |node: Option<&datasurface_graph::NodeKey>| {
                    node.map_or_else(|| "no node".to_owned(), |n| format!("node `{n}`"))
                };
                Err(DuplicateArtifact {
                    key: there.key().clone(),
                    first: of(there.get().node.as_ref()),
                    second: of(artifact.node.as_ref()),
                })
            }
        }
    }

    /// The artifacts listed, in key order.
    pub fn keys(&self) -> impl Iterator<Item = &ArtifactKey> {
        self.artifacts.keys()
    }

    /// How many artifacts are listed.
    pub fn len(&self) -> usize {
        self.artifacts.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.artifacts.is_empty()
    }

    /// The text of [`INDEX_FILE`]: each artifact's graph node, content
    /// hash and dependencies, by key.
    pub fn text(&self) -> String {
        let index = IndexRef {
            format: 1,
            artifacts: &self.artifacts,
        };
        format!("{:#}\n", serde_json::to_value(&index).unwrap_or_default())
    }
}

impl Rendering {
    /// The text of the rendering's index, [`INDEX_FILE`]: each artifact's
    /// graph node, content hash and dependencies, by key.
    pub fn index_text(&self) -> String {
        let mut index = SavedIndex::new();
        for (key, artifact) in &self.artifacts {
            // The rendering's keys are distinct.
            let _ = index.add(key.clone(), artifact);
        }
        index.text()
    }

    /// The rendering as files: the index and one file per artifact.
    pub fn to_files(&self) -> Vec<SavedFile> {
        let mut files = vec![SavedFile {
            path: INDEX_FILE.to_owned(),
            text: self.index_text(),
        }];
        files.extend(self.artifacts.iter().map(|(k, a)| SavedFile {
            path: format!("{ARTIFACTS_DIR}/{k}"),
            text: a.content.clone(),
        }));
        files
    }

    /// Reads a rendering back from its files, checking every artifact against its recorded hash.
    pub fn from_files(files: &[SavedFile]) -> Result<Rendering, SavedRenderingError> {
        let by_path: BTreeMap<&str, &str> = files
            .iter()
            .map(|f| (f.path.as_str(), f.text.as_str()))
            .collect();
        let index_text = by_path
            .get(INDEX_FILE)
            .ok_or(SavedRenderingError::NoIndex)?;
        let index: Index = serde_json::from_str(index_text)
            .map_err(|e| SavedRenderingError::BadIndex(e.to_string()))?;
        let mut rendering = Rendering::default();
        for (key, entry) in index.artifacts {
            let path = format!("{ARTIFACTS_DIR}/{key}");
            let content = by_path
                .get(path.as_str())
                .ok_or_else(|| SavedRenderingError::Missing(path.clone()))?;
            if content_hash(content) != entry.hash {
                return Err(SavedRenderingError::Tampered(path));
            }
            let _ = rendering.replace(
                key,
                Artifact {
                    node: entry.node,
                    content: (*content).to_owned(),
                    hash: entry.hash,
                    depends_on: entry.depends_on,
                },
            );
        }
        Ok(rendering)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rendering_survives_saving_and_tampering_is_caught() {
        let mut r = Rendering::default();
        r.insert(
            ArtifactKey::new("dags/a.py").unwrap(),
            Artifact::new(None, "print(1)\n", Vec::new()),
        )
        .unwrap();
        r.insert(
            ArtifactKey::new("sql/b.sql").unwrap(),
            Artifact::new(
                None,
                "SELECT 1;",
                vec![ArtifactKey::new("dags/a.py").unwrap()],
            ),
        )
        .unwrap();
        let files = r.to_files();
        assert_eq!(Rendering::from_files(&files).unwrap(), r);
        let mut changed = files.clone();
        changed[1].text.push('x');
        assert_eq!(
            Rendering::from_files(&changed),
            Err(SavedRenderingError::Tampered(
                "artifacts/dags/a.py".to_owned()
            ))
        );
        assert_eq!(
            Rendering::from_files(&files[1..]),
            Err(SavedRenderingError::NoIndex)
        );
        assert!(matches!(
            Rendering::from_files(&files[..2]),
            Err(SavedRenderingError::Missing(_))
        ));
    }
}
