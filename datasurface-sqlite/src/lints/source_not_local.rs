//! Diagnostic: sqlite-source-not-local

use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;
use crate::local_sources;

pub(super) const CODE: CodeInfo = CodeInfo::new(
    "sqlite-source-not-local",
    Severity::Warning,
    "A source the `sqlite` platform ingests is neither a SQLite database nor mapped to a local file.",
    "Map the container to a local SQLite file or CSV folder in the platform's `sources` parameter, or make it a `SQLITE` database container; otherwise its ingestion fails when it runs.",
)
.with_example(
    &[(
        "    parameters: {sources: {\"Sales DB\": data/sales.sqlite}}\n",
        "",
    )],
    "model.yaml:39:17: warning[sqlite-source-not-local]: platform `Batch` ingests `Orders` from container `Sales DB`, which is neither a SQLite database nor mapped to a local file
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/container
  help: add `sources: {\"Sales DB\": <path>}` to the platform's parameters (in github:acme/sales@main)",
);

pub(super) fn check(cx: &Lint<'_, '_>, found: &mut Vec<Diagnostic>) {
    let local = local_sources(cx.eco, cx.context.declaration);
    for (datastore, at) in cx.ingested() {
        let Some(ingestion) = at.item.capture.ingestion() else {
            continue;
        };
        // A change data capture is read over the network (or reported by
        // `sqlite-cdc-not-postgres`).
        if matches!(ingestion.method, datasurface_core::CaptureMethod::Cdc(_)) {
            continue;
        }
        if !local.contains_key(ingestion.container.as_str()) {
            found.push(
                CODE.at(
                    ModelPath::team(at.zone, at.team).keys(["datastores", datastore.as_str(), "capture", "ingestion", "container"]),
                    format!(
                        "platform `{}` ingests `{datastore}` from container `{}`, which is neither a SQLite database nor mapped to a local file",
                        cx.platform, ingestion.container
                    ),
                )
                .with_help(format!("add `sources: {{\"{}\": <path>}}` to the platform's parameters", ingestion.container)),
            );
        }
    }
}
