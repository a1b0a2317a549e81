//! Diagnostic: unknown-mapped-dataset
//!
//! Capture mappings are keyed by the datastore's own dataset names.

use super::prelude::*;
use datasurface_core::OrderedMap;

use datasurface_core::CaptureMethod;
use datasurface_core::names::DatasetName;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-mapped-dataset",
        Severity::Error,
        "A capture mapping (tables, topics or files) names a dataset the datastore does not have.",
        "The keys of `tables`, `topics` and `files` are the datastore's dataset names. Fix the key or remove the entry.",
    )
    .with_example(
        &[(
        "method: {sqlSnapshot: {}}",
        "method: {sqlSnapshot: {tables: {ordrs: public.orders}}}",
    )],
        "model.yaml:43:49: error[unknown-mapped-dataset]: `tables` maps `ordrs`, which is not a dataset of `Orders`
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/method/sqlSnapshot/tables/ordrs
  help: did you mean `orders`? (in github:acme/sales@main)",
    ),
    check,
};

/// The dataset-keyed maps of a capture method, with their key in the file.
pub(crate) fn mappings(method: &CaptureMethod) -> (&'static str, &OrderedMap<DatasetName, String>) {
    match method {
        CaptureMethod::SqlSnapshot(m) => ("tables", &m.tables),
        CaptureMethod::SqlWatermark(m) => ("tables", &m.tables),
        CaptureMethod::Cdc(m) => ("tables", &m.tables),
        CaptureMethod::Kafka(m) => ("topics", &m.topics),
        CaptureMethod::FileDrop(m) => ("files", &m.files),
    }
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for store in cx.index.datastores.values().flatten() {
        let Some(ingestion) = store.item.capture.ingestion() else {
            continue;
        };
        let (key, map) = mappings(&ingestion.method);
        let datasets: Vec<&str> = store
            .item
            .datasets
            .keys()
            .map(DatasetName::as_str)
            .collect();
        for dataset in map.keys() {
            if !store.item.datasets.contains_key(dataset) {
                out.report(
                    store.path("datastores").keys([
                        "capture",
                        "ingestion",
                        "method",
                        ingestion.method.name(),
                        key,
                        dataset.as_str(),
                    ]),
                    format!(
                        "`{key}` maps `{dataset}`, which is not a dataset of `{}`",
                        store.name
                    ),
                    suggest(dataset, &datasets, "datasets in it"),
                );
            }
        }
    }
}
