//! Typed platform parameters: a platform's `parameters` in the model, read
//! into a struct of the platform's own, with a finding at each bad
//! parameter's model path.
//!
//! Derive `Deserialize`, `Default` and `JsonSchema` for a struct whose
//! fields are the parameters, and read it in `lint` (which reports the
//! findings) and in `render` (which uses the value):
//!
//! ```
//! use datasurface_core::PlatformDeclaration;
//! use datasurface_platform::read_parameters;
//! use datasurface_platform::schemars::JsonSchema;
//! use serde::Deserialize;
//!
//! /// The streaming platform's settings.
//! #[derive(Debug, Deserialize, JsonSchema)]
//! #[schemars(crate = "datasurface_platform::schemars")]
//! #[serde(rename_all = "camelCase", default)]
//! struct Settings {
//!     /// Partitions of each topic.
//!     partitions: u16,
//!     /// The Kafka Connect cluster's REST endpoint.
//!     connect_url: String,
//! }
//!
//! impl Default for Settings {
//!     fn default() -> Self {
//!         Settings { partitions: 3, connect_url: "http://connect:8083".into() }
//!     }
//! }
//!
//! let declaration: PlatformDeclaration = serde_json::from_value(serde_json::json!({
//!     "kind": "streaming", "version": "^1",
//!     "parameters": { "partitions": -1, "conectUrl": "http://c:8083" }
//! }))?;
//! let read = read_parameters::<Settings>("Kafka", &declaration);
//! // Each bad parameter falls back to its default, with a finding at its path.
//! assert_eq!(read.value.partitions, 3);
//! let found: Vec<String> = read.findings.iter().map(|d| d.path.to_string()).collect();
//! assert_eq!(found, ["/platforms/Kafka/parameters/partitions", "/platforms/Kafka/parameters/conectUrl"]);
//! assert_eq!(
//!     read.findings[1].help.as_deref(),
//!     Some("did you mean `connectUrl`? (`datasurface explain --platform streaming` describes each)")
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```

use datasurface_core::PlatformDeclaration;
use datasurface_rules::validate::{Diagnostic, ModelPath, Severity};
use datasurface_stdx::suggest::suggest;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The code of every finding about a parameter.
pub const INVALID_PARAMETER: &str = "invalid-platform-parameter";

/// A platform's parameters read into `T`, and what was wrong with them.
#[derive(Debug, Clone)]
pub struct Parameters<T> {
    /// The parameters: each one the model gives and `T` accepts, the rest
    /// `T`'s defaults.
    pub value: T,
    /// An `invalid-platform-parameter` error at each parameter that `T`
    /// does not have or that has a value `T` refuses.
    pub findings: Vec<Diagnostic>,
}

/// The parameters `T` reads, with each one's documentation: the properties of
/// its JSON Schema, in declaration order.
pub fn parameter_docs<T: JsonSchema>() -> Vec<(String, String)> {
    let schema = schemars::schema_for!(T);
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|properties| {
            properties
                .iter()
                .map(|(name, property)| {
                    let doc = property
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    (name.clone(), doc.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One parameter of a platform, as `datasurface explain --platform KIND`
/// prints it: from the JSON Schema of the type the platform reads its
/// parameters into.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParameterDoc {
    /// The parameter's name, as a declaration writes it.
    pub name: String,
    /// What it takes, in words: `string`, `integer from 1 to 65535`,
    /// `` `kubernetes` or `local` ``, `map of string`, …
    pub takes: String,
    /// Its default, as JSON; `None` when the schema gives none.
    pub default: Option<String>,
    /// Its documentation.
    pub description: String,
}

/// Each parameter of a platform's parameter schema
/// ([`DataPlatform::parameters`](crate::DataPlatform::parameters)), in
/// declaration order.
///
/// ```
/// use datasurface_platform::describe_parameters;
/// use datasurface_platform::schemars::{self, JsonSchema};
///
/// /// The platform's settings.
/// #[derive(Default, serde::Serialize, JsonSchema)]
/// #[schemars(crate = "datasurface_platform::schemars")]
/// #[serde(rename_all = "camelCase", default)]
/// struct Settings {
///     /// Partitions of each topic.
///     partitions: u16,
/// }
///
/// let docs = describe_parameters(&schemars::schema_for!(Settings));
/// assert_eq!(docs[0].name, "partitions");
/// assert_eq!(docs[0].takes, "integer from 0 to 65535");
/// assert_eq!(docs[0].default.as_deref(), Some("0"));
/// assert_eq!(docs[0].description, "Partitions of each topic.");
/// ```
pub fn describe_parameters(schema: &schemars::Schema) -> Vec<ParameterDoc> {
    let root = schema.as_value();
    let Some(properties) = root.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| ParameterDoc {
            name: name.clone(),
            takes: takes(root, property, 0),
            default: property
                .get("default")
                .filter(|d| !d.is_null())
                .map(Value::to_string),
            description: property
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        })
        .collect()
}

