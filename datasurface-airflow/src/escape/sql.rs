//! SQL (PostgreSQL) string literals. Identifiers are quoted by
//! [`crate::names::quoted`], where physical names are made.

/// A SQL string literal whose value is `text`: single-quoted, quotes doubled.
/// PostgreSQL's `standard_conforming_strings` (on by default since 9.1, and
/// set by every job's session) keeps backslashes literal.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_are_doubled() {
        assert_eq!(super::literal("it's"), "'it''s'");
    }
}
