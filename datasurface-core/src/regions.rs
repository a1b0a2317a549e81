//! The model cut into owned regions, and the differences between two versions of each.

use std::fmt;

use crate::OrderedMap;
use serde::Serialize;
use serde_json::Value;

use crate::diagnostic::ModelPath;
use crate::names::{TeamName, ZoneName};
use crate::{DatasetGroupAssignment, Ecosystem, GovernanceZone, Repository, Team};

/// A region of the model: a part that exactly one repository owns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Region {
    /// The ecosystem's own content: vendors, platforms, zone declarations,
    /// assignments, primary ingestion platforms. Owned by the ecosystem's repository.
    Ecosystem,
    /// A zone's definition: its policies and team declarations. Owned by the
    /// repository its declaration names.
    Zone(ZoneName),
    /// A team's definition and everything in it. Owned by the repository its
    /// zone's declaration of it names.
    Team(ZoneName, TeamName),
}

impl Region {
    /// The region a model path lies in: the team, zone or ecosystem whose content it is.
    pub fn of(path: &ModelPath) -> Region {
        use crate::diagnostic::Segment::Key;
        let zone = |name: &str| ZoneName::new(name).ok();
        match path.segments() {
            [Key(zones), Key(z), Key(teams), Key(t), ..]
                if zones == "zones" && teams == "teams" =>
            {
                match (zone(z), TeamName::new(t.as_str()).ok()) {
                    (Some(z), Some(t)) => Region::Team(z, t),
                    (Some(z), None) => Region::Zone(z),
                    _ => Region::Ecosystem,
                }
            }
            [Key(zones), Key(z), ..] if zones == "zones" => {
                zone(z).map_or(Region::Ecosystem, Region::Zone)
            }
            _ => Region::Ecosystem,
        }
    }

    /// Where the region starts in the model.
    pub fn path(&self) -> ModelPath {
        match self {
            Region::Ecosystem => ModelPath::root(),
            Region::Zone(zone) => ModelPath::zone(zone),
            Region::Team(zone, team) => ModelPath::team(zone, team),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Region::Ecosystem => f.write_str("the ecosystem"),
            Region::Zone(zone) => write!(f, "zone `{zone}`"),
            Region::Team(zone, team) => write!(f, "team `{team}` of zone `{zone}`"),
        }
    }
}

impl Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.path())
    }
}

