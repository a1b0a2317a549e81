//! Choosing the platform that serves a dataset group the ecosystem does not
//! assign by hand: the model selects the platform that services each
//! workspace's group.
//!
//! The candidates are the ecosystem's platforms in its owner's preference
//! order. A candidate is refused when its kind has no implementation, when it
//! lacks a capability the group needs (its milestoning, latency and
//! retention, the export into the workspace's container, the transformer's code, and for each datastore it
//! would ingest itself the capture, container and column types), when a
//! platform, location, vendor or hard-vendor policy of a zone on the group's
//! path (the zones of the data it reads, and its workspace's) does not allow
//! it, or when the group's requirements insist on another platform. The
//! first candidate nobody refuses serves the group.
//!
//! A choice is sticky: the choice recorded for a group (see
//! [`RecordedChoice`]) stays while its platform can serve the group, so a
//! new platform or a new preference moves nobody; a group moves only when
//! its platform can no longer serve it, and the [`Choice`] says from where
//! and why. Explicit assignments win: a group the ecosystem assigns is not
//! chosen for.
//!
//! Everything here is pure: the same model, preference and record give the
//! same choices, whatever order the model's documents were read in.

use std::collections::BTreeSet;
use std::fmt;

use datasurface_core::Ecosystem;
use datasurface_core::names::{
    DatasetGroupName, PlatformName, PolicyName, WorkspaceName, ZoneName,
};
use datasurface_core::vendor::LocationRef;
use datasurface_rules::validate::{Diagnostic, ModelIndex, Severity};
use serde::Serialize;

use datasurface_platform::{Capability, GroupNeeds, PlatformRegistry};

pub use datasurface_core::platform::RecordedChoice;

/// Why a platform cannot serve a dataset group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase", tag = "reason")]
#[non_exhaustive]
pub enum Refusal {
    /// No implementation of the platform's kind (or of its version) is available.
    NoImplementation {
        /// The declared kind.
        kind: String,
    },
    /// The platform lacks what the group needs.
    Unsupported {
        /// What it lacks, sorted.
        missing: Vec<Capability>,
    },
    /// A zone's platform policy does not allow the platform.
    PlatformPolicy {
        /// The zone.
        zone: ZoneName,
        /// Its policy.
        policy: PolicyName,
    },
    /// A zone's location, vendor or hard-vendor policy does not allow where
    /// the platform runs (or, with no location, cannot be met).
    WherePolicy {
        /// The zone.
        zone: ZoneName,
        /// Its policy.
        policy: PolicyName,
        /// The platform's location it refuses; none when the platform
        /// declares no location and the policy lists allowed ones.
        location: Option<LocationRef>,
    },
    /// The group's requirements insist on another platform.
    Required {
        /// The platform they name.
        platform: PlatformName,
    },
    /// The platform only governs what another system runs
    /// ([`DataPlatform::governs_only`](datasurface_platform::DataPlatform::governs_only)):
    /// only an assignment puts a group on it.
    GovernsOnly,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoImplementation { kind } => {
                write!(f, "no implementation of kind `{kind}` is available")
            }
            Refusal::Unsupported { missing } => {
                let missing: Vec<String> = missing.iter().map(ToString::to_string).collect();
                write!(f, "it does not support {}", missing.join(", "))
            }
            Refusal::PlatformPolicy { zone, policy } => {
                write!(
                    f,
                    "platform policy `{policy}` of zone `{zone}` does not allow it"
                )
            }
            Refusal::WherePolicy {
                zone,
                policy,
                location: Some(location),
            } => write!(
                f,
                "it runs in `{location}`, which policy `{policy}` of zone `{zone}` does not allow"
            ),
            Refusal::WherePolicy {
                zone,
                policy,
                location: None,
            } => write!(
                f,
                "it declares no location, so it cannot meet policy `{policy}` of zone `{zone}`"
            ),
            Refusal::GovernsOnly => f.write_str(
                "it only governs pipelines another system runs; assign the group to it under `assignments` if that system serves it",
            ),
            Refusal::Required { platform } => {
                write!(
                    f,
                    "the group's requirements insist on platform `{platform}`"
                )
            }
        }
    }
}

/// A platform considered for a group, and what refused it (nothing: it can serve).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    /// The platform.
    pub platform: PlatformName,
    /// Why it cannot serve the group; empty when it can.
    pub refusals: Vec<Refusal>,
}

