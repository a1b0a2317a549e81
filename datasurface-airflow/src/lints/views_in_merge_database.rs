//! Diagnostic: airflow-views-in-merge-database

use datasurface_core::{ContainerKind, DatabaseEngine};
use datasurface_platform::graph::NodeKind;
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;

pub(super) const CODE: CodeInfo = CodeInfo::new(
    "airflow-views-in-merge-database",
    Severity::Warning,
    "A workspace's container is a database other than PostgreSQL.",
    "The `airflow` platform delivers workspace views in its PostgreSQL merge database, in a schema per workspace. Point consumers there, or give the workspace a PostgreSQL or platform-managed container.",
)
.with_example(
    &[(
        "            kind: {database: {engine: POSTGRES, database: warehouse}}\n",
        "            kind: {database: {engine: SNOWFLAKE, database: warehouse}}\n",
    )],
    "model.yaml:63:13: warning[airflow-views-in-merge-database]: container `Warehouse` is a Snowflake database, but platform `Batch` delivers workspace views in its PostgreSQL merge database `datasurface` on `localhost`
  at: /zones/USA/teams/Reporting/containers/Warehouse/kind
  help: point consumers at the merge database, or use a PostgreSQL or platform-managed container (in github:acme/reporting@main)",
);

pub(super) fn check(cx: &Lint<'_>, node: &NodeKind, found: &mut Vec<Diagnostic>) {
    let NodeKind::Export { container, .. } = node else {
        return;
    };
    if let Some(at) = cx.lookup.0.container(container)
        && let ContainerKind::Database(db) = &at.item.kind
        && db.engine != DatabaseEngine::Postgres
    {
        found.push(
            CODE.at(
                ModelPath::team(at.zone, at.team).keys(["containers", container.as_str(), "kind"]),
                format!(
                    "container `{container}` is a {:?} database, but platform `{}` delivers workspace views in its PostgreSQL merge database `{}` on `{}`",
                    db.engine, cx.platform, cx.config.merge_database, cx.config.merge_host
                ),
            )
            .with_help("point consumers at the merge database, or use a PostgreSQL or platform-managed container"),
        );
    }
}
