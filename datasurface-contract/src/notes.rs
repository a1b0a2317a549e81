//! What an import could not take: errors that stop it, and fields it
//! dropped, each at its place in the contract.

use serde_json::{Map, Value};

/// One thing an import could not take, at its place in a contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The contract file.
    pub file: String,
    /// The field, as a path such as `schema[customers].properties[phone].logicalType`.
    pub at: String,
    /// What is wrong or was dropped, and what to do.
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.at, self.message)
    }
}

/// The errors and dropped fields of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Notes {
    pub(crate) file: String,
    pub(crate) errors: Vec<Note>,
    pub(crate) dropped: Vec<Note>,
}

impl Notes {
    /// Notes about one file.
    pub(crate) fn for_file(file: &str) -> Self {
        Notes {
            file: file.to_owned(),
            ..Notes::default()
        }
    }

    fn note(&self, at: &str, message: &str) -> Note {
        Note {
            file: self.file.clone(),
            at: at.trim_start_matches('.').to_owned(),
            message: message.to_owned(),
        }
    }

    /// Something the import cannot express faithfully: it fails.
    pub(crate) fn error(&mut self, at: &str, message: &str) {
        let note = self.note(at, message);
        self.errors.push(note);
    }

    /// Something the import leaves out: it goes on, and says so.
    pub(crate) fn dropped(&mut self, at: &str, message: &str) {
        let note = self.note(at, message);
        self.dropped.push(note);
    }

    /// Notes every field datasurface has no place for, unless it says
    /// nothing (null, false, empty).
    pub(crate) fn rest(&mut self, at: &str, rest: &Map<String, Value>) {
        for (key, value) in rest {
            let empty = match value {
                Value::Null | Value::Bool(false) => true,
                Value::String(s) => s.is_empty(),
                Value::Array(a) => a.is_empty(),
                Value::Object(o) => o.is_empty(),
                Value::Bool(true) | Value::Number(_) => false,
            };
            if empty {
                continue;
            }
            self.dropped(
                &format!("{at}.{key}"),
                "datasurface has no place for this field",
            );
        }
    }

    /// Takes in notes made with another file name (or none).
    pub(crate) fn extend(&mut self, other: Notes) {
        let file = self.file.clone();
        let rename = |mut n: Note| {
            n.file.clone_from(&file);
            n
        };
        self.errors.extend(other.errors.into_iter().map(&rename));
        self.dropped.extend(other.dropped.into_iter().map(&rename));
    }
}

/// The path of an item of a list: by its name when it has one, else by index.
pub(crate) fn index(at: &str, i: usize, name: Option<&str>) -> String {
    match name {
        Some(name) => format!("{at}[{name}]"),
        None => format!("{at}[{i}]"),
    }
}
