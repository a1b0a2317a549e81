//! Diagnostic: classified-twice
//!
//! A dataset is classified either as a whole or column by column. Doing both
//! leaves readers unsure which one holds.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "classified-twice",
        Severity::Error,
        "A dataset is classified both as a whole and on its columns.",
        "Keep either the dataset's `classifications` or the columns' — not both.",
    )
    .with_example(
        &[(
        "order_id: {type: BigInt, nullable: false}",
        "order_id: {type: BigInt, nullable: false, classifications: [PUB]}",
    )],
        "model.yaml:49:63: error[classified-twice]: column `order_id` is classified, but dataset `Orders.orders` is classified as a whole
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/columns/order_id/classifications
  help: remove the column's classifications, or the dataset's (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.datasets() {
        if at.dataset.classifications.is_none() {
            continue;
        }
        for (column, c) in &at.dataset.schema.columns {
            if !c.classifications.is_empty() {
                out.report(
                    at.path().keys(["schema", "columns", column.as_str(), "classifications"]),
                    format!("column `{column}` is classified, but dataset `{}.{}` is classified as a whole", at.store.name, at.name),
                    "remove the column's classifications, or the dataset's",
                );
            }
        }
    }
}
