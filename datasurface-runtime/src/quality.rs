//! A dataset's quality rules as the statements an engine runs on each
//! batch, after the merge and before the commit, so a batch that breaks a
//! `fail` rule leaves nothing visible.
//!
//! Made once, at render (pure), into each job's spec: the statements are
//! in the artifacts, and a plan shows a changed rule as a changed
//! statement. Every statement returns no row when its rule holds, and one
//! row when it does not: how many rows (or groups) break it, then the
//! values a person needs to find the first, as text. A row rule looks at
//! the live rows the batch wrote (parameter 1 is the batch); a row count,
//! uniqueness and freshness look at every live row (freshness's parameter
//! 1 is the oldest time allowed).
//!
//! The engine says how it stores values ([`Engine`]): SQLite keeps a
//! decimal as whole units of its scale, so a rule's `12.50` is compared as
//! `1250` there, exactly. A `check` rule's SQL is parsed and written again
//! by [`datasurface_sql::condition`], never passed through.

use datasurface_core::names::ColumnName;
use datasurface_core::quality::{Freshness, Literal, QualityRule, RowCount, Severity, Unique};
use datasurface_core::{DataType, Dataset};
use datasurface_platform::dialect::SqlDialect;
use serde::{Deserialize, Serialize};

use crate::state::{BATCH_IN, BATCH_OUT, LIVE_BATCH};

/// How an engine stores the values rules compare, beyond its quoting.
pub trait Engine {
    /// The engine's SQL: quoting and parameters.
    fn dialect(&self) -> &dyn SqlDialect;
    /// The parser dialect of a `check` rule's SQL.
    fn sql_dialect(&self) -> datasurface_sql::Dialect;
    /// The stored column `quoted` (of `data_type`) as the value it means.
    fn value(&self, quoted: &str, data_type: &DataType) -> String {
        let _ = data_type;
        quoted.to_owned()
    }
    /// The stored column `quoted` (of `data_type`) as text a person reads
    /// in a broken rule's message.
    fn shown(&self, quoted: &str, data_type: &DataType) -> String {
        format!("CAST({} AS TEXT)", self.value(quoted, data_type))
    }
    /// A rule's literal, as the engine stores a value of `data_type`.
    fn literal(&self, literal: &Literal, data_type: &DataType) -> String;
    /// A condition true when `newest`, a value of `data_type`, is older
    /// than the time in the statement's first parameter (ISO 8601 text).
    fn older_than(&self, newest: &str, data_type: &DataType) -> String;
}

/// What a statement's parameter 1 is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Parameter {
    /// None: the statement takes no parameter.
    None,
    /// The batch, whose rows a row rule looks at.
    Batch,
    /// The oldest time a freshness rule allows, as ISO 8601 text.
    Oldest,
}

/// One rule of a dataset, made into its statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QualityCheck {
    /// The rule's name.
    pub name: String,
    /// Its kind, as the model writes it (`rowCount`, `range`, …).
    pub kind: String,
    /// What breaking it does.
    pub severity: Severity,
    /// The columns it names, for lineage's assertions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// The statement.
    pub sql: String,
    /// What its parameter is.
    pub parameter: Parameter,
    /// For freshness: how old the newest value may be, in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<u32>,
    /// What the values after the count in a returned row are.
    pub shows: Vec<String>,
    /// What one counted thing is: `row`, `group` or `batch`.
    pub counts: String,
}

/// Each quality rule of `dataset`, as statements over `merge_table` (quoted
/// and qualified by the caller).
///
/// A `check` rule whose SQL is not a condition over the dataset's columns
/// (which validation refuses, so a rendered model has none) becomes a
/// statement that always reports the problem: its batches fail rather than
/// pass unchecked.
pub fn checks(dataset: &Dataset, merge_table: &str, engine: &dyn Engine) -> Vec<QualityCheck> {
    dataset
        .quality
        .iter()
        .map(|rule| check(dataset, rule, merge_table, engine))
        .collect()
}

