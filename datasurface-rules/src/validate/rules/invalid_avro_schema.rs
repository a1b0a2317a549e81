//! Diagnostic: invalid-avro-schema
//!
//! A dataset whose schema is an Avro record (`schema.avro`) takes its
//! columns from the record: the record must parse and be valid Avro 1.12
//! (names, logical types, defaults of their field's type), its fields must
//! be columns (names that are SQL identifiers, types a column holds: one
//! type, or a union of one type with `null`), a file must be read from the
//! model's directory with the SHA-256 it is pinned by, and columns written
//! beside it must be the record's.

use super::prelude::*;
use datasurface_avro::SourceProblem;
use datasurface_core::schema::AvroSource;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-avro-schema",
        Severity::Error,
        "A dataset's Avro schema is not a valid record, cannot be read, or differs from the columns written beside it.",
        "Fix the record where the finding says (each problem names its place in the schema, such as `fields[2].default`). A file is read from the model's directory, as a regular file inside it, and must have the SHA-256 the model pins (`sha256sum FILE`); check a model with Avro files as a directory, not a single document. Leave `columns` out: they come from the record.",
    )
    .with_example(
        &[(
        "order_id: {type: BigInt, nullable: false}\n                    customer_id: {type: Integer, nullable: false}\n                    amount: {type: {Decimal: {precision: 12, scale: 2}}}\n",
        "order_id: {type: BigInt, nullable: false}\n                  avro:\n                    inline: {type: record, name: Order, fields: [{name: order_id, type: long}, {name: amount, type: int, default: \"none\"}]}\n",
    )],
        "model.yaml:51:21: error[invalid-avro-schema]: the Avro schema of dataset `Orders.orders` is not valid: fields[1].default: the default `\"none\"` is not of type `int`
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/avro/inline
  help: fix the record there; `datasurface explain invalid-avro-schema` says what a dataset's record may hold (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for placed in cx.index.datastores.values().flatten() {
        for (name, dataset) in &placed.item.datasets {
            let Some(source) = &dataset.schema.avro else {
                continue;
            };
            let path = || {
                placed
                    .path("datastores")
                    .keys(["datasets", name.as_str(), "schema", "avro"])
            };
            let what = format!("the Avro schema of dataset `{}.{name}`", placed.name);
            let avro = match datasurface_avro::dataset_schema(source) {
                Ok(avro) => avro,
                Err(SourceProblem::NotRead) => {
                    out.report(
                        path(),
                        format!("{what} is in a file that was not read"),
                        "check the model as a directory, so the files it names are read from it",
                    );
                    continue;
                }
                Err(SourceProblem::Unreadable(why)) => {
                    out.report(path(), format!("{what} cannot be read: {why}"), "keep the file inside the model's directory, as a regular file, and pin its SHA-256");
                    continue;
                }
                Err(SourceProblem::Invalid(errors)) => {
                    let at = match source {
                        AvroSource::Inline(_) => path().key("inline"),
                        AvroSource::File(_) => path().key("file"),
                    };
                    for e in errors {
                        out.report(
                            at.clone(),
                            format!("{what} is not valid: {e}"),
                            "fix the record there; `datasurface explain invalid-avro-schema` says what a dataset's record may hold",
                        );
                    }
                    continue;
                }
            };
            if avro.columns != dataset.schema.columns {
                out.report(
                    placed.path("datastores").keys([
                        "datasets",
                        name.as_str(),
                        "schema",
                        "columns",
                    ]),
                    format!(
                        "dataset `{}.{name}` writes columns that are not its Avro record's",
                        placed.name
                    ),
                    "leave `columns` out: they come from the Avro record",
                );
            }
        }
    }
}