/// How a group came to its platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "how")]
#[non_exhaustive]
pub enum How {
    /// The recorded choice still serves.
    Recorded,
    /// No choice was recorded: the first candidate that can serve.
    Preferred,
    /// The recorded platform can no longer serve the group: the first
    /// candidate that can, instead.
    Moved {
        /// The platform it leaves.
        from: PlatformName,
    },
}

/// The platform chosen for one dataset group, with the reasoning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Choice {
    /// The workspace.
    pub workspace: WorkspaceName,
    /// Its dataset group.
    pub dataset_group: DatasetGroupName,
    /// The platform that serves it; none when no candidate can.
    pub platform: Option<PlatformName>,
    /// How it came to it.
    pub how: How,
    /// Every candidate in preference order, with what refused it.
    pub candidates: Vec<Candidate>,
}

impl fmt::Display for Choice {
    /// The reasoning, as `explain-choice` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = format!("{}/{}", self.workspace, self.dataset_group);
        match (&self.platform, &self.how) {
            (Some(p), How::Recorded) => {
                writeln!(
                    f,
                    "`{group}` is served by `{p}`, as recorded: it can still serve it"
                )?;
            }
            (Some(p), How::Preferred) => writeln!(
                f,
                "`{group}` is served by `{p}`, the first platform in the preference order that can serve it"
            )?,
            (Some(p), How::Moved { from }) => writeln!(
                f,
                "`{group}` moves from `{from}`, which can no longer serve it, to `{p}`"
            )?,
            (None, _) => writeln!(f, "no platform can serve `{group}`")?,
        }
        for c in &self.candidates {
            if c.refusals.is_empty() {
                writeln!(f, "  `{}`: can serve it", c.platform)?;
            }
            for r in &c.refusals {
                writeln!(f, "  `{}`: refused: {r}", c.platform)?;
            }
        }
        Ok(())
    }
}

/// The candidates in preference order: `preference` if it names any
/// platform the ecosystem declares (in its order), else every declared
/// platform in the order the ecosystem declares them. A platform the
/// preference leaves out is no candidate: leaving one out asks the groups
/// it serves to move.
pub fn candidates(eco: &Ecosystem, preference: &[PlatformName]) -> Vec<PlatformName> {
    let mut seen = BTreeSet::new();
    let listed: Vec<PlatformName> = preference
        .iter()
        .filter(|p| eco.platforms.contains_key(*p) && seen.insert(*p))
        .cloned()
        .collect();
    if listed.is_empty() {
        eco.platforms.keys().cloned().collect()
    } else {
        listed
    }
}

/// Chooses a platform for every dataset group that has sinks and
/// requirements and no assignment the ecosystem declares, sorted by
/// workspace and group, in the order of the ecosystem's
/// `platformPreference` (see [`candidates`]). `recorded` holds earlier
/// choices (see the module's documentation).
pub fn choose(
    registry: &PlatformRegistry,
    eco: &Ecosystem,
    recorded: &[RecordedChoice],
) -> Vec<Choice> {
    let index = ModelIndex::new(eco);
    let declared: BTreeSet<(&WorkspaceName, &DatasetGroupName)> = eco
        .assignments
        .iter()
        .filter(|a| !a.chosen)
        .map(|a| (&a.workspace, &a.dataset_group))
        .collect();
    let order = candidates(eco, &eco.platform_preference);
    let capabilities: Vec<Option<Judged>> = order
        .iter()
        .map(|name| {
            let declaration = eco.platforms.get(name)?;
            registry
                .resolve_one(name, declaration)
                .ok()
                .map(|p| Judged {
                    capabilities: p.capabilities(),
                    governs_only: p.governs_only(),
                })
        })
        .collect();
    let mut needs = GroupNeeds::new(eco);
    let mut groups: Vec<(&WorkspaceName, &DatasetGroupName)> = index
        .workspaces
        .iter()
        .filter_map(|(name, placed)| placed.first().map(|p| (*name, p)))
        // A transformer's groups run where its output's consumers are
        // served; requirements on them are `transformer-group-requirements`.
        .filter(|(_, placed)| placed.item.transformer.is_none())
        .flat_map(|(name, placed)| {
            placed
                .item
                .dataset_groups
                .iter()
                .filter(|(_, g)| !g.sinks.is_empty() && g.requirements.is_some())
                .map(move |(group, _)| (name, group))
        })
        .filter(|key| !declared.contains(key))
        .collect();
    groups.sort();
    groups
        .into_iter()
        .map(|(workspace, group)| {
            let judged: Vec<Candidate> = order
                .iter()
                .zip(&capabilities)
                .map(|(platform, caps)| Candidate {
                    platform: platform.clone(),
                    refusals: refusals(
                        eco,
                        &index,
                        &mut needs,
                        workspace,
                        group,
                        platform,
                        caps.as_ref(),
                    ),
                })
                .collect();
            let serves = |p: &PlatformName| {
                judged
                    .iter()
                    .any(|c| &c.platform == p && c.refusals.is_empty())
            };
            let before = recorded
                .iter()
                .find(|r| &r.workspace == workspace && &r.dataset_group == group)
                .map(|r| &r.platform);
            let first = judged
                .iter()
                .find(|c| c.refusals.is_empty())
                .map(|c| c.platform.clone());
            let (platform, how) = match before {
                Some(p) if serves(p) => (Some(p.clone()), How::Recorded),
                Some(p) => (first, How::Moved { from: p.clone() }),
                None => (first, How::Preferred),
            };
            Choice {
                workspace: workspace.clone(),
                dataset_group: group.clone(),
                platform,
                how,
                candidates: judged,
            }
        })
        .collect()
}

