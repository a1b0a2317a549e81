//! Diagnostic: dataset-not-approved
//!
//! A producer may list the dataset groups allowed to use its datasets
//! (`approvals`). Without the list, anyone may; with it, even empty, only the
//! listed groups may.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "dataset-not-approved",
        Severity::Error,
        "A dataset group uses a dataset that its producer has not approved for it.",
        "Ask the producing team to add `{workspace, datasetGroup, dataset}` to the datastore's `approvals`, \
                  or remove the sink.",
    )
    .with_example(
        &[(
        "          Orders:\n            productionStatus: PRODUCTION\n",
        "          Orders:\n            productionStatus: PRODUCTION\n            approvals:\n              - {workspace: Totals, datasetGroup: Input, dataset: orders}\n",
    )],
        "model.yaml:105:21: error[dataset-not-approved]: `Orders.customers` is not approved for dataset group `Dashboard.Live`
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/1
  help: ask team `Sales` to add {workspace: Dashboard, datasetGroup: Live, dataset: customers} to the approvals of `Orders` (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.sinks() {
        let Some(store) = cx.index.datastore(&at.sink.datastore) else {
            continue;
        };
        if !store
            .item
            .approves(at.workspace.name, at.group, &at.sink.dataset)
        {
            out.report(
                at.path(),
                format!(
                    "`{}.{}` is not approved for dataset group `{}.{}`",
                    at.sink.datastore, at.sink.dataset, at.workspace.name, at.group
                ),
                format!(
                    "ask team `{}` to add {{workspace: {}, datasetGroup: {}, dataset: {}}} to the approvals of `{}`",
                    store.team, at.workspace.name, at.group, at.sink.dataset, at.sink.datastore
                ),
            );
        }
    }
}
