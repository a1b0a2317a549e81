//! Diagnostic: transformer-group-requirements
//!
//! Transformers inherit their platforms and requirements from the consumers
//! of their output; their own dataset groups state none.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "transformer-group-requirements",
        Severity::Error,
        "A dataset group of a transformer's workspace states platform requirements.",
        "A transformer runs on whichever platforms deliver its output to consumers, and inherits their requirements. Remove `requirements` from the group.",
    )
    .with_example(
        &[(
        "              Input:\n                sinks:\n                  - {datastore: Orders, dataset: orders}\n",
        "              Input:\n                sinks:\n                  - {datastore: Orders, dataset: orders}\n                requirements: {milestoning: FORENSIC, latency: HOURS}\n",
    )],
        "model.yaml:85:17: error[transformer-group-requirements]: dataset group `Totals.Input` feeds a transformer, which inherits its consumers' requirements
  at: /zones/USA/teams/Reporting/workspaces/Totals/datasetGroups/Input/requirements
  help: remove `requirements` from the group (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for ws in cx.index.workspaces.values().flatten() {
        if ws.item.transformer.is_none() {
            continue;
        }
        for (group, g) in &ws.item.dataset_groups {
            if g.requirements.is_some() {
                out.report(
                    ws.path("workspaces").keys(["datasetGroups", group.as_str(), "requirements"]),
                    format!("dataset group `{}.{group}` feeds a transformer, which inherits its consumers' requirements", ws.name),
                    "remove `requirements` from the group",
                );
            }
        }
    }
}
