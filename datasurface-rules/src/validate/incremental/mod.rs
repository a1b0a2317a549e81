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
//! A [`Prior`] keeps a checked model's index (what names what) between
//! changes, so a change indexes only the teams it changes, unless it adds,
//! removes or renames an element (then the new model is indexed whole).
//! When the change is of another kind (the ecosystem's or a zone's own
//! content, a team added or removed), [`Prior::revalidate`] answers `None`
//! and the caller validates the whole model.

mod anchor;
mod index;
mod strings;
mod sub_model;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datasurface_core::Ecosystem;
use datasurface_core::diagnostic::Diagnostic;
use datasurface_core::regions::RegionRef;

use super::{Invalid, Report, ValidEcosystem};

use anchor::{Entries, anchor};
use index::{Element, Graph, Index, Overlay, Part, parts};

/// A checked model and its findings, indexed to check its changes
/// ([`revalidate`](Self::revalidate)).
pub struct Prior {
    model: Ecosystem,
    findings: Vec<Diagnostic>,
    index: Index,
    entries: Entries,
    /// Each entry of the ecosystem's and zones' own content, with the
    /// strings it holds.
    all_entries: Vec<(Option<String>, BTreeSet<String>)>,
    /// The names its findings' help offers.
    names: super::Names,
    /// What stands in for the elements the entries name ([`stand_ins`]).
    stand_ins: BTreeSet<Element>,
    /// The entries (positions in `all_entries`) that hold each string.
    entries_naming: datasurface_core::OrderedMap<String, Vec<usize>>,
}

impl std::fmt::Debug for Prior {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prior")
            .field("findings", &self.findings.len())
            .finish_non_exhaustive()
    }
}

impl Prior {
    /// `model`, whose whole check found `findings`, indexed: one walk of
    /// every element, about as long as the check.
    pub fn new(model: Ecosystem, findings: Vec<Diagnostic>) -> Self {
        let index = Index::of(&model);
        let entries = Entries::of(&model);
        let all_entries = entries.all();
        let names = super::Names::of(&model);
        let stand_ins = stand_ins(&all_entries, &index.by_name, &index);
        let mut entries_naming: datasurface_core::OrderedMap<String, Vec<usize>> =
            datasurface_core::OrderedMap::default();
        for (i, (_, strings)) in all_entries.iter().enumerate() {
            for s in strings {
                entries_naming.entry(s.clone()).or_default().push(i);
            }
        }
        Prior {
            model,
            findings,
            index,
            entries,
            all_entries,
            names,
            stand_ins,
            entries_naming,
        }
    }

    /// The model.
    pub fn model(&self) -> &Ecosystem {
        &self.model
    }

    /// Its findings.
    pub fn findings(&self) -> &[Diagnostic] {
        &self.findings
    }

    /// [`try_validate`](super::try_validate) of `new`, from this prior's
    /// findings where the change allows ([`revalidate`](Self::revalidate)),
    /// the whole model otherwise; then this prior becomes `new`'s
    /// ([`advance`](Self::advance)), to validate the next change from.
    ///
    /// # Errors
    ///
    /// When `new` is not valid: the model handed back with every finding.
    pub fn try_validate(&mut self, new: Ecosystem) -> Result<ValidEcosystem, Box<Invalid>> {
        let report = if let Some((found, next)) = self.revalidate_with(&new) {
            let report = Report::new(found);
            self.advance_by(new.clone(), report.diagnostics().to_vec(), next);
            report
        } else {
            let report = super::checked(&new).0;
            self.advance(new.clone(), report.diagnostics().to_vec());
            report
        };
        if report.has_errors() {
            Err(Box::new(Invalid {
                ecosystem: new,
                report,
            }))
        } else {
            Ok(ValidEcosystem {
                ecosystem: new,
                warnings: report,
                places: std::sync::OnceLock::new(),
                inventory: std::sync::OnceLock::new(),
            })
        }
    }

