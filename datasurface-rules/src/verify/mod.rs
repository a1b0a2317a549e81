//! Change verification: may a proposed model replace the base one?
//!
//! [`verify`] runs the stages of a pull-request gate and reports every finding:
//!
//! 1. the proposed model validates;
//! 2. the change comes from a repository the base model knows (or, for the
//!    initial check-in, from the ecosystem's own repository);
//! 3. every changed region is changed by the repository that owns it, as the
//!    base model declares: the parent declares, then the child defines; the
//!    child undefines, then the parent removes the declaration;
//! 4. every change is backwards compatible for the consumers of the base model.
//!
//! The model is cut into [`Region`]s (the ecosystem's own content, each
//! zone's definition, each team) compared as whole values, so every field,
//! key and rename counts, and content nested inside a new zone still needs
//! its own team's repository. The same comparison gives the change summary.

mod compat;
mod exceptions;
mod files;
mod numeric;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

pub use compat::{SchemaBreak, column_problem, schema_breaks, type_change_problem};
use datasurface_core::regions;
pub use datasurface_core::regions::{ChangeKind, Difference, Region, owner_of};
pub use exceptions::{APPROVABLE, Excepted, STANDING, apply_suppressions};
pub use files::{FileChange, UNAUTHORIZED_FILE_CHANGE, authorize_files};

use crate::validate::check;
use datasurface_core::diagnostic::{Diagnostic, ModelPath, Report, Severity};
use datasurface_core::names::{
    DatasetGroupName, DatasetName, DatastoreName, PlatformName, TeamName, WorkspaceName, ZoneName,
};
use datasurface_core::{Datastore, Ecosystem, Repository};

