//! Diagnostic: platform-policy-violation
//!
//! A zone's platform policies say which data platforms may process its data.
//! Every live assignment of a dataset group that reads the zone's data must
//! name an allowed platform. (The reference implementation stored these
//! policies but never enforced them, and counted decommissioned assignments
//! as live.)

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "platform-policy-violation",
    severity: Severity::Error,
    summary: "A platform delivers a zone's data although that zone's platform policies do not allow it.",
    explanation: "Assign the dataset group to a platform the zones of its data allow, or ask those zones' owners to change their policies. Decommissioned assignments are not checked.",
    example: &[(
        "    classificationPolicies:\n      No MNPI:",
        "    platformPolicies:\n      Not Batch: {denied: [Batch]}\n    classificationPolicies:\n      No MNPI:",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    for (i, a) in cx.eco.assignments.iter().enumerate() {
        let Some(ws) = cx.index.workspace(&a.workspace) else {
            continue;
        };
        let Some(group) = ws.item.dataset_groups.get(&a.dataset_group) else {
            continue;
        };
        let mut zones: Vec<&crate::names::ZoneName> = group
            .sinks
            .iter()
            .filter_map(|s| cx.index.datastore(&s.datastore))
            .map(|s| s.zone)
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
                    if !p.permits(&assignment.platform) {
                        out.report(
                            ModelPath::root().key("assignments").index(i).key("platforms").index(j),
                            format!(
                                "platform `{}` would deliver data of zone `{zone}` to `{}.{}`, but policy `{policy}` of that zone does not allow it",
                                assignment.platform, a.workspace, a.dataset_group
                            ),
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
    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE));
    }
}