    /// Makes this the prior of `model`, whose check found `findings`:
    /// indexing again only the teams it does not share with this prior's
    /// model when the change is one [`revalidate`](Self::revalidate)
    /// handles and renames, adds or removes no element; indexing `model`
    /// whole otherwise.
    pub fn advance(&mut self, model: Ecosystem, findings: Vec<Diagnostic>) {
        let teams = changed_teams(&self.model, &model);
        let next = if !same_outside_teams(&self.model, &model)
            || naming(&self.model, &model, &teams) != Naming::Same
        {
            Next::Whole
        } else if teams.is_empty() {
            Next::Same
        } else {
            Next::Reindexed(Overlay::new(&self.index, &model, &teams).into_reindexed())
        };
        self.advance_by(model, findings, next);
    }

    /// [`advance`](Self::advance) with what revalidating `model` learnt of
    /// the change ([`Next`]), so nothing is compared or indexed twice.
    fn advance_by(&mut self, model: Ecosystem, findings: Vec<Diagnostic>, next: Next) {
        match next {
            Next::Same => {}
            Next::Whole => {
                *self = Prior::new(model, findings);
                return;
            }
            Next::Reindexed(reindexed) => {
                self.index.apply_reindexed(reindexed);
                self.stand_ins = stand_ins(&self.all_entries, &self.index.by_name, &self.index);
            }
        }
        self.model = model;
        self.findings = findings;
    }

    /// What [`check`](super::check) finds in `new`, running the rules only
    /// where the change from this model to `new` can change a finding
    /// (module docs). `None` when the change is not one this handles: the
    /// caller checks the whole model.
    ///
    /// The findings are those of the whole check, in another order:
    /// compare them sorted.
    pub fn revalidate(&self, new: &Ecosystem) -> Option<Vec<Diagnostic>> {
        self.revalidate_with(new).map(|(found, _)| found)
    }

    /// [`revalidate`](Self::revalidate), and how this prior moves on to
    /// `new` ([`Prior::advance_by`]).
    fn revalidate_with(&self, new: &Ecosystem) -> Option<(Vec<Diagnostic>, Next)> {
        let prior = &self.model;
        if !same_outside_teams(prior, new) {
            return None;
        }
        let teams = changed_teams(prior, new);
        if teams.is_empty() {
            return Some((self.findings.clone(), Next::Same));
        }
        let naming = naming(prior, new, &teams);
        if naming == Naming::Reordered {
            return None;
        }
        let mut changed = changed_elements(prior, new, &teams);
        if changed.is_empty() {
            // The teams' elements are alike: so is what they name.
            return Some((self.findings.clone(), Next::Same));
        }
        let renamed = naming == Naming::Renamed;
        // A finding's help may offer the names closest to one it does not
        // know, from the whole model's: when those change, so may the help
        // of a finding the change does not otherwise reach.
        let names_after = if renamed {
            let names = super::Names::of(new);
            if names != self.names && self.findings.iter().any(|d| d.help.is_some()) {
                return None;
            }
            Cow::Owned(names)
        } else {
            Cow::Borrowed(&self.names)
        };
        let whole;
        let mut overlay = None;
        let after: &dyn Graph = if renamed {
            whole = Index::of(new);
            &whole
        } else {
            overlay.insert(Overlay::new(&self.index, new, &teams))
        };
        let before: &dyn Graph = &self.index;
        let by_name_after = if renamed {
            Cow::Owned(index::names_of(new, |_, _| true))
        } else {
            Cow::Borrowed(&self.index.by_name)
        };
        // What a changed element starts or stops naming is seen by a
        // different set of elements: the way through it is open too.
        let mut moved = BTreeSet::new();
        for element in &changed {
            let (was, is) = (before.names(element), after.names(element));
            moved.extend(was.symmetric_difference(&is).cloned());
        }
        changed.extend(moved);
        // The elements whose findings can change: those within two steps of
        // a changed one in either model (a transformer's output read by a
        // changed workspace is one step from it, the transformer two), and
        // those that share a name with one.
        let mut scope = before.around(&changed, 2, &changed);
        scope.extend(after.around(&changed, 2, &changed));
        for by_name in [&self.index.by_name, &*by_name_after] {
            for element in &changed {
                scope.extend(by_name.get(&element.name).into_iter().flatten().cloned());
            }
        }
        // The sub-model: what a rule judging the scope can read, two steps
        // around it, everything those name to the end of every chain, and
        // what the ecosystem's and zones' entries that name the scope name.
        let present: BTreeSet<Element> = scope.iter().filter(|e| exists(new, e)).cloned().collect();
        let mut keep = after.around(&present, 2, &changed);
        let names: BTreeSet<&str> = scope.iter().map(|e| e.name.as_str()).collect();
        let naming: BTreeSet<usize> = names
            .iter()
            .flat_map(|n| self.entries_naming.get(*n).into_iter().flatten().copied())
            .collect();
        for entry in naming.iter().filter_map(|i| self.all_entries.get(*i)) {
            for s in &entry.1 {
                keep.extend(by_name_after.get(s).into_iter().flatten().cloned());
            }
        }
        after.reach(&mut keep);
        // What the ecosystem's and zones' entries name stands in, with the
        // containers and credentials a stand-in names (kept with the prior
        // when no element was renamed).
        let stand_ins = if renamed {
            Cow::Owned(stand_ins(&self.all_entries, &by_name_after, after))
        } else {
            self.stand_ins_after(&teams, after)
        };
        let sub = sub_model::sub_model(new, &keep, &stand_ins, &names);
        let (sub_found, _) = super::checked_within(&sub, Some(&names_after));
        // The ecosystem's and zones' own content is alike in both models:
        // so are their entries.
        let mut found: Vec<Diagnostic> = self
            .findings
            .iter()
            .filter(|d| !anchor(&self.entries, &d.path).within(&scope, &names))
            .cloned()
            .collect();
        for d in sub_found.diagnostics() {
            if anchor(&self.entries, &d.path).within(&scope, &names) {
                found.push(d.clone());
            }
        }
        let next = match overlay {
            Some(overlay) => Next::Reindexed(overlay.into_reindexed()),
            None => Next::Whole,
        };
        Some((found, next))
    }
}

