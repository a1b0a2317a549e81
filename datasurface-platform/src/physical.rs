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

use std::collections::BTreeMap;

use datasurface_core::OrderedMap;
use indexmap::map::Entry;
use std::fmt::Write as _;

use crate::graph::{NodeKind, PlatformGraph};
use datasurface_core::Dataset;
use datasurface_core::names::DatasetName;
use datasurface_rules::validate::{Diagnostic, ModelIndex, ModelPath, Severity, ValidEcosystem};

/// The code of a collision.
pub const COLLISION: &str = "physical-name-collision";

/// The code of a column name a platform keeps for its own columns.
pub const RESERVED_COLUMN: &str = "reserved-column-name";

/// Who claimed a physical name, as a finding names it: the model object
/// (such as "dataset `NW_Data.customers`") and where it is in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claimant {
    /// The model object, as the message names it.
    pub what: String,
    /// Where the object is in the model.
    pub path: ModelPath,
}

impl Claimant {
    /// A claimant: the model object as a finding names it, and its place.
    pub fn new(what: impl Into<String>, path: ModelPath) -> Self {
        Claimant {
            what: what.into(),
            path,
        }
    }

    /// The model object a graph node stands for, and its path: so a
    /// platform that claims names by node (`PhysicalNames<NodeKey>`, or its
    /// own owners holding nodes) describes every claimant in one call. The
    /// paths come from [`ValidEcosystem::places`](datasurface_rules::validate::ValidEcosystem::places),
    /// built once per model.
    ///
    /// ```
    /// use datasurface_platform::Claimant;
    /// use datasurface_platform::graph::NodeKind;
    /// use datasurface_fixtures::northwind;
    /// use datasurface_rules::BuildValid;
    ///
    /// let valid = northwind().build_valid()?;
    /// let node = NodeKind::Export {
    ///     container: "Mart A".parse()?,
    ///     datastore: "NW_Data".parse()?,
    ///     dataset: "customers".parse()?,
    /// };
    /// let claimant = Claimant::for_node(&valid, &node);
    /// assert_eq!(claimant.what, "the export of `NW_Data.customers` to `Mart A`");
    /// assert!(claimant.path.to_string().ends_with("/datastores/NW_Data/datasets/customers"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_node(
        valid: &datasurface_rules::validate::ValidEcosystem,
        node: &NodeKind,
    ) -> Claimant {
        let (what, path) = node.described(valid.places());
        Claimant { what, path }
    }
}

/// A value an owner carries that does not tell owners apart: every two
/// are equal. An owner such as a credential, one object wherever it is
/// used, can so carry where it was met, for the finding's path.
#[derive(Debug, Clone, Copy, Default)]
pub struct Carried<T>(pub T);

impl<T> PartialEq for Carried<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<T> Eq for Carried<T> {}
impl<T> PartialOrd for Carried<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Carried<T> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

/// The physical names claimed so far, by namespace, and the collisions found.
///
/// A claim names its owner with a cheap value of the platform's choosing
/// (`O`: a small enum of borrowed model names, say), compared to tell one
/// model object from another; only owners that collide are described,
/// by [`into_diagnostics`](Self::into_diagnostics), so claiming the names
/// of a model of 100,000 datasets builds no message and no model path.
///
/// ```
/// use datasurface_platform::{Claimant, PhysicalNames};
/// use datasurface_rules::validate::ModelPath;
///
/// let mut names = PhysicalNames::new("p", "folds case");
/// names.claim("a table", "A_b", true, ("A", "b"));
/// names.claim("a table", "a_B", true, ("a", "B"));
/// let found = names.into_diagnostics(|(store, dataset)| {
///     Claimant::new(format!("dataset `{store}.{dataset}`"), ModelPath::root().keys(["datastores", store]))
/// });
/// assert_eq!(found.len(), 1);
/// ```
#[derive(Debug)]
pub struct PhysicalNames<O> {
    platform: String,
    /// How the platform maps names, for the help.
    rule: String,
    /// By namespace, then by physical name (folded if asked): who claimed it.
    claimed: OrderedMap<String, OrderedMap<String, O>>,
    /// One collision per pair of owners (the later, the earlier): the
    /// namespace and physical name they first meet in, and how many more.
    pairs: BTreeMap<(O, O), (String, String, usize)>,
}

impl<O: Ord + Clone> PhysicalNames<O> {
    /// A new set for `platform`, whose mapping `rule` is described for the help
    /// (such as "folds case and writes characters other than letters and digits as `_`").
    pub fn new(platform: impl Into<String>, rule: impl Into<String>) -> Self {
        PhysicalNames {
            platform: platform.into(),
            rule: rule.into(),
            claimed: OrderedMap::default(),
            pairs: BTreeMap::new(),
        }
    }