fn check(
    dataset: &Dataset,
    rule: &QualityRule,
    merge_table: &str,
    engine: &dyn Engine,
) -> QualityCheck {
    let d = engine.dialect();
    let live = format!("{} = {LIVE_BATCH}", d.quote(BATCH_OUT));
    let maker = Maker {
        of_batch: format!("{live} AND {} = {}", d.quote(BATCH_IN), d.param(1)),
        live,
        dataset,
        merge_table,
        engine,
        key: dataset
            .schema
            .primary_key
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
    };
    let mut made = QualityCheck {
        name: rule.name().into_owned(),
        kind: rule.kind().to_owned(),
        severity: rule.severity(),
        columns: rule
            .columns()
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        sql: String::new(),
        parameter: Parameter::Batch,
        minutes: None,
        shows: Vec::new(),
        counts: "row".to_owned(),
    };
    // A number reaches the statement as written: only a plain one does
    // (the model's files make no other; code could).
    let literals: Vec<&Literal> = match rule {
        QualityRule::AllowedValues(r) => r.values.iter().collect(),
        QualityRule::Range(r) => r.min.iter().chain(r.max.iter()).collect(),
        _ => Vec::new(),
    };
    if let Some(Literal::Number(n)) = literals
        .into_iter()
        .find(|v| matches!(v, Literal::Number(n) if !plain_number(n)))
    {
        return refused(made, &format!("`{n}` is not a number"), d);
    }
    match rule {
        QualityRule::RowCount(r) => maker.row_count(r, &mut made),
        QualityRule::AllowedValues(r) => {
            let column = r.column.as_str();
            let t = maker.type_of(column).unwrap_or(&DataType::Boolean);
            let values: Vec<String> = r.values.iter().map(|v| engine.literal(v, t)).collect();
            let broken = format!(
                "{} IS NOT NULL AND {} NOT IN ({})",
                d.quote(column),
                d.quote(column),
                values.join(", ")
            );
            maker.rows(&broken, &[column.to_owned()], &mut made);
        }
        QualityRule::Range(r) => {
            let column = r.column.as_str();
            let t = maker.type_of(column).unwrap_or(&DataType::Boolean);
            let mut wrong = Vec::new();
            if let Some(min) = &r.min {
                wrong.push(format!("{} < {}", d.quote(column), engine.literal(min, t)));
            }
            if let Some(max) = &r.max {
                wrong.push(format!("{} > {}", d.quote(column), engine.literal(max, t)));
            }
            maker.rows(&wrong.join(" OR "), &[column.to_owned()], &mut made);
        }
        QualityRule::Unique(r) => maker.unique(r, &mut made),
        QualityRule::Freshness(r) => maker.freshness(r, &mut made),
        QualityRule::Check(r) => {
            let names: Vec<&str> = dataset
                .schema
                .columns
                .keys()
                .map(ColumnName::as_str)
                .collect();
            let condition =
                match datasurface_sql::condition::parse(&r.sql, engine.sql_dialect(), &names) {
                    Ok(condition) => condition,
                    Err(problem) => return refused(made, &problem.message, d),
                };
            let quoting = Quoting { engine, dataset };
            let broken = format!("NOT {}", condition.render(&quoting));
            made.columns = condition.columns().to_vec();
            let columns = condition.columns().to_vec();
            maker.rows(&broken, &columns, &mut made);
        }
        _ => return refused(made, "this kind of rule is not known to this version", d),
    }
    made
}

/// Whether `n` is a finite number in decimal or exponent notation, and
/// nothing else.
fn plain_number(n: &str) -> bool {
    n.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && n.parse::<f64>().is_ok_and(f64::is_finite)
}

/// What every rule's statement is made with: the dataset, its merge
/// table, and the conditions on live rows and on the batch's own.
struct Maker<'a> {
    dataset: &'a Dataset,
    merge_table: &'a str,
    engine: &'a dyn Engine,
    /// The live rows.
    live: String,
    /// The live rows the batch wrote.
    of_batch: String,
    /// The primary key's columns.
    key: Vec<String>,
}