/// How a prior moves on to a model it revalidated.
enum Next {
    /// Its index holds: no element changed.
    Same,
    /// The changed teams, indexed again while revalidating.
    Reindexed(index::Reindexed),
    /// Elements were renamed, added or removed: indexed whole.
    Whole,
}

impl Prior {
    /// The stand-ins of a changed model whose elements keep their names:
    /// the prior's, with the containers and credentials the stand-ins of
    /// the changed `teams` now name (`after`).
    fn stand_ins_after(
        &self,
        teams: &BTreeSet<(String, String)>,
        after: &dyn Graph,
    ) -> Cow<'_, BTreeSet<Element>> {
        let mut more = BTreeSet::new();
        for e in self
            .stand_ins
            .iter()
            .filter(|e| teams.contains(&(e.zone.clone(), e.team.clone())))
        {
            more.extend(
                after
                    .names(e)
                    .into_iter()
                    .filter(|n| SHARED.contains(&n.kind)),
            );
        }
        if more.is_empty() {
            Cow::Borrowed(&self.stand_ins)
        } else {
            more.extend(self.stand_ins.iter().cloned());
            Cow::Owned(more)
        }
    }
}

/// What [`check`](super::check) finds in `new`, given what it found in
/// `prior` (`prior_findings`): [`Prior::revalidate`] of a prior made for
/// the one call. To check several changes of one model, keep the
/// [`Prior`].
pub fn revalidate(
    prior: &Ecosystem,
    prior_findings: &[Diagnostic],
    new: &Ecosystem,
) -> Option<Vec<Diagnostic>> {
    Prior::new(prior.clone(), prior_findings.to_vec()).revalidate(new)
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

/// The teams (by zone and team name) the two models do not share: what
/// may differ, element by element ([`changed_elements`]).
fn changed_teams(prior: &Ecosystem, new: &Ecosystem) -> BTreeSet<(String, String)> {
    let mut changed = BTreeSet::new();
    for (zone, z) in &new.zones {
        for (team, t) in &z.teams {
            let was = prior.zones.get(zone).and_then(|z| z.teams.get(team));
            if !was.is_some_and(|was| Arc::ptr_eq(was, t)) {
                changed.insert((zone.to_string(), team.to_string()));
            }
        }
    }
    changed
}

/// The elements of the changed teams that differ, or are in one model only.
fn changed_elements(
    prior: &Ecosystem,
    new: &Ecosystem,
    teams: &BTreeSet<(String, String)>,
) -> BTreeSet<Element> {
    let mut changed = BTreeSet::new();
    for (zone, team) in teams {
        let of = |model: &Ecosystem| {
            model
                .zones
                .get(zone.as_str())
                .and_then(|z| z.teams.get(team.as_str()))
                .cloned()
        };
        let (old, now) = (of(prior), of(new));
        let olds: BTreeMap<Element, Part<'_>> = old
            .as_deref()
            .map(|t| parts(zone, team, t))
            .unwrap_or_default()
            .into_iter()
            .collect();
        let nows = now
            .as_deref()
            .map(|t| parts(zone, team, t))
            .unwrap_or_default();
        for (e, part) in &nows {
            if olds.get(e) != Some(part) {
                changed.insert(e.clone());
            }
        }
        let now_elements: BTreeSet<&Element> = nows.iter().map(|(e, _)| e).collect();
        for e in olds.keys() {
            if !now_elements.contains(e) {
                changed.insert(e.clone());
            }
        }
    }
    changed
}

/// How the changed teams name their elements in both models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// Alike, in the same order.
    Same,
    /// Alike, in another order: the help of a finding anywhere, which offers
    /// the first of the names closest to the one it does not know, may
    /// change.
    Reordered,
    /// Otherwise.
    Renamed,
}