/// A region of one model, borrowed.
#[derive(Debug, Clone, Copy)]
pub enum RegionRef<'a> {
    /// The ecosystem's own content, without its zones.
    Ecosystem(&'a Ecosystem),
    /// A zone's definition, without its teams.
    Zone(&'a GovernanceZone),
    /// A team.
    Team(&'a Team),
}

impl RegionRef<'_> {
    /// Whether two versions of a region are equal. Every field is named, so a
    /// field added to the model cannot escape the comparison (and so authorization).
    pub fn same_as(self, other: RegionRef<'_>) -> bool {
        match (self, other) {
            (RegionRef::Ecosystem(a), RegionRef::Ecosystem(b)) => {
                let Ecosystem {
                    name,
                    owning_repository,
                    live_repository,
                    documentation,
                    vendors,
                    platforms,
                    platform_preference,
                    credentials,
                    zone_declarations,
                    zones: _,
                    assignments,
                    platform_choices,
                    primary_ingestion_platforms,
                    environments,
                    exceptions,
                } = a;
                // What the gate chose is no one's writing: only what the
                // ecosystem declares is compared.
                let declared = |all: &[DatasetGroupAssignment]| -> Vec<DatasetGroupAssignment> {
                    all.iter().filter(|x| !x.chosen).cloned().collect()
                };
                *name == b.name
                    && *owning_repository == b.owning_repository
                    && *live_repository == b.live_repository
                    && *documentation == b.documentation
                    && *vendors == b.vendors
                    && *platforms == b.platforms
                    && *platform_preference == b.platform_preference
                    && *credentials == b.credentials
                    && *zone_declarations == b.zone_declarations
                    && declared(assignments) == declared(&b.assignments)
                    && *platform_choices == b.platform_choices
                    && *primary_ingestion_platforms == b.primary_ingestion_platforms
                    && *environments == b.environments
                    && *exceptions == b.exceptions
            }
            (RegionRef::Zone(a), RegionRef::Zone(b)) => {
                let GovernanceZone {
                    documentation,
                    storage_policies,
                    classification_policies,
                    vendor_policies,
                    location_policies,
                    hard_vendor_policies,
                    platform_policies,
                    credentials,
                    team_declarations,
                    teams: _,
                } = a;
                *documentation == b.documentation
                    && *storage_policies == b.storage_policies
                    && *classification_policies == b.classification_policies
                    && *vendor_policies == b.vendor_policies
                    && *location_policies == b.location_policies
                    && *hard_vendor_policies == b.hard_vendor_policies
                    && *platform_policies == b.platform_policies
                    && *credentials == b.credentials
                    && *team_declarations == b.team_declarations
            }
            // One team shared by both models is alike without a look.
            (RegionRef::Team(a), RegionRef::Team(b)) => std::ptr::eq(a, b) || a == b,
            _ => false,
        }
    }

    /// The differences between two versions of a region, below `at`, as
    /// `differences` finds them between the regions' JSON values.
    ///
    /// A team is compared map entry by map entry, and only the entries that
    /// differ become JSON: a team may hold thousands of datastores, and a
    /// change usually touches one.
    pub fn differences(
        base: Option<Self>,
        proposed: Option<Self>,
        at: &ModelPath,
        out: &mut Vec<Difference>,
    ) {
        if let (Some(RegionRef::Team(a)), Some(RegionRef::Team(b))) = (base, proposed) {
            let Team {
                documentation,
                containers,
                credentials,
                datastores,
                workspaces,
                exceptions,
            } = a;
            // In serialization order; absent fields are the ones serde skips.
            let fields: [(&str, bool, bool, &Diff<'_>); 6] = [
                (
                    "documentation",
                    documentation.is_some(),
                    b.documentation.is_some(),
                    &|at, out| {
                        value_differences(
                            documentation.as_ref(),
                            b.documentation.as_ref(),
                            at,
                            out,
                        );
                    },
                ),
                (
                    "containers",
                    !containers.is_empty(),
                    !b.containers.is_empty(),
                    &|at, out| map_differences(containers, &b.containers, at, out),
                ),
                (
                    "credentials",
                    !credentials.is_empty(),
                    !b.credentials.is_empty(),
                    &|at, out| map_differences(credentials, &b.credentials, at, out),
                ),
                (
                    "datastores",
                    !datastores.is_empty(),
                    !b.datastores.is_empty(),
                    &|at, out| map_differences(datastores, &b.datastores, at, out),
                ),
                (
                    "workspaces",
                    !workspaces.is_empty(),
                    !b.workspaces.is_empty(),
                    &|at, out| map_differences(workspaces, &b.workspaces, at, out),
                ),
                (
                    "exceptions",
                    !exceptions.is_empty(),
                    !b.exceptions.is_empty(),
                    &|at, out| value_differences(Some(exceptions), Some(&b.exceptions), at, out),
                ),
            ];
            for (key, in_base, in_proposed, diff) in &fields {
                match (in_base, in_proposed) {
                    (true, true) => diff(&at.key(key), out),
                    (true, false) => out.push(Difference {
                        kind: ChangeKind::Removed,
                        path: at.key(key),
                    }),
                    _ => {}
                }
            }
            for (key, in_base, in_proposed, _) in &fields {
                if !in_base && *in_proposed {
                    out.push(Difference {
                        kind: ChangeKind::Added,
                        path: at.key(key),
                    });
                }
            }
            return;
        }
        let (a, b) = (base.map(Self::to_value), proposed.map(Self::to_value));
        differences(a.as_ref(), b.as_ref(), at, out);
    }

    /// The region as a JSON value, without the regions nested in it.
    pub fn to_value(self) -> Value {
        match self {
            RegionRef::Ecosystem(eco) => {
                let Ecosystem {
                    name,
                    owning_repository,
                    live_repository,
                    documentation,
                    vendors,
                    platforms,
                    platform_preference,
                    credentials,
                    zone_declarations,
                    zones: _,
                    assignments,
                    platform_choices,
                    primary_ingestion_platforms,
                    environments,
                    exceptions,
                } = eco;
                let root = Ecosystem {
                    name: name.clone(),
                    owning_repository: owning_repository.clone(),
                    live_repository: live_repository.clone(),
                    documentation: documentation.clone(),
                    vendors: vendors.clone(),
                    platforms: platforms.clone(),
                    platform_preference: platform_preference.clone(),
                    credentials: credentials.clone(),
                    zone_declarations: zone_declarations.clone(),
                    zones: OrderedMap::default(),
                    assignments: assignments.iter().filter(|a| !a.chosen).cloned().collect(),
                    platform_choices: platform_choices.clone(),
                    primary_ingestion_platforms: primary_ingestion_platforms.clone(),
                    environments: environments.clone(),
                    exceptions: exceptions.clone(),
                };
                to_value(&root)
            }
            RegionRef::Zone(zone) => {
                let GovernanceZone {
                    documentation,
                    storage_policies,
                    classification_policies,
                    vendor_policies,
                    location_policies,
                    hard_vendor_policies,
                    platform_policies,
                    credentials,
                    team_declarations,
                    teams: _,
                } = zone;
                to_value(&GovernanceZone {
                    documentation: documentation.clone(),
                    storage_policies: storage_policies.clone(),
                    classification_policies: classification_policies.clone(),
                    vendor_policies: vendor_policies.clone(),
                    location_policies: location_policies.clone(),
                    hard_vendor_policies: hard_vendor_policies.clone(),
                    platform_policies: platform_policies.clone(),
                    credentials: credentials.clone(),
                    team_declarations: team_declarations.clone(),
                    teams: OrderedMap::default(),
                })
            }
            RegionRef::Team(team) => to_value(team),
        }
    }
}

/// Each region of a model, borrowed, in model order.
pub fn regions(eco: &Ecosystem) -> OrderedMap<Region, RegionRef<'_>> {
    let mut out = OrderedMap::default();
    out.insert(Region::Ecosystem, RegionRef::Ecosystem(eco));
    for (zone_name, zone) in &eco.zones {
        out.insert(Region::Zone(zone_name.clone()), RegionRef::Zone(zone));
        for (team_name, team) in &zone.teams {
            out.insert(
                Region::Team(zone_name.clone(), team_name.clone()),
                RegionRef::Team(team),
            );
        }
    }
    out
}

fn to_value<T: Serialize>(value: &T) -> Value {
    // Model types always serialize: every map key is a string.
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The repository that owns a region, as `model` declares it; `None` if nothing declares it.
pub fn owner<'a>(model: &'a Ecosystem, region: &Region) -> Option<&'a Repository> {
    match region {
        Region::Ecosystem => Some(&model.owning_repository),
        Region::Zone(zone) => model.zone_declarations.get(zone).map(|d| &d.repository),
        Region::Team(zone, team) => model
            .zones
            .get(zone)?
            .team_declarations
            .get(team)
            .map(|d| &d.repository),
    }
}

