//! Column types between datasurface and ODCS: the logical type, its options
//! and a SQL spelling of the physical type, both ways.
//!
//! Export writes what other tools understand (`logicalType: string`,
//! `maxLength: 40`, `physicalType: NVARCHAR(40)`); when reading that back
//! would not give the same type (a collation, a custom float, a map), it
//! also writes the exact type under the custom property `datasurfaceType`,
//! which import prefers. So every type survives the round trip, and a
//! contract from elsewhere still imports from its standard fields.

use datasurface_core::types::{
    Array, Bounded, DataType, Decimal, FixedInteger, Struct, Text, Timestamp, Vector,
};
use serde_json::{Map, Value, json};

use crate::odcs::{CustomProperty, Property};

/// The custom property holding a type exactly, as model files write it.
pub(crate) const EXACT_TYPE: &str = "datasurfaceType";

/// The standard fields of a type: logical type, its options, and a SQL
/// spelling where SQL has one.
pub(crate) struct Standard {
    pub(crate) logical: &'static str,
    pub(crate) options: Map<String, Value>,
    pub(crate) physical: Option<String>,
    /// An array's element.
    pub(crate) items: Option<DataType>,
}

fn text(name: &str, t: &Text) -> Standard {
    let mut options = Map::new();
    if let Some(n) = t.max_size {
        options.insert("maxLength".into(), n.into());
    }
    let physical = match t.max_size {
        Some(n) => format!("{name}({n})"),
        None => name.to_owned(),
    };
    Standard {
        logical: "string",
        options,
        physical: Some(physical),
        items: None,
    }
}

fn plain(logical: &'static str, physical: &str, format: Option<&str>) -> Standard {
    let mut options = Map::new();
    if let Some(format) = format {
        options.insert("format".into(), format.into());
    }
    Standard {
        logical,
        options,
        physical: Some(physical.to_owned()),
        items: None,
    }
}

fn bounded(logical: &'static str, name: &str, b: Bounded, format: Option<&str>) -> Standard {
    let physical = match b.max_size {
        Some(n) => format!("{name}({n})"),
        None => name.to_owned(),
    };
    plain(logical, &physical, format)
}

/// The standard fields of a type.
pub(crate) fn standard(t: &DataType) -> Standard {
    match t {
        DataType::Boolean => plain("boolean", "BOOLEAN", None),
        DataType::TinyInt => plain("integer", "TINYINT", Some("i8")),
        DataType::SmallInt => plain("integer", "SMALLINT", Some("i16")),
        DataType::Integer => plain("integer", "INTEGER", Some("i32")),
        DataType::BigInt => plain("integer", "BIGINT", Some("i64")),
        DataType::FixedInteger(f) => {
            let format = match (f.bits, f.signed) {
                (8, true) => Some("i8"),
                (16, true) => Some("i16"),
                (32, true) => Some("i32"),
                (64, true) => Some("i64"),
                (128, true) => Some("i128"),
                (8, false) => Some("u8"),
                (16, false) => Some("u16"),
                (32, false) => Some("u32"),
                (64, false) => Some("u64"),
                (128, false) => Some("u128"),
                _ => None,
            };
            let mut s = plain("integer", "", format);
            s.physical = None;
            s
        }
        DataType::Decimal(d) => plain(
            "number",
            &format!("DECIMAL({},{})", d.precision, d.scale),
            None,
        ),
        DataType::Ieee32 => plain("number", "REAL", Some("f32")),
        DataType::Ieee64 => plain("number", "DOUBLE PRECISION", Some("f64")),
        DataType::Char(t) => text("CHAR", t),
        DataType::NChar(t) => text("NCHAR", t),
        DataType::VarChar(t) => text("VARCHAR", t),
        DataType::NVarChar(t) => text("NVARCHAR", t),
        DataType::String(t) => text("STRING", t),
        DataType::Date => plain("date", "DATE", None),
        DataType::Timestamp(ts) => {
            let mut s = plain("timestamp", "TIMESTAMP WITH TIME ZONE", None);
            s.options.insert("timezone".into(), true.into());
            if let Some(zone) = &ts.time_zone {
                s.options
                    .insert("defaultTimezone".into(), zone.as_str().into());
            }
            s
        }
        DataType::Interval => plain("string", "INTERVAL", None),
        DataType::Variant(b) => bounded("object", "VARIANT", *b, None),
        DataType::Binary(b) => bounded("string", "VARBINARY", *b, Some("binary")),
        DataType::Vector(v) => {
            let mut s = plain("array", &format!("VECTOR({})", v.dimensions), None);
            s.options.insert("minItems".into(), v.dimensions.into());
            s.options.insert("maxItems".into(), v.dimensions.into());
            s.items = Some(DataType::Ieee32);
            s
        }
        DataType::Array(a) => {
            let mut s = plain("array", "ARRAY", None);
            if let Some(n) = a.max_size {
                s.options.insert("maxItems".into(), n.into());
            }
            s.items = Some((*a.element_type).clone());
            s
        }
        DataType::Struct(_) => plain("object", "STRUCT", None),
        DataType::Map(_) => plain("object", "MAP", None),
        DataType::Geography(_) => plain("object", "GEOGRAPHY", None),
        // The small and custom floats: numbers, by their model name.
        other => plain("number", other.name(), None),
    }
}

