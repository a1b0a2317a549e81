//! Diagnostic: location-policy-violation
//!
//! A zone's location policies say where its data may be. Every container that
//! holds the zone's data — its datastores' ingestion containers, its
//! workspaces' containers, and the containers of other zones' workspaces that
//! read its datasets — must be in allowed locations only. A container with no
//! locations cannot show that it is.
//!
//! One mistake, one finding: a location that does not resolve is reported by
//! `unknown-location` and not checked here; a policy that names an unknown
//! location, or both allows and denies one, is reported by `unknown-location`
//! or `policy-overlap` and not enforced.

use super::container_policies::holdings;
use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "location-policy-violation",
        Severity::Error,
        "A container holding a zone's data is in a location that a location policy of that zone does not allow.",
        "Use a container in a location the zone allows, or ask the zone's owners to change the policy. \
                  Containers that the platform manages (`platformManaged`) are placed by the platform and not checked here.",
    )
    .with_example(
        &[
        (
            "          Warehouse:\n            kind: {database: {engine: POSTGRES, database: warehouse}}\n            locations: [AWS:USA/us-east-1]",
            "          Warehouse:\n            kind: {database: {engine: POSTGRES, database: warehouse}}\n            locations: [AWS:EU/eu-west-1]",
        ),
        (
            "    classificationPolicies:\n      No MNPI:",
            "    locationPolicies:\n      US only: {allowed: [\"AWS:USA/us-east-1\"]}\n    classificationPolicies:\n      No MNPI:",
        ),
    ],
        "model.yaml:98:13: error[location-policy-violation]: container `Warehouse` is in `AWS:EU/eu-west-1`, which location policy `US only` of zone `USA` does not allow (workspace `Dashboard` uses it)
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/container
  help: use a container in an allowed location, or ask the zone's owners to change the policy (in github:acme/reporting@main)
model.yaml:81:13: error[location-policy-violation]: container `Warehouse` is in `AWS:EU/eu-west-1`, which location policy `US only` of zone `USA` does not allow (workspace `Totals` uses it)
  at: /zones/USA/teams/Reporting/workspaces/Totals/container
  help: use a container in an allowed location, or ask the zone's owners to change the policy (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for h in holdings(cx) {
        let Some(zone) = cx.zone(h.zone) else {
            continue;
        };
        let policies = zone.location_policies.iter().filter(|(_, p)| {
            p.is_sound()
                && p.allowed
                    .iter()
                    .chain(&p.denied)
                    .all(|l| cx.location_exists(l))
        });
        for (policy, p) in policies {
            if h.container.locations.is_empty() && !p.allowed.is_empty() {
                out.report(
                    h.path(),
                    format!("container `{}` has no locations, so it cannot meet location policy `{policy}` of zone `{}` ({})", h.name, h.zone, h.why()),
                    "give the container its `locations`",
                );
            }
            for location in h.known_locations(cx) {
                if !p.permits(location) {
                    out.report(
                        h.path(),
                        format!("container `{}` is in `{location}`, which location policy `{policy}` of zone `{}` does not allow ({})", h.name, h.zone, h.why()),
                        "use a container in an allowed location, or ask the zone's owners to change the policy",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BASE_MODEL, testing::report_for};

    /// A USA workspace that reads EU data is held to the EU's location policy, not only its own zone's.
    #[test]
    fn readers_in_other_zones_are_held_to_the_producers_policy() {
        let eu_team = "  EU:\n    teamDeclarations:\n      Facts: {repository: {name: acme/facts, branch: main}}\n    teams:\n      Facts:\n        containers:\n          EU DB:\n            kind: {database: {engine: POSTGRES, database: facts}}\n            locations: [AWS:EU/eu-west-1]\n        datastores:\n          EU_Facts:\n            productionStatus: PRODUCTION\n            capture:\n              ingestion: {container: EU DB, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}\n            datasets:\n              facts:\n                classifications: [PUB]\n                schema: {columns: {id: {type: Integer, nullable: false}}, primaryKey: [id]}\n    locationPolicies:";
        let text = BASE_MODEL
            .replacen("  EU:\n    locationPolicies:", eu_team, 1)
            .replacen("                  - {datastore: Orders, dataset: customers}\n", "                  - {datastore: Orders, dataset: customers}\n                  - {datastore: EU_Facts, dataset: facts}\n", 1);
        let report = report_for(&text);
        assert_eq!(report.codes(), ["location-policy-violation"], "{report}");
        let finding = &report.diagnostics()[0];
        assert_eq!(
            finding.path.to_string(),
            "/zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/2"
        );
        assert!(
            finding.message.contains("policy `EU only` of zone `EU`"),
            "{finding}"
        );
        assert!(
            finding.message.contains("receives `EU_Facts.facts`"),
            "{finding}"
        );
    }
}
