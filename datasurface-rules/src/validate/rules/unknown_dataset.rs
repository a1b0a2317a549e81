//! Diagnostic: unknown-dataset
//!
//! Each sink of a dataset group names a datastore and one of its datasets;
//! both must exist.

use super::prelude::*;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-dataset",
        Severity::Error,
        "A dataset group's sink names a datastore or dataset that does not exist.",
        "Fix the datastore or dataset name of the sink, or remove the sink.",
    )
    .with_example(
        &[(
            "- {datastore: Orders, dataset: customers}",
            "- {datastore: Orders, dataset: customer}",
        )],
        "model.yaml:103:41: error[unknown-dataset]: datastore `Orders` has no dataset `customer`
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/1/dataset
  help: did you mean `customers`? (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let stores = cx.datastore_names();
    for placed in cx.index.workspaces.values().flatten() {
        for (group, g) in &placed.item.dataset_groups {
            for (i, sink) in g.sinks.iter().enumerate() {
                let path = || {
                    placed
                        .path("workspaces")
                        .keys(["datasetGroups", group.as_str(), "sinks"])
                        .index(i)
                };
                match cx.index.datastore(&sink.datastore) {
                    None if cx.index.datastores.contains_key(&sink.datastore) => {}
                    None => out.report(
                        path().key("datastore"),
                        format!("unknown datastore `{}`", sink.datastore),
                        suggest(&sink.datastore, &stores, "datastores"),
                    ),
                    Some(store) if !store.item.datasets.contains_key(&sink.dataset) => {
                        let datasets: Vec<&str> = store
                            .item
                            .datasets
                            .keys()
                            .map(datasurface_core::names::DatasetName::as_str)
                            .collect();
                        out.report(
                            path().key("dataset"),
                            format!(
                                "datastore `{}` has no dataset `{}`",
                                sink.datastore, sink.dataset
                            ),
                            suggest(&sink.dataset, &datasets, "datasets in it"),
                        );
                    }
                    Some(_) => {}
                }
            }
        }
    }
}
