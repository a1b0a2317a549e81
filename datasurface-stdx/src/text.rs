//! Text a model or a hook supplies, on its way to a terminal or a log: the
//! one place that says which characters may reach one as they are.
//!
//! A control character can move the cursor, rewrite what a terminal shows
//! or end a line of a log early; a bidirectional control (U+202E and its
//! kin, the Arabic letter mark U+061C) shows text in another order than it
//! is read (Trojan Source); a zero-width character (U+200B to U+200D,
//! U+2060, U+FEFF) hides inside a name, so two names that read alike
//! differ; a line or paragraph separator (U+2028, U+2029) starts a new line
//! in some viewers and not others. One-line texts (a hook's reason) refuse
//! them ([`unsafe_in_line`]); any text printed is escaped
//! ([`for_terminal`]); a pull-request comment shows each as U+FFFD
//! (`datasurface_gate::markdown`). [`is_unsafe`] is the one list.

use std::borrow::Cow;

/// Whether `c` changes how text around it is shown, or hides in it: a
/// control character other than a line feed or a tab, a bidirectional
/// control or mark, a zero-width character, or a line or paragraph
/// separator.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(
            c,
            '\u{61C}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{FEFF}'
        )
}

/// The first character of a one-line text that may not be in one: any
/// [`is_unsafe`] character, a line feed or a tab.
pub fn unsafe_in_line(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| is_unsafe(c) || c == '\n' || c == '\t')
}

/// `text` with every [`is_unsafe`] character written as its escape
/// (`\u{202e}`), so what a terminal shows is what the text holds.
pub fn for_terminal(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn controls_and_bidi_are_escaped_and_refused() {
        assert_eq!(for_terminal("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            for_terminal("evil\u{202E}txt.exe\u{1b}[2J\u{2028}"),
            "evil\\u{202e}txt.exe\\u{1b}[2J\\u{2028}"
        );
        assert_eq!(unsafe_in_line("a\nb"), Some('\n'));
        assert_eq!(unsafe_in_line("a\u{2066}b"), Some('\u{2066}'));
        assert_eq!(unsafe_in_line("café – ok"), None);
    }

    proptest! {
        /// Whatever the text, what is printed holds no character that
        /// changes how it is shown, and text without one is unchanged.
        #[test]
        fn printed_text_is_always_safe(text in "\\PC*|[\\x00-\\x1f\\u{202a}-\\u{202e}\\u{2066}-\\u{2069}\\u{2028}\\u{2029}a-z]*") {
            let printed = for_terminal(&text);
            prop_assert!(!printed.chars().any(is_unsafe));
            if !text.chars().any(is_unsafe) {
                prop_assert_eq!(printed.as_ref(), text.as_str());
            }
        }
    }
}
