//! The consumer side: workspaces, dataset groups, sinks and data transformers.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::capture::StepTrigger;
use crate::common::{Deprecation, Documentation, ProductionStatus};
use crate::hook::Hook;
use crate::names::{ContainerName, DatasetGroupName, DatasetName, DatastoreName, PlatformName};
use crate::policy::{AllowDenyPolicy, DataClassification};
use crate::repository::Repository;

/// A workspace: where a consumer receives the datasets it asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workspace {
    /// The data container the datasets are delivered into. Without one, no
    /// platform can deliver to this workspace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerName>,
    /// How much the business depends on it; pipelines feeding it inherit the highest priority.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub priority: WorkspacePriority,
    /// Whether it serves production.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub production_status: ProductionStatus,
    /// Whether it is being retired.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub deprecation: Deprecation,
    /// The dataset groups, each with its own delivery requirements.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub dataset_groups: OrderedMap<DatasetGroupName, DatasetGroup>,
    /// The data transformer that turns this workspace's data into a new datastore.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transformer: Option<DataTransformer>,
    /// The team's code hook, asked before the transformer runs and before
    /// the dataset groups are delivered, on the events it wants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook: Option<Hook>,
    /// The classifications this workspace may receive; a sink of other data is an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification_verifier: Option<AllowDenyPolicy<DataClassification>>,
    /// What the workspace is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

impl Workspace {
    /// A workspace on a container with no dataset groups yet.
    pub fn on(container: ContainerName) -> Self {
        Workspace {
            container: Some(container),
            priority: WorkspacePriority::default(),
            production_status: ProductionStatus::default(),
            deprecation: Deprecation::default(),
            dataset_groups: OrderedMap::default(),
            transformer: None,
            hook: None,
            classification_verifier: None,
            documentation: None,
        }
    }

    /// Every sink of every dataset group, with its group's name.
    pub fn sinks(&self) -> impl Iterator<Item = (&DatasetGroupName, &DatasetSink)> {
        self.dataset_groups
            .iter()
            .flat_map(|(name, group)| group.sinks.iter().map(move |sink| (name, sink)))
    }

    /// Whether any dataset group reads from a datastore.
    pub fn uses_datastore(&self, store: &DatastoreName) -> bool {
        self.sinks().any(|(_, sink)| &sink.datastore == store)
    }
}

/// How much the business depends on a workspace, lowest first.
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
pub enum WorkspacePriority {
    /// Best effort. The default.
    #[default]
    Low,
    /// Ordinary business use.
    Medium,
    /// Important to the business.
    High,
    /// The business stops without it.
    Critical,
}

/// A set of datasets a workspace receives together, with their delivery requirements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetGroup {
    /// The datasets. Validation requires at least one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sinks: Vec<DatasetSink>,
    /// What the consumer requires of the platform that delivers the group.
    /// A transformer's workspace states none: it inherits its consumers'.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<PlatformRequirements>,
    /// What the group is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

/// One dataset delivered to a dataset group.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DatasetSink {
    /// The datastore.
    pub datastore: DatastoreName,
    /// The dataset in it.
    pub dataset: DatasetName,
    /// Whether the group accepts a deprecated dataset. Defaults to `NEVER`.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub deprecations_allowed: DeprecationsAllowed,
}

impl DatasetSink {
    /// A sink on a dataset that refuses deprecation.
    pub fn new(datastore: DatastoreName, dataset: DatasetName) -> Self {
        DatasetSink {
            datastore,
            dataset,
            deprecations_allowed: DeprecationsAllowed::Never,
        }
    }
}

/// Whether a consumer accepts deprecated data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeprecationsAllowed {
    /// Using a deprecated dataset is an error. The default.
    #[default]
    Never,
    /// Using a deprecated dataset is a warning.
    Allowed,
}

/// What a dataset group requires of the platform that delivers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlatformRequirements {
    /// Live rows only, or every version of every row.
    pub milestoning: Milestoning,
    /// How fresh the data must be.
    pub latency: Latency,
    /// How long history must be kept; none means as long as the platform's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<RetentionPeriod>,
    /// The regulator whose rules the retention follows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regulator: Option<String>,
    /// A platform the consumer insists on; none leaves the choice to the ecosystem's assignments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<PlatformName>,
}

/// How a dataset group keeps history.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Milestoning {
    /// Only the current rows (SCD type 1).
    LiveOnly,
    /// Every version of every row, with when it was valid (SCD type 2).
    Forensic,
    /// Current rows, plus a forensic history beside them.
    LiveWithForensicHistory,
}

/// How fresh a dataset group's data must be.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Latency {
    /// Seconds behind the source.
    Seconds,
    /// Minutes behind the source.
    Minutes,
    /// Hours behind the source.
    Hours,
    /// A day or more behind the source.
    Days,
}