impl Maker<'_> {
    fn type_of(&self, column: &str) -> Option<&DataType> {
        self.dataset
            .schema
            .columns
            .iter()
            .find(|(name, _)| name.as_str() == column)
            .map(|(_, c)| &c.data_type)
    }

    /// A column as text a person reads.
    fn readable(&self, column: &str) -> String {
        let quoted = self.engine.dialect().quote(column);
        match self.type_of(column) {
            Some(t) => self.engine.shown(&quoted, t),
            None => format!("CAST({quoted} AS TEXT)"),
        }
    }

    /// A row rule: the rows of the batch for which `broken` is true, the
    /// first shown by its key and `also` columns.
    fn rows(&self, broken: &str, also: &[String], made: &mut QualityCheck) {
        let d = self.engine.dialect();
        let mut select = vec!["count(*) OVER ()".to_owned()];
        let mut shows = Vec::new();
        for column in self
            .key
            .iter()
            .chain(also.iter().filter(|c| !self.key.contains(c)))
        {
            select.push(self.readable(column));
            shows.push(column.clone());
        }
        // The first by key, so the same batch always names the same row.
        let order: Vec<String> = self.key.iter().map(|k| d.quote(k)).collect();
        let order = if order.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {}", order.join(", "))
        };
        made.sql = format!(
            "SELECT {} FROM {} WHERE {} AND ({broken}){order} LIMIT 1",
            select.join(", "),
            self.merge_table,
            self.of_batch
        );
        made.shows = shows;
    }

    fn row_count(&self, r: &RowCount, made: &mut QualityCheck) {
        let mut wrong = Vec::new();
        if let Some(min) = r.min {
            wrong.push(format!("count(*) < {min}"));
        }
        if let Some(max) = r.max {
            wrong.push(format!("count(*) > {max}"));
        }
        made.sql = format!(
            "SELECT CAST(1 AS BIGINT), CAST(count(*) AS TEXT) FROM {} WHERE {} HAVING {}",
            self.merge_table,
            self.live,
            wrong.join(" OR ")
        );
        made.parameter = Parameter::None;
        made.shows = vec!["rows".to_owned()];
        "batch".clone_into(&mut made.counts);
    }

    fn unique(&self, r: &Unique, made: &mut QualityCheck) {
        let d = self.engine.dialect();
        let quoted: Vec<String> = r.columns.iter().map(|c| d.quote(c.as_str())).collect();
        let present: Vec<String> = quoted.iter().map(|q| format!("{q} IS NOT NULL")).collect();
        let values: Vec<String> = r
            .columns
            .iter()
            .map(|c| self.readable(c.as_str()))
            .collect();
        made.sql = format!(
            "SELECT count(*) OVER (), {}, CAST(count(*) AS TEXT) FROM {} WHERE {} AND {} GROUP BY {} HAVING count(*) > 1 ORDER BY {} LIMIT 1",
            values.join(", "),
            self.merge_table,
            self.live,
            present.join(" AND "),
            quoted.join(", "),
            quoted.join(", ")
        );
        made.parameter = Parameter::None;
        made.shows = r.columns.iter().map(|c| c.as_str().to_owned()).collect();
        made.shows.push("rows".to_owned());
        "group".clone_into(&mut made.counts);
    }

    fn freshness(&self, r: &Freshness, made: &mut QualityCheck) {
        let d = self.engine.dialect();
        let column = r.column.as_str();
        let t = self.type_of(column).unwrap_or(&DataType::Date);
        let newest = format!("max({})", d.quote(column));
        made.sql = format!(
            "SELECT CAST(1 AS BIGINT), CAST({newest} AS TEXT) FROM {} WHERE {} HAVING {newest} IS NULL OR {}",
            self.merge_table,
            self.live,
            self.engine.older_than(&newest, t)
        );
        made.parameter = Parameter::Oldest;
        made.minutes = Some(r.minutes.get());
        made.shows = vec![format!("newest {column}")];
        "batch".clone_into(&mut made.counts);
    }
}

/// A statement that always reports `problem`: the rule cannot be checked.
fn refused(mut made: QualityCheck, problem: &str, d: &dyn SqlDialect) -> QualityCheck {
    made.sql = format!("SELECT CAST(1 AS BIGINT), {}", d.literal(problem));
    made.parameter = Parameter::None;
    made.shows = vec!["the rule cannot be checked".to_owned()];
    "batch".clone_into(&mut made.counts);
    made
}

