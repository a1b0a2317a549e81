//! Ecosystems in code: a fluent builder as short as the YAML.
//!
//! Names are given as `&str` and checked once, at [`EcosystemBuilder::build`],
//! which returns the [`Ecosystem`](crate::Ecosystem) or every problem at once, each with where
//! it occurred; nothing panics. Everything the YAML lets you leave out, the
//! builder leaves out too, with the same default.
//!
//! ```
//! use datasurface_core::{Ecosystem, Latency::Minutes, Milestoning::LiveOnly};
//! use datasurface_core::types::{DataType::Integer, nvarchar};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let eco = Ecosystem::builder("Shop", "acme/eco@main", "acme/eco@live")
//!     .platform("Local", "sqlite", |p| p)
//!     .zone("EU", "acme/eu@main", |z| z.team("Sales", "acme/sales@main", |t| t
//!         .object_storage("Drops", "drops", |c| c)
//!         .sqlite("Warehouse", "warehouse.sqlite", |c| c)
//!         .datastore("Orders", |s| s.file_drop("Drops").dataset("orders", |d| d
//!             .classified(["PUB"])
//!             .column("id", Integer).key()
//!             .column("customer", nvarchar(40))))
//!         .workspace("Reports", |w| w.container("Warehouse").group("Main", |g| g
//!             .sink("Orders", "orders")
//!             .requirements(LiveOnly, Minutes)))))
//!     .assign("Reports", "Main", "Local")
//!     .build()?;
//! assert_eq!(eco.zones["EU"].teams["Sales"].datastores.len(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! `datasurface_rules::BuildValid` adds `build_valid`, which also validates.

mod datastore;
mod ecosystem;
mod workspace;
mod zone;

use std::fmt;
use std::str::FromStr;

use crate::OrderedMap;

pub use datastore::{ColumnStep, DatasetBuilder, DatastoreBuilder};
pub use ecosystem::{EcosystemBuilder, LocationBuilder, PlatformBuilder, VendorBuilder};
pub use workspace::{DatasetGroupBuilder, TransformerBuilder, WorkspaceBuilder};
pub use zone::{ContainerBuilder, PolicyBuilder, StoragePolicyBuilder, TeamBuilder, ZoneBuilder};

use crate::common::Documentation;

/// One thing wrong with what was built, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildProblem {
    /// Where it occurred, such as ``zone `USA` › team `Sales` › datastore `Orders` ``.
    pub at: String,
    /// What is wrong, and how to fix it.
    pub message: String,
}

impl fmt::Display for BuildProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

/// Every problem found while building an ecosystem in code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct BuildProblems(pub Vec<BuildProblem>);

impl fmt::Display for BuildProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "the ecosystem has {n} problem{}:",
            if n == 1 { "" } else { "s" }
        )?;
        for problem in &self.0 {
            write!(f, "\n  {problem}")?;
        }
        Ok(())
    }
}

/// What a builder found wrong so far, and where it is in the model.
#[derive(Debug, Clone, Default)]
pub(crate) struct Problems {
    at: String,
    found: Vec<BuildProblem>,
}

impl Problems {
    /// The problems of something inside this one: ``kind `name` `` is added
    /// to where they occur.
    fn within(&self, kind: &str, name: &str) -> Problems {
        let step = format!("{kind} `{name}`");
        Problems {
            at: if self.at.is_empty() {
                step
            } else {
                format!("{} › {step}", self.at)
            },
            found: Vec::new(),
        }
    }

    /// No problems yet, found at the same place.
    fn here(&self) -> Problems {
        Problems {
            at: self.at.clone(),
            found: Vec::new(),
        }
    }

    fn report(&mut self, message: impl Into<String>) {
        self.found.push(BuildProblem {
            at: self.at.clone(),
            message: message.into(),
        });
    }

    fn absorb(&mut self, inner: Problems) {
        self.found.extend(inner.found);
    }

    /// Parses a value, reporting why it cannot be parsed.
    fn parse<T>(&mut self, value: &str) -> Option<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match value.parse() {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(e.to_string());
                None
            }
        }
    }

    /// Parses each value, reporting each that cannot be parsed.
    fn parse_all<'a, T>(&mut self, values: impl IntoIterator<Item = &'a str>) -> Vec<T>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        values.into_iter().filter_map(|v| self.parse(v)).collect()
    }

    fn finish(self) -> Result<(), BuildProblems> {
        if self.found.is_empty() {
            Ok(())
        } else {
            Err(BuildProblems(self.found))
        }
    }
}