fn naming(prior: &Ecosystem, new: &Ecosystem, teams: &BTreeSet<(String, String)>) -> Naming {
    let wanted = |zone: &str, team: &str| teams.contains(&(zone.to_owned(), team.to_owned()));
    let names = |model: &Ecosystem| -> Vec<Element> {
        index::names_of(model, wanted)
            .into_values()
            .flatten()
            .collect()
    };
    let (before, after) = (names(prior), names(new));
    if before == after {
        Naming::Same
    } else if before.iter().collect::<BTreeSet<_>>() == after.iter().collect::<BTreeSet<_>>() {
        Naming::Reordered
    } else {
        Naming::Renamed
    }
}

/// Whether `element` is in `model`.
fn exists(model: &Ecosystem, element: &Element) -> bool {
    let Some(team) = model
        .zones
        .get(element.zone.as_str())
        .and_then(|z| z.teams.get(element.team.as_str()))
    else {
        return false;
    };
    match element.kind {
        "" => true,
        "containers" => team.containers.contains_key(element.name.as_str()),
        "credentials" => team.credentials.contains_key(element.name.as_str()),
        "datastores" => team.datastores.contains_key(element.name.as_str()),
        "workspaces" => team.workspaces.contains_key(element.name.as_str()),
        _ => false,
    }
}

/// The kinds of element a stand-in's own names bring in with it.
const SHARED: [&str; 2] = ["containers", "credentials"];

/// The elements the ecosystem's and zones' entries name (but for the
/// fields whose entries go with what they name, `sub_model::PRUNED`), with
/// the containers and credentials those name: what stands in for them in
/// a sub-model.
fn stand_ins(
    entries: &[(Option<String>, BTreeSet<String>)],
    by_name: &datasurface_core::OrderedMap<String, Vec<Element>>,
    graph: &dyn Graph,
) -> BTreeSet<Element> {
    let mut found = BTreeSet::new();
    for (key, entry) in entries {
        if key
            .as_deref()
            .is_some_and(|k| sub_model::PRUNED.contains(&k))
        {
            continue;
        }
        for s in entry {
            found.extend(by_name.get(s).into_iter().flatten().cloned());
        }
    }
    let mut shared = BTreeSet::new();
    for e in &found {
        shared.extend(
            graph
                .names(e)
                .into_iter()
                .filter(|n| SHARED.contains(&n.kind)),
        );
    }
    found.extend(shared);
    found
}
