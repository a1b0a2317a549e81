//! Diagnostic: unknown-platform-kind

use datasurface_rules::validate::{CodeInfo, Severity};

pub(crate) const CODE: CodeInfo = CodeInfo::new(
    "unknown-platform-kind",
    Severity::Error,
    "A platform declaration names a kind no registered implementation has.",
    "Use one of the kinds the message lists (this build knows them), or register an implementation of that kind. A kind that another program renders is not an error where the gate is told so: `datasurface check --platform-kinds-external <KIND>` (and `verify`), or `external_kinds` of `check_platforms`.",
)
.with_example(
    &[
        (
            "    kind: sqlite\n",
            "    kind: sqlit\n",
        ),
    ],
    "model.yaml:15:5: error[unknown-platform-kind]: no implementation of platform kind `sqlit` is available for platform `Batch`
  at: /platforms/Batch/kind
  help: available kinds: airflow, external, spark, sqlite; if another program renders kind `sqlit`, tell the gate so (`--platform-kinds-external sqlit`) (in github:acme/ecosystem@main)",
);