/// The codes that change verification reports, besides the validation codes of
/// the proposed model: `(code, severity, summary, explanation)`.
pub const VERIFY_CODES: &[crate::validate::CodeInfo] = &[
    crate::validate::CodeInfo::new(
        "unknown-change-source",
        Severity::Error,
        "The change comes from a repository the base model does not know.",
        "Only the ecosystem's repository and the repositories its zones and teams are declared with may change the model. Open the pull request from one of them.",
    ),
    crate::validate::CodeInfo::new(
        "initial-check-in-source",
        Severity::Error,
        "The first version of a model comes from another repository than its owning repository.",
        "The initial check-in must come from the repository the model names as `owningRepository`.",
    ),
    crate::validate::CodeInfo::new(
        "unauthorized-change",
        Severity::Error,
        "A region of the model is changed by a repository that does not own it.",
        "The ecosystem's repository owns the ecosystem document; a zone's repository owns the zone's definition; a team's repository owns the team. Split the change into one pull request per owner.",
    ),
    crate::validate::CodeInfo::new(
        "undeclared-region",
        Severity::Error,
        "A zone or team is defined (or undefined) without a declaration in the base model.",
        "Zones and teams come into being in two steps: the parent declares them, then, in a later change, the owner defines them. Merge the declaration first. A repository that declares a zone or team naming itself may define it in the same change.",
    ),
    crate::validate::CodeInfo::new(
        "ownership-transfer",
        Severity::Error,
        "A declaration names another repository for a zone or team that is defined.",
        "Moving a declaration moves everything in the definition to a new owner. Its present owner removes the definition first (in a change of its own); then the declaration can name the new repository, whose owner defines it again.",
    ),
    crate::validate::CodeInfo::new(
        UNAUTHORIZED_FILE_CHANGE,
        Severity::Error,
        "A file the model names (a source database, a hook module, a file a platform maps) changes in a pull request from a repository that does not own the element naming it.",
        "A file the model names is data the platforms read, and belongs to the element that names it: a `SQLITE` container's file to the container's team, a hook module to the workspace's team, a file a platform's parameters map to the ecosystem. `verify` compares the bytes of every such file between the base and the proposed model; only the owner of the naming element (in the base model) may change one. Leave the file as it is, and ask its owner.",
    ),
    crate::validate::CodeInfo::new(
        "removed-datastore",
        Severity::Error,
        "A datastore is removed while it is not deprecated or still has consumers.",
        "Deprecate the datastore first, wait until no workspace reads it, then remove it.",
    ),
    crate::validate::CodeInfo::new(
        "removed-dataset",
        Severity::Error,
        "A dataset is removed while it is not deprecated or still has consumers.",
        "Deprecate the dataset first, wait until no workspace reads it, then remove it.",
    ),
    crate::validate::CodeInfo::new(
        "avro-incompatible",
        Severity::Error,
        "A dataset's new Avro schema writes what consumers reading with its old one cannot read.",
        "Both versions of the dataset are Avro records, so they are compared by Avro's schema-resolution rules, reading with the old schema what the new one writes: a field the old schema has must be in the new one (by name, or under a new name that lists the old one in `aliases`), types may only promote (int to long, float or double; long to float or double; float to double; string and bytes either way), a new enum symbol needs a default symbol in the old enum, and a union must cover each type the other may write (a field made nullable breaks readers of the old one). Fields may be added freely, and a field made not nullable is read as before. A removed column is `removed-column`: consumers' views follow the new columns. Keep the old type, or ship the new schema as a new dataset beside the old one.",
    ),
    crate::validate::CodeInfo::new(
        "removed-column",
        Severity::Error,
        "A column is removed from a dataset.",
        "Consumers may read the column. Ship the new schema as a new dataset beside the old one, and deprecate the old one.",
    ),
    crate::validate::CodeInfo::new(
        "incompatible-column-change",
        Severity::Error,
        "A column's type no longer holds every value it held, or its nullability changes.",
        "A new type must hold every value of the old one exactly: longer text (in the same Unicode or non-Unicode family), larger integers, wider floats, more decimal digits and scale. Numbers are compared by the values they hold, across integers, decimals and floats: `Integer` to `IEEE64` holds (53 bits of precision), `BigInt` to `IEEE64` does not, `Decimal(5, 0)` to `Integer` holds, `Decimal(5, 2)` to any binary float does not (0.01 is not one). Ship other changes as a new dataset.",
    ),
    crate::validate::CodeInfo::new(
        "classification-changed",
        Severity::Error,
        "The classification of a dataset or a column changes.",
        "What the data is belongs to its consumers' contract: their zones' policies and their own verifiers admitted it as classified. Ship the reclassified data as a new dataset beside the old one, and deprecate the old one.",
    ),
    crate::validate::CodeInfo::new(
        "added-required-column",
        Severity::Error,
        "A column is added as not nullable or as part of the primary key.",
        "Existing rows have no value for a new column: add it as nullable and outside the primary key.",
    ),
    crate::validate::CodeInfo::new(
        "primary-key-changed",
        Severity::Error,
        "A dataset's primary key changes.",
        "Consumers identify rows by the key. Ship a new dataset with the new key.",
    ),
    crate::validate::CodeInfo::new(
        "partition-keys-changed",
        Severity::Error,
        "A dataset's partition keys change.",
        "Platforms lay data out by the partition keys. Ship a new dataset with the new keys.",
    ),
    crate::validate::CodeInfo::new(
        "version-not-increased",
        Severity::Error,
        "A versioned dataset's schema changes without a higher version.",
        "Raise the dataset's semver `version` with every schema change.",
    ),
    crate::validate::CodeInfo::new(
        "version-decreased",
        Severity::Error,
        "A dataset's version goes down, or is removed.",
        "A dataset's version never goes down: keep or raise it.",
    ),
    crate::validate::CodeInfo::new(
        "approval-expired",
        Severity::Error,
        "An approval of the breaking change in this pull request ran out.",
        "An approval holds until its `until` day. Its granter renews it with a later day (at most a year ahead), in a change of its own region, or the change waits.",
    ),
    crate::validate::CodeInfo::new(
        "approval-not-authorized",
        Severity::Error,
        "A breaking change is approved by a repository that owns none of the consumers it breaks.",
        "A break is let through by the owners of every consumer it breaks (each in its own team's `exceptions`), or by the ecosystem's owner. The finding names who must approve.",
    ),
    crate::validate::CodeInfo::new(
        "exception-invalid",
        Severity::Error,
        "An exception names no breaking change, another change than the one made, or no day it holds until.",
        "An approval names the code of a breaking change (`removed-column`, `primary-key-changed` …), its model path and the change itself (`change`, two digests) as `verify` prints them, why, and `until` as YYYY-MM-DD. It covers that one change: a different change at the same path needs its own approval.",
    ),
    crate::validate::CodeInfo::new(
        "exception-too-long",
        Severity::Error,
        "An exception holds for more than a year.",
        "Exceptions are for a while, not for ever: give a day within a year, and renew it if it must last.",
    ),
    crate::validate::CodeInfo::new(
        "exception-unused",
        Severity::Info,
        "An approval lets nothing of this change through, or is spent.",
        "An approval whose change has merged is spent: its granter removes it.",
    ),
    crate::validate::CodeInfo::new(
        "suppression-not-authorized",
        Severity::Error,
        "A suppression quiets warnings outside its owner's own region.",
        "A team quiets warnings in its own team only, the ecosystem's owner in the ecosystem's own document only. Ask the owner of the path.",
    ),
    crate::validate::CodeInfo::new(
        "suppression-of-error",
        Severity::Warning,
        "A suppression names a finding that is an error there.",
        "Errors are never quieted. A breaking change is let through by an approval of its consumers' owners; anything else must be fixed.",
    ),
];

