//! Diagnostic: platform-credential

use datasurface_rules::validate::{CodeInfo, Severity};

pub(crate) const CODE: CodeInfo = CodeInfo::new(
    crate::resources::PLATFORM_CREDENTIAL,
    Severity::Error,
    "A team's element or a credential declaration names a credential a platform uses for itself.",
    "A platform logs in with credentials of its own (the `airflow` platform's merge credential, `mergeCredential`; the credential a mirror reads a primary's merge tables with, under `primaries`): with them it can read and write every team's data. No capture, container, transformer or declaration may name one, or the platform would log in with it on a team's behalf, to a server the team chose. Name a credential your team owns (declared under `credentials` in its document); docs/security.md explains who owns what.",
)
.with_example(
    &[
        (
            "    kind: sqlite\n    version: ^0.1\n",
            "    kind: airflow\n    version: ^0.1\n    parameters: {mergeCredential: sales_reader}\n",
        ),
    ],
    "model.yaml:43:30: error[platform-credential]: the capture of datastore `Orders` names credential `sales_reader`, which is platform `Batch`'s own
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/credential/name
  help: platform `Batch` logs in with `sales_reader` for itself, and no team's job may; name a credential your team owns (declared under `credentials` in its document) (in github:acme/sales@main)",
);
