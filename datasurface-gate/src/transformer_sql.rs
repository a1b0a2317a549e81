//! The gate's check of SQL transformers' queries: each one parsed in the
//! dialect of every platform that runs it, every table and column it names
//! resolved against the transformer's inputs, and what it writes compared
//! with its output dataset's columns, so a misspelt column is an error at
//! `check`, where it is written, rather than a failed run.

use std::collections::BTreeMap;

use datasurface_core::CodeArtifact;
use datasurface_core::diagnostic::{Diagnostic, ModelPath, Severity};
use datasurface_core::names::{PlatformName, WorkspaceName};
use datasurface_core::regions::{self, Region};
use datasurface_platform::escape::sql::Dialect as Quoting;
use datasurface_platform::graph::{IntentionGraphs, NodeKind};
use datasurface_platform::{PlatformRegistry, TransformerSql};
use datasurface_rules::validate::{CodeInfo, ValidEcosystem};
use datasurface_sql::{Dialect, Input, ProblemKind, query};

use crate::classification_flow::{self, FlowInput, FlowOutput};

/// A query names a table or column its inputs do not have, or a column
/// two of them have.
pub const SQL_UNRESOLVED: &str = "transformer-sql-unresolved";
/// A query writes other columns than its output dataset has.
pub const SQL_OUTPUT_MISMATCH: &str = "transformer-sql-output-mismatch";
/// A query no platform runs does not parse, or holds what its lineage
/// does not follow.
pub const SQL_NOT_ANALYSED: &str = "transformer-sql-not-analysed";
/// A query a platform runs holds what no transformer's query may, its
/// engines read it differently, or the gate cannot read it.
pub const SQL_REFUSED: &str = "transformer-sql-refused";

/// The codes of the check.
pub const SQL_CODES: &[CodeInfo] = &[
    CodeInfo::new(
        SQL_UNRESOLVED,
        Severity::Error,
        "A transformer's query names a table or column its inputs do not have, or a column more than one of them has.",
        "A SQL transformer reads its workspace's sinks, each as the table `<datastore>_<dataset>` with the dataset's columns, and nothing else. Every table and column its query names is resolved against them, in the SQL dialect of each platform that runs it (PostgreSQL folds a name not in double quotes to lower case; SQLite matches names in any case), so a misspelt name fails `check` where it is written instead of the run. The message names the nearest right name; qualify a column two tables have (`o.customer_id`).",
    ),
    CodeInfo::new(
        SQL_OUTPUT_MISMATCH,
        Severity::Error,
        "A transformer's query writes other columns than its output dataset declares.",
        "Each query writes one dataset of the transformer's output datastore, whose schema says its columns: the query must write each of them, by name (`AS` names a computed one), and no other.",
    ),
    CodeInfo::new(
        SQL_NOT_ANALYSED,
        Severity::Warning,
        "A transformer's query that no platform runs does not parse as ANSI SQL, or holds a part its column lineage does not follow.",
        "The gate parses each query to check the names it uses and to find its column lineage. A query no platform runs yet is read as ANSI SQL, and what the gate cannot read there is only a warning; once a platform runs it, the same is an error (`transformer-sql-refused`).",
    ),
    CodeInfo::new(
        SQL_REFUSED,
        Severity::Error,
        "A transformer's query holds what no transformer's query may, reads differently to its engines, or cannot be read by the gate.",
        "What runs is what was judged: the gate reads each query once in the SQL of every engine that runs it, and the platform sends the engine SQL written again from that reading, never the text as written (docs/security.md). So a query is refused at its line and column when it holds what an engine would read otherwise than the gate (`${`, which Spark SQL substitutes before it parses; a comment inside a comment; a backslash in quotes), when two of its engines read it differently, when it steps outside the relational subset every engine runs alike (projections, filters, joins, aggregates, windows, unions, `WITH`, sorts, casts, `CASE`, `LIKE`, `IN`, `EXISTS` and subqueries; no scripts, table functions, files, settings, recursion or reflection), when it calls a function not every one of its engines runs, or when the gate cannot read it at all. The functions: `abs`, `avg`, `coalesce`, `concat`, `concat_ws`, `count`, `dense_rank`, `first_value`, `lag`, `last_value`, `lead`, `length`, `lower`, `ltrim`, `max`, `min`, `ntile`, `nullif`, `rank`, `replace`, `round`, `row_number`, `rtrim`, `substr`, `sum`, `trim` and `upper` on every engine; `greatest`, `least` and `md5` on PostgreSQL and Spark SQL; `string_agg` on PostgreSQL and SQLite; `instr` on SQLite and Spark SQL; `group_concat` on SQLite; `sha2` on Spark SQL.",
    ),
    classification_flow::FLOW_CODE,
    crate::quality_sql::QUALITY_CODE,
];

