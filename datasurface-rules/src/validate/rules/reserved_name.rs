//! Diagnostic: reserved-name
//!
//! A datastore, dataset, column (or struct field), workspace or dataset
//! group becomes a database object, so its name is not a reserved SQL word
//! such as `order` or `select` (in any case). A reserved word has the form
//! of a name and parses, so a reference that is one (`dataset: order`,
//! meaning `orders`) is reported by the rule for what it refers to, with the
//! name it most likely meant; this rule reports the names that define.

use super::prelude::*;
use datasurface_core::names::reserved_sql_word;
use datasurface_core::types::DataType;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "reserved-name",
        Severity::Error,
        "A datastore, dataset, column, workspace or dataset group is named by a reserved SQL word.",
        "Rename it: a name that becomes a database object may not be a reserved SQL word, in any case. \
                  Renaming a dataset or column that consumers read is a breaking change; rename before it is published.",
    )
    .with_example(
        &[(
        "amount: {type: {Decimal: {precision: 12, scale: 2}}}",
        "order: {type: {Decimal: {precision: 12, scale: 2}}}",
    )],
        "model.yaml:51:21: error[reserved-name]: column `order` is named by the reserved SQL word `ORDER`
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/columns/order
  help: choose another name, for example `order_` (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    // Paths are made only for a name that is reserved: a model has a
    // million columns, and almost none is.
    let mut report = |path: &dyn Fn() -> ModelPath, what: &str, name: &str| {
        if let Some(word) = reserved_sql_word(name) {
            out.report(
                path(),
                format!("{what} `{name}` is named by the reserved SQL word `{word}`"),
                format!("choose another name, for example `{name}_`"),
            );
        }
    };
    for store in cx.index.datastores.values().flatten() {
        report(&|| store.path("datastores"), "datastore", store.name);
    }
    for at in cx.datasets() {
        report(&|| at.path(), "dataset", at.name);
        let columns = || at.path().keys(["schema", "columns"]);
        for (name, column) in &at.dataset.schema.columns {
            report(&|| columns().key(name.as_str()), "column", name);
            if composite(&column.data_type) {
                fields(
                    &column.data_type,
                    &columns().keys([name.as_str(), "type"]),
                    &mut report,
                );
            }
        }
    }
    for ws in cx.index.workspaces.values().flatten() {
        report(&|| ws.path("workspaces"), "workspace", ws.name);
        for group in ws.item.dataset_groups.keys() {
            report(
                &|| {
                    ws.path("workspaces")
                        .keys(["datasetGroups", group.as_str()])
                },
                "dataset group",
                group,
            );
        }
    }
}

/// Whether a type holds named fields, at any depth.
fn composite(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Struct(_) | DataType::Array(_) | DataType::Map(_)
    )
}

/// The fields of the structs within a type.
fn fields(
    t: &DataType,
    path: &ModelPath,
    report: &mut impl FnMut(&dyn Fn() -> ModelPath, &str, &str),
) {
    match t {
        DataType::Struct(s) => {
            for (name, field) in &s.fields {
                report(
                    &|| path.keys(["fields", name.as_str()]),
                    "struct field",
                    name,
                );
                fields(
                    &field.data_type,
                    &path.keys(["fields", name.as_str(), "type"]),
                    report,
                );
            }
        }
        DataType::Array(a) => fields(&a.element_type, &path.key("elementType"), report),
        DataType::Map(m) => {
            fields(&m.key_type, &path.key("keyType"), report);
            fields(&m.value_type, &path.key("valueType"), report);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::case;

    /// A reference that is a reserved word is not this rule's: it names
    /// nothing, so the rule for what it refers to suggests what was meant.
    #[test]
    fn a_reference_that_is_a_reserved_word_is_an_unknown_reference() {
        insta::assert_snapshot!(case(&super::super::unknown_dataset::RULE, &[("{datastore: Orders, dataset: customers}", "{datastore: Orders, dataset: order}")]), @r"
        model.yaml:103:41: error[unknown-dataset]: datastore `Orders` has no dataset `order`
          at: /zones/USA/teams/Reporting/workspaces/Dashboard/datasetGroups/Live/sinks/1/dataset
          help: did you mean `orders`? (in github:acme/reporting@main)
        ");
    }
}
