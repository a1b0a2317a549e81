//! Diagnostic: physical-name-collision

use datasurface_rules::validate::{CodeInfo, Severity};

pub(crate) const CODE: CodeInfo = CodeInfo::new(
    crate::physical::COLLISION,
    Severity::Error,
    "Two model objects would become one physical name on a platform (a table, view, file, DAG or other name).",
    "Platforms fold case, replace characters and shorten long names, so distinct model names can meet; two sources would then write one table. The message names both objects and the physical name: rename one of them.",
)
.with_example(
    &[
        (
            "              customers:\n",
            "              Orders:\n                classifications: [PUB]\n                schema:\n                  columns:\n                    id: {type: Integer, nullable: false}\n                  primaryKey: [id]\n              customers:\n",
        ),
    ],
    "model.yaml:53:15: error[physical-name-collision]: dataset `Orders.Orders` and dataset `Orders.orders` would both be a table in the merge database named `Orders__Orders__staging` on platform `Batch` (and 1 more of the names made from them)
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/Orders
  help: rename one of them: platform `Batch` compares names without case and joins name parts with `__` (container file names: characters other than letters, digits, `-` and `_` as `_`), so their names meet (the other is at /zones/USA/teams/Sales/datastores/Orders/datasets/orders) (in github:acme/sales@main)",
);
