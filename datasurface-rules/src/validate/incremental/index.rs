//! A model's elements and which names which, both ways; and the same for a
//! changed model, as the prior's index with the changed teams laid over it.

use std::collections::{BTreeMap, BTreeSet};

use datasurface_core::diagnostic::{ModelPath, Segment};
use datasurface_core::grant::CredentialDeclaration;
use datasurface_core::inventory::inventory;
use datasurface_core::{
    DataContainer, Datastore, Documentation, Ecosystem, Exceptions, OrderedMap, Team, Workspace,
};

use super::strings::each_string;

/// The kinds of element a team holds, by the key of their map in a team.
pub(super) const KINDS: [&str; 4] = ["containers", "credentials", "datastores", "workspaces"];

/// The kinds of element that many others share: a way through only when a
/// change starts or stops naming one.
pub(super) const HUBS: [&str; 3] = ["containers", "credentials", RESOURCE];

/// The kind of a resource outside the model that elements name.
pub(super) const RESOURCE: &str = "resource";

/// One element of a team: an entry of one of its maps, or the team's head
/// (`kind` empty): everything else it holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Element {
    pub(super) zone: String,
    pub(super) team: String,
    pub(super) kind: &'static str,
    pub(super) name: String,
}

impl Element {
    pub(super) fn head(zone: &str, team: &str) -> Self {
        Element {
            zone: zone.to_owned(),
            team: team.to_owned(),
            kind: "",
            name: String::new(),
        }
    }

    fn of(zone: &str, team: &str, kind: &'static str, name: &str) -> Self {
        Element {
            zone: zone.to_owned(),
            team: team.to_owned(),
            kind,
            name: name.to_owned(),
        }
    }

    /// A resource outside the model, as an element every user names.
    fn resource(kind: &str, name: &str) -> Self {
        Element {
            zone: String::new(),
            team: String::new(),
            kind: RESOURCE,
            name: format!("{kind}:{name}"),
        }
    }

    /// Whether it is an element of team `team` of zone `zone`.
    pub(super) fn in_team(&self, zone: &str, team: &str) -> bool {
        self.zone == zone && self.team == team
    }
}

/// The team element a path is in, if it is in a team.
pub(super) fn team_element(path: &ModelPath) -> Option<Element> {
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
            Some(Element::of(zone, team, kind, name))
        }
        ["zones", zone, "teams", team, ..] => Some(Element::head(zone, team)),
        _ => None,
    }
}

