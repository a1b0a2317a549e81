//! Reading and parsing a model's documents on every core, each document's
//! text let go once parsed.

use std::collections::{BTreeMap, BTreeSet};

use datasurface_files::{self as files, LoadError, ParsedFile, SourceFile};
use datasurface_stdx::parallel;
use sha2::Digest as _;

use crate::source::{Listed, Listing, MAX_MODEL_BYTES, ModelSource};

/// A document to read, with its share of the model's size limit: what the
/// documents before it (by their sizes) leave, so the documents are read at
/// once and the outcome is that of reading them one after the other.
struct Entry<'l> {
    listed: &'l Listed,
    share: u64,
}

impl Entry<'_> {
    fn weight(&self) -> usize {
        usize::try_from(self.listed.size).unwrap_or(usize::MAX)
    }

    fn read(&self, source: &dyn ModelSource) -> Result<SourceFile, LoadError> {
        source.read(self.listed, self.share)
    }
}

fn entries(listing: &Listing) -> Vec<Entry<'_>> {
    let mut budget = MAX_MODEL_BYTES;
    listing
        .documents
        .iter()
        .map(|listed| {
            let share = budget;
            budget = budget.saturating_sub(listed.size);
            Entry { listed, share }
        })
        .collect()
}

/// The entries refused and the documents that could not be read, or what
/// was made of every document.
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

/// Reads every document of a model, in path order, on every core.
pub fn read_model(source: &dyn ModelSource) -> Result<Vec<SourceFile>, Vec<LoadError>> {
    let listing = source.list()?;
    let entries = entries(&listing);
    gather(
        listing.refused.clone(),
        parallel::each(&entries, Entry::weight, |e| e.read(source)),
    )
}

/// A model read and parsed document by document: each text is let go as
/// soon as it is parsed, so the gate holds the model and the few documents
/// in hand, never every text beside the model.
pub(crate) struct ParsedModel {
    /// The documents, in path order, their texts empty until restored.
    pub(crate) files: Vec<SourceFile>,
    /// Each document, for [`files::assemble`].
    pub(crate) parsed: Vec<ParsedFile>,
    /// What the texts were, to read them again for messages.
    pub(crate) released: Released,
}

/// A document read and parsed: its path, its document, its fingerprint and
/// its text when it is kept (let go otherwise).
type Done = (String, ParsedFile, (usize, u64), Option<String>);

fn parsed_model(
    listing: &Listing,
    done: Vec<Result<Done, LoadError>>,
) -> Result<ParsedModel, Vec<LoadError>> {
    let done = gather(listing.refused.clone(), done)?;
    let texts_kept = done.iter().all(|d| d.3.is_some());
    let mut model = ParsedModel {
        files: Vec::with_capacity(done.len()),
        parsed: Vec::with_capacity(done.len()),
        released: Released {
            documents: listing.documents.clone(),
            fingerprints: Vec::with_capacity(done.len()),
            texts_kept,
        },
    };
    for (path, parsed, print, text) in done {
        model
            .files
            .push(SourceFile::new(path, text.unwrap_or_default()));
        model.parsed.push(parsed);
        model.released.fingerprints.push(print);
    }
    Ok(model)
}

/// A document's path, parse and fingerprint, its text let go.
fn done(file: SourceFile, parsed: ParsedFile) -> Done {
    let print = fingerprint(&file.text);
    (file.path, parsed, print, None)
}

/// The SHA-256 of a document's bytes.
pub(crate) type Digest = [u8; 32];

/// The documents a load parsed, by place: what the next load of the same
/// model need not parse again, or read.
pub(crate) type ParsedBefore = BTreeMap<String, Before>;

/// A document a load read and parsed.
#[derive(Clone)]
pub(crate) struct Before {
    /// The SHA-256 of its bytes: a digest an author cannot make collide,
    /// so no edit can pass for the bytes before it.
    pub(crate) digest: Digest,
    /// Its fingerprint, which tells whether it changed while it was
    /// checked.
    pub(crate) print: (usize, u64),
    /// Its stamp when it was read ([`ModelSource::stamp`]).
    pub(crate) stamp: Option<String>,
    /// Its parse.
    pub(crate) parsed: ParsedFile,
}