/// Everything verification found, and what changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Every finding: the proposed model's validation, the source, authorization and compatibility.
    pub report: Report,
    /// What changed, by region.
    pub changes: Vec<RegionChange>,
    /// The files the model names whose bytes changed ([`authorize_files`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileChange>,
    /// The dataset groups whose chosen platform the change moves (see
    /// [`PlatformMove`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<PlatformMove>,
    /// The findings let through on purpose, by an approval or a
    /// suppression ([`Verification::with_exceptions`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub excepted: Vec<Excepted>,
}

/// A dataset group the gate chose a platform for, whose platform differs
/// between the base and the proposed model: every consumer of the group is
/// delivered by another platform once the change lands (its data is
/// delivered again from the new platform's first batch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlatformMove {
    /// The workspace.
    pub workspace: WorkspaceName,
    /// Its dataset group.
    pub dataset_group: DatasetGroupName,
    /// The platform chosen in the base model; none for a group new to choice.
    pub from: Option<PlatformName>,
    /// The platform chosen in the proposed model; none when no platform can serve it.
    pub to: Option<PlatformName>,
}

/// The platform the gate chose for each group, by workspace and group.
fn chosen(eco: &Ecosystem) -> BTreeMap<(&WorkspaceName, &DatasetGroupName), &PlatformName> {
    eco.assignments
        .iter()
        .filter(|a| a.chosen)
        .filter_map(|a| {
            Some((
                (&a.workspace, &a.dataset_group),
                &a.platforms.first()?.platform,
            ))
        })
        .collect()
}

/// The groups whose chosen platform differs between `base` and
/// `proposed`, where both had a platform chosen or one of them had, sorted.
fn moves(base: &Ecosystem, proposed: &Ecosystem) -> Vec<PlatformMove> {
    let (b, a) = (chosen(base), chosen(proposed));
    let mut keys: Vec<&(&WorkspaceName, &DatasetGroupName)> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|key| {
            let from = b.get(key).copied();
            let to = a.get(key).copied();
            // A group that leaves the model, or that an assignment now names, is no move.
            let named = |eco: &Ecosystem| {
                eco.assignments
                    .iter()
                    .any(|x| !x.chosen && &x.workspace == key.0 && &x.dataset_group == key.1)
            };
            let present = proposed
                .workspace(key.0)
                .is_some_and(|(_, w)| w.dataset_groups.contains_key(key.1));
            (from != to && from.is_some() && present && !named(proposed)).then(|| PlatformMove {
                workspace: key.0.clone(),
                dataset_group: key.1.clone(),
                from: from.cloned(),
                to: to.cloned(),
            })
        })
        .collect()
}

impl Verification {
    /// Whether the change may merge: no finding is an error.
    pub fn may_merge(&self) -> bool {
        !self.report.has_errors()
    }

    /// With the named files that changed, and the findings of their
    /// authorization ([`authorize_files`]).
    #[must_use]
    pub fn with_files(mut self, files: Vec<FileChange>, found: Vec<Diagnostic>) -> Self {
        if !found.is_empty() {
            let mut all = self.report.diagnostics().to_vec();
            all.extend(found);
            self.report = Report::new(all);
        }
        self.files = files;
        self
    }

    /// With the exceptions of `proposed` (`exceptions:` in its team and
    /// ecosystem documents) applied on `today`: the breaking changes their
    /// consumers' owners approved, and the warnings their regions' owners
    /// quieted, are let through and listed; the exceptions that cannot be
    /// taken are findings.
    #[must_use]
    pub fn with_exceptions(
        mut self,
        base: Option<&Ecosystem>,
        proposed: &Ecosystem,
        today: chrono::NaiveDate,
    ) -> Self {
        let found = self.report.diagnostics().to_vec();
        let (found, excepted) = exceptions::apply(found, base, proposed, today);
        self.report = Report::new(found);
        self.excepted = excepted;
        self
    }

    /// The change summary for people.
    pub fn summary(&self) -> String {
        if self.changes.is_empty()
            && self.files.is_empty()
            && self.moves.is_empty()
            && self.excepted.is_empty()
        {
            return "no changes\n".to_owned();
        }
        let mut out = String::new();
        for change in &self.changes {
            let owner = change.owner.as_deref().unwrap_or("no declared owner");
            let _ = writeln!(out, "{} ({owner}): {}", change.region, change.kind);
            if change.kind == ChangeKind::Changed {
                for d in &change.differences {
                    let _ = writeln!(out, "  {:<8} {}", d.kind, d.path);
                }
            }
        }
        for file in &self.files {
            let _ = writeln!(
                out,
                "file `{}` ({}): {}",
                file.path,
                file.owners.join(", "),
                file.kind
            );
        }
        for m in &self.moves {
            let name = |p: &Option<PlatformName>| {
                p.as_ref()
                    .map_or_else(|| "no platform".to_owned(), |p| format!("`{p}`"))
            };
            let _ = writeln!(
                out,
                "dataset group `{}/{}` moves from {} to {}: its consumers are delivered anew by the new platform",
                m.workspace,
                m.dataset_group,
                name(&m.from),
                name(&m.to)
            );
        }
        for e in &self.excepted {
            let _ = writeln!(
                out,
                "{} `{}` at {}: let through by {} until {}: {}",
                e.kind,
                e.code,
                e.path,
                e.by.join(", "),
                e.until.as_deref().unwrap_or("no end"),
                e.reason
            );
        }
        out
    }
}

