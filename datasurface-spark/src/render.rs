//! From an intention graph to job specs, catalog views and the driver.

use std::fmt::Write as _;

use datasurface_core::capture::IngestionConsistency;
use datasurface_core::names::{
    ColumnName, DatasetGroupName, DatasetName, DatastoreName, WorkspaceName,
};
use datasurface_core::{
    CaptureMetadata, CaptureMethod, ContainerKind, DatabaseEngine, Dataset, Datastore, Milestoning,
    Workspace,
};
use datasurface_platform::escape::jdbc;
use datasurface_platform::escape::sql::Dialect::{Postgres, SparkSql};
use datasurface_platform::graph::{NodeKind, PlatformGraph};
use datasurface_platform::{
    Artifact, ArtifactKey, ArtifactSink, Kept, PlatformError, RenderContext, kept_history,
};
use datasurface_rules::validate::ModelIndex;
use datasurface_runtime::credential_variable;
use datasurface_runtime::hook::{HookJob, Subject};
use datasurface_runtime::lineage::{JobLineage, LineageModel, Place, Readers};

use datasurface_airflow::dags::Schedule;
use datasurface_airflow::factory::{ChunkDag, ChunkManifest};

use crate::config::SparkConfig;
use crate::dags::{self, SparkDag};
use crate::layout::{self, HISTORY_PARTITION, LIVE_PARTITION};
use crate::names;
use crate::primaries::PrimaryRead;
use crate::spec::{
    ColumnSpec, DatasetSpec, HookSpec, HookStream, IngestSpec, InputSpec, OutputSpec, SPEC_VERSION,
    SourceSpec, TransformSpec,
};
use crate::types::spark_type;

/// The key of the driver program every job runs.
pub const DRIVER: &str = "spark/driver.py";

/// The driver program: one fixed `PySpark` application that runs a job spec.
pub const DRIVER_PROGRAM: &str = include_str!("driver.py");

/// The JDBC driver class of PostgreSQL sources.
const POSTGRES_DRIVER: &str = "org.postgresql.Driver";

/// The key of a stream's job spec.
pub fn ingest_key(store: &str, dataset: Option<&str>) -> ArtifactKey {
    let mut parts = vec!["jobs", "ingest", store];
    parts.extend(dataset);
    ArtifactKey::from_parts(&parts, "json")
}

/// The key of a transformer's job spec.
pub fn transform_key(workspace: &str) -> ArtifactKey {
    ArtifactKey::from_parts(&["jobs", "transformer", workspace], "json")
}

/// The key of a dataset group's views.
pub fn views_key(workspace: &str, group: &str) -> ArtifactKey {
    ArtifactKey::from_parts(&["views", workspace, group], "sql")
}

/// Everything one render needs.
pub(crate) struct Renderer<'a> {
    pub(crate) config: SparkConfig,
    pub(crate) version: semver::Version,
    pub(crate) graph: &'a PlatformGraph,
    pub(crate) context: &'a RenderContext<'a>,
}