/// [`parse_model`], parsing only the documents `before` does not hold with
/// the same path and bytes (the others are its parses), and keeping every
/// text when `keep_texts`; `before` becomes this load's, and the answer
/// says which documents (by path) were taken from it.
///
/// Unless texts are kept, a document whose [stamp](ModelSource::stamp) is
/// the one it had when `before` read it is not read again: the source
/// vouches that its bytes did not change.
pub(crate) fn parse_again(
    source: &dyn ModelSource,
    before: &mut ParsedBefore,
    keep_texts: bool,
) -> (Result<ParsedModel, Vec<LoadError>>, BTreeSet<String>) {
    let listing = match source.list() {
        Ok(listing) => listing,
        Err(errors) => return (Err(errors), BTreeSet::new()),
    };
    let entries = entries(&listing);
    let known: &ParsedBefore = before;
    let done = parallel::each(&entries, Entry::weight, |entry| {
        let was = known.get(entry.listed.place.as_str());
        let stamp = source.stamp(entry.listed);
        // Vouched for, and within what the documents before it leave of the
        // model's size limit (a whole load would refuse it otherwise).
        if !keep_texts
            && let Some(was) = was
            && stamp.is_some()
            && was.stamp == stamp
            && entry.listed.size <= entry.share
        {
            let path = was.parsed.path().to_owned();
            return Ok((path, was.clone(), false, None));
        }
        entry.read(source).map(|file| {
            let digest: Digest = sha2::Sha256::digest(file.text.as_bytes()).into();
            let (parsed, anew) = match was {
                Some(was) if was.digest == digest && was.parsed.path() == file.path => {
                    (was.parsed.clone(), false)
                }
                _ => (files::parse(&file), true),
            };
            let now = Before {
                digest,
                print: fingerprint(&file.text),
                stamp,
                parsed,
            };
            let text = keep_texts.then_some(file.text);
            (file.path, now, anew, text)
        })
    });
    let mut now = ParsedBefore::new();
    let mut unchanged = BTreeSet::new();
    let done = entries
        .iter()
        .zip(done)
        .map(|(entry, read)| {
            read.map(|(path, was, anew, text)| {
                if !anew {
                    unchanged.insert(path.clone());
                }
                let (parsed, print) = (was.parsed.clone(), was.print);
                now.insert(entry.listed.place.clone(), was);
                (path, parsed, print, text)
            })
        })
        .collect();
    *before = now;
    (parsed_model(&listing, done), unchanged)
}

fn parse_one(file: SourceFile) -> Done {
    let parsed = files::parse(&file);
    done(file, parsed)
}

/// Reads and parses a model on every core, each text let go once parsed.
pub(crate) fn parse_model(source: &dyn ModelSource) -> Result<ParsedModel, Vec<LoadError>> {
    let listing = source.list()?;
    parse_listed(source, &listing)
}

fn parse_listed(
    source: &dyn ModelSource,
    listing: &Listing,
) -> Result<ParsedModel, Vec<LoadError>> {
    let entries = entries(listing);
    let done = parallel::each(&entries, Entry::weight, |entry| {
        entry.read(source).map(parse_one)
    });
    parsed_model(listing, done)
}

/// A pair of documents at one place in two models (either may be missing).
type Pair<'e, 'l> = (Option<&'e Entry<'l>>, Option<&'e Entry<'l>>);

