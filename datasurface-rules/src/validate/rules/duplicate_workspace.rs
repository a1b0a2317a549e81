//! Diagnostic: duplicate-workspace
//!
//! Workspace names are unique across the whole ecosystem, not only within a
//! team: assignments and transformer outputs name workspaces without a team.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "duplicate-workspace",
        Severity::Error,
        "Two teams define a workspace of the same name.",
        "Workspace names are unique across the ecosystem. Rename one of them; if both teams mean the same \
                  workspace, keep it in one team.",
    )
    .with_example(
        &[(
        "        datastores:\n          Orders:",
        "        workspaces:\n          Dashboard:\n            container: Sales DB\n            productionStatus: PRODUCTION\n            datasetGroups: {Live: {sinks: [{datastore: Orders, dataset: orders}], requirements: {milestoning: LIVE_ONLY, latency: MINUTES}}}\n        datastores:\n          Orders:",
    )],
        "model.yaml:100:11: error[duplicate-workspace]: workspace `Dashboard` is also defined in team `Sales` of zone `USA`
  at: /zones/USA/teams/Reporting/workspaces/Dashboard
  help: rename one of them; names are unique across the ecosystem (in github:acme/reporting@main)
model.yaml:35:11: error[duplicate-workspace]: workspace `Dashboard` is also defined in team `Reporting` of zone `USA`
  at: /zones/USA/teams/Sales/workspaces/Dashboard
  help: rename one of them; names are unique across the ecosystem (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    super::report_duplicates(&cx.index.workspaces, "workspaces", "workspace", out);
}
