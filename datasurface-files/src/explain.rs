//! Turns parser errors into located, actionable [`LoadError`]s.

use crate::error::LoadError;
use datasurface_core::types::NEEDS_SETTINGS;
use datasurface_stdx::suggest::{nearest, quote_list};

/// Field names that suggest someone is about to put a secret in the model.
const SECRET_WORDS: &[&str] = &[
    "password",
    "secret",
    "token",
    "apikey",
    "privatekey",
    "passphrase",
];

/// The help line for an unknown field or variant: the nearest valid name, or the list.
pub(crate) fn unknown_name_help(found: &str, expected: &[&str], what: &str) -> String {
    let lower = found.to_ascii_lowercase().replace(['_', '-'], "");
    if what == "field" && SECRET_WORDS.iter().any(|w| lower.contains(w)) {
        return "secret values never go in the model: name a credential instead, \
                as `credential: {name: <name>, type: USER_PASSWORD}`, and keep the secret in the platform's credential store"
            .to_owned();
    }
    if let Some(best) = nearest(found, expected) {
        return format!("did you mean `{best}`?");
    }
    match expected {
        [] => format!("this place takes no {what}s"),
        [only] => format!("the only valid {what} here is `{only}`"),
        _ => format!("valid {what}s here are {}", quote_list(expected)),
    }
}

/// Explains a YAML error.
pub(crate) fn yaml_error(file: &str, text: &str, error: &serde_saphyr::Error) -> LoadError {
    use serde_saphyr::Error as E;
    let inner = error.without_snippet();
    let located = |e: LoadError| match inner.location() {
        Some(loc) => e.at(usize_of(loc.line()), usize_of(loc.column())),
        None => e,
    };
    let err = match inner {
        E::SerdeUnknownField { field, expected, .. } => LoadError::new(file, format!("unknown field `{field}`"))
            .with_help(unknown_name_help(field, expected, "field")),
        E::SerdeUnknownVariant { variant, expected, .. } => {
            LoadError::new(file, format!("unknown value `{variant}`"))
                .with_help(unknown_name_help(variant, expected, "value"))
        }
        E::SerdeMissingField { field, .. } => {
            return match inner.location() {
                Some(loc) => missing_field(file, text, field, usize_of(loc.line()), usize_of(loc.column())),
                None => LoadError::new(file, format!("missing field `{field}`"))
                    .with_help(format!("add `{field}:` here")),
            };
        }
        E::SerdeInvalidType { unexpected, expected, .. } => {
            invalid_type(file, unexpected, expected)
        }
        E::InvalidScalar { ty, location } => {
            let found = token_at(text, usize_of(location.line()), usize_of(location.column()));
            LoadError::new(file, format!("expected {}, found {found}", describe_scalar(ty)))
        }
        E::Unexpected { expected: "mapping start", .. } => {
            // A bare word where a kind with settings belongs (`type: Decimal`):
            // the parser stops at the token after it; point at the word.
            let word = inner
                .location()
                .and_then(|l| word_at_or_before(text, usize_of(l.line()), usize_of(l.column())));
            if let Some((line, column, word)) = word {
                return truncation_hint(needs_settings(file, &word).at(line, column), text);
            }
            LoadError::new(file, "expected a map here").with_help(
                "write a map, `{name: value, …}`; a kind with settings is a one-key map, \
                 such as `{VarChar: {maxSize: 50}}`, or `{VarChar: {}}` with no settings",
            )
        }
        E::Unexpected { expected: "sequence start", .. } => LoadError::new(file, "expected a list here")
            .with_help("write a list, such as `[a, b]` or one `- item` per line"),
        E::SerdeInvalidValue { unexpected, expected, .. } => {
            LoadError::new(file, format!("invalid value: found {unexpected}, expected {expected}"))
        }
        E::DuplicateMappingKey { key, .. } => {
            let key = key.as_deref().unwrap_or("?");
            LoadError::new(file, format!("duplicate key `{key}`"))
                .with_help("each key may appear once in a map; remove or rename one")
        }
        E::Eof { .. } => LoadError::new(file, "the document ends too early")
            .with_help("the file looks truncated; complete it or restore it from version control"),
        E::MultipleDocuments { .. } => LoadError::new(file, "the file holds more than one document")
            .with_help("put each document in its own file"),
        E::Budget { breach: serde_saphyr::budget::BudgetBreach::Depth { depth }, .. } => {
            LoadError::new(file, format!("the document nests more than {} levels deep", depth.saturating_sub(1)))
                .with_help("model documents nest a few levels; look for runaway nesting or a generated file gone wrong")
        }
        E::Budget { .. } => LoadError::new(file, "the document exceeds the parser's safety limits")
            .with_help("model documents are plain data; look for huge alias expansions or a generated file gone wrong"),
        other => {
            let message = clean_message(&other.to_string());
            // A type with settings named alone (the types' own reader says so).
            if let Some(word) = message
                .strip_prefix('`')
                .and_then(|m| m.strip_suffix(NEEDS_SETTINGS))
                .and_then(|m| m.strip_suffix("` "))
            {
                return truncation_hint(located(needs_settings(file, word)), text);
            }
            let help = syntax_help(&message, text, inner.location().map(|l| usize_of(l.line())));
            let err = LoadError::new(file, message);
            match help {
                Some(help) => err.with_help(help),
                None => err,
            }
        }
    };
    truncation_hint(located(err), text)
}

