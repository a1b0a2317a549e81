//! The data type catalogue.
//!
//! Types carry no nullability: that belongs to the [`Column`].
//! In model files a type without parameters is written by name
//! (`type: Integer`), and a type with parameters as a one-key map
//! (`type: {VarChar: {maxSize: 50}}`); a type whose settings all have
//! defaults may be written either way (`type: Timestamp` is
//! `{Timestamp: {}}`, `type: VarChar` is `{VarChar: {}}`, no limit).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::ColumnName;
use crate::schema::Column;

/// A column's data type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub enum DataType {
    /// True or false.
    Boolean,
    /// 8-bit signed integer.
    TinyInt,
    /// 16-bit signed integer.
    SmallInt,
    /// 32-bit signed integer.
    Integer,
    /// 64-bit signed integer.
    BigInt,
    /// An integer of any size, signed or not.
    FixedInteger(FixedInteger),
    /// Exact decimal number.
    Decimal(Decimal),
    /// IEEE 754 half precision (16 bits).
    #[serde(rename = "IEEE16")]
    Ieee16,
    /// IEEE 754 single precision (32 bits); `Float` is accepted as an alias.
    #[serde(rename = "IEEE32", alias = "Float")]
    Ieee32,
    /// IEEE 754 double precision (64 bits); `Double` is accepted as an alias.
    #[serde(rename = "IEEE64", alias = "Double")]
    Ieee64,
    /// IEEE 754 quadruple precision (128 bits).
    #[serde(rename = "IEEE128")]
    Ieee128,
    /// IEEE 754 octuple precision (256 bits).
    #[serde(rename = "IEEE256")]
    Ieee256,
    /// OCP 8-bit float, 4 exponent and 3 mantissa bits (E4M3FN): no infinities, NaN all ones, largest 448.
    #[serde(rename = "FP8_E4M3")]
    Fp8E4m3,
    /// OCP 8-bit float, 5 exponent and 2 mantissa bits: IEEE 754 style, largest 57344.
    #[serde(rename = "FP8_E5M2")]
    Fp8E5m2,
    /// 8-bit float, 5 exponent and 2 mantissa bits, no infinities or negative zero, NaN as negative zero.
    #[serde(rename = "FP8_E5M2FNUZ")]
    Fp8E5m2Fnuz,
    /// 8-bit float, 4 exponent and 3 mantissa bits, no infinities or negative zero, NaN as negative zero.
    #[serde(rename = "FP8_E4M3FNUZ")]
    Fp8E4m3Fnuz,
    /// 8-bit exponent-only float, used as a micro-scaling scale: unsigned powers of two, NaN all ones, no zero.
    #[serde(rename = "FP8_E8M0")]
    Fp8E8m0,
    /// OCP 6-bit float, 2 exponent and 3 mantissa bits: finite only, largest 7.5.
    #[serde(rename = "FP6_E2M3")]
    Fp6E2m3,
    /// OCP 6-bit float, 3 exponent and 2 mantissa bits: finite only, largest 28.
    #[serde(rename = "FP6_E3M2")]
    Fp6E3m2,
    /// OCP 4-bit float, 2 exponent bits and 1 mantissa bit: finite only, largest 6.
    #[serde(rename = "FP4_E2M1")]
    Fp4E2m1,
    /// A float format given by its parameters.
    CustomFloat(FloatFormat),
    /// Micro-scaling FP8 (E4M3 elements, blocks of 32, `FP8_E8M0` scale).
    #[serde(rename = "MXFP8_E4M3")]
    Mxfp8E4m3,
    /// Micro-scaling FP8 (E5M2 elements, blocks of 32, `FP8_E8M0` scale).
    #[serde(rename = "MXFP8_E5M2")]
    Mxfp8E5m2,
    /// Micro-scaling FP6 (E2M3 elements, blocks of 32, `FP8_E8M0` scale).
    #[serde(rename = "MXFP6_E2M3")]
    Mxfp6E2m3,
    /// Micro-scaling FP6 (E3M2 elements, blocks of 32, `FP8_E8M0` scale).
    #[serde(rename = "MXFP6_E3M2")]
    Mxfp6E3m2,
    /// Micro-scaling FP4 (E2M1 elements, blocks of 32, `FP8_E8M0` scale).
    #[serde(rename = "MXFP4_E2M1")]
    Mxfp4E2m1,
    /// A micro-scaling format given by its parameters.
    MicroScaling(MicroScaling),
    /// Fixed-length non-Unicode text.
    Char(Text),
    /// Fixed-length Unicode text.
    NChar(Text),
    /// Variable-length non-Unicode text.
    VarChar(Text),
    /// Variable-length Unicode text.
    NVarChar(Text),
    /// Unicode text; the same family as `NVarChar`.
    String(Text),
    /// A calendar date.
    Date,
    /// A point in time, in a time zone.
    Timestamp(Timestamp),
    /// A length of time.
    Interval,
    /// Semi-structured data such as JSON.
    Variant(Bounded),
    /// Raw bytes.
    Binary(Bounded),
    /// A vector of `IEEE32` of a fixed number of dimensions, for embeddings.
    Vector(Vector),
    /// An ordered list of values of one type.
    Array(Array),
    /// A map from keys of one type to values of another.
    Map(Map),
    /// Named fields, each with the rules of a column.
    Struct(Box<Struct>),
    /// A geographic shape.
    Geography(Box<Geography>),
}

