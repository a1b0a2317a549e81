//! Diagnostic: airflow-unreadable-source

use datasurface_platform::graph::NodeKind;
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;
use crate::{render, spec};

pub(super) const CODE: CodeInfo = CodeInfo::new(
    "airflow-unreadable-source",
    Severity::Warning,
    "An ingestion that an `airflow` platform renders reads a source its job runner cannot read.",
    "`datasurface job ingest` reads PostgreSQL tables (snapshot, watermark or change data capture), SQLite files and folders of CSV files named in the platform's `sources` parameter, and transformer outputs. The stream renders, but every batch fails with this reason until the source is one of those.",
)
.with_example(
    &[(
        "            kind: {database: {engine: POSTGRES, database: sales, endpoint: {host: sales.example, port: 5432}}}\n",
        "            kind: {database: {engine: SQL_SERVER, database: sales, endpoint: {host: sales.example, port: 1433}}}\n",
    )],
    "model.yaml:37:13: warning[airflow-unreadable-source]: platform `Batch` cannot read the source of `Orders`: the job runner reads PostgreSQL databases, SQLite snapshots and CSV folders; container `Sales DB` is a SqlServer database
  at: /zones/USA/teams/Sales/datastores/Orders/capture
  help: read the source from PostgreSQL, or map its container to a SQLite file or CSV folder in the platform's `sources` parameter (in github:acme/sales@main)",
);

pub(super) fn check(cx: &Lint<'_>, node: &NodeKind, found: &mut Vec<Diagnostic>) {
    let NodeKind::Ingest {
        datastore,
        dataset,
        from_platform,
        ..
    } = node
    else {
        return;
    };
    if let Some(primary) = from_platform {
        // A mirror reads the primary's merge database, never the source.
        if let Some(at) = cx.lookup.0.datastore(datastore)
            && let spec::SourceSpec::Unsupported { reason } = render::source_spec(
                cx.config,
                cx.lookup,
                at.item,
                (datastore, dataset.as_ref()),
                Some(primary.as_str()),
            )
        {
            found.push(
                CODE.at(
                    ModelPath::root().keys(["primaryIngestionPlatforms", datastore.as_str()]),
                    format!("platform `{}` cannot read `{datastore}`: {reason}", cx.platform),
                )
                .with_help(format!(
                    "map a `sqlite` primary's merge database in the platform's `primaries` parameter, or add `{}` to the datastore's primary ingestion platforms so it reads the source itself",
                    cx.platform
                )),
            );
        }
        return;
    }
    if let Some(at) = cx.lookup.0.datastore(datastore)
        && let spec::SourceSpec::Unsupported { reason } = render::source_spec(
            cx.config,
            cx.lookup,
            at.item,
            (datastore, dataset.as_ref()),
            None,
        )
    {
        found.push(
            CODE.at(
                ModelPath::team(at.zone, at.team).keys([
                    "datastores",
                    datastore.as_str(),
                    "capture",
                ]),
                format!(
                    "platform `{}` cannot read the source of `{datastore}`: {reason}",
                    cx.platform
                ),
            )
            .with_help("read the source from PostgreSQL, or map its container to a SQLite file or CSV folder in the platform's `sources` parameter"),
        );
    }
}
