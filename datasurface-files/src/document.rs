//! Documents: a model body with its `apiVersion` and `kind` header.
//!
//! A document on disk is one map: the header keys (`apiVersion`, `kind`, and
//! for parts `name` and `zone`) beside the body's own fields. The body types
//! are the plain model types; [`Body`] strips the header keys from the map
//! before the body sees it, so the body keeps refusing unknown fields.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use datasurface_core::{Ecosystem, GovernanceZone, PlatformChoices, Team};

/// The group of every datasurface document's `apiVersion`.
pub const API_GROUP: &str = "datasurface.dev";
/// The `apiVersion` this build reads and writes.
pub const API_VERSION: &str = "datasurface.dev/v1";
/// The major version this build reads.
pub const API_MAJOR: u32 = 1;

/// The kinds of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DocumentKind {
    /// The root: the ecosystem's own region, optionally with zones and teams inline.
    Ecosystem,
    /// One zone's definition, optionally with teams inline.
    GovernanceZone,
    /// One team's definition.
    Team,
    /// The platforms the gate chose before, recorded by `datasurface choose
    /// --write`: part of the ecosystem's region.
    PlatformChoices,
}

impl DocumentKind {
    /// Every kind.
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::Ecosystem,
        DocumentKind::GovernanceZone,
        DocumentKind::Team,
        DocumentKind::PlatformChoices,
    ];

    /// The kind as written in `kind:`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Ecosystem => "Ecosystem",
            DocumentKind::GovernanceZone => "GovernanceZone",
            DocumentKind::Team => "Team",
            DocumentKind::PlatformChoices => "PlatformChoices",
        }
    }

    /// The header keys a document of this kind has besides the body's fields.
    pub fn header_keys(self) -> &'static [&'static str] {
        match self {
            DocumentKind::Ecosystem | DocumentKind::PlatformChoices => &["apiVersion", "kind"],
            DocumentKind::GovernanceZone => &["apiVersion", "kind", "name"],
            DocumentKind::Team => &["apiVersion", "kind", "zone", "name"],
        }
    }
}

/// A `kind:` value that names no [`DocumentKind`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown kind `{0}`")]
pub struct UnknownKind(String);

impl UnknownKind {
    /// The value as written.
    pub fn value(&self) -> &str {
        &self.0
    }
}

impl FromStr for DocumentKind {
    type Err = UnknownKind;

    /// Parses a `kind:` value, such as `Team`.
    fn from_str(value: &str) -> Result<Self, UnknownKind> {
        DocumentKind::ALL
            .into_iter()
            .find(|k| k.as_str() == value)
            .ok_or_else(|| UnknownKind(value.to_owned()))
    }
}

/// A document format version, as `apiVersion:` writes it: the group
/// ([`API_GROUP`]), a major version, and an optional `alpha`/`beta`
/// pre-release (`datasurface.dev/v1`, `datasurface.dev/v2beta1`).
///
/// ```
/// use datasurface_files::ApiVersion;
///
/// let v: ApiVersion = "datasurface.dev/v2beta1".parse().unwrap();
/// assert_eq!((v.major(), v.prerelease()), (2, Some("beta1")));
/// assert!(!v.is_read());
/// assert!("datasurface.dev/v1".parse::<ApiVersion>().unwrap().is_read());
/// assert!("example.com/v1".parse::<ApiVersion>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiVersion {
    major: u32,
    prerelease: Option<String>,
}

impl ApiVersion {
    /// The major version.
    pub fn major(&self) -> u32 {
        self.major
    }

    /// The pre-release (`beta1`), if any.
    pub fn prerelease(&self) -> Option<&str> {
        self.prerelease.as_deref()
    }

    /// Whether this build reads documents of this version ([`API_VERSION`]).
    pub fn is_read(&self) -> bool {
        self.major == API_MAJOR && self.prerelease.is_none()
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{API_GROUP}/v{}", self.major)?;
        if let Some(pre) = &self.prerelease {
            f.write_str(pre)?;
        }
        Ok(())
    }
}

/// Why an `apiVersion:` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(transparent)]
pub struct ApiVersionError(#[from] ApiVersionErrorKind);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum ApiVersionErrorKind {
    #[error("unknown apiVersion `{0}`")]
    UnknownGroup(String),
    #[error("malformed apiVersion `{0}`")]
    Malformed(String),
    #[error("unsupported apiVersion `{0}`: this build of datasurface reads `{API_VERSION}`")]
    Unsupported(String),
}

