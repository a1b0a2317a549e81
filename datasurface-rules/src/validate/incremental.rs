//! Validation of a changed model from the findings of the model it changes:
//! what [`check`](super::check) finds in the whole new model, found by
//! running every rule on the part of it the change can reach.
//!
//! A change that keeps the ecosystem's and every zone's own content and
//! the set of teams edits team elements: containers, credentials,
//! datastores and workspaces (a team's head, its documentation and
//! exceptions, counts as one more element). Each finding is anchored at
//! the element its path lies in (an assignment, a recorded choice or a
//! primary-ingestion entry at the element it names). The findings of an
//! element are a function of that element and of what it can see: the
//! elements it names, those that name it, and those that share one of its
//! names. So the elements whose findings can change are the changed ones
//! and their neighbours in either model; their findings come from running
//! every rule on a sub-model holding them with everything they name (to the
//! end of every chain) and everything that names them, and every other
//! finding is the previous model's.
//!
//! Which element names which is read off the values, not off a list of
//! fields: every string an element holds (a key or a value, at any depth)
//! that is the name of another element is a reference to it, so a field
//! added to the model cannot escape. It over-approximates (a column named
//! like a datastore "names" it), which only makes the sub-model larger.
//!
//! When the change is of another kind (the ecosystem's or a zone's own
//! content, a team added or removed), [`revalidate`] answers `None` and the
//! caller validates the whole model.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datasurface_core::diagnostic::{Diagnostic, ModelPath, Segment};
use datasurface_core::inventory::inventory;
use datasurface_core::regions::RegionRef;
use datasurface_core::{Datastore, Ecosystem, GovernanceZone, Team};
use serde_json::Value;

/// The kinds of element a team holds, by the key of their map in a team.
const KINDS: [&str; 4] = ["containers", "credentials", "datastores", "workspaces"];

/// One element of a team: an entry of one of its maps, or the team's head
/// (`kind` empty): everything else it holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Element {
    zone: String,
    team: String,
    kind: &'static str,
    name: String,
}

impl Element {
    fn head(zone: &str, team: &str) -> Self {
        Element {
            zone: zone.to_owned(),
            team: team.to_owned(),
            kind: "",
            name: String::new(),
        }
    }
}

/// Where a finding's findings are kept: an element, or the ecosystem's or
/// a zone's own content (which a change handled here leaves alike).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Anchor {
    Element(Element),
    /// An entry of the ecosystem's or a zone's own content (a platform,
    /// an assignment, a policy), with every string it holds: it can see
    /// the elements those name.
    Entry(BTreeSet<String>),
}

impl Anchor {
    /// Whether a finding anchored here can change with the scope
    /// (`names`: the scope's elements' names).
    fn within(&self, scope: &BTreeSet<Element>, names: &BTreeSet<&str>) -> bool {
        match self {
            Anchor::Element(e) => scope.contains(e),
            Anchor::Entry(strings) => strings.iter().any(|s| names.contains(s.as_str())),
        }
    }
}

/// The ecosystem's and each zone's own content, serialized: the entries
/// findings outside the teams are anchored at.
struct Entries {
    /// The ecosystem without its zones' teams, as JSON.
    value: Value,
}

impl Entries {
    fn of(model: &Ecosystem) -> Self {
        let mut outside = model.clone();
        for zone in outside.zones.values_mut() {
            zone.teams = datasurface_core::OrderedMap::default();
        }
        Entries {
            value: serde_json::to_value(&outside).unwrap_or(Value::Null),
        }
    }

    /// The entry a path outside the teams is in: two steps below the root
    /// (`/platforms/<name>`, `/assignments/<i>`), or below a zone.
    fn entry_of(&self, path: &ModelPath) -> Anchor {
        let segments = path.segments();
        let depth = match segments.first() {
            Some(Segment::Key(k)) if k == "zones" => 4,
            _ => 2,
        };
        let mut pointer = String::new();
        // The entry's own keys name what it is about (a primary-ingestion
        // entry's key is its datastore).
        let mut found = BTreeSet::new();
        for segment in segments.iter().take(depth) {
            pointer.push('/');
            match segment {
                Segment::Key(k) => {
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    found.insert(k.clone());
                }
                Segment::Index(i) => pointer.push_str(&i.to_string()),
            }
        }
        if let Some(value) = self.value.pointer(&pointer) {
            strings(value, &mut |s| {
                found.insert(s.to_owned());
            });
        }
        Anchor::Entry(found)
    }