/// The indentation of a line: its leading spaces.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A help line for a YAML syntax error: tabs, and indentation that does not line up.
fn syntax_help(message: &str, text: &str, line: Option<usize>) -> Option<String> {
    if message.contains("tab") {
        return Some(
            "YAML indents with spaces, never tabs: replace the tabs at the start of this line with spaces (two per level)"
                .to_owned(),
        );
    }
    let indentation = [
        "did not find expected key",
        "mapping values are not allowed",
        "block end",
        "indentation",
        "block mapping",
        "block sequence",
    ];
    if !indentation.iter().any(|m| message.contains(m)) {
        return None;
    }
    let lines: Vec<&str> = text.lines().collect();
    let at = line?.checked_sub(1)?;
    let here = indent(lines.get(at)?);
    let above = lines[..at]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|l| indent(l));
    Some(match above {
        Some(above) if above != here => format!(
            "check the indentation: this line is indented {here} spaces and the line above it {above}; keys of one map line up in one column, and a nested map is indented further than the key that holds it"
        ),
        _ => "check the indentation and the punctuation of this line and the one above it: keys of one map line up in one column, each `key: value` has a space after the colon, and quotes and brackets are closed".to_owned(),
    })
}

/// A missing field, reported at the map that lacks it: the key that holds the
/// map, or the document itself for a top-level field.
fn missing_field(file: &str, text: &str, field: &str, line: usize, column: usize) -> LoadError {
    let lines: Vec<&str> = text.lines().collect();
    let key_indent = column.saturating_sub(1);
    let block_key = lines
        .get(line.saturating_sub(1))
        .is_some_and(|l| indent(l) == key_indent || indent(l) + 2 == key_indent);
    let parent = block_key.then(|| {
        lines[..line.saturating_sub(1)]
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .find(|(_, l)| indent(l) < key_indent && !l.trim_start().starts_with("- "))
    });
    match parent {
        Some(Some((i, l))) => {
            let key = l.trim().trim_end_matches(':');
            let key = key.split(':').next().unwrap_or(key).trim();
            LoadError::new(file, format!("missing field `{field}` in `{key}`"))
                .at(i + 1, indent(l) + 1)
                .with_help(format!(
                    "add `{field}:` to the map under `{key}`, beside its other keys"
                ))
        }
        Some(None) if key_indent == 0 => {
            let kind = lines.iter().position(|l| l.starts_with("kind:")).map_or(
                (1, String::from("model")),
                |i| {
                    (
                        i + 1,
                        lines[i].trim_start_matches("kind:").trim().to_owned(),
                    )
                },
            );
            LoadError::new(
                file,
                format!("the {} document lacks the required field `{field}`", kind.1),
            )
            .at(kind.0, 1)
            .with_help(format!("add `{field}:` at the top level of the document"))
        }
        _ => LoadError::new(file, format!("missing field `{field}`"))
            .at(line, column)
            .with_help(format!("add `{field}:` to this map")),
    }
}

/// Adds a hint when a YAML error sits on the last line of a file that does not
/// end in a newline: the usual shape of a truncated file.
fn truncation_hint(error: LoadError, text: &str) -> LoadError {
    let last_line = text.trim_end().lines().count();
    let on_last_line = error.line.is_some_and(|line| line >= last_line);
    if error.help.is_none() && on_last_line && !text.ends_with('\n') {
        error.with_help("the file ends here and looks truncated; complete it or restore it from version control")
    } else {
        error
    }
}

/// The token that starts at a 1-based line and column, quoted, for "found …".
fn token_at(text: &str, line: usize, column: usize) -> String {
    let token: String = text
        .lines()
        .nth(line.saturating_sub(1))
        .map(|l| {
            l.chars()
                .skip(column.saturating_sub(1))
                .take_while(|c| !matches!(c, ',' | '}' | ']' | '#'))
                .collect::<String>()
        })
        .unwrap_or_default();
    let token = token.trim();
    if token.is_empty() {
        "nothing".to_owned()
    } else {
        format!("`{token}`")
    }
}

