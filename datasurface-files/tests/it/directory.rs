//! Assembling a model from many documents.

use std::fmt::Write as _;

use datasurface_files::{self as files, LoadErrorKind, SourceFile};

const ECO: &str = "apiVersion: datasurface.dev/v1
kind: Ecosystem
name: Acme
owningRepository: {name: acme/eco, branch: main}
liveRepository: {name: acme/eco, branch: live}
zoneDeclarations:
  EU: {repository: {name: acme/eu, branch: main}}
  USA: {repository: {name: acme/usa, branch: main}}
";

fn zone(name: &str, teams: &[&str]) -> String {
    let mut s = format!("apiVersion: datasurface.dev/v1\nkind: GovernanceZone\nname: {name}\n");
    if !teams.is_empty() {
        s.push_str("teamDeclarations:\n");
        for t in teams {
            writeln!(
                s,
                "  {t}: {{repository: {{name: acme/{}, branch: main}}}}",
                t.to_lowercase()
            )
            .unwrap();
        }
    }
    s
}

fn team(zone: &str, name: &str) -> String {
    format!("apiVersion: datasurface.dev/v1\nkind: Team\nzone: {zone}\nname: {name}\n")
}

#[test]
fn zones_and_teams_follow_declaration_order_not_file_order() {
    let files = vec![
        SourceFile::new("ecosystem.yaml", ECO),
        SourceFile::new("a/usa.yaml", zone("USA", &["NY", "Boston"])),
        SourceFile::new("b/eu.yaml", zone("EU", &[])),
        SourceFile::new("c/boston.yaml", team("USA", "Boston")),
        SourceFile::new(
            "d/ny.json",
            r#"{"apiVersion": "datasurface.dev/v1", "kind": "Team", "zone": "USA", "name": "NY"}"#
                .to_owned(),
        ),
    ];
    let model = files::load(&files).unwrap();
    let zones: Vec<&str> = model
        .ecosystem
        .zones
        .keys()
        .map(datasurface_core::names::ZoneName::as_str)
        .collect();
    assert_eq!(zones, ["EU", "USA"]);
    let teams: Vec<&str> = model.ecosystem.zones["USA"]
        .teams
        .keys()
        .map(datasurface_core::names::TeamName::as_str)
        .collect();
    assert_eq!(teams, ["NY", "Boston"]);
    assert_eq!(model.documents.len(), 5);
    assert_eq!(model.documents[4].team.as_ref().unwrap(), "NY");
}

#[test]
fn every_problem_in_every_file_is_reported() {
    let files = vec![
        SourceFile::new("ecosystem.yaml", ECO),
        SourceFile::new("eu.yaml", zone("EU", &[])),
        SourceFile::new("eu-again.yaml", zone("EU", &[])),
        SourceFile::new(
            "bad.yaml",
            "apiVersion: datasurface.dev/v1\nkind: Team\nzone: EU\nname: X\nworkspace: {}\n",
        ),
        SourceFile::new("lost.yaml", team("Asia", "Tokyo")),
        SourceFile::new("second.yaml", ECO),
    ];
    let errors = files::load(&files).unwrap_err();
    let messages: Vec<String> = errors.errors().iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(messages.join("\n"));
    assert!(!errors.only_model_errors(), "a parse error is among them");
}

#[test]
fn structure_problems_are_model_errors() {
    let files = vec![
        SourceFile::new("ecosystem.yaml", ECO),
        SourceFile::new("t.yaml", team("USA", "NY")),
    ];
    let errors = files::load(&files).unwrap_err();
    assert!(errors.only_model_errors());
    assert_eq!(errors.errors()[0].kind, LoadErrorKind::Model);
    assert!(
        errors.errors()[0].message.contains("no document defines"),
        "{errors}"
    );
}