/// A schema's `$ref` to one of its `$defs`, followed.
fn resolved<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| root.get("$defs")?.get(name))
        .unwrap_or(schema)
}

/// What a schema takes, in words.
fn takes(root: &Value, schema: &Value, depth: usize) -> String {
    let schema = resolved(root, schema);
    if depth > 4 {
        return "value".to_owned();
    }
    let alternatives = ["anyOf", "oneOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array));
    if let Some(options) = alternatives {
        let words: Vec<String> = options
            .iter()
            .map(|o| resolved(root, o))
            .filter(|o| o.get("type").and_then(Value::as_str) != Some("null"))
            .map(|o| takes(root, o, depth + 1))
            .collect();
        return words.join(" or ");
    }
    if let Some(value) = schema.get("const") {
        return match value.as_str() {
            Some(s) => format!("`{s}`"),
            None => value.to_string(),
        };
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let words: Vec<String> = values
            .iter()
            .map(|v| match v.as_str() {
                Some(s) => format!("`{s}`"),
                None => v.to_string(),
            })
            .collect();
        return match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => words.join(""),
        };
    }
    let kind = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("value"),
        _ => "value",
    };
    match kind {
        "integer" | "number" => {
            match (
                schema.get("minimum").and_then(Value::as_i64),
                schema.get("maximum").and_then(Value::as_i64),
            ) {
                (Some(min), Some(max)) => format!("{kind} from {min} to {max}"),
                (Some(min), None) => format!("{kind} of at least {min}"),
                (None, Some(max)) => format!("{kind} of at most {max}"),
                (None, None) => kind.to_owned(),
            }
        }
        "array" => match schema.get("items") {
            Some(items) => format!("list of {}", takes(root, items, depth + 1)),
            None => "list".to_owned(),
        },
        "object" => match schema.get("additionalProperties") {
            Some(values) if values.is_object() => {
                format!("map of {}", takes(root, values, depth + 1))
            }
            _ => match schema.get("properties").and_then(Value::as_object) {
                Some(fields) => format!(
                    "{{{}}}",
                    fields.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
                None => "map".to_owned(),
            },
        },
        other => other.to_owned(),
    }
}

