//! An Avro record as a dataset's columns.

use datasurface_core::OrderedMap;
use datasurface_core::common::Documentation;
use datasurface_core::names::ColumnName;
use datasurface_core::schema::Column;
use datasurface_core::types::{Array, Bounded, DataType, Decimal, Map, Struct, Text, Timestamp};

use crate::parse::AvroError;
use crate::schema::{AvroSchema, Field, Logical, Primitive};

/// The columns of a record schema: each field a column, a union with
/// `null` a nullable column of the other branch, a nested record a struct.
/// Refuses, at each field, what no column type holds (a union of two
/// non-null types) or names no column may have.
pub fn columns(schema: &AvroSchema) -> Result<OrderedMap<ColumnName, Column>, Vec<AvroError>> {
    let AvroSchema::Record(record) = schema else {
        return Err(vec![AvroError {
            at: "(schema)".to_owned(),
            message: format!("a dataset's schema is a record, not {}", schema.kind()),
        }]);
    };
    let mut errors = Vec::new();
    let columns = fields(&record.fields, "", &mut errors);
    if errors.is_empty() {
        Ok(columns)
    } else {
        Err(errors)
    }
}

fn fields(list: &[Field], at: &str, errors: &mut Vec<AvroError>) -> OrderedMap<ColumnName, Column> {
    let mut out = OrderedMap::default();
    for (i, field) in list.iter().enumerate() {
        let field_at = format!("{at}fields[{i}]");
        let name = match ColumnName::new(&field.name) {
            Ok(name) => Some(name),
            Err(e) => {
                errors.push(AvroError {
                    at: format!("{field_at}.name"),
                    message: e.to_string(),
                });
                None
            }
        };
        let column = column(&field.schema, &format!("{field_at}.type"), errors);
        if let (Some(name), Some(mut column)) = (name, column) {
            column.documentation = field
                .doc
                .as_ref()
                .map(|d| Box::new(Documentation::new(d.as_str())));
            out.insert(name, column);
        }
    }
    out
}

fn column(schema: &AvroSchema, at: &str, errors: &mut Vec<AvroError>) -> Option<Column> {
    if let AvroSchema::Union(branches) = schema {
        let null = AvroSchema::Primitive(Primitive::Null, None);
        let others: Vec<&AvroSchema> = branches.iter().filter(|b| **b != null).collect();
        let [one] = others.as_slice() else {
            errors.push(AvroError {
                at: at.to_owned(),
                message: "a union of several types other than null has no column type; use one type, or [\"null\", type] for a nullable column".to_owned(),
            });
            return None;
        };
        return Some(Column {
            nullable: others.len() < branches.len(),
            ..Column::required(data_type(one, at, errors)?)
        });
    }
    if *schema == AvroSchema::Primitive(Primitive::Null, None) {
        errors.push(AvroError {
            at: at.to_owned(),
            message: "a field that is always null holds nothing; drop it".to_owned(),
        });
        return None;
    }
    Some(Column::required(data_type(schema, at, errors)?))
}

/// The column type of an Avro type. Logical types map to their meaning
/// (decimal, date, timestamps, uuid, duration); the times of day and local
/// timestamps, which no column type has, to their underlying integers.
fn data_type(schema: &AvroSchema, at: &str, errors: &mut Vec<AvroError>) -> Option<DataType> {
    Some(match schema {
        AvroSchema::Primitive(_, Some(Logical::Decimal { precision, scale }))
        | AvroSchema::Fixed(_, Some(Logical::Decimal { precision, scale })) => {
            DataType::Decimal(Decimal {
                precision: *precision,
                scale: *scale,
            })
        }
        AvroSchema::Primitive(_, Some(Logical::Uuid))
        | AvroSchema::Fixed(_, Some(Logical::Uuid)) => DataType::Char(Text::max(36)),
        AvroSchema::Primitive(_, Some(Logical::Date)) => DataType::Date,
        AvroSchema::Primitive(
            _,
            Some(Logical::TimestampMillis | Logical::TimestampMicros | Logical::TimestampNanos),
        ) => DataType::Timestamp(Timestamp::default()),
        AvroSchema::Fixed(_, Some(Logical::Duration)) => DataType::Interval,
        AvroSchema::Primitive(p, _) => match p {
            Primitive::Boolean => DataType::Boolean,
            Primitive::Int => DataType::Integer,
            Primitive::Long => DataType::BigInt,
            Primitive::Float => DataType::Ieee32,
            Primitive::Double => DataType::Ieee64,
            Primitive::Bytes => DataType::Binary(Bounded::default()),
            Primitive::String => DataType::String(Text::default()),
            Primitive::Null => {
                errors.push(AvroError {
                    at: at.to_owned(),
                    message: "null holds nothing on its own".to_owned(),
                });
                return None;
            }
        },
        AvroSchema::Fixed(f, _) => DataType::Binary(Bounded {
            max_size: u32::try_from(f.size).ok(),
        }),
        AvroSchema::Enum(e) => {
            let longest = e.symbols.iter().map(String::len).max().unwrap_or(1);
            DataType::VarChar(Text::max(u32::try_from(longest).unwrap_or(u32::MAX)))
        }
        AvroSchema::Array(items) => DataType::Array(Array {
            element_type: Box::new(data_type(items, &format!("{at}.items"), errors)?),
            max_size: None,
        }),
        AvroSchema::Map(values) => DataType::Map(Map {
            key_type: Box::new(DataType::String(Text::default())),
            value_type: Box::new(data_type(values, &format!("{at}.values"), errors)?),
        }),
        AvroSchema::Record(r) => {
            let before = errors.len();
            let fields = fields(&r.fields, &format!("{at}."), errors);
            if errors.len() > before {
                return None;
            }
            DataType::Struct(Box::new(Struct { fields }))
        }
        AvroSchema::Union(_) => column(schema, at, errors).map(|c| c.data_type)?,
    })
}
