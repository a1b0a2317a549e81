//! Backwards compatibility: a consumer of the base model keeps working on the proposed one.

use datasurface_core::schema::{Column, Schema};
use datasurface_core::types::{DataType, Text};

/// Why a new type cannot stand in for an old one; `None` when it can: it is
/// the same type, a wider one of the same family, or a numeric type that
/// holds every value of the old one exactly (integers, decimals and floats
/// compared by the values they can hold, not by family).
pub fn type_change_problem(old: &DataType, new: &DataType) -> Option<String> {
    if old == new {
        return None;
    }
    if let (Some((a, unicode_a)), Some((b, unicode_b))) = (old.text(), new.text()) {
        return text_problem(a, unicode_a, b, unicode_b);
    }
    if let Some(widening) = super::numeric::numeric_problem(old, new) {
        return match widening {
            super::numeric::Widening::Holds => None,
            super::numeric::Widening::Narrows(why) => Some(why),
        };
    }
    if let (Some(a), Some(b)) = (old.micro_scaling(), new.micro_scaling()) {
        return if a.scale_type != b.scale_type || a.element_type != b.element_type {
            Some("it changes the micro-scaling scale or element type".to_owned())
        } else if b.batch_size < a.batch_size {
            Some("it reduces the micro-scaling batch size".to_owned())
        } else {
            None
        };
    }
    match (old, new) {
        (DataType::Date, DataType::Timestamp(_)) => None,
        (DataType::Timestamp(a), DataType::Timestamp(b)) => {
            (a.time_zone_or_utc() != b.time_zone_or_utc()).then(|| {
                format!(
                    "it changes the time zone from {} to {}",
                    a.time_zone_or_utc(),
                    b.time_zone_or_utc()
                )
            })
        }
        (DataType::Variant(a), DataType::Variant(b))
        | (DataType::Binary(a), DataType::Binary(b)) => size_problem(a.max_size, b.max_size),
        (DataType::Vector(a), DataType::Vector(b)) => (a.dimensions != b.dimensions).then(|| {
            format!(
                "it changes the dimensions from {} to {}",
                a.dimensions, b.dimensions
            )
        }),
        (DataType::Array(a), DataType::Array(b)) => {
            type_change_problem(&a.element_type, &b.element_type)
                .map(|p| format!("its elements change: {p}"))
                .or_else(|| size_problem(a.max_size, b.max_size))
        }
        (DataType::Map(a), DataType::Map(b)) => type_change_problem(&a.key_type, &b.key_type)
            .map(|p| format!("its keys change: {p}"))
            .or_else(|| {
                type_change_problem(&a.value_type, &b.value_type)
                    .map(|p| format!("its values change: {p}"))
            }),
        (DataType::Struct(a), DataType::Struct(b)) => struct_problem(a, b),
        (DataType::Geography(a), DataType::Geography(b)) => geography_problem(a, b),
        _ => Some(format!(
            "it changes the type from {} to {}",
            old.name(),
            new.name()
        )),
    }
}

fn struct_problem(
    a: &datasurface_core::types::Struct,
    b: &datasurface_core::types::Struct,
) -> Option<String> {
    for (name, old_field) in &a.fields {
        match b.fields.get(name) {
            None => return Some(format!("it removes the struct field `{name}`")),
            Some(new_field) => {
                if let Some(p) = column_problem(old_field, new_field) {
                    return Some(format!("its field `{name}` changes: {p}"));
                }
            }
        }
    }
    b.fields
        .iter()
        .find(|(name, field)| !a.fields.contains_key(*name) && !field.nullable)
        .map(|(name, _)| format!("it adds the struct field `{name}`, which is not nullable"))
}

fn geography_problem(
    a: &datasurface_core::types::Geography,
    b: &datasurface_core::types::Geography,
) -> Option<String> {
    if a.srid != b.srid || a.srs_name != b.srs_name {
        Some("it changes the spatial reference system".to_owned())
    } else if b.geometry_type.is_some() && a.geometry_type != b.geometry_type {
        Some("it adds or changes the geometry type constraint".to_owned())
    } else {
        size_problem(a.max_size, b.max_size)
    }
}