/// Kinds written as a one-key map of settings, with an example of each.
const SETTINGS_EXAMPLES: &[(&str, &str)] = &[
    ("Decimal", "{Decimal: {precision: 10, scale: 2}}"),
    ("FixedInteger", "{FixedInteger: {bits: 24, signed: true}}"),
    ("Vector", "{Vector: {dimensions: 768}}"),
    ("Array", "{Array: {elementType: Integer}}"),
    ("Map", "{Map: {keyType: String, valueType: Integer}}"),
    ("Struct", "{Struct: {fields: {x: {type: Integer}}}}"),
    ("Geography", "{Geography: {srid: 4326, srsName: WGS84}}"),
    (
        "CustomFloat",
        "{CustomFloat: {bits: 16, precision: 8, maxExponent: 127, minExponent: -126}}",
    ),
    (
        "MicroScaling",
        "{MicroScaling: {batchSize: 32, scaleType: FP8_E8M0, elementType: FP4_E2M1}}",
    ),
    (
        "database",
        "{database: {engine: POSTGRES, database: sales}}",
    ),
    ("Char", "{Char: {maxSize: 10}}"),
    ("NChar", "{NChar: {maxSize: 10}}"),
    ("VarChar", "{VarChar: {maxSize: 50}}"),
    ("NVarChar", "{NVarChar: {maxSize: 50}}"),
    ("String", "{String: {maxSize: 1000}}"),
    ("Binary", "{Binary: {maxSize: 1024}}"),
    ("Variant", "{Variant: {maxSize: 65536}}"),
    ("Timestamp", "{Timestamp: {timeZone: UTC}}"),
];

/// A word written where its settings were expected.
fn needs_settings(file: &str, word: &str) -> LoadError {
    let example = SETTINGS_EXAMPLES
        .iter()
        .find(|(kind, _)| kind.eq_ignore_ascii_case(word))
        .map_or_else(|| format!("{{{word}: {{…}}}}"), |(_, e)| (*e).to_owned());
    LoadError::new(file, format!("`{word}` {NEEDS_SETTINGS}")).with_help(format!(
        "a kind with settings is a one-key map: write `{example}`"
    ))
}

/// The plain word a value was written as, when the parser stopped at it or
/// at the token after it (line and column from 1): the word with its place.
/// A key (`name:`) is not a value; quoted text is not a bare word.
fn word_at_or_before(text: &str, line: usize, column: usize) -> Option<(usize, usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let is_word = |c: char| {
        !c.is_whitespace() && !matches!(c, ',' | '{' | '}' | '[' | ']' | ':' | '#' | '"' | '\'')
    };
    // The word at the place itself, when it is a value.
    let here: Vec<char> = lines.get(line.checked_sub(1)?)?.chars().collect();
    let at = column.checked_sub(1)?;
    let word: String = here.iter().skip(at).take_while(|c| is_word(**c)).collect();
    let after = here.get(at + word.chars().count()).copied();
    let before = here[..at.min(here.len())]
        .iter()
        .rev()
        .find(|c| !c.is_whitespace())
        .copied();
    if !word.is_empty() && after != Some(':') && matches!(before, Some(':' | '-')) {
        return Some((line, column, word));
    }
    // Else the last word before it, on this line or an earlier one, when
    // it is a key's value or a list item.
    let mut row = line - 1;
    let mut end = at.min(here.len());
    loop {
        let chars: Vec<char> = lines.get(row)?.chars().collect();
        let mut upto = end.min(chars.len());
        // An earlier line's comment is not part of its value.
        if row + 1 < line
            && let Some(hash) = chars.iter().position(|c| *c == '#')
        {
            upto = upto.min(hash);
        }
        let part = &chars[..upto];
        let trimmed = part
            .iter()
            .rposition(|c| !c.is_whitespace() && *c != ',')
            .map(|i| i + 1);
        if let Some(stop) = trimmed {
            let start = part[..stop]
                .iter()
                .rposition(|c| !is_word(*c))
                .map_or(0, |i| i + 1);
            if start == stop {
                return None;
            }
            let word: String = part[start..stop].iter().collect();
            let before = part[..start]
                .iter()
                .rev()
                .find(|c| !c.is_whitespace())
                .copied();
            return matches!(before, Some(':' | '-')).then_some((row + 1, start + 1, word));
        }
        row = row.checked_sub(1)?;
        end = usize::MAX;
    }
}

