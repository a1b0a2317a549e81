//! A query written again for its engine, from its parse: the one place
//! that says what a transformer's query may hold (the relational subset)
//! and how each part reaches an engine.
//!
//! The writer is the check: what it cannot write is a problem at its line
//! and column, and nothing outside the subset is ever written. Every name
//! is written as the engine keeps it ([`Dialect::fold`]) through the
//! caller's quoting, every text through the caller's literal quoting, every
//! expression in parentheses, so comments, escapes, substitutions, keywords
//! and precedence cannot read differently in the engine than in the gate.

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Distinct, ExactNumberInfo, Expr, FunctionArg,
    FunctionArgExpr, FunctionArguments, GroupByExpr, Ident, InTarget, JoinConstraint, JoinOperator,
    LimitClause, ObjectName, OrderByExpr, OrderByKind, Query, Select, SelectFlavor, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, Spanned as _,
    TableFactor, TableWithJoins, TimezoneInfo, UnaryOperator, Value, WildcardAdditionalOptions,
    WindowFrameBound, WindowFrameUnits, WindowType,
};
use sqlparser::tokenizer::Span;

use crate::functions::{self, FunctionKind};
use crate::walk::at;
use crate::{Dialect, Problem, ProblemKind};

/// How an engine writes a name and a text: the platform's one audited
/// quoting for its engine.
pub trait Quoting {
    /// The quoted identifier whose name is `name`.
    fn ident(&self, name: &str) -> String;
    /// The literal whose value is `text`, quotes included.
    fn text(&self, text: &str) -> String;
}

/// The prefix of the names the platforms give their own columns and the
/// parts of a written query: a team's query may not use it.
pub(crate) const RESERVED: &str = "ds_surf_";

/// The longest name PostgreSQL keeps whole (`NAMEDATALEN - 1` bytes): a
/// longer one is cut, and two long names could become one.
const POSTGRES_NAME_BYTES: usize = 63;