impl Renderer<'_> {
    fn platform(&self) -> &str {
        self.context.platform.as_str()
    }

    fn missing(&self, what: &str, name: &str) -> PlatformError {
        PlatformError::Other {
            platform: self.platform().to_owned(),
            source: format!("the graph names {what} `{name}`, which the model lacks").into(),
        }
    }

    /// The datastore the graph names.
    fn store<'m>(
        &self,
        index: &ModelIndex<'m>,
        name: &DatastoreName,
    ) -> Result<&'m Datastore, PlatformError> {
        index
            .datastore(name)
            .map(|p| p.item)
            .ok_or_else(|| self.missing("datastore", name.as_str()))
    }

    /// The workspace the graph names.
    fn workspace<'m>(
        &self,
        index: &ModelIndex<'m>,
        name: &WorkspaceName,
    ) -> Result<&'m Workspace, PlatformError> {
        index
            .workspace(name)
            .map(|p| p.item)
            .ok_or_else(|| self.missing("workspace", name.as_str()))
    }

    /// The team that owns a workspace the graph names.
    fn team_of(
        &self,
        index: &ModelIndex<'_>,
        name: &WorkspaceName,
    ) -> Result<String, PlatformError> {
        index
            .workspace(name)
            .map(|p| p.team.to_string())
            .ok_or_else(|| self.missing("workspace", name.as_str()))
    }

    /// A dataset of a store the graph names.
    fn dataset<'m>(
        &self,
        store: &'m Datastore,
        name: &DatasetName,
    ) -> Result<&'m Dataset, PlatformError> {
        store
            .datasets
            .get(name)
            .ok_or_else(|| self.missing("dataset", name.as_str()))
    }

    fn json(&self, spec: &impl serde::Serialize) -> Result<String, PlatformError> {
        datasurface_platform::to_spec_json(spec).map_err(|e| PlatformError::Other {
            platform: self.platform().to_owned(),
            source: Box::new(e),
        })
    }

    /// A dataset's stream key (the datastore, or `store#dataset`).
    fn stream_of(store: &Datastore, s: &str, d: &str) -> String {
        let single = store.capture.consistency() == IngestionConsistency::SingleDataset;
        names::stream(s, single.then_some(d))
    }

    /// A dataset's stream directory and table directory.
    fn table_of(&self, store: &Datastore, s: &str, d: &str) -> (String, String) {
        let root = layout::stream_dir(&self.config.warehouse, &Self::stream_of(store, s, d));
        let table = layout::table_dir(&root, d);
        (root, table)
    }

    /// A transformer's job: its inputs, its queries, where it stages.
    fn transform(
        &self,
        index: &ModelIndex<'_>,
        workspace: &WorkspaceName,
        lineage: &LineageModel<'_>,
    ) -> Result<TransformSpec, PlatformError> {
        let ws = self.workspace(index, workspace)?;
        let transformer = ws
            .transformer
            .as_ref()
            .ok_or_else(|| self.missing("transformer", workspace.as_str()))?;
        let mut sinks: Vec<_> = ws
            .sinks()
            .map(|(_, s)| (&s.datastore, &s.dataset))
            .collect();
        sinks.sort();
        sinks.dedup();
        let mut inputs = Vec::new();
        let mut heard = std::collections::BTreeMap::new();
        let read: Vec<(&DatastoreName, &DatasetName)> = sinks.clone();
        for (s, d) in sinks {
            let store = self.store(index, s)?;
            let dataset = self.dataset(store, d)?;
            let (root, table) = self.table_of(store, s.as_str(), d.as_str());
            let stream = Self::stream_of(store, s.as_str(), d.as_str());
            heard.insert(stream.clone(), root.clone());
            inputs.push(InputSpec {
                view: (crate::transformer_sql().input_name)(s.as_str(), d.as_str()),
                stream,
                root,
                table,
                columns: dataset
                    .schema
                    .columns
                    .keys()
                    .map(ToString::to_string)
                    .collect(),
            });
        }
        let output = &transformer.output_datastore;
        let out_store = self.store(index, output)?;
        let output_root = layout::stream_dir(&self.config.warehouse, output.as_str());
        let hook = match &ws.hook {
            Some(hook) => Some(HookSpec {
                job: HookJob::new(
                    hook,
                    workspace.as_str(),
                    &self.team_of(index, workspace)?,
                    self.platform(),
                    Subject::Transformer {
                        output_datastore: output.to_string(),
                    },
                ),
                inputs: heard
                    .into_iter()
                    .map(|(stream, root)| HookStream { stream, root })
                    .collect(),
                output: output_root.clone(),
            }),
            None => None,
        };
        // Each query as the gate judged it, written again for Spark SQL:
        // the driver never sees the text as written.
        let outputs = datasurface_runtime::transformer_query::rendered_queries(
            self.platform(),
            workspace.as_str(),
            ws,
            &crate::transformer_sql(),
            |store| index.datastore(store).map(|p| p.item),
        )?
        .into_iter()
        .filter_map(|(d, query)| {
            let dataset = out_store.datasets.get(&d)?;
            Some(OutputSpec {
                dataset: d.to_string(),
                query,
                columns: columns(dataset),
            })
        })
        .collect();
        let staged = staged_dir(&output_root);
        let lineage = transform_lineage(
            lineage,
            workspace,
            (transformer, out_store),
            (&read, &inputs),
            &staged,
        );
        Ok(TransformSpec {
            version: SPEC_VERSION,
            platform: self.platform().to_owned(),
            workspace: workspace.to_string(),
            inputs,
            outputs,
            staged,
            timeout_seconds: transformer.limits.timeout_seconds(),
            memory_mib: transformer.limits.memory_mib(),
            hook,
            lineage: Some(lineage),
        })
    }

    pub(crate) fn render(&self, sink: &mut dyn ArtifactSink) -> Result<(), PlatformError> {
        let index = ModelIndex::new(self.context.ecosystem.ecosystem());
        let history = kept_history(self.graph, &index);
        let lineage = LineageModel::new(
            &index,
            self.context.ecosystem.ecosystem().name.as_str(),
            self.platform(),
        );
        let readers = lineage.readers(self.graph);
        sink.put(
            ArtifactKey::from_parts(&["spark", "driver"], "py"),
            Artifact::new(None, DRIVER_PROGRAM.to_owned(), Vec::new()),
        )?;
        let mut dags = Dags::default();
        for node in self.graph.nodes() {
            match &node.kind {
                NodeKind::Ingest {
                    datastore,
                    dataset,
                    from_platform,
                } => {
                    let store = self.store(&index, datastore)?;
                    let spec = self.ingest(
                        (datastore, dataset.as_ref()),
                        store,
                        from_platform
                            .as_ref()
                            .map(datasurface_core::names::PlatformName::as_str),
                        (&index, (&lineage, &readers)),
                        history.get(datastore).copied(),
                    );
                    let json = self.json(&spec)?;
                    let key = ingest_key(
                        datastore.as_str(),
                        dataset.as_ref().map(DatasetName::as_str),
                    );
                    sink.put(
                        key.clone(),
                        Artifact::new(Some(node.key.clone()), json, Vec::new()),
                    )?;
                    let dag = self.ingest_dag(store, &spec, key.as_str());
                    dags.put(sink, node, &dag, (&self.config, self.platform()), &key)?;
                }
                NodeKind::Workspace {
                    workspace,
                    dataset_group,
                } => {
                    let sql = self.views(&index, workspace, dataset_group)?;
                    sink.put(
                        views_key(workspace.as_str(), dataset_group.as_str()),
                        Artifact::new(Some(node.key.clone()), sql, Vec::new()),
                    )?;
                }
                NodeKind::DataTransformer { workspace } => {
                    let spec = self.transform(&index, workspace, &lineage)?;
                    let key = transform_key(workspace.as_str());
                    sink.put(
                        key.clone(),
                        Artifact::new(Some(node.key.clone()), self.json(&spec)?, Vec::new()),
                    )?;
                    let dag = self.transform_dag(&index, workspace, &spec, key.as_str())?;
                    dags.put(sink, node, &dag, (&self.config, self.platform()), &key)?;
                }
                // Exports are the views; a trigger is its transformer's schedule.
                _ => {}
            }
        }
        let manifest = ChunkManifest::of(
            self.graph,
            self.platform(),
            self.config.max_chunk_size,
            dags.entries,
        );
        let manifest_key = ArtifactKey::from_parts(&["dags", "chunks"], "json");
        for chunk in &manifest.chunks {
            let (path, text) = dags::chunk_file(chunk.chunk, &self.version);
            let (stem, _) = path.rsplit_once('.').unwrap_or((path.as_str(), ""));
            let parts: Vec<&str> = stem.split('/').collect();
            sink.put(
                ArtifactKey::from_parts(&parts, "py"),
                Artifact::new(None, text, vec![manifest_key.clone()]),
            )?;
        }
        sink.put(
            manifest_key,
            Artifact::new(None, self.json(&manifest)?, dags.keys),
        )?;
        Ok(())
    }

    /// A stream's DAG: on its capture's trigger (hourly without one), or
    /// for a transformer's output, when the transformer has staged it.
    fn ingest_dag<'s>(
        &self,
        store: &Datastore,
        spec: &'s IngestSpec,
        key: &'s str,
    ) -> SparkDag<'s> {
        let platform = self.platform();
        let schedule = match &store.capture {
            CaptureMetadata::TransformerOutput(t) => {
                Schedule::AnyOf(vec![dags::transformer_asset(
                    platform,
                    t.workspace.as_str(),
                )])
            }
            CaptureMetadata::Ingestion(i) => dags::schedule(
                i.trigger.as_ref(),
                Schedule::Cron(dags::DEFAULT_SCHEDULE.to_owned()),
            ),
        };
        let (store_name, dataset) = match spec.stream.split_once('#') {
            Some((s, d)) => (s, Some(d)),
            None => (spec.stream.as_str(), None),
        };
        let mut id = vec![platform, store_name];
        id.extend(dataset);
        SparkDag {
            dag_id: datasurface_airflow::names::dag_id(&id),
            description: match &spec.source {
                SourceSpec::Mirror { platform, .. }
                | SourceSpec::AirflowPrimary { platform, .. } => format!(
                    "Mirrors `{}` into the warehouse from the tables of platform `{platform}`, which ingests it.",
                    spec.stream
                ),
                _ => format!("Ingests a batch of `{}` into the warehouse.", spec.stream),
            },
            schedule,
            job: "ingest",
            runs: ("--stream", &spec.stream),
            spec: key,
            memory_mib: None,
            decide: None,
            credential_variables: spec.source.credential_variables(),
            outlets: spec
                .datasets
                .iter()
                .map(|d| dags::dataset_asset(platform, &spec.datastore, &d.dataset))
                .collect(),
        }
    }

    /// A transformer's DAG: on its trigger, or when any input's stream commits.
    fn transform_dag<'s>(
        &self,
        index: &ModelIndex<'_>,
        workspace: &WorkspaceName,
        spec: &'s TransformSpec,
        key: &'s str,
    ) -> Result<SparkDag<'s>, PlatformError> {
        let platform = self.platform();
        let ws = self.workspace(index, workspace)?;
        let mut inputs: Vec<String> = ws
            .sinks()
            .map(|(_, s)| dags::dataset_asset(platform, s.datastore.as_str(), s.dataset.as_str()))
            .collect();
        inputs.sort();
        inputs.dedup();
        let trigger = ws.transformer.as_ref().and_then(|t| t.trigger.as_ref());
        Ok(SparkDag {
            dag_id: datasurface_airflow::names::dag_id(&[
                platform,
                "transformer",
                workspace.as_str(),
            ]),
            description: format!("Runs transformer `{workspace}` and stages its output."),
            schedule: dags::schedule(trigger, Schedule::AnyOf(inputs)),
            job: "transform",
            runs: ("--transformer", &spec.workspace),
            spec: key,
            memory_mib: Some(spec.memory_mib),
            outlets: vec![dags::transformer_asset(platform, &spec.workspace)],
            decide: spec.hook.as_ref().map(|_| spec.workspace.as_str()),
            credential_variables: Vec::new(),
        })
    }

    fn ingest(
        &self,
        (datastore, dataset): (&DatastoreName, Option<&DatasetName>),
        store: &Datastore,
        from_platform: Option<&str>,
        (index, lineage): (&ModelIndex<'_>, (&LineageModel<'_>, &Readers)),
        kept: Option<Kept>,
    ) -> IngestSpec {
        let stream = names::stream(datastore.as_str(), dataset.map(DatasetName::as_str));
        let root = layout::stream_dir(&self.config.warehouse, &stream);
        let (source, named) = self.source(
            (datastore.as_str(), store),
            (&stream, from_platform),
            index,
            &root,
        );
        let mut datasets: Vec<_> = store
            .datasets
            .iter()
            .filter(|(n, _)| dataset.is_none_or(|d| d == *n))
            .collect();
        datasets.sort_by_key(|(n, _)| *n);
        let ordered: Vec<&DatasetName> = datasets.iter().map(|(n, _)| *n).collect();
        let datasets: Vec<DatasetSpec> = datasets
            .into_iter()
            .map(|(name, d)| {
                let query = named.as_ref().and_then(|n| n.query(name));
                let named = named
                    .as_ref()
                    .and_then(|n| n.name(name))
                    .unwrap_or_else(|| name.to_string());
                let source_table = match (&source, query) {
                    (_, Some(query)) => query.to_owned(),
                    // `schema.table` or `table`, each part quoted.
                    (SourceSpec::Jdbc { .. }, _) => {
                        Postgres.qualified(&named.split('.').collect::<Vec<_>>())
                    }
                    // `<folder>/<file>`, with its format's extension if it has
                    // none, as every platform reads a drop.
                    (SourceSpec::Files { format, .. }, _) if !named.contains('.') => {
                        format!("{named}.{}", format.extension())
                    }
                    (SourceSpec::Mirror { root, .. }, _) => layout::table_dir(root, name.as_str()),
                    _ => named,
                };
                DatasetSpec {
                    dataset: name.to_string(),
                    source_table,
                    columns: columns(d),
                    primary_key: d
                        .schema
                        .primary_key
                        .iter()
                        .map(ToString::to_string)
                        .collect(),
                    table: layout::table_dir(&root, name.as_str()),
                    allow_empty: d.allow_empty_snapshot,
                }
            })
            .collect();
        let mut spec = IngestSpec {
            version: SPEC_VERSION,
            platform: self.platform().to_owned(),
            stream,
            datastore: datastore.to_string(),
            root,
            source,
            keep_history: kept.is_some(),
            retention_days: kept.and_then(Kept::days),
            datasets,
            lineage: None,
        };
        spec.lineage = Some(ingest_lineage(
            lineage,
            datastore,
            (&ordered, named.as_ref()),
            &spec,
        ));
        spec
    }

    /// Where a stream of a store primary `p` ingests reads its rows: the
    /// primary's tables, never the source.
    fn mirror_source(
        &self,
        (store_name, store): (&str, &Datastore),
        stream: &str,
        p: &str,
    ) -> (SourceSpec, Option<Named>) {
        let read = crate::primaries::read(
            (self.platform(), &self.config),
            self.context.ecosystem.ecosystem(),
            (store_name, p),
        );
        match read {
            Ok(PrimaryRead::Spark { warehouse }) => (
                SourceSpec::Mirror {
                    platform: p.to_owned(),
                    root: layout::stream_dir(&warehouse, stream),
                },
                None,
            ),
            Ok(PrimaryRead::Airflow {
                url,
                schema,
                credential,
            }) => (
                SourceSpec::AirflowPrimary {
                    platform: p.to_owned(),
                    url,
                    driver: POSTGRES_DRIVER.to_owned(),
                    user_variable: credential_variable(&credential, "user"),
                    password_variable: credential_variable(&credential, "password"),
                    last_batch: datasurface_airflow::mirrored::last_merged_batch(&schema, stream),
                },
                Some(Named::Queried(
                    store
                        .datasets
                        .iter()
                        .map(|(d, dataset)| {
                            let columns: Vec<&str> = dataset
                                .schema
                                .columns
                                .keys()
                                .map(ColumnName::as_str)
                                .collect();
                            let query = datasurface_airflow::mirrored::live_rows(
                                &schema,
                                store_name,
                                d.as_str(),
                                &columns,
                            );
                            (
                                d.clone(),
                                (
                                    datasurface_airflow::mirrored::merge_table(
                                        &schema,
                                        store_name,
                                        d.as_str(),
                                    ),
                                    format!("({query}) AS {}", Postgres.ident("live")),
                                ),
                            )
                        })
                        .collect(),
                )),
            ),
            Err(why) => (
                SourceSpec::Unsupported {
                    reason: why.message,
                },
                None,
            ),
        }
    }

    /// Where a stream reads its rows, and the source table of each dataset
    /// when its capture names them.
    fn source(
        &self,
        (store_name, store): (&str, &Datastore),
        (stream, from_platform): (&str, Option<&str>),
        index: &ModelIndex<'_>,
        root: &str,
    ) -> (SourceSpec, Option<Named>) {
        let unsupported = |reason: String| (SourceSpec::Unsupported { reason }, None);
        if let Some(p) = from_platform {
            return self.mirror_source((store_name, store), stream, p);
        }
        let ingestion = match &store.capture {
            CaptureMetadata::Ingestion(i) => i,
            CaptureMetadata::TransformerOutput(t) => {
                return (
                    SourceSpec::Staged {
                        workspace: t.workspace.to_string(),
                        folder: staged_dir(root),
                    },
                    None,
                );
            }
        };
        let container = ingestion.container.to_string();
        match &ingestion.method {
            CaptureMethod::SqlSnapshot(s) => {
                let kind = index.container(&ingestion.container).map(|c| &c.item.kind);
                let Some(ContainerKind::Database(db)) = kind else {
                    return unsupported(format!("container `{container}` is not a database"));
                };
                if db.engine != DatabaseEngine::Postgres {
                    return unsupported(format!(
                        "the driver reads PostgreSQL databases over JDBC; container `{container}` is a {:?} database",
                        db.engine
                    ));
                }
                let Some(url) = jdbc::url(db) else {
                    return unsupported(format!(
                        "container `{container}`'s host is not a host name or IP address"
                    ));
                };
                let credential = ingestion.credential.as_ref().map(|c| c.name.as_str());
                (
                    SourceSpec::Jdbc {
                        container,
                        url,
                        driver: POSTGRES_DRIVER.to_owned(),
                        user_variable: credential.map(|c| credential_variable(c, "user")),
                        password_variable: credential.map(|c| credential_variable(c, "password")),
                    },
                    Some(Named::Tables(s.tables.clone())),
                )
            }
            CaptureMethod::FileDrop(f) => match self.config.sources.get(&container) {
                Some(_)
                    if let Some((file, why)) = f.files.values().find_map(|file| {
                        datasurface_core::resources::drop_file_name(file)
                            .err()
                            .map(|why| (file, why))
                    }) =>
                {
                    unsupported(format!(
                        "`{file}` is not a file name in the folder of container `{container}`: {why}"
                    ))
                }
                Some(folder) => (
                    SourceSpec::Files {
                        container,
                        folder: folder.clone(),
                        format: f.format,
                    },
                    Some(Named::Tables(f.files.clone())),
                ),
                None => unsupported(format!(
                    "file drop container `{container}` has no folder the applications can read: map it in the platform's `sources` parameter"
                )),
            },
            other => unsupported(format!(
                "the `spark` driver does not read `{}` captures yet",
                other.name()
            )),
        }
    }

    /// A dataset group's views, as Spark SQL: a database for the workspace
    /// and a view per dataset over its table's committed rows, live or with
    /// every version as the group asks.
    fn views(
        &self,
        index: &ModelIndex<'_>,
        workspace: &WorkspaceName,
        group: &DatasetGroupName,
    ) -> Result<String, PlatformError> {
        let ws = self.workspace(index, workspace)?;
        let g = ws
            .dataset_groups
            .get(group)
            .ok_or_else(|| self.missing("dataset group", group.as_str()))?;
        let milestoning = g
            .requirements
            .as_ref()
            .map_or(Milestoning::LiveOnly, |r| r.milestoning);
        let mut sinks: Vec<_> = g.sinks.iter().map(|s| (&s.datastore, &s.dataset)).collect();
        sinks.sort();
        sinks.dedup();
        let database = SparkSql.ident(&names::database(workspace.as_str()));
        let mut out = format!(
            "-- Rendered by datasurface-spark {}: a dataset group's views over its datasets' committed rows.\nCREATE DATABASE IF NOT EXISTS {database};\n",
            self.version
        );
        for (s, d) in sinks {
            let store = self.store(index, s)?;
            let dataset = self.dataset(store, d)?;
            let (root, table) = self.table_of(store, s.as_str(), d.as_str());
            let columns: Vec<String> = dataset
                .schema
                .columns
                .keys()
                .map(|c| SparkSql.ident(c.as_str()))
                .collect();
            let view = names::view(group.as_str(), s.as_str(), d.as_str());
            let source = Source {
                table: &table,
                root: &root,
                columns: &columns.join(", "),
            };
            let (name, forensic) = (format!("{database}.{}", SparkSql.ident(&view)), true);
            match milestoning {
                Milestoning::LiveOnly => view_sql(&mut out, &name, &source, !forensic),
                Milestoning::Forensic => view_sql(&mut out, &name, &source, forensic),
                Milestoning::LiveWithForensicHistory => {
                    view_sql(&mut out, &name, &source, !forensic);
                    let history =
                        format!("{database}.{}", SparkSql.ident(&format!("{view}__history")));
                    view_sql(&mut out, &history, &source, forensic);
                }
            }
        }
        Ok(out)
    }
}

