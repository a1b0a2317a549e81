//! Classifications follow the data: a column a SQL transformer writes is
//! classified at least as sensitively as every input column its values
//! come from, unless the query protects them on the way (a hashing or
//! masking function its lineage sees) or the inputs' owners approved the
//! declassification (a standing approval, `exceptions.approvals` with
//! code [`CLASSIFICATION_DROPPED`], in their own documents).
//!
//! Sensitivity is by kind: a column is as sensitive as the set of kinds
//! other than `PUB` it carries (its dataset's classifications when the
//! dataset classifies as a whole, else its own), and an output column
//! drops a classification when an input column it comes from carries a
//! kind it does not. `PC1:email` and `PC1` are both `PC1`. A column with
//! no classification carries no kind, so an unclassified output column
//! fed by personal data is reported too: leaving out a classification
//! does not hide what flows.

use std::collections::BTreeSet;

use datasurface_core::diagnostic::{Diagnostic, ModelPath, Severity};
use datasurface_core::names::{DatasetName, DatastoreName, WorkspaceName};
use datasurface_core::{ClassificationKind, DataClassification, Dataset};
use datasurface_rules::validate::CodeInfo;
use datasurface_sql::{Dialect, Lineage, Source};

/// A column a transformer writes is classified less sensitively than an
/// input column it comes from.
pub const CLASSIFICATION_DROPPED: &str = "classification-dropped";

/// The code of the check.
pub(crate) const FLOW_CODE: CodeInfo = CodeInfo::new(
    CLASSIFICATION_DROPPED,
    Severity::Error,
    "A column a transformer writes is classified less sensitively than an input column it comes from.",
    "Each column a SQL transformer's query writes carries every classification kind other than `PUB` of each input column its values come from (copied, computed or aggregated, as the query's column lineage shows): `PC1` data stays `PC1` in the output, whatever the output declares. Three ways out: classify the output column (or its dataset) at least as its sources; protect the value in the query with a hashing or masking function (`md5`, `sha1`, `sha2`, `sha224` to `sha512`, `digest`, `hmac`, `crypt`, `hash`, `hashtext`, `xxhash64`, `crc32`, `mask`) or count it, as the lineage sees; or have each owner of the sources approve the declassification in its own document: `exceptions: {approvals: [{code: classification-dropped, path: <the finding's path>, reason: ..., until: <a day within a year>}]}`. An approval holds, at `check` and `verify`, until its day.",
);

/// An input of a transformer, as its query names it, with what the
/// classification check needs of it.
pub(crate) struct FlowInput<'a> {
    /// The table's name in the query ([`datasurface_sql::Input::name`]).
    pub(crate) table: String,
    /// Its datastore.
    pub(crate) store: &'a DatastoreName,
    /// Its dataset's name.
    pub(crate) dataset_name: &'a DatasetName,
    /// Its dataset.
    pub(crate) dataset: &'a Dataset,
    /// The repository that owns it, who may approve a declassification.
    pub(crate) owner: String,
}

/// The output a query writes, with where its classifications are.
pub(crate) struct FlowOutput<'a> {
    /// The output datastore.
    pub(crate) store: &'a DatastoreName,
    /// The dataset's name.
    pub(crate) dataset_name: &'a DatasetName,
    /// The dataset.
    pub(crate) dataset: &'a Dataset,
    /// The dataset's place in the model.
    pub(crate) path: ModelPath,
    /// The transformer's workspace.
    pub(crate) workspace: &'a WorkspaceName,
    /// Whether the lineage judged is not the query's own but [`opaque`]:
    /// the code is not SQL, or its query's lineage is not whole.
    pub(crate) opaque: bool,
}