/// The changes to one region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionChange {
    /// The region.
    pub region: Region,
    /// The repository that owns it (as the base model declares it, or the proposed one for a new region).
    pub owner: Option<String>,
    /// Whether the region is new, gone, or changed.
    pub kind: ChangeKind,
    /// The differences inside it.
    pub differences: Vec<Difference>,
}

/// Verifies that `proposed` may replace `base` (none for the initial check-in),
/// when the change comes from `source`.
pub fn verify(base: Option<&Ecosystem>, proposed: &Ecosystem, source: &Repository) -> Verification {
    verify_checked(base, proposed, &check(proposed), source)
}

/// [`verify`], given the proposed model's validation report (what
/// [`check`] finds in `proposed`), for a caller that validated it already.
pub fn verify_checked(
    base: Option<&Ecosystem>,
    proposed: &Ecosystem,
    proposed_report: &Report,
    source: &Repository,
) -> Verification {
    let mut found: Vec<Diagnostic> = proposed_report.diagnostics().to_vec();
    let changes = changes(base, proposed);
    match base {
        None => {
            // Judged as a change from an empty model: every region in it
            // must be the source's own.
            for change in &changes {
                if let Some(owner) = regions::owner(proposed, &change.region)
                    && !owner.same_branch_as(source)
                    && source.same_branch_as(&proposed.owning_repository)
                {
                    let mut d = Diagnostic::new(
                        "unauthorized-change",
                        Severity::Error,
                        change.region.path(),
                        format!(
                            "the initial check-in from {source} defines {}, which {owner} owns",
                            change.region
                        ),
                    )
                    .with_help("check in the declarations only; each owner defines its zone or team in a change of its own");
                    d.owner = Some(owner.to_string());
                    found.push(d);
                }
            }
            if !source.same_branch_as(&proposed.owning_repository) {
                found.push(
                    Diagnostic::new(
                        "initial-check-in-source",
                        Severity::Error,
                        ModelPath::root().key("owningRepository"),
                        format!("the initial check-in comes from {source}, not from the owning repository {}", proposed.owning_repository),
                    )
                    .with_help("open the first pull request from the repository named as `owningRepository`"),
                );
            }
        }
        Some(base) => {
            if known_sources(base).iter().any(|r| r.same_branch_as(source)) {
                authorize(base, proposed, &changes, source, &mut found);
                transfers(base, proposed, &mut found);
            } else {
                found.push(
                    Diagnostic::new(
                        "unknown-change-source",
                        Severity::Error,
                        ModelPath::root(),
                        format!("{source} is not a repository of this ecosystem"),
                    )
                    .with_help("open the pull request from the ecosystem's repository, or from the repository a zone or team is declared with"),
                );
            }
            compatibility(base, proposed, &changes, &mut found);
        }
    }
    Verification {
        report: Report::new(found),
        changes,
        files: Vec::new(),
        moves: base.map(|base| moves(base, proposed)).unwrap_or_default(),
        excepted: Vec::new(),
    }
}

/// Every repository that may propose changes: the ecosystem's, and those its zones and teams are declared with.
fn known_sources(base: &Ecosystem) -> Vec<&Repository> {
    let mut out = vec![&base.owning_repository];
    out.extend(base.zone_declarations.values().map(|d| &d.repository));
    for zone in base.zones.values() {
        out.extend(zone.team_declarations.values().map(|d| &d.repository));
    }
    out
}

