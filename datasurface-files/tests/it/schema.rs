//! The committed JSON Schema matches the code, and agrees with what the code writes.

use datasurface_files::{self as files, Format};
use datasurface_fixtures::arbitrary;
use proptest::prelude::*;

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&files::json_schema().to_value()).expect("the schema compiles")
}

#[test]
fn committed_schema_is_current() {
    let path = crate::repo_root().join("schema/ecosystem.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = files::json_schema_string();
    assert!(
        committed == current,
        "schema/ecosystem.schema.json is out of date; regenerate it with `cargo run -p datasurface-cli -- schema > schema/ecosystem.schema.json`"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every document the code writes satisfies the schema, in every layout.
    #[test]
    fn written_documents_satisfy_the_schema(eco in arbitrary::ecosystem()) {
        let validator = validator();
        for part in files::to_directory(&eco, Format::Json).unwrap() {
            let value: serde_json::Value = serde_json::from_str(&part.text).unwrap();
            let errors: Vec<String> = validator.iter_errors(&value).map(|e| format!("{} at {}", e, e.instance_path())).collect();
            prop_assert!(errors.is_empty(), "{}: {:?}\n{}", part.path, errors, part.text);
        }
        let whole: serde_json::Value = serde_json::from_str(&files::to_json_string(&eco).unwrap()).unwrap();
        prop_assert!(validator.is_valid(&whole));
    }
}

#[test]
fn the_schema_refuses_what_the_loader_refuses() {
    let validator = validator();
    let base = serde_json::json!({
        "apiVersion": "datasurface.dev/v1",
        "kind": "Team",
        "zone": "USA",
        "name": "NY",
    });
    assert!(validator.is_valid(&base));
    let cases = [
        ("unknown field", serde_json::json!({"workspace": {}})),
        (
            "bad datastore name",
            serde_json::json!({"datastores": {"1bad": {}}}),
        ),
        (
            "wrong apiVersion",
            serde_json::json!({"apiVersion": "datasurface.dev/v2"}),
        ),
        ("bad zone name", serde_json::json!({"zone": "a/b"})),
        ("unknown kind", serde_json::json!({"kind": "Teams"})),
    ];
    for (what, patch) in cases {
        let mut doc = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            doc[k] = v.clone();
        }
        assert!(
            !validator.is_valid(&doc),
            "the schema accepts a document with {what}"
        );
        assert!(
            files::load(&[files::SourceFile::new("x.json", doc.to_string())]).is_err(),
            "the loader accepts {what}"
        );
    }
}
