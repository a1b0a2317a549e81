//! Data classifications and the allow/deny policies that zones set over them,
//! vendors, locations, hard cloud vendors, platforms and storage.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{Deprecation, Documentation};
use crate::names::ContainerName;

/// The kinds of data classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClassificationKind {
    /// Public.
    Pub,
    /// Intellectual property.
    Ip,
    /// Personal data, class 1 (for example a name).
    Pc1,
    /// Personal data, class 2 (for example an address).
    Pc2,
    /// Personal data, class 3 (for example a national identifier).
    Pc3,
    /// Confidential personal information.
    Cpi,
    /// Material non-public information.
    Mnpi,
    /// Client-sensitive information.
    Csi,
}

impl ClassificationKind {
    /// Every kind, in declaration order.
    pub const ALL: [ClassificationKind; 8] = [
        ClassificationKind::Pub,
        ClassificationKind::Ip,
        ClassificationKind::Pc1,
        ClassificationKind::Pc2,
        ClassificationKind::Pc3,
        ClassificationKind::Cpi,
        ClassificationKind::Mnpi,
        ClassificationKind::Csi,
    ];

    /// The kind's code, as written in model files.
    pub fn code(self) -> &'static str {
        match self {
            ClassificationKind::Pub => "PUB",
            ClassificationKind::Ip => "IP",
            ClassificationKind::Pc1 => "PC1",
            ClassificationKind::Pc2 => "PC2",
            ClassificationKind::Pc3 => "PC3",
            ClassificationKind::Cpi => "CPI",
            ClassificationKind::Mnpi => "MNPI",
            ClassificationKind::Csi => "CSI",
        }
    }
}

/// A data classification: a kind, optionally narrowed by a name, written
/// `PC1` or `PC1:email`. `PC1` and `PC1:email` are different classifications.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataClassification {
    /// The kind of data.
    pub kind: ClassificationKind,
    /// A narrower name within the kind, such as `email`.
    pub name: Option<String>,
}

impl DataClassification {
    /// A classification of a kind with no narrower name.
    pub fn of(kind: ClassificationKind) -> Self {
        DataClassification { kind, name: None }
    }
}

/// Why a classification could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid classification `{0}`: write one of PUB, IP, PC1, PC2, PC3, CPI, MNPI, CSI, optionally followed by `:name`, such as `PC1:email`"
)]
pub struct ClassificationError(pub String);

impl FromStr for DataClassification {
    type Err = ClassificationError;

    fn from_str(value: &str) -> Result<Self, ClassificationError> {
        let (code, name) = match value.split_once(':') {
            Some((code, name)) => (code, Some(name)),
            None => (value, None),
        };
        let kind = ClassificationKind::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| ClassificationError(value.to_owned()))?;
        if let Some(name) = name
            && (name.is_empty()
                || name.trim() != name
                || datasurface_stdx::text::unsafe_in_line(name).is_some())
        {
            return Err(ClassificationError(value.to_owned()));
        }
        Ok(DataClassification {
            kind,
            name: name.map(str::to_owned),
        })
    }
}

impl fmt::Display for DataClassification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.code())?;
        if let Some(name) = &self.name {
            write!(f, ":{name}")?;
        }
        Ok(())
    }
}

impl Serialize for DataClassification {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DataClassification {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        /// Parses the text where it is, without a copy.
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = DataClassification;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a data classification such as `PC1` or `PC1:email`")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
                value.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Text)
    }
}

impl JsonSchema for DataClassification {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("DataClassification")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A data classification: PUB, IP, PC1, PC2, PC3, CPI, MNPI or CSI, optionally `:name`.",
            "pattern": "^(PUB|IP|PC1|PC2|PC3|CPI|MNPI|CSI)(:\\S(.*\\S)?)?$",
        })
    }
}

/// A policy that allows some values and denies others.
///
/// An empty `allowed` list allows everything not denied; an empty `denied`
/// list denies nothing. A value on both lists is a validation error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>")
)]
pub struct AllowDenyPolicy<T> {
    /// If not empty, only these values pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<T>,
    /// These values never pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub denied: Vec<T>,
    /// Why the policy exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

impl<T> Default for AllowDenyPolicy<T> {
    fn default() -> Self {
        AllowDenyPolicy {
            allowed: Vec::new(),
            denied: Vec::new(),
            documentation: None,
        }
    }
}

impl<T: PartialEq> AllowDenyPolicy<T> {
    /// A policy that allows only `values`.
    pub fn allow(values: Vec<T>) -> Self {
        AllowDenyPolicy {
            allowed: values,
            ..AllowDenyPolicy::default()
        }
    }

    /// A policy that denies `values`.
    pub fn deny(values: Vec<T>) -> Self {
        AllowDenyPolicy {
            denied: values,
            ..AllowDenyPolicy::default()
        }
    }

    /// Whether `value` passes the policy.
    pub fn permits(&self, value: &T) -> bool {
        (self.allowed.is_empty() || self.allowed.contains(value)) && !self.denied.contains(value)
    }

    /// Whether no value is both allowed and denied. An unsound policy is
    /// reported as such (`policy-overlap`) and not enforced: what its author
    /// meant cannot be known.
    pub fn is_sound(&self) -> bool {
        !self.denied.iter().any(|v| self.allowed.contains(v))
    }
}

/// How a storage policy applies to the datasets of its zone.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyMandate {
    /// Applies to every dataset of every team in the zone.
    MandatedWithinZone,
    /// Applies to the datasets that name it. The default.
    #[default]
    IndividuallyMandated,
}

/// A zone's rule for where the data of its datasets may be stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StoragePolicy {
    /// Whether it binds every dataset of the zone or only those that name it.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub mandate: PolicyMandate,
    /// The data containers the data may be stored in.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub containers: AllowDenyPolicy<ContainerName>,
    /// Whether the policy is being retired.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub deprecation: Deprecation,
    /// What the policy is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifications_parse_and_print() {
        let c: DataClassification = "PC1:email".parse().unwrap();
        assert_eq!(c.kind, ClassificationKind::Pc1);
        assert_eq!(c.to_string(), "PC1:email");
        assert_eq!(
            "MNPI".parse::<DataClassification>().unwrap().to_string(),
            "MNPI"
        );
        for bad in ["PII", "pc1", "PC1:", "PC1: x", ""] {
            assert!(bad.parse::<DataClassification>().is_err(), "{bad}");
        }
        assert_ne!("PC1".parse::<DataClassification>().unwrap(), c);
    }

    #[test]
    fn allow_deny_semantics() {
        let open = AllowDenyPolicy::<u8>::default();
        assert!(open.permits(&1));
        let allow = AllowDenyPolicy::allow(vec![1, 2]);
        assert!(allow.permits(&1));
        assert!(!allow.permits(&3));
        let deny = AllowDenyPolicy::deny(vec![3]);
        assert!(deny.permits(&1));
        assert!(!deny.permits(&3));
        let both = AllowDenyPolicy {
            allowed: vec![1, 3],
            denied: vec![3],
            documentation: None,
        };
        assert!(!both.permits(&3));
    }
}
