//! SQL: quoted identifiers and string literals, by dialect.

/// A SQL dialect: how it quotes identifiers and string literals.
///
/// Every identifier is quoted, so a name keeps its case and can be any
/// keyword; every literal is a whole token, quotes included.
///
/// ```
/// use datasurface_platform::escape::sql::Dialect;
///
/// assert_eq!(Dialect::Postgres.ident("Mart \"A\""), r#""Mart ""A""""#);
/// assert_eq!(Dialect::SqlServer.ident("a]b"), "[a]]b]");
/// assert_eq!(Dialect::MySql.ident("a`b"), "`a``b`");
/// assert_eq!(Dialect::Postgres.literal(r"C:\data"), r"E'C:\\data'");
/// assert_eq!(Dialect::SqlServer.literal("it's"), "N'it''s'");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// Standard SQL: `"ident"`, `'text'`, each quote doubled.
    Ansi,
    /// PostgreSQL. Literals with a backslash are written as `E'…'` with the
    /// backslash doubled, so they read the same whatever the session's
    /// `standard_conforming_strings`.
    Postgres,
    /// SQLite: as standard SQL.
    Sqlite,
    /// Microsoft SQL Server (T-SQL): `[ident]` with `]` doubled, `N'text'`.
    SqlServer,
    /// `MySQL` and `MariaDB`: `` `ident` `` with `` ` `` doubled; `'text'` with
    /// `'` doubled and `\` escaped. Under the `NO_BACKSLASH_ESCAPES` mode a
    /// literal with a backslash reads with two, but still cannot end early.
    MySql,
    /// Apache Flink SQL (Calcite): `` `ident` `` with `` ` `` doubled,
    /// `'text'` with `'` doubled.
    FlinkSql,
    /// Apache Spark SQL: `` `ident` `` with `` ` `` doubled; `'text'` with
    /// `'` and `\` escaped by a backslash. Spark reads `''` inside a literal
    /// as the end of one literal and the start of another (which it joins
    /// on), so a doubled quote would vanish: it is never written.
    SparkSql,
}

impl Dialect {
    /// The quoted identifier whose name is `name`.
    ///
    /// A name with a NUL character cannot be an identifier in most engines;
    /// it is quoted like any other and the engine refuses it.
    pub fn ident(self, name: &str) -> String {
        let (open, close) = match self {
            Dialect::Ansi | Dialect::Postgres | Dialect::Sqlite => ('"', '"'),
            Dialect::SqlServer => ('[', ']'),
            Dialect::MySql | Dialect::FlinkSql | Dialect::SparkSql => ('`', '`'),
        };
        let mut out = String::with_capacity(name.len() + 2);
        out.push(open);
        for c in name.chars() {
            if c == close {
                out.push(close);
            }
            out.push(c);
        }
        out.push(close);
        out
    }

    /// A schema-qualified name: each part quoted, joined by `.`.
    pub fn qualified(self, parts: &[&str]) -> String {
        parts
            .iter()
            .map(|p| self.ident(p))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The string literal whose value is `text`.
    ///
    /// Line breaks and other control characters stay as they are: a literal
    /// may span lines. PostgreSQL cannot store a NUL character in text and
    /// refuses a literal that holds one.
    pub fn literal(self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 3);
        let backslashes = match self {
            Dialect::Postgres if text.contains('\\') => {
                out.push('E');
                true
            }
            Dialect::MySql | Dialect::SparkSql => true,
            Dialect::SqlServer => {
                out.push('N');
                false
            }
            _ => false,
        };
        out.push('\'');
        for c in text.chars() {
            match c {
                '\'' if self == Dialect::SparkSql => out.push_str("\\'"),
                '\'' => out.push_str("''"),
                '\\' if backslashes => out.push_str("\\\\"),
                '\0' if self == Dialect::MySql => out.push_str("\\0"),
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Dialect;

    const ALL: [Dialect; 7] = [
        Dialect::Ansi,
        Dialect::Postgres,
        Dialect::Sqlite,
        Dialect::SqlServer,
        Dialect::MySql,
        Dialect::FlinkSql,
        Dialect::SparkSql,
    ];

    /// How each dialect's lexer reads a quoted token at the start of `sql`:
    /// its value and the rest of the text after it.
    fn lex(dialect: Dialect, sql: &str, literal: bool) -> Option<(String, &str)> {
        let (prefix, open, close, backslash) = match (dialect, literal) {
            (Dialect::SqlServer, false) => ("", '[', ']', false),
            (Dialect::MySql | Dialect::FlinkSql | Dialect::SparkSql, false) => {
                ("", '`', '`', false)
            }
            (_, false) => ("", '"', '"', false),
            (Dialect::SqlServer, true) => ("N", '\'', '\'', false),
            (Dialect::MySql | Dialect::SparkSql, true) => ("", '\'', '\'', true),
            (Dialect::Postgres, true) if sql.starts_with('E') => ("E", '\'', '\'', true),
            (_, true) => ("", '\'', '\'', false),
        };
        let rest = sql.strip_prefix(prefix)?.strip_prefix(open)?;
        let mut value = String::new();
        let mut chars = rest.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            if c == '\\' && backslash {
                let (_, next) = chars.next()?;
                value.push(if next == '0' { '\0' } else { next });
            } else if c == close {
                if chars.peek().is_some_and(|(_, n)| *n == close) {
                    chars.next();
                    value.push(close);
                } else {
                    return Some((value, &rest[at + c.len_utf8()..]));
                }
            } else {
                value.push(c);
            }
        }
        None
    }

    #[test]
    fn each_dialect_quotes_its_way() {
        assert_eq!(Dialect::Ansi.ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::FlinkSql.ident("Mart A"), "`Mart A`");
        assert_eq!(Dialect::Postgres.literal("it's"), "'it''s'");
        assert_eq!(Dialect::MySql.literal("a\\'\0"), "'a\\\\''\\0'");
        assert_eq!(Dialect::Sqlite.literal("a\\b"), "'a\\b'");
        assert_eq!(Dialect::SparkSql.literal("it's a\\"), "'it\\'s a\\\\'");
        assert_eq!(Dialect::SparkSql.ident("a`b"), "`a``b`");
        assert_eq!(
            Dialect::Postgres.qualified(&["s", "t\"x"]),
            "\"s\".\"t\"\"x\""
        );
    }

    proptest! {
        #[test]
        fn tokens_read_back_whole(text in any::<String>(), tail in "[ ;a-z]{0,4}") {
            for dialect in ALL {
                for literal in [false, true] {
                    let token = if literal { dialect.literal(&text) } else { dialect.ident(&text) };
                    let sql = format!("{token}{tail}");
                    let read = lex(dialect, &sql, literal);
                    prop_assert_eq!(read, Some((text.clone(), tail.as_str())), "{:?} {}", dialect, sql);
                }
            }
        }
    }
}
