//! The functions a transformer's query or a quality rule's condition may
//! call, by name, with the engines that run each: a function is allowed
//! where every engine that runs the text has it, and nowhere else.
//!
//! One list for the gate and every platform: the gate refuses a call it
//! does not hold, the platforms render only what the gate accepted, and
//! SQLite's authorizer lets a transformer's connection call only these
//! (`datasurface-sqlite`).

use crate::Dialect;

/// What a function makes of the rows it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FunctionKind {
    /// One value from one row's values.
    Scalar,
    /// One value from many rows (an aggregate, or with `OVER` a window).
    Aggregate,
    /// One value per row from its window (`OVER` required).
    Window,
}

/// A function a query may call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// Its name, in lower case.
    pub name: &'static str,
    /// The fewest arguments it takes.
    pub min: usize,
    /// The most arguments it takes (`None`: any number).
    pub max: Option<usize>,
    /// What it makes.
    pub kind: FunctionKind,
    /// The engines that run it.
    engines: &'static [Dialect],
}

impl Function {
    /// Whether `dialect`'s engine runs it. The ANSI reading
    /// ([`Dialect::Generic`], for a query no platform runs) allows what
    /// every engine runs.
    pub fn runs_on(&self, dialect: Dialect) -> bool {
        match dialect {
            Dialect::Generic => self.engines.len() == ALL.len(),
            other => self.engines.contains(&other),
        }
    }

    /// Whether it takes `n` arguments.
    pub fn takes(&self, n: usize) -> bool {
        n >= self.min && self.max.is_none_or(|max| n <= max)
    }

    /// How many arguments it takes, as a message says it.
    pub fn arity(&self) -> String {
        match self.max {
            Some(max) if max == self.min => format!("{max}"),
            Some(max) => format!("{} to {max}", self.min),
            None => format!("{} or more", self.min),
        }
    }
}

const ALL: &[Dialect] = &[Dialect::Sqlite, Dialect::Postgres, Dialect::Spark];
const PG_SPARK: &[Dialect] = &[Dialect::Postgres, Dialect::Spark];
const SQLITE: &[Dialect] = &[Dialect::Sqlite];
const PG_SQLITE: &[Dialect] = &[Dialect::Sqlite, Dialect::Postgres];
const SPARK: &[Dialect] = &[Dialect::Spark];

const fn f(
    name: &'static str,
    min: usize,
    max: Option<usize>,
    kind: FunctionKind,
    engines: &'static [Dialect],
) -> Function {
    Function {
        name,
        min,
        max,
        kind,
        engines,
    }
}

use FunctionKind::{Aggregate, Scalar, Window};

/// Every function a query may call, sorted by name. Each is deterministic
/// and reads nothing but its arguments: no clock, no random values, no
/// files, no other tables, no settings, no code.
pub const FUNCTIONS: &[Function] = &[
    f("abs", 1, Some(1), Scalar, ALL),
    f("avg", 1, Some(1), Aggregate, ALL),
    f("coalesce", 1, None, Scalar, ALL),
    f("concat", 1, None, Scalar, ALL),
    f("concat_ws", 2, None, Scalar, ALL),
    f("count", 0, Some(1), Aggregate, ALL),
    f("dense_rank", 0, Some(0), Window, ALL),
    f("first_value", 1, Some(1), Window, ALL),
    f("greatest", 2, None, Scalar, PG_SPARK),
    f("group_concat", 1, Some(2), Aggregate, SQLITE),
    f(
        "instr",
        2,
        Some(2),
        Scalar,
        &[Dialect::Sqlite, Dialect::Spark],
    ),
    f("lag", 1, Some(3), Window, ALL),
    f("last_value", 1, Some(1), Window, ALL),
    f("lead", 1, Some(3), Window, ALL),
    f("least", 2, None, Scalar, PG_SPARK),
    f("length", 1, Some(1), Scalar, ALL),
    f("lower", 1, Some(1), Scalar, ALL),
    f("ltrim", 1, Some(1), Scalar, ALL),
    f("max", 1, Some(1), Aggregate, ALL),
    f("md5", 1, Some(1), Scalar, PG_SPARK),
    f("min", 1, Some(1), Aggregate, ALL),
    f("ntile", 1, Some(1), Window, ALL),
    f("nullif", 2, Some(2), Scalar, ALL),
    f("rank", 0, Some(0), Window, ALL),
    f("replace", 3, Some(3), Scalar, ALL),
    f("round", 1, Some(2), Scalar, ALL),
    f("row_number", 0, Some(0), Window, ALL),
    f("rtrim", 1, Some(1), Scalar, ALL),
    f("sha2", 2, Some(2), Scalar, SPARK),
    f("string_agg", 2, Some(2), Aggregate, PG_SQLITE),
    f("substr", 2, Some(3), Scalar, ALL),
    f("sum", 1, Some(1), Aggregate, ALL),
    f("trim", 1, Some(1), Scalar, ALL),
    f("upper", 1, Some(1), Scalar, ALL),
];

/// The function named `name` (in any case), if a query may call it at all.
pub fn function(name: &str) -> Option<&'static Function> {
    let lower = name.to_ascii_lowercase();
    FUNCTIONS
        .binary_search_by(|f| f.name.cmp(lower.as_str()))
        .ok()
        .map(|at| &FUNCTIONS[at])
}

/// The names of the functions of `kind` every one of `dialects` runs, as
/// a message lists them.
pub fn allowed(dialects: &[Dialect], kinds: &[FunctionKind]) -> Vec<&'static str> {
    FUNCTIONS
        .iter()
        .filter(|f| kinds.contains(&f.kind) && dialects.iter().all(|d| f.runs_on(*d)))
        .map(|f| f.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{FUNCTIONS, function};
    use crate::Dialect;

    #[test]
    fn the_list_is_sorted_and_found_in_any_case() {
        assert!(FUNCTIONS.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(function("UPPER").map(|f| f.name), Some("upper"));
        assert!(function("pg_sleep").is_none());
        let md5 = function("md5").map(|f| (f.runs_on(Dialect::Sqlite), f.runs_on(Dialect::Spark)));
        assert_eq!(md5, Some((false, true)));
        assert!(!function("md5").is_some_and(|f| f.runs_on(Dialect::Generic)));
        assert!(function("upper").is_some_and(|f| f.runs_on(Dialect::Generic) && !f.takes(2)));
    }
}
