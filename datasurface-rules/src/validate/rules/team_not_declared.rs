//! Diagnostic: team-not-declared
//!
//! A team exists in two steps: its zone declares it, naming the team's
//! repository, and then that repository defines it. A definition without a
//! declaration has no owner.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "team-not-declared",
        Severity::Error,
        "A team is defined but its zone does not declare it.",
        "Add the team to its zone's `teamDeclarations`, with the repository that owns it; or remove the definition.",
    )
    .with_example(
        &[(
        "      Reporting: {repository: {name: acme/reporting, branch: main}}\n",
        "",
    )],
        "model.yaml:59:7: error[team-not-declared]: team `Reporting` is defined, but zone `USA` does not declare it
  at: /zones/USA/teams/Reporting
  help: declare it under the zone's `teamDeclarations`, or remove its definition (in github:acme/usa@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (zone, z) in &cx.eco.zones {
        for team in z.teams.keys() {
            if !z.team_declarations.contains_key(team) {
                out.report(
                    ModelPath::team(zone, team),
                    format!("team `{team}` is defined, but zone `{zone}` does not declare it"),
                    "declare it under the zone's `teamDeclarations`, or remove its definition",
                );
            }
        }
    }
}
