//! The resource inventory of a large model, walked team by team on every
//! core, against one walk of the whole.

use std::sync::Arc;

use datasurface_core::Ecosystem;
use datasurface_core::inventory::{Classifier, inventory, inventory_with};
use datasurface_core::names::TeamName;
use datasurface_fixtures::arbitrary;
use proptest::prelude::*;

/// `eco` with its teams copied under new names, zone by zone, until its
/// teams hold at least `elements` datastores and workspaces: large enough
/// to be walked team by team. Copies keep their elements' names; the walk
/// does not look at whether a model is valid.
fn grown(mut eco: Ecosystem, elements: usize) -> Ecosystem {
    let weight = |eco: &Ecosystem| -> usize {
        eco.zones
            .values()
            .flat_map(|zone| zone.teams.values())
            .map(|team| 1 + team.datastores.len() + team.workspaces.len())
            .sum()
    };
    let mut copy = 0;
    while weight(&eco) < elements {
        for zone in eco.zones.values_mut() {
            let teams: Vec<Arc<_>> = zone.teams.values().cloned().collect();
            for team in teams {
                copy += 1;
                let name = TeamName::new(format!("copy_{copy}")).expect("a valid name");
                zone.teams.insert(name, team);
            }
        }
        if eco.zones.values().all(|zone| zone.teams.is_empty()) {
            break;
        }
    }
    eco
}

#[test]
fn northwind_grown_is_inventoried_as_one_walk_does() {
    let eco = datasurface_fixtures::northwind()
        .build()
        .expect("Northwind builds");
    let eco = grown(eco, 4_000);
    let whole = inventory_with(&eco, Classifier::model());
    assert!(
        whole.len() > 100,
        "Northwind names resources: {}",
        whole.len()
    );
    assert_eq!(inventory(&eco), whole);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Walked team by team or whole, a model's references are the same, in
    /// the same order, with the same places and neighbouring values.
    #[test]
    fn team_by_team_is_one_walk(eco in arbitrary::ecosystem()) {
        let eco = grown(eco, 600);
        prop_assert_eq!(inventory(&eco), inventory_with(&eco, Classifier::model()));
    }
}
