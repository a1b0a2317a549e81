//! A fast reader for the YAML that model files are made of: block mappings
//! and sequences of single-line scalars, as `datasurface save` and
//! `generate` write them and as people write them by hand.
//!
//! It deserializes straight from the text, line by line, with no event
//! queue and no tree, at several times the speed of the general parser.
//! It reads only what it is sure of: a document is either read exactly
//! as [`serde_saphyr`] reads it, or refused ([`Unsupported`]), and the
//! caller then reads it with [`serde_saphyr`], which also explains every
//! problem with its position. So everything YAML allows still loads, and
//! every error message is the general parser's; only well-formed,
//! ordinary files take the fast way.
//!
//! Read here: block mappings and sequences (a sequence may sit at its
//! key's indentation, and a sequence item may open a mapping on its own
//! line); plain, single-quoted and double-quoted scalars on one line;
//! `[]` and `{}`; comments and blank lines. Refused, for the general
//! parser: tabs, carriage returns and other control characters, a byte
//! order mark, anchors, aliases, tags, directives and document markers,
//! flow collections with content, block scalars (`|`, `>`), scalars over
//! several lines, complex keys, merge keys, repeated keys, deep nesting,
//! and any scalar whose type the general parser resolves differently from
//! its text (`yes`, `0x10`, `.inf`, `1_000`, ...) where the target type
//! would see the difference. The tests below hold the two readers together
//! on arbitrary documents.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, EnumAccess, IgnoredAny, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde::{Deserialize, Deserializer};
use smallvec::SmallVec;

/// Why the fast reader refused a document: something it does not read, or
/// an error of the document or of the target type. Read the document with
/// the general parser to learn which, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unsupported {}

impl de::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

type Result<T, E = Unsupported> = std::result::Result<T, E>;

fn refuse<T>(why: &str) -> Result<T> {
    Err(Unsupported(why.to_owned()))
}

/// Deeper than this is left to the general parser and its limits.
const MAX_DEPTH: usize = 64;

/// The longest implicit key YAML allows.
const MAX_KEY: usize = 1024;

/// Reads `T` from `text`, or refuses (see the module's documentation).
pub(crate) fn from_str<'de, T: Deserialize<'de>>(text: &'de str) -> Result<T> {
    check_characters(text)?;
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
    };
    let Some(indent) = reader.next_content_line() else {
        return refuse("an empty document");
    };
    if indent != 0 || reader.starts_item(0) {
        return refuse("a document that is not a mapping");
    }
    let value = T::deserialize(ValueDe {
        r: &mut reader,
        node: Node::Map(0),
    })?;
    match reader.next_content_line() {
        None => Ok(value),
        Some(_) => refuse("content after the document's mapping"),
    }
}

/// Refuses what only the general parser should judge: control characters
/// (tabs and carriage returns too), C1 controls, byte order marks and
/// non-characters.
fn check_characters(text: &str) -> Result<()> {
    let bytes = text.as_bytes();
    // Printable ASCII and line ends, 64 bytes at a time, without a branch
    // per byte (so the compiler uses vector instructions); a chunk with
    // anything else is looked at byte by byte.
    let chunks = bytes.chunks_exact(64);
    let tail = chunks.remainder().len();
    for (n, chunk) in chunks.enumerate() {
        let odd = chunk.iter().fold(0u8, |odd, &b| {
            odd | u8::from((b != b'\n') & (b.wrapping_sub(b' ') > b'~' - b' '))
        });
        if odd != 0 {
            check_bytes(bytes, n * 64, n * 64 + 64)?;
        }
    }
    check_bytes(bytes, bytes.len() - tail, bytes.len())
}

/// [`check_characters`] on `bytes[start..end]`, looking past `end` for the
/// rest of a character that starts before it.
fn check_bytes(bytes: &[u8], start: usize, end: usize) -> Result<()> {
    let mut i = start;
    while i < end {
        let b = bytes[i];
        let bad = match b {
            b'\n' | b' '..=b'~' => false,
            0x00..=0x1f | 0x7f => true,
            // U+0080..U+009F.
            0xc2 => bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)),
            // U+FEFF, U+FFFE, U+FFFF.
            0xef => matches!(
                (bytes.get(i + 1), bytes.get(i + 2)),
                (Some(0xbb), Some(0xbf)) | (Some(0xbf), Some(0xbe | 0xbf))
            ),
            _ => false,
        };
        if bad {
            return refuse("a character left to the general parser");
        }
        i += 1;
    }
    Ok(())
}

/// A node about to be read.
#[derive(Debug)]
enum Node<'de> {
    Scalar(Scalar<'de>),
    /// A block mapping whose keys are at this column; the reader is at its
    /// first key.
    Map(usize),
    /// A block sequence whose dashes are at this column; the reader is at
    /// its first dash.
    Seq(usize),
    EmptyMap,
    EmptySeq,
}

/// A scalar's text, and whether it was plain (unquoted).
#[derive(Debug)]
struct Scalar<'de> {
    text: Cow<'de, str>,
    plain: bool,
}

impl Scalar<'_> {
    /// A plain scalar that YAML reads as null.
    fn is_null(&self) -> bool {
        self.plain && matches!(self.text.as_ref(), "" | "~" | "null" | "Null" | "NULL")
    }
}

struct Reader<'de> {
    text: &'de str,
    bytes: &'de [u8],
    pos: usize,
    depth: usize,
}

impl<'de> Reader<'de> {
    /// The end of the line `from` is on.
    fn line_end(&self, from: usize) -> usize {
        memchr::memchr(b'\n', &self.bytes[from..]).map_or(self.bytes.len(), |n| from + n)
    }

    /// Moves to the start of the next line.
    fn next_line(&mut self) {
        let end = self.line_end(self.pos);
        self.pos = (end + 1).min(self.bytes.len());
    }