/// Pairs documents found in only one of two models (moved or renamed in a
/// change) by their size, so that one with the same bytes is still parsed
/// once ([`files::parse_pair`] compares the bytes). Pairs by place come
/// first, unchanged.
fn pair_moved<'e, 'l>(pairs: Vec<Pair<'e, 'l>>) -> Vec<Pair<'e, 'l>> {
    let (mut paired, lone): (Vec<_>, Vec<_>) = pairs
        .into_iter()
        .partition(|pair| matches!(pair, (Some(_), Some(_))));
    let mut proposed_by_size: BTreeMap<u64, Vec<&'e Entry<'l>>> = BTreeMap::new();
    let mut lone_base = Vec::new();
    for pair in lone {
        match pair {
            (Some(b), None) => lone_base.push(b),
            (None, Some(p)) => proposed_by_size.entry(p.listed.size).or_default().push(p),
            _ => {}
        }
    }
    for b in lone_base {
        let p = proposed_by_size.get_mut(&b.listed.size).and_then(Vec::pop);
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

/// Reads and parses two models at once, such as the base and the proposed
/// model of a change: a document at the same place in both, with the same
/// bytes, is parsed once. Each result is that of [`parse_model`].
pub(crate) fn parse_models(
    base: &dyn ModelSource,
    proposed: &dyn ModelSource,
) -> (
    Result<ParsedModel, Vec<LoadError>>,
    Result<ParsedModel, Vec<LoadError>>,
) {
    let (base_list, proposed_list) = (base.list(), proposed.list());
    let (Ok(base_listing), Ok(proposed_listing)) = (&base_list, &proposed_list) else {
        return (
            base_list.and_then(|l| parse_listed(base, &l)),
            proposed_list.and_then(|l| parse_listed(proposed, &l)),
        );
    };
    let (base_entries, proposed_entries) = (entries(base_listing), entries(proposed_listing));
    let mut pairs: BTreeMap<&str, Pair<'_, '_>> = BTreeMap::new();
    for entry in &base_entries {
        pairs.entry(entry.listed.place.as_str()).or_default().0 = Some(entry);
    }
    for entry in &proposed_entries {
        pairs.entry(entry.listed.place.as_str()).or_default().1 = Some(entry);
    }
    let pairs = pair_moved(pairs.into_values().collect());
    let done = parallel::each(
        &pairs,
        |(b, p)| b.map_or(0, Entry::weight) + p.map_or(0, Entry::weight),
        |&(b, p)| match (b.map(|e| e.read(base)), p.map(|e| e.read(proposed))) {
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
    // Back in each model's own order: its listing's.
    let mut base_by_place: BTreeMap<&str, Result<Done, LoadError>> = BTreeMap::new();
    let mut proposed_by_place: BTreeMap<&str, Result<Done, LoadError>> = BTreeMap::new();
    for ((b, p), (b_done, p_done)) in pairs.iter().zip(done) {
        if let (Some(entry), Some(d)) = (b, b_done) {
            base_by_place.insert(entry.listed.place.as_str(), d);
        }
        if let (Some(entry), Some(d)) = (p, p_done) {
            proposed_by_place.insert(entry.listed.place.as_str(), d);
        }
    }
    let in_order = |listing: &Listing, by_place: &mut BTreeMap<&str, Result<Done, LoadError>>| {
        listing
            .documents
            .iter()
            .filter_map(|d| by_place.remove(d.place.as_str()))
            .collect::<Vec<_>>()
    };
    let base_done = in_order(base_listing, &mut base_by_place);
    let proposed_done = in_order(proposed_listing, &mut proposed_by_place);
    (
        parsed_model(base_listing, base_done),
        parsed_model(proposed_listing, proposed_done),
    )
}

/// The texts of a loaded model's documents, let go until a message needs them.
///
/// Once a model is loaded its documents' texts serve only to show where a
/// finding is. A gate that has nothing to show never holds them beside the
/// model (84 MB for the generated model of 100,000 datasets), and one that
/// has reads them again, on every core. A document whose bytes are not what
/// was loaded (it changed while the gate ran) is not shown from: its lines
/// would point at the wrong places.
pub(crate) struct Released {
    documents: Vec<Listed>,
    /// Each document's length and hash, in the documents' order.
    fingerprints: Vec<(usize, u64)>,
    /// Whether the texts were kept, not let go: nothing to read again.
    texts_kept: bool,
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
    /// Reads the texts of `files` again; the paths of documents that are
    /// not what was loaded, whose texts are left empty.
    pub(crate) fn restore(
        &self,
        source: &dyn ModelSource,
        files: &mut [SourceFile],
    ) -> Vec<String> {
        self.restore_only(source, files, None)
    }

    /// [`Released::restore`] of the files whose paths are in `only` (of
    /// every file when it is `None`); the others keep their texts empty.
    pub(crate) fn restore_only(
        &self,
        source: &dyn ModelSource,
        files: &mut [SourceFile],
        only: Option<&BTreeSet<&str>>,
    ) -> Vec<String> {
        if self.texts_kept || only.is_some_and(BTreeSet::is_empty) {
            return Vec::new();
        }
        let wanted: Vec<Option<&Listed>> = self
            .documents
            .iter()
            .zip(files.iter())
            .map(|(d, file)| {
                only.is_none_or(|o| o.contains(file.path.as_str()))
                    .then_some(d)
            })
            .collect();
        let read = parallel::each(
            &wanted,
            |d| d.map_or(0, |d| usize::try_from(d.size).unwrap_or(usize::MAX)),
            |d| d.map(|d| source.read_again(d)),
        );
        let mut changed = Vec::new();
        for ((file, again), print) in files.iter_mut().zip(read).zip(&self.fingerprints) {
            match again {
                None => {}
                Some(Some(again)) if fingerprint(&again.text) == *print => file.text = again.text,
                Some(_) => changed.push(file.path.clone()),
            }
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use std::fs;

    use super::*;
    use crate::ModelDir;

    /// A model in memory whose listing says the first document fills the
    /// model's size limit, and whose every document has the same stamp.
    struct Full(crate::MemoryModel);

    impl ModelSource for Full {
        fn list(&self) -> Result<Listing, Vec<LoadError>> {
            let mut listing = self.0.list()?;
            if let Some(first) = listing.documents.first_mut() {
                first.size = MAX_MODEL_BYTES;
            }
            Ok(listing)
        }
        fn read(&self, document: &Listed, budget: u64) -> Result<SourceFile, LoadError> {
            self.0.read(document, budget)
        }
        fn stamp(&self, _: &Listed) -> Option<String> {
            Some("unchanged".to_owned())
        }
        fn read_named(&self, path: &str, max: u64) -> Result<Vec<u8>, crate::NamedFileError> {
            self.0.read_named(path, max)
        }
        fn named_content(&self, path: &str) -> crate::NamedContent {
            self.0.named_content(path)
        }
        fn root_shown(&self) -> String {
            self.0.root_shown()
        }
    }

    #[test]
    fn a_document_vouched_for_is_still_refused_past_the_models_size_limit() {
        let mut model = crate::MemoryModel::new();
        model.insert("ecosystem.yaml", "kind: Ecosystem\n");
        model.insert("teams/a.yaml", "kind: Team\n");
        let mut before = ParsedBefore::new();
        let (first, _) = parse_again(&model, &mut before, false);
        assert!(first.is_ok());
        for was in before.values_mut() {
            was.stamp = Some("unchanged".to_owned());
        }
        // The second document is past the limit: it is read, and refused,
        // as a whole load refuses it.
        let (again, _) = parse_again(&Full(model), &mut before, false);
        let errors = again.err().unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].to_string().contains("teams/a.yaml"), "{errors:?}");
    }

    #[test]
    fn released_texts_come_back_unless_the_file_changed() {
        let dir = std::env::temp_dir().join(format!("datasurface-released-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("teams")).unwrap();
        fs::write(dir.join("ecosystem.yaml"), "kind: Ecosystem\n").unwrap();
        fs::write(dir.join("teams/a.yaml"), "kind: Team\n").unwrap();
        let model = ModelDir::new(&dir);
        let before: Vec<String> = read_model(&model)
            .unwrap()
            .into_iter()
            .map(|f| f.text)
            .collect();
        let ParsedModel {
            mut files,
            parsed,
            released,
        } = parse_model(&model).unwrap();
        assert_eq!(parsed.len(), 2);
        assert!(files.iter().all(|f| f.text.is_empty()));
        assert!(released.restore(&model, &mut files).is_empty());
        let after: Vec<String> = files.iter().map(|f| f.text.clone()).collect();
        assert_eq!(after, before);

        let forget = |files: &mut [SourceFile]| files.iter_mut().for_each(|f| f.text.clear());
        forget(&mut files);
        // The same length, other bytes: a change is seen all the same.
        fs::write(dir.join("teams/a.yaml"), "kind: Tame\n").unwrap();
        let changed = released.restore(&model, &mut files);
        assert_eq!(changed.len(), 1);
        assert!(changed[0].ends_with("a.yaml"), "{changed:?}");
        assert!(files[1].text.is_empty());
        assert_eq!(files[0].text, before[0]);

        // Not a regular file any more: not opened, not shown from.
        fs::remove_file(dir.join("teams/a.yaml")).unwrap();
        fs::create_dir(dir.join("teams/a.yaml")).unwrap();
        forget(&mut files);
        assert_eq!(released.restore(&model, &mut files).len(), 1);
        assert!(files[1].text.is_empty());
        let _ = fs::remove_dir_all(&dir);
    }
}
