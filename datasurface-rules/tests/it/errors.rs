//! Load errors: one located line with a message, and a help line, for each kind of mistake.

use datasurface_files::{self as files, SourceFile};

/// The northwind team document, changed by `edit`, loaded alone; the error text.
fn load_team_with(edit: impl Fn(&str) -> String) -> String {
    let team = crate::example_files("northwind")
        .into_iter()
        .find(|f| f.path.ends_with("northwindteam.yaml"))
        .expect("the example has a team document");
    let text = edit(&team.text);
    assert_ne!(text, team.text, "the edit must change the document");
    match files::load(&[SourceFile::new("northwindteam.yaml", text)]) {
        Ok(_) => panic!("the edited document loaded"),
        Err(e) => e.to_string(),
    }
}

fn load_one(path: &str, text: &str) -> String {
    files::load(&[SourceFile::new(path, text)])
        .unwrap_err()
        .to_string()
}

#[test]
fn type_error() {
    insta::assert_snapshot!(load_team_with(|t| t.replacen(
        "port: 5432",
        "port: fourteen",
        1
    )));
}

#[test]
fn misspelled_field() {
    insta::assert_snapshot!(load_team_with(|t| t.replacen(
        "nullable: false",
        "nulable: false",
        1
    )));
}

#[test]
fn misspelled_value() {
    insta::assert_snapshot!(load_team_with(|t| t.replacen(
        "MULTI_DATASET",
        "MULTI_DATASETS",
        1
    )));
}

#[test]
fn bad_name() {
    insta::assert_snapshot!(load_team_with(|t| t.replacen(
        "  NW_Data:",
        "  NW Data:",
        1
    )));
}

/// A reserved word has a name's form, so the document loads; validation
/// refuses it where it names something, at its line.
#[test]
fn reserved_word_as_column_name() {
    let team = crate::example_files("northwind")
        .into_iter()
        .find(|f| f.path.ends_with("northwindteam.yaml"))
        .expect("the example has a team document");
    let mut files_in = crate::example_files("northwind");
    for f in &mut files_in {
        if f.path == team.path {
            *f = SourceFile::new(f.path.clone(), team.text.replacen("city:", "order:", 1));
        }
    }
    let loaded = files::load(&files_in).expect("the edited model loads");
    let mut report = datasurface_rules::validate::check(&loaded.ecosystem);
    files::locate(&mut report, &loaded.documents, &files_in);
    insta::assert_snapshot!(report.only("reserved-name").to_string());
}

#[test]
fn truncated_document() {
    insta::assert_snapshot!(load_team_with(|t| t
        [..t.find("primaryKey: [supplier_id]").unwrap() - 40]
        .to_owned()));
}

#[test]
fn type_kind_without_settings() {
    insta::assert_snapshot!(load_team_with(|t| t.replacen(
        "{type: {Decimal: {precision: 10, scale: 2}}",
        "{type: Decimal",
        1
    )));
}

#[test]
fn secret_in_the_model() {
    insta::assert_snapshot!(load_team_with(|t| t.replacen(
        "type: USER_PASSWORD",
        "password: hunter2",
        1
    )));
}

#[test]
fn duplicate_key() {
    insta::assert_snapshot!(load_team_with(|t| t.replacen(
        "      products:\n",
        "      customers:\n        schema: {columns: {}}\n      products:\n",
        1
    )));
}

#[test]
fn header_problems() {
    let cases = [
        ("missing-version.yaml", "kind: Team\nzone: USA\nname: NY\n"),
        (
            "unsupported.yaml",
            "apiVersion: datasurface.dev/v3\nkind: Team\nzone: USA\nname: NY\n",
        ),
        ("foreign.yaml", "apiVersion: apps/v1\nkind: Deployment\n"),
        (
            "kind.yaml",
            "apiVersion: datasurface.dev/v1\nkind: Zone\nname: USA\n",
        ),
        (
            "no-name.yaml",
            "apiVersion: datasurface.dev/v1\nkind: GovernanceZone\n",
        ),
        (
            "bad-zone.yaml",
            "apiVersion: datasurface.dev/v1\nkind: Team\nzone: \" USA\"\nname: NY\n",
        ),
        ("list.yaml", "- a\n- b\n"),
        ("empty.yaml", "\n"),
        (
            "two.yaml",
            "apiVersion: datasurface.dev/v1\nkind: Team\nzone: USA\nname: NY\n---\napiVersion: datasurface.dev/v1\n",
        ),
        ("notes.txt", "hello"),
    ];
    let out: Vec<String> = cases.iter().map(|(p, t)| load_one(p, t)).collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn json_errors() {
    let cases = [
        (
            "type.json",
            r#"{"apiVersion": "datasurface.dev/v1", "kind": "Team", "zone": "USA", "name": "NY", "containers": {"db": {"kind": {"database": {"engine": "POSTGRES", "database": "d", "endpoint": {"host": "h", "port": "x"}}}}}}"#,
        ),
        (
            "field.json",
            r#"{"apiVersion": "datasurface.dev/v1", "kind": "Team", "zone": "USA", "name": "NY", "datastore": {}}"#,
        ),
        (
            "name.json",
            r#"{"apiVersion": "datasurface.dev/v1", "kind": "Team", "zone": "USA", "name": "NY", "workspaces": {"1st": {}}}"#,
        ),
        (
            "truncated.json",
            r#"{"apiVersion": "datasurface.dev/v1", "kind": "Team", "zone": "USA", "name": "NY", "workspaces": {"#,
        ),
        (
            "duplicate.json",
            r#"{"apiVersion": "datasurface.dev/v1", "kind": "Team", "zone": "USA", "name": "NY", "workspaces": {"a": {}, "a": {}}}"#,
        ),
    ];
    let out: Vec<String> = cases.iter().map(|(p, t)| load_one(p, t)).collect();
    insta::assert_snapshot!(out.join("\n"));
}

#[test]
fn missing_fields_are_reported_at_the_map_or_document_that_lacks_them() {
    let nested = load_team_with(|t| t.replacen("        consistency: MULTI_DATASET\n", "", 1));
    insta::assert_snapshot!(nested, @r"
    northwindteam.yaml:32:7: error: missing field `consistency` in `ingestion`
      help: add `consistency:` to the map under `ingestion`, beside its other keys
    ");
    let top = load_one(
        "eco.yaml",
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: X\nowningRepository: {name: a/b, branch: main}\n",
    );
    insta::assert_snapshot!(top, @r"
    eco.yaml:2:1: error: the Ecosystem document lacks the required field `liveRepository`
      help: add `liveRepository:` at the top level of the document
    ");
}

#[test]
fn tabs_and_indentation_get_a_help_line() {
    let tabs = load_one(
        "eco.yaml",
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: X\nliveRepository:\n\tname: a/b\n",
    );
    assert!(
        tabs.contains("help: YAML indents with spaces, never tabs"),
        "{tabs}"
    );
    let indentation = load_one(
        "eco.yaml",
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: X\nplatforms:\n  P:\n    kind: sqlite\n   version: ^0.1\n",
    );
    assert!(
        indentation.contains(
            "help: check the indentation: this line is indented 3 spaces and the line above it 4"
        ),
        "{indentation}"
    );
}
