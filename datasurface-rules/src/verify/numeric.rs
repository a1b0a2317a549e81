//! Numeric compatibility: a new numeric type stands in for an old one exactly
//! when every value of the old type is exactly a value of the new one.
//!
//! Integers, decimals and binary floats are compared by the values they hold,
//! across families too: `Integer` → `IEEE64` holds (53 bits of precision),
//! `BigInt` → `IEEE64` does not; an unsigned integer fits a wider signed one;
//! `Decimal(5, 0)` fits `Integer`, `Decimal(5, 2)` fits no binary float (0.01
//! is not one). Floats carry their true precision, exponent range,
//! subnormals, sign, zero, infinities and NaN ([`FloatFormat`]). Negative
//! zero is the value zero.

use datasurface_core::types::{DataType, FloatFormat};

/// A numeric type, as the values it holds.
#[derive(Debug, Clone, Copy)]
enum Numeric {
    /// Integers of `bits` bits, signed (two's complement) or not.
    Integer { bits: u32, signed: bool },
    /// Decimals of `precision` digits, `scale` of them after the point.
    Decimal { precision: u32, scale: u32 },
    /// Binary floats.
    Float(FloatFormat),
}

impl Numeric {
    fn of(t: &DataType) -> Option<Self> {
        if let Some(i) = t.integer() {
            return Some(Numeric::Integer {
                bits: u32::from(i.bits),
                signed: i.signed,
            });
        }
        if let Some(f) = t.float_format() {
            return Some(Numeric::Float(f));
        }
        match t {
            DataType::Decimal(d) => Some(Numeric::Decimal {
                precision: d.precision,
                scale: d.scale,
            }),
            _ => None,
        }
    }
}

/// Whether a new numeric type holds every value of the old one.
pub(crate) enum Widening {
    /// It does.
    Holds,
    /// It does not, and why.
    Narrows(String),
}

/// `None` when either type is not numeric; otherwise whether the new type
/// holds every value of the old one.
pub(crate) fn numeric_problem(old: &DataType, new: &DataType) -> Option<Widening> {
    let (a, b) = (Numeric::of(old)?, Numeric::of(new)?);
    let problem = match (a, b) {
        (
            Numeric::Integer { bits, signed },
            Numeric::Integer {
                bits: nb,
                signed: ns,
            },
        ) => integer_to_integer(bits, signed, nb, ns),
        (Numeric::Integer { bits, signed }, Numeric::Decimal { precision, scale }) => {
            let digits = decimal_digits_of_power_of_two(if signed { bits - 1 } else { bits });
            (u64::from(precision - scale.min(precision)) < digits).then(|| {
                format!(
                    "a {bits}-bit integer needs {digits} digits before the point, and the decimal has {}",
                    precision - scale.min(precision)
                )
            })
        }
        (Numeric::Integer { bits, signed }, Numeric::Float(f)) => {
            integer_to_float(bits, signed, &f)
        }
        (
            Numeric::Decimal { precision, scale },
            Numeric::Decimal {
                precision: np,
                scale: ns,
            },
        ) => decimal_to_decimal(precision, scale, np, ns),
        (Numeric::Decimal { precision, scale }, Numeric::Integer { bits, signed }) => {
            if scale > 0 {
                Some("an integer cannot hold the decimal's fractions".to_owned())
            } else if !signed {
                Some("an unsigned integer cannot hold negative decimals".to_owned())
            } else {
                // 10^p − 1 ≤ 2^(bits−1) − 1.
                (binary_digits_of_power_of_ten(precision) > u64::from(bits - 1)).then(|| {
                    format!("a {bits}-bit integer cannot hold every {precision}-digit decimal")
                })
            }
        }
        (Numeric::Decimal { precision, scale }, Numeric::Float(f)) => {
            if scale > 0 {
                Some("a binary float cannot hold decimal fractions such as 0.1 exactly".to_owned())
            } else {
                let len = binary_digits_of_power_of_ten(precision);
                integers_problem(&f, len, true, false)
                    .map(|p| format!("it cannot hold every {precision}-digit integer: {p}"))
            }
        }
        (Numeric::Float(f), Numeric::Integer { bits, signed }) => {
            float_to_integer(&f, bits, signed)
        }
        (Numeric::Float(f), Numeric::Decimal { precision, scale }) => {
            float_to_decimal(&f, precision, scale)
        }
        (Numeric::Float(a), Numeric::Float(b)) => float_to_float(&a, &b),
    };
    Some(problem.map_or(Widening::Holds, Widening::Narrows))
}

