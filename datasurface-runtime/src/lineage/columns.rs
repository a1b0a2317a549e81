//! A transformer's column lineage as its job carries it: for each column
//! an output dataset's query writes, the input columns it comes from and
//! how, and the input columns that decide which rows are written; sent as
//! OpenLineage's `columnLineage` facet.

use serde::{Deserialize, Serialize};

use datasurface_platform::TransformerSql;
use datasurface_platform::escape::sql::Dialect as Quoting;

/// The `datasurface-sql` dialect of a platform's transformer queries.
pub fn dialect_of(sql: &TransformerSql) -> datasurface_sql::Dialect {
    match sql.dialect {
        Quoting::Sqlite => datasurface_sql::Dialect::Sqlite,
        Quoting::Postgres => datasurface_sql::Dialect::Postgres,
        Quoting::SparkSql => datasurface_sql::Dialect::Spark,
        _ => datasurface_sql::Dialect::Generic,
    }
}

/// An input column an output column (or the whole output) depends on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InputColumn {
    /// The input dataset, as the model names it: `<store>.<dataset>`.
    pub dataset: String,
    /// The column.
    pub field: String,
    /// How, as OpenLineage's transformation subtypes say it: `IDENTITY`,
    /// `TRANSFORMATION` and `AGGREGATION` for a column's values;
    /// `FILTER` for a column that decides which rows are written.
    pub subtype: String,
    /// Whether its values reach the output only through a hash.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub masking: bool,
}

/// An output column and what it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldLineage {
    /// The output column.
    pub field: String,
    /// The input columns its values come from (none for a constant).
    pub inputs: Vec<InputColumn>,
}

/// The column lineage of one output dataset of a transformer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnLineage {
    /// Each column the query writes, in its order.
    pub fields: Vec<FieldLineage>,
    /// The input columns that decide which rows are written (filters,
    /// joins, grouping).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataset: Vec<InputColumn>,
}

/// One input of a transformer: its name in the query, its model name
/// (`<store>.<dataset>`) and its columns.
#[derive(Debug, Clone)]
pub struct TransformerInput {
    /// As the query names it on the platform.
    pub table: String,
    /// As the model names it.
    pub dataset: String,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// The column lineage of `query` over `inputs` as the platform runs it;
/// `None` when the query does not parse.
pub fn column_lineage(
    query: &str,
    sql: &TransformerSql,
    inputs: &[TransformerInput],
) -> Option<ColumnLineage> {
    let tables: Vec<datasurface_sql::Input> = inputs
        .iter()
        .map(|i| datasurface_sql::Input::new(i.table.clone(), i.columns.iter().cloned()))
        .collect();
    let lineage = datasurface_sql::analyze(query, dialect_of(sql), &tables);
    if lineage
        .problems
        .iter()
        .any(|p| p.kind == datasurface_sql::ProblemKind::Unparseable)
    {
        return None;
    }
    let model_name = |table: &str| {
        inputs
            .iter()
            .find(|i| i.table == table)
            .map_or_else(|| table.to_owned(), |i| i.dataset.clone())
    };
    let fields = lineage
        .columns
        .iter()
        .map(|c| FieldLineage {
            field: c.name.clone(),
            inputs: c
                .sources
                .iter()
                .map(|s| InputColumn {
                    dataset: model_name(&s.table),
                    field: s.column.clone(),
                    subtype: match s.how {
                        datasurface_sql::How::Copied => "IDENTITY",
                        datasurface_sql::How::Transformed => "TRANSFORMATION",
                        datasurface_sql::How::Aggregated => "AGGREGATION",
                    }
                    .to_owned(),
                    masking: s.masked(),
                })
                .collect(),
        })
        .collect();
    let dataset = lineage
        .filtered_by
        .iter()
        .map(|f| InputColumn {
            dataset: model_name(&f.table),
            field: f.column.clone(),
            subtype: "FILTER".to_owned(),
            masking: false,
        })
        .collect();
    Some(ColumnLineage { fields, dataset })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_masking_query_of_northwind() {
        let inputs = [TransformerInput {
            table: "NW_Data_customers".to_owned(),
            dataset: "NW_Data.customers".to_owned(),
            columns: ["customer_id", "contact_name", "city"]
                .map(String::from)
                .to_vec(),
        }];
        let sql = TransformerSql::new(Quoting::Sqlite);
        let lineage = column_lineage(
            "SELECT customer_id, '***' AS contact_name, md5(city) AS city FROM NW_Data_customers WHERE city <> ''",
            &sql,
            &inputs,
        )
        .unwrap();
        assert_eq!(lineage.fields[0].inputs[0].subtype, "IDENTITY");
        assert_eq!(lineage.fields[0].inputs[0].dataset, "NW_Data.customers");
        assert!(lineage.fields[1].inputs.is_empty());
        assert!(lineage.fields[2].inputs[0].masking);
        assert_eq!(lineage.dataset[0].subtype, "FILTER");
        assert!(column_lineage("SELECT FROM WHERE", &sql, &inputs).is_none());
    }
}
