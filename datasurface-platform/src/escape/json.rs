//! JSON: string values.

/// A JSON string whose value is `text`, quotes included: `"`, `\` and every
/// control character are escaped, as are U+2028 and U+2029 (which end a line
/// in JavaScript), so the string is also safe inside a `<script>` block's
/// JSON or a line-oriented log.
pub fn string(text: &str) -> String {
    // `</script>` cannot end an embedding block.
    super::double_quoted(text, &['<', '>', '&', '\u{2028}', '\u{2029}'])
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
