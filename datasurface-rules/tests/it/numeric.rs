//! Numeric compatibility, proved by enumeration: for every pair of small
//! numeric types (every float format of 16 bits or fewer, small integers and
//! decimals), the verdict of `type_change_problem` is "compatible" exactly
//! when every value of the old type is a value of the new one.
//!
//! The values are decoded here from the bit-level definitions of each format
//! (OCP FP8/FP6/FP4 and MX, the FNUZ variants, IEEE 754), independently of
//! the model's `FloatFormat` descriptions, and compared as exact rationals.

use std::collections::BTreeSet;

use datasurface_core::types::{DataType, Decimal, FixedInteger, FloatFormat};
use datasurface_rules::verify::type_change_problem;

/// A value: exact, or a special. Every value here is `±k · 2^a · 5^b` with
/// `k` prime to 10, which is canonical (and holds the smallest bfloat16 and
/// the largest E8M0 alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    /// Zero (negative zero is the value zero).
    Zero,
    Finite {
        negative: bool,
        k: u64,
        a: i32,
        b: i32,
    },
    Infinity {
        negative: bool,
    },
    NaN,
}

impl Value {
    #[allow(
        clippy::cast_precision_loss,
        reason = "for comparing with published extremes"
    )]
    fn to_f64(self) -> f64 {
        match self {
            Value::Zero => 0.0,
            Value::Finite { negative, k, a, b } => {
                let v = k as f64 * 2f64.powi(a) * 5f64.powi(b);
                if negative { -v } else { v }
            }
            Value::Infinity { negative: false } => f64::INFINITY,
            Value::Infinity { negative: true } => f64::NEG_INFINITY,
            Value::NaN => f64::NAN,
        }
    }
}

/// `±m · 2^a · 5^b`, made canonical.
fn value(negative: bool, mut m: u64, mut a: i32, mut b: i32) -> Value {
    if m == 0 {
        return Value::Zero;
    }
    while m.is_multiple_of(2) {
        m /= 2;
        a += 1;
    }
    while m.is_multiple_of(5) {
        m /= 5;
        b += 1;
    }
    Value::Finite {
        negative,
        k: m,
        a,
        b,
    }
}

/// `±m · 2^e`.
fn binary(negative: bool, m: u128, e: i32) -> Value {
    value(negative, u64::try_from(m).unwrap(), e, 0)
}

/// How a format spends its special encodings.
#[derive(Clone, Copy)]
enum Specials {
    /// IEEE 754: the top exponent is infinities (mantissa 0) and NaNs.
    Ieee,
    /// OCP E4M3 ("FN"): no infinities; exponent and mantissa all ones is NaN.
    AllOnesNan,
    /// FNUZ: no infinities, no negative zero; its bit pattern is NaN.
    NegativeZeroNan,
    /// OCP FP6/FP4: every pattern is a finite number.
    None,
}

/// Every value of a sign/exponent/mantissa format with the given bias.
fn float_values(
    exponent_bits: u32,
    mantissa_bits: u32,
    bias: i32,
    specials: Specials,
) -> Vec<Value> {
    let top = (1u32 << exponent_bits) - 1;
    let all_mantissa = (1u32 << mantissa_bits) - 1;
    let mut out = Vec::new();
    for negative in [false, true] {
        for e in 0..=top {
            for m in 0..=all_mantissa {
                let special = match specials {
                    Specials::Ieee if e == top => Some(if m == 0 {
                        Value::Infinity { negative }
                    } else {
                        Value::NaN
                    }),
                    Specials::AllOnesNan if e == top && m == all_mantissa => Some(Value::NaN),
                    Specials::NegativeZeroNan if negative && e == 0 && m == 0 => Some(Value::NaN),
                    _ => None,
                };
                out.push(special.unwrap_or_else(|| {
                    let width = i32::try_from(mantissa_bits).unwrap();
                    if e == 0 {
                        binary(negative, u128::from(m), 1 - bias - width)
                    } else {
                        let e = i32::try_from(e).unwrap();
                        binary(
                            negative,
                            u128::from((1 << mantissa_bits) | m),
                            e - bias - width,
                        )
                    }
                }));
            }
        }
    }
    out
}

/// OCP MX E8M0: unsigned powers of two 2^-127 ..= 2^127; 0xFF is NaN.
fn e8m0_values() -> Vec<Value> {
    (0..=255u32)
        .map(|code| {
            if code == 255 {
                Value::NaN
            } else {
                binary(false, 1, i32::try_from(code).unwrap() - 127)
            }
        })
        .collect()
}

