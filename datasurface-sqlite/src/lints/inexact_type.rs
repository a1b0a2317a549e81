//! Diagnostic: sqlite-inexact-type

use datasurface_platform::model::DataType;
use datasurface_platform::model::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;

pub(super) const CODE: CodeInfo = CodeInfo::new(
    "sqlite-inexact-type",
    Severity::Error,
    "A column's type holds values that the `sqlite` platform cannot keep exactly.",
    "SQLite's integers are 64-bit signed and its numbers carry 15 significant digits exactly. The platform keeps a decimal as a whole number of its smallest unit and shows it as a number, so it takes decimals of up to 15 digits, and integers of up to 64 bits signed or 63 unsigned. Use a narrower type, or a platform that keeps wider values.",
)
.with_example(
    &[(
        "                    amount: {type: {Decimal: {precision: 12, scale: 2}}}\n",
        "                    amount: {type: {Decimal: {precision: 20, scale: 2}}}\n",
    )],
    "model.yaml:52:30: error[sqlite-inexact-type]: column `amount` of `Orders.orders` is a decimal of 20 digits; SQLite numbers carry 15 exactly
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/columns/amount/type
  help: use a narrower type (Decimal of up to 15 digits, integers of up to 64 bits signed) (in github:acme/sales@main)",
);

/// Columns of what the platform ingests whose values SQLite cannot keep exactly.
pub(super) fn check(cx: &Lint<'_, '_>, found: &mut Vec<Diagnostic>) {
    for (datastore, at) in cx.ingested() {
        for (name, dataset) in &at.item.datasets {
            for (column, c) in &dataset.schema.columns {
                let why = match &c.data_type {
                    DataType::Decimal(d) if d.precision > 15 => format!(
                        "a decimal of {} digits; SQLite numbers carry 15 exactly",
                        d.precision
                    ),
                    DataType::FixedInteger(i) if i.bits > 64 || (i.bits == 64 && !i.signed) => {
                        format!(
                            "a {}{}-bit integer; SQLite's are 64-bit signed",
                            if i.signed { "" } else { "unsigned " },
                            i.bits
                        )
                    }
                    _ => continue,
                };
                found.push(
                    CODE.at(
                        ModelPath::team(at.zone, at.team).keys([
                            "datastores",
                            datastore.as_str(),
                            "datasets",
                            name.as_str(),
                            "schema",
                            "columns",
                            column.as_str(),
                            "type",
                        ]),
                        format!("column `{column}` of `{datastore}.{name}` is {why}"),
                    )
                    .with_help("use a narrower type (Decimal of up to 15 digits, integers of up to 64 bits signed)"),
                );
            }
        }
    }
}