/// Parses a SQL spelling of a type, as stores and other tools write them
/// (`varchar(40)`, `INT8`, `numeric(10, 2)`, `timestamptz`), in any case.
/// `None` when it is not one datasurface knows.
pub(crate) fn parse_physical(text: &str) -> Option<DataType> {
    let (name, args) = split_physical(text)?;
    let size = |t: fn(Text) -> DataType| match args.as_slice() {
        [] => Some(t(Text::default())),
        [n] => Some(t(Text::max(*n))),
        _ => None,
    };
    let bytes = |t: fn(Bounded) -> DataType| match args.as_slice() {
        [] => Some(t(Bounded::default())),
        [n] => Some(t(Bounded { max_size: Some(*n) })),
        _ => None,
    };
    let bare = |t: DataType| args.is_empty().then_some(t);
    match name.as_str() {
        "BOOLEAN" | "BOOL" | "BIT" => bare(DataType::Boolean),
        "TINYINT" | "INT1" | "BYTEINT" => bare(DataType::TinyInt),
        "SMALLINT" | "INT2" | "INT16" | "SMALLSERIAL" | "SERIAL2" => bare(DataType::SmallInt),
        "INTEGER" | "INT" | "INT4" | "INT32" | "SERIAL" | "SERIAL4" => bare(DataType::Integer),
        "BIGINT" | "INT8" | "INT64" | "LONG" | "BIGSERIAL" | "SERIAL8" => bare(DataType::BigInt),
        "DECIMAL" | "NUMERIC" | "NUMBER" => match args.as_slice() {
            [p] => Some(DataType::Decimal(Decimal {
                precision: *p,
                scale: 0,
            })),
            [p, s] => Some(DataType::Decimal(Decimal {
                precision: *p,
                scale: *s,
            })),
            _ => None,
        },
        "REAL" | "FLOAT4" | "FLOAT32" => bare(DataType::Ieee32),
        "DOUBLE PRECISION" | "DOUBLE" | "FLOAT8" | "FLOAT64" | "FLOAT" => bare(DataType::Ieee64),
        "CHAR" | "CHARACTER" | "BPCHAR" => size(DataType::Char),
        "NCHAR" => size(DataType::NChar),
        "VARCHAR" | "CHARACTER VARYING" | "VARCHAR2" => size(DataType::VarChar),
        "NVARCHAR" | "NVARCHAR2" => size(DataType::NVarChar),
        "STRING" | "TEXT" | "XML" | "CLOB" => size(DataType::String),
        "UUID" | "UNIQUEIDENTIFIER" => bare(DataType::Char(Text::max(36))),
        "DATE" => bare(DataType::Date),
        "TIMESTAMP WITH TIME ZONE"
        | "TIMESTAMPTZ"
        | "TIMESTAMP_TZ"
        | "TIMESTAMP_LTZ"
        | "TIMESTAMP"
        | "TIMESTAMP WITHOUT TIME ZONE"
        | "TIMESTAMP_NTZ"
        | "DATETIME"
        | "DATETIME2"
        | "DATETIMEOFFSET" => bare(DataType::Timestamp(Timestamp::default())),
        "INTERVAL" => bare(DataType::Interval),
        "VARIANT" | "JSON" | "JSONB" => bytes(DataType::Variant),
        "VARBINARY" | "BINARY" | "BYTEA" | "BLOB" | "BYTES" => bytes(DataType::Binary),
        "VECTOR" => match args.as_slice() {
            [n] => Some(DataType::Vector(Vector { dimensions: *n })),
            _ => None,
        },
        _ => None,
    }
}