/// Reads the `parameters` of platform `platform`'s declaration into `T`.
///
/// A parameter `T` does not have is reported with the nearest name `T`
/// has. A parameter whose value `T` refuses (judged alone, so each bad one
/// is reported) is reported with serde's reason and falls back to `T`'s
/// default: `T` should use `#[serde(default)]`. Checks beyond types belong
/// in the field's type (a newtype with `#[serde(try_from = "String")]`),
/// whose error message becomes the finding's.
pub fn read_parameters<T>(platform: &str, declaration: &PlatformDeclaration) -> Parameters<T>
where
    T: DeserializeOwned + Default + JsonSchema,
{
    let docs = parameter_docs::<T>();
    let names: Vec<&str> = docs.iter().map(|(n, _)| n.as_str()).collect();
    let path = ModelPath::root().keys(["platforms", platform, "parameters"]);
    let mut findings = Vec::new();
    let mut good = Map::new();
    for (key, value) in &declaration.parameters {
        let Some(at) = names.iter().position(|n| n == key) else {
            findings.push(
                Diagnostic::new(
                    INVALID_PARAMETER,
                    Severity::Error,
                    path.key(key),
                    format!("platform `{platform}` has no parameter `{key}`"),
                )
                .with_help(format!(
                    "{} (`datasurface explain --platform {}` describes each)",
                    suggest(key, &names, "its parameters"),
                    declaration.kind
                )),
            );
            continue;
        };
        let alone = Map::from_iter([(key.clone(), value.clone())]);
        match serde_json::from_value::<T>(Value::Object(alone)) {
            Ok(_) => {
                good.insert(key.clone(), value.clone());
            }
            Err(e) => {
                let doc = &docs[at].1;
                let help = if doc.is_empty() {
                    format!("correct `{key}`, or leave it out for its default")
                } else {
                    format!("`{key}`: {doc} Correct it, or leave it out for its default.")
                };
                findings.push(
                    Diagnostic::new(
                        INVALID_PARAMETER,
                        Severity::Error,
                        path.key(key),
                        format!("parameter `{key}` of platform `{platform}` is {value}: {e}"),
                    )
                    .with_help(help),
                );
            }
        }
    }
    let value = match serde_json::from_value::<T>(Value::Object(good)) {
        Ok(value) => value,
        Err(e) => {
            findings.push(
                Diagnostic::new(
                    INVALID_PARAMETER,
                    Severity::Error,
                    path,
                    format!("the parameters of platform `{platform}` do not fit together: {e}"),
                )
                .with_help("correct the parameters the message names"),
            );
            T::default()
        }
    };
    Parameters { value, findings }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Default, PartialEq, Deserialize, JsonSchema)]
    #[serde(rename_all = "camelCase", default)]
    struct Settings {
        /// The topic prefix.
        topic_prefix: String,
        /// Retries.
        retries: u8,
        /// Hosts.
        hosts: Vec<Host>,
    }

    #[derive(Debug, PartialEq, Deserialize, JsonSchema)]
    #[serde(try_from = "String")]
    struct Host(String);

    #[derive(Debug, thiserror::Error)]
    #[error("`{0}` is not a host name")]
    struct NotAHost(String);

    impl TryFrom<String> for Host {
        type Error = NotAHost;
        fn try_from(s: String) -> Result<Self, NotAHost> {
            if s.is_empty() || s.contains(char::is_whitespace) {
                Err(NotAHost(s))
            } else {
                Ok(Host(s))
            }
        }
    }

    fn declaration(parameters: Value) -> PlatformDeclaration {
        let mut declaration = serde_json::json!({ "kind": "k", "version": "^1" });
        declaration["parameters"] = parameters;
        serde_json::from_value(declaration).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn good_parameters_are_read_and_bad_ones_found_where_they_are() {
        let read = read_parameters::<Settings>(
            "P",
            &declaration(serde_json::json!({
                "topicPrefix": "ds.", "retries": 300, "hosts": ["a", "b c"], "retires": 1
            })),
        );
        assert_eq!(
            read.value,
            Settings {
                topic_prefix: "ds.".into(),
                ..Settings::default()
            }
        );
        let found: Vec<(String, String)> = read
            .findings
            .iter()
            .map(|d| (d.path.to_string(), d.message.clone()))
            .collect();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0].0, "/platforms/P/parameters/retries");
        assert!(found[0].1.contains("300"), "{}", found[0].1);
        assert!(
            found[1].1.contains("`b c` is not a host name"),
            "{}",
            found[1].1
        );
        assert_eq!(found[2].0, "/platforms/P/parameters/retires");
        assert_eq!(
            read.findings[2].help.as_deref(),
            Some("did you mean `retries`? (`datasurface explain --platform k` describes each)")
        );
        assert_eq!(
            parameter_docs::<Settings>()[0],
            ("topicPrefix".to_owned(), "The topic prefix.".to_owned())
        );
    }
}
