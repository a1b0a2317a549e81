//! Diagnostic: unsupported-by-platform

use datasurface_rules::validate::{CodeInfo, Severity};

pub(crate) const CODE: CodeInfo = CodeInfo::new(
    "unsupported-by-platform",
    Severity::Error,
    "The model asks a platform for something its capabilities do not include.",
    "A capture method, milestoning strategy, container kind, column type, trigger, transformer code kind or hook that the platform does not declare. Assign the dataset group to a platform that supports it, or change what the model asks for. Nothing is rendered until it is fixed.",
)
.with_example(
    &[
        (
            "                    name: {type: {NVarChar: {maxSize: 100}}}\n",
            "                    name: {type: {NVarChar: {maxSize: 100}}}\n                    embedding: {type: {Vector: {dimensions: 8}}}\n",
        ),
    ],
    "model.yaml:59:33: error[unsupported-by-platform]: platform `Batch` (kind `sqlite`) does not support the `Vector` type
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/customers/schema/columns/embedding/type
  help: assign this dataset group to a platform that supports it, or change what the model asks for (in github:acme/sales@main)",
);
