//! Diagnostic: empty-description
//!
//! Documentation exists to be read: a documentation block must have a description.

use super::prelude::*;
use datasurface_core::Documentation;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "empty-description",
        Severity::Error,
        "A documentation block has an empty description.",
        "Write a description, or remove the `documentation` block.",
    )
    .with_example(
        &[(
            "documentation: {description: Amazon Web Services.}",
            "documentation: {description: \"\"}",
        )],
        "model.yaml:9:21: error[empty-description]: the description is empty
  at: /vendors/AWS/documentation/description
  help: write what this is, or remove the `documentation` block (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let eco = cx.eco;
    let mut docs: Vec<(ModelPath, &Documentation)> = Vec::new();
    let root = ModelPath::root();
    docs.extend(
        eco.documentation
            .as_ref()
            .filter(|d| blank(d))
            .map(|d| (root.key("documentation"), d)),
    );
    for (name, v) in &eco.vendors {
        docs.extend(
            v.documentation
                .as_ref()
                .filter(|d| blank(d))
                .map(|d| (root.keys(["vendors", name.as_str(), "documentation"]), d)),
        );
    }
    for (name, p) in &eco.platforms {
        docs.extend(
            p.documentation
                .as_ref()
                .filter(|d| blank(d))
                .map(|d| (root.keys(["platforms", name.as_str(), "documentation"]), d)),
        );
    }
    for (name, z) in &eco.zone_declarations {
        docs.extend(z.documentation.as_ref().filter(|d| blank(d)).map(|d| {
            (
                root.keys(["zoneDeclarations", name.as_str(), "documentation"]),
                d,
            )
        }));
    }
    for (zone, z) in &eco.zones {
        docs.extend(
            z.documentation
                .as_ref()
                .filter(|d| blank(d))
                .map(|d| (ModelPath::zone(zone).key("documentation"), d)),
        );
        for (team, t) in &z.teams {
            docs.extend(
                t.documentation
                    .as_ref()
                    .filter(|d| blank(d))
                    .map(|d| (ModelPath::team(zone, team).key("documentation"), d)),
            );
        }
    }
    for store in cx.index.datastores.values().flatten() {
        docs.extend(
            store
                .item
                .documentation
                .as_deref()
                .filter(|d| blank(d))
                .map(|d| (store.path("datastores").key("documentation"), d)),
        );
    }
    for at in cx.datasets() {
        docs.extend(
            at.dataset
                .documentation
                .as_deref()
                .filter(|d| blank(d))
                .map(|d| (at.path().key("documentation"), d)),
        );
    }
    for ws in cx.index.workspaces.values().flatten() {
        docs.extend(
            ws.item
                .documentation
                .as_ref()
                .filter(|d| blank(d))
                .map(|d| (ws.path("workspaces").key("documentation"), d)),
        );
    }
    for (path, _) in docs {
        out.report(
            path.key("description"),
            "the description is empty",
            "write what this is, or remove the `documentation` block",
        );
    }
}

/// Whether a description is empty; only those get a path built.
fn blank(doc: &Documentation) -> bool {
    doc.description.trim().is_empty()
}
