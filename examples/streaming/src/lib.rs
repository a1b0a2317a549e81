//! A streaming data platform: each ingested dataset becomes a Kafka topic
//! (a Strimzi `KafkaTopic`), each store a Kafka Connect source connector
//! (JDBC or Debezium), each export a JDBC sink connector, and each SQL
//! transformer a Flink SQL job. It leans on the toolbox of
//! `datasurface-platform`: typed parameters, escaping, cron intervals,
//! claims with their model paths, the model's cached index.

use datasurface_platform::escape::{jdbc, sql::Dialect::FlinkSql, yaml};
use datasurface_platform::graph::{Node, NodeKind, PlatformGraph};
use datasurface_platform::model::container::Database;
use datasurface_platform::model::names::{ContainerName, CredentialName, DatasetName};
use datasurface_platform::model::names::{DatastoreName, WorkspaceName};
use datasurface_platform::model::validate::{CodeInfo, Diagnostic, Severity};
use datasurface_platform::model::{CaptureMethod, CodeArtifact, Dataset};
use datasurface_platform::model::{DataType, DatabaseEngine as Engine, Milestoning};
use datasurface_platform::model::{PlatformDeclaration, StepTrigger};
use datasurface_platform::{Artifact, ArtifactKey as Key, Capabilities, CaptureKind, Claimant};
use datasurface_platform::{CodeKind, ContainerCategory, DataPlatform, PhysicalNames};
use datasurface_platform::{PlatformError as Error, PlatformResources, RenderContext, Rendering};
use datasurface_platform::{TriggerKind, TypeKind, ingested_by, read_parameters, semver};
use serde_json::{Value, json};

/// The streaming platform, kind `streaming`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Streaming;

/// Its parameters: each bad one is reported at its path in the model.
#[derive(Debug, serde::Deserialize, datasurface_platform::schemars::JsonSchema)]
#[schemars(crate = "datasurface_platform::schemars")]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// The prefix of every topic and connector the platform makes.
    pub prefix: String,
    /// The platform's own credential, for the sink connectors' writes.
    pub sink_credential: CredentialName,
}

impl Default for Settings {
    fn default() -> Self {
        let sink_credential = "connect_sink".parse().unwrap_or_else(|_| unreachable!());
        let prefix = "ds.".into();
        Settings { prefix, sink_credential }
    }
}

/// The codes its lint reports besides the toolbox's: `datasurface explain` shows them.
pub const CODES: &[CodeInfo] = &[
    (
        "streaming-irregular-schedule",
        Severity::Error,
        "An ingestion's cron schedule does not fire at a fixed interval.",
        "Kafka Connect polls a database every `poll.interval.ms`: write a schedule with even gaps, such as `*/15 * * * *` or `0 3 * * *`.",
    ),
    (
        "streaming-unsupported-database",
        Severity::Error,
        "A container is a database this platform has no Kafka Connect connector for.",
        "The platform reads and writes PostgreSQL, MySQL, SQL Server and Oracle. Use one of them, or another platform.",
    ),
    (
        "streaming-query-not-one-select",
        Severity::Error,
        "A transformer's query is not one SELECT.",
        "Flink runs each query as `INSERT INTO <output> <query>`: write one `SELECT` (or `WITH … SELECT`), with no `;` and no `/*`.",
    ),
];

/// A database's JDBC URL (escaped by the toolbox) and its Debezium connector.
fn jdbc(db: &Database) -> Option<(String, String)> {
    let debezium = match db.engine {
        Engine::Postgres => "postgresql.PostgresConnector",
        Engine::Mysql => "mysql.MySqlConnector",
        Engine::SqlServer => "sqlserver.SqlServerConnector",
        Engine::Oracle => "oracle.OracleConnector",
        _ => return None,
    };
    Some((jdbc::url(db)?, format!("io.debezium.connector.{debezium}")))
}

