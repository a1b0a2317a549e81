//! Where a place inside a text value is in its file: a finding inside a
//! transformer's query is shown at the query's own line and column, not
//! at its key, whatever the value's style (a literal or folded block, a
//! plain, single- or double-quoted scalar over one line or several, a JSON
//! string with escapes).

/// The file line and column (both from 1, the column in characters) of
/// line `within.0`, column `within.1` of the text of the value whose key
/// is at `key` (line and column in `text`). `None` when the value is not
/// found there or is shorter.
pub(crate) fn place(
    text: &str,
    key: (usize, usize),
    within: (usize, usize),
) -> Option<(usize, usize)> {
    let lines: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
    let (key_line, key_column) = (key.0.checked_sub(1)?, key.1.checked_sub(1)?);
    let line = lines.get(key_line)?;
    let key_indent = indent(line);
    let start = value_start(line, key_column);
    let decoded = match line.get(start) {
        Some('|' | '>') => block(&lines, key_line, start, key_indent),
        Some('"') => quoted(&lines, key_line, start, '"'),
        Some('\'') => quoted(&lines, key_line, start, '\''),
        Some(_) => plain(&lines, key_line, start, key_indent),
        None => plain(
            &lines,
            key_line + 1,
            indent(lines.get(key_line + 1)?),
            key_indent,
        ),
    };
    decoded
        .into_iter()
        .find(|(at, _)| *at == within)
        .map(|(_, (line, column))| (line + 1, column + 1))
}

fn indent(line: &[char]) -> usize {
    line.iter().take_while(|c| **c == ' ').count()
}

fn blank(line: &[char]) -> bool {
    line.iter().all(|c| c.is_whitespace())
}

/// Where the value begins on the key's line: past the key (quoted or
/// not), its `:` and the spaces after it.
fn value_start(line: &[char], key_column: usize) -> usize {
    let mut i = key_column;
    match line.get(i) {
        Some(&quote @ ('"' | '\'')) => {
            i += 1;
            while let Some(&c) = line.get(i) {
                i += 1;
                if c == '\\' && quote == '"' {
                    i += 1;
                } else if c == quote {
                    break;
                }
            }
        }
        _ => {
            while line.get(i).is_some_and(|c| *c != ':') {
                i += 1;
            }
        }
    }
    while line.get(i).is_some_and(|c| *c != ':') {
        i += 1;
    }
    i += 1;
    while line.get(i).is_some_and(|c| *c == ' ') {
        i += 1;
    }
    i
}

/// Each character of the decoded text, as (line, column) from 1, with its
/// place in the file (line and column from 0).
type Decoded = Vec<((usize, usize), (usize, usize))>;

/// A `|` or `>` block scalar whose header is at `start` of line `key_line`.
fn block(lines: &[Vec<char>], key_line: usize, start: usize, key_indent: usize) -> Decoded {
    let folded = lines[key_line][start] == '>';
    let content: Vec<usize> = (key_line + 1..lines.len())
        .take_while(|&n| blank(&lines[n]) || indent(&lines[n]) > key_indent)
        .collect();
    let Some(first) = content.iter().find(|&&n| !blank(&lines[n])) else {
        return Decoded::new();
    };
    let content_indent = indent(&lines[*first]);
    let mut out = Decoded::new();
    let (mut line, mut column) = (1, 1);
    // Whether the last line written was text, which a folded block joins
    // to the next with a space.
    let mut after_text = false;
    for &n in content.iter().skip_while(|&&n| blank(&lines[n])) {
        let raw = &lines[n];
        if blank(raw) {
            line += 1;
            column = 1;
            after_text = false;
            continue;
        }
        let more_indented = indent(raw) > content_indent;
        if folded && after_text && !more_indented {
            column += 1;
        } else if (after_text || !folded) && out.last().is_some() {
            line += 1;
            column = 1;
        }
        for (i, _) in raw.iter().enumerate().skip(content_indent) {
            out.push(((line, column), (n, i)));
            column += 1;
        }
        after_text = !more_indented;
        if !folded {
            after_text = true;
        }
    }
    out
}