/// The writer of one query, for one engine.
pub(crate) struct Writer<'a> {
    dialect: Dialect,
    q: &'a dyn Quoting,
    pub(crate) out: String,
    pub(crate) problems: Vec<Problem>,
    /// Names given to the derived tables the writer makes.
    made: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(dialect: Dialect, q: &'a dyn Quoting) -> Self {
        Writer {
            dialect,
            q,
            out: String::new(),
            problems: Vec::new(),
            made: 0,
        }
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// A problem: the query holds `what`, which it may not.
    fn refuse(&mut self, what: &str, span: Span) {
        self.problems.push(Problem {
            kind: ProblemKind::Refused,
            message: format!("a transformer's query may not hold {what}"),
            at: at(span),
            suggestion: None,
        });
    }

    fn engine(&self) -> &'static str {
        match self.dialect {
            Dialect::Sqlite => "SQLite",
            Dialect::Postgres => "PostgreSQL",
            Dialect::Spark => "Spark SQL",
            Dialect::Generic => "every engine",
        }
    }

    /// A name, as the engine keeps it, quoted.
    pub(crate) fn name(&mut self, ident: &Ident) {
        let folded = self
            .dialect
            .fold(&ident.value, ident.quote_style.is_some())
            .into_owned();
        if folded
            .get(..RESERVED.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(RESERVED))
        {
            self.refuse(
                &format!(
                    "the name `{}` (names starting `{RESERVED}` are the platforms' own)",
                    ident.value
                ),
                ident.span,
            );
        }
        if folded.contains('\0') || folded.is_empty() {
            self.refuse("an empty name or one holding a NUL character", ident.span);
        }
        if self.dialect == Dialect::Postgres && folded.len() > POSTGRES_NAME_BYTES {
            self.refuse(
                &format!(
                    "a name longer than PostgreSQL keeps ({POSTGRES_NAME_BYTES} bytes): `{}`",
                    ident.value
                ),
                ident.span,
            );
        }
        let quoted = self.q.ident(&folded);
        self.push(&quoted);
    }

    /// A name of one part: a table, a function.
    fn one_part<'n>(&mut self, name: &'n ObjectName, what: &str) -> Option<&'n Ident> {
        if let [part] = name.0.as_slice() {
            let ident = part.as_ident();
            if ident.is_none() {
                self.refuse(what, name.span());
            }
            return ident;
        }
        self.refuse(&format!("{what} named in parts (`{name}`)"), name.span());
        None
    }

    /// A whole query.
    pub(crate) fn query(&mut self, query: &Query) {
        let Query {
            with,
            body,
            order_by,
            limit_clause,
            fetch,
            locks,
            for_clause,
            settings,
            format_clause,
            pipe_operators,
        } = query;
        if fetch.is_some() || !locks.is_empty() || for_clause.is_some() {
            self.refuse("`FETCH`, `FOR UPDATE` or `FOR` clauses", query.span());
        }
        if settings.is_some() || format_clause.is_some() || !pipe_operators.is_empty() {
            self.refuse("settings, a format or pipe operators", query.span());
        }
        if let Some(with) = with {
            if with.recursive {
                self.refuse(
                    "`WITH RECURSIVE` (a query may read its inputs, not repeat itself)",
                    with.with_token.0.span,
                );
            }
            self.push("WITH ");
            for (i, cte) in with.cte_tables.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                if cte.materialized.is_some() || cte.from.is_some() {
                    self.refuse(
                        "`MATERIALIZED` or `FROM` in a `WITH` query",
                        cte.alias.name.span,
                    );
                }
                self.name(&cte.alias.name);
                if !cte.alias.columns.is_empty() {
                    self.push(" (");
                    for (j, c) in cte.alias.columns.iter().enumerate() {
                        if j > 0 {
                            self.push(", ");
                        }
                        if c.data_type.is_some() {
                            self.refuse("a type in a `WITH` query's column list", c.name.span);
                        }
                        self.name(&c.name);
                    }
                    self.push(")");
                }
                self.push(" AS (");
                self.query(&cte.query);
                self.push(")");
            }
            self.push(" ");
        }
        self.body(body);
        if let Some(order_by) = order_by {
            if order_by.interpolate.is_some() {
                self.refuse("`INTERPOLATE`", query.span());
            }
            match &order_by.kind {
                OrderByKind::Expressions(exprs) => {
                    self.push(" ORDER BY ");
                    self.order_by(exprs);
                }
                OrderByKind::All(_) => self.refuse("`ORDER BY ALL`", query.span()),
            }
        }
        if let Some(limit) = limit_clause {
            self.limit(limit);
        }
    }

    fn order_by(&mut self, exprs: &[OrderByExpr]) {
        for (i, e) in exprs.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            if e.with_fill.is_some() {
                self.refuse("`WITH FILL`", e.expr.span());
            }
            self.expr(&e.expr);
            match e.options.sort {
                Some(sqlparser::ast::OrderBySort::Asc) => self.push(" ASC"),
                Some(sqlparser::ast::OrderBySort::Desc) => self.push(" DESC"),
                Some(sqlparser::ast::OrderBySort::Using(_)) => {
                    self.refuse("`ORDER BY … USING`", e.expr.span());
                }
                None => {}
            }
            match e.options.nulls_first {
                Some(true) => self.push(" NULLS FIRST"),
                Some(false) => self.push(" NULLS LAST"),
                None => {}
            }
        }
    }

    fn limit(&mut self, limit: &LimitClause) {
        match limit {
            LimitClause::LimitOffset {
                limit,
                offset,
                limit_by,
            } => {
                if !limit_by.is_empty() {
                    self.refuse("`LIMIT … BY`", limit_by[0].span());
                }
                match limit {
                    Some(n) => {
                        self.push(" LIMIT ");
                        self.count(n);
                    }
                    None if offset.is_some() => {
                        // SQLite takes no `OFFSET` without a `LIMIT`.
                        if let Some(o) = offset {
                            self.refuse("`OFFSET` without `LIMIT`", o.value.span());
                        }
                    }
                    None => {}
                }
                if let Some(offset) = offset {
                    self.push(" OFFSET ");
                    self.count(&offset.value);
                }
            }
            LimitClause::OffsetCommaLimit { offset, .. } => {
                self.refuse(
                    "`LIMIT offset, count` (write `LIMIT count OFFSET offset`)",
                    offset.span(),
                );
            }
        }
    }

    /// A whole number of rows: a `LIMIT` or an `OFFSET`.
    fn count(&mut self, e: &Expr) {
        match e {
            Expr::Value(v) => match &v.value {
                Value::Number(n, false)
                    if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() =>
                {
                    self.push(n);
                }
                _ => self.refuse("a row count that is not a whole number", e.span()),
            },
            _ => self.refuse("a row count that is not a whole number", e.span()),
        }
    }

    /// A query's body.
    fn body(&mut self, body: &SetExpr) {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::Query(_) => self.wrapped(body),
            SetExpr::SetOperation {
                op,
                set_quantifier,
                left,
                right,
            } => {
                let (word, all) = match (op, set_quantifier) {
                    (SetOperator::Union, _) => ("UNION", *set_quantifier),
                    (SetOperator::Except, _) => ("EXCEPT", *set_quantifier),
                    (SetOperator::Intersect, _) => ("INTERSECT", *set_quantifier),
                    (SetOperator::Minus, _) => {
                        self.refuse("`MINUS` (write `EXCEPT`)", body.span());
                        ("EXCEPT", *set_quantifier)
                    }
                };
                let quantifier = match all {
                    SetQuantifier::All => " ALL",
                    SetQuantifier::Distinct | SetQuantifier::None => "",
                    _ => {
                        self.refuse("`BY NAME` in a set operation", body.span());
                        ""
                    }
                };
                if quantifier == " ALL" && word != "UNION" && self.dialect == Dialect::Sqlite {
                    self.refuse(
                        &format!("`{word} ALL`, which SQLite does not run"),
                        body.span(),
                    );
                }
                // Engines differ on the precedence of set operations
                // (SQLite has none) and SQLite takes no parentheses
                // around one side: a side that is itself a set operation
                // of another kind, or any right side, is a derived table.
                match left.as_ref() {
                    SetExpr::SetOperation {
                        op: inner,
                        set_quantifier: q,
                        ..
                    } if inner == op && q == set_quantifier => self.body(left),
                    SetExpr::Select(select) => self.select(select),
                    other => self.wrapped(other),
                }
                self.push(" ");
                self.push(word);
                self.push(quantifier);
                self.push(" ");
                match right.as_ref() {
                    SetExpr::Select(select) => self.select(select),
                    other => self.wrapped(other),
                }
            }
            SetExpr::Values(_) => self.refuse("`VALUES` (write `SELECT`)", body.span()),
            other => self.refuse("a statement that writes", other.span()),
        }
    }

    /// `SELECT * FROM (<body>) AS "ds_surf_n"`: a side of a set operation,
    /// or a parenthesised query, as one select.
    fn wrapped(&mut self, body: &SetExpr) {
        self.push("SELECT * FROM (");
        match body {
            SetExpr::Query(query) => self.query(query),
            other => self.body(other),
        }
        self.push(") AS ");
        self.made_alias();
    }

    /// A name of the writer's own for a derived table it makes or leaves
    /// unnamed (PostgreSQL names every one).
    fn made_alias(&mut self) {
        self.made += 1;
        let alias = self.q.ident(&format!("{RESERVED}{}", self.made));
        self.push(&alias);
    }

    fn select(&mut self, s: &Select) {
        let span = s.select_token.0.span;
        if s.top.is_some()
            || s.into.is_some()
            || !s.lateral_views.is_empty()
            || s.prewhere.is_some()
            || !s.connect_by.is_empty()
            || !s.cluster_by.is_empty()
            || !s.distribute_by.is_empty()
            || !s.sort_by.is_empty()
            || !s.named_window.is_empty()
            || s.qualify.is_some()
            || s.value_table_mode.is_some()
            || s.exclude.is_some()
            || !s.optimizer_hints.is_empty()
            || s.select_modifiers.is_some()
            || !matches!(s.flavor, SelectFlavor::Standard)
        {
            self.refuse(
                "this kind of `SELECT` (`TOP`, `INTO`, `LATERAL VIEW`, `QUALIFY`, `WINDOW`, `CLUSTER BY`, hints and the like)",
                span,
            );
        }
        self.push("SELECT ");
        match &s.distinct {
            Some(Distinct::Distinct) => self.push("DISTINCT "),
            Some(Distinct::On(_)) => self.refuse("`DISTINCT ON`", span),
            Some(Distinct::All) | None => {}
        }
        for (i, item) in s.projection.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.item(item);
        }
        if !s.from.is_empty() {
            self.push(" FROM ");
            for (i, from) in s.from.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                self.from(from);
            }
        }
        if let Some(e) = &s.selection {
            self.push(" WHERE ");
            self.expr(e);
        }
        match &s.group_by {
            GroupByExpr::Expressions(exprs, modifiers) => {
                if !modifiers.is_empty() {
                    self.refuse("`ROLLUP`, `CUBE` or `GROUPING SETS`", span);
                }
                if !exprs.is_empty() {
                    self.push(" GROUP BY ");
                    self.list(exprs);
                }
            }
            GroupByExpr::All(_) => self.refuse("`GROUP BY ALL`", span),
        }
        if let Some(e) = &s.having {
            self.push(" HAVING ");
            self.expr(e);
        }
    }

    fn item(&mut self, item: &SelectItem) {
        match item {
            SelectItem::UnnamedExpr(e) => {
                self.expr(e);
                // A computed column is named as the gate names it, so a
                // query that reads it by name reads it in every engine.
                if !matches!(e, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
                    let name = self.q.ident(&e.to_string());
                    self.push(" AS ");
                    self.push(&name);
                }
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                self.expr(expr);
                self.push(" AS ");
                self.name(alias);
            }
            SelectItem::ExprWithAliases { expr, .. } => {
                self.refuse("a column with several names", expr.span());
            }
            SelectItem::Wildcard(options) => {
                self.wildcard_options(options, item);
                self.push("*");
            }
            SelectItem::QualifiedWildcard(kind, options) => {
                self.wildcard_options(options, item);
                match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(name) => {
                        if let Some(ident) = self.one_part(name, "`*` of a table") {
                            self.name(ident);
                            self.push(".*");
                        }
                    }
                    SelectItemQualifiedWildcardKind::Expr(e) => {
                        self.refuse("`<expression>.*`", e.span());
                    }
                }
            }
        }
    }

    fn wildcard_options(&mut self, options: &WildcardAdditionalOptions, item: &SelectItem) {
        let WildcardAdditionalOptions {
            opt_ilike,
            opt_exclude,
            opt_except,
            opt_replace,
            opt_rename,
            opt_alias,
            ..
        } = options;
        if opt_ilike.is_some()
            || opt_exclude.is_some()
            || opt_except.is_some()
            || opt_replace.is_some()
            || opt_rename.is_some()
            || opt_alias.is_some()
        {
            self.refuse(
                "`*` with `EXCEPT`, `REPLACE`, `RENAME` or the like",
                item.span(),
            );
        }
    }

    fn from(&mut self, from: &TableWithJoins) {
        self.factor(&from.relation);
        for join in &from.joins {
            if join.global {
                self.refuse("`GLOBAL` joins", join.relation.span());
            }
            let (word, constraint) = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (" JOIN ", Some(c)),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (" LEFT JOIN ", Some(c)),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (" RIGHT JOIN ", Some(c)),
                JoinOperator::FullOuter(c) => (" FULL JOIN ", Some(c)),
                JoinOperator::CrossJoin(JoinConstraint::None) => (" CROSS JOIN ", None),
                _ => {
                    self.refuse(
                        "this kind of join (write `JOIN`, `LEFT`, `RIGHT`, `FULL` or `CROSS JOIN`)",
                        join.relation.span(),
                    );
                    (" JOIN ", None)
                }
            };
            self.push(word);
            self.factor(&join.relation);
            match constraint {
                Some(JoinConstraint::On(e)) => {
                    self.push(" ON ");
                    self.expr(e);
                }
                Some(JoinConstraint::Using(names)) => {
                    self.push(" USING (");
                    for (i, n) in names.iter().enumerate() {
                        if i > 0 {
                            self.push(", ");
                        }
                        if let Some(ident) = self.one_part(n, "a `USING` column") {
                            self.name(ident);
                        }
                    }
                    self.push(")");
                }
                Some(JoinConstraint::Natural) => {
                    self.refuse(
                        "`NATURAL` joins (say what they join on, with `USING`)",
                        join.relation.span(),
                    );
                }
                Some(JoinConstraint::None) => {
                    self.refuse(
                        "a join with no condition (write `CROSS JOIN`)",
                        join.relation.span(),
                    );
                }
                Some(JoinConstraint::UsingAlias(..)) => {
                    self.refuse("`USING (…) AS alias`", join.relation.span());
                }
                None => {}
            }
        }
    }

    fn factor(&mut self, factor: &TableFactor) {
        match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality,
                partitions,
                json_path,
                sample,
                index_directives,
                inheritance,
            } => {
                if args.is_some() {
                    self.refuse(
                        "a table function (a query reads its inputs only)",
                        name.span(),
                    );
                    return;
                }
                if !with_hints.is_empty()
                    || version.is_some()
                    || *with_ordinality
                    || !partitions.is_empty()
                    || json_path.is_some()
                    || sample.is_some()
                    || !index_directives.is_empty()
                    || inheritance.is_some()
                {
                    self.refuse(
                        "hints, versions, samples or partitions of a table",
                        name.span(),
                    );
                }
                if let Some(ident) = self.one_part(name, "a table") {
                    self.name(ident);
                }
                if let Some(alias) = alias {
                    if !alias.columns.is_empty() {
                        self.refuse("a table's columns renamed in its alias (rename them in a `WITH` query)", alias.name.span);
                    }
                    self.push(" AS ");
                    self.name(&alias.name);
                }
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                sample,
            } => {
                if *lateral || sample.is_some() {
                    self.refuse("`LATERAL` or a sample of a derived table", subquery.span());
                }
                self.push("(");
                self.query(subquery);
                self.push(") AS ");
                match alias {
                    Some(alias) => {
                        if !alias.columns.is_empty() {
                            self.refuse("a derived table's columns renamed in its alias (name them in its query)", alias.name.span);
                        }
                        self.name(&alias.name);
                    }
                    None => self.made_alias(),
                }
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                if alias.is_some() {
                    self.refuse(
                        "an alias of a parenthesised join",
                        table_with_joins.relation.span(),
                    );
                }
                self.push("(");
                self.from(table_with_joins);
                self.push(")");
            }
            other => self.refuse(
                "this kind of table (a table function, `UNNEST`, a pivot, `VALUES`, …)",
                other.span(),
            ),
        }
    }

    fn list(&mut self, exprs: &[Expr]) {
        for (i, e) in exprs.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.expr(e);
        }
    }

    /// An expression, in parentheses where it has parts.
    pub(crate) fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Identifier(ident) => self.name(ident),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [table, column] => {
                    self.name(table);
                    self.push(".");
                    self.name(column);
                }
                _ => self.refuse("a name of more than two parts", e.span()),
            },
            Expr::Value(v) => self.value(&v.value, e),
            Expr::Nested(inner) => {
                self.push("(");
                self.expr(inner);
                self.push(")");
            }
            Expr::BinaryOp { left, op, right } => match operator(op) {
                Some(op) => self.infix(left, &format!(" {op} "), right),
                None => self.refuse(&format!("the operator `{op}`"), e.span()),
            },
            Expr::UnaryOp { op, expr } => self.unary(*op, expr, e),
            Expr::IsNull(inner) => self.postfix(inner, " IS NULL"),
            Expr::IsNotNull(inner) => self.postfix(inner, " IS NOT NULL"),
            Expr::IsDistinctFrom(a, b) => self.infix(a, " IS DISTINCT FROM ", b),
            Expr::IsNotDistinctFrom(a, b) => self.infix(a, " IS NOT DISTINCT FROM ", b),
            Expr::In {
                expr,
                target,
                negated,
                global,
            } => self.within(expr, target, (*negated, *global), e),
            Expr::Between {
                expr,
                negated,
                low,
                high,
            } => self.between(expr, (low, high), *negated),
            Expr::Like {
                negated,
                any,
                expr,
                pattern,
                escape_char,
            }
            | Expr::ILike {
                negated,
                any,
                expr,
                pattern,
                escape_char,
            } => {
                let ilike = matches!(e, Expr::ILike { .. });
                if *any || escape_char.is_some() {
                    self.refuse("`LIKE ANY` or `LIKE … ESCAPE`", e.span());
                }
                self.like((expr, pattern), ilike, *negated, e);
            }
            Expr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(operand.as_deref(), conditions, else_result.as_deref()),
            Expr::Cast {
                kind,
                expr,
                data_type,
                format,
            } => {
                if !matches!(kind, CastKind::Cast | CastKind::DoubleColon) || format.is_some() {
                    self.refuse("`TRY_CAST`, `SAFE_CAST` or a cast's format", e.span());
                }
                self.cast(expr, data_type, e);
            }
            Expr::Function(f) => self.function(f, e),
            Expr::Subquery(query) => {
                self.push("(");
                self.query(query);
                self.push(")");
            }
            Expr::Exists { subquery, negated } => {
                self.push(if *negated {
                    "(NOT EXISTS ("
                } else {
                    "(EXISTS ("
                });
                self.query(subquery);
                self.push("))");
            }
            other => self.special(other),
        }
    }

    /// `trim(x)` and `substring(x FROM a FOR b)`, which have syntax of
    /// their own, as calls; a problem for anything else.
    fn special(&mut self, e: &Expr) {
        match e {
            Expr::Trim {
                trim_where: None,
                trim_what: None,
                expr,
                trim_characters: None,
            } => {
                self.push("trim(");
                self.expr(expr);
                self.push(")");
            }
            Expr::Substring {
                expr,
                substring_from: Some(from),
                substring_for,
                ..
            } => {
                self.push("substr(");
                self.expr(expr);
                self.push(", ");
                self.expr(from);
                if let Some(count) = substring_for {
                    self.push(", ");
                    self.expr(count);
                }
                self.push(")");
            }
            other => {
                let text = other.to_string();
                let shown: String = text.chars().take(60).collect();
                let more = if text.chars().count() > 60 { "…" } else { "" };
                self.refuse(&format!("`{shown}{more}`"), other.span());
            }
        }
    }

    /// `(NOT (x))`, `(-(x))`, `(+(x))`.
    fn unary(&mut self, op: UnaryOperator, expr: &Expr, e: &Expr) {
        let word = match op {
            UnaryOperator::Not => "NOT ",
            UnaryOperator::Minus => "-",
            UnaryOperator::Plus => "+",
            other => {
                self.refuse(&format!("the operator `{other}`"), e.span());
                return;
            }
        };
        self.push("(");
        self.push(word);
        self.push("(");
        self.expr(expr);
        self.push("))");
    }

    /// `(x [NOT] BETWEEN low AND high)`.
    fn between(&mut self, x: &Expr, (low, high): (&Expr, &Expr), negated: bool) {
        self.push("(");
        self.expr(x);
        self.push(if negated {
            " NOT BETWEEN "
        } else {
            " BETWEEN "
        });
        self.expr(low);
        self.push(" AND ");
        self.expr(high);
        self.push(")");
    }

    /// `CAST(x AS type)`.
    fn cast(&mut self, x: &Expr, data_type: &DataType, e: &Expr) {
        self.push("CAST(");
        self.expr(x);
        self.push(" AS ");
        self.data_type(data_type, e);
        self.push(")");
    }

    /// `x [NOT] IN (…)`, over values or a query.
    fn within(&mut self, x: &Expr, target: &InTarget, (negated, global): (bool, bool), e: &Expr) {
        if global {
            self.refuse("`GLOBAL IN`", e.span());
        }
        self.push("(");
        self.expr(x);
        self.push(if negated { " NOT IN (" } else { " IN (" });
        match target {
            InTarget::List(list) => self.list(list),
            InTarget::Subquery(query) => self.query(query),
            _ => self.refuse("`IN` over anything but values or a query", e.span()),
        }
        self.push("))");
    }

    /// `a [NOT] [I]LIKE b`.
    fn like(&mut self, (a, b): (&Expr, &Expr), ilike: bool, negated: bool, e: &Expr) {
        if ilike && matches!(self.dialect, Dialect::Sqlite | Dialect::Generic) {
            self.refuse(
                &format!(
                    "`ILIKE`, which {} does not run (compare `lower(…)`)",
                    self.engine()
                ),
                e.span(),
            );
        }
        let word = match (ilike, negated) {
            (false, false) => " LIKE ",
            (false, true) => " NOT LIKE ",
            (true, false) => " ILIKE ",
            (true, true) => " NOT ILIKE ",
        };
        self.infix(a, word, b);
    }

    /// `CASE [operand] WHEN … THEN … [ELSE …] END`.
    fn case(
        &mut self,
        operand: Option<&Expr>,
        conditions: &[sqlparser::ast::CaseWhen],
        else_result: Option<&Expr>,
    ) {
        self.push("(CASE");
        if let Some(operand) = operand {
            self.push(" ");
            self.expr(operand);
        }
        for when in conditions {
            self.push(" WHEN ");
            self.expr(&when.condition);
            self.push(" THEN ");
            self.expr(&when.result);
        }
        if let Some(e) = else_result {
            self.push(" ELSE ");
            self.expr(e);
        }
        self.push(" END)");
    }

    fn postfix(&mut self, inner: &Expr, word: &str) {
        self.push("(");
        self.expr(inner);
        self.push(word);
        self.push(")");
    }

    fn infix(&mut self, a: &Expr, word: &str, b: &Expr) {
        self.push("(");
        self.expr(a);
        self.push(word);
        self.expr(b);
        self.push(")");
    }

    fn value(&mut self, value: &Value, e: &Expr) {
        match value {
            Value::Number(n, false) if plain_number(n) => self.push(n),
            // Spark SQL reads `"…"` as text, as its engine does.
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
                if s.contains('\0') {
                    self.refuse("a NUL character in a text", e.span());
                }
                let text = self.q.text(s);
                self.push(&text);
            }
            Value::Boolean(true) => self.push("TRUE"),
            Value::Boolean(false) => self.push("FALSE"),
            Value::Null => self.push("NULL"),
            _ => self.refuse(
                "this kind of value (write numbers, 'text', TRUE, FALSE or NULL; no parameters, prefixed or dollar-quoted strings)",
                e.span(),
            ),
        }
    }

    fn data_type(&mut self, data_type: &DataType, cast: &Expr) {
        use Dialect::{Generic, Postgres, Spark, Sqlite};
        let dialect = self.dialect;
        let written: String = match data_type {
            DataType::Int(None) | DataType::Integer(None) | DataType::Int4(None) => match dialect {
                Spark => "INT",
                _ => "INTEGER",
            }
            .to_owned(),
            DataType::BigInt(None) | DataType::Int8(None) | DataType::Int64 => match dialect {
                Sqlite => "INTEGER",
                _ => "BIGINT",
            }
            .to_owned(),
            DataType::SmallInt(None) => match dialect {
                Sqlite => "INTEGER",
                _ => "SMALLINT",
            }
            .to_owned(),
            DataType::Double(ExactNumberInfo::None)
            | DataType::DoublePrecision
            | DataType::Float8
            | DataType::Real => match dialect {
                Sqlite => "REAL",
                Spark => "DOUBLE",
                Postgres | Generic => "DOUBLE PRECISION",
            }
            .to_owned(),
            DataType::Decimal(info) | DataType::Numeric(info) => {
                let word = if dialect == Spark {
                    "DECIMAL"
                } else {
                    "NUMERIC"
                };
                match info {
                    ExactNumberInfo::None => word.to_owned(),
                    ExactNumberInfo::Precision(p) => format!("{word}({p})"),
                    ExactNumberInfo::PrecisionAndScale(p, s) if *s >= 0 => {
                        format!("{word}({p}, {s})")
                    }
                    ExactNumberInfo::PrecisionAndScale(..) => {
                        self.refuse("a negative scale", cast.span());
                        String::new()
                    }
                }
            }
            DataType::Text | DataType::String(None) | DataType::Varchar(None) => match dialect {
                Spark => "STRING",
                _ => "TEXT",
            }
            .to_owned(),
            DataType::Boolean | DataType::Bool => "BOOLEAN".to_owned(),
            DataType::Date => "DATE".to_owned(),
            DataType::Timestamp(None, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => {
                match dialect {
                    Spark => "TIMESTAMP_NTZ",
                    _ => "TIMESTAMP",
                }
                .to_owned()
            }
            other => {
                self.refuse(
                    &format!(
                        "a cast to `{other}` (cast to INTEGER, BIGINT, SMALLINT, DOUBLE PRECISION, NUMERIC(p, s), TEXT, BOOLEAN, DATE or TIMESTAMP)"
                    ),
                    cast.span(),
                );
                String::new()
            }
        };
        self.push(&written);
    }

    fn function(&mut self, f: &sqlparser::ast::Function, e: &Expr) {
        let Some(ident) = self.one_part(&f.name, "a function") else {
            return;
        };
        let name = ident.value.to_ascii_lowercase();
        let Some(known) = functions::function(&name).filter(|k| k.runs_on(self.dialect)) else {
            let kinds = [
                FunctionKind::Scalar,
                FunctionKind::Aggregate,
                FunctionKind::Window,
            ];
            self.refuse(
                &format!(
                    "the function `{}` in {} (it may call {})",
                    f.name,
                    self.engine(),
                    functions::allowed(&[self.dialect], &kinds).join(", ")
                ),
                e.span(),
            );
            return;
        };
        if f.uses_odbc_syntax
            || !matches!(f.parameters, FunctionArguments::None)
            || f.filter.is_some()
            || f.null_treatment.is_some()
            || !f.within_group.is_empty()
        {
            self.refuse(
                &format!("`{name}` with `FILTER`, `WITHIN GROUP` or `IGNORE NULLS`"),
                e.span(),
            );
        }
        let FunctionArguments::List(list) = &f.args else {
            self.refuse(
                &format!("`{name}` without its arguments in parentheses"),
                e.span(),
            );
            return;
        };
        if !list.clauses.is_empty() {
            self.refuse(
                &format!("`{name}` with clauses among its arguments"),
                e.span(),
            );
        }
        let distinct = match list.duplicate_treatment {
            Some(sqlparser::ast::DuplicateTreatment::Distinct) => {
                if known.kind != FunctionKind::Aggregate || f.over.is_some() {
                    self.refuse(&format!("`DISTINCT` in `{name}`"), e.span());
                }
                true
            }
            _ => false,
        };
        let star = matches!(
            list.args.as_slice(),
            [FunctionArg::Unnamed(FunctionArgExpr::Wildcard)]
        );
        if star && name != "count" {
            self.refuse(&format!("`{name}(*)`"), e.span());
        }
        let n = if star { 0 } else { list.args.len() };
        if !known.takes(n) || (name == "count" && !star && n == 0) {
            self.refuse(
                &format!("`{name}` with {n} arguments (it takes {})", known.arity()),
                e.span(),
            );
        }
        match (known.kind, &f.over) {
            (FunctionKind::Window, None) => {
                self.refuse(&format!("`{name}` without `OVER`"), e.span());
            }
            (FunctionKind::Scalar, Some(_)) => {
                self.refuse(
                    &format!("`OVER` after `{name}`, which is no aggregate"),
                    e.span(),
                );
            }
            _ => {}
        }
        self.push(known.name);
        self.arguments(&list.args, (distinct, star), &name, e);
        if let Some(over) = &f.over {
            self.over(over, e);
        }
    }

    /// A call's arguments in parentheses: `*`, or each an expression.
    fn arguments(
        &mut self,
        args: &[FunctionArg],
        (distinct, star): (bool, bool),
        name: &str,
        e: &Expr,
    ) {
        self.push("(");
        if distinct {
            self.push("DISTINCT ");
        }
        if star {
            self.push("*");
        } else {
            for (i, arg) in args.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(a)) => self.expr(a),
                    _ => self.refuse(&format!("a named or `*` argument of `{name}`"), e.span()),
                }
            }
        }
        self.push(")");
    }

    fn over(&mut self, over: &WindowType, e: &Expr) {
        let WindowType::WindowSpec(spec) = over else {
            self.refuse("a named window (write the window after `OVER`)", e.span());
            return;
        };
        if spec.window_name.is_some() {
            self.refuse("a named window (write the window after `OVER`)", e.span());
        }
        self.push(" OVER (");
        let mut space = "";
        if !spec.partition_by.is_empty() {
            self.push("PARTITION BY ");
            self.list(&spec.partition_by);
            space = " ";
        }
        if !spec.order_by.is_empty() {
            self.push(space);
            self.push("ORDER BY ");
            self.order_by(&spec.order_by);
            space = " ";
        }
        if let Some(frame) = &spec.window_frame {
            self.push(space);
            match frame.units {
                WindowFrameUnits::Rows => self.push("ROWS "),
                WindowFrameUnits::Range => self.push("RANGE "),
                WindowFrameUnits::Groups => {
                    self.refuse("a `GROUPS` frame", e.span());
                }
            }
            match &frame.end_bound {
                Some(end) => {
                    self.push("BETWEEN ");
                    self.bound(&frame.start_bound, e);
                    self.push(" AND ");
                    self.bound(end, e);
                }
                None => self.bound(&frame.start_bound, e),
            }
        }
        self.push(")");
    }

    fn bound(&mut self, bound: &WindowFrameBound, e: &Expr) {
        match bound {
            WindowFrameBound::CurrentRow => self.push("CURRENT ROW"),
            WindowFrameBound::Preceding(None) => self.push("UNBOUNDED PRECEDING"),
            WindowFrameBound::Following(None) => self.push("UNBOUNDED FOLLOWING"),
            WindowFrameBound::Preceding(Some(n)) => {
                self.count(n);
                self.push(" PRECEDING");
            }
            WindowFrameBound::Following(Some(n)) => {
                self.count(n);
                self.push(" FOLLOWING");
            }
        }
        let _ = e;
    }
}

