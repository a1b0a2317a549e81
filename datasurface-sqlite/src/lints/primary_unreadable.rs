//! Diagnostics: sqlite-primary-unreadable, sqlite-primary-not-mapped.
//!
//! A datastore with primary ingestion platforms is ingested only by them;
//! a `sqlite` platform that is not among them mirrors it, reading the live
//! rows of the primary's merge database rather than the source.

use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;

pub(super) const UNREADABLE: CodeInfo = CodeInfo::new(
    "sqlite-primary-unreadable",
    Severity::Error,
    "A `sqlite` platform would mirror a datastore from a primary ingestion platform whose merge database it cannot read.",
    "A platform that is not a datastore's primary ingestion platform reads what the primary ingested, so the source is read once. The `sqlite` platform reads another `sqlite` platform's merge database, and an `airflow` platform's merge tables, only. Make this platform a primary ingestion platform of the datastore too (it then reads the source itself), or make the primary a `sqlite` or `airflow` platform.",
)
.with_example(
    &[
        ("platforms:\n  Batch:\n", "platforms:\n  Other: {kind: dbt, version: ^1}\n  Batch:\n"),
        ("  Orders: [Batch]\n", "  Orders: [Other]\n"),
    ],
    "model.yaml:116:3: error[sqlite-primary-unreadable]: platform `Batch` would mirror `Orders` from platform `Other` (kind `dbt`), whose merge database it cannot read: it reads a `sqlite` or `airflow` primary's only
  at: /primaryIngestionPlatforms/Orders
  help: add `Batch` to `primaryIngestionPlatforms` of `Orders` so it reads the source itself (in github:acme/ecosystem@main)",
);

pub(super) const NOT_MAPPED: CodeInfo = CodeInfo::new(
    "sqlite-primary-not-mapped",
    Severity::Warning,
    "A `sqlite` platform mirrors a datastore from a primary whose merge database its `primaries` parameter does not map.",
    "A mirror reads the primary's merge database, read-only: the ecosystem's owners map a `sqlite` primary to that file (`<its state directory>/merge.sqlite`), and an `airflow` primary to the credential that reads its merge tables (`{credential: NAME}`), in the mirror's `primaries` parameter. Otherwise the mirrored streams fail when they run.",
)
.with_example(
    &[
        ("platforms:\n  Batch:\n", "platforms:\n  Other: {kind: sqlite, version: ^0.1}\n  Batch:\n"),
        ("  Orders: [Batch]\n", "  Orders: [Other]\n"),
    ],
    "model.yaml:18:5: warning[sqlite-primary-not-mapped]: platform `Batch` mirrors `Orders` from platform `Other`, whose merge database its `primaries` parameter does not map
  at: /platforms/Batch/parameters
  help: add `primaries: {\"Other\": <its state directory>/merge.sqlite}` to the platform's parameters (in github:acme/ecosystem@main)",
);

pub(super) fn check(cx: &Lint<'_, '_>, found: &mut Vec<Diagnostic>) {
    let mapped = crate::SqliteParameters::of(cx.context.declaration).primaries;
    for (datastore, primary) in cx.graph.mirrored() {
        let kind = cx.eco.platforms.get(primary).map(|d| d.kind.as_str());
        let entry = ModelPath::root().keys(["primaryIngestionPlatforms", datastore.as_str()]);
        let readable = matches!(
            (kind, mapped.get(primary.as_str())),
            (Some("sqlite"), Some(crate::Primary::File(_)))
                | (Some("airflow"), Some(crate::Primary::Credential(_)))
        );
        if !matches!(kind, Some("sqlite" | "airflow")) {
            found.push(
                UNREADABLE
                    .at(
                        entry,
                        format!(
                            "platform `{}` would mirror `{datastore}` from platform `{primary}` (kind `{}`), whose merge database it cannot read: it reads a `sqlite` or `airflow` primary's only",
                            cx.platform,
                            kind.unwrap_or("unknown")
                        ),
                    )
                    .with_help(format!(
                        "add `{}` to `primaryIngestionPlatforms` of `{datastore}` so it reads the source itself",
                        cx.platform
                    )),
            );
        } else if !readable {
            found.push(
                NOT_MAPPED
                    .at(
                        ModelPath::root().keys(["platforms", cx.platform, "parameters"]),
                        format!(
                            "platform `{}` mirrors `{datastore}` from platform `{primary}`, whose merge database its `primaries` parameter does not map",
                            cx.platform
                        ),
                    )
                    .with_help(if kind == Some("airflow") {
                        format!("add `primaries: {{\"{primary}\": {{credential: <a credential that may read its merge tables>}}}}` to the platform's parameters")
                    } else {
                        format!("add `primaries: {{\"{primary}\": <its state directory>/merge.sqlite}}` to the platform's parameters")
                    }),
            );
        }
    }
}
