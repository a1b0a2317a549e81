//! Loading a model again from what the last load kept answers what loading
//! it whole answers: generated models and the examples, as files, changed
//! over several loads at random (a team edited, a file broken, removed and
//! put back, a team renamed on disk), each load compared finding by finding,
//! places in the files included.

use datasurface_core::Ecosystem;
use datasurface_files::Format;
use datasurface_gate::platform::PlatformRegistry;
use datasurface_gate::{Gate, Kept, LoadOptions, Loaded, MemoryModel};
use proptest::prelude::*;

use super::incremental::{Dice, edited, example, model};

fn gate() -> Gate {
    Gate::new(PlatformRegistry::new()).with_external_kinds(["airflow", "sqlite"])
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
    let mut dice = Dice(seed);
    let gate = gate();
    let options = LoadOptions::new().with_texts();
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
        let again = gate.load_again(&on_disk, &options, &mut kept);
        let whole = gate.load(&on_disk, &options);
        let whole_loaded = whole.load_errors.is_empty();
        loaded += usize::from(step > 0 && whole_loaded);
        let (again, whole) = (answer(&again), answer(&whole));
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
