//! The parameters that name a credential or a file, found in a platform's
//! parameter schema ([`DataPlatform::parameters`]) rather than listed by
//! hand, however deep, through maps, lists, `$ref`s and
//! `oneOf`/`anyOf`/`allOf` branches: a credential is every text property
//! whose name says `credential` (`credential`, `mergeCredential`, a map
//! `readCredentials`) or that carries `"x-resource": "credential"`; a file
//! (or folder) every text property that carries `"x-resource": "file"`, as
//! the model's own fields say what they name
//! (`datasurface_core::inventory`). A mark on a map or a list is its
//! values'.
//!
//! A platform logs in with such a credential for itself, and reads or
//! writes such a file, so it must claim it ([`DataPlatform::resources`])
//! for the gate to refuse a team's element that names it. The conformance
//! kit sets each one found and asks `resources` for it: a parameter added
//! later, and not claimed, fails the kit, whichever platform it is on.
//!
//! [`DataPlatform::parameters`]: datasurface_platform::DataPlatform::parameters
//! [`DataPlatform::resources`]: datasurface_platform::DataPlatform::resources

use serde_json::{Map, Value};

/// A map's key in a path the kit makes up.
pub(crate) const MAP_KEY: &str = "Kit";

/// What a parameter names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// A credential the platform logs in with.
    Credential,
    /// A file or folder the platform reads or writes.
    File,
}

/// One step of a path to a parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// An object's property, or a map's key.
    Key(String),
    /// A list's only item.
    Item,
}

/// Every path to a parameter that names a credential or a file, and
/// which, in `schema`'s order.
pub(crate) fn resource_parameters(schema: &Value) -> Vec<(Vec<Step>, Names)> {
    let mut found = Vec::new();
    walk(schema, schema, &mut Vec::new(), None, &mut found, 0);
    found
}

/// How deep `$ref`s and nesting are followed: parameter types are shallow,
/// and a recursive type must not loop.
const DEPTH: usize = 16;

fn walk(
    root: &Value,
    schema: &Value,
    path: &mut Vec<Step>,
    named: Option<Names>,
    found: &mut Vec<(Vec<Step>, Names)>,
    depth: usize,
) {
    if depth > DEPTH {
        return;
    }
    let Some(object) = schema.as_object() else {
        return;
    };
    let named = match object.get("x-resource").and_then(Value::as_str) {
        Some("credential") => Some(Names::Credential),
        Some("file") => Some(Names::File),
        _ => named,
    };
    if let Some(target) = object
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| resolve(root, r))
    {
        walk(root, target, path, named, found, depth + 1);
    }
    if let Some(names) = named
        && is_text(object)
        && !found.iter().any(|(p, _)| p == path)
    {
        found.push((path.clone(), names));
    }
    for branches in ["oneOf", "anyOf", "allOf"] {
        for branch in object
            .get(branches)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(root, branch, path, named, found, depth + 1);
        }
    }
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            path.push(Step::Key(name.clone()));
            let says = name
                .to_ascii_lowercase()
                .contains("credential")
                .then_some(Names::Credential);
            walk(root, property, path, says, found, depth + 1);
            path.pop();
        }
    }
    // A map's values, or a list's items, are named by the property.
    if let Some(values) = object.get("additionalProperties").filter(|v| v.is_object()) {
        path.push(Step::Key(MAP_KEY.to_owned()));
        walk(root, values, path, named, found, depth + 1);
        path.pop();
    }
    if let Some(items) = object.get("items").filter(|v| v.is_object()) {
        path.push(Step::Item);
        walk(root, items, path, named, found, depth + 1);
        path.pop();
    }
}

/// The schema a local `$ref` (`#/$defs/Name`, `#/definitions/Name`) names.
fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

/// Whether a schema takes text.
fn is_text(object: &Map<String, Value>) -> bool {
    match object.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// `parameters` with `value` set at `path`, making the objects and lists
/// on the way.
pub(crate) fn with_value(
    parameters: &Map<String, Value>,
    path: &[Step],
    value: &str,
) -> Map<String, Value> {
    let mut root = Value::Object(parameters.clone());
    set(&mut root, path, value);
    match root {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn set(here: &mut Value, path: &[Step], value: &str) {
    match path.split_first() {
        None => *here = Value::String(value.to_owned()),
        Some((Step::Key(key), rest)) => {
            if !here.is_object() {
                *here = Value::Object(Map::new());
            }
            if let Value::Object(map) = here {
                set(map.entry(key.clone()).or_insert(Value::Null), rest, value);
            }
        }
        Some((Step::Item, rest)) => {
            let mut item = Value::Null;
            set(&mut item, rest, value);
            *here = Value::Array(vec![item]);
        }
    }
}

/// A path as the parameters write it: `primaries.Kit.credential`, `readers[0]`.
pub(crate) fn shown(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Item => out.push_str("[0]"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn credentials_and_files_are_found_through_refs_maps_lists_and_branches() {
        let schema = json!({
            "type": "object",
            "properties": {
                "mergeCredential": {"$ref": "#/$defs/Credential", "default": "merge_rw"},
                "warehouse": {"type": "string", "x-resource": "file"},
                "master": {"type": "string"},
                "primaries": {"type": "object", "additionalProperties": {"$ref": "#/$defs/Primary"}},
                "readCredentials": {"type": "array", "items": {"type": "string"}},
                "jars": {"type": "array", "items": {"type": "string"}, "x-resource": "file"},
                "optionalCredential": {"type": ["string", "null"]},
                "credentialCount": {"type": "integer"}
            },
            "$defs": {
                "Credential": {"type": "string"},
                "Primary": {"oneOf": [
                    {"type": "string", "x-resource": "file"},
                    {"type": "object", "properties": {"credential": {"type": "string"}}}
                ]}
            }
        });
        let found: Vec<(String, Names)> = resource_parameters(&schema)
            .iter()
            .map(|(p, names)| (shown(p), *names))
            .collect();
        let expected = [
            ("mergeCredential", Names::Credential),
            ("warehouse", Names::File),
            ("primaries.Kit", Names::File),
            ("primaries.Kit.credential", Names::Credential),
            ("readCredentials[0]", Names::Credential),
            ("jars[0]", Names::File),
            ("optionalCredential", Names::Credential),
        ];
        assert_eq!(found, expected.map(|(p, n)| (p.to_owned(), n)).to_vec());
    }

    #[test]
    fn a_value_is_set_at_its_path_beside_what_is_there() {
        let base = json!({"warehouse": "/w", "primaries": {"Other": "x.sqlite"}});
        let Value::Object(base) = base else { panic!() };
        let path = [
            Step::Key("primaries".into()),
            Step::Key(MAP_KEY.into()),
            Step::Key("credential".into()),
        ];
        assert_eq!(
            Value::Object(with_value(&base, &path, "kit_credential_0")),
            json!({"warehouse": "/w", "primaries": {"Other": "x.sqlite", "Kit": {"credential": "kit_credential_0"}}})
        );
        let listed = [Step::Key("readers".into()), Step::Item];
        assert_eq!(
            Value::Object(with_value(&Map::new(), &listed, "r")),
            json!({"readers": ["r"]})
        );
    }

    /// A recursive schema ends.
    #[test]
    fn recursion_ends() {
        let schema = json!({"$defs": {"Node": {"type": "object", "properties": {
            "next": {"$ref": "#/$defs/Node"}, "credential": {"type": "string"}
        }}}, "$ref": "#/$defs/Node"});
        assert!(!resource_parameters(&schema).is_empty());
    }
}
