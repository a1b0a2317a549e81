//! A transformer's query, read once by each engine that runs it and run as
//! it was read.
//!
//! [`read`] parses the text in one engine's dialect, refuses what the
//! engine would read otherwise than the gate (see [`Problem`]s of kind
//! [`ProblemKind::Refused`]) and anything outside the relational subset
//! every engine runs alike, and finds the query's column lineage.
//! [`Reading::render`] writes the query again from that parse, through the
//! engine's quoting, as the engine is to run it: the text as written never
//! reaches an engine, so what runs is what was judged.
//! [`differences`] refuses a query two of its engines read differently.
//!
//! ```
//! use datasurface_sql::{Dialect, Input, query::{self, Quoting}};
//!
//! struct Postgres;
//! impl Quoting for Postgres {
//!     fn ident(&self, name: &str) -> String { format!("\"{}\"", name.replace('"', "\"\"")) }
//!     fn text(&self, text: &str) -> String { format!("'{}'", text.replace('\'', "''")) }
//! }
//!
//! let inputs = [Input::new("nw_customers", ["id", "name", "city"])];
//! let reading = query::read(
//!     "SELECT ID, '***' AS name, upper(city) AS City -- masked\nFROM nw_customers",
//!     Dialect::Postgres,
//!     &inputs,
//! );
//! assert!(reading.problems().is_empty());
//! assert_eq!(
//!     reading.render(&Postgres, &["id", "name", "city"]),
//!     Ok("WITH \"ds_surf_query\" (\"ds_surf_1\", \"ds_surf_2\", \"ds_surf_3\") AS \
//!      (SELECT \"id\", '***' AS \"name\", upper(\"city\") AS \"city\" FROM \"nw_customers\") \
//!      SELECT \"ds_surf_1\" AS \"id\", \"ds_surf_2\" AS \"name\", \"ds_surf_3\" AS \"city\" FROM \"ds_surf_query\"".to_owned())
//! );
//!
//! let script = query::read(
//!     "SELECT TRANSFORM(name) USING 'sh -c id' AS (name) FROM nw_customers",
//!     Dialect::Spark,
//!     &inputs,
//! );
//! assert!(!script.problems().is_empty());
//! ```

use crate::write::{RESERVED, Writer};
use crate::{Dialect, Input, Lineage, Location, MAX_SQL_BYTES, Problem, ProblemKind};

pub use crate::write::Quoting;

/// A query as one engine reads it: its parse, its lineage, and what is
/// wrong with it.
#[derive(Debug, Clone)]
pub struct Reading {
    dialect: Dialect,
    query: Option<Box<sqlparser::ast::Query>>,
    lineage: Lineage,
}

/// Reads `sql`, a transformer's query over `inputs`, as `dialect`'s engine
/// reads it.
pub fn read(sql: &str, dialect: Dialect, inputs: &[Input]) -> Reading {
    let failed = |problem: Problem| Reading {
        dialect,
        query: None,
        lineage: Lineage {
            problems: vec![problem],
            ..Lineage::default()
        },
    };
    let start = Location { line: 1, column: 1 };
    if sql.len() > MAX_SQL_BYTES {
        return failed(Problem {
            kind: ProblemKind::Unparseable,
            message: format!(
                "the query is {} bytes, more than the {} KiB a transformer's query may be",
                sql.len(),
                MAX_SQL_BYTES >> 10
            ),
            at: start,
            suggestion: None,
        });
    }
    let lexical = crate::reading::problems(sql, &[dialect]);
    let parser = dialect.parser();
    let statements = match sqlparser::parser::Parser::parse_sql(parser.as_ref(), sql) {
        Ok(statements) => statements,
        Err(e) => {
            let (message, at) = crate::parser_error(&e);
            let mut reading = failed(Problem {
                kind: ProblemKind::Unparseable,
                message: format!("the query does not parse: {message}"),
                at: at.unwrap_or_else(|| crate::end_of(sql)),
                suggestion: None,
            });
            reading.lineage.problems.splice(0..0, lexical);
            return reading;
        }
    };
    let mut statements = statements.into_iter();
    let (Some(sqlparser::ast::Statement::Query(query)), None) =
        (statements.next(), statements.next())
    else {
        let mut reading = failed(Problem {
            kind: ProblemKind::Unparseable,
            message: "a transformer's query is one `SELECT` (with `WITH` if it needs it), and nothing else: no command, no second statement".to_owned(),
            at: start,
            suggestion: None,
        });
        reading.lineage.problems.splice(0..0, lexical);
        return reading;
    };
    let mut writer = Writer::new(dialect, &Checking);
    writer.query(&query);
    let mut lineage = crate::walk::Walk::new(dialect, inputs).lineage(&query);
    // What the engine may not run first, then what the lineage found.
    let mut problems = lexical;
    problems.extend(writer.problems);
    for p in lineage.problems {
        if !problems.iter().any(|q| q.at == p.at && q.kind == p.kind) {
            problems.push(p);
        }
    }
    lineage.problems = problems;
    Reading {
        dialect,
        query: Some(query),
        lineage,
    }
}

