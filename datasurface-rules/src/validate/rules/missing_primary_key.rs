//! Diagnostic: missing-primary-key
//!
//! Every dataset's schema names a primary key: platforms merge batches on it,
//! keep history by it, and consumers identify rows with it. (The reference
//! implementation meant to require this, but let tables without a key pass.)

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "missing-primary-key",
        Severity::Error,
        "A dataset's schema has no primary key.",
        "Add `primaryKey: [column, …]` to the schema, naming the columns that identify a row; \
                  they must be `nullable: false`.",
    )
    .with_example(
        &[("\n                  primaryKey: [order_id]", "")],
        "model.yaml:47:17: error[missing-primary-key]: dataset `Orders.orders` has no primary key
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema
  help: add `primaryKey: [...]` naming the columns that identify a row (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for placed in cx.index.datastores.values().flatten() {
        for (name, dataset) in &placed.item.datasets {
            if dataset.schema.primary_key.is_empty() {
                out.report(
                    placed
                        .path("datastores")
                        .keys(["datasets", name.as_str(), "schema"]),
                    format!("dataset `{}.{name}` has no primary key", placed.name),
                    "add `primaryKey: [...]` naming the columns that identify a row",
                );
            }
        }
    }
}