    /// Every entry, with the strings it holds.
    fn all(&self) -> Vec<BTreeSet<String>> {
        let mut out = Vec::new();
        let mut entries = |value: &Value| match value {
            Value::Object(fields) => {
                for (k, v) in fields {
                    let mut found = BTreeSet::from([k.clone()]);
                    strings(v, &mut |s| {
                        found.insert(s.to_owned());
                    });
                    out.push(found);
                }
            }
            Value::Array(items) => {
                for v in items {
                    let mut found = BTreeSet::new();
                    strings(v, &mut |s| {
                        found.insert(s.to_owned());
                    });
                    out.push(found);
                }
            }
            _ => {}
        };
        if let Value::Object(fields) = &self.value {
            for (key, value) in fields {
                if key == "zones" {
                    for zone in value.as_object().into_iter().flat_map(|z| z.values()) {
                        for v in zone.as_object().into_iter().flat_map(|z| z.values()) {
                            entries(v);
                        }
                    }
                } else {
                    entries(value);
                }
            }
        }
        out
    }
}

/// A model's elements, what each one names, and which name each.
struct Elements<'a> {
    /// Each element's value, serialized.
    values: BTreeMap<Element, Value>,
    /// The elements each name (of an element) belongs to.
    by_name: BTreeMap<String, Vec<Element>>,
    model: &'a Ecosystem,
}

impl<'a> Elements<'a> {
    fn of(model: &'a Ecosystem) -> Self {
        let mut values = BTreeMap::new();
        let mut by_name: BTreeMap<String, Vec<Element>> = BTreeMap::new();
        for (zone, z) in &model.zones {
            for (team, t) in &z.teams {
                for (element, value) in team_elements(zone.as_str(), team.as_str(), t) {
                    if !element.kind.is_empty() {
                        by_name
                            .entry(element.name.clone())
                            .or_default()
                            .push(element.clone());
                    }
                    values.insert(element, value);
                }
            }
        }
        Elements {
            values,
            by_name,
            model,
        }
    }

    /// The elements `element` names, itself aside.
    fn named_by(&self, element: &Element) -> BTreeSet<Element> {
        let mut found = BTreeSet::new();
        if let Some(value) = self.values.get(element) {
            strings(value, &mut |s| {
                for other in self.by_name.get(s).into_iter().flatten() {
                    if other != element {
                        found.insert(other.clone());
                    }
                }
            });
        }
        found
    }

    /// Every element that names another, with what it names: elements by
    /// their names, and resources outside the model (a credential, a host,
    /// a file) as the resource inventory finds them, each resource one
    /// more element that every element naming it names.
    fn references(&self) -> BTreeMap<Element, BTreeSet<Element>> {
        let mut refs: BTreeMap<Element, BTreeSet<Element>> = self
            .values
            .keys()
            .map(|e| (e.clone(), self.named_by(e)))
            .collect();
        for r in inventory(self.model) {
            if let Some(e) = team_element(&r.path) {
                refs.entry(e).or_default().insert(Element {
                    zone: String::new(),
                    team: String::new(),
                    kind: RESOURCE,
                    name: format!("{}:{}", r.kind, r.name),
                });
            }
        }
        refs
    }
}

/// Which elements name which, both ways.
struct Neighbours {
    /// What each element names.
    names: BTreeMap<Element, BTreeSet<Element>>,
    /// What names each element.
    named_by: BTreeMap<Element, BTreeSet<Element>>,
}

impl Neighbours {
    fn of(elements: &Elements<'_>) -> Self {
        let names = elements.references();
        let mut named_by: BTreeMap<Element, BTreeSet<Element>> = BTreeMap::new();
        for (element, named) in &names {
            for n in named {
                named_by
                    .entry(n.clone())
                    .or_default()
                    .insert(element.clone());
            }
        }
        Neighbours { names, named_by }
    }

    /// `start` and every element within `steps` steps of it, either way. A
    /// container or a credential many elements share is a step's end, not
    /// a way through, unless it is in `start`: what one user of it does is
    /// not what another sees.
    fn around(&self, start: &BTreeSet<Element>, steps: usize) -> BTreeSet<Element> {
        let mut seen = start.clone();
        let mut frontier: Vec<Element> = start.iter().cloned().collect();
        for _ in 0..steps {
            let mut next = Vec::new();
            for element in frontier {
                if !start.contains(&element) && HUBS.contains(&element.kind) {
                    continue;
                }
                let both = self.names.get(&element).into_iter().flatten();
                let both = both.chain(self.named_by.get(&element).into_iter().flatten());
                for n in both {
                    if seen.insert(n.clone()) {
                        next.push(n.clone());
                    }
                }
            }
            frontier = next;
        }
        seen
    }
}

/// The kinds of element that many others share.
const HUBS: [&str; 3] = ["containers", "credentials", RESOURCE];