/// A physical type's name (upper case, single-spaced) and its numeric
/// arguments, in `( )` or `[ ]`; `None` when the arguments are not numbers.
fn split_physical(text: &str) -> Option<(String, Vec<u32>)> {
    let upper = text.trim().to_ascii_uppercase();
    let open = upper.find(['(', '[']);
    let (name, args) = match open {
        Some(i) => {
            let close = if upper[i..].starts_with('(') {
                ')'
            } else {
                ']'
            };
            let inner = upper[i + 1..].trim_end().strip_suffix(close)?;
            let args: Option<Vec<u32>> = inner
                .split(',')
                .map(|a| a.trim().parse::<u32>().ok())
                .collect();
            (upper[..i].to_owned(), args?)
        }
        None => (upper.clone(), Vec::new()),
    };
    Some((name.split_whitespace().collect::<Vec<_>>().join(" "), args))
}

/// Whether a physical type is an exact number without its precision
/// (`NUMERIC`), which no float may stand in for.
fn imprecise(text: &str) -> bool {
    split_physical(text).is_some_and(|(name, args)| {
        args.is_empty() && matches!(name.as_str(), "DECIMAL" | "NUMERIC" | "NUMBER")
    })
}

/// A type from the standard fields alone: the logical type, its options,
/// and an array's items (already read). `None` when they do not say enough.
fn from_logical(
    logical: &str,
    options: &Map<String, Value>,
    items: Option<DataType>,
) -> Option<DataType> {
    let number = |key: &str| {
        options
            .get(key)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let format = options.get("format").and_then(Value::as_str);
    Some(match logical {
        "boolean" => DataType::Boolean,
        "integer" => match format.unwrap_or("i32") {
            "i8" => DataType::TinyInt,
            "i16" => DataType::SmallInt,
            "i32" => DataType::Integer,
            "i64" => DataType::BigInt,
            other => {
                let signed = other.starts_with('i');
                let bits = other.get(1..)?.parse().ok()?;
                DataType::FixedInteger(FixedInteger { bits, signed })
            }
        },
        "number" => match format {
            Some("f32") => DataType::Ieee32,
            _ => DataType::Ieee64,
        },
        "string" if format == Some("binary") => DataType::Binary(Bounded {
            max_size: number("maxLength"),
        }),
        "string" => DataType::String(Text {
            max_size: number("maxLength"),
            collation: None,
        }),
        "date" => DataType::Date,
        "timestamp" => DataType::Timestamp(Timestamp {
            time_zone: options
                .get("defaultTimezone")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }),
        "array" => DataType::Array(Array {
            element_type: Box::new(items?),
            max_size: number("maxItems"),
        }),
        "object" => DataType::Variant(Bounded::default()),
        _ => return None,
    })
}

/// Why a property's type could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeProblem {
    /// `datasurfaceType` is not a type model files accept.
    Exact(String),
    /// An exact number without a precision.
    Imprecise(String),
    /// Neither the physical nor the logical type says which type it is.
    Unknown {
        logical: Option<String>,
        physical: Option<String>,
    },
}