/// A `check` rule's columns as the values they mean, and its text quoted.
struct Quoting<'a> {
    engine: &'a dyn Engine,
    dataset: &'a Dataset,
}

impl datasurface_sql::condition::Quoting for Quoting<'_> {
    fn column(&self, name: &str) -> String {
        let quoted = self.engine.dialect().quote(name);
        match self
            .dataset
            .schema
            .columns
            .iter()
            .find(|(c, _)| c.as_str() == name)
        {
            Some((_, column)) => self.engine.value(&quoted, &column.data_type),
            None => quoted,
        }
    }

    fn text(&self, value: &str) -> String {
        self.engine.dialect().literal(value)
    }
}

/// How a batch fared against one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QualityResult {
    /// The rule.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// What breaking it does.
    pub severity: Severity,
    /// The columns it names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// Whether the batch kept it.
    pub passed: bool,
    /// When it did not: what breaks it, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
}

impl QualityCheck {
    /// The result of the statement: `row` is the row it returned (the count,
    /// then the values [`QualityCheck::shows`] names), if it returned one.
    pub fn result(&self, row: Option<(i64, Vec<Option<String>>)>) -> QualityResult {
        let found = row.map(|(count, values)| {
            let shown: Vec<String> = self
                .shows
                .iter()
                .zip(&values)
                .map(|(what, v)| match v {
                    Some(v) => format!("{what} = {v}"),
                    None => format!("{what} is null"),
                })
                .collect();
            match self.counts.as_str() {
                "batch" => shown.join(", "),
                counted => format!(
                    "{count} {counted}{} break{} it; the first has {}",
                    if count == 1 { "" } else { "s" },
                    if count == 1 { "s" } else { "" },
                    shown.join(", ")
                ),
            }
        });
        QualityResult {
            name: self.name.clone(),
            kind: self.kind.clone(),
            severity: self.severity,
            columns: self.columns.clone(),
            passed: found.is_none(),
            found,
        }
    }
}

impl QualityResult {
    /// Whether the result fails its batch.
    pub fn fails(&self) -> bool {
        !self.passed && self.severity == Severity::Fail
    }

    /// The result in a sentence: the dataset, the rule with its kind and
    /// severity, how many rows break it and the first one's key and values.
    pub fn sentence(&self, dataset: &str) -> String {
        match &self.found {
            None => format!(
                "dataset `{dataset}`: quality rule `{}` ({}) holds",
                self.name, self.kind
            ),
            Some(found) => format!(
                "dataset `{dataset}`: quality rule `{}` ({}, {}) is broken: {found}",
                self.name,
                self.kind,
                self.severity.as_str()
            ),
        }
    }
}

/// The sentences of the rules a committed batch broke (its `warn` rules),
/// joined, as the batch's record keeps them; none when it broke none.
/// `judged` is each rule's result with its dataset.
pub fn warnings(judged: &[(String, QualityResult)]) -> Option<String> {
    let said: Vec<String> = judged
        .iter()
        .filter(|(_, r)| !r.passed)
        .map(|(dataset, r)| r.sentence(dataset))
        .collect();
    (!said.is_empty()).then(|| said.join("; "))
}

/// The rules of `dataset` a batch broke, as lineage names their
/// assertions ([`crate::lineage::quality_assertion`]).
pub fn broken(judged: &[(String, QualityResult)], dataset: &str) -> Vec<String> {
    judged
        .iter()
        .filter(|(d, r)| d == dataset && !r.passed)
        .map(|(_, r)| crate::lineage::quality_assertion(&r.kind, &r.name))
        .collect()
}

#[cfg(test)]
mod tests {
    use datasurface_core::names::ColumnName;
    use datasurface_core::quality::{Literal, QualityRule, Severity};
    use datasurface_core::types::{Text, decimal};
    use datasurface_core::{Column, DataType, Dataset, Schema};
    use datasurface_platform::dialect::{Postgres, SqlDialect};

    use super::{Engine, checks};