/// The kind of a resource outside the model that elements name.
const RESOURCE: &str = "resource";

/// A team's elements and their values.
fn team_elements(zone: &str, team: &str, t: &Team) -> Vec<(Element, Value)> {
    let mut head = serde_json::to_value(t).unwrap_or(Value::Null);
    let mut out = Vec::new();
    if let Value::Object(fields) = &mut head {
        for kind in KINDS {
            if let Some(Value::Object(entries)) = fields.remove(kind) {
                for (name, value) in entries {
                    out.push((
                        Element {
                            zone: zone.to_owned(),
                            team: team.to_owned(),
                            kind,
                            name,
                        },
                        value,
                    ));
                }
            }
        }
    }
    out.push((Element::head(zone, team), head));
    out
}

/// Calls `f` on every string in `value`, keys included.
fn strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| strings(v, f)),
        Value::Object(fields) => {
            for (k, v) in fields {
                f(k);
                strings(v, f);
            }
        }
        _ => {}
    }
}

/// The team element a path is in, if it is in a team.
fn team_element(path: &ModelPath) -> Option<Element> {
    let keys: Vec<&str> = path
        .segments()
        .iter()
        .map(|s| match s {
            Segment::Key(k) => k.as_str(),
            Segment::Index(_) => "",
        })
        .collect();
    match keys.as_slice() {
        ["zones", zone, "teams", team, kind, name, ..] if KINDS.contains(kind) => {
            let kind = KINDS.iter().find(|k| *k == kind).copied().unwrap_or("");
            Some(Element {
                zone: (*zone).to_owned(),
                team: (*team).to_owned(),
                kind,
                name: (*name).to_owned(),
            })
        }
        ["zones", zone, "teams", team, ..] => Some(Element::head(zone, team)),
        _ => None,
    }
}

/// The anchor of `path`, outside the teams an entry of `entries`.
fn anchor(entries: &Entries, path: &ModelPath) -> Anchor {
    fn key(s: &Segment) -> Option<&str> {
        match s {
            Segment::Key(k) => Some(k.as_str()),
            Segment::Index(_) => None,
        }
    }
    let keys: Vec<Option<&str>> = path.segments().iter().map(key).collect();
    match keys.as_slice() {
        [
            Some("zones"),
            Some(zone),
            Some("teams"),
            Some(team),
            Some(kind),
            Some(name),
            ..,
        ] if KINDS.contains(kind) => {
            let kind = KINDS.iter().find(|k| *k == kind).copied().unwrap_or("");
            Anchor::Element(Element {
                zone: (*zone).to_owned(),
                team: (*team).to_owned(),
                kind,
                name: (*name).to_owned(),
            })
        }
        [Some("zones"), Some(zone), Some("teams"), Some(team), ..] => {
            Anchor::Element(Element::head(zone, team))
        }
        _ => entries.entry_of(path),
    }
}

/// What [`check`](super::check) finds in `new`, given what it found in
/// `prior` (`prior_findings`), running the rules only where the change
/// from `prior` to `new` can change a finding (module docs). `None` when
/// the change is not one this handles: the caller checks the whole model.
///
/// The findings are those of the whole check, in another order: compare
/// them sorted.
pub fn revalidate(
    prior: &Ecosystem,
    prior_findings: &[Diagnostic],
    new: &Ecosystem,
) -> Option<Vec<Diagnostic>> {
    if !same_outside_teams(prior, new) {
        return None;
    }
    let (before, after) = (Elements::of(prior), Elements::of(new));
    let changed = changed_elements(&before, &after);
    if changed.is_empty() {
        return Some(prior_findings.to_vec());
    }
    let (graph_before, graph_after) = (Neighbours::of(&before), Neighbours::of(&after));
    // What a changed element starts or stops naming is seen by a
    // different set of elements: the way through it is open too.
    let mut changed = changed;
    let mut moved = BTreeSet::new();
    for element in &changed {
        let was = graph_before.names.get(element);
        let is = graph_after.names.get(element);
        let (was, is) = (
            was.cloned().unwrap_or_default(),
            is.cloned().unwrap_or_default(),
        );
        moved.extend(was.symmetric_difference(&is).cloned());
    }
    changed.extend(moved);
    // The elements whose findings can change: those within two steps of a
    // changed one in either model (a transformer's output read by a
    // changed workspace is one step from it, the transformer two), and
    // those that share a name with one.
    let mut scope = graph_before.around(&changed, 2);
    scope.extend(graph_after.around(&changed, 2));
    for elements in [&before, &after] {
        for element in &changed {
            if let Some(same) = elements.by_name.get(&element.name) {
                scope.extend(same.iter().cloned());
            }
        }
    }
    // The sub-model: what a rule judging the scope can read, two steps
    // around it, and everything that names, to the end of every chain.
    let present: BTreeSet<Element> = scope
        .iter()
        .filter(|e| after.values.contains_key(*e))
        .cloned()
        .collect();
    let mut keep = graph_after.around(&present, 2);
    let mut queue: Vec<Element> = keep.iter().cloned().collect();
    while let Some(element) = queue.pop() {
        for named in graph_after.names.get(&element).into_iter().flatten() {
            if keep.insert(named.clone()) {
                queue.push(named.clone());
            }
        }
    }
    // The ecosystem's and zones' entries that name the scope see it: what
    // they name is read whole too.
    let (entries_before, entries_after) = (Entries::of(prior), Entries::of(new));
    let names: BTreeSet<&str> = scope.iter().map(|e| e.name.as_str()).collect();
    for entry in entries_after.all() {
        if entry.iter().any(|s| names.contains(s.as_str())) {
            for s in &entry {
                keep.extend(after.by_name.get(s).into_iter().flatten().cloned());
            }
        }
    }
    let sub = sub_model(new, &keep);
    let sub_found = super::check(&sub);
    let mut found: Vec<Diagnostic> = prior_findings
        .iter()
        .filter(|d| !anchor(&entries_before, &d.path).within(&scope, &names))
        .cloned()
        .collect();
    for d in sub_found.diagnostics().iter().cloned() {
        if anchor(&entries_after, &d.path).within(&scope, &names) {
            found.push(d);
        }
    }
    Some(found)
}

