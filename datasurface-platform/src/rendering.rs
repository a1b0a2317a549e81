//! Renderings: what a platform makes of its graph, as artifacts keyed by identity.

use std::collections::BTreeMap;
use std::fmt;

use datasurface_graph::{NodeKey, PlatformGraph};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An artifact's identity in a rendering: a relative path such as
/// `ingest/NW_Data.sql`, derived from node keys so that it is stable across renders.
/// Read from a saved rendering's index, a key is checked like [`ArtifactKey::new`],
/// so no index can name a path outside its rendering.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ArtifactKey(String);

impl TryFrom<String> for ArtifactKey {
    type Error = ArtifactKeyError;

    fn try_from(key: String) -> Result<Self, ArtifactKeyError> {
        ArtifactKey::new(key)
    }
}

impl From<ArtifactKey> for String {
    fn from(key: ArtifactKey) -> String {
        key.0
    }
}

/// Why an artifact key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid artifact key `{0}`: use a relative path of `/`-separated parts, without `.`, `..`, empty parts or `\\`"
)]
pub struct ArtifactKeyError(pub String);

impl ArtifactKey {
    /// Checks and wraps a key. Keys are relative paths, so renders can be saved as files.
    pub fn new(key: impl Into<String>) -> Result<Self, ArtifactKeyError> {
        let key = key.into();
        let ok = !key.is_empty()
            && !key.contains('\\')
            && key.chars().all(|c| !c.is_control())
            && key
                .split('/')
                .all(|part| !part.is_empty() && part != "." && part != "..");
        if ok {
            Ok(ArtifactKey(key))
        } else {
            Err(ArtifactKeyError(key))
        }
    }

    /// A key made from a node key: its parts made safe for file names, then an extension.
    pub fn for_node(node: &NodeKey, extension: &str) -> Self {
        let parts: Vec<&str> = node.as_str().split('/').collect();
        Self::from_parts(&parts, extension)
    }

