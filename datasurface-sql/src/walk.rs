//! The walk over a query: its `WITH`, its `FROM` (tables, joins, derived
//! tables), what it selects, and its set operations, with the relations
//! each part may name in scope.

use std::collections::BTreeSet;

use sqlparser::ast::{
    Ident, JoinConstraint, JoinOperator, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, Spanned as _, TableAlias, TableFactor,
    TableWithJoins,
};

use crate::{
    ColumnRef, Dialect, Input, Lineage, Location, OutputColumn, Problem, ProblemKind, Source,
};

/// A column of a relation in scope, and where its values come from.
#[derive(Debug, Clone)]
pub(crate) struct Col {
    pub(crate) name: String,
    pub(crate) sources: Vec<Source>,
}

/// A relation a query may name: an input, a `WITH` query, a derived table.
#[derive(Debug, Clone)]
pub(crate) struct Rel {
    /// How the query names it (its alias, else its name).
    pub(crate) name: String,
    pub(crate) columns: Vec<Col>,
    /// A table the query names that is not there: its columns are not
    /// known, so naming them is not a second problem.
    pub(crate) unknown: bool,
}

/// The relations of one `SELECT`'s `FROM`, and its output's names (which
/// `GROUP BY`, `HAVING` and `ORDER BY` may name).
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(crate) relations: Vec<Rel>,
    pub(crate) outputs: Vec<Col>,
}

/// One query's walk: what it found so far.
pub(crate) struct Walk<'a> {
    pub(crate) dialect: Dialect,
    inputs: &'a [Input],
    pub(crate) problems: Vec<Problem>,
    pub(crate) filtered: BTreeSet<ColumnRef>,
    /// The `WITH` queries in scope, innermost last.
    ctes: Vec<Rel>,
    /// The scopes of the `SELECT`s being walked, innermost last (a
    /// subquery may name its enclosing queries' columns).
    pub(crate) scopes: Vec<Scope>,
    /// How many parts being walked write columns that need no names (a
    /// `WITH` query, a derived table, a subquery of an expression, the
    /// right side of a set operation): only the query's own output is
    /// written to a dataset, by name.
    pub(crate) unnamed_ok: usize,
    /// Whether the clause being walked (`GROUP BY`, `HAVING`, `ORDER BY`)
    /// may name a written column as well as an input's.
    pub(crate) grouping: bool,
}

/// A column a query part writes, with where it is made.
pub(crate) struct Out {
    pub(crate) name: String,
    pub(crate) at: Location,
    pub(crate) sources: Vec<Source>,
}

/// The place of a span's start, or the query's start for an empty span.
pub(crate) fn at(span: sqlparser::tokenizer::Span) -> Location {
    if span.start.line == 0 {
        Location { line: 1, column: 1 }
    } else {
        Location {
            line: span.start.line,
            column: span.start.column,
        }
    }
}

impl<'a> Walk<'a> {
    pub(crate) fn new(dialect: Dialect, inputs: &'a [Input]) -> Self {
        Walk {
            dialect,
            inputs,
            problems: Vec::new(),
            filtered: BTreeSet::new(),
            ctes: Vec::new(),
            scopes: Vec::new(),
            unnamed_ok: 0,
            grouping: false,
        }
    }

    /// The lineage of the whole query.
    pub(crate) fn lineage(mut self, query: &Query) -> Lineage {
        let columns = self
            .query(query)
            .into_iter()
            .map(|out| OutputColumn {
                name: out.name,
                at: out.at,
                sources: dedup(out.sources),
            })
            .collect();
        Lineage {
            columns,
            filtered_by: self.filtered.into_iter().collect(),
            problems: self.problems,
        }
    }

    pub(crate) fn problem(
        &mut self,
        kind: ProblemKind,
        message: String,
        at: Location,
        suggestion: Option<String>,
    ) {
        self.problems.push(Problem {
            kind,
            message,
            at,
            suggestion,
        });
    }

