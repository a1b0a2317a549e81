//! A quality rule's condition: a SQL expression over one dataset's columns
//! that no row may make false.
//!
//! The model's text never reaches an engine. It is parsed, every part is
//! checked against a short list of what a condition may hold (columns of
//! the dataset, numbers, text, `TRUE`/`FALSE`/`NULL`, comparisons,
//! arithmetic, `AND`/`OR`/`NOT`, `IN` and `BETWEEN` over values, `LIKE`,
//! `IS [NOT] NULL`, `CASE`, and the functions in [`FUNCTIONS`]), and it is
//! written again from the parse, each column and text quoted by the caller
//! ([`Quoting`]: the platform's one audited quoting for its engine).
//!
//! ```
//! use datasurface_sql::{Dialect, condition::{self, Quoting}};
//!
//! struct Ansi;
//! impl Quoting for Ansi {
//!     fn column(&self, name: &str) -> String { format!("\"{}\"", name.replace('"', "\"\"")) }
//!     fn text(&self, value: &str) -> String { format!("'{}'", value.replace('\'', "''")) }
//! }
//!
//! let check = condition::parse("paid >= total AND status IN ('open', 'paid')", Dialect::Sqlite, &["paid", "total", "status"])?;
//! assert_eq!(check.columns(), ["paid", "total", "status"]);
//! assert_eq!(check.render(&Ansi), r#"(("paid" >= "total") AND ("status" IN ('open', 'paid')))"#);
//!
//! let refused = condition::parse("paid >= (SELECT max(total) FROM orders)", Dialect::Sqlite, &["paid", "total"]);
//! assert!(refused.is_err());
//! # Ok::<(), datasurface_sql::Problem>(())
//! ```

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, InTarget, Spanned as _,
    UnaryOperator, Value,
};
use sqlparser::tokenizer::Token;

use crate::walk::at;
use crate::write::operator;
use crate::{Dialect, Location, Problem, ProblemKind};

/// The functions a condition may call: the same in SQLite and PostgreSQL.
pub const FUNCTIONS: [&str; 7] = [
    "abs", "coalesce", "length", "lower", "nullif", "trim", "upper",
];

/// The most bytes a condition may be.
pub const MAX_CONDITION_BYTES: usize = 16 << 10;

/// How an engine writes a column of the dataset and a text value: the
/// platform's quoting, and any conversion from how it stores a column to
/// the value the condition means (a decimal kept as whole units, say).
pub trait Quoting {
    /// The column `name` (as the dataset spells it), as an expression.
    fn column(&self, name: &str) -> String;
    /// The text `value` as a literal, quotes included.
    fn text(&self, value: &str) -> String;
}

/// A condition that parsed and holds only what a condition may.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    expr: Expr,
    columns: Vec<String>,
    /// The column each name in the text means, in the order written.
    names: Vec<String>,
}

impl Condition {
    /// The dataset's columns the condition reads, in the order it first names them.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The condition in the engine's SQL, every part in parentheses.
    pub fn render(&self, quoting: &dyn Quoting) -> String {
        let mut out = String::new();
        write(&self.expr, &mut self.names.iter(), quoting, &mut out);
        out
    }
}

/// Parses `sql` as a condition over `columns` in `dialect`.
///
/// # Errors
///
/// A [`Problem`] at its place in the text: the text does not parse as one
/// expression, names a column the dataset does not have, or holds
/// something a condition may not (a subquery, a table, a function not in
/// [`FUNCTIONS`], a window, a parameter).
pub fn parse(sql: &str, dialect: Dialect, columns: &[&str]) -> Result<Condition, Problem> {
    let start = Location { line: 1, column: 1 };
    if sql.len() > MAX_CONDITION_BYTES {
        return Err(problem(
            ProblemKind::Unparseable,
            format!(
                "the condition is {} bytes, more than the {} KiB a condition may be",
                sql.len(),
                MAX_CONDITION_BYTES >> 10
            ),
            start,
        ));
    }
    let parser_dialect = dialect.parser();
    let parsed = sqlparser::parser::Parser::new(parser_dialect.as_ref())
        .try_with_sql(sql)
        .and_then(|mut parser| {
            let expr = parser.parse_expr()?;
            let next = parser.peek_token();
            if next.token == Token::EOF {
                Ok(Ok(expr))
            } else {
                Ok(Err(at(next.span)))
            }
        });
    let expr = match parsed {
        Ok(Ok(expr)) => expr,
        Ok(Err(after)) => {
            return Err(problem(
                ProblemKind::Unparseable,
                "the condition goes on after its expression: a condition is one expression"
                    .to_owned(),
                after,
            ));
        }
        Err(e) => {
            let (message, place) = crate::parser_error(&e);
            let place = place.unwrap_or(start);
            return Err(problem(
                ProblemKind::Unparseable,
                format!("the condition does not parse: {message}"),
                place,
            ));
        }
    };
    let mut names = Vec::new();
    check(&expr, dialect, columns, &mut names)?;
    let mut distinct: Vec<String> = Vec::new();
    for name in &names {
        if !distinct.contains(name) {
            distinct.push(name.clone());
        }
    }
    Ok(Condition {
        expr,
        columns: distinct,
        names,
    })
}

