//! Documents: a model body with its `apiVersion` and `kind` header.
//!
//! A document on disk is one map: the header keys (`apiVersion`, `kind`, and
//! for parts `name` and `zone`) beside the body's own fields. The body types
//! are the plain model types; [`Body`] strips the header keys from the map
//! before the body sees it, so the body keeps refusing unknown fields.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use datasurface_core::{Ecosystem, GovernanceZone, Team};

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
}

impl DocumentKind {
    /// Every kind.
    pub const ALL: [DocumentKind; 3] = [
        DocumentKind::Ecosystem,
        DocumentKind::GovernanceZone,
        DocumentKind::Team,
    ];

    /// The kind as written in `kind:`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Ecosystem => "Ecosystem",
            DocumentKind::GovernanceZone => "GovernanceZone",
            DocumentKind::Team => "Team",
        }
    }

    /// The header keys a document of this kind has besides the body's fields.
    pub fn header_keys(self) -> &'static [&'static str] {
        match self {
            DocumentKind::Ecosystem => &["apiVersion", "kind"],
            DocumentKind::GovernanceZone => &["apiVersion", "kind", "name"],
            DocumentKind::Team => &["apiVersion", "kind", "zone", "name"],
        }
    }

    /// Parses a `kind:` value.
    pub fn parse(value: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
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
pub(crate) enum AnyBody {
    Ecosystem(Ecosystem),
    GovernanceZone(GovernanceZone),
    Team(Team),
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
            .and_then(DocumentKind::parse)
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