    /// PostgreSQL as the `airflow` platform stores values: as they are.
    struct Pg;
    impl Engine for Pg {
        fn dialect(&self) -> &dyn SqlDialect {
            &Postgres
        }
        fn sql_dialect(&self) -> datasurface_sql::Dialect {
            datasurface_sql::Dialect::Postgres
        }
        fn literal(&self, literal: &Literal, _: &DataType) -> String {
            match literal {
                Literal::Text(t) => Postgres.literal(t),
                other => other.to_string(),
            }
        }
        fn older_than(&self, newest: &str, _: &DataType) -> String {
            format!("{newest} < CAST($1 AS TEXT)::timestamptz")
        }
    }

    fn name(n: &str) -> ColumnName {
        ColumnName::new(n).expect("a column name")
    }

    fn orders() -> Dataset {
        let mut schema = Schema::default();
        schema
            .columns
            .insert(name("order_id"), Column::required(DataType::BigInt));
        schema.columns.insert(
            name("status"),
            Column::new(DataType::VarChar(Text::max(10))),
        );
        schema
            .columns
            .insert(name("amount"), Column::new(decimal(12, 2)));
        schema
            .columns
            .insert(name("ordered_at"), Column::new(DataType::Date));
        schema.primary_key.push(name("order_id"));
        let mut dataset = Dataset::new(schema);
        dataset.quality = vec![
            QualityRule::row_count(Some(1), None),
            QualityRule::allowed_values(
                name("status"),
                vec![Literal::Text("open".into()), Literal::Text("it's".into())],
            ),
            QualityRule::range(name("amount"), Some(Literal::Number("0".into())), None)
                .with_severity(Severity::Warn),
            QualityRule::unique(vec![name("status"), name("ordered_at")]),
            QualityRule::freshness(
                name("ordered_at"),
                std::num::NonZeroU32::new(1440).expect("positive"),
            ),
            QualityRule::check("amount < 1000 OR status = 'big'").named("small"),
        ];
        dataset
    }

    #[test]
    fn every_kind_of_rule_is_one_statement() {
        let made = checks(&orders(), "\"nw\".\"orders_merge\"", &Pg);
        insta::assert_snapshot!(
            made.iter()
                .map(|c| format!(
                    "{} ({}, {:?}, {:?}):\n  {}",
                    c.name, c.kind, c.severity, c.parameter, c.sql
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn a_check_that_reaches_outside_its_row_is_refused() {
        let mut dataset = orders();
        dataset.quality = vec![QualityRule::check(
            "amount < (SELECT max(amount) FROM orders)",
        )];
        let made = checks(&dataset, "t", &Pg);
        let refused = made[0].result(Some((1, vec![Some("no".into())])));
        assert!(
            refused.fails(),
            "a rule that cannot be checked fails its batches"
        );
        assert!(made[0].sql.contains("cannot hold"), "{}", made[0].sql);
    }

    #[test]
    fn results_say_which_rule_row_and_value() {
        let made = checks(&orders(), "t", &Pg);
        let range = &made[2];
        let broken = range.result(Some((3, vec![Some("7".into()), Some("-5.00".into())])));
        assert!(
            !broken.passed && !broken.fails(),
            "a warn rule reports and commits"
        );
        assert_eq!(
            broken.sentence("orders"),
            "dataset `orders`: quality rule `amount-range` (range, warn) is broken: 3 rows break it; the first has order_id = 7, amount = -5.00"
        );
        let allowed = made[1].result(Some((1, vec![Some("8".into()), None])));
        assert!(allowed.fails());
        assert!(made[0].result(None).passed);
    }
    #[test]
    fn a_number_that_is_not_one_is_refused_not_written() {
        let column = ColumnName::new("amount").expect("a column name");
        let mut dataset = Dataset::new(Schema::default());
        dataset
            .schema
            .columns
            .insert(column.clone(), Column::new(DataType::Integer));
        dataset.quality = vec![QualityRule::range(
            column,
            Some(Literal::Number("0) OR (1 = 1".to_owned())),
            None,
        )];
        let made = checks(&dataset, "t", &Pg);
        // The statement only reports the problem, the text quoted in it.
        assert_eq!(
            made[0].sql,
            "SELECT CAST(1 AS BIGINT), '`0) OR (1 = 1` is not a number'"
        );
        assert_eq!(made[0].shows, ["the rule cannot be checked"]);
        assert!(super::plain_number("-1.5e3") && !super::plain_number("1;"));
    }
}
