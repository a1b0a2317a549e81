//! Loading a model again from what the last load kept answers what loading
//! it whole answers: generated models and the examples, as files, changed
//! over several loads at random (a team edited, a file broken, removed and
//! put back, a team renamed on disk), each load compared finding by finding,
//! places in the files included.

use std::sync::atomic::{AtomicUsize, Ordering};

use datasurface_core::Ecosystem;
use datasurface_files::{Format, LoadError, SourceFile};
use datasurface_gate::platform::PlatformRegistry;
use datasurface_gate::{
    Gate, Kept, Listed, Listing, LoadOptions, Loaded, MemoryModel, ModelSource, NamedContent,
    NamedFileError, Resolved,
};
use proptest::prelude::*;

use super::incremental::{Dice, edited, example, model};

fn gate() -> Gate {
    Gate::new(PlatformRegistry::new()).with_external_kinds(["airflow", "sqlite"])
}

/// A model in memory whose documents have stamps: each document's stamp
/// is its text's SHA-256 (as honest as a file system's), and reads to
/// load are counted (not those that place findings).
struct Stamped<'m> {
    model: &'m MemoryModel,
    reads: AtomicUsize,
}

impl<'m> Stamped<'m> {
    fn new(model: &'m MemoryModel) -> Self {
        Stamped {
            model,
            reads: AtomicUsize::new(0),
        }
    }
}

impl ModelSource for Stamped<'_> {
    fn list(&self) -> Result<Listing, Vec<LoadError>> {
        self.model.list()
    }
    fn read(&self, document: &Listed, budget: u64) -> Result<SourceFile, LoadError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.model.read(document, budget)
    }
    fn read_again(&self, document: &Listed) -> Option<SourceFile> {
        // To place findings: not counted.
        self.model.read_again(document)
    }
    fn stamp(&self, document: &Listed) -> Option<String> {
        let file = self.model.read_again(document)?;
        Some(datasurface_gate::platform::sha256_hex(file.text.as_bytes()))
    }
    fn read_named(&self, path: &str, max: u64) -> Result<Vec<u8>, NamedFileError> {
        self.model.read_named(path, max)
    }
    fn named_content(&self, path: &str) -> NamedContent {
        self.model.named_content(path)
    }
    fn resolve(&self, path: &str) -> Resolved {
        self.model.resolve(path)
    }
    fn root_shown(&self) -> String {
        self.model.root_shown()
    }
}

/// What a load answers, as text to compare, without the texts of its
/// documents (which differ by design when texts are read again only to
/// place findings).
fn answer_placed(loaded: &Loaded) -> Vec<String> {
    answer(loaded)
        .into_iter()
        .filter(|line| !line.starts_with("source "))
        .collect()
}

/// What a load answers, as text to compare.
fn answer(loaded: &Loaded) -> Vec<String> {
    let mut out: Vec<String> = loaded
        .report
        .diagnostics()
        .iter()
        .map(|d| format!("{d:?}"))
        .collect();
    out.extend(loaded.load_errors.iter().map(|e| format!("load: {e}")));
    out.push(format!("name: {:?}", loaded.name));
    out.push(format!("counts: {:?}", loaded.counts));
    out.push(format!("platforms: {:?}", loaded.platforms));
    out.push(format!("valid: {}", loaded.valid.is_some()));
    // The graphs kept are the valid model's.
    let built = loaded
        .valid
        .as_ref()
        .map(|valid| format!("{:?}", datasurface_gate::platform::graph::build(valid)));
    assert_eq!(
        loaded.graphs.as_ref().map(|g| format!("{g:?}")),
        built,
        "the graphs a load keeps are its valid model's"
    );
    out.extend(
        loaded
            .sources
            .iter()
            .map(|s| format!("source {} {}", s.path, s.text.len())),
    );
    out
}

/// A model's files.
fn files_of(model: &Ecosystem) -> Vec<(String, String)> {
    datasurface_files::to_directory(model, Format::Yaml)
        .expect("the model saves")
        .into_iter()
        .map(|f| (f.path, f.text))
        .collect()
}

