//! Diagnostic: deprecated-storage-policy
//!
//! A dataset should not start following a storage policy that its zone is
//! retiring. Datasets that are themselves deprecated may keep it: they are on
//! their way out too, so they get a warning instead of an error.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "deprecated-storage-policy",
        Severity::Error,
        "A dataset follows a deprecated storage policy.",
        "Move the dataset to a current storage policy of its zone. A deprecated dataset (or one in a \
                  deprecated datastore) only gets a warning.",
    )
    .with_example(
        &[
        (
            "    classificationPolicies:\n      No MNPI:",
            "    storagePolicies:\n      Old Storage: {deprecation: {status: DEPRECATED, reason: use New Storage}}\n    classificationPolicies:\n      No MNPI:",
        ),
        (
            "              orders:\n                classifications: [PUB]\n",
            "              orders:\n                classifications: [PUB]\n                storagePolicies: [Old Storage]\n",
        ),
    ],
        "model.yaml:49:35: error[deprecated-storage-policy]: storage policy `Old Storage` of zone `USA` is deprecated: use New Storage
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/storagePolicies/0
  help: follow a current storage policy of the zone instead (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.datasets() {
        let Some(zone) = cx.zone(at.store.zone) else {
            continue;
        };
        for (i, name) in at.dataset.storage_policies.iter().enumerate() {
            let Some(policy) = zone.storage_policies.get(name) else {
                continue;
            };
            if !policy.deprecation.is_deprecated() {
                continue;
            }
            let retiring = at.store.item.is_dataset_deprecated(at.name);
            let severity = if retiring {
                Severity::Warning
            } else {
                Severity::Error
            };
            let reason = policy
                .deprecation
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            out.report_as(
                severity,
                at.path().key("storagePolicies").index(i),
                format!(
                    "storage policy `{name}` of zone `{}` is deprecated{reason}",
                    at.store.zone
                ),
                "follow a current storage policy of the zone instead",
            );
        }
    }
}
