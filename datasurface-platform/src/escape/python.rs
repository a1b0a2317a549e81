//! Python source: string literals that evaluate to exactly the text given.

/// A Python string literal, double-quoted, whose value is `text`: quotes,
/// backslashes and every control character are escaped, as are the line
/// and paragraph separators Python's tokenizer also ends a line at, so no
/// text can end the literal or the line.
pub fn str_literal(text: &str) -> String {
    super::double_quoted(text, &['\u{2028}', '\u{2029}', '\u{85}'])
}

/// A Python docstring: the string literal, triple-quoted (`"""…"""`), so a
/// reader sees a docstring and the value is still exactly `text`.
pub fn docstring(text: &str) -> String {
    format!("\"\"{}\"\"", str_literal(text))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Python's reading of the escapes `str_literal` writes, and a refusal
    /// of anything else: a quote or line end that is not escaped.
    fn evaluate(literal: &str) -> Option<String> {
        let body = literal.strip_prefix('"')?.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let hex: String = chars.by_ref().take(4).collect();
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    c @ ('"' | '\\') => out.push(c),
                    _ => return None,
                },
                '"' | '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => return None,
                c if c.is_control() => return None,
                c => out.push(c),
            }
        }
        Some(out)
    }

    #[test]
    fn literals_escape_what_would_end_them() {
        assert_eq!(str_literal("a\"b\\\n"), "\"a\\\"b\\\\\\n\"");
        assert_eq!(str_literal("\u{0}\u{2028}"), "\"\\u0000\\u2028\"");
        assert_eq!(docstring("x"), "\"\"\"x\"\"\"");
    }

    proptest! {
        #[test]
        fn literals_evaluate_to_the_text(text in any::<String>()) {
            prop_assert_eq!(evaluate(&str_literal(&text)), Some(text));
        }
    }
}
