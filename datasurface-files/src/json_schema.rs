//! The JSON Schema of model documents.

use schemars::Schema;
use schemars::generate::SchemaSettings;
use serde_json::{Value, json};

use crate::document::{API_VERSION, DocumentBody, DocumentKind};
use datasurface_core::{Ecosystem, GovernanceZone, PlatformChoices, Team};

/// The JSON Schema (draft-07, which editors support best) that every model document satisfies.
///
/// It accepts any of the four document kinds; editors use it to complete and
/// check model files. It checks shapes and name syntax; the validator checks
/// the rest.
pub fn json_schema() -> Schema {
    let mut generator = SchemaSettings::draft07().into_generator();
    let variants: Vec<Value> = vec![
        document_schema::<Ecosystem>(&mut generator),
        document_schema::<GovernanceZone>(&mut generator),
        document_schema::<Team>(&mut generator),
        document_schema::<PlatformChoices>(&mut generator),
    ];
    let defs: serde_json::Map<String, Value> = generator.take_definitions(true);
    let root = json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://datasurface.dev/schema/ecosystem.schema.json",
        "title": "datasurface model document",
        "description": "One document of a datasurface model: an Ecosystem, a GovernanceZone, a Team, or the PlatformChoices the gate recorded.",
        "oneOf": variants,
        "definitions": defs,
    });
    Schema::try_from(root).unwrap_or_default()
}

/// [`json_schema`] as pretty-printed JSON text, ending in a newline: the text
/// committed at `schema/ecosystem.schema.json`.
pub fn json_schema_string() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// A document kind's schema: the body's object schema with the header added.
fn document_schema<T: DocumentBody>(generator: &mut schemars::SchemaGenerator) -> Value {
    let mut body = T::json_schema(generator).to_value();
    let kind = T::KIND;
    let mut header = serde_json::Map::new();
    header.insert(
        "apiVersion".to_owned(),
        json!({"description": "The document format's version.", "const": API_VERSION}),
    );
    header.insert(
        "kind".to_owned(),
        json!({"description": "The kind of document.", "const": kind.as_str()}),
    );
    if kind == DocumentKind::Team {
        header.insert(
            "zone".to_owned(),
            json!({"description": "The zone the team belongs to.", "$ref": "#/definitions/ZoneName"}),
        );
    }
    if kind == DocumentKind::GovernanceZone || kind == DocumentKind::Team {
        let name_type = if kind == DocumentKind::Team {
            "TeamName"
        } else {
            "ZoneName"
        };
        header.insert("name".to_owned(), json!({"description": "What the document defines.", "$ref": format!("#/definitions/{name_type}")}));
        // Make sure the referenced name definitions exist.
        generator.subschema_for::<datasurface_core::names::ZoneName>();
        generator.subschema_for::<datasurface_core::names::TeamName>();
    }
    if let Some(object) = body.as_object_mut() {
        let properties = object.entry("properties").or_insert_with(|| json!({}));
        if let Some(properties) = properties.as_object_mut() {
            let body_properties = std::mem::take(properties);
            let mut merged = header.clone();
            merged.extend(body_properties);
            *properties = merged;
        }
        let required = object.entry("required").or_insert_with(|| json!([]));
        if let Some(required) = required.as_array_mut() {
            let mut names: Vec<Value> = header.keys().map(|k| Value::String(k.clone())).collect();
            names.append(required);
            *required = names;
        }
        object.insert("title".to_owned(), json!(format!("{kind} document")));
    }
    body
}