fn text_problem(a: &Text, unicode_a: bool, b: &Text, unicode_b: bool) -> Option<String> {
    if unicode_a != unicode_b {
        Some("it moves the text between the Unicode and non-Unicode families".to_owned())
    } else if a.collation != b.collation {
        Some("it changes the collation".to_owned())
    } else {
        size_problem(a.max_size, b.max_size)
    }
}

fn size_problem(old: Option<u32>, new: Option<u32>) -> Option<String> {
    match (old, new) {
        (None, Some(n)) => Some(format!("it limits an unlimited size to {n}")),
        (Some(o), Some(n)) if n < o => Some(format!("it shrinks the size from {o} to {n}")),
        _ => None,
    }
}

/// Why a column cannot stand in for its old self: a type that does not widen, or changed nullability.
pub fn column_problem(old: &Column, new: &Column) -> Option<String> {
    if old.nullable != new.nullable {
        return Some(if new.nullable {
            "it becomes nullable, so consumers may now read nulls".to_owned()
        } else {
            "it becomes not nullable, so old rows and writers may not fit".to_owned()
        });
    }
    type_change_problem(&old.data_type, &new.data_type)
}

/// A breaking difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaBreak {
    /// The code of the finding.
    pub code: &'static str,
    /// The column concerned, if any.
    pub column: Option<String>,
    /// What breaks.
    pub what: String,
}

