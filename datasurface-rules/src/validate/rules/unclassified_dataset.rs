//! Diagnostic: unclassified-dataset
//!
//! A dataset outside production may go unclassified, but then no
//! classification policy can protect it. Classify it before it goes to production.

use super::prelude::*;
use datasurface_core::ProductionStatus;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unclassified-dataset",
        Severity::Warning,
        "A dataset has no classification at all.",
        "Add `classifications: [...]` to the dataset or to its columns. Production datastores require it.",
    )
    .with_example(
        &[(
        "        datastores:\n          Customer_Totals:",
        "        datastores:\n          Scratch:\n            capture:\n              ingestion: {container: Warehouse, consistency: MULTI_DATASET, method: {sqlSnapshot: {}}}\n            datasets:\n              notes:\n                schema: {columns: {id: {type: Integer, nullable: false}}, primaryKey: [id]}\n          Customer_Totals:",
    )],
        "model.yaml:70:15: warning[unclassified-dataset]: dataset `Scratch.notes` has no classification
  at: /zones/USA/teams/Reporting/datastores/Scratch/datasets/notes
  help: add `classifications: [...]` to the dataset or its columns (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.datasets() {
        if at.store.item.production_status != ProductionStatus::Production
            && !at.dataset.has_classifications()
        {
            out.report(
                at.path(),
                format!(
                    "dataset `{}.{}` has no classification",
                    at.store.name, at.name
                ),
                "add `classifications: [...]` to the dataset or its columns",
            );
        }
    }
}