fn integer_to_integer(bits: u32, signed: bool, nb: u32, ns: bool) -> Option<String> {
    match (signed, ns) {
        (true, false) => Some("an unsigned integer cannot hold negative values".to_owned()),
        (false, true) if nb <= bits => Some(format!(
            "a {nb}-bit signed integer cannot hold every {bits}-bit unsigned one (it needs {} bits)",
            bits + 1
        )),
        _ if nb < bits => Some(format!("it narrows the integer from {bits} to {nb} bits")),
        _ => None,
    }
}

fn decimal_to_decimal(precision: u32, scale: u32, np: u32, ns: u32) -> Option<String> {
    let (int_a, int_b) = (precision.saturating_sub(scale), np.saturating_sub(ns));
    if ns < scale {
        Some(format!("it reduces the decimal scale from {scale} to {ns}"))
    } else if int_b < int_a {
        Some(format!(
            "it leaves {int_b} digits before the point where there were {int_a}"
        ))
    } else {
        None
    }
}

/// The number of decimal digits of `2^m` (and of `2^m − 1`, as `2^m` is never
/// a power of ten for `m > 0`): `⌊m·log10 2⌋ + 1`. For `m` below 2^17 the
/// product is never within 10^-6 of an integer (the continued fraction of
/// log10 2), far beyond f64's error, so the floor is exact; a test checks it
/// against exact arithmetic where that is possible.
fn decimal_digits_of_power_of_two(m: u32) -> u64 {
    if m == 0 {
        return 1;
    }
    // Truncation is the floor: the product is positive and far below 2^53.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let floor = (f64::from(m) * std::f64::consts::LOG10_2).floor() as u64;
    floor + 1
}

