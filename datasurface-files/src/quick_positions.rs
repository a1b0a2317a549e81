//! A quick way to the positions [`super::positions`] finds, for the shapes
//! model files nearly always have: JSON, and block YAML whose wanted parts
//! are block mappings and sequences. It reads lines (YAML) or bytes (JSON)
//! and passes over what no wanted path goes through without tokenizing it,
//! at many times the speed of the YAML event walk.
//!
//! It reads only what it is sure of, and answers `None` for anything else
//! (a tab in an indentation, a document marker, an anchor or flow
//! collection on a wanted path, a value over several lines it cannot
//! bound, a quoted key with escapes, ...): the caller then takes the event
//! walk, which is the reference. Where it answers, it answers as the walk
//! does; the tests hold the two together on every path of the example and
//! generated models and on odd documents.

use std::collections::BTreeSet;
use std::ops::Bound;

use datasurface_core::diagnostic::Segment;

use crate::positions::Positions;

/// The deepest nesting read; deeper documents take the event walk.
const MAX_DEPTH: usize = 128;

/// The positions of the `wanted` paths (every prefix of each included),
/// or `None` where the text is not of a shape read here.
pub(super) fn positions(text: &str, wanted: &BTreeSet<Vec<Segment>>) -> Option<Positions> {
    if text.starts_with('\u{feff}') || text.contains('\r') {
        return None;
    }
    let first = text.trim_start();
    if first.starts_with('{') || first.starts_with('[') {
        let mut json = Json {
            text,
            bytes: text.as_bytes(),
            at: 0,
            line: 1,
            line_start: 0,
            counted: (0, 0),
            wanted,
            out: Positions::new(),
            path: Vec::new(),
        };
        json.space();
        if wanted.contains(&Vec::new()) {
            let at = json.position();
            json.out.insert(Vec::new(), at);
        }
        json.value(0)?;
        json.space();
        return (json.at == json.bytes.len()).then_some(json.out);
    }
    Yaml::new(text, wanted)?.document()
}

/// Whether a path below `path` is wanted.
fn wanted_below(wanted: &BTreeSet<Vec<Segment>>, path: &[Segment]) -> bool {
    wanted
        .range::<[Segment], _>((Bound::Excluded(path), Bound::Unbounded))
        .next()
        .is_some_and(|p| p.starts_with(path))
}

/// A JSON document, read byte by byte.
struct Json<'a, 'w> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    line: usize,
    line_start: usize,
    /// The last position asked for on this line, as a byte and the
    /// characters before it, so a long line is counted once.
    counted: (usize, usize),
    wanted: &'w BTreeSet<Vec<Segment>>,
    out: Positions,
    path: Vec<Segment>,
}

impl Json<'_, '_> {
    /// The 1-based line and column (in characters) of the next byte.
    fn position(&mut self) -> (usize, usize) {
        if self.counted.0 < self.line_start {
            self.counted = (self.line_start, 0);
        }
        let (from, before) = self.counted;
        let chars = before + self.text[from..self.at].chars().count();
        self.counted = (self.at, chars);
        (self.line, chars + 1)
    }

