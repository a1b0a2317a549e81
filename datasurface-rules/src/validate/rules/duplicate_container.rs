//! Diagnostic: duplicate-container
//!
//! Data container names are unique across the whole ecosystem, not only within a
//! team: datastores and workspaces name the containers they use without a team.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "duplicate-container",
        Severity::Error,
        "Two teams define a data container of the same name.",
        "Data container names are unique across the ecosystem. Rename one of them; if both teams mean the same \
                  data container, keep it in one team.",
    )
    .with_example(
        &[(
        "          Sales DB:\n",
        "          Warehouse:\n            kind: {database: {engine: POSTGRES, database: warehouse}}\n            locations: [AWS:USA/us-east-1]\n          Sales DB:\n",
    )],
        "model.yaml:65:11: error[duplicate-container]: data container `Warehouse` is also defined in team `Sales` of zone `USA`
  at: /zones/USA/teams/Reporting/containers/Warehouse
  help: rename one of them; names are unique across the ecosystem (in github:acme/reporting@main)
model.yaml:31:11: error[duplicate-container]: data container `Warehouse` is also defined in team `Reporting` of zone `USA`
  at: /zones/USA/teams/Sales/containers/Warehouse
  help: rename one of them; names are unique across the ecosystem (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    super::report_duplicates(&cx.index.containers, "containers", "data container", out);
}
