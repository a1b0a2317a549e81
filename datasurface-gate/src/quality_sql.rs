//! The SQL of datasets' `check` quality rules, read as each platform that
//! ingests the dataset reads it: a condition over the dataset's own
//! columns (`datasurface_sql::condition`), or a finding at its line and
//! column in the model file.

use std::collections::BTreeMap;

use datasurface_core::diagnostic::{CodeInfo, Diagnostic, ModelPath, Severity};
use datasurface_core::names::{ColumnName, DatastoreName};
use datasurface_core::quality::QualityRule;
use datasurface_graph::{IntentionGraphs, NodeKind};
use datasurface_platform::PlatformRegistry;
use datasurface_rules::ValidEcosystem;
use datasurface_sql::{Dialect, ProblemKind};

/// A `check` quality rule's SQL is not a condition over its dataset's columns.
pub const QUALITY_CHECK_INVALID: &str = "quality-check-invalid";

/// The code of the check.
pub(crate) const QUALITY_CODE: CodeInfo = CodeInfo::new(
    QUALITY_CHECK_INVALID,
    Severity::Error,
    "A `check` quality rule's SQL does not parse, names a column its dataset lacks, or holds more than a condition on one row.",
    "A `check` rule is a SQL condition every row of its dataset must meet, checked by each platform that ingests the dataset before a batch is visible. It may compare the row's own columns with values and each other (comparisons, arithmetic, `AND`/`OR`/`NOT`, `IN` and `BETWEEN` over values, `LIKE`, `IS NULL`, `CASE`, and `abs`, `coalesce`, `length`, `lower`, `nullif`, `trim`, `upper`), and nothing else: no subquery, table, other function or parameter, so no rule reads other data or runs code. Names are matched as the platform's SQL matches them (PostgreSQL folds a name not in double quotes to lower case).",
);

/// The findings of every dataset's `check` rules.
pub(crate) fn findings(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
) -> Vec<Diagnostic> {
    let mut dialects: Option<BTreeMap<&DatastoreName, Vec<Dialect>>> = None;
    let mut found = Vec::new();
    for (at, store_name, store) in valid.datastores() {
        for (name, dataset) in &store.datasets {
            for (n, rule) in dataset.quality.iter().enumerate() {
                let QualityRule::Check(check) = rule else {
                    continue;
                };
                let runs = dialects.get_or_insert_with(|| ingested_in(registry, valid, graphs));
                let in_dialects = runs
                    .get(store_name)
                    .cloned()
                    .unwrap_or_else(|| vec![Dialect::Generic]);
                let columns: Vec<&str> = dataset
                    .schema
                    .columns
                    .keys()
                    .map(ColumnName::as_str)
                    .collect();
                let path = ModelPath::team(at.zone.as_str(), at.team.as_str())
                    .keys([
                        "datastores",
                        store_name.as_str(),
                        "datasets",
                        name.as_str(),
                        "quality",
                    ])
                    .index(n)
                    .keys(["check", "sql"]);
                for dialect in in_dialects {
                    let Err(problem) =
                        datasurface_sql::condition::parse(&check.sql, dialect, &columns)
                    else {
                        continue;
                    };
                    let help = match (&problem.suggestion, problem.kind) {
                        (Some(near), _) => format!("did you mean `{near}`?"),
                        (None, ProblemKind::UnknownColumn) => format!(
                            "name a column of the dataset: {}",
                            datasurface_stdx::suggest::quote_list(&columns)
                        ),
                        _ => "write a condition on the row's own columns (`datasurface explain quality-check-invalid`)".to_owned(),
                    };
                    let place = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
                    found.push(
                        Diagnostic::new(
                            QUALITY_CHECK_INVALID,
                            Severity::Error,
                            path.clone(),
                            format!(
                                "quality rule `{}` of dataset `{store_name}.{name}` (as {}): {}",
                                rule.name(),
                                shown(dialect),
                                problem.message
                            ),
                        )
                        .with_help(help)
                        .in_text(place(problem.at.line), place(problem.at.column)),
                    );
                    // One finding per rule: the first dialect that refuses it.
                    break;
                }
            }
        }
    }
    found
}

/// The SQL dialects of the platforms that ingest each datastore.
fn ingested_in<'g>(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &'g IntentionGraphs,
) -> BTreeMap<&'g DatastoreName, Vec<Dialect>> {
    let mut found: BTreeMap<&DatastoreName, Vec<Dialect>> = BTreeMap::new();
    for (platform, graph) in &graphs.graphs {
        let runs = crate::transformer_sql::runs_on(registry, valid, platform);
        let dialect = datasurface_runtime::lineage::dialect_of(&runs);
        for node in graph.nodes() {
            let NodeKind::Ingest { datastore, .. } = &node.kind else {
                continue;
            };
            let all = found.entry(datastore).or_default();
            if !all.contains(&dialect) {
                all.push(dialect);
            }
        }
    }
    found
}

fn shown(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
        Dialect::Spark => "Spark SQL",
        _ => "ANSI SQL",
    }
}
