//! Validation as a whole: the corrected reference bugs, order independence,
//! and a model with many violations at once.

use std::fmt::Write as _;

use datasurface_core::{AssignmentStatus, Ecosystem};
use datasurface_files as files;
use datasurface_rules::validate::rules::{BASE_MODEL, RULES, example_model};
use datasurface_rules::validate::{Report, check, validate};

fn load(text: &str) -> Ecosystem {
    files::from_yaml_str(text).unwrap_or_else(|e| panic!("{e}"))
}

fn codes(text: &str) -> Vec<&'static str> {
    check(&load(text)).codes()
}

#[test]
fn the_base_model_is_valid() {
    let valid = validate(load(BASE_MODEL)).unwrap_or_else(|report| panic!("{report}"));
    assert!(valid.warnings().is_empty());
    assert_eq!(valid.name, "Base");
}

/// Reversing the order of zones and of teams within them changes nothing: rules read an
/// index built before any rule runs. (The reference implementation's classification check
/// raised or passed depending on which team it visited first.)
#[test]
fn findings_do_not_depend_on_the_order_of_zones_and_teams() {
    for rule in RULES {
        let model = load(&example_model(rule).unwrap());
        let mut reversed = model.clone();
        reversed.zones.reverse();
        for zone in reversed.zones.values_mut() {
            zone.teams.reverse();
        }
        let (a, b) = (check(&model), check(&reversed));
        let strip = |r: &Report| {
            r.diagnostics()
                .iter()
                .map(|d| (d.code, d.path.to_string(), d.severity))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&a), strip(&b), "the example of `{}`", rule.info.code);
    }
}

/// Validation reads the model and never changes it. (The reference implementation defined
/// declared teams and set keys while linting.)
#[test]
fn validation_never_changes_the_model() {
    for rule in RULES {
        let model = load(&example_model(rule).unwrap());
        let before = model.clone();
        let _ = check(&model);
        assert_eq!(model, before);
        let report = match validate(model) {
            Ok(valid) => valid.warnings().clone(),
            Err(report) => report,
        };
        assert!(report.codes().contains(&rule.info.code));
    }
}

/// A table without a primary key is an error. (The reference implementation always built a
/// primary-key list, possibly empty, so such tables passed.)
#[test]
fn a_table_without_a_primary_key_is_an_error() {
    let text = BASE_MODEL.replacen("\n                  primaryKey: [order_id]", "", 1);
    assert_eq!(codes(&text), ["missing-primary-key"]);
}

/// The same team name in two zones is found. (The reference implementation's check compared
/// names against `zone/team` keys and could never fire.)
#[test]
fn the_duplicate_team_check_works() {
    let rule = RULES
        .iter()
        .find(|r| r.info.code == "duplicate-team")
        .unwrap();
    assert_eq!(codes(&example_model(rule).unwrap()), ["duplicate-team"]);
}

/// Platform policies and storage policies are enforced. (The reference implementation stored
/// them and never evaluated them.)
#[test]
fn platform_and_storage_policies_are_enforced() {
    for code in ["platform-policy-violation", "storage-policy-violation"] {
        let rule = RULES.iter().find(|r| r.info.code == code).unwrap();
        assert_eq!(codes(&example_model(rule).unwrap()), [code]);
    }
}

/// A datastore's own ingestion container is held to its own zone's location policies, as is a
/// workspace's container. (The reference implementation checked only workspaces' containers,
/// and only against the zones of the data they read.)
#[test]
fn own_containers_are_held_to_their_own_zones_policies() {
    let text = BASE_MODEL.replacen(
        "    classificationPolicies:\n      No MNPI:",
        "    locationPolicies:\n      EU only: {allowed: [\"AWS:EU/eu-west-1\"]}\n    classificationPolicies:\n      No MNPI:",
        1,
    );
    let report = check(&load(&text));
    let paths: Vec<String> = report
        .diagnostics()
        .iter()
        .map(|d| d.path.to_string())
        .collect();
    assert!(
        paths.contains(
            &"/zones/USA/teams/Sales/datastores/Orders/capture/ingestion/container".to_owned()
        ),
        "{report}"
    );
    assert!(
        paths.contains(&"/zones/USA/teams/Reporting/workspaces/Dashboard/container".to_owned()),
        "{report}"
    );
    assert_eq!(report.codes(), ["location-policy-violation"]);
}

/// Every named float format, including the ML formats, passes its own rules. (The reference
/// implementation's FNUZ formats failed them.)
#[test]
fn ml_float_formats_pass_their_own_rules() {
    let floats = [
        "IEEE16",
        "IEEE32",
        "IEEE64",
        "IEEE128",
        "IEEE256",
        "FP8_E4M3",
        "FP8_E5M2",
        "FP8_E5M2FNUZ",
        "FP8_E4M3FNUZ",
        "FP8_E8M0",
        "FP6_E2M3",
        "FP6_E3M2",
        "FP4_E2M1",
        "MXFP8_E4M3",
        "MXFP8_E5M2",
        "MXFP6_E2M3",
        "MXFP6_E3M2",
        "MXFP4_E2M1",
    ];
    let mut columns = String::new();
    for (i, f) in floats.iter().enumerate() {
        writeln!(columns, "                    f{i}: {{type: {f}}}").unwrap();
    }
    let text = BASE_MODEL.replacen(
        "                    amount: {type: {Decimal: {precision: 12, scale: 2}}}\n",
        &format!("                    amount: {{type: {{Decimal: {{precision: 12, scale: 2}}}}}}\n{columns}"),
        1,
    );
    assert!(codes(&text).is_empty(), "{}", check(&load(&text)));
}

/// A decommissioned assignment is not live: zone platform policies and consumers' platform
/// requirements ignore it. (The reference implementation ignored the status it was given and
/// counted every assignment as live.)
#[test]
fn decommissioned_assignments_are_not_live() {
    let rule = RULES
        .iter()
        .find(|r| r.info.code == "platform-policy-violation")
        .unwrap();
    let mut model = load(&example_model(rule).unwrap());
    assert_eq!(check(&model).codes(), ["platform-policy-violation"]);
    model.assignments[0].platforms[0].status = AssignmentStatus::Decommissioned;
    assert!(check(&model).is_empty(), "{}", check(&model));
}

/// Many rules' examples applied to one model at once: the model reports exactly the codes of
/// the examples applied. An example is applied only if the result still reports exactly the
/// expected set, so no edit undoes or disturbs another.
#[test]
fn a_model_with_many_violations_reports_exactly_their_codes() {
    let mut text = BASE_MODEL.to_owned();
    let mut expected: Vec<&str> = Vec::new();
    for rule in RULES {
        if !rule
            .edits()
            .iter()
            .all(|(find, _)| text.matches(find).count() == 1)
        {
            continue;
        }
        let mut next = text.clone();
        for (find, replace) in rule.edits() {
            next = next.replacen(find, replace, 1);
        }
        let Ok(model) = files::from_yaml_str(&next) else {
            continue;
        };
        let mut wanted = expected.clone();
        wanted.push(rule.info.code);
        wanted.sort_unstable();
        if check(&model).codes() == wanted {
            text = next;
            expected = wanted;
        }
    }
    assert!(expected.len() >= 20, "many examples combine: {expected:?}");
    let report = check(&load(&text));
    assert_eq!(report.codes(), expected, "{report}");
}
