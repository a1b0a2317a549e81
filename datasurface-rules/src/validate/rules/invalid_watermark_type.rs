//! Diagnostic: invalid-watermark-type
//!
//! A watermark finds the rows that changed since the last batch, so it must
//! be a type that grows: an integer or a timestamp.

use super::prelude::*;
use datasurface_core::CaptureMethod;
use datasurface_core::types::DataType;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-watermark-type",
        Severity::Error,
        "A SQL watermark capture uses a watermark type that cannot order changes.",
        "The watermark column must only grow; use an integer type (such as `BigInt`) or `Timestamp`.",
    )
    .with_example(
        &[(
        "method: {sqlSnapshot: {}}",
        "method: {sqlWatermark: {watermarkColumn: updated_on, watermarkType: Date}}",
    )],
        "model.yaml:43:70: error[invalid-watermark-type]: the watermark type must be an integer type or `Timestamp`
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/method/sqlWatermark/watermarkType
  help: use a column that grows with every change, such as a `BigInt` sequence or an update `Timestamp` (in github:acme/sales@main)",
    ),
    check,
};

/// Whether a type can be a watermark.
pub(crate) fn is_watermark_type(t: &DataType) -> bool {
    t.integer().is_some() || matches!(t, DataType::Timestamp(_))
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for store in cx.index.datastores.values().flatten() {
        let Some(ingestion) = store.item.capture.ingestion() else {
            continue;
        };
        if let CaptureMethod::SqlWatermark(w) = &ingestion.method
            && !is_watermark_type(&w.watermark_type)
        {
            out.report(
                store.path("datastores").keys(["capture", "ingestion", "method", "sqlWatermark", "watermarkType"]),
                "the watermark type must be an integer type or `Timestamp`",
                "use a column that grows with every change, such as a `BigInt` sequence or an update `Timestamp`",
            );
        }
    }
}