/// One element's content, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Part<'a> {
    Container(&'a DataContainer),
    Credential(&'a CredentialDeclaration),
    Datastore(&'a Datastore),
    Workspace(&'a Workspace),
    Head(&'a Option<Documentation>, &'a Exceptions),
}

impl Part<'_> {
    /// Calls `f` on every string it holds.
    fn each_string(&self, f: &mut dyn FnMut(&str)) {
        match self {
            Part::Container(c) => each_string(*c, f),
            Part::Credential(c) => each_string(*c, f),
            Part::Datastore(s) => each_string(*s, f),
            Part::Workspace(w) => each_string(*w, f),
            Part::Head(documentation, exceptions) => each_string(&(documentation, exceptions), f),
        }
    }
}

/// A team's elements, in model order, each with its content. Every field
/// of a team is named here, so a new one cannot escape the elements.
pub(super) fn parts<'a>(zone: &str, team: &str, t: &'a Team) -> Vec<(Element, Part<'a>)> {
    let Team {
        documentation,
        containers,
        credentials,
        datastores,
        workspaces,
        exceptions,
    } = t;
    let mut out = Vec::new();
    for (name, c) in containers {
        out.push((
            Element::of(zone, team, "containers", name),
            Part::Container(c),
        ));
    }
    for (name, c) in credentials {
        out.push((
            Element::of(zone, team, "credentials", name),
            Part::Credential(c),
        ));
    }
    for (name, s) in datastores {
        out.push((
            Element::of(zone, team, "datastores", name),
            Part::Datastore(s),
        ));
    }
    for (name, w) in workspaces {
        out.push((
            Element::of(zone, team, "workspaces", name),
            Part::Workspace(w),
        ));
    }
    out.push((
        Element::head(zone, team),
        Part::Head(documentation, exceptions),
    ));
    out
}

/// Which elements name which, both ways.
pub(super) trait Graph {
    /// What `element` names.
    fn names(&self, element: &Element) -> BTreeSet<Element>;
    /// What names `element`.
    fn named_by(&self, element: &Element) -> BTreeSet<Element>;

    /// `start` and every element within `steps` steps of it, either way. A
    /// shared container, credential or resource is a step's end, not a way
    /// through, unless it is in `open` (its users changed): what one user
    /// of it does is not what another sees.
    fn around(
        &self,
        start: &BTreeSet<Element>,
        steps: usize,
        open: &BTreeSet<Element>,
    ) -> BTreeSet<Element> {
        let mut seen = start.clone();
        let mut frontier: Vec<Element> = start.iter().cloned().collect();
        for _ in 0..steps {
            let mut next = Vec::new();
            for element in frontier {
                if !open.contains(&element) && HUBS.contains(&element.kind) {
                    continue;
                }
                let both = self.names(&element).into_iter();
                for n in both.chain(self.named_by(&element)) {
                    if seen.insert(n.clone()) {
                        next.push(n);
                    }
                }
            }
            frontier = next;
        }
        seen
    }

    /// `start` and everything it names, to the end of every chain.
    fn reach(&self, start: &mut BTreeSet<Element>) {
        let mut queue: Vec<Element> = start.iter().cloned().collect();
        while let Some(element) = queue.pop() {
            for named in self.names(&element) {
                if start.insert(named.clone()) {
                    queue.push(named);
                }
            }
        }
    }
}

/// A model's elements by name, and which names which.
#[derive(Debug, Default)]
pub(super) struct Index {
    /// The elements each name (of an element) belongs to.
    pub(super) by_name: OrderedMap<String, Vec<Element>>,
    /// What each element names.
    names: BTreeMap<Element, BTreeSet<Element>>,
    /// What names each element.
    named_by: BTreeMap<Element, BTreeSet<Element>>,
}

impl Index {
    /// Indexes a whole model.
    pub(super) fn of(model: &Ecosystem) -> Self {
        let by_name = names_of(model, |_, _| true);
        let mut names = named_in(model, &by_name, |_, _| true);
        add_resources(model, &mut names);
        let named_by = reversed(&names);
        Index {
            by_name,
            names,
            named_by,
        }
    }
}

impl Index {
    /// This index with teams indexed again ([`Overlay::into_reindexed`]):
    /// the index of the changed model, whose elements have the names this
    /// index's had.
    pub(super) fn apply_reindexed(&mut self, reindexed: Reindexed) {
        let Reindexed { names, teams } = reindexed;
        let in_changed = |e: &Element| teams.iter().any(|(zone, team)| e.in_team(zone, team));
        let gone: Vec<Element> = self
            .names
            .keys()
            .filter(|e| in_changed(e))
            .cloned()
            .collect();
        for element in gone {
            for named in self.names.remove(&element).unwrap_or_default() {
                if let Some(by) = self.named_by.get_mut(&named) {
                    by.remove(&element);
                    if by.is_empty() {
                        self.named_by.remove(&named);
                    }
                }
            }
        }
        for (element, named) in names {
            for n in &named {
                self.named_by
                    .entry(n.clone())
                    .or_default()
                    .insert(element.clone());
            }
            self.names.insert(element, named);
        }
    }
}

impl Graph for Index {
    fn names(&self, element: &Element) -> BTreeSet<Element> {
        self.names.get(element).cloned().unwrap_or_default()
    }

    fn named_by(&self, element: &Element) -> BTreeSet<Element> {
        self.named_by.get(element).cloned().unwrap_or_default()
    }
}

/// Teams of a changed model indexed again: what each of their elements
/// names.
pub(super) struct Reindexed {
    names: BTreeMap<Element, BTreeSet<Element>>,
    teams: BTreeSet<(String, String)>,
}

/// A changed model's index: the prior's, with its changed teams indexed
/// again (their elements keep their names, so no other element's
/// references move).
pub(super) struct Overlay<'a> {
    prior: &'a Index,
    /// The changed teams, by zone and team name.
    teams: BTreeSet<(String, String)>,
    names: BTreeMap<Element, BTreeSet<Element>>,
    named_by: BTreeMap<Element, BTreeSet<Element>>,
}