/// The findings of every SQL transformer of `valid`, the transformers
/// shared out over the machine's cores.
pub(crate) fn findings(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
) -> Vec<Diagnostic> {
    // Every transformer: a SQL one's queries are analysed; any other's
    // code is opaque, so its classifications are judged as if every
    // column it reads could reach every column it writes.
    let work: Vec<SqlTransformer<'_>> = valid
        .workspaces()
        .filter_map(|(at, name, workspace)| {
            let transformer = workspace.transformer.as_ref()?;
            let code = match &transformer.code {
                CodeArtifact::Sql(code) => Some(code),
                _ => None,
            };
            Some(SqlTransformer {
                at,
                name,
                workspace,
                transformer,
                code,
            })
        })
        .collect();
    if work.is_empty() {
        return Vec::new();
    }
    let runs = dialects(registry, valid, graphs);
    let ansi = vec![ansi()];
    // Only the datastores the transformers read and write, by name.
    let wanted: std::collections::BTreeSet<&datasurface_core::names::DatastoreName> = work
        .iter()
        .flat_map(|t| {
            t.workspace
                .sinks()
                .map(|(_, sink)| &sink.datastore)
                .chain([&t.transformer.output_datastore])
        })
        .collect();
    let index: Stores<'_> = valid
        .datastores()
        .filter(|(_, name, _)| wanted.contains(name))
        .map(|(at, name, store)| {
            let region = Region::Team(at.zone.clone(), at.team.clone());
            let owner = regions::owner_or_parent(valid, &region).to_string();
            (name, (at, store, owner))
        })
        .collect();
    datasurface_stdx::parallel::each(
        &work,
        |t| {
            t.code
                .map_or(1, |c| c.queries.values().map(String::len).sum())
        },
        |t| match runs.get(t.name) {
            Some(dialects) => one(&index, dialects, true, t),
            None => one(&index, &ansi, false, t),
        },
    )
    .into_iter()
    .flatten()
    .collect()
}

/// A SQL transformer, with where it is.
struct SqlTransformer<'a> {
    at: datasurface_core::TeamLocation<'a>,
    name: &'a WorkspaceName,
    workspace: &'a datasurface_core::Workspace,
    transformer: &'a datasurface_core::DataTransformer,
    /// Its queries, if it is a SQL transformer.
    code: Option<&'a datasurface_core::workspace::SqlCode>,
}

/// The datastores the transformers read and write, by name, each with
/// where it is and the repository that owns it.
type Stores<'a> = BTreeMap<
    &'a datasurface_core::names::DatastoreName,
    (
        datasurface_core::TeamLocation<'a>,
        &'a datasurface_core::Datastore,
        String,
    ),
>;

