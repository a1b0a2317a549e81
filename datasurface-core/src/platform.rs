//! Data platform declarations, the assignment of dataset groups to platforms,
//! and primary ingestion platforms. All of it is the ecosystem's region.

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{Documentation, ProductionStatus};
use crate::names::{
    DatasetGroupName, DatasetName, DatastoreName, PlatformKind, PlatformName, WorkspaceName,
};
use crate::vendor::LocationRef;
use crate::workspace::DeprecationsAllowed;

/// A data platform the ecosystem uses, and which implementation renders it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformDeclaration {
    /// The implementation, such as `sqlite`; a registry maps kinds to code.
    pub kind: PlatformKind,
    /// The versions of the implementation this declaration works with, such as `^1.2`.
    #[schemars(with = "String")]
    pub version: semver::VersionReq,
    /// Where the platform runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<LocationRef>,
    /// Settings for the implementation; it validates them.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource" = "platform-parameters"))]
    pub parameters: OrderedMap<String, serde_json::Value>,
    /// Run-time hints for single jobs, such as the memory an ingestion needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<PlatformHint>,
    /// When the platform's rendering moves to a new model (`datasurface advance`):
    /// `immediate` (the default), `manual`, or `{window: {cron, minutes}}`.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub cadence: Cadence,
    /// What the platform is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

impl PlatformDeclaration {
    /// A declaration of a kind and version requirement with no settings.
    pub fn new(kind: PlatformKind, version: semver::VersionReq) -> Self {
        PlatformDeclaration {
            kind,
            version,
            locations: Vec::new(),
            parameters: OrderedMap::default(),
            hints: Vec::new(),
            cadence: Cadence::default(),
            documentation: None,
        }
    }

    /// The declaration as an environment runs it: each parameter the
    /// environment gives (`here`) replaces the declaration's.
    #[must_use]
    pub fn in_environment(&self, here: &crate::EnvironmentPlatform) -> PlatformDeclaration {
        let mut declaration = self.clone();
        for (key, value) in &here.parameters {
            declaration.parameters.insert(key.clone(), value.clone());
        }
        declaration
    }
}

/// When a platform's rendering moves to a new model.
///
/// Seed 004: platforms need not advance the moment the model changes. A
/// development platform advances at once; a production one waits for a
/// window (a weekend, a night), or for someone to say so. `datasurface
/// advance` reads it; a change that leaves a platform's rendering as it was
/// moves it at any time, since nothing it runs changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Cadence {
    /// As soon as the model changes. The default.
    #[default]
    Immediate,
    /// Only when someone asks (`datasurface advance --platform NAME --force`).
    Manual,
    /// Only inside a window that opens when a cron schedule fires and stays
    /// open a number of minutes.
    Window(AdvanceWindow),
}

/// A recurring window in which a platform may advance: it opens each time
/// `cron` fires (UTC) and closes `minutes` later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdvanceWindow {
    /// When the window opens: a five-field cron schedule, such as `0 22 * * 5`
    /// (Fridays at 22:00 UTC).
    pub cron: String,
    /// How long it stays open, in minutes (at most a week, 10080).
    pub minutes: std::num::NonZeroU32,
}

/// Whether a [`Cadence`] lets a platform advance at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdvanceTiming {
    /// It may advance now; inside a window, until the window closes.
    Now {
        /// When the window closes; `None` for `immediate`.
        until: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Not now; the next window opens then (`None`: only when asked, or never).
    Wait {
        /// When the next window opens.
        opens: Option<chrono::DateTime<chrono::Utc>>,
    },
}

impl AdvanceWindow {
    /// The longest window, a week, in minutes.
    pub const MAX_MINUTES: u32 = 7 * 24 * 60;
}

