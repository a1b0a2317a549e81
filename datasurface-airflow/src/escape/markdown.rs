//! Markdown: text shown as code in a table cell, never as markup.

/// An inline code span whose content is `text`: fenced with more backticks
/// than the text's longest run, with `|` (a table cell's end) and line
/// breaks replaced, so the text cannot end the span, the cell or the row.
pub fn code(text: &str) -> String {
    let text: String = text
        .chars()
        .map(|c| match c {
            '|' => '¦',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_any_text() {
        assert_eq!(code("merge_rw"), "`merge_rw`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("a|b\nc"), "`a¦b c`");
    }
}
