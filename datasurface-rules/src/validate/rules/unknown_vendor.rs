//! Diagnostic: unknown-vendor
//!
//! Vendor policies name the ecosystem's vendors.

use super::prelude::*;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-vendor",
        Severity::Error,
        "A vendor policy names a vendor that the ecosystem does not declare.",
        "Fix the vendor's name in the policy, or ask the ecosystem's owners to declare the vendor.",
    )
    .with_example(
        &[(
        "    classificationPolicies:\n      No MNPI:",
        "    vendorPolicies:\n      Approved: {allowed: [AWS, Azur]}\n    classificationPolicies:\n      No MNPI:",
    )],
        "model.yaml:24:33: error[unknown-vendor]: unknown vendor `Azur`
  at: /zones/USA/vendorPolicies/Approved/allowed/1
  help: vendors: `AWS` (in github:acme/usa@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let vendors: Vec<&str> = cx
        .eco
        .vendors
        .keys()
        .map(datasurface_core::names::VendorName::as_str)
        .collect();
    for (zone, z) in &cx.eco.zones {
        for (policy, p) in &z.vendor_policies {
            let base = ModelPath::zone(zone).keys(["vendorPolicies", policy.as_str()]);
            for (list, values) in [("allowed", &p.allowed), ("denied", &p.denied)] {
                for (i, vendor) in values.iter().enumerate() {
                    if !cx.eco.vendors.contains_key(vendor) {
                        out.report(
                            base.key(list).index(i),
                            format!("unknown vendor `{vendor}`"),
                            suggest(vendor, &vendors, "vendors"),
                        );
                    }
                }
            }
        }
    }
}