    fn space(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b' ' | b'\t' => self.at += 1,
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                }
                _ => break,
            }
        }
    }

    /// Passes over a string (at its opening quote); returns its text, its
    /// escapes undone.
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.at += 1;
        let mut escaped = false;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 2;
                }
                b'\n' => return None,
                _ => self.at += 1,
            }
        }
        self.at += 1;
        let raw = self.text.get(start..self.at)?;
        if escaped {
            serde_json::from_str(raw).ok()
        } else {
            raw.get(1..raw.len() - 1).map(str::to_owned)
        }
    }

    /// Reads a value: into it where a wanted path goes, over it otherwise.
    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match *self.bytes.get(self.at)? {
            b'{' => {
                self.at += 1;
                self.space();
                if self.bytes.get(self.at) == Some(&b'}') {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.space();
                    if self.bytes.get(self.at) != Some(&b'"') {
                        return None;
                    }
                    let at = self.position();
                    let key = self.string()?;
                    self.space();
                    if self.bytes.get(self.at) != Some(&b':') {
                        return None;
                    }
                    self.at += 1;
                    self.space();
                    self.path.push(Segment::Key(key));
                    self.member(at, depth)?;
                    self.path.pop();
                    if self.closes(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                self.at += 1;
                self.space();
                if self.bytes.get(self.at) == Some(&b']') {
                    self.at += 1;
                    return Some(());
                }
                let mut index = 0;
                loop {
                    self.space();
                    let at = self.position();
                    self.path.push(Segment::Index(index));
                    index += 1;
                    self.member(at, depth)?;
                    self.path.pop();
                    if self.closes(b']')? {
                        return Some(());
                    }
                }
            }
            b'"' => self.string().map(|_| ()),
            _ => {
                let start = self.at;
                while let Some(&b) = self.bytes.get(self.at) {
                    if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n') {
                        break;
                    }
                    self.at += 1;
                }
                (self.at > start).then_some(())
            }
        }
    }

    /// A member (the value of a key, or an item) at `at`, whose path is
    /// [`Self::path`]: its position kept if wanted, read into if a wanted
    /// path goes below it, passed over otherwise.
    fn member(&mut self, at: (usize, usize), depth: usize) -> Option<()> {
        if !self.wanted.contains(&self.path) {
            return self.skip();
        }
        self.out.entry(self.path.clone()).or_insert(at);
        self.value(depth + 1)
    }

    /// After a member: whether its container ends here (`close`, passed
    /// over) or another member follows (a comma, passed over); `None` for
    /// anything else.
    fn closes(&mut self, close: u8) -> Option<bool> {
        self.space();
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        match b {
            b',' => Some(false),
            b if b == close => Some(true),
            _ => None,
        }
    }

    /// Passes over a value without reading it.
    fn skip(&mut self) -> Option<()> {
        let mut depth = 0usize;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.string()?;
                }
                b'{' | b'[' => {
                    depth += 1;
                    self.at += 1;
                }
                b'}' | b']' => {
                    if depth == 0 {
                        return Some(());
                    }
                    depth -= 1;
                    self.at += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
                b',' if depth == 0 => return Some(()),
                b'\n' => {
                    self.at += 1;
                    self.line += 1;
                    self.line_start = self.at;
                }
                _ => self.at += 1,
            }
        }
    }
}

/// A content line of a YAML document: its 1-based number, its
/// indentation, and its text after the indentation.
#[derive(Clone, Copy)]
struct Line<'a> {
    number: usize,
    indent: usize,
    text: &'a str,
}

/// A block YAML document, read line by line.
struct Yaml<'a, 'w> {
    lines: Vec<Line<'a>>,
    next: usize,
    wanted: &'w BTreeSet<Vec<Segment>>,
    out: Positions,
    path: Vec<Segment>,
}

