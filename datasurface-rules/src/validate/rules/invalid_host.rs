//! Diagnostic: invalid-host
//!
//! Endpoints name hosts the way DNS and IP do.

use super::prelude::*;
use datasurface_core::ContainerKind;
use datasurface_core::container::HostPort;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-host",
        Severity::Error,
        "An endpoint's host is not a host name or an IP address.",
        "Write a host name such as `db.example.com` (labels of letters, digits, `-` and `_`), an IPv4 address or an IPv6 address.",
    )
    .with_example(
        &[(
        "kind: {database: {engine: POSTGRES, database: sales}}",
        "kind: {database: {engine: POSTGRES, database: sales, endpoint: {host: \"sales db\", port: 5432}}}",
    )],
        "model.yaml:32:77: error[invalid-host]: `sales db` is not a host name or IP address
  at: /zones/USA/teams/Sales/containers/Sales DB/kind/database/endpoint/host
  help: Write a host name such as `db.example.com` (labels of letters, digits, `-` and `_`), an IPv4 address or an IPv6 address. (in github:acme/sales@main)",
    ),
    check,
};

/// Whether a host is a host name, an IPv4 address or an IPv6 address.
pub(crate) fn is_host(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for container in cx.index.containers.values().flatten() {
        let base = container.path("containers").key("kind");
        let endpoints: Vec<(ModelPath, &HostPort)> = match &container.item.kind {
            ContainerKind::Database(db) => db
                .endpoint
                .iter()
                .map(|e| (base.keys(["database", "endpoint", "host"]), e))
                .collect(),
            ContainerKind::Kafka(k) => k
                .bootstrap_servers
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    (
                        base.keys(["kafka", "bootstrapServers"])
                            .index(i)
                            .key("host"),
                        e,
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        for (path, endpoint) in endpoints {
            if !is_host(&endpoint.host) {
                out.report(
                    path,
                    format!("`{}` is not a host name or IP address", endpoint.host),
                    RULE.info.explanation,
                );
            }
        }
    }
}
