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
    /// The columns, in order.
    #[serde(deserialize_with = "crate::serde_util::unique_keys")]
    pub columns: OrderedMap<ColumnName, Column>,
    /// The primary key's columns, in key order. Validation requires one; its
    /// columns must exist and be `nullable: false`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<ColumnName>,
    /// The columns that partition ingestion, in order; they must exist and be `nullable: false`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
    #[serde(rename = "type")]
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

impl Schema {
    /// Whether `column` is part of the primary key.
    pub fn is_primary_key(&self, column: &ColumnName) -> bool {
        self.primary_key.contains(column)
    }
}
