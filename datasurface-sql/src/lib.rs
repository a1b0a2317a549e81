//! Column lineage of a transformer's SQL: for each column a query writes,
//! the input columns it comes from and how (copied, transformed,
//! aggregated), and the input columns that only decide which rows are
//! written (filters, joins, grouping); every table and column the query
//! names resolved against the inputs' schemas, with a problem at its line
//! and column when one is not there.
//!
//! Pure: the text is parsed (with `sqlparser`, in the dialect of the
//! platform that runs the query) and nothing is run. The caller says which
//! tables the query may read and their columns ([`Input`]).
//!
//! ```
//! use datasurface_sql::{Dialect, How, Input, analyze};
//!
//! let inputs = [Input::new("NW_Data_customers", ["customer_id", "contact_name", "city"])];
//! let lineage = analyze(
//!     "SELECT customer_id, '***' AS contact_name, upper(city) AS city FROM NW_Data_customers",
//!     Dialect::Sqlite,
//!     &inputs,
//! );
//! assert!(lineage.problems.is_empty());
//! let city = &lineage.columns[2];
//! assert_eq!((city.name.as_str(), city.sources[0].how), ("city", How::Transformed));
//! assert_eq!(city.sources[0].through, ["upper"]);
//! assert!(lineage.columns[1].sources.is_empty(), "a constant comes from no column");
//! ```

pub mod condition;
mod expr;
pub mod functions;
pub mod query;
mod reading;
mod walk;
mod write;

use serde::Serialize;

/// The SQL dialect a query is parsed and resolved in: the platform's
/// engine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite: names match whatever their case.
    Sqlite,
    /// PostgreSQL: a name not in double quotes is folded to lower case.
    Postgres,
    /// Spark SQL: names match whatever their case.
    Spark,
    /// ANSI SQL, names matching whatever their case.
    Generic,
}

impl Dialect {
    /// The name a query's `written` name (in quotes when `quoted`) has in
    /// the engine: PostgreSQL folds `A`–`Z` of a name not in quotes to
    /// `a`–`z`, and nothing else (a `K` written as the Kelvin sign stays
    /// as it is); the others keep a name as written, and compare names as
    /// [`matches`](Self::matches) says.
    ///
    /// ```
    /// use datasurface_sql::Dialect;
    ///
    /// assert_eq!(Dialect::Postgres.fold("Amount", false), "amount");
    /// assert_eq!(Dialect::Postgres.fold("Amount", true), "Amount");
    /// assert_eq!(Dialect::Postgres.fold("\u{212a}ey", false), "\u{212a}ey");
    /// assert_eq!(Dialect::Sqlite.fold("Amount", false), "Amount");
    /// ```
    pub fn fold(self, written: &str, quoted: bool) -> std::borrow::Cow<'_, str> {
        match self {
            Dialect::Postgres if !quoted && written.bytes().any(|b| b.is_ascii_uppercase()) => {
                std::borrow::Cow::Owned(written.to_ascii_lowercase())
            }
            _ => std::borrow::Cow::Borrowed(written),
        }
    }

    /// Whether `written`, a table or column name as a query writes it (in
    /// double quotes when `quoted`), names `name`, as the engine matches
    /// names: PostgreSQL folds a name not in quotes ([`fold`](Self::fold))
    /// and then compares exactly; SQLite compares ignoring the case of
    /// `A`–`Z` only, quoted or not; Spark SQL ignores case as Java's
    /// `String.equalsIgnoreCase` does (each character's simple upper and
    /// lower case, so the Kelvin sign matches `k`).
    ///
    /// ```
    /// use datasurface_sql::Dialect;
    ///
    /// assert!(Dialect::Postgres.matches("Amount", false, "amount"));
    /// assert!(!Dialect::Postgres.matches("Amount", true, "amount"));
    /// assert!(Dialect::Sqlite.matches("AMOUNT", true, "amount"));
    /// assert!(!Dialect::Postgres.matches("\u{212a}ey", false, "key"));
    /// assert!(!Dialect::Sqlite.matches("\u{212a}ey", false, "key"));
    /// assert!(Dialect::Spark.matches("\u{212a}ey", false, "key"));
    /// ```
    pub fn matches(self, written: &str, quoted: bool, name: &str) -> bool {
        match self {
            Dialect::Postgres => self.fold(written, quoted) == name,
            Dialect::Spark => java_equals_ignore_case(written, name),
            Dialect::Sqlite | Dialect::Generic => written.eq_ignore_ascii_case(name),
        }
    }

    /// Whether the column a query writes as `written` ([`OutputColumn::name`],
    /// the name the engine gives it) is the column `name`.
    pub fn writes(self, written: &str, name: &str) -> bool {
        self.matches(written, true, name)
    }

    fn parser(self) -> Box<dyn sqlparser::dialect::Dialect> {
        match self {
            Dialect::Sqlite => Box::new(sqlparser::dialect::SQLiteDialect {}),
            Dialect::Postgres => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
            Dialect::Spark => Box::new(sqlparser::dialect::DatabricksDialect {}),
            Dialect::Generic => Box::new(sqlparser::dialect::GenericDialect {}),
        }
    }
}

/// A table a query may read: its name as the query writes it (a
/// transformer's input view, `<store>_<dataset>`) and its columns in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// The table's name in SQL.
    pub name: String,
    /// Its columns, in order (what `SELECT *` gives).
    pub columns: Vec<String>,
}

impl Input {
    /// A table named `name` with `columns`.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        columns: impl IntoIterator<Item = S>,
    ) -> Self {
        Input {
            name: name.into(),
            columns: columns.into_iter().map(Into::into).collect(),
        }
    }
}