/// Parameters of [`DataType::FixedInteger`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixedInteger {
    /// Size in bits; must be positive.
    pub bits: u16,
    /// Whether it holds negative numbers. Defaults to true.
    #[serde(
        default = "crate::serde_util::default_true",
        skip_serializing_if = "crate::serde_util::is_true"
    )]
    pub signed: bool,
}

/// Parameters of [`DataType::Decimal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Decimal {
    /// Total number of digits.
    pub precision: u32,
    /// Digits after the decimal point; at most `precision`.
    pub scale: u32,
}

/// How a float format treats values that are not finite numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NonFiniteBehavior {
    /// Infinities and NaNs as IEEE 754 defines them.
    #[default]
    Ieee754,
    /// No infinities; NaN only.
    NanOnly,
    /// Finite values only: no infinities and no NaN (the OCP FP6 and FP4 formats).
    FiniteOnly,
}

/// How a float format encodes NaN.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum NanEncoding {
    /// As IEEE 754 does.
    #[default]
    Ieee,
    /// All bits set (apart from the sign): the largest significand of the
    /// top binade is NaN, or for an exponent-only format the top exponent.
    AllOnes,
    /// The bit pattern of negative zero.
    NegativeZero,
}

/// The parameters of a binary floating-point format: enough to know exactly
/// which values it holds.
///
/// A finite value is `k × 2^(e − precision + 1)` with `e` between
/// `min_exponent` and `max_exponent` and `k` a significand of `precision`
/// bits whose top bit is set (a normal value); with `subnormals`, also below
/// `min_exponent` with the quantum of the lowest binade. The largest
/// significand of the top binade is NaN when `nan_encoding` is `ALL_ONES`
/// and `precision` is above 1 (as in OCP FP8 E4M3). A format has zero unless
/// it is exponent-only (`precision` 1) without subnormals, as E8M0 is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FloatFormat {
    /// Total size in bits.
    pub bits: u16,
    /// Significand precision in bits, including the implicit leading bit (1
    /// for an exponent-only format).
    pub precision: u16,
    /// The exponent of the binade of the largest finite values.
    pub max_exponent: i32,
    /// The exponent of the binade of the smallest normal values.
    pub min_exponent: i32,
    /// Whether values below the normal range are held (gradual underflow).
    /// Defaults to true.
    #[serde(
        default = "crate::serde_util::default_true",
        skip_serializing_if = "crate::serde_util::is_true"
    )]
    pub subnormals: bool,
    /// Whether it holds negative values. Defaults to true.
    #[serde(
        default = "crate::serde_util::default_true",
        skip_serializing_if = "crate::serde_util::is_true"
    )]
    pub signed: bool,
    /// How infinities and NaNs behave.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub non_finite: NonFiniteBehavior,
    /// How NaN is encoded.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub nan_encoding: NanEncoding,
}

impl FloatFormat {
    /// An IEEE 754 binary format: infinities, NaNs and subnormals.
    pub const fn ieee(bits: u16, precision: u16, max_exponent: i32, min_exponent: i32) -> Self {
        FloatFormat {
            bits,
            precision,
            max_exponent,
            min_exponent,
            subnormals: true,
            signed: true,
            non_finite: NonFiniteBehavior::Ieee754,
            nan_encoding: NanEncoding::Ieee,
        }
    }

    /// A format with NaN only, encoded as negative zero (the FNUZ formats).
    const fn fnuz(bits: u16, precision: u16, max_exponent: i32, min_exponent: i32) -> Self {
        FloatFormat {
            non_finite: NonFiniteBehavior::NanOnly,
            nan_encoding: NanEncoding::NegativeZero,
            ..FloatFormat::ieee(bits, precision, max_exponent, min_exponent)
        }
    }

    /// A format with finite values only (the OCP FP6 and FP4 formats).
    const fn finite(bits: u16, precision: u16, max_exponent: i32, min_exponent: i32) -> Self {
        FloatFormat {
            non_finite: NonFiniteBehavior::FiniteOnly,
            ..FloatFormat::ieee(bits, precision, max_exponent, min_exponent)
        }
    }

    /// Whether it holds infinities.
    pub fn has_infinities(&self) -> bool {
        self.non_finite == NonFiniteBehavior::Ieee754
    }

    /// Whether it holds NaN.
    pub fn has_nan(&self) -> bool {
        self.non_finite != NonFiniteBehavior::FiniteOnly
    }

    /// Whether it holds zero: every format but an exponent-only one without subnormals.
    pub fn has_zero(&self) -> bool {
        self.subnormals || self.precision > 1
    }

    /// The largest significand of the top binade: one less than all ones when
    /// that pattern is NaN.
    pub fn top_significand_reduced(&self) -> bool {
        self.non_finite == NonFiniteBehavior::NanOnly
            && self.nan_encoding == NanEncoding::AllOnes
            && self.precision > 1
    }
}

