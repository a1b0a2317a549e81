//! The SQL dialect the engine speaks. The dialects themselves live in
//! [`datasurface_platform::dialect`], shared with the `airflow` platform;
//! this module says which model types the engine stores, and how.

use datasurface_core::DataType;
use datasurface_platform::TypeKind;
pub use datasurface_platform::dialect::{Affinity, Postgres, SqlDialect, Sqlite};

/// How the platform stores a model type, or `None` if it cannot.
pub fn affinity(t: &DataType) -> Option<Affinity> {
    Some(match t {
        DataType::Boolean => Affinity::Boolean,
        DataType::TinyInt | DataType::SmallInt | DataType::Integer | DataType::BigInt => {
            Affinity::Integer
        }
        DataType::FixedInteger(f) if f.bits <= 63 || (f.bits == 64 && f.signed) => {
            Affinity::Integer
        }
        DataType::FixedInteger(_) | DataType::Decimal(_) => Affinity::Decimal,
        DataType::Ieee16 | DataType::Ieee32 | DataType::Ieee64 => Affinity::Real,
        DataType::Char(_)
        | DataType::NChar(_)
        | DataType::VarChar(_)
        | DataType::NVarChar(_)
        | DataType::String(_)
        | DataType::Date
        | DataType::Timestamp(_)
        | DataType::Interval
        | DataType::Variant(_) => Affinity::Text,
        // Bytes cannot come from a CSV drop, and a transformer's SQL cannot
        // tell them from text: the platform does not store `Binary`.
        _ => return None,
    })
}

/// The model types the platform stores: each kind whose example
/// ([`TypeKind::example`]) has a SQLite affinity, so the capabilities it declares are
/// what its type mapping does, never a second list.
pub fn supported_types() -> Vec<TypeKind> {
    TypeKind::ALL
        .into_iter()
        .filter(|kind| affinity(&kind.example()).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the type mapping stores, which the platform declares.
    #[test]
    fn supported_types_are_what_the_mapping_stores() {
        let names: Vec<&str> = supported_types().into_iter().map(TypeKind::name).collect();
        insta::assert_snapshot!(names.join(" "));
    }
}
