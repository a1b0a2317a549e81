//! Change verification: the reference's pull-request scenario, its holes, and properties.

use datasurface_core::build::TeamBuilder;
use datasurface_core::types::{DataType::Integer, varchar};
use datasurface_core::{CloudVendor, DatabaseEngine::Postgres, Ecosystem, Repository};
use datasurface_files as files;
use datasurface_fixtures::arbitrary;
use datasurface_rules::validate::Severity;
use datasurface_rules::validate::rules::BASE_MODEL;
use datasurface_rules::verify::{ChangeKind, Verification, verify};
use proptest::prelude::*;

fn model(text: &str) -> Ecosystem {
    files::from_yaml_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn repo(text: &str) -> Repository {
    text.parse().unwrap()
}

/// The codes of the errors and warnings found; notes are left out.
fn codes(v: &Verification) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = v
        .report
        .diagnostics()
        .iter()
        .filter(|d| d.severity != Severity::Info)
        .map(|d| d.code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

// The reference's scenario (`src/tests/actionHandlerResources` step0 to step4): one repository
// with a branch per owner.

/// A team's database, in a location, and its datastore of people.
fn people(t: TeamBuilder, container: &str, location: &str, store: &str) -> TeamBuilder {
    t.database(container, Postgres, "db", |c| c.location(location))
        .datastore(store, |s| {
            s.snapshot(container).dataset("people", |d| {
                d.classified(["PC1:name"])
                    .column("id", Integer)
                    .key()
                    .column("name", varchar(100))
            })
        })
}

/// The model with these of `EU`, `USA`, `Paris` and `NY` defined.
fn step(defined: &[&str]) -> Ecosystem {
    let on = |name: &str| defined.contains(&name);
    let mut eco = Ecosystem::builder("Test", "acme/repo@main", "acme/repo@live")
        .vendor("AWS", |v| {
            v.cloud(CloudVendor::Aws)
                .describe("Amazon Web Services.")
                .location("USA", |l| l.places(["us-east-1"]))
                .location("EU", |l| l.places(["eu-west-1"]))
        })
        .vendor("Azure", |v| {
            v.cloud(CloudVendor::Azure)
                .describe("Microsoft Azure.")
                .location("EU", |l| l.places(["westeurope"]))
        })
        .platform("LegacyA", "legacy", |p| p.version("^1.0"))
        .platform("LegacyB", "legacy", |p| p.version("^1.0"))
        .declare_zone("USA", "acme/repo@USAmain")
        .declare_zone("EU", "acme/repo@EUmain")
        .declare_zone("UK", "acme/repo@UKmain");
    if on("EU") {
        eco = eco.define_zone("EU", |z| {
            let z = z
                .location_policy("EU only", |p| {
                    p.allow(["AWS:EU/eu-west-1", "Azure:EU/westeurope"])
                })
                .declare_team("ParisTeam", "acme/repo@ParisMain");
            if !on("Paris") {
                return z;
            }
            z.define_team("ParisTeam", |t| {
                people(t, "Paris DB", "AWS:EU/eu-west-1", "Paris_Customers")
            })
        });
    }
    if on("USA") {
        eco = eco.define_zone("USA", |z| {
            let z = z
                .vendor_policy("Approved", |p| p.allow(["AWS", "Azure"]))
                .location_policy("US only", |p| p.allow(["AWS:USA/us-east-1"]))
                .platform_policy("Legacy only", |p| p.allow(["LegacyA", "LegacyB"]))
                .declare_team("NYTeam", "acme/repo@NYMain");
            if !on("NY") {
                return z;
            }
            z.define_team("NYTeam", |t| {
                people(t, "NY DB", "AWS:USA/us-east-1", "NY_Customers")
            })
        });
    }
    eco.build().unwrap()
}

/// Each step is refused from a wrong branch, and accepted from the right one.
fn step_is_gated(
    base: Option<&Ecosystem>,
    proposed: &Ecosystem,
    right: &str,
    wrong_known: Option<&str>,
) {
    let bad = verify(base, proposed, &repo("acme/repo@BAD_BRANCH"));
    assert!(!bad.may_merge());
    let expected = if base.is_some() {
        "unknown-change-source"
    } else {
        "initial-check-in-source"
    };
    assert_eq!(codes(&bad), [expected], "{}", bad.report);
    if let Some(wrong) = wrong_known {
        let other = verify(base, proposed, &repo(wrong));
        assert_eq!(
            codes(&other),
            ["unauthorized-change"],
            "from {wrong}: {}",
            other.report
        );
    }
    let good = verify(base, proposed, &repo(right));
    assert!(good.may_merge(), "from {right}: {}", good.report);
    assert!(!good.changes.is_empty());
}

#[test]
fn the_reference_scenario_forwards_and_backwards() {
    let steps = [
        (step(&[]), "acme/repo@main", None),
        (step(&["EU"]), "acme/repo@EUmain", Some("acme/repo@main")),
        (
            step(&["EU", "USA"]),
            "acme/repo@USAmain",
            Some("acme/repo@EUmain"),
        ),
        (
            step(&["EU", "USA", "Paris"]),
            "acme/repo@ParisMain",
            Some("acme/repo@EUmain"),
        ),
        (
            step(&["EU", "USA", "Paris", "NY"]),
            "acme/repo@NYMain",
            Some("acme/repo@USAmain"),
        ),
    ];
    // Forwards: the initial check-in, then each owner in turn.
    step_is_gated(None, &steps[0].0, steps[0].1, None);
    for pair in steps.windows(2) {
        let ((base, _, _), (proposed, right, wrong)) = (&pair[0], &pair[1]);
        step_is_gated(Some(base), proposed, right, *wrong);
    }
    // Backwards: a team deprecates its datastores, then undefines itself; a zone undefines
    // itself; the ecosystem removes the last declaration.
    let deprecated = |eco: &Ecosystem, zone: &str, team: &str| {
        let mut eco = eco.clone();
        for store in std::sync::Arc::make_mut(&mut eco.zones[zone].teams[team])
            .datastores
            .values_mut()
        {
            store.deprecation = datasurface_core::Deprecation::deprecated("the team is closing");
        }
        eco
    };
    let ny_deprecated = deprecated(&steps[4].0, "USA", "NYTeam");
    step_is_gated(
        Some(&steps[4].0),
        &ny_deprecated,
        "acme/repo@NYMain",
        Some("acme/repo@ParisMain"),
    );
    step_is_gated(
        Some(&ny_deprecated),
        &steps[3].0,
        "acme/repo@NYMain",
        Some("acme/repo@USAmain"),
    );
    let paris_deprecated = deprecated(&steps[3].0, "EU", "ParisTeam");
    step_is_gated(
        Some(&steps[3].0),
        &paris_deprecated,
        "acme/repo@ParisMain",
        Some("acme/repo@NYMain"),
    );
    step_is_gated(
        Some(&paris_deprecated),
        &steps[2].0,
        "acme/repo@ParisMain",
        Some("acme/repo@EUmain"),
    );
    step_is_gated(
        Some(&steps[2].0),
        &steps[1].0,
        "acme/repo@USAmain",
        Some("acme/repo@main"),
    );
    step_is_gated(
        Some(&steps[1].0),
        &steps[0].0,
        "acme/repo@EUmain",
        Some("acme/repo@USAmain"),
    );
    // Undefining a team that still holds live datastores breaks their consumers' contract.
    let v = verify(Some(&steps[4].0), &steps[3].0, &repo("acme/repo@NYMain"));
    assert_eq!(codes(&v), ["removed-datastore"], "{}", v.report);
    let mut no_uk = steps[0].0.clone();
    no_uk.zone_declarations.shift_remove("UK");
    step_is_gated(
        Some(&steps[0].0),
        &no_uk,
        "acme/repo@main",
        Some("acme/repo@UKmain"),
    );
}

/// A parent cannot remove a declaration while the child is still defined, nor define a child in
/// the same change as its declaration: the two-phase protocol.
#[test]
fn creation_and_deletion_take_two_phases() {
    let (eu, eu_paris) = (step(&["EU"]), step(&["EU", "Paris"]));
    // The zone removes its declaration of a team that is still defined: the proposed model is invalid.
    let mut undeclared = eu_paris.clone();
    undeclared.zones["EU"]
        .team_declarations
        .shift_remove("ParisTeam");
    let v = verify(Some(&eu_paris), &undeclared, &repo("acme/repo@EUmain"));
    assert_eq!(codes(&v), ["team-not-declared"], "{}", v.report);
    // A zone declares a new team and defines it in one change: the definition is not the zone's to write.
    let mut both = eu_paris.clone();
    both.zones["EU"].team_declarations.insert(
        "LyonTeam".parse().unwrap(),
        datasurface_core::TeamDeclaration {
            repository: repo("acme/repo@LyonMain"),
            documentation: None,
        },
    );
    both.zones["EU"]
        .teams
        .insert("LyonTeam".parse().unwrap(), std::sync::Arc::default());
    let v = verify(Some(&eu), &both, &repo("acme/repo@EUmain"));
    assert!(codes(&v).contains(&"undeclared-region"), "{}", v.report);
}

/// The reference let a zone's repository add a zone definition already full of teams that other
/// repositories own. Here each team needs its own owner.
#[test]
fn content_nested_in_a_new_zone_needs_its_own_owner() {
    let base = step(&[]);
    let mut sneaky = step(&["EU", "Paris"]);
    // The EU zone appears with a Paris team inside, all from the zone's branch.
    let v = verify(Some(&base), &sneaky, &repo("acme/repo@EUmain"));
    assert!(!v.may_merge());
    assert!(
        v.report
            .diagnostics()
            .iter()
            .any(|d| d.code == "undeclared-region"
                && d.path.to_string() == "/zones/EU/teams/ParisTeam"),
        "{}",
        v.report
    );
    // Even when the base declares the team, its definition is the team's to write.
    sneaky.zones["EU"].teams.clear();
    let declared = sneaky.clone();
    let v = verify(
        Some(&declared),
        &step(&["EU", "Paris"]),
        &repo("acme/repo@EUmain"),
    );
    assert_eq!(codes(&v), ["unauthorized-change"], "{}", v.report);
}

/// Every name and key change is a change, whoever makes it.
#[test]
fn renames_and_keys_are_changes() {
    let base = step(&["EU", "USA", "Paris", "NY"]);
    let mut renamed = base.clone();
    renamed.name = "Renamed".parse().unwrap();
    let v = verify(Some(&base), &renamed, &repo("acme/repo@NYMain"));
    assert_eq!(codes(&v), ["unauthorized-change"], "{}", v.report);
    assert!(verify(Some(&base), &renamed, &repo("acme/repo@main")).may_merge());
    // Renaming a datastore: removed under the old name (breaking), added under the new one.
    let text = files::to_yaml_string(&base)
        .unwrap()
        .replace("NY_Customers", "NY_People");
    let v = verify(Some(&base), &model(&text), &repo("acme/repo@NYMain"));
    assert_eq!(codes(&v), ["removed-datastore"], "{}", v.report);
}

fn base_with(edit: impl Fn(&str) -> String) -> (Ecosystem, Ecosystem) {
    (model(BASE_MODEL), model(&edit(BASE_MODEL)))
}

const SALES: &str = "acme/sales@main";

/// The reference rejected widening a column and accepted narrowing it; here it is the other way round.
#[test]
fn widening_passes_and_narrowing_fails() {
    let (base, wider) = base_with(|t| {
        t.replacen(
            "name: {type: {NVarChar: {maxSize: 100}}}",
            "name: {type: {NVarChar: {maxSize: 200}}}",
            1,
        )
    });
    assert!(verify(Some(&base), &wider, &repo(SALES)).may_merge());
    let (base, narrower) = base_with(|t| {
        t.replacen(
            "name: {type: {NVarChar: {maxSize: 100}}}",
            "name: {type: {NVarChar: {maxSize: 50}}}",
            1,
        )
    });
    let v = verify(Some(&base), &narrower, &repo(SALES));
    assert_eq!(codes(&v), ["incompatible-column-change"]);
    assert!(
        v.report.diagnostics()[0]
            .message
            .contains("`Dashboard` read it"),
        "{}",
        v.report
    );
    let (base, smaller) = base_with(|t| {
        t.replacen(
            "order_id: {type: BigInt, nullable: false}",
            "order_id: {type: SmallInt, nullable: false}",
            1,
        )
    });
    assert_eq!(
        codes(&verify(Some(&base), &smaller, &repo(SALES))),
        ["incompatible-column-change"]
    );
}

/// The reference rejected adding a dataset to a store and accepted removing one.
#[test]
fn adding_a_dataset_passes_and_removing_one_fails_unless_deprecated_and_unused() {
    let added = |t: &str| {
        t.replacen(
            "              customers:\n",
            "              returns:\n                classifications: [PUB]\n                schema: {columns: {id: {type: Integer, nullable: false}}, primaryKey: [id]}\n              customers:\n",
            1,
        )
    };
    let (base, with_returns) = base_with(added);
    assert!(verify(Some(&base), &with_returns, &repo(SALES)).may_merge());
    // Removing the new, unused dataset without deprecating it first.
    let v = verify(Some(&with_returns), &base, &repo(SALES));
    assert_eq!(codes(&v), ["removed-dataset"]);
    // Deprecated and unused: it may go.
    let deprecated = model(&added(BASE_MODEL).replacen(
        "              returns:\n                classifications: [PUB]\n",
        "              returns:\n                deprecation: {status: DEPRECATED}\n                classifications: [PUB]\n",
        1,
    ));
    assert!(verify(Some(&deprecated), &base, &repo(SALES)).may_merge());
    // Deprecated but still read: it may not.
    let (base, _) = base_with(str::to_owned);
    let mut read_and_deprecated = base.clone();
    std::sync::Arc::make_mut(&mut read_and_deprecated.zones["USA"].teams["Sales"]).datastores["Orders"].datasets["customers"]
        .deprecation = datasurface_core::Deprecation::deprecated("moving");
    let mut gone = read_and_deprecated.clone();
    std::sync::Arc::make_mut(&mut gone.zones["USA"].teams["Sales"]).datastores["Orders"]
        .datasets
        .shift_remove("customers");
    let v = verify(Some(&read_and_deprecated), &gone, &repo(SALES));
    assert!(codes(&v).contains(&"removed-dataset"), "{}", v.report);
}

/// What the data is belongs to the consumer's contract: reclassifying a
/// dataset or a column breaks its readers, who are named.
#[test]
fn a_classification_change_breaks_the_consumers() {
    // Dataset level: `customers` is read by `Dashboard`.
    let (base, reclassified) = base_with(|t| {
        t.replacen(
            "                classifications: [\"PC1:name\"]\n",
            "                classifications: [\"PC2:name\"]\n",
            1,
        )
    });
    let v = verify(Some(&base), &reclassified, &repo(SALES));
    assert_eq!(codes(&v), ["classification-changed"], "{}", v.report);
    let finding = &v.report.diagnostics()[0];
    assert_eq!(
        finding.path.to_string(),
        "/zones/USA/teams/Sales/datastores/Orders/datasets/customers/classifications"
    );
    assert!(
        finding.message.contains("from `PC1:name` to `PC2:name`")
            && finding.message.contains("`Dashboard` read it"),
        "{finding}"
    );
    // Column level: the classification moves from the dataset to a column.
    let (base, moved) = base_with(|t| {
        t.replacen("                classifications: [\"PC1:name\"]\n", "", 1)
            .replacen(
                "name: {type: {NVarChar: {maxSize: 100}}}",
                "name: {type: {NVarChar: {maxSize: 100}}, classifications: [\"PC1:name\"]}",
                1,
            )
            .replacen(
                "                    customer_id: {type: Integer, nullable: false}\n                    name:",
                "                    customer_id: {type: Integer, nullable: false, classifications: [PUB]}\n                    name:",
                1,
            )
    });
    let v = verify(Some(&base), &moved, &repo(SALES));
    let paths: Vec<String> = v
        .report
        .diagnostics()
        .iter()
        .filter(|d| d.code == "classification-changed")
        .map(|d| d.path.to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "/zones/USA/teams/Sales/datastores/Orders/datasets/customers/classifications",
            "/zones/USA/teams/Sales/datastores/Orders/datasets/customers/schema/columns/customer_id/classifications",
            "/zones/USA/teams/Sales/datastores/Orders/datasets/customers/schema/columns/name/classifications",
        ],
        "{}",
        v.report
    );
    // The same classifications in another order are no change.
    let (base, reordered) = base_with(|t| {
        t.replacen(
            "                classifications: [\"PC1:name\"]\n",
            "                classifications: [\"PC1:name\", PUB]\n",
            1,
        )
    });
    let (_, reordered_again) = base_with(|t| {
        t.replacen(
            "                classifications: [\"PC1:name\"]\n",
            "                classifications: [PUB, \"PC1:name\"]\n",
            1,
        )
    });
    assert!(!codes(&verify(Some(&base), &reordered, &repo(SALES))).is_empty());
    assert!(verify(Some(&reordered), &reordered_again, &repo(SALES)).may_merge());
}

#[test]
fn added_columns_must_be_nullable_and_outside_the_key() {
    let (base, required) = base_with(|t| {
        t.replacen("                    customer_id: {type: Integer, nullable: false}\n                    amount:", "                    customer_id: {type: Integer, nullable: false}\n                    region: {type: Integer, nullable: false}\n                    amount:", 1)
    });
    assert_eq!(
        codes(&verify(Some(&base), &required, &repo(SALES))),
        ["added-required-column"]
    );
    let (base, keyed) = base_with(|t| {
        t.replacen(
            "primaryKey: [order_id]",
            "primaryKey: [order_id, customer_id]",
            1,
        )
    });
    assert_eq!(
        codes(&verify(Some(&base), &keyed, &repo(SALES))),
        ["primary-key-changed"]
    );
}

#[test]
fn versions_go_up_with_every_schema_change() {
    let versioned = |v: &str| {
        BASE_MODEL.replacen(
            "              orders:\n",
            &format!("              orders:\n                version: {v}\n"),
            1,
        )
    };
    let widened = |t: String| {
        t.replacen(
            "amount: {type: {Decimal: {precision: 12, scale: 2}}}",
            "amount: {type: {Decimal: {precision: 14, scale: 2}}}",
            1,
        )
    };
    let base = model(&versioned("1.2.0"));
    assert_eq!(
        codes(&verify(
            Some(&base),
            &model(&widened(versioned("1.2.0"))),
            &repo(SALES)
        )),
        ["version-not-increased"]
    );
    assert!(
        verify(
            Some(&base),
            &model(&widened(versioned("1.3.0"))),
            &repo(SALES)
        )
        .may_merge()
    );
    assert_eq!(
        codes(&verify(
            Some(&base),
            &model(&versioned("1.1.0")),
            &repo(SALES)
        )),
        ["version-decreased"]
    );
}

#[test]
fn the_change_summary_groups_by_region_and_owner() {
    let (base, changed) = base_with(|t| {
        t.replacen("priority: HIGH", "priority: CRITICAL", 1)
            .replacen("  Orders: [Batch]", "  Customer_Totals: [Batch]", 1)
    });
    let v = verify(Some(&base), &changed, &repo("acme/reporting@main"));
    insta::assert_snapshot!(v.summary(), @r"
    the ecosystem (github:acme/ecosystem@main): changed
      removed  /primaryIngestionPlatforms/Orders
      added    /primaryIngestionPlatforms/Customer_Totals
    team `Reporting` of zone `USA` (github:acme/reporting@main): changed
      changed  /zones/USA/teams/Reporting/workspaces/Dashboard/priority
    ");
    assert_eq!(
        codes(&v),
        ["unauthorized-change"],
        "the ecosystem's part is not the team's to change"
    );
    assert_eq!(v.changes[0].kind, ChangeKind::Changed);
    let json = serde_json::to_value(&v.changes).unwrap();
    assert_eq!(json[1]["region"], "/zones/USA/teams/Reporting");
}

fn known_source(eco: &Ecosystem, pick: usize) -> Repository {
    let mut known = vec![eco.owning_repository.clone()];
    known.extend(eco.zone_declarations.values().map(|d| d.repository.clone()));
    known.extend(
        eco.zones
            .values()
            .flat_map(|z| z.team_declarations.values().map(|d| d.repository.clone())),
    );
    known[pick % known.len()].clone()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Any model verified against itself from any of its repositories has no changes, and no
    /// findings beyond its own validation.
    #[test]
    fn a_model_against_itself_changes_nothing(eco in arbitrary::ecosystem(), pick in any::<usize>()) {
        let v = verify(Some(&eco), &eco, &known_source(&eco, pick));
        prop_assert!(v.changes.is_empty());
        prop_assert_eq!(v.report, datasurface_rules::validate::check(&eco));
    }

    /// Adding a nullable column passes from the owning team and fails from any other team.
    #[test]
    fn a_nullable_column_from_the_owner_passes_and_from_another_team_fails(
        column in arbitrary::column_name(),
        data_type in prop::sample::select(vec!["Integer", "BigInt", "Boolean", "Date", "IEEE64", "{VarChar: {maxSize: 20}}", "{Timestamp: {}}"]),
        dataset in prop::sample::select(vec!["orders", "customers"]),
    ) {
        let base = model(BASE_MODEL);
        prop_assume!(!["order_id", "customer_id", "amount", "name"].contains(&column.as_str()));
        let mut proposed = base.clone();
        let new_column: datasurface_core::Column = serde_saphyr::from_str(&format!("type: {data_type}")).unwrap();
        std::sync::Arc::make_mut(&mut proposed.zones["USA"].teams["Sales"]).datastores["Orders"].datasets[dataset].schema.columns.insert(column.clone(), new_column);
        let v = verify(Some(&base), &proposed, &repo(SALES));
        prop_assert!(v.may_merge(), "{}", v.report);
        let v = verify(Some(&base), &proposed, &repo("acme/reporting@main"));
        prop_assert_eq!(codes(&v), vec!["unauthorized-change"]);
    }
}

/// Re-pointing the declaration of a defined zone or team would hand its
/// content to another repository: refused until its owner removes the definition.
#[test]
fn a_defined_region_cannot_be_handed_to_another_owner() {
    let other = repo("acme/repo@Elsewhere");
    // The ecosystem hands the defined EU zone to another branch.
    let base = step(&["EU"]);
    let mut moved = base.clone();
    moved.zone_declarations["EU"].repository = other.clone();
    let v = verify(Some(&base), &moved, &repo("acme/repo@main"));
    assert_eq!(codes(&v), ["ownership-transfer"], "{}", v.report);
    // Undefined, the zone may be re-pointed.
    let base = step(&[]);
    let mut moved = base.clone();
    moved.zone_declarations["EU"].repository = other.clone();
    let v = verify(Some(&base), &moved, &repo("acme/repo@main"));
    assert!(v.may_merge(), "{}", v.report);
    // The zone hands its defined Paris team to another branch.
    let base = step(&["EU", "Paris"]);
    let mut moved = base.clone();
    moved.zones["EU"].team_declarations["ParisTeam"].repository = other;
    let v = verify(Some(&base), &moved, &repo("acme/repo@EUmain"));
    assert_eq!(codes(&v), ["ownership-transfer"], "{}", v.report);
}

/// A repository may declare a zone naming itself and define it in one change.
#[test]
fn a_region_declared_to_its_declarer_may_be_defined_at_once() {
    let base = step(&[]);
    let mut both = base.clone();
    both.zone_declarations.insert(
        "APAC".parse().unwrap(),
        datasurface_core::ZoneDeclaration {
            repository: repo("acme/repo@main"),
            documentation: None,
        },
    );
    both.zones.insert(
        "APAC".parse().unwrap(),
        datasurface_core::GovernanceZone::default(),
    );
    let v = verify(Some(&base), &both, &repo("acme/repo@main"));
    assert!(v.may_merge(), "{}", v.report);
    // Declared to another repository, the definition is still that one's to write.
    both.zone_declarations["APAC"].repository = repo("acme/repo@APACmain");
    let v = verify(Some(&base), &both, &repo("acme/repo@main"));
    assert!(codes(&v).contains(&"undeclared-region"), "{}", v.report);
}

/// The initial check-in is a change from an empty model: regions owned by
/// other repositories come in their own later changes.
#[test]
fn the_initial_check_in_holds_only_the_sources_regions() {
    let v = verify(None, &step(&["EU"]), &repo("acme/repo@main"));
    assert_eq!(codes(&v), ["unauthorized-change"], "{}", v.report);
    let v = verify(None, &step(&[]), &repo("acme/repo@main"));
    assert!(v.may_merge(), "{}", v.report);
}
