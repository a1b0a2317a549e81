//! Physical names: the tables, views, files, DAG ids and other names a
//! platform makes from model names, checked so that two different model
//! objects never share one.
//!
//! Mapping a model name to a physical one folds case, replaces characters
//! and shortens long names, so distinct model names can meet: `NW_Data` and
//! `nw_data`; store `a_b` with dataset `c` and store `a` with dataset `b_c`.
//! Two sources would then write one table. A platform claims every physical
//! name its rendering will make, in its lint; a second claim of a name by
//! another model object is an error at `check`, naming both objects and the
//! physical name, before anything is rendered.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::model::validate::{Diagnostic, ModelPath, Severity};

/// The code of a collision.
pub const COLLISION: &str = "physical-name-collision";

/// The code of a column name a platform keeps for its own columns.
pub const RESERVED_COLUMN: &str = "reserved-column-name";

/// The physical names claimed so far, by namespace, and the collisions found.
#[derive(Debug)]
pub struct PhysicalNames {
    platform: String,
    /// How the platform maps names, for the help.
    rule: String,
    /// By namespace, then by physical name (folded if asked): who claimed it.
    claimed: BTreeMap<String, BTreeMap<String, (String, ModelPath)>>,
    /// One collision per pair of objects: the first physical name they meet
    /// in, and how many more.
    pairs: BTreeMap<(String, String), (Diagnostic, usize)>,
}

impl PhysicalNames {
    /// A new set for `platform`, whose mapping `rule` is described for the help
    /// (such as "folds case and writes characters other than letters and digits as `_`").
    pub fn new(platform: impl Into<String>, rule: impl Into<String>) -> Self {
        PhysicalNames {
            platform: platform.into(),
            rule: rule.into(),
            claimed: BTreeMap::new(),
            pairs: BTreeMap::new(),
        }
    }

    /// Claims `physical`, a name in `namespace` (what holds it, such as
    /// "table in schema `nw`"), for the model object `what` (such as
    /// "dataset `NW_Data.customers`") at `path`. Names that differ only in
    /// case are one name when `fold_case`. The same object may claim a name
    /// again; another object claiming it is a collision.
    pub fn claim(
        &mut self,
        namespace: &str,
        physical: &str,
        fold_case: bool,
        what: &str,
        path: &ModelPath,
    ) {
        // Nearly every name is claimed once: look it up without a copy,
        // and copy what is kept only when it is new.
        let folds = !physical.is_ascii() || physical.bytes().any(|b| b.is_ascii_uppercase());
        let key: Cow<'_, str> = if fold_case && folds {
            Cow::Owned(physical.to_lowercase())
        } else {
            Cow::Borrowed(physical)
        };
        if !self.claimed.contains_key(namespace) {
            self.claimed.insert(namespace.to_owned(), BTreeMap::new());
        }
        let Some(names) = self.claimed.get_mut(namespace) else {
            return;
        };
        match names.get(key.as_ref()) {
            None => {
                names.insert(key.into_owned(), (what.to_owned(), path.clone()));
            }
            Some((first, _)) if first == what => {}
            Some((first, first_path)) => {
                let pair = (what.to_owned(), first.clone());
                if let Some((_, more)) = self.pairs.get_mut(&pair) {
                    *more += 1;
                    return;
                }
                let message = format!(
                    "{what} and {first} would both be {namespace} named `{physical}` on platform `{}`",
                    self.platform
                );
                let help = format!(
                    "rename one of them: platform `{}` {}, so their names meet (the other is at {first_path})",
                    self.platform, self.rule
                );
                let diagnostic = Diagnostic::new(COLLISION, Severity::Error, path.clone(), message)
                    .with_help(help);
                self.pairs.insert(pair, (diagnostic, 0));
            }
        }
    }

    /// The collisions found: one per pair of model objects, saying how
    /// many more physical names they also share.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.pairs
            .into_values()
            .map(|(mut d, more)| {
                if more > 0 {
                    let _ = write!(d.message, " (and {more} more of the names made from them)");
                }
                d
            })
            .collect()
    }
}

/// Whether a column's name starts with `prefix` (an ASCII prefix, compared
/// without regard to case): a column the platform keeps for its own. Cheap
/// enough to ask of every column before building the path of a finding.
pub fn is_reserved_column(prefix: &str, column: &str) -> bool {
    column
        .as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Refuses a column whose name starts with `prefix`, which the platform
/// keeps for its own columns (batch ids, hashes).
pub fn reserved_column(
    platform: &str,
    prefix: &str,
    column: &str,
    what: &str,
    path: &ModelPath,
) -> Option<Diagnostic> {
    is_reserved_column(prefix, column).then(|| {
            Diagnostic::new(
                RESERVED_COLUMN,
                Severity::Error,
                path.clone(),
                format!(
                    "column `{column}` of {what} starts with `{prefix}`, which platform `{platform}` keeps for its own columns"
                ),
            )
            .with_help(format!("rename the column so it does not start with `{prefix}`"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_object_on_one_name_is_a_collision() {
        let mut names = PhysicalNames::new("P", "folds case");
        let at = ModelPath::root();
        names.claim("a table", "a_b_c", true, "dataset `a_b.c`", &at);
        names.claim("a table", "a_b_c", true, "dataset `a_b.c`", &at);
        names.claim("a table", "A_B_C", true, "dataset `a.b_c`", &at);
        names.claim("a view", "a_b_c", true, "dataset `a.b_c`", &at);
        names.claim("a table", "a_b_c_2", true, "dataset `a_b.c`", &at);
        names.claim("a table", "a_b_c_2", true, "dataset `a.b_c`", &at);
        let found = names.into_diagnostics();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "dataset `a.b_c` and dataset `a_b.c` would both be a table named `A_B_C` on platform `P` (and 1 more of the names made from them)"
        );
        assert!(reserved_column("P", "ds_", "DS_batch", "x", &at).is_some());
        assert!(reserved_column("P", "ds_", "dsx", "x", &at).is_none());
        assert!(is_reserved_column("ds_", "Ds_x") && !is_reserved_column("ds_", "d"));
        assert!(!is_reserved_column("ds_", "dş_x"));
    }
}
