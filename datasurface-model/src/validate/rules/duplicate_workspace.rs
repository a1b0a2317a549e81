//! Diagnostic: duplicate-workspace
//!
//! Workspace names are unique across the whole ecosystem, not only within a
//! team: assignments and transformer outputs name workspaces without a team.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "duplicate-workspace",
    severity: Severity::Error,
    summary: "Two teams define a workspace of the same name.",
    explanation: "Workspace names are unique across the ecosystem. Rename one of them; if both teams mean the same \
                  workspace, keep it in one team.",
    example: &[(
        "        datastores:\n          Orders:",
        "        workspaces:\n          Dashboard:\n            container: Sales DB\n            productionStatus: PRODUCTION\n            datasetGroups: {Live: {sinks: [{datastore: Orders, dataset: orders}], requirements: {milestoning: LIVE_ONLY, latency: MINUTES}}}\n        datastores:\n          Orders:",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    for (name, placed) in &cx.index.workspaces {
        if placed.len() < 2 {
            continue;
        }
        // Every definition is reported, naming the others, so the result does not depend on order.
        for (i, this) in placed.iter().enumerate() {
            let others: Vec<String> = placed
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| format!("team `{}` of zone `{}`", o.team, o.zone))
                .collect();
            out.report(
                this.path("workspaces"),
                format!(
                    "workspace `{name}` is also defined in {}",
                    others.join(", ")
                ),
                "rename one of them; names are unique across the ecosystem",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE));
    }
}