fn integer_values(bits: u32, signed: bool) -> Vec<Value> {
    let (lo, hi): (i64, i64) = if signed {
        (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
    } else {
        (0, (1 << bits) - 1)
    };
    (lo..=hi)
        .map(|v| value(v < 0, v.unsigned_abs(), 0, 0))
        .collect()
}

fn decimal_values(precision: u32, scale: u32) -> Vec<Value> {
    let limit = 10i64.pow(precision);
    let scale = -i32::try_from(scale).unwrap();
    (-limit + 1..limit)
        .map(|k| value(k < 0, k.unsigned_abs(), scale, scale))
        .collect()
}

fn custom(bits: u16, precision: u16, max_exponent: i32, min_exponent: i32) -> DataType {
    DataType::CustomFloat(FloatFormat::ieee(
        bits,
        precision,
        max_exponent,
        min_exponent,
    ))
}

/// Every numeric type small enough to enumerate, with its values.
fn types() -> Vec<(String, DataType, BTreeSet<Value>)> {
    let uint = |bits| {
        DataType::FixedInteger(FixedInteger {
            bits,
            signed: false,
        })
    };
    let int = |bits| DataType::FixedInteger(FixedInteger { bits, signed: true });
    let dec = |precision, scale| DataType::Decimal(Decimal { precision, scale });
    let list: Vec<(&str, DataType, Vec<Value>)> = vec![
        (
            "IEEE16",
            DataType::Ieee16,
            float_values(5, 10, 15, Specials::Ieee),
        ),
        (
            "bfloat16",
            custom(16, 8, 127, -126),
            float_values(8, 7, 127, Specials::Ieee),
        ),
        (
            "FP8_E4M3",
            DataType::Fp8E4m3,
            float_values(4, 3, 7, Specials::AllOnesNan),
        ),
        (
            "FP8_E5M2",
            DataType::Fp8E5m2,
            float_values(5, 2, 15, Specials::Ieee),
        ),
        (
            "FP8_E4M3FNUZ",
            DataType::Fp8E4m3Fnuz,
            float_values(4, 3, 8, Specials::NegativeZeroNan),
        ),
        (
            "FP8_E5M2FNUZ",
            DataType::Fp8E5m2Fnuz,
            float_values(5, 2, 16, Specials::NegativeZeroNan),
        ),
        ("FP8_E8M0", DataType::Fp8E8m0, e8m0_values()),
        (
            "FP6_E2M3",
            DataType::Fp6E2m3,
            float_values(2, 3, 1, Specials::None),
        ),
        (
            "FP6_E3M2",
            DataType::Fp6E3m2,
            float_values(3, 2, 3, Specials::None),
        ),
        (
            "FP4_E2M1",
            DataType::Fp4E2m1,
            float_values(2, 1, 1, Specials::None),
        ),
        (
            "IEEE 8-bit E4M3",
            custom(8, 4, 7, -6),
            float_values(4, 3, 7, Specials::Ieee),
        ),
        ("TinyInt", DataType::TinyInt, integer_values(8, true)),
        ("SmallInt", DataType::SmallInt, integer_values(16, true)),
        ("UInt4", uint(4), integer_values(4, false)),
        ("UInt8", uint(8), integer_values(8, false)),
        ("UInt16", uint(16), integer_values(16, false)),
        ("Int4", int(4), integer_values(4, true)),
        ("Int12", int(12), integer_values(12, true)),
        ("Decimal(1,0)", dec(1, 0), decimal_values(1, 0)),
        ("Decimal(2,0)", dec(2, 0), decimal_values(2, 0)),
        ("Decimal(3,0)", dec(3, 0), decimal_values(3, 0)),
        ("Decimal(4,0)", dec(4, 0), decimal_values(4, 0)),
        ("Decimal(5,0)", dec(5, 0), decimal_values(5, 0)),
        ("Decimal(3,1)", dec(3, 1), decimal_values(3, 1)),
        ("Decimal(4,2)", dec(4, 2), decimal_values(4, 2)),
    ];
    list.into_iter()
        .map(|(name, t, values)| (name.to_owned(), t, values.into_iter().collect()))
        .collect()
}

#[test]
fn the_verdict_is_exactly_whether_every_old_value_is_a_new_one() {
    let types = types();
    let mut wrong = Vec::new();
    let mut compatible = 0;
    for (old_name, old, old_values) in &types {
        for (new_name, new, new_values) in &types {
            let holds = old_values.is_subset(new_values);
            let verdict = type_change_problem(old, new);
            compatible += usize::from(holds);
            if holds != verdict.is_none() {
                let missing = old_values.difference(new_values).next();
                wrong.push(format!(
                    "{old_name} -> {new_name}: every value fits: {holds} (e.g. missing {missing:?}); verdict: {verdict:?}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong verdicts:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Not vacuous: some pairs are compatible and most are not.
    assert!(compatible > types.len() && compatible < types.len() * types.len() / 2);
}

#[test]
#[allow(clippy::float_cmp, reason = "these extremes are exact in f64")]
fn the_named_formats_decode_to_their_published_extremes() {
    let largest = |values: &BTreeSet<Value>| {
        values
            .iter()
            .map(|v| v.to_f64())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max)
    };
    let types = types();
    let find = |name: &str| &types.iter().find(|(n, _, _)| n == name).unwrap().2;
    assert_eq!(largest(find("FP8_E4M3")), 448.0);
    assert_eq!(largest(find("FP8_E5M2")), 57344.0);
    assert_eq!(largest(find("FP8_E4M3FNUZ")), 240.0);
    assert_eq!(largest(find("FP8_E5M2FNUZ")), 57344.0);
    assert_eq!(largest(find("FP6_E2M3")), 7.5);
    assert_eq!(largest(find("FP6_E3M2")), 28.0);
    assert_eq!(largest(find("FP4_E2M1")), 6.0);
    assert_eq!(largest(find("IEEE16")), 65504.0);
    assert_eq!(largest(find("FP8_E8M0")), 2f64.powi(127));
}
