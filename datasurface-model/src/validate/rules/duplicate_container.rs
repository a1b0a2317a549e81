//! Diagnostic: duplicate-container
//!
//! Data container names are unique across the whole ecosystem, not only within a
//! team: datastores and workspaces name the containers they use without a team.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "duplicate-container",
    severity: Severity::Error,
    summary: "Two teams define a data container of the same name.",
    explanation: "Data container names are unique across the ecosystem. Rename one of them; if both teams mean the same \
                  data container, keep it in one team.",
    example: &[(
        "          Sales DB:\n",
        "          Warehouse:\n            kind: {database: {engine: POSTGRES, database: warehouse}}\n            locations: [AWS:USA/us-east-1]\n          Sales DB:\n",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    for (name, placed) in &cx.index.containers {
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
                this.path("containers"),
                format!(
                    "data container `{name}` is also defined in {}",
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
