//! The GitOps layout: every platform's rendering in a folder of
//! its own under one directory, for a branch that Terraform, Argo or a
//! platform's own applier watches.
//!
//! `datasurface render --all --out OUT` and `datasurface advance` write it;
//! an applier outside this project reads it with this module:
//!
//! - one folder per platform, named by [`folder_name`] (any platform name is
//!   one safe path component, and distinct names stay distinct);
//! - in it, the saved rendering (`rendering.json` and `artifacts/`, see
//!   [`Rendering::to_files`]) and [`SOURCE_FILE`], a [`SourceRecord`] that
//!   says which model the rendering came from and the hash of the rendering
//!   it describes ([`rendering_hash`]).
//!
//! The record's JSON changes only by adding fields (a reader ignores fields
//! it does not know); [`SOURCE_FORMAT`] changes if a field ever changes
//! meaning.
//!
//! ```
//! use datasurface_runtime::gitops::{folder_name, ModelSource, SourceRecord};
//!
//! assert_eq!(folder_name("Azure Platform"), "Azure%20Platform");
//! let model = ModelSource::new(Some("4f1c2a9e0b7d".into()), false, "9a0b".repeat(16));
//! let record = SourceRecord::new("Azure Platform", "airflow", model, "c0ffee".into());
//! let json = record.to_json()?;
//! assert_eq!(SourceRecord::from_json(json.as_bytes())?, record);
//! assert_eq!(record.model.short(), "4f1c2a9e0b7d");
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};

use datasurface_platform::{Rendering, content_hash};

/// The file in each platform's folder that names the model it was rendered from.
pub const SOURCE_FILE: &str = "source.json";

/// The layout's version, written in every [`SourceRecord`].
pub const SOURCE_FORMAT: u32 = 1;

/// The longest folder name written whole; longer ones are shortened.
pub const MAX_FOLDER: usize = 120;

/// What a platform's folder was rendered from: `source.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SourceRecord {
    /// The layout's version ([`SOURCE_FORMAT`] when written by this version).
    pub format: u32,
    /// The platform, by its name in the model.
    pub platform: String,
    /// Its kind.
    pub kind: String,
    /// The model.
    pub model: ModelSource,
    /// The SHA-256 of the rendering's index, which holds every artifact's
    /// hash ([`rendering_hash`]).
    pub rendering: String,
}

impl SourceRecord {
    /// The record of a platform's rendering, in the current format.
    pub fn new(platform: &str, kind: &str, model: ModelSource, rendering: String) -> Self {
        SourceRecord {
            format: SOURCE_FORMAT,
            platform: platform.to_owned(),
            kind: kind.to_owned(),
            model,
            rendering,
        }
    }

    /// The record as `source.json` holds it: pretty JSON and a newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        datasurface_platform::to_spec_json(self)
    }

    /// Reads a record from `source.json`'s bytes.
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// The model a rendering came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModelSource {
    /// The commit, given or asked of git; `None` outside a repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Whether the model's files differed from that commit.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub uncommitted_changes: bool,
    /// The SHA-256 of the model's files (each path under the model and its content).
    pub content_hash: String,
}

impl ModelSource {
    /// A model by its commit (if any), whether its files differed from it,
    /// and the hash of its files.
    pub fn new(commit: Option<String>, uncommitted_changes: bool, content_hash: String) -> Self {
        ModelSource {
            commit,
            uncommitted_changes,
            content_hash,
        }
    }

    /// The short name people read: the commit's first 12 characters, or the content hash's.
    pub fn short(&self) -> String {
        let full = self.commit.as_deref().unwrap_or(&self.content_hash);
        let mut short: String = full.chars().take(12).collect();
        if self.uncommitted_changes {
            short.push_str(" with uncommitted changes");
        }
        short
    }
}

/// The folder a platform's rendering goes in: its name with every byte
/// outside `A-Z a-z 0-9 _ - .` (and a first `_`, `-` or `.`, so no folder
/// is hidden or reads as an option) written `%XX`, so any name is one
/// folder (never `..`, never a path) and distinct names stay distinct. A
/// name that escapes to more than [`MAX_FOLDER`] bytes (file systems allow
/// 255) keeps its first 100 and ends in `~` and 16 hex digits of its
/// SHA-256, which no escaped name contains.
pub fn folder_name(platform: &str) -> String {
    let mut folder = String::with_capacity(platform.len());
    for byte in platform.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.') && !folder.is_empty()
        {
            folder.push(char::from(byte));
        } else {
            let _ = write!(folder, "%{byte:02X}");
        }
    }
    if folder.len() > MAX_FOLDER {
        let mut cut = 100;
        // Never end inside an escape.
        while folder[..cut].ends_with('%') || folder[..cut - 1].ends_with('%') {
            cut -= 1;
        }
        folder.truncate(cut);
        folder.push('~');
        folder.push_str(&content_hash(platform)[..16]);
    }
    folder
}

/// Two platforms whose folders would be one on a file system that ignores
/// case (macOS, Windows).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FolderClash {
    /// The platform named first.
    pub first: String,
    /// The platform named later.
    pub second: String,
    /// The later one's folder.
    pub folder: String,
}

impl fmt::Display for FolderClash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "platforms `{}` and `{}` would share the folder `{}` on a file system that ignores case; rename one of them",
            self.first, self.second, self.folder
        )
    }
}

/// The platforms, in the order given, whose folders meet another's when
/// case is ignored.
pub fn folder_clashes<'a>(platforms: impl IntoIterator<Item = &'a str>) -> Vec<FolderClash> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut clashes = Vec::new();
    for name in platforms {
        let folder = folder_name(name);
        if let Some(other) = seen.insert(folder.to_ascii_lowercase(), name) {
            clashes.push(FolderClash {
                first: other.to_owned(),
                second: name.to_owned(),
                folder,
            });
        }
    }
    clashes
}