fn flink_type(t: &DataType) -> String {
    match (t, t.kind()) {
        (DataType::Decimal(d), _) => format!("DECIMAL({}, {})", d.precision, d.scale),
        (_, TypeKind::Ieee64) => "DOUBLE".into(),
        (
            _,
            k @ (TypeKind::Boolean | TypeKind::SmallInt | TypeKind::Integer | TypeKind::BigInt),
        ) => k.name().to_uppercase(),
        (_, k @ (TypeKind::Date | TypeKind::Timestamp)) => k.name().to_uppercase(),
        _ => "STRING".into(),
    }
}

/// A topic: Kafka keeps `[A-Za-z0-9._-]`, the rest becomes `_` (lint claims them).
fn topic(s: &Settings, store: &DatastoreName, dataset: &DatasetName) -> String {
    let name = format!("{}{store}.{dataset}", s.prefix);
    let keep = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
    name.chars().map(|c| if keep(c) { c } else { '_' }).collect()
}

fn topic_key(store: &DatastoreName, dataset: &DatasetName) -> Key {
    Key::from_parts(&["topics", store.as_str(), dataset.as_str()], "yaml")
}

fn sink_key(container: &ContainerName, store: &DatastoreName, dataset: &DatasetName) -> Key {
    Key::from_parts(&["sinks", container.as_str(), store.as_str(), dataset.as_str()], "json")
}

fn flink_key(workspace: &WorkspaceName) -> Key {
    Key::from_parts(&["flink", workspace.as_str()], "sql")
}

/// A credential's key, read by Kafka Connect's `FileConfigProvider`: the secret stays in the file.
fn secret(credential: &CredentialName, key: &str) -> String {
    let file = Key::from_parts(&[credential.as_str()], "properties");
    format!("${{file:/etc/kafka/secrets/{file}:{key}}}")
}

