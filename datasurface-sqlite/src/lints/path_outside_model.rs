//! Diagnostic: sqlite-path-outside-model

use datasurface_core::{ContainerKind, DatabaseEngine};
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;
use crate::confined;

pub(super) const CODE: CodeInfo = CodeInfo::new(
    "sqlite-path-outside-model",
    Severity::Error,
    "A `SQLITE` database container's file is not a relative path inside the model's directory.",
    "A team's container may name a file under the model's directory only (no absolute path, no `..`), so no team can make the platform read files elsewhere on the machine. Move the file into the model's directory, or have the ecosystem's owners map the container in the platform's `sources` parameter.",
)
.with_example(
    &[(
        "            kind: {database: {engine: POSTGRES, database: warehouse}}\n",
        "            kind: {database: {engine: SQLITE, database: ../../etc/warehouse.db}}\n",
    )],
    "model.yaml:64:47: error[sqlite-path-outside-model]: container `Warehouse` names the file `../../etc/warehouse.db`, which is not inside the model's directory
  at: /zones/USA/teams/Reporting/containers/Warehouse/kind/database/database
  help: name a file by a relative path without `..`, or map the container in the platform's `sources` parameter (in github:acme/reporting@main)",
);

pub(super) fn check(cx: &Lint<'_, '_>, found: &mut Vec<Diagnostic>) {
    for (at, name, c) in cx.eco.containers() {
        if let ContainerKind::Database(db) = &c.kind
            && db.engine == DatabaseEngine::Sqlite
            && !confined(&db.database)
        {
            found.push(
                CODE.at(
                    ModelPath::team(at.zone.as_str(), at.team.as_str()).keys(["containers", name.as_str(), "kind", "database", "database"]),
                    format!("container `{name}` names the file `{}`, which is not inside the model's directory", db.database),
                )
                .with_help("name a file by a relative path without `..`, or map the container in the platform's `sources` parameter"),
            );
        }
    }
}