/// Parameters of [`DataType::MicroScaling`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MicroScaling {
    /// Elements per shared scale; must be positive.
    pub batch_size: u32,
    /// The float type of the shared scale.
    #[serde(deserialize_with = "written::boxed")]
    #[schemars(schema_with = "written::schema")]
    pub scale_type: Box<DataType>,
    /// The float type of each element.
    #[serde(deserialize_with = "written::boxed")]
    #[schemars(schema_with = "written::schema")]
    pub element_type: Box<DataType>,
}

/// Parameters of the text types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Text {
    /// The maximum length in characters; none means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
    /// The collation, such as `en_US.utf8`; none means the container's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

/// `VarChar(n)`: text of at most `n` characters.
pub fn varchar(max_size: u32) -> DataType {
    DataType::VarChar(Text::max(max_size))
}

/// `NVarChar(n)`: Unicode text of at most `n` characters.
pub fn nvarchar(max_size: u32) -> DataType {
    DataType::NVarChar(Text::max(max_size))
}

/// `Char(n)`: text of exactly `n` characters.
pub fn char(size: u32) -> DataType {
    DataType::Char(Text::max(size))
}

/// `NChar(n)`: Unicode text of exactly `n` characters.
pub fn nchar(size: u32) -> DataType {
    DataType::NChar(Text::max(size))
}

/// `Decimal(precision, scale)`: `precision` digits, `scale` after the point.
pub fn decimal(precision: u32, scale: u32) -> DataType {
    DataType::Decimal(Decimal { precision, scale })
}

impl Text {
    /// Text of at most `max_size` characters in the default collation.
    pub fn max(max_size: u32) -> Self {
        Text {
            max_size: Some(max_size),
            collation: None,
        }
    }
}

/// A size limit for [`DataType::Variant`] and [`DataType::Binary`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bounded {
    /// The maximum size in bytes; none means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
}

/// Parameters of [`DataType::Timestamp`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Timestamp {
    /// The IANA time zone; none means UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl Timestamp {
    /// The time zone, with UTC for none.
    pub fn time_zone_or_utc(&self) -> &str {
        self.time_zone.as_deref().unwrap_or("UTC")
    }
}

/// Parameters of [`DataType::Vector`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Vector {
    /// The number of dimensions; must be positive.
    pub dimensions: u32,
}

/// Parameters of [`DataType::Array`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Array {
    /// The type of each element.
    #[serde(deserialize_with = "written::boxed")]
    #[schemars(schema_with = "written::schema")]
    pub element_type: Box<DataType>,
    /// The maximum number of elements; none means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
}

/// Parameters of [`DataType::Map`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Map {
    /// The type of the keys.
    #[serde(deserialize_with = "written::boxed")]
    #[schemars(schema_with = "written::schema")]
    pub key_type: Box<DataType>,
    /// The type of the values.
    #[serde(deserialize_with = "written::boxed")]
    #[schemars(schema_with = "written::schema")]
    pub value_type: Box<DataType>,
}

/// Parameters of [`DataType::Struct`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Struct {
    /// The fields, in order; each follows the rules of a column.
    #[serde(deserialize_with = "crate::serde_util::unique_keys")]
    pub fields: crate::OrderedMap<ColumnName, Column>,
}

/// The kind of shape a [`DataType::Geography`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs, reason = "the variants are the OGC geometry types")]
pub enum GeometryType {
    Point,
    Linestring,
    Polygon,
    Multipoint,
    Multilinestring,
    Multipolygon,
    Geometrycollection,
}

/// Parameters of [`DataType::Geography`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Geography {
    /// The spatial reference system's identifier. Defaults to 4326.
    #[serde(
        default = "Geography::default_srid",
        skip_serializing_if = "Geography::is_default_srid"
    )]
    pub srid: u32,
    /// The spatial reference system's name. Defaults to `WGS84`.
    #[serde(
        default = "Geography::default_srs_name",
        skip_serializing_if = "Geography::is_default_srs_name"
    )]
    pub srs_name: String,
    /// The kind of shape, if constrained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry_type: Option<GeometryType>,
    /// The maximum size in bytes; none means no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
}

impl Geography {
    fn default_srid() -> u32 {
        4326
    }
    #[allow(
        clippy::trivially_copy_pass_by_ref,
        reason = "serde passes a reference"
    )]
    fn is_default_srid(srid: &u32) -> bool {
        *srid == 4326
    }
    fn default_srs_name() -> String {
        "WGS84".to_owned()
    }
    fn is_default_srs_name(name: &str) -> bool {
        name == "WGS84"
    }
}

impl Default for Geography {
    fn default() -> Self {
        Geography {
            srid: 4326,
            srs_name: "WGS84".to_owned(),
            geometry_type: None,
            max_size: None,
        }
    }
}

