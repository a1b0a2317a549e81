//! Quality rules a dataset declares with its data, which every platform
//! that moves the data checks on each batch before the batch is visible.
//!
//! A rule either fails the batch whole ([`Severity::Fail`], the default: as
//! a repeated key does) or commits it and reports ([`Severity::Warn`]).
//!
//! ```
//! use datasurface_core::quality::{QualityRule, Severity};
//!
//! let rules: Vec<QualityRule> = serde_json::from_str(r#"[
//!     {"rowCount": {"min": 1, "max": 100000}},
//!     {"allowedValues": {"column": "status", "values": ["open", "shipped"]}},
//!     {"range": {"column": "quantity", "min": 1, "max": 1000, "severity": "warn"}},
//!     {"unique": {"columns": ["email"]}},
//!     {"freshness": {"column": "ordered_at", "minutes": 1440}},
//!     {"check": {"name": "paid-in-full", "sql": "paid >= total"}}
//! ]"#)?;
//! assert_eq!(rules.len(), 6);
//! assert_eq!(rules[2].severity(), Severity::Warn);
//! assert_eq!(rules[5].name(), "paid-in-full");
//! assert_eq!(rules[1].name(), "status-allowed-values");
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::ColumnName;

/// What a broken rule does to its batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Severity {
    /// The batch fails whole and nothing of it becomes visible.
    #[default]
    Fail,
    /// The batch commits; the broken rule is reported.
    Warn,
}

impl Severity {
    /// `fail` or `warn`, as the model writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fail => "fail",
            Severity::Warn => "warn",
        }
    }

    #[allow(
        clippy::trivially_copy_pass_by_ref,
        reason = "serde's skip_serializing_if passes a reference"
    )]
    fn is_default(&self) -> bool {
        *self == Severity::Fail
    }
}

/// A value a rule compares a column with: `true`, a number or text (dates
/// and times as ISO 8601 text, `2026-11-28` or `2026-11-28T09:00:00Z`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Literal {
    /// `true` or `false`.
    Bool(bool),
    /// A number, as its decimal text (`42`, `-1.5`).
    Number(String),
    /// Text.
    Text(String),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Number(n) => f.write_str(n),
            Literal::Text(t) => write!(f, "'{t}'"),
        }
    }
}

impl Serialize for Literal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Literal::Bool(b) => serializer.serialize_bool(*b),
            Literal::Number(n) => {
                if let Ok(i) = n.parse::<i64>() {
                    serializer.serialize_i64(i)
                } else if let Ok(f) = n.parse::<f64>() {
                    serializer.serialize_f64(f)
                } else {
                    serializer.serialize_str(n)
                }
            }
            Literal::Text(t) => serializer.serialize_str(t),
        }
    }
}

