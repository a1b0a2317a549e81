//! Diagnostic: policy-overlap
//!
//! An allow/deny policy that both allows and denies a value contradicts
//! itself. The deny list wins, but the author meant something else.

use std::fmt::Display;

use super::prelude::*;
use datasurface_core::AllowDenyPolicy;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "policy-overlap",
        Severity::Error,
        "A policy both allows and denies the same value.",
        "Remove the value from one of the two lists of the policy.",
    )
    .with_example(
        &[(
            "EU only: {allowed: [\"AWS:EU/eu-west-1\"]}",
            "EU only: {allowed: [\"AWS:EU/eu-west-1\"], denied: [\"AWS:EU/eu-west-1\"]}",
        )],
        "model.yaml:107:57: error[policy-overlap]: `AWS:EU/eu-west-1` is both allowed and denied
  at: /zones/EU/locationPolicies/EU only/denied/0
  help: remove it from `allowed` or from `denied` (in github:acme/eu@main)",
    ),
    check,
};

fn overlap<T: PartialEq + Display>(
    out: &mut Findings,
    path: &ModelPath,
    policy: &AllowDenyPolicy<T>,
) {
    for (i, value) in policy.denied.iter().enumerate() {
        if policy.allowed.contains(value) {
            out.report(
                path.key("denied").index(i),
                format!("`{value}` is both allowed and denied"),
                "remove it from `allowed` or from `denied`",
            );
        }
    }
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (zone, z) in &cx.eco.zones {
        let base = ModelPath::zone(zone);
        for (name, p) in &z.classification_policies {
            overlap(
                out,
                &base.keys(["classificationPolicies", name.as_str()]),
                p,
            );
        }
        for (name, p) in &z.vendor_policies {
            overlap(out, &base.keys(["vendorPolicies", name.as_str()]), p);
        }
        for (name, p) in &z.location_policies {
            overlap(out, &base.keys(["locationPolicies", name.as_str()]), p);
        }
        for (name, p) in &z.platform_policies {
            overlap(out, &base.keys(["platformPolicies", name.as_str()]), p);
        }
        for (name, p) in &z.storage_policies {
            overlap(
                out,
                &base.keys(["storagePolicies", name.as_str(), "containers"]),
                &p.containers,
            );
        }
        for (name, p) in &z.hard_vendor_policies {
            let path = base.keys(["hardVendorPolicies", name.as_str()]);
            for (i, value) in p.denied.iter().enumerate() {
                if p.allowed.contains(value) {
                    out.report(
                        path.key("denied").index(i),
                        format!("`{value}` is both allowed and denied"),
                        "remove it from `allowed` or from `denied`",
                    );
                }
            }
        }
    }
    for placed in cx.index.workspaces.values().flatten() {
        if let Some(verifier) = &placed.item.classification_verifier {
            overlap(
                out,
                &placed.path("workspaces").key("classificationVerifier"),
                verifier,
            );
        }
    }
}
