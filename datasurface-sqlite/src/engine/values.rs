//! Values read from sources: checked against their columns and hashed.

use super::{BatchFailure, failure};
use rusqlite::types::Value;
use sha2::{Digest, Sha256};

use crate::dialect::Affinity;
use crate::spec::{ColumnSpec, ValueCheck};

/// A value made to fit its column, or why it does not, in plain words.
pub(crate) fn conform(value: Value, column: &ColumnSpec) -> Result<Value, BatchFailure> {
    let name = &column.name;
    // A value is what the source holds: an empty text is an empty text
    // (a file's empty field is read as no value, before it comes here).
    let value = match (value, column.affinity) {
        (Value::Null, _) => Value::Null,
        (v, Affinity::Integer) => Value::Integer(whole(&v, name)?),
        (v, Affinity::Decimal) => Value::Integer(scaled(&v, column)?),
        (v, Affinity::Real) => Value::Real(real(&v, name)?),
        (v, Affinity::Boolean) => Value::Integer(boolean(&v, name)?),
        (Value::Text(t), Affinity::Text) => Value::Text(t),
        (Value::Integer(n), Affinity::Text) => Value::Text(n.to_string()),
        (Value::Real(f), Affinity::Text) => Value::Text(f.to_string()),
        (Value::Blob(b), Affinity::Blob) => Value::Blob(b),
        (v, affinity) => {
            return Err(failure!(
                "column `{name}` holds {}, which is not {}",
                describe(&v),
                kind(affinity)
            ));
        }
    };
    if value == Value::Null {
        return if column.nullable {
            Ok(value)
        } else {
            Err(failure!("column `{name}` is empty, but it may not be"))
        };
    }
    match column.check {
        Some(check) => checked(value, check, name),
        None => Ok(value),
    }
}

/// What an affinity holds, for a message.
fn kind(affinity: Affinity) -> &'static str {
    match affinity {
        Affinity::Integer => "a whole number",
        Affinity::Real => "a number",
        Affinity::Decimal => "a decimal number",
        Affinity::Text => "text",
        Affinity::Blob => "bytes",
        Affinity::Boolean => "true or false",
        _ => "a value",
    }
}

fn whole(v: &Value, name: &str) -> Result<i64, BatchFailure> {
    match v {
        Value::Integer(n) => Ok(*n),
        Value::Text(t) => t.trim().parse::<i64>().map_err(|_| {
            failure!(
                "column `{name}` holds {}, which is not a whole number",
                describe(v)
            )
        }),
        Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 =>
        {
            #[allow(
                clippy::cast_possible_truncation,
                reason = "a whole number well inside i64"
            )]
            Ok(*f as i64)
        }
        _ => Err(failure!(
            "column `{name}` holds {}, which is not a whole number",
            describe(v)
        )),
    }
}

fn boolean(v: &Value, name: &str) -> Result<i64, BatchFailure> {
    match v {
        Value::Integer(n) if *n == 0 || *n == 1 => Ok(*n),
        Value::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "t" | "1" | "yes" => Ok(1),
            "false" | "f" | "0" | "no" => Ok(0),
            _ => Err(failure!(
                "column `{name}` holds {}, which is not true or false",
                describe(v)
            )),
        },
        _ => Err(failure!(
            "column `{name}` holds {}, which is not true or false",
            describe(v)
        )),
    }
}

fn real(v: &Value, name: &str) -> Result<f64, BatchFailure> {
    let f = match v {
        #[allow(
            clippy::cast_precision_loss,
            reason = "a whole number read into a float column"
        )]
        Value::Integer(n) => *n as f64,
        Value::Real(f) => *f,
        Value::Text(t) => t.trim().parse::<f64>().map_err(|_| {
            failure!(
                "column `{name}` holds {}, which is not a number",
                describe(v)
            )
        })?,
        _ => {
            return Err(failure!(
                "column `{name}` holds {}, which is not a number",
                describe(v)
            ));
        }
    };
    if f.is_nan() {
        return Err(failure!(
            "column `{name}` holds NaN, which SQLite cannot store (it would become empty); send a number, or leave the value empty on purpose"
        ));
    }
    Ok(f)
}

