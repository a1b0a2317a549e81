//! Diagnostic: incomplete-table-mapping
//!
//! A capture mapping is all or nothing: once one dataset has its own source
//! table (topic, file), every dataset must, so nothing is read by accident.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "incomplete-table-mapping",
        Severity::Error,
        "A capture mapping names some of the datastore's datasets but not all.",
        "Either map no dataset (each is then read under its own name) or map every one.",
    )
    .with_example(
        &[(
        "method: {sqlSnapshot: {}}",
        "method: {sqlSnapshot: {tables: {orders: public.orders}}}",
    )],
        "model.yaml:43:40: error[incomplete-table-mapping]: `tables` of `Orders` does not map `customers`
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/method/sqlSnapshot/tables
  help: map every dataset, or none (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for store in cx.index.datastores.values().flatten() {
        let Some(ingestion) = store.item.capture.ingestion() else {
            continue;
        };
        let (key, map) = super::unknown_mapped_dataset::mappings(&ingestion.method);
        let mapped = store
            .item
            .datasets
            .keys()
            .filter(|d| map.contains_key(*d))
            .count();
        if mapped == 0 {
            continue;
        }
        let missing: Vec<String> = store
            .item
            .datasets
            .keys()
            .filter(|d| !map.contains_key(*d))
            .map(|d| format!("`{d}`"))
            .collect();
        if !missing.is_empty() {
            out.report(
                store.path("datastores").keys([
                    "capture",
                    "ingestion",
                    "method",
                    ingestion.method.name(),
                    key,
                ]),
                format!(
                    "`{key}` of `{}` does not map {}",
                    store.name,
                    missing.join(", ")
                ),
                "map every dataset, or none",
            );
        }
    }
}