/// A column's type as lineage's schemas show it: Spark SQL's.
fn physical(t: &datasurface_core::DataType) -> String {
    spark_type(t).map_or_else(|| "string".to_owned(), std::borrow::Cow::into_owned)
}

/// The name lineage gives a transformer's staged output of `dataset`: one
/// dataset across runs (each run's files are in a folder of its own).
/// What a stream's source calls each dataset.
#[derive(Debug, Clone)]
enum Named {
    /// Its table or file, as the capture names it.
    Tables(datasurface_core::OrderedMap<DatasetName, String>),
    /// A primary's table (`schema.table`), and the query of the rows read.
    Queried(datasurface_core::OrderedMap<DatasetName, (String, String)>),
}

impl Named {
    /// The table or file the source calls dataset `d`, unquoted.
    fn name(&self, d: &DatasetName) -> Option<String> {
        match self {
            Named::Tables(t) => t.get(d).cloned(),
            Named::Queried(q) => q.get(d).map(|(table, _)| table.clone()),
        }
    }

    /// The query whose rows are dataset `d`'s, if the source says one.
    fn query(&self, d: &DatasetName) -> Option<&str> {
        match self {
            Named::Tables(_) => None,
            Named::Queried(q) => q.get(d).map(|(_, query)| query.as_str()),
        }
    }
}

