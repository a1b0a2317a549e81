//! Diagnostic: datastore-without-datasets
//!
//! A datastore exists to publish datasets; one with none cannot be consumed
//! and is usually a half-finished change.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "datastore-without-datasets",
        Severity::Error,
        "A datastore has no datasets.",
        "Add the datasets the datastore publishes, or remove the datastore.",
    )
    .with_example(
        &[(
        "        datastores:\n          Customer_Totals:",
        "        datastores:\n          Empty_Store:\n            capture:\n              ingestion: {container: Warehouse, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}\n            datasets: {}\n          Customer_Totals:",
    )],
        "model.yaml:69:13: error[datastore-without-datasets]: datastore `Empty_Store` has no datasets
  at: /zones/USA/teams/Reporting/datastores/Empty_Store/datasets
  help: add the datasets it publishes, or remove the datastore (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for placed in cx.index.datastores.values().flatten() {
        if placed.item.datasets.is_empty() {
            out.report(
                placed.path("datastores").key("datasets"),
                format!("datastore `{}` has no datasets", placed.name),
                "add the datasets it publishes, or remove the datastore",
            );
        }
    }
}
