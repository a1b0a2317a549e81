//! What a run read of a model, to tell later, without running again,
//! whether it would read the same.
//!
//! The gate's pipeline is pure but for its [`ModelSource`]: every byte of
//! a model reaches it as the answer to one of the source's questions (the
//! listing, a document, a file the model names, where a path leads). A
//! [`Recording`] passes each question on and keeps a digest of the
//! question and its answer; the [`SourceRecord`] it ends with
//! [`holds`](SourceRecord::holds) for a source that answers every one of
//! them the same. A run of the same program, with the same options and
//! date, over a source the record holds for would then do exactly what the
//! recorded run did, so a caller may keep that run's outcome instead (the
//! command line's `render` leaves a rendering that nothing changed as it
//! is). Anything else (a document edited, added or removed, a named file
//! changed, a link moved) fails the record, and the caller runs in full.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use datasurface_files::{LoadError, SourceFile};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::source::{Listed, Listing, ModelSource, NamedContent, NamedFileError, Resolved};

/// One question a [`ModelSource`] was asked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Question {
    /// [`ModelSource::list`].
    List,
    /// [`ModelSource::read`] of a listed document within a budget.
    Read {
        path: String,
        place: String,
        size: u64,
        budget: u64,
    },
    /// [`ModelSource::read_again`].
    ReadAgain {
        path: String,
        place: String,
        size: u64,
    },
    /// [`ModelSource::read_named`].
    ReadNamed { path: String, max: u64 },
    /// [`ModelSource::named_content`].
    NamedContent { path: String },
    /// [`ModelSource::resolve`].
    Resolve { path: String },
    /// [`ModelSource::root_shown`].
    RootShown,
}

impl Question {
    /// The listed document it reads, if it reads one.
    fn listed(&self) -> Option<Listed> {
        match self {
            Question::Read {
                path, place, size, ..
            }
            | Question::ReadAgain { path, place, size } => Some(Listed {
                path: path.clone(),
                place: place.clone(),
                size: *size,
            }),
            _ => None,
        }
    }

    /// Whether `source` gives the answer it got: a document whose stamp is
    /// the one recorded is not read again.
    fn answered_alike(&self, answer: &Answer, source: &dyn ModelSource) -> bool {
        if let (Some(stamp), Some(listed)) = (&answer.stamp, self.listed())
            && source.stamp(&listed).as_ref() == Some(stamp)
        {
            return true;
        }
        self.ask(source) == answer.digest
    }

    /// Asks `source` again; the digest of its answer.
    fn ask(&self, source: &dyn ModelSource) -> String {
        let listed = |path: &str, place: &str, size: u64| Listed {
            path: path.to_owned(),
            place: place.to_owned(),
            size,
        };
        match self {
            Question::List => of_debug(&source.list()),
            Question::Read {
                path,
                place,
                size,
                budget,
            } => of_read(&source.read(&listed(path, place, *size), *budget)),
            Question::ReadAgain { path, place, size } => {
                of_read_again(source.read_again(&listed(path, place, *size)).as_ref())
            }
            Question::ReadNamed { path, max } => of_bytes(&source.read_named(path, *max)),
            Question::NamedContent { path } => of_debug(&source.named_content(path)),
            Question::Resolve { path } => of_debug(&source.resolve(path)),
            Question::RootShown => of_debug(&source.root_shown()),
        }
    }

    /// How much reading asking it again costs, to share the work out.
    fn weight(&self) -> usize {
        match self {
            Question::Read { size, .. } | Question::ReadAgain { size, .. } => {
                usize::try_from(*size).unwrap_or(usize::MAX)
            }
            Question::ReadNamed { max, .. } => {
                usize::try_from(*max).unwrap_or(usize::MAX).min(1 << 20)
            }
            _ => 1,
        }
    }
}

/// What a question got: the digest of its answer, and for a document the
/// source's stamp of it when asked ([`ModelSource::stamp`]), taken before
/// it was read, so a stamp never vouches for bytes newer than the digest's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Answer {
    digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stamp: Option<String>,
}

/// The SHA-256, in hex, of parts each written with its length first, so no
/// two lists of parts meet.
fn digest(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    datasurface_platform::to_hex(&hasher.finalize())
}

/// An answer that is not read text, by its debug form: within one build
/// of the program (the records' callers key them by it) the same answer
/// always prints the same.
fn of_debug(answer: &impl std::fmt::Debug) -> String {
    digest(&[format!("{answer:?}").as_bytes()])
}

fn of_read(answer: &Result<SourceFile, LoadError>) -> String {
    match answer {
        Ok(file) => digest(&[b"ok", file.path.as_bytes(), file.text.as_bytes()]),
        Err(e) => digest(&[b"err", format!("{e:?}").as_bytes()]),
    }
}

