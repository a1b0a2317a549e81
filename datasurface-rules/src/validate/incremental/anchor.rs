//! Where a finding is kept: the team element its path is in, or the
//! ecosystem's or a zone's entry, which sees every element it names.

use std::collections::BTreeSet;

use datasurface_core::Ecosystem;
use datasurface_core::diagnostic::{ModelPath, Segment};
use serde_json::Value;

use super::index::{Element, team_element};
use super::strings::each_string;

/// Where a finding's findings are kept: an element, or the ecosystem's or
/// a zone's own content (which a change handled here leaves alike).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Anchor {
    Element(Element),
    /// An entry of the ecosystem's or a zone's own content (a platform,
    /// an assignment, a policy), with every string it holds: it can see
    /// the elements those name.
    Entry(BTreeSet<String>),
}

impl Anchor {
    /// Whether a finding anchored here can change with the scope
    /// (`names`: the scope's elements' names).
    pub(super) fn within(&self, scope: &BTreeSet<Element>, names: &BTreeSet<&str>) -> bool {
        match self {
            Anchor::Element(e) => scope.contains(e),
            Anchor::Entry(strings) => strings.iter().any(|s| names.contains(s.as_str())),
        }
    }
}

/// The ecosystem's and each zone's own content, serialized: the entries
/// findings outside the teams are anchored at.
pub(super) struct Entries {
    /// The ecosystem without its zones' teams, as JSON.
    value: Value,
}

impl Entries {
    pub(super) fn of(model: &Ecosystem) -> Self {
        let mut outside = model.clone();
        for zone in outside.zones.values_mut() {
            zone.teams = datasurface_core::OrderedMap::default();
        }
        Entries {
            value: serde_json::to_value(&outside).unwrap_or(Value::Null),
        }
    }

    /// The entry a path outside the teams is in: two steps below the root
    /// (`/platforms/<name>`, `/assignments/<i>`), or below a zone.
    pub(super) fn entry_of(&self, path: &ModelPath) -> Anchor {
        let segments = path.segments();
        let depth = match segments.first() {
            Some(Segment::Key(k)) if k == "zones" => 4,
            _ => 2,
        };
        let mut pointer = String::new();
        // The entry's own keys name what it is about (a primary-ingestion
        // entry's key is its datastore).
        let mut found = BTreeSet::new();
        for segment in segments.iter().take(depth) {
            pointer.push('/');
            match segment {
                Segment::Key(k) => {
                    pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    found.insert(k.clone());
                }
                Segment::Index(i) => pointer.push_str(&i.to_string()),
            }
        }
        if let Some(value) = self.value.pointer(&pointer) {
            each_string(value, &mut |s| {
                found.insert(s.to_owned());
            });
        }
        Anchor::Entry(found)
    }

    /// Every entry, with the key of the field it is in (`platforms`,
    /// `assignments`; none in a zone) and the strings it holds.
    pub(super) fn all(&self) -> Vec<(Option<String>, BTreeSet<String>)> {
        let mut out = Vec::new();
        let mut entries = |field: Option<&String>, value: &Value| match value {
            Value::Object(fields) => {
                for (k, v) in fields {
                    let mut found = BTreeSet::from([k.clone()]);
                    each_string(v, &mut |s| {
                        found.insert(s.to_owned());
                    });
                    out.push((field.cloned(), found));
                }
            }
            Value::Array(items) => {
                for v in items {
                    let mut found = BTreeSet::new();
                    each_string(v, &mut |s| {
                        found.insert(s.to_owned());
                    });
                    out.push((field.cloned(), found));
                }
            }
            _ => {}
        };
        if let Value::Object(fields) = &self.value {
            for (key, value) in fields {
                if key == "zones" {
                    for zone in value.as_object().into_iter().flat_map(|z| z.values()) {
                        for v in zone.as_object().into_iter().flat_map(|z| z.values()) {
                            entries(None, v);
                        }
                    }
                } else {
                    entries(Some(key), value);
                }
            }
        }
        out
    }
}

/// The anchor of `path`: its team element, or else its entry of `entries`.
pub(super) fn anchor(entries: &Entries, path: &ModelPath) -> Anchor {
    team_element(path).map_or_else(|| entries.entry_of(path), Anchor::Element)
}