    /// A key made from path parts, each made safe for file names, then an
    /// extension: distinct parts always make distinct keys.
    ///
    /// Each part becomes one path segment. ASCII letters, digits, `-`, `_`
    /// and `.` stay as they are, a space becomes `+`, and every other byte
    /// of the part's UTF-8 becomes `~` and two upper-case hex digits (`+` is
    /// `~2B`, `~` is `~7E`);
    /// a part that is empty, `.` or `..` is written wholly escaped (`~`,
    /// `~2E`, `~2E~2E`). The escape can be undone, so the encoding is
    /// injective: `Mart A` and `Mart_A` stay two keys. A segment longer than
    /// 120 bytes keeps its start and ends with `~~` and 16 hex digits of the
    /// part's SHA-256 (`~~` never appears in an escape), so keys are file
    /// paths on every file system.
    ///
    /// ```
    /// use datasurface_platform::ArtifactKey;
    ///
    /// let a = ArtifactKey::from_parts(&["sinks", "Mart A"], "json");
    /// let b = ArtifactKey::from_parts(&["sinks", "Mart_A"], "json");
    /// assert_eq!(a.as_str(), "sinks/Mart+A.json");
    /// assert_eq!(b.as_str(), "sinks/Mart_A.json");
    /// ```
    pub fn from_parts(parts: &[&str], extension: &str) -> Self {
        let mut key = String::with_capacity(
            parts.iter().map(|p| p.len() + 2).sum::<usize>() + extension.len(),
        );
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                key.push('/');
            }
            let segment = escape_segment(part);
            // A file name stays well under the 255 bytes file systems allow:
            // a long segment keeps its start and ends with its hash.
            if segment.len() > MAX_SEGMENT {
                key.push_str(&segment[..MAX_SEGMENT - 18]);
                key.push_str("~~");
                key.push_str(&content_hash(part)[..16]);
            } else {
                key.push_str(&segment);
            }
        }
        key.push('.');
        key.push_str(extension);
        ArtifactKey(key)
    }

    /// The parts [`from_parts`](Self::from_parts) made this key from, and
    /// its extension, when none of its segments was shortened; `None` for
    /// a key it did not make.
    pub fn parts(&self) -> Option<(Vec<String>, &str)> {
        let (path, extension) = self.0.rsplit_once('.')?;
        let parts = path
            .split('/')
            .map(unescape_segment)
            .collect::<Option<Vec<_>>>()?;
        Some((parts, extension))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest segment of an artifact key, in bytes.
const MAX_SEGMENT: usize = 120;

/// A part as one segment of a key: a space as `+`, bytes other than ASCII
/// letters, digits, `-`, `_` and `.` as `~XX`; an empty part, `.` and `..`
/// wholly escaped.
fn escape_segment(part: &str) -> String {
    use fmt::Write as _;
    let whole = part.is_empty() || part == "." || part == "..";
    if part.is_empty() {
        return "~".to_owned();
    }
    let mut segment = String::with_capacity(part.len() + 4);
    for byte in part.bytes() {
        if !whole && (byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.')) {
            segment.push(char::from(byte));
        } else if !whole && byte == b' ' {
            segment.push('+');
        } else {
            let _ = write!(segment, "~{byte:02X}");
        }
    }
    segment
}

/// The part a segment was made from; `None` if it is not an escape's
/// result (a shortened segment, a stray `~`).
fn unescape_segment(segment: &str) -> Option<String> {
    if segment == "~" {
        return Some(String::new());
    }
    let mut bytes = Vec::with_capacity(segment.len());
    let mut rest = segment.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        if first == b'~' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            if hex.bytes().any(|b| b.is_ascii_lowercase()) {
                return None;
            }
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else if first.is_ascii_alphanumeric() || matches!(first, b'-' | b'_' | b'.') {
            bytes.push(first);
            rest = tail;
        } else if first == b'+' {
            bytes.push(b' ');
            rest = tail;
        } else {
            return None;
        }
    }
    let part = String::from_utf8(bytes).ok()?;
    // `.` and `..` are only ever written wholly escaped.
    if (part == "." || part == "..") && !segment.starts_with('~') {
        return None;
    }
    Some(part)
}

impl fmt::Display for ArtifactKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One rendered artifact: a DAG file, a DDL script, a job spec …
///
/// Most artifacts realise one graph node ([`Artifact::node`]). A
/// *platform-level* artifact realises none: a provider block, a shared
/// schema, an index of the others. Such artifacts are allowed; their keys
/// come from the platform's own structure (a constant such as
/// `terraform/providers.tf.json`, or parts of its parameters), never from
/// the order of the model, and the same contract holds for them: rendered
/// deterministically, listing in `depends_on` what must exist first, and
/// planned by [`diff`](crate::DataPlatform::diff) like any other. Plans show
/// them with `no node`; findings about a team's element cannot point at
/// them, so they must not carry what a team owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Artifact {
    /// The graph node it realises; `None` for a platform-level artifact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeKey>,
    /// Its content.
    pub content: String,
    /// The SHA-256 of its content, in hex.
    pub hash: String,
    /// The artifacts that must exist before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<ArtifactKey>,
}

impl Artifact {
    /// An artifact with its content's hash computed.
    pub fn new(
        node: Option<NodeKey>,
        content: impl Into<String>,
        mut depends_on: Vec<ArtifactKey>,
    ) -> Self {
        let mut content = content.into();
        // A rendering holds every artifact at once: the slack of the
        // string it was built in would be a third of its memory.
        content.shrink_to_fit();
        depends_on.sort();
        depends_on.dedup();
        Artifact {
            node,
            hash: content_hash(&content),
            content,
            depends_on,
        }
    }
}

/// The SHA-256 of a text, in lower-case hex.
pub fn content_hash(content: &str) -> String {
    sha256_hex(content.as_bytes())
}

