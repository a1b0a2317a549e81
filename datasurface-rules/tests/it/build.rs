//! Ecosystems built in code: what the builder makes is what it was told,
//! survives a trip through YAML and JSON, and every bad name is reported
//! at once, with where it was given.

use datasurface_core::build::BuildProblems;
use datasurface_core::{Ecosystem, Schema};
use datasurface_files as files;
use datasurface_fixtures as fixtures;
use datasurface_fixtures::arbitrary;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 64,
        max_shrink_iters: if std::env::var_os("CI").is_some() {
            0
        } else {
            256
        },
        ..ProptestConfig::default()
    }
}

/// The minimal fixture with one more dataset, built column by column from a
/// generated schema (every data type, nullability, classifications), the
/// first column its key.
fn with_dataset(schema: &Schema) -> Result<Ecosystem, BuildProblems> {
    fixtures::minimal()
        .define_zone("EU", |z| {
            z.define_team("Sales", |t| {
                t.datastore("Orders", |s| {
                    s.dataset("generated", |mut d| {
                        d = d.classified(["PUB"]);
                        for (i, (name, column)) in schema.columns.iter().enumerate() {
                            let mut step = d.column(name, column.data_type.clone());
                            if i == 0 {
                                step = step.key();
                            } else if !column.nullable {
                                step = step.not_null();
                            }
                            let classes: Vec<String> = column
                                .classifications
                                .iter()
                                .map(ToString::to_string)
                                .collect();
                            step = step.classified(classes.iter().map(String::as_str));
                            d = step.into();
                        }
                        d
                    })
                })
            })
        })
        .build()
}

proptest! {
    #![proptest_config(config())]

    /// A model built in code, written as YAML or JSON and loaded back, is
    /// equal, in the same order.
    #[test]
    fn built_models_round_trip(schema in arbitrary::schema()) {
        let eco = with_dataset(&schema).unwrap();
        let yaml = files::to_yaml_string(&eco).unwrap();
        let back = files::from_yaml_str(&yaml).unwrap_or_else(|e| panic!("{e}\n---\n{yaml}"));
        prop_assert_eq!(&back, &eco);
        prop_assert_eq!(files::to_yaml_string(&back).unwrap(), yaml);
        let json = files::to_json_string(&eco).unwrap();
        prop_assert_eq!(&files::from_json_str(&json).unwrap(), &eco);
    }

    /// The builder makes exactly the columns it was given.
    #[test]
    fn built_columns_are_the_columns_given(schema in arbitrary::schema()) {
        let eco = with_dataset(&schema).unwrap();
        let built = &eco.zones["EU"].teams["Sales"].datastores["Orders"].datasets["generated"].schema;
        prop_assert_eq!(built.columns.len(), schema.columns.len());
        for (i, ((name, want), (got_name, got))) in schema.columns.iter().zip(&built.columns).enumerate() {
            prop_assert_eq!(name, got_name);
            prop_assert_eq!(&want.data_type, &got.data_type);
            prop_assert_eq!(&want.classifications, &got.classifications);
            prop_assert_eq!(if i == 0 { false } else { want.nullable }, got.nullable);
        }
        prop_assert_eq!(built.primary_key.first(), schema.columns.keys().next());
    }

    /// Going on building a model changes nothing it does not say: every
    /// zone, team, datastore and workspace reopened as it is stays equal and
    /// in its place.
    #[test]
    fn reopening_everything_changes_nothing(eco in arbitrary::ecosystem()) {
        let mut builder = eco.clone().into_builder();
        for (zone, z) in &eco.zones {
            builder = builder.define_zone(zone, |mut zb| {
                for (team, t) in &z.teams {
                    zb = zb.define_team(team, |mut tb| {
                        for store in t.datastores.keys() {
                            tb = tb.datastore(store, |s| s);
                        }
                        for workspace in t.workspaces.keys() {
                            tb = tb.workspace(workspace, |w| w);
                        }
                        tb
                    });
                }
                zb
            });
        }
        prop_assert_eq!(builder.build().unwrap(), eco);
    }

    /// Every bad name is reported, once, with where it was given; the good
    /// ones are not.
    #[test]
    fn every_bad_name_is_reported_once(names in proptest::collection::vec(
        prop_oneof!["[A-Za-z][A-Za-z0-9_]{0,8}", "[0-9 -][A-Za-z ]{0,6}", Just(String::new())], 1..6))
    {
        let result = fixtures::minimal()
            .define_zone("EU", |z| z.define_team("Sales", |mut t| {
                for (i, name) in names.iter().enumerate() {
                    // Distinct stores (a name twice is its own problem).
                    let unique = if name.is_empty() { String::new() } else { format!("{name}{i}") };
                    t = t.datastore(&unique, |s| s.file_drop("Drops"));
                }
                t
            }))
            .build();
        let bad: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(i, n)| if n.is_empty() { String::new() } else { format!("{n}{i}") })
            .filter(|n| n.parse::<datasurface_core::names::DatastoreName>().is_err())
            .collect();
        match result {
            Ok(_) => prop_assert!(bad.is_empty()),
            Err(problems) => {
                prop_assert_eq!(problems.0.len(), bad.len(), "{}", problems);
                for (problem, name) in problems.0.iter().zip(&bad) {
                    prop_assert_eq!(&problem.at, &format!("zone `EU` › team `Sales` › datastore `{name}`"));
                    prop_assert!(problem.message.contains("invalid datastore name"), "{}", problem);
                }
            }
        }
    }
}