/// The findings of one SQL transformer, run in `dialects` (by a platform
/// when `runs`, else only read as ANSI SQL).
fn one(
    index: &Stores<'_>,
    dialects: &[Runs],
    runs: bool,
    t: &SqlTransformer<'_>,
) -> Vec<Diagnostic> {
    let SqlTransformer {
        at,
        name,
        workspace,
        transformer,
        code,
    } = t;
    let mut found = Vec::new();
    let sinks = sinks_of(index, workspace);
    let output_at = index.get(&transformer.output_datastore);
    let output = output_at.map(|(_, store, _)| *store);
    let place = ModelPath::team(at.zone.as_str(), at.team.as_str()).keys([
        "workspaces",
        name.as_str(),
        "transformer",
        "code",
        "sql",
        "queries",
    ]);
    let Some(code) = code else {
        // Code whose column lineage is not known: each of its output's
        // datasets may hold any column it reads.
        for dataset in output.iter().flat_map(|store| store.datasets.keys()) {
            found.extend(flow(None, output_at, dataset, (name, transformer), &sinks));
        }
        return found;
    };
    for (dataset, sql) in &code.queries {
        let path = place.key(dataset);
        let what = format!(
            "the query for `{}.{dataset}` of workspace `{name}`",
            transformer.output_datastore
        );
        // Each problem once, with the dialects it is found in.
        let mut problems: Vec<(datasurface_sql::Problem, Vec<&str>)> = Vec::new();
        let mut output_checked = false;
        // The first whole lineage found, to judge classifications by.
        let mut whole: Option<(datasurface_sql::Lineage, Dialect, Vec<Input>)> = None;
        // Where the engines part: one query to all of them, or refused.
        let engines: Vec<Dialect> = dialects.iter().map(|(d, _, _)| *d).collect();
        for problem in query::differences(sql, &engines) {
            problems.push((
                problem,
                dialects.iter().map(|(_, s, _)| s.as_str()).collect(),
            ));
        }
        for (dialect, shown, input_name) in dialects {
            let inputs = inputs_named(&sinks, *input_name);
            let reading = query::read(sql, *dialect, &inputs);
            let lineage = reading.lineage().clone();
            for problem in &lineage.problems {
                // The same mistake in each dialect: at the same place,
                // of the same kind (a message may name the inputs as
                // the dialect names them).
                match problems
                    .iter_mut()
                    .find(|(p, _)| p.at == problem.at && p.kind == problem.kind)
                {
                    Some((_, found_in)) => found_in.push(shown),
                    None => problems.push((problem.clone(), vec![shown])),
                }
            }
            let columns = output
                .and_then(|store| store.datasets.get(dataset))
                .map(|d| &d.schema.columns);
            let parsed = lineage
                .problems
                .iter()
                .all(|p| p.kind != ProblemKind::Unparseable);
            if let (Some(columns), true, false) = (columns, parsed, output_checked) {
                output_checked = true;
                found.extend(written(
                    &what,
                    *dialect,
                    columns,
                    &lineage,
                    &path,
                    transformer,
                ));
            }
            let is_whole = lineage
                .problems
                .iter()
                .all(|p| !matches!(p.kind, ProblemKind::Unparseable | ProblemKind::Unsupported));
            if is_whole && whole.is_none() {
                whole = Some((lineage, *dialect, inputs));
            }
        }
        // What the query writes is classified as what it comes from,
        // judged once, in the first dialect its lineage is whole in; where
        // it is whole in none, as if any column it reads could reach any
        // column it writes.
        found.extend(flow(
            whole.as_ref().map(|(l, d, i)| (l, *d, &i[..])),
            output_at,
            dataset,
            (name, transformer),
            &sinks,
        ));
        for (problem, found_in) in problems {
            found.push(finding(
                &what,
                &problem,
                (&found_in, dialects.len(), runs),
                name,
                &path,
            ));
        }
    }
    found
}

/// The finding of one problem of a query, found in the dialects
/// `found_in` of the `of` it runs in (by a platform, when `runs`).
fn finding(
    what: &str,
    problem: &datasurface_sql::Problem,
    (found_in, of, runs): (&[&str], usize, bool),
    workspace: &datasurface_core::names::WorkspaceName,
    path: &ModelPath,
) -> Diagnostic {
    let (code, severity) = match problem.kind {
        ProblemKind::Unparseable | ProblemKind::Unsupported | ProblemKind::Refused if runs => {
            (SQL_REFUSED, Severity::Error)
        }
        ProblemKind::Unparseable | ProblemKind::Unsupported | ProblemKind::Refused => {
            (SQL_NOT_ANALYSED, Severity::Warning)
        }
        ProblemKind::UnnamedColumn => (SQL_OUTPUT_MISMATCH, Severity::Error),
        _ => (SQL_UNRESOLVED, Severity::Error),
    };
    let dialects = if found_in.len() < of {
        format!(" (in {})", found_in.join(" and "))
    } else {
        String::new()
    };
    let message = format!("{what}{dialects}: {}", problem.message);
    let help = match &problem.suggestion {
        Some(near) => format!("did you mean `{near}`?"),
        None => match problem.kind {
            ProblemKind::UnknownTable => format!(
                "a transformer reads its workspace's sinks, each as a table named for its datastore and dataset: add the dataset to a group of `{workspace}` to read it"
            ),
            ProblemKind::Unparseable => format!("correct the query so it parses as {}", found_in.join(" and ")),
            ProblemKind::Refused | ProblemKind::Unsupported => "write the query within the subset every engine runs alike (`datasurface explain transformer-sql-refused`)".to_owned(),
            _ => "the inputs' columns are their datasets' schemas' (`datasurface explain transformer-sql-unresolved`)".to_owned(),
        },
    };
    let at = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Diagnostic::new(code, severity, path.clone(), message)
        .with_help(help)
        .in_text(at(problem.at.line), at(problem.at.column))
}

