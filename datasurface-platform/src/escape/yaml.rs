//! YAML: scalar values, in any YAML 1.1 or 1.2 reader.

/// A double-quoted YAML scalar whose value is the string `text`.
///
/// It is always quoted: a plain scalar could be read as another type (`yes`,
/// `no`, `~`, `1e3`, `0x10`), start an alias (`*x`), a tag (`!x`) or a
/// comment (`#`), or end a mapping (`a: b`). Inside the quotes `"` and `\`
/// are escaped, as is every control character and U+0085, U+2028, U+2029
/// (YAML line breaks) and U+FEFF, so the scalar is one line.
pub fn scalar(text: &str) -> String {
    super::double_quoted(text, &['\u{85}', '\u{2028}', '\u{2029}', '\u{feff}'])
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::scalar;

    #[test]
    fn every_value_is_a_quoted_string() {
        assert_eq!(scalar("yes"), r#""yes""#);
        assert_eq!(scalar("a: b # c"), r#""a: b # c""#);
        assert_eq!(scalar("\u{2028}"), r#""\u2028""#);
    }

    proptest! {
        #[test]
        fn reads_back_as_the_text(text in any::<String>()) {
            let quoted = scalar(&text);
            prop_assert!(!quoted.contains(['\n', '\r']));
            let doc = format!("key: {quoted}\nnext: 1\n");
            let back: BTreeMap<String, serde_json::Value> = serde_saphyr::from_str(&doc)
                .map_err(|e| TestCaseError::fail(format!("{doc:?}: {e}")))?;
            prop_assert_eq!(back.get("key"), Some(&serde_json::Value::String(text)));
        }
    }
}