/// What the chooser needs of a candidate's implementation.
struct Judged {
    capabilities: datasurface_platform::Capabilities,
    governs_only: bool,
}

/// The code of the error for a dataset group no platform can serve.
pub const NO_PLATFORM_CAN_SERVE: &str = "no-platform-can-serve";

/// Replaces the assignments the gate chose before (if any) with those it
/// chooses now (see [`choose`]), each marked
/// [`chosen`](datasurface_core::platform::DatasetGroupAssignment::chosen),
/// provisioned and in production; returns every choice, those no platform
/// can serve included. The gate calls it before validation, so graphs,
/// renderings, lineage and the catalogue see the chosen platforms as they
/// see declared ones.
pub fn assign_chosen(
    registry: &PlatformRegistry,
    eco: &mut Ecosystem,
    recorded: &[RecordedChoice],
) -> Vec<Choice> {
    eco.assignments.retain(|a| !a.chosen);
    let choices = choose(registry, eco, recorded);
    for c in &choices {
        let Some(platform) = &c.platform else {
            continue;
        };
        let mut assignment = datasurface_core::platform::PlatformAssignment::new(platform.clone());
        assignment.status = datasurface_core::platform::AssignmentStatus::Provisioned;
        eco.assignments
            .push(datasurface_core::platform::DatasetGroupAssignment {
                workspace: c.workspace.clone(),
                dataset_group: c.dataset_group.clone(),
                platforms: vec![assignment],
                chosen: true,
            });
    }
    choices
}

/// An error for each group no platform can serve, at the group, naming
/// each candidate and what refused it.
pub fn unserved(eco: &Ecosystem, choices: &[Choice]) -> Vec<Diagnostic> {
    if choices.iter().all(|c| c.platform.is_some()) {
        return Vec::new();
    }
    let index = ModelIndex::new(eco);
    choices
        .iter()
        .filter(|c| c.platform.is_none())
        .filter_map(|c| {
            let at = index.workspace(&c.workspace)?;
            let refused: Vec<String> = c
                .candidates
                .iter()
                .map(|candidate| {
                    let why: Vec<String> =
                        candidate.refusals.iter().map(ToString::to_string).collect();
                    format!("`{}`: {}", candidate.platform, why.join("; "))
                })
                .collect();
            Some(
                Diagnostic::new(
                    NO_PLATFORM_CAN_SERVE,
                    Severity::Error,
                    at.path("workspaces").keys(["datasetGroups", c.dataset_group.as_str()]),
                    if refused.is_empty() {
                        format!(
                            "no platform can serve dataset group `{}.{}`: the ecosystem declares no platform to choose from",
                            c.workspace, c.dataset_group
                        )
                    } else {
                        format!(
                            "no platform can serve dataset group `{}.{}`: {}",
                            c.workspace,
                            c.dataset_group,
                            refused.join("; ")
                        )
                    },
                )
                .with_help("change what the group asks for, declare a platform that can serve it, or assign it to one under `assignments` in the Ecosystem document (`datasurface explain-choice` shows the reasoning)"),
            )
        })
        .collect()
}

