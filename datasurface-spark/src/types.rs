//! Model types as Spark SQL types: what the driver casts each column to
//! before it is hashed and written, and what Parquet stores.

use std::borrow::Cow;

use datasurface_core::{DataType, TypeKind};

/// The most digits of a Spark `decimal`.
const MAX_DECIMAL_DIGITS: u32 = 38;

/// The Spark SQL type of a model type, or `None` when the platform cannot
/// store it.
///
/// ```
/// use datasurface_core::DataType;
/// use datasurface_spark::types::spark_type;
///
/// assert_eq!(spark_type(&DataType::Integer).as_deref(), Some("int"));
/// assert_eq!(spark_type(&DataType::Interval), None);
/// ```
pub fn spark_type(t: &DataType) -> Option<Cow<'static, str>> {
    Some(match t {
        DataType::Boolean => "boolean".into(),
        DataType::TinyInt => "tinyint".into(),
        DataType::SmallInt => "smallint".into(),
        DataType::Integer => "int".into(),
        DataType::BigInt => "bigint".into(),
        DataType::FixedInteger(f) => {
            let bits = u32::from(f.bits) + u32::from(!f.signed);
            match bits {
                0..=8 => "tinyint".into(),
                9..=16 => "smallint".into(),
                17..=32 => "int".into(),
                33..=64 => "bigint".into(),
                _ => {
                    // Enough decimal digits for the largest value of that many bits.
                    let digits = bits * 30_103 / 100_000 + 1;
                    if digits > MAX_DECIMAL_DIGITS {
                        return None;
                    }
                    format!("decimal({digits},0)").into()
                }
            }
        }
        DataType::Decimal(d) if d.precision <= MAX_DECIMAL_DIGITS && d.scale <= d.precision => {
            format!("decimal({},{})", d.precision, d.scale).into()
        }
        DataType::Ieee16 | DataType::Ieee32 => "float".into(),
        DataType::Ieee64 => "double".into(),
        DataType::Char(_)
        | DataType::NChar(_)
        | DataType::VarChar(_)
        | DataType::NVarChar(_)
        | DataType::String(_)
        | DataType::Variant(_) => "string".into(),
        DataType::Date => "date".into(),
        DataType::Timestamp(_) => "timestamp".into(),
        DataType::Binary(_) => "binary".into(),
        _ => return None,
    })
}

/// The model's type kinds this platform stores.
pub fn supported_types() -> Vec<TypeKind> {
    TypeKind::ALL
        .into_iter()
        .filter(|kind| spark_type(&kind.example()).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use datasurface_core::types::{Decimal, FixedInteger};

    use super::*;

    #[test]
    fn integers_fit_their_bits() {
        let unsigned = |bits| {
            DataType::FixedInteger(FixedInteger {
                bits,
                signed: false,
            })
        };
        assert_eq!(spark_type(&unsigned(8)).as_deref(), Some("smallint"));
        assert_eq!(spark_type(&unsigned(64)).as_deref(), Some("decimal(20,0)"));
        assert_eq!(spark_type(&unsigned(128)), None);
        let wide = DataType::Decimal(Decimal {
            precision: 40,
            scale: 2,
        });
        assert_eq!(spark_type(&wide), None);
    }

    #[test]
    fn supported_types_are_what_the_mapping_stores() {
        let names: Vec<&str> = supported_types().into_iter().map(TypeKind::name).collect();
        insta::assert_snapshot!(names.join(" "));
    }
}