    /// From the start of a line, passes over blank and comment lines; the
    /// indentation of the line with content it stops at (the reader stays
    /// at that line's start), or `None` at the end.
    fn next_content_line(&mut self) -> Option<usize> {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let indent = spaces(&self.bytes[start..]);
            match self.bytes.get(start + indent) {
                None | Some(b'\n' | b'#') => self.next_line(),
                Some(_) => return Some(indent),
            }
        }
        None
    }

    /// Whether the line at the reader (at its start) has a sequence dash at
    /// column `indent`.
    fn starts_item(&self, indent: usize) -> bool {
        let at = self.pos + indent;
        self.bytes.get(at) == Some(&b'-')
            && matches!(self.bytes.get(at + 1), None | Some(b' ' | b'\n'))
    }

    /// After a value on the line: only spaces, then the end or a comment.
    fn end_of_value(&mut self, mut at: usize) -> Result<()> {
        while self.bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        match self.bytes.get(at) {
            None | Some(b'\n') => {}
            Some(b'#') if self.bytes.get(at - 1) == Some(&b' ') => {}
            Some(_) => return refuse("more after a value on its line"),
        }
        self.pos = at;
        self.next_line();
        Ok(())
    }

    /// The column of `at` on its line.
    fn column(&self, at: usize) -> usize {
        at - self.bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |n| n + 1)
    }

    /// Reads a value whose indicator (`key:` or `-`) the reader has just
    /// passed, in a block at column `parent`. `same_column_seq`: a
    /// sequence may start on the next line at `parent` (a mapping's value).
    /// `compact_map`: the value may be a mapping that starts on this line
    /// (a sequence item).
    fn value(
        &mut self,
        parent: usize,
        same_column_seq: bool,
        compact_map: bool,
    ) -> Result<Node<'de>> {
        let mut at = self.pos;
        while self.bytes.get(at) == Some(&b' ') {
            at += 1;
        }
        let rest_is_comment = match self.bytes.get(at) {
            None | Some(b'\n') => true,
            Some(b'#') => self.bytes[at - 1] == b' ',
            Some(_) => false,
        };
        if rest_is_comment {
            self.pos = at;
            self.next_line();
            let null = Node::Scalar(Scalar {
                text: Cow::Borrowed(""),
                plain: true,
            });
            let Some(indent) = self.next_content_line() else {
                return Ok(null);
            };
            if indent > parent {
                self.pos += indent;
                return Ok(if self.item_here() {
                    Node::Seq(indent)
                } else {
                    Node::Map(indent)
                });
            }
            if indent == parent && same_column_seq && self.starts_item(indent) {
                self.pos += indent;
                return Ok(Node::Seq(indent));
            }
            return Ok(null);
        }
        match self.bytes[at] {
            b'[' | b'{' => {
                let close = if self.bytes[at] == b'[' { b']' } else { b'}' };
                if self.bytes.get(at + 1) != Some(&close) {
                    return refuse("a flow collection");
                }
                let node = if close == b']' {
                    Node::EmptySeq
                } else {
                    Node::EmptyMap
                };
                self.end_of_value(at + 2)?;
                Ok(node)
            }
            b'\'' | b'"' => {
                let (text, end) = self.quoted(at)?;
                if self.is_key_end(end) {
                    if !compact_map {
                        return refuse("a key after a key on one line");
                    }
                    self.pos = at;
                    return Ok(Node::Map(self.column(at)));
                }
                self.end_of_value(end)?;
                Ok(Node::Scalar(Scalar { text, plain: false }))
            }
            // A sequence item opening a sequence on its own line.
            b'-' if matches!(self.bytes.get(at + 1), None | Some(b' ' | b'\n')) => {
                if !compact_map {
                    return refuse("a sequence on its key's line");
                }
                self.pos = at;
                Ok(Node::Seq(self.column(at)))
            }
            b'|' | b'>' => self.block_scalar(at, parent),
            b'&' | b'*' | b'!' | b'%' | b'@' | b'`' | b',' | b']' | b'}' | b'#' => {
                refuse("an indicator the fast reader leaves to the general parser")
            }
            b'?' | b':' if matches!(self.bytes.get(at + 1), None | Some(b' ' | b'\n')) => {
                refuse("a complex key")
            }
            _ => self.plain(at, compact_map),
        }
    }

    /// A plain scalar at `at` (or, where `compact_map`, the first key of a
    /// mapping on the line).
    fn plain(&mut self, at: usize, compact_map: bool) -> Result<Node<'de>> {
        let end_of_line = self.line_end(at);
        let line = &self.bytes[at..end_of_line];
        let mut end = line.len();
        let mut from = 0;
        while let Some(n) = memchr::memchr2(b'#', b':', &line[from..]) {
            let i = from + n;
            match line[i] {
                b'#' if line[i - 1] == b' ' => {
                    end = i;
                    break;
                }
                b':' if matches!(line.get(i + 1), None | Some(b' ')) => {
                    if !compact_map {
                        return refuse("a key after a key on one line");
                    }
                    self.pos = at;
                    return Ok(Node::Map(self.column(at)));
                }
                _ => {}
            }
            from = i + 1;
        }
        let text = self.text[at..at + end].trim_end_matches(' ');
        self.pos = end_of_line;
        self.next_line();
        Ok(Node::Scalar(Scalar {
            text: Cow::Borrowed(text),
            plain: true,
        }))
    }

    /// A literal (`|`) or folded (`>`) block scalar whose header is at
    /// `at`, in a block at column `parent`. Refused: an indentation
    /// indicator, leading empty lines, more-indented lines or lines ending
    /// in a space in a folded scalar, and whitespace lines deeper than the
    /// text (the spec's harder corners, left to the general parser).
    fn block_scalar(&mut self, at: usize, parent: usize) -> Result<Node<'de>> {
        let folded = self.bytes[at] == b'>';
        let chomp = match self.bytes.get(at + 1) {
            Some(b'-') => Some(false),
            Some(b'+') => Some(true),
            _ => None,
        };
        let header_end = at + 1 + usize::from(chomp.is_some());
        if self.bytes.get(header_end).is_some_and(u8::is_ascii_digit) {
            return refuse("a block scalar with an indentation indicator");
        }
        self.end_of_value(header_end)?;
        // The first line sets the indentation of the text.
        let first = self.pos;
        let indent = self.bytes[first..]
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        if indent <= parent || matches!(self.bytes.get(first + indent), None | Some(b'\n')) {
            return refuse("a block scalar that starts empty or is not indented");
        }
        // The lines of the text, and then the empty lines after it.
        let mut lines: Vec<&'de str> = Vec::new();
        let mut trailing = 0usize;
        // Whether the last line of the text ends in a line break (not the
        // end of the file).
        let mut last_broken = false;
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let end = self.line_end(start);
            let line = &self.text[start..end];
            let spaces = line.bytes().take_while(|&b| b == b' ').count();
            if spaces == line.len() {
                if spaces > indent {
                    return refuse("a whitespace line in a block scalar");
                }
                // A last line without a line break adds none.
                trailing += usize::from(end < self.bytes.len());
            } else if spaces < indent {
                break;
            } else {
                let text = &line[indent..];
                if folded && (text.starts_with(' ') || text.ends_with(' ')) {
                    return refuse("a folded scalar with more-indented lines or trailing spaces");
                }
                lines.extend(std::iter::repeat_n("", trailing));
                trailing = 0;
                lines.push(text);
                last_broken = end < self.bytes.len();
            }
            self.pos = (end + 1).min(self.bytes.len());
        }
        // Lines after the text that were empty belong to it only when kept;
        // the reader stays after them either way.
        let mut text = String::new();
        let mut after_empty = false;
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                if !folded || line.is_empty() {
                    text.push('\n');
                } else if !after_empty {
                    text.push(' ');
                }
            }
            after_empty = line.is_empty();
            text.push_str(line);
        }
        match chomp {
            None if last_broken => text.push('\n'),
            Some(false) | None => {}
            Some(true) => text.extend(std::iter::repeat_n(
                '\n',
                usize::from(last_broken) + trailing,
            )),
        }
        Ok(Node::Scalar(Scalar {
            text: Cow::Owned(text),
            plain: false,
        }))
    }

    /// Whether the reader, inside a line, is at a sequence dash.
    fn item_here(&self) -> bool {
        self.bytes.get(self.pos) == Some(&b'-')
            && matches!(self.bytes.get(self.pos + 1), None | Some(b' ' | b'\n'))
    }

    /// Whether a key's `:` ends at `at` (followed by a space or the line's end).
    fn is_key_end(&self, at: usize) -> bool {
        self.bytes.get(at) == Some(&b':')
            && matches!(self.bytes.get(at + 1), None | Some(b' ' | b'\n'))
    }

    /// A quoted scalar starting at `at`, on one line; its text and the
    /// position after its closing quote.
    fn quoted(&self, at: usize) -> Result<(Cow<'de, str>, usize)> {
        let quote = self.bytes[at];
        let end_of_line = self.line_end(at);
        let body = at + 1;
        if quote == b'\'' {
            let mut text: Option<String> = None;
            let mut from = body;
            let mut i = body;
            while i < end_of_line {
                if self.bytes[i] == b'\'' {
                    if self.bytes.get(i + 1) == Some(&b'\'') {
                        text.get_or_insert_with(String::new)
                            .push_str(&self.text[from..=i]);
                        i += 2;
                        from = i;
                        continue;
                    }
                    return Ok(match text {
                        None => (Cow::Borrowed(&self.text[body..i]), i + 1),
                        Some(mut t) => {
                            t.push_str(&self.text[from..i]);
                            (Cow::Owned(t), i + 1)
                        }
                    });
                }
                i += 1;
            }
            return refuse("a single-quoted scalar over several lines");
        }
        let mut text: Option<String> = None;
        let mut from = body;
        let mut i = body;
        while i < end_of_line {
            match self.bytes[i] {
                b'"' => {
                    return Ok(match text {
                        None => (Cow::Borrowed(&self.text[body..i]), i + 1),
                        Some(mut t) => {
                            t.push_str(&self.text[from..i]);
                            (Cow::Owned(t), i + 1)
                        }
                    });
                }
                b'\\' => {
                    let t = text.get_or_insert_with(String::new);
                    t.push_str(&self.text[from..i]);
                    let (c, len) = self.escape(i + 1, end_of_line)?;
                    t.push(c);
                    i += 1 + len;
                    from = i;
                }
                _ => i += 1,
            }
        }
        refuse("a double-quoted scalar over several lines")
    }

    /// The character of the escape after a backslash at `at`, and the
    /// escape's length.
    fn escape(&self, at: usize, end: usize) -> Result<(char, usize)> {
        let simple = match self.bytes.get(at).filter(|_| at < end) {
            Some(b'\\') => '\\',
            Some(b'"') => '"',
            Some(b'/') => '/',
            Some(b'n') => '\n',
            Some(b't') => '\t',
            Some(b'r') => '\r',
            Some(b'0') => '\0',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'a') => '\u{7}',
            Some(b'e') => '\u{1b}',
            Some(b'v') => '\u{b}',
            Some(b' ') => ' ',
            Some(b'N') => '\u{85}',
            Some(b'_') => '\u{a0}',
            Some(b'L') => '\u{2028}',
            Some(b'P') => '\u{2029}',
            Some(b'x') => return self.hex(at + 1, 2, end),
            Some(b'u') => return self.hex(at + 1, 4, end),
            Some(b'U') => return self.hex(at + 1, 8, end),
            _ => return refuse("an escape left to the general parser"),
        };
        Ok((simple, 1))
    }

    fn hex(&self, at: usize, digits: usize, end: usize) -> Result<(char, usize)> {
        let Some(hex) = self
            .text
            .get(at..at + digits)
            .filter(|_| at + digits <= end)
        else {
            return refuse("a short escape");
        };
        u32::from_str_radix(hex, 16)
            .ok()
            .filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(char::from_u32)
            .map(|c| (c, 1 + digits))
            .ok_or_else(|| Unsupported("an escape that is not a character".to_owned()))
    }

    /// A block mapping's key at the reader; the reader is then after its `:`.
    fn key(&mut self) -> Result<Scalar<'de>> {
        let at = self.pos;
        match self.bytes.get(at) {
            Some(b'\'' | b'"') => {
                let (text, end) = self.quoted(at)?;
                if !self.is_key_end(end) {
                    return refuse("a quoted key without `:` right after it");
                }
                self.pos = end + 1;
                Ok(Scalar { text, plain: false })
            }
            Some(b'-' | b'?' | b':')
                if matches!(self.bytes.get(at + 1), None | Some(b' ' | b'\n')) =>
            {
                refuse("a key the fast reader leaves to the general parser")
            }
            Some(
                b'[' | b']' | b'{' | b'}' | b',' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
                | b'@' | b'`',
            )
            | None => refuse("a key the fast reader leaves to the general parser"),
            Some(_) => {
                let mut from = at;
                // The `:`, `#` and line ends after the key's start, in order.
                while let Some(n) = memchr::memchr3(b':', b'#', b'\n', &self.bytes[from..]) {
                    let i = from + n;
                    match self.bytes[i] {
                        b'\n' => break,
                        b'#' if self.bytes[i - 1] == b' ' => break,
                        b':' if self.is_key_end(i) => {
                            let text = self.text[at..i].trim_end_matches(' ');
                            if text.len() > MAX_KEY || text == "<<" {
                                return refuse("a long or merge key");
                            }
                            self.pos = i + 1;
                            return Ok(Scalar {
                                text: Cow::Borrowed(text),
                                plain: true,
                            });
                        }
                        _ => {}
                    }
                    from = i + 1;
                }
                refuse("a line in a mapping that is not `key: value`")
            }
        }
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return refuse("deep nesting");
        }
        Ok(())
    }
}

