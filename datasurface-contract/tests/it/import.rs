//! Contracts written elsewhere: what imports, what is refused at its field,
//! and what is left out and said.

use std::fmt::Write as _;

use datasurface_contract::{ContractFile, ImportOptions, import};
use datasurface_core::capture::{
    CaptureMetadata, CaptureMethod, Ingestion, IngestionConsistency, SqlSnapshot,
};
use datasurface_core::names::{ColumnName, ContainerName, TeamName, ZoneName};
use datasurface_core::quality::{Literal, QualityRule, Severity};
use datasurface_core::types::{DataType, Decimal, Text, Timestamp};

/// A contract as a team might already have one: Postgres spellings,
/// a quality rule, an SLA, a server and people (docs/contracts.md imports it).
const ORDERS: &str = include_str!("../../../examples/contracts/orders.odcs.yaml");

fn options() -> ImportOptions {
    ImportOptions {
        capture: CaptureMetadata::Ingestion(Ingestion {
            container: ContainerName::new("Shop DB").expect("a container name"),
            consistency: IngestionConsistency::MultiDataset,
            trigger: None,
            credential: None,
            method: CaptureMethod::SqlSnapshot(SqlSnapshot::default()),
        }),
        datastore: None,
        zone: None,
        team: Some(TeamName::new("Shop").expect("a team name")),
    }
}

fn file(path: &str, text: &str) -> Vec<ContractFile> {
    vec![ContractFile {
        path: path.to_owned(),
        text: text.to_owned(),
    }]
}

#[test]
fn a_foreign_contract_imports_and_says_what_it_left_out() {
    let imported = import(&file("orders.odcs.yaml", ORDERS), &options()).expect("imports");
    assert_eq!(imported.zone, ZoneName::new("Sales").expect("a zone name"));
    let store = &imported.datastores["orders"];
    let orders = &store.datasets["orders"];
    let columns = &orders.schema.columns;
    assert_eq!(columns["order_id"].data_type, DataType::BigInt);
    assert!(!columns["order_id"].nullable, "a key column is never null");
    assert_eq!(
        columns["customer_email"].data_type,
        DataType::VarChar(Text::max(320))
    );
    assert_eq!(
        columns["customer_email"].classifications[0].to_string(),
        "PC1:email"
    );
    assert_eq!(
        columns["total"].data_type,
        DataType::Decimal(Decimal {
            precision: 12,
            scale: 2
        })
    );
    assert!(!columns["total"].nullable);
    assert_eq!(
        columns["placed_at"].data_type,
        DataType::Timestamp(Timestamp::default())
    );
    assert_eq!(columns["status"].data_type, DataType::String(Text::max(12)));
    assert_eq!(orders.schema.primary_key.len(), 1);
    // The source table's own name becomes the snapshot's table map.
    let CaptureMetadata::Ingestion(ingestion) = &store.capture else {
        panic!("ingested")
    };
    let CaptureMethod::SqlSnapshot(snapshot) = &ingestion.method else {
        panic!("a snapshot")
    };
    assert_eq!(
        snapshot.tables.get("orders").map(String::as_str),
        Some("orders_v2")
    );
    assert_eq!(
        orders.version.as_ref().map(ToString::to_string).as_deref(),
        Some("2.1.0")
    );
    // ODCS's metrics that are datasurface rules become them; its SQL and
    // a rule on nulls (the column's `required`) are left out and said.
    assert_eq!(
        orders.quality,
        [
            QualityRule::row_count(Some(1), None),
            QualityRule::allowed_values(
                ColumnName::new("status").expect("a column name"),
                ["placed", "paid", "shipped", "cancelled"]
                    .map(|v| Literal::Text(v.to_owned()))
                    .to_vec()
            )
            .with_severity(Severity::Warn),
        ]
    );
    let dropped: Vec<String> = imported.dropped.iter().map(|n| n.at.clone()).collect();
    assert_eq!(
        dropped,
        [
            "team",
            "servers",
            "slaProperties",
            "description.usage",
            "schema[orders].properties[customer_email].criticalDataElement",
            "schema[orders].properties[status].classification",
            "schema[orders].quality[0].businessImpact",
            "schema[orders].quality[1]",
            "schema[orders].properties[total].quality[0]",
        ],
        "{:#?}",
        imported.dropped
    );
    assert!(
        imported
            .dropped
            .iter()
            .all(|n| n.file == "orders.odcs.yaml")
    );
}

