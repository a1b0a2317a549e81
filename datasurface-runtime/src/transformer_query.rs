//! A SQL transformer's queries as its platform's engine is to run them:
//! each read once, as the gate reads it (`datasurface_sql::query`), and
//! written again from that reading through the platform's quoting. Every
//! platform renders its transformers' queries here, so none sends an
//! engine the text as written, and none does it its own way.

use datasurface_core::names::{ColumnName, DatasetName, DatastoreName};
use datasurface_core::{CodeArtifact, Datastore, Workspace};
use datasurface_platform::escape::sql::Dialect as Quoting;
use datasurface_platform::{PlatformError, TransformerSql};

use crate::lineage::dialect_of;

/// A query that cannot be run as judged: the gate refuses it first
/// (`transformer-sql-refused`, `transformer-sql-unresolved`,
/// `transformer-sql-output-mismatch`), so a platform sees this only for a
/// model that did not pass it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the query for `{datastore}.{dataset}` of workspace `{workspace}` cannot run as the gate judges it: {problem} (line {line}, column {column}); `datasurface check` says more"
)]
pub struct QueryRefused {
    /// The transformer's workspace.
    pub workspace: String,
    /// Its output datastore.
    pub datastore: String,
    /// The output dataset the query writes.
    pub dataset: String,
    /// The first problem.
    pub problem: String,
    /// Where, in the query.
    pub line: u64,
    /// Where, in the query.
    pub column: u64,
}

/// The platform's quoting, for `datasurface-sql`'s writer.
struct Quoted(Quoting);

impl datasurface_sql::query::Quoting for Quoted {
    fn ident(&self, name: &str) -> String {
        self.0.ident(name)
    }

    fn text(&self, text: &str) -> String {
        self.0.literal(text)
    }
}

/// The queries of the SQL transformer of `workspace` (named `name`), by
/// output dataset in name order, as `sql`'s engine on `platform` is to run
/// them; `store` finds a datastore by name. Empty for a transformer of
/// other code.
///
/// # Errors
///
/// [`PlatformError::Other`] from [`QueryRefused`], for the first query
/// that cannot run as judged: the render fails.
pub fn rendered_queries<'m>(
    platform: &str,
    name: &str,
    workspace: &Workspace,
    sql: &TransformerSql,
    store: impl Fn(&DatastoreName) -> Option<&'m Datastore>,
) -> Result<Vec<(DatasetName, String)>, PlatformError> {
    let Some(transformer) = &workspace.transformer else {
        return Ok(Vec::new());
    };
    let CodeArtifact::Sql(code) = &transformer.code else {
        return Ok(Vec::new());
    };
    let inputs: Vec<datasurface_sql::Input> = workspace
        .sinks()
        .filter_map(|(_, sink)| {
            let dataset = store(&sink.datastore)?.datasets.get(&sink.dataset)?;
            Some(datasurface_sql::Input::new(
                (sql.input_name)(sink.datastore.as_str(), sink.dataset.as_str()),
                dataset.schema.columns.keys().map(ToString::to_string),
            ))
        })
        .collect();
    let output = store(&transformer.output_datastore);
    let quoting = Quoted(sql.dialect);
    let mut rendered = Vec::new();
    for (dataset, query) in code.sorted_queries() {
        let columns: Vec<&str> = output
            .and_then(|o| o.datasets.get(dataset))
            .map(|d| d.schema.columns.keys().map(ColumnName::as_str).collect())
            .unwrap_or_default();
        let reading = datasurface_sql::query::read(query, dialect_of(sql), &inputs);
        let written = reading.render(&quoting, &columns).map_err(|problems| {
            let first = problems.first();
            let refused = QueryRefused {
                workspace: name.to_owned(),
                datastore: transformer.output_datastore.to_string(),
                dataset: dataset.to_string(),
                problem: first
                    .map_or_else(|| "it writes no column".to_owned(), |p| p.message.clone()),
                line: first.map_or(1, |p| p.at.line),
                column: first.map_or(1, |p| p.at.column),
            };
            PlatformError::Other {
                platform: platform.to_owned(),
                source: Box::new(refused),
            }
        })?;
        rendered.push((dataset.clone(), written));
    }
    Ok(rendered)
}