impl<'de> Deserialize<'de> for Literal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Literal;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("true, false, a number or text")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Literal, E> {
                Ok(Literal::Bool(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Literal, E> {
                Ok(Literal::Number(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Literal, E> {
                Ok(Literal::Number(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Literal, E> {
                if v.is_finite() {
                    Ok(Literal::Number(v.to_string()))
                } else {
                    Err(E::custom("a number must be finite"))
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Literal, E> {
                Ok(Literal::Text(v.to_owned()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for Literal {
    fn schema_name() -> Cow<'static, str> {
        "QualityLiteral".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "true, false, a number or text (dates and times as ISO 8601 text)",
            "type": ["boolean", "number", "string"]
        })
    }
}

/// One quality rule of a dataset, written as its kind with its arguments:
/// `{rowCount: {min: 1}}`, `{allowedValues: {column: status, values: […]}}`.
///
/// Every rule may carry a `name` (unique in its dataset; by default made
/// from its kind and column, as [`QualityRule::name`] says) and a
/// `severity` (`fail` unless it says `warn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub enum QualityRule {
    /// How many rows the dataset holds once the batch is merged.
    RowCount(RowCount),
    /// The values a column may hold (nulls aside: nullability says those).
    AllowedValues(AllowedValues),
    /// The least and greatest value a column may hold.
    Range(Range),
    /// Columns whose values together appear on one live row at most,
    /// beyond the primary key (rows with a null in them aside).
    Unique(Unique),
    /// How recent the newest value of a date or time column must be when
    /// the batch is merged.
    Freshness(Freshness),
    /// A SQL condition over the dataset's own columns that no row may make
    /// false: comparisons, arithmetic, `AND`/`OR`/`NOT`, `IN`, `BETWEEN`,
    /// `LIKE`, `IS NULL`, `CASE`, and a few functions (`length`, `lower`,
    /// `upper`, `trim`, `abs`, `coalesce`). A null result passes, as in a
    /// SQL `CHECK` constraint.
    Check(Check),
}

/// Bounds on the number of live rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct RowCount {
    /// The rule's name; `row-count` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The fewest rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// The most rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// What breaking it does.
    #[serde(default, skip_serializing_if = "Severity::is_default")]
    pub severity: Severity,
}

/// The values a column may hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct AllowedValues {
    /// The rule's name; `<column>-allowed-values` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The column.
    pub column: ColumnName,
    /// Its allowed values.
    pub values: Vec<Literal>,
    /// What breaking it does.
    #[serde(default, skip_serializing_if = "Severity::is_default")]
    pub severity: Severity,
}

/// The least and greatest value of a column, both included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Range {
    /// The rule's name; `<column>-range` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The column.
    pub column: ColumnName,
    /// The least value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Literal>,
    /// The greatest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Literal>,
    /// What breaking it does.
    #[serde(default, skip_serializing_if = "Severity::is_default")]
    pub severity: Severity,
}

/// Columns unique together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Unique {
    /// The rule's name; `<columns>-unique` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The columns.
    pub columns: Vec<ColumnName>,
    /// What breaking it does.
    #[serde(default, skip_serializing_if = "Severity::is_default")]
    pub severity: Severity,
}

/// The newest value of a date or time column, at most `minutes` old.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Freshness {
    /// The rule's name; `<column>-freshness` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The column.
    pub column: ColumnName,
    /// How old its newest value may be, in minutes.
    pub minutes: std::num::NonZeroU32,
    /// What breaking it does.
    #[serde(default, skip_serializing_if = "Severity::is_default")]
    pub severity: Severity,
}

/// A SQL condition every row must meet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Check {
    /// The rule's name; `check` when left out (name it when a dataset has two).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The condition, as a SQL expression over the dataset's columns.
    pub sql: String,
    /// What breaking it does.
    #[serde(default, skip_serializing_if = "Severity::is_default")]
    pub severity: Severity,
}

impl QualityRule {
    /// The rule's name: the one it gives, or one made from its kind and
    /// columns (`row-count`, `status-allowed-values`, `quantity-range`,
    /// `email-unique`, `ordered_at-freshness`, `check`).
    pub fn name(&self) -> Cow<'_, str> {
        let (given, made) = match self {
            QualityRule::RowCount(r) => (&r.name, Cow::Borrowed("row-count")),
            QualityRule::AllowedValues(r) => {
                (&r.name, Cow::Owned(format!("{}-allowed-values", r.column)))
            }
            QualityRule::Range(r) => (&r.name, Cow::Owned(format!("{}-range", r.column))),
            QualityRule::Unique(r) => (
                &r.name,
                Cow::Owned(format!(
                    "{}-unique",
                    r.columns
                        .iter()
                        .map(ColumnName::as_str)
                        .collect::<Vec<_>>()
                        .join("-")
                )),
            ),
            QualityRule::Freshness(r) => (&r.name, Cow::Owned(format!("{}-freshness", r.column))),
            QualityRule::Check(r) => (&r.name, Cow::Borrowed("check")),
        };
        given.as_deref().map_or(made, Cow::Borrowed)
    }

    /// What breaking the rule does.
    pub fn severity(&self) -> Severity {
        match self {
            QualityRule::RowCount(r) => r.severity,
            QualityRule::AllowedValues(r) => r.severity,
            QualityRule::Range(r) => r.severity,
            QualityRule::Unique(r) => r.severity,
            QualityRule::Freshness(r) => r.severity,
            QualityRule::Check(r) => r.severity,
        }
    }

    /// The rule's kind as the model writes it (`rowCount`, `allowedValues`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            QualityRule::RowCount(_) => "rowCount",
            QualityRule::AllowedValues(_) => "allowedValues",
            QualityRule::Range(_) => "range",
            QualityRule::Unique(_) => "unique",
            QualityRule::Freshness(_) => "freshness",
            QualityRule::Check(_) => "check",
        }
    }

    /// The columns the rule names (a check's SQL aside).
    pub fn columns(&self) -> Vec<&ColumnName> {
        match self {
            QualityRule::RowCount(_) | QualityRule::Check(_) => Vec::new(),
            QualityRule::AllowedValues(r) => vec![&r.column],
            QualityRule::Range(r) => vec![&r.column],
            QualityRule::Unique(r) => r.columns.iter().collect(),
            QualityRule::Freshness(r) => vec![&r.column],
        }
    }

    /// A rule on the row count.
    pub fn row_count(min: Option<u64>, max: Option<u64>) -> Self {
        QualityRule::RowCount(RowCount {
            name: None,
            min,
            max,
            severity: Severity::Fail,
        })
    }

    /// A rule on a column's allowed values.
    pub fn allowed_values(column: ColumnName, values: Vec<Literal>) -> Self {
        QualityRule::AllowedValues(AllowedValues {
            name: None,
            column,
            values,
            severity: Severity::Fail,
        })
    }

    /// A rule on a column's least and greatest values.
    pub fn range(column: ColumnName, min: Option<Literal>, max: Option<Literal>) -> Self {
        QualityRule::Range(Range {
            name: None,
            column,
            min,
            max,
            severity: Severity::Fail,
        })
    }

    /// Columns unique together.
    pub fn unique(columns: Vec<ColumnName>) -> Self {
        QualityRule::Unique(Unique {
            name: None,
            columns,
            severity: Severity::Fail,
        })
    }

    /// The newest value of `column` at most `minutes` old.
    pub fn freshness(column: ColumnName, minutes: std::num::NonZeroU32) -> Self {
        QualityRule::Freshness(Freshness {
            name: None,
            column,
            minutes,
            severity: Severity::Fail,
        })
    }

    /// A SQL condition no row may make false.
    pub fn check(sql: impl Into<String>) -> Self {
        QualityRule::Check(Check {
            name: None,
            sql: sql.into(),
            severity: Severity::Fail,
        })
    }

    /// The same rule with a name.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> Self {
        let name = Some(name.into());
        match &mut self {
            QualityRule::RowCount(r) => r.name = name,
            QualityRule::AllowedValues(r) => r.name = name,
            QualityRule::Range(r) => r.name = name,
            QualityRule::Unique(r) => r.name = name,
            QualityRule::Freshness(r) => r.name = name,
            QualityRule::Check(r) => r.name = name,
        }
        self
    }

