//! The `sqlite` platform's parameters, one documented type read with
//! [`read_parameters`] wherever they are needed: lint, resources, the
//! engine's sources and the mirror of a primary.

use std::collections::BTreeMap;

use datasurface_core::PlatformDeclaration;
use datasurface_platform::schemars::{self, JsonSchema};
use datasurface_platform::{Parameters, read_parameters};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `sqlite` platform's parameters, as a declaration writes them. All
/// are optional and the ecosystem owner's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[schemars(crate = "datasurface_platform::schemars")]
#[serde(rename_all = "camelCase", default)]
pub struct SqliteParameters {
    /// Where source containers' data is on this machine, by container name:
    /// a SQLite database file for a SQL capture, a folder of CSV files for a
    /// file drop. Relative paths are relative to the model's folder.
    #[schemars(extend("x-resource" = "file"))]
    pub sources: BTreeMap<String, String>,
    /// The primary ingestion platforms this one mirrors, by platform name:
    /// a `sqlite` primary's merge database file, or for an `airflow`
    /// primary `{credential: NAME}`, the credential to read its merge
    /// tables with.
    pub primaries: BTreeMap<String, Primary>,
    /// Hosts of PostgreSQL sources (followed through change data capture)
    /// the ecosystem's owners let the engine reach without TLS
    /// (docs/security.md, with the risk). Every other host needs TLS.
    pub plaintext_sources: Vec<String>,
}

impl SqliteParameters {
    /// The parameters of platform `platform`'s declaration, and an
    /// `invalid-platform-parameter` error at each bad one.
    pub fn read(platform: &str, declaration: &PlatformDeclaration) -> Parameters<Self> {
        read_parameters(platform, declaration)
    }

    /// The parameters where nothing but the value is wanted: a bad one is
    /// left out (lint reports it).
    pub fn of(declaration: &PlatformDeclaration) -> Self {
        Self::read("", declaration).value
    }
}

/// Where a mirrored primary's live rows are read.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Primary {
    /// A `sqlite` primary's merge database file.
    File(String),
    /// An `airflow` primary's merge tables, read with this credential.
    Credential(String),
}

/// An entry of `primaries` that is neither a file nor `{credential: NAME}`.
#[derive(Debug, thiserror::Error)]
#[error("{0} is not a merge database file or, for an `airflow` primary, `{{credential: NAME}}`")]
pub struct NotAPrimary(Value);

impl TryFrom<Value> for Primary {
    type Error = NotAPrimary;

    fn try_from(value: Value) -> Result<Self, NotAPrimary> {
        match &value {
            Value::String(file) if !file.is_empty() => Ok(Primary::File(file.clone())),
            Value::Object(map) if map.len() == 1 => match map.get("credential") {
                Some(Value::String(name)) if !name.is_empty() => {
                    Ok(Primary::Credential(name.clone()))
                }
                _ => Err(NotAPrimary(value)),
            },
            _ => Err(NotAPrimary(value)),
        }
    }
}

impl From<Primary> for Value {
    fn from(primary: Primary) -> Value {
        match primary {
            Primary::File(file) => Value::String(file),
            Primary::Credential(name) => serde_json::json!({ "credential": name }),
        }
    }
}

impl JsonSchema for Primary {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Primary".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "oneOf": [
                { "type": "string", "minLength": 1, "x-resource": "file", "description": "a `sqlite` primary's merge database file" },
                {
                    "type": "object",
                    "properties": { "credential": { "type": "string", "minLength": 1 } },
                    "required": ["credential"],
                    "additionalProperties": false,
                    "description": "an `airflow` primary's merge tables, read with this credential"
                }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn declaration(parameters: Value) -> PlatformDeclaration {
        let mut declaration = serde_json::json!({ "kind": "sqlite", "version": "^0.1" });
        declaration["parameters"] = parameters;
        serde_json::from_value(declaration).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn primaries_are_files_or_credentials_and_anything_else_is_found() {
        let read = SqliteParameters::read(
            "Local",
            &declaration(serde_json::json!({
                "sources": { "Shop": "data/shop.sqlite" },
                "primaries": { "Edge": "edge/merge.sqlite", "Central": { "credential": "mirror" } },
                "primary": {}
            })),
        );
        assert_eq!(read.value.sources["Shop"], "data/shop.sqlite");
        assert_eq!(
            read.value.primaries["Edge"],
            Primary::File("edge/merge.sqlite".into())
        );
        assert_eq!(
            read.value.primaries["Central"],
            Primary::Credential("mirror".into())
        );
        assert_eq!(read.findings.len(), 1, "{:?}", read.findings);
        assert_eq!(
            read.findings[0].help.as_deref(),
            Some(
                "did you mean `primaries`? (`datasurface explain --platform sqlite` describes each)"
            )
        );

        let bad = SqliteParameters::read(
            "Local",
            &declaration(serde_json::json!({ "primaries": { "Central": { "user": "x" } } })),
        );
        assert!(bad.value.primaries.is_empty());
        assert!(
            bad.findings[0]
                .message
                .contains("is not a merge database file"),
            "{}",
            bad.findings[0].message
        );
        assert_eq!(
            bad.findings[0].path.to_string(),
            "/platforms/Local/parameters/primaries"
        );
    }
}