/// A column type without its settings (`VarChar`, not `VarChar(20)`), by the
/// name model files write: what a platform's capabilities list, so a
/// misspelled type does not compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeKind {
    /// `Boolean`.
    Boolean,
    /// `TinyInt`.
    TinyInt,
    /// `SmallInt`.
    SmallInt,
    /// `Integer`.
    Integer,
    /// `BigInt`.
    BigInt,
    /// `FixedInteger`.
    FixedInteger,
    /// `Decimal`.
    Decimal,
    /// `IEEE16`.
    Ieee16,
    /// `IEEE32`.
    Ieee32,
    /// `IEEE64`.
    Ieee64,
    /// `IEEE128`.
    Ieee128,
    /// `IEEE256`.
    Ieee256,
    /// `FP8_E4M3`.
    Fp8E4m3,
    /// `FP8_E5M2`.
    Fp8E5m2,
    /// `FP8_E5M2FNUZ`.
    Fp8E5m2Fnuz,
    /// `FP8_E4M3FNUZ`.
    Fp8E4m3Fnuz,
    /// `FP8_E8M0`.
    Fp8E8m0,
    /// `FP6_E2M3`.
    Fp6E2m3,
    /// `FP6_E3M2`.
    Fp6E3m2,
    /// `FP4_E2M1`.
    Fp4E2m1,
    /// `CustomFloat`.
    CustomFloat,
    /// `MXFP8_E4M3`.
    Mxfp8E4m3,
    /// `MXFP8_E5M2`.
    Mxfp8E5m2,
    /// `MXFP6_E2M3`.
    Mxfp6E2m3,
    /// `MXFP6_E3M2`.
    Mxfp6E3m2,
    /// `MXFP4_E2M1`.
    Mxfp4E2m1,
    /// `MicroScaling`.
    MicroScaling,
    /// `Char`.
    Char,
    /// `NChar`.
    NChar,
    /// `VarChar`.
    VarChar,
    /// `NVarChar`.
    NVarChar,
    /// `String`.
    String,
    /// `Date`.
    Date,
    /// `Timestamp`.
    Timestamp,
    /// `Interval`.
    Interval,
    /// `Variant`.
    Variant,
    /// `Binary`.
    Binary,
    /// `Vector`.
    Vector,
    /// `Array`.
    Array,
    /// `Map`.
    Map,
    /// `Struct`.
    Struct,
    /// `Geography`.
    Geography,
}

impl TypeKind {
    /// Every type kind, in declaration order.
    pub const ALL: [TypeKind; 42] = [
        TypeKind::Boolean,
        TypeKind::TinyInt,
        TypeKind::SmallInt,
        TypeKind::Integer,
        TypeKind::BigInt,
        TypeKind::FixedInteger,
        TypeKind::Decimal,
        TypeKind::Ieee16,
        TypeKind::Ieee32,
        TypeKind::Ieee64,
        TypeKind::Ieee128,
        TypeKind::Ieee256,
        TypeKind::Fp8E4m3,
        TypeKind::Fp8E5m2,
        TypeKind::Fp8E5m2Fnuz,
        TypeKind::Fp8E4m3Fnuz,
        TypeKind::Fp8E8m0,
        TypeKind::Fp6E2m3,
        TypeKind::Fp6E3m2,
        TypeKind::Fp4E2m1,
        TypeKind::CustomFloat,
        TypeKind::Mxfp8E4m3,
        TypeKind::Mxfp8E5m2,
        TypeKind::Mxfp6E2m3,
        TypeKind::Mxfp6E3m2,
        TypeKind::Mxfp4E2m1,
        TypeKind::MicroScaling,
        TypeKind::Char,
        TypeKind::NChar,
        TypeKind::VarChar,
        TypeKind::NVarChar,
        TypeKind::String,
        TypeKind::Date,
        TypeKind::Timestamp,
        TypeKind::Interval,
        TypeKind::Variant,
        TypeKind::Binary,
        TypeKind::Vector,
        TypeKind::Array,
        TypeKind::Map,
        TypeKind::Struct,
        TypeKind::Geography,
    ];