/// A length of time history must be kept: an ISO 8601 period of years,
/// months, weeks or days, such as `P7Y`, `P18M`, `P2W` or `P90D`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RetentionPeriod {
    /// Years.
    pub years: u32,
    /// Months.
    pub months: u32,
    /// Weeks.
    pub weeks: u32,
    /// Days.
    pub days: u32,
}

impl RetentionPeriod {
    /// The period in days, counting a year as 366 days and a month as 31, so
    /// that a platform keeping this many days never keeps too little.
    pub fn max_days(&self) -> u64 {
        u64::from(self.years) * 366
            + u64::from(self.months) * 31
            + u64::from(self.weeks) * 7
            + u64::from(self.days)
    }
}

/// Why a retention period could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid retention period `{0}`: write an ISO 8601 period such as `P7Y`, `P18M`, `P2W`, `P90D` or `P1Y6M`"
)]
pub struct RetentionPeriodError(pub String);

impl FromStr for RetentionPeriod {
    type Err = RetentionPeriodError;

    fn from_str(value: &str) -> Result<Self, RetentionPeriodError> {
        let err = || RetentionPeriodError(value.to_owned());
        let rest = value.strip_prefix('P').ok_or_else(err)?;
        if rest.is_empty() {
            return Err(err());
        }
        let mut period = RetentionPeriod::default();
        let mut number = String::new();
        let mut last_unit = 0;
        for c in rest.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let (slot, order) = match c {
                'Y' => (&mut period.years, 1),
                'M' => (&mut period.months, 2),
                'W' => (&mut period.weeks, 3),
                'D' => (&mut period.days, 4),
                _ => return Err(err()),
            };
            if number.is_empty() || order <= last_unit {
                return Err(err());
            }
            *slot = number.parse().map_err(|_| err())?;
            number.clear();
            last_unit = order;
        }
        if !number.is_empty() {
            return Err(err());
        }
        Ok(period)
    }
}

impl fmt::Display for RetentionPeriod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("P")?;
        let parts = [
            (self.years, 'Y'),
            (self.months, 'M'),
            (self.weeks, 'W'),
            (self.days, 'D'),
        ];
        let mut wrote = false;
        for (n, unit) in parts {
            if n > 0 {
                write!(f, "{n}{unit}")?;
                wrote = true;
            }
        }
        if !wrote {
            f.write_str("0D")?;
        }
        Ok(())
    }
}

impl Serialize for RetentionPeriod {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RetentionPeriod {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        value.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for RetentionPeriod {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("RetentionPeriod")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "An ISO 8601 period of years, months, weeks and days, such as `P7Y` or `P90D`.",
            "pattern": "^P(?=\\d)(\\d+Y)?(\\d+M)?(\\d+W)?(\\d+D)?$",
        })
    }
}

/// A data transformer: code that reads its workspace's datasets and writes a new datastore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataTransformer {
    /// The datastore it writes; it must be in the same team and captured as
    /// `transformerOutput` of this workspace.
    pub output_datastore: DatastoreName,
    /// When it runs; none means after any of its inputs changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<StepTrigger>,
    /// The code that runs.
    pub code: CodeArtifact,
    /// How long its code may run and wait; the platform's safe defaults
    /// where left out.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub limits: TransformerLimits,
    /// What the transformer does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

/// How long a transformer's code may run and wait, each in seconds, and
/// the memory its queries and their result may take. Each is optional: the
/// defaults ([`TransformerLimits::DEFAULT_TIMEOUT_SECONDS`] and its
/// siblings) are safe, and none may exceed its maximum. Platforms enforce
/// them at run time: on PostgreSQL as the session's `statement_timeout`,
/// `lock_timeout` and `idle_in_transaction_session_timeout` (PostgreSQL
/// bounds a query's memory itself, and the runner streams the result); on
/// SQLite as the run's wall time and a bound on the memory of its queries
/// and of the result the engine holds.
///
/// ```yaml
/// limits: {timeoutSeconds: 600, lockTimeoutSeconds: 10, memoryMib: 256}
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransformerLimits {
    /// How long one run's queries may take, in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    /// How long a query may wait for a lock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_timeout_seconds: Option<u32>,
    /// How long a session may sit idle inside a transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<u32>,
    /// The memory, in MiB, a run's queries and the result held for writing
    /// may take, where the platform holds them (SQLite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u32>,
}

impl TransformerLimits {
    /// A run's time unless the model says otherwise: 15 minutes.
    pub const DEFAULT_TIMEOUT_SECONDS: u32 = 900;
    /// The longest a model may let a run take: 6 hours.
    pub const MAX_TIMEOUT_SECONDS: u32 = 21_600;
    /// A lock wait unless the model says otherwise.
    pub const DEFAULT_LOCK_TIMEOUT_SECONDS: u32 = 30;
    /// The longest lock wait a model may allow.
    pub const MAX_LOCK_TIMEOUT_SECONDS: u32 = 600;
    /// Idle time in a transaction unless the model says otherwise.
    pub const DEFAULT_IDLE_TIMEOUT_SECONDS: u32 = 60;
    /// The longest idle time in a transaction a model may allow.
    pub const MAX_IDLE_TIMEOUT_SECONDS: u32 = 600;
    /// A run's memory unless the model says otherwise: 1 GiB.
    pub const DEFAULT_MEMORY_MIB: u32 = 1024;
    /// The most memory a model may let one run take: 16 GiB.
    pub const MAX_MEMORY_MIB: u32 = 16_384;

