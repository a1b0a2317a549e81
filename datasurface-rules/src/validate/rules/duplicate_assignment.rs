//! Diagnostic: duplicate-assignment
//!
//! Each dataset group has one assignment entry, listing each platform once
//! with its lifecycle status.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "duplicate-assignment",
        Severity::Error,
        "A dataset group is assigned twice, or to the same platform twice.",
        "Keep one assignment entry per dataset group, listing each platform once.",
    )
    .with_example(
        &[(
        "  - workspace: Dashboard\n",
        "  - workspace: Dashboard\n    datasetGroup: Live\n    platforms: [{platform: Batch, status: PROVISIONED}]\n  - workspace: Dashboard\n",
    )],
        "model.yaml:112:5: error[duplicate-assignment]: dataset group `Dashboard.Live` is assigned again
  at: /assignments/1
  help: merge the entries: one entry per dataset group, with all its platforms (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for positions in cx.index.assignments.values() {
        for &i in positions.iter().skip(1) {
            let a = &cx.eco.assignments[i];
            out.report(
                ModelPath::root().key("assignments").index(i),
                format!(
                    "dataset group `{}.{}` is assigned again",
                    a.workspace, a.dataset_group
                ),
                "merge the entries: one entry per dataset group, with all its platforms",
            );
        }
    }
    for (i, a) in cx.eco.assignments.iter().enumerate() {
        let mut seen = std::collections::BTreeSet::new();
        for (j, p) in a.platforms.iter().enumerate() {
            if !seen.insert(&p.platform) {
                out.report(
                    ModelPath::root()
                        .key("assignments")
                        .index(i)
                        .key("platforms")
                        .index(j),
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
