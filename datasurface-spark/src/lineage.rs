//! Where a `spark` platform's datasets are, as OpenLineage names them.
//!
//! A job spec's lineage (rendered with it, see [`crate::spec`]) places each
//! dataset in the platform's terms: a source container, or the warehouse
//! ([`Place::Merge`]). [`Places`] turns those into OpenLineage's namespaces
//! and names, from the paths and URLs the spec holds:
//!
//! | what | namespace | name |
//! |---|---|---|
//! | a table or staged output in a local warehouse | `file://<host>` | its path |
//! | the same in an object store (`s3a://bucket/…`) | `s3://bucket` | the key |
//! | the same on HDFS (`hdfs://nn:8020/…`) | `hdfs://nn:8020` | its path |
//! | a consumer group's view in the Spark catalog | the warehouse's | `<database>.<view>` |
//! | a PostgreSQL source over JDBC | `postgres://host:port` | `database.schema.table` |
//! | a file drop | the folder's, as a warehouse path | the file's path |
//! | a mirrored store: the primary `spark` platform's table | its file system's | its path |
//! | a mirrored store: the primary `airflow` platform's merge table | `postgres://host:port` | `database.schema.table` |
//!
//! Views have no path: they are named as Hive names its tables, in the
//! namespace of the warehouse they read, where no path can look like them
//! (a path has a `/`, a catalog name never has).

use datasurface_runtime::lineage::{Namespaces, Place};

use crate::spec::SourceSpec;

/// A job's places: its source, the warehouse, and the machine it runs on
/// (for the namespace of local files, `file://<host>`).
#[derive(Debug, Clone, Copy)]
pub struct Places<'a> {
    source: Option<&'a SourceSpec>,
    warehouse: &'a str,
    host: &'a str,
}

impl<'a> Places<'a> {
    /// The places of a job that reads `source` (none for a transformer) on
    /// a platform whose warehouse is `warehouse`, run on machine `host`.
    pub fn new(source: Option<&'a SourceSpec>, warehouse: &'a str, host: &'a str) -> Self {
        Places {
            source,
            warehouse,
            host,
        }
    }
}

impl Namespaces for Places<'_> {
    fn locate(&self, place: &Place, table: &str) -> (String, String) {
        match (place, self.source) {
            (Place::Source(_), Some(SourceSpec::Jdbc { url, .. }))
            | (Place::Primary(_), Some(SourceSpec::AirflowPrimary { url, .. })) => {
                postgres(url, table)
            }
            (Place::Source(_), Some(SourceSpec::Files { folder, .. })) => storage(
                &format!("{}/{table}", folder.trim_end_matches('/')),
                self.host,
            ),
            (Place::Merge | Place::Primary(_), _) if table.contains('/') => {
                storage(table, self.host)
            }
            (Place::Merge, _) => (storage(self.warehouse, self.host).0, table.to_owned()),
            (other, _) => (
                format!("datasurface://{}", self.host),
                format!("{}/{table}", other.database()),
            ),
        }
    }
}