fn changes(base: Option<&Ecosystem>, proposed: &Ecosystem) -> Vec<RegionChange> {
    let before = base.map(regions::regions).unwrap_or_default();
    let after = regions::regions(proposed);
    let mut all: Vec<&Region> = before
        .keys()
        .chain(after.keys().filter(|r| !before.contains_key(*r)))
        .collect();
    all.sort();
    // Which regions both models hold alike, compared on every core: a
    // large model's teams are most of it, and most are unchanged.
    let same = datasurface_stdx::parallel::each(
        &all,
        |region| match after.get(*region) {
            Some(regions::RegionRef::Team(team)) => team.datastores.len() + team.workspaces.len(),
            _ => 1,
        },
        |region| match (before.get(*region), after.get(*region)) {
            (Some(a), Some(b)) => a.same_as(*b),
            _ => false,
        },
    );
    let mut out = Vec::new();
    for (region, same) in all.into_iter().zip(same) {
        let (a, b) = (before.get(region).copied(), after.get(region).copied());
        let kind = match (a, b) {
            _ if same => continue,
            (None, _) => ChangeKind::Added,
            (_, None) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        let mut differences = Vec::new();
        regions::RegionRef::differences(a, b, &region.path(), &mut differences);
        let owner = base
            .and_then(|base| regions::owner(base, region))
            .or_else(|| regions::owner(proposed, region))
            .map(ToString::to_string);
        out.push(RegionChange {
            region: region.clone(),
            owner,
            kind,
            differences,
        });
    }
    out
}

fn authorize(
    base: &Ecosystem,
    proposed: &Ecosystem,
    changes: &[RegionChange],
    source: &Repository,
    found: &mut Vec<Diagnostic>,
) {
    for change in changes {
        let path = change.region.path();
        match regions::owner(base, &change.region) {
            // Declared and defined in one change by the repository that owns
            // the declaring region, naming itself: nothing changes hands.
            None if declares_itself(base, proposed, &change.region, source) => {}
            None => found.push(
                Diagnostic::new(
                    "undeclared-region",
                    Severity::Error,
                    path,
                    format!(
                        "{} is {} but the base model does not declare it",
                        change.region, change.kind
                    ),
                )
                .with_help(match &change.region {
                    Region::Team(zone, _) => {
                        format!("the zone `{zone}` must declare the team in an earlier change")
                    }
                    _ => "the ecosystem must declare the zone in an earlier change".to_owned(),
                }),
            ),
            Some(owner) if !owner.same_branch_as(source) => {
                let mut d = Diagnostic::new(
                    "unauthorized-change",
                    Severity::Error,
                    path,
                    format!("{} is {} by {source}, but {owner} owns it", change.region, change.kind),
                )
                .with_help("open a separate pull request from the owning repository for this part of the change");
                d.owner = Some(owner.to_string());
                found.push(d);
            }
            Some(_) => {}
        }
    }
}

/// Whether `source` owns, in the base, the region that declares `region`,
/// and the proposed declaration names `source` too.
fn declares_itself(
    base: &Ecosystem,
    proposed: &Ecosystem,
    region: &Region,
    source: &Repository,
) -> bool {
    let parent = match region {
        Region::Ecosystem => return false,
        Region::Zone(_) => Region::Ecosystem,
        Region::Team(zone, _) => Region::Zone(zone.clone()),
    };
    regions::owner(base, &parent).is_some_and(|o| o.same_branch_as(source))
        && regions::owner(proposed, region).is_some_and(|o| o.same_branch_as(source))
}

/// Declarations that name another repository for a zone or team the base
/// defines: its content would change owner without its owner's consent.
fn transfers(base: &Ecosystem, proposed: &Ecosystem, found: &mut Vec<Diagnostic>) {
    let moved = |before: &Repository, after: &Repository| !before.same_branch_as(after);
    for (zone, declaration) in &proposed.zone_declarations {
        if let Some(was) = base.zone_declarations.get(zone)
            && moved(&was.repository, &declaration.repository)
            && base.zones.contains_key(zone)
        {
            found.push(transfer(
                ModelPath::root().keys(["zoneDeclarations", zone.as_str()]),
                &format!("zone `{zone}`"),
                &was.repository,
                &declaration.repository,
            ));
        }
    }
    for (zone_name, zone) in &proposed.zones {
        let Some(base_zone) = base.zones.get(zone_name) else {
            continue;
        };
        for (team, declaration) in &zone.team_declarations {
            if let Some(was) = base_zone.team_declarations.get(team)
                && moved(&was.repository, &declaration.repository)
                && base_zone.teams.contains_key(team)
            {
                found.push(transfer(
                    ModelPath::zone(zone_name.as_str()).keys(["teamDeclarations", team.as_str()]),
                    &format!("team `{team}` of zone `{zone_name}`"),
                    &was.repository,
                    &declaration.repository,
                ));
            }
        }
    }
}

fn transfer(path: ModelPath, what: &str, from: &Repository, to: &Repository) -> Diagnostic {
    let mut d = Diagnostic::new(
        "ownership-transfer",
        Severity::Error,
        path,
        format!("{what} is defined, and its declaration moves it from {from} to {to}: its content would change owner"),
    )
    .with_help(format!(
        "{from} removes the definition first, in a change of its own; then the declaration may name {to}, which defines it again"
    ));
    d.owner = Some(from.to_string());
    d
}

/// A datastore with where it is.
struct StoreAt<'a> {
    zone: &'a ZoneName,
    team: &'a TeamName,
    store: &'a Datastore,
}

fn stores(eco: &Ecosystem) -> BTreeMap<&DatastoreName, StoreAt<'_>> {
    eco.datastores()
        .map(|(at, name, store)| {
            (
                name,
                StoreAt {
                    zone: at.zone,
                    team: at.team,
                    store,
                },
            )
        })
        .collect()
}