/// How an output column comes from an input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum How {
    /// Its values, unchanged.
    Copied,
    /// Computed from its values row by row (a function, an operator, a
    /// cast, a `CASE`).
    Transformed,
    /// Computed from the values of many rows (an aggregate, or an
    /// aggregate over a window).
    Aggregated,
}

/// An input column an output column comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// The input table, as [`Input::name`] names it.
    pub table: String,
    /// The column, as its input names it.
    pub column: String,
    /// How.
    pub how: How,
    /// The functions its values pass through on the way, innermost first,
    /// in lower case (`md5`, `substr`, `cast`): what a rule looks at to
    /// see masking or hashing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<String>,
}

/// The functions whose result keeps nothing of a value a reader could
/// use: hashes and masks. A value that passes through one is masked
/// ([`Source::masked`]).
pub const MASKING: &[&str] = &[
    "md5",
    "sha",
    "sha1",
    "sha2",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "digest",
    "hmac",
    "crypt",
    "hash",
    "hashtext",
    "hashtextextended",
    "xxhash64",
    "crc32",
    "mask",
];

impl Source {
    /// Whether its values reach the output only masked: through one of
    /// the [`MASKING`] functions.
    pub fn masked(&self) -> bool {
        self.through.iter().any(|f| MASKING.contains(&f.as_str()))
    }
}

/// A column a query writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputColumn {
    /// Its name, as the query gives it.
    pub name: String,
    /// Where, in the query, it is made.
    pub at: Location,
    /// The input columns it comes from (none for a constant).
    pub sources: Vec<Source>,
}

/// An input column that decides which rows are written, or how they
/// group, without being written itself: in a `WHERE`, a join's `ON`, a
/// `GROUP BY` or a `HAVING`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ColumnRef {
    /// The input table, as [`Input::name`] names it.
    pub table: String,
    /// The column.
    pub column: String,
}

/// A place in the query's text: line and column, both from 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// The line, from 1.
    pub line: u64,
    /// The column (in characters), from 1.
    pub column: u64,
}

/// What kind of problem a query has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ProblemKind {
    /// The text does not parse in the dialect, or is not one query.
    Unparseable,
    /// A table the query reads is not one of its inputs.
    UnknownTable,
    /// A column the query names is in none of the tables it reads.
    UnknownColumn,
    /// A column name more than one of the tables it reads has.
    AmbiguousColumn,
    /// A written column the query does not name (`SELECT a + b`).
    UnnamedColumn,
    /// Something the lineage does not follow (its columns may be missing).
    Unsupported,
    /// Something a query may not hold: outside the relational subset every
    /// engine runs alike, or text its engines read differently
    /// ([`query`]).
    Refused,
}

/// Something wrong with a query, at its place in the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// What, in a sentence naming the table or column.
    pub message: String,
    /// Where.
    pub at: Location,
    /// The nearest right name, when there is one near.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
}

/// A query's lineage, and what is wrong with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lineage {
    /// Each column the query writes, in order.
    pub columns: Vec<OutputColumn>,
    /// The input columns that decide which rows are written.
    pub filtered_by: Vec<ColumnRef>,
    /// What is wrong, in the order found.
    pub problems: Vec<Problem>,
}

/// The most bytes of SQL one query may be: longer text is a problem, not
/// parsed.
pub const MAX_SQL_BYTES: usize = 1 << 20;

/// The lineage of one query (`SELECT`, with `WITH`, joins, subqueries,
/// set operations) over `inputs`, parsed in `dialect`.
pub fn analyze(sql: &str, dialect: Dialect, inputs: &[Input]) -> Lineage {
    query::read(sql, dialect, inputs).lineage().clone()
}

/// Where the text ends (where a parser that ran out of it stopped).
pub(crate) fn end_of(sql: &str) -> Location {
    let line = sql.lines().count().max(1);
    let column = sql.lines().last().map_or(0, |l| l.chars().count()) + 1;
    Location {
        line: line as u64,
        column: column as u64,
    }
}

/// A parser error's message without its place and prefix, and the place
/// it names.
pub(crate) fn parser_error(e: &sqlparser::parser::ParserError) -> (String, Option<Location>) {
    let message = e.to_string();
    let at = location_in(&message);
    let text = message
        .split(" at Line: ")
        .next()
        .unwrap_or(&message)
        .trim_start_matches("sql parser error: ")
        .to_owned();
    (text, at)
}

/// The `Line: L, Column: C` a parser error ends with, if it has one.
fn location_in(message: &str) -> Option<Location> {
    let number = |key: &str| {
        message
            .rsplit(key)
            .next()
            .and_then(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .unwrap_or(1)
    };
    message.contains("Line: ").then(|| Location {
        line: number("Line: "),
        column: number("Column: "),
    })
}

/// Java's `String.equalsIgnoreCase`, which Spark SQL resolves names with:
/// equal lengths in UTF-16, and each pair of characters equal, or equal
/// in simple upper case, or equal in the simple lower case of that.
fn java_equals_ignore_case(a: &str, b: &str) -> bool {
    fn simple(mut mapped: impl Iterator<Item = char>, c: char) -> char {
        match (mapped.next(), mapped.next()) {
            (Some(one), None) => one,
            _ => c,
        }
    }
    let upper = |c: char| simple(c.to_uppercase(), c);
    let lower = |c: char| simple(c.to_lowercase(), c);
    a.encode_utf16().count() == b.encode_utf16().count()
        && a.chars()
            .zip(b.chars())
            .all(|(x, y)| x == y || upper(x) == upper(y) || lower(upper(x)) == lower(upper(y)))
}
