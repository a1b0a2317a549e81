//! How the engine stores the values a dataset's quality rules compare
//! ([`datasurface_runtime::quality::Engine`]): a decimal as whole units of
//! its scale, a boolean as 0 or 1, a time as ISO 8601 text in UTC.

use datasurface_core::DataType;
use datasurface_core::quality::Literal;
use datasurface_platform::dialect::{SqlDialect, Sqlite};
use datasurface_runtime::quality::Engine;

/// The `sqlite` platform's storage, for its quality statements.
pub(crate) struct Stored;

/// The digits after the point a stored decimal keeps, when it keeps any.
fn scale(t: &DataType) -> Option<u32> {
    match t {
        DataType::Decimal(d) if d.scale > 0 => Some(d.scale),
        _ => None,
    }
}

/// `number` in whole units of `10^-scale`, exactly, when it has no more
/// digits after the point than that.
fn scaled(number: &str, scale: u32) -> Option<String> {
    let (sign, digits) = match number.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", number),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let wanted = usize::try_from(scale).ok()?;
    if fraction.len() > wanted
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let units = format!("{whole}{fraction:0<wanted$}");
    let units = units.trim_start_matches('0');
    Some(if units.is_empty() {
        "0".to_owned()
    } else {
        format!("{sign}{units}")
    })
}

impl Engine for Stored {
    fn dialect(&self) -> &dyn SqlDialect {
        &Sqlite
    }

    fn sql_dialect(&self) -> datasurface_sql::Dialect {
        datasurface_sql::Dialect::Sqlite
    }

    fn value(&self, quoted: &str, data_type: &DataType) -> String {
        match scale(data_type) {
            Some(s) => format!("({quoted} / 1e{s})"),
            None => quoted.to_owned(),
        }
    }

    fn shown(&self, quoted: &str, data_type: &DataType) -> String {
        match data_type {
            DataType::Boolean => {
                format!("CASE {quoted} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END")
            }
            other => format!("CAST({} AS TEXT)", self.value(quoted, other)),
        }
    }

    fn literal(&self, literal: &Literal, data_type: &DataType) -> String {
        match (literal, scale(data_type)) {
            (Literal::Bool(b), _) => if *b { "1" } else { "0" }.to_owned(),
            (Literal::Number(n), Some(s)) => {
                scaled(n, s).unwrap_or_else(|| format!("({n} * 1e{s})"))
            }
            (Literal::Number(n), None) => n.clone(),
            (Literal::Text(t), _) if matches!(data_type, DataType::Timestamp(_)) => {
                let stored = chrono::DateTime::parse_from_rfc3339(t).map_or_else(
                    |_| t.replace('T', " "),
                    |at| {
                        at.with_timezone(&chrono::Utc)
                            .format("%Y-%m-%d %H:%M:%S%.f+00:00")
                            .to_string()
                    },
                );
                Sqlite.literal(&stored)
            }
            (Literal::Text(t), _) => Sqlite.literal(t),
            (other, _) => Sqlite.literal(&other.to_string()),
        }
    }

    fn older_than(&self, newest: &str, _: &DataType) -> String {
        format!("julianday({newest}) < julianday(?1)")
    }
}

#[cfg(test)]
mod tests {
    use super::scaled;

    #[test]
    fn decimals_scale_exactly() {
        assert_eq!(scaled("12.5", 2).as_deref(), Some("1250"));
        assert_eq!(scaled("-0.07", 2).as_deref(), Some("-7"));
        assert_eq!(scaled("0", 2).as_deref(), Some("0"));
        assert_eq!(scaled("1.234", 2), None);
        assert_eq!(scaled("1e3", 2), None);
    }
}
