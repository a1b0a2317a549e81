//! One reading of a query's text: what is refused before it is parsed,
//! because an engine would read it otherwise than the gate does, or two
//! engines would read it otherwise than each other.
//!
//! - `${`: Spark SQL substitutes variables into the text before it parses
//!   it (`spark.sql.variable.substitute`), in comments and quotes too.
//! - A comment inside a comment: PostgreSQL and Spark SQL nest them,
//!   SQLite ends the comment at the first `*/`.
//! - A backslash in quotes: Spark SQL reads it as an escape, PostgreSQL
//!   and SQLite as itself.
//! - Any token two of the query's engines read differently (`"x"` is a
//!   name to PostgreSQL and a text to Spark SQL).

use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::{Dialect, Location, Problem, ProblemKind};

/// The problems of `sql`'s text as each of `dialects` reads it alone.
pub(crate) fn problems(sql: &str, dialects: &[Dialect]) -> Vec<Problem> {
    let mut found = Vec::new();
    if let Some(at) = sql.find("${") {
        found.push(refused(
            "`${`: Spark SQL substitutes variables into a query's text before it reads it, so a transformer's query may not hold `${` anywhere, comments and quotes included".to_owned(),
            location_of(sql, at),
        ));
    }
    // SQLite's reading too: it reads no escape in quotes, so it finds the
    // backslash that makes a text end elsewhere to Spark SQL.
    for dialect in dialects.iter().chain([&Dialect::Sqlite]) {
        let parser = dialect.parser();
        // A text that does not tokenize: the parser says where and why.
        let Ok(tokens) = Tokenizer::new(parser.as_ref(), sql).tokenize_with_location() else {
            continue;
        };
        for problem in tokens.iter().filter_map(|t| token_problem(sql, t)) {
            if !found.iter().any(|p: &Problem| p.at == problem.at) {
                found.push(problem);
            }
        }
    }
    found
}

/// The first place two of `dialects` read `sql` differently, if any.
pub(crate) fn differences(sql: &str, dialects: &[Dialect]) -> Vec<Problem> {
    let readings: Vec<(Dialect, Vec<TokenWithSpan>)> = dialects
        .iter()
        .filter_map(|d| {
            let parser = d.parser();
            Tokenizer::new(parser.as_ref(), sql)
                .tokenize_with_location()
                .ok()
                .map(|tokens| (*d, tokens))
        })
        .collect();
    let Some(((first, a), rest)) = readings.split_first() else {
        return Vec::new();
    };
    rest.iter()
        .find_map(|(other, b)| difference(*first, a, *other, b))
        .into_iter()
        .collect()
}

fn refused(message: String, at: Location) -> Problem {
    Problem {
        kind: ProblemKind::Refused,
        message,
        at,
        suggestion: None,
    }
}

/// What one token holds that engines read differently.
fn token_problem(sql: &str, token: &TokenWithSpan) -> Option<Problem> {
    let at = Location {
        line: token.span.start.line.max(1),
        column: token.span.start.column.max(1),
    };
    match &token.token {
        Token::Whitespace(Whitespace::MultiLineComment(text)) if text.contains("/*") => {
            Some(refused(
                "a comment inside a comment: PostgreSQL and Spark SQL end the outer comment at its own `*/`, SQLite at the first, so they would run different queries".to_owned(),
                at,
            ))
        }
        Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::Word(sqlparser::tokenizer::Word {
            quote_style: Some(_),
            ..
        }) if raw(sql, token).contains('\\') => Some(refused(
            "a backslash in quotes: Spark SQL reads it as an escape and PostgreSQL and SQLite as itself, so a transformer's query may not hold one".to_owned(),
            at,
        )),
        _ => None,
    }
}

