//! Diagnostic: workspace-without-container
//!
//! Data is delivered into a workspace's container; without one, the
//! workspace's dataset groups can only be declared, never met, and no
//! platform delivers anything to it (a warning). A transformer runs in its
//! workspace's container, so a transformer workspace without one is an error.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "workspace-without-container",
        Severity::Warning,
        "A workspace has no data container, so no platform can deliver to it.",
        "Give the workspace a `container` (use a `platformManaged` container to let the platform choose).",
    )
    .with_example(
        &[(
        "          Dashboard:\n            container: Warehouse\n",
        "          Dashboard:\n",
    )],
        "model.yaml:95:11: warning[workspace-without-container]: workspace `Dashboard` has no data container, so nothing can be delivered to it
  at: /zones/USA/teams/Reporting/workspaces/Dashboard
  help: add `container:`; a `platformManaged` container lets the platform choose (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for ws in cx.index.workspaces.values().flatten() {
        if ws.item.container.is_none() && ws.item.transformer.is_some() {
            out.report_as(
                Severity::Error,
                ws.path("workspaces").clone(),
                format!(
                    "transformer workspace `{}` has no data container, so its transformer cannot run: its inputs are delivered into the container and it runs there",
                    ws.name
                ),
                "add `container:`; a `platformManaged` container lets the platform choose",
            );
        } else if ws.item.container.is_none() {
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
    use super::super::{BASE_MODEL, testing::report_for};
    use crate::validate::Severity;

    /// A transformer cannot run without a container: an error, not a warning.
    #[test]
    fn a_transformer_workspace_without_a_container_is_an_error() {
        let text = BASE_MODEL.replacen(
            "          Totals:\n            container: Warehouse\n",
            "          Totals:\n",
            1,
        );
        let report = report_for(&text);
        let finding = &report.diagnostics()[0];
        assert_eq!(report.codes(), ["workspace-without-container"], "{report}");
        assert_eq!(finding.severity, Severity::Error);
        assert!(finding.message.contains("cannot run"), "{finding}");
    }
}
