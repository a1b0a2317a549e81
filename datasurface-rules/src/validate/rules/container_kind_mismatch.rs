//! Diagnostic: container-kind-mismatch
//!
//! Each capture method reads one kind of container, and workspaces receive
//! data in containers that can hold tables.

use super::prelude::*;
use datasurface_core::{CaptureMethod, ContainerKind};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "container-kind-mismatch",
        Severity::Error,
        "A capture method or workspace uses a kind of data container it cannot work with.",
        "SQL snapshot, SQL watermark and CDC capture read a `database`; Kafka capture reads a `kafka` cluster; file drops read `objectStorage` or a `lakehouse`; workspaces receive data in anything but a Kafka cluster. Point the reference at a container of the right kind.",
    )
    .with_example(
        &[("method: {sqlSnapshot: {}}", "method: {kafka: {}}")],
        "model.yaml:39:17: error[container-kind-mismatch]: `kafka` capture reads a Kafka cluster, but container `Sales DB` is a database
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/container
  help: capture from a Kafka cluster, or use a capture method that reads a database (in github:acme/sales@main)",
    ),
    check,
};

fn expected(method: &CaptureMethod) -> (&'static str, fn(&ContainerKind) -> bool) {
    match method {
        CaptureMethod::SqlSnapshot(_) | CaptureMethod::SqlWatermark(_) | CaptureMethod::Cdc(_) => {
            ("a database", |k| matches!(k, ContainerKind::Database(_)))
        }
        CaptureMethod::Kafka(_) => ("a Kafka cluster", |k| matches!(k, ContainerKind::Kafka(_))),
        CaptureMethod::FileDrop(_) => ("object storage or a lakehouse", |k| {
            matches!(
                k,
                ContainerKind::ObjectStorage(_) | ContainerKind::Lakehouse(_)
            )
        }),
    }
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for store in cx.index.datastores.values().flatten() {
        let Some(ingestion) = store.item.capture.ingestion() else {
            continue;
        };
        let Some(container) = cx.index.container(&ingestion.container) else {
            continue;
        };
        let (wanted, fits) = expected(&ingestion.method);
        if !fits(&container.item.kind) {
            out.report(
                store
                    .path("datastores")
                    .keys(["capture", "ingestion", "container"]),
                format!(
                    "`{}` capture reads {wanted}, but container `{}` is {}",
                    ingestion.method.name(),
                    ingestion.container,
                    container.item.kind.described()
                ),
                format!(
                    "capture from {wanted}, or use a capture method that reads {}",
                    container.item.kind.described()
                ),
            );
        }
    }
    for ws in cx.index.workspaces.values().flatten() {
        let Some(name) = &ws.item.container else {
            continue;
        };
        if let Some(container) = cx.index.container(name)
            && matches!(container.item.kind, ContainerKind::Kafka(_))
        {
            out.report(
                ws.path("workspaces").key("container"),
                format!("workspace `{}` receives data in Kafka cluster `{name}`, which cannot hold tables", ws.name),
                "give the workspace a database, lakehouse, object storage or platform-managed container",
            );
        }
    }
}
