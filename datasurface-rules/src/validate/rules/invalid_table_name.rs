//! Diagnostic: invalid-table-name
//!
//! Source tables are named the way SQL names them.

use super::prelude::*;
use datasurface_core::CaptureMethod;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-table-name",
        Severity::Error,
        "A capture mapping names a source table that is not a valid, possibly schema-qualified, SQL name.",
        "Write the table as `table`, `schema.table` or `database.schema.table`, each part a letter or `_` followed by letters, digits, `_` or `$`.",
    )
    .with_example(
        &[(
        "method: {sqlSnapshot: {}}",
        "method: {sqlSnapshot: {tables: {orders: \"public.or ders\", customers: public.customers}}}",
    )],
        "model.yaml:43:49: error[invalid-table-name]: `public.or ders` is not a valid source table name
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/method/sqlSnapshot/tables/orders
  help: write `table`, `schema.table` or `database.schema.table` (in github:acme/sales@main)",
    ),
    check,
};

/// Whether a source table name is `part`, `part.part` or `part.part.part`.
pub(crate) fn is_table_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() <= 3
        && parts.iter().all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
                && part.len() <= 128
        })
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for store in cx.index.datastores.values().flatten() {
        let Some(ingestion) = store.item.capture.ingestion() else {
            continue;
        };
        let tables = match &ingestion.method {
            CaptureMethod::SqlSnapshot(m) => &m.tables,
            CaptureMethod::SqlWatermark(m) => &m.tables,
            CaptureMethod::Cdc(m) => &m.tables,
            _ => continue,
        };
        for (dataset, table) in tables {
            if !is_table_name(table) {
                out.report(
                    store.path("datastores").keys([
                        "capture",
                        "ingestion",
                        "method",
                        ingestion.method.name(),
                        "tables",
                        dataset.as_str(),
                    ]),
                    format!("`{table}` is not a valid source table name"),
                    "write `table`, `schema.table` or `database.schema.table`",
                );
            }
        }
    }
}
