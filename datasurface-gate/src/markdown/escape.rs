//! Text from the model (names, messages, reasons, commit subjects) as
//! GitHub-flavoured Markdown shows it: the one place any of it is made
//! Markdown. Every ASCII punctuation character that could mean something
//! is backslash-escaped (which CommonMark allows for any of them; `,`, `;`,
//! `?`, quotes, `%`, `/` and `=` never do, and are left), so no text makes emphasis, a link,
//! a table cell's end, an HTML tag or an entity; line breaks become
//! spaces, so no text starts a block; every character the one text policy
//! calls unsafe (`datasurface_stdx::text::is_unsafe`: controls,
//! bidirectional controls and marks, zero-width characters, separators)
//! becomes U+FFFD, so no text hides or reorders what a reviewer reads.
//! Code spans pick a fence longer than any backtick run inside.

/// What a character becomes when it cannot be shown as itself.
const REPLACEMENT: char = '\u{FFFD}';

/// Whether `c` is shown as U+FFFD: what the one text policy calls unsafe
/// (line breaks and tabs are spaces before this is asked).
fn hidden(c: char) -> bool {
    datasurface_stdx::text::is_unsafe(c)
}

/// One line of `raw`: line breaks and tabs as spaces, hidden characters
/// replaced.
fn one_line(raw: &str) -> impl Iterator<Item = char> + '_ {
    raw.chars().map(|c| match c {
        '\n' | '\r' | '\t' => ' ',
        c if hidden(c) => REPLACEMENT,
        c => c,
    })
}

/// `raw` as inline Markdown text, in a paragraph, a list item or a table
/// cell, showing exactly `raw` (on one line, without the spaces it starts
/// and ends with, which Markdown would drop or read as an indented block
/// or a line break).
pub fn text(raw: &str) -> String {
    let line: String = one_line(raw).collect();
    escaped(line.trim_matches(' '))
}

/// ASCII punctuation that means nothing in inline GitHub-flavoured
/// Markdown wherever it stands, so it is shown as itself: escaping it would
/// only make the comment's source harder to read. (`&` starts an entity,
/// `:`, `.` and `@` autolinks, `$` math; those stay escaped.)
fn inert(c: char) -> bool {
    matches!(c, ',' | ';' | '?' | '\'' | '"' | '%' | '/' | '=')
}

