//! Diagnostic: classification-policy-violation
//!
//! A zone's classification policies say which kinds of data its workspaces
//! may receive. Every dataset a workspace of the zone reads must carry only
//! allowed classifications.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "classification-policy-violation",
        Severity::Error,
        "A workspace receives data of a classification that its zone's policies do not allow.",
        "Read a dataset with allowed data instead (for example a masked one made by a transformer), or ask the \
                  zone's owners to change the policy.",
    )
    .with_example(
        &[(
        "              orders:\n                classifications: [PUB]\n",
        "              orders:\n                classifications: [MNPI]\n",
    )],
        "model.yaml:84:21: error[classification-policy-violation]: `Orders.orders` holds MNPI data, which policy `No MNPI` of zone `USA` does not allow in its workspaces
  at: /zones/USA/teams/Reporting/workspaces/Totals/datasetGroups/Input/sinks/0
  help: read a dataset without this data (a masked one, say), or ask the zone's owners to change the policy (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.sinks() {
        let Some(zone) = cx.zone(at.workspace.zone) else {
            continue;
        };
        let Some((_, dataset)) = cx.sink_dataset(at.sink) else {
            continue;
        };
        for classification in dataset.effective_classifications() {
            for (policy, p) in &zone.classification_policies {
                if p.is_sound() && !p.permits(classification) {
                    out.report(
                        at.path(),
                        format!(
                            "`{}.{}` holds {classification} data, which policy `{policy}` of zone `{}` does not allow in its workspaces",
                            at.sink.datastore, at.sink.dataset, at.workspace.zone
                        ),
                        "read a dataset without this data (a masked one, say), or ask the zone's owners to change the policy",
                    );
                }
            }
        }
    }
}