    /// Makes room in `namespace` for `additional` more names: a platform
    /// that knows how many names it will claim (several per dataset of its
    /// graph) saves growing a map of a million names step by step.
    pub fn reserve(&mut self, namespace: &str, additional: usize) {
        names_in(&mut self.claimed, namespace).reserve(additional);
    }

    /// Claims an artifact key as a file name for `owner`: keys are saved as
    /// files, and file systems that ignore case would make two keys that
    /// differ only in case one file.
    pub fn claim_key(&mut self, key: &crate::ArtifactKey, owner: O) {
        self.claim("a file of the rendering", key.as_str(), true, owner);
    }

    /// Claims `physical`, a name in `namespace` (what holds it, such as
    /// "a table in schema `nw`"), for `owner`. Names that differ only in
    /// case are one name when `fold_case`. The same owner may claim a name
    /// again; another owner claiming it is a collision.
    pub fn claim(
        &mut self,
        namespace: &str,
        physical: impl Into<String>,
        fold_case: bool,
        owner: O,
    ) {
        // Nearly every name is claimed once, by a caller that has just made
        // it: the name becomes the key itself (its folded copy when it
        // folds), hashed once.
        let physical = physical.into();
        let folds = !physical.is_ascii() || physical.bytes().any(|b| b.is_ascii_uppercase());
        let (key, written) = if fold_case && folds {
            (physical.to_lowercase(), Some(physical))
        } else {
            (physical, None)
        };
        match names_in(&mut self.claimed, namespace).entry(key) {
            Entry::Vacant(vacant) => {
                vacant.insert(owner);
            }
            Entry::Occupied(first) if *first.get() == owner => {}
            Entry::Occupied(first) => {
                let pair = (owner, first.get().clone());
                if let Some((_, _, more)) = self.pairs.get_mut(&pair) {
                    *more += 1;
                } else {
                    let physical = written.unwrap_or_else(|| first.key().clone());
                    self.pairs.insert(pair, (namespace.to_owned(), physical, 0));
                }
            }
        }
    }

    /// The collisions found: one per pair of owners, saying how many more
    /// physical names they also share. `describe` names each owner that
    /// collides and says where it is.
    pub fn into_diagnostics(self, mut describe: impl FnMut(&O) -> Claimant) -> Vec<Diagnostic> {
        let platform = self.platform;
        let rule = self.rule;
        self.pairs
            .into_iter()
            .map(|((later, earlier), (namespace, physical, more))| {
                let later = describe(&later);
                let earlier = describe(&earlier);
                let (what, first) = (&later.what, &earlier.what);
                let mut message = format!(
                    "{what} and {first} would both be {namespace} named `{physical}` on platform `{platform}`"
                );
                if more > 0 {
                    let _ = write!(message, " (and {more} more of the names made from them)");
                }
                let help = format!(
                    "rename one of them: platform `{platform}` {rule}, so their names meet (the other is at {})",
                    earlier.path
                );
                Diagnostic::new(COLLISION, Severity::Error, later.path, message).with_help(help)
            })
            .collect()
    }
}

/// How many datasets `graph` ingests, counted from the stores `index` holds:
/// a platform claims several physical names for each, so this sizes
/// [`PhysicalNames::reserve`].
pub fn ingested_datasets(graph: &PlatformGraph, index: &ModelIndex<'_>) -> usize {
    graph
        .nodes()
        .into_iter()
        .map(|node| match &node.kind {
            NodeKind::Ingest {
                dataset: Some(_), ..
            } => 1,
            NodeKind::Ingest { datastore, .. } => index
                .datastore(datastore)
                .map_or(0, |at| at.item.datasets.len()),
            _ => 0,
        })
        .sum()
}

/// The datasets an `Ingest` node reads, sorted by name (a datastore's
/// datasets are a set): every dataset of its store, or the one it names
/// when the store is ingested dataset by dataset. Empty for another node or
/// a store the model lacks.
///
/// ```
/// use datasurface_platform::graph::NodeKind;
/// use datasurface_platform::ingested_by;
/// use datasurface_fixtures::northwind;
/// use datasurface_rules::BuildValid;
///
/// let valid = northwind().build_valid()?;
/// let node = NodeKind::Ingest { datastore: "NW_Data".parse()?, dataset: None, from_platform: None };
/// let names: Vec<&str> = ingested_by(&valid, &node).iter().map(|(n, _)| n.as_str()).collect();
/// assert!(names.is_sorted() && names.contains(&"customers"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn ingested_by<'a>(
    valid: &'a ValidEcosystem,
    node: &NodeKind,
) -> Vec<(&'a DatasetName, &'a Dataset)> {
    let NodeKind::Ingest {
        datastore, dataset, ..
    } = node
    else {
        return Vec::new();
    };
    let Some(store) = valid.find_datastore(datastore) else {
        return Vec::new();
    };
    let mut datasets: Vec<_> = store
        .datasets
        .iter()
        .filter(|(name, _)| dataset.as_ref().is_none_or(|d| d == *name))
        .collect();
    datasets.sort_unstable_by_key(|(name, _)| *name);
    datasets
}