impl<'a, 'w> Yaml<'a, 'w> {
    /// The document's content lines; `None` for a document marker,
    /// directive or tab in an indentation.
    fn new(text: &'a str, wanted: &'w BTreeSet<Vec<Segment>>) -> Option<Self> {
        let mut lines = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let content = raw.trim_start_matches(' ');
            if content.starts_with('\t') {
                return None;
            }
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            if raw.starts_with("---") || raw.starts_with("...") || raw.starts_with('%') {
                return None;
            }
            lines.push(Line {
                number: i + 1,
                indent: raw.len() - content.len(),
                text: content.trim_end_matches(' '),
            });
        }
        Some(Yaml {
            lines,
            next: 0,
            wanted,
            out: Positions::new(),
            path: Vec::new(),
        })
    }

    fn document(mut self) -> Option<Positions> {
        let Some(first) = self.lines.first().copied() else {
            return Some(self.out);
        };
        if self.wanted.contains(&Vec::new()) {
            self.out
                .insert(Vec::new(), (first.number, first.indent + 1));
        }
        self.node(first.indent, 0)?;
        (self.next == self.lines.len()).then_some(self.out)
    }

    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.next).copied()
    }

    /// Passes over the lines indented more than `indent`: what belongs to
    /// the value before them.
    fn skip_deeper(&mut self, indent: usize) {
        while self.peek().is_some_and(|l| l.indent > indent) {
            self.next += 1;
        }
    }

    /// The block node whose first line is the next one, at `indent`.
    fn node(&mut self, indent: usize, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let line = self.peek()?;
        if line.indent != indent {
            return None;
        }
        if is_item(line.text) {
            self.sequence(indent, depth)
        } else if split_key(line.text).is_some() {
            self.mapping(indent, depth)
        } else {
            None
        }
    }

    /// A block sequence at `indent`.
    fn sequence(&mut self, indent: usize, depth: usize) -> Option<()> {
        let mut index = 0;
        while let Some(line) = self.peek() {
            if line.indent != indent || !is_item(line.text) {
                break;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            let column = indent + (line.text.len() - rest.len());
            self.path.push(Segment::Index(index));
            index += 1;
            let wanted = self.wanted.contains(&self.path);
            if rest.is_empty() {
                // The item starts on a line of its own: left to the walk.
                if wanted {
                    return None;
                }
                self.next += 1;
                self.skip_deeper(indent);
            } else {
                if wanted {
                    // Where a block scalar or a tagged or anchored node
                    // starts is the walk's to say.
                    if rest.starts_with(['|', '>', '!', '&']) {
                        return None;
                    }
                    self.out
                        .entry(self.path.clone())
                        .or_insert((line.number, column + 1));
                }
                if wanted && !is_item(rest) && split_key(rest).is_some() {
                    // A mapping in the item: its keys sit at `column`.
                    self.lines[self.next] = Line {
                        number: line.number,
                        indent: column,
                        text: rest,
                    };
                    self.mapping(column, depth + 1)?;
                } else if !wanted {
                    // Everything of the item is indented more than its dash.
                    self.next += 1;
                    self.skip_deeper(indent);
                } else {
                    scalar_or_flow(rest, wanted && wanted_below(self.wanted, &self.path))?;
                    self.next += 1;
                    self.skip_deeper(indent);
                }
            }
            self.path.pop();
        }
        Some(())
    }

    /// A block mapping at `indent`.
    fn mapping(&mut self, indent: usize, depth: usize) -> Option<()> {
        while let Some(line) = self.peek() {
            if line.indent != indent || is_item(line.text) {
                break;
            }
            let (key, rest) = split_key(line.text)?;
            self.path.push(Segment::Key(key));
            let wanted = self.wanted.contains(&self.path);
            if wanted {
                self.out
                    .entry(self.path.clone())
                    .or_insert((line.number, indent + 1));
            }
            self.next += 1;
            if rest.is_empty() {
                // The value is on the lines below: a block mapping or
                // sequence indented more, or a sequence at this indentation.
                match self.peek() {
                    Some(next) if next.indent > indent => {
                        if wanted {
                            self.node(next.indent, depth + 1)?;
                        } else {
                            self.skip_deeper(indent);
                        }
                    }
                    Some(next) if next.indent == indent && is_item(next.text) => {
                        if wanted {
                            self.sequence(indent, depth + 1)?;
                        } else {
                            while self.peek().is_some_and(|l| {
                                l.indent > indent || (l.indent == indent && is_item(l.text))
                            }) {
                                self.next += 1;
                            }
                        }
                    }
                    _ => {}
                }
            } else {
                scalar_or_flow(rest, wanted && wanted_below(self.wanted, &self.path))?;
                self.skip_deeper(indent);
            }
            self.path.pop();
        }
        Some(())
    }
}

/// A value on its key's or item's line: `None` where a wanted path
/// goes into it (`into`), or where it may go on over lines that do not
/// show by their indentation (a quoted scalar or a flow collection left
/// open).
fn scalar_or_flow(value: &str, into: bool) -> Option<()> {
    let first = value.chars().next()?;
    if into && !matches!(first, '|' | '>') {
        // Into a flow collection, an anchored or tagged node, or a
        // scalar (which has nothing below it): left to the walk.
        return None;
    }
    match first {
        '"' | '\'' => closes_quoted(value).then_some(()),
        '{' | '[' => closes_flow(value).then_some(()),
        '|' | '>' => (!into).then_some(()),
        _ => Some(()),
    }
}

