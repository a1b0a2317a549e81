//! Diagnostic: undocumented-vendor
//!
//! Infrastructure vendors are referenced by every team's containers and by
//! zone policies; each must say what it is.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "undocumented-vendor",
        Severity::Error,
        "An infrastructure vendor has no documentation.",
        "Add `documentation: {description: ...}` to the vendor in the Ecosystem document.",
    )
    .with_example(
        &[(
        "    documentation: {description: Amazon Web Services.}\n",
        "",
    )],
        "model.yaml:7:3: error[undocumented-vendor]: vendor `AWS` has no documentation
  at: /vendors/AWS
  help: add `documentation: {description: ...}` saying what the vendor is (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (name, vendor) in &cx.eco.vendors {
        if vendor.documentation.is_none() {
            out.report(
                ModelPath::root().keys(["vendors", name.as_str()]),
                format!("vendor `{name}` has no documentation"),
                "add `documentation: {description: ...}` saying what the vendor is",
            );
        }
    }
}
