//! What changed between two JSON artifacts, said by the names inside them:
//! `tables.Orders__orders.columns.channel added`, not "line 65 changed". A
//! plan puts these before any artifact detail, and a platform reads them to
//! judge a step's disruption (a nullable column added is altered in place).
//!
//! Arrays whose elements are objects named by a field (`taskId`, `dagId`,
//! `name`, `dataset`, `column`, `stream`, `workspace`, `key` or `id`, unique
//! in the array) are
//! matched by that name, so a column added in the middle is one addition,
//! not a change to every column after it.

use std::fmt;

use serde_json::{Map, Value};

/// The fields that name an array's elements, most telling first.
const NAMING_FIELDS: [&str; 9] = [
    "taskId",
    "dagId",
    "name",
    "dataset",
    "column",
    "stream",
    "workspace",
    "key",
    "id",
];

/// How many characters of a value a message shows.
const SHOWN: usize = 60;

/// One difference between two JSON documents.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ContentChange {
    /// Where: object keys and array elements' names (or `[n]` positions),
    /// outermost first.
    pub path: Vec<String>,
    /// What was there, if anything.
    pub before: Option<Value>,
    /// What is there now, if anything.
    pub after: Option<Value>,
    /// Which parts of the path name an element of an array (matched by
    /// its naming field), so the change reads "column `c` of table `t`".
    named: Vec<bool>,
}

impl ContentChange {
    /// Whether something new appeared at the path.
    pub fn is_addition(&self) -> bool {
        self.before.is_none() && self.after.is_some()
    }

    /// Whether something at the path went away.
    pub fn is_removal(&self) -> bool {
        self.before.is_some() && self.after.is_none()
    }

    /// Whether the path is `prefix` then anything: `["tables", "*", "columns"]`
    /// matches `tables.x.columns.y` (`*` matches any one part).
    pub fn is_under(&self, prefix: &[&str]) -> bool {
        self.path.len() > prefix.len()
            && prefix
                .iter()
                .zip(&self.path)
                .all(|(p, part)| *p == "*" || p == part)
    }
}

impl ContentChange {
    /// The place, in words: ``column `channel` of table `orders` ``.
    fn place(&self) -> String {
        let mut elements: Vec<String> = Vec::new();
        let mut i = 0;
        while i < self.path.len() {
            let part = &self.path[i];
            if i + 1 < self.path.len() && self.named.get(i + 1) == Some(&true) {
                elements.push(format!("{} `{}`", singular(part), self.path[i + 1]));
                i += 2;
            } else {
                elements.push(format!("`{part}`"));
                i += 1;
            }
        }
        if elements.is_empty() {
            return "the content".to_owned();
        }
        elements.reverse();
        elements.join(" of ")
    }
}

/// A collection's name for one of its elements: `columns` → `column`.
fn singular(collection: &str) -> String {
    if let Some(stem) = collection.strip_suffix("xes") {
        format!("{stem}x")
    } else if let Some(stem) = collection.strip_suffix('s') {
        stem.to_owned()
    } else {
        collection.to_owned()
    }
}

impl fmt::Display for ContentChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.place();
        match (&self.before, &self.after) {
            (None, Some(after)) => write!(f, "{place} added ({})", settings(after)),
            (Some(_), None) => write!(f, "{place} removed"),
            (Some(Value::String(before)), Some(Value::String(after))) => {
                let (b, a) = around_difference(before, after);
                write!(f, "{place}: `{b}` → `{a}`")
            }
            (Some(before), Some(after)) => {
                write!(f, "{place}: {} → {}", shown(before), shown(after))
            }
            (None, None) => write!(f, "{place} unchanged"),
        }
    }
}