#[test]
fn what_cannot_be_expressed_is_refused_at_its_field() {
    let broken = ORDERS
        .replace("physicalType: numeric(12, 2)", "physicalType: numeric")
        .replace(
            "logicalType: timestamp\n        physicalType: timestamptz",
            "logicalType: time",
        )
        .replace("primaryKey: true", "primaryKey: false")
        .replace("name: customer_email", "name: customer-email");
    let error = import(&file("orders.odcs.yaml", &broken), &options()).expect_err("refused");
    let at: Vec<&str> = error.errors.iter().map(|n| n.at.as_str()).collect();
    assert_eq!(
        at,
        [
            "schema[orders].properties[customer-email].name",
            "schema[orders].properties[total].physicalType",
            "schema[orders].properties[placed_at]",
        ],
        "{error}"
    );
    let text = error.to_string();
    assert!(text.contains("orders.odcs.yaml: schema[orders].properties[total].physicalType: `numeric` has no precision"), "{text}");
    assert!(
        text.contains("logicalType `time` is not a type datasurface can hold"),
        "{text}"
    );
}

#[test]
fn a_table_without_a_key_and_a_missing_team_are_refused() {
    let keyless = ORDERS.replace("primaryKey: true", "primaryKey: false");
    let mut no_team = options();
    no_team.team = None;
    let error = import(&file("orders.odcs.yaml", &keyless), &no_team).expect_err("refused");
    let text = error.to_string();
    assert!(
        text.contains("schema[orders]: has no primary key"),
        "{text}"
    );
    assert!(
        text.contains("team.name: no contract names the team"),
        "{text}"
    );
}

#[test]
fn other_documents_are_refused_not_misread() {
    for (text, says) in [
        (
            "apiVersion: v2.2.2\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\n",
            "apiVersion: is not an ODCS v3 version",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\n",
            "is not an ODCS v3 data contract",
        ),
        ("[1, 2", "is not YAML or JSON"),
    ] {
        let error = import(&file("c.yaml", text), &options()).expect_err("refused");
        assert!(error.to_string().contains(says), "{error}");
    }
}

#[test]
fn a_flag_overrides_the_contracts_and_contracts_that_disagree_are_refused() {
    let mut flagged = options();
    flagged.zone = Some(ZoneName::new("Retail").expect("a zone name"));
    let imported = import(&file("orders.odcs.yaml", ORDERS), &flagged).expect("imports");
    assert_eq!(imported.zone.as_str(), "Retail");
    let note = imported
        .dropped
        .iter()
        .find(|n| n.at == "domain")
        .expect("a note on `domain`");
    assert_eq!(note.message, "`Sales` is overridden by --zone `Retail`");
    let files = vec![
        ContractFile {
            path: "a.odcs.yaml".to_owned(),
            text: ORDERS.to_owned(),
        },
        ContractFile {
            path: "b.odcs.yaml".to_owned(),
            text: ORDERS
                .replace("domain: Sales", "domain: Retail")
                .replace("name: orders\n", "name: returns\n"),
        },
    ];
    let error = import(&files, &options()).expect_err("refused");
    assert!(
        error
            .to_string()
            .contains("b.odcs.yaml: domain: `Retail` differs from `Sales` in a.odcs.yaml"),
        "{error}"
    );
}

/// A contract of `tables` tables of `columns` columns each, and `notes`
/// properties ODCS has and the model does not (each said in a note).
fn large(tables: usize, columns: usize, notes: usize) -> String {
    let mut text = String::from(
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nname: big\nversion: 1.0.0\nstatus: active\ndomain: Sales\nschema:\n",
    );
    for t in 0..tables {
        let _ = write!(text, "  - name: t{t}\n    properties:\n");
        for c in 0..columns {
            let _ = write!(
                text,
                "      - name: c{c}\n        logicalType: integer\n        primaryKey: {}\n",
                c == 0
            );
            if c < notes {
                text.push_str(
                    "        tags: [a, b]\n        customProperties: [{property: x, value: y}]\n",
                );
            }
        }
    }
    text
}

#[test]
fn importing_grows_linearly_with_the_contract() {
    use datasurface_fixtures::growth::assert_near_linear;
    let run = |text: &String| {
        let _ = import(&file("big.odcs.yaml", text), &options());
    };
    assert_near_linear("many tables", 10..=100_000, |n| large(n, 3, 1), run);
    assert_near_linear("many columns", 10..=100_000, |n| large(1, n, 0), run);
    assert_near_linear("many notes", 10..=100_000, |n| large(1, n, n), run);
}