/// The number of binary digits of `10^p − 1` (and of `10^p`): `⌊p·log2 10⌋ + 1`.
/// Exact for the same reason as [`decimal_digits_of_power_of_two`]; a
/// precision beyond any integer type's reach is simply very long.
fn binary_digits_of_power_of_ten(p: u32) -> u64 {
    if p == 0 {
        return 0;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let floor = (f64::from(p) * std::f64::consts::LOG2_10).floor() as u64;
    floor + 1
}

/// Whether a float holds every integer whose magnitude has at most `len`
/// bits, with negatives if `negative`; `all_ones` when the largest of them is
/// exactly `2^len − 1` (otherwise it is below that and odd, as `10^p − 1` is).
fn integers_problem(f: &FloatFormat, len: u64, negative: bool, all_ones: bool) -> Option<String> {
    if negative && !f.signed {
        return Some("it holds no negative values".to_owned());
    }
    if !f.has_zero() {
        return Some("it cannot hold zero".to_owned());
    }
    if len == 0 {
        return None;
    }
    let p = u64::from(f.precision);
    if p < len {
        return Some(format!(
            "it has {p} bits of precision where {len} are needed"
        ));
    }
    let top = i64::try_from(len - 1).unwrap_or(i64::MAX);
    let emax = i64::from(f.max_exponent);
    if top > emax || (top == emax && all_ones && f.top_significand_reduced()) {
        return Some("its largest value is too small".to_owned());
    }
    // 1 = 2^0: a normal value, or a subnormal whose quantum is at most 1.
    let emin = i64::from(f.min_exponent);
    if emin > 0 && !(f.subnormals && emin - i64::from(f.precision) < 0) {
        return Some("it cannot hold 1".to_owned());
    }
    None
}

fn integer_to_float(bits: u32, signed: bool, f: &FloatFormat) -> Option<String> {
    let problem = if signed {
        // Magnitudes below 2^(bits−1), and −2^(bits−1) itself.
        integers_problem(f, u64::from(bits - 1), true, true).or_else(|| {
            let e = i64::from(bits - 1);
            let holds = e <= i64::from(f.max_exponent)
                && (e >= i64::from(f.min_exponent)
                    || (f.subnormals && e > i64::from(f.min_exponent) - i64::from(f.precision)));
            (!holds).then(|| format!("it cannot hold -2^{e}"))
        })
    } else {
        integers_problem(f, u64::from(bits), false, true)
    };
    problem.map(|p| format!("it cannot hold every {bits}-bit integer: {p}"))
}

/// The exponent of the smallest quantum of a float: its smallest positive value.
fn smallest_quantum(f: &FloatFormat) -> i64 {
    i64::from(f.min_exponent) - i64::from(f.precision) + 1
}

fn float_to_integer(f: &FloatFormat, bits: u32, signed: bool) -> Option<String> {
    if f.has_infinities() || f.has_nan() {
        return Some("an integer cannot hold infinities or NaN".to_owned());
    }
    if smallest_quantum(f) < 0 {
        return Some("an integer cannot hold the float's fractions".to_owned());
    }
    if f.signed && !signed {
        return Some("an unsigned integer cannot hold negative values".to_owned());
    }
    // The largest magnitude has max_exponent + 1 bits.
    let len = i64::from(f.max_exponent) + 1;
    let room = i64::from(bits) - i64::from(signed);
    (len > room).then(|| format!("a {bits}-bit integer cannot hold the float's largest values"))
}

fn float_to_decimal(f: &FloatFormat, precision: u32, scale: u32) -> Option<String> {
    if f.has_infinities() || f.has_nan() {
        return Some("a decimal cannot hold infinities or NaN".to_owned());
    }
    // 2^-j has exactly j decimal places.
    let places = (-smallest_quantum(f)).max(0);
    if i64::from(scale) < places {
        return Some(format!(
            "the float's smallest values need {places} decimal places, and the decimal has {scale}"
        ));
    }
    // Digits before the point of the largest value, below 2^(max_exponent + 1).
    let len = u32::try_from(i64::from(f.max_exponent) + 1).unwrap_or(0);
    let digits = if len == 0 {
        0
    } else {
        decimal_digits_of_power_of_two(len)
    };
    let room = u64::from(precision - scale.min(precision));
    (digits > room).then(|| {
        format!("the float's largest values need {digits} digits before the point, and the decimal has {room}")
    })
}

/// Every value of `a` is a value of `b`. Specials first, then the largest
/// values, then precision through the normal binades of `a` (the quantum of
/// a binade of `a` must be a multiple of `b`'s there), then `a`'s smallest
/// values, normal and subnormal.
fn float_to_float(a: &FloatFormat, b: &FloatFormat) -> Option<String> {
    let cannot = |what: &str| Some(format!("the new float format cannot hold {what}"));
    if a.signed && !b.signed {
        return cannot("negative values");
    }
    if a.has_zero() && !b.has_zero() {
        return cannot("zero");
    }
    if a.has_infinities() && !b.has_infinities() {
        return cannot("infinities");
    }
    if a.has_nan() && !b.has_nan() {
        return cannot("NaN");
    }
    let (pa, pb) = (i64::from(a.precision), i64::from(b.precision));
    let (emin_a, emax_a) = (i64::from(a.min_exponent), i64::from(a.max_exponent));
    let (emin_b, emax_b) = (i64::from(b.min_exponent), i64::from(b.max_exponent));
    // The largest value: its binade, then within the top binade. There it is
    // (2 − (1 + r)·2^(1−p))·2^emax, with r = 1 when the all-ones significand
    // is NaN; so at equal binades it fits when pb + r_a ≥ pa + r_b.
    let (ra, rb) = (
        i64::from(a.top_significand_reduced()),
        i64::from(b.top_significand_reduced()),
    );
    if emax_a > emax_b || (emax_a == emax_b && pb + ra < pa + rb) {
        return cannot("the old format's largest values");
    }
    // Normal binades of `a` within `b`'s normal range: same quantum or finer.
    if emax_a >= emin_b && pb < pa {
        return cannot(&format!(
            "every value of the old one: it has {pb} bits of precision where the old one has {pa}"
        ));
    }
    // `a`'s smallest values: its quantum at `emin_a` (which its subnormals
    // share) must be one `b` has there, as a normal or a subnormal value.
    let quantum_a = emin_a - pa + 1;
    let lowest_binade_a = if a.subnormals && pa > 1 {
        quantum_a
    } else {
        emin_a
    };
    if lowest_binade_a < emin_b {
        if !b.subnormals || quantum_a < emin_b - pb + 1 {
            return cannot("the old format's smallest values");
        }
    } else if a.subnormals && pa > 1 {
        // a's subnormals fall in b's normal range: the largest of them,
        // in binade emin_a − 1, has pa − 1 bits.
        if pb < pa - 1 {
            return cannot("the old format's subnormal values");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_counts_are_exact_where_they_can_be_checked() {
        for m in 0..128u32 {
            let exact = (1u128 << m).to_string().len() as u64;
            assert_eq!(decimal_digits_of_power_of_two(m), exact, "2^{m}");
        }
        for p in 1..39u32 {
            let exact = u64::from(128 - (10u128.pow(p) - 1).leading_zeros());
            assert_eq!(binary_digits_of_power_of_ten(p), exact, "10^{p}");
        }
    }
}
