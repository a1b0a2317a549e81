//! Diagnostic: duplicate-assignment
//!
//! Each dataset group has one assignment entry, listing each platform once
//! with its lifecycle status.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "duplicate-assignment",
    severity: Severity::Error,
    summary: "A dataset group is assigned twice, or to the same platform twice.",
    explanation: "Keep one assignment entry per dataset group, listing each platform once.",
    example: &[(
        "  - workspace: Dashboard\n",
        "  - workspace: Dashboard\n    datasetGroup: Live\n    platforms: [{platform: Batch, status: PROVISIONED}]\n  - workspace: Dashboard\n",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    let assignments = &cx.eco.assignments;
    for (i, a) in assignments.iter().enumerate() {
        let path = ModelPath::root().key("assignments").index(i);
        if assignments[..i]
            .iter()
            .any(|b| b.workspace == a.workspace && b.dataset_group == a.dataset_group)
        {
            out.report(
                path.clone(),
                format!(
                    "dataset group `{}.{}` is assigned again",
                    a.workspace, a.dataset_group
                ),
                "merge the entries: one entry per dataset group, with all its platforms",
            );
        }
        for (j, p) in a.platforms.iter().enumerate() {
            if a.platforms[..j].iter().any(|q| q.platform == p.platform) {
                out.report(
                    path.key("platforms").index(j),
                    format!(
                        "platform `{}` is listed twice for `{}.{}`",
                        p.platform, a.workspace, a.dataset_group
                    ),
                    "list each platform once, with its current status",
                );
            }
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