    /// Whether the name `written` (quoted or not) names `name`, as the
    /// dialect matches names.
    pub(crate) fn same(&self, written: &str, quoted: bool, name: &str) -> bool {
        self.dialect.matches(written, quoted, name)
    }

    /// The name `ident` gives what it names (an alias, an output column),
    /// as the engine keeps it.
    pub(crate) fn named(&self, ident: &Ident) -> String {
        self.dialect
            .fold(&ident.value, ident.quote_style.is_some())
            .into_owned()
    }

    pub(crate) fn query(&mut self, query: &Query) -> Vec<Out> {
        let before = self.ctes.len();
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                // A recursive query names itself: in scope as it is walked,
                // with the columns its alias names (unknown without).
                let recursive = with.recursive.then(|| Rel {
                    name: self.named(&cte.alias.name),
                    columns: cte
                        .alias
                        .columns
                        .iter()
                        .map(|c| Col {
                            name: self.named(&c.name),
                            sources: Vec::new(),
                        })
                        .collect(),
                    unknown: cte.alias.columns.is_empty(),
                });
                let pushed = recursive.is_some();
                self.ctes.extend(recursive);
                self.unnamed_ok += 1;
                let outs = self.query(&cte.query);
                self.unnamed_ok -= 1;
                if pushed {
                    self.ctes.pop();
                }
                let rel = self.relation(&cte.alias, outs);
                self.ctes.push(rel);
            }
        }
        let outs = match query.body.as_ref() {
            SetExpr::Select(select) => self.select(select, query.order_by.as_ref()),
            body => self.set_expr(body),
        };
        self.ctes.truncate(before);
        outs
    }

    /// A relation from a query's columns, named and its columns renamed
    /// as `alias` says.
    fn relation(&mut self, alias: &TableAlias, outs: Vec<Out>) -> Rel {
        let mut columns: Vec<Col> = outs
            .into_iter()
            .map(|o| Col {
                name: o.name,
                sources: o.sources,
            })
            .collect();
        if !alias.columns.is_empty() {
            if alias.columns.len() != columns.len() {
                self.problem(
                    ProblemKind::UnknownColumn,
                    format!(
                        "`{}` names {} columns, but its query writes {}",
                        alias.name.value,
                        alias.columns.len(),
                        columns.len()
                    ),
                    at(alias.name.span),
                    None,
                );
            }
            for (column, def) in columns.iter_mut().zip(&alias.columns) {
                column.name = self.named(&def.name);
            }
        }
        Rel {
            name: self.named(&alias.name),
            columns,
            unknown: false,
        }
    }

    fn set_expr(&mut self, body: &SetExpr) -> Vec<Out> {
        match body {
            SetExpr::Select(select) => self.select(select, None),
            SetExpr::Query(query) => self.query(query),
            SetExpr::SetOperation { left, right, .. } => {
                let mut left = self.set_expr(left);
                self.unnamed_ok += 1;
                let right = self.set_expr(right);
                self.unnamed_ok -= 1;
                if left.len() != right.len() {
                    let place = right.first().map(|o| o.at).unwrap_or_default();
                    self.problem(
                        ProblemKind::Unparseable,
                        format!(
                            "the two sides of a set operation write {} and {} columns",
                            left.len(),
                            right.len()
                        ),
                        place,
                        None,
                    );
                }
                for (l, r) in left.iter_mut().zip(right) {
                    l.sources.extend(r.sources);
                }
                left
            }
            SetExpr::Values(values) => {
                let width = values.rows.first().map_or(0, |row| row.len());
                let mut outs: Vec<Out> = (1..=width)
                    .map(|n| Out {
                        name: format!("column{n}"),
                        at: Location { line: 1, column: 1 },
                        sources: Vec::new(),
                    })
                    .collect();
                for row in &values.rows {
                    for (out, value) in outs.iter_mut().zip(row.iter()) {
                        out.at = at(value.span());
                        let sources = self.expr(value);
                        out.sources.extend(sources);
                    }
                }
                outs
            }
            other => {
                self.problem(
                    ProblemKind::Unsupported,
                    "a transformer's query only reads: this part writes".to_owned(),
                    at(other.span()),
                    None,
                );
                Vec::new()
            }
        }
    }

    /// One `SELECT`, with its query's `ORDER BY` when it is the whole body.
    fn select(&mut self, select: &Select, order_by: Option<&sqlparser::ast::OrderBy>) -> Vec<Out> {
        let outer = std::mem::replace(&mut self.grouping, false);
        let mut scope = Scope::default();
        let mut conditions = Vec::new();
        for from in &select.from {
            self.from(from, &mut scope, &mut conditions);
        }
        self.scopes.push(scope);
        for condition in conditions {
            match condition {
                Condition::On(expr) => self.filter(expr),
                Condition::Using(names) => {
                    for name in names {
                        self.filter_column(name);
                    }
                }
            }
        }
        let mut outs = Vec::new();
        for item in &select.projection {
            self.item(item, &mut outs);
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.outputs = outs
                .iter()
                .map(|o| Col {
                    name: o.name.clone(),
                    sources: o.sources.clone(),
                })
                .collect();
        }
        for expr in [&select.selection, &select.qualify, &select.prewhere]
            .into_iter()
            .flatten()
        {
            self.filter(expr);
        }
        // Where a name may mean an input column or a written one.
        self.grouping = true;
        if let sqlparser::ast::GroupByExpr::Expressions(exprs, _) = &select.group_by {
            for expr in exprs {
                self.filter(expr);
            }
        }
        if let Some(having) = &select.having {
            self.filter(having);
        }
        if let Some(sqlparser::ast::OrderBy {
            kind: sqlparser::ast::OrderByKind::Expressions(exprs),
            ..
        }) = order_by
        {
            for e in exprs {
                self.filter(&e.expr);
            }
        }
        self.grouping = outer;
        self.scopes.pop();
        outs
    }

    /// The relations of one `FROM` item and its joins, into `scope`; the
    /// joins' conditions into `conditions`, to walk once every relation is
    /// in scope.
    fn from<'q>(
        &mut self,
        from: &'q TableWithJoins,
        scope: &mut Scope,
        conditions: &mut Vec<Condition<'q>>,
    ) {
        self.factor(&from.relation, scope, conditions);
        for join in &from.joins {
            self.factor(&join.relation, scope, conditions);
            if let Some(constraint) = constraint(&join.join_operator) {
                match constraint {
                    JoinConstraint::On(expr) => conditions.push(Condition::On(expr)),
                    JoinConstraint::Using(names) | JoinConstraint::UsingAlias(names, _) => {
                        conditions.push(Condition::Using(
                            names
                                .iter()
                                .filter_map(|n| n.0.last().and_then(|p| p.as_ident()))
                                .collect(),
                        ));
                    }
                    JoinConstraint::Natural | JoinConstraint::None => {}
                }
            }
        }
    }

    fn factor<'q>(
        &mut self,
        factor: &'q TableFactor,
        scope: &mut Scope,
        conditions: &mut Vec<Condition<'q>>,
    ) {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let Some(ident) = name.0.last().and_then(|p| p.as_ident()) else {
                    return;
                };
                let mut rel = if name.0.len() > 1 {
                    // Another schema's table: never one of the inputs.
                    self.not_an_input(&name.to_string(), at(name.span()), &ident.value);
                    Rel {
                        name: self.named(ident),
                        columns: Vec::new(),
                        unknown: true,
                    }
                } else {
                    self.table(ident)
                };
                if let Some(alias) = alias {
                    let outs = rel
                        .columns
                        .iter()
                        .map(|c| Out {
                            name: c.name.clone(),
                            at: at(alias.name.span),
                            sources: c.sources.clone(),
                        })
                        .collect();
                    let unknown = rel.unknown;
                    rel = self.relation(alias, outs);
                    rel.unknown = unknown;
                }
                scope.relations.push(rel);
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                self.unnamed_ok += 1;
                let outs = self.query(subquery);
                self.unnamed_ok -= 1;
                let rel = match alias {
                    Some(alias) => self.relation(alias, outs),
                    None => Rel {
                        name: String::new(),
                        columns: outs
                            .into_iter()
                            .map(|o| Col {
                                name: o.name,
                                sources: o.sources,
                            })
                            .collect(),
                        unknown: false,
                    },
                };
                scope.relations.push(rel);
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.from(table_with_joins, scope, conditions),
            other => self.problem(
                ProblemKind::Unsupported,
                "the lineage does not follow this kind of table (a table function, a pivot, …); its columns are not known".to_owned(),
                at(other.span()),
                None,
            ),
        }
    }

    /// The relation a table name names: a `WITH` query in scope, else an
    /// input; a problem (and a relation of unknown columns) otherwise.
    fn table(&mut self, ident: &Ident) -> Rel {
        let quoted = ident.quote_style.is_some();
        if let Some(cte) = self
            .ctes
            .iter()
            .rev()
            .find(|c| self.same(&ident.value, quoted, &c.name))
        {
            return cte.clone();
        }
        let inputs: Vec<&Input> = self
            .inputs
            .iter()
            .filter(|i| self.same(&ident.value, quoted, &i.name))
            .collect();
        if let [first, second, ..] = inputs.as_slice() {
            let message = format!(
                "`{}` names two inputs, `{}` and `{}`; write it in quotes as one of them is named",
                ident.value, first.name, second.name
            );
            self.problem(ProblemKind::AmbiguousColumn, message, at(ident.span), None);
        }
        if let Some(input) = inputs.first() {
            return Rel {
                name: self.named(ident),
                columns: input
                    .columns
                    .iter()
                    .map(|column| Col {
                        name: column.clone(),
                        sources: vec![Source {
                            table: input.name.clone(),
                            column: column.clone(),
                            how: crate::How::Copied,
                            through: Vec::new(),
                        }],
                    })
                    .collect(),
                unknown: false,
            };
        }
        self.not_an_input(&ident.value, at(ident.span), &ident.value);
        Rel {
            name: self.named(ident),
            columns: Vec::new(),
            unknown: true,
        }
    }

    /// A problem: the table written `written` (named `name`) is none of
    /// the query's inputs or `WITH` queries.
    fn not_an_input(&mut self, written: &str, place: Location, name: &str) {
        let known: Vec<&str> = self
            .inputs
            .iter()
            .map(|i| i.name.as_str())
            .chain(self.ctes.iter().map(|c| c.name.as_str()))
            .collect();
        let suggestion = nearest(name, &known);
        self.problem(
            ProblemKind::UnknownTable,
            format!(
                "`{written}` is not a table this query may read; it reads {}",
                if known.is_empty() {
                    "nothing".to_owned()
                } else {
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            place,
            suggestion,
        );
    }

    /// The columns one select item writes, into `outs`.
    fn item(&mut self, item: &SelectItem, outs: &mut Vec<Out>) {
        match item {
            SelectItem::UnnamedExpr(expr) => {
                let name = match expr {
                    sqlparser::ast::Expr::Identifier(ident) => Some(self.named(ident)),
                    sqlparser::ast::Expr::CompoundIdentifier(idents) => {
                        idents.last().map(|i| self.named(i))
                    }
                    _ => None,
                };
                let sources = self.expr(expr);
                let place = at(expr.span());
                let name = name.unwrap_or_else(|| {
                    let text = expr.to_string();
                    if self.unnamed_ok > 0 {
                        return text;
                    }
                    self.problem(
                        ProblemKind::UnnamedColumn,
                        format!("`{text}` writes a column with no name; name it with `AS`"),
                        place,
                        None,
                    );
                    text
                });
                outs.push(Out {
                    name,
                    at: place,
                    sources,
                });
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                let sources = self.expr(expr);
                outs.push(Out {
                    name: self.named(alias),
                    at: at(alias.span),
                    sources,
                });
            }
            SelectItem::ExprWithAliases { expr, aliases } => {
                let sources = self.expr(expr);
                for alias in aliases {
                    outs.push(Out {
                        name: alias.value.clone(),
                        at: at(alias.span),
                        sources: sources.clone(),
                    });
                }
            }
            SelectItem::Wildcard(_) => {
                let place = at(item.span());
                let columns: Vec<Col> = self
                    .scopes
                    .last()
                    .map(|s| s.relations.iter().flat_map(|r| r.columns.clone()).collect())
                    .unwrap_or_default();
                outs.extend(columns.into_iter().map(|c| Out {
                    name: c.name,
                    at: place,
                    sources: c.sources,
                }));
            }
            SelectItem::QualifiedWildcard(kind, _) => {
                let place = at(item.span());
                let SelectItemQualifiedWildcardKind::ObjectName(name) = kind else {
                    self.problem(
                        ProblemKind::Unsupported,
                        "the lineage does not follow `<expression>.*`".to_owned(),
                        place,
                        None,
                    );
                    return;
                };
                let Some(ident) = name.0.last().and_then(|p| p.as_ident()) else {
                    return;
                };
                match self.in_scope(ident) {
                    Some(rel) => outs.extend(rel.columns.into_iter().map(|c| Out {
                        name: c.name,
                        at: place,
                        sources: c.sources,
                    })),
                    None => self.no_relation(ident),
                }
            }
        }
    }

    /// The relation `ident` names in the innermost scope that has it.
    pub(crate) fn in_scope(&self, ident: &Ident) -> Option<Rel> {
        let quoted = ident.quote_style.is_some();
        self.scopes.iter().rev().find_map(|scope| {
            scope
                .relations
                .iter()
                .find(|r| self.same(&ident.value, quoted, &r.name))
                .cloned()
        })
    }

    /// A problem: `ident` names no relation in scope.
    pub(crate) fn no_relation(&mut self, ident: &Ident) {
        let known: Vec<String> = self
            .scopes
            .iter()
            .flat_map(|s| s.relations.iter().map(|r| r.name.clone()))
            .collect();
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let suggestion = nearest(&ident.value, &known);
        self.problem(
            ProblemKind::UnknownTable,
            format!("`{}` names no table of this query's `FROM`", ident.value),
            at(ident.span),
            suggestion,
        );
    }
}

/// A join's condition, walked once every relation of its `FROM` is in scope.
enum Condition<'q> {
    On(&'q sqlparser::ast::Expr),
    Using(Vec<&'q Ident>),
}

fn constraint(operator: &JoinOperator) -> Option<&JoinConstraint> {
    match operator {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c)
        | JoinOperator::Semi(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::RightAnti(c)
        | JoinOperator::StraightJoin(c)
        | JoinOperator::AsOf { constraint: c, .. } => Some(c),
        _ => None,
    }
}

/// The known name nearest to `name`, if one is near.
pub(crate) fn nearest(name: &str, known: &[&str]) -> Option<String> {
    let lower = name.to_lowercase();
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&lower, &k.to_lowercase()), *k))
        .filter(|(distance, k)| *distance <= (k.chars().count() / 3).max(1))
        .min()
        .map(|(_, k)| k.to_owned())
}

/// `sources` without repeats, in order.
pub(crate) fn dedup(sources: Vec<Source>) -> Vec<Source> {
    let mut seen = BTreeSet::new();
    sources
        .into_iter()
        .filter(|s| seen.insert(s.clone()))
        .collect()
}
