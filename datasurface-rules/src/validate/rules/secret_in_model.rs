//! Diagnostic: secret-in-model
//!
//! Secrets never go in the model: it is read by every team and rendered into
//! artifacts. Platform parameters, platform hints and database options are
//! free-form, so their keys and values are checked for what looks like a
//! secret: a key named like a password, secret, token or key, or a value that
//! is a connection string with a password or a private key.

use serde_json::Value;

use super::prelude::*;
use datasurface_core::ContainerKind;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "secret-in-model",
        Severity::Error,
        "A platform parameter, hint or database option looks like a secret.",
        "Secret values never go in the model, which every team reads and which platforms render into artifacts. Name a credential instead (`credential: {name: <name>, type: USER_PASSWORD}` on a capture, or the platform's own credential parameters), and keep the value in the platform's secret store.",
    )
    .with_example(
        &[(
        "    kind: sqlite\n    version: ^0.1\n",
        "    kind: sqlite\n    version: ^0.1\n    parameters: {apiToken: s3cr3t}\n",
    )],
        "model.yaml:17:18: error[secret-in-model]: `apiToken` looks like a secret; secret values never go in the model
  at: /platforms/Batch/parameters/apiToken
  help: name a credential instead, and keep its value in the platform's secret store (in github:acme/ecosystem@main)",
    ),
    check,
};

/// Whether a key names a secret: password, secret, token, or a key.
fn secret_key(key: &str) -> bool {
    let folded: String = key
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    ["password", "passwd", "pwd", "secret", "token"]
        .iter()
        .any(|w| folded.contains(w))
        || folded.ends_with("key")
        || folded == "credentials"
}

/// Whether a value looks like a secret: a URL with a password in it, an
/// ODBC-style `password=`, or a private key.
fn secret_value(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    let url_password = lower.split("://").skip(1).any(|rest| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        authority
            .rsplit_once('@')
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    });
    url_password
        || lower.contains("password=")
        || lower.contains("pwd=")
        || lower.contains("private key-----")
}

/// Reports every secret-looking key or string value under `value`.
fn scan(value: &Value, path: &ModelPath, out: &mut Findings) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                visit(k, v, &path.key(k), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                scan(v, &path.index(i), out);
            }
        }
        Value::String(s) if secret_value(s) => report_value(path, out),
        _ => {}
    }
}

fn visit(key: &str, value: &Value, path: &ModelPath, out: &mut Findings) {
    let holds_value = !matches!(value, Value::Null | Value::Bool(_))
        && !matches!(value, Value::String(s) if s.is_empty());
    if secret_key(key) && holds_value && !matches!(value, Value::Object(_)) {
        out.report(
            path.clone(),
            format!("`{key}` looks like a secret; secret values never go in the model"),
            "name a credential instead, and keep its value in the platform's secret store",
        );
    } else {
        scan(value, path, out);
    }
}

fn report_value(path: &ModelPath, out: &mut Findings) {
    out.report(
        path.clone(),
        "the value holds a password or private key; secret values never go in the model".to_owned(),
        "name a credential instead, and keep its value in the platform's secret store",
    );
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (name, platform) in &cx.eco.platforms {
        let base = ModelPath::root().keys(["platforms", name.as_str()]);
        for (k, v) in &platform.parameters {
            visit(k, v, &base.keys(["parameters", k.as_str()]), out);
        }
        for (i, hint) in platform.hints.iter().enumerate() {
            for (k, v) in &hint.values {
                visit(
                    k,
                    v,
                    &base.key("hints").index(i).keys(["values", k.as_str()]),
                    out,
                );
            }
        }
    }
    for container in cx.index.containers.values().flatten() {
        if let ContainerKind::Database(db) = &container.item.kind {
            let base = container
                .path("containers")
                .keys(["kind", "database", "options"]);
            for (k, v) in &db.options {
                visit(k, &Value::String(v.clone()), &base.key(k), out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_looks_like_a_secret() {
        for key in [
            "password",
            "apiToken",
            "client_secret",
            "sshKey",
            "key",
            "DB_PWD",
        ] {
            assert!(secret_key(key), "{key}");
        }
        for key in [
            "schema",
            "mergeCredential",
            "keys",
            "keepHistory",
            "namespace",
        ] {
            assert!(!secret_key(key), "{key}");
        }
        assert!(secret_value("postgres://app:hunter2@db/x"));
        assert!(secret_value("Server=x;User=y;Password=z"));
        assert!(!secret_value("postgres://app@db/x"));
        assert!(!secret_value("https://example.com/a:b"));
    }
}