#[test]
fn a_model_without_an_ecosystem_document_is_refused() {
    let errors = files::load(&[SourceFile::new("z.yaml", zone("EU", &[]))]).unwrap_err();
    insta::assert_snapshot!(errors.to_string(), @r"
    z.yaml: error: the model has no Ecosystem document
      help: add `ecosystem.yaml` with `apiVersion: datasurface.dev/v1` and `kind: Ecosystem`
    ");
}

#[test]
fn inline_and_separate_definitions_may_mix_but_not_collide() {
    let inline = format!("{ECO}zones:\n  EU: {{}}\n");
    let ok = files::load(&[
        SourceFile::new("ecosystem.yaml", inline.clone()),
        SourceFile::new("usa.yaml", zone("USA", &[])),
    ])
    .unwrap();
    assert_eq!(ok.ecosystem.zones.len(), 2);
    let clash = files::load(&[
        SourceFile::new("ecosystem.yaml", inline),
        SourceFile::new("eu.yaml", zone("EU", &[])),
    ])
    .unwrap_err();
    assert!(
        clash.to_string().contains("zone `EU` is defined twice"),
        "{clash}"
    );
    assert!(
        clash
            .to_string()
            .contains("already defined in `ecosystem.yaml`"),
        "{clash}"
    );
}

/// Files parsed one at a time, each text dropped before the files are put
/// together (as the command line reads a model): the same model, and the
/// same errors at the same places, as loading the texts whole.
#[test]
fn files_parsed_alone_then_assembled_load_alike() {
    let texts = vec![
        SourceFile::new("ecosystem.yaml", ECO),
        SourceFile::new("usa.yaml", zone("USA", &["NY"])),
        SourceFile::new("ny.yaml", team("USA", "NY")),
        SourceFile::new("lost.yaml", team("Asia", "Tokyo")),
        SourceFile::new(
            "broken.yaml",
            "apiVersion: datasurface.dev/v1\nkind: Team\nzone: [\n",
        ),
    ];
    let parsed: Vec<files::ParsedFile> = texts
        .iter()
        .map(|f| {
            let owned = f.clone();
            let parsed = files::parse(&owned);
            drop(owned);
            parsed
        })
        .collect();
    assert_eq!(parsed[4].path(), "broken.yaml");
    assert!(parsed[4].error().is_some() && parsed[3].error().is_none());
    let assembled = files::assemble(parsed);
    assert_eq!(assembled, files::load(&texts));
    let errors = assembled.unwrap_err().0;
    let lost = errors.iter().find(|e| e.file == "lost.yaml").unwrap();
    assert_eq!((lost.line, lost.column), (Some(3), Some(1)), "{lost}");
    // A broken file both models hold: each error names its own model's file.
    let moved = SourceFile::new("teams/broken.yaml", texts[4].text.clone());
    let (base, proposed) = files::parse_pair(&texts[4], &moved);
    assert_eq!(base.error().map(|e| e.file.as_str()), Some("broken.yaml"));
    assert_eq!(
        proposed.error().map(|e| e.file.as_str()),
        Some("teams/broken.yaml")
    );
    // A good file both hold: one document, under each path.
    let (base, proposed) = files::parse_pair(&texts[2], &texts[2]);
    assert_eq!(format!("{:?}", base.error()), "None");
    assert_eq!(proposed.path(), "ny.yaml");
    // Without the broken file, the model loads, from the documents alone.
    let parsed = texts[..3].iter().map(files::parse).collect();
    assert_eq!(
        files::assemble(parsed).unwrap(),
        files::load(&texts[..3]).unwrap()
    );
}

/// Loading a base and a proposed model together, sharing the files they
/// have in common, gives what loading each alone gives: the same models,
/// the same documents, the same errors naming the same files.
#[test]
fn loading_two_models_at_once_is_loading_each() {
    let base = vec![
        SourceFile::new("ecosystem.yaml", ECO),
        SourceFile::new("usa.yaml", zone("USA", &["NY", "Boston"])),
        SourceFile::new("eu.yaml", zone("EU", &[])),
        SourceFile::new("ny.yaml", team("USA", "NY")),
        SourceFile::new(
            "broken.yaml",
            "apiVersion: datasurface.dev/v1\nkind: Team\nzone: [\n",
        ),
    ];
    let mut proposed = base.clone();
    // One file changed, one moved (same bytes, another path), one added.
    proposed[2] = SourceFile::new("eu.yaml", zone("EU", &["Paris"]));
    proposed[3] = SourceFile::new("teams/ny.yaml", team("USA", "NY"));
    proposed.push(SourceFile::new("boston.yaml", team("USA", "Boston")));
    let (a, b) = files::load_both(&base, &proposed);
    assert_eq!(a, files::load(&base));
    assert_eq!(b, files::load(&proposed));
    // The broken file is named as each model has it.
    assert_eq!(a.unwrap_err().0[0].file, "broken.yaml");
    let mut fixed = proposed.clone();
    fixed.remove(4);
    let (_, c) = files::load_both(&base, &fixed);
    let c = c.unwrap();
    assert_eq!(c, files::load(&fixed).unwrap());
    assert!(
        c.ecosystem.zones["EU"]
            .team_declarations
            .contains_key("Paris")
    );
}
