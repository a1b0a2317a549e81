//! Diagnostic: workspace-without-container
//!
//! Data is delivered into a workspace's container; without one, the
//! workspace's dataset groups can only be declared, never met.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "workspace-without-container",
    severity: Severity::Warning,
    summary: "A workspace has no data container, so no platform can deliver to it.",
    explanation: "Give the workspace a `container` (use a `platformManaged` container to let the platform choose).",
    example: &[(
        "          Dashboard:\n            container: Warehouse\n",
        "          Dashboard:\n",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    for ws in cx.index.workspaces.values().flatten() {
        if ws.item.container.is_none() {
            out.report(
                ws.path("workspaces").clone(),
                format!(
                    "workspace `{}` has no data container, so nothing can be delivered to it",
                    ws.name
                ),
                "add `container:`; a `platformManaged` container lets the platform choose",
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