fn problem(kind: ProblemKind, message: String, at: Location) -> Problem {
    Problem {
        kind,
        message,
        at,
        suggestion: None,
    }
}

fn unsupported(what: &str, expr: &Expr) -> Problem {
    problem(
        ProblemKind::Unsupported,
        format!("a condition cannot hold {what}: it compares the row's own columns with values"),
        at(expr.span()),
    )
}

/// The dataset's column a name written in the condition means.
fn resolve(ident: &Ident, dialect: Dialect, columns: &[&str]) -> Result<String, Problem> {
    let quoted = ident.quote_style.is_some();
    if let Some(name) = columns
        .iter()
        .find(|c| dialect.matches(&ident.value, quoted, c))
    {
        return Ok((*name).to_owned());
    }
    Err(Problem {
        kind: ProblemKind::UnknownColumn,
        message: format!("the dataset has no column `{}`", ident.value),
        at: at(ident.span),
        suggestion: datasurface_nearest(&ident.value, columns),
    })
}

fn datasurface_nearest(found: &str, columns: &[&str]) -> Option<String> {
    let lower = found.to_ascii_lowercase();
    columns
        .iter()
        .map(|c| {
            (
                strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()),
                *c,
            )
        })
        .filter(|(d, c)| *d <= c.chars().count().max(found.chars().count()) / 3)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_owned())
}

/// Refuses what a condition may not hold; collects the column each name
/// means, in the order [`write`] meets them.
fn check(
    expr: &Expr,
    dialect: Dialect,
    columns: &[&str],
    names: &mut Vec<String>,
) -> Result<(), Problem> {
    let mut each = |e: &Expr| check(e, dialect, columns, names);
    match expr {
        Expr::Identifier(ident) => {
            names.push(resolve(ident, dialect, columns)?);
            Ok(())
        }
        Expr::CompoundIdentifier(_) => Err(unsupported(
            "a qualified name (write the column alone)",
            expr,
        )),
        Expr::Value(v) => match &v.value {
            Value::Number(..) | Value::SingleQuotedString(_) | Value::Boolean(_) | Value::Null => {
                Ok(())
            }
            _ => Err(unsupported(
                "this kind of value (write numbers, 'text', TRUE, FALSE or NULL)",
                expr,
            )),
        },
        Expr::BinaryOp { left, op, right } => {
            if operator(op).is_none() {
                return Err(unsupported(&format!("the operator `{op}`"), expr));
            }
            each(left)?;
            each(right)
        }
        Expr::UnaryOp { op, expr: inner } => match op {
            UnaryOperator::Not | UnaryOperator::Minus | UnaryOperator::Plus => each(inner),
            _ => Err(unsupported(&format!("the operator `{op}`"), expr)),
        },
        // `trim(x)` has syntax of its own; only the plain form.
        Expr::Nested(inner)
        | Expr::IsNull(inner)
        | Expr::IsNotNull(inner)
        | Expr::Trim {
            trim_where: None,
            trim_what: None,
            expr: inner,
            trim_characters: None,
        } => each(inner),
        Expr::In {
            expr: inner,
            target: InTarget::List(list),
            global: false,
            ..
        } => {
            each(inner)?;
            list.iter().try_for_each(each)
        }
        Expr::In { .. } => Err(unsupported("`IN` over anything but a list of values", expr)),
        Expr::Between {
            expr: inner,
            low,
            high,
            ..
        } => {
            each(inner)?;
            each(low)?;
            each(high)
        }
        Expr::Like {
            any: false,
            expr: inner,
            pattern,
            escape_char: None,
            ..
        } => {
            each(inner)?;
            each(pattern)
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(operand) = operand {
                each(operand)?;
            }
            for when in conditions {
                each(&when.condition)?;
                each(&when.result)?;
            }
            else_result.as_deref().map_or(Ok(()), each)
        }
        Expr::Function(f) => check_function(f, expr, &mut each),
        Expr::Subquery(_) | Expr::Exists { .. } => Err(unsupported("a subquery", expr)),
        _ => Err(unsupported("this expression", expr)),
    }
}