/// How many spaces `bytes` starts with, eight bytes at a time: every line
/// of a model is indented, many by a dozen spaces or more.
fn spaces(bytes: &[u8]) -> usize {
    let mut n = 0;
    while let Some(word) = bytes
        .get(n..n + 8)
        .and_then(|w| <[u8; 8]>::try_from(w).ok())
    {
        let other = u64::from_le_bytes(word) ^ u64::from_le_bytes([b' '; 8]);
        if other != 0 {
            // The lowest byte that is not a space, in little-endian order.
            return n + (other.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + bytes[n..].iter().take_while(|&&b| b == b' ').count()
}

/// The keys of one mapping seen so far, to refuse a repeated key.
#[derive(Default)]
struct SeenKeys<'de> {
    /// The first keys, on the stack: most mappings have a few.
    few: SmallVec<[Cow<'de, str>; 16]>,
    many: BTreeSet<Cow<'de, str>>,
}

impl<'de> SeenKeys<'de> {
    /// Records a key; false if it was seen before.
    fn insert(&mut self, key: Cow<'de, str>) -> bool {
        if self.few.len() < 16 {
            if self.few.contains(&key) {
                return false;
            }
            self.few.push(key);
            return true;
        }
        if self.many.is_empty() {
            self.many.extend(self.few.iter().cloned());
        }
        self.many.insert(key)
    }
}

/// A block mapping being read.
struct BlockMap<'a, 'de> {
    r: &'a mut Reader<'de>,
    indent: usize,
    /// The reader is at the first key (perhaps inside a line).
    first: bool,
    done: bool,
    /// A struct's fields, whose repeats the struct itself refuses: only
    /// other keys need remembering.
    fields: &'static [&'static str],
    seen: SeenKeys<'de>,
}

impl<'de> BlockMap<'_, 'de> {
    /// The next key, or `None` at the mapping's end.
    fn next(&mut self) -> Result<Option<Scalar<'de>>> {
        if self.done {
            return Ok(None);
        }
        if self.first {
            self.first = false;
        } else {
            match self.r.next_content_line() {
                Some(indent) if indent == self.indent && !self.r.starts_item(indent) => {
                    self.r.pos += indent;
                }
                Some(indent) if indent > self.indent => {
                    return refuse("a line indented deeper than its mapping");
                }
                Some(indent) if indent == self.indent => {
                    return refuse("a sequence item among a mapping's keys");
                }
                _ => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        let key = self.r.key()?;
        if !self.fields.contains(&key.text.as_ref()) && !self.seen.insert(key.text.clone()) {
            return refuse("a repeated key");
        }
        Ok(Some(key))
    }

    fn value(&mut self) -> Result<Node<'de>> {
        self.r.value(self.indent, true, false)
    }
}

impl<'de> MapAccess<'de> for BlockMap<'_, 'de> {
    type Error = Unsupported;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.next()? {
            Some(key) => seed.deserialize(ScalarDe(key)).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let node = self.value()?;
        seed.deserialize(ValueDe { r: self.r, node })
    }
}

/// A block sequence being read.
struct BlockSeq<'a, 'de> {
    r: &'a mut Reader<'de>,
    indent: usize,
    first: bool,
    done: bool,
}

impl<'de> SeqAccess<'de> for BlockSeq<'_, 'de> {
    type Error = Unsupported;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.done {
            return Ok(None);
        }
        if self.first {
            self.first = false;
        } else {
            match self.r.next_content_line() {
                Some(indent) if indent == self.indent && self.r.starts_item(indent) => {
                    self.r.pos += indent;
                }
                Some(indent) if indent > self.indent => {
                    return refuse("a line indented deeper than its sequence");
                }
                _ => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
        // Past the dash.
        self.r.pos += 1;
        let node = self.r.value(self.indent, false, true)?;
        seed.deserialize(ValueDe { r: self.r, node }).map(Some)
    }
}

/// An empty mapping or sequence (`{}`, `[]`).
struct Empty;

impl<'de> MapAccess<'de> for Empty {
    type Error = Unsupported;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, _: K) -> Result<Option<K::Value>> {
        Ok(None)
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, _: V) -> Result<V::Value> {
        refuse("a value without a key")
    }
}

impl<'de> SeqAccess<'de> for Empty {
    type Error = Unsupported;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, _: T) -> Result<Option<T::Value>> {
        Ok(None)
    }
}

