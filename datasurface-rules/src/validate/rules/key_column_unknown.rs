//! Diagnostic: key-column-unknown
//!
//! The columns a schema's primary key and partition keys name must be columns
//! of the schema, each named once.

use super::prelude::*;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "key-column-unknown",
        Severity::Error,
        "A primary-key or partition-key entry is not a column of the schema, or is repeated.",
        "Fix the column name in `primaryKey` or `partitionKeys`, add the column, or remove the repeat.",
    )
    .with_example(
        &[("primaryKey: [order_id]", "primaryKey: [order_idd]")],
        "model.yaml:52:32: error[key-column-unknown]: `primaryKey` names `order_idd`, which is not a column of `Orders.orders`
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/primaryKey/0
  help: did you mean `order_id`? (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for placed in cx.index.datastores.values().flatten() {
        for (name, dataset) in &placed.item.datasets {
            let schema = &dataset.schema;
            let base = || {
                placed
                    .path("datastores")
                    .keys(["datasets", name.as_str(), "schema"])
            };
            for (list, keys) in [
                ("primaryKey", &schema.primary_key),
                ("partitionKeys", &schema.partition_keys),
            ] {
                for (i, column) in keys.iter().enumerate() {
                    if !schema.columns.contains_key(column) {
                        out.report(
                            base().key(list).index(i),
                            format!(
                                "`{list}` names `{column}`, which is not a column of `{}.{name}`",
                                placed.name
                            ),
                            suggest(
                                column,
                                &schema
                                    .columns
                                    .keys()
                                    .map(datasurface_core::names::ColumnName::as_str)
                                    .collect::<Vec<_>>(),
                                "columns",
                            ),
                        );
                    } else if keys[..i].contains(column) {
                        out.report(
                            base().key(list).index(i),
                            format!("`{list}` names `{column}` twice"),
                            "remove the repeat",
                        );
                    }
                }
            }
        }
    }
}
