//! Diagnostic: requirements-platform-mismatch
//!
//! A consumer may insist on a platform; the ecosystem's assignments must
//! honour it. Decommissioned assignments do not count.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "requirements-platform-mismatch",
        Severity::Error,
        "A dataset group insists on a platform that none of its live assignments is.",
        "Assign the group to the platform its requirements name, or drop `platform` from its requirements.",
    )
    .with_example(
        &[
        (
            "                requirements: {milestoning: LIVE_ONLY, latency: MINUTES}\n",
            "                requirements: {milestoning: LIVE_ONLY, latency: MINUTES, platform: Stream}\n",
        ),
        (
            "platforms:\n  Batch:\n",
            "platforms:\n  Stream: {kind: kafka-streams, version: ^1.0}\n  Batch:\n",
        ),
    ],
        "model.yaml:105:74: error[requirements-platform-mismatch]: dataset group `Dashboard.Live` requires platform `Stream`, but is assigned to `Batch`
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/requirements/platform
  help: assign the group to the platform it requires, or drop `platform` from its requirements (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for ws in cx.index.workspaces.values().flatten() {
        for (group, g) in &ws.item.dataset_groups {
            let Some(wanted) = g.requirements.as_ref().and_then(|r| r.platform.as_ref()) else {
                continue;
            };
            let live: Vec<&str> = cx
                .index
                .assignments
                .get(&(ws.name, group))
                .into_iter()
                .flatten()
                .map(|&i| &cx.eco.assignments[i])
                .flat_map(|a| {
                    a.platforms
                        .iter()
                        .filter(|p| p.is_live())
                        .map(|p| p.platform.as_str())
                })
                .collect();
            if !live.is_empty() && !live.contains(&wanted.as_str()) {
                out.report(
                    ws.path("workspaces").keys(["datasetGroups", group.as_str(), "requirements", "platform"]),
                    format!("dataset group `{}.{group}` requires platform `{wanted}`, but is assigned to {}", ws.name, live.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ")),
                    "assign the group to the platform it requires, or drop `platform` from its requirements",
                );
            }
        }
    }
}
