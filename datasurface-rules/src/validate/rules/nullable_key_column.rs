//! Diagnostic: nullable-key-column
//!
//! Primary-key and partition-key columns identify and place rows; a null
//! there identifies nothing. Columns are nullable unless they say otherwise,
//! so key columns must say `nullable: false`.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "nullable-key-column",
        Severity::Error,
        "A primary-key or partition-key column is nullable.",
        "Add `nullable: false` to the column (columns are nullable by default).",
    )
    .with_example(
        &[(
        "order_id: {type: BigInt, nullable: false}",
        "order_id: {type: BigInt}",
    )],
        "model.yaml:49:21: error[nullable-key-column]: primary-key column `order_id` of `Orders.orders` is nullable
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/columns/order_id
  help: add `nullable: false` to the column (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for placed in cx.index.datastores.values().flatten() {
        for (name, dataset) in &placed.item.datasets {
            let schema = &dataset.schema;
            for (kind, keys) in [
                ("primary-key", &schema.primary_key),
                ("partition-key", &schema.partition_keys),
            ] {
                for (i, column) in keys.iter().enumerate() {
                    // Each column once: a partition key is often in the primary key too.
                    let seen = keys[..i].contains(column)
                        || (kind == "partition-key" && schema.primary_key.contains(column));
                    if seen {
                        continue;
                    }
                    if schema.columns.get(column).is_some_and(|c| c.nullable) {
                        out.report(
                            placed.path("datastores").keys([
                                "datasets",
                                name.as_str(),
                                "schema",
                                "columns",
                                column.as_str(),
                            ]),
                            format!(
                                "{kind} column `{column}` of `{}.{name}` is nullable",
                                placed.name
                            ),
                            "add `nullable: false` to the column",
                        );
                    }
                }
            }
        }
    }
}
