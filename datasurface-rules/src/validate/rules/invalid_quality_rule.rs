//! Diagnostic: invalid-quality-rule
//!
//! A dataset's quality rules are checked on every batch by every platform:
//! a rule that names a column the dataset lacks, compares it with a value
//! of another type, has no bound, or can never fail would fail batches for
//! nothing or pass them unchecked. The SQL of a `check` rule is judged
//! where SQL is read (`quality-check-unresolved`).

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use datasurface_core::names::ColumnName;
use datasurface_core::quality::{Literal, QualityRule};
use datasurface_core::{Column, DataType, Dataset};

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-quality-rule",
        Severity::Error,
        "A dataset's quality rule names an unknown column, compares it with a value of another type, has no bound, or repeats another's name.",
        "Every platform checks a dataset's quality rules on each batch before it is visible. A rule must name columns of its dataset, compare them with values of their type (numbers for numeric columns, text for text, ISO 8601 text for dates and times, true or false for booleans), give at least one bound, and have a name no other rule of the dataset has (the name is how a failed batch, the metrics and the lineage events report it).",
    )
    .with_example(
        &[(
            "                  primaryKey: [order_id]\n              customers:",
            "                  primaryKey: [order_id]\n                quality:\n                  - range: {column: amount, min: none}\n              customers:",
        )],
        "model.yaml:54:21: error[invalid-quality-rule]: quality rule `amount-range` of dataset `Orders.orders` compares column `amount` (Decimal) with 'none', which is not a number
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/quality/0
  help: write a number, such as 0 (in github:acme/sales@main)",
    ),
    check,
};

/// What kind of value a column holds, for comparing it with a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Number,
    Text,
    Date,
    Timestamp,
}

impl Kind {
    fn of(column: &Column) -> Option<Kind> {
        Some(match &column.data_type {
            DataType::Boolean => Kind::Bool,
            DataType::Char(_)
            | DataType::NChar(_)
            | DataType::VarChar(_)
            | DataType::NVarChar(_)
            | DataType::String(_) => Kind::Text,
            DataType::Date => Kind::Date,
            DataType::Timestamp(_) => Kind::Timestamp,
            DataType::TinyInt
            | DataType::SmallInt
            | DataType::Integer
            | DataType::BigInt
            | DataType::FixedInteger(_)
            | DataType::Decimal(_)
            | DataType::Ieee16
            | DataType::Ieee32
            | DataType::Ieee64 => Kind::Number,
            _ => return None,
        })
    }

    /// Why `value` cannot be compared with a column of this kind, with an
    /// example of a value that can.
    fn refuses(self, value: &Literal) -> Option<(&'static str, &'static str)> {
        let fits = match (self, value) {
            (Kind::Bool, Literal::Bool(_))
            | (Kind::Number, Literal::Number(_))
            | (Kind::Text, Literal::Text(_)) => true,
            (Kind::Date, Literal::Text(t)) => NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok(),
            (Kind::Timestamp, Literal::Text(t)) => {
                DateTime::parse_from_rfc3339(t).is_ok()
                    || NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S").is_ok()
                    || NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok()
            }
            _ => false,
        };
        if fits {
            return None;
        }
        Some(match self {
            Kind::Bool => ("true or false", "true"),
            Kind::Number => ("a number", "0"),
            Kind::Text => ("text", "'open'"),
            Kind::Date => ("a date as YYYY-MM-DD", "'2026-01-31'"),
            Kind::Timestamp => ("a time as ISO 8601 text", "'2026-01-31T09:00:00Z'"),
        })
    }
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.datasets() {
        let dataset = at.dataset;
        if dataset.quality.is_empty() {
            continue;
        }
        let whole = format!("{}.{}", at.store.name, at.name);
        let mut names: Vec<std::borrow::Cow<'_, str>> = Vec::new();
        for (n, rule) in dataset.quality.iter().enumerate() {
            let path = at
                .store
                .path("datastores")
                .keys(["datasets", at.name.as_str(), "quality"])
                .index(n);
            let name = rule.name();
            let lead = format!("quality rule `{name}` of dataset `{whole}`");
            if names.contains(&name) {
                out.report(
                    path.clone(),
                    format!("{lead} has the name of an earlier rule"),
                    "give each rule of a dataset its own `name`",
                );
            }
            names.push(name);
            judge(dataset, rule, &lead, &path, out);
        }
    }
}