/// Deserializes the node the reader is at.
struct ValueDe<'a, 'de> {
    r: &'a mut Reader<'de>,
    node: Node<'de>,
}

impl<'de> ValueDe<'_, 'de> {
    fn map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.fields_map(&[], visitor)
    }

    /// A mapping read for a struct of these fields.
    fn fields_map<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.node {
            Node::Map(indent) => {
                self.r.enter()?;
                let mut map = BlockMap {
                    r: self.r,
                    indent,
                    first: true,
                    done: false,
                    fields,
                    seen: SeenKeys::default(),
                };
                let value = visitor.visit_map(&mut map)?;
                if !map.done {
                    return refuse("a mapping not read to its end");
                }
                map.r.depth -= 1;
                Ok(value)
            }
            Node::EmptyMap => visitor.visit_map(Empty),
            _ => refuse("not a mapping"),
        }
    }

    fn seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node {
            Node::Seq(indent) => {
                self.r.enter()?;
                let mut seq = BlockSeq {
                    r: self.r,
                    indent,
                    first: true,
                    done: false,
                };
                let value = visitor.visit_seq(&mut seq)?;
                if !seq.done {
                    return refuse("a sequence not read to its end");
                }
                seq.r.depth -= 1;
                Ok(value)
            }
            Node::EmptySeq => visitor.visit_seq(Empty),
            _ => refuse("not a sequence"),
        }
    }

    fn scalar(self) -> Result<Scalar<'de>> {
        match self.node {
            Node::Scalar(s) => Ok(s),
            _ => refuse("not a scalar"),
        }
    }
}

