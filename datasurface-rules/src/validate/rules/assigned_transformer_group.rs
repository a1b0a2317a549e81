//! Diagnostic: assigned-transformer-group
//!
//! Transformers follow the platforms of their consumers: assigning their own
//! dataset groups would run them twice, or where nobody needs them.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "assigned-transformer-group",
        Severity::Error,
        "A dataset group of a transformer's workspace is assigned to a platform.",
        "Transformers run where their output is consumed; assign the consumers' dataset groups instead.",
    )
    .with_example(
        &[(
        "  - workspace: Dashboard\n    datasetGroup: Live\n",
        "  - workspace: Totals\n    datasetGroup: Input\n",
    )],
        "model.yaml:109:5: error[assigned-transformer-group]: `Totals.Input` feeds a transformer, which follows its consumers' platforms
  at: /assignments/0
  help: remove the assignment; assign the dataset groups that consume the transformer's output (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (i, a) in cx.eco.assignments.iter().enumerate() {
        if cx
            .index
            .workspace(&a.workspace)
            .is_some_and(|ws| ws.item.transformer.is_some())
        {
            out.report(
                ModelPath::root().key("assignments").index(i),
                format!("`{}.{}` feeds a transformer, which follows its consumers' platforms", a.workspace, a.dataset_group),
                "remove the assignment; assign the dataset groups that consume the transformer's output",
            );
        }
    }
}
