//! Deliberate exceptions to the gate, each in the region of the one who
//! grants it, so that `verify` authorizes it like any change: an
//! [`BreakApproval`] lets one breaking change through, given by the owner of
//! the consumers it breaks (or the ecosystem's owner), until a day; a
//! [`Suppression`] quiets one warning code below a path of the owner's own
//! region. Both say why. No exception turns the gate off: an approval names
//! one finding by code, path and the change itself, and a suppression never
//! quiets an error.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A finding let through on purpose: a breaking change, approved by the
/// owners of the consumers it breaks; or a transformer writing data less
/// classified than it is, approved by the data's owners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BreakApproval {
    /// The code of the finding it lets through, such as `removed-column`.
    pub code: String,
    /// The model path of that finding, as `verify` prints it
    /// (`/zones/USA/teams/NorthwindTeam/datastores/NW_Data/...`).
    #[schemars(extend("x-resource" = "none"))]
    pub path: String,
    /// The change it approves, as `verify` prints it in the finding's help:
    /// digests of what is at `path` before and after (`3f9a0c1b7d2e..none`
    /// for a removal). A different change at the same path needs an
    /// approval of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^([0-9a-f]{12}|none)\.\.([0-9a-f]{12}|none)$"))]
    pub change: Option<String>,
    /// Why it may break: who agreed, and what the consumers do instead.
    pub reason: String,
    /// The last day (UTC) it holds, as `2026-12-31`: at most a year ahead.
    /// An approval of a change must say; a standing approval (of a
    /// transformer writing the granter's data less classified,
    /// `classification-dropped`) without it holds until it is removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub until: Option<String>,
}

/// A warning quieted on purpose, below a path of the owner's own region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Suppression {
    /// The code of the warnings it quiets.
    pub code: String,
    /// The model path they are at, or below.
    #[schemars(extend("x-resource" = "none"))]
    pub path: String,
    /// Why they do not matter here.
    pub reason: String,
    /// The last day (UTC) it holds, if it ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^\d{4}-\d{2}-\d{2}$"))]
    pub until: Option<String>,
}

/// A region's exceptions: in a team's document or the ecosystem's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Exceptions {
    /// Breaking changes this region's owner lets through.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<BreakApproval>,
    /// Warnings this region's owner quiets in its own region.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

impl Exceptions {
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.approvals.is_empty() && self.suppressions.is_empty()
    }
}