fn staged_name(staged: &str, dataset: &str) -> String {
    format!("{staged}/{}", layout::segment(dataset))
}

/// The lineage of an ingestion job: its source's tables (with the checks
/// a batch makes of them), the warehouse tables it writes, and the view of
/// each group on this platform that reads them.
fn ingest_lineage(
    (lineage, readers): (&LineageModel<'_>, &Readers),
    datastore: &DatastoreName,
    (names, read_as): (&[&DatasetName], Option<&Named>),
    spec: &IngestSpec,
) -> JobLineage {
    let mut job = lineage.ingest_job(&spec.stream, datastore);
    let store = datastore.as_str();
    for (name, d) in names.iter().zip(&spec.datasets) {
        let read = match &spec.source {
            SourceSpec::Jdbc { container, .. } => Some((
                Place::source(container),
                // The table as the capture names it, unquoted.
                read_as
                    .and_then(|n| n.name(name))
                    .unwrap_or_else(|| name.to_string()),
            )),
            SourceSpec::Files { container, .. } => {
                Some((Place::source(container), d.source_table.clone()))
            }
            SourceSpec::Staged { folder, .. } => {
                Some((Place::Merge, staged_name(folder, name.as_str())))
            }
            SourceSpec::Mirror { platform, .. } => {
                Some((Place::Primary(platform.clone()), d.source_table.clone()))
            }
            // The primary's merge table, `schema.table`.
            SourceSpec::AirflowPrimary { platform, .. } => read_as
                .and_then(|n| n.name(name))
                .map(|table| (Place::Primary(platform.clone()), table)),
            SourceSpec::Unsupported { .. } => None,
        };
        if let Some((place, table)) = read {
            job.inputs.push(
                lineage
                    .dataset(place, &table, datastore, name, &physical)
                    .with_checks(lineage.checks(datastore, name)),
            );
        }
        job.outputs.extend(lineage.written(
            (datastore, name),
            (Place::Merge, &d.table),
            readers,
            &|r| {
                Some((
                    Place::Merge,
                    format!(
                        "{}.{}",
                        names::database(&r.workspace),
                        names::view(&r.group, store, name.as_str())
                    ),
                ))
            },
            &physical,
        ));
    }
    job
}

/// The lineage of a transformer's job: its SQL, the warehouse tables of
/// its inputs (`read`, as `inputs` places them), and its staged outputs.
fn transform_lineage(
    lineage: &LineageModel<'_>,
    workspace: &WorkspaceName,
    (transformer, output): (&datasurface_core::DataTransformer, &Datastore),
    (read, inputs): (&[(&DatastoreName, &DatasetName)], &[InputSpec]),
    staged: &str,
) -> JobLineage {
    let mut job = lineage.transformer_job(workspace, transformer);
    for ((store, dataset), input) in read.iter().zip(inputs) {
        job.inputs
            .push(lineage.dataset(Place::Merge, &input.table, store, dataset, &physical));
    }
    let out = &transformer.output_datastore;
    let mut outputs: Vec<&DatasetName> = output.datasets.keys().collect();
    outputs.sort();
    for dataset in outputs {
        job.outputs.push(lineage.dataset(
            Place::Merge,
            &staged_name(staged, dataset.as_str()),
            out,
            dataset,
            &physical,
        ));
    }
    lineage.add_column_lineage(&mut job, transformer, read, &crate::transformer_sql());
    job
}

/// Where a transformer stages the output its store's stream ingests.
fn staged_dir(root: &str) -> String {
    format!("{root}/staged")
}

/// A dataset's columns as the driver casts them.
fn columns(dataset: &datasurface_core::Dataset) -> Vec<ColumnSpec> {
    dataset
        .schema
        .columns
        .iter()
        .map(|(c, col)| ColumnSpec {
            name: c.to_string(),
            // Capabilities refuse a type the platform cannot store.
            spark_type: spark_type(&col.data_type)
                .map_or_else(|| "string".to_owned(), std::borrow::Cow::into_owned),
            nullable: col.nullable,
        })
        .collect()
}

/// The DAG specs rendered so far, and their entries in the chunk manifest.
#[derive(Default)]
struct Dags {
    entries: std::collections::BTreeMap<datasurface_platform::graph::NodeKey, ChunkDag>,
    keys: Vec<ArtifactKey>,
}

impl Dags {
    /// Puts a node's DAG spec, after its job spec, and keeps its entry.
    fn put(
        &mut self,
        sink: &mut dyn ArtifactSink,
        node: &datasurface_platform::graph::Node,
        dag: &SparkDag<'_>,
        (config, platform): (&SparkConfig, &str),
        spec_key: &ArtifactKey,
    ) -> Result<(), PlatformError> {
        let (kind, name) = spec_key
            .as_str()
            .strip_prefix("jobs/")
            .and_then(|rest| rest.split_once('/'))
            .unwrap_or(("ingest", spec_key.as_str()));
        let key = ArtifactKey::from_parts(&["dags", kind, name.trim_end_matches(".json")], "json");
        let spec = dag.spec(config, platform);
        let text = datasurface_platform::to_spec_json(&spec).map_err(|e| PlatformError::Other {
            platform: platform.to_owned(),
            source: Box::new(e),
        })?;
        sink.put(
            key.clone(),
            Artifact::new(Some(node.key.clone()), text, vec![spec_key.clone()]),
        )?;
        self.entries.insert(
            node.key.clone(),
            ChunkDag {
                dag_id: dag.dag_id.clone(),
                spec: key
                    .as_str()
                    .strip_prefix("dags/")
                    .unwrap_or(key.as_str())
                    .to_owned(),
            },
        );
        self.keys.push(key);
        Ok(())
    }
}

/// What a view reads: a dataset's table and its stream's batch records.
struct Source<'s> {
    table: &'s str,
    root: &'s str,
    columns: &'s str,
}