    /// A type of this kind with typical settings, for asking what a
    /// platform makes of the kind: a platform's supported kinds are those
    /// whose example it stores ([`DataType::kind`] of it is `self`).
    pub fn example(self) -> DataType {
        let text = |max_size: u32| Text {
            max_size: Some(max_size),
            collation: None,
        };
        match self {
            TypeKind::Boolean => DataType::Boolean,
            TypeKind::TinyInt => DataType::TinyInt,
            TypeKind::SmallInt => DataType::SmallInt,
            TypeKind::Integer => DataType::Integer,
            TypeKind::BigInt => DataType::BigInt,
            TypeKind::FixedInteger => DataType::FixedInteger(FixedInteger {
                bits: 32,
                signed: true,
            }),
            TypeKind::Decimal => DataType::Decimal(Decimal {
                precision: 12,
                scale: 2,
            }),
            TypeKind::Ieee16 => DataType::Ieee16,
            TypeKind::Ieee32 => DataType::Ieee32,
            TypeKind::Ieee64 => DataType::Ieee64,
            TypeKind::Ieee128 => DataType::Ieee128,
            TypeKind::Ieee256 => DataType::Ieee256,
            TypeKind::Fp8E4m3 => DataType::Fp8E4m3,
            TypeKind::Fp8E5m2 => DataType::Fp8E5m2,
            TypeKind::Fp8E5m2Fnuz => DataType::Fp8E5m2Fnuz,
            TypeKind::Fp8E4m3Fnuz => DataType::Fp8E4m3Fnuz,
            TypeKind::Fp8E8m0 => DataType::Fp8E8m0,
            TypeKind::Fp6E2m3 => DataType::Fp6E2m3,
            TypeKind::Fp6E3m2 => DataType::Fp6E3m2,
            TypeKind::Fp4E2m1 => DataType::Fp4E2m1,
            TypeKind::CustomFloat => DataType::CustomFloat(FloatFormat::ieee(32, 24, 127, -126)),
            TypeKind::Mxfp8E4m3 => DataType::Mxfp8E4m3,
            TypeKind::Mxfp8E5m2 => DataType::Mxfp8E5m2,
            TypeKind::Mxfp6E2m3 => DataType::Mxfp6E2m3,
            TypeKind::Mxfp6E3m2 => DataType::Mxfp6E3m2,
            TypeKind::Mxfp4E2m1 => DataType::Mxfp4E2m1,
            TypeKind::MicroScaling => DataType::MicroScaling(MicroScaling {
                batch_size: 32,
                scale_type: Box::new(DataType::Fp8E8m0),
                element_type: Box::new(DataType::Fp8E4m3),
            }),
            TypeKind::Char => DataType::Char(text(10)),
            TypeKind::NChar => DataType::NChar(text(10)),
            TypeKind::VarChar => DataType::VarChar(text(100)),
            TypeKind::NVarChar => DataType::NVarChar(text(100)),
            TypeKind::String => DataType::String(Text::default()),
            TypeKind::Date => DataType::Date,
            TypeKind::Timestamp => DataType::Timestamp(Timestamp::default()),
            TypeKind::Interval => DataType::Interval,
            TypeKind::Variant => DataType::Variant(Bounded::default()),
            TypeKind::Binary => DataType::Binary(Bounded::default()),
            TypeKind::Vector => DataType::Vector(Vector { dimensions: 8 }),
            TypeKind::Array => DataType::Array(Array {
                element_type: Box::new(DataType::Integer),
                max_size: None,
            }),
            TypeKind::Map => DataType::Map(Map {
                key_type: Box::new(DataType::VarChar(text(100))),
                value_type: Box::new(DataType::Integer),
            }),
            TypeKind::Struct => DataType::Struct(Box::default()),
            TypeKind::Geography => DataType::Geography(Box::default()),
        }
    }

    /// Its name in model files, such as `VarChar` or `IEEE32`.
    pub const fn name(self) -> &'static str {
        match self {
            TypeKind::Boolean => "Boolean",
            TypeKind::TinyInt => "TinyInt",
            TypeKind::SmallInt => "SmallInt",
            TypeKind::Integer => "Integer",
            TypeKind::BigInt => "BigInt",
            TypeKind::FixedInteger => "FixedInteger",
            TypeKind::Decimal => "Decimal",
            TypeKind::Ieee16 => "IEEE16",
            TypeKind::Ieee32 => "IEEE32",
            TypeKind::Ieee64 => "IEEE64",
            TypeKind::Ieee128 => "IEEE128",
            TypeKind::Ieee256 => "IEEE256",
            TypeKind::Fp8E4m3 => "FP8_E4M3",
            TypeKind::Fp8E5m2 => "FP8_E5M2",
            TypeKind::Fp8E5m2Fnuz => "FP8_E5M2FNUZ",
            TypeKind::Fp8E4m3Fnuz => "FP8_E4M3FNUZ",
            TypeKind::Fp8E8m0 => "FP8_E8M0",
            TypeKind::Fp6E2m3 => "FP6_E2M3",
            TypeKind::Fp6E3m2 => "FP6_E3M2",
            TypeKind::Fp4E2m1 => "FP4_E2M1",
            TypeKind::CustomFloat => "CustomFloat",
            TypeKind::Mxfp8E4m3 => "MXFP8_E4M3",
            TypeKind::Mxfp8E5m2 => "MXFP8_E5M2",
            TypeKind::Mxfp6E2m3 => "MXFP6_E2M3",
            TypeKind::Mxfp6E3m2 => "MXFP6_E3M2",
            TypeKind::Mxfp4E2m1 => "MXFP4_E2M1",
            TypeKind::MicroScaling => "MicroScaling",
            TypeKind::Char => "Char",
            TypeKind::NChar => "NChar",
            TypeKind::VarChar => "VarChar",
            TypeKind::NVarChar => "NVarChar",
            TypeKind::String => "String",
            TypeKind::Date => "Date",
            TypeKind::Timestamp => "Timestamp",
            TypeKind::Interval => "Interval",
            TypeKind::Variant => "Variant",
            TypeKind::Binary => "Binary",
            TypeKind::Vector => "Vector",
            TypeKind::Array => "Array",
            TypeKind::Map => "Map",
            TypeKind::Struct => "Struct",
            TypeKind::Geography => "Geography",
        }
    }
}

