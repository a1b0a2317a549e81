//! Diagnostic: assigned-group-without-requirements
//!
//! A platform delivers what a dataset group requires: milestoning, latency,
//! retention. An assigned group must say.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "assigned-group-without-requirements",
        Severity::Error,
        "A dataset group is assigned to a platform but states no requirements.",
        "Add `requirements: {milestoning, latency, ...}` to the group, so the platform knows what to deliver.",
    )
    .with_example(
        &[(
        "                requirements: {milestoning: LIVE_ONLY, latency: MINUTES}\n",
        "",
    )],
        "model.yaml:100:15: error[assigned-group-without-requirements]: dataset group `Dashboard.Live` is assigned (assignment 0) but states no requirements
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live
  help: add `requirements: {milestoning: ..., latency: ...}` to the group (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (i, a) in cx.eco.assignments.iter().enumerate() {
        let Some(ws) = cx.index.workspace(&a.workspace) else {
            continue;
        };
        if ws.item.transformer.is_some() {
            continue;
        }
        if ws
            .item
            .dataset_groups
            .get(&a.dataset_group)
            .is_some_and(|g| g.requirements.is_none())
        {
            out.report(
                ws.path("workspaces")
                    .keys(["datasetGroups", a.dataset_group.as_str()]),
                format!(
                    "dataset group `{}.{}` is assigned (assignment {i}) but states no requirements",
                    a.workspace, a.dataset_group
                ),
                "add `requirements: {milestoning: ..., latency: ...}` to the group",
            );
        }
    }
}
