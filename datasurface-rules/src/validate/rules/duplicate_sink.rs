//! Diagnostic: duplicate-sink
//!
//! A dataset group lists each dataset once.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "duplicate-sink",
    severity: Severity::Error,
    summary: "A dataset group lists the same dataset twice.",
    explanation: "Remove the repeated sink.",
    example: &[(
        "                  - {datastore: Orders, dataset: orders}\n",
        "                  - {datastore: Orders, dataset: orders}\n                  - {datastore: Orders, dataset: orders, deprecationsAllowed: ALLOWED}\n",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for ws in cx.index.workspaces.values().flatten() {
        for (group, g) in &ws.item.dataset_groups {
            let mut seen = std::collections::BTreeSet::new();
            for (i, sink) in g.sinks.iter().enumerate() {
                if !seen.insert((&sink.datastore, &sink.dataset)) {
                    out.report(
                        ws.path("workspaces")
                            .keys(["datasetGroups", group.as_str(), "sinks"])
                            .index(i),
                        format!(
                            "dataset group `{}.{group}` lists `{}.{}` twice",
                            ws.name, sink.datastore, sink.dataset
                        ),
                        "remove the repeated sink",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE), @r"
        model.yaml:85:21: error[duplicate-sink]: dataset group `Totals.Input` lists `Orders.orders` twice
          at: /zones/USA/teams/Reporting/workspaces/Totals/datasetGroups/Input/sinks/1
          help: remove the repeated sink (in github:acme/reporting@main)
        ");
    }
}
