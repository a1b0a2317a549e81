//! Diagnostic: vendor-policy-violation
//!
//! A zone's vendor policies say which infrastructure vendors may hold its
//! data; every container that holds it (see `location-policy-violation`) must
//! be run by an allowed vendor. Locations that do not resolve are reported
//! by `unknown-location` only, and unsound policies by `policy-overlap` only.

use super::container_policies::holdings;
use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "vendor-policy-violation",
        Severity::Error,
        "A container holding a zone's data is run by a vendor that a vendor policy of that zone does not allow.",
        "Use a container of an allowed vendor, or ask the zone's owners to change the policy.",
    )
    .with_example(
        &[(
        "    classificationPolicies:\n      No MNPI:",
        "    vendorPolicies:\n      No AWS: {denied: [AWS]}\n    classificationPolicies:\n      No MNPI:",
    )],
        "model.yaml:98:13: error[vendor-policy-violation]: container `Warehouse` is run by `AWS`, which vendor policy `No AWS` of zone `USA` does not allow (workspace `Dashboard` uses it)
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/container
  help: use a container of an allowed vendor, or ask the zone's owners to change the policy (in github:acme/reporting@main)
model.yaml:81:13: error[vendor-policy-violation]: container `Warehouse` is run by `AWS`, which vendor policy `No AWS` of zone `USA` does not allow (workspace `Totals` uses it)
  at: /zones/USA/teams/Reporting/workspaces/Totals/container
  help: use a container of an allowed vendor, or ask the zone's owners to change the policy (in github:acme/reporting@main)
model.yaml:41:17: error[vendor-policy-violation]: container `Sales DB` is run by `AWS`, which vendor policy `No AWS` of zone `USA` does not allow (datastore `Orders` is captured from it)
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/container
  help: use a container of an allowed vendor, or ask the zone's owners to change the policy (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for h in holdings(cx) {
        let Some(zone) = cx.zone(h.zone) else {
            continue;
        };
        for (policy, p) in zone.vendor_policies.iter().filter(|(_, p)| p.is_sound()) {
            let vendors = h.known_vendors(cx);
            for vendor in vendors {
                if !p.permits(vendor) {
                    out.report(
                        h.path(),
                        format!("container `{}` is run by `{vendor}`, which vendor policy `{policy}` of zone `{}` does not allow ({})", h.name, h.zone, h.why()),
                        "use a container of an allowed vendor, or ask the zone's owners to change the policy",
                    );
                }
            }
        }
    }
}
