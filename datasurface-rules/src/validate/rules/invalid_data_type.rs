//! Diagnostic: invalid-data-type
//!
//! Each data type has its own rules: sizes and dimensions are positive; a
//! decimal's scale is at most its precision; a float format's sign,
//! significand and exponent fill its bits exactly (every code of the
//! exponent field is a binade, zero, or infinity and NaN), its exponent range
//! holds 0 and reaches above it
//! (`maxExponent` at least 1, `minExponent` at most 0), and only a format without
//! infinities may encode NaN as negative zero; a micro-scaling format is
//! built from float formats. Every named float format passes these rules —
//! including the FNUZ formats, which the reference implementation rejected.

use super::prelude::*;
use datasurface_core::types::{DataType, FloatFormat, NanEncoding, NonFiniteBehavior};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-data-type",
        Severity::Error,
        "A column's data type breaks that type's rules.",
        "Fix the type's settings as the message says.",
    )
    .with_example(
        &[(
        "amount: {type: {Decimal: {precision: 12, scale: 2}}}",
        "amount: {type: {Decimal: {precision: 12, scale: 20}}}",
    )],
        "model.yaml:51:30: error[invalid-data-type]: invalid type for column `amount` of `Orders.orders`: the scale (20) is larger than the precision (12)
  at: /zones/USA/teams/Sales/datastores/Orders/datasets/orders/schema/columns/amount/type
  help: correct the type's settings; `datasurface explain invalid-data-type` lists the rules (in github:acme/sales@main)",
    ),
    check,
};

/// The problems of a type and of the types inside it, with the path below the column.
pub(crate) fn problems(t: &DataType, path: &ModelPath, out: &mut Vec<(ModelPath, String)>) {
    let mut bad = |what: String| out.push((path.clone(), what));
    match t {
        DataType::FixedInteger(i) if i.bits == 0 => {
            bad("an integer needs at least 1 bit".to_owned());
        }
        DataType::Decimal(d) if d.precision == 0 => {
            bad("a decimal needs a precision of at least 1".to_owned());
        }
        DataType::Decimal(d) if d.scale > d.precision => {
            bad(format!(
                "the scale ({}) is larger than the precision ({})",
                d.scale, d.precision
            ));
        }
        DataType::Char(x)
        | DataType::NChar(x)
        | DataType::VarChar(x)
        | DataType::NVarChar(x)
        | DataType::String(x)
            if x.max_size == Some(0) =>
        {
            bad("`maxSize` must be at least 1; leave it out for no limit".to_owned());
        }
        DataType::Variant(b) | DataType::Binary(b) if b.max_size == Some(0) => {
            bad("`maxSize` must be at least 1; leave it out for no limit".to_owned());
        }
        DataType::Geography(g) if g.max_size == Some(0) => {
            bad("`maxSize` must be at least 1; leave it out for no limit".to_owned());
        }
        DataType::Vector(v) if v.dimensions == 0 => {
            bad("a vector needs at least 1 dimension".to_owned());
        }
        DataType::Array(a) if a.max_size == Some(0) => {
            bad("`maxSize` must be at least 1; leave it out for no limit".to_owned());
        }
        DataType::Struct(s) if s.fields.is_empty() => {
            bad("a struct needs at least one field".to_owned());
        }
        DataType::Timestamp(ts) if ts.time_zone.as_deref().is_some_and(|z| z.trim().is_empty()) => {
            bad("the time zone is empty; leave it out for UTC".to_owned());
        }
        DataType::CustomFloat(f) => {
            if let Some(why) = float_problem(f) {
                bad(why);
            }
        }
        DataType::MicroScaling(m) => {
            if m.batch_size == 0 {
                bad("a micro-scaling format needs a batch size of at least 1".to_owned());
            }
            for (key, part) in [
                ("scaleType", &m.scale_type),
                ("elementType", &m.element_type),
            ] {
                if part.float_format().is_none() {
                    out.push((
                        path.key(key),
                        format!("the `{key}` of a micro-scaling format must be a float format"),
                    ));
                }
            }
        }
        _ => {}
    }
    match t {
        DataType::Array(a) => problems(&a.element_type, &path.key("elementType"), out),
        DataType::Map(m) => {
            problems(&m.key_type, &path.key("keyType"), out);
            problems(&m.value_type, &path.key("valueType"), out);
        }
        DataType::Struct(s) => {
            for (name, field) in &s.fields {
                problems(
                    &field.data_type,
                    &path.keys(["fields", name.as_str(), "type"]),
                    out,
                );
            }
        }
        DataType::MicroScaling(m) => {
            problems(&m.scale_type, &path.key("scaleType"), out);
            problems(&m.element_type, &path.key("elementType"), out);
        }
        _ => {}
    }
}

