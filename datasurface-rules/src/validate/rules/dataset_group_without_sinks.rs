//! Diagnostic: dataset-group-without-sinks
//!
//! A dataset group asks for datasets; one that asks for none gives a platform
//! nothing to deliver.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "dataset-group-without-sinks",
        Severity::Error,
        "A dataset group has no sinks.",
        "Add the datasets the group needs under `sinks`, or remove the group.",
    )
    .with_example(
        &[(
        "              Input:\n                sinks:\n                  - {datastore: Orders, dataset: orders}\n",
        "              Input: {}\n",
    )],
        "model.yaml:82:15: error[dataset-group-without-sinks]: dataset group `Totals.Input` has no sinks
  at: /zones/USA/teams/Reporting/workspaces/Totals/datasetGroups/Input
  help: add the datasets it needs under `sinks`, or remove the group (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for placed in cx.index.workspaces.values().flatten() {
        for (group, g) in &placed.item.dataset_groups {
            if g.sinks.is_empty() {
                out.report(
                    placed
                        .path("workspaces")
                        .keys(["datasetGroups", group.as_str()]),
                    format!("dataset group `{}.{group}` has no sinks", placed.name),
                    "add the datasets it needs under `sinks`, or remove the group",
                );
            }
        }
    }
}
