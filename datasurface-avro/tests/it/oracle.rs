//! Generated reader/writer pairs judged by `can_read` and by real Avro
//! implementations: Apache Avro's Python library (its
//! `ReaderWriterCompatibilityChecker`, a port of Java's
//! `SchemaCompatibility`) for the verdict, and fastavro writing records
//! with the writer's schema and reading them with the reader's for every
//! pair both call compatible. `.ci/external` installs both into the
//! virtualenv whose `bin` `DATASURFACE_CONTRACT_TOOLS` names; without it
//! the test says so and passes, unless `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::path::PathBuf;
use std::process::Command;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

const PRIMITIVES: [&str; 7] = [
    "int", "long", "float", "double", "string", "bytes", "boolean",
];

/// A value of a primitive type, for a default.
fn primitive_value(kind: &str) -> Value {
    match kind {
        "int" | "long" => json!(7),
        "float" | "double" => json!(1.5),
        "string" => json!("x"),
        "bytes" => json!("\u{00ff}"),
        "boolean" => json!(true),
        _ => Value::Null,
    }
}

/// A field's type and a default of that type (a union's, of its first branch).
fn field_type(field: &'static str) -> impl Strategy<Value = (Value, Value)> {
    let primitive = proptest::sample::select(PRIMITIVES.to_vec());
    let symbols = proptest::sample::subsequence(vec!["A", "B", "C", "D"], 1..=4);
    prop_oneof![
        primitive
            .clone()
            .prop_map(|p| (json!(p), primitive_value(p))),
        primitive
            .clone()
            .prop_map(|p| (json!(["null", p]), Value::Null)),
        primitive
            .clone()
            .prop_map(|p| (json!([p, "null"]), primitive_value(p))),
        (primitive.clone(), primitive.clone())
            .prop_filter("two types", |(a, b)| a != b)
            .prop_map(|(a, b)| (json!([a, b]), primitive_value(a))),
        (symbols, any::<bool>()).prop_map(move |(symbols, default)| {
            let mut e = json!({"type": "enum", "name": format!("E_{field}"), "symbols": symbols});
            if default {
                e["default"] = json!(symbols[0]);
            }
            (e, json!(symbols[symbols.len() - 1]))
        }),
        proptest::sample::select(vec![4u64, 8]).prop_map(move |size| (
            json!({"type": "fixed", "name": format!("F_{field}"), "size": size}),
            json!("a".repeat(usize::try_from(size).unwrap_or(4))),
        )),
        primitive.clone().prop_map(|p| (
            json!({"type": "array", "items": p}),
            json!([primitive_value(p)])
        )),
        primitive.clone().prop_map(|p| (
            json!({"type": "map", "values": p}),
            json!({"k": primitive_value(p)})
        )),
        proptest::sample::subsequence(vec!["x", "y"], 1..=2).prop_flat_map(move |names| {
            proptest::collection::vec(primitive.clone(), names.len()).prop_map(move |kinds| {
                let fields: Vec<Value> = names
                    .iter()
                    .zip(&kinds)
                    .map(|(n, k)| json!({"name": n, "type": k}))
                    .collect();
                let value: serde_json::Map<String, Value> = names
                    .iter()
                    .zip(&kinds)
                    .map(|(n, k)| ((*n).to_owned(), primitive_value(k)))
                    .collect();
                (
                    json!({"type": "record", "name": format!("R_{field}"), "fields": fields}),
                    Value::Object(value),
                )
            })
        }),
        Just((
            json!({"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}),
            json!("\u{0001}")
        )),
    ]
}

/// A field named `name`, perhaps with a default, perhaps renamed with the
/// old name as an alias.
fn field(name: &'static str) -> impl Strategy<Value = Value> {
    (field_type(name), any::<bool>(), 0u8..6).prop_map(
        move |((kind, default), has_default, rename)| {
            let mut f = json!({"name": name, "type": kind});
            if has_default {
                f["default"] = default;
            }
            if rename == 0 {
                f["name"] = json!(format!("{name}_new"));
                f["aliases"] = json!([name]);
            }
            f
        },
    )
}

/// One field's place in both schemas: the same field in both, or each its
/// own (or none).
fn slot(name: &'static str) -> impl Strategy<Value = (Option<Value>, Option<Value>)> {
    prop_oneof![
        field(name).prop_map(|f| (Some(f.clone()), Some(f))),
        (
            proptest::option::of(field(name)),
            proptest::option::of(field(name))
        ),
    ]
}

fn record(fields: &[Value], name: &str, namespace: &str, alias: bool) -> Value {
    let mut r = json!({"type": "record", "name": name, "fields": fields});
    if !namespace.is_empty() {
        r["namespace"] = json!(namespace);
    }
    if alias {
        let full = if namespace.is_empty() {
            "Rec".to_owned()
        } else {
            format!("{namespace}.Rec")
        };
        r["aliases"] = json!([full]);
    }
    r
}

/// A reader and a writer: related records, often compatible, often not.
fn pair() -> impl Strategy<Value = (Value, Value)> {
    let names = proptest::sample::select(vec!["Rec", "Rec", "Rec", "Old"]);
    let namespaces = proptest::sample::select(vec!["", "", "ns"]);
    (
        (slot("a"), slot("b"), slot("c"), slot("d")),
        (names.clone(), namespaces.clone(), any::<bool>()),
        (names, namespaces),
    )
        .prop_map(|((a, b, c, d), (rn, rns, ralias), (wn, wns))| {
            let slots = [a, b, c, d];
            let reader: Vec<Value> = slots.iter().filter_map(|(r, _)| r.clone()).collect();
            let writer: Vec<Value> = slots.iter().filter_map(|(_, w)| w.clone()).collect();
            (
                record(&reader, rn, rns, ralias),
                record(&writer, wn, wns, false),
            )
        })
}

#[test]
fn resolution_agrees_with_apache_avro_and_fastavro_reads_it() {
    let Some(bin) = crate::external::contract_tools() else {
        return;
    };
    let mut runner = TestRunner::deterministic();
    let strategy = pair();
    let pairs: Vec<(Value, Value)> = (0..2000)
        .map(|_| strategy.new_tree(&mut runner).expect("generates").current())
        .collect();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("avro-oracle");
    std::fs::create_dir_all(&dir).expect("makes a directory");
    let input = dir.join("pairs.jsonl");
    let mut lines = String::new();
    for (r, w) in &pairs {
        lines.push_str(&json!({"reader": r, "writer": w}).to_string());
        lines.push('\n');
    }
    std::fs::write(&input, lines).expect("writes the pairs");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/avro_oracle.py");
    let out = Command::new(bin.join("python"))
        .arg(script)
        .arg(&input)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a verdict"))
        .collect();
    assert_eq!(verdicts.len(), pairs.len());
    let mut wrong = Vec::new();
    let mut compatible = 0;
    for ((reader, writer), verdict) in pairs.iter().zip(&verdicts) {
        let ours_reader = datasurface_avro::parse(reader);
        let ours_writer = datasurface_avro::parse(writer);
        let (Ok(r), Ok(w)) = (&ours_reader, &ours_writer) else {
            wrong.push(format!("we refuse a generated schema: {ours_reader:?} {ours_writer:?}\n  reader {reader}\n  writer {writer}"));
            continue;
        };
        if verdict["parses"] != json!(true) {
            wrong.push(format!(
                "the oracle refuses what we accept: {}\n  reader {reader}\n  writer {writer}",
                verdict["data"]
            ));
            continue;
        }
        let ours = datasurface_avro::can_read(r, w);
        let theirs = verdict["compatible"] == json!(true);
        if ours.is_empty() != theirs {
            wrong.push(format!("we say {ours:?}, Apache Avro says compatible={theirs}\n  reader {reader}\n  writer {writer}"));
        }
        if theirs {
            compatible += 1;
            // Avro resolves bytes as a string (and a string as bytes); bytes
            // that are not UTF-8 then fail to read as text, which the
            // specification leaves to the data, not the schemas.
            let not_text = verdict["data"]
                .as_str()
                .is_some_and(|d| d.contains("UnicodeDecodeError"));
            if verdict["data"] != json!("ok") && !not_text {
                wrong.push(format!("fastavro cannot read a compatible pair: {}\n  reader {reader}\n  writer {writer}", verdict["data"]));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} pairs disagree; the first:\n{}",
        wrong.len(),
        pairs.len(),
        wrong.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
    // Both verdicts are well represented, so the agreement means something.
    assert!(
        compatible > pairs.len() / 5 && compatible < pairs.len() * 4 / 5,
        "{compatible} of {} compatible",
        pairs.len()
    );
}
