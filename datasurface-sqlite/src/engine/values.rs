//! Values read from sources: checked against their columns and hashed.

use rusqlite::types::Value;
use sha2::{Digest, Sha256};

use crate::dialect::Affinity;
use crate::spec::ColumnSpec;

/// A value made to fit its column, or why it does not.
pub(crate) fn conform(value: Value, column: &ColumnSpec) -> Result<Value, String> {
    let bad = |v: &Value| {
        Err(format!(
            "column `{}` holds {}, which is not {:?}",
            column.name,
            describe(v),
            column.affinity
        ))
    };
    let value = match (&value, column.affinity) {
        (Value::Null, _) => Value::Null,
        (Value::Text(t), _) if t.is_empty() && column.affinity != Affinity::Text => Value::Null,
        (Value::Integer(_), Affinity::Integer)
        | (Value::Real(_), Affinity::Real)
        | (Value::Text(_), Affinity::Text)
        | (Value::Blob(_), Affinity::Blob) => value,
        (Value::Text(t), Affinity::Integer) => match t.trim().parse::<i64>() {
            Ok(n) => Value::Integer(n),
            Err(_) => return bad(&value),
        },
        (Value::Integer(n), Affinity::Boolean) if *n == 0 || *n == 1 => value,
        (Value::Text(t), Affinity::Boolean) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" => Value::Integer(1),
            "false" | "f" | "0" | "no" => Value::Integer(0),
            _ => return bad(&value),
        },
        #[allow(
            clippy::cast_precision_loss,
            reason = "a whole number read into a REAL column"
        )]
        (Value::Integer(n), Affinity::Real) => Value::Real(*n as f64),
        (Value::Text(t), Affinity::Real) => match t.trim().parse::<f64>() {
            Ok(f) => Value::Real(f),
            Err(_) => return bad(&value),
        },
        (Value::Integer(n), Affinity::Decimal) => {
            Value::Text(decimal(&n.to_string(), column.scale))
        }
        (Value::Real(f), Affinity::Decimal) => Value::Text(match column.scale {
            Some(scale) => format!("{f:.prec$}", prec = scale as usize),
            None => f.to_string(),
        }),
        (Value::Integer(n), Affinity::Text) => Value::Text(n.to_string()),
        (Value::Real(f), Affinity::Text) => Value::Text(f.to_string()),
        (Value::Text(t), Affinity::Decimal) => {
            let t = t.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            let mut parts = digits.splitn(2, '.');
            let whole = parts.next().unwrap_or_default();
            let fraction = parts.next().unwrap_or("0");
            let numeric = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
            if numeric(whole) && numeric(fraction) {
                Value::Text(decimal(t, column.scale))
            } else {
                return bad(&value);
            }
        }
        _ => return bad(&value),
    };
    if value == Value::Null && !column.nullable {
        return Err(format!(
            "column `{}` is null, but it may not be",
            column.name
        ));
    }
    Ok(value)
}

/// A decimal written with `scale` digits after the point: `4` and `4.0`
/// become `4.00` at scale 2, so a value hashes the same whatever the source
/// wrote. Digits beyond the scale are kept, so nothing is silently rounded.
fn decimal(text: &str, scale: Option<u32>) -> String {
    let Some(scale) = scale.map(|s| s as usize) else {
        return text.to_owned();
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() >= scale {
        return text.to_owned();
    }
    let mut out = format!("{whole}.{fraction}");
    out.extend(std::iter::repeat_n('0', scale - fraction.len()));
    if scale == 0 { whole.to_owned() } else { out }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Integer(n) => format!("the integer {n}"),
        Value::Real(f) => format!("the number {f}"),
        Value::Text(t) => format!("the text {t:?}"),
        Value::Blob(b) => format!("{} bytes", b.len()),
    }
}

/// A hash of values: 32 hex digits of SHA-256 over a typed, length-prefixed encoding.
pub(crate) fn hash<'a>(values: impl Iterator<Item = &'a Value>) -> String {
    let mut h = Sha256::new();
    for v in values {
        match v {
            Value::Null => h.update([0]),
            Value::Integer(n) => {
                h.update([1]);
                h.update(n.to_le_bytes());
            }
            Value::Real(f) => {
                h.update([2]);
                h.update(f.to_le_bytes());
            }
            Value::Text(t) => {
                h.update([3]);
                h.update((t.len() as u64).to_le_bytes());
                h.update(t.as_bytes());
            }
            Value::Blob(b) => {
                h.update([4]);
                h.update((b.len() as u64).to_le_bytes());
                h.update(b);
            }
        }
    }
    h.finalize()[..16]
        .iter()
        .fold(String::with_capacity(32), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(affinity: Affinity, nullable: bool) -> ColumnSpec {
        ColumnSpec {
            name: "c".into(),
            affinity,
            nullable,
            scale: Some(2),
        }
    }

    #[test]
    fn values_conform_or_say_why() {
        assert_eq!(
            conform(Value::Text("42".into()), &col(Affinity::Integer, false)),
            Ok(Value::Integer(42))
        );
        assert!(
            conform(Value::Text("x".into()), &col(Affinity::Integer, true))
                .unwrap_err()
                .contains("not Integer")
        );
        assert!(
            conform(Value::Null, &col(Affinity::Text, false))
                .unwrap_err()
                .contains("is null")
        );
        assert_eq!(
            conform(Value::Text(String::new()), &col(Affinity::Integer, true)),
            Ok(Value::Null)
        );
        assert_eq!(
            conform(Value::Text("12.50".into()), &col(Affinity::Decimal, true)),
            Ok(Value::Text("12.50".into()))
        );
        assert!(conform(Value::Text("1e3".into()), &col(Affinity::Decimal, true)).is_err());
        assert_eq!(
            conform(Value::Text("true".into()), &col(Affinity::Boolean, true)),
            Ok(Value::Integer(1))
        );
    }

    #[test]
    fn hashes_tell_types_and_boundaries_apart() {
        let a = [Value::Text("ab".into()), Value::Text("c".into())];
        let b = [Value::Text("a".into()), Value::Text("bc".into())];
        assert_ne!(hash(a.iter()), hash(b.iter()));
        assert_ne!(
            hash([Value::Integer(1)].iter()),
            hash([Value::Text("1".into())].iter())
        );
        assert_eq!(hash(a.iter()).len(), 32);
    }
}
