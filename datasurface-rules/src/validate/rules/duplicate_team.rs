//! Diagnostic: duplicate-team
//!
//! Team names are unique across the ecosystem, so that a team is named the
//! same way in every zone, repository and report. (The reference
//! implementation meant to check this, but its check could never fire.)

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "duplicate-team",
        Severity::Error,
        "Two zones define a team of the same name.",
        "Team names are unique across the ecosystem. Rename one of the teams.",
    )
    .with_example(
        &[(
        "  EU:\n    locationPolicies:",
        "  EU:\n    teamDeclarations:\n      Sales: {repository: {name: acme/eu-sales, branch: main}}\n    teams:\n      Sales: {}\n    locationPolicies:",
    )],
        "model.yaml:109:7: error[duplicate-team]: team `Sales` is also defined in zone `USA`
  at: /zones/EU/teams/Sales
  help: rename one of the teams; team names are unique across the ecosystem (in github:acme/eu-sales@main)
model.yaml:29:7: error[duplicate-team]: team `Sales` is also defined in zone `EU`
  at: /zones/USA/teams/Sales
  help: rename one of the teams; team names are unique across the ecosystem (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (team, zones) in &cx.index.teams {
        if zones.len() < 2 {
            continue;
        }
        // Every definition is reported, naming the others, so the result does not depend on order.
        for (i, zone) in zones.iter().enumerate() {
            let others: Vec<String> = zones
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, z)| format!("`{z}`"))
                .collect();
            out.report(
                ModelPath::team(zone, team),
                format!(
                    "team `{team}` is also defined in zone {}",
                    others.join(", ")
                ),
                "rename one of the teams; team names are unique across the ecosystem",
            );
        }
    }
}
