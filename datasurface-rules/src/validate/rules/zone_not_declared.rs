//! Diagnostic: zone-not-declared
//!
//! A zone exists in two steps: the ecosystem's repository declares it, naming
//! the zone's repository, and then that repository defines it. A definition
//! without a declaration has no owner.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    code: "zone-not-declared",
    severity: Severity::Error,
    summary: "A governance zone is defined but the ecosystem does not declare it.",
    explanation: "Add the zone to `zoneDeclarations` in the Ecosystem document, with the repository that owns it, \
                  before (or in the same change as) its definition; or remove the definition.",
    example: &[("  EU: {repository: {name: acme/eu, branch: main}}\n", "")],
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for zone in cx.eco.zones.keys() {
        if !cx.eco.zone_declarations.contains_key(zone) {
            out.report(
                ModelPath::zone(zone),
                format!("zone `{zone}` is defined, but the ecosystem does not declare it"),
                "declare it under `zoneDeclarations` in the Ecosystem document, or remove its definition",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE), @r"
        model.yaml:104:3: error[zone-not-declared]: zone `EU` is defined, but the ecosystem does not declare it
          at: /zones/EU
          help: declare it under `zoneDeclarations` in the Ecosystem document, or remove its definition (in github:acme/ecosystem@main)
        ");
    }
}
