//! Where an expression's values come from: the input columns it names,
//! resolved in scope, and how each reaches the value (copied, through
//! functions and operators, or aggregated).

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, InTarget, Spanned as _,
    WindowType,
};

use crate::walk::{Col, Walk, at, dedup, nearest};
use crate::{ColumnRef, How, ProblemKind, Source};

/// The functions that make one value of many rows.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "total",
    "group_concat",
    "string_agg",
    "array_agg",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "json_group_array",
    "json_group_object",
    "bool_and",
    "bool_or",
    "every",
    "bit_and",
    "bit_or",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "collect_list",
    "collect_set",
    "first",
    "last",
    "any_value",
];

/// `sources`, as they reach a value through `step` (a function's name,
/// or none for an operator), made `how` at least.
fn through(mut sources: Vec<Source>, how: How, step: Option<&str>) -> Vec<Source> {
    for s in &mut sources {
        s.how = s.how.max(how);
        if let Some(step) = step {
            s.through.push(step.to_owned());
        }
    }
    sources
}

impl Walk<'_> {
    /// The input columns `expr`'s values come from, and how.
    pub(crate) fn expr(&mut self, expr: &Expr) -> Vec<Source> {
        match expr {
            Expr::Identifier(ident) => self.column(None, ident),
            Expr::CompoundIdentifier(idents) => match idents.as_slice() {
                [column] => self.column(None, column),
                [.., table, column] => self.column(Some(table), column),
                [] => Vec::new(),
            },
            Expr::Nested(inner) => self.expr(inner),
            Expr::Value(_) | Expr::TypedString(_) => Vec::new(),
            Expr::Function(function) => self.function(function),
            Expr::Cast { expr, .. } => {
                let sources = self.expr(expr);
                through(sources, How::Transformed, Some("cast"))
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => {
                let mut parts: Vec<&Expr> = operand.iter().map(AsRef::as_ref).collect();
                for when in conditions {
                    parts.push(&when.condition);
                    parts.push(&when.result);
                }
                parts.extend(else_result.iter().map(AsRef::as_ref));
                self.all(&parts, How::Transformed, Some("case"))
            }
            Expr::BinaryOp { left, right, .. }
            | Expr::IsDistinctFrom(left, right)
            | Expr::IsNotDistinctFrom(left, right) => {
                self.all(&[&**left, &**right], How::Transformed, None)
            }
            Expr::UnaryOp { expr, .. }
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsTrue(expr)
            | Expr::IsNotTrue(expr)
            | Expr::IsFalse(expr)
            | Expr::IsNotFalse(expr)
            | Expr::IsUnknown(expr)
            | Expr::IsNotUnknown(expr)
            | Expr::Collate { expr, .. } => self.all(&[&**expr], How::Transformed, None),
            Expr::Tuple(parts) => {
                let parts: Vec<&Expr> = parts.iter().collect();
                self.all(&parts, How::Transformed, None)
            }
            Expr::Subquery(query) => {
                let outs = self.subquery(query);
                let sources = outs.into_iter().flat_map(|o| o.sources).collect();
                through(sources, How::Transformed, Some("subquery"))
            }
            Expr::Exists { subquery, .. } => {
                // Its value says whether rows exist: what decides that is
                // the subquery's filter, recorded as it is walked.
                let _ = self.subquery(subquery);
                Vec::new()
            }
            other => self.special(other),
        }
    }

    /// The sources of the expressions with syntax of their own (`EXTRACT`,
    /// `SUBSTRING`, `TRIM`, …); a problem for one the lineage does not
    /// follow.
    fn special(&mut self, expr: &Expr) -> Vec<Source> {
        match expr {
            Expr::Extract { expr, .. } => self.all(&[&**expr], How::Transformed, Some("extract")),
            Expr::Ceil { expr, .. } => self.all(&[&**expr], How::Transformed, Some("ceil")),
            Expr::Floor { expr, .. } => self.all(&[&**expr], How::Transformed, Some("floor")),
            Expr::In { expr, target, .. } => {
                let mut sources = self.expr(expr);
                match target {
                    InTarget::List(list) => {
                        let list: Vec<&Expr> = list.iter().collect();
                        sources.extend(self.all(&list, How::Copied, None));
                    }
                    InTarget::Subquery(query) => {
                        sources.extend(self.subquery(query).into_iter().flat_map(|o| o.sources));
                    }
                    InTarget::Unnest(expr) => sources.extend(self.expr(expr)),
                    InTarget::Table { .. } => {}
                }
                through(sources, How::Transformed, Some("in"))
            }
            Expr::Between {
                expr, low, high, ..
            } => self.all(&[&**expr, &**low, &**high], How::Transformed, None),
            Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
                self.all(&[&**expr, &**pattern], How::Transformed, Some("like"))
            }
            Expr::Position { expr, r#in } => {
                self.all(&[&**expr, &**r#in], How::Transformed, Some("position"))
            }
            Expr::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut parts: Vec<&Expr> = vec![expr];
                parts.extend(substring_from.iter().map(AsRef::as_ref));
                parts.extend(substring_for.iter().map(AsRef::as_ref));
                self.all(&parts, How::Transformed, Some("substring"))
            }
            Expr::Trim {
                expr, trim_what, ..
            } => {
                let mut parts: Vec<&Expr> = vec![expr];
                parts.extend(trim_what.iter().map(AsRef::as_ref));
                self.all(&parts, How::Transformed, Some("trim"))
            }
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => self.all(
                &[&**timestamp, &**time_zone],
                How::Transformed,
                Some("at time zone"),
            ),
            other => {
                self.problem(
                    ProblemKind::Unsupported,
                    format!(
                        "the lineage does not follow `{}`: the columns it reads are not shown",
                        shortened(&other.to_string())
                    ),
                    at(other.span()),
                    None,
                );
                Vec::new()
            }
        }
    }

    /// A subquery of an expression: its columns need no names.
    fn subquery(&mut self, query: &sqlparser::ast::Query) -> Vec<crate::walk::Out> {
        self.unnamed_ok += 1;
        let outs = self.query(query);
        self.unnamed_ok -= 1;
        outs
    }

    /// Every part's sources, reaching the value `how` through `step`.
    fn all(&mut self, parts: &[&Expr], how: How, step: Option<&str>) -> Vec<Source> {
        let mut sources = Vec::new();
        for part in parts {
            sources.extend(self.expr(part));
        }
        through(sources, how, step)
    }

    fn function(&mut self, function: &sqlparser::ast::Function) -> Vec<Source> {
        let name = function
            .name
            .0
            .last()
            .and_then(|p| p.as_ident())
            .map_or_else(|| function.name.to_string(), |i| i.value.to_lowercase());
        let mut args: Vec<&Expr> = Vec::new();
        let mut sources = Vec::new();
        match &function.args {
            FunctionArguments::List(list) => {
                for arg in &list.args {
                    let (FunctionArg::Unnamed(arg)
                    | FunctionArg::Named { arg, .. }
                    | FunctionArg::ExprNamed { arg, .. }) = arg;
                    if let FunctionArgExpr::Expr(expr) = arg {
                        args.push(expr);
                    }
                }
            }
            FunctionArguments::Subquery(query) => {
                sources.extend(self.subquery(query).into_iter().flat_map(|o| o.sources));
            }
            FunctionArguments::None => {}
        }
        for arg in args {
            sources.extend(self.expr(arg));
        }
        for order in &function.within_group {
            sources.extend(self.expr(&order.expr));
        }
        if let Some(filter) = &function.filter {
            self.filter(filter);
        }
        let aggregate = AGGREGATES.contains(&name.as_str());
        let how = if aggregate {
            How::Aggregated
        } else {
            How::Transformed
        };
        let mut sources = through(sources, how, Some(&name));
        // A window's partition and order shape each value (a rank, a
        // running total) without being aggregated themselves.
        if let Some(WindowType::WindowSpec(window)) = &function.over {
            let mut shaping: Vec<&Expr> = window.partition_by.iter().collect();
            shaping.extend(window.order_by.iter().map(|o| &o.expr));
            sources.extend(self.all(&shaping, How::Transformed, Some(&name)));
        }
        sources
    }

    /// The column `column` (of `table`, when qualified) names, resolved in
    /// the innermost scope that has it; a problem if none has it, or more
    /// than one relation of that scope does.
    fn column(&mut self, table: Option<&Ident>, column: &Ident) -> Vec<Source> {
        let quoted = column.quote_style.is_some();
        if let Some(table) = table {
            return self.qualified(table, column);
        }
        let mut any_unknown = false;
        for depth in (0..self.scopes.len()).rev() {
            // Every column of every relation in scope the name answers
            // to: two (in one relation or in two) are refused, never
            // picked, as engines pick differently.
            let found: Vec<(String, Col)> = self.scopes[depth]
                .relations
                .iter()
                .inspect(|r| any_unknown |= r.unknown)
                .flat_map(|r| {
                    r.columns
                        .iter()
                        .filter(|c| self.same(&column.value, quoted, &c.name))
                        .map(|c| (r.name.clone(), c.clone()))
                })
                .collect();
            // An output's name, as `GROUP BY`, `HAVING` and `ORDER BY` may
            // use.
            let output = self.scopes[depth]
                .outputs
                .iter()
                .find(|c| self.same(&column.value, quoted, &c.name))
                .cloned();
            match found.as_slice() {
                [] => {
                    if let Some(output) = output {
                        return output.sources;
                    }
                }
                [(table, col)] => {
                    let differs = |o: &Col| dedup(o.sources.clone()) != dedup(col.sources.clone());
                    if let Some(output) = output.filter(|o| self.grouping && differs(o)) {
                        // Engines differ on which one a name means where
                        // both are in scope.
                        self.problem(
                            ProblemKind::AmbiguousColumn,
                            format!(
                                "`{}` is both a column of `{table}` and a column this query writes from something else (`{}`); say which, as `{table}.{}`, or give the written column another name",
                                column.value, output.name, column.value
                            ),
                            at(column.span),
                            None,
                        );
                    }
                    return col.sources.clone();
                }
                [(first, _), (second, _), ..] => {
                    let message = format!(
                        "column `{}` is in both `{first}` and `{second}`; say which, as `{first}.{}`",
                        column.value, column.value
                    );
                    self.problem(ProblemKind::AmbiguousColumn, message, at(column.span), None);
                    return found.into_iter().flat_map(|(_, c)| c.sources).collect();
                }
            }
        }
        if any_unknown {
            return Vec::new();
        }
        let known: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|s| {
                s.relations
                    .iter()
                    .flat_map(|r| r.columns.iter().map(|c| c.name.clone()))
            })
            .collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let tables: Vec<String> = self
            .scopes
            .last()
            .map(|s| {
                s.relations
                    .iter()
                    .map(|r| format!("`{}`", r.name))
                    .collect()
            })
            .unwrap_or_default();
        let suggestion = nearest(&column.value, &known);
        self.problem(
            ProblemKind::UnknownColumn,
            format!(
                "no column `{}` in {}",
                column.value,
                if tables.is_empty() {
                    "this query, which reads no table".to_owned()
                } else {
                    tables.join(", ")
                }
            ),
            at(column.span),
            suggestion,
        );
        Vec::new()
    }

    /// The column `column` of the relation `table` names.
    fn qualified(&mut self, table: &Ident, column: &Ident) -> Vec<Source> {
        let quoted = column.quote_style.is_some();
        let Some(rel) = self.in_scope(table) else {
            self.no_relation(table);
            return Vec::new();
        };
        if rel.unknown {
            return Vec::new();
        }
        let found: Vec<&Col> = rel
            .columns
            .iter()
            .filter(|c| self.same(&column.value, quoted, &c.name))
            .collect();
        if let [first, second, ..] = found.as_slice() {
            self.problem(
                ProblemKind::AmbiguousColumn,
                format!(
                    "`{}.{}` names two columns of `{}`, `{}` and `{}`; give them distinct names",
                    table.value, column.value, table.value, first.name, second.name
                ),
                at(column.span),
                None,
            );
            return found.into_iter().flat_map(|c| c.sources.clone()).collect();
        }
        if let Some(c) = found.first() {
            return c.sources.clone();
        }
        let known: Vec<&str> = rel.columns.iter().map(|c| c.name.as_str()).collect();
        let suggestion = nearest(&column.value, &known);
        self.problem(
            ProblemKind::UnknownColumn,
            format!("`{}` has no column `{}`", table.value, column.value),
            at(column.span),
            suggestion,
        );
        Vec::new()
    }

    /// Records the input columns `expr` names as deciding which rows are
    /// written.
    pub(crate) fn filter(&mut self, expr: &Expr) {
        let sources = self.expr(expr);
        self.filtered.extend(sources.into_iter().map(|s| ColumnRef {
            table: s.table,
            column: s.column,
        }));
    }

    /// Records the column `USING` names, in every relation of the `FROM`
    /// that has it.
    pub(crate) fn filter_column(&mut self, name: &Ident) {
        let quoted = name.quote_style.is_some();
        let refs: Vec<ColumnRef> = self
            .scopes
            .last()
            .map(|s| {
                s.relations
                    .iter()
                    .flat_map(|r| r.columns.iter())
                    .filter(|c| self.same(&name.value, quoted, &c.name))
                    .flat_map(|c| c.sources.iter())
                    .map(|s| ColumnRef {
                        table: s.table.clone(),
                        column: s.column.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.filtered.extend(refs);
    }
}

/// `text` cut to a length a message can show.
fn shortened(text: &str) -> String {
    const MOST: usize = 60;
    if text.chars().count() <= MOST {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MOST).collect();
        format!("{cut}…")
    }
}
