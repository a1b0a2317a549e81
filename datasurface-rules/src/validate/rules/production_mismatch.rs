//! Diagnostic: production-mismatch
//!
//! A production workspace that reads non-production data depends on data
//! nobody supports; a non-production workspace that reads production data is
//! fine but worth knowing about. Each is one finding per workspace and
//! datastore, at the first sink that reads it: the reader chose to read it
//! (a transformer's output is named in the message). A transformer whose
//! output datastore differs from its own workspace in production status is
//! reported at the transformer. All are warnings.

use super::prelude::*;
use datasurface_core::names::{DatastoreName, WorkspaceName};
use datasurface_core::{CaptureMetadata, ProductionStatus};
use std::collections::BTreeSet;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "production-mismatch",
        Severity::Warning,
        "A dataset group and the datastore it reads, or a transformer and the datastore it writes, differ in production status.",
        "Make sure a production workspace reads production data; a non-production workspace reading \
                  production data is allowed but reported. Each pair is reported once, at the reading workspace's \
                  first sink, naming the transformer when the datastore is one's output.",
    )
    .with_example(
        &[(
        "            container: Warehouse\n            productionStatus: PRODUCTION\n            priority: HIGH\n",
        "            container: Warehouse\n            priority: HIGH\n",
    )],
        "model.yaml:101:21: warning[production-mismatch]: non-production workspace `Dashboard` reads production datastore `Customer_Totals`, the output of transformer `Totals`
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/0
  help: align the production status of the workspace and the datastore (in github:acme/reporting@main)
model.yaml:102:21: warning[production-mismatch]: non-production workspace `Dashboard` reads production datastore `Orders`
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/1
  help: align the production status of the workspace and the datastore (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    // A transformer and the datastore it writes.
    for ws in cx.index.workspaces.values().flatten() {
        let Some(transformer) = &ws.item.transformer else {
            continue;
        };
        let Some(store) = cx.index.datastore(&transformer.output_datastore) else {
            continue;
        };
        let (own, output) = (ws.item.production_status, store.item.production_status);
        if own != output {
            out.report(
                ws.path("workspaces").key("transformer"),
                format!(
                    "transformer `{}` is {} but writes {} datastore `{}`",
                    ws.name,
                    status(own),
                    status(output),
                    transformer.output_datastore
                ),
                "give the transformer's workspace and its output datastore the same production status",
            );
        }
    }
    // A workspace and the datastores it reads: once per pair, at the first
    // sink that reads the datastore.
    let mut seen: BTreeSet<(&WorkspaceName, &DatastoreName)> = BTreeSet::new();
    for at in cx.sinks() {
        let Some(store) = cx.index.datastore(&at.sink.datastore) else {
            continue;
        };
        let (ws, ds) = (
            at.workspace.item.production_status,
            store.item.production_status,
        );
        if ws == ds || !seen.insert((at.workspace.name, &at.sink.datastore)) {
            continue;
        }
        let writer = match &store.item.capture {
            CaptureMetadata::TransformerOutput(t) => cx
                .index
                .workspaces
                .get(&t.workspace)
                .into_iter()
                .flatten()
                .find(|w| {
                    w.zone == store.zone
                        && w.team == store.team
                        && w.item
                            .transformer
                            .as_ref()
                            .is_some_and(|x| x.output_datastore == at.sink.datastore)
                }),
            CaptureMetadata::Ingestion(_) => None,
        };
        let output_of = writer.map_or_else(String::new, |w| {
            format!(", the output of transformer `{}`", w.name)
        });
        let message = if ws == ProductionStatus::Production {
            format!(
                "production workspace `{}` reads non-production datastore `{}`{output_of}",
                at.workspace.name, at.sink.datastore
            )
        } else {
            format!(
                "non-production workspace `{}` reads production datastore `{}`{output_of}",
                at.workspace.name, at.sink.datastore
            )
        };
        out.report(
            at.path(),
            message,
            "align the production status of the workspace and the datastore",
        );
    }
}

fn status(status: ProductionStatus) -> &'static str {
    match status {
        ProductionStatus::Production => "production",
        ProductionStatus::NotProduction => "non-production",
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BASE_MODEL, testing::report_for};

    /// A production consumer of a non-production transformer's output is
    /// one finding, however many sinks read it.
    #[test]
    fn a_production_consumer_of_a_non_production_output() {
        let text = BASE_MODEL
            .replacen(
                "          Totals:\n            container: Warehouse\n            productionStatus: PRODUCTION\n",
                "          Totals:\n            container: Warehouse\n",
                1,
            )
            .replacen(
                "          Customer_Totals:\n            productionStatus: PRODUCTION\n",
                "          Customer_Totals:\n",
                1,
            )
            .replacen(
                "                  - {datastore: Orders, dataset: customers}\n",
                "                  - {datastore: Orders, dataset: customers}\n                  - {datastore: Customer_Totals, dataset: totals}\n",
                1,
            );
        let report = report_for(&text);
        let found: Vec<String> = report
            .diagnostics()
            .iter()
            .filter(|d| d.code == super::RULE.info.code && d.message.contains("Customer_Totals"))
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect();
        assert_eq!(
            found,
            [
                "/zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/0: production workspace `Dashboard` reads non-production datastore `Customer_Totals`, the output of transformer `Totals`",
            ]
        );
    }

    /// A non-production transformer writing a production datastore is
    /// reported at the transformer.
    #[test]
    fn a_transformer_and_its_output_differ() {
        let text = BASE_MODEL.replacen(
            "          Totals:\n            container: Warehouse\n            productionStatus: PRODUCTION\n",
            "          Totals:\n            container: Warehouse\n",
            1,
        );
        let report = report_for(&text);
        let at_transformer: Vec<String> = report
            .diagnostics()
            .iter()
            .filter(|d| {
                d.path
                    .to_string()
                    .ends_with("/workspaces/Totals/transformer")
            })
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(
            at_transformer,
            [
                "transformer `Totals` is non-production but writes production datastore `Customer_Totals`"
            ]
        );
    }
}