/// Reads a property's type: `datasurfaceType` if present, else a struct
/// from its `properties`, else its physical type if datasurface knows the
/// spelling, else its logical type. `fields` reads a struct's fields and
/// `items` an array's element (both recursive, by the caller).
pub(crate) fn read(
    property: &Property,
    fields: impl FnOnce(&[Property]) -> Option<Struct>,
    items: impl FnOnce(&Property) -> Option<DataType>,
) -> Result<DataType, TypeProblem> {
    if let Some(exact) = crate::odcs::custom(&property.custom_properties, EXACT_TYPE) {
        return serde_json::from_value(exact.clone())
            .map_err(|e| TypeProblem::Exact(e.to_string()));
    }
    let logical = property.logical_type.as_deref();
    if logical == Some("object") && !property.properties.is_empty() {
        return fields(&property.properties)
            .map(|s| DataType::Struct(Box::new(s)))
            .ok_or(TypeProblem::Unknown {
                logical: logical.map(str::to_owned),
                physical: property.physical_type.clone(),
            });
    }
    if let Some(mut t) = property.physical_type.as_deref().and_then(parse_physical) {
        if let (DataType::Timestamp(ts), Some("timestamp")) = (&mut t, logical) {
            ts.time_zone = property
                .logical_type_options
                .get("defaultTimezone")
                .and_then(Value::as_str)
                .map(str::to_owned);
        }
        return Ok(t);
    }
    if let Some(physical) = property.physical_type.as_deref().filter(|p| imprecise(p)) {
        return Err(TypeProblem::Imprecise(physical.to_owned()));
    }
    let element = property.items.as_deref().and_then(items);
    logical
        .and_then(|l| from_logical(l, &property.logical_type_options, element))
        .ok_or_else(|| TypeProblem::Unknown {
            logical: logical.map(str::to_owned),
            physical: property.physical_type.clone(),
        })
}

/// The custom property that pins a type exactly.
pub(crate) fn exact(t: &DataType) -> CustomProperty {
    CustomProperty::new(
        EXACT_TYPE,
        serde_json::to_value(t).unwrap_or_else(|_| json!(null)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_spellings_parse_in_any_case() {
        assert_eq!(
            parse_physical("varchar(40)"),
            Some(DataType::VarChar(Text::max(40)))
        );
        assert_eq!(
            parse_physical(" numeric( 10 , 2 ) "),
            Some(DataType::Decimal(Decimal {
                precision: 10,
                scale: 2
            }))
        );
        assert_eq!(parse_physical("int8"), Some(DataType::BigInt));
        assert_eq!(
            parse_physical("timestamptz"),
            Some(DataType::Timestamp(Timestamp::default()))
        );
        assert_eq!(parse_physical("varchar(x)"), None);
        assert_eq!(parse_physical("BOOLEAN(3)"), None);
        assert_eq!(parse_physical("geometry"), None);
        assert_eq!(
            parse_physical("varchar[15]"),
            Some(DataType::VarChar(Text::max(15)))
        );
        assert_eq!(parse_physical("serial"), Some(DataType::Integer));
        assert!(imprecise("numeric"));
        assert!(!imprecise("numeric(10)"));
    }

    #[test]
    fn logical_types_read_their_options() {
        let options: Map<String, Value> =
            serde_json::from_value(json!({"format": "u16"})).unwrap_or_default();
        assert_eq!(
            from_logical("integer", &options, None),
            Some(DataType::FixedInteger(FixedInteger {
                bits: 16,
                signed: false
            }))
        );
        assert_eq!(from_logical("time", &Map::new(), None), None);
        assert_eq!(from_logical("array", &Map::new(), None), None);
    }
}