/// Reports what is wrong with one rule.
fn judge(dataset: &Dataset, rule: &QualityRule, lead: &str, path: &ModelPath, out: &mut Findings) {
    let mut columns = Vec::new();
    for column in rule.columns() {
        if let Some(found) = dataset.schema.columns.get(column) {
            columns.push((column, found));
        } else {
            let known: Vec<&str> = dataset
                .schema
                .columns
                .keys()
                .map(ColumnName::as_str)
                .collect();
            let help = datasurface_stdx::suggest::suggest(column.as_str(), &known, "its columns");
            out.report(
                path.clone(),
                format!("{lead} names column `{column}`, which the dataset does not have"),
                help,
            );
        }
    }
    if columns.len() != rule.columns().len() {
        return;
    }
    match rule {
        QualityRule::RowCount(r) => {
            bounds(r.min.is_some() || r.max.is_some(), lead, path, out);
            if let (Some(min), Some(max)) = (r.min, r.max)
                && min > max
            {
                out.report(
                    path.clone(),
                    format!("{lead} wants at least {min} rows and at most {max}"),
                    "make `min` at most `max`",
                );
            }
        }
        QualityRule::AllowedValues(r) => {
            if r.values.is_empty() {
                out.report(
                    path.clone(),
                    format!("{lead} allows no value"),
                    "list the values the column may hold",
                );
            }
            values(&columns, r.values.iter(), lead, path, out);
        }
        QualityRule::Range(r) => {
            bounds(r.min.is_some() || r.max.is_some(), lead, path, out);
            values(&columns, r.min.iter().chain(&r.max), lead, path, out);
            if let (Some(Literal::Number(min)), Some(Literal::Number(max))) = (&r.min, &r.max)
                && let (Ok(min), Ok(max)) = (min.parse::<f64>(), max.parse::<f64>())
                && min > max
            {
                out.report(
                    path.clone(),
                    format!("{lead} has `min` greater than `max`"),
                    "make `min` at most `max`",
                );
            }
        }
        QualityRule::Unique(r) => {
            let key = &dataset.schema.primary_key;
            if r.columns.is_empty() {
                out.report(
                    path.clone(),
                    format!("{lead} names no column"),
                    "list the columns that are unique together",
                );
            } else if !key.is_empty() && key.iter().all(|k| r.columns.contains(k)) {
                out.report(
                    path.clone(),
                    format!("{lead} holds the whole primary key, so it can never fail"),
                    "list columns unique beyond the key, or remove the rule",
                );
            }
        }
        QualityRule::Freshness(_) => {
            for (name, column) in &columns {
                if !matches!(Kind::of(column), Some(Kind::Date | Kind::Timestamp)) {
                    out.report(
                        path.clone(),
                        format!("{lead} measures freshness by column `{name}` ({}), which is not a date or a time", column.data_type.name()),
                        "name a Date or Timestamp column",
                    );
                }
            }
        }
        // The SQL is judged by the gate, which reads SQL.
        _ => {}
    }
}

fn bounds(any: bool, lead: &str, path: &ModelPath, out: &mut Findings) {
    if !any {
        out.report(
            path.clone(),
            format!("{lead} has no bound"),
            "give `min`, `max` or both",
        );
    }
}

/// Reports each value that cannot be compared with the rule's column.
fn values<'v>(
    columns: &[(&datasurface_core::names::ColumnName, &Column)],
    literals: impl Iterator<Item = &'v Literal>,
    lead: &str,
    path: &ModelPath,
    out: &mut Findings,
) {
    let Some(&(name, column)) = columns.first() else {
        return;
    };
    let Some(kind) = Kind::of(column) else {
        out.report(
            path.clone(),
            format!(
                "{lead} compares column `{name}`, whose type {} has no order or values to list",
                column.data_type.name()
            ),
            "put the rule on a column of a number, text, date, time or boolean type",
        );
        return;
    };
    for value in literals {
        if let Some((wanted, example)) = kind.refuses(value) {
            out.report(
                path.clone(),
                format!(
                    "{lead} compares column `{name}` ({}) with {value}, which is not {wanted}",
                    column.data_type.name()
                ),
                format!("write {wanted}, such as {example}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::validate::rules::testing::case;

    const AT: &str = "                  primaryKey: [order_id]\n              customers:";

    fn with(rules: &str) -> String {
        case(
            &RULE,
            &[(
                AT,
                &format!(
                    "                  primaryKey: [order_id]\n                quality:\n{rules}\n              customers:"
                ),
            )],
        )
    }

    #[test]
    fn good_rules_pass() {
        assert_eq!(
            with(
                "                  - rowCount: {min: 1}\n                  - range: {column: amount, min: 0, max: 1000000}\n                  - allowedValues: {column: customer_id, values: [1, 2, 3]}\n                  - unique: {columns: [customer_id, amount]}\n                  - check: {sql: amount >= 0}"
            ),
            ""
        );
    }

    #[test]
    fn unknown_columns_repeated_names_and_rules_that_cannot_fail_are_refused() {
        insta::assert_snapshot!(with(
            "                  - range: {column: amout, min: 0}\n                  - rowCount: {}\n                  - rowCount: {min: 5, max: 1}\n                  - unique: {columns: [order_id]}\n                  - freshness: {column: amount, minutes: 60}"
        ));
    }
}