/// The workspaces of a model that read each dataset.
fn consumers(eco: &Ecosystem) -> BTreeMap<(&DatastoreName, &DatasetName), Vec<&WorkspaceName>> {
    let mut out: BTreeMap<(&DatastoreName, &DatasetName), Vec<&WorkspaceName>> = BTreeMap::new();
    for (_, name, ws) in eco.workspaces() {
        for (_, sink) in ws.sinks() {
            let readers = out.entry((&sink.datastore, &sink.dataset)).or_default();
            if !readers.contains(&name) {
                readers.push(name);
            }
        }
    }
    out
}

/// The repository that owns each workspace's team, in `eco`.
fn workspace_owners(eco: &Ecosystem) -> BTreeMap<&WorkspaceName, Option<String>> {
    eco.workspaces()
        .map(|(at, name, _)| {
            let region = Region::Team(at.zone.clone(), at.team.clone());
            (name, regions::owner(eco, &region).map(ToString::to_string))
        })
        .collect()
}

/// The consumers a breaking change to what `list` reads breaks.
fn broken(
    list: Option<&Vec<&WorkspaceName>>,
    owners: &BTreeMap<&WorkspaceName, Option<String>>,
) -> Vec<datasurface_core::diagnostic::BrokenConsumer> {
    list.into_iter()
        .flatten()
        .map(|w| datasurface_core::diagnostic::BrokenConsumer {
            workspace: w.to_string(),
            owner: owners.get(w).cloned().flatten(),
        })
        .collect()
}

fn readers(list: Option<&Vec<&WorkspaceName>>) -> String {
    match list {
        Some(list) if !list.is_empty() => {
            let names: Vec<String> = list.iter().map(|w| format!("`{w}`")).collect();
            format!("; workspaces {} read it", names.join(", "))
        }
        _ => String::new(),
    }
}

const SHIP_IT_INSTEAD: &str = "ship it as a new dataset beside the old one (such as `<name>_v2`), deprecate the old one, and remove it once no workspace reads it";

fn compatibility(
    base: &Ecosystem,
    proposed: &Ecosystem,
    changes: &[RegionChange],
    found: &mut Vec<Diagnostic>,
) {
    let (old_stores, new_stores) = (stores(base), stores(proposed));
    // A team both models hold alike holds its datastores alike: they break
    // nothing, and are not compared again.
    let changed_teams: std::collections::BTreeSet<(&ZoneName, &TeamName)> = changes
        .iter()
        .filter_map(|change| match &change.region {
            Region::Team(zone, team) => Some((zone, team)),
            _ => None,
        })
        .collect();
    let base_readers = consumers(base);
    let owners = workspace_owners(base);
    for (name, old) in &old_stores {
        let old_path = ModelPath::team(old.zone, old.team).keys(["datastores", name.as_str()]);
        let Some(new) = new_stores.get(name) else {
            let read: Vec<&WorkspaceName> = old
                .store
                .datasets
                .keys()
                .filter_map(|d| base_readers.get(&(*name, d)))
                .flatten()
                .copied()
                .collect();
            if !old.store.deprecation.is_deprecated() || !read.is_empty() {
                found.push(
                    Diagnostic::new(
                        "removed-datastore",
                        Severity::Error,
                        old_path,
                        format!(
                            "datastore `{name}` is removed{}{}",
                            if old.store.deprecation.is_deprecated() {
                                ""
                            } else {
                                " without being deprecated first"
                            },
                            readers(Some(&read))
                        ),
                    )
                    .with_help(
                        "deprecate it first, wait until no workspace reads it, then remove it",
                    )
                    .breaking(broken(Some(&read), &owners)),
                );
            }
            continue;
        };
        if (old.zone, old.team) == (new.zone, new.team)
            && !changed_teams.contains(&(old.zone, old.team))
        {
            continue;
        }
        let new_path = ModelPath::team(new.zone, new.team).keys(["datastores", name.as_str()]);
        for (dataset, old_dataset) in &old.store.datasets {
            let read = base_readers.get(&(*name, dataset));
            let Some(new_dataset) = new.store.datasets.get(dataset) else {
                let deprecated = old.store.is_dataset_deprecated(dataset);
                if !deprecated || read.is_some_and(|r| !r.is_empty()) {
                    found.push(
                        Diagnostic::new(
                            "removed-dataset",
                            Severity::Error,
                            new_path.keys(["datasets", dataset.as_str()]),
                            format!(
                                "dataset `{name}.{dataset}` is removed{}{}",
                                if deprecated {
                                    ""
                                } else {
                                    " without being deprecated first"
                                },
                                readers(read)
                            ),
                        )
                        .with_help(
                            "deprecate it first, wait until no workspace reads it, then remove it",
                        )
                        .breaking(broken(read, &owners)),
                    );
                }
                continue;
            };
            // A dataset the change leaves as it was breaks nothing (a test
            // holds this): most of a large model, not compared further.
            if old_dataset == new_dataset {
                continue;
            }
            let dataset_path = new_path.keys(["datasets", dataset.as_str()]);
            dataset_breaks(
                (name, dataset),
                (old_dataset, new_dataset),
                &dataset_path,
                (read, &owners),
                found,
            );
            version_checks(
                name,
                dataset,
                old_dataset,
                new_dataset,
                &dataset_path,
                found,
            );
        }
    }
}