/// Describes a Rust scalar type the way a model author thinks of it.
fn describe_scalar(ty: &str) -> String {
    match ty {
        "u8" => "a whole number from 0 to 255".to_owned(),
        "u16" => "a whole number from 0 to 65535".to_owned(),
        "u32" => "a whole number from 0 to 4294967295".to_owned(),
        "u64" | "usize" => "a whole number of 0 or more".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "bool" => "`true` or `false`".to_owned(),
        "char" => "a single character".to_owned(),
        other => other.to_owned(),
    }
}

/// Explains a JSON error.
pub(crate) fn json_error(file: &str, error: &serde_json::Error) -> LoadError {
    let text = clean_message(&error.to_string());
    let mut err = match parse_unknown(&text) {
        Some((what, found, expected)) => {
            let help = unknown_name_help(
                &found,
                &expected.iter().map(String::as_str).collect::<Vec<_>>(),
                what,
            );
            let noun = if what == "field" { "field" } else { "value" };
            LoadError::new(file, format!("unknown {noun} `{found}`")).with_help(help)
        }
        None if error.is_eof() => LoadError::new(file, "the document ends too early")
            .with_help("the file looks truncated; complete it or restore it from version control"),
        None if text.starts_with("invalid type: ") || text.starts_with("invalid value: ") => {
            let rest = text.split_once(": ").map_or("", |(_, r)| r);
            match rest.rsplit_once(", expected ") {
                Some((found, expected)) => LoadError::new(
                    file,
                    format!("expected {}, found {found}", describe_scalar(expected)),
                ),
                None => LoadError::new(file, text),
            }
        }
        None => match text.strip_prefix("missing field ") {
            Some(field) => LoadError::new(file, format!("missing field {field}"))
                .with_help(format!("add {field} to this object")),
            None => LoadError::new(file, text),
        },
    };
    if error.line() > 0 {
        err = err.at(error.line(), error.column());
    }
    err
}

fn invalid_type(file: &str, unexpected: &str, expected: &str) -> LoadError {
    let err = LoadError::new(file, format!("expected {expected}, found {unexpected}"));
    if expected.contains("struct variant")
        || (unexpected.contains("string") && expected.contains("map"))
    {
        err.with_help("a kind with settings is written as a one-key map, such as `{VarChar: {maxSize: 50}}` or `{VarChar: {}}`")
    } else {
        err
    }
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" messages.
fn parse_unknown(text: &str) -> Option<(&'static str, String, Vec<String>)> {
    let (what, rest) = if let Some(rest) = text.strip_prefix("unknown field `") {
        ("field", rest)
    } else if let Some(rest) = text.strip_prefix("unknown variant `") {
        ("value", rest)
    } else {
        return None;
    };
    let (found, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Some((what, found.to_owned(), expected))
}

/// Drops a trailing " at line N column M" and anything after the first line.
fn clean_message(text: &str) -> String {
    let first = first_line(text);
    match first.rfind(" at line ") {
        Some(i) if first[i..].contains(" column ") => first[..i].to_owned(),
        _ => first,
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}

fn usize_of(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_word_where_settings_belong_is_found() {
        let flow = "x:\n  amount: {type: Decimal, nullable: false}\n";
        assert_eq!(
            word_at_or_before(flow, 2, 27),
            Some((2, 18, "Decimal".to_owned()))
        );
        let block = "amount:\n  type: Decimal   # money\n  nullable: false\n";
        assert_eq!(
            word_at_or_before(block, 3, 3),
            Some((2, 9, "Decimal".to_owned()))
        );
        // The word itself, when the parser stops at it.
        assert_eq!(
            word_at_or_before("kind: database\n", 1, 7),
            Some((1, 7, "database".to_owned()))
        );
        // A key is not a value, and a map's opening is not a word.
        assert_eq!(word_at_or_before("a:\n  b: {c: 1}\n", 2, 3), None);
    }

    #[test]
    fn suggests_the_nearest_name() {
        assert_eq!(
            nearest("nulable", &["type", "nullable", "documentation"]),
            Some("nullable")
        );
        assert_eq!(nearest("xyz", &["type", "nullable"]), None);
        assert_eq!(
            unknown_name_help("Datastores", &["datastores", "workspaces"], "field"),
            "did you mean `datastores`?"
        );
        assert!(unknown_name_help("password", &["name"], "field").contains("credential"));
        assert_eq!(
            unknown_name_help("q", &["a", "b"], "field"),
            "valid fields here are `a`, `b`"
        );
    }

    #[test]
    fn parses_serde_unknown_messages() {
        let (what, found, expected) =
            parse_unknown("unknown field `nulable`, expected one of `type`, `nullable`").unwrap();
        assert_eq!((what, found.as_str()), ("field", "nulable"));
        assert_eq!(expected, vec!["type", "nullable"]);
        assert_eq!(clean_message("oops at line 3 column 7"), "oops");
    }
}