impl<'a> Overlay<'a> {
    /// `prior` with the teams `changed` (zone and team names) of `model`
    /// indexed again.
    pub(super) fn new(
        prior: &'a Index,
        model: &Ecosystem,
        changed: &BTreeSet<(String, String)>,
    ) -> Self {
        let mut names = named_in(model, &prior.by_name, |zone, team| {
            changed.contains(&(zone.to_owned(), team.to_owned()))
        });
        let mut only = model.clone();
        for (zone, z) in &mut only.zones {
            z.teams
                .retain(|team, _| changed.contains(&(zone.to_string(), team.to_string())));
        }
        add_resources(&only, &mut names);
        let named_by = reversed(&names);
        Overlay {
            prior,
            teams: changed.clone(),
            names,
            named_by,
        }
    }

    /// What it indexed again, for the prior's index to take
    /// ([`Index::apply_reindexed`]).
    pub(super) fn into_reindexed(self) -> Reindexed {
        Reindexed {
            names: self.names,
            teams: self.teams,
        }
    }

    fn changed(&self, element: &Element) -> bool {
        self.teams
            .iter()
            .any(|(zone, team)| element.in_team(zone, team))
    }
}

impl Graph for Overlay<'_> {
    fn names(&self, element: &Element) -> BTreeSet<Element> {
        if self.changed(element) {
            self.names.get(element).cloned().unwrap_or_default()
        } else {
            self.prior.names(element)
        }
    }

    fn named_by(&self, element: &Element) -> BTreeSet<Element> {
        let mut found: BTreeSet<Element> = self
            .prior
            .named_by(element)
            .into_iter()
            .filter(|e| !self.changed(e))
            .collect();
        found.extend(self.named_by.get(element).into_iter().flatten().cloned());
        found
    }
}

/// Every element name of `model`'s teams `wanted` picks (by zone and team).
pub(super) fn names_of(
    model: &Ecosystem,
    wanted: impl Fn(&str, &str) -> bool,
) -> OrderedMap<String, Vec<Element>> {
    let mut by_name: OrderedMap<String, Vec<Element>> = OrderedMap::default();
    for (zone, z) in &model.zones {
        for (team, t) in &z.teams {
            if !wanted(zone.as_str(), team.as_str()) {
                continue;
            }
            for (element, _) in parts(zone.as_str(), team.as_str(), t) {
                if !element.kind.is_empty() {
                    by_name
                        .entry(element.name.clone())
                        .or_default()
                        .push(element);
                }
            }
        }
    }
    by_name
}

/// What each element of the teams of `model` `wanted` picks (by zone and
/// team) names, its names resolved by `by_name`.
fn named_in(
    model: &Ecosystem,
    by_name: &OrderedMap<String, Vec<Element>>,
    wanted: impl Fn(&str, &str) -> bool,
) -> BTreeMap<Element, BTreeSet<Element>> {
    let mut names = BTreeMap::new();
    for (zone, z) in &model.zones {
        for (team, t) in &z.teams {
            if !wanted(zone.as_str(), team.as_str()) {
                continue;
            }
            for (element, part) in parts(zone.as_str(), team.as_str(), t) {
                let resolved = resolve(by_name, &element, &part);
                names.insert(element, resolved);
            }
        }
    }
    names
}

/// The elements `part` (of `element`) names: every string it holds that is
/// an element's name, itself aside.
fn resolve(
    by_name: &OrderedMap<String, Vec<Element>>,
    element: &Element,
    part: &Part<'_>,
) -> BTreeSet<Element> {
    let mut found = BTreeSet::new();
    part.each_string(&mut |s| {
        for other in by_name.get(s).into_iter().flatten() {
            if other != element {
                found.insert(other.clone());
            }
        }
    });
    found
}

/// Adds to `names` the resources each team element of `model` names.
fn add_resources(model: &Ecosystem, names: &mut BTreeMap<Element, BTreeSet<Element>>) {
    for r in inventory(model) {
        if let Some(e) = team_element(&r.path) {
            names
                .entry(e)
                .or_default()
                .insert(Element::resource(r.kind.as_str(), &r.name));
        }
    }
}

fn reversed(names: &BTreeMap<Element, BTreeSet<Element>>) -> BTreeMap<Element, BTreeSet<Element>> {
    let mut named_by: BTreeMap<Element, BTreeSet<Element>> = BTreeMap::new();
    for (element, named) in names {
        for n in named {
            named_by
                .entry(n.clone())
                .or_default()
                .insert(element.clone());
        }
    }
    named_by
}
