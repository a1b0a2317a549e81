//! Diagnostic: unknown-storage-policy
//!
//! A dataset follows storage policies of the zone that owns its datastore,
//! by name. A policy of another zone, or a misspelled one, governs nothing.

use super::prelude::*;
use datasurface_core::names::PolicyName;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-storage-policy",
        Severity::Error,
        "A dataset names a storage policy that its zone does not define.",
        "Datasets are governed by the storage policies of their own zone. Fix the name, or ask the zone's \
                  owners to define the policy.",
    )
    .with_example(
        &[(
        "              orders:\n                classifications: [PUB]\n",
        "              orders:\n                classifications: [PUB]\n                storagePolicies: [Nope]\n",
    )],
        "model.yaml:47:35: error[unknown-storage-policy]: zone `USA` has no storage policy `Nope`
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/storagePolicies/0
  help: there are no storage policies in zone `USA` (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.datasets() {
        let Some(zone) = cx.zone(at.store.zone) else {
            continue;
        };
        let known: Vec<&str> = zone
            .storage_policies
            .keys()
            .map(PolicyName::as_str)
            .collect();
        for (i, policy) in at.dataset.storage_policies.iter().enumerate() {
            if !zone.storage_policies.contains_key(policy) {
                out.report(
                    at.path().key("storagePolicies").index(i),
                    format!("zone `{}` has no storage policy `{policy}`", at.store.zone),
                    suggest(
                        policy,
                        &known,
                        &format!("storage policies in zone `{}`", at.store.zone),
                    ),
                );
            }
        }
    }
}
