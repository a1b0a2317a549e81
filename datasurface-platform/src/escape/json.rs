//! JSON: string values.

/// A JSON string whose value is `text`, quotes included: `"`, `\` and every
/// control character are escaped, as are U+2028 and U+2029 (which end a line
/// in JavaScript), so the string is also safe inside a `<script>` block's
/// JSON or a line-oriented log.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // `</script>` cannot end an embedding block.
            '<' | '>' | '&' => push_unicode(&mut out, c),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => {
                push_unicode(&mut out, c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `\uXXXX` of a character of the Basic Multilingual Plane.
pub(crate) fn push_unicode(out: &mut String, c: char) {
    use std::fmt::Write as _;
    let _ = write!(out, "\\u{:04x}", u32::from(c));
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::string;

    #[test]
    fn specials_are_escaped() {
        assert_eq!(string("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(string("</script>"), r#""\u003c/script\u003e""#);
        assert_eq!(string("\u{2028}\u{7f}"), r#""\u2028\u007f""#);
    }

    proptest! {
        #[test]
        fn reads_back_as_the_text(text in any::<String>()) {
            let quoted = string(&text);
            prop_assert!(!quoted[1..quoted.len() - 1].contains(['\n', '\r']));
            let back: String = serde_json::from_str(&quoted).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, text);
        }
    }
}
