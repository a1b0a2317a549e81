//! One mistake, one finding: a name, location or policy that is wrong is
//! reported by the rule about it, and the rules that depend on it look away
//! rather than report the same mistake again in other words.

use super::BASE_MODEL;
use super::testing::report_for;

/// Every finding's code, one per finding.
fn codes(text: &str) -> Vec<&'static str> {
    report_for(text)
        .diagnostics()
        .iter()
        .map(|d| d.code)
        .collect()
}

/// The base model with location, vendor and hard-vendor policies on `USA`.
fn with_policies(policies: &str) -> String {
    BASE_MODEL.replacen(
        "    classificationPolicies:\n      No MNPI:",
        &format!("{policies}    classificationPolicies:\n      No MNPI:"),
        1,
    )
}

const US_AWS: &str = "    locationPolicies:\n      US only: {allowed: [\"AWS:USA/us-east-1\"]}\n    vendorPolicies:\n      AWS only: {allowed: [AWS]}\n    hardVendorPolicies:\n      AWS cloud: {allowed: [AWS]}\n";

#[test]
fn an_unknown_location_is_reported_once_and_not_held_to_policies() {
    for wrong in ["AWS:USA/us-east-9", "GCP:USA/us-east-1", "AWS:Mars"] {
        let text = with_policies(US_AWS).replacen(
            "database: sales}}\n            locations: [AWS:USA/us-east-1]",
            &format!("database: sales}}}}\n            locations: [\"{wrong}\"]"),
            1,
        );
        assert_eq!(codes(&text), ["unknown-location"], "{wrong}");
    }
}

/// The base model, to build on in code.
fn base() -> datasurface_core::build::EcosystemBuilder {
    datasurface_files::from_yaml_str(BASE_MODEL)
        .unwrap()
        .into_builder()
}

/// Every finding's code in a model built in code, one per finding.
fn codes_of(builder: datasurface_core::build::EcosystemBuilder) -> Vec<&'static str> {
    let report = crate::validate::check(&builder.build().unwrap());
    report.diagnostics().iter().map(|d| d.code).collect()
}

#[test]
fn a_policy_naming_an_unknown_location_is_not_enforced() {
    let eco = base().define_zone("USA", |z| {
        z.location_policy("US only", |p| p.allow(["AWS:USA/us-east-7"]))
    });
    assert_eq!(codes_of(eco), ["unknown-location"]);
}

#[test]
fn a_contradictory_policy_is_reported_and_not_enforced() {
    use datasurface_core::CloudVendor::Aws;
    let eco = base().define_zone("USA", |z| {
        z.location_policy("US", |p| {
            p.allow(["AWS:USA/us-east-1"]).deny(["AWS:USA/us-east-1"])
        })
        .vendor_policy("V", |p| p.allow(["AWS"]).deny(["AWS"]))
        .hard_vendor_policy("H", |p| p.allow_values([Aws]).deny_values([Aws]))
        .platform_policy("P", |p| p.allow(["Batch"]).deny(["Batch"]))
        .storage_policy("S", |p| {
            p.mandated().allow(["Warehouse"]).deny(["Warehouse"])
        })
        .classification_policy("Public", |p| p.allow(["PUB"]).deny(["PUB"]))
    });
    assert_eq!(codes_of(eco), ["policy-overlap"; 6]);
}

#[test]
fn a_duplicated_datastore_is_a_duplicate_not_an_unknown_reference() {
    // `Orders` is defined twice; every reference to it stays quiet.
    let text = BASE_MODEL
        .replacen(
            "        datastores:\n          Customer_Totals:",
            "        datastores:\n          Orders:\n            capture: {ingestion: {container: Warehouse, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}}\n            datasets:\n              x:\n                classifications: [PUB]\n                schema: {columns: {id: {type: Integer, nullable: false}}, primaryKey: [id]}\n          Customer_Totals:",
            1,
        )
        .replacen(
            "    locations: [AWS:USA/us-east-1]\nzoneDeclarations:",
            "    locations: [AWS:USA/us-east-1]\n    hints:\n      - target: {ingestion: {datastore: Orders}}\n        values: {memory: 2Gi}\nzoneDeclarations:",
            1,
        );
    assert_eq!(codes(&text), ["duplicate-datastore", "duplicate-datastore"]);
}

#[test]
fn a_duplicated_workspace_is_a_duplicate_not_an_unknown_reference() {
    let text = BASE_MODEL
        .replacen(
            "        datastores:\n          Orders:",
            "        workspaces:\n          Dashboard:\n            container: Sales DB\n            productionStatus: PRODUCTION\n            datasetGroups:\n              Live: {sinks: [{datastore: Orders, dataset: orders}]}\n        datastores:\n          Orders:",
            1,
        )
        .replacen(
            "    locations: [AWS:USA/us-east-1]\nzoneDeclarations:",
            "    locations: [AWS:USA/us-east-1]\n    hints:\n      - target: {transformer: {workspace: Dashboard}}\n        values: {memory: 2Gi}\nzoneDeclarations:",
            1,
        );
    assert_eq!(codes(&text), ["duplicate-workspace", "duplicate-workspace"]);
}

#[test]
fn a_transformer_and_its_output_disagreeing_is_one_finding() {
    // Both ends are one team's, and the finding names both: one problem,
    // one finding, at the datastore's capture.
    let ends = |text: &str| {
        let report = report_for(text);
        report
            .diagnostics()
            .iter()
            .map(|d| format!("{} {}", d.code, d.path))
            .collect::<Vec<_>>()
    };
    // The datastore names another workspace.
    let text = BASE_MODEL.replacen(
        "capture: {transformerOutput: {workspace: Totals}}",
        "capture: {transformerOutput: {workspace: Dashboard}}",
        1,
    );
    assert_eq!(
        ends(&text),
        [
            "transformer-output-mismatch /zones/USA/teams/Reporting/datastores/Customer_Totals/capture/transformerOutput/workspace",
        ]
    );
    // The datastore is captured by ingestion although a transformer writes it.
    let text = BASE_MODEL.replacen(
        "capture: {transformerOutput: {workspace: Totals}}",
        "capture: {ingestion: {container: Warehouse, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}}",
        1,
    );
    assert_eq!(
        ends(&text),
        [
            "transformer-output-mismatch /zones/USA/teams/Reporting/datastores/Customer_Totals/capture",
        ]
    );
}
