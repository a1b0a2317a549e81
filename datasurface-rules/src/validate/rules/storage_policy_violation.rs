//! Diagnostic: storage-policy-violation
//!
//! A storage policy says which data containers may hold a dataset's data. It
//! binds the datasets that name it, and every dataset of its zone when it is
//! `MANDATED_WITHIN_ZONE`. A dataset's data is held where it is captured (its
//! datastore's ingestion container, or for a transformer's output the
//! transformer workspace's container) and in every consumer's container it is
//! exported to, in whichever zone the consumer is. (The reference
//! implementation never enforced these policies.)

use super::prelude::*;
use datasurface_core::names::{ContainerName, PolicyName, ZoneName};
use datasurface_core::{Dataset, PolicyMandate};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "storage-policy-violation",
        Severity::Error,
        "A dataset's data is held in a container that a storage policy binding it does not allow.",
        "Capture the datastore into a container the policy allows, or ask the zone's owners to allow this one.",
    )
    .with_example(
        &[(
        "    classificationPolicies:\n      No MNPI:",
        "    storagePolicies:\n      Warehouse only: {mandate: MANDATED_WITHIN_ZONE, containers: {allowed: [Warehouse]}}\n    classificationPolicies:\n      No MNPI:",
    )],
        "model.yaml:55:15: error[storage-policy-violation]: dataset `Orders.customers` is held in container `Sales DB`, which storage policy `Warehouse only` of zone `USA` does not allow
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/customers
  help: capture the datastore into a container the policy allows (in github:acme/sales@main)
model.yaml:47:15: error[storage-policy-violation]: dataset `Orders.orders` is held in container `Sales DB`, which storage policy `Warehouse only` of zone `USA` does not allow
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders
  help: capture the datastore into a container the policy allows (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    // Where each dataset is captured.
    for at in cx.datasets() {
        let Some(container) = cx.capture_container(at.store.item) else {
            continue;
        };
        for (name, zone) in violated(cx, at.store.zone, at.dataset, container) {
            out.report(
                at.path(),
                format!(
                    "dataset `{}.{}` is held in container `{container}`, which storage policy `{name}` of zone `{zone}` does not allow",
                    at.store.name, at.name
                ),
                "capture the datastore into a container the policy allows",
            );
        }
    }
    // Every consumer container it is exported to.
    for at in cx.sinks() {
        let (Some(container), Some((store, dataset))) =
            (&at.workspace.item.container, cx.sink_dataset(at.sink))
        else {
            continue;
        };
        for (name, zone) in violated(cx, store.zone, dataset, container) {
            out.report(
                at.path(),
                format!(
                    "workspace `{}` receives `{}.{}` in container `{container}`, which storage policy `{name}` of zone `{zone}` does not allow",
                    at.workspace.name, at.sink.datastore, at.sink.dataset
                ),
                "receive the dataset in a container the policy allows, or ask the zone's owners to allow this one",
            );
        }
    }
}

/// The storage policies binding a dataset of a zone that a container does not
/// meet. A policy that both allows and denies a container is reported by
/// `policy-overlap` and not enforced.
fn violated<'a>(
    cx: &Context<'a>,
    zone: &'a ZoneName,
    dataset: &Dataset,
    container: &ContainerName,
) -> Vec<(&'a PolicyName, &'a ZoneName)> {
    let Some(z) = cx.zone(zone) else {
        return Vec::new();
    };
    z.storage_policies
        .iter()
        .filter(|(name, policy)| {
            let binds = policy.mandate == PolicyMandate::MandatedWithinZone
                || dataset.storage_policies.contains(name);
            binds && policy.containers.is_sound() && !policy.containers.permits(container)
        })
        .map(|(name, _)| (name, zone))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::{BASE_MODEL, testing::report_for};

    /// Every container a dataset is exported to is held to the policy, not
    /// only the one it is captured into.
    #[test]
    fn consumer_containers_are_held_to_the_policy() {
        let text = BASE_MODEL.replacen(
            "    classificationPolicies:\n      No MNPI:",
            "    storagePolicies:\n      Sales DB only: {mandate: MANDATED_WITHIN_ZONE, containers: {allowed: [Sales DB]}}\n    classificationPolicies:\n      No MNPI:",
            1,
        );
        let report = report_for(&text);
        let found: Vec<String> = report
            .diagnostics()
            .iter()
            .map(|d| format!("{} {}", d.path, d.message))
            .collect();
        assert_eq!(
            found,
            [
                "/zones/USA/teams/Reporting/datastores/Customer_Totals/datasets/totals dataset `Customer_Totals.totals` is held in container `Warehouse`, which storage policy `Sales DB only` of zone `USA` does not allow",
                "/zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/0 workspace `Dashboard` receives `Customer_Totals.totals` in container `Warehouse`, which storage policy `Sales DB only` of zone `USA` does not allow",
                "/zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/1 workspace `Dashboard` receives `Orders.customers` in container `Warehouse`, which storage policy `Sales DB only` of zone `USA` does not allow",
                "/zones/USA/teams/Reporting/workspaces/Totals/datasetGroups/Input/sinks/0 workspace `Totals` receives `Orders.orders` in container `Warehouse`, which storage policy `Sales DB only` of zone `USA` does not allow",
            ]
        );
    }
}
