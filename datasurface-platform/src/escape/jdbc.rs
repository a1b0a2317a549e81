//! JDBC: connection URLs for the JVM tools a platform drives (Kafka
//! Connect, Flink, Spark, Debezium).
//!
//! A database name or host in a URL is team text. Written as it is, it can
//! add properties to the URL (`shop?socketFactory=…` for the PostgreSQL
//! driver, `shop;integratedSecurity=true` for SQL Server), and a property
//! can make the driver load a class or read a file. So the database name is
//! percent-encoded (or braced, for SQL Server), and a host is accepted only
//! as a host name or IP address.

use datasurface_core::DatabaseEngine;
use datasurface_core::container::Database;

/// The JDBC URL of a database: `None` for an engine with no JDBC driver
/// here, or a host that is not a host name, IPv4 or bracketed IPv6 address.
/// With no endpoint, the engine's driver connects to `localhost` on its
/// default port.
///
/// ```
/// use datasurface_platform::escape::jdbc;
/// use datasurface_core::container::Database;
///
/// let db: Database = serde_json::from_value(serde_json::json!({
///     "engine": "POSTGRES", "database": "shop?socketFactory=x",
///     "endpoint": {"host": "db.internal", "port": 5432}
/// }))?;
/// assert_eq!(jdbc::url(&db).as_deref(), Some("jdbc:postgresql://db.internal:5432/shop%3FsocketFactory%3Dx"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn url(db: &Database) -> Option<String> {
    let (scheme, port) = match db.engine {
        DatabaseEngine::Postgres => ("postgresql://", 5432),
        DatabaseEngine::Mysql => ("mysql://", 3306),
        DatabaseEngine::SqlServer => ("sqlserver://", 1433),
        DatabaseEngine::Oracle => ("oracle:thin:@//", 1521),
        DatabaseEngine::Db2 => ("db2://", 50000),
        _ => return None,
    };
    let (host, port) = match &db.endpoint {
        Some(at) if is_host(&at.host) => (at.host.as_str(), at.port),
        Some(_) => return None,
        None => ("localhost", port),
    };
    Some(match db.engine {
        DatabaseEngine::SqlServer => {
            let name = db.database.replace('}', "}}");
            format!("jdbc:sqlserver://{host}:{port};databaseName={{{name}}}")
        }
        _ => format!("jdbc:{scheme}{host}:{port}/{}", percent(&db.database)),
    })
}

/// The JDBC URL of a PostgreSQL database at `host`:`port`, for a database a
/// platform's parameters name rather than a container (another platform's
/// merge database): `None` when `host` is not a host name, IPv4 or
/// bracketed IPv6 address (a socket directory, say, which JDBC cannot reach).
///
/// ```
/// use datasurface_platform::escape::jdbc;
///
/// assert_eq!(
///     jdbc::postgres("merge.internal", 5432, "lake&x").as_deref(),
///     Some("jdbc:postgresql://merge.internal:5432/lake%26x")
/// );
/// assert_eq!(jdbc::postgres("/var/run/postgresql", 5432, "lake"), None);
/// ```
pub fn postgres(host: &str, port: u16, database: &str) -> Option<String> {
    is_host(host).then(|| format!("jdbc:postgresql://{host}:{port}/{}", percent(database)))
}

/// A host name, an IPv4 address, or an IPv6 address in brackets.
fn is_host(host: &str) -> bool {
    let name = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
        && !host.starts_with(['-', '.']);
    let ipv6 = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<std::net::Ipv6Addr>().ok())
        .is_some();
    name || ipv6
}

/// Every byte but the URL's unreserved characters as `%XX`.
fn percent(text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn db(engine: &str, database: &str, host: &str) -> Database {
        serde_json::from_value(serde_json::json!({
            "engine": engine, "database": database, "endpoint": {"host": host, "port": 1}
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn names_cannot_add_properties() {
        let u = |e, d, h| url(&db(e, d, h));
        assert_eq!(
            u("SQL_SERVER", "a};x=1", "h").as_deref(),
            Some("jdbc:sqlserver://h:1;databaseName={a}};x=1}")
        );
        assert_eq!(
            u("MYSQL", "a/b&c", "h").as_deref(),
            Some("jdbc:mysql://h:1/a%2Fb%26c")
        );
        assert_eq!(
            u("POSTGRES", "a", "[::1]").as_deref(),
            Some("jdbc:postgresql://[::1]:1/a")
        );
        assert_eq!(u("POSTGRES", "a", "evil/x?y=").as_deref(), None);
        assert_eq!(u("SQLITE", "a", "h").as_deref(), None);
        // A database a platform names, not a container, is written alike.
        assert_eq!(
            postgres("h", 1, "a/b?c").as_deref(),
            u("POSTGRES", "a/b?c", "h").as_deref()
        );
        assert_eq!(postgres("evil/x?y=", 1, "a"), None);
    }

    proptest! {
        #[test]
        fn a_database_name_stays_one_path_segment(name in any::<String>()) {
            let got = url(&db("POSTGRES", &name, "h")).unwrap_or_default();
            let segment = got.strip_prefix("jdbc:postgresql://h:1/");
            prop_assert!(segment.is_some(), "{}", got);
            let segment = segment.unwrap_or_default();
            prop_assert!(segment.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        }
    }
}