/// The lineage of code whose own is not known: each column of `output`
/// comes from every column of every input, computed.
pub(crate) fn opaque(output: &Dataset, inputs: &[datasurface_sql::Input]) -> Lineage {
    let sources: Vec<Source> = inputs
        .iter()
        .flat_map(|input| {
            input.columns.iter().map(|column| Source {
                table: input.name.clone(),
                column: column.clone(),
                how: datasurface_sql::How::Transformed,
                through: Vec::new(),
            })
        })
        .collect();
    Lineage {
        columns: output
            .schema
            .columns
            .keys()
            .map(|name| datasurface_sql::OutputColumn {
                name: name.to_string(),
                at: datasurface_sql::Location::default(),
                sources: sources.clone(),
            })
            .collect(),
        ..Lineage::default()
    }
}

/// The kinds that make a column sensitive: every kind but `PUB`, of its
/// dataset's classifications when the dataset classifies as a whole, else
/// of its own.
pub(crate) fn sensitive(dataset: &Dataset, column: &str) -> BTreeSet<ClassificationKind> {
    let declared: &[DataClassification] = match &dataset.classifications {
        Some(whole) => whole,
        None => dataset
            .schema
            .columns
            .get(column)
            .map_or(&[], |c| c.classifications.as_slice()),
    };
    declared
        .iter()
        .map(|c| c.kind)
        .filter(|k| *k != ClassificationKind::Pub)
        .collect()
}

/// Whether `source`'s values reach the output protected: masked
/// ([`Source::masked`]), or counted.
pub(crate) fn protected(source: &Source) -> bool {
    source.masked() || source.through.iter().any(|f| f == "count")
}

/// A classification an output column drops: the column, the input column
/// it comes from, and the kinds lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Dropped<'s> {
    /// The output column, as its dataset names it.
    pub(crate) column: String,
    /// The input it comes from (an index into the inputs).
    pub(crate) input: usize,
    /// How it comes.
    pub(crate) source: &'s Source,
    /// The kinds the source carries and the column does not.
    pub(crate) kinds: BTreeSet<ClassificationKind>,
}

/// Every classification the columns `lineage` writes into `output` drop,
/// the query run in `dialect`; a column the output does not have is
/// another check's finding.
pub(crate) fn dropped<'s>(
    lineage: &'s Lineage,
    dialect: Dialect,
    output: &Dataset,
    inputs: &[FlowInput<'_>],
) -> Vec<Dropped<'s>> {
    let mut out = Vec::new();
    for written in &lineage.columns {
        let Some(column) = output
            .schema
            .columns
            .keys()
            .find(|c| dialect.writes(&written.name, c.as_str()))
        else {
            continue;
        };
        let declared = sensitive(output, column.as_str());
        for source in written.sources.iter().filter(|s| !protected(s)) {
            let Some(input) = inputs.iter().position(|i| i.table == source.table) else {
                continue;
            };
            let kinds: BTreeSet<ClassificationKind> =
                sensitive(inputs[input].dataset, &source.column)
                    .difference(&declared)
                    .copied()
                    .collect();
            if !kinds.is_empty() {
                out.push(Dropped {
                    column: column.to_string(),
                    input,
                    source,
                    kinds,
                });
            }
        }
    }
    out
}

