//! Diagnostic: assigned-group-without-requirements
//!
//! A platform delivers what a dataset group requires: milestoning, latency,
//! retention. An assigned group must say.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "assigned-group-without-requirements",
    severity: Severity::Error,
    summary: "A dataset group is assigned to a platform but states no requirements.",
    explanation: "Add `requirements: {milestoning, latency, ...}` to the group, so the platform knows what to deliver.",
    example: &[(
        "                requirements: {milestoning: LIVE_ONLY, latency: MINUTES}\n",
        "",
    )],
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

#[cfg(test)]
mod tests {
    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE), @r"
        model.yaml:100:15: error[assigned-group-without-requirements]: dataset group `Dashboard.Live` is assigned (assignment 0) but states no requirements
          at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live
          help: add `requirements: {milestoning: ..., latency: ...}` to the group (in github:acme/reporting@main)
        ");
    }
}