/// Whether the ecosystem's own content, every zone's and the set of teams
/// are alike in both models.
fn same_outside_teams(prior: &Ecosystem, new: &Ecosystem) -> bool {
    RegionRef::Ecosystem(prior).same_as(RegionRef::Ecosystem(new))
        && prior.zones.len() == new.zones.len()
        && prior
            .zones
            .iter()
            .zip(&new.zones)
            .all(|((a, za), (b, zb))| {
                a == b
                    && RegionRef::Zone(za).same_as(RegionRef::Zone(zb))
                    && za.teams.keys().eq(zb.teams.keys())
            })
}

/// The elements that differ between the two models, or are in one only.
fn changed_elements(before: &Elements<'_>, after: &Elements<'_>) -> BTreeSet<Element> {
    let mut changed = BTreeSet::new();
    for (zone, z) in &after.model.zones {
        for (team, t) in &z.teams {
            let was = before.model.zones.get(zone).and_then(|z| z.teams.get(team));
            if was.is_some_and(|was| Arc::ptr_eq(was, t) || was == t) {
                continue;
            }
            let prefix = |e: &&Element| e.zone == zone.as_str() && e.team == team.as_str();
            let olds = before.values.iter().filter(|(e, _)| prefix(e));
            let news = after.values.iter().filter(|(e, _)| prefix(e));
            let olds: BTreeMap<&Element, &Value> = olds.collect();
            let news: BTreeMap<&Element, &Value> = news.collect();
            for (e, v) in &news {
                if olds.get(e) != Some(v) {
                    changed.insert((*e).clone());
                }
            }
            for e in olds.keys() {
                if !news.contains_key(e) {
                    changed.insert((*e).clone());
                }
            }
        }
    }
    changed
}

/// `model` with every datastore outside `keep` standing in without its
/// datasets: every name in its place (a rule's help lists names, a rule
/// looks names up), every element `keep` holds whole.
fn sub_model(model: &Ecosystem, keep: &BTreeSet<Element>) -> Ecosystem {
    let mut sub = model.clone();
    for (zone, z) in &mut sub.zones {
        let GovernanceZone { teams, .. } = z;
        for (team, t) in teams.iter_mut() {
            let holds = |name: &str| {
                keep.contains(&Element {
                    zone: zone.to_string(),
                    team: team.to_string(),
                    kind: "datastores",
                    name: name.to_owned(),
                })
            };
            if t.datastores.keys().all(|n| holds(n)) {
                continue;
            }
            let Team {
                documentation,
                containers,
                credentials,
                datastores,
                workspaces,
                exceptions,
            } = &**t;
            let datastores = datastores
                .iter()
                .map(|(n, s)| (n.clone(), if holds(n) { s.clone() } else { stand_in(s) }))
                .collect();
            *t = Arc::new(Team {
                documentation: documentation.clone(),
                containers: containers.clone(),
                credentials: credentials.clone(),
                datastores,
                workspaces: workspaces.clone(),
                exceptions: exceptions.clone(),
            });
        }
    }
    sub
}

/// A datastore without its datasets.
fn stand_in(store: &Datastore) -> Datastore {
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