/// A unit struct read as null, a newtype struct as its content.
macro_rules! structs_as_their_content {
    () => {
        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            visitor: V,
        ) -> Result<V::Value> {
            self.deserialize_unit(visitor)
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            visitor: V,
        ) -> Result<V::Value> {
            visitor.visit_newtype_struct(self)
        }
    };
}

/// Deserializer methods that hand the visitor to one helper.
macro_rules! by {
    ($helper:ident: $($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.$helper(visitor)
        }
    )*};
}

macro_rules! scalar_methods {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            ScalarDe(self.scalar()?).$method(visitor)
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDe<'_, 'de> {
    type Error = Unsupported;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node {
            Node::Map(_) | Node::EmptyMap => self.map(visitor),
            Node::Seq(_) | Node::EmptySeq => self.seq(visitor),
            Node::Scalar(s) => ScalarDe(s).deserialize_any(visitor),
        }
    }

    scalar_methods! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f32
        deserialize_f64 deserialize_str deserialize_string deserialize_identifier
        deserialize_unit deserialize_char deserialize_bytes deserialize_byte_buf
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match &self.node {
            Node::Scalar(s) if s.is_null() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    structs_as_their_content!();

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.seq(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        self.seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.fields_map(fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.node {
            Node::Scalar(s) if s.plain && !s.is_null() => visitor.visit_enum(UnitVariant(s.text)),
            Node::Map(indent) => {
                self.r.enter()?;
                let mut map = BlockMap {
                    r: self.r,
                    indent,
                    first: true,
                    done: false,
                    fields: &[],
                    seen: SeenKeys::default(),
                };
                let value = visitor.visit_enum(MapVariant { map: &mut map })?;
                if map.next()?.is_some() {
                    return refuse("an enum's mapping with more than one key");
                }
                map.r.depth -= 1;
                Ok(value)
            }
            _ => refuse("not an enum"),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node {
            Node::Map(_) | Node::EmptyMap => {
                self.map(IgnoredAny)?;
            }
            Node::Seq(_) | Node::EmptySeq => {
                self.seq(IgnoredAny)?;
            }
            // The general parser types even a value it skips: a scalar
            // it would refuse as a value is refused here too.
            Node::Scalar(s) => {
                ScalarDe(s).deserialize_any(IgnoredAny)?;
            }
        }
        visitor.visit_unit()
    }
}

/// An enum written as its variant's name.
struct UnitVariant<'de>(Cow<'de, str>);

impl<'de> EnumAccess<'de> for UnitVariant<'de> {
    type Error = Unsupported;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self)> {
        let variant = seed.deserialize(ScalarDe(Scalar {
            text: self.0.clone(),
            plain: true,
        }))?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for UnitVariant<'de> {
    type Error = Unsupported;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value> {
        refuse("a variant without its value")
    }
    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value> {
        refuse("a variant without its value")
    }
    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], _: V) -> Result<V::Value> {
        refuse("a variant without its value")
    }
}

/// An enum written as a mapping of one key, the variant, to its value.
struct MapVariant<'m, 'a, 'de> {
    map: &'m mut BlockMap<'a, 'de>,
}

impl<'de> EnumAccess<'de> for MapVariant<'_, '_, 'de> {
    type Error = Unsupported;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self)> {
        let Some(key) = self.map.next()? else {
            return refuse("an enum's empty mapping");
        };
        let variant = seed.deserialize(ScalarDe(key))?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for MapVariant<'_, '_, 'de> {
    type Error = Unsupported;

    fn unit_variant(self) -> Result<()> {
        let node = self.map.value()?;
        match node {
            Node::Scalar(s) if s.is_null() => Ok(()),
            _ => refuse("a unit variant with a value"),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        let node = self.map.value()?;
        seed.deserialize(ValueDe {
            r: self.map.r,
            node,
        })
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value> {
        let node = self.map.value()?;
        ValueDe {
            r: self.map.r,
            node,
        }
        .seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let node = self.map.value()?;
        ValueDe {
            r: self.map.r,
            node,
        }
        .map(visitor)
    }
}

/// A plain scalar as the general parser types it.
#[derive(Debug)]
enum Resolved {
    Unit,
    Bool(bool),
    Unsigned(u64),
    Signed(i64),
    Real(f64),
    Text(String),
}

impl Resolved {
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Resolved::Unit => visitor.visit_unit(),
            Resolved::Bool(b) => visitor.visit_bool(b),
            Resolved::Unsigned(n) => visitor.visit_u64(n),
            Resolved::Signed(n) => visitor.visit_i64(n),
            Resolved::Real(x) => visitor.visit_f64(x),
            Resolved::Text(s) => visitor.visit_string(s),
        }
    }
}

