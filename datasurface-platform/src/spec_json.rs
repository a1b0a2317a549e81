//! Spec JSON: how platforms write a JSON artifact. Pretty, byte for byte
//! what `serde_json::to_string_pretty` writes (two-space indents) plus a
//! final newline, with each indent written at once rather than one level at
//! a time: a large model's specs are hundreds of megabytes.

use std::io;

use serde::Serialize;
use serde_json::ser::Formatter;

/// `value` as pretty JSON with a final newline: the text of a spec artifact.
///
/// # Errors
///
/// When `value` does not serialize as JSON (a map with keys that are not
/// strings, a failing `Serialize`): the artifact is refused, never empty.
///
/// ```
/// let text = datasurface_platform::to_spec_json(&serde_json::json!({"a": [1]})).unwrap();
/// assert_eq!(text, "{\n  \"a\": [\n    1\n  ]\n}\n");
/// ```
pub fn to_spec_json(value: &impl Serialize) -> Result<String, serde_json::Error> {
    let mut bytes = Vec::with_capacity(4096);
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, Pretty::default());
    value.serialize(&mut serializer)?;
    bytes.push(b'\n');
    // serde_json writes UTF-8 only; a lossy read keeps that without a panic.
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// `serde_json`'s `PrettyFormatter` with a two-space indent, writing a whole
/// indent in one call.
#[derive(Default)]
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    fn indent<W: ?Sized + io::Write>(&self, writer: &mut W) -> io::Result<()> {
        const SPACES: &[u8; 64] =
            b"                                                                ";
        let mut left = self.depth * 2;
        while left > 0 {
            let n = left.min(SPACES.len());
            writer.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + io::Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth = self.depth.saturating_sub(1);
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + io::Write>(&self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            ".{0,8}".prop_map(Value::from),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{0,4}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A value that cannot be JSON is refused, not written as an empty artifact.
    #[test]
    fn a_value_that_is_not_json_is_refused() {
        let keyed_by_pairs: std::collections::BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into();
        assert!(super::to_spec_json(&keyed_by_pairs).is_err());
    }

    #[test]
    fn empty_and_deep_values_match_serde_json() {
        let deep = (0..40).fold(json!("x"), |v, _| json!({ "k": [v, {}, []] }));
        for value in [json!({}), json!([]), json!({"a": {}, "b": []}), deep] {
            let expected = serde_json::to_string_pretty(&value).unwrap() + "\n";
            assert_eq!(super::to_spec_json(&value).unwrap(), expected);
        }
    }

    proptest! {
        #[test]
        fn output_is_serde_jsons_pretty_output(value in json_value()) {
            let expected = serde_json::to_string_pretty(&value).unwrap() + "\n";
            prop_assert_eq!(super::to_spec_json(&value).unwrap(), expected);
        }
    }
}