/// Every breaking difference between an old and a new schema.
pub fn schema_breaks(old: &Schema, new: &Schema) -> Vec<SchemaBreak> {
    let mut out = Vec::new();
    for (name, old_column) in &old.columns {
        match new.columns.get(name) {
            None => out.push(SchemaBreak {
                code: "removed-column",
                column: Some(name.to_string()),
                what: format!("column `{name}` is removed"),
            }),
            Some(new_column) => {
                if let Some(problem) = column_problem(old_column, new_column) {
                    out.push(SchemaBreak {
                        code: "incompatible-column-change",
                        column: Some(name.to_string()),
                        what: format!("column `{name}` changes incompatibly: {problem}"),
                    });
                }
            }
        }
    }
    for (name, column) in &new.columns {
        if old.columns.contains_key(name) {
            continue;
        }
        if !column.nullable || new.primary_key.contains(name) {
            out.push(SchemaBreak {
                code: "added-required-column",
                column: Some(name.to_string()),
                what: format!(
                    "column `{name}` is added as {}",
                    if column.nullable {
                        "part of the primary key"
                    } else {
                        "not nullable"
                    }
                ),
            });
        }
    }
    if old.primary_key != new.primary_key {
        out.push(SchemaBreak {
            code: "primary-key-changed",
            column: None,
            what: "the primary key changes".to_owned(),
        });
    }
    if old.partition_keys != new.partition_keys {
        out.push(SchemaBreak {
            code: "partition-keys-changed",
            column: None,
            what: "the partition keys change".to_owned(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasurface_core::types::{Decimal, FixedInteger};

    fn t(json: &str) -> DataType {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn widening_is_allowed_and_narrowing_is_not() {
        // The reference implementation had these the wrong way round at table level.
        assert_eq!(
            type_change_problem(
                &t(r#"{"String": {"maxSize": 50}}"#),
                &t(r#"{"String": {"maxSize": 100}}"#)
            ),
            None
        );
        assert!(
            type_change_problem(
                &t(r#"{"String": {"maxSize": 50}}"#),
                &t(r#"{"String": {"maxSize": 30}}"#)
            )
            .is_some()
        );
        assert_eq!(
            type_change_problem(&DataType::SmallInt, &DataType::BigInt),
            None
        );
        assert!(type_change_problem(&DataType::BigInt, &DataType::SmallInt).is_some());
        assert_eq!(
            type_change_problem(&DataType::Ieee32, &DataType::Ieee64),
            None
        );
        assert!(type_change_problem(&DataType::Ieee64, &DataType::Ieee32).is_some());
        // Every 32-bit integer is an IEEE64 value; not every 64-bit one.
        assert_eq!(
            type_change_problem(&DataType::Integer, &DataType::Ieee64),
            None
        );
        assert!(type_change_problem(&DataType::BigInt, &DataType::Ieee64).is_some());
        assert!(type_change_problem(&DataType::Ieee32, &DataType::Fp8E4m3Fnuz).is_some());
    }

    #[test]
    fn text_families_and_limits() {
        assert_eq!(
            type_change_problem(
                &t(r#"{"VarChar": {"maxSize": 10}}"#),
                &t(r#"{"Char": {"maxSize": 20}}"#)
            ),
            None
        );
        assert!(type_change_problem(&t(r#"{"String": {}}"#), &t(r#"{"VarChar": {}}"#)).is_some());
        assert!(
            type_change_problem(
                &t(r#"{"VarChar": {}}"#),
                &t(r#"{"VarChar": {"maxSize": 10}}"#)
            )
            .is_some()
        );
        assert_eq!(
            type_change_problem(
                &t(r#"{"VarChar": {"maxSize": 10}}"#),
                &t(r#"{"VarChar": {}}"#)
            ),
            None
        );
    }

    #[test]
    fn decimals_dates_and_integers() {
        let d = |precision, scale| DataType::Decimal(Decimal { precision, scale });
        assert_eq!(type_change_problem(&d(10, 2), &d(12, 4)), None);
        assert!(
            type_change_problem(&d(10, 2), &d(10, 4)).is_some(),
            "fewer integer digits"
        );
        assert!(
            type_change_problem(&d(10, 4), &d(12, 2)).is_some(),
            "less scale"
        );
        assert_eq!(
            type_change_problem(&DataType::Date, &t(r#"{"Timestamp": {}}"#)),
            None
        );
        assert!(type_change_problem(&t(r#"{"Timestamp": {}}"#), &DataType::Date).is_some());
        let u = DataType::FixedInteger(FixedInteger {
            bits: 64,
            signed: false,
        });
        assert!(
            type_change_problem(&DataType::Integer, &u).is_some(),
            "signed to unsigned"
        );
        // Unsigned to a wider signed integer holds every value; to as wide does not.
        let u32_ = DataType::FixedInteger(FixedInteger {
            bits: 32,
            signed: false,
        });
        assert_eq!(type_change_problem(&u32_, &DataType::BigInt), None);
        assert!(type_change_problem(&u32_, &DataType::Integer).is_some());
        assert_eq!(type_change_problem(&d(9, 0), &DataType::Integer), None);
        assert!(type_change_problem(&d(10, 0), &DataType::Integer).is_some());
        assert_eq!(type_change_problem(&DataType::Integer, &d(10, 0)), None);
        assert!(type_change_problem(&DataType::Integer, &d(11, 2)).is_some());
        assert!(type_change_problem(&d(5, 2), &DataType::Ieee64).is_some());
    }

    #[test]
    fn structs_follow_the_column_rules() {
        // The reference implementation reported identical structs as incompatible and crashed on added fields.
        let a = t(r#"{"Struct": {"fields": {"a": {"type": "Integer"}}}}"#);
        assert_eq!(type_change_problem(&a, &a.clone()), None);
        let added_nullable =
            t(r#"{"Struct": {"fields": {"a": {"type": "Integer"}, "b": {"type": "Integer"}}}}"#);
        assert_eq!(type_change_problem(&a, &added_nullable), None);
        let added_required = t(
            r#"{"Struct": {"fields": {"a": {"type": "Integer"}, "b": {"type": "Integer", "nullable": false}}}}"#,
        );
        assert!(type_change_problem(&a, &added_required).is_some());
        let widened = t(r#"{"Struct": {"fields": {"a": {"type": "BigInt"}}}}"#);
        assert_eq!(type_change_problem(&a, &widened), None);
        assert!(type_change_problem(&widened, &a).is_some());
        assert!(
            type_change_problem(&added_nullable, &a).is_some(),
            "a removed field"
        );
    }
}
