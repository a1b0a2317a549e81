//! The sub-model a change is checked on: the elements it can reach whole,
//! every other datastore without its datasets.

use std::collections::BTreeSet;
use std::sync::Arc;

use datasurface_core::{Datastore, Ecosystem, GovernanceZone, OrderedMap, Team, Workspace};

use super::index::Element;

/// The ecosystem's fields whose entries go with the datastore they name
/// when it is left out, rather than have it stand in. (A list's entries
/// stay: findings name them by position, as "assignment 3".)
pub(super) const PRUNED: [&str; 1] = ["primaryIngestionPlatforms"];

/// `model` with only the elements `keep` holds, each whole (and every
/// team's head), and those `stand_ins` holds and `keep` does not as
/// stand-ins: a datastore without its datasets, a workspace without its
/// groups' sinks and its transformer (what the ecosystem's entries name
/// must be there, or each entry would be an error whose help searches
/// every name). The names the others had are offered by the help of the
/// findings from the whole model's [`Names`](crate::validate::Names).
pub(super) fn sub_model<'a>(
    model: &Ecosystem,
    keep: &'a BTreeSet<Element>,
    stand_ins: &'a BTreeSet<Element>,
    named: &BTreeSet<&str>,
) -> Ecosystem {
    let set =
        |elements: &'a BTreeSet<Element>| -> BTreeSet<(&'a str, &'a str, &'static str, &'a str)> {
            elements
                .iter()
                .map(|e| (e.zone.as_str(), e.team.as_str(), e.kind, e.name.as_str()))
                .collect()
        };
    let (kept, standing) = (set(keep), set(stand_ins));
    let mut sub = model.clone();
    // An entry of a datastore left out goes with it, unless it names what
    // the scope names (a datastore the change removed).
    let stores: BTreeSet<&str> = kept
        .iter()
        .filter(|(_, _, kind, _)| *kind == "datastores")
        .map(|(_, _, _, name)| *name)
        .collect();
    sub.primary_ingestion_platforms
        .retain(|store, _| stores.contains(store.as_str()) || named.contains(store.as_str()));
    for (zone, z) in &mut sub.zones {
        let GovernanceZone { teams, .. } = z;
        for (team, t) in teams.iter_mut() {
            let holds = |kind: &'static str, name: &str| {
                kept.contains(&(zone.as_str(), team.as_str(), kind, name))
            };
            let stands = |kind: &'static str, name: &str| {
                standing.contains(&(zone.as_str(), team.as_str(), kind, name))
            };
            let Team {
                documentation,
                containers,
                credentials,
                datastores,
                workspaces,
                exceptions,
            } = &**t;
            let whole = containers.keys().all(|n| holds("containers", n))
                && credentials.keys().all(|n| holds("credentials", n))
                && datastores.keys().all(|n| holds("datastores", n))
                && workspaces.keys().all(|n| holds("workspaces", n));
            if whole {
                continue;
            }
            // Each element kept whole, standing in, or left out.
            let containers = only(containers, "containers", &holds, &stands, Clone::clone);
            let credentials = only(credentials, "credentials", &holds, &stands, Clone::clone);
            let datastores = only(datastores, "datastores", &holds, &stands, stand_in_store);
            let workspaces = only(
                workspaces,
                "workspaces",
                &holds,
                &stands,
                stand_in_workspace,
            );
            *t = Arc::new(Team {
                documentation: documentation.clone(),
                containers,
                credentials,
                datastores,
                workspaces,
                exceptions: exceptions.clone(),
            });
        }
    }
    sub
}

/// A datastore without its datasets.
fn stand_in_store(store: &Datastore) -> Datastore {
    let Datastore {
        capture,
        datasets: _,
        production_status,
        deprecation,
        approvals,
        documentation,
    } = store;
    Datastore {
        capture: capture.clone(),
        datasets: datasurface_core::OrderedMap::default(),
        production_status: *production_status,
        deprecation: deprecation.clone(),
        approvals: approvals.clone(),
        documentation: documentation.clone(),
    }
}

/// A workspace without its groups' sinks and its transformer.
fn stand_in_workspace(workspace: &Workspace) -> Workspace {
    let mut w = workspace.clone();
    for group in w.dataset_groups.values_mut() {
        group.sinks.clear();
    }
    w.transformer = None;
    w
}

/// The entries of `map` (of elements of `kind`) `holds` picks, and those
/// `stands` picks as their `stand_in`.
fn only<K: Clone + AsRef<str> + std::hash::Hash + Eq, V: Clone>(
    map: &OrderedMap<K, V>,
    kind: &'static str,
    holds: &dyn Fn(&'static str, &str) -> bool,
    stands: &dyn Fn(&'static str, &str) -> bool,
    stand_in: fn(&V) -> V,
) -> OrderedMap<K, V> {
    map.iter()
        .filter_map(|(n, v)| {
            if holds(kind, n.as_ref()) {
                Some((n.clone(), v.clone()))
            } else if stands(kind, n.as_ref()) {
                Some((n.clone(), stand_in(v)))
            } else {
                None
            }
        })
        .collect()
}