impl<'de> Deserialize<'de> for Resolved {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Typing;
        impl Visitor<'_> for Typing {
            type Value = Resolved;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar")
            }
            fn visit_unit<E>(self) -> Result<Resolved, E> {
                Ok(Resolved::Unit)
            }
            fn visit_none<E>(self) -> Result<Resolved, E> {
                Ok(Resolved::Unit)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Resolved, E> {
                Ok(Resolved::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Resolved, E> {
                Ok(Resolved::Unsigned(n))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Resolved, E> {
                Ok(Resolved::Signed(n))
            }
            fn visit_f64<E>(self, x: f64) -> Result<Resolved, E> {
                Ok(Resolved::Real(x))
            }
            fn visit_str<E>(self, s: &str) -> Result<Resolved, E> {
                Ok(Resolved::Text(s.to_owned()))
            }
        }
        deserializer.deserialize_any(Typing)
    }
}

/// Types a plain scalar as the general parser does, alone as a document
/// (its type depends only on its text). Text that would be a document
/// marker there is refused.
fn resolve(text: &str) -> Result<Resolved> {
    if text.starts_with("---") || text.starts_with("...") {
        return refuse("a scalar that looks like a document marker");
    }
    super::load::from_yaml::<Resolved>(text).map_err(|e| Unsupported(e.to_string()))
}

/// Deserializes a scalar: a key or a value.
struct ScalarDe<'de>(Scalar<'de>);

impl<'de> ScalarDe<'de> {
    /// The text of a plain scalar of the general parser's strict form of an
    /// integer: an optional minus, then `0` or digits not starting with `0`.
    fn integer(&self) -> Option<&str> {
        let t = self.0.text.as_ref();
        let digits = t.strip_prefix('-').unwrap_or(t);
        let plain_digits = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        (self.0.plain && plain_digits).then_some(t)
    }

    /// The value of a plain scalar of a strict decimal form: an integer as
    /// above, or one with a fraction `.digits`, either with an exponent.
    fn float(&self) -> Option<f64> {
        if !self.0.plain {
            return None;
        }
        let t = self.0.text.as_ref();
        let (mantissa, exponent) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], Some(&t[i + 1..])),
            None => (t, None),
        };
        let (whole, fraction) = match mantissa.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (mantissa, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let whole = whole.strip_prefix('-').unwrap_or(whole);
        let ok = digits(whole)
            && (whole == "0" || !whole.starts_with('0'))
            && fraction.is_none_or(digits)
            && exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
        if ok { t.parse().ok() } else { None }
    }

    fn string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.0.is_null() {
            return refuse("a null where text is wanted");
        }
        match self.0.text {
            Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
            Cow::Owned(s) => visitor.visit_string(s),
        }
    }

    fn signed<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.integer().map(str::parse::<i64>) {
            Some(Ok(n)) => visitor.visit_i64(n),
            _ => refuse("an integer of a form left to the general parser"),
        }
    }

    fn unsigned<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.integer().map(str::parse::<u64>) {
            Some(Ok(n)) => visitor.visit_u64(n),
            _ => refuse("an unsigned integer of a form left to the general parser"),
        }
    }

    #[allow(
        clippy::unused_self,
        reason = "called as the other helpers are, by the `by!` macro"
    )]
    fn refused<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        refuse("a scalar where a collection, a character or bytes are wanted")
    }

    fn real<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.float() {
            Some(x) => visitor.visit_f64(x),
            None => refuse("a number of a form left to the general parser"),
        }
    }
}