/// A quoted scalar (or a JSON string) opening at `start` of `key_line`.
fn quoted(lines: &[Vec<char>], key_line: usize, start: usize, quote: char) -> Decoded {
    let mut out = Decoded::new();
    let (mut line, mut column) = (1, 1);
    let (mut n, mut i) = (key_line, start + 1);
    while let Some(raw) = lines.get(n) {
        let Some(&c) = raw.get(i) else {
            // A line break inside the scalar folds to a space.
            n += 1;
            i = lines.get(n).map_or(0, |l| indent(l));
            column += 1;
            continue;
        };
        match c {
            '\\' if quote == '"' => {
                let width = match raw.get(i + 1) {
                    Some('u') => 6,
                    Some('U') => 10,
                    Some('x') => 4,
                    _ => 2,
                };
                if raw.get(i + 1) == Some(&'n') {
                    line += 1;
                    column = 1;
                } else {
                    out.push(((line, column), (n, i)));
                    column += 1;
                }
                i += width;
            }
            '\'' if quote == '\'' && raw.get(i + 1) == Some(&'\'') => {
                out.push(((line, column), (n, i)));
                column += 1;
                i += 2;
            }
            c if c == quote => break,
            _ => {
                out.push(((line, column), (n, i)));
                column += 1;
                i += 1;
            }
        }
    }
    out
}

/// A plain scalar from `start` of `line_at`, over the lines below that are
/// more indented than its key.
fn plain(lines: &[Vec<char>], line_at: usize, start: usize, key_indent: usize) -> Decoded {
    let mut out = Decoded::new();
    let (line, mut column) = (1, 1);
    for (n, raw) in lines.iter().enumerate().skip(line_at) {
        if n > line_at && (blank(raw) || indent(raw) <= key_indent) {
            break;
        }
        let from = if n == line_at { start } else { indent(raw) };
        if n > line_at {
            column += 1;
        }
        let end = raw
            .windows(2)
            .position(|w| w == [' ', '#'])
            .unwrap_or(raw.len());
        for i in from..end.max(from) {
            out.push(((line, column), (n, i)));
            column += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where `needle` (a word of the value) is in the file, by its place in
    /// the decoded value `value`.
    fn found(text: &str, key: (usize, usize), value: &str, needle: &str) -> Option<(usize, usize)> {
        let (line, column) = value
            .lines()
            .enumerate()
            .find_map(|(n, l)| l.find(needle).map(|c| (n + 1, l[..c].chars().count() + 1)))?;
        place(text, key, (line, column))
    }

    fn at(text: &str, needle: &str) -> (usize, usize) {
        text.lines()
            .enumerate()
            .find_map(|(n, l)| l.find(needle).map(|c| (n + 1, l[..c].chars().count() + 1)))
            .unwrap()
    }

    #[test]
    fn folded_block() {
        let text = "queries:\n  customers: >-\n    SELECT customer_id, company_name\n    FROM NW_Data_customers\n";
        let value = "SELECT customer_id, company_name FROM NW_Data_customers";
        let key = at(text, "customers:");
        assert_eq!(found(text, key, value, "FROM"), Some(at(text, "FROM")));
        assert_eq!(
            found(text, key, value, "company_name"),
            Some(at(text, "company_name"))
        );
    }

    #[test]
    fn literal_block() {
        let text = "q: |\n  SELECT a,\n         SUM(amont)\n  FROM t\n";
        let value = "SELECT a,\n       SUM(amont)\nFROM t";
        assert_eq!(found(text, (1, 1), value, "amont"), Some(at(text, "amont")));
        assert_eq!(found(text, (1, 1), value, "FROM"), Some(at(text, "FROM")));
    }

    #[test]
    fn plain_and_quoted_scalars() {
        let text = "  totals: SELECT SUM(amont) FROM t\n";
        assert_eq!(
            found(text, (1, 3), "SELECT SUM(amont) FROM t", "amont"),
            Some(at(text, "amont"))
        );
        let text = "  totals: 'SELECT ''x'', amont FROM t'\n";
        assert_eq!(
            found(text, (1, 3), "SELECT 'x', amont FROM t", "amont"),
            Some(at(text, "amont"))
        );
        let text = "  totals: SELECT a,\n    amont FROM t\n";
        assert_eq!(
            found(text, (1, 3), "SELECT a, amont FROM t", "amont"),
            Some(at(text, "amont"))
        );
    }

    #[test]
    fn json_string_with_escapes() {
        let text = "{\"queries\": {\"totals\": \"SELECT \\\"a\\\",\\n  SUM(amont) FROM t\"}}";
        let value = "SELECT \"a\",\n  SUM(amont) FROM t";
        let key = at(text, "\"totals\"");
        assert_eq!(found(text, key, value, "amont"), Some(at(text, "amont")));
    }

    #[test]
    fn a_place_past_the_value_is_none() {
        assert_eq!(place("q: SELECT 1\n", (1, 1), (3, 1)), None);
        assert_eq!(place("", (1, 1), (1, 1)), None);
    }
}