impl std::fmt::Display for TypeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for TypeKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl DataType {
    /// Every named float type: the IEEE formats, the ML formats and the micro-scaling formats.
    pub const NAMED_FLOATS: [DataType; 18] = [
        DataType::Ieee16,
        DataType::Ieee32,
        DataType::Ieee64,
        DataType::Ieee128,
        DataType::Ieee256,
        DataType::Fp8E4m3,
        DataType::Fp8E5m2,
        DataType::Fp8E5m2Fnuz,
        DataType::Fp8E4m3Fnuz,
        DataType::Fp8E8m0,
        DataType::Fp6E2m3,
        DataType::Fp6E3m2,
        DataType::Fp4E2m1,
        DataType::Mxfp8E4m3,
        DataType::Mxfp8E5m2,
        DataType::Mxfp6E2m3,
        DataType::Mxfp6E3m2,
        DataType::Mxfp4E2m1,
    ];

    /// The type's name as model files write it, such as `VarChar` or `IEEE32`.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Which type this is, without its settings: what a platform's
    /// capabilities list.
    pub fn kind(&self) -> TypeKind {
        match self {
            DataType::Boolean => TypeKind::Boolean,
            DataType::TinyInt => TypeKind::TinyInt,
            DataType::SmallInt => TypeKind::SmallInt,
            DataType::Integer => TypeKind::Integer,
            DataType::BigInt => TypeKind::BigInt,
            DataType::FixedInteger(_) => TypeKind::FixedInteger,
            DataType::Decimal(_) => TypeKind::Decimal,
            DataType::Ieee16 => TypeKind::Ieee16,
            DataType::Ieee32 => TypeKind::Ieee32,
            DataType::Ieee64 => TypeKind::Ieee64,
            DataType::Ieee128 => TypeKind::Ieee128,
            DataType::Ieee256 => TypeKind::Ieee256,
            DataType::Fp8E4m3 => TypeKind::Fp8E4m3,
            DataType::Fp8E5m2 => TypeKind::Fp8E5m2,
            DataType::Fp8E5m2Fnuz => TypeKind::Fp8E5m2Fnuz,
            DataType::Fp8E4m3Fnuz => TypeKind::Fp8E4m3Fnuz,
            DataType::Fp8E8m0 => TypeKind::Fp8E8m0,
            DataType::Fp6E2m3 => TypeKind::Fp6E2m3,
            DataType::Fp6E3m2 => TypeKind::Fp6E3m2,
            DataType::Fp4E2m1 => TypeKind::Fp4E2m1,
            DataType::CustomFloat(_) => TypeKind::CustomFloat,
            DataType::Mxfp8E4m3 => TypeKind::Mxfp8E4m3,
            DataType::Mxfp8E5m2 => TypeKind::Mxfp8E5m2,
            DataType::Mxfp6E2m3 => TypeKind::Mxfp6E2m3,
            DataType::Mxfp6E3m2 => TypeKind::Mxfp6E3m2,
            DataType::Mxfp4E2m1 => TypeKind::Mxfp4E2m1,
            DataType::MicroScaling(_) => TypeKind::MicroScaling,
            DataType::Char(_) => TypeKind::Char,
            DataType::NChar(_) => TypeKind::NChar,
            DataType::VarChar(_) => TypeKind::VarChar,
            DataType::NVarChar(_) => TypeKind::NVarChar,
            DataType::String(_) => TypeKind::String,
            DataType::Date => TypeKind::Date,
            DataType::Timestamp(_) => TypeKind::Timestamp,
            DataType::Interval => TypeKind::Interval,
            DataType::Variant(_) => TypeKind::Variant,
            DataType::Binary(_) => TypeKind::Binary,
            DataType::Vector(_) => TypeKind::Vector,
            DataType::Array(_) => TypeKind::Array,
            DataType::Map(_) => TypeKind::Map,
            DataType::Struct(_) => TypeKind::Struct,
            DataType::Geography(_) => TypeKind::Geography,
        }
    }

    /// The float format of a float type, named or custom; `None` for other types.
    pub fn float_format(&self) -> Option<FloatFormat> {
        Some(match self {
            DataType::Ieee16 => FloatFormat::ieee(16, 11, 15, -14),
            DataType::Ieee32 => FloatFormat::ieee(32, 24, 127, -126),
            DataType::Ieee64 => FloatFormat::ieee(64, 53, 1023, -1022),
            DataType::Ieee128 => FloatFormat::ieee(128, 113, 16383, -16382),
            DataType::Ieee256 => FloatFormat::ieee(256, 237, 262_143, -262_142),
            // OCP 8-bit floating point (E4M3, "E4M3FN"): bias 7, no
            // infinities, NaN all ones; largest 448.
            DataType::Fp8E4m3 => FloatFormat {
                non_finite: NonFiniteBehavior::NanOnly,
                nan_encoding: NanEncoding::AllOnes,
                ..FloatFormat::ieee(8, 4, 8, -6)
            },
            // OCP E5M2: IEEE 754 style, bias 15; largest 57344.
            DataType::Fp8E5m2 => FloatFormat::ieee(8, 3, 15, -14),
            // Bias 16, NaN as negative zero, no infinities; largest 57344.
            DataType::Fp8E5m2Fnuz => FloatFormat::fnuz(8, 3, 15, -15),
            // Bias 8, NaN as negative zero, no infinities; largest 240.
            DataType::Fp8E4m3Fnuz => FloatFormat::fnuz(8, 4, 7, -7),
            // OCP MX scale: unsigned powers of two 2^-127 ..= 2^127, NaN all
            // ones, no zero, no infinities.
            DataType::Fp8E8m0 => FloatFormat {
                subnormals: false,
                signed: false,
                non_finite: NonFiniteBehavior::NanOnly,
                nan_encoding: NanEncoding::AllOnes,
                ..FloatFormat::ieee(8, 1, 127, -127)
            },
            // OCP FP6 and FP4: finite only. E2M3 bias 1, largest 7.5; E3M2
            // bias 3, largest 28; E2M1 bias 1, largest 6.
            DataType::Fp6E2m3 => FloatFormat::finite(6, 4, 2, 0),
            DataType::Fp6E3m2 => FloatFormat::finite(6, 3, 4, -2),
            DataType::Fp4E2m1 => FloatFormat::finite(4, 2, 2, 0),
            DataType::CustomFloat(format) => *format,
            _ => return None,
        })
    }