/// Whether a line is a block sequence's item.
fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// A mapping entry's key and the value's text after it (empty when the
/// value is on the lines below, comments dropped), if the line is one this
/// reader is sure of.
fn split_key(text: &str) -> Option<(String, &str)> {
    let (key, rest) = match text.chars().next()? {
        '\'' => {
            let end = text[1..].find('\'')? + 1;
            let key = &text[1..end];
            if text[end + 1..].starts_with('\'') {
                return None;
            }
            (key.to_owned(), &text[end + 1..])
        }
        '"' => {
            let end = text[1..].find('"')? + 1;
            let key = &text[1..end];
            if key.contains('\\') {
                return None;
            }
            (key.to_owned(), &text[end + 1..])
        }
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '%' | '@' | '`' | '?' => {
            return None;
        }
        _ => {
            let colon = text
                .match_indices(':')
                .map(|(i, _)| i)
                .find(|&i| matches!(text.as_bytes().get(i + 1), None | Some(b' ')))?;
            let key = &text[..colon];
            if key.ends_with(' ') || key.contains(" #") {
                return None;
            }
            (key.to_owned(), &text[colon..])
        }
    };
    let rest = rest.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    let rest = rest.trim_start_matches(' ');
    let rest = if rest.starts_with('#') { "" } else { rest };
    Some((key, rest))
}

/// Whether a quoted scalar closes on its line.
fn closes_quoted(value: &str) -> bool {
    let quote = value.as_bytes()[0];
    let bytes = value.as_bytes();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return true,
            _ => i += 1,
        }
    }
    false
}

