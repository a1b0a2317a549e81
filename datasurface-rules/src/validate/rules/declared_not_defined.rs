//! Diagnostic: declared-not-defined
//!
//! Declared zones and teams appear before their definitions: that is the
//! two-phase protocol at work, noted for information.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "declared-not-defined",
        Severity::Info,
        "A zone or team is declared but not yet defined.",
        "This is the first step of the two-phase protocol: the parent declared the zone or team, and its own repository has not defined it yet. Nothing to fix unless the definition was forgotten.",
    )
    .with_example(
        &[(
        "      Reporting: {repository: {name: acme/reporting, branch: main}}\n",
        "      Reporting: {repository: {name: acme/reporting, branch: main}}\n      Later: {repository: {name: acme/later, branch: main}}\n",
    )],
        "model.yaml:28:7: info[declared-not-defined]: team `Later` of zone `USA` is declared but not yet defined
  at: /zones/USA/teamDeclarations/Later
  help: github:acme/later@main defines it with a Team document (in github:acme/usa@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (zone, d) in &cx.eco.zone_declarations {
        if !cx.eco.zones.contains_key(zone) {
            out.report(
                ModelPath::root().keys(["zoneDeclarations", zone.as_str()]),
                format!("zone `{zone}` is declared but not yet defined"),
                format!("{} defines it with a GovernanceZone document", d.repository),
            );
        }
    }
    for (zone, z) in &cx.eco.zones {
        for (team, d) in &z.team_declarations {
            if !z.teams.contains_key(team) {
                out.report(
                    ModelPath::zone(zone).keys(["teamDeclarations", team.as_str()]),
                    format!("team `{team}` of zone `{zone}` is declared but not yet defined"),
                    format!("{} defines it with a Team document", d.repository),
                );
            }
        }
    }
}