fn of_read_again(answer: Option<&SourceFile>) -> String {
    match answer {
        Some(file) => digest(&[b"some", file.path.as_bytes(), file.text.as_bytes()]),
        None => digest(&[b"none"]),
    }
}

fn of_bytes(answer: &Result<Vec<u8>, NamedFileError>) -> String {
    match answer {
        Ok(bytes) => digest(&[b"ok", bytes]),
        Err(e) => digest(&[b"err", format!("{e:?}").as_bytes()]),
    }
}

/// A [`ModelSource`] that passes every question on to another and keeps
/// the digest of each question's answer; [`record`](Self::record) gives
/// them.
///
/// ```
/// use datasurface_gate::{Gate, MemoryModel, Recording};
/// use datasurface_gate::platform::PlatformRegistry;
///
/// let model = MemoryModel::new().with_file(
///     "ecosystem.yaml",
///     "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Acme\nowningRepository: acme/eco@main\nliveRepository: acme/eco@live\n",
/// );
/// let recording = Recording::new(&model);
/// let _ = Gate::new(PlatformRegistry::new()).check(&recording);
/// let record = recording.record();
/// assert!(record.holds(&model));
/// let edited = model.clone().with_file("notes.yaml", "");
/// assert!(!record.holds(&edited));
/// ```
pub struct Recording<'s> {
    source: &'s dyn ModelSource,
    answers: Mutex<BTreeMap<Question, Answer>>,
}

impl std::fmt::Debug for Recording<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let asked = self
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        f.debug_struct("Recording")
            .field("asked", &asked)
            .finish_non_exhaustive()
    }
}

impl<'s> Recording<'s> {
    /// Records what `source` is asked.
    pub fn new(source: &'s dyn ModelSource) -> Self {
        Recording {
            source,
            answers: Mutex::new(BTreeMap::new()),
        }
    }

    /// Every question asked so far, with the digest of its answer.
    pub fn record(&self) -> SourceRecord {
        SourceRecord {
            format: SourceRecord::FORMAT,
            answers: self
                .answers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .map(|(question, answer)| (question.clone(), answer.clone()))
                .collect(),
        }
    }

    /// Keeps a question's answer, by `digest`, with the document's stamp
    /// taken before it was asked; gives the answer back.
    fn kept<T>(
        &self,
        question: Question,
        stamp: Option<String>,
        answer: T,
        digest: impl FnOnce(&T) -> String,
    ) -> T {
        let answer_digest = Answer {
            digest: digest(&answer),
            stamp,
        };
        // A question asked twice got one answer from a source that did not
        // change in between; if it did, the two differ and the record
        // keeps one that a later source cannot match for both, which is
        // what the `changed_while_checked` check of the run reports anyway.
        let _ = self
            .answers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(question, answer_digest);
        answer
    }
}

impl ModelSource for Recording<'_> {
    fn list(&self) -> Result<Listing, Vec<LoadError>> {
        self.kept(Question::List, None, self.source.list(), of_debug)
    }

    fn read(&self, document: &Listed, budget: u64) -> Result<SourceFile, LoadError> {
        let question = Question::Read {
            path: document.path.clone(),
            place: document.place.clone(),
            size: document.size,
            budget,
        };
        let stamp = self.source.stamp(document);
        self.kept(question, stamp, self.source.read(document, budget), of_read)
    }

    fn stamp(&self, document: &Listed) -> Option<String> {
        self.source.stamp(document)
    }

    fn read_again(&self, document: &Listed) -> Option<SourceFile> {
        let question = Question::ReadAgain {
            path: document.path.clone(),
            place: document.place.clone(),
            size: document.size,
        };
        let stamp = self.source.stamp(document);
        self.kept(question, stamp, self.source.read_again(document), |a| {
            of_read_again(a.as_ref())
        })
    }

    fn read_named(&self, path: &str, max: u64) -> Result<Vec<u8>, NamedFileError> {
        let question = Question::ReadNamed {
            path: path.to_owned(),
            max,
        };
        self.kept(question, None, self.source.read_named(path, max), of_bytes)
    }

    fn named_content(&self, path: &str) -> NamedContent {
        let question = Question::NamedContent {
            path: path.to_owned(),
        };
        self.kept(question, None, self.source.named_content(path), of_debug)
    }

    fn resolve(&self, path: &str) -> Resolved {
        let question = Question::Resolve {
            path: path.to_owned(),
        };
        self.kept(question, None, self.source.resolve(path), of_debug)
    }

    fn root_shown(&self) -> String {
        self.kept(
            Question::RootShown,
            None,
            self.source.root_shown(),
            of_debug,
        )
    }
}