/// Why `platform` cannot serve `group` of `workspace`, in a fixed order.
fn refusals(
    eco: &Ecosystem,
    index: &ModelIndex<'_>,
    needs: &mut GroupNeeds<'_>,
    workspace: &WorkspaceName,
    group: &DatasetGroupName,
    platform: &PlatformName,
    implementation: Option<&Judged>,
) -> Vec<Refusal> {
    let mut found = Vec::new();
    let Some(declaration) = eco.platforms.get(platform) else {
        return found;
    };
    let Some(at) = index.workspace(workspace) else {
        return found;
    };
    let Some(g) = at.item.dataset_groups.get(group) else {
        return found;
    };
    match implementation {
        None => found.push(Refusal::NoImplementation {
            kind: declaration.kind.to_string(),
        }),
        Some(Judged {
            governs_only: true, ..
        }) => found.push(Refusal::GovernsOnly),
        Some(Judged { capabilities, .. }) => {
            // A store with primary ingestion platforms is ingested only by
            // them; the others mirror it and need nothing of its capture.
            let ingests = |store: &datasurface_core::names::DatastoreName| {
                eco.primary_ingestion_platforms
                    .get(store)
                    .is_none_or(|primaries| primaries.is_empty() || primaries.contains(platform))
            };
            let missing: Vec<Capability> = needs
                .of(workspace, group, &ingests)
                .into_iter()
                .filter(|c| !capabilities.supports(c))
                .collect();
            if !missing.is_empty() {
                found.push(Refusal::Unsupported { missing });
            }
        }
    }
    // The zones of the data the group reads, and its workspace's.
    let zones: BTreeSet<&ZoneName> = g
        .sinks
        .iter()
        .filter_map(|s| index.datastore(&s.datastore))
        .map(|s| s.zone)
        .chain([at.zone])
        .collect();
    for zone in zones {
        if let Some(z) = eco.zones.get(zone) {
            policy_refusals(eco, zone, z, platform, declaration, &mut found);
        }
    }
    if let Some(wanted) = g.requirements.as_ref().and_then(|r| r.platform.as_ref())
        && wanted != platform
    {
        found.push(Refusal::Required {
            platform: wanted.clone(),
        });
    }
    found
}

