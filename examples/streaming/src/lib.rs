//! A streaming data platform: each ingested dataset becomes a Kafka topic
//! (a Strimzi `KafkaTopic`) filled by a Kafka Connect JDBC source
//! connector, each export a JDBC sink connector, and each SQL
//! transformer a Flink SQL job. It leans on the toolbox of
//! `datasurface-platform`: typed parameters, escaping, cron intervals,
//! claims with their model paths, the model's cached index.

use datasurface_platform::escape::sql::Dialect::{self, FlinkSql};
use datasurface_platform::escape::{jdbc, yaml};
use datasurface_platform::graph::{Node, NodeKind, PlatformGraph};
use datasurface_platform::model::container::Database;
use datasurface_platform::model::names::{ContainerName, CredentialName, DatasetName};
use datasurface_platform::model::names::{DatastoreName, WorkspaceName};
use datasurface_platform::model::{CaptureMethod, CodeArtifact, Dataset};
use datasurface_platform::model::{DataType, DatabaseEngine as Engine, Milestoning};
use datasurface_platform::model::{PlatformDeclaration, StepTrigger};
use datasurface_platform::rules::validate::{CodeInfo, Diagnostic, Severity};
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
    CodeInfo::new(
        "streaming-irregular-schedule",
        Severity::Error,
        "An ingestion's cron schedule does not fire at a fixed interval.",
        "Kafka Connect polls a database every `poll.interval.ms`: write a schedule with even gaps, such as `*/15 * * * *` or `0 3 * * *`.",
    )
    .with_example(&[(r#"{cron: "*/15 * * * *"}"#, r#"{cron: "0 9,17 * * *"}"#)], "model.yaml:35:11: error[streaming-irregular-schedule]: its schedule has uneven gaps\n  at: /zones/USA/teams/Sales/datastores/Orders\n  help: the change belongs in github:acme/sales@main"),
    CodeInfo::new(
        "streaming-unsupported-database",
        Severity::Error,
        "A container is a database this platform has no Kafka Connect connector for.",
        "The platform reads and writes PostgreSQL, MySQL, SQL Server and Oracle. Use one of them, or another platform.",
    )
    .with_example(&[("{engine: POSTGRES, database: sales}", "{engine: DB2, database: sales}")], "model.yaml:31:11: error[streaming-unsupported-database]: `Sales DB` is Db2\n  at: /zones/USA/teams/Sales/containers/Sales DB\n  help: the change belongs in github:acme/sales@main"),
    CodeInfo::new(
        "streaming-query-not-one-select",
        Severity::Error,
        "A transformer's query is not one SELECT.",
        "Flink runs each query as `INSERT INTO <output> <query>`: write one `SELECT` (or `WITH … SELECT`), with no `;` and no `/*`.",
    )
    .with_example(&[("GROUP BY customer_id", "GROUP BY customer_id; DELETE FROM orders")], "model.yaml:78:11: error[streaming-query-not-one-select]: the query of `totals` is not one SELECT\n  at: /zones/USA/teams/Reporting/workspaces/Totals\n  help: the change belongs in github:acme/reporting@main"),
];

/// A database's JDBC URL (escaped by the toolbox) and SQL dialect, where the platform has a driver.
fn jdbc(db: &Database) -> Option<(String, Dialect)> {
    let dialect = match db.engine {
        Engine::Postgres => Dialect::Postgres,
        Engine::Mysql => Dialect::MySql,
        Engine::SqlServer => Dialect::SqlServer,
        Engine::Oracle => Dialect::Ansi,
        _ => return None,
    };
    Some((jdbc::url(db)?, dialect))
}

/// The Flink SQL type of each kind of column the platform carries.
fn flink(kind: TypeKind) -> Option<&'static str> {
    use TypeKind as T;
    Some(match kind {
        T::Boolean => "BOOLEAN",
        T::SmallInt => "SMALLINT",
        T::Integer => "INT",
        T::BigInt => "BIGINT",
        T::Decimal => "DECIMAL",
        T::Ieee64 => "DOUBLE",
        T::Date => "DATE",
        T::Timestamp => "TIMESTAMP(6)",
        T::Char | T::NChar | T::VarChar | T::NVarChar | T::String => "STRING",
        _ => return None,
    })
}

fn flink_type(t: &DataType) -> String {
    match t {
        DataType::Decimal(d) => format!("DECIMAL({}, {})", d.precision, d.scale),
        _ => flink(t.kind()).unwrap_or("STRING").to_owned(),
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
    // `Value`'s alternate `Display` is its pretty form, and cannot fail.
    format!("{:#}\n", json!({ "name": name, "config": config }))
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
        use CaptureKind as C;
        Capabilities::new()
            .with_capture_methods([C::SqlSnapshot, C::SqlWatermark, C::TransformerOutput])
            .with_milestoning([Milestoning::LiveOnly])
            .with_container_kinds([ContainerCategory::Database])
            .with_data_types(TypeKind::ALL.iter().copied().filter(|k| flink(*k).is_some()))
            .with_triggers([TriggerKind::Cron])
            .with_code_kinds([CodeKind::Sql])
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
            found.push(CODES[code].at(path, message));
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
                    let job = format!("a table of Flink job `{workspace}`");
                    for (store, dataset) in job_tables(cx, workspace) {
                        let table = format!("{store}_{dataset}");
                        let (datastore, dataset) = (store.clone(), Some(dataset.clone()));
                        let input = NodeKind::Ingest { datastore, dataset, from_platform: None };
                        names.claim(&job, table, false, input);
                    }
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
                        let artifact = Artifact::new(at.clone(), text, vec![]);
                        out.insert(topic_key(store, name), artifact)?;
                    }
                    sources(&s, cx, node, &mut out)?;
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

/// A JDBC source connector for each dataset of an `Ingest` node: a query of
/// its table (quoted in the database's dialect), published to its topic.
fn sources(
    s: &Settings,
    cx: &RenderContext,
    node: &Node,
    out: &mut Rendering,
) -> Result<(), Error> {
    let NodeKind::Ingest { datastore: store, .. } = &node.kind else { return Ok(()) };
    let Some(ing) = cx.ingestion(store) else { return Ok(()) }; // Flink writes the topics.
    let db = cx.database(&ing.container).and_then(jdbc);
    let (url, dialect) = db.ok_or_else(|| cx.unsupported(&ing.container))?;
    let (mode, tables, column) = match &ing.method {
        CaptureMethod::SqlSnapshot(m) => ("bulk", &m.tables, None),
        CaptureMethod::SqlWatermark(m) => ("timestamp", &m.tables, Some(&m.watermark_column)),
        _ => return Err(cx.unsupported("a capture other than a SQL snapshot or watermark")),
    };
    let schedule = ing.trigger.as_ref().and_then(StepTrigger::schedule);
    for (dataset, _) in ingested_by(cx.ecosystem, &node.kind) {
        let table = tables.get(dataset).map_or(dataset.as_str(), String::as_str);
        let table: Vec<&str> = table.split('.').collect();
        let mut config = json!({
            "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
            "connection.url": url,
            "mode": mode,
            "query": format!("SELECT * FROM {}", dialect.qualified(&table)),
            "topic.prefix": topic(s, store, dataset), // A query's whole topic.
        });
        if let Some(column) = column {
            config["timestamp.column.name"] = column.to_string().into();
        }
        if let Some(every) = schedule.and_then(|s| s.fixed_interval()) {
            config["poll.interval.ms"] = every.num_milliseconds().to_string().into();
        }
        if let Some(c) = &ing.credential {
            config["connection.user"] = secret(&c.name, "user").into();
            config["connection.password"] = secret(&c.name, "password").into();
        }
        let name = format!("{}source.{store}.{dataset}", s.prefix);
        let key = Key::from_parts(&["sources", store.as_str(), dataset.as_str()], "json");
        let after = vec![topic_key(store, dataset)];
        out.insert(key, Artifact::new(Some(node.key.clone()), connector(name, config), after))?;
    }
    Ok(())
}

type Job = Option<(String, Vec<Key>)>;

/// A SQL transformer's Flink job: a table on the topic of each dataset it
/// reads and writes, then an `INSERT` of each query; and the topics it needs.
fn flink_job(s: &Settings, cx: &RenderContext, ws: &WorkspaceName) -> Result<Job, Error> {
    let Some(t) = cx.transformer(ws) else { return Ok(None) };
    let CodeArtifact::Sql(code) = &t.code else { return Ok(None) };
    let (mut sql, mut after) = (String::new(), Vec::new());
    for (store, dataset) in job_tables(cx, ws) {
        let found = cx.ecosystem.find_datastore(store).and_then(|st| st.datasets.get(dataset));
        let columns = found.ok_or_else(|| cx.unsupported(dataset))?.schema.columns.iter();
        let columns: Vec<String> = columns
            .map(|(n, c)| format!("  {} {}", FlinkSql.ident(n.as_str()), flink_type(&c.data_type)))
            .collect();
        sql += &format!(
            "CREATE TABLE {} (\n{}\n) WITH ('connector' = 'kafka', 'topic' = {}, 'format' = 'json');\n\n",
            FlinkSql.ident(&format!("{store}_{dataset}")),
            columns.join(",\n"),
            FlinkSql.literal(&topic(s, store, dataset))
        );
        after.push(topic_key(store, dataset));
    }
    for (dataset, query) in code.sorted_queries() {
        let table = FlinkSql.ident(&format!("{}_{dataset}", t.output_datastore));
        sql += &format!("INSERT INTO {table}\n{query}\n;\n");
    }
    Ok(Some((sql, after)))
}

/// The tables of a SQL transformer's job, named as its queries name them
/// (`<store>_<dataset>`): each dataset it reads, then each it writes, each
/// side sorted and once.
fn job_tables<'a>(
    cx: &RenderContext<'a>,
    ws: &WorkspaceName,
) -> Vec<(&'a DatastoreName, &'a DatasetName)> {
    let (Some(w), Some(t)) = (cx.ecosystem.find_workspace(ws), cx.transformer(ws)) else {
        return Vec::new();
    };
    let CodeArtifact::Sql(code) = &t.code else { return Vec::new() };
    let mut inputs: Vec<_> = w
        .dataset_groups
        .values()
        .flat_map(|g| &g.sinks)
        .map(|k| (&k.datastore, &k.dataset))
        .collect();
    inputs.sort();
    inputs.dedup();
    inputs.extend(code.sorted_queries().into_iter().map(|(d, _)| (&t.output_datastore, d)));
    inputs
}
