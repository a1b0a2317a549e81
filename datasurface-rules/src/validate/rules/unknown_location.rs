//! Diagnostic: unknown-location
//!
//! Every location a container, a platform or a location policy names must
//! exist in the ecosystem's vendors: `Vendor:Region/Zone` is a path down the
//! vendor's tree of locations.

use super::prelude::*;
use datasurface_core::LocationRef;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-location",
        Severity::Error,
        "A location names a vendor or a location that the ecosystem does not declare.",
        "Locations are written `Vendor:Location/Child` and resolve against the `vendors` of the Ecosystem document. \
                  Fix the spelling, or ask the ecosystem's owners to add the location.",
    )
    .with_example(
        &[(
        "database: sales}}\n            locations: [AWS:USA/us-east-1]",
        "database: sales}}\n            locations: [AWS:USA/us-east-9]",
    )],
        "model.yaml:33:25: error[unknown-location]: unknown location `AWS:USA/us-east-9`: `AWS:USA` has no location `us-east-9`
  at: /zones/USA/teams/Sales/containers/Sales DB/locations/0
  help: did you mean `us-east-1`? (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let eco = cx.eco;
    let mut check_one = |path: ModelPath, location: &LocationRef| {
        if let Some(problem) = problem(cx, location) {
            out.report(
                path,
                format!("unknown location `{location}`: {}", problem.0),
                problem.1,
            );
        }
    };
    for (name, platform) in &eco.platforms {
        for (i, location) in platform.locations.iter().enumerate() {
            check_one(
                ModelPath::root()
                    .keys(["platforms", name.as_str(), "locations"])
                    .index(i),
                location,
            );
        }
    }
    for (zone, z) in &eco.zones {
        for (policy, p) in &z.location_policies {
            let base = ModelPath::zone(zone).keys(["locationPolicies", policy.as_str()]);
            for (list, values) in [("allowed", &p.allowed), ("denied", &p.denied)] {
                for (i, location) in values.iter().enumerate() {
                    check_one(base.key(list).index(i), location);
                }
            }
        }
    }
    for placed in cx.index.containers.values().flatten() {
        for (i, location) in placed.item.locations.iter().enumerate() {
            check_one(
                placed.path("containers").key("locations").index(i),
                location,
            );
        }
    }
}

/// What is wrong with a location reference, and the help; `None` if it exists.
fn problem(cx: &Context<'_>, location: &LocationRef) -> Option<(String, String)> {
    let eco = cx.eco;
    let Some(vendor) = eco.vendors.get(&location.vendor) else {
        let vendors: Vec<&str> = eco
            .vendors
            .keys()
            .map(datasurface_core::names::VendorName::as_str)
            .collect();
        return Some((
            format!("there is no vendor `{}`", location.vendor),
            suggest(&location.vendor, &vendors, "vendors"),
        ));
    };
    let mut children = &vendor.locations;
    let mut walked = location.vendor.to_string();
    for name in &location.path {
        let Some(next) = children.get(name) else {
            let names: Vec<&str> = children
                .keys()
                .map(datasurface_core::names::LocationName::as_str)
                .collect();
            return Some((
                format!("`{walked}` has no location `{name}`"),
                suggest(name, &names, "locations there"),
            ));
        };
        children = &next.locations;
        walked = format!(
            "{walked}{}{name}",
            if walked.contains(':') { "/" } else { ":" }
        );
    }
    None
}
