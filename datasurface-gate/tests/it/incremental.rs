//! Validation of a change from the findings of the model it changes gives
//! what validating the whole changed model gives: generated models, edited
//! at random (entries removed, copied from another team, renamed; strings
//! set to other names of the model; flags flipped), compared finding by
//! finding.

use std::sync::Arc;

use datasurface_core::{Ecosystem, Team};
use datasurface_generate::{Palette, PlatformSpec, Shape, generate};
use datasurface_rules::validate::{Diagnostic, check, incremental::revalidate};
use proptest::prelude::*;
use serde_json::Value;

/// A small generator of numbers, from the case's seed.
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }

    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// A generated model with several zones, teams reading each other's
/// datasets, transformers in chains and two platforms.
pub(crate) fn model(seed: u64, stores: usize) -> Ecosystem {
    let mut shape = Shape::new(stores, 2, 3);
    shape.zones = 3;
    shape.seed = seed;
    let platforms = [
        PlatformSpec::new("Central", "airflow", "^0.1"),
        PlatformSpec::new("Local", "sqlite", "^0.1"),
    ];
    generate(&shape, &Palette::everything(), &platforms).expect("the generator makes a model")
}

/// Every string a value holds, keys included.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(fields) => {
            for (k, v) in fields {
                out.push(k.clone());
                strings(v, out);
            }
        }
        _ => {}
    }
}

/// The JSON Pointers of every value below `value`.
fn pointers(value: &Value, at: &str, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        Value::Object(fields) => {
            for (k, v) in fields {
                let p = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                pointers(v, &p, out);
            }
        }
        _ => {}
    }
}

/// The parent of a pointer and its last step.
fn split(pointer: &str) -> (&str, String) {
    let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", pointer));
    (parent, last.replace("~1", "/").replace("~0", "~"))
}

/// One random edit of `team`, drawing names and entries from `whole`.
fn edit(team: &mut Value, whole: &Value, names: &[String], dice: &mut Dice) {
    let mut at = Vec::new();
    pointers(team, "", &mut at);
    let Some(target) = dice.pick(&at).cloned() else {
        return;
    };
    match dice.below(6) {
        // Remove an entry or an item.
        0 => {
            let (parent, last) = split(&target);
            match team.pointer_mut(parent) {
                Some(Value::Object(fields)) => {
                    fields.shift_remove(&last);
                }
                Some(Value::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < items.len()
                    {
                        items.remove(i);
                    }
                }
                _ => {}
            }
        }
        // A string becomes another name of the model.
        1 | 2 => {
            if let (Some(v @ Value::String(_)), Some(name)) =
                (team.pointer_mut(&target), dice.pick(names))
            {
                *v = Value::String(name.clone());
            }
        }
        // A key is renamed to another name of the model.
        3 => {
            let (parent, last) = split(&target);
            if let (Some(Value::Object(fields)), Some(name)) =
                (team.pointer_mut(parent), dice.pick(names))
                && let Some(v) = fields.shift_remove(&last)
            {
                fields.insert(name.clone(), v);
            }
        }
        // A flag flips; a number moves.
        4 => match team.pointer_mut(&target) {
            Some(Value::Bool(b)) => *b = !*b,
            Some(Value::Number(n)) => {
                let moved = n.as_u64().map_or(1, |n| n.saturating_add(1) % 4);
                *n = moved.into();
            }
            _ => {}
        },
        // An entry of another team's map is copied in beside this one's.
        _ => {
            let kind = ["containers", "credentials", "datastores", "workspaces"][dice.below(4)];
            let mut theirs = Vec::new();
            for zone in whole["zones"]
                .as_object()
                .into_iter()
                .flat_map(|z| z.values())
            {
                for t in zone["teams"]
                    .as_object()
                    .into_iter()
                    .flat_map(|t| t.values())
                {
                    for (name, v) in t[kind].as_object().into_iter().flatten() {
                        theirs.push((name.clone(), v.clone()));
                    }
                }
            }
            if let (Some((name, v)), Value::Object(fields)) = (dice.pick(&theirs), &mut *team) {
                let map = fields
                    .entry(kind)
                    .or_insert_with(|| Value::Object(serde_json::Map::default()));
                if let Value::Object(entries) = map {
                    entries.insert(name.clone(), v.clone());
                }
            }
        }
    }
}

