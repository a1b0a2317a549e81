//! Diagnostic: duplicate-datastore
//!
//! Datastore names are unique across the whole ecosystem, not only within a
//! team: workspaces name the datastores they read without a team.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "duplicate-datastore",
    severity: Severity::Error,
    summary: "Two teams define a datastore of the same name.",
    explanation: "Datastore names are unique across the ecosystem. Rename one of them; if both teams mean the same \
                  datastore, keep it in one team.",
    example: &[(
        "        datastores:\n          Customer_Totals:",
        "        datastores:\n          Orders:\n            capture:\n              ingestion: {container: Warehouse, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}\n            datasets:\n              copy:\n                classifications: [PUB]\n                schema: {columns: {id: {type: Integer, nullable: false}}, primaryKey: [id]}\n          Customer_Totals:",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    for (name, placed) in &cx.index.datastores {
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
                this.path("datastores"),
                format!(
                    "datastore `{name}` is also defined in {}",
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