/// The SHA-256 of any bytes, in lower-case hex, as `sha256sum` prints it:
/// how artifacts are hashed and how the model pins a hook's module.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Bytes in lower-case hexadecimal, two digits each: how digests (and the
/// `airflow` runner's one-run passwords) are written.
pub fn to_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    out
}

/// The artifacts of a node's nearest upstream nodes that have one in
/// `artifacts`, looking through nodes that render none (such as triggers):
/// what a node's artifact must come after.
pub fn artifacts_upstream(
    graph: &PlatformGraph,
    node: &NodeKey,
    artifacts: &BTreeMap<NodeKey, ArtifactKey>,
) -> Vec<ArtifactKey> {
    graph
        .nearest_upstream(node, |k| artifacts.contains_key(k))
        .into_iter()
        .filter_map(|k| artifacts.get(k).cloned())
        .collect()
}

/// What a platform made of its graph: every artifact, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendering {
    /// The artifacts, sorted by key.
    pub artifacts: BTreeMap<ArtifactKey, Artifact>,
}

/// Two artifacts of one rendering with one key: the second would have
/// replaced the first without a word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "two artifacts have the key `{key}`: the first from {first}, the second from {second}; keys must be distinct: make each key from what identifies its node (`ArtifactKey::from_parts` keeps distinct parts distinct), or refuse such names in `lint` (`PhysicalNames`)"
)]
pub struct DuplicateArtifact {
    /// The key both have.
    pub key: ArtifactKey,
    /// The node the first came from, or `no node`.
    pub first: String,
    /// The node the second came from, or `no node`.
    pub second: String,
}

