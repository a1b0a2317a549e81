//! Diagnostic: duplicate-datastore
//!
//! Datastore names are unique across the whole ecosystem, not only within a
//! team: workspaces name the datastores they read without a team.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "duplicate-datastore",
        Severity::Error,
        "Two teams define a datastore of the same name.",
        "Datastore names are unique across the ecosystem. Rename one of them; if both teams mean the same \
                  datastore, keep it in one team.",
    )
    .with_example(
        &[(
        "        datastores:\n          Customer_Totals:",
        "        datastores:\n          Orders:\n            capture:\n              ingestion: {container: Warehouse, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}\n            datasets:\n              copy:\n                classifications: [PUB]\n                schema: {columns: {id: {type: Integer, nullable: false}}, primaryKey: [id]}\n          Customer_Totals:",
    )],
        "model.yaml:66:11: error[duplicate-datastore]: datastore `Orders` is also defined in team `Sales` of zone `USA`
  at: /zones/USA/teams/Reporting/datastores/Orders
  help: rename one of them; names are unique across the ecosystem (in github:acme/reporting@main)
model.yaml:35:11: error[duplicate-datastore]: datastore `Orders` is also defined in team `Reporting` of zone `USA`
  at: /zones/USA/teams/Sales/datastores/Orders
  help: rename one of them; names are unique across the ecosystem (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    super::report_duplicates(&cx.index.datastores, "datastores", "datastore", out);
}
