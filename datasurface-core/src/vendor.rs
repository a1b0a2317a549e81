//! Infrastructure vendors, their trees of locations, and references into them.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Documentation;
use crate::names::{LocationName, NameError, VendorName};

/// The hard cloud vendors that zone policies can allow or deny.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs, reason = "the variants are the vendors' own names")]
pub enum CloudVendor {
    Aws,
    Azure,
    Gcp,
    Ibm,
    Oracle,
    Alibaba,
    AwsChina,
    TenCent,
    Huawei,
    AzureChina,
    /// Infrastructure run privately, on premises or in a private cloud.
    Private,
}

impl CloudVendor {
    /// The vendor's code, as written in model files, such as `AWS_CHINA`.
    pub fn code(self) -> &'static str {
        match self {
            CloudVendor::Aws => "AWS",
            CloudVendor::Azure => "AZURE",
            CloudVendor::Gcp => "GCP",
            CloudVendor::Ibm => "IBM",
            CloudVendor::Oracle => "ORACLE",
            CloudVendor::Alibaba => "ALIBABA",
            CloudVendor::AwsChina => "AWS_CHINA",
            CloudVendor::TenCent => "TEN_CENT",
            CloudVendor::Huawei => "HUAWEI",
            CloudVendor::AzureChina => "AZURE_CHINA",
            CloudVendor::Private => "PRIVATE",
        }
    }
}

impl fmt::Display for CloudVendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An infrastructure vendor (a cloud, or a private data centre estate) and its locations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InfrastructureVendor {
    /// The hard cloud vendor behind it, which hard-vendor policies test.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hard_cloud_vendor: Option<CloudVendor>,
    /// What this vendor is; validation requires it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
    /// Its top-level locations, such as regions.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub locations: OrderedMap<LocationName, InfrastructureLocation>,
}

/// A location within a vendor, with its own child locations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InfrastructureLocation {
    /// What this location is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
    /// Locations inside this one, such as the zones of a region.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub locations: OrderedMap<LocationName, InfrastructureLocation>,
}

impl InfrastructureVendor {
    /// Finds a location by its path from the vendor, such as `["USA", "eastus"]`.
    pub fn location(&self, path: &[LocationName]) -> Option<&InfrastructureLocation> {
        let (first, rest) = path.split_first()?;
        let mut current = self.locations.get(first)?;
        for name in rest {
            current = current.locations.get(name)?;
        }
        Some(current)
    }
}

/// A reference to a location: a vendor and a path of location names, written
/// `Vendor:Region/Zone`, such as `Azure:USA/eastus`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocationRef {
    /// The vendor.
    pub vendor: VendorName,
    /// The path from the vendor down to the location; never empty.
    pub path: Vec<LocationName>,
}

/// Why a location reference could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationRefError {
    /// It is not `Vendor:location[/location…]`.
    #[error(
        "invalid location `{0}`: write `Vendor:Location` or `Vendor:Region/Zone`, such as `Azure:USA/eastus`"
    )]
    Format(String),
    /// One of its names is invalid.
    #[error("invalid location `{value}`: {source}")]
    Name {
        /// The whole reference.
        value: String,
        /// The invalid name.
        source: NameError,
    },
}

impl FromStr for LocationRef {
    type Err = LocationRefError;

    fn from_str(value: &str) -> Result<Self, LocationRefError> {
        let Some((vendor, path)) = value.split_once(':') else {
            return Err(LocationRefError::Format(value.to_owned()));
        };
        if vendor.is_empty() || path.is_empty() {
            return Err(LocationRefError::Format(value.to_owned()));
        }
        let name_error = |source| LocationRefError::Name {
            value: value.to_owned(),
            source,
        };
        let vendor = VendorName::new(vendor).map_err(name_error)?;
        let path = path
            .split('/')
            .map(LocationName::new)
            .collect::<Result<Vec<_>, _>>()
            .map_err(name_error)?;
        Ok(LocationRef { vendor, path })
    }
}

impl fmt::Display for LocationRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.vendor)?;
        for (i, name) in self.path.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

impl Serialize for LocationRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocationRef {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        value.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for LocationRef {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("LocationRef")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A location: `Vendor:Location[/Location…]`, such as `Azure:USA/eastus`.",
            "pattern": "^[^/:#]+:[^/:#]+(/[^/:#]+)*$",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let r: LocationRef = "Azure:USA/eastus".parse().unwrap();
        assert_eq!(r.vendor, "Azure");
        assert_eq!(r.path.len(), 2);
        assert_eq!(r.to_string(), "Azure:USA/eastus");
        for bad in [
            "Azure",
            ":USA",
            "Azure:",
            "Azure:USA//x",
            "Azure:/USA",
            "a:b:c",
        ] {
            assert!(bad.parse::<LocationRef>().is_err(), "{bad}");
        }
    }

    #[test]
    fn finds_nested_locations() {
        let mut vendor = InfrastructureVendor::default();
        let mut usa = InfrastructureLocation::default();
        usa.locations.insert(
            LocationName::new("eastus").unwrap(),
            InfrastructureLocation::default(),
        );
        vendor
            .locations
            .insert(LocationName::new("USA").unwrap(), usa);
        let r: LocationRef = "Azure:USA/eastus".parse().unwrap();
        assert!(vendor.location(&r.path).is_some());
        let r: LocationRef = "Azure:USA/westus".parse().unwrap();
        assert!(vendor.location(&r.path).is_none());
    }

    #[test]
    fn cloud_vendor_codes_are_the_file_spelling() {
        for v in [
            CloudVendor::Aws,
            CloudVendor::AwsChina,
            CloudVendor::TenCent,
            CloudVendor::Private,
        ] {
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{v}\""));
        }
    }
}
