//! Avro schemas as an attacker writes them: every part a schema can grow
//! (an enum's symbols, a record's fields, a union's branches, named types)
//! is parsed and resolved in about linear time (issue 58: 100,000 symbols
//! took 58 s of CPU).

use datasurface_avro::{MAX_UNFOLDED, can_read, parse_str};
use datasurface_fixtures::growth::assert_near_linear;

fn enumeration(n: usize, extra: &str) -> String {
    let symbols: Vec<String> = (0..n).map(|i| format!("\"S{i}\"")).collect();
    format!(
        r#"{{"type": "record", "name": "R", "fields": [{{"name": "e", "type": {{"type": "enum", "name": "E", "symbols": [{}{extra}]}}}}]}}"#,
        symbols.join(", ")
    )
}

fn record(n: usize) -> String {
    let fields: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"name": "f{i}", "type": "long"}}"#))
        .collect();
    format!(
        r#"{{"type": "record", "name": "R", "fields": [{}]}}"#,
        fields.join(", ")
    )
}

fn union(n: usize) -> String {
    let branches: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"type": "record", "name": "B{i}", "fields": []}}"#))
        .collect();
    format!(
        r#"{{"type": "record", "name": "R", "fields": [{{"name": "u", "type": ["null", {}]}}]}}"#,
        branches.join(", ")
    )
}

#[test]
fn an_enums_symbols_are_parsed_and_resolved_in_linear_time() {
    assert_near_linear(
        "parsing an enum",
        1_000..=1_000_000,
        |n| enumeration(n, ""),
        |s| {
            assert!(parse_str(s).is_ok());
        },
    );
    // A repeat at the end: every symbol is compared before it is found.
    assert_near_linear(
        "finding a repeated symbol",
        1_000..=1_000_000,
        |n| enumeration(n, ", \"S0\""),
        |s| assert!(parse_str(s).is_err()),
    );
    assert_near_linear(
        "resolving an enum",
        1_000..=1_000_000,
        |n| {
            let reader = parse_str(&enumeration(n, "")).unwrap_or_else(|e| panic!("{e:?}"));
            let writer =
                parse_str(&enumeration(n, ", \"NEW\"")).unwrap_or_else(|e| panic!("{e:?}"));
            (reader, writer)
        },
        |(reader, writer)| {
            let _ = can_read(reader, writer);
        },
    );
}

#[test]
fn a_records_fields_are_parsed_and_resolved_in_linear_time() {
    // Past `MAX_UNFOLDED` fields the schema is refused, once it is parsed.
    assert_near_linear("parsing a record", 250..=1_000_000, record, |s| {
        let _ = parse_str(s);
    });
    assert_near_linear(
        "resolving a record",
        250..=MAX_UNFOLDED - 2,
        |n| {
            let schema = parse_str(&record(n)).unwrap_or_else(|e| panic!("{e:?}"));
            (schema.clone(), schema)
        },
        |(reader, writer)| assert!(can_read(reader, writer).is_empty()),
    );
}

#[test]
fn a_unions_branches_are_parsed_in_linear_time() {
    assert_near_linear("parsing a union", 100..=MAX_UNFOLDED / 2, union, |s| {
        assert!(parse_str(s).is_ok());
    });
}