impl ApiVersionError {
    /// How to fix it, in a sentence.
    pub fn help(&self) -> String {
        match &self.0 {
            ApiVersionErrorKind::UnknownGroup(_) | ApiVersionErrorKind::Malformed(_) => {
                format!("write `apiVersion: {API_VERSION}`")
            }
            ApiVersionErrorKind::Unsupported(_) => "use a datasurface release that reads this version, or write the document for the version above".to_owned(),
        }
    }

    /// The refusal of a well-formed version this build does not read.
    pub(crate) fn unsupported(version: &ApiVersion) -> Self {
        ApiVersionErrorKind::Unsupported(version.to_string()).into()
    }
}

impl FromStr for ApiVersion {
    type Err = ApiVersionError;

    fn from_str(version: &str) -> Result<Self, ApiVersionError> {
        let Some(rest) = version
            .strip_prefix(API_GROUP)
            .and_then(|r| r.strip_prefix('/'))
        else {
            return Err(ApiVersionErrorKind::UnknownGroup(version.to_owned()).into());
        };
        let malformed =
            || ApiVersionError::from(ApiVersionErrorKind::Malformed(version.to_owned()));
        let after_v = rest.strip_prefix('v').ok_or_else(malformed)?;
        let digits = after_v.chars().take_while(char::is_ascii_digit).count();
        if digits > 1 && after_v.starts_with('0') {
            return Err(malformed());
        }
        let major: u32 = after_v[..digits].parse().map_err(|_| malformed())?;
        let suffix = &after_v[digits..];
        let prerelease = if suffix.is_empty() {
            None
        } else if is_prerelease_suffix(suffix) {
            Some(suffix.to_owned())
        } else {
            return Err(malformed());
        };
        Ok(ApiVersion { major, prerelease })
    }
}

fn is_prerelease_suffix(suffix: &str) -> bool {
    ["alpha", "beta"].iter().any(|p| {
        suffix
            .strip_prefix(p)
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    })
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A model type that can be the body of a document.
pub trait DocumentBody: Serialize + DeserializeOwned + schemars::JsonSchema {
    /// The kind of document it is the body of.
    const KIND: DocumentKind;
}

impl DocumentBody for Ecosystem {
    const KIND: DocumentKind = DocumentKind::Ecosystem;
}
impl DocumentBody for GovernanceZone {
    const KIND: DocumentKind = DocumentKind::GovernanceZone;
}
impl DocumentBody for Team {
    const KIND: DocumentKind = DocumentKind::Team;
}
impl DocumentBody for PlatformChoices {
    const KIND: DocumentKind = DocumentKind::PlatformChoices;
}

/// The header of a document, read leniently before the body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawHeader {
    pub(crate) api_version: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) zone: Option<String>,
}

impl RawHeader {
    /// Where the value of a header key goes.
    fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        match key {
            "apiVersion" => Some(&mut self.api_version),
            "kind" => Some(&mut self.kind),
            "name" => Some(&mut self.name),
            "zone" => Some(&mut self.zone),
            _ => None,
        }
    }
}

/// Deserializes `T` from a map that also holds a document header, skipping the header keys.
pub(crate) struct Body<T>(pub(crate) T);

impl<'de, T: DocumentBody> Deserialize<'de> for Body<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(BodyVisitor::<T>(PhantomData))
            .map(Body)
    }
}

struct BodyVisitor<T>(PhantomData<T>);

impl<'de, T: DocumentBody> Visitor<'de> for BodyVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a {} document (a map)", T::KIND)
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(HeaderKeys {
            inner: access,
            pending: None,
            keys: T::KIND.header_keys(),
            header: None,
        }))
    }
}

/// A map access that hides the header keys from the body: it skips their
/// values or, given a header, takes them into it (a key the header already
/// holds is then an error). A key already read from the map can be handed
/// back to come first.
struct HeaderKeys<'h, 'de, A> {
    inner: A,
    pending: Option<Cow<'de, str>>,
    keys: &'static [&'static str],
    header: Option<&'h mut RawHeader>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for HeaderKeys<'_, 'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let key = match self.pending.take() {
                Some(key) => key,
                None => match self.inner.next_key::<Cow<'de, str>>()? {
                    Some(key) => key,
                    None => return Ok(None),
                },
            };
            if !self.keys.contains(&key.as_ref()) {
                let key: de::value::CowStrDeserializer<'de, A::Error> =
                    de::IntoDeserializer::into_deserializer(key);
                return seed.deserialize(key).map(Some);
            }
            match self.header.as_deref_mut().map(|h| h.slot(&key)) {
                None => {
                    self.inner.next_value::<IgnoredAny>()?;
                }
                Some(Some(slot)) if slot.is_none() => *slot = Some(self.inner.next_value()?),
                Some(_) => return Err(de::Error::custom(format_args!("`{key}` appears twice"))),
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// The body of a document of any kind.
#[derive(Debug)]
#[allow(
    clippy::large_enum_variant,
    reason = "one body a document, moved once into the model"
)]
pub(crate) enum AnyBody {
    Ecosystem(Ecosystem),
    GovernanceZone(GovernanceZone),
    Team(Team),
    PlatformChoices(PlatformChoices),
}