/// The names claimed in `namespace`, made empty at its first use.
fn names_in<'m, O>(
    claimed: &'m mut OrderedMap<String, OrderedMap<String, O>>,
    namespace: &str,
) -> &'m mut OrderedMap<String, O> {
    match claimed.get_index_of(namespace) {
        Some(at) => &mut claimed[at],
        None => claimed.entry(namespace.to_owned()).or_default(),
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
        names.claim("a table", "a_b_c", true, "dataset `a_b.c`");
        names.claim("a table", "a_b_c", true, "dataset `a_b.c`");
        names.claim("a table", "A_B_C", true, "dataset `a.b_c`");
        names.claim("a view", "a_b_c", true, "dataset `a.b_c`");
        names.claim("a table", "a_b_c_2", true, "dataset `a_b.c`");
        names.claim("a table", "a_b_c_2", true, "dataset `a.b_c`");
        let found = names.into_diagnostics(|what| Claimant {
            what: (*what).to_owned(),
            path: ModelPath::root().keys([*what]),
        });
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "dataset `a.b_c` and dataset `a_b.c` would both be a table named `A_B_C` on platform `P` (and 1 more of the names made from them)"
        );
        assert_eq!(found[0].path, ModelPath::root().keys(["dataset `a.b_c`"]));
        assert!(
            found[0]
                .help
                .as_deref()
                .is_some_and(|h| h.contains("(the other is at "))
        );
        assert!(reserved_column("P", "ds_", "DS_batch", "x", &at).is_some());
        assert!(reserved_column("P", "ds_", "dsx", "x", &at).is_none());
        assert!(is_reserved_column("ds_", "Ds_x") && !is_reserved_column("ds_", "d"));
        assert!(!is_reserved_column("ds_", "dş_x"));
    }

    /// The same claims, found with a list searched from the start: what
    /// [`PhysicalNames`] must report, whatever its storage.
    fn by_list(claims: &[(bool, String, bool, u8)]) -> Vec<(u8, u8, String, String, usize)> {
        let mut claimed: Vec<(bool, String, u8)> = Vec::new();
        let mut pairs: BTreeMap<(u8, u8), (String, String, usize)> = BTreeMap::new();
        for (view, physical, fold, owner) in claims {
            let key = if *fold {
                physical.to_lowercase()
            } else {
                physical.clone()
            };
            let namespace = if *view { "a view" } else { "a table" };
            match claimed.iter().find(|(v, k, _)| v == view && *k == key) {
                None => claimed.push((*view, key, *owner)),
                Some((_, _, first)) if first == owner => {}
                Some((_, _, first)) => {
                    if let Some((_, _, more)) = pairs.get_mut(&(*owner, *first)) {
                        *more += 1;
                    } else {
                        let first_met = (namespace.to_owned(), physical.clone(), 0);
                        pairs.insert((*owner, *first), first_met);
                    }
                }
            }
        }
        pairs
            .into_iter()
            .map(|((a, b), (n, p, more))| (a, b, n, p, more))
            .collect()
    }

    proptest::proptest! {
        /// Claims in two namespaces, with and without folding case, by a
        /// few owners: the collisions reported are those a plain list finds.
        #[test]
        fn collisions_are_those_a_list_finds(
            claims in proptest::collection::vec(
                (proptest::bool::ANY, "[aAbB_é]{1,3}", proptest::bool::ANY, 0..4u8),
                0..80,
            ),
        ) {
            let mut names = PhysicalNames::new("P", "folds case");
            names.reserve("a table", 8);
            for (view, physical, fold, owner) in &claims {
                let namespace = if *view { "a view" } else { "a table" };
                names.claim(namespace, physical.as_str(), *fold, *owner);
            }
            let found = names.into_diagnostics(|owner| Claimant {
                what: format!("owner {owner}"),
                path: ModelPath::root(),
            });
            let expected: Vec<String> = by_list(&claims)
                .into_iter()
                .map(|(later, earlier, namespace, physical, more)| {
                    let mut m = format!(
                        "owner {later} and owner {earlier} would both be {namespace} named `{physical}` on platform `P`"
                    );
                    if more > 0 {
                        let _ = write!(m, " (and {more} more of the names made from them)");
                    }
                    m
                })
                .collect();
            let messages: Vec<String> = found.into_iter().map(|d| d.message).collect();
            proptest::prop_assert_eq!(messages, expected);
        }
    }
}
