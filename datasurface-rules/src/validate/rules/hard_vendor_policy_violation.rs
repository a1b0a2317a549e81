//! Diagnostic: hard-vendor-policy-violation
//!
//! A zone's hard-vendor policies say which cloud vendors (AWS, Azure, a
//! private data centre, …) may hold its data. Every container that holds it
//! (see `location-policy-violation`) must be at a vendor whose hard cloud
//! vendor is allowed; a vendor that does not say which it is cannot comply.

use super::container_policies::holdings;
use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "hard-vendor-policy-violation",
        Severity::Error,
        "A container holding a zone's data runs on a hard cloud vendor that a policy of that zone does not allow.",
        "Use a container on an allowed cloud, set the vendor's `hardCloudVendor`, or ask the zone's owners to \
                  change the policy.",
    )
    .with_example(
        &[(
        "    classificationPolicies:\n      No MNPI:",
        "    hardVendorPolicies:\n      Private only: {allowed: [PRIVATE]}\n    classificationPolicies:\n      No MNPI:",
    )],
        "model.yaml:98:13: error[hard-vendor-policy-violation]: container `Warehouse` runs on AWS, which policy `Private only` of zone `USA` does not allow (workspace `Dashboard` uses it)
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/container
  help: use a container on an allowed cloud, or ask the zone's owners to change the policy (in github:acme/reporting@main)
model.yaml:81:13: error[hard-vendor-policy-violation]: container `Warehouse` runs on AWS, which policy `Private only` of zone `USA` does not allow (workspace `Totals` uses it)
  at: /zones/USA/teams/Reporting/workspaces/Totals/container
  help: use a container on an allowed cloud, or ask the zone's owners to change the policy (in github:acme/reporting@main)
model.yaml:41:17: error[hard-vendor-policy-violation]: container `Sales DB` runs on AWS, which policy `Private only` of zone `USA` does not allow (datastore `Orders` is captured from it)
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/container
  help: use a container on an allowed cloud, or ask the zone's owners to change the policy (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for h in holdings(cx) {
        let Some(zone) = cx.zone(h.zone) else {
            continue;
        };
        for (policy, p) in zone
            .hard_vendor_policies
            .iter()
            .filter(|(_, p)| p.is_sound())
        {
            let vendors = h.known_vendors(cx);
            for vendor in vendors {
                let Some(v) = cx.eco.vendors.get(vendor) else {
                    continue;
                };
                match v.hard_cloud_vendor {
                    None => out.report(
                        h.path(),
                        format!("vendor `{vendor}` of container `{}` does not say which cloud it is, so it cannot meet policy `{policy}` of zone `{}` ({})", h.name, h.zone, h.why()),
                        "set the vendor's `hardCloudVendor` in the Ecosystem document",
                    ),
                    Some(hard) if !p.permits(&hard) => out.report(
                        h.path(),
                        format!("container `{}` runs on {hard}, which policy `{policy}` of zone `{}` does not allow ({})", h.name, h.zone, h.why()),
                        "use a container on an allowed cloud, or ask the zone's owners to change the policy",
                    ),
                    Some(_) => {}
                }
            }
        }
    }
}