/// A Kafka Connect connector, as its REST API takes it.
fn connector(name: String, config: Value) -> String {
    let value = json!({ "name": name, "config": config });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

impl DataPlatform for Streaming {
    fn kind(&self) -> &'static str {
        "streaming"
    }

    fn version(&self) -> semver::Version {
        semver::Version::new(0, 1, 0)
    }

    fn codes(&self) -> &'static [CodeInfo] {
        CODES
    }

    fn capabilities(&self) -> Capabilities {
        use {CaptureKind as C, TypeKind as T};
        Capabilities {
            capture_methods: vec![C::SqlSnapshot, C::SqlWatermark, C::Cdc, C::TransformerOutput],
            milestoning: vec![Milestoning::LiveOnly],
            container_kinds: vec![ContainerCategory::Database],
            data_types: [T::Boolean, T::SmallInt, T::Integer, T::BigInt, T::Decimal, T::Ieee64]
                .into_iter()
                .chain([T::Date, T::Timestamp, T::Char, T::VarChar, T::NVarChar, T::String])
                .collect(),
            triggers: vec![TriggerKind::Cron],
            code_kinds: vec![CodeKind::Sql],
            ..Capabilities::default()
        }
    }

    fn resources(&self, declaration: &PlatformDeclaration) -> PlatformResources {
        let own = read_parameters::<Settings>("", declaration).value.sink_credential;
        PlatformResources::new().credential(own, &["sinkCredential"])
    }

    fn lint(&self, graph: &PlatformGraph, cx: &RenderContext<'_>) -> Vec<Diagnostic> {
        let read = read_parameters::<Settings>(cx.platform.as_str(), cx.declaration);
        let (mut found, s, places) = (read.findings, read.value, cx.ecosystem.places());
        let mut names = PhysicalNames::new(cx.platform.as_str(), "keeps `[A-Za-z0-9._-]`");
        let mut bad = |code: usize, path, message: String| {
            found.push(Diagnostic::new(CODES[code].0, Severity::Error, path, message));
        };
        for node in graph.nodes() {
            let (owner, mut database) = (node.kind.clone(), None);
            match &node.kind {
                NodeKind::Ingest { datastore: store, .. } => {
                    for (dataset, _) in ingested_by(cx.ecosystem, &node.kind) {
                        let topic = topic(&s, store, dataset);
                        names.claim("a Kafka topic", topic, false, owner.clone());
                        names.claim_key(&topic_key(store, dataset), owner.clone());
                    }
                    let Some(ing) = cx.ingestion(store) else { continue };
                    let schedule = ing.trigger.as_ref().and_then(StepTrigger::schedule);
                    if schedule.is_some_and(|s| s.fixed_interval().is_none()) {
                        bad(0, places.datastore(store), "its schedule has uneven gaps".into());
                    }
                    database = Some(&ing.container);
                }
                NodeKind::Export { container, datastore, dataset } => {
                    names.claim_key(&sink_key(container, datastore, dataset), owner);
                    database = Some(container);
                }
                NodeKind::DataTransformer { workspace } => {
                    names.claim_key(&flink_key(workspace), owner);
                    let code = cx.transformer(workspace).map(|t| &t.code);
                    let Some(CodeArtifact::Sql(code)) = code else { continue };
                    for (dataset, query) in &code.queries {
                        let head = query.trim_start().get(..4).map(str::to_ascii_uppercase);
                        let select = matches!(head.as_deref(), Some("SELE" | "WITH"));
                        if !select || query.contains(';') || query.contains("/*") {
                            let message = format!("the query of `{dataset}` is not one SELECT");
                            bad(2, places.workspace(workspace), message);
                        }
                    }
                }
                _ => {}
            }
            let db = database.and_then(|c| Some((c, cx.database(c)?)));
            if let Some((name, db)) = db.filter(|(_, db)| jdbc(db).is_none()) {
                bad(1, places.container(name), format!("`{name}` is {:?}", db.engine));
            }
        }
        found.extend(names.into_diagnostics(|node| Claimant::for_node(cx.ecosystem, node)));
        found
    }

    fn render(&self, graph: &PlatformGraph, cx: &RenderContext<'_>) -> Result<Rendering, Error> {
        let s = read_parameters::<Settings>(cx.platform.as_str(), cx.declaration).value;
        let mut out = Rendering::default();
        for node in graph.nodes() {
            let at = Some(node.key.clone());
            match &node.kind {
                NodeKind::Ingest { datastore: store, .. } => {
                    let datasets = ingested_by(cx.ecosystem, &node.kind);
                    for &(name, ds) in &datasets {
                        let text = kafka_topic(&topic(&s, store, name), ds);
                        out.insert(
                            topic_key(store, name),
                            Artifact::new(at.clone(), text, vec![]),
                        )?;
                    }
                    source(&s, cx, node, &mut out)?;
                }
                NodeKind::Export { container, datastore, dataset } => {
                    let db = cx.database(container).and_then(jdbc);
                    let (url, _) = db.ok_or_else(|| cx.unsupported(container))?;
                    let config = json!({
                        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
                        "topics": topic(&s, datastore, dataset),
                        "connection.url": url,
                        "connection.user": secret(&s.sink_credential, "user"),
                        "connection.password": secret(&s.sink_credential, "password"),
                        "table.name.format": format!("{datastore}_{dataset}"),
                        "insert.mode": "upsert",
                        "pk.mode": "record_key",
                    });
                    let name = format!("{}sink.{container}.{datastore}.{dataset}", s.prefix);
                    let after = vec![topic_key(datastore, dataset)];
                    let artifact = Artifact::new(at, connector(name, config), after);
                    out.insert(sink_key(container, datastore, dataset), artifact)?;
                }
                NodeKind::DataTransformer { workspace } => {
                    if let Some((sql, after)) = flink_job(&s, cx, workspace)? {
                        out.insert(flink_key(workspace), Artifact::new(at, sql, after))?;
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

/// A dataset's topic, as a Strimzi `KafkaTopic`: its description is team text, escaped.
fn kafka_topic(topic: &str, dataset: &Dataset) -> String {
    let doc = dataset.documentation.as_ref().map_or("", |d| &d.description);
    let (name, doc) = (yaml::scalar(topic), yaml::scalar(doc));
    format!(
        "apiVersion: kafka.strimzi.io/v1beta2\nkind: KafkaTopic\nmetadata:\n  name: {name}\n  annotations:\n    datasurface.dev/description: {doc}\nspec:\n  partitions: 3\n"
    )
}

/// The connector that fills the topics of an `Ingest` node: JDBC polling or Debezium.
fn source(s: &Settings, cx: &RenderContext, node: &Node, out: &mut Rendering) -> Result<(), Error> {
    let NodeKind::Ingest { datastore: store, dataset: one, .. } = &node.kind else { return Ok(()) };
    let datasets: Vec<&DatasetName> =
        ingested_by(cx.ecosystem, &node.kind).into_iter().map(|d| d.0).collect();
    let Some(ing) = cx.ingestion(store) else { return Ok(()) }; // Flink writes the topics.
    let db = cx.database(&ing.container).and_then(jdbc);
    let (url, debezium) = db.ok_or_else(|| cx.unsupported(&ing.container))?;
    let tables: Vec<&str> = datasets.iter().map(|d| d.as_str()).collect();
    let mut config = json!({
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
        "connection.url": url,
        "topic.prefix": format!("{}{store}.", s.prefix),
        "table.whitelist": tables.join(","),
        "mode": "bulk",
    });
    match &ing.method {
        CaptureMethod::Cdc(_) => config["connector.class"] = debezium.into(),
        CaptureMethod::SqlWatermark(w) => {
            config["mode"] = "timestamp".into();
            config["timestamp.column.name"] = w.watermark_column.to_string().into();
        }
        _ => {}
    }
    let schedule = ing.trigger.as_ref().and_then(StepTrigger::schedule);
    if let Some(every) = schedule.and_then(|s| s.fixed_interval()) {
        config["poll.interval.ms"] = every.num_milliseconds().to_string().into();
    }
    if let Some(c) = &ing.credential {
        config["connection.user"] = secret(&c.name, "user").into();
        config["connection.password"] = secret(&c.name, "password").into();
    }
    let parts: Vec<&str> =
        [store.as_str()].into_iter().chain(one.iter().map(|d| d.as_str())).collect();
    let text = connector(format!("{}source.{}", s.prefix, parts.join(".")), config);
    let topics = datasets.iter().map(|d| topic_key(store, d)).collect();
    let key = Key::from_parts(&[&["sources"], &parts[..]].concat(), "json");
    out.insert(key, Artifact::new(Some(node.key.clone()), text, topics))?;
    Ok(())
}

type Job = Option<(String, Vec<Key>)>;

/// A SQL transformer's Flink job: a table on the topic of each dataset it
/// reads and writes, then an `INSERT` of each query; and the topics it needs.
fn flink_job(s: &Settings, cx: &RenderContext, ws: &WorkspaceName) -> Result<Job, Error> {
    let Some(t) = cx.transformer(ws) else { return Ok(None) };
    let CodeArtifact::Sql(code) = &t.code else { return Ok(None) };
    let queries = &code.queries;
    let groups = &cx.ecosystem.find_workspace(ws).ok_or_else(|| cx.unsupported(ws))?.dataset_groups;
    let inputs = groups.values().flat_map(|g| &g.sinks).map(|k| (&k.datastore, &k.dataset));
    let outputs = queries.keys().map(|d| (&t.output_datastore, d));
    let (mut sql, mut after) = (String::new(), Vec::new());
    for (store, dataset) in inputs.chain(outputs) {
        let found = cx.ecosystem.find_datastore(store).and_then(|st| st.datasets.get(dataset));
        let columns = found.ok_or_else(|| cx.unsupported(dataset))?.schema.columns.iter();
        let columns: Vec<String> = columns
            .map(|(n, c)| format!("  {} {}", FlinkSql.ident(n.as_str()), flink_type(&c.data_type)))
            .collect();
        sql += &format!(
            "CREATE TABLE {} (\n{}\n) WITH ('connector' = 'kafka', 'topic' = {}, 'format' = 'json');\n\n",
            FlinkSql.ident(&format!("{store}.{dataset}")),
            columns.join(",\n"),
            FlinkSql.literal(&topic(s, store, dataset))
        );
        after.push(topic_key(store, dataset));
    }
    for (dataset, query) in queries {
        let table = FlinkSql.ident(&format!("{}.{dataset}", t.output_datastore));
        sql += &format!("INSERT INTO {table}\n{query}\n;\n");
    }
    Ok(Some((sql, after)))
}