/// A number as every engine reads it: digits, one `.`, an exponent.
fn plain_number(n: &str) -> bool {
    let (mantissa, exponent) = match n.find(['e', 'E']) {
        Some(at) => (&n[..at], Some(&n[at + 1..])),
        None => (n, None),
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let mantissa_ok = digits > 0
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|b| *b == b'.').count() <= 1;
    let exponent_ok = exponent.is_none_or(|x| {
        let x = x.strip_prefix(['+', '-']).unwrap_or(x);
        !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// How an allowed binary operator is written.
pub(crate) fn operator(op: &BinaryOperator) -> Option<&'static str> {
    Some(match op {
        BinaryOperator::Plus => "+",
        BinaryOperator::Minus => "-",
        BinaryOperator::Multiply => "*",
        BinaryOperator::Divide => "/",
        BinaryOperator::Modulo => "%",
        BinaryOperator::StringConcat => "||",
        BinaryOperator::Gt => ">",
        BinaryOperator::Lt => "<",
        BinaryOperator::GtEq => ">=",
        BinaryOperator::LtEq => "<=",
        BinaryOperator::Eq => "=",
        BinaryOperator::NotEq => "<>",
        BinaryOperator::And => "AND",
        BinaryOperator::Or => "OR",
        _ => return None,
    })
}