impl<'de> Deserializer<'de> for ScalarDe<'de> {
    type Error = Unsupported;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if !self.0.plain {
            return self.string(visitor);
        }
        if self.0.is_null() {
            return visitor.visit_unit();
        }
        match self.0.text.as_ref() {
            "true" => return visitor.visit_bool(true),
            "false" => return visitor.visit_bool(false),
            _ => {}
        }
        if let Some(t) = self.integer() {
            return match (t.parse::<u64>(), t.parse::<i64>()) {
                (Ok(n), _) => visitor.visit_u64(n),
                (_, Ok(n)) => visitor.visit_i64(n),
                _ => refuse("an integer out of range"),
            };
        }
        if let Some(x) = self.float() {
            return visitor.visit_f64(x);
        }
        let t = self.0.text.as_ref();
        // What the general parser may read as a number: a digit, or `.`
        // and a digit or the start of `inf` or `nan`, after a sign.
        let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t).as_bytes();
        let numeric = match unsigned {
            [d, ..] if d.is_ascii_digit() => true,
            [b'.', n, ..] => n.is_ascii_digit() || matches!(n, b'i' | b'I' | b'n' | b'N'),
            _ => false,
        };
        let ambiguous = numeric
            || ["yes", "no", "on", "off", "y", "n", "true", "false", "null"]
                .iter()
                .any(|w| w.eq_ignore_ascii_case(t));
        if ambiguous {
            // Rare (free-form parameters): the general parser types it.
            return resolve(t)?.visit(visitor);
        }
        self.string(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match (self.0.plain, self.0.text.as_ref()) {
            (true, "true") => visitor.visit_bool(true),
            (true, "false") => visitor.visit_bool(false),
            _ => refuse("a boolean of a form left to the general parser"),
        }
    }

    by! {signed: deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64}
    by! {unsigned: deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64}
    by! {real: deserialize_f32 deserialize_f64}
    by! {string: deserialize_str deserialize_string deserialize_identifier}
    by! {refused: deserialize_char deserialize_bytes deserialize_byte_buf deserialize_seq deserialize_map}

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.0.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.0.is_null() {
            visitor.visit_unit()
        } else {
            refuse("a value where null is wanted")
        }
    }

    structs_as_their_content!();

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value> {
        refuse("a scalar where a sequence is wanted")
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value> {
        refuse("a scalar where a sequence is wanted")
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value> {
        refuse("a scalar where a mapping is wanted")
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if self.0.plain && !self.0.is_null() {
            visitor.visit_enum(UnitVariant(self.0.text))
        } else {
            refuse("not an enum")
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(IgnoredAny)?;
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::{Debug, Write as _};

    use datasurface_core::OrderedMap;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::document::{AnyBody, OnePass};
    use crate::load::from_yaml;
    use crate::to_yaml_string;
    use datasurface_fixtures::arbitrary;

    /// Holds the two readers together on `text`: whatever the fast reader
    /// reads, the general parser reads alike. Whether the fast one read it.
    fn agree<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> Result<bool, TestCaseError> {
        let Ok(fast) = from_str::<T>(text) else {
            return Ok(false);
        };
        match from_yaml::<T>(text) {
            Ok(general) => prop_assert_eq!(&fast, &general, "in\n{}", text),
            Err(e) => prop_assert!(
                false,
                "the fast reader read\n{text}\nas {fast:?}, the general parser refused: {e}"
            ),
        }
        Ok(true)
    }

    /// A target of every kind of type a model has.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Typed {
        #[serde(default)]
        a: Option<String>,
        #[serde(default)]
        b: Vec<Option<String>>,
        #[serde(default)]
        c: Option<bool>,
        #[serde(default)]
        d: Option<i64>,
        #[serde(default)]
        e: Option<f64>,
        #[serde(default)]
        f: OrderedMap<String, Kind>,
        #[serde(default)]
        g: Option<u16>,
        #[serde(default)]
        h: Vec<Typed>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    enum Kind {
        Unit,
        New(String),
        Struct { x: Option<u16>, y: Vec<String> },
    }

    fn both(text: &str) -> Result<bool, TestCaseError> {
        let value = agree::<serde_json::Value>(text)?;
        let typed = agree::<Typed>(text)?;
        Ok(value || typed)
    }

    #[test]
    fn reads_ordinary_documents_as_the_general_parser_does() {
        let docs = [
            "a: x\n",
            "a: 'it''s' # a comment\nb:\n- one\n- \"t\\u00e9\\tx\"\n-\n",
            "# top\n\na:   spaced   \n\n  # indented comment\nd: -12\ne: 1.5e3\ng: 8080\n",
            "b:\n  - x\n  - ~\nc: false\nf:\n  one: unit\n  two:\n    new: text\n  three:\n    struct:\n      x: 7\n      y: []\n",
            "h:\n- a: x\n  b:\n  - y\n  h: []\n- d: 0\n  f: {}\n",
            "b:\n- - - deep\n    - er\n  - x\n- z\n",
            "a: |\n  line one\n  line two\n\n  after a blank\nd: 1\n",
            "a: >-\n  folded text\n  goes on\n\n  new paragraph\ne: 2\n",
            "a: |+\n  kept\n\n\nb: []\n",
            "a: >\n  x\nb:\n- |-\n  in a list\n",
            "'quoted key': 1\n\"k\\\"2\": [] \nplain key  : v\n",
            "a: x:y # not a key\nb: http://host/path#frag\n",
        ];
        for doc in docs {
            assert!(both(doc).is_ok_and(|read| read), "not read fast:\n{doc}");
        }
    }

    #[test]
    fn leaves_the_rest_to_the_general_parser() {
        let docs = [
            "a: &x 1\nb: *x\n",
            "a: !tag x\n",
            "a: [1, 2]\n",
            "a: {b: 1}\n",
            "a: x\na: y\n",
            "a: x\n'a': y\n",
            "a: multi\n  line\n",
            "c: yes\n",
            "d: 0x10\n",
            "d: 1_000\n",
            "e: .inf\n",
            "a:\tx\n",
            "a: x\r\n",
            "\u{feff}a: x\n",
            "---\na: x\n",
            "- a\n- b\n",
            "a: b: c\n",
            "? a\n: b\n",
            "<<: {a: 1}\n",
            "a: |2\n   x\n",
            "a: >\n  x\n   more\n",
            "a: \"two\n  lines\"\n",
            "a: 'x'y\n",
            "h:\n- a: - nested\n",
        ];
        for doc in docs {
            assert!(from_str::<Typed>(doc).is_err(), "read fast:\n{doc}");
            // ... and the general parser still reads or explains it.
            let _ = from_yaml::<serde_json::Value>(doc);
        }
    }

    /// A generated document: nested mappings and sequences of tricky
    /// scalars in every style, with comments and blank lines.
    #[derive(Debug, Clone)]
    enum Gen {
        Scalar(String),
        Block(String, Vec<String>),
        Map(Vec<(String, Gen)>),
        Seq(Vec<Gen>),
        EmptyMap,
        EmptySeq,
    }

    const WORDS: &[&str] = &[
        "x",
        "a b",
        "null",
        "~",
        "",
        "true",
        "True",
        "yes",
        "no",
        "on",
        "0",
        "-1",
        "017",
        "0x1F",
        "1.5",
        "1e3",
        "1_000",
        ".inf",
        "-.5",
        "+1",
        "12:30",
        "2026-01-01",
        "a: b",
        "a #b",
        "#c",
        "- x",
        "[]",
        "{}",
        "[a]",
        "{a: 1}",
        "&a x",
        "*a",
        "!t x",
        "|",
        ">",
        "it's",
        "say \"hi\"",
        "é",
        "\\n",
        "a\\tb",
        "-",
        "?",
        ":x",
        "x:",
        "%x",
        "@x",
        "unit",
        "new",
        "struct",
        "99999",
        "-0",
        "1.",
        "x ",
        " x",
        "\\u00e9",
        "\\x41",
        "\\q",
        "\\L",
        "\\_",
        "\\e",
    ];
    const KEYS: &[&str] = &[
        "a", "b", "c", "d", "e", "f", "g", "h", "x", "y", "unit", "new", "struct", "one", "'a'",
        "\"b\"", "k k", "null", "1", "<<", "-k", "k:", "k #c",
    ];

    fn scalar() -> impl Strategy<Value = Gen> {
        (prop::sample::select(WORDS), 0..4u8).prop_map(|(w, style)| {
            Gen::Scalar(match style {
                0 | 1 => w.to_owned(),
                2 => format!("'{}'", w.replace('\'', "''")),
                _ => format!("\"{}\"", w.replace('"', "\\\"")),
            })
        })
    }

    fn block() -> impl Strategy<Value = Gen> {
        (
            prop::sample::select(&["|", "|-", "|+", ">", ">-", ">+"][..]),
            prop::collection::vec(prop::sample::select(WORDS), 1..4),
        )
            .prop_map(|(h, lines)| {
                Gen::Block(h.to_owned(), lines.into_iter().map(str::to_owned).collect())
            })
    }

    fn generated() -> impl Strategy<Value = Gen> {
        let leaf = prop_oneof![6 => scalar(), 1 => block(), 1 => Just(Gen::EmptyMap), 1 => Just(Gen::EmptySeq)];
        leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(
                    (
                        prop::sample::select(KEYS).prop_map(str::to_owned),
                        inner.clone()
                    ),
                    1..5
                )
                .prop_map(Gen::Map),
                prop::collection::vec(inner, 1..4).prop_map(Gen::Seq),
            ]
        })
    }

    /// Renders a generated document; `noise` decides comments, blank lines
    /// and where sequences sit.
    fn render(g: &Gen, indent: usize, noise: &mut u64, out: &mut String) {
        fn roll(noise: &mut u64, n: u64) -> bool {
            *noise ^= *noise << 13;
            *noise ^= *noise >> 7;
            *noise ^= *noise << 17;
            (*noise).is_multiple_of(n)
        }
        let pad = " ".repeat(indent);
        match g {
            Gen::Map(entries) => {
                for (k, v) in entries {
                    if roll(noise, 7) {
                        let _ = write!(out, "{pad}# comment\n\n");
                    }
                    let _ = write!(out, "{pad}{k}:");
                    inline(v, indent, true, noise, out);
                }
            }
            Gen::Seq(items) => {
                for item in items {
                    let _ = write!(out, "{pad}-");
                    inline(item, indent, false, noise, out);
                }
            }
            other => inline(other, indent, false, noise, out),
        }
    }

    /// A value after its `key:` or `-` at column `indent`.
    fn inline(g: &Gen, indent: usize, in_map: bool, noise: &mut u64, out: &mut String) {
        let comment = |noise: &mut u64| {
            *noise = noise
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            if *noise >> 60 == 0 { " # note" } else { "" }
        };
        match g {
            Gen::Scalar(s) => {
                let c = comment(noise);
                let _ = writeln!(out, " {s}{c}");
            }
            Gen::Block(h, lines) => {
                let _ = writeln!(out, " {h}");
                for l in lines {
                    let _ = writeln!(out, "{}{l}", " ".repeat(indent + 2));
                }
            }
            Gen::EmptyMap => out.push_str(" {}\n"),
            Gen::EmptySeq => out.push_str(" []\n"),
            Gen::Map(_) if !in_map => {
                // A sequence item opening a mapping on its own line.
                let mut inner = String::new();
                render(g, indent + 2, noise, &mut inner);
                out.push(' ');
                out.push_str(inner.trim_start_matches(' '));
            }
            Gen::Seq(_) if in_map && (*noise).is_multiple_of(2) => {
                out.push('\n');
                render(g, indent, noise, out);
            }
            _ => {
                out.push('\n');
                render(g, indent + 2, noise, out);
            }
        }
    }

    /// The comparison above is not empty: most generated documents that
    /// the general parser reads are read fast.
    #[test]
    fn the_fast_reader_reads_most_generated_documents() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let (mut general, mut fast) = (0, 0);
        for _ in 0..2000 {
            let Ok(tree) = prop::collection::vec((prop::sample::select(KEYS), generated()), 1..5)
                .new_tree(&mut runner)
            else {
                continue;
            };
            let doc = Gen::Map(
                tree.current()
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            );
            let mut text = String::new();
            render(&doc, 0, &mut 7, &mut text);
            if from_yaml::<serde_json::Value>(&text).is_ok() {
                general += 1;
                fast += usize::from(from_str::<serde_json::Value>(&text).is_ok());
            }
        }
        assert!(
            general > 200 && fast * 2 > general,
            "{fast} of {general} read fast"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn spaces_are_counted_as_one_byte_at_a_time_would(
            lead in 0usize..40,
            rest in prop::collection::vec(prop::sample::select(&b" x\n-\x80"[..]), 0..20),
        ) {
            let mut bytes = vec![b' '; lead];
            bytes.extend(rest);
            let slow = bytes.iter().take_while(|&&b| b == b' ').count();
            prop_assert_eq!(super::spaces(&bytes), slow);
        }

        #[test]
        fn characters_are_checked_alike_in_chunks_and_one_by_one(
            text in prop::collection::vec(prop::sample::select(&["a", " ", "\n", "\t", "\r", "é", "\u{85}", "\u{feff}", "\u{7f}", "\u{fffe}"][..]), 0..200),
        ) {
            let text: String = text.concat();
            let bytes = text.as_bytes();
            prop_assert_eq!(
                super::check_characters(&text).is_ok(),
                super::check_bytes(bytes, 0, bytes.len()).is_ok()
            );
        }

        #[test]
        fn whatever_the_fast_reader_reads_the_general_parser_reads_alike(
            entries in prop::collection::vec((prop::sample::select(KEYS), generated()), 1..5),
            mut noise in 1..u64::MAX,
            cut in any::<prop::sample::Index>(),
            insert in prop::sample::select(&["", "", "", " ", "\n", ":", "-", "'", "\"", "#", " #", "\n  ", "x: "][..]),
        ) {
            let doc = Gen::Map(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
            let mut text = String::new();
            render(&doc, 0, &mut noise, &mut text);
            both(&text)?;
            // The same text with something inserted anywhere.
            let mut at = cut.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, insert);
            both(&text)?;
        }

        #[test]
        fn every_saved_ecosystem_is_read_fast_and_alike(eco in arbitrary::ecosystem()) {
            let text = to_yaml_string(&eco).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let read = from_str::<OnePass>(&text);
            prop_assert!(read.is_ok(), "not read fast ({:?}):\n{}", read.err(), text);
            if let Ok(OnePass { body: AnyBody::Ecosystem(read), .. }) = read {
                prop_assert_eq!(read, eco);
            } else {
                prop_assert!(false, "not an ecosystem");
            }
            agree::<serde_json::Value>(&text)?;
        }
    }
}
