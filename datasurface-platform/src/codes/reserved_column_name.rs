//! Diagnostic: reserved-column-name

use datasurface_rules::validate::{CodeInfo, Severity};

pub(crate) const CODE: CodeInfo = CodeInfo::new(
    crate::physical::RESERVED_COLUMN,
    Severity::Error,
    "A column's name starts with a prefix a platform keeps for its own columns.",
    "Platforms add columns of their own to merge tables (batch ids, row hashes). Rename the column so it does not start with the prefix the message names.",
)
.with_example(
    &[
        (
            "                    amount: {type: {Decimal: {precision: 12, scale: 2}}}\n",
            "                    ds_surf_amount: {type: {Decimal: {precision: 12, scale: 2}}}\n",
        ),
    ],
    "model.yaml:51:21: error[reserved-column-name]: column `ds_surf_amount` of dataset `Orders.orders` starts with `ds_`, which platform `Batch` keeps for its own columns
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/columns/ds_surf_amount
  help: rename the column so it does not start with `ds_` (in github:acme/sales@main)",
);