/// The model with one team edited `edits` times; `None` when the edits
/// made something that is not a team.
pub(crate) fn edited(model: &Ecosystem, dice: &mut Dice, edits: usize) -> Option<Ecosystem> {
    let whole = serde_json::to_value(model).ok()?;
    let mut names = Vec::new();
    strings(&whole, &mut names);
    names.sort();
    names.dedup();
    let teams: Vec<(String, String)> = model
        .zones
        .iter()
        .flat_map(|(z, zone)| {
            zone.teams
                .keys()
                .map(move |t| (z.to_string(), t.to_string()))
        })
        .collect();
    let (zone, team) = dice.pick(&teams)?.clone();
    let mut value = serde_json::to_value(&*model.zones[zone.as_str()].teams[team.as_str()]).ok()?;
    for _ in 0..edits {
        edit(&mut value, &whole, &names, dice);
    }
    let team_value: Team = serde_json::from_value(value).ok()?;
    let mut new = model.clone();
    let slot = new
        .zones
        .get_mut(zone.as_str())?
        .teams
        .get_mut(team.as_str())?;
    *slot = Arc::new(team_value);
    Some(new)
}

fn sorted(mut found: Vec<Diagnostic>) -> Vec<Diagnostic> {
    found.sort_by_cached_key(|d| (d.path.to_string(), d.code, d.message.clone()));
    found
}

/// An example model of the repository, as its files load.
pub(crate) fn example(name: &str) -> Ecosystem {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/models")
        .join(name);
    let files: Vec<datasurface_files::SourceFile> = datasurface_fixtures::model_files(&dir)
        .into_iter()
        .map(|(path, text)| datasurface_files::SourceFile::new(path, text))
        .collect();
    datasurface_files::load(&files)
        .expect("the example loads")
        .ecosystem
}

/// Runs `cases` random changes of `base`, from `seed`.
fn compare(seed: u64, cases: usize, base: &Ecosystem) -> Result<usize, TestCaseError> {
    let mut dice = Dice(seed);
    let base = base.clone();
    let base_found = check(&base).diagnostics().to_vec();
    let mut compared = 0;
    for case in 0..cases {
        let edits = 1 + dice.below(3);
        let Some(new) = edited(&base, &mut dice, edits) else {
            continue;
        };
        let full = sorted(check(&new).diagnostics().to_vec());
        let Some(incremental) = revalidate(&base, &base_found, &new) else {
            continue;
        };
        let incremental = sorted(incremental);
        if incremental != full {
            let missing: Vec<String> = full
                .iter()
                .filter(|d| !incremental.contains(d))
                .map(|d| format!("{d:?}"))
                .collect();
            let extra: Vec<String> = incremental
                .iter()
                .filter(|d| !full.contains(d))
                .map(|d| format!("{d:?}"))
                .collect();
            return Err(TestCaseError::fail(format!(
                "seed {seed}, case {case}: the incremental findings differ\n missing: {missing:#?}\n extra: {extra:#?}"
            )));
        }
        compared += 1;
    }
    Ok(compared)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Findings of a change found incrementally are the whole model's.
    #[test]
    fn revalidating_a_change_finds_what_validating_it_whole_finds(seed in any::<u64>()) {
        let compared = compare(seed, 12, &model(seed, 24))?;
        prop_assert!(compared > 0, "seed {seed}: no edit made a team");
    }

    /// The same on the example models, whose teams use policies,
    /// grants, hooks, exceptions and every kind of capture.
    #[test]
    fn revalidating_a_change_of_an_example_finds_what_validating_it_whole_finds(seed in any::<u64>()) {
        for name in ["northwind", "federated"] {
            compare(seed, 6, &example(name))?;
        }
    }
}