/// Refuses a function call beyond the allowed functions and their plain
/// arguments, each checked by `each`.
fn check_function(
    f: &sqlparser::ast::Function,
    expr: &Expr,
    each: &mut dyn FnMut(&Expr) -> Result<(), Problem>,
) -> Result<(), Problem> {
    let name = match f.name.0.as_slice() {
        [part] => part.as_ident().map(|i| i.value.to_ascii_lowercase()),
        _ => None,
    };
    let Some(name) = name.filter(|n| FUNCTIONS.contains(&n.as_str())) else {
        return Err(unsupported(
            &format!(
                "the function `{}` (these may be called: {})",
                f.name,
                FUNCTIONS.join(", ")
            ),
            expr,
        ));
    };
    let plain = f.over.is_none()
        && f.filter.is_none()
        && f.within_group.is_empty()
        && f.null_treatment.is_none()
        && !f.uses_odbc_syntax
        && matches!(f.parameters, FunctionArguments::None);
    let FunctionArguments::List(list) = &f.args else {
        return Err(unsupported(
            &format!("`{name}` without its arguments in parentheses"),
            expr,
        ));
    };
    if !plain || list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
        return Err(unsupported(
            &format!("`{name}` with clauses beyond its arguments"),
            expr,
        ));
    }
    // As many arguments as the function takes: `upper(name, 'x')` is
    // refused here, not by the engine at every batch.
    if let Some(known) =
        crate::functions::function(&name).filter(|known| !known.takes(list.args.len()))
    {
        return Err(unsupported(
            &format!(
                "`{name}` with {} arguments (it takes {})",
                list.args.len(),
                known.arity()
            ),
            expr,
        ));
    }
    for arg in &list.args {
        match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => each(e)?,
            _ => {
                return Err(unsupported(
                    &format!("a named or `*` argument of `{name}`"),
                    expr,
                ));
            }
        }
    }
    Ok(())
}

/// Writes a checked expression; `names` are the columns its names mean, in
/// the order [`check`] met them (this walk meets them in the same order).
fn write(expr: &Expr, names: &mut std::slice::Iter<'_, String>, q: &dyn Quoting, out: &mut String) {
    let mut w = |e: &Expr, out: &mut String| write(e, names, q, out);
    match expr {
        Expr::Identifier(ident) => {
            let name = names.next().map_or(ident.value.as_str(), String::as_str);
            out.push_str(&q.column(name));
        }
        Expr::Value(v) => out.push_str(&written_value(&v.value, q)),
        Expr::BinaryOp { left, op, right } => {
            out.push('(');
            w(left, out);
            out.push(' ');
            out.push_str(operator(op).unwrap_or("="));
            out.push(' ');
            w(right, out);
            out.push(')');
        }
        Expr::UnaryOp { op, expr } => {
            out.push('(');
            out.push_str(match op {
                UnaryOperator::Not => "NOT ",
                UnaryOperator::Minus => "-",
                _ => "+",
            });
            w(expr, out);
            out.push(')');
        }
        Expr::Nested(inner) => {
            out.push('(');
            w(inner, out);
            out.push(')');
        }
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
            out.push('(');
            w(inner, out);
            out.push_str(if matches!(expr, Expr::IsNull(_)) {
                " IS NULL)"
            } else {
                " IS NOT NULL)"
            });
        }
        Expr::In {
            expr: inner,
            target: InTarget::List(list),
            negated,
            ..
        } => {
            out.push('(');
            w(inner, out);
            out.push_str(if *negated { " NOT IN " } else { " IN " });
            write_list(list, &mut w, out);
            out.push(')');
        }
        Expr::Between {
            expr: inner,
            negated,
            low,
            high,
        } => {
            let between = if *negated {
                " NOT BETWEEN "
            } else {
                " BETWEEN "
            };
            for (e, before) in [(inner, "("), (low, between), (high, " AND ")] {
                out.push_str(before);
                w(e, out);
            }
            out.push(')');
        }
        Expr::Like {
            negated,
            expr: inner,
            pattern,
            ..
        } => {
            out.push('(');
            w(inner, out);
            out.push_str(if *negated { " NOT LIKE " } else { " LIKE " });
            w(pattern, out);
            out.push(')');
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => write_case(
            (operand.as_deref(), conditions, else_result.as_deref()),
            &mut w,
            out,
        ),
        Expr::Function(f) => write_function(f, &mut w, out),
        Expr::Trim { expr: inner, .. } => {
            out.push_str("trim(");
            w(inner, out);
            out.push(')');
        }
        // `check` refused everything else.
        _ => out.push_str("NULL"),
    }
}

/// A checked value as written: a number as the tokenizer read it (digits,
/// `.`, `e` and signs), text through the caller's quoting.
fn written_value(value: &Value, q: &dyn Quoting) -> String {
    match value {
        Value::Number(n, _) => n.clone(),
        Value::SingleQuotedString(s) => q.text(s),
        Value::Boolean(true) => "TRUE".to_owned(),
        Value::Boolean(false) => "FALSE".to_owned(),
        _ => "NULL".to_owned(),
    }
}

