//! Dataset schemas: columns, primary key and partition keys.

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Documentation;
use crate::names::ColumnName;
use crate::policy::DataClassification;
use crate::types::DataType;

/// The schema of a dataset: a table of named columns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Schema {
    /// The columns, in order. With `avro`, they come from the Avro record
    /// and are left out (or, if written, must be the record's).
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub columns: OrderedMap<ColumnName, Column>,
    /// An Avro record that is the dataset's schema: its fields are the
    /// columns, and `verify` compares versions by Avro's schema-resolution
    /// rules, in the direction consumers read (docs/model-files.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avro: Option<AvroSource>,
    /// The primary key's columns, in key order. Validation requires one; its
    /// columns must exist and be `nullable: false`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-resource" = "none"))]
    pub primary_key: Vec<ColumnName>,
    /// The columns that partition ingestion, in order; they must exist and be `nullable: false`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-resource" = "none"))]
    pub partition_keys: Vec<ColumnName>,
    /// What the schema describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Box<Documentation>>,
}

/// A column of a schema, or a field of a struct type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Column {
    /// The data type.
    #[serde(
        rename = "type",
        deserialize_with = "crate::types::written::deserialize"
    )]
    #[schemars(schema_with = "crate::types::written::schema")]
    pub data_type: DataType,
    /// Whether the column may hold nulls. Defaults to true, as in SQL.
    #[serde(
        default = "crate::serde_util::default_true",
        skip_serializing_if = "crate::serde_util::is_true"
    )]
    pub nullable: bool,
    /// The classifications of the data in this column. A dataset either
    /// classifies its columns or overrides them all at dataset level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classifications: Vec<DataClassification>,
    /// What the column holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Box<Documentation>>,
}

impl Column {
    /// A nullable, unclassified column of a type.
    pub fn new(data_type: DataType) -> Self {
        Column {
            data_type,
            nullable: true,
            classifications: Vec::new(),
            documentation: None,
        }
    }

    /// A column that may not hold nulls.
    pub fn required(data_type: DataType) -> Self {
        Column {
            nullable: false,
            ..Column::new(data_type)
        }
    }

    /// The same column with classifications.
    #[must_use]
    pub fn classified(
        mut self,
        classifications: impl IntoIterator<Item = DataClassification>,
    ) -> Self {
        self.classifications.extend(classifications);
        self
    }
}

/// Where a dataset's Avro schema is: inline, or in a file of the model.
///
/// ```yaml
/// avro:
///   file: {path: zones/usa/teams/schemas/order.avsc, sha256: 9f86…}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum AvroSource {
    /// The schema itself (a `record`), written in the model's YAML or JSON.
    Inline(serde_json::Value),
    /// An `.avsc` file in the team's folder, pinned by its SHA-256.
    File(AvroFile),
}

/// An Avro schema file the model names, pinned by its SHA-256 like a hook
/// module: a changed file is a changed model, which `verify` authorizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AvroFile {
    /// The file, by its path from the model's root directory.
    pub path: crate::names::ModelFilePath,
    /// Its SHA-256, as `sha256sum` prints it.
    pub sha256: crate::names::Sha256Digest,
    /// The file's text once read (or why it could not be), filled in by
    /// whoever read the model's files; never written.
    #[serde(skip)]
    #[schemars(skip)]
    pub text: Option<Result<std::sync::Arc<str>, String>>,
}

impl Schema {
    /// Whether `column` is part of the primary key.
    pub fn is_primary_key(&self, column: &ColumnName) -> bool {
        self.primary_key.contains(column)
    }
}
