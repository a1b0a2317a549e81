//! Secrets in URLs and connection strings, kept out of everything printed
//! or logged: the one redaction every output path uses.
//!
//! A URL's user-info (`https://user:pw@host/`) becomes `***@`, and the
//! value of any `key=value` pair whose key looks like it holds a secret
//! (`password=`, `token=`, `api_key=`, `sig=` …, in a query string or a
//! libpq connection string alike) becomes `***`. The rest of the text is
//! kept, so a message still says which endpoint or database it is about.

use std::borrow::Cow;

/// What a secret is written as.
pub const HIDDEN: &str = "***";

/// The parts of a key, lower-cased, that mark its value as a secret.
const SECRET_KEYS: [&str; 11] = [
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "key",
    "sig",
    "auth",
    "credential",
    "session",
    "cookie",
];

/// Whether a `key=value` pair's value is a secret, by its key.
fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    SECRET_KEYS.iter().any(|s| key.contains(s))
}

fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

/// Where a value that starts at `from` ends: at a separator, or for a
/// quoted value at its closing quote.
fn value_end(text: &str, from: usize) -> usize {
    let rest = &text[from..];
    if let Some(quote) = rest.chars().next().filter(|c| matches!(c, '\'' | '"')) {
        return rest[1..]
            .find(quote)
            .map_or(text.len(), |at| from + 1 + at + 1);
    }
    rest.find(|c: char| {
        c.is_whitespace() || matches!(c, '&' | ';' | ',' | '#' | '"' | '\'' | ')' | '>')
    })
    .map_or(text.len(), |at| from + at)
}

/// Where a URL's authority that starts at `from` ends.
fn authority_end(text: &str, from: usize) -> usize {
    text[from..]
        .find(|c: char| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '"' | '\'' | '<' | '>'))
        .map_or(text.len(), |at| from + at)
}

/// `text` with every secret a URL or connection string in it holds
/// written as [`HIDDEN`] (module docs); borrowed when it holds none.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = String::new();
    // The end of what was copied to `out` (or looked at, while unchanged).
    let mut copied = 0;
    let mut i = 0;
    let mut changed = false;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with("://") {
            let start = i + 3;
            let end = authority_end(text, start);
            if let Some(at) = text[start..end].rfind('@') {
                out.push_str(&text[copied..start]);
                out.push_str(HIDDEN);
                copied = start + at;
                changed = true;
            }
            i = end;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        let starts_key = key_char(c) && !text[..i].chars().next_back().is_some_and(key_char);
        if starts_key {
            let key_end = rest
                .find(|c: char| !key_char(c))
                .map_or(text.len(), |at| i + at);
            if text[key_end..].starts_with('=') && secret_key(&text[i..key_end]) {
                let from = key_end + 1;
                let end = value_end(text, from);
                if end > from {
                    out.push_str(&text[copied..from]);
                    out.push_str(HIDDEN);
                    copied = end;
                    changed = true;
                }
                i = end.max(from);
                continue;
            }
            i = key_end;
            continue;
        }
        i += c.len_utf8();
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn user_info_and_secret_values_are_hidden() {
        let cases = [
            (
                "could not send to http://user:pw@host:8080/api/v1/lineage: refused",
                "could not send to http://***@host:8080/api/v1/lineage: refused",
            ),
            (
                "https://host/x?namespace=prod&api_key=abc123&sig=zz#frag",
                "https://host/x?namespace=prod&api_key=***&sig=***#frag",
            ),
            (
                "host=db port=5432 user=merge password='s3 cr3t' dbname=nw",
                "host=db port=5432 user=merge password=*** dbname=nw",
            ),
            (
                "postgresql://merge:hunter2@db/nw?sslmode=require&password=x",
                "postgresql://***@db/nw?sslmode=require&password=***",
            ),
            (
                "nothing secret at http://host/a@b",
                "nothing secret at http://host/a@b",
            ),
            ("keyed=ok monkey=1", "keyed=*** monkey=***"),
        ];
        for (given, shown) in cases {
            assert_eq!(redact(given), shown, "{given}");
        }
        assert!(matches!(redact("plain text, no url"), Cow::Borrowed(_)));
    }

    proptest! {
        /// Whatever URL is generated, its password and its secret query
        /// values never survive, and its host and path do.
        #[test]
        fn no_generated_secret_survives(
            scheme in "(https?|postgres(ql)?|kafka)",
            user in "[a-z][a-z0-9._-]{0,8}",
            password in "[A-Za-z0-9!$%*+~-]{6,16}",
            host in "[a-z][a-z0-9-]{0,10}(\\.[a-z]{2,5}){0,2}",
            port in proptest::option::of(1u16..),
            path in "(/[a-z0-9._-]{1,8}){0,3}",
            key in "(token|api_key|apiKey|access_token|password|X-Amz-Signature|sig|client_secret)",
            token in "[A-Za-z0-9_-]{8,24}",
            before in "[a-z ]{0,10}",
            after in "[a-z :]{0,10}",
        ) {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let url = format!("{scheme}://{user}:{password}@{host}{port}{path}?ns=a&{key}={token}");
            let text = format!("{before}{url}{after}");
            let shown = redact(&text);
            prop_assert!(!shown.contains(&format!(":{password}@")), "{}", shown);
            prop_assert!(!shown.contains(&format!("{key}={token}")), "{}", shown);
            let kept = format!("{host}{port}{path}");
            prop_assert!(shown.contains(&kept), "{}", shown);
            // Redacting again changes nothing.
            let again = redact(&shown).into_owned();
            prop_assert_eq!(again.as_str(), shown.as_ref());
        }
    }
}
