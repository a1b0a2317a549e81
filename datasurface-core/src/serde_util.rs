//! Serde helpers shared by the model types.

use std::fmt;
use std::hash::Hash;
use std::marker::PhantomData;

use crate::OrderedMap;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use smallvec::SmallVec;

/// How many entries of a map are gathered on the stack before the map is made.
const SMALL: usize = 16;

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
            // Nearly every map of a model is small (a dataset's columns, a
            // store's datasets): its entries are gathered on the stack and
            // the map is made once, at its size. Grown by doubling and
            // shrunk, a million small maps each moved three or four times
            // and left the allocator holes of every size.
            let mut small: SmallVec<[(K, V); SMALL]> = SmallVec::new();
            while let Some(key) = access.next_key::<K>()? {
                if small.iter().any(|(seen, _)| *seen == key) {
                    return Err(repeated(&key));
                }
                let value = access.next_value::<V>()?;
                small.push((key, value));
                if small.len() == SMALL {
                    return large(small, access);
                }
            }
            let mut map =
                OrderedMap::with_capacity_and_hasher(small.len(), crate::MapHasher::default());
            map.extend(small);
            Ok(map)
        }
    }

    /// The rest of a map with more than [`SMALL`] entries, into the map
    /// itself: one hash per key both refuses a repeat and takes the value.
    fn large<'de, A, K, V>(
        small: SmallVec<[(K, V); SMALL]>,
        mut access: A,
    ) -> Result<OrderedMap<K, V>, A::Error>
    where
        A: MapAccess<'de>,
        K: Deserialize<'de> + Hash + Eq + fmt::Display,
        V: Deserialize<'de>,
    {
        let hint = access.size_hint().unwrap_or(0).clamp(4 * SMALL, 4096);
        let mut map = OrderedMap::with_capacity_and_hasher(hint, crate::MapHasher::default());
        map.extend(small);
        while let Some(key) = access.next_key::<K>()? {
            match map.entry(key) {
                indexmap::map::Entry::Occupied(repeated_key) => {
                    return Err(repeated(repeated_key.key()));
                }
                indexmap::map::Entry::Vacant(slot) => {
                    slot.insert(access.next_value::<V>()?);
                }
            }
        }
        map.shrink_to_fit();
        Ok(map)
    }

    fn repeated<E: serde::de::Error>(key: &impl fmt::Display) -> E {
        E::custom(format_args!(
            "duplicate key `{key}`; each name may appear once"
        ))
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

    /// A map as JSON text, its keys in order, each with its position as value
    /// (at most 255 keys).
    fn json(keys: &[String]) -> String {
        let entries: Vec<String> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{k:?}: {i}"))
            .collect();
        format!(r#"{{"map": {{{}}}}}"#, entries.join(", "))
    }

    proptest::proptest! {
        /// Small maps (gathered on the stack) and large ones (grown in
        /// place) keep every entry in order, and refuse the first repeat
        /// wherever it is.
        #[test]
        fn maps_of_any_size_keep_order_and_refuse_repeats(
            distinct in proptest::collection::hash_set("[a-z]{1,3}", 0..60),
            repeat in proptest::option::of((0..60usize, 0..61usize)),
        ) {
            // Distinct keys, and perhaps one of them again somewhere later.
            let mut keys: Vec<String> = distinct.into_iter().collect();
            let mut first_repeat = None;
            if let Some((which, at)) = repeat && !keys.is_empty() {
                let which = which % keys.len();
                let at = (which + 1).max(at % (keys.len() + 1));
                first_repeat = Some(keys[which].clone());
                keys.insert(at, keys[which].clone());
            }
            match (serde_json::from_str::<Holder>(&json(&keys)), first_repeat) {
                (Ok(h), None) => {
                    let got: Vec<&String> = h.map.keys().collect();
                    proptest::prop_assert_eq!(got, keys.iter().collect::<Vec<_>>());
                    let values: Vec<u8> = h.map.values().copied().collect();
                    let expected: Vec<u8> = (0..=u8::MAX).take(keys.len()).collect();
                    proptest::prop_assert_eq!(values, expected);
                    proptest::prop_assert_eq!(h.map.capacity(), h.map.len());
                }
                (Err(err), Some(repeat)) => {
                    let expected = format!("duplicate key `{repeat}`");
                    proptest::prop_assert!(err.to_string().contains(&expected), "{}", err);
                }
                (got, repeat) => proptest::prop_assert!(false, "{:?} for repeat {:?}", got, repeat),
            }
        }
    }
}