/// What a run asked of its model's source and the digest of each answer
/// ([`Recording`]), to be kept (it serializes to JSON) and checked later
/// with [`holds`](Self::holds). It holds no text of the model, only
/// digests, and the paths the model names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SourceRecord {
    format: u32,
    answers: Vec<(Question, Answer)>,
}

impl SourceRecord {
    /// The format this build writes and reads.
    const FORMAT: u32 = 2;

    /// Whether `source` answers every recorded question as the recorded
    /// source did: asked again, on every core, each read in full, but for
    /// a document whose stamp ([`ModelSource::stamp`]) is the one taken
    /// when it was read. A record of another format, or of no questions,
    /// holds for nothing.
    pub fn holds(&self, source: &dyn ModelSource) -> bool {
        if self.format != Self::FORMAT || self.answers.is_empty() {
            return false;
        }
        let same = datasurface_stdx::parallel::each(
            &self.answers,
            |(question, _)| question.weight(),
            |(question, answer)| question.answered_alike(answer, source),
        );
        same.into_iter().all(|same| same)
    }

    /// How many questions it holds.
    pub fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.answers.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Gate, MemoryModel};
    use datasurface_platform::PlatformRegistry;

    fn northwind() -> (MemoryModel, Vec<(String, String)>) {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/models/northwind");
        let files = datasurface_fixtures::model_files(&dir);
        let mut model = MemoryModel::new();
        for (path, text) in &files {
            model.insert(path.clone(), text.clone());
        }
        (model, files)
    }

    /// A directory's source that counts the documents it reads.
    struct Counting<'a>(&'a crate::ModelDir, std::sync::atomic::AtomicUsize);

    impl ModelSource for Counting<'_> {
        fn list(&self) -> Result<Listing, Vec<LoadError>> {
            self.0.list()
        }
        fn read(&self, document: &Listed, budget: u64) -> Result<SourceFile, LoadError> {
            let _ = self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.0.read(document, budget)
        }
        fn stamp(&self, document: &Listed) -> Option<String> {
            self.0.stamp(document)
        }
        fn read_named(&self, path: &str, max: u64) -> Result<Vec<u8>, NamedFileError> {
            self.0.read_named(path, max)
        }
        fn named_content(&self, path: &str) -> NamedContent {
            self.0.named_content(path)
        }
        fn root_shown(&self) -> String {
            self.0.root_shown()
        }
    }

    #[test]
    fn a_settled_file_whose_stamp_holds_is_not_read_and_any_write_is_seen() {
        let dir = std::env::temp_dir().join(format!("datasurface-recorded-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (_, files) = northwind();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        for (path, text) in &files {
            let file = dir.join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, text).unwrap();
            std::fs::File::options()
                .write(true)
                .open(&file)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        let model = crate::ModelDir::new(&dir);
        let recording = Recording::new(&model);
        let _ = Gate::new(PlatformRegistry::new()).check(&recording);
        let record = recording.record();
        let counting = Counting(&model, std::sync::atomic::AtomicUsize::new(0));
        assert!(record.holds(&counting));
        assert_eq!(
            counting.1.load(std::sync::atomic::Ordering::Relaxed),
            0,
            "nothing read"
        );
        // The same size, its time set back: its metadata's own time moved
        // (on Unix; elsewhere size and time are the stamp), so it is read,
        // and the change is seen.
        if cfg!(not(unix)) {
            return;
        }
        let (path, text) = &files[0];
        let file = dir.join(path);
        let edited: String = text.chars().rev().collect();
        std::fs::write(&file, &edited).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert!(!record.holds(&counting));
        assert!(counting.1.load(std::sync::atomic::Ordering::Relaxed) >= 1);
        // Written back as it was: the bytes are the recorded ones again.
        std::fs::write(&file, text).unwrap();
        assert!(record.holds(&model));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_record_holds_for_the_same_bytes_and_fails_for_any_change() {
        let (model, files) = northwind();
        let recording = Recording::new(&model);
        let checked = Gate::new(PlatformRegistry::new()).check(&recording);
        assert!(checked.load_errors.is_empty());
        let record = recording.record();
        assert!(record.len() > 2, "{record:?}");
        assert!(record.holds(&model));
        assert!(record.holds(&model.clone()));
        // A byte more in any one document fails it.
        for (place, text) in &files {
            let mut edited = model.clone();
            edited.insert(place.clone(), format!("{text}\n"));
            assert!(!record.holds(&edited), "{place} changed, the record held");
        }
        // So does a new document, and one gone.
        assert!(!record.holds(&model.clone().with_file("zones/more.yaml", "")));
        let json = serde_json::to_string(&record).unwrap();
        let back: SourceRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, record);
        // Another format holds for nothing.
        let other: SourceRecord =
            serde_json::from_str(&json.replacen("\"format\":2", "\"format\":1", 1)).unwrap();
        assert!(!other.holds(&model));
    }
}
