//! The model cut into owned regions, and the differences between two versions of each.

use std::fmt;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use crate::names::{TeamName, ZoneName};
use crate::validate::ModelPath;
use crate::{Ecosystem, GovernanceZone, Repository, Team};

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
        use crate::validate::Segment::Key;
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
pub(crate) enum RegionRef<'a> {
    Ecosystem(&'a Ecosystem),
    Zone(&'a GovernanceZone),
    Team(&'a Team),
}

impl RegionRef<'_> {
    /// Whether two versions of a region are equal. Every field is named, so a
    /// field added to the model cannot escape the comparison (and so authorization).
    pub(crate) fn same_as(self, other: RegionRef<'_>) -> bool {
        match (self, other) {
            (RegionRef::Ecosystem(a), RegionRef::Ecosystem(b)) => {
                let Ecosystem {
                    name,
                    owning_repository,
                    live_repository,
                    documentation,
                    vendors,
                    platforms,
                    zone_declarations,
                    zones: _,
                    assignments,
                    primary_ingestion_platforms,
                } = a;
                *name == b.name
                    && *owning_repository == b.owning_repository
                    && *live_repository == b.live_repository
                    && *documentation == b.documentation
                    && *vendors == b.vendors
                    && *platforms == b.platforms
                    && *zone_declarations == b.zone_declarations
                    && *assignments == b.assignments
                    && *primary_ingestion_platforms == b.primary_ingestion_platforms
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
                    && *team_declarations == b.team_declarations
            }
            (RegionRef::Team(a), RegionRef::Team(b)) => a == b,
            _ => false,
        }
    }

    /// The region as a JSON value, without the regions nested in it.
    pub(crate) fn to_value(self) -> Value {
        match self {
            RegionRef::Ecosystem(eco) => {
                let Ecosystem {
                    name,
                    owning_repository,
                    live_repository,
                    documentation,
                    vendors,
                    platforms,
                    zone_declarations,
                    zones: _,
                    assignments,
                    primary_ingestion_platforms,
                } = eco;
                let root = Ecosystem {
                    name: name.clone(),
                    owning_repository: owning_repository.clone(),
                    live_repository: live_repository.clone(),
                    documentation: documentation.clone(),
                    vendors: vendors.clone(),
                    platforms: platforms.clone(),
                    zone_declarations: zone_declarations.clone(),
                    zones: IndexMap::new(),
                    assignments: assignments.clone(),
                    primary_ingestion_platforms: primary_ingestion_platforms.clone(),
                };
                to_value(&root)
            }
            RegionRef::Zone(zone) => {
                let mut value = to_value(zone);
                if let Some(object) = value.as_object_mut() {
                    object.remove("teams");
                }
                value
            }
            RegionRef::Team(team) => to_value(team),
        }
    }
}

/// Each region of a model, borrowed, in model order.
pub(crate) fn regions(eco: &Ecosystem) -> IndexMap<Region, RegionRef<'_>> {
    let mut out = IndexMap::new();
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
pub(crate) fn owner<'a>(model: &'a Ecosystem, region: &Region) -> Option<&'a Repository> {
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

/// The repository that owns a region, or failing a declaration, the one that
/// owns its parent: the repository that must act for anything in it to change.
pub(crate) fn owner_or_parent<'a>(model: &'a Ecosystem, region: &Region) -> &'a Repository {
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

/// The differences between two JSON values, below `at`.
pub(crate) fn differences(
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