/// The repository that owns the region a model path is in (a team's, a
/// zone's, or the ecosystem's), falling back to the parent's owner where the
/// region is not declared: the repository that must change for a finding at
/// `path` to be fixed.
pub fn owner_of<'a>(model: &'a Ecosystem, path: &ModelPath) -> &'a Repository {
    owner_or_parent(model, &Region::of(path))
}

/// The repository that owns a region, or failing a declaration, the one that
/// owns its parent: the repository that must act for anything in it to change.
pub fn owner_or_parent<'a>(model: &'a Ecosystem, region: &Region) -> &'a Repository {
    owner(model, region)
        .or_else(|| match region {
            Region::Team(zone, _) => owner(model, &Region::Zone(zone.clone())),
            _ => None,
        })
        .unwrap_or(&model.owning_repository)
}

/// What happened at one place of a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// It is new.
    Added,
    /// It is gone.
    Removed,
    /// Its value changed.
    Changed,
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        })
    }
}

/// One difference: what happened, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What happened.
    pub kind: ChangeKind,
    /// Where, in the single-document form of the model.
    pub path: ModelPath,
}

/// Finds the differences of one part of a region, below a path.
type Diff<'a> = dyn Fn(&ModelPath, &mut Vec<Difference>) + 'a;

/// The differences between two values of a model type, through JSON only
/// when they are not equal.
fn value_differences<T: Serialize + PartialEq>(
    base: Option<&T>,
    proposed: Option<&T>,
    at: &ModelPath,
    out: &mut Vec<Difference>,
) {
    if base != proposed {
        let (a, b) = (base.map(to_value), proposed.map(to_value));
        differences(a.as_ref(), b.as_ref(), at, out);
    }
}

/// The differences between two maps of a region, entry by entry, in the
/// order [`differences`] visits the keys of two JSON objects.
fn map_differences<K, V>(
    base: &OrderedMap<K, V>,
    proposed: &OrderedMap<K, V>,
    at: &ModelPath,
    out: &mut Vec<Difference>,
) where
    K: std::hash::Hash + Eq + AsRef<str>,
    V: Serialize + PartialEq,
{
    for (key, value) in base {
        value_differences(Some(value), proposed.get(key), &at.key(key.as_ref()), out);
    }
    for (key, value) in proposed {
        if !base.contains_key(key) {
            value_differences(None, Some(value), &at.key(key.as_ref()), out);
        }
    }
}

/// The differences between two JSON values, below `at`.
fn differences(
    base: Option<&Value>,
    proposed: Option<&Value>,
    at: &ModelPath,
    out: &mut Vec<Difference>,
) {
    match (base, proposed) {
        (None, None) => {}
        (None, Some(_)) => out.push(Difference {
            kind: ChangeKind::Added,
            path: at.clone(),
        }),
        (Some(_), None) => out.push(Difference {
            kind: ChangeKind::Removed,
            path: at.clone(),
        }),
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            for (key, value) in a {
                differences(Some(value), b.get(key), &at.key(key), out);
            }
            for (key, value) in b {
                if !a.contains_key(key) {
                    differences(None, Some(value), &at.key(key), out);
                }
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(Some(x), Some(y), &at.index(i), out);
            }
        }
        (Some(a), Some(b)) => {
            if a != b {
                out.push(Difference {
                    kind: ChangeKind::Changed,
                    path: at.clone(),
                });
            }
        }
    }
}
