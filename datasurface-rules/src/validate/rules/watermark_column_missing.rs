//! Diagnostic: watermark-column-missing
//!
//! A watermark capture reads every dataset by the same column.

use super::prelude::*;
use datasurface_core::CaptureMethod;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "watermark-column-missing",
        Severity::Error,
        "A dataset of a SQL watermark capture lacks the watermark column, or has it with another type.",
        "Every dataset of the datastore needs the watermark column, with exactly the watermark type.",
    )
    .with_example(
        &[(
        "method: {sqlSnapshot: {}}",
        "method: {sqlWatermark: {watermarkColumn: order_id, watermarkType: BigInt}}",
    )],
        "model.yaml:56:19: error[watermark-column-missing]: dataset `Orders.customers` has no watermark column `order_id`
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/customers/schema/columns
  help: add the column, or capture this datastore another way (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for store in cx.index.datastores.values().flatten() {
        let Some(ingestion) = store.item.capture.ingestion() else {
            continue;
        };
        let CaptureMethod::SqlWatermark(w) = &ingestion.method else {
            continue;
        };
        if !super::invalid_watermark_type::is_watermark_type(&w.watermark_type) {
            continue;
        }
        for (name, dataset) in &store.item.datasets {
            let path =
                store
                    .path("datastores")
                    .keys(["datasets", name.as_str(), "schema", "columns"]);
            match dataset.schema.columns.get(&w.watermark_column) {
                None => out.report(
                    path,
                    format!("dataset `{}.{name}` has no watermark column `{}`", store.name, w.watermark_column),
                    "add the column, or capture this datastore another way",
                ),
                Some(column) if column.data_type != w.watermark_type => out.report(
                    path.key(w.watermark_column.as_str()),
                    format!("watermark column `{}` of `{}.{name}` has another type than the watermark type", w.watermark_column, store.name),
                    "give the column exactly the watermark type",
                ),
                Some(_) => {}
            }
        }
    }
}