/// Writes into `into` the files of `now` that `was` does not hold alike.
fn write_changes(into: &mut MemoryModel, was: &[(String, String)], now: &[(String, String)]) {
    for (path, _) in was {
        if !now.iter().any(|(p, _)| p == path) {
            into.remove(path);
        }
    }
    for (path, text) in now {
        if !was.iter().any(|(p, t)| p == path && t == text) {
            into.insert(path.clone(), text.clone());
        }
    }
}

/// Loads `base` and then `steps` changes of it, again and whole, from
/// `seed`; how many changed models loaded, and how many of those loads
/// took documents from the last.
fn compare(seed: u64, steps: usize, base: &Ecosystem) -> Result<(usize, usize), TestCaseError> {
    compare_with(seed, steps, base, false)
}

/// [`compare`]; with `stamped`, the documents have stamps and texts are
/// read again only to place findings, so an unchanged document is not
/// read at all.
fn compare_with(
    seed: u64,
    steps: usize,
    base: &Ecosystem,
    stamped: bool,
) -> Result<(usize, usize), TestCaseError> {
    let mut dice = Dice(seed);
    let gate = gate();
    let (options, shown): (_, fn(&Loaded) -> Vec<String>) = if stamped {
        (LoadOptions::new().with_texts_to_place(), answer_placed)
    } else {
        (LoadOptions::new().with_texts(), answer)
    };
    let mut current = base.clone();
    let mut files = files_of(&current);
    let mut on_disk = MemoryModel::new();
    write_changes(&mut on_disk, &[], &files);
    let mut kept = Kept::new();
    let (mut reused, mut loaded) = (0, 0);
    for step in 0..=steps {
        if step > 0 {
            match dice.below(8) {
                // A file is broken, then mended on the next step.
                0 => {
                    if let Some((path, _)) = dice.pick(&files).cloned() {
                        on_disk.insert(path, "kind: [unclosed\n");
                    }
                }
                // A file is removed.
                1 => {
                    if let Some((path, _)) = dice.pick(&files).cloned() {
                        on_disk.remove(&path);
                    }
                }
                // Everything is as the model says again.
                2 => {
                    on_disk = MemoryModel::new();
                    write_changes(&mut on_disk, &[], &files);
                }
                // A team is edited.
                _ => {
                    let edits = 1 + dice.below(3);
                    if let Some(next) = edited(&current, &mut dice, edits) {
                        let now = files_of(&next);
                        write_changes(&mut on_disk, &files, &now);
                        files = now;
                        current = next;
                    }
                }
            }
        }
        if dice.below(2) == 0 {
            kept.index();
        }
        let source = Stamped::new(&on_disk);
        let again = gate.load_again(&source, &options, &mut kept);
        let whole = gate.load(&on_disk, &options);
        let whole_loaded = whole.load_errors.is_empty();
        loaded += usize::from(step > 0 && whole_loaded);
        if stamped && whole_loaded {
            // Only what changed was read.
            let reads = source.reads.load(Ordering::Relaxed);
            prop_assert!(
                step == 0 || reads <= kept.parsed(),
                "seed {seed}, step {step}: {reads} documents read, {} parsed",
                kept.parsed()
            );
        }
        let (again, whole) = (shown(&again), shown(&whole));
        if again != whole {
            let missing: Vec<&String> = whole.iter().filter(|l| !again.contains(l)).collect();
            let extra: Vec<&String> = again.iter().filter(|l| !whole.contains(l)).collect();
            return Err(TestCaseError::fail(format!(
                "seed {seed}, step {step}: loading again differs from loading whole\n missing: {missing:#?}\n extra: {extra:#?}"
            )));
        }
        if step > 0 && whole_loaded && kept.parsed() < files.len() {
            reused += 1;
        }
    }
    Ok((loaded, reused))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Loads again of generated models answer what whole loads answer.
    #[test]
    fn loading_again_answers_what_loading_whole_answers(seed in any::<u64>()) {
        let (loaded, reused) = compare(seed, 8, &model(seed, 24))?;
        prop_assert!(
            loaded == 0 || reused > 0,
            "seed {seed}: no load took a document from the last"
        );
    }

    /// The same on the example models.
    #[test]
    fn loading_an_example_again_answers_what_loading_it_whole_answers(seed in any::<u64>()) {
        for name in ["northwind", "federated"] {
            compare(seed, 5, &example(name))?;
        }
    }

    /// The same when the source vouches for unchanged documents with
    /// stamps and texts are read again only to place findings: what did
    /// not change is not read.
    #[test]
    fn loading_again_by_stamps_answers_what_loading_whole_answers(seed in any::<u64>()) {
        compare_with(seed, 8, &model(seed, 24), true)?;
        compare_with(seed, 5, &example("federated"), true)?;
    }
}