    /// Whether every limit is left to its default.
    pub fn is_default(&self) -> bool {
        *self == TransformerLimits::default()
    }

    /// How long one run may take.
    pub fn timeout_seconds(&self) -> u32 {
        self.timeout_seconds
            .unwrap_or(Self::DEFAULT_TIMEOUT_SECONDS)
    }

    /// How long a query may wait for a lock.
    pub fn lock_timeout_seconds(&self) -> u32 {
        self.lock_timeout_seconds
            .unwrap_or(Self::DEFAULT_LOCK_TIMEOUT_SECONDS)
    }

    /// How long a session may be idle in a transaction.
    pub fn idle_timeout_seconds(&self) -> u32 {
        self.idle_timeout_seconds
            .unwrap_or(Self::DEFAULT_IDLE_TIMEOUT_SECONDS)
    }

    /// The memory one run's queries and result may take, in MiB.
    pub fn memory_mib(&self) -> u32 {
        self.memory_mib.unwrap_or(Self::DEFAULT_MEMORY_MIB)
    }

    /// Each limit that is zero or above its maximum: the field's name, the
    /// value and the maximum.
    pub fn out_of_range(&self) -> Vec<(&'static str, u32, u32)> {
        [
            (
                "timeoutSeconds",
                self.timeout_seconds,
                Self::MAX_TIMEOUT_SECONDS,
            ),
            (
                "lockTimeoutSeconds",
                self.lock_timeout_seconds,
                Self::MAX_LOCK_TIMEOUT_SECONDS,
            ),
            (
                "idleTimeoutSeconds",
                self.idle_timeout_seconds,
                Self::MAX_IDLE_TIMEOUT_SECONDS,
            ),
            ("memoryMib", self.memory_mib, Self::MAX_MEMORY_MIB),
        ]
        .into_iter()
        .filter_map(|(field, value, max)| {
            value
                .filter(|v| *v == 0 || *v > max)
                .map(|v| (field, v, max))
        })
        .collect()
    }
}

/// The code a data transformer runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum CodeArtifact {
    /// One SQL query per output dataset, over the workspace's views.
    Sql(SqlCode),
    /// A Python package from a git repository at a version.
    PythonRepo(PythonRepoCode),
    /// A Python environment described by its requirements.
    Python(PythonCode),
    /// A transformer built into datasurface.
    Builtin(BuiltinTransformer),
}

/// Settings of [`CodeArtifact::Sql`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SqlCode {
    /// The query that produces each dataset of the output datastore.
    #[serde(deserialize_with = "crate::serde_util::unique_keys")]
    pub queries: OrderedMap<DatasetName, String>,
}

impl SqlCode {
    /// Each output dataset and its query, sorted by dataset: each query
    /// writes its own dataset, so their order in the model means nothing,
    /// and a platform that renders them in this order renders the same
    /// model written in another order the same.
    pub fn sorted_queries(&self) -> Vec<(&DatasetName, &str)> {
        let mut queries: Vec<(&DatasetName, &str)> = self
            .queries
            .iter()
            .map(|(dataset, query)| (dataset, query.as_str()))
            .collect();
        queries.sort_by(|a, b| a.0.cmp(b.0));
        queries
    }
}

/// Settings of [`CodeArtifact::PythonRepo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PythonRepoCode {
    /// Where the code lives.
    pub repository: Repository,
    /// The tag or commit to run.
    pub version: String,
}

/// Settings of [`CodeArtifact::Python`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PythonCode {
    /// Requirement specifiers, as in `requirements.txt`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,
    /// Environment variables; never secrets.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub environment: OrderedMap<String, String>,
    /// The Python version required, such as `3.11`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_version: Option<String>,
}

/// The transformers built into datasurface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BuiltinTransformer {
    /// Writes the model itself as datasets, so it can be queried like any data.
    ExternalizeModel,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_periods() {
        let p: RetentionPeriod = "P1Y6M".parse().unwrap();
        assert_eq!((p.years, p.months), (1, 6));
        assert_eq!(p.to_string(), "P1Y6M");
        assert_eq!("P90D".parse::<RetentionPeriod>().unwrap().max_days(), 90);
        for bad in ["", "P", "7Y", "P6M1Y", "PY", "P1H", "P1Y1Y", "P12"] {
            assert!(bad.parse::<RetentionPeriod>().is_err(), "{bad}");
        }
    }

    #[test]
    fn priorities_order() {
        assert!(WorkspacePriority::Critical > WorkspacePriority::High);
        assert!(WorkspacePriority::Low < WorkspacePriority::Medium);
    }
}