/// An added element's settings, without the field that names it:
/// `affinity: text, nullable: true`, cut short.
fn settings(value: &Value) -> String {
    let Value::Object(map) = value else {
        return shown(value).trim_matches('`').to_owned();
    };
    let text = map
        .iter()
        .filter(|(k, _)| !NAMING_FIELDS.contains(&k.as_str()))
        .map(|(k, v)| match v {
            Value::String(s) => format!("{k}: {s}"),
            other => format!("{k}: {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    cut(&text)
}

/// Two long texts around where they first differ, each cut short.
fn around_difference(before: &str, after: &str) -> (String, String) {
    let same = before
        .chars()
        .zip(after.chars())
        .take_while(|(b, a)| b == a)
        .count();
    let from = same.saturating_sub(20);
    let piece = |text: &str| {
        let rest: String = text.chars().skip(from).collect();
        let lead = if from > 0 { "…" } else { "" };
        format!("{lead}{}", cut(&rest))
    };
    (piece(before), piece(after))
}

/// At most [`SHOWN`] characters, with `…` when cut.
fn cut(text: &str) -> String {
    let mut out: String = text.chars().take(SHOWN).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// A value in a line: compact JSON (a string without its quotes), cut short.
fn shown(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    format!("`{}`", cut(&text))
}

/// What changed from `before` to `after`, when both are JSON; `None` when
/// either is not (a DAG file, a script), for the caller to say otherwise.
pub fn content_changes(before: &str, after: &str) -> Option<Vec<ContentChange>> {
    let before: Value = serde_json::from_str(before).ok()?;
    let after: Value = serde_json::from_str(after).ok()?;
    let mut out = Vec::new();
    walk(&mut Vec::new(), &before, &after, &mut out);
    Some(out)
}

/// A path being walked: each part, and whether it names an array element.
type Path = Vec<(String, bool)>;

fn change(path: &Path, before: Option<&Value>, after: Option<&Value>) -> ContentChange {
    ContentChange {
        path: path.iter().map(|(p, _)| p.clone()).collect(),
        before: before.cloned(),
        after: after.cloned(),
        named: path.iter().map(|(_, n)| *n).collect(),
    }
}

fn walk(path: &mut Path, before: &Value, after: &Value, out: &mut Vec<ContentChange>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => objects(path, b, a, out),
        (Value::Array(b), Value::Array(a)) => arrays(path, b, a, out),
        _ => out.push(change(path, Some(before), Some(after))),
    }
}

fn objects(
    path: &mut Path,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    out: &mut Vec<ContentChange>,
) {
    for (key, b) in before {
        path.push((key.clone(), false));
        match after.get(key) {
            Some(a) => walk(path, b, a, out),
            None => out.push(change(path, Some(b), None)),
        }
        path.pop();
    }
    for (key, a) in after {
        if !before.contains_key(key) {
            path.push((key.clone(), false));
            out.push(change(path, None, Some(a)));
            path.pop();
        }
    }
}

fn arrays(path: &mut Path, before: &[Value], after: &[Value], out: &mut Vec<ContentChange>) {
    let field = naming_field(before)
        .filter(|f| naming_field(after).is_some_and(|g| g == *f) || after.is_empty())
        .or_else(|| naming_field(after).filter(|_| before.is_empty()));
    if let Some(field) = field {
        let name = |v: &Value| v.get(field).and_then(Value::as_str).map(str::to_owned);
        for b in before {
            let Some(n) = name(b) else { continue };
            let found = after
                .iter()
                .find(|a| name(a).as_deref() == Some(n.as_str()));
            path.push((n, true));
            match found {
                Some(a) => walk(path, b, a, out),
                None => out.push(change(path, Some(b), None)),
            }
            path.pop();
        }
        for a in after {
            let Some(n) = name(a) else { continue };
            if !before
                .iter()
                .any(|b| name(b).as_deref() == Some(n.as_str()))
            {
                path.push((n, true));
                out.push(change(path, None, Some(a)));
                path.pop();
            }
        }
        return;
    }
    if before.len() == after.len() {
        for (i, (b, a)) in before.iter().zip(after).enumerate() {
            path.push((format!("[{i}]"), false));
            walk(path, b, a, out);
            path.pop();
        }
        return;
    }
    out.push(change(
        path,
        Some(&Value::Array(before.to_vec())),
        Some(&Value::Array(after.to_vec())),
    ));
}

/// The field that names every element of an array uniquely, if one does.
fn naming_field(items: &[Value]) -> Option<&'static str> {
    if items.is_empty() {
        return None;
    }
    NAMING_FIELDS.into_iter().find(|field| {
        let mut names: Vec<&str> = Vec::with_capacity(items.len());
        for item in items {
            match item.get(*field).and_then(Value::as_str) {
                Some(n) => names.push(n),
                None => return false,
            }
        }
        names.sort_unstable();
        names.windows(2).all(|w| w[0] != w[1])
    })
}

/// A step's reason from the changes: the first few, then how many more.
pub(crate) fn summary(changes: &[ContentChange]) -> String {
    const FIRST: usize = 3;
    let mut parts: Vec<String> = changes
        .iter()
        .take(FIRST)
        .map(ToString::to_string)
        .collect();
    if changes.len() > FIRST {
        parts.push(format!("and {} more", changes.len() - FIRST));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn changes(before: &str, after: &str) -> Vec<String> {
        content_changes(before, after)
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_column_added_in_the_middle_is_one_addition() {
        let before = r#"{"tables": [{"name": "t", "columns": [{"name": "a", "nullable": false}, {"name": "c", "nullable": true}]}]}"#;
        let after = r#"{"tables": [{"name": "t", "columns": [{"name": "a", "nullable": false}, {"name": "b", "nullable": true}, {"name": "c", "nullable": true}]}]}"#;
        assert_eq!(
            changes(before, after),
            ["column `b` of table `t` added (nullable: true)"]
        );
        let found = content_changes(before, after).unwrap();
        assert!(found[0].is_addition() && found[0].is_under(&["tables", "*", "columns"]));
    }

    #[test]
    fn fields_say_old_and_new() {
        assert_eq!(
            changes(
                r#"{"datasets": [{"dataset": "orders", "keep": 3}], "q": "SELECT 1"}"#,
                r#"{"datasets": [{"dataset": "orders", "keep": 4}]}"#
            ),
            ["`keep` of dataset `orders`: `3` → `4`", "`q` removed"]
        );
        assert_eq!(changes("[1, 2]", "[1, 3]"), ["`[1]`: `2` → `3`"]);
        assert_eq!(changes("[1, 2]", "[1]"), ["the content: `[1,2]` → `[1]`"]);
        assert_eq!(content_changes("not json", "{}"), None);
    }

    #[test]
    fn long_values_are_cut() {
        let long = "x".repeat(100);
        let said = changes(&format!("{{\"q\": \"{long}\"}}"), "{\"q\": \"y\"}");
        assert_eq!(said, [format!("`q`: `{}…` → `y`", "x".repeat(60))]);
        // Long texts are shown around where they differ.
        let said = changes(
            r#"{"select": "SELECT a, b, c, d, e, f, g, h FROM t"}"#,
            r#"{"select": "SELECT a, b, c, d, e, f, g, h, i FROM t"}"#,
        );
        assert_eq!(
            said,
            ["`select`: `… b, c, d, e, f, g, h FROM t` → `… b, c, d, e, f, g, h, i FROM t`"]
        );
    }

    proptest! {
        /// Equal documents have no changes; a document compared with another
        /// has some; and every change's path leads to where the two differ.
        #[test]
        fn changes_are_exactly_the_differences(
            a in proptest::collection::btree_map("[a-c]", 0i32..3, 0..4),
            b in proptest::collection::btree_map("[a-c]", 0i32..3, 0..4),
        ) {
            let (ja, jb) = (serde_json::to_string(&a).unwrap(), serde_json::to_string(&b).unwrap());
            let found = content_changes(&ja, &jb).unwrap();
            prop_assert_eq!(found.is_empty(), a == b);
            for c in &found {
                let key = &c.path[0];
                prop_assert_eq!(c.before.as_ref().and_then(Value::as_i64), a.get(key).map(|v| i64::from(*v)));
                prop_assert_eq!(c.after.as_ref().and_then(Value::as_i64), b.get(key).map(|v| i64::from(*v)));
            }
        }
    }
}
