//! A dataset's quality rules as ODCS `quality` entries, and back.
//!
//! Where ODCS defines a metric for a rule, the rule is written as that
//! metric, so other tools read it: `rowCount` between bounds,
//! `invalidValues` with `validValues` that must be 0, `duplicateValues` that
//! must be 0. The rest (`range`, `freshness`, `check`) ODCS has no metric
//! for: they are written whole as `type: custom, engine: datasurface`. On
//! import, both read back; any other entry (another engine's, SQL, text, a
//! metric in percent) is left out and said.
//!
//! A table lists its own rules before its columns': a model's rules come
//! back in that order (the order of rules does not change what they do).

use datasurface_core::names::ColumnName;
use datasurface_core::quality::{Literal, QualityRule, Severity};
use serde_json::{Value, json};

use crate::notes::{Notes, index};
use crate::odcs::{DataQuality, Property, SchemaObject};

/// The engine name of datasurface's own rules.
const ENGINE: &str = "datasurface";

/// Writes `rules` into a table and its columns: each on the column it is
/// about when ODCS has a metric for it there, else on the table.
pub(crate) fn quality_out(rules: &[QualityRule], object: &mut SchemaObject) {
    for rule in rules {
        let (column, entry) = entry_out(rule);
        let property = column.and_then(|c| {
            object
                .properties
                .iter_mut()
                .find(|p| p.name.as_deref() == Some(c.as_str()))
        });
        match property {
            Some(p) => p.quality.push(entry),
            None => object.quality.push(entry),
        }
    }
}

/// One rule as an ODCS entry, and the column it belongs on if any.
fn entry_out(rule: &QualityRule) -> (Option<&ColumnName>, DataQuality) {
    let mut entry = DataQuality {
        name: Some(rule.name().into_owned()),
        severity: Some(
            match rule.severity() {
                Severity::Warn => "warning",
                Severity::Fail => "error",
            }
            .to_owned(),
        ),
        dimension: Some(dimension(rule).to_owned()),
        ..DataQuality::default()
    };
    let column = match rule {
        QualityRule::RowCount(r) => {
            entry.metric = Some("rowCount".to_owned());
            entry.unit = Some("rows".to_owned());
            match (r.min, r.max) {
                (Some(min), Some(max)) => {
                    entry.must_be_between = Some(vec![min.into(), max.into()]);
                }
                (Some(min), None) => entry.must_be_greater_or_equal_to = Some(min.into()),
                (None, Some(max)) => entry.must_be_less_or_equal_to = Some(max.into()),
                // No bound: validation refuses it; kept whole, not lost.
                (None, None) => custom(rule, &mut entry),
            }
            None
        }
        QualityRule::AllowedValues(r) => {
            entry.metric = Some("invalidValues".to_owned());
            entry.arguments.insert(
                "validValues".to_owned(),
                Value::Array(r.values.iter().map(literal_out).collect()),
            );
            entry.must_be = Some(json!(0));
            entry.unit = Some("rows".to_owned());
            Some(&r.column)
        }
        QualityRule::Unique(r) => {
            entry.metric = Some("duplicateValues".to_owned());
            entry.must_be = Some(json!(0));
            entry.unit = Some("rows".to_owned());
            match r.columns.as_slice() {
                [one] => Some(one),
                many => {
                    entry.arguments.insert(
                        "properties".to_owned(),
                        many.iter().map(|c| Value::from(c.as_str())).collect(),
                    );
                    None
                }
            }
        }
        _ => {
            custom(rule, &mut entry);
            None
        }
    };
    (column, entry)
}

/// Makes `entry` datasurface's own rule, whole.
fn custom(rule: &QualityRule, entry: &mut DataQuality) {
    entry.kind = Some("custom".to_owned());
    entry.engine = Some(ENGINE.to_owned());
    entry.implementation = serde_json::to_value(rule).ok();
    entry.metric = None;
    entry.unit = None;
    entry.must_be_between = None;
    entry.must_be_greater_or_equal_to = None;
    entry.must_be_less_or_equal_to = None;
}

/// The ODCS quality dimension a rule measures.
fn dimension(rule: &QualityRule) -> &'static str {
    match rule {
        QualityRule::RowCount(_) => "completeness",
        QualityRule::AllowedValues(_) => "conformity",
        QualityRule::Unique(_) => "uniqueness",
        QualityRule::Freshness(_) => "timeliness",
        QualityRule::Range(_) => "accuracy",
        _ => "consistency",
    }
}