/// One view: the live rows of the highest committed batch, and with
/// `forensic` every closed version too, each with the batches it was
/// live from and to (`2147483647` while live).
fn view_sql(out: &mut String, name: &str, source: &Source<'_>, forensic: bool) {
    let Source {
        table,
        root,
        columns,
    } = source;
    let committed = format!(
        "(SELECT max(`batch`) FROM json.{})",
        SparkSql.ident(&format!("{root}/meta/committed"))
    );
    let live = SparkSql.ident(&format!("{table}/live"));
    let batch_in = SparkSql.ident(layout::BATCH_IN);
    let live_partition = SparkSql.ident(LIVE_PARTITION);
    if forensic {
        let history = SparkSql.ident(&format!("{table}/history"));
        let history_partition = SparkSql.ident(HISTORY_PARTITION);
        let _ = write!(
            out,
            "CREATE OR REPLACE VIEW {name} AS\n  SELECT {columns}, {batch_in}, 2147483647 AS `ds_surf_batch_out` FROM parquet.{live} WHERE {live_partition} = {committed}\n  UNION ALL\n  SELECT {columns}, {batch_in}, {history_partition} AS `ds_surf_batch_out` FROM parquet.{history} WHERE {history_partition} <= {committed};\n"
        );
    } else {
        let _ = write!(
            out,
            "CREATE OR REPLACE VIEW {name} AS\n  SELECT {columns} FROM parquet.{live} WHERE {live_partition} = {committed};\n"
        );
    }
}