impl Rendering {
    /// Adds an artifact under a key no other artifact has; a key already
    /// there is an error naming both artifacts' nodes, and the first stays.
    /// [`Rendering::replace`] replaces on purpose.
    pub fn insert(
        &mut self,
        key: ArtifactKey,
        artifact: Artifact,
    ) -> Result<(), DuplicateArtifact> {
        match self.artifacts.entry(key) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(artifact);
                Ok(())
            }
            std::collections::btree_map::Entry::Occupied(there) => {
                let of = |a: &Artifact| {
                    a.node
                        .as_ref()
                        .map_or_else(|| "no node".to_owned(), |n| format!("node `{n}`"))
                };
                Err(DuplicateArtifact {
                    key: there.key().clone(),
                    first: of(there.get()),
                    second: of(&artifact),
                })
            }
        }
    }

    /// Adds an artifact, replacing any with the same key (returned).
    pub fn replace(&mut self, key: ArtifactKey, artifact: Artifact) -> Option<Artifact> {
        self.artifacts.insert(key, artifact)
    }

    /// How many artifacts.
    pub fn len(&self) -> usize {
        self.artifacts.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.artifacts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_make_short_distinct_segments() {
        let long = "x".repeat(255);
        let other = format!("{}y", "x".repeat(254));
        let a = ArtifactKey::from_parts(&["sql", &long], "sql");
        let b = ArtifactKey::from_parts(&["sql", &other], "sql");
        assert_ne!(a, b);
        assert!(a.as_str().split('/').all(|s| s.len() <= 124), "{a}");
    }

    #[test]
    fn keys_are_safe_relative_paths() {
        assert!(ArtifactKey::new("ingest/NW_Data.sql").is_ok());
        for bad in ["", "/abs", "a//b", "../up", "a/./b", "a\\b"] {
            assert!(ArtifactKey::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_second_artifact_under_one_key_is_an_error_not_a_loss() {
        // A platform that makes keys its own way (here: spaces as `_`) can
        // still make one key twice: the second must not replace the first.
        let mut r = Rendering::default();
        let key = |name: &str| {
            ArtifactKey::new(format!("sinks/{}.json", name.replace(' ', "_"))).unwrap()
        };
        assert_ne!(
            ArtifactKey::from_parts(&["sinks", "Mart A"], "json"),
            ArtifactKey::from_parts(&["sinks", "Mart_A"], "json")
        );
        let node = |n: &str| Some(serde_json::from_value::<NodeKey>(serde_json::json!(n)).unwrap());
        r.insert(
            key("Mart A"),
            Artifact::new(node("export/Mart A"), "a", Vec::new()),
        )
        .unwrap();
        let e = r
            .insert(
                key("Mart_A"),
                Artifact::new(node("export/Mart_A"), "b", Vec::new()),
            )
            .unwrap_err();
        assert_eq!(e.first, "node `export/Mart A`");
        assert_eq!(e.second, "node `export/Mart_A`");
        assert!(e.to_string().contains("`sinks/Mart_A.json`"), "{e}");
        assert_eq!(r.artifacts[&key("Mart A")].content, "a");
        // Replacing on purpose says so.
        assert!(
            r.replace(key("Mart A"), Artifact::new(None, "c", Vec::new()))
                .is_some()
        );
    }

    #[test]
    fn keys_from_parts_are_made_safe() {
        let key =
            ArtifactKey::from_parts(&["merge", "Zone 1/a", "", ".", "..", "ds.v2", "é"], "json");
        assert_eq!(
            key.as_str(),
            "merge/Zone+1~2Fa/~/~2E/~2E~2E/ds.v2/~C3~A9.json"
        );
        assert!(ArtifactKey::new(key.as_str()).is_ok());
        let (parts, extension) = key.parts().unwrap();
        assert_eq!(parts, ["merge", "Zone 1/a", "", ".", "..", "ds.v2", "é"]);
        assert_eq!(extension, "json");
    }

    #[test]
    fn a_shortened_segment_never_meets_a_written_one() {
        let long = "x".repeat(300);
        let key = ArtifactKey::from_parts(&[&long], "sql");
        let segment = key.as_str().trim_end_matches(".sql");
        assert!(segment.contains("~~"), "{segment}");
        assert_eq!(segment.len(), MAX_SEGMENT);
        // The same text, written as a part, escapes its `~`.
        assert_ne!(ArtifactKey::from_parts(&[segment], "sql"), key);
        assert!(key.parts().is_none());
    }

    proptest::proptest! {
        /// Distinct parts make distinct keys, and every key is a safe
        /// relative path: a rendering never loses an artifact to its key.
        #[test]
        fn keys_from_parts_are_injective_and_safe(
            a in proptest::collection::vec(".{0,12}", 1..4),
            b in proptest::collection::vec(".{0,12}", 1..4),
        ) {
            let key = |parts: &[String]| {
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                ArtifactKey::from_parts(&parts, "json")
            };
            let (ka, kb) = (key(&a), key(&b));
            proptest::prop_assert_eq!(a == b, ka == kb, "{} {}", ka, kb);
            proptest::prop_assert!(ArtifactKey::new(ka.as_str()).is_ok());
            let (parts, _) = ka.parts().unwrap();
            proptest::prop_assert_eq!(parts, a);
        }

        /// Names that meet after any one character replacement stay apart.
        #[test]
        fn names_that_differ_by_one_character_make_two_keys(
            name in "[A-Za-z]{1,8}",
            at in 0usize..8,
            with in proptest::char::any(),
        ) {
            let at = at % name.len();
            let mut other: Vec<char> = name.chars().collect();
            proptest::prop_assume!(other[at] != with);
            other[at] = with;
            let other: String = other.into_iter().collect();
            proptest::prop_assert_ne!(
                ArtifactKey::from_parts(&["x", &name], "json"),
                ArtifactKey::from_parts(&["x", &other], "json")
            );
        }
    }

    #[test]
    fn hashes_are_sha256() {
        assert_eq!(
            content_hash(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let a = Artifact::new(
            None,
            "x",
            vec![
                ArtifactKey::new("b").unwrap(),
                ArtifactKey::new("a").unwrap(),
                ArtifactKey::new("a").unwrap(),
            ],
        );
        assert_eq!(a.depends_on.len(), 2);
        assert_eq!(a.depends_on[0].as_str(), "a");
    }
}
