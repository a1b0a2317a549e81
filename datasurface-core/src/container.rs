//! Data containers: the databases, object stores and lakehouses that hold data.

use crate::OrderedMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Documentation;
use crate::grant::Grantee;
use crate::names::CredentialName;
use crate::vendor::LocationRef;

/// A data container: where a producer's data is read from, where a platform
/// keeps data, or where a consumer's workspace receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DataContainer {
    /// What kind of container it is, with the settings of that kind.
    pub kind: ContainerKind,
    /// Where it runs. Zone location and vendor policies test these.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<LocationRef>,
    /// Whether data may only be read from it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    /// Encryption of data at rest on the server side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_side_encryption: Option<Encryption>,
    /// Encryption applied by clients before the data reaches the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_side_encryption: Option<Encryption>,
    /// The other teams (or zones) that may name it: read from it, or
    /// receive data in it. Only its own team may otherwise (docs/security.md).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grantee>,
    /// What the container is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
}

impl DataContainer {
    /// A container of a kind with no locations and no encryption.
    pub fn new(kind: ContainerKind) -> Self {
        DataContainer {
            kind,
            locations: Vec::new(),
            read_only: false,
            server_side_encryption: None,
            client_side_encryption: None,
            grants: Vec::new(),
            documentation: None,
        }
    }
}

/// The kinds of data container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub enum ContainerKind {
    /// A SQL database.
    Database(Database),
    /// An object store bucket, or a folder of files.
    ObjectStorage(ObjectStorage),
    /// A lakehouse of open table formats.
    Lakehouse(Lakehouse),
    /// A Kafka cluster, for streaming capture.
    Kafka(KafkaCluster),
    /// A container that the data platform chooses and manages itself.
    PlatformManaged,
}

impl ContainerKind {
    /// The kind as a sentence names it: "a database", "object storage" …
    pub fn described(&self) -> &'static str {
        match self {
            ContainerKind::Database(_) => "a database",
            ContainerKind::ObjectStorage(_) => "object storage",
            ContainerKind::Lakehouse(_) => "a lakehouse",
            ContainerKind::Kafka(_) => "a Kafka cluster",
            ContainerKind::PlatformManaged => "platform-managed",
        }
    }

    /// The database, when the container is one.
    pub fn database(&self) -> Option<&Database> {
        match self {
            ContainerKind::Database(db) => Some(db),
            _ => None,
        }
    }
}

/// The database engines a [`Database`] container can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs, reason = "the variants are the engines' names")]
pub enum DatabaseEngine {
    Postgres,
    Mysql,
    Oracle,
    SqlServer,
    Db2,
    Snowflake,
    Sqlite,
    Databricks,
    /// Any other engine reached through a generic driver.
    Other,
}

impl DatabaseEngine {
    /// The longest identifier the engine accepts, used when platforms name tables.
    pub fn identifier_length_limit(self) -> u16 {
        match self {
            DatabaseEngine::Postgres => 63,
            DatabaseEngine::Mysql => 64,
            DatabaseEngine::Oracle | DatabaseEngine::SqlServer | DatabaseEngine::Db2 => 128,
            DatabaseEngine::Snowflake | DatabaseEngine::Databricks | DatabaseEngine::Other => 255,
            DatabaseEngine::Sqlite => 1024,
        }
    }
}

/// A SQL database container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Database {
    /// The engine.
    pub engine: DatabaseEngine,
    /// The database's name on its server (for `SQLite`, its file, relative to the platform's state).
    #[schemars(extend("x-resource" = "database"))]
    pub database: String,
    /// Where the server listens; none for embedded engines and platform-resolved endpoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<HostPort>,
    /// Engine-specific settings, such as a Snowflake `account`, `warehouse` and `role`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::unique_keys",
        skip_serializing_if = "crate::OrderedMap::is_empty"
    )]
    pub options: OrderedMap<String, String>,
}

/// A host name or IP address and a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HostPort {
    /// Host name, IPv4 or IPv6 address.
    #[schemars(extend("x-resource" = "host"))]
    pub host: String,
    /// TCP port.
    pub port: u16,
}

/// An object-storage container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectStorage {
    /// The service endpoint; none for the vendor's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resource" = "url"))]
    pub endpoint: Option<String>,
    /// The bucket (or top folder).
    #[schemars(extend("x-resource" = "bucket"))]
    pub bucket: String,
    /// A prefix inside the bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// The open table formats of a lakehouse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs, reason = "the variants are the formats' names")]
pub enum TableFormat {
    Iceberg,
    Delta,
    Hudi,
}

/// A lakehouse container: tables in an open format over object storage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lakehouse {
    /// The table format.
    pub format: TableFormat,
    /// The catalog that names the tables, such as a Glue or Unity catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resource" = "catalog"))]
    pub catalog: Option<String>,
    /// Where the table files live.
    pub storage: ObjectStorage,
}

/// A Kafka cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KafkaCluster {
    /// The bootstrap servers.
    pub bootstrap_servers: Vec<HostPort>,
    /// The consumer group to read as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    /// The credential holding the CA certificate bundle, if TLS needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<CredentialName>,
}

/// How data in a container is encrypted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Encryption {
    /// The encryption system's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where the keys are kept, such as a key vault's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-resource" = "key"))]
    pub key_container: Option<String>,
    /// Whether a third party can read the data as a super user.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub has_third_party_super_user: bool,
}