/// A document read in one pass: `apiVersion` and `kind` first, then the body
/// of that kind, with the kind's other header keys (`name`, `zone`) taken
/// wherever they are.
///
/// Anything else fails to read: `kind` after a body field, a repeated header
/// key, a body that does not parse. The caller then reads the document the
/// careful way ([`RawHeader`], then [`Body`]), which explains every problem
/// with its position; a well-formed document is read once, not twice.
#[derive(Debug)]
pub(crate) struct OnePass {
    pub(crate) header: RawHeader,
    pub(crate) body: AnyBody,
}

impl<'de> Deserialize<'de> for OnePass {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(OnePassVisitor)
    }
}

struct OnePassVisitor;

impl<'de> Visitor<'de> for OnePassVisitor {
    type Value = OnePass;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a document (a map)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<OnePass, A::Error> {
        let mut header = RawHeader::default();
        let first = loop {
            let Some(key) = access.next_key::<Cow<'de, str>>()? else {
                return Err(de::Error::custom("a document without a body"));
            };
            match key.as_ref() {
                "apiVersion" | "kind" => match header.slot(&key) {
                    Some(slot) if slot.is_none() => *slot = Some(access.next_value()?),
                    _ => return Err(de::Error::custom(format_args!("`{key}` appears twice"))),
                },
                _ => break key,
            }
        };
        let kind = header
            .kind
            .as_deref()
            .and_then(|kind| kind.parse::<DocumentKind>().ok())
            .ok_or_else(|| de::Error::custom("no known `kind` before the body"))?;
        let body = HeaderKeys {
            inner: access,
            pending: Some(first),
            keys: kind.header_keys(),
            header: Some(&mut header),
        };
        let body = de::value::MapAccessDeserializer::new(body);
        let body = match kind {
            DocumentKind::Ecosystem => AnyBody::Ecosystem(Ecosystem::deserialize(body)?),
            DocumentKind::GovernanceZone => {
                AnyBody::GovernanceZone(GovernanceZone::deserialize(body)?)
            }
            DocumentKind::Team => AnyBody::Team(Team::deserialize(body)?),
            DocumentKind::PlatformChoices => {
                AnyBody::PlatformChoices(PlatformChoices::deserialize(body)?)
            }
        };
        Ok(OnePass { header, body })
    }
}

/// A document ready to serialize: the header first, then the body's fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DocumentOut<'a, T> {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) zone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<&'a str>,
    #[serde(flatten)]
    pub(crate) body: &'a T,
}

impl<'a, T: DocumentBody> DocumentOut<'a, T> {
    pub(crate) fn new(body: &'a T) -> Self {
        DocumentOut {
            api_version: API_VERSION,
            kind: T::KIND.as_str(),
            zone: None,
            name: None,
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kinds_parse_as_written() {
        for kind in DocumentKind::ALL {
            assert_eq!(kind.as_str().parse::<DocumentKind>(), Ok(kind));
        }
        let unknown = "team".parse::<DocumentKind>().unwrap_err();
        assert_eq!(unknown.value(), "team");
        assert_eq!(unknown.to_string(), "unknown kind `team`");
    }

    proptest! {
        /// A version prints as it parses, and every other text is refused
        /// rather than misread.
        #[test]
        fn api_versions_round_trip(major in 0u32..1000, pre in proptest::option::of("(alpha|beta)[0-9]{1,3}")) {
            let version = ApiVersion { major, prerelease: pre };
            let text = version.to_string();
            prop_assert_eq!(text.parse::<ApiVersion>(), Ok(version));
        }

        #[test]
        fn any_text_parses_to_its_own_spelling_or_fails(
            text in "(datasurface\\.dev/|\\PC{0,4})v?[0-9]{0,3}(alpha|beta|\\PC)?[0-9]{0,2}"
        ) {
            if let Ok(version) = text.parse::<ApiVersion>() {
                prop_assert_eq!(version.to_string(), text);
            }
        }
    }
}
