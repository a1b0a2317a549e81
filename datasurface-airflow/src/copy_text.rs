//! PostgreSQL's `COPY … FROM STDIN` text format: the one place values from
//! SQLite files and CSV files are written for it.
//!
//! A row is its fields separated by tabs and ended by a newline; a null is
//! `\N`; a backslash, tab, newline or carriage return inside a field is
//! written with a backslash escape, so no field can end its row or start
//! another (see PostgreSQL's `COPY` documentation, "Text Format").

/// Writes one field's text, escaped.
pub fn push_field(out: &mut Vec<u8>, text: &str) {
    for b in text.bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b => out.push(b),
        }
    }
}

/// Writes a null field.
pub fn push_null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"\\N");
}

/// Writes bytes as a `bytea` field in hex form (`\x0a1b…`, its backslash escaped).
pub fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(b"\\\\x");
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads one row back into its fields (`None` for null): the inverse of
    /// the writers above.
    fn parse_row(line: &[u8]) -> Vec<Option<Vec<u8>>> {
        let mut fields = Vec::new();
        for raw in line.split(|&b| b == b'\t') {
            if raw == b"\\N" {
                fields.push(None);
                continue;
            }
            let mut field = Vec::with_capacity(raw.len());
            let mut bytes = raw.iter();
            while let Some(&b) = bytes.next() {
                if b == b'\\' {
                    match bytes.next() {
                        Some(b't') => field.push(b'\t'),
                        Some(b'n') => field.push(b'\n'),
                        Some(b'r') => field.push(b'\r'),
                        Some(&other) => field.push(other),
                        None => field.push(b'\\'),
                    }
                } else {
                    field.push(b);
                }
            }
            fields.push(Some(field));
        }
        fields
    }

    proptest! {
        #[test]
        fn any_fields_round_trip_in_one_row(fields in proptest::collection::vec(proptest::option::of(".*"), 1..6)) {
            let mut line = Vec::new();
            for (n, f) in fields.iter().enumerate() {
                if n > 0 {
                    line.push(b'\t');
                }
                match f {
                    Some(text) => push_field(&mut line, text),
                    None => push_null(&mut line),
                }
            }
            // One row: no raw newline, and exactly one field per value.
            prop_assert!(!line.contains(&b'\n') && !line.contains(&b'\r'));
            let back: Vec<Option<String>> = parse_row(&line)
                .into_iter()
                .map(|f| f.map(|b| String::from_utf8(b).unwrap()))
                .collect();
            prop_assert_eq!(back, fields);
        }
    }

    #[test]
    fn a_text_that_looks_like_null_is_not_null() {
        let mut line = Vec::new();
        push_field(&mut line, "\\N");
        assert_eq!(line, b"\\\\N");
        assert_eq!(parse_row(&line), vec![Some(b"\\N".to_vec())]);
        let mut bytes = Vec::new();
        push_bytes(&mut bytes, &[0, 255]);
        assert_eq!(bytes, b"\\\\x00ff");
    }
}