/// The first token two readings part at, as a problem.
fn difference(
    first: Dialect,
    a: &[TokenWithSpan],
    other: Dialect,
    b: &[TokenWithSpan],
) -> Option<Problem> {
    let significant = |t: &&TokenWithSpan| !matches!(t.token, Token::Whitespace(_));
    let mut left = a.iter().filter(significant);
    let mut right = b.iter().filter(significant);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return None,
            (Some(x), Some(y)) if x.token == y.token && x.span == y.span => {}
            (x, y) => {
                let place = x.or(y).map(|t| t.span.start);
                let at = place.map_or(Location { line: 1, column: 1 }, |p| Location {
                    line: p.line.max(1),
                    column: p.column.max(1),
                });
                let shown = |t: Option<&TokenWithSpan>| {
                    t.map_or_else(|| "the end".to_owned(), |t| describe(&t.token))
                };
                return Some(refused(
                    format!(
                        "{} and {} read this query differently here ({} reads {}, {} reads {}): write it so both read it alike",
                        name(first),
                        name(other),
                        name(first),
                        shown(x),
                        name(other),
                        shown(y)
                    ),
                    at,
                ));
            }
        }
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
            format!("the text `{}`", shortened(s))
        }
        Token::Word(w) if w.quote_style.is_some() => format!("the name `{}`", shortened(&w.value)),
        other => format!("`{}`", shortened(&other.to_string())),
    }
}

fn shortened(text: &str) -> String {
    let cut: String = text.chars().take(40).collect();
    if cut.len() < text.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

fn name(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
        Dialect::Spark => "Spark SQL",
        Dialect::Generic => "ANSI SQL",
    }
}

/// The text of `token`, as written.
fn raw<'s>(sql: &'s str, token: &TokenWithSpan) -> &'s str {
    let start = offset(sql, token.span.start.line, token.span.start.column);
    let end = offset(sql, token.span.end.line, token.span.end.column);
    match (start, end) {
        (Some(s), Some(e)) if s <= e => &sql[s..e],
        (Some(s), None) => &sql[s..],
        _ => "",
    }
}

/// The byte offset of a line and column (both from 1, the column in
/// characters).
fn offset(sql: &str, line: u64, column: u64) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += sql[start..].find('\n')? + 1;
    }
    let rest = &sql[start..];
    let skip = usize::try_from(column.saturating_sub(1)).ok()?;
    match rest.char_indices().nth(skip) {
        Some((at, _)) => Some(start + at),
        None if rest.chars().count() == skip => Some(sql.len()),
        None => None,
    }
}

/// The line and column of a byte offset.
fn location_of(sql: &str, at: usize) -> Location {
    let before = &sql[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Location {
        line: line as u64,
        column: column as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::{differences, problems};
    use crate::Dialect;

    fn said(sql: &str, dialects: &[Dialect]) -> Vec<String> {
        problems(sql, dialects)
            .into_iter()
            .chain(differences(sql, dialects))
            .map(|p| format!("{}:{} {}", p.at.line, p.at.column, p.message))
            .collect()
    }

    #[test]
    fn text_engines_read_otherwise_is_refused_where_it_is() {
        let both = [Dialect::Postgres, Dialect::Sqlite];
        assert!(said("SELECT a FROM t -- fine", &both).is_empty());
        let nested = said("SELECT /* /* */ a, --*/ '***' AS a FROM t", &both);
        assert!(
            nested[0].starts_with("1:8 a comment inside a comment"),
            "{nested:?}"
        );
        let dollar = said("SELECT '${env:X}' AS a FROM t", &[Dialect::Spark]);
        assert!(dollar[0].starts_with("1:9 `${`"), "{dollar:?}");
        let backslash = said("SELECT 'a\\', a FROM t", &[Dialect::Spark]);
        assert!(backslash[0].starts_with("1:8 a backslash"), "{backslash:?}");
        let quotes = said("SELECT \"a\" FROM t", &[Dialect::Postgres, Dialect::Spark]);
        assert!(
            quotes[0].contains("PostgreSQL reads the name `a`, Spark SQL reads the text `a`"),
            "{quotes:?}"
        );
    }
}
