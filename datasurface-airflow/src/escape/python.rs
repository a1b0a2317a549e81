//! Python source: string literals that evaluate to exactly the text given.

use std::fmt::Write as _;

/// A Python string literal, double-quoted, whose value is `text`: quotes,
/// backslashes and every control character are escaped, so no text can end
/// the literal or the line.
pub fn str_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Control characters, and the line and paragraph separators
            // Python's tokenizer would also end a line at.
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{85}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python docstring: the string literal, triple-quoted.
pub fn docstring(text: &str) -> String {
    format!("\"\"{}\"\"", str_literal(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_what_would_end_them() {
        assert_eq!(str_literal("a\"b\\\n"), "\"a\\\"b\\\\\\n\"");
        assert_eq!(str_literal("\u{0}\u{2028}"), "\"\\u0000\\u2028\"");
    }
}