/// Writes a `CASE`: its operand, its `WHEN`s and its `ELSE`.
fn write_case(
    (operand, conditions, else_result): (Option<&Expr>, &[sqlparser::ast::CaseWhen], Option<&Expr>),
    w: &mut dyn FnMut(&Expr, &mut String),
    out: &mut String,
) {
    out.push_str("(CASE");
    if let Some(operand) = operand {
        out.push(' ');
        w(operand, out);
    }
    for when in conditions {
        out.push_str(" WHEN ");
        w(&when.condition, out);
        out.push_str(" THEN ");
        w(&when.result, out);
    }
    if let Some(e) = else_result {
        out.push_str(" ELSE ");
        w(e, out);
    }
    out.push_str(" END)");
}

/// Writes an allowed function's call: its name in lower case, then its
/// arguments.
fn write_function(
    f: &sqlparser::ast::Function,
    w: &mut dyn FnMut(&Expr, &mut String),
    out: &mut String,
) {
    let name = f
        .name
        .0
        .first()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_ascii_lowercase())
        .unwrap_or_default();
    out.push_str(&name);
    let args: Vec<&Expr> = match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|arg| match arg {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    write_list(args, w, out);
}

/// Writes `(a, b, …)`.
fn write_list<'e>(
    list: impl IntoIterator<Item = &'e Expr>,
    w: &mut dyn FnMut(&Expr, &mut String),
    out: &mut String,
) {
    out.push('(');
    for (i, e) in list.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        w(e, out);
    }
    out.push(')');
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Quoting, parse};
    use crate::{Dialect, ProblemKind};

    struct Sql;
    impl Quoting for Sql {
        fn column(&self, name: &str) -> String {
            format!("\"{}\"", name.replace('"', "\"\""))
        }
        fn text(&self, value: &str) -> String {
            format!("'{}'", value.replace('\'', "''"))
        }
    }

    const COLUMNS: [&str; 4] = ["amount", "status", "paid", "Region"];

    fn rendered(sql: &str) -> String {
        match parse(sql, Dialect::Postgres, &COLUMNS) {
            Ok(c) => c.render(&Sql),
            Err(p) => format!(
                "{:?} at {}:{}: {}{}",
                p.kind,
                p.at.line,
                p.at.column,
                p.message,
                p.suggestion
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default()
            ),
        }
    }

    #[test]
    fn conditions_are_written_again_from_their_parse() {
        insta::assert_snapshot!(
            [
                "amount >= 0",
                "amount BETWEEN 0 AND 100 OR status = 'void'",
                "status NOT IN ('a', 'b''s')",
                "lower(status) LIKE 'op%'",
                "CASE WHEN paid THEN amount > 0 ELSE TRUE END",
                "coalesce(amount, 0) * 2 <> -1",
                "\"Region\" IS NOT NULL AND NOT paid",
                "amout > 0",
                "orders.amount > 0",
                "amount > (SELECT 1)",
                "pg_sleep(10) IS NULL",
                "amount > 0; DROP TABLE x",
                "amount IN (SELECT amount FROM t)",
                "count(*) OVER () > 1",
                "trim(status) <> ''",
                "upper(status, 'x') = 'A'",
                "amount > $1",
                "amount >",
            ]
            .iter()
            .map(|s| format!("{s}\n  {}", rendered(s)))
            .collect::<Vec<_>>()
            .join("\n")
        );
    }

    #[test]
    fn postgres_folds_names_not_in_quotes() {
        assert!(parse("Amount > 0", Dialect::Postgres, &COLUMNS).is_ok());
        let quoted = parse("\"Amount\" > 0", Dialect::Postgres, &COLUMNS);
        assert_eq!(
            quoted.map_err(|p| p.kind).err(),
            Some(ProblemKind::UnknownColumn)
        );
        assert!(parse("region = 'x'", Dialect::Postgres, &COLUMNS).is_err());
        assert!(parse("region = 'x'", Dialect::Sqlite, &COLUMNS).is_ok());
    }

    proptest! {
        /// Any text in a condition's literal comes back as one literal, and
        /// the written condition parses again to the same columns.
        #[test]
        fn text_stays_one_literal(text in "\\PC{0,40}") {
            let sql = format!("status = {}", Sql.text(&text));
            let condition = parse(&sql, Dialect::Sqlite, &COLUMNS).map_err(|p| TestCaseError::fail(p.message))?;
            let written = condition.render(&Sql);
            prop_assert_eq!(&written, &format!("(\"status\" = {})", Sql.text(&text)));
            let again = parse(&written, Dialect::Sqlite, &COLUMNS).map_err(|p| TestCaseError::fail(p.message))?;
            prop_assert_eq!(again.columns(), condition.columns());
        }
    }
}