    /// The micro-scaling parameters of a micro-scaling type; `None` for other types.
    pub fn micro_scaling(&self) -> Option<MicroScaling> {
        let named = |element: DataType| MicroScaling {
            batch_size: 32,
            scale_type: Box::new(DataType::Fp8E8m0),
            element_type: Box::new(element),
        };
        Some(match self {
            DataType::Mxfp8E4m3 => named(DataType::Fp8E4m3),
            DataType::Mxfp8E5m2 => named(DataType::Fp8E5m2),
            DataType::Mxfp6E2m3 => named(DataType::Fp6E2m3),
            DataType::Mxfp6E3m2 => named(DataType::Fp6E3m2),
            DataType::Mxfp4E2m1 => named(DataType::Fp4E2m1),
            DataType::MicroScaling(params) => params.clone(),
            _ => return None,
        })
    }

    /// The bit size and signedness of an integer type; `None` for other types.
    pub fn integer(&self) -> Option<FixedInteger> {
        Some(match self {
            DataType::TinyInt => FixedInteger {
                bits: 8,
                signed: true,
            },
            DataType::SmallInt => FixedInteger {
                bits: 16,
                signed: true,
            },
            DataType::Integer => FixedInteger {
                bits: 32,
                signed: true,
            },
            DataType::BigInt => FixedInteger {
                bits: 64,
                signed: true,
            },
            DataType::FixedInteger(params) => *params,
            _ => return None,
        })
    }

    /// The text parameters and whether the type is in the Unicode family; `None` for other types.
    pub fn text(&self) -> Option<(&Text, bool)> {
        match self {
            DataType::Char(text) | DataType::VarChar(text) => Some((text, false)),
            DataType::NChar(text) | DataType::NVarChar(text) | DataType::String(text) => {
                Some((text, true))
            }
            _ => None,
        }
    }

    /// The types directly inside this one: array elements, map keys and values,
    /// struct fields, micro-scaling parts.
    pub fn children(&self) -> Vec<&DataType> {
        match self {
            DataType::Array(array) => vec![&array.element_type],
            DataType::Map(map) => vec![&map.key_type, &map.value_type],
            DataType::Struct(s) => s.fields.values().map(|c| &c.data_type).collect(),
            DataType::MicroScaling(m) => vec![&m.scale_type, &m.element_type],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind's example is of that kind, so a platform that asks what it
    /// makes of the example asks about the kind.
    #[test]
    fn every_kinds_example_is_of_that_kind() {
        for kind in TypeKind::ALL {
            assert_eq!(kind.example().kind(), kind);
        }
    }

    #[test]
    fn a_type_whose_settings_all_default_is_written_by_name() {
        let column = |yaml: &str| -> Result<Column, String> {
            serde_saphyr::from_str(yaml).map_err(|e| e.to_string())
        };
        for name in DataType::DEFAULTED_NAMES {
            let bare = column(&format!("type: {name}")).unwrap();
            let full = column(&format!("type: {{{name}: {{}}}}")).unwrap();
            assert_eq!(bare, full, "{name}");
        }
        assert_eq!(
            column("type: Timestamp").unwrap().data_type,
            DataType::Timestamp(Timestamp::default())
        );
        // Inside other types too.
        let nested =
            column("type: {Map: {keyType: String, valueType: {Array: {elementType: Timestamp}}}}")
                .unwrap();
        assert_eq!(
            serde_json::to_string(&nested.data_type).unwrap(),
            r#"{"Map":{"keyType":{"String":{}},"valueType":{"Array":{"elementType":{"Timestamp":{}}}}}}"#
        );
        // Settings still apply, and a type that needs one still says so.
        assert_eq!(
            column("type: {VarChar: {maxSize: 5}}").unwrap().data_type,
            varchar(5)
        );
        let needs = column("type: FixedInteger").unwrap_err();
        assert!(needs.contains("FixedInteger"), "{needs}");
        let unknown = column("type: Timestamps").unwrap_err();
        assert!(unknown.contains("Timestamps"), "{unknown}");
        assert!(column("type: 3").is_err());
    }

    #[test]
    fn named_floats_have_formats() {
        assert_eq!(DataType::Ieee32.float_format().unwrap().precision, 24);
        assert_eq!(
            DataType::Fp8E4m3Fnuz.float_format().unwrap().non_finite,
            NonFiniteBehavior::NanOnly
        );
        assert!(DataType::Integer.float_format().is_none());
        assert_eq!(DataType::Mxfp4E2m1.micro_scaling().unwrap().batch_size, 32);
        assert_eq!(DataType::BigInt.integer().unwrap().bits, 64);
        assert!(DataType::String(Text::default()).text().unwrap().1);
    }

    #[test]
    fn names_are_the_file_spelling() {
        let samples = [
            DataType::Ieee32,
            DataType::Fp8E4m3Fnuz,
            DataType::VarChar(Text::max(3)),
            DataType::Struct(Box::default()),
        ];
        for t in samples {
            let written = serde_json::to_value(&t).unwrap();
            let spelled = written
                .as_str()
                .map(str::to_owned)
                .or_else(|| written.as_object().and_then(|m| m.keys().next().cloned()));
            assert_eq!(spelled.as_deref(), Some(t.name()));
        }
    }

    #[test]
    fn aliases_read_as_the_canonical_name() {
        let t: DataType = serde_json::from_str("\"Float\"").unwrap();
        assert_eq!(t, DataType::Ieee32);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"IEEE32\"");
        let t: DataType = serde_json::from_str("{\"VarChar\":{\"maxSize\":20}}").unwrap();
        assert_eq!(t, DataType::VarChar(Text::max(20)));
    }
}

/// How model files write a data type: by name (`Integer`, and the types
/// whose settings all have defaults: `String`, `Timestamp`, `Binary`, …) or
/// as a one-key map of its settings (`{VarChar: {maxSize: 50}}`). Used with
/// `#[serde(deserialize_with)]` on every field that holds a type (the
/// derived `Serialize` writes it out, a type with settings as a map).
pub(crate) mod written {
    use std::fmt;

