//! The part of the Open Data Contract Standard (ODCS) v3.1.0 that datasurface
//! writes and reads, as serde types.
//!
//! Fields datasurface has no place for are kept, not dropped, in each
//! type's `rest`: [`crate::import`] names every one of them in its report,
//! so a contract never loses something silently on its way into a model.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The ODCS version datasurface writes. `datacontract-cli lint` and the
/// `open-data-contract-standard` model both read it (the CI checks both).
pub const API_VERSION: &str = "v3.1.0";

/// The `kind` of every ODCS document.
pub const KIND: &str = "DataContract";

/// One ODCS document: a data contract.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contract {
    /// The ODCS version, such as `v3.1.0`.
    pub api_version: String,
    /// Always `DataContract`.
    pub kind: String,
    /// The contract's identifier.
    pub id: String,
    /// The contract's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The contract's version (semantic versioning).
    pub version: String,
    /// `active`, `deprecated`, `draft`, `proposed` or `retired`.
    pub status: String,
    /// The organisation: datasurface writes the ecosystem's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// The business domain: datasurface writes the governance zone's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// What the data is for, how to use it and its limits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The owning team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<Value>,
    /// Key and value pairs ODCS has no field for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_properties: Vec<CustomProperty>,
    /// The tables (datasurface's datasets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema: Vec<SchemaObject>,
    /// Every other field, kept so that import can name it.
    #[serde(flatten, skip_serializing)]
    pub rest: Map<String, Value>,
}

/// A contract's `description`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    /// Why the data exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// How to use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    /// What it cannot be used for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limitations: Option<String>,
    /// Every other field.
    #[serde(flatten, skip_serializing)]
    pub rest: Map<String, Value>,
}

/// The team object of ODCS v3.1.0 (`team:`): datasurface writes its name and
/// description; members are people, whom a datasurface model does not name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamObject {
    /// The team's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the team does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Every other field.
    #[serde(flatten, skip_serializing)]
    pub rest: Map<String, Value>,
}

/// A table: one dataset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaObject {
    /// The table's name.
    pub name: String,
    /// The table's name in its source, when it is not named like the dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_name: Option<String>,
    /// What kind of thing it is in its store: datasurface writes `table`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_type: Option<String>,
    /// Always `object` for a table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical_type: Option<String>,
    /// What the table holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    /// The table's quality rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<DataQuality>,
    /// Key and value pairs ODCS has no field for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_properties: Vec<CustomProperty>,
    /// Every other field.
    #[serde(flatten, skip_serializing)]
    pub rest: Map<String, Value>,
}

/// A column, a struct's field, or an array's items.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    /// The column's name (absent on an array's `items`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `string`, `integer`, `number`, `boolean`, `date`, `timestamp`,
    /// `time`, `object` or `array`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical_type: Option<String>,
    /// The logical type's details: `maxLength`, `format`, `maxItems`, ….
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub logical_type_options: Map<String, Value>,
    /// The type in a SQL store, such as `NVARCHAR(40)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_type: Option<String>,
    /// Whether the column never holds null.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Whether the column is part of the primary key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<bool>,
    /// Its place in the primary key, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key_position: Option<i64>,
    /// Whether the column partitions the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioned: Option<bool>,
    /// Its place among the partition keys, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key_position: Option<i64>,
    /// One classification of the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// What the column holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// A struct's fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
    /// An array's element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Property>>,
    /// The column's quality rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quality: Vec<DataQuality>,
    /// Key and value pairs ODCS has no field for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_properties: Vec<CustomProperty>,
    /// Every other field.
    #[serde(flatten, skip_serializing)]
    pub rest: Map<String, Value>,
}

/// A quality rule (ODCS's `DataQuality`): a `library` metric compared
/// with a bound, or a `custom` engine's own rule. datasurface writes the
/// metrics ODCS defines where a rule is one (`rowCount`, `invalidValues`,
/// `duplicateValues`) and its own rules, whole, as `engine: datasurface`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataQuality {
    /// The rule's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it checks, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `library` (the default), `sql`, `custom` or `text`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A library rule's metric: `rowCount`, `invalidValues`,
    /// `duplicateValues`, `nullValues` or `missingValues`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// The metric's earlier name (ODCS v3.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The metric's arguments, such as `validValues`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub arguments: Map<String, Value>,
    /// The metric must equal this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be: Option<Value>,
    /// The metric must be at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_greater_or_equal_to: Option<Value>,
    /// The metric must be more than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_greater_than: Option<Value>,
    /// The metric must be at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_less_or_equal_to: Option<Value>,
    /// The metric must be less than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_less_than: Option<Value>,
    /// The metric must lie between these two, both included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_between: Option<Vec<Value>>,
    /// The unit of the bound: `rows` (the default) or `percent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The quality dimension it measures, such as `conformity`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<String>,
    /// `error` or `warning` (datasurface's `fail` and `warn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// A custom rule's engine: datasurface reads its own, `datasurface`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// A custom rule's definition, in its engine's terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Value>,
    /// Every other field.
    #[serde(flatten, skip_serializing)]
    pub rest: Map<String, Value>,
}

/// A key and value ODCS has no field for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomProperty {
    /// The key, in camel case.
    pub property: String,
    /// The value: any JSON value.
    pub value: Value,
    /// Every other field.
    #[serde(flatten, skip_serializing)]
    pub rest: Map<String, Value>,
}

impl CustomProperty {
    /// A custom property with a value.
    pub fn new(property: &str, value: impl Into<Value>) -> Self {
        CustomProperty {
            property: property.to_owned(),
            value: value.into(),
            rest: Map::new(),
        }
    }
}

/// The value of the custom property named `name`, if the list has it.
pub(crate) fn custom<'a>(list: &'a [CustomProperty], name: &str) -> Option<&'a Value> {
    list.iter().find(|p| p.property == name).map(|p| &p.value)
}
