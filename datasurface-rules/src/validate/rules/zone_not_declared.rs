//! Diagnostic: zone-not-declared
//!
//! A zone exists in two steps: the ecosystem's repository declares it, naming
//! the zone's repository, and then that repository defines it. A definition
//! without a declaration has no owner.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "zone-not-declared",
        Severity::Error,
        "A governance zone is defined but the ecosystem does not declare it.",
        "Add the zone to `zoneDeclarations` in the Ecosystem document, with the repository that owns it, \
                  before (or in the same change as) its definition; or remove the definition.",
    )
    .with_example(
        &[("  EU: {repository: {name: acme/eu, branch: main}}\n", "")],
        "model.yaml:104:3: error[zone-not-declared]: zone `EU` is defined, but the ecosystem does not declare it
  at: /zones/EU
  help: declare it under `zoneDeclarations` in the Ecosystem document, or remove its definition (in github:acme/ecosystem@main)",
    ),
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
