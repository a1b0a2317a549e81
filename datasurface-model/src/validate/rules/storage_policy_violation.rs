//! Diagnostic: storage-policy-violation
//!
//! A storage policy says which data containers may hold a dataset's data. It
//! binds the datasets that name it, and every dataset of its zone when it is
//! `MANDATED_WITHIN_ZONE`. The container that holds a datastore's data is its
//! ingestion container, or for a transformer's output the transformer
//! workspace's container. (The reference implementation never enforced these
//! policies.)

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "storage-policy-violation",
    severity: Severity::Error,
    summary: "A dataset's data is held in a container that a storage policy binding it does not allow.",
    explanation: "Capture the datastore into a container the policy allows, or ask the zone's owners to allow this one.",
    example: &[(
        "    classificationPolicies:\n      No MNPI:",
        "    storagePolicies:\n      Warehouse only: {mandate: MANDATED_WITHIN_ZONE, containers: {allowed: [Warehouse]}}\n    classificationPolicies:\n      No MNPI:",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    for at in cx.datasets() {
        let Some(zone) = cx.zone(at.store.zone) else {
            continue;
        };
        let Some(container) = cx.capture_container(at.store.item) else {
            continue;
        };
        for (name, policy) in &zone.storage_policies {
            let binds = policy.mandate == crate::PolicyMandate::MandatedWithinZone
                || at.dataset.storage_policies.contains(name);
            if binds && !policy.containers.permits(container) {
                out.report(
                    at.path(),
                    format!(
                        "dataset `{}.{}` is held in container `{container}`, which storage policy `{name}` of zone `{}` does not allow",
                        at.store.name, at.name, at.store.zone
                    ),
                    "capture the datastore into a container the policy allows",
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