/// A file's namespace and name from its path or URL: a local path (or a
/// `file:` URL) is a file of this machine; an object store's URL is its
/// bucket and key (`s3a`, `s3n` and `s3` all name S3, as OpenLineage does);
/// any other file system is its scheme and authority, and the path.
pub fn storage(location: &str, host: &str) -> (String, String) {
    if let Some(path) = crate::config::local_path(location) {
        return (format!("file://{host}"), path.to_owned());
    }
    let Some((scheme, rest)) = location.split_once("://") else {
        return (format!("file://{host}"), location.to_owned());
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let scheme = scheme.to_ascii_lowercase();
    match scheme.as_str() {
        "s3" | "s3a" | "s3n" => (format!("s3://{authority}"), path.to_owned()),
        "gs" | "abfs" | "abfss" | "wasb" | "wasbs" => {
            (format!("{scheme}://{authority}"), path.to_owned())
        }
        _ => (format!("{scheme}://{authority}"), format!("/{path}")),
    }
}

/// A PostgreSQL table read over JDBC: `postgres://host:port` and
/// `database.schema.table` (`public` when the capture names no schema).
fn postgres(url: &str, table: &str) -> (String, String) {
    let rest = url
        .strip_prefix("jdbc:postgresql://")
        .unwrap_or(url)
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
    // The URL's path is the database's name percent-encoded
    // (`escape::jdbc`); lineage names it as it is.
    let database = percent_encoding::percent_decode_str(database).decode_utf8_lossy();
    // An IPv6 host is bracketed: its port, if any, follows the `]`.
    let has_port = match authority.rsplit_once(']') {
        Some((_, after)) => after.starts_with(':'),
        None => authority.contains(':'),
    };
    let authority = if has_port {
        authority.to_owned()
    } else {
        format!("{authority}:5432")
    };
    let name = if table.contains('.') {
        format!("{database}.{table}")
    } else {
        format!("{database}.public.{table}")
    };
    (format!("postgres://{authority}"), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warehouse_paths_are_named_by_their_file_system() {
        let host = "worker-1";
        assert_eq!(
            storage("/data/wh/Orders/tables/items", host),
            (
                "file://worker-1".to_owned(),
                "/data/wh/Orders/tables/items".to_owned()
            )
        );
        assert_eq!(
            storage("file:///data/wh/x", host),
            ("file://worker-1".to_owned(), "/data/wh/x".to_owned())
        );
        assert_eq!(
            storage("s3a://lake/wh/Orders/tables/items", host),
            ("s3://lake".to_owned(), "wh/Orders/tables/items".to_owned())
        );
        assert_eq!(
            storage("abfss://c@acct.dfs.core.windows.net/wh/x", host),
            (
                "abfss://c@acct.dfs.core.windows.net".to_owned(),
                "wh/x".to_owned()
            )
        );
        assert_eq!(
            storage("hdfs://nn:8020/wh/x", host),
            ("hdfs://nn:8020".to_owned(), "/wh/x".to_owned())
        );
    }

    #[test]
    fn sources_views_and_tables_are_placed() {
        let jdbc = SourceSpec::Jdbc {
            container: "NW".to_owned(),
            url: "jdbc:postgresql://db.example:5433/northwind?sslmode=require".to_owned(),
            driver: "org.postgresql.Driver".to_owned(),
            user_variable: None,
            password_variable: None,
        };
        let places = Places::new(Some(&jdbc), "s3a://lake/wh", "w1");
        assert_eq!(
            places.locate(&Place::source("NW"), "customers"),
            (
                "postgres://db.example:5433".to_owned(),
                "northwind.public.customers".to_owned()
            )
        );
        assert_eq!(
            places.locate(&Place::source("NW"), "sales.orders"),
            (
                "postgres://db.example:5433".to_owned(),
                "northwind.sales.orders".to_owned()
            )
        );
        assert_eq!(
            places.locate(&Place::Merge, "ws_consumer.live_nw_customers"),
            (
                "s3://lake".to_owned(),
                "ws_consumer.live_nw_customers".to_owned()
            )
        );
        assert_eq!(
            places.locate(&Place::Merge, "s3a://lake/wh/NW/tables/customers"),
            ("s3://lake".to_owned(), "wh/NW/tables/customers".to_owned())
        );
        let csv = SourceSpec::Files {
            container: "Drops".to_owned(),
            folder: "/srv/drops/".to_owned(),
            format: datasurface_core::capture::FileFormat::Csv,
        };
        let places = Places::new(Some(&csv), "/srv/wh", "w1");
        assert_eq!(
            places.locate(&Place::source("Drops"), "items.csv"),
            ("file://w1".to_owned(), "/srv/drops/items.csv".to_owned())
        );
        let default_port = SourceSpec::Jdbc {
            container: "NW".to_owned(),
            url: "jdbc:postgresql://[::1]/nw".to_owned(),
            driver: String::new(),
            user_variable: None,
            password_variable: None,
        };
        assert_eq!(
            Places::new(Some(&default_port), "/wh", "w1")
                .locate(&Place::source("NW"), "t")
                .0,
            "postgres://[::1]:5432"
        );
        // A database's name as it is, not as the URL encodes it.
        let encoded = SourceSpec::Jdbc {
            container: "NW".to_owned(),
            url: "jdbc:postgresql://h:5432/north%20wind".to_owned(),
            driver: String::new(),
            user_variable: None,
            password_variable: None,
        };
        assert_eq!(
            Places::new(Some(&encoded), "/wh", "w1")
                .locate(&Place::source("NW"), "t")
                .1,
            "north wind.public.t"
        );
        // A mirror of an `airflow` primary reads its merge tables, named as
        // that platform's own lineage names them.
        let primary = SourceSpec::AirflowPrimary {
            platform: "Central".to_owned(),
            url: "jdbc:postgresql://merge.internal:5432/lake".to_owned(),
            driver: String::new(),
            user_variable: String::new(),
            password_variable: String::new(),
            last_batch: String::new(),
        };
        assert_eq!(
            Places::new(Some(&primary), "/wh", "w1").locate(
                &Place::Primary("Central".to_owned()),
                "shop.shop_items_merge"
            ),
            (
                "postgres://merge.internal:5432".to_owned(),
                "lake.shop.shop_items_merge".to_owned()
            )
        );
    }
}