/// The finding of what a query writes, if it is not each column of its
/// dataset once: a column missing or extra, or one the engine could take
/// for two.
fn written(
    what: &str,
    dialect: Dialect,
    columns: &datasurface_core::OrderedMap<
        datasurface_core::names::ColumnName,
        datasurface_core::Column,
    >,
    lineage: &datasurface_sql::Lineage,
    path: &ModelPath,
    transformer: &datasurface_core::DataTransformer,
) -> Option<Diagnostic> {
    if let Some(finding) = mismatch(what, dialect, columns, lineage, path, transformer) {
        return Some(finding);
    }
    let names: Vec<&str> = columns
        .keys()
        .map(datasurface_core::names::ColumnName::as_str)
        .collect();
    let problem = query::assign(lineage, dialect, &names).err()?;
    Some(
        Diagnostic::new(
            SQL_OUTPUT_MISMATCH,
            Severity::Error,
            path.clone(),
            format!("{what}: {}", problem.message),
        )
        .with_help("write each column of the dataset once, by a name only it answers to")
        .in_text(
            usize::try_from(problem.at.line).unwrap_or(1),
            usize::try_from(problem.at.column).unwrap_or(1),
        ),
    )
}

/// The finding of a query that writes other columns than its dataset
/// has, if it does.
fn mismatch(
    what: &str,
    dialect: Dialect,
    columns: &datasurface_core::OrderedMap<
        datasurface_core::names::ColumnName,
        datasurface_core::Column,
    >,
    lineage: &datasurface_sql::Lineage,
    path: &ModelPath,
    transformer: &datasurface_core::DataTransformer,
) -> Option<Diagnostic> {
    let same = |written: &str, column: &str| dialect.writes(written, column);
    let missing: Vec<String> = columns
        .keys()
        .filter(|c| !lineage.columns.iter().any(|w| same(&w.name, c.as_str())))
        .map(|c| format!("`{c}`"))
        .collect();
    let extra: Vec<&datasurface_sql::OutputColumn> = lineage
        .columns
        .iter()
        .filter(|w| !columns.keys().any(|c| same(&w.name, c.as_str())))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return None;
    }
    let mut said = Vec::new();
    if !missing.is_empty() {
        said.push(format!("does not write {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        let names: Vec<String> = extra.iter().map(|c| format!("`{}`", c.name)).collect();
        said.push(format!(
            "writes {}, which the dataset does not have",
            names.join(", ")
        ));
    }
    let mut finding = Diagnostic::new(
        SQL_OUTPUT_MISMATCH,
        Severity::Error,
        path.clone(),
        format!("{what} {}", said.join(", and ")),
    )
    .with_help(format!(
        "write each column of `{}`'s dataset schema, by name (`AS` names a computed one), and no other",
        transformer.output_datastore
    ));
    if let Some(first) = extra.first() {
        let at = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        finding = finding.in_text(at(first.at.line), at(first.at.column));
    }
    Some(finding)
}

/// A transformer's inputs: each sink of its workspace, with its dataset
/// and who owns it.
fn sinks_of<'a>(index: &Stores<'a>, workspace: &'a datasurface_core::Workspace) -> Vec<Sink<'a>> {
    workspace
        .sinks()
        .filter_map(|(_, sink)| {
            let (_, store, owner) = index.get(&sink.datastore)?;
            let dataset = store.datasets.get(&sink.dataset)?;
            Some(Sink {
                store: &sink.datastore,
                dataset_name: &sink.dataset,
                dataset,
                owner: owner.clone(),
            })
        })
        .collect()
}

/// The inputs as a dialect's queries name them.
fn inputs_named(sinks: &[Sink<'_>], input_name: fn(&str, &str) -> String) -> Vec<Input> {
    sinks
        .iter()
        .map(|sink| {
            Input::new(
                input_name(sink.store.as_str(), sink.dataset_name.as_str()),
                sink.dataset.schema.columns.keys().map(ToString::to_string),
            )
        })
        .collect()
}

/// The classifications a query's `lineage` drops, writing `dataset` of
/// the transformer's output (`output`, if it is known); without a whole
/// lineage, as if every input column could reach every output column.
fn flow(
    whole: Option<(&datasurface_sql::Lineage, Dialect, &[Input])>,
    output: Option<&(
        datasurface_core::TeamLocation<'_>,
        &datasurface_core::Datastore,
        String,
    )>,
    dataset: &datasurface_core::names::DatasetName,
    (workspace, transformer): (&WorkspaceName, &datasurface_core::DataTransformer),
    sinks: &[Sink<'_>],
) -> Vec<Diagnostic> {
    let Some((at, store, _)) = output else {
        return Vec::new();
    };
    let Some((dataset_name, dataset)) = store.datasets.get_key_value(dataset) else {
        return Vec::new();
    };
    // Without a whole lineage, every input column reaches every output
    // column, the inputs named as ANSI SQL names them.
    let every;
    let ansi;
    let (lineage, dialect, inputs) = if let Some(whole) = whole {
        whole
    } else {
        ansi = inputs_named(sinks, TransformerSql::new(Quoting::Ansi).input_name);
        every = classification_flow::opaque(dataset, &ansi);
        (&every, Dialect::Generic, &ansi[..])
    };
    let flow = FlowOutput {
        store: &transformer.output_datastore,
        dataset_name,
        dataset,
        path: ModelPath::team(at.zone.as_str(), at.team.as_str())
            .keys(["datastores", transformer.output_datastore.as_str()])
            .keys(["datasets", dataset_name.as_str()]),
        workspace,
        opaque: whole.is_none(),
    };
    let flow_inputs: Vec<FlowInput<'_>> = sinks
        .iter()
        .zip(inputs)
        .map(|(sink, input)| FlowInput {
            table: input.name.clone(),
            store: sink.store,
            dataset_name: sink.dataset_name,
            dataset: sink.dataset,
            owner: sink.owner.clone(),
        })
        .collect();
    classification_flow::findings(lineage, dialect, &flow, &flow_inputs)
}

/// A transformer's input, with what its checks need.
struct Sink<'a> {
    store: &'a datasurface_core::names::DatastoreName,
    dataset_name: &'a datasurface_core::names::DatasetName,
    dataset: &'a datasurface_core::Dataset,
    owner: String,
}

/// How platform `platform` runs SQL: as its kind says, or as ANSI SQL
/// when it does not say (or is not registered).
pub(crate) fn runs_on(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    platform: &PlatformName,
) -> TransformerSql {
    valid
        .platforms
        .get(platform)
        .and_then(|d| registry.get(d.kind.as_str()))
        .and_then(|p| p.transformer_sql())
        .unwrap_or_else(|| TransformerSql::new(Quoting::Ansi))
}

/// How a dialect is named in a message, and how a query names an input.
type Runs = (Dialect, String, fn(&str, &str) -> String);

/// The dialects each transformer runs in, by its workspace: each
/// platform's whose graph runs it (one pass over the graphs); a
/// transformer no platform runs is checked as ANSI SQL ([`ansi`]).
fn dialects<'g>(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &'g IntentionGraphs,
) -> BTreeMap<&'g WorkspaceName, Vec<Runs>> {
    let mut found: BTreeMap<&WorkspaceName, Vec<Runs>> = BTreeMap::new();
    for (platform, graph) in &graphs.graphs {
        let runs = runs_on(registry, valid, platform);
        let dialect = datasurface_runtime::lineage::dialect_of(&runs);
        for node in graph.nodes() {
            let NodeKind::DataTransformer { workspace } = &node.kind else {
                continue;
            };
            let all = found.entry(workspace).or_default();
            if !all.iter().any(|(d, _, _)| *d == dialect) {
                all.push((dialect, shown(dialect), runs.input_name));
            }
        }
    }
    found
}

/// ANSI SQL, inputs named `<datastore>_<dataset>`.
fn ansi() -> Runs {
    (
        Dialect::Generic,
        shown(Dialect::Generic),
        TransformerSql::new(Quoting::Ansi).input_name,
    )
}

/// A dialect as a message names it.
fn shown(dialect: Dialect) -> String {
    match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
        Dialect::Spark => "Spark SQL",
        _ => "ANSI SQL",
    }
    .to_owned()
}

#[cfg(test)]
mod tests {
    /// The explanation of `transformer-sql-refused` names every function
    /// a query may call.
    #[test]
    fn the_refusal_s_explanation_lists_every_function() {
        let info = super::SQL_CODES
            .iter()
            .find(|c| c.code == super::SQL_REFUSED)
            .map(|c| c.explanation);
        for f in datasurface_sql::functions::FUNCTIONS {
            let named = format!("`{}`", f.name);
            assert!(info.is_some_and(|e| e.contains(&named)), "{named}");
        }
    }
}