impl Cadence {
    /// Whether the platform may advance at `now`. A window whose schedule
    /// does not parse never opens (the `invalid-cron` rule reports it).
    pub fn timing(&self, now: chrono::DateTime<chrono::Utc>) -> AdvanceTiming {
        match self {
            Cadence::Immediate => AdvanceTiming::Now { until: None },
            Cadence::Manual => AdvanceTiming::Wait { opens: None },
            Cadence::Window(window) => {
                let Ok(schedule) = window.cron.parse::<crate::cron::Schedule>() else {
                    return AdvanceTiming::Wait { opens: None };
                };
                let minutes = window.minutes.get().min(AdvanceWindow::MAX_MINUTES);
                let length = chrono::Duration::minutes(i64::from(minutes));
                // The window that holds `now` opened in (now - length, now].
                match schedule.next_after(now - length) {
                    Some(opened) if opened <= now => AdvanceTiming::Now {
                        until: Some(opened + length),
                    },
                    _ => AdvanceTiming::Wait {
                        opens: schedule.next_after(now),
                    },
                }
            }
        }
    }
}

/// A run-time hint for the jobs of one datastore, dataset or transformer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformHint {
    /// What the hint applies to.
    pub target: HintTarget,
    /// The hint's settings, such as `memory: 2Gi`.
    #[serde(deserialize_with = "crate::serde_util::unique_keys")]
    #[schemars(extend("x-resource" = "platform-parameters"))]
    pub values: OrderedMap<String, serde_json::Value>,
}

/// What a [`PlatformHint`] applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum HintTarget {
    /// The ingestion of a datastore, or of one dataset of a single-dataset datastore.
    Ingestion {
        /// The datastore.
        datastore: DatastoreName,
        /// The dataset, for single-dataset capture only.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        dataset: Option<DatasetName>,
    },
    /// The data transformer of a workspace.
    Transformer {
        /// The workspace.
        workspace: WorkspaceName,
    },
}

/// The platforms that deliver one dataset group.
///
/// A group may be assigned to several platforms at once, for example while
/// it moves from one to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetGroupAssignment {
    /// The workspace.
    pub workspace: WorkspaceName,
    /// Its dataset group.
    pub dataset_group: DatasetGroupName,
    /// The platforms, each with its lifecycle state.
    pub platforms: Vec<PlatformAssignment>,
    /// Whether the gate chose the platform (the ecosystem names none for
    /// the group) rather than the ecosystem declaring it. A chosen
    /// assignment is never read from a file nor written to one, and is no
    /// part of the ecosystem's region: its owner did not write it.
    #[serde(skip)]
    #[schemars(skip)]
    pub chosen: bool,
}

/// A platform the gate chose for a dataset group, recorded so that the
/// choice holds until that platform can no longer serve the group (in the
/// spirit of `Cargo.lock`). `datasurface choose --write` writes the record;
/// it is part of the ecosystem's region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecordedChoice {
    /// The workspace.
    pub workspace: WorkspaceName,
    /// Its dataset group.
    pub dataset_group: DatasetGroupName,
    /// The platform that serves it.
    pub platform: PlatformName,
}

/// The body of a `PlatformChoices` document: the recorded choices, kept in
/// a file of their own (`platform-choices.yaml`) that a command writes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformChoices {
    /// The choices, by workspace and group.
    #[serde(default)]
    pub platform_choices: Vec<RecordedChoice>,
}

/// Serializes the assignments the ecosystem declares, leaving out those
/// the gate chose.
pub(crate) fn declared_assignments<S: serde::Serializer>(
    assignments: &[DatasetGroupAssignment],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(assignments.iter().filter(|a| !a.chosen))
}

/// Whether no assignment is declared (all, if any, were chosen).
pub(crate) fn no_declared_assignments(assignments: &[DatasetGroupAssignment]) -> bool {
    assignments.iter().all(|a| a.chosen)
}

/// One platform's assignment to a dataset group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformAssignment {
    /// The platform.
    pub platform: PlatformName,
    /// Where the assignment is in its lifecycle. Defaults to `PROVISIONING`.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub status: AssignmentStatus,
    /// Whether this assignment serves production. Defaults to `PRODUCTION`.
    #[serde(default = "production", skip_serializing_if = "is_production")]
    pub production_status: ProductionStatus,
    /// Whether deprecated datasets are accepted on this platform.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub deprecations_allowed: DeprecationsAllowed,
    /// Why the assignment was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

