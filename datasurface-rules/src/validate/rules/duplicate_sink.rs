//! Diagnostic: duplicate-sink
//!
//! A dataset group lists each dataset once.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "duplicate-sink",
        Severity::Error,
        "A dataset group lists the same dataset twice.",
        "Remove the repeated sink.",
    )
    .with_example(
        &[(
        "                  - {datastore: Orders, dataset: orders}\n",
        "                  - {datastore: Orders, dataset: orders}\n                  - {datastore: Orders, dataset: orders, deprecationsAllowed: ALLOWED}\n",
    )],
        "model.yaml:85:21: error[duplicate-sink]: dataset group `Totals.Input` lists `Orders.orders` twice
  at: /zones/USA/teams/Reporting/workspaces/Totals/datasetGroups/Input/sinks/1
  help: remove the repeated sink (in github:acme/reporting@main)",
    ),
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