    /// The same rule with a severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        match &mut self {
            QualityRule::RowCount(r) => r.severity = severity,
            QualityRule::AllowedValues(r) => r.severity = severity,
            QualityRule::Range(r) => r.severity = severity,
            QualityRule::Unique(r) => r.severity = severity,
            QualityRule::Freshness(r) => r.severity = severity,
            QualityRule::Check(r) => r.severity = severity,
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(yaml: &str) -> Result<Vec<QualityRule>, serde_saphyr::Error> {
        serde_saphyr::from_str(yaml)
    }

    #[test]
    fn rules_read_from_yaml_and_write_back_the_same() {
        let yaml = "\
- rowCount: {min: 1}
- allowedValues: {column: status, values: [open, 2, true, 1.5]}
- range: {column: ordered_at, min: '2020-01-01', severity: warn}
- unique: {columns: [email, region]}
- freshness: {column: ordered_at, minutes: 60}
- check: {name: paid, sql: paid >= total}
";
        let rules = read(yaml).expect("rules");
        assert_eq!(
            rules[1],
            QualityRule::allowed_values(
                ColumnName::new("status").expect("name"),
                vec![
                    Literal::Text("open".into()),
                    Literal::Number("2".into()),
                    Literal::Bool(true),
                    Literal::Number("1.5".into())
                ]
            )
        );
        assert_eq!(rules[2].severity(), Severity::Warn);
        assert_eq!(rules[3].name(), "email-region-unique");
        let json = serde_json::to_string(&rules).expect("json");
        let back: Vec<QualityRule> = serde_json::from_str(&json).expect("back");
        assert_eq!(back, rules);
    }

    #[test]
    fn unknown_arguments_and_kinds_are_refused() {
        assert!(read("- rowCount: {minimum: 1}").is_err());
        assert!(read("- notNull: {column: a}").is_err());
        assert!(read("- range: {column: a, min: .nan}").is_err());
        assert!(read("- freshness: {column: a, minutes: 0}").is_err());
    }

    #[test]
    fn a_given_name_wins() {
        let rule = QualityRule::row_count(Some(1), None).named("not-empty");
        assert_eq!(rule.name(), "not-empty");
        assert_eq!(rule.kind(), "rowCount");
    }
}