/// The places two of `dialects` read `sql` differently: a query that runs
/// on several engines is one query to all of them, or refused.
pub fn differences(sql: &str, dialects: &[Dialect]) -> Vec<Problem> {
    if dialects.len() < 2 || sql.len() > MAX_SQL_BYTES {
        return Vec::new();
    }
    crate::reading::differences(sql, dialects)
}

impl Reading {
    /// The dialect it was read in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Its column lineage (its problems included).
    pub fn lineage(&self) -> &Lineage {
        &self.lineage
    }

    /// What is wrong with it: any problem means it is not run.
    pub fn problems(&self) -> &[Problem] {
        &self.lineage.problems
    }

    /// The query written again from its parse through `quoting`, its
    /// columns named as the engine names them: what [`render`](Self::render)
    /// runs, before its columns are given the dataset's names.
    ///
    /// # Errors
    ///
    /// The reading's problems, when it has any: nothing is written.
    pub fn written(&self, quoting: &dyn Quoting) -> Result<String, Vec<Problem>> {
        let Some(query) = self
            .query
            .as_ref()
            .filter(|_| self.lineage.problems.is_empty())
        else {
            return Err(self.lineage.problems.clone());
        };
        let mut writer = Writer::new(self.dialect, quoting);
        writer.query(query);
        if writer.problems.is_empty() {
            Ok(writer.out)
        } else {
            Err(writer.problems)
        }
    }

    /// The query as the engine is to run it, writing the dataset columns
    /// `columns` in their order: written from the parse through `quoting`,
    /// then each column the query writes renamed to the dataset column it
    /// was judged to be ([`assign`]), so the engine's own naming and case
    /// rules decide nothing.
    ///
    /// # Errors
    ///
    /// The reading's problems, or the problem of its columns, when it has
    /// any: nothing is written.
    pub fn render(&self, quoting: &dyn Quoting, columns: &[&str]) -> Result<String, Vec<Problem>> {
        if !self.lineage.problems.is_empty() {
            return Err(self.lineage.problems.clone());
        }
        let order = assign(&self.lineage, self.dialect, columns).map_err(|p| vec![p])?;
        let query = self.written(quoting)?;
        let inner = |n: usize| quoting.ident(&format!("{RESERVED}{n}"));
        let outer = quoting.ident(&format!("{RESERVED}query"));
        let listed: Vec<String> = (1..=self.lineage.columns.len()).map(inner).collect();
        let written: Vec<String> = order
            .iter()
            .zip(columns)
            .map(|(at, column)| format!("{} AS {}", inner(at + 1), quoting.ident(column)))
            .collect();
        Ok(format!(
            "WITH {outer} ({}) AS ({}) SELECT {} FROM {outer}",
            listed.join(", "),
            query,
            written.join(", ")
        ))
    }
}

/// For each of the dataset's `columns`, the column of the query's output
/// (by position) that writes it: each dataset column written by exactly
/// one output column, and each output column writing exactly one.
///
/// # Errors
///
/// A problem naming the column written twice, not written, or that could
/// be two of the dataset's.
pub fn assign(
    lineage: &Lineage,
    dialect: Dialect,
    columns: &[&str],
) -> Result<Vec<usize>, Problem> {
    let refused = |message: String, at: Location| Problem {
        kind: ProblemKind::UnnamedColumn,
        message,
        at,
        suggestion: None,
    };
    for out in &lineage.columns {
        let answer: Vec<&&str> = columns
            .iter()
            .filter(|c| dialect.writes(&out.name, c))
            .collect();
        if let [first, second, ..] = answer.as_slice() {
            return Err(refused(
                format!(
                    "the query writes `{}`, which is both `{first}` and `{second}` of the dataset to this engine: give the dataset's columns names that differ in more than case",
                    out.name
                ),
                out.at,
            ));
        }
    }
    let mut order = Vec::with_capacity(columns.len());
    for column in columns {
        let writers: Vec<usize> = lineage
            .columns
            .iter()
            .enumerate()
            .filter(|(_, out)| dialect.writes(&out.name, column))
            .map(|(at, _)| at)
            .collect();
        match writers.as_slice() {
            [one] => order.push(*one),
            [] => {
                return Err(refused(
                    format!("the query does not write the dataset's column `{column}`"),
                    Location { line: 1, column: 1 },
                ));
            }
            [_, second, ..] => {
                return Err(refused(
                    format!(
                        "the query writes the dataset's column `{column}` twice: each column is written once"
                    ),
                    lineage.columns[*second].at,
                ));
            }
        }
    }
    if lineage.columns.len() != columns.len() {
        let extra = lineage
            .columns
            .iter()
            .enumerate()
            .find(|(at, _)| !order.contains(at))
            .map(|(_, out)| out);
        let (name, at) = extra.map_or((String::new(), Location { line: 1, column: 1 }), |o| {
            (o.name.clone(), o.at)
        });
        return Err(refused(
            format!("the query writes `{name}`, which the dataset does not have"),
            at,
        ));
    }
    Ok(order)
}

/// The quoting of a reading that is only checked, not run.
struct Checking;

impl Quoting for Checking {
    fn ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    fn text(&self, text: &str) -> String {
        format!("'{}'", text.replace('\'', "''"))
    }
}
