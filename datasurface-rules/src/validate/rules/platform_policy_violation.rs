//! Diagnostic: platform-policy-violation
//!
//! A zone's platform policies say which data platforms may process its data.
//! Every live assignment of a dataset group that reads the zone's data, and
//! of every group of a workspace in the zone, must name an allowed platform.
//! A policy that both allows and denies a platform is reported by
//! `policy-overlap` and not enforced. (The reference implementation stored these
//! policies but never enforced them, and counted decommissioned assignments
//! as live.)

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "platform-policy-violation",
        Severity::Error,
        "A platform delivers a zone's data although that zone's platform policies do not allow it.",
        "Assign the dataset group to a platform the zones of its data allow, or ask those zones' owners to change their policies. Decommissioned assignments are not checked.",
    )
    .with_example(
        &[(
        "    classificationPolicies:\n      No MNPI:",
        "    platformPolicies:\n      Not Batch: {denied: [Batch]}\n    classificationPolicies:\n      No MNPI:",
    )],
        "model.yaml:114:9: error[platform-policy-violation]: platform `Batch` would deliver to `Dashboard.Live` of zone `USA`, but policy `Not Batch` of that zone does not allow it
  at: /assignments/0/platforms/0
  help: assign the group to an allowed platform, or ask the zone's owners to change the policy (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (i, a) in cx.eco.assignments.iter().enumerate() {
        let Some(ws) = cx.index.workspace(&a.workspace) else {
            continue;
        };
        let Some(group) = ws.item.dataset_groups.get(&a.dataset_group) else {
            continue;
        };
        // The zones of the data it reads, and the workspace's own zone.
        let mut zones: Vec<&datasurface_core::names::ZoneName> = group
            .sinks
            .iter()
            .filter_map(|s| cx.index.datastore(&s.datastore))
            .map(|s| s.zone)
            .chain([ws.zone])
            .collect();
        zones.sort();
        zones.dedup();
        for (j, assignment) in a.platforms.iter().enumerate() {
            if !assignment.is_live() {
                continue;
            }
            for zone in &zones {
                let Some(z) = cx.zone(zone) else { continue };
                for (policy, p) in &z.platform_policies {
                    if p.is_sound() && !p.permits(&assignment.platform) {
                        out.report(
                            ModelPath::root().key("assignments").index(i).key("platforms").index(j),
                            if *zone == ws.zone {
                                format!(
                                    "platform `{}` would deliver to `{}.{}` of zone `{zone}`, but policy `{policy}` of that zone does not allow it",
                                    assignment.platform, a.workspace, a.dataset_group
                                )
                            } else {
                                format!(
                                    "platform `{}` would deliver data of zone `{zone}` to `{}.{}`, but policy `{policy}` of that zone does not allow it",
                                    assignment.platform, a.workspace, a.dataset_group
                                )
                            },
                            "assign the group to an allowed platform, or ask the zone's owners to change the policy",
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BASE_MODEL, testing::report_for};

    /// An EU workspace reads only USA data; the EU's own platform policy
    /// still binds where its groups are delivered.
    #[test]
    fn the_workspaces_own_zone_binds_its_groups() {
        let eu_team = "  EU:\n    platformPolicies:\n      Not Batch: {denied: [Batch]}\n    teamDeclarations:\n      Analysts: {repository: {name: acme/analysts, branch: main}}\n    teams:\n      Analysts:\n        containers:\n          EU DB:\n            kind: {database: {engine: POSTGRES, database: analysts}}\n            locations: [AWS:EU/eu-west-1]\n        workspaces:\n          Study:\n            container: EU DB\n            productionStatus: PRODUCTION\n            datasetGroups:\n              Orders:\n                sinks: [{datastore: Orders, dataset: orders}]\n                requirements: {milestoning: LIVE_ONLY, latency: HOURS}\n    locationPolicies:";
        let text = BASE_MODEL
            .replacen("  EU:\n    locationPolicies:", eu_team, 1)
            .replacen(
                "primaryIngestionPlatforms:",
                "  - workspace: Study\n    datasetGroup: Orders\n    platforms:\n      - {platform: Batch, status: PROVISIONED}\nprimaryIngestionPlatforms:",
                1,
            );
        let report = report_for(&text);
        assert_eq!(report.codes(), ["platform-policy-violation"], "{report}");
        let finding = &report.diagnostics()[0];
        assert_eq!(finding.path.to_string(), "/assignments/1/platforms/0");
        assert!(
            finding
                .message
                .contains("deliver to `Study.Orders` of zone `EU`, but policy `Not Batch`"),
            "{finding}"
        );
    }
}
