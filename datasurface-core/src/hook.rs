//! Event hooks: a team's own code, kept in its repository as a WebAssembly
//! module, that decides on each event whether its workspace's transformer
//! runs and whether its dataset groups are delivered.
//!
//! The model only names the module (a file inside the model, pinned by its
//! SHA-256), the events it wants, what happens when it fails and the limits
//! it runs under. What a hook receives and answers (the contract) is in
//! `datasurface_runtime::hook`; the sandbox that runs modules is the
//! `datasurface-hooks` crate; `docs/hooks.md` describes both.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Documentation;
use crate::names::{ModelFilePath, Sha256Digest};

/// A code hook of a workspace: asked, for each event it wants, whether the
/// workspace's transformer runs and whether its dataset groups are delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Hook {
    /// The WebAssembly module, by its path from the model's root directory.
    pub module: ModelFilePath,
    /// The module's SHA-256, as `sha256sum` prints it: the model pins the
    /// exact bytes, so a changed module is a changed model that `verify`
    /// authorizes like any other change of the team's.
    pub sha256: Sha256Digest,
    /// The events the hook is asked about; on any other event the workspace
    /// behaves as if it had no hook. At least one.
    pub events: Vec<HookEventKind>,
    /// What happens when the hook fails (traps, runs out of fuel, memory or
    /// time, or answers something that is not a decision).
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub on_failure: FailurePolicy,
    /// How much the hook may use for one decision.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub limits: HookLimits,
    /// What the hook decides, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

impl Hook {
    /// Whether the hook is asked about events of this kind.
    pub fn wants(&self, kind: HookEventKind) -> bool {
        self.events.contains(&kind)
    }
}

/// What happened, as far as a hook is concerned.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub enum HookEventKind {
    /// A batch of one of the workspace's input datastores was committed.
    BatchCommitted,
    /// The schedule of the transformer or of the platform came round.
    ScheduleTick,
    /// The model, or the platform's rendering of it, changed.
    ModelChanged,
    /// Someone asked for a run by hand.
    ManualRun,
}

impl HookEventKind {
    /// Every kind, in the order of the contract's documentation.
    pub const ALL: [HookEventKind; 4] = [
        HookEventKind::BatchCommitted,
        HookEventKind::ScheduleTick,
        HookEventKind::ModelChanged,
        HookEventKind::ManualRun,
    ];

    /// The kind as the model and the contract spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            HookEventKind::BatchCommitted => "batchCommitted",
            HookEventKind::ScheduleTick => "scheduleTick",
            HookEventKind::ModelChanged => "modelChanged",
            HookEventKind::ManualRun => "manualRun",
        }
    }
}

impl std::str::FromStr for HookEventKind {
    type Err = ();

    /// A kind as the model and the contract spell it ([`HookEventKind::as_str`]).
    fn from_str(text: &str) -> Result<Self, ()> {
        HookEventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or(())
    }
}

impl std::fmt::Display for HookEventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens when a hook fails to decide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum FailurePolicy {
    /// Run as if there were no hook, and record the failure as a warning:
    /// a hook is not essential, so its failure must not stop the pipeline.
    /// The default.
    #[default]
    FailOpen,
    /// Skip the run and raise an alert: for a hook that guards something
    /// that must not run unless it says so.
    FailClosed,
}

/// How much a hook may use for one decision. Each is optional; the defaults
/// are the platform's ([`HookLimits::DEFAULT_FUEL`] and its siblings), and
/// none may exceed its maximum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HookLimits {
    /// Instructions (fuel units) one decision may execute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fuel: Option<u64>,
    /// Linear memory the module may grow to, in mebibytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u32>,
    /// Wall-clock time one decision may take, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_time_ms: Option<u32>,
}

impl HookLimits {
    /// Fuel for one decision unless the model says otherwise: ten million
    /// instructions, a few milliseconds of interpretation.
    pub const DEFAULT_FUEL: u64 = 10_000_000;
    /// The most fuel a model may give one decision.
    pub const MAX_FUEL: u64 = 10_000_000_000;
    /// Memory unless the model says otherwise, in mebibytes.
    pub const DEFAULT_MEMORY_MIB: u32 = 16;
    /// The most memory a model may give a hook, in mebibytes.
    pub const MAX_MEMORY_MIB: u32 = 256;
    /// Wall time unless the model says otherwise, in milliseconds.
    pub const DEFAULT_WALL_TIME_MS: u32 = 1_000;
    /// The most wall time a model may give one decision, in milliseconds.
    pub const MAX_WALL_TIME_MS: u32 = 30_000;

    /// The fuel one decision may use.
    pub fn fuel(&self) -> u64 {
        self.fuel.unwrap_or(Self::DEFAULT_FUEL)
    }

    /// The memory the module may grow to, in bytes.
    pub fn memory_bytes(&self) -> usize {
        let mib = self.memory_mib.unwrap_or(Self::DEFAULT_MEMORY_MIB);
        usize::try_from(mib).map_or(usize::MAX, |mib| mib.saturating_mul(1 << 20))
    }

    /// The wall time one decision may take, in milliseconds.
    pub fn wall_time_ms(&self) -> u32 {
        self.wall_time_ms.unwrap_or(Self::DEFAULT_WALL_TIME_MS)
    }

    /// Each limit that is zero or above its maximum, with the field's name,
    /// the value and the maximum.
    pub fn out_of_range(&self) -> Vec<(&'static str, u64, u64)> {
        let mut out = Vec::new();
        let mut check = |field: &'static str, value: Option<u64>, max: u64| {
            if let Some(value) = value
                && (value == 0 || value > max)
            {
                out.push((field, value, max));
            }
        };
        check("fuel", self.fuel, Self::MAX_FUEL);
        check(
            "memoryMib",
            self.memory_mib.map(u64::from),
            u64::from(Self::MAX_MEMORY_MIB),
        );
        check(
            "wallTimeMs",
            self.wall_time_ms.map(u64::from),
            u64::from(Self::MAX_WALL_TIME_MS),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_default_and_range() {
        let limits = HookLimits::default();
        assert_eq!(limits.fuel(), HookLimits::DEFAULT_FUEL);
        assert_eq!(limits.memory_bytes(), 16 << 20);
        assert!(limits.out_of_range().is_empty());
        let bad = HookLimits {
            fuel: Some(0),
            memory_mib: Some(1024),
            wall_time_ms: Some(10),
        };
        assert_eq!(
            bad.out_of_range(),
            vec![("fuel", 0, HookLimits::MAX_FUEL), ("memoryMib", 1024, 256)]
        );
    }

    #[test]
    fn event_kinds_spell_as_serde_does() {
        for kind in HookEventKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{kind}\""));
        }
    }
}
