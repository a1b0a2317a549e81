//! Diagnostic: airflow-missing-credential

use datasurface_platform::graph::NodeKind;
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;

pub(super) const CODE: CodeInfo = CodeInfo::new(
    "airflow-missing-credential",
    Severity::Error,
    "A SQL capture that an `airflow` platform ingests names no credential.",
    "The ingestion job must log in to the source. Add `credential: {name: <secret name>, type: USER_PASSWORD}` to the capture; the value stays in the secret store (`airflow/secrets.md` in the rendering lists what to create).",
)
.with_example(
    &[("                credential: {name: sales_reader, type: USER_PASSWORD}\n", "")],
    "model.yaml:38:15: error[airflow-missing-credential]: platform `Batch` ingests `Orders` but its capture names no credential
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion
  help: add `credential: {name: <secret name>, type: USER_PASSWORD}`; the value stays in the secret store (in github:acme/sales@main)",
);

pub(super) fn check(cx: &Lint<'_>, node: &NodeKind, found: &mut Vec<Diagnostic>) {
    let NodeKind::Ingest {
        datastore,
        from_platform: None,
        ..
    } = node
    else {
        return;
    };
    if let Some(at) = cx.lookup.0.datastore(datastore)
        && let Some(ingestion) = at.item.capture.ingestion()
        && ingestion.credential.is_none()
    {
        found.push(
            CODE.at(
                ModelPath::team(at.zone, at.team).keys([
                    "datastores",
                    datastore.as_str(),
                    "capture",
                    "ingestion",
                ]),
                format!(
                    "platform `{}` ingests `{datastore}` but its capture names no credential",
                    cx.platform
                ),
            )
            .with_help("add `credential: {name: <secret name>, type: USER_PASSWORD}`; the value stays in the secret store"),
        );
    }
}
