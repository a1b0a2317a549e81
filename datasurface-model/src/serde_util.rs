//! Serde helpers shared by the model types.

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use crate::OrderedMap;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// Deserializes a map and refuses a key that appears twice; a null (an empty
/// `key:` in YAML) is an empty map.
///
/// YAML input already refuses duplicate keys; JSON parsers keep the last value
/// silently, which would lose a definition without a word. Every map field of
/// the model uses this.
pub(crate) fn unique_keys<'de, D, K, V>(deserializer: D) -> Result<OrderedMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Hash + Eq + fmt::Display,
    V: Deserialize<'de>,
{
    let map: Option<UniqueMap<K, V>> = Option::deserialize(deserializer)?;
    Ok(map.map(|m| m.0).unwrap_or_default())
}

/// A map that refuses repeated keys.
struct UniqueMap<K, V>(OrderedMap<K, V>);

impl<'de, K, V> Deserialize<'de> for UniqueMap<K, V>
where
    K: Deserialize<'de> + Hash + Eq + fmt::Display,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        unique_map(deserializer).map(UniqueMap)
    }
}

fn unique_map<'de, D, K, V>(deserializer: D) -> Result<OrderedMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Hash + Eq + fmt::Display,
    V: Deserialize<'de>,
{
    struct UniqueVisitor<K, V>(PhantomData<(K, V)>);

    impl<'de, K, V> Visitor<'de> for UniqueVisitor<K, V>
    where
        K: Deserialize<'de> + Hash + Eq + fmt::Display,
        V: Deserialize<'de>,
    {
        type Value = OrderedMap<K, V>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map with unique keys")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let hint = access.size_hint().unwrap_or(0).min(4096);
            let mut map = OrderedMap::with_capacity_and_hasher(hint, crate::MapHasher::default());
            while let Some(key) = access.next_key::<K>()? {
                // One hash per key: the entry both refuses a repeat and takes the value.
                match map.entry(key) {
                    indexmap::map::Entry::Occupied(repeated) => {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate key `{}`; each name may appear once",
                            repeated.key()
                        )));
                    }
                    indexmap::map::Entry::Vacant(slot) => {
                        slot.insert(access.next_value::<V>()?);
                    }
                }
            }
            // Most formats give no size hint, so the map grew by doubling;
            // a model holds a million small maps.
            map.shrink_to_fit();
            Ok(map)
        }
    }

    deserializer.deserialize_map(UniqueVisitor(PhantomData))
}

/// `skip_serializing_if` helper for values equal to their default.
pub(crate) fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Serde default for boolean fields that default to `true`.
pub(crate) fn default_true() -> bool {
    true
}

/// `skip_serializing_if` helper for boolean fields that default to `true`.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes a reference"
)]
pub(crate) fn is_true(value: &bool) -> bool {
    *value
}

#[cfg(test)]
mod tests {
    use crate::OrderedMap;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Holder {
        #[serde(default, deserialize_with = "super::unique_keys")]
        map: OrderedMap<String, u8>,
    }

    #[test]
    fn null_is_empty_and_repeats_are_refused() {
        let h: Holder = serde_saphyr::from_str("map:\n").unwrap();
        assert!(h.map.is_empty());
        let h: Holder = serde_json::from_str(r#"{"map": null}"#).unwrap();
        assert!(h.map.is_empty());
        let h: Holder = serde_json::from_str(r#"{"map": {"a": 1, "b": 2}}"#).unwrap();
        assert_eq!(h.map.len(), 2);
        let err = serde_json::from_str::<Holder>(r#"{"map": {"a": 1, "a": 2}}"#).unwrap_err();
        assert!(err.to_string().contains("duplicate key `a`"), "{err}");
    }
}