/// A load with other options starts afresh; one after no change parses
/// nothing and answers what it answered.
#[test]
fn loading_again_unchanged_parses_nothing() {
    let model = example("northwind");
    let mut on_disk = MemoryModel::new();
    write_changes(&mut on_disk, &[], &files_of(&model));
    let gate = gate();
    let mut kept = Kept::new();
    let options = LoadOptions::new();
    let first = answer(&gate.load_again(&on_disk, &options, &mut kept));
    assert_eq!(kept.parsed(), files_of(&model).len());
    kept.index();
    assert!(kept.is_indexed());
    let again = answer(&gate.load_again(&on_disk, &options, &mut kept));
    assert_eq!(kept.parsed(), 0);
    assert_eq!(first, again);
    for (path, text) in files_of(&model) {
        let digest = datasurface_gate::platform::sha256_hex(text.as_bytes());
        assert_eq!(kept.digest(&path), Some(digest), "{path}");
    }
    assert_eq!(kept.digest("no/such.yaml"), None);
    let texts = LoadOptions::new().with_texts();
    let _ = gate.load_again(&on_disk, &texts, &mut kept);
    assert_eq!(
        kept.parsed(),
        files_of(&model).len(),
        "other options: a whole load"
    );
    assert!(!kept.is_indexed());
}

/// On disk, a document whose stamp (size, modification time, identity)
/// is unchanged is not read again; an edit that keeps the size and sets
/// the modification time back is still seen (the time its metadata
/// changed moves with any write).
#[test]
fn on_disk_an_edit_that_hides_its_time_is_still_read() {
    use std::time::{Duration, SystemTime};
    let model = example("northwind");
    let dir = super::scratch("load-again-stamps");
    let long_ago = SystemTime::now() - Duration::from_secs(3600);
    let age = |path: &std::path::Path| {
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(long_ago).unwrap();
    };
    for (path, text) in files_of(&model) {
        let at = dir.join(&path);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(&at, text).unwrap();
        age(&at);
    }
    let on_disk = datasurface_gate::ModelDir::new(&dir);
    let gate = gate();
    let options = LoadOptions::new().with_texts_to_place();
    let mut kept = Kept::new();
    let first = answer_placed(&gate.load_again(&on_disk, &options, &mut kept));
    let again = answer_placed(&gate.load_again(&on_disk, &options, &mut kept));
    assert_eq!(kept.parsed(), 0);
    assert_eq!(first, again);
    // The same number of bytes, another workspace name, the old time.
    let team = dir.join("zones/usa/teams/northwindteam.yaml");
    let text = std::fs::read_to_string(&team).unwrap();
    let edited = text.replacen("MaskCustomersWorkSpace", "MaskCustomersWorkSpacX", 1);
    assert_ne!(edited, text);
    assert_eq!(edited.len(), text.len());
    std::fs::write(&team, &edited).unwrap();
    age(&team);
    let after = answer_placed(&gate.load_again(&on_disk, &options, &mut kept));
    assert_eq!(kept.parsed(), 1, "the edited document is read and parsed");
    assert_eq!(after, answer_placed(&gate.load(&on_disk, &options)));
    assert_ne!(after, first, "the edit shows");
    let _ = std::fs::remove_dir_all(&dir);
}
