//! Physical names: PostgreSQL identifiers, Airflow DAG ids, Kubernetes names.

use datasurface_platform::content_hash;

/// PostgreSQL's limit on identifier length, in bytes.
pub const MAX_IDENTIFIER: usize = 63;

/// A lower-case PostgreSQL identifier from name parts joined by `_`: anything
/// but ASCII letters and digits becomes `_`; a name longer than 63 bytes keeps
/// its first 54 and ends with 8 hex digits of its hash, so names stay unique.
pub fn ident(parts: &[&str]) -> String {
    let len = parts.iter().map(|p| p.len() + 1).sum::<usize>();
    let mut name = String::with_capacity(len + 1);
    push_ident(&mut name, parts);
    name
}

/// [`ident`], written at the end of `out`.
fn push_ident(out: &mut String, parts: &[&str]) {
    let start = out.len();
    for (n, part) in parts.iter().enumerate() {
        if n > 0 {
            out.push('_');
        }
        out.extend(part.chars().map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        }));
    }
    if out.as_bytes().get(start).is_none_or(u8::is_ascii_digit) {
        out.insert(start, '_');
    }
    // Every character written is ASCII, so any length is a character boundary.
    if out.len() - start > MAX_IDENTIFIER {
        let hash = content_hash(&parts.join("_"));
        out.truncate(start + 54);
        out.push('_');
        out.push_str(&hash[..8]);
    }
}

/// The URI of an Airflow asset of the platform: `datasurface://` and the
/// platform's schema, then each part as an [`ident`], joined by `/`.
pub fn asset_uri(schema: &str, parts: &[&str]) -> String {
    let len = parts.iter().map(|p| p.len() + 2).sum::<usize>();
    let mut uri = String::with_capacity("datasurface://".len() + schema.len() + len);
    uri.push_str("datasurface://");
    uri.push_str(schema);
    for part in parts {
        uri.push('/');
        push_ident(&mut uri, &[part]);
    }
    uri
}

/// A quoted identifier, `"name"`.
pub fn quoted(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    push_quoted(&mut out, name);
    out
}

/// A schema-qualified, quoted name.
pub fn qualified(schema: &str, name: &str) -> String {
    let mut out = String::with_capacity(schema.len() + name.len() + 5);
    push_quoted(&mut out, schema);
    out.push('.');
    push_quoted(&mut out, name);
    out
}

/// Writes `names` quoted and separated by `, `.
pub fn push_quoted_list<'a>(out: &mut String, names: impl Iterator<Item = &'a str>) {
    for (n, name) in names.enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        push_quoted(out, name);
    }
}

/// Writes `name` quoted, its own quotes doubled.
pub fn push_quoted(out: &mut String, name: &str) {
    out.push('"');
    for (n, piece) in name.split('"').enumerate() {
        if n > 0 {
            out.push_str("\"\"");
        }
        out.push_str(piece);
    }
    out.push('"');
}

/// An Airflow DAG id: `[A-Za-z0-9_.-]`, at most 250 characters.
pub fn dag_id(parts: &[&str]) -> String {
    let joined = parts.join("__");
    let mut id: String = joined
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if id.len() > 250 {
        let hash = content_hash(&joined);
        id.truncate(240);
        id.push('_');
        id.push_str(&hash[..8]);
    }
    id
}

/// A Kubernetes object name: lower-case letters, digits and `-`, at most 63 characters.
pub fn k8s_name(parts: &[&str]) -> String {
    let joined = parts.join("-");
    let mut name = String::new();
    for c in joined.chars() {
        let c = if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '-'
        };
        if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
            name.push(c);
        }
    }
    while name.ends_with('-') {
        name.pop();
    }
    if name.len() > 63 {
        let hash = content_hash(&joined);
        name.truncate(54);
        while name.ends_with('-') {
            name.pop();
        }
        name.push('-');
        name.push_str(&hash[..8]);
    }
    if name.is_empty() {
        name.push('x');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `ident` as it was written before it could write into a string.
    fn ident_as_it_was(parts: &[&str]) -> String {
        let mut name: String = parts
            .join("_")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        if name.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() {
            name.insert(0, '_');
        }
        if name.len() > MAX_IDENTIFIER {
            let hash = content_hash(&parts.join("_"));
            name.truncate(54);
            name.push('_');
            name.push_str(&hash[..8]);
        }
        name
    }

    proptest! {
        #[test]
        fn identifiers_and_asset_uris_are_what_they_were(
            parts in prop::collection::vec("[a-zA-Z0-9_ .é-]{0,40}", 1..4),
            schema in "[a-z_]{1,12}",
        ) {
            let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
            prop_assert_eq!(ident(&parts), ident_as_it_was(&parts));
            let each: Vec<String> = parts.iter().map(|p| ident_as_it_was(&[p])).collect();
            prop_assert_eq!(
                asset_uri(&schema, &parts),
                format!("datasurface://{schema}/{}", each.join("/"))
            );
        }
    }

    #[test]
    fn identifiers_are_lower_case_safe_and_short() {
        assert_eq!(ident(&["Azure Platform"]), "azure_platform");
        assert_eq!(ident(&["NW_Data", "customers"]), "nw_data_customers");
        assert_eq!(ident(&["1st"]), "_1st");
        let long = ident(&[&"x".repeat(100)]);
        assert_eq!(long.len(), 63);
        assert_ne!(long, ident(&[&"x".repeat(101)]));
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
        assert_eq!(qualified("s", "a\"b\""), "\"s\".\"a\"\"b\"\"\"");
    }

    #[test]
    fn other_names() {
        assert_eq!(
            dag_id(&["Azure Platform", "ingest", "NW_Data"]),
            "azure_platform__ingest__nw_data"
        );
        assert_eq!(
            k8s_name(&["Azure Platform", "NW_Data"]),
            "azure-platform-nw-data"
        );
        assert_eq!(k8s_name(&["--"]), "x");
        assert!(k8s_name(&[&"a".repeat(80)]).len() <= 63);
    }
}