    use serde::de::{self, IntoDeserializer as _, MapAccess, Visitor};
    use serde::{Deserialize as _, Deserializer};

    use super::DataType;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DataType, D::Error> {
        d.deserialize_any(Written)
    }

    /// The same, boxed.
    pub(crate) fn boxed<'de, D: Deserializer<'de>>(d: D) -> Result<Box<DataType>, D::Error> {
        deserialize(d).map(Box::new)
    }

    struct Written;

    impl<'de> Visitor<'de> for Written {
        type Value = DataType;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(
                "a data type: a name such as `Integer` or `Timestamp`, or a one-key map of its settings such as `{VarChar: {maxSize: 50}}`",
            )
        }

        fn visit_str<E: de::Error>(self, name: &str) -> Result<DataType, E> {
            if let Some(t) = DataType::with_default_settings(name) {
                return Ok(t);
            }
            DataType::deserialize(name.into_deserializer()).map_err(|e| {
                // A type that has settings, named alone: said as the loader
                // says it of every kind with settings.
                if super::TypeKind::ALL.iter().any(|k| k.name() == name) {
                    E::custom(format!("`{name}` {}", super::NEEDS_SETTINGS))
                } else {
                    e
                }
            })
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DataType, A::Error> {
            let t = DataType::deserialize(de::value::MapAccessDeserializer::new(&mut map))?;
            // Read to the map's end: a reader may insist, and a second key
            // is a mistake.
            if map.next_key::<de::IgnoredAny>()?.is_some() {
                return Err(de::Error::custom(
                    "a type with settings is a one-key map, such as `{VarChar: {maxSize: 50}}`",
                ));
            }
            Ok(t)
        }
    }

    /// The JSON Schema of a written type: a [`DataType`], or the name of a
    /// type whose settings all have defaults.
    pub(crate) fn schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let full = generator.subschema_for::<DataType>();
        let names: Vec<&str> = DataType::DEFAULTED_NAMES.to_vec();
        schemars::json_schema!({
            "anyOf": [
                full,
                {
                    "description": "A type whose settings all have defaults, by name.",
                    "enum": names,
                },
            ]
        })
    }
}

/// What a type with settings named alone (`type: Decimal`) is told, after
/// its quoted name: the loader recognises it by this and adds an example.
pub const NEEDS_SETTINGS: &str = "needs its settings here";

impl DataType {
    /// The types whose settings all have defaults, which model files may
    /// write by name alone (`type: Timestamp` is `{Timestamp: {}}`).
    pub const DEFAULTED_NAMES: [&'static str; 7] = [
        "VarChar",
        "NVarChar",
        "String",
        "Timestamp",
        "Variant",
        "Binary",
        "Geography",
    ];

    /// The type `name` is with every setting at its default, for the types
    /// of [`DataType::DEFAULTED_NAMES`].
    pub fn with_default_settings(name: &str) -> Option<DataType> {
        Some(match name {
            "VarChar" => DataType::VarChar(Text::default()),
            "NVarChar" => DataType::NVarChar(Text::default()),
            "String" => DataType::String(Text::default()),
            "Timestamp" => DataType::Timestamp(Timestamp::default()),
            "Variant" => DataType::Variant(Bounded::default()),
            "Binary" => DataType::Binary(Bounded::default()),
            "Geography" => DataType::Geography(Box::default()),
            _ => return None,
        })
    }
}