/// The hash that names a whole rendering: its index's, which lists every
/// artifact's hash.
pub fn rendering_hash(rendering: &Rendering) -> String {
    rendering
        .to_files()
        .first()
        .map_or_else(String::new, |index| content_hash(&index.text))
}

#[cfg(feature = "fs")]
pub use folder::{SourceRecordError, read_source_record, write_source_record};

#[cfg(feature = "fs")]
mod folder {
    use std::path::{Path, PathBuf};

    use super::{SOURCE_FILE, SourceRecord};
    use crate::confined::{ConfinedError, read_regular};

    /// Why a platform folder's `source.json` cannot be read or written.
    #[derive(Debug, thiserror::Error)]
    #[error("{kind}")]
    pub struct SourceRecordError {
        kind: Kind,
    }

    #[derive(Debug, thiserror::Error)]
    enum Kind {
        #[error("{} is not a source record: {source}", path.display())]
        NotARecord {
            path: PathBuf,
            source: serde_json::Error,
        },
        #[error(transparent)]
        Refused(#[from] ConfinedError),
        #[error("cannot write {}: {source}", path.display())]
        Write {
            path: PathBuf,
            source: std::io::Error,
        },
    }

    impl SourceRecordError {
        /// What the file's holder can do about it.
        pub fn help(&self) -> &'static str {
            match self.kind {
                Kind::NotARecord { .. } => {
                    "render the platform again with `datasurface advance … --platform NAME --force`"
                }
                Kind::Refused(_) => {
                    "a platform's folder holds only what datasurface wrote; remove it, and render the platform again with `--force`"
                }
                Kind::Write { .. } => "check that the folder is writable and has room",
            }
        }
    }

    /// Reads a platform folder's `source.json`: `Ok(None)` when there is
    /// none. The file must be a regular file (a link, FIFO or device in its
    /// place is refused) of at most a mebibyte.
    pub fn read_source_record(folder: &Path) -> Result<Option<SourceRecord>, SourceRecordError> {
        let path = folder.join(SOURCE_FILE);
        let refused = |e: ConfinedError| SourceRecordError { kind: e.into() };
        let Some(bytes) = read_regular(&path, 1 << 20).map_err(refused)? else {
            return Ok(None);
        };
        SourceRecord::from_json(&bytes)
            .map(Some)
            .map_err(|source| SourceRecordError {
                kind: Kind::NotARecord { path, source },
            })
    }

    /// Writes a platform folder's `source.json` whole: a new file beside it,
    /// then renamed over it, so a reader never sees half a record.
    pub fn write_source_record(
        folder: &Path,
        record: &SourceRecord,
    ) -> Result<(), SourceRecordError> {
        let path = folder.join(SOURCE_FILE);
        let failed = |path: &Path, source| SourceRecordError {
            kind: Kind::Write {
                path: path.to_path_buf(),
                source,
            },
        };
        let text = record
            .to_json()
            .map_err(|e| failed(&path, std::io::Error::other(e)))?;
        let temp = folder.join(format!(".{SOURCE_FILE}.new-{}", std::process::id()));
        crate::write_new(&temp, text.as_bytes())
            .and_then(|()| std::fs::rename(&temp, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&temp);
                failed(&path, e)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::{folder_clashes, folder_name};

    #[test]
    fn folders_are_one_safe_name_each() {
        assert_eq!(folder_name("Dev"), "Dev");
        assert_eq!(folder_name("Azure Platform"), "Azure%20Platform");
        assert_eq!(folder_name(".."), "%2E.");
        assert_eq!(folder_name("."), "%2E");
        assert_eq!(folder_name("a\\b"), "a%5Cb");
        assert_eq!(folder_name("50%"), "50%25");
        assert_eq!(folder_name("Zürich"), "Z%C3%BCrich");
        assert_eq!(folder_name("v1.2"), "v1.2");
        let long = "Ω".repeat(255);
        let folder = folder_name(&long);
        assert!(folder.len() <= 117 && folder.contains('~'), "{folder}");
        assert_ne!(folder_name(&"Ω".repeat(254)), folder);
    }

    #[test]
    fn folders_that_meet_when_case_is_ignored_are_refused() {
        assert_eq!(folder_clashes(["Dev", "Prod"]).len(), 0);
        let clashes = folder_clashes(["Dev", "dev"]);
        assert_eq!(clashes.len(), 1);
        assert!(
            clashes[0].to_string().contains("`Dev` and `dev`"),
            "{clashes:?}"
        );
    }

    proptest::proptest! {
        /// Any two names map to two folders, each a single safe path component.
        #[test]
        fn folder_names_are_injective_and_safe(
            (a, b) in proptest::prop_oneof![
                ("\\PC{1,12}", "\\PC{1,12}"),
                ("[a-zé%.]{30,90}", "[a-zé%.]{30,90}"),
            ]
        ) {
            let (fa, fb) = (folder_name(&a), folder_name(&b));
            proptest::prop_assert_eq!(a == b, fa == fb);
            // A name and a longer one that starts with it, past where long names are cut.
            let longer = format!("{a}{}x", "é".repeat(60));
            proptest::prop_assert_ne!(folder_name(&longer), fa.clone());
            for f in [&fa, &fb, &folder_name(&longer)] {
                proptest::prop_assert!(!f.starts_with('.'));
                proptest::prop_assert!(f.len() <= super::MAX_FOLDER);
                proptest::prop_assert!(f.bytes().all(|c| c.is_ascii_alphanumeric() || b"_-.%~".contains(&c)));
                let path = std::path::Path::new(f.as_str());
                proptest::prop_assert_eq!(path.components().count(), 1);
            }
        }
    }
}