/// A line's characters, each ASCII punctuation character that could mean
/// something backslash-escaped.
fn escaped(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 4);
    for c in line.chars() {
        if c.is_ascii_punctuation() && !inert(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A message of datasurface's (a finding, a help line, a plan step's
/// reason), whose names it puts between backticks: those as code spans,
/// the rest as [`text`]. A message whose backticks do not pair (a name
/// holding one) is all text.
pub fn message(raw: &str) -> String {
    message_with(raw, code)
}

/// [`message`] in a table cell.
pub fn message_in_cell(raw: &str) -> String {
    message_with(raw, code_in_cell)
}

fn message_with(raw: &str, span: fn(&str) -> String) -> String {
    let line: String = one_line(raw).collect();
    let line = line.trim_matches(' ');
    let parts: Vec<&str> = line.split('`').collect();
    let last = parts.len() - 1;
    // Unpaired backticks, an empty name, or two names with nothing between
    // (whose fences would run together): all text.
    let plain = parts.len().is_multiple_of(2)
        || parts
            .iter()
            .enumerate()
            .any(|(i, p)| p.is_empty() && (i % 2 == 1 || (i > 0 && i < last)));
    if plain {
        return text(raw);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 0 {
                escaped(part)
            } else {
                span(part)
            }
        })
        .collect()
}

/// `raw` as a code span, outside a table.
pub fn code(raw: &str) -> String {
    fenced(&one_line(raw).collect::<String>())
}

/// `raw` as a code span in a table cell: GitHub reads a cell's `|` before
/// its code spans, so each is escaped, and shows as `|`.
pub fn code_in_cell(raw: &str) -> String {
    fenced(&one_line(raw).collect::<String>()).replace('|', "\\|")
}

/// A code span around `s`, with a fence longer than its longest run of
/// backticks, padded with a space each side where `s` starts or ends with
/// a backtick, or starts and ends with a space (which a code span would
/// strip), so that it shows exactly `s`.
fn fenced(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = s.starts_with('`')
        || s.ends_with('`')
        || (s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty());
    if pad {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

    /// The text a CommonMark renderer (with GitHub's tables) shows for
    /// `markdown`, and whether it made anything but text and code.
    fn rendered(markdown: &str) -> (String, Vec<String>) {
        let mut shown = String::new();
        let mut other = Vec::new();
        for event in Parser::new_ext(markdown, Options::ENABLE_TABLES) {
            match event {
                Event::Text(t) | Event::Code(t) => shown.push_str(&t),
                Event::Start(
                    Tag::Paragraph
                    | Tag::Table(_)
                    | Tag::TableHead
                    | Tag::TableRow
                    | Tag::TableCell,
                )
                | Event::End(
                    TagEnd::Paragraph
                    | TagEnd::Table
                    | TagEnd::TableHead
                    | TagEnd::TableRow
                    | TagEnd::TableCell,
                ) => {}
                other_event => other.push(format!("{other_event:?}")),
            }
        }
        (shown, other)
    }

    /// What a reviewer is shown of `raw`.
    fn shown(raw: &str) -> String {
        one_line(raw).collect()
    }

    /// A cell of a one-column table holding `cell`, with a second cell
    /// after it: the cell must end where it should.
    fn in_table(cell: &str) -> (String, Vec<String>) {
        rendered(&format!("| a | b |\n|---|---|\n| {cell} | end |\n"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn text_shows_exactly_what_it_is_given(raw in "\\PC{0,40}|[\\\\`*_<>&|\\[\\]()#!~\\- \n,;?'\"%/=:.@$]{0,20}") {
            prop_assume!(!shown(&raw).trim_matches(' ').is_empty());
            let (got, other) = rendered(&text(&raw));
            prop_assert!(other.is_empty(), "{:?} made {:?}", raw, other);
            let expected = shown(&raw);
            // A paragraph drops the spaces it starts and ends with (ASCII
            // spaces only, as CommonMark says).
            prop_assert_eq!(got.as_str(), expected.trim_matches(' '));
        }

        #[test]
        fn text_in_a_table_cell_stays_in_its_cell(raw in "\\PC{0,40}|[\\\\`*_<>&|\\[\\]()#!~\\- \n,;?'\"%/=:.@$]{0,20}") {
            prop_assume!(!shown(&raw).trim_matches(' ').is_empty());
            let (got, other) = in_table(&text(&raw));
            prop_assert!(other.is_empty(), "{:?} made {:?}", raw, other);
            prop_assert_eq!(got, format!("ab{}end", shown(&raw).trim_matches(' ')));
        }

        #[test]
        fn code_shows_exactly_what_it_is_given(raw in "[a-z`|<*\\\\ ]{1,20}") {
            prop_assume!(!raw.trim().is_empty());
            let (got, other) = rendered(&code(&raw));
            prop_assert!(other.is_empty(), "{:?} made {:?}", raw, other);
            // A code span's content loses one space on each side when
            // both are spaces, as CommonMark strips the padding.
            let expected = shown(&raw);
            let unpadded = expected.strip_prefix(' ').and_then(|s| s.strip_suffix(' '));
            prop_assert!(got == expected || Some(got.as_str()) == unpadded, "{:?} shown as {:?}", raw, got);
        }

        #[test]
        fn code_in_a_cell_stays_in_its_cell(raw in "[a-z`|<*\\\\ ]{1,20}") {
            prop_assume!(!raw.trim().is_empty());
            let (got, other) = in_table(&code_in_cell(&raw));
            prop_assert!(other.is_empty(), "{:?} made {:?}", raw, other);
            prop_assert!(got.starts_with("ab") && got.ends_with("end"), "{:?} shown as {:?}", raw, got);
            let inner = &got[2..got.len() - 3];
            let expected = shown(&raw);
            let unpadded = expected.strip_prefix(' ').and_then(|s| s.strip_suffix(' '));
            prop_assert!(inner == expected || Some(inner) == unpadded, "{:?} shown as {:?}", raw, inner);
        }
    }

    proptest! {
        #[test]
        fn a_message_shows_its_text_with_names_as_code(
            parts in proptest::collection::vec("[a-z<>*|\\_ ]{1,8}", 1..6)
        ) {
            let raw = parts.join("`");
            let (got, other) = rendered(&message(&raw));
            prop_assert!(other.is_empty(), "{:?} made {:?}", raw, other);
            // What a reader sees is the message without its backticks
            // when they pair (names as code), or with them.
            let plain: String = raw.chars().filter(|c| *c != '`').collect();
            let unpaired = raw.matches('`').count() % 2 == 1;
            let want = if unpaired { raw.trim_matches(' ').to_owned() } else { plain.trim_matches(' ').to_owned() };
            let squeezed = |s: &str| s.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
            prop_assert_eq!(squeezed(&got), squeezed(&want));
        }
    }

    #[test]
    fn nothing_a_name_holds_makes_markup() {
        for hostile in [
            "<script>alert(1)</script>",
            "[click](https://evil.example)",
            "**bold** _it_",
            "</details><details open>",
            "a | b",
            "&amp; &#60;",
            "# heading\n- item",
            "![img](x)",
        ] {
            let (got, other) = rendered(&text(hostile));
            assert!(other.is_empty(), "{hostile}: {other:?}");
            assert_eq!(got, shown(hostile));
        }
    }

    #[test]
    fn hidden_characters_are_shown_as_replacements() {
        assert_eq!(text("a\u{202E}b\u{0007}c"), "a\u{FFFD}b\u{FFFD}c");
        assert_eq!(code("x\u{2066}y"), "`x\u{FFFD}y`");
        // Each class the docs name: the Arabic letter mark, zero-width
        // space, non-joiner and joiner, word joiner, byte-order mark, the
        // separators.
        for c in [
            '\u{061C}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{2028}',
            '\u{2029}',
        ] {
            assert_eq!(text(&format!("a{c}b")), "a\u{FFFD}b", "{c:?}");
            assert_eq!(
                message_in_cell(&format!("`a{c}b`")),
                message_in_cell("`a\u{FFFD}b`")
            );
        }
    }

    /// Text a hostile team writes to make escaping slow: runs of backticks
    /// of every length, punctuation, hidden characters.
    #[test]
    fn escaping_grows_linearly_with_its_text() {
        use datasurface_fixtures::growth::assert_near_linear;
        let hostile = |n: usize| -> String {
            let mut text = String::new();
            for i in 0..n {
                text.push_str(&"`".repeat(i % 64 + 1));
                text.push_str("x*|<\u{202E}");
            }
            text
        };
        assert_near_linear("escaping text", 100..=1_000_000, hostile, |s| {
            let _ = text(s);
        });
        assert_near_linear("a code span", 100..=1_000_000, hostile, |s| {
            let _ = code_in_cell(s);
        });
        assert_near_linear("a message", 100..=1_000_000, hostile, |s| {
            let _ = message_in_cell(s);
        });
    }

    proptest! {
        #[test]
        fn no_unsafe_character_reaches_a_comment(raw in "[a-z\u{0}-\u{1f}\u{61c}\u{200b}-\u{200f}\u{2028}-\u{202e}\u{2060}-\u{2069}\u{feff}]{0,30}") {
            for shown in [text(&raw), code(&raw), message(&raw), message_in_cell(&raw), code_in_cell(&raw)] {
                prop_assert!(
                    !shown.chars().any(datasurface_stdx::text::is_unsafe),
                    "{:?} showed {:?}", raw, shown
                );
            }
        }
    }
}
