//! Diagnostic: sqlite-cdc-not-postgres
//!
//! Change data capture reads PostgreSQL's log of changes (logical
//! decoding), over the network: the capture's container must be a
//! PostgreSQL database that says where it is.

use datasurface_core::{CaptureMethod, ContainerKind, DatabaseEngine};
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;

pub(super) const CODE: CodeInfo = CodeInfo::new(
    "sqlite-cdc-not-postgres",
    Severity::Error,
    "A `sqlite` platform would follow the changes of a container that is not a PostgreSQL database with an endpoint.",
    "The `sqlite` platform reads change data capture from PostgreSQL's logical decoding, reached at the container's endpoint with the capture's credential. Give the container `engine: POSTGRES` and an `endpoint: {host, port}`, or capture a SQLite file or CSV folder with `sqlSnapshot` or `fileDrop`.",
)
.with_example(
    &[("method: {sqlSnapshot: {}}", "method: {cdc: {}}")],
    "model.yaml:40:17: error[sqlite-cdc-not-postgres]: platform `Batch` would follow the changes of `Orders` in container `Sales DB`, a PostgreSQL database that names no endpoint
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/container
  help: give container `Sales DB` an `endpoint: {host, port}` (in github:acme/sales@main)",
);

/// Whether a change data capture from this container can be read: a
/// PostgreSQL database with an endpoint. What is wrong otherwise.
fn unreadable(kind: Option<&ContainerKind>) -> Option<(&'static str, &'static str)> {
    match kind {
        Some(ContainerKind::Database(db)) => match (db.engine, &db.endpoint) {
            (DatabaseEngine::Postgres, Some(_)) => None,
            (DatabaseEngine::Postgres, None) => Some((
                "a PostgreSQL database that names no endpoint",
                "give container `{}` an `endpoint: {host, port}`",
            )),
            _ => Some((
                "not a PostgreSQL database",
                "capture container `{}` with `sqlSnapshot`, or follow a PostgreSQL database's changes",
            )),
        },
        _ => Some((
            "not a database",
            "follow the changes of a PostgreSQL database, not container `{}`",
        )),
    }
}

pub(super) fn check(cx: &Lint<'_, '_>, found: &mut Vec<Diagnostic>) {
    for (datastore, at) in cx.ingested() {
        let Some(ingestion) = at.item.capture.ingestion() else {
            continue;
        };
        if !matches!(ingestion.method, CaptureMethod::Cdc(_)) {
            continue;
        }
        let kind = cx
            .index
            .container(&ingestion.container)
            .map(|c| &c.item.kind);
        let Some((what, help)) = unreadable(kind) else {
            continue;
        };
        found.push(
            CODE.at(
                ModelPath::team(at.zone, at.team).keys([
                    "datastores",
                    datastore.as_str(),
                    "capture",
                    "ingestion",
                    "container",
                ]),
                format!(
                    "platform `{}` would follow the changes of `{datastore}` in container `{}`, {what}",
                    cx.platform, ingestion.container
                ),
            )
            .with_help(help.replace("{}", ingestion.container.as_str())),
        );
    }
}
