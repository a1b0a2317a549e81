//! A dataset's column lineage: for a transformer's output, which input
//! columns make each of its columns, and how; for any dataset, which
//! columns of transformers' outputs its own columns make. Found by parsing
//! the transformers' SQL (`datasurface-sql`, names matched whatever their
//! case, as ANSI SQL does).

use datasurface_core::CodeArtifact;
use datasurface_core::names::{DatasetName, DatastoreName, WorkspaceName};
use schemars::JsonSchema;
use serde::Serialize;

use crate::snapshot::Snapshot;

/// The column lineage of one dataset.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct ColumnLineage {
    /// The transformer's workspace that writes the dataset, if one does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) produced_by: Option<String>,
    /// Each column of the dataset, in its schema's order.
    pub(crate) columns: Vec<ColumnLinks>,
    /// The input columns that decide which rows the transformer writes
    /// (its filters, joins and grouping).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) filtered_by: Vec<ColumnRef>,
    /// What kept the lineage from being whole: a query that does not
    /// parse, or a part of one that is not followed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) problems: Vec<String>,
}

/// One column: what makes it, and what it makes.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct ColumnLinks {
    pub(crate) name: String,
    /// The input columns it comes from (for a transformer's output; none
    /// for a constant).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) from: Vec<ColumnRef>,
    /// The columns of transformers' outputs it makes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) feeds: Vec<ColumnRef>,
}

/// A column of another dataset, and how the two are linked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct ColumnRef {
    pub(crate) store: String,
    pub(crate) dataset: String,
    pub(crate) column: String,
    /// `copied`, `transformed`, `aggregated`, or `filter` for a column
    /// that decides which rows are written.
    pub(crate) how: &'static str,
    /// The functions the values pass through, innermost first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) through: Vec<String>,
}

fn how(h: datasurface_sql::How) -> &'static str {
    match h {
        datasurface_sql::How::Copied => "copied",
        datasurface_sql::How::Transformed => "transformed",
        datasurface_sql::How::Aggregated => "aggregated",
    }
}

/// An input of a transformer: its table in the query (with its columns),
/// and its store and dataset.
type Input = (datasurface_sql::Input, DatastoreName, DatasetName);

/// Each input of `workspace`'s transformer.
fn inputs(snap: &Snapshot, workspace: &str) -> Vec<Input> {
    let Some((_, _, _, ws)) = snap.workspace(workspace) else {
        return Vec::new();
    };
    ws.sinks()
        .filter_map(|(_, sink)| {
            let (_, _, _, store) = snap.datastore(sink.datastore.as_str())?;
            let dataset = store.datasets.get(&sink.dataset)?;
            Some((
                datasurface_sql::Input::new(
                    format!("{}_{}", sink.datastore, sink.dataset),
                    dataset.schema.columns.keys().map(ToString::to_string),
                ),
                sink.datastore.clone(),
                sink.dataset.clone(),
            ))
        })
        .collect()
}

/// The lineage of the query `workspace`'s transformer writes `dataset`
/// of its output with, if it has one.
fn query_lineage(
    snap: &Snapshot,
    workspace: &WorkspaceName,
    dataset: &DatasetName,
) -> Option<(datasurface_sql::Lineage, Vec<Input>)> {
    let (_, _, _, ws) = snap.workspace(workspace.as_str())?;
    let CodeArtifact::Sql(code) = &ws.transformer.as_ref()?.code else {
        return None;
    };
    let query = code.queries.get(dataset)?;
    let inputs = inputs(snap, workspace.as_str());
    let tables: Vec<datasurface_sql::Input> = inputs.iter().map(|(i, _, _)| i.clone()).collect();
    Some((
        datasurface_sql::analyze(query, datasurface_sql::Dialect::Generic, &tables),
        inputs,
    ))
}

/// The column lineage of `store.dataset`, whose columns are `columns`.
pub(crate) fn column_lineage(
    snap: &Snapshot,
    store: &DatastoreName,
    dataset: &DatasetName,
    columns: &[String],
) -> ColumnLineage {
    let mut links: Vec<ColumnLinks> = columns
        .iter()
        .map(|c| ColumnLinks {
            name: c.clone(),
            from: Vec::new(),
            feeds: Vec::new(),
        })
        .collect();
    let mut filtered_by = Vec::new();
    let mut problems = Vec::new();
    let produced_by = snap.producers.get(store).cloned();
    if let Some(workspace) = &produced_by
        && let Some((lineage, inputs)) = query_lineage(snap, workspace, dataset)
    {
        let of = |table: &str| inputs.iter().find(|(i, _, _)| i.name == table);
        for out in &lineage.columns {
            let Some(link) = links
                .iter_mut()
                .find(|l| datasurface_sql::Dialect::Generic.writes(&out.name, &l.name))
            else {
                continue;
            };
            link.from = out
                .sources
                .iter()
                .filter_map(|s| {
                    let (_, store, dataset) = of(&s.table)?;
                    Some(ColumnRef {
                        store: store.to_string(),
                        dataset: dataset.to_string(),
                        column: s.column.clone(),
                        how: how(s.how),
                        through: s.through.clone(),
                    })
                })
                .collect();
        }
        filtered_by = lineage
            .filtered_by
            .iter()
            .filter_map(|f| {
                let (_, store, dataset) = of(&f.table)?;
                Some(ColumnRef {
                    store: store.to_string(),
                    dataset: dataset.to_string(),
                    column: f.column.clone(),
                    how: "filter",
                    through: Vec::new(),
                })
            })
            .collect();
        problems.extend(lineage.problems.iter().map(|p| {
            format!(
                "the query of `{workspace}`, at its line {} column {}: {}",
                p.at.line, p.at.column, p.message
            )
        }));
    }
    feeds(snap, store, dataset, &mut links);
    ColumnLineage {
        produced_by: produced_by.map(|w| w.to_string()),
        columns: links,
        filtered_by,
        problems,
    }
}

/// What the columns of `store.dataset` make, into `links`: each column of
/// a transformer's output that comes from one, for every transformer that
/// reads the dataset.
fn feeds(snap: &Snapshot, store: &DatastoreName, dataset: &DatasetName, links: &mut [ColumnLinks]) {
    let table = format!("{store}_{dataset}");
    for reader in snap.readers_of(store, dataset) {
        let Some((_, _, _, ws)) = snap.workspace(reader.workspace.as_str()) else {
            continue;
        };
        let Some(transformer) = &ws.transformer else {
            continue;
        };
        let Some((_, _, _, out)) = snap.datastore(transformer.output_datastore.as_str()) else {
            continue;
        };
        for out_dataset in out.datasets.keys() {
            let Some((lineage, _)) = query_lineage(snap, &reader.workspace, out_dataset) else {
                continue;
            };
            for written in &lineage.columns {
                for s in written
                    .sources
                    .iter()
                    .filter(|s| datasurface_sql::Dialect::Generic.matches(&s.table, false, &table))
                {
                    if let Some(link) = links.iter_mut().find(|l| l.name == s.column) {
                        let feed = ColumnRef {
                            store: transformer.output_datastore.to_string(),
                            dataset: out_dataset.to_string(),
                            column: written.name.clone(),
                            how: how(s.how),
                            through: s.through.clone(),
                        };
                        if !link.feeds.contains(&feed) {
                            link.feeds.push(feed);
                        }
                    }
                }
            }
        }
    }
}