fn production() -> ProductionStatus {
    ProductionStatus::Production
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes a reference"
)]
fn is_production(status: &ProductionStatus) -> bool {
    *status == ProductionStatus::Production
}

impl PlatformAssignment {
    /// A provisioning, production assignment to a platform.
    pub fn new(platform: PlatformName) -> Self {
        PlatformAssignment {
            platform,
            status: AssignmentStatus::default(),
            production_status: ProductionStatus::Production,
            deprecations_allowed: DeprecationsAllowed::default(),
            documentation: None,
        }
    }

    /// Whether the platform still works for the group: every state but `DECOMMISSIONED`.
    pub fn is_live(&self) -> bool {
        self.status != AssignmentStatus::Decommissioned
    }
}

/// The lifecycle of a platform assignment.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AssignmentStatus {
    /// The platform is setting the group up. The default.
    #[default]
    Provisioning,
    /// The platform delivers the group.
    Provisioned,
    /// The platform is tearing the group down.
    Decommissioning,
    /// The platform no longer delivers the group; it is kept for the record.
    Decommissioned,
}

#[cfg(test)]
mod tests {
    use super::{AdvanceTiming, AdvanceWindow, Cadence};
    use chrono::{DateTime, Utc};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map_or_else(|e| panic!("{text}: {e}"), |t| t.with_timezone(&Utc))
    }

    fn window(cron: &str, minutes: u32) -> Cadence {
        Cadence::Window(AdvanceWindow {
            cron: cron.to_owned(),
            minutes: std::num::NonZeroU32::new(minutes).expect("positive"),
        })
    }

    #[test]
    fn immediate_always_and_manual_never() {
        let now = at("2026-11-23T10:00:00Z");
        assert_eq!(
            Cadence::Immediate.timing(now),
            AdvanceTiming::Now { until: None }
        );
        assert_eq!(
            Cadence::Manual.timing(now),
            AdvanceTiming::Wait { opens: None }
        );
    }

    #[test]
    fn a_window_is_open_from_its_firing_for_its_minutes() {
        // Fridays at 22:00 for 56 hours: until Monday 06:00.
        let weekend = window("0 22 * * 5", 56 * 60);
        let opens = at("2026-11-27T22:00:00Z");
        let closes = at("2026-11-30T06:00:00Z");
        for now in [
            "2026-11-27T22:00:00Z",
            "2026-11-28T12:00:00Z",
            "2026-11-30T05:59:00Z",
        ] {
            assert_eq!(
                weekend.timing(at(now)),
                AdvanceTiming::Now {
                    until: Some(closes)
                },
                "{now}"
            );
        }
        for now in ["2026-11-27T21:59:00Z", "2026-11-24T09:00:00Z"] {
            assert_eq!(
                weekend.timing(at(now)),
                AdvanceTiming::Wait { opens: Some(opens) },
                "{now}"
            );
        }
        assert_eq!(
            weekend.timing(closes),
            AdvanceTiming::Wait {
                opens: Some(at("2026-12-04T22:00:00Z"))
            }
        );
    }

    #[test]
    fn a_window_that_cannot_open_waits_for_ever() {
        let now = at("2026-11-23T10:00:00Z");
        for bad in [window("0 22 * *", 60), window("0 0 31 2 *", 60)] {
            assert_eq!(bad.timing(now), AdvanceTiming::Wait { opens: None });
        }
    }

    #[test]
    fn cadences_read_as_written() {
        let read = |yaml: &str| -> Cadence {
            serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{yaml}: {e}"))
        };
        assert_eq!(read("immediate"), Cadence::Immediate);
        assert_eq!(read("manual"), Cadence::Manual);
        assert_eq!(
            read("{window: {cron: '0 22 * * 5', minutes: 600}}"),
            window("0 22 * * 5", 600)
        );
        assert!(
            serde_saphyr::from_str::<Cadence>("{window: {cron: '0 22 * * 5', minutes: 0}}")
                .is_err()
        );
        assert!(serde_saphyr::from_str::<Cadence>("weekly").is_err());
    }
}
