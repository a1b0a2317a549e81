//! Diagnostic: deprecated-dataset
//!
//! A dataset group that reads a deprecated dataset (or a dataset of a
//! deprecated datastore) must say it accepts that with
//! `deprecationsAllowed: ALLOWED`; then it gets a warning instead of an error,
//! as a reminder to move.

use super::prelude::*;
use datasurface_core::DeprecationsAllowed;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "deprecated-dataset",
        Severity::Error,
        "A dataset group reads a deprecated dataset.",
        "Move to the dataset's replacement. Until then, set `deprecationsAllowed: ALLOWED` on the sink to turn \
                  the error into a warning.",
    )
    .with_example(
        &[(
        "              customers:\n                classifications: [\"PC1:name\"]\n",
        "              customers:\n                classifications: [\"PC1:name\"]\n                deprecation: {status: DEPRECATED, reason: use customers_v2}\n",
    )],
        "model.yaml:104:21: error[deprecated-dataset]: `Orders.customers` is deprecated: use customers_v2
  at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/1
  help: move to its replacement, or set `deprecationsAllowed: ALLOWED` on the sink while you do (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.sinks() {
        let Some((store, dataset)) = cx.sink_dataset(at.sink) else {
            continue;
        };
        if !store.item.is_dataset_deprecated(&at.sink.dataset) {
            continue;
        }
        let reason = dataset
            .deprecation
            .reason
            .as_ref()
            .or(store.item.deprecation.reason.as_ref())
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let message = format!(
            "`{}.{}` is deprecated{reason}",
            at.sink.datastore, at.sink.dataset
        );
        match at.sink.deprecations_allowed {
            DeprecationsAllowed::Never => out.report(
                at.path(),
                message,
                "move to its replacement, or set `deprecationsAllowed: ALLOWED` on the sink while you do",
            ),
            DeprecationsAllowed::Allowed => {
                out.report_as(Severity::Warning, at.path(), message, "move to its replacement");
            }
        }
    }
}
