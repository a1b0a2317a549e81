//! Small types shared across the model: documentation, deprecation and status.

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Human documentation attached to a model object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Documentation {
    /// A one-paragraph description; must not be empty.
    pub description: String,
    /// Longer documentation in Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    /// Free-form tags, for catalogues and search.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    #[schemars(extend("x-resource" = "none"))]
    pub tags: OrderedMap<String, String>,
}

impl Documentation {
    /// Plain documentation with only a description.
    pub fn new(description: impl Into<String>) -> Self {
        Documentation {
            description: description.into(),
            markdown: None,
            tags: OrderedMap::default(),
        }
    }
}

/// Whether an object is deprecated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeprecationStatus {
    /// In normal use.
    #[default]
    NotDeprecated,
    /// Still served, but consumers should move away; new uses need `deprecationsAllowed: ALLOWED`.
    Deprecated,
}

/// The deprecation state of a datastore, dataset, workspace or policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deprecation {
    /// Deprecated or not.
    pub status: DeprecationStatus,
    /// Why, and what to use instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Deprecation {
    /// A deprecation with its reason.
    pub fn deprecated(reason: impl Into<String>) -> Self {
        Deprecation {
            status: DeprecationStatus::Deprecated,
            reason: Some(reason.into()),
        }
    }

    /// Whether the object is deprecated.
    pub fn is_deprecated(&self) -> bool {
        self.status == DeprecationStatus::Deprecated
    }
}

/// Whether an object serves production.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProductionStatus {
    /// Serves production: a production datastore must classify all its data.
    Production,
    /// Development, test or experiment. The default.
    #[default]
    NotProduction,
}