/// What is wrong with a float format, if anything: its significand and
/// exponent codes must fit in its bits.
pub(crate) fn float_problem(f: &FloatFormat) -> Option<String> {
    if f.bits == 0 {
        return Some("a float format needs at least 1 bit".to_owned());
    }
    if f.precision == 0 {
        return Some(
            "the precision counts the leading bit, so it is at least 1 (1 for an exponent-only format)"
                .to_owned(),
        );
    }
    // The reference's bounds on the exponents' signs: the range holds 0, so
    // 1 is representable, and reaches above it. (The reference also asks
    // for a negative smallest exponent, which the OCP formats with a 2-bit
    // exponent, FP6 E2M3 and FP4 E2M1, whose smallest is 0, would fail.)
    if f.max_exponent < 1 {
        return Some(format!(
            "the largest exponent (`maxExponent: {}`) must be at least 1",
            f.max_exponent
        ));
    }
    if f.min_exponent > 0 {
        return Some(format!(
            "the smallest exponent (`minExponent: {}`) must be at most 0",
            f.min_exponent
        ));
    }
    if f.nan_encoding == NanEncoding::NegativeZero
        && (f.non_finite != NonFiniteBehavior::NanOnly || !f.signed)
    {
        return Some(
            "NaN encoded as negative zero needs a sign and `nonFinite: NAN_ONLY`".to_owned(),
        );
    }
    // Exponent codes: one per binade, one for zero and subnormals, one for
    // infinities and NaN (IEEE 754), one for an exponent-only format's NaN.
    let binades = i64::from(f.max_exponent) - i64::from(f.min_exponent) + 1;
    let codes = binades
        + i64::from(f.has_zero())
        + i64::from(f.has_infinities())
        + i64::from(
            f.non_finite == NonFiniteBehavior::NanOnly
                && f.nan_encoding == NanEncoding::AllOnes
                && f.precision == 1,
        );
    let exponent_bits = 64 - (codes - 1).max(0).leading_zeros();
    let needed = u32::from(f.signed) + u32::from(f.precision) - 1 + exponent_bits;
    if needed > u32::from(f.bits) {
        return Some(format!(
            "{} bits cannot hold it: it needs {needed} ({} sign, {} significand, {exponent_bits} exponent)",
            f.bits,
            u32::from(f.signed),
            f.precision - 1
        ));
    }
    // The bits left for the exponent are a field whose every code means
    // something, as in every binary format: a range that leaves codes
    // unused (`minExponent: 0` in a 16-bit format) is not an encoding, and
    // is most often a mistyped exponent.
    let field = u32::from(f.bits) - u32::from(f.signed) - (u32::from(f.precision) - 1);
    let available = 1_i128.checked_shl(field).filter(|_| field < 100);
    if available != Some(i128::from(codes)) {
        let extra = codes - binades;
        let fit = available.map(|a| i128::from(f.max_exponent) - (a - i128::from(extra)) + 1);
        let hint = match fit {
            Some(min) if min >= i128::from(i32::MIN) => format!(
                "with `maxExponent: {}`, the smallest exponent that fills it is `minExponent: {min}`",
                f.max_exponent
            ),
            _ => "use fewer bits or a larger precision".to_owned(),
        };
        return Some(format!(
            "the exponent range (`minExponent: {}` to `maxExponent: {}`) uses {codes} of the {} codes of its {field}-bit exponent field; {hint}",
            f.min_exponent,
            f.max_exponent,
            available.map_or_else(|| format!("2^{field}"), |a| a.to_string()),
        ));
    }
    None
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for at in cx.datasets() {
        for (name, column) in &at.dataset.schema.columns {
            // Problems are found at paths within the type; the column's own
            // path is made only when there is one (most columns have none).
            let mut found = Vec::new();
            problems(&column.data_type, &ModelPath::root(), &mut found);
            if found.is_empty() {
                continue;
            }
            let base = at.path().keys(["schema", "columns", name.as_str(), "type"]);
            for (within, why) in found {
                let path = ModelPath(base.0.iter().cloned().chain(within.0).collect());
                out.report(path, format!("invalid type for column `{name}` of `{}.{}`: {why}", at.store.name, at.name), "correct the type's settings; `datasurface explain invalid-data-type` lists the rules");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_float_format_passes() {
        for t in DataType::NAMED_FLOATS {
            if let Some(format) = t.float_format() {
                assert_eq!(float_problem(&format), None, "{t:?}");
            }
            let mut found = Vec::new();
            problems(&t, &ModelPath::root(), &mut found);
            if let Some(m) = t.micro_scaling() {
                problems(&DataType::MicroScaling(m), &ModelPath::root(), &mut found);
            }
            assert!(found.is_empty(), "{t:?}: {found:?}");
        }
    }

    #[test]
    fn a_float_formats_exponents_straddle_zero() {
        let ieee32 = DataType::Ieee32.float_format().unwrap();
        for (max, min, why) in [
            (
                0,
                -126,
                Some("the largest exponent (`maxExponent: 0`) must be at least 1"),
            ),
            (
                -3,
                -126,
                Some("the largest exponent (`maxExponent: -3`) must be at least 1"),
            ),
            (
                127,
                1,
                Some("the smallest exponent (`minExponent: 1`) must be at most 0"),
            ),
            (
                127,
                5,
                Some("the smallest exponent (`minExponent: 5`) must be at most 0"),
            ),
            (127, -126, None),
        ] {
            let f = FloatFormat {
                max_exponent: max,
                min_exponent: min,
                ..ieee32
            };
            assert_eq!(float_problem(&f).as_deref(), why, "{max} {min}");
        }
    }

    #[test]
    fn a_float_formats_exponent_field_is_filled() {
        let ieee16 = DataType::Ieee16.float_format().unwrap();
        let fp4 = DataType::Fp4E2m1.float_format().unwrap();
        for (f, why) in [
            // A mistyped smallest exponent leaves 14 codes unused.
            (
                FloatFormat {
                    min_exponent: 0,
                    ..ieee16
                },
                Some(
                    "the exponent range (`minExponent: 0` to `maxExponent: 15`) uses 18 of the 32 codes of its 5-bit exponent field; with `maxExponent: 15`, the smallest exponent that fills it is `minExponent: -14`",
                ),
            ),
            // The same range in more bits than it needs.
            (
                FloatFormat { bits: 17, ..ieee16 },
                Some(
                    "the exponent range (`minExponent: -14` to `maxExponent: 15`) uses 32 of the 64 codes of its 6-bit exponent field; with `maxExponent: 15`, the smallest exponent that fills it is `minExponent: -46`",
                ),
            ),
            // A precision so small that the field is out of any range.
            (
                FloatFormat {
                    bits: 300,
                    ..ieee16
                },
                Some(
                    "the exponent range (`minExponent: -14` to `maxExponent: 15`) uses 32 of the 2^289 codes of its 289-bit exponent field; use fewer bits or a larger precision",
                ),
            ),
            // FP4 E2M1's smallest exponent is 0, and that fills its field.
            (fp4, None),
            (
                FloatFormat {
                    min_exponent: -1,
                    ..fp4
                },
                Some("4 bits cannot hold it: it needs 5 (1 sign, 1 significand, 3 exponent)"),
            ),
        ] {
            assert_eq!(float_problem(&f).as_deref(), why, "{f:?}");
        }
    }

    proptest::proptest! {
        /// A format built from a filled exponent field passes, and moving
        /// its smallest exponent by any amount makes it fail.
        #[test]
        fn exactly_the_filled_exponent_ranges_pass(
            signed in proptest::bool::ANY,
            precision in 2u16..60,
            field in 2u32..12,
            top in 0i32..3000,
            non_finite in proptest::sample::select(vec![
                NonFiniteBehavior::Ieee754, NonFiniteBehavior::NanOnly, NonFiniteBehavior::FiniteOnly,
            ]),
            shift in -50i32..50,
        ) {
            let f = FloatFormat {
                bits: u16::from(signed) + precision - 1 + u16::try_from(field).unwrap(),
                non_finite,
                signed,
                ..FloatFormat::ieee(0, precision, 0, 0)
            };
            let binades = (1 << field) - i32::from(f.has_zero()) - i32::from(f.has_infinities());
            // The range holds 0 and 1 whatever its top.
            let max_exponent = 1 + top % (binades - 1);
            let min_exponent = max_exponent - binades + 1;
            let f = FloatFormat { max_exponent, ..f };
            let filled = FloatFormat { min_exponent, ..f };
            proptest::prop_assert_eq!(float_problem(&filled), None);
            let moved = FloatFormat { min_exponent: min_exponent + shift, ..f };
            proptest::prop_assert_eq!(float_problem(&moved).is_none(), shift == 0);
        }
    }

    #[test]
    fn nested_types_are_checked() {
        let t: DataType = serde_json::from_str(r#"{"Array": {"elementType": {"Map": {"keyType": {"VarChar": {"maxSize": 0}}, "valueType": "Integer"}}}}"#).unwrap();
        let mut found = Vec::new();
        problems(&t, &ModelPath::root(), &mut found);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.to_string(), "/elementType/keyType");
    }
}
