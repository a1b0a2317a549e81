//! Diagnostic: unclassified-production-data
//!
//! A production datastore must say what kind of data every dataset holds, so
//! that zone policies and workspace verifiers can keep it where it may go:
//! either the dataset is classified as a whole, or every column is.

use super::prelude::*;
use datasurface_core::ProductionStatus;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unclassified-production-data",
        Severity::Error,
        "A dataset of a production datastore is not fully classified.",
        "Give the dataset `classifications: [...]`, or give every column its own. Production data must be \
                  classified so that classification policies can be enforced.",
    )
    .with_example(
        &[(
        "              orders:\n                classifications: [PUB]\n",
        "              orders:\n",
    )],
        "model.yaml:45:15: error[unclassified-production-data]: dataset `Orders.orders` of a production datastore has unclassified columns: `order_id`, `customer_id`, `amount`
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders
  help: classify the dataset as a whole with `classifications: [...]`, or classify each of these columns (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.datasets() {
        if at.store.item.production_status != ProductionStatus::Production
            || at.dataset.classifications.is_some()
        {
            continue;
        }
        let unclassified: Vec<&str> = at
            .dataset
            .schema
            .columns
            .iter()
            .filter(|(_, c)| c.classifications.is_empty())
            .map(|(n, _)| n.as_str())
            .collect();
        if unclassified.is_empty() {
            continue;
        }
        let columns = unclassified
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.report(
            at.path(),
            format!("dataset `{}.{}` of a production datastore has unclassified columns: {columns}", at.store.name, at.name),
            "classify the dataset as a whole with `classifications: [...]`, or classify each of these columns",
        );
    }
}