/// What breaks the consumers of a dataset that both models have: its
/// schema and its classification.
fn dataset_breaks(
    (name, dataset): (&DatastoreName, &DatasetName),
    (old_dataset, new_dataset): (&datasurface_core::Dataset, &datasurface_core::Dataset),
    dataset_path: &ModelPath,
    (read, owners): (
        Option<&Vec<&WorkspaceName>>,
        &BTreeMap<&WorkspaceName, Option<String>>,
    ),
    found: &mut Vec<Diagnostic>,
) {
    // Two Avro records are compared as Avro compares them: can a consumer
    // reading with the old schema read what the new one writes? Types,
    // nullability and added fields are then Avro's to judge. A removed
    // column still breaks: consumers' views follow the new columns, so a
    // reader's default never reaches them. Keys are the model's to judge.
    let avro = avro_breaks(&old_dataset.schema, &new_dataset.schema);
    let avro_judges =
        |code: &str| matches!(code, "incompatible-column-change" | "added-required-column");
    let removed: Vec<String> = old_dataset
        .schema
        .columns
        .keys()
        .filter(|c| !new_dataset.schema.columns.contains_key(*c))
        .map(|c| format!("fields[{c}]"))
        .collect();
    for incompatibility in avro.iter().flatten().filter(|i| !removed.contains(&i.at)) {
        found.push(
            Diagnostic::new(
                "avro-incompatible",
                Severity::Error,
                dataset_path.keys(["schema", "avro"]),
                format!(
                    "in `{name}.{dataset}`, consumers reading with the old Avro schema cannot read what the new one writes: {incompatibility}{}",
                    readers(read)
                ),
            )
            .with_help(SHIP_IT_INSTEAD.replace("<name>", dataset.as_str()))
            .breaking(broken(read, owners)),
        );
    }
    for problem in schema_breaks(&old_dataset.schema, &new_dataset.schema) {
        if avro.is_some() && avro_judges(problem.code) {
            continue;
        }
        let path = match &problem.column {
            Some(column) => dataset_path.keys(["schema", "columns", column.as_str()]),
            None => dataset_path.key("schema"),
        };
        found.push(
            Diagnostic::new(
                problem.code,
                Severity::Error,
                path,
                format!("in `{name}.{dataset}`, {}{}", problem.what, readers(read)),
            )
            .with_help(SHIP_IT_INSTEAD.replace("<name>", dataset.as_str()))
            .breaking(broken(read, owners)),
        );
    }
    for (path, what) in classification_changes(old_dataset, new_dataset, dataset_path) {
        found.push(
            Diagnostic::new(
                "classification-changed",
                Severity::Error,
                path,
                format!("in `{name}.{dataset}`, {what}{}", readers(read)),
            )
            .with_help(SHIP_IT_INSTEAD.replace("<name>", dataset.as_str()))
            .breaking(broken(read, owners)),
        );
    }
}

/// Why consumers reading with the old Avro record cannot read what the new
/// one writes, when both versions are valid Avro records; `None` otherwise.
fn avro_breaks(
    old: &datasurface_core::Schema,
    new: &datasurface_core::Schema,
) -> Option<Vec<datasurface_avro::Incompatibility>> {
    let reader = datasurface_avro::dataset_schema(old.avro.as_ref()?).ok()?;
    let writer = datasurface_avro::dataset_schema(new.avro.as_ref()?).ok()?;
    Some(datasurface_avro::can_read(&reader.schema, &writer.schema))
}

