//! Where the gate reads a model from: the one kind of IO it does, injected.

use datasurface_files::{LoadError, SourceFile};

/// The largest model document read, in bytes.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// The most bytes read for one model, over all its documents.
pub const MAX_MODEL_BYTES: u64 = 1 << 30;

/// One document of a model, as its source lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// The document as messages name it (as the caller gave it, without a
    /// leading `./`).
    pub path: String,
    /// Its place under the model's root (`teams/sales.yaml`), the same in
    /// any copy of the model: a change pairs the base's and the proposed
    /// model's documents by it.
    pub place: String,
    /// Its size in bytes, capped at [`MAX_FILE_BYTES`], to share out the
    /// model's limit.
    pub size: u64,
}

/// A model's documents, in path order, and the entries refused on the way
/// (a link out of the model, a FIFO): those are errors, but the rest is
/// still read, so one run reports everything.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The documents to read.
    pub documents: Vec<Listed>,
    /// What was refused, as load errors.
    pub refused: Vec<LoadError>,
}

/// What a path the model names (a source file, a folder a platform maps, a
/// hook module) holds in one copy of the model, as far as a change is
/// concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedContent {
    /// Nothing there.
    Missing,
    /// A file's or a folder's SHA-256 (a folder's over its files' paths and digests).
    Digest(String),
    /// Something that is not read: a link out of the model, a special file, an error.
    Refused(String),
}

/// Where a path the model names leads ([`ModelSource::resolve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolved {
    /// A place inside the model, by its path from the model's root.
    Inside(String),
    /// Out of the model, through a link: where it leads, to show.
    Outside(String),
}

/// Why a file the model names could not be read, for a finding: each says
/// which file and what to do. A [`ModelSource`] of its own makes one with
/// the constructors.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct NamedFileError(#[from] NamedFileErrorKind);

#[derive(Debug, thiserror::Error)]
enum NamedFileErrorKind {
    #[error(
        "{0} is an absolute path; a file the model names is inside the model, by its path from the model's root"
    )]
    Absolute(String),
    #[error("{0} is not in the model")]
    Missing(String),
    #[error(
        "{path} resolves outside the model's directory (a link to {real}); a file the model names must be inside the model"
    )]
    Outside { path: String, real: String },
    #[error("{0} is not a regular file (a directory, FIFO, socket or device)")]
    NotRegular(String),
    #[error("{path} is {size} bytes, more than the {max} it may be")]
    TooLarge { path: String, size: u64, max: u64 },
    #[error("cannot read {path}: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot resolve the model's directory {root}: {source}")]
    UnresolvedRoot {
        root: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Confined(datasurface_runtime::confined::ConfinedError),
}

impl NamedFileError {
    /// `path` is absolute: a model names files by their path from its root.
    pub fn absolute(path: impl Into<String>) -> Self {
        NamedFileErrorKind::Absolute(path.into()).into()
    }

    /// Nothing is at `path`.
    pub fn missing(path: impl Into<String>) -> Self {
        NamedFileErrorKind::Missing(path.into()).into()
    }

    /// `path` leads out of the model, to `real`.
    pub fn outside(path: impl Into<String>, real: impl Into<String>) -> Self {
        NamedFileErrorKind::Outside {
            path: path.into(),
            real: real.into(),
        }
        .into()
    }

    /// `path` is a directory, FIFO, socket or device.
    pub fn not_regular(path: impl Into<String>) -> Self {
        NamedFileErrorKind::NotRegular(path.into()).into()
    }

    /// `path` holds `size` bytes, more than `max`.
    pub fn too_large(path: impl Into<String>, size: u64, max: u64) -> Self {
        NamedFileErrorKind::TooLarge {
            path: path.into(),
            size,
            max,
        }
        .into()
    }

    /// Reading `path` failed.
    pub fn unreadable(path: impl Into<String>, source: std::io::Error) -> Self {
        NamedFileErrorKind::Unreadable {
            path: path.into(),
            source,
        }
        .into()
    }

    /// The model's own directory could not be resolved.
    pub(crate) fn unresolved_root(root: impl Into<String>, source: std::io::Error) -> Self {
        NamedFileErrorKind::UnresolvedRoot {
            root: root.into(),
            source,
        }
        .into()
    }

    /// The confined reader refused the path.
    pub(crate) fn confined(error: datasurface_runtime::confined::ConfinedError) -> Self {
        NamedFileErrorKind::Confined(error).into()
    }
}

/// A model's files, wherever they are: a directory ([`ModelDir`](crate::ModelDir)),
/// memory ([`MemoryModel`](crate::MemoryModel)), a Git tree an application
/// reads without a checkout.
///
/// Every file is untrusted: teams write them in pull requests. An
/// implementation hands out only what is inside the model (never what a
/// link leads to outside it) and only regular files, each within the size
/// limits it is given.
pub trait ModelSource: Sync {
    /// The model's documents (`.yaml`, `.yml` and `.json` files), in path
    /// order, or why the model cannot be listed at all.
    fn list(&self) -> Result<Listing, Vec<LoadError>>;

    /// Reads one listed document, within [`MAX_FILE_BYTES`] and `budget`
    /// (what the documents before it leave of [`MAX_MODEL_BYTES`]). An
    /// error names the document and says how to fix it.
    fn read(&self, document: &Listed, budget: u64) -> Result<SourceFile, LoadError>;

    /// A stamp of a listed document that changes whenever its bytes may
    /// have: for a file on disk, its size, modification time and identity.
    /// `None` where there is none (a source in memory), or where it cannot
    /// be trusted (a file modified within the last second, whose next
    /// change could keep its time). A [`SourceRecord`](crate::SourceRecord)
    /// takes a document whose stamp is unchanged as unchanged, without
    /// reading it.
    fn stamp(&self, document: &Listed) -> Option<String> {
        let _ = document;
        None
    }

    /// Reads a listed document again, to show findings in it; `None` if it
    /// is no longer a readable regular file. The gate compares the text with
    /// what it loaded and shows nothing from a document that changed.
    fn read_again(&self, document: &Listed) -> Option<SourceFile> {
        self.read(document, MAX_FILE_BYTES).ok()
    }

    /// The bytes of a file the model names by its path from the model's
    /// root (a hook module), if it is a regular file inside the model of at
    /// most `max` bytes; otherwise why not, for a finding.
    fn read_named(&self, path: &str, max: u64) -> Result<Vec<u8>, NamedFileError>;

    /// What a path the model names holds (a file or a folder), for a
    /// change's authorization.
    fn named_content(&self, path: &str) -> NamedContent;

    /// Where a path the model names leads once links are followed, as the
    /// engine that opens it will find it: ownership is judged on that, not
    /// on the text. A source without links (memory, a Git tree read as
    /// blobs) keeps the default, the path itself.
    fn resolve(&self, path: &str) -> Resolved {
        Resolved::Inside(path.to_owned())
    }

    /// How help texts name the model's root, the directory model paths
    /// are relative to.
    fn root_shown(&self) -> String;
}
