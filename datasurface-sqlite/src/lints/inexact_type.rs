//! Diagnostic: sqlite-inexact-type

use datasurface_core::DataType;
use datasurface_core::names::{ColumnName, DatasetName, DatastoreName, TeamName, ZoneName};
use datasurface_platform::graph::NodeKind;
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Severity};

use super::Lint;

pub(super) const CODE: CodeInfo = CodeInfo::new(
    "sqlite-inexact-type",
    Severity::Error,
    "A column's type holds values that the `sqlite` platform cannot keep exactly.",
    "SQLite's integers are 64-bit signed and its numbers carry 15 significant digits exactly. The platform keeps a decimal as a whole number of its smallest unit, and a consumer's view shows it as its exact text at the declared scale, so it takes decimals of up to 18 digits, and integers of up to 64 bits signed or 63 unsigned. A transformer's SQL computes with SQLite numbers, so a decimal a transformer reads has at most 15 digits. Use a narrower type, or a platform that keeps wider values.",
)
.with_example(
    &[(
        "                    amount: {type: {Decimal: {precision: 12, scale: 2}}}\n",
        "                    amount: {type: {Decimal: {precision: 20, scale: 2}}}\n",
    )],
    "model.yaml:52:30: error[sqlite-inexact-type]: column `amount` of `Orders.orders` is a decimal of 20 digits; the platform keeps 18 exactly
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/columns/amount/type
  help: use a narrower type (Decimal of up to 18 digits, integers of up to 64 bits signed) (in github:acme/sales@main)",
);

/// Columns of what the platform ingests whose values SQLite cannot keep
/// exactly, and decimals its transformers would compute with inexactly.
pub(super) fn check(cx: &Lint<'_, '_>, found: &mut Vec<Diagnostic>) {
    for (datastore, at) in cx.ingested() {
        for (name, dataset) in &at.item.datasets {
            for (column, c) in &dataset.schema.columns {
                let why = match &c.data_type {
                    DataType::Decimal(d) if d.precision > STORED_DIGITS => format!(
                        "a decimal of {} digits; the platform keeps {STORED_DIGITS} exactly",
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
                        column_path(at.zone, at.team, datastore, name, column),
                        format!("column `{column}` of `{datastore}.{name}` is {why}"),
                    )
                    .with_help(format!("use a narrower type (Decimal of up to {STORED_DIGITS} digits, integers of up to 64 bits signed)")),
                );
            }
        }
    }
    transformer_inputs(cx, found);
}

/// Digits of a decimal the platform stores (a whole number of its units in
/// a 64-bit integer) and shows exactly.
const STORED_DIGITS: u32 = 18;

/// Digits a SQLite number carries exactly, which a transformer computes with.
const COMPUTED_DIGITS: u32 = 15;

/// A decimal a transformer on this platform reads, wider than the numbers
/// its SQL computes with: reported once, at the dataset's column, naming
/// the transformer (the column's owner narrows it, or the transformer's
/// team reads it elsewhere).
fn transformer_inputs(cx: &Lint<'_, '_>, found: &mut Vec<Diagnostic>) {
    let mut seen = std::collections::BTreeSet::new();
    for node in cx.graph.nodes() {
        let NodeKind::DataTransformer { workspace } = &node.kind else {
            continue;
        };
        let Some(ws) = cx.index.workspace(workspace) else {
            continue;
        };
        for (_, sink) in ws.item.sinks() {
            let Some(at) = cx.index.datastore(&sink.datastore) else {
                continue;
            };
            let Some(dataset) = at.item.datasets.get(&sink.dataset) else {
                continue;
            };
            for (column, c) in &dataset.schema.columns {
                let DataType::Decimal(d) = &c.data_type else {
                    continue;
                };
                if d.precision <= COMPUTED_DIGITS || d.precision > STORED_DIGITS {
                    continue;
                }
                if !seen.insert((&sink.datastore, &sink.dataset, column)) {
                    continue;
                }
                found.push(
                    CODE.at(
                        column_path(at.zone, at.team, &sink.datastore, &sink.dataset, column),
                        format!(
                            "column `{column}` of `{}.{}` is a decimal of {} digits, and transformer `{workspace}` computes with SQLite numbers, which carry {COMPUTED_DIGITS} exactly",
                            sink.datastore, sink.dataset, d.precision
                        ),
                    )
                    .with_help(format!("use a Decimal of up to {COMPUTED_DIGITS} digits, or run the transformer on a platform with exact decimals")),
                );
            }
        }
    }
}

fn column_path(
    zone: &ZoneName,
    team: &TeamName,
    datastore: &DatastoreName,
    dataset: &DatasetName,
    column: &ColumnName,
) -> ModelPath {
    ModelPath::team(zone, team).keys([
        "datastores",
        datastore.as_str(),
        "datasets",
        dataset.as_str(),
        "schema",
        "columns",
        column.as_str(),
        "type",
    ])
}