/// Every change of classification between two versions of a dataset: at
/// dataset level, and on each column both versions have, each as a set.
fn classification_changes(
    old: &datasurface_core::Dataset,
    new: &datasurface_core::Dataset,
    path: &ModelPath,
) -> Vec<(ModelPath, String)> {
    use std::collections::BTreeSet;
    fn set(list: &[datasurface_core::DataClassification]) -> BTreeSet<String> {
        list.iter().map(ToString::to_string).collect()
    }
    fn shown(set: &BTreeSet<String>) -> String {
        if set.is_empty() {
            "none".to_owned()
        } else {
            set.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
    let mut out = Vec::new();
    let (a, b) = (
        old.classifications.as_deref().map(set),
        new.classifications.as_deref().map(set),
    );
    if a != b {
        let side = |s: &Option<BTreeSet<String>>| {
            s.as_ref().map_or_else(|| "its columns'".to_owned(), shown)
        };
        out.push((
            path.key("classifications"),
            format!(
                "the dataset's classification changes from {} to {}",
                side(&a),
                side(&b)
            ),
        ));
    }
    for (column, old_column) in &old.schema.columns {
        let Some(new_column) = new.schema.columns.get(column) else {
            continue;
        };
        let (a, b) = (
            set(&old_column.classifications),
            set(&new_column.classifications),
        );
        if a != b {
            out.push((
                path.keys(["schema", "columns", column.as_str(), "classifications"]),
                format!(
                    "the classification of column `{column}` changes from {} to {}",
                    shown(&a),
                    shown(&b)
                ),
            ));
        }
    }
    out
}

fn version_checks(
    store: &DatastoreName,
    dataset: &DatasetName,
    old: &datasurface_core::Dataset,
    new: &datasurface_core::Dataset,
    path: &ModelPath,
    found: &mut Vec<Diagnostic>,
) {
    let Some(old_version) = &old.version else {
        return;
    };
    let path = path.key("version");
    match &new.version {
        None => found.push(
            Diagnostic::new("version-decreased", Severity::Error, path, format!("dataset `{store}.{dataset}` loses its version {old_version}"))
                .with_help(format!("keep `version: {old_version}` or raise it")),
        ),
        Some(new_version) if new_version < old_version => found.push(
            Diagnostic::new(
                "version-decreased",
                Severity::Error,
                path,
                format!("the version of `{store}.{dataset}` goes down from {old_version} to {new_version}"),
            )
            .with_help(format!("use a version above {old_version}")),
        ),
        Some(new_version) if new_version == old_version && old.schema != new.schema => found.push(
            Diagnostic::new(
                "version-not-increased",
                Severity::Error,
                path,
                format!("the schema of `{store}.{dataset}` changes but its version stays {old_version}"),
            )
            .with_help("raise the version: the minor part for compatible additions"),
        ),
        Some(_) => {}
    }
}

#[cfg(test)]
mod unchanged_tests {
    use proptest::prelude::*;

    use super::*;
    use datasurface_fixtures::arbitrary;

    proptest! {
        /// What `compatibility` skips, an unchanged dataset, has nothing
        /// to report when compared in full.
        #[test]
        fn an_unchanged_dataset_breaks_nothing(dataset in arbitrary::dataset()) {
            let (store, name): (DatastoreName, DatasetName) = ("s".parse().map_err(|_| TestCaseError::fail("name"))?, "d".parse().map_err(|_| TestCaseError::fail("name"))?);
            let mut found = Vec::new();
            let path = ModelPath::root();
            dataset_breaks((&store, &name), (&dataset, &dataset), &path, (None, &BTreeMap::new()), &mut found);
            version_checks(&store, &name, &dataset, &dataset, &path, &mut found);
            prop_assert!(found.is_empty(), "{found:?}");
        }

        /// What `compatibility` finds passing over the teams both models
        /// hold alike is what it finds comparing every team.
        #[test]
        fn unchanged_teams_are_passed_over_without_a_difference(
            base in arbitrary::ecosystem(),
            pick in any::<prop::sample::Index>(),
            replacement in arbitrary::dataset(),
        ) {
            // One dataset of the proposed model replaced, the rest alike.
            let mut proposed = base.clone();
            let datasets: Vec<(ZoneName, TeamName, DatastoreName, DatasetName)> = proposed
                .datastores()
                .flat_map(|(at, store, s)| {
                    s.datasets.keys().map(move |d| {
                        (at.zone.clone(), at.team.clone(), store.clone(), d.clone())
                    })
                })
                .collect();
            if !datasets.is_empty() {
                let (zone, team, store, dataset) = &datasets[pick.index(datasets.len())];
                if let Some(d) = proposed
                    .zones
                    .get_mut(zone)
                    .and_then(|z| z.teams.get_mut(team).map(std::sync::Arc::make_mut))
                    .and_then(|t| t.datastores.get_mut(store))
                    .and_then(|s| s.datasets.get_mut(dataset))
                {
                    *d = replacement;
                }
            }
            let changes = changes(Some(&base), &proposed);
            let every_team: Vec<RegionChange> = regions::regions(&base)
                .into_keys()
                .filter(|r| matches!(r, Region::Team(..)))
                .map(|region| RegionChange {
                    region,
                    owner: None,
                    kind: ChangeKind::Changed,
                    differences: Vec::new(),
                })
                .collect();
            let (mut passing, mut full) = (Vec::new(), Vec::new());
            compatibility(&base, &proposed, &changes, &mut passing);
            compatibility(&base, &proposed, &every_team, &mut full);
            prop_assert_eq!(passing, full);
        }
    }
}