/// Whether a flow collection closes on its line (quotes respected).
fn closes_flow(value: &str) -> bool {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' && q == b'"' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return true;
                    }
                }
                _ => {}
            },
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use datasurface_core::diagnostic::Segment;
    use proptest::prelude::*;

    use super::positions;
    use crate::Format;
    use crate::positions::walk;
    use crate::save::to_directory;

    /// Every path of a document (its keys and items, all the way down).
    fn all_paths(text: &str) -> BTreeSet<Vec<Segment>> {
        fn visit(
            value: &serde_json::Value,
            path: &mut Vec<Segment>,
            out: &mut BTreeSet<Vec<Segment>>,
        ) {
            out.insert(path.clone());
            match value {
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        path.push(Segment::Key(k.clone()));
                        visit(v, path, out);
                        path.pop();
                    }
                }
                serde_json::Value::Array(items) => {
                    for (i, v) in items.iter().enumerate() {
                        path.push(Segment::Index(i));
                        visit(v, path, out);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
        let value: serde_json::Value = serde_saphyr::from_str(text).unwrap();
        let mut out = BTreeSet::new();
        visit(&value, &mut Vec::new(), &mut out);
        out
    }

    /// The quick reader answers as the event walk does, or not at all;
    /// says whether it answered.
    fn agrees(text: &str, wanted: &BTreeSet<Vec<Segment>>) -> bool {
        match positions(text, wanted) {
            Some(quick) => {
                let walked = walk(text, wanted);
                let differ: Vec<_> = quick
                    .iter()
                    .filter(|(k, v)| walked.get(*k) != Some(v))
                    .map(|(k, v)| (k, v, walked.get(k)))
                    .collect();
                let missing: Vec<_> = walked.keys().filter(|k| !quick.contains_key(*k)).collect();
                assert!(
                    differ.is_empty() && missing.is_empty(),
                    "quick and walk differ: {differ:?}, only walked: {missing:?}, in:\n{text}"
                );
                true
            }
            None => false,
        }
    }

    /// Each path alone (with its prefixes), and all of them at once; how
    /// many of the paths alone the quick reader answered for, and whether
    /// it answered for all at once.
    fn agrees_on_every_path(text: &str) -> (usize, bool) {
        let every = all_paths(text);
        let mut answered = 0;
        for path in &every {
            let alone: BTreeSet<Vec<Segment>> =
                (0..=path.len()).map(|n| path[..n].to_vec()).collect();
            answered += usize::from(agrees(text, &alone));
        }
        (answered, agrees(text, &every))
    }

    #[test]
    fn the_example_models_are_read_quickly_and_alike() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/models");
        let mut stack = vec![root];
        let mut read = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "yaml" || e == "json") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    // Paths into a flow collection are left to the walk.
                    let (answered, _) = agrees_on_every_path(&text);
                    assert!(answered > 0, "{} is never read quickly", path.display());
                    read += 1;
                }
            }
        }
        assert!(read >= 5, "{read} files");
    }

    #[test]
    fn odd_documents_are_read_alike_or_left_to_the_walk() {
        for text in [
            "a: 1\nb:\n  c: [x, {d: 2}]\n  e:\n    - f: 3\n",
            "a:\n- 1\n- x: 2\n  y:\n  - 3\n  -   z: 4\nb: 5\n",
            "# a comment\na: 'it''s' # and one here\n\"b\": \"q\"\nc: |\n  text\n  # not a comment\n  - not an item\nd: >\n  folded\ne: plain\n  continued\nf: {g: 1,\n  h: 2}\n",
            "a: &x\n  b: 1\nc: *x\nd: !!str 5\n",
            "- a\n- - b\n  - c\n-\n  d: 1\n- {e: 1}\n- \"f\"\n",
            "a:\n  b:\n    c:\n      - d: 1\n        e: [1, 2]\n",
            "---\na: 1\n",
            "a: \"tab\there\"\nb:\n  - \"x\\ty\": 1\n",
            "{\"a\": {\"b\": [1, {\"c\": \"x\\\"y\"}, []], \"d\\u0041\": null}, \"e\": {}}",
            "{\n  \"a\": [\n    1,\n    \"two\",\n    {\"b\": true}\n  ]\n}\n",
            "{a: 1, b: [2]}",
            "[1, [2, 3], {\"a\": \"ü\"}]",
            "a: \"ünïcode\"\nb:\n  - ö: 1\n",
        ] {
            agrees_on_every_path(text);
        }
        // Block mappings and sequences in every arrangement, and JSON, are
        // read quickly whatever is wanted.
        for text in [
            "a: 1\nb:\n  c: x\n  e:\n    - f: 3\n",
            "a:\n- 1\n- x: 2\n  y:\n  - 3\n  -   z: 4\nb: 5\n",
            "a:\n  b:\n    c:\n      - d: 1\n        e: [1, 2]\n",
            "a: \"ünïcode\"\nb:\n  - ö: 1\n",
            "{\"a\": {\"b\": [1, {\"c\": \"x\\\"y\"}, []], \"d\\u0041\": null}, \"e\": {}}",
            "{\n  \"a\": [\n    1,\n    \"two\",\n    {\"b\": true}\n  ]\n}\n",
            "[1, [2, 3], {\"a\": \"ü\"}]",
            "{\"ä\": [1, \"ö\", {\"ü\": 2}], \"b\": 3}",
        ] {
            let every = all_paths(text);
            let (answered, all) = agrees_on_every_path(text);
            // Paths into a one-line flow value are the walk's.
            let flow = every.iter().filter(|p| p.len() > 3).count();
            assert!(
                answered + flow >= every.len() && (all || flow > 0),
                "{text}: {answered} of {}",
                every.len()
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Saved models, in both formats: the quick reader reads JSON
        /// always, and answers as the walk does wherever it answers.
        #[test]
        fn saved_models_are_read_alike(eco in datasurface_fixtures::arbitrary::ecosystem()) {
            for format in [Format::Yaml, Format::Json] {
                for file in to_directory(&eco, format).unwrap() {
                    let (_, quick) = agrees_on_every_path(&file.text);
                    prop_assert!(quick || format == Format::Yaml, "{} not read quickly", file.path);
                }
            }
        }
    }
}