/// What the policies of `zone` (its platform, location, vendor and
/// hard-vendor policies, each only when sound) refuse of `platform`.
fn policy_refusals(
    eco: &Ecosystem,
    zone: &ZoneName,
    z: &datasurface_core::zone::GovernanceZone,
    platform: &PlatformName,
    declaration: &datasurface_core::platform::PlatformDeclaration,
    found: &mut Vec<Refusal>,
) {
    for (policy, p) in &z.platform_policies {
        if p.is_sound() && !p.permits(platform) {
            found.push(Refusal::PlatformPolicy {
                zone: zone.clone(),
                policy: policy.clone(),
            });
        }
    }
    for (policy, p) in &z.location_policies {
        if !p.is_sound() {
            continue;
        }
        if declaration.locations.is_empty() && !p.allowed.is_empty() {
            found.push(Refusal::WherePolicy {
                zone: zone.clone(),
                policy: policy.clone(),
                location: None,
            });
        }
        for location in declaration.locations.iter().filter(|l| !p.permits(l)) {
            found.push(Refusal::WherePolicy {
                zone: zone.clone(),
                policy: policy.clone(),
                location: Some(location.clone()),
            });
        }
    }
    for (policy, p) in &z.vendor_policies {
        if !p.is_sound() {
            continue;
        }
        for location in declaration
            .locations
            .iter()
            .filter(|l| !p.permits(&l.vendor))
        {
            found.push(Refusal::WherePolicy {
                zone: zone.clone(),
                policy: policy.clone(),
                location: Some(location.clone()),
            });
        }
    }
    for (policy, p) in &z.hard_vendor_policies {
        if !p.is_sound() {
            continue;
        }
        for location in declaration.locations.iter().filter(|l| {
            eco.vendors
                .get(&l.vendor)
                .and_then(|v| v.hard_cloud_vendor.as_ref())
                .is_some_and(|hard| !p.permits(hard))
        }) {
            found.push(Refusal::WherePolicy {
                zone: zone.clone(),
                policy: policy.clone(),
                location: Some(location.clone()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use std::path::Path;
    use std::sync::Arc;

    use datasurface_core::Milestoning;
    use datasurface_core::policy::AllowDenyPolicy;
    use datasurface_files::{self as files, SourceFile};
    use datasurface_rules::validate::{Diagnostic, validate};
    use proptest::prelude::*;

    use super::*;
    use datasurface_platform::{
        Capabilities, CaptureKind, CodeKind, ContainerCategory, DataPlatform, PlatformError,
        RenderContext, Rendering, TriggerKind, TypeKind,
    };

    /// A platform that serves what its capabilities say.
    #[derive(Debug)]
    struct Serves(&'static str, Capabilities);

    impl DataPlatform for Serves {
        fn kind(&self) -> &str {
            self.0
        }
        fn version(&self) -> datasurface_platform::semver::Version {
            datasurface_platform::semver::Version::new(0, 1, 0)
        }
        fn capabilities(&self) -> Capabilities {
            self.1.clone()
        }
        fn lint(
            &self,
            _: &datasurface_platform::graph::PlatformGraph,
            _: &RenderContext<'_>,
        ) -> Vec<Diagnostic> {
            Vec::new()
        }
        fn render(
            &self,
            _: &datasurface_platform::graph::PlatformGraph,
            _: &RenderContext<'_>,
        ) -> Result<Rendering, PlatformError> {
            Ok(Rendering::default())
        }
    }

    fn everything(milestoning: Vec<Milestoning>) -> Capabilities {
        Capabilities::new()
            .with_capture_methods([CaptureKind::SqlSnapshot, CaptureKind::TransformerOutput])
            .with_milestoning(milestoning)
            .with_container_kinds([ContainerCategory::Database])
            .with_data_types([
                TypeKind::Integer,
                TypeKind::SmallInt,
                TypeKind::Boolean,
                TypeKind::NVarChar,
                TypeKind::NChar,
                TypeKind::Decimal,
            ])
            .with_triggers([TriggerKind::Cron])
            .with_code_kinds([CodeKind::Sql])
    }

    /// `airflow` serves everything Northwind asks; `sqlite` only forensic
    /// groups, when `sqlite_live` is false.
    fn registry(sqlite_live: bool) -> PlatformRegistry {
        let mut r = PlatformRegistry::new();
        r.register(Arc::new(Serves(
            "airflow",
            everything(vec![Milestoning::LiveOnly, Milestoning::Forensic]),
        )));
        let sqlite = if sqlite_live {
            vec![Milestoning::LiveOnly, Milestoning::Forensic]
        } else {
            vec![Milestoning::Forensic]
        };
        r.register(Arc::new(Serves("sqlite", everything(sqlite))));
        r
    }

    /// Northwind with its assignments removed.
    fn northwind() -> Ecosystem {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/models/northwind");
        let files: Vec<SourceFile> = [
            "ecosystem.yaml",
            "zones/usa/zone.yaml",
            "zones/usa/teams/northwindteam.yaml",
        ]
        .iter()
        .map(|f| SourceFile::new(*f, std::fs::read_to_string(dir.join(f)).unwrap()))
        .collect();
        let mut eco = files::load(&files).unwrap().ecosystem;
        eco.assignments.clear();
        eco
    }

    /// The model with a preference order.
    fn preferring(eco: &Ecosystem, preference: &[PlatformName]) -> Ecosystem {
        let mut eco = eco.clone();
        eco.platform_preference = preference.to_vec();
        eco
    }

    fn name(p: &str) -> PlatformName {
        p.parse().unwrap()
    }

    fn reporting(choices: &[Choice]) -> &Choice {
        choices
            .iter()
            .find(|c| c.workspace.as_str() == "ProductAnalytics")
            .unwrap()
    }

    #[test]
    fn a_transformers_groups_are_never_chosen_for() {
        // Requirements on a transformer's group are
        // `transformer-group-requirements`, its one finding: no choice is
        // made (nor refused) for it.
        let mut eco = northwind();
        let requirements = eco
            .workspaces()
            .find(|(_, name, _)| name.as_str() == "ProductAnalytics")
            .and_then(|(_, _, w)| w.dataset_groups.values().next())
            .and_then(|g| g.requirements.clone())
            .unwrap();
        let mut transformers = 0;
        for zone in eco.zones.values_mut() {
            for team in zone.teams.values_mut().map(std::sync::Arc::make_mut) {
                for ws in team.workspaces.values_mut() {
                    if ws.transformer.is_some() {
                        transformers += 1;
                        for g in ws.dataset_groups.values_mut() {
                            g.requirements = Some(requirements.clone());
                        }
                    }
                }
            }
        }
        assert!(transformers > 0, "Northwind has a transformer");
        let choices = choose(&PlatformRegistry::new(), &eco, &[]);
        assert_eq!(
            choices
                .iter()
                .map(|c| c.workspace.as_str())
                .collect::<Vec<_>>(),
            ["ProductAnalytics"]
        );
    }

    #[test]
    fn the_first_platform_in_the_preference_that_can_serve_the_group_serves_it() {
        let eco = northwind();
        let choices = choose(
            &registry(true),
            &preferring(&eco, &[name("Local"), name("Azure Platform")]),
            &[],
        );
        let c = reporting(&choices);
        assert_eq!(c.platform, Some(name("Local")));
        assert_eq!(c.how, How::Preferred);
        // The sqlite kind cannot serve live-only groups here: the next one does.
        let choices = choose(
            &registry(false),
            &preferring(&eco, &[name("Local"), name("Azure Platform")]),
            &[],
        );
        let c = reporting(&choices);
        assert_eq!(c.platform, Some(name("Azure Platform")));
        assert_eq!(
            c.candidates[0].refusals,
            [Refusal::Unsupported {
                missing: vec![Capability::Milestoning(Milestoning::LiveOnly)]
            }]
        );
        insta::assert_snapshot!(c.to_string(), @r"
        `ProductAnalytics/Reporting` is served by `Azure Platform`, the first platform in the preference order that can serve it
          `Local`: refused: it does not support LiveOnly milestoning
          `Azure Platform`: can serve it
        ");
    }

    #[test]
    fn a_platform_too_slow_or_too_forgetful_for_a_group_is_refused() {
        let mut eco = northwind();
        let mut r = PlatformRegistry::new();
        let mut slow = everything(vec![Milestoning::LiveOnly, Milestoning::Forensic]);
        slow.fastest_latency = Some(datasurface_core::Latency::Hours);
        r.register(Arc::new(Serves("sqlite", slow)));
        let mut forgetful = everything(vec![Milestoning::LiveOnly, Milestoning::Forensic]);
        forgetful.longest_retention_days = Some(365);
        r.register(Arc::new(Serves("airflow", forgetful)));
        // Northwind's group asks for minutes: `Local` keeps hours at best.
        let eco_minutes = preferring(&eco, &[name("Local"), name("Azure Platform")]);
        let c = choose(&r, &eco_minutes, &[]);
        let c = reporting(&c);
        assert_eq!(c.platform, Some(name("Azure Platform")));
        assert_eq!(
            c.candidates[0].refusals,
            [Refusal::Unsupported {
                missing: vec![Capability::Latency(datasurface_core::Latency::Minutes)]
            }]
        );
        // Seven years of history is more than a year.
        let (_, ws) = eco
            .zones
            .values_mut()
            .flat_map(|z| z.teams.values_mut().map(std::sync::Arc::make_mut))
            .flat_map(|t| t.workspaces.iter_mut())
            .find(|(n, _)| n.as_str() == "ProductAnalytics")
            .unwrap();
        let requirements = ws.dataset_groups[0].requirements.as_mut().unwrap();
        requirements.latency = datasurface_core::Latency::Hours;
        requirements.retention = Some("P7Y".parse().unwrap());
        let c = choose(
            &r,
            &preferring(&eco, &[name("Azure Platform"), name("Local")]),
            &[],
        );
        let c = reporting(&c);
        assert_eq!(c.platform, Some(name("Local")));
        assert_eq!(
            c.candidates[0].refusals,
            [Refusal::Unsupported {
                missing: vec![Capability::RetentionDays(7 * 366)]
            }]
        );
        assert_eq!(
            c.candidates[0].refusals[0].to_string(),
            "it does not support keeping history 2562 days"
        );
    }

    #[test]
    fn a_governance_only_platform_is_never_chosen() {
        let mut eco = northwind();
        let declaration: datasurface_core::PlatformDeclaration =
            serde_json::from_value(serde_json::json!({"kind": "external", "version": "^0.1"}))
                .unwrap();
        eco.platforms.insert(name("Vendor ETL"), declaration);
        let mut r = registry(true);
        r.register(Arc::new(crate::External));
        let eco = preferring(&eco, &[name("Vendor ETL"), name("Azure Platform")]);
        // First in the preference, and able to do anything: still refused.
        let recorded = [RecordedChoice {
            workspace: "ProductAnalytics".parse().unwrap(),
            dataset_group: "Reporting".parse().unwrap(),
            platform: name("Vendor ETL"),
        }];
        let choices = choose(&r, &eco, &recorded);
        let c = reporting(&choices);
        assert_eq!(c.platform, Some(name("Azure Platform")));
        assert_eq!(
            c.how,
            How::Moved {
                from: name("Vendor ETL")
            }
        );
        assert_eq!(c.candidates[0].refusals, [Refusal::GovernsOnly]);
    }

    #[test]
    fn a_recorded_choice_holds_until_its_platform_cannot_serve_the_group() {
        let mut eco = northwind();
        let recorded = [RecordedChoice {
            workspace: "ProductAnalytics".parse().unwrap(),
            dataset_group: "Reporting".parse().unwrap(),
            platform: name("Azure Platform"),
        }];
        // Another preference order moves nobody.
        let choices = choose(
            &registry(true),
            &preferring(&eco, &[name("Local"), name("Azure Platform")]),
            &recorded,
        );
        assert_eq!(reporting(&choices).platform, Some(name("Azure Platform")));
        assert_eq!(reporting(&choices).how, How::Recorded);
        // A policy that forbids it does.
        let zone = eco.zones.values_mut().next().unwrap();
        let mut policy = AllowDenyPolicy::default();
        policy.denied.push(name("Azure Platform"));
        zone.platform_policies
            .insert("No Azure".parse().unwrap(), policy);
        let choices = choose(&registry(true), &eco, &recorded);
        let c = reporting(&choices);
        assert_eq!(c.platform, Some(name("Local")));
        assert_eq!(
            c.how,
            How::Moved {
                from: name("Azure Platform")
            }
        );
        insta::assert_snapshot!(c.to_string(), @r"
        `ProductAnalytics/Reporting` moves from `Azure Platform`, which can no longer serve it, to `Local`
          `Azure Platform`: refused: platform policy `No Azure` of zone `USA` does not allow it
          `Local`: can serve it
        ");
    }

    #[test]
    fn a_group_no_platform_can_serve_says_why_of_each_and_an_assigned_group_is_not_chosen_for() {
        let mut eco = northwind();
        let mut unknown = PlatformRegistry::new();
        unknown.register(Arc::new(Serves("airflow", everything(Vec::new()))));
        let choices = choose(&unknown, &eco, &[]);
        let c = reporting(&choices);
        assert_eq!(c.platform, None);
        insta::assert_snapshot!(c.to_string(), @r"
        no platform can serve `ProductAnalytics/Reporting`
          `Azure Platform`: refused: it does not support LiveOnly milestoning
          `Local`: refused: no implementation of kind `sqlite` is available
        ");
        eco.assignments
            .push(datasurface_core::platform::DatasetGroupAssignment {
                workspace: "ProductAnalytics".parse().unwrap(),
                dataset_group: "Reporting".parse().unwrap(),
                platforms: vec![datasurface_core::platform::PlatformAssignment::new(name(
                    "Local",
                ))],
                chosen: false,
            });
        let choices = choose(&registry(true), &eco, &[]);
        assert!(
            choices
                .iter()
                .all(|c| c.workspace.as_str() != "ProductAnalytics")
        );
    }

    #[test]
    fn chosen_assignments_serve_but_are_nobodys_writing() {
        let base = northwind();
        let mut eco = base.clone();
        let choices = assign_chosen(&registry(true), &mut eco, &[]);
        assert!(unserved(&eco, &choices).is_empty());
        let chosen: Vec<_> = eco.assignments.iter().filter(|a| a.chosen).collect();
        assert_eq!(chosen.len(), choices.len());
        assert!(
            chosen
                .iter()
                .any(|a| a.workspace.as_str() == "ProductAnalytics"
                    && a.platforms[0].platform == name("Azure Platform"))
        );
        // Never written back, and no change to the ecosystem's region.
        assert_eq!(
            serde_json::to_value(&eco).unwrap(),
            serde_json::to_value(&base).unwrap()
        );
        assert!(
            datasurface_core::regions::RegionRef::Ecosystem(&eco)
                .same_as(datasurface_core::regions::RegionRef::Ecosystem(&base))
        );
        // Choosing again replaces what was chosen.
        let again = assign_chosen(&registry(true), &mut eco, &[]);
        assert_eq!(again, choices);
        assert_eq!(
            eco.assignments.iter().filter(|a| a.chosen).count(),
            choices.len()
        );
        // A group nobody can serve is an error at the group.
        let mut none = PlatformRegistry::new();
        none.register(Arc::new(Serves("airflow", everything(Vec::new()))));
        let choices = assign_chosen(&none, &mut eco, &[]);
        let errors = unserved(&eco, &choices);
        let reporting = errors
            .iter()
            .find(|d| d.path.to_string().contains("ProductAnalytics"))
            .unwrap();
        assert_eq!(reporting.code, NO_PLATFORM_CAN_SERVE);
        insta::assert_snapshot!(reporting.message, @"no platform can serve dataset group `ProductAnalytics.Reporting`: `Azure Platform`: it does not support LiveOnly milestoning; `Local`: no implementation of kind `sqlite` is available");
    }

    proptest! {
        /// Whatever the zone's platform policies and the preference, the
        /// choice is one the model's own `platform-policy-violation` rule
        /// accepts once assigned, and the same whatever order the ecosystem
        /// declares its platforms in.
        #[test]
        fn a_choice_is_allowed_and_does_not_depend_on_declaration_order(
            denied in proptest::collection::vec(any::<bool>(), 2),
            allowed_only in proptest::option::of(0..2usize),
            prefer_local_first in any::<bool>(),
        ) {
            let platforms = [name("Azure Platform"), name("Local")];
            let mut eco = northwind();
            let zone = eco.zones.values_mut().next().unwrap();
            let mut policy = AllowDenyPolicy::default();
            for (p, deny) in platforms.iter().zip(&denied) {
                if *deny {
                    policy.denied.push(p.clone());
                }
            }
            if let Some(i) = allowed_only {
                policy.allowed.push(platforms[i].clone());
            }
            zone.platform_policies.insert("Chosen".parse().unwrap(), policy);
            let preference: Vec<PlatformName> = if prefer_local_first {
                platforms.iter().rev().cloned().collect()
            } else {
                platforms.to_vec()
            };
            let choices = choose(&registry(true), &preferring(&eco, &preference), &[]);
            let mut reordered = eco.clone();
            reordered.platforms.reverse();
            prop_assert_eq!(&choose(&registry(true), &preferring(&reordered, &preference), &[]), &choices);
            for c in &choices {
                let Some(platform) = &c.platform else { continue };
                let mut assigned = eco.clone();
                assigned.assignments.push(datasurface_core::platform::DatasetGroupAssignment {
                    workspace: c.workspace.clone(),
                    dataset_group: c.dataset_group.clone(),
                    platforms: vec![datasurface_core::platform::PlatformAssignment::new(platform.clone())],
                    chosen: false,
                });
                let report = match validate(assigned) {
                    Ok(valid) => valid.warnings().clone(),
                    Err(invalid) => invalid,
                };
                prop_assert!(
                    report.diagnostics().iter().all(|d| d.code != "platform-policy-violation"),
                    "{}", c
                );
            }
        }

        /// The choices do not depend on the order the model's documents,
        /// zones, teams, datastores and workspaces come in, and a change
        /// that does not touch a group (a new workspace beside it) leaves
        /// its choice as it was.
        #[test]
        fn choices_ignore_model_order_and_unrelated_changes(
            reverse_zones in any::<bool>(),
            reverse_teams in any::<bool>(),
            reverse_items in any::<bool>(),
            local_first in any::<bool>(),
        ) {
            let preference = if local_first {
                vec![name("Local"), name("Azure Platform")]
            } else {
                vec![name("Azure Platform"), name("Local")]
            };
            let eco = preferring(&northwind(), &preference);
            let choices = choose(&registry(true), &eco, &[]);
            let mut shuffled = eco.clone();
            if reverse_zones {
                shuffled.zones.reverse();
            }
            for zone in shuffled.zones.values_mut() {
                if reverse_teams {
                    zone.teams.reverse();
                }
                for team in zone.teams.values_mut().map(std::sync::Arc::make_mut) {
                    if reverse_items {
                        team.datastores.reverse();
                        team.workspaces.reverse();
                    }
                }
            }
            prop_assert_eq!(&choose(&registry(true), &shuffled, &[]), &choices);
            // A new workspace: a choice more, the others as they were.
            let team = shuffled.zones.values_mut().next().unwrap().teams.values_mut().map(std::sync::Arc::make_mut).next().unwrap();
            let copy = team.workspaces.values().find(|w| w.transformer.is_none()).unwrap().clone();
            team.workspaces.insert("Another".parse().unwrap(), copy);
            let more = choose(&registry(true), &shuffled, &[]);
            prop_assert_eq!(more.len(), choices.len() + 1);
            let kept: Vec<&Choice> = more.iter().filter(|c| c.workspace.as_str() != "Another").collect();
            prop_assert_eq!(kept, choices.iter().collect::<Vec<_>>());
        }
    }
}
