//! A team's entry-by-entry comparison against a plain JSON comparison.

use datasurface_core::Team;
use datasurface_core::diagnostic::ModelPath;
use datasurface_core::regions::{ChangeKind, Difference, RegionRef};
use datasurface_fixtures::arbitrary;
use proptest::prelude::*;
use serde_json::Value;

/// The oracle: the differences between two JSON values, object keys in the
/// base's order then the proposal's new ones, arrays of equal length element
/// by element, anything else compared whole.
fn json_differences(
    base: Option<&Value>,
    proposed: Option<&Value>,
    at: &ModelPath,
    out: &mut Vec<Difference>,
) {
    let push = |out: &mut Vec<Difference>, kind| {
        out.push(Difference {
            kind,
            path: at.clone(),
        });
    };
    match (base, proposed) {
        (None, Some(_)) => push(out, ChangeKind::Added),
        (Some(_), None) => push(out, ChangeKind::Removed),
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            for (key, value) in a {
                json_differences(Some(value), b.get(key), &at.key(key), out);
            }
            for (key, value) in b.iter().filter(|(key, _)| !a.contains_key(*key)) {
                json_differences(None, Some(value), &at.key(key), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                json_differences(Some(x), Some(y), &at.index(i), out);
            }
        }
        (Some(a), Some(b)) if a != b => push(out, ChangeKind::Changed),
        _ => {}
    }
}

/// A team and a variant of it: some of another team's documentation,
/// containers, datastores and workspaces added or swapped in, some removed.
fn team_pair() -> impl Strategy<Value = (Team, Team)> {
    (arbitrary::team(), arbitrary::team(), any::<u32>()).prop_map(|(a, other, bits)| {
        let mut b = a.clone();
        let bit = |i: u32| bits >> (i % 32) & 1 == 1;
        if bit(0) {
            b.documentation.clone_from(&other.documentation);
        }
        for (i, (name, store)) in other.datastores.into_iter().enumerate() {
            if bit(1 + u32::try_from(i).unwrap_or(0)) {
                b.datastores.insert(name, store);
            }
        }
        if let (true, Some(first)) = (bit(4), a.datastores.values().next())
            && let Some(last) = b.datastores.values_mut().last()
        {
            last.clone_from(first);
        }
        if bit(5) {
            b.datastores.pop();
        }
        if bit(6) {
            b.containers.clone_from(&other.containers);
        }
        if bit(7) {
            b.workspaces.extend(other.workspaces);
        }
        if bit(8) {
            b.workspaces.shift_remove_index(0);
        }
        (a, b)
    })
}

proptest! {
    /// The entry-by-entry team comparison finds exactly what comparing
    /// the teams' whole JSON values finds, in the same order.
    #[test]
    fn team_differences_are_those_of_the_json_values((a, b) in team_pair()) {
        let at = ModelPath::root();
        let mut fast = Vec::new();
        RegionRef::differences(Some(RegionRef::Team(&a)), Some(RegionRef::Team(&b)), &at, &mut fast);
        let mut slow = Vec::new();
        let value = |team: &Team| serde_json::to_value(team).expect("a team serializes");
        json_differences(Some(&value(&a)), Some(&value(&b)), &at, &mut slow);
        prop_assert_eq!(fast, slow);
    }
}