/// A stored value as a source would give it, read by the column's declared
/// type: a `SCALED_INT(s)` whole number becomes its exact decimal text again,
/// so [`conform`] can store it in a column of another type.
pub(crate) fn restated(value: Value, declared: &str) -> Value {
    let scale = declared
        .trim()
        .strip_prefix("SCALED_INT(")
        .and_then(|rest| rest.strip_suffix(')'))
        .and_then(|s| s.trim().parse::<u32>().ok());
    match scale {
        Some(scale) => unscaled(value, scale),
        None => value,
    }
}

/// A whole number of `10^-scale` units (how a decimal column stores it) as
/// its exact decimal text; any other value as it is.
pub(crate) fn unscaled(value: Value, scale: u32) -> Value {
    match value {
        Value::Integer(n) if scale > 0 => {
            let Some(unit) = 10_i128.checked_pow(scale) else {
                return Value::Integer(n);
            };
            let abs = i128::from(n).abs();
            let sign = if n < 0 { "-" } else { "" };
            let width = scale as usize;
            Value::Text(format!("{sign}{}.{:0width$}", abs / unit, abs % unit))
        }
        value => value,
    }
}

/// A decimal as a whole number of `10^-scale` units, exactly: its digits are
/// read as written, never through a float, and a value with more digits than
/// the type allows is refused rather than rounded.
fn scaled(v: &Value, column: &ColumnSpec) -> Result<i64, BatchFailure> {
    let name = &column.name;
    let scale = column.scale.unwrap_or(0);
    let precision = match column.check {
        Some(ValueCheck::Decimal { precision, .. }) => precision,
        _ => 18,
    };
    let text = match v {
        Value::Integer(n) => n.to_string(),
        Value::Text(t) => t.trim().to_owned(),
        Value::Real(f) => return from_float(*f, scale, precision, name),
        _ => {
            return Err(failure!(
                "column `{name}` holds {}, which is not a decimal number",
                describe(v)
            ));
        }
    };
    let not_decimal = || {
        failure!(
            "column `{name}` holds {}, which is not a decimal number (write digits, a point and digits, such as 12.50)",
            describe(v)
        )
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(&text)),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let is_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !is_digits(whole) || !is_digits(fraction) {
        return Err(not_decimal());
    }
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > scale as usize {
        return Err(failure!(
            "column `{name}` holds {}, which has more than {scale} digit{} after the point",
            describe(v),
            if scale == 1 { "" } else { "s" }
        ));
    }
    let whole = whole.trim_start_matches('0');
    let room = precision.saturating_sub(scale) as usize;
    if whole.len() > room {
        return Err(failure!(
            "column `{name}` holds {}, which has more than {room} digits before the point (it is a decimal of precision {precision}, scale {scale})",
            describe(v)
        ));
    }
    let mut units = String::with_capacity(whole.len() + scale as usize);
    units.push_str(whole);
    units.push_str(fraction);
    units.extend(std::iter::repeat_n('0', scale as usize - fraction.len()));
    let n: i64 = if units.is_empty() {
        0
    } else {
        units.parse().map_err(|_| not_decimal())?
    };
    Ok(if negative { -n } else { n })
}

/// A float read into a decimal column (a transformer's arithmetic, say): the
/// nearest decimal of the column's scale, if the float is that decimal to
/// within its own precision; otherwise refused, never rounded.
fn from_float(f: f64, scale: u32, precision: u32, name: &str) -> Result<i64, BatchFailure> {
    if !f.is_finite() {
        return Err(failure!(
            "column `{name}` holds `{f}`, which is not a decimal number"
        ));
    }
    let unit = 10f64.powi(i32::try_from(scale).unwrap_or(i32::MAX));
    let units = (f * unit).round();
    let limit = 10f64.powi(i32::try_from(precision).unwrap_or(i32::MAX));
    if units.abs() >= limit || units.abs() >= 9.0e15 {
        return Err(failure!(
            "column `{name}` holds `{f}`, which has more digits than a decimal of precision {precision}, scale {scale}"
        ));
    }
    if (units / unit - f).abs() > f.abs() * 1e-12 {
        return Err(failure!(
            "column `{name}` holds `{f}`, which has more than {scale} digits after the point; round it to {scale} places where it is made"
        ));
    }
    #[allow(clippy::cast_possible_truncation, reason = "a whole number below 9e15")]
    Ok(units as i64)
}

