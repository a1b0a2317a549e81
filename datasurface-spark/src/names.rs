//! Names in the Spark catalog: a database per workspace, a view per dataset
//! of each of its groups. A Hive metastore keeps database and table names
//! in lower case, of letters, digits and `_`, so model names are mapped to
//! that; the platform's lint claims every mapped name (`PhysicalNames`) and
//! refuses two model objects that would meet in one.

/// How model names become catalog names, for the help of a collision.
pub const RULE: &str =
    "folds case and writes characters other than letters, digits and `_` as `_` in catalog names";

/// A model name as a catalog name: lower case, each character other than
/// an ASCII letter, digit or `_` written as `_`, and a leading digit or
/// an empty name given a leading `_`.
///
/// ```
/// use datasurface_spark::names::catalog;
///
/// assert_eq!(catalog(&["ProductAnalytics"]), "productanalytics");
/// assert_eq!(catalog(&["Reporting", "NW_Data", "customers"]), "reporting__nw_data__customers");
/// assert_eq!(catalog(&["9 lives"]), "_9_lives");
/// ```
pub fn catalog(parts: &[&str]) -> String {
    let joined = parts.join("__");
    let mut out: String = joined
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The database of a workspace's views.
pub fn database(workspace: &str) -> String {
    catalog(&[workspace])
}

/// The view of one dataset of a workspace's group, in its database.
pub fn view(group: &str, store: &str, dataset: &str) -> String {
    catalog(&[group, store, dataset])
}

/// A stream's key: the datastore, or `store#dataset` for one dataset of a
/// store ingested dataset by dataset.
pub fn stream(store: &str, dataset: Option<&str>) -> String {
    match dataset {
        Some(d) => format!("{store}#{d}"),
        None => store.to_owned(),
    }
}