/// Mistakes anywhere are all reported by one `build`, each where it was made.
#[test]
fn every_problem_is_reported_at_once() {
    use datasurface_core::types::DataType::Integer;
    let problems = fixtures::minimal()
        .platform("Cloud", "airflow", |p| p.version("one point oh"))
        .define_zone("EU", |z| {
            z.define_team("Sales", |t| {
                t.datastore("Orders", |s| {
                    s.dataset("orders", |d| d.column("id", Integer))
                        .dataset("refunds", |d| d.column("bad name", Integer).key())
                })
                .datastore("Returns", |s| s.cron("0 * * * *"))
                .workspace("Reports", |w| {
                    w.group("Audit", |g| {
                        g.sink("Orders", "refunds").retention("a while")
                    })
                })
            })
        })
        .assign("Reports", "Main", "No Such/Platform")
        .build()
        .unwrap_err();
    let lines: Vec<String> = problems.0.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(lines.join("\n"), @r"
    platform `Cloud`: `one point oh` is not a version requirement (unexpected character 'o' while parsing major version number); write one such as `^0.1`
    zone `EU` › team `Sales` › datastore `Orders` › dataset `orders`: dataset `orders` is defined twice; give each a distinct name, or edit the first
    zone `EU` › team `Sales` › datastore `Orders` › dataset `refunds`: invalid column name `bad name`: it contains ` `; a SQL identifier holds only letters, digits and `_`
    zone `EU` › team `Sales` › datastore `Returns`: `cron` needs an ingested datastore: call `snapshot`, `watermark`, `cdc`, `kafka` or `file_drop` first
    zone `EU` › team `Sales` › datastore `Returns`: it does not say how it is captured: call `snapshot`, `watermark`, `cdc`, `kafka`, `file_drop` or `output_of`
    zone `EU` › team `Sales` › workspace `Reports` › dataset group `Audit`: invalid retention period `a while`: write an ISO 8601 period such as `P7Y`, `P18M`, `P2W`, `P90D` or `P1Y6M`
    assignment of workspace `Reports`: invalid platform name `No Such/Platform`: it contains `/`, which separates names in keys; use another character
    ");
}

/// A datastore reopened to extend it stays where it was among the others.
#[test]
fn a_reopened_item_keeps_its_place() {
    use datasurface_core::types::DataType::Integer;
    let eco = fixtures::northwind()
        .define_zone("USA", |z| {
            z.define_team("NorthwindTeam", |t| {
                t.datastore("NW_Data", |s| {
                    s.dataset("orders", |d| {
                        d.classified(["PUB"]).column("id", Integer).key()
                    })
                })
            })
        })
        .build()
        .unwrap();
    let team = &eco.zones["USA"].teams["NorthwindTeam"];
    let stores: Vec<&str> = team
        .datastores
        .keys()
        .map(datasurface_core::names::DatastoreName::as_str)
        .collect();
    assert_eq!(stores, ["NW_Data", "Masked_NW_Data"]);
    assert_eq!(team.datastores["NW_Data"].datasets.len(), 4);
}
