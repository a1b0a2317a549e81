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
        DataType::Binary(_) => Affinity::Blob,
        _ => return None,
    })
}

/// The model types the platform stores, by name.
pub const SUPPORTED_TYPES: [TypeKind; 19] = [
    TypeKind::Boolean,
    TypeKind::TinyInt,
    TypeKind::SmallInt,
    TypeKind::Integer,
    TypeKind::BigInt,
    TypeKind::FixedInteger,
    TypeKind::Decimal,
    TypeKind::Ieee16,
    TypeKind::Ieee32,
    TypeKind::Ieee64,
    TypeKind::Char,
    TypeKind::NChar,
    TypeKind::VarChar,
    TypeKind::NVarChar,
    TypeKind::String,
    TypeKind::Date,
    TypeKind::Timestamp,
    TypeKind::Interval,
    TypeKind::Variant,
];
