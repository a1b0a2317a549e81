//! A scan of rendered text for secret values: credentials must appear by name only.

/// Lines of `text` that look like they hold a secret value, with why: a private
/// key, a URL with a password, an AWS access key id, or a password, token or API
/// key assigned a literal value (templated and referenced values are fine).
pub fn find_secrets(text: &str) -> Vec<(usize, &'static str)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(why) = secret_in_line(line) {
            found.push((n + 1, why));
        }
    }
    found
}

fn secret_in_line(line: &str) -> Option<&'static str> {
    if line.contains("-----BEGIN") && line.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    if url_with_password(line) {
        return Some("a URL with a password");
    }
    if aws_access_key(line) {
        return Some("an AWS access key id");
    }
    if literal_secret_assignment(line) {
        return Some("a password, token or API key with a literal value");
    }
    None
}

fn url_with_password(line: &str) -> bool {
    line.match_indices("://").any(|(at, _)| {
        let rest = &line[at + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '/' | '`'))
            .unwrap_or(rest.len());
        let authority = &rest[..end];
        authority.rfind('@').is_some_and(|a| {
            let userinfo = &authority[..a];
            userinfo
                .split_once(':')
                .is_some_and(|(_, password)| !password.is_empty() && !is_reference(password))
        })
    })
}

fn aws_access_key(line: &str) -> bool {
    line.match_indices("AKIA").any(|(at, _)| {
        let key: Vec<char> = line[at + 4..].chars().take(17).collect();
        key.len() >= 16
            && key[..16]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && key.get(16).is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

const SECRET_KEYS: [&str; 7] = [
    "password",
    "passwd",
    "pwd",
    "secret_key",
    "api_key",
    "apikey",
    "token",
];

fn literal_secret_assignment(line: &str) -> bool {
    let lower = line.to_ascii_lowercase();
    for key in SECRET_KEYS {
        for (at, _) in lower.match_indices(key) {
            let after = &line[at + key.len()..];
            // The key must end here: `password_secret_name` is a name, not a password.
            let after = after.trim_start_matches(['"', '\'']);
            let Some(value) = after
                .trim_start()
                .strip_prefix([':', '='])
                .map(str::trim_start)
            else {
                continue;
            };
            let Some(quote) = value.chars().next().filter(|c| matches!(c, '"' | '\'')) else {
                continue;
            };
            let inner = &value[1..];
            let literal = inner.split(quote).next().unwrap_or_default();
            if !literal.is_empty() && !is_reference(literal) {
                return true;
            }
        }
    }
    false
}

/// Whether a value refers to a secret instead of holding it.
fn is_reference(value: &str) -> bool {
    value.contains("{{")
        || value.contains("${")
        || value.starts_with('$')
        || value.starts_with('<')
        || value.starts_with('%')
        || value.chars().all(|c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_found_and_names_are_not() {
        let text = "\
url = postgresql://app:hunter2@db:5432/x
ok = postgresql://app@db:5432/x
templated = postgresql://app:${PGPASSWORD}@db/x
PGPASSWORD=\"hunter2\"
password: '{{ secret }}'
mergeCredential: nw_reader
password_secret_name: \"nw_reader\"
key = AKIAABCDEFGHIJKLMNOP
-----BEGIN RSA PRIVATE KEY-----
env={\"token\": \"abc\"}
";
        let found: Vec<usize> = find_secrets(text).into_iter().map(|(n, _)| n).collect();
        assert_eq!(found, [1, 4, 8, 9, 10]);
    }
}