/// The findings of the classifications `lineage` drops, one per output
/// column, at the classification an approval names.
pub(crate) fn findings(
    lineage: &Lineage,
    dialect: Dialect,
    output: &FlowOutput<'_>,
    inputs: &[FlowInput<'_>],
) -> Vec<Diagnostic> {
    let dropped = dropped(lineage, dialect, output.dataset, inputs);
    // One finding per classification to change: the dataset's, when it
    // classifies as a whole, else each column's.
    let mut columns: Vec<&str> = dropped.iter().map(|d| d.column.as_str()).collect();
    columns.dedup();
    let groups: Vec<Vec<&str>> = if output.dataset.classifications.is_some() {
        vec![columns]
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect()
    } else {
        columns.into_iter().map(|c| vec![c]).collect()
    };
    groups
        .into_iter()
        .map(|columns| one_finding(&columns, &dropped, output, inputs))
        .collect()
}

/// The finding of `columns` (one, or all of a dataset classified as a
/// whole) and the classifications they drop.
fn one_finding(
    columns: &[&str],
    dropped: &[Dropped<'_>],
    output: &FlowOutput<'_>,
    inputs: &[FlowInput<'_>],
) -> Diagnostic {
    let from: Vec<&Dropped<'_>> = dropped
        .iter()
        .filter(|d| columns.contains(&d.column.as_str()))
        .collect();
    let kinds: BTreeSet<ClassificationKind> =
        from.iter().flat_map(|d| d.kinds.iter().copied()).collect();
    let kinds: Vec<&str> = kinds.into_iter().map(ClassificationKind::code).collect();
    let kinds = kinds.join("`, `");
    // Each source once, with how it comes (unless the lineage is not
    // the query's own).
    let mut sources: Vec<String> = Vec::new();
    for d in &from {
        let input = &inputs[d.input];
        let how = match (output.opaque, d.source.how) {
            (true, _) => "",
            (false, datasurface_sql::How::Copied) => " (copied)",
            (false, datasurface_sql::How::Transformed) => " (computed)",
            (false, datasurface_sql::How::Aggregated) => " (aggregated)",
        };
        let source = format!(
            "`{}.{}.{}`{how}",
            input.store, input.dataset_name, d.source.column
        );
        if !sources.contains(&source) {
            sources.push(source);
        }
    }
    let mut approvers: Vec<String> = from.iter().map(|d| inputs[d.input].owner.clone()).collect();
    approvers.sort();
    approvers.dedup();
    let (path, declared) = match (&output.dataset.classifications, columns) {
        (Some(whole), _) => (output.path.key("classifications"), shown(whole)),
        (None, [column, ..]) => (
            output
                .path
                .keys(["schema", "columns", column, "classifications"]),
            output
                .dataset
                .schema
                .columns
                .get(*column)
                .map_or_else(|| "nothing".to_owned(), |c| shown(&c.classifications)),
        ),
        (None, []) => (output.path.clone(), "nothing".to_owned()),
    };
    let named: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
    let subject = format!(
        "{} {} of `{}.{}` {} classified {declared}",
        if columns.len() == 1 {
            "column"
        } else {
            "columns"
        },
        named.join(", "),
        output.store,
        output.dataset_name,
        if columns.len() == 1 { "is" } else { "are" },
    );
    let are = if sources.len() == 1 { "is" } else { "are" };
    let (message, help) = if output.opaque {
        (
            format!(
                "{subject}, but the transformer of workspace `{}` has no column lineage (its code is not SQL, or its query's lineage is not whole), so it may write there what it reads: {}, which {are} `{kinds}`",
                output.workspace,
                sources.join(", "),
            ),
            format!(
                "classify it at least `{kinds}`, or write the transformer as SQL whose lineage shows what reaches each column"
            ),
        )
    } else {
        (
            format!(
                "{subject}, but the query of workspace `{}` writes {} from {}, which {are} `{kinds}`",
                output.workspace,
                if columns.len() == 1 { "it" } else { "them" },
                sources.join(", "),
            ),
            format!(
                "classify it at least `{kinds}`, or hash or mask it in the query (`md5({col})`, `sha256({col})`)",
                col = from.first().map_or("…", |d| d.source.column.as_str()),
            ),
        )
    };
    Diagnostic::new(CLASSIFICATION_DROPPED, Severity::Error, path, message)
        .with_help(help)
        .approved_by(approvers)
}

/// Classifications as a message shows them: `PUB`, `PC1:name`, or
/// nothing.
fn shown(list: &[DataClassification]) -> String {
    if list.is_empty() {
        return "nothing".to_owned();
    }
    list.iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasurface_core::{Column, DataType, Schema};
    use proptest::prelude::*;

    /// How a generated query writes one column.
    #[derive(Debug, Clone)]
    enum Expr {
        /// `c<i>`.
        Copy(usize),
        /// `upper(c<i>)`.
        Upper(usize),
        /// `md5(c<i>)`.
        Hashed(usize),
        /// `c<i> || c<j>`.
        Both(usize, usize),
        /// `'x'`.
        Constant,
    }

    impl Expr {
        fn sql(&self) -> String {
            match self {
                Expr::Copy(i) => format!("c{i}"),
                Expr::Upper(i) => format!("upper(c{i})"),
                Expr::Hashed(i) => format!("md5(c{i})"),
                Expr::Both(i, j) => format!("c{i} || c{j}"),
                Expr::Constant => "'x'".to_owned(),
            }
        }

        /// The input columns whose values reach the output unprotected.
        fn unprotected(&self) -> Vec<usize> {
            match self {
                Expr::Copy(i) | Expr::Upper(i) => vec![*i],
                Expr::Both(i, j) => vec![*i, *j],
                Expr::Hashed(_) | Expr::Constant => Vec::new(),
            }
        }
    }

    fn kinds() -> impl Strategy<Value = Vec<ClassificationKind>> {
        proptest::sample::subsequence(ClassificationKind::ALL.to_vec(), 0..=3)
    }

    fn dataset(
        columns: &[Vec<ClassificationKind>],
        whole: Option<&[ClassificationKind]>,
    ) -> Dataset {
        let classified = |list: &[ClassificationKind]| -> Vec<DataClassification> {
            list.iter().map(|k| DataClassification::of(*k)).collect()
        };
        let mut schema = Schema::default();
        for (i, list) in columns.iter().enumerate() {
            let mut column = Column::new(DataType::Integer);
            if whole.is_none() {
                column.classifications = classified(list);
            }
            let name = format!("{}{i}", if whole.is_some() { "o" } else { "c" });
            schema
                .columns
                .insert(name.parse().expect("a column name"), column);
        }
        let mut dataset = Dataset::new(schema);
        dataset.classifications = whole.map(classified);
        dataset
    }

    /// A generated transformer: its input's columns' kinds, each written
    /// column's expression and kinds, and its output's kinds as a whole.
    type Generated = (
        Vec<Vec<ClassificationKind>>,
        Vec<(Expr, Vec<ClassificationKind>)>,
        Option<Vec<ClassificationKind>>,
    );

    /// Inputs of 1 to 5 columns, each classified; 1 to 5 written columns,
    /// each from an expression over them, classified on the column or as
    /// a whole.
    fn transformer() -> impl Strategy<Value = Generated> {
        proptest::collection::vec(kinds(), 1..=5).prop_flat_map(|inputs| {
            let n = inputs.len();
            let expr = prop_oneof![
                (0..n).prop_map(Expr::Copy),
                (0..n).prop_map(Expr::Upper),
                (0..n).prop_map(Expr::Hashed),
                (0..n, 0..n).prop_map(|(i, j)| Expr::Both(i, j)),
                Just(Expr::Constant),
            ];
            (
                Just(inputs),
                proptest::collection::vec((expr, kinds()), 1..=5),
                proptest::option::of(kinds()),
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// An output column is reported exactly when an input column it
        /// comes from unprotected carries a kind other than PUB that the
        /// column (or its dataset, when it classifies as a whole) does
        /// not, with exactly those kinds, and only the inputs' owner may
        /// approve it.
        #[test]
        fn a_column_is_reported_exactly_when_it_drops_a_kind((inputs, written, whole) in transformer()) {
            let input = dataset(&inputs, None);
            let output_kinds: Vec<Vec<ClassificationKind>> =
                written.iter().map(|(_, k)| k.clone()).collect();
            let mut output = dataset(&output_kinds, None);
            // Written columns are named `o<j>`.
            let mut renamed = Schema::default();
            for (j, (_, column)) in output.schema.columns.iter().enumerate() {
                renamed.columns.insert(format!("o{j}").parse().expect("a name"), column.clone());
            }
            output.schema = renamed;
            if let Some(whole) = &whole {
                output = dataset(&output_kinds, Some(whole));
            }
            let select: Vec<String> = written
                .iter()
                .enumerate()
                .map(|(j, (e, _))| format!("{} AS o{j}", e.sql()))
                .collect();
            let sql = format!("SELECT {} FROM S_d", select.join(", "));
            let columns: Vec<String> = input.schema.columns.keys().map(ToString::to_string).collect();
            let lineage = datasurface_sql::analyze(
                &sql,
                Dialect::Spark,
                &[datasurface_sql::Input::new("S_d", columns)],
            );
            prop_assert!(lineage.problems.is_empty(), "{sql}: {:?}", lineage.problems);
            let store: DatastoreName = "S".parse().expect("a name");
            let dataset_name: DatasetName = "d".parse().expect("a name");
            let flow = [FlowInput {
                table: "S_d".to_owned(),
                store: &store,
                dataset_name: &dataset_name,
                dataset: &input,
                owner: "github:a/producer@main".to_owned(),
            }];
            let got = dropped(&lineage, Dialect::Spark, &output, &flow);
            let strip = |list: &[ClassificationKind]| -> BTreeSet<ClassificationKind> {
                list.iter().copied().filter(|k| *k != ClassificationKind::Pub).collect()
            };
            for (j, (expr, own)) in written.iter().enumerate() {
                let declared = strip(whole.as_deref().unwrap_or(own));
                let expected: BTreeSet<ClassificationKind> = expr
                    .unprotected()
                    .into_iter()
                    .flat_map(|i| strip(&inputs[i]))
                    .filter(|k| !declared.contains(k))
                    .collect();
                let name = format!("o{j}");
                let found: BTreeSet<ClassificationKind> = got
                    .iter()
                    .filter(|d| d.column == name)
                    .flat_map(|d| d.kinds.iter().copied())
                    .collect();
                prop_assert_eq!(&found, &expected, "{} in {}", name, sql);
            }
            let workspace: WorkspaceName = "W".parse().expect("a name");
            let out_store: DatastoreName = "O".parse().expect("a name");
            let findings = findings(
                &lineage,
                Dialect::Sqlite,
                &FlowOutput {
                    store: &out_store,
                    dataset_name: &dataset_name,
                    dataset: &output,
                    path: ModelPath::root(),
                    workspace: &workspace,
                    opaque: false,
                },
                &flow,
            );
            let mut columns: Vec<&str> = got.iter().map(|d| d.column.as_str()).collect();
            columns.dedup();
            // One finding per column, or one for a dataset classified as
            // a whole.
            let expected = if whole.is_some() { columns.len().min(1) } else { columns.len() };
            prop_assert_eq!(findings.len(), expected);
            for finding in &findings {
                prop_assert_eq!(finding.code, CLASSIFICATION_DROPPED);
                prop_assert_eq!(&finding.approvers, &vec!["github:a/producer@main".to_owned()]);
            }
        }
    }

    #[test]
    fn hashing_masking_and_counting_protect_and_other_functions_do_not() {
        let source = |through: &[&str]| Source {
            table: "t".to_owned(),
            column: "c".to_owned(),
            how: datasurface_sql::How::Transformed,
            through: through.iter().map(|s| (*s).to_owned()).collect(),
        };
        for protecting in [&["md5"][..], &["sha256", "upper"], &["digest"], &["count"]] {
            assert!(protected(&source(protecting)), "{protecting:?}");
        }
        for not in [
            &[][..],
            &["upper"],
            &["substr", "lower"],
            &["cast"],
            &["max"],
        ] {
            assert!(!protected(&source(not)), "{not:?}");
        }
    }
}