fn literal_out(value: &Literal) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The rules of a table (its own, then its columns' in order), each entry
/// ODCS cannot say as a datasurface rule left out and said.
pub(crate) fn quality_in(object: &SchemaObject, at: &str, notes: &mut Notes) -> Vec<QualityRule> {
    let mut rules = Vec::new();
    for (i, entry) in object.quality.iter().enumerate() {
        let at = index(&format!("{at}.quality"), i, None);
        rules.extend(entry_in(entry, None, &at, notes));
    }
    for (i, property) in object.properties.iter().enumerate() {
        let at = index(&format!("{at}.properties"), i, property.name.as_deref());
        rules.extend(property_quality_in(property, &at, notes));
    }
    rules
}

fn property_quality_in(property: &Property, at: &str, notes: &mut Notes) -> Vec<QualityRule> {
    let column = property
        .name
        .as_deref()
        .and_then(|n| ColumnName::new(n).ok());
    let mut rules = Vec::new();
    for (i, entry) in property.quality.iter().enumerate() {
        let at = index(&format!("{at}.quality"), i, None);
        match &column {
            Some(c) => rules.extend(entry_in(entry, Some(c), &at, notes)),
            // The column's own name is refused where it is read.
            None => notes.dropped(&at, "the column has no usable name"),
        }
    }
    nested_left_out(property, at, notes);
    rules
}

/// Says every rule on a struct's field or an array's items: datasurface's
/// rules are on a dataset's own columns.
fn nested_left_out(property: &Property, at: &str, notes: &mut Notes) {
    let inner = property
        .properties
        .iter()
        .enumerate()
        .map(|(i, p)| (index(&format!("{at}.properties"), i, p.name.as_deref()), p))
        .chain(property.items.iter().map(|p| (format!("{at}.items"), &**p)));
    for (at, p) in inner {
        if !p.quality.is_empty() {
            notes.dropped(
                &format!("{at}.quality"),
                "a rule on a struct's field or an array's items: datasurface's rules are on a dataset's own columns",
            );
        }
        nested_left_out(p, &at, notes);
    }
}

/// One ODCS entry as a datasurface rule, on `column` if it is a column's.
fn entry_in(
    entry: &DataQuality,
    column: Option<&ColumnName>,
    at: &str,
    notes: &mut Notes,
) -> Option<QualityRule> {
    let kind = entry.kind.as_deref().unwrap_or("library");
    let rule = match kind {
        "custom" if entry.engine.as_deref() == Some(ENGINE) => {
            let implementation = entry.implementation.clone().unwrap_or(Value::Null);
            match serde_json::from_value::<QualityRule>(implementation) {
                Ok(rule) => rule,
                Err(e) => {
                    notes.error(
                        &format!("{at}.implementation"),
                        &format!("is not a datasurface quality rule: {e}"),
                    );
                    return None;
                }
            }
        }
        "library" => library_in(entry, column, at, notes)?,
        "sql" => {
            return leave_out(
                at,
                notes,
                "a contract's SQL is not run by datasurface: write the condition as a `check` rule on the dataset",
            );
        }
        "custom" => {
            return leave_out(
                at,
                notes,
                "a rule of another engine: datasurface runs only its own (`engine: datasurface`)",
            );
        }
        _ => return leave_out(at, notes, "a rule in words: datasurface cannot check it"),
    };
    let rule = match entry.severity.as_deref() {
        None => rule,
        Some("error" | "fail" | "critical") => rule.with_severity(Severity::Fail),
        Some("warning" | "warn" | "info") => rule.with_severity(Severity::Warn),
        Some(other) => {
            notes.error(
                &format!("{at}.severity"),
                &format!("`{other}` is not a severity datasurface knows: write `error` (the batch fails) or `warning` (it commits and reports)"),
            );
            return None;
        }
    };
    // What the rule keeps no place for is said, not lost.
    if entry.description.as_deref().is_some_and(|d| !d.is_empty()) {
        notes.dropped(
            &format!("{at}.description"),
            "datasurface keeps no description of a quality rule: its name says what it checks",
        );
    }
    notes.rest(at, &entry.rest);
    // A name the rule would be given anyway is left implicit, as written.
    Some(match entry.name.as_deref() {
        Some(name) if name != rule.name() => rule.named(name),
        _ => rule,
    })
}

fn leave_out(at: &str, notes: &mut Notes, why: &str) -> Option<QualityRule> {
    notes.dropped(at, why);
    None
}

/// A library metric as a datasurface rule, when it is one.
fn library_in(
    entry: &DataQuality,
    column: Option<&ColumnName>,
    at: &str,
    notes: &mut Notes,
) -> Option<QualityRule> {
    let metric = entry.metric.as_deref().or(entry.rule.as_deref());
    let negated = ["mustNotBe", "mustNotBeBetween"]
        .iter()
        .any(|k| entry.rest.contains_key(*k));
    if negated || entry.unit.as_deref().is_some_and(|u| u != "rows") {
        return leave_out(
            at,
            notes,
            "datasurface has no rule for this bound (it reads `mustBe`, `mustBeBetween` and the greater and less bounds, in rows)",
        );
    }
    let properties = entry.arguments.get("properties");
    match (metric, column) {
        (Some("rowCount"), None) => match bounds(entry) {
            Some((min, max)) => Some(QualityRule::row_count(min, max)),
            None => leave_out(
                at,
                notes,
                "a row count's bounds must be whole numbers of rows",
            ),
        },
        (Some("invalidValues"), Some(column)) if zero(entry) => {
            let values = entry
                .arguments
                .get("validValues")
                .and_then(Value::as_array)
                .and_then(|values| {
                    values
                        .iter()
                        .map(|v| serde_json::from_value::<Literal>(v.clone()).ok())
                        .collect::<Option<Vec<_>>>()
                });
            match values {
                Some(values) if entry.arguments.len() == 1 => {
                    Some(QualityRule::allowed_values(column.clone(), values))
                }
                _ => leave_out(
                    at,
                    notes,
                    "datasurface reads `invalidValues` with `validValues` (numbers, text or booleans) alone",
                ),
            }
        }
        (Some("duplicateValues"), Some(column)) if zero(entry) && entry.arguments.is_empty() => {
            Some(QualityRule::unique(vec![column.clone()]))
        }
        (Some("duplicateValues"), None) if zero(entry) && properties.is_some() => {
            let columns = properties.and_then(Value::as_array).and_then(|columns| {
                columns
                    .iter()
                    .map(|c| c.as_str().and_then(|c| ColumnName::new(c).ok()))
                    .collect::<Option<Vec<_>>>()
            });
            match columns {
                Some(columns) if !columns.is_empty() => Some(QualityRule::unique(columns)),
                _ => leave_out(at, notes, "`arguments.properties` must name the columns"),
            }
        }
        (Some("nullValues" | "missingValues" | "nullCheck"), Some(_)) => leave_out(
            at,
            notes,
            "a column without nulls is a column with `required: true` (datasurface's `nullable: false`)",
        ),
        _ => leave_out(
            at,
            notes,
            "datasurface has no rule for this metric here (it reads `rowCount` on a table, `invalidValues` and `duplicateValues` that must be 0)",
        ),
    }
}

/// Whether the entry's bound is `mustBe: 0` (the default unit, rows).
fn zero(entry: &DataQuality) -> bool {
    entry.must_be.as_ref().and_then(Value::as_u64) == Some(0)
        && entry.must_be_between.is_none()
        && entry.must_be_greater_or_equal_to.is_none()
        && entry.must_be_greater_than.is_none()
        && entry.must_be_less_or_equal_to.is_none()
        && entry.must_be_less_than.is_none()
}

/// A row count's least and greatest, from whichever bounds the entry has.
fn bounds(entry: &DataQuality) -> Option<(Option<u64>, Option<u64>)> {
    let n = |v: &Option<Value>| v.as_ref().and_then(Value::as_u64);
    let mut min = n(&entry.must_be_greater_or_equal_to)
        .or_else(|| n(&entry.must_be_greater_than).and_then(|v| v.checked_add(1)));
    let mut max = n(&entry.must_be_less_or_equal_to)
        .or_else(|| n(&entry.must_be_less_than).and_then(|v| v.checked_sub(1)));
    if let Some(exactly) = n(&entry.must_be) {
        (min, max) = (Some(exactly), Some(exactly));
    }
    if let Some([low, high]) = entry.must_be_between.as_deref() {
        (min, max) = (low.as_u64(), high.as_u64());
    }
    (min.is_some() || max.is_some()).then_some((min, max))
}
