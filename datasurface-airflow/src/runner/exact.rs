//! Values arrive exactly or not at all: the checks made on a source value's
//! text before PostgreSQL reads it into its column, where PostgreSQL would
//! otherwise change it without a word. A `numeric(6, 2)` column rounds
//! `1.23456` to `1.23`; a date or time column reads the words `now`,
//! `today`, `yesterday`, `tomorrow`, `epoch` and `allballs` as times
//! relative to the run. Everything PostgreSQL refuses by itself (a number
//! out of range, text too long, a date that does not exist) it refuses with
//! its own message, which the batch's message carries.

use std::fmt;

/// What a column holds, as far as the checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `numeric(precision, scale)`.
    Decimal {
        /// Digits in all.
        precision: u32,
        /// Digits after the point.
        scale: u32,
    },
    /// A date, time, timestamp or interval.
    Temporal,
    /// Text of any length.
    Text,
    /// `bytea`.
    Bytes,
    /// Anything else PostgreSQL reads exactly or refuses.
    Other,
}

impl Kind {
    /// The kind of a column of PostgreSQL type `pg_type` (as the rendering writes it).
    pub(crate) fn of(pg_type: &str) -> Kind {
        let t = pg_type.trim().to_ascii_lowercase();
        if let Some(args) = t
            .strip_prefix("numeric(")
            .or_else(|| t.strip_prefix("decimal("))
            .and_then(|rest| rest.strip_suffix(')'))
        {
            let mut parts = args.split(',').map(|p| p.trim().parse::<u32>());
            if let (Some(Ok(precision)), scale) = (parts.next(), parts.next()) {
                let scale = match scale {
                    Some(Ok(s)) => s,
                    None => 0,
                    Some(Err(_)) => return Kind::Other,
                };
                return Kind::Decimal { precision, scale };
            }
            return Kind::Other;
        }
        if t.ends_with("[]") {
            Kind::Other
        } else if t == "date"
            || t.starts_with("timestamp")
            || t.starts_with("time")
            || t == "interval"
        {
            Kind::Temporal
        } else if t.starts_with("varchar")
            || t.starts_with("character")
            || t.starts_with("char")
            || t == "text"
        {
            Kind::Text
        } else if t == "bytea" {
            Kind::Bytes
        } else {
            Kind::Other
        }
    }
}

/// Why a value would not land exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Inexact {
    /// What would happen to it, and what to do.
    pub(crate) why: String,
}

impl fmt::Display for Inexact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.why)
    }
}

/// Checks one value's text against its column's kind: `Ok` when
/// PostgreSQL will store exactly this value or refuse it by itself.
pub(crate) fn check(kind: Kind, text: &str) -> Result<(), Inexact> {
    match kind {
        Kind::Decimal { precision, scale } => decimal(text, precision, scale),
        Kind::Temporal => temporal(text),
        Kind::Text | Kind::Bytes | Kind::Other => Ok(()),
    }
}

fn decimal(text: &str, precision: u32, scale: u32) -> Result<(), Inexact> {
    let column = format!("numeric({precision}, {scale})");
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !digits.is_empty()
        && digits != "."
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit());
    if !plain {
        // An exponent, spaces, `NaN` or `Infinity`: PostgreSQL would read
        // some of them, and round or trim others.
        return Err(Inexact {
            why: format!(
                "`{}` is not a plain decimal number (digits, a point, a sign) for a {column} column; write it without exponent or spaces",
                shown(text)
            ),
        });
    }
    let places = u32::try_from(fraction.trim_end_matches('0').len()).unwrap_or(u32::MAX);
    if places > scale {
        return Err(Inexact {
            why: format!(
                "`{}` has {places} decimal places, but the column is {column}: it would be rounded; \
                 give the column more scale in the model, or round the value at the source",
                shown(text)
            ),
        });
    }
    // Too many whole digits PostgreSQL refuses by itself ("numeric field overflow").
    Ok(())
}

fn temporal(text: &str) -> Result<(), Inexact> {
    let starts_as_a_value = text
        .trim_start()
        .trim_start_matches(['-', '+'])
        .starts_with(|c: char| c.is_ascii_digit());
    if starts_as_a_value || text.trim_start().to_ascii_lowercase().starts_with('p') {
        // Digits, or an ISO 8601 interval (`P1D`).
        return Ok(());
    }
    Err(Inexact {
        why: format!(
            "`{}` is not a date or time but a word PostgreSQL reads relative to when the batch runs \
             (or `infinity`); write the date or time itself",
            shown(text)
        ),
    })
}

/// A value as an error shows it: at most 64 characters.
fn shown(text: &str) -> String {
    let mut out: String = text.chars().take(64).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kinds_come_from_the_rendered_types() {
        assert_eq!(
            Kind::of("numeric(6, 2)"),
            Kind::Decimal {
                precision: 6,
                scale: 2
            }
        );
        assert_eq!(
            Kind::of("numeric(39, 0)"),
            Kind::Decimal {
                precision: 39,
                scale: 0
            }
        );
        assert_eq!(Kind::of("timestamp with time zone"), Kind::Temporal);
        assert_eq!(Kind::of("date"), Kind::Temporal);
        assert_eq!(Kind::of("varchar(20)"), Kind::Text);
        assert_eq!(Kind::of("bytea"), Kind::Bytes);
        assert_eq!(Kind::of("integer"), Kind::Other);
        assert_eq!(Kind::of("real[]"), Kind::Other);
    }

    #[test]
    fn rounding_and_words_are_refused() {
        let d = Kind::Decimal {
            precision: 6,
            scale: 2,
        };
        for ok in ["1.23", "-1.2", "1.2300", "1234", "0.5", "+3.10", ".5", "5."] {
            assert_eq!(check(d, ok), Ok(()), "{ok}");
        }
        for bad in [
            "1.23456", "1e2", " 1.2", "NaN", "Infinity", "", "1.2.3", ".",
        ] {
            assert!(check(d, bad).is_err(), "{bad}");
        }
        assert!(
            check(d, "1.23456")
                .unwrap_err()
                .why
                .contains("5 decimal places")
        );
        for ok in [
            "2026-11-24",
            "2026-11-24 10:00:00+00",
            "10:00",
            "P1D",
            "-1 day",
        ] {
            assert_eq!(check(Kind::Temporal, ok), Ok(()), "{ok}");
        }
        for bad in [
            "now",
            "today",
            "yesterday",
            "tomorrow",
            "epoch",
            "infinity",
            "-infinity",
            "allballs",
        ] {
            assert!(check(Kind::Temporal, bad).is_err(), "{bad}");
        }
    }

    proptest! {
        /// A decimal is accepted exactly when it has no more places than
        /// the scale, whatever its digits.
        #[test]
        fn decimals_are_accepted_only_when_they_fit_the_scale(
            whole in "[0-9]{1,6}", fraction in "[0-9]{0,6}", scale in 0u32..6,
        ) {
            let text = if fraction.is_empty() { whole.clone() } else { format!("{whole}.{fraction}") };
            let places = u32::try_from(fraction.trim_end_matches('0').len()).unwrap_or(u32::MAX);
            let kind = Kind::Decimal { precision: 20, scale };
            prop_assert_eq!(check(kind, &text).is_ok(), places <= scale, "{}", text);
        }
    }
}