/// A value checked against its model type.
fn checked(value: Value, check: ValueCheck, name: &str) -> Result<Value, BatchFailure> {
    match (check, &value) {
        (ValueCheck::Integer { bits, signed }, Value::Integer(n)) => {
            let (lo, hi): (i128, i128) = match (signed, bits) {
                (true, b) => (-(1i128 << (b.min(64) - 1)), (1i128 << (b.min(64) - 1)) - 1),
                (false, b) => (0, (1i128 << b.min(64)) - 1),
            };
            if i128::from(*n) < lo || i128::from(*n) > hi {
                return Err(failure!(
                    "column `{name}` holds {n}, which is outside the range of a {}{bits}-bit integer ({lo} to {hi})",
                    if signed { "" } else { "unsigned " }
                ));
            }
            Ok(value)
        }
        (ValueCheck::Float { bits }, Value::Real(f)) => {
            let max = match bits {
                16 => 65504.0,
                32 => f64::from(f32::MAX),
                _ => f64::MAX,
            };
            if f.is_finite() && f.abs() > max {
                return Err(failure!(
                    "column `{name}` holds `{f}`, which is beyond the range of a {bits}-bit float"
                ));
            }
            Ok(value)
        }
        (ValueCheck::Text { max_chars }, Value::Text(t)) => {
            let n = t.chars().count();
            if n > max_chars as usize {
                return Err(failure!(
                    "column `{name}` holds text of {n} characters, longer than its {max_chars} (it starts {})",
                    describe(&Value::Text(t.chars().take(20).collect()))
                ));
            }
            Ok(value)
        }
        (ValueCheck::Date, Value::Text(t)) => chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
            .map(|d| Value::Text(d.format("%Y-%m-%d").to_string()))
            .map_err(|_| {
                failure!(
                    "column `{name}` holds {}, which is not a date that exists, written YYYY-MM-DD",
                    describe(&value)
                )
            }),
        (ValueCheck::Timestamp, Value::Text(t)) => timestamp(t.trim()).ok_or_else(|| {
            failure!(
                "column `{name}` holds {}, which is not a date and time that exist, written YYYY-MM-DD HH:MM:SS (ISO 8601, with an optional offset)",
                describe(&value)
            )
        }),
        (ValueCheck::Date | ValueCheck::Timestamp, _) => Err(failure!(
            "column `{name}` holds {}, which is not a date",
            describe(&value)
        )),
        _ => Ok(value),
    }
}

/// A timestamp in one form: `YYYY-MM-DD HH:MM:SS[.f]`, in UTC when an offset
/// was given (with `+00:00`), as written otherwise.
fn timestamp(t: &str) -> Option<Value> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(Value::Text(
            at.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S%.f+00:00")
                .to_string(),
        ));
    }
    // PostgreSQL writes an offset of whole hours as `+HH` (`2026-11-22
    // 10:30:00+01`): a `timestamptz` as text, in a CSV export or from an
    // `airflow` primary that this platform mirrors.
    for form in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(at) = chrono::DateTime::parse_from_str(t, form) {
            return Some(Value::Text(
                at.with_timezone(&chrono::Utc)
                    .format("%Y-%m-%d %H:%M:%S%.f+00:00")
                    .to_string(),
            ));
        }
    }
    for form in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(at) = chrono::NaiveDateTime::parse_from_str(t, form) {
            return Some(Value::Text(at.format("%Y-%m-%d %H:%M:%S%.f").to_string()));
        }
    }
    None
}

