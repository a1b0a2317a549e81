//! Diagnostic: classification-verifier-violation
//!
//! A workspace may state which classifications it accepts; every dataset it
//! reads must carry only those.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "classification-verifier-violation",
        Severity::Error,
        "A workspace receives data of a classification that its own classification verifier refuses.",
        "Remove the sink, read a dataset with acceptable data, or widen the workspace's `classificationVerifier`.",
    )
    .with_example(
        &[(
        "            priority: HIGH\n",
        "            priority: HIGH\n            classificationVerifier: {denied: [\"PC1:name\"]}\n",
    )],
        "model.yaml:104:21: error[classification-verifier-violation]: `Orders.customers` holds PC1:name data, which workspace `Dashboard` refuses
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/1
  help: remove the sink, or widen the workspace's `classificationVerifier` (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.sinks() {
        let Some(verifier) = &at.workspace.item.classification_verifier else {
            continue;
        };
        let Some((_, dataset)) = cx.sink_dataset(at.sink) else {
            continue;
        };
        for classification in dataset.effective_classifications() {
            if verifier.is_sound() && !verifier.permits(classification) {
                out.report(
                    at.path(),
                    format!(
                        "`{}.{}` holds {classification} data, which workspace `{}` refuses",
                        at.sink.datastore, at.sink.dataset, at.workspace.name
                    ),
                    "remove the sink, or widen the workspace's `classificationVerifier`",
                );
            }
        }
    }
}