/// Puts a named item into a map; a name given twice is a problem, as a YAML
/// key given twice is.
fn insert_new<K, V>(
    map: &mut OrderedMap<K, V>,
    key: Option<K>,
    value: V,
    what: &str,
    problems: &mut Problems,
) where
    K: std::hash::Hash + Eq + fmt::Display,
{
    let Some(key) = key else { return };
    if map.contains_key(&key) {
        problems.report(format!(
            "{what} `{key}` is defined twice; give each a distinct name, or edit the first"
        ));
    } else {
        map.insert(key, value);
    }
}

/// Adds a new named item built in a closure from `start`: its name parsed,
/// its problems found where it is, a name given twice reported.
fn add_new<K, B, R>(
    map: &mut OrderedMap<K, B::Item>,
    outer: &mut Problems,
    what: &str,
    name: &str,
    start: impl FnOnce(Problems) -> B,
    f: impl FnOnce(B) -> R,
) where
    K: FromStr + std::hash::Hash + Eq + fmt::Display,
    K::Err: fmt::Display,
    B: Finish,
    R: Into<B>,
{
    let mut problems = outer.within(what, name);
    let key = problems.parse::<K>(name);
    let builder = start(problems.here());
    let item = nested(&mut problems, builder, f);
    insert_new(map, key, item, what, &mut problems);
    outer.absorb(problems);
}

/// Builds a named item in a closure from `start`, given the item the map
/// holds under that name (if any): a new one goes last, one reopened stays
/// where it was.
fn reopen<K, B, R>(
    map: &mut OrderedMap<K, B::Item>,
    outer: &mut Problems,
    what: &str,
    name: &str,
    start: impl FnOnce(Option<B::Item>, Problems) -> B,
    f: impl FnOnce(B) -> R,
) where
    K: FromStr + std::hash::Hash + Eq,
    K::Err: fmt::Display,
    B: Finish,
    R: Into<B>,
{
    let mut problems = outer.within(what, name);
    if let Some(key) = problems.parse::<K>(name) {
        let at = map.get_index_of(&key).unwrap_or(map.len());
        let current = map.shift_remove(&key);
        let builder = start(current, problems.here());
        let item = nested(&mut problems, builder, f);
        map.shift_insert(at, key, item);
    }
    outer.absorb(problems);
}

/// Builds an item in a closure, from its current value or a new one, and
/// carries the closure's problems up.
fn nested<B: Finish, R: Into<B>>(
    problems: &mut Problems,
    builder: B,
    f: impl FnOnce(B) -> R,
) -> B::Item {
    let (item, inner) = f(builder).into().finish();
    problems.absorb(inner);
    item
}

/// A builder handing back what it built and the problems it found.
trait Finish {
    /// What it builds.
    type Item;
    /// The item and its problems.
    fn finish(self) -> (Self::Item, Problems);
}

/// Declares a builder of the form `{ item, problems }` and its [`Finish`].
macro_rules! builder {
    ($(#[$meta:meta])* $builder:ident => $item:ty) => {
        builder!(@define $(#[$meta])* $builder, $item, $item, std::convert::identity);
    };
    // An item the model shares (`Arc`): built as a value, finished shared,
    // reopened from its shared form (copied only when another holds it).
    ($(#[$meta:meta])* $builder:ident => shared $item:ty) => {
        builder!(@define $(#[$meta])* $builder, $item, std::sync::Arc<$item>, std::sync::Arc::new);
    };
    (@define $(#[$meta:meta])* $builder:ident, $item:ty, $finished:ty, $finish:path) => {
        $(#[$meta])*
        #[derive(Debug, Clone)]
        #[must_use]
        pub struct $builder {
            item: $item,
            problems: super::Problems,
        }

        impl super::Finish for $builder {
            type Item = $finished;
            fn finish(self) -> ($finished, super::Problems) {
                ($finish(self.item), self.problems)
            }
        }
    };
}
use builder;

/// A builder's `describe`: its item's documentation, with `$doc` as the
/// method's own.
macro_rules! describe {
    ($doc:literal) => {
        #[doc = $doc]
        pub fn describe(mut self, text: &str) -> Self {
            self.item.documentation = Some(super::doc(text).into());
            self
        }
    };
}
use describe;

/// `production` and `deprecated`, for datastores and workspaces alike.
macro_rules! statuses {
    ($what:literal) => {
        #[doc = concat!("Marks the ", $what, " as production.")]
        pub fn production(mut self) -> Self {
            self.item.production_status = crate::ProductionStatus::Production;
            self
        }

        #[doc = concat!("Marks the ", $what, " deprecated, saying why.")]
        pub fn deprecated(mut self, reason: &str) -> Self {
            self.item.deprecation = crate::Deprecation::deprecated(reason);
            self
        }
    };
}
use statuses;

fn doc(text: &str) -> Documentation {
    Documentation::new(text)
}