/// A stored value of `column` as its source wrote it, for a message: a
/// decimal with its point, text in double quotes, escaped and cut short.
pub(crate) fn shown(v: &Value, column: &ColumnSpec) -> String {
    match (v, column.affinity, column.scale) {
        (Value::Integer(_), Affinity::Decimal, Some(scale)) if scale > 0 => {
            match restated(v.clone(), &format!("SCALED_INT({scale})")) {
                Value::Text(t) => t,
                other => describe(&other).replace('`', ""),
            }
        }
        (Value::Integer(n), _, _) => n.to_string(),
        (Value::Real(f), _, _) => f.to_string(),
        (Value::Null, _, _) => "null".to_owned(),
        (Value::Text(t), _, _) => {
            let shown: String = t.chars().take(60).flat_map(char::escape_default).collect();
            let more = if t.chars().count() > 60 { "…" } else { "" };
            format!("\"{shown}{more}\"")
        }
        (Value::Blob(b), _, _) => format!("{} bytes", b.len()),
    }
}

/// A value for a message: short, quoted, control characters escaped.
fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Integer(n) => format!("`{n}`"),
        Value::Real(f) => format!("`{f}`"),
        Value::Text(t) => {
            let shown: String = t.chars().take(60).flat_map(char::escape_default).collect();
            if t.chars().count() > 60 {
                format!("`{shown}…`")
            } else {
                format!("`{shown}`")
            }
        }
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
    datasurface_platform::to_hex(&h.finalize()[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(affinity: Affinity, nullable: bool, check: Option<ValueCheck>) -> ColumnSpec {
        ColumnSpec {
            name: "c".into(),
            affinity,
            nullable,
            scale: Some(2),
            check,
        }
    }

    fn text(t: &str) -> Value {
        Value::Text(t.into())
    }

    #[test]
    fn scaled_numbers_read_back_as_their_decimals() {
        let cases = [
            (8000, "SCALED_INT(2)", Value::Text("80.00".into())),
            (-5, "SCALED_INT(3)", Value::Text("-0.005".into())),
            (
                i64::MIN,
                "SCALED_INT(1)",
                Value::Text("-922337203685477580.8".into()),
            ),
            (7, "SCALED_INT(0)", Value::Integer(7)),
            (7, "INTEGER", Value::Integer(7)),
        ];
        for (n, declared, want) in cases {
            assert_eq!(
                restated(Value::Integer(n), declared),
                want,
                "{n} {declared}"
            );
        }
        assert_eq!(
            restated(Value::Text("1.5".into()), "TEXT"),
            Value::Text("1.5".into())
        );
    }

    #[test]
    fn values_conform_or_say_why_in_plain_words() {
        let int = col(
            Affinity::Integer,
            false,
            Some(ValueCheck::Integer {
                bits: 8,
                signed: true,
            }),
        );
        assert_eq!(conform(text("42"), &int), Ok(Value::Integer(42)));
        let e = conform(text("x"), &int).unwrap_err();
        assert_eq!(e, "column `c` holds `x`, which is not a whole number");
        let e = conform(text("200"), &int).unwrap_err();
        assert!(
            e.contains("outside the range of a 8-bit integer (-128 to 127)"),
            "{e}"
        );
        assert!(
            conform(Value::Null, &col(Affinity::Text, false, None))
                .unwrap_err()
                .contains("is empty")
        );
        // An empty text is a value: not a number, and text as it is.
        assert!(
            conform(text(""), &col(Affinity::Integer, true, None))
                .unwrap_err()
                .contains("not a whole number")
        );
        assert_eq!(
            conform(text(""), &col(Affinity::Text, false, None)),
            Ok(text(""))
        );
        // Text is not turned into bytes.
        assert!(
            conform(text("ab"), &col(Affinity::Blob, true, None))
                .unwrap_err()
                .contains("not bytes")
        );
        let bool_ = col(Affinity::Boolean, true, None);
        assert_eq!(conform(text("true"), &bool_), Ok(Value::Integer(1)));
    }

    #[test]
    fn decimals_are_exact_units_and_never_rounded() {
        let dec = col(
            Affinity::Decimal,
            true,
            Some(ValueCheck::Decimal {
                precision: 6,
                scale: 2,
            }),
        );
        assert_eq!(conform(text("12.5"), &dec), Ok(Value::Integer(1250)));
        assert_eq!(conform(text("-0.07"), &dec), Ok(Value::Integer(-7)));
        assert_eq!(conform(text("12.500"), &dec), Ok(Value::Integer(1250)));
        assert_eq!(conform(Value::Integer(3), &dec), Ok(Value::Integer(300)));
        assert_eq!(
            conform(Value::Real(0.1 + 0.2), &dec),
            Ok(Value::Integer(30))
        );
        assert!(
            conform(text("12.345"), &dec)
                .unwrap_err()
                .contains("more than 2 digits after the point")
        );
        assert!(
            conform(Value::Real(1.005), &dec)
                .unwrap_err()
                .contains("more than 2 digits after the point")
        );
        assert!(
            conform(text("12345.6"), &dec)
                .unwrap_err()
                .contains("more than 4 digits before the point")
        );
        for bad in ["1e3", "12,5", ".", "1.2.3", "--1", "NaN"] {
            assert!(
                conform(text(bad), &dec)
                    .unwrap_err()
                    .contains("not a decimal"),
                "{bad}"
            );
        }
    }

    #[test]
    fn dates_that_do_not_exist_are_refused() {
        let date = col(Affinity::Text, true, Some(ValueCheck::Date));
        assert_eq!(conform(text("2026-02-28"), &date), Ok(text("2026-02-28")));
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "yesterday",
            "04/11/2026",
            "2026-2-3x",
        ] {
            let e = conform(text(bad), &date).unwrap_err();
            assert!(e.contains("not a date that exists"), "{bad}: {e}");
        }
        let ts = col(Affinity::Text, true, Some(ValueCheck::Timestamp));
        assert_eq!(
            conform(text("2026-11-22T10:30:00+01:00"), &ts),
            Ok(text("2026-11-22 09:30:00+00:00"))
        );
        assert_eq!(
            conform(text("2026-11-22 10:30:00.25"), &ts),
            Ok(text("2026-11-22 10:30:00.250"))
        );
        assert!(conform(text("2026-11-31 10:00:00"), &ts).is_err());
        // PostgreSQL's text of a `timestamptz`: an offset of whole hours.
        assert_eq!(
            conform(text("2026-11-22 10:30:00+01"), &ts),
            Ok(text("2026-11-22 09:30:00+00:00"))
        );
        assert_eq!(
            conform(text("2026-11-22 10:30:00.5-05"), &ts),
            Ok(text("2026-11-22 15:30:00.500+00:00"))
        );
        assert!(conform(text("2026-11-22 10:30:00+1"), &ts).is_err());
    }

    #[test]
    fn text_limits_floats_and_nan() {
        let short = col(
            Affinity::Text,
            true,
            Some(ValueCheck::Text { max_chars: 3 }),
        );
        assert_eq!(conform(text("été"), &short), Ok(text("été")));
        assert!(
            conform(text("long"), &short)
                .unwrap_err()
                .contains("4 characters, longer than its 3")
        );
        let f32_ = col(Affinity::Real, true, Some(ValueCheck::Float { bits: 32 }));
        assert!(conform(text("NaN"), &f32_).unwrap_err().contains("NaN"));
        assert!(
            conform(Value::Real(f64::NAN), &f32_)
                .unwrap_err()
                .contains("NaN")
        );
        assert!(
            conform(text("1e39"), &f32_)
                .unwrap_err()
                .contains("beyond the range")
        );
        assert_eq!(conform(text("inf"), &f32_), Ok(Value::Real(f64::INFINITY)));
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
