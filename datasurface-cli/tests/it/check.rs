//! `check`: exit codes, findings with their source lines, the machine formats, and every kind of mistake a model author makes.

use std::path::PathBuf;

use super::{copy_northwind, datasurface, repo_root, scratch};

#[test]
fn check_passes_the_examples() {
    let run = datasurface(&["check", "examples/models/northwind"], &repo_root());
    insta::assert_snapshot!(run.transcript(), @r"
    exit: 0
    --- stdout
    checked ecosystem `Northwind` (3 documents: 1 zone, 1 team, 2 datastores with 4 datasets, 2 workspaces, 2 platforms): 0 errors, 0 warnings
    --- stderr
    ");
    // Federated declares platforms of kinds that other programs render: an
    // error unless the gate is told so.
    let run = datasurface(
        &["check", "--deny-warnings", "examples/models/federated"],
        &repo_root(),
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert_eq!(
        run.stderr.matches("error[unknown-platform-kind]").count(),
        2,
        "{}",
        run.stderr
    );
    let run = datasurface(
        &[
            "check",
            "--deny-warnings",
            "--platform-kinds-external",
            "aws,databricks",
            "examples/models/federated",
        ],
        &repo_root(),
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
}

#[test]
fn check_a_single_file() {
    let dir = scratch("single");
    let model = "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Tiny\nowningRepository: {name: a/b, branch: main}\nliveRepository: {name: a/b, branch: live}\n";
    std::fs::write(dir.join("model.yaml"), model).unwrap();
    let run = datasurface(&["check", "model.yaml"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stdout.contains("`Tiny` (1 document: 0 zones"),
        "{}",
        run.stdout
    );
}

/// A copy of Northwind with two validation errors.
fn broken_northwind(name: &str) -> PathBuf {
    let dir = scratch(name);
    copy_northwind(&dir, |team| {
        team.replacen("primaryKey: [product_id]", "primaryKey: [product_idd]", 1)
            .replacen(
                "- {datastore: NW_Data, dataset: suppliers}",
                "- {datastore: NW_Data, dataset: supplier}",
                1,
            )
    });
    dir
}

#[test]
fn validation_errors_exit_1_with_source_lines() {
    let dir = broken_northwind("invalid");
    let run = datasurface(&["check", "."], &dir);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn machine_formats() {
    let dir = broken_northwind("formats");
    let json = datasurface(&["check", "--format", "json", "."], &dir);
    assert_eq!(json.code, 1);
    let findings: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(findings.as_array().map(Vec::len), Some(2));
    for key in [
        "code", "severity", "path", "message", "help", "file", "line", "column",
    ] {
        assert!(findings[0].get(key).is_some(), "JSON findings have `{key}`");
    }
    insta::assert_snapshot!("json", json.stdout);
    let github = datasurface(&["check", "--format", "github", "."], &dir);
    assert_eq!(github.code, 1);
    insta::assert_snapshot!("github", github.stdout);
    let sarif = datasurface(&["check", "--format", "sarif", "."], &dir);
    assert_eq!(sarif.code, 1);
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[0]["ruleId"], "key-column-unknown");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        51
    );
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(rules.iter().any(|r| r["id"] == "unknown-dataset"));
}

#[test]
fn load_errors_in_machine_formats() {
    let dir = scratch("load-json");
    std::fs::write(
        dir.join("m.yaml"),
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nnme: x\n",
    )
    .unwrap();
    let run = datasurface(&["check", "--format", "json", "m.yaml"], &dir);
    assert_eq!(run.code, 2);
    let findings: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(findings[0]["code"], "load-error");
    assert_eq!(findings[0]["line"], 3);
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = scratch("warnings");
    // A production workspace reading non-production data: warnings, not
    // errors (one for each datastore it reads, at its sink).
    copy_northwind(&dir, |team| {
        team.replacen(
            "    priority: HIGH\n",
            "    priority: HIGH\n    productionStatus: PRODUCTION\n",
            1,
        )
    });
    let run = datasurface(&["check", "."], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(
        run.stderr.contains("warning[production-mismatch]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("0 errors, 2 warnings"),
        "{}",
        run.stdout
    );
    let run = datasurface(&["check", "--deny-warnings", "."], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("0 errors, 2 warnings"),
        "{}",
        run.stderr
    );
}

/// The four mistakes every model author makes, each in its own copy of Northwind's team file.
#[test]
fn each_kind_of_mistake_is_located_and_exits_2() {
    let original = std::fs::read_to_string(
        repo_root().join("examples/models/northwind/zones/usa/teams/northwindteam.yaml"),
    )
    .unwrap();
    let cut = original.find("primaryKey: [supplier_id]").unwrap() - 40;
    let cases: [(&str, String); 4] = [
        (
            "type-error.yaml",
            original.replacen("port: 5432", "port: fourteen", 1),
        ),
        (
            "misspelled-field.yaml",
            original.replacen("nullable: false", "nulable: false", 1),
        ),
        (
            "bad-name.yaml",
            original.replacen("  NW_Data:", "  NW Data:", 1),
        ),
        ("truncated.yaml", original[..cut].to_owned()),
    ];
    let dir = scratch("mistakes");
    let mut transcripts = Vec::new();
    for (name, text) in cases {
        std::fs::write(dir.join(name), text).unwrap();
        let run = datasurface(&["check", name], &dir);
        assert_eq!(run.code, 2, "{}", run.transcript());
        transcripts.push(run.transcript());
    }
    insta::assert_snapshot!(transcripts.join("\n"));
}

#[test]
fn parse_errors_exit_2_with_every_error_located() {
    let dir = scratch("parse-errors");
    copy_northwind(&dir, |team| {
        team.replacen("nullable: false", "nulable: false", 1)
    });
    let zone = dir.join("zones/usa/zone.yaml");
    let text = std::fs::read_to_string(&zone).unwrap().replacen(
        "kind: GovernanceZone",
        "kind: GovernanceZones",
        1,
    );
    std::fs::write(&zone, text).unwrap();
    let run = datasurface(&["check", "."], &dir);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn model_structure_errors_exit_1() {
    let dir = scratch("model-errors");
    copy_northwind(&dir, |team| team.replacen("zone: USA", "zone: US", 1));
    let run = datasurface(&["check", "."], &dir);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn io_and_usage_errors_exit_2() {
    let dir = scratch("io");
    let run = datasurface(&["check", "missing.yaml"], &dir);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--> missing.yaml") && run.stderr.contains("cannot read"),
        "{}",
        run.stderr
    );
    std::fs::create_dir_all(dir.join("empty")).unwrap();
    let run = datasurface(&["check", "empty"], &dir);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("the directory has no ecosystem.yaml"),
        "{}",
        run.stderr
    );
    std::fs::write(dir.join("latin1.yaml"), b"name: caf\xe9\n").unwrap();
    let run = datasurface(&["check", "latin1.yaml"], &dir);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
    let run = datasurface(&["chekc"], &dir);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("check"),
        "clap suggests the command: {}",
        run.stderr
    );
}

/// `--quiet` prints, for people, only what fails the check: warnings are
/// counted, and printed (and located) only when `--deny-warnings` makes
/// them fail it.
#[test]
fn quiet_check_prints_only_what_fails() {
    let dir = scratch("quiet-check");
    copy_northwind(&dir.join("model"), |team| {
        team.replacen("        classifications: [PC1]\n", "", 1)
    });
    let run = datasurface(&["check", "--quiet", "model"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    assert!(!run.stderr.contains("warning["), "{}", run.transcript());
    assert!(
        run.stdout.contains("0 errors, 1 warning"),
        "{}",
        run.transcript()
    );
    let run = datasurface(&["check", "--quiet", "--deny-warnings", "model"], &dir);
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(
        run.stderr.contains("warning[unclassified-dataset]")
            && run
                .stderr
                .contains("--> model/zones/usa/teams/northwindteam.yaml:52:7"),
        "{}",
        run.transcript()
    );
    let run = datasurface(&["check", "model"], &dir);
    assert!(
        run.stderr.contains("warning[unclassified-dataset]"),
        "{}",
        run.transcript()
    );
}

#[test]
fn model_text_reaches_the_terminal_escaped() {
    // A key with a right-to-left override and an escape sequence: the
    // message and the source line show them as escapes, never as they act.
    let dir = super::scratch("check-bidi");
    super::copy_northwind(&dir, |team| {
        team.replacen(
            "    documentation:\n      description: Masks",
            "    documentation:\n      descr\u{202E}iption\u{1b}[2J: x\n      description: Masks",
            1,
        )
    });
    let run = super::datasurface(&["check", "."], &dir);
    assert_ne!(run.code, 0, "{}", run.transcript());
    assert!(!run.stderr.contains('\u{202E}') && !run.stderr.contains('\u{1b}'));
    assert!(
        run.stderr.contains("descr\\u{202e}iption\\u{1b}[2J"),
        "{}",
        run.stderr
    );
}

/// What `explain` shows a code's example reports is what `check --format
/// short` prints for that example model: one format, not two.
#[test]
fn explain_shows_what_check_short_prints() {
    let dir = scratch("check-short");
    for code in ["unknown-dataset", "invalid-data-type"] {
        let rule = datasurface_rules::validate::rules::RULES
            .iter()
            .find(|r| r.info.code == code)
            .unwrap();
        let text = datasurface_rules::validate::rules::example_model(rule).unwrap();
        std::fs::write(dir.join("model.yaml"), text).unwrap();
        let check = datasurface(&["check", "model.yaml", "--format", "short"], &dir);
        assert_eq!(check.code, 1, "{}", check.transcript());
        let explain = datasurface(&["explain", code], &dir);
        let shown = explain.stdout.split("as:\n\n").nth(1).unwrap().trim_end();
        assert!(
            check.stdout.contains(shown),
            "explain shows\n{shown}\ncheck --format short prints\n{}",
            check.stdout
        );
    }
}

/// For people, findings come in the order of the file: `products` (line 51)
/// before `customers` (line 70), although the model's paths sort the other
/// way; the JSON keeps the report's order.
#[test]
fn findings_for_people_follow_the_lines_of_the_file() {
    let dir = scratch("line-order");
    copy_northwind(&dir, |team| {
        team.replacen("primaryKey: [product_id]", "primaryKey: [product_idd]", 1)
            .replacen("primaryKey: [customer_id]", "primaryKey: [customer_idd]", 1)
    });
    for format in ["human", "short"] {
        let run = datasurface(&["check", ".", "--format", format], &dir);
        assert_eq!(run.code, 1, "{}", run.transcript());
        let text = run.stdout + &run.stderr;
        let products = text.find("product_idd").unwrap();
        let customers = text.find("customer_idd").unwrap();
        assert!(products < customers, "{format}:\n{text}");
    }
    let json = datasurface(&["check", ".", "--format", "json"], &dir);
    let products = json.stdout.find("product_idd").unwrap();
    let customers = json.stdout.find("customer_idd").unwrap();
    assert!(customers < products, "{}", json.stdout);
}

/// A transformer's query is checked against its inputs' schemas in the
/// dialect of each platform that runs it: a misspelt column is an error
/// at its own line and column in the team's document, with the nearest
/// name; a query that writes other columns than its dataset, or reads a
/// table that is not one of its inputs, is an error too.
#[test]
fn a_transformer_s_query_is_checked_where_it_is_written() {
    const QUERY: &str = "        sql:\n          queries:\n            customers: >-\n              SELECT customer_id, company_name, '***' AS contact_name, city, country\n              FROM NW_Data_customers\n";
    let dir = scratch("check-transformer-sql");
    let cases = [
        (
            "misspelt",
            "        sql:\n          queries:\n            customers: |\n              SELECT customer_id, company_name, '***' AS contact_name,\n                     upper(citty) AS city, country\n              FROM NW_Data_customers\n",
        ),
        (
            "mismatch",
            "        sql:\n          queries:\n            customers: >-\n              SELECT customer_id, company_name, '***' AS contact, city\n              FROM NW_Data_customers\n",
        ),
        (
            "other-table",
            "        sql:\n          queries:\n            customers: SELECT customer_id, company_name, contact_name, city, country FROM shop.batch_metrics\n",
        ),
        (
            "unparseable",
            "        sql:\n          queries:\n            customers: SELECT customer_id, FROM WHERE\n",
        ),
    ];
    for (name, query) in cases {
        copy_northwind(&dir.join(name), |team| {
            assert!(team.contains(QUERY), "the Northwind query moved");
            team.replacen(QUERY, query, 1)
        });
    }
    let run = datasurface(&["check", "--format", "short", "misspelt"], &dir);
    insta::assert_snapshot!("transformer_sql_misspelt", run.transcript());
    let run = datasurface(&["check", "--format", "short", "mismatch"], &dir);
    insta::assert_snapshot!("transformer_sql_mismatch", run.transcript());
    let run = datasurface(&["check", "--format", "short", "other-table"], &dir);
    insta::assert_snapshot!("transformer_sql_other_table", run.transcript());
    let run = datasurface(&["check", "--format", "short", "unparseable"], &dir);
    insta::assert_snapshot!("transformer_sql_unparseable", run.transcript());
}

/// A `check` quality rule's SQL is read as a condition on the dataset's
/// own columns: a misspelt column is an error at its line and column with
/// the nearest name, and a subquery (reading other data) is refused; a
/// rule on a column the dataset lacks is refused by validation.
#[test]
fn a_quality_rule_is_checked_where_it_is_written() {
    const KEY: &str = "          primaryKey: [product_id]\n";
    let dir = scratch("check-quality-rules");
    let cases = [
        (
            "misspelt",
            "        quality:\n          - check: {name: stocked, sql: \"units_in_stock >= 0 AND unit_prise < 1000\"}\n",
        ),
        (
            "subquery",
            "        quality:\n          - check: {sql: \"unit_price < (SELECT max(unit_price) FROM NW_Data_customers)\"}\n",
        ),
        (
            "no-column",
            "        quality:\n          - range: {column: price, min: 0}\n          - allowedValues: {column: discontinued, values: [maybe]}\n",
        ),
        (
            "sound",
            "        quality:\n          - rowCount: {min: 1}\n          - check: {name: cheap, sql: \"unit_price < 50 OR discontinued\", severity: warn}\n",
        ),
    ];
    for (name, rules) in cases {
        copy_northwind(&dir.join(name), |team| {
            assert!(team.contains(KEY), "the Northwind products key moved");
            team.replacen(KEY, &format!("{KEY}{rules}"), 1)
        });
    }
    for name in ["misspelt", "subquery", "no-column"] {
        let run = datasurface(&["check", "--format", "short", name], &dir);
        assert_eq!(run.code, 1, "{}", run.transcript());
        insta::assert_snapshot!(format!("quality_rule_{name}"), run.transcript());
    }
    let run = datasurface(&["check", "sound"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
}
