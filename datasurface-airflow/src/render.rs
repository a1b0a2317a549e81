//! From an intention graph to DAG files, DDL scripts and the chunk manifest.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use datasurface_core::capture::{CdcStart, IngestionConsistency};
use datasurface_core::names::{
    ContainerName, DatasetGroupName, DatasetName, DatastoreName, PlatformName, WorkspaceName,
};
use datasurface_core::{
    CaptureMetadata, CaptureMethod, ContainerKind, DatabaseEngine, Datastore, Ecosystem,
    Milestoning, StepTrigger, Workspace,
};
use datasurface_platform::graph::{Node, NodeKey, NodeKind, PlatformGraph};
use datasurface_platform::{
    Artifact, ArtifactKey, ArtifactSink, Kept, PlatformError, RenderContext, Rendering,
    artifacts_upstream, kept_history,
};
use datasurface_rules::validate::ModelIndex;
use datasurface_runtime::hook::{HookJob, Subject};
use datasurface_runtime::lineage::{JobLineage, LineageModel, Place, Readers};

use crate::config::AirflowConfig;
use crate::dags::{Dag, Schedule};
use crate::escape::markdown::code;
use crate::factory::{self, ChunkDag, ChunkManifest};
use crate::names::{dag_id, ident, k8s_name, qualified, quoted};
use crate::spec::{
    CdcSpec, ColumnSpec, DatasetSpec, IngestSpec, SourceSpec, TransformHook, TransformOutput,
    TransformSpec, spec_hash,
};
use crate::sql::{self, Versions};

/// The key of the script that makes the platform's own tables.
pub const PLATFORM_SQL: &str = "sql/000_platform.sql";

/// The schedule of an ingestion whose capture names no trigger.
pub const DEFAULT_SCHEDULE: &str = "@hourly";

/// The chunk manifest: which DAG specs each chunk's factory file builds.
pub const CHUNKS: &str = "dags/chunks.json";

/// The model's datastores, workspaces and containers by name: the model's
/// index, built once per render, with errors for names the graph has and the
/// model lacks.
pub(crate) struct Lookup<'a>(pub(crate) ModelIndex<'a>, pub(crate) &'a Ecosystem);

impl<'a> Lookup<'a> {
    pub(crate) fn new(eco: &'a Ecosystem) -> Self {
        Lookup(ModelIndex::new(eco), eco)
    }

    fn store(&self, platform: &str, name: &DatastoreName) -> Result<&'a Datastore, PlatformError> {
        self.0
            .datastore(name)
            .map(|p| p.item)
            .ok_or_else(|| missing(platform, "datastore", name.as_str()))
    }

    fn workspace(
        &self,
        platform: &str,
        name: &WorkspaceName,
    ) -> Result<&'a Workspace, PlatformError> {
        self.0
            .workspace(name)
            .map(|p| p.item)
            .ok_or_else(|| missing(platform, "workspace", name.as_str()))
    }

    /// The team that owns a workspace.
    fn team_of(&self, platform: &str, name: &WorkspaceName) -> Result<String, PlatformError> {
        self.0
            .workspace(name)
            .map(|p| p.team.to_string())
            .ok_or_else(|| missing(platform, "workspace", name.as_str()))
    }
}

fn missing(platform: &str, what: &str, name: &str) -> PlatformError {
    PlatformError::Other {
        platform: platform.to_owned(),
        source: format!("the graph names {what} `{name}`, which the model lacks").into(),
    }
}

/// How many nodes are rendered at once, on every core, before their
/// artifacts are put: enough to keep the cores busy (at 101,000 datasets
/// a render is a fifth quicker on two cores than on one), few enough that
/// a sink that writes as it goes holds little (4,096 at once held 0.15 GB
/// more at that size, in the allocator's per-thread arenas).
const NODES_AT_ONCE: usize = 128;

/// What every node's render reads.
#[derive(Clone, Copy)]
struct Shared<'r, 'a> {
    lookup: &'r Lookup<'a>,
    lineage: (&'r LineageModel<'a>, &'r Readers),
    history: &'r BTreeMap<DatastoreName, Kept>,
    keys: &'r Keys,
    platform_key: &'r ArtifactKey,
}

/// One node's artifacts, and its DAG's entry in the chunk manifest.
struct NodeOut {
    artifacts: Rendering,
    dag: Option<(NodeKey, ArtifactKey, ChunkDag)>,
}

/// Everything one render needs.
pub(crate) struct Renderer<'a> {
    pub(crate) config: AirflowConfig,
    pub(crate) version: semver::Version,
    pub(crate) graph: &'a PlatformGraph,
    pub(crate) context: &'a RenderContext<'a>,
}

/// The artifacts each node renders, by family.
#[derive(Default)]
struct Keys {
    sql: BTreeMap<NodeKey, ArtifactKey>,
    dag: BTreeMap<NodeKey, ArtifactKey>,
}

impl Renderer<'_> {
    fn platform(&self) -> &str {
        self.context.platform.as_str()
    }

    /// A spec as the JSON artifact `job apply` stores; one that is not JSON
    /// fails the render rather than leaving an empty artifact.
    fn json(&self, spec: &impl serde::Serialize) -> Result<String, PlatformError> {
        datasurface_platform::to_spec_json(spec).map_err(|e| PlatformError::Other {
            platform: self.platform().to_owned(),
            source: Box::new(e),
        })
    }

    fn header(&self, what: &str) -> String {
        let mut out = String::new();
        sql::header(&mut out, self.platform(), &self.version, what);
        out
    }

    fn asset(&self, parts: &[&str]) -> String {
        crate::names::asset_uri(&self.config.schema, parts)
    }

    fn workspace_schema(&self, workspace: &str) -> String {
        ident(&[&self.config.schema, workspace])
    }

    pub(crate) fn render(&self, rendering: &mut dyn ArtifactSink) -> Result<(), PlatformError> {
        let eco = self.context.ecosystem.ecosystem();
        let lookup = Lookup::new(eco);
        let history = kept_history(self.graph, &lookup.0);
        let lineage = LineageModel::new(&lookup.0, eco.name.as_str(), self.platform());
        let lineage = (&lineage, &lineage.readers(self.graph));
        let platform_key = key(PLATFORM_SQL);
        let mut keys = Keys::default();
        for node in self.graph.nodes() {
            let (sql, dag) = artifact_keys(&node.kind);
            if let Some(sql) = sql {
                keys.sql.insert(node.key.clone(), sql);
            }
            if let Some(dag) = dag {
                keys.dag.insert(node.key.clone(), dag);
            }
        }
        let mut platform_sql = self.header("The platform's schema and its batch bookkeeping.");
        sql::platform_tables(&mut platform_sql, &self.config.schema);
        rendering.put(
            platform_key.clone(),
            Artifact::new(None, platform_sql, Vec::new()),
        )?;
        let mut dag_ids: BTreeMap<NodeKey, ChunkDag> = BTreeMap::new();
        let mut dag_keys: Vec<ArtifactKey> = Vec::new();
        let shared = Shared {
            lookup: &lookup,
            lineage,
            history: &history,
            keys: &keys,
            platform_key: &platform_key,
        };
        // Nodes render independently: a slice of them at a time on every
        // core, then put in the graph's order, so the sink sees what a
        // render on one core would, and never more than a slice is held.
        for slice in self.graph.nodes().chunks(NODES_AT_ONCE) {
            let rendered = datasurface_platform::stdx::parallel::each(
                slice,
                |_| 1,
                |node| self.node(node, &shared),
            );
            for out in rendered {
                let Some(out) = out? else { continue };
                for (key, artifact) in out.artifacts.artifacts {
                    rendering.put(key, artifact)?;
                }
                if let Some((node, dag_key, entry)) = out.dag {
                    dag_keys.push(dag_key);
                    dag_ids.insert(node, entry);
                }
            }
        }
        self.insert_chunks(rendering, dag_ids, dag_keys)?;
        rendering.put(
            key("airflow/secrets.md"),
            Artifact::new(None, self.secrets(&self.credentials(&lookup)), Vec::new()),
        )?;
        Ok(())
    }

    /// The artifacts of one node, and its DAG's entry in the chunk
    /// manifest; `None` for a node that renders nothing (a trigger).
    fn node(&self, node: &Node, shared: &Shared<'_, '_>) -> Result<Option<NodeOut>, PlatformError> {
        let Shared {
            lookup,
            lineage,
            history,
            keys,
            platform_key,
        } = *shared;
        let mut sql_deps = artifacts_upstream(self.graph, &node.key, &keys.sql);
        sql_deps.push(platform_key.clone());
        let (sql_text, dag) = match &node.kind {
            NodeKind::Ingest {
                datastore,
                dataset,
                from_platform,
            } => {
                let store = lookup.store(self.platform(), datastore)?;
                let (text, dag, spec) = self.ingest(
                    lookup,
                    lineage,
                    datastore,
                    dataset.as_ref(),
                    from_platform.as_ref().map(PlatformName::as_str),
                    store,
                    history.get(datastore).copied(),
                )?;
                (text, Some((dag, spec)))
            }
            NodeKind::Export {
                container,
                datastore,
                dataset,
            } => (
                self.export(lookup, history, container, datastore, dataset)?,
                None,
            ),
            NodeKind::Trigger { .. } => return Ok(None),
            NodeKind::DataTransformer { workspace } => {
                let ws = lookup.workspace(self.platform(), workspace)?;
                let (text, dag, spec) = self.transformer(workspace, ws, lookup, lineage)?;
                (text, Some((dag, spec)))
            }
            NodeKind::Workspace {
                workspace,
                dataset_group,
            } => (self.workspace(lookup, workspace, dataset_group)?, None),
            _ => return Err(self.context.unsupported(format!("node `{}`", node.key))),
        };
        let mut out = NodeOut {
            artifacts: Rendering::default(),
            dag: None,
        };
        if let Some(sql_key) = keys.sql.get(&node.key) {
            out.artifacts.put(
                sql_key.clone(),
                Artifact::new(Some(node.key.clone()), sql_text, sql_deps),
            )?;
        }
        if let (Some((dag, spec)), Some(dag_key)) = (dag, keys.dag.get(&node.key)) {
            let entry = self.insert_dag(&mut out.artifacts, keys, &node.key, dag, spec, dag_key)?;
            out.dag = Some((node.key.clone(), dag_key.clone(), entry));
        }
        Ok(Some(out))
    }

    /// Inserts a node's job spec and its DAG's spec, which names the job
    /// spec's hash, so the two cannot drift apart; returns the DAG's entry
    /// in the chunk manifest.
    fn insert_dag(
        &self,
        rendering: &mut dyn ArtifactSink,
        keys: &Keys,
        node: &NodeKey,
        mut dag: Dag,
        (spec_key, spec): (ArtifactKey, String),
        dag_key: &ArtifactKey,
    ) -> Result<ChunkDag, PlatformError> {
        // The job's spec, stored by `job apply` after the node's SQL.
        dag.name_spec(&spec_hash(&spec));
        let node_sql: Vec<ArtifactKey> = keys.sql.get(node).cloned().into_iter().collect();
        rendering.put(
            spec_key.clone(),
            Artifact::new(Some(node.clone()), spec, node_sql.clone()),
        )?;
        let mut deps = artifacts_upstream(self.graph, node, &keys.dag);
        deps.extend(node_sql);
        deps.push(spec_key);
        let text = self.json(&dag.spec(&self.config, self.platform()))?;
        rendering.put(
            dag_key.clone(),
            Artifact::new(Some(node.clone()), text, deps),
        )?;
        Ok(ChunkDag {
            dag_id: dag.dag_id,
            spec: dag_key
                .as_str()
                .strip_prefix("dags/")
                .unwrap_or(dag_key.as_str())
                .to_owned(),
        })
    }

    /// Inserts the chunk manifest and one factory file per chunk. The
    /// manifest comes after the DAG specs it lists (`dag_keys`), and each
    /// factory after the manifest, so a factory never reads a spec that is
    /// not there yet.
    fn insert_chunks(
        &self,
        rendering: &mut dyn ArtifactSink,
        dags: BTreeMap<NodeKey, ChunkDag>,
        dag_keys: Vec<ArtifactKey>,
    ) -> Result<(), PlatformError> {
        let manifest = ChunkManifest::of(
            self.graph,
            self.platform(),
            self.config.max_chunk_size,
            dags,
        );
        let manifest_key = key(CHUNKS);
        for chunk in &manifest.chunks {
            rendering.put(
                key(&factory::chunk_path(chunk.chunk)),
                Artifact::new(
                    None,
                    factory::chunk_file(chunk.chunk, &self.version),
                    vec![manifest_key.clone()],
                ),
            )?;
        }
        rendering.put(
            manifest_key,
            Artifact::new(None, self.json(&manifest)?, dag_keys),
        )?;
        Ok(())
    }

    /// The dataset a node names, or an error if the model lacks it.
    fn dataset<'l>(
        &self,
        lookup: &Lookup<'l>,
        store: &DatastoreName,
        dataset: &DatasetName,
    ) -> Result<&'l datasurface_core::Dataset, PlatformError> {
        lookup
            .store(self.platform(), store)?
            .datasets
            .get(dataset)
            .ok_or_else(|| missing(self.platform(), "dataset", &format!("{store}.{dataset}")))
    }

    /// A view in `schema`, named from `parts`, over a dataset's merge table.
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is one part of the view"
    )]
    fn view(
        &self,
        out: &mut String,
        lookup: &Lookup<'_>,
        schema: &str,
        parts: &[&str],
        store: &DatastoreName,
        dataset: &DatasetName,
        versions: Versions,
    ) -> Result<(), PlatformError> {
        let d = self.dataset(lookup, store, dataset)?;
        let name = qualified(schema, &ident(parts));
        sql::view(
            out,
            &name,
            &self.config.schema,
            store.as_str(),
            dataset.as_str(),
            &d.schema,
            versions,
        );
        Ok(())
    }

    /// The live (and, when history is kept, history) views of an exported dataset.
    fn export(
        &self,
        lookup: &Lookup<'_>,
        history: &BTreeMap<DatastoreName, Kept>,
        container: &ContainerName,
        store: &DatastoreName,
        dataset: &DatasetName,
    ) -> Result<String, PlatformError> {
        let mut text = self.header(&format!(
            "Export of `{store}.{dataset}` to container `{container}`."
        ));
        text.push_str(
            "BEGIN;
",
        );
        let parts = [container.as_str(), store.as_str(), dataset.as_str()];
        let schema = &self.config.schema;
        self.view(
            &mut text,
            lookup,
            schema,
            &[&parts[..], &["live"]].concat(),
            store,
            dataset,
            Versions::Live,
        )?;
        if history.contains_key(store) {
            self.view(
                &mut text,
                lookup,
                schema,
                &[&parts[..], &["history"]].concat(),
                store,
                dataset,
                Versions::All,
            )?;
        }
        text.push_str("COMMIT;\n");
        Ok(text)
    }

    /// A consumer group's views, in its workspace's schema: live, forensic, or both.
    fn workspace(
        &self,
        lookup: &Lookup<'_>,
        workspace: &WorkspaceName,
        dataset_group: &DatasetGroupName,
    ) -> Result<String, PlatformError> {
        let ws = lookup.workspace(self.platform(), workspace)?;
        let group = ws.dataset_groups.get(dataset_group).ok_or_else(|| {
            missing(
                self.platform(),
                "dataset group",
                &format!("{workspace}.{dataset_group}"),
            )
        })?;
        let milestoning = group
            .requirements
            .as_ref()
            .map_or(Milestoning::LiveOnly, |r| r.milestoning);
        let schema = self.workspace_schema(workspace.as_str());
        let mut text = self.header(&format!(
            "The views of workspace `{workspace}`, dataset group `{dataset_group}` ({milestoning:?})."
        ));
        let _ = writeln!(
            text,
            "CREATE SCHEMA IF NOT EXISTS {};\nBEGIN;",
            quoted(&schema)
        );
        let mut sinks: Vec<_> = group
            .sinks
            .iter()
            .map(|s| (&s.datastore, &s.dataset))
            .collect();
        sinks.sort();
        sinks.dedup();
        for (store, dataset) in sinks {
            let base = [dataset_group.as_str(), store.as_str(), dataset.as_str()];
            let history = [&base[..], &["history"]].concat();
            match milestoning {
                Milestoning::LiveOnly => self.view(
                    &mut text,
                    lookup,
                    &schema,
                    &base,
                    store,
                    dataset,
                    Versions::Live,
                )?,
                Milestoning::Forensic => self.view(
                    &mut text,
                    lookup,
                    &schema,
                    &base,
                    store,
                    dataset,
                    Versions::All,
                )?,
                Milestoning::LiveWithForensicHistory => {
                    self.view(
                        &mut text,
                        lookup,
                        &schema,
                        &base,
                        store,
                        dataset,
                        Versions::Live,
                    )?;
                    self.view(
                        &mut text,
                        lookup,
                        &schema,
                        &history,
                        store,
                        dataset,
                        Versions::All,
                    )?;
                }
            }
        }
        text.push_str("COMMIT;\n");
        Ok(text)
    }

    /// When a stream's DAG runs: after its transformer, or on its capture's trigger.
    fn ingest_schedule(&self, store: &Datastore) -> Schedule {
        match &store.capture {
            CaptureMetadata::TransformerOutput(t) => {
                Schedule::AnyOf(vec![self.asset(&["transformer", t.workspace.as_str()])])
            }
            CaptureMetadata::Ingestion(i) => match &i.trigger {
                Some(StepTrigger::Cron(c)) => Schedule::Cron(c.clone()),
                Some(StepTrigger::External(_)) => Schedule::External,
                None => Schedule::Cron(DEFAULT_SCHEDULE.to_owned()),
            },
        }
    }

    /// What a stream's DAG does, and for a mirror which platform ingests.
    fn ingest_description(&self, stream: &str, from_platform: Option<&str>) -> String {
        match from_platform {
            Some(primary) => format!(
                "Mirrors `{stream}` into the merge tables of platform `{}` from what platform `{primary}` ingested (the source is read by `{primary}` only).",
                self.platform()
            ),
            None => format!(
                "Ingests `{stream}` into the merge tables of platform `{}`.",
                self.platform()
            ),
        }
    }

    /// A stream's SQL, DAG and job spec (its artifact key and JSON).
    #[allow(
        clippy::too_many_arguments,
        reason = "each argument is one part of the stream"
    )]
    fn ingest(
        &self,
        lookup: &Lookup<'_>,
        lineage: RenderLineage<'_>,
        datastore: &DatastoreName,
        dataset: Option<&DatasetName>,
        from_platform: Option<&str>,
        store: &Datastore,
        kept: Option<Kept>,
    ) -> Result<(String, Dag, (ArtifactKey, String)), PlatformError> {
        let keep_history = kept.is_some();
        let mut datasets: Vec<_> = store
            .datasets
            .iter()
            .filter(|(name, _)| dataset.is_none_or(|d| d == *name))
            .collect();
        // A datastore's datasets are a set: their order in the model means nothing.
        datasets.sort_by_key(|(name, _)| *name);
        let stream = match dataset {
            Some(d) => format!("{datastore}#{d}"),
            None => datastore.to_string(),
        };
        let names: Vec<&str> = datasets.iter().map(|(n, _)| n.as_str()).collect();
        let mut text = self.header(&format!(
            "Ingestion stream `{stream}`: {}. Closed row versions are {}.",
            names.join(", "),
            if keep_history {
                "kept (a forensic consumer reads them)"
            } else {
                "purged (every consumer reads live rows)"
            }
        ));
        self.ingest_tables(
            &mut text,
            store,
            (datastore, dataset),
            &datasets,
            from_platform,
        );
        let schedule = self.ingest_schedule(store);
        let mut arguments = vec![
            "ingest".to_owned(),
            "--platform".to_owned(),
            self.platform().to_owned(),
            "--stream".to_owned(),
            stream.clone(),
            if keep_history {
                "--keep-history"
            } else {
                "--live-only"
            }
            .to_owned(),
        ];
        if let Some(p) = from_platform {
            arguments.push("--from-platform".to_owned());
            arguments.push(p.to_owned());
        }
        let credentials = source_credentials(store, from_platform);
        let source = source_spec(
            &self.config,
            lookup,
            store,
            (datastore, dataset),
            from_platform,
        );
        let dataset_specs = datasets
            .iter()
            .map(|(name, d)| {
                let mut spec = self.dataset_spec(store, datastore, name, d);
                if let Some(table) = primary_table(&source, datastore.as_str(), name.as_str()) {
                    spec.source_table = table;
                }
                spec
            })
            .collect();
        let mut spec = IngestSpec {
            stream: stream.clone(),
            datastore: datastore.to_string(),
            source,
            keep_history,
            retention_days: kept.and_then(Kept::days),
            datasets: dataset_specs,
            lineage: None,
        };
        spec.lineage = Some(self.ingest_lineage(lineage, datastore, &datasets, &spec));
        let spec_key = ArtifactKey::from_parts(&["jobs", "ingest", &stream], "json");
        let mut parts = vec![self.config.schema.as_str(), "ingest", datastore.as_str()];
        if let Some(d) = dataset {
            parts.push(d.as_str());
        }
        let dag = Dag {
            dag_id: dag_id(&parts),
            description: self.ingest_description(&stream, from_platform),
            schedule,
            task_id: "ingest",
            arguments,
            credentials,
            outlets: names
                .iter()
                .map(|d| self.asset(&[datastore.as_str(), d]))
                .collect(),
            tags: vec![
                "datasurface".into(),
                "ingest".into(),
                format!("platform:{}", self.platform()),
            ],
            decide: None,
        };
        Ok((text, dag, (spec_key, self.json(&spec)?)))
    }

    /// A stream's tables: each dataset's staging and merge tables, and a
    /// change data capture stream's changes table.
    fn ingest_tables(
        &self,
        text: &mut String,
        store: &Datastore,
        stream: Stream<'_>,
        datasets: &[(&DatasetName, &datasurface_core::Dataset)],
        from_platform: Option<&str>,
    ) {
        let cdc = match (&store.capture, from_platform) {
            (CaptureMetadata::Ingestion(i), None) => matches!(i.method, CaptureMethod::Cdc(_)),
            _ => false,
        };
        for (name, d) in datasets {
            sql::ingest_tables(
                text,
                &self.config.schema,
                (stream.0.as_str(), name.as_str()),
                &d.schema,
                cdc,
            );
        }
        if cdc {
            let (_, changes) = cdc_names(&self.config, stream);
            sql::cdc_changes_table(text, &self.config.schema, &changes);
        }
    }

    /// A dataset's part of its stream's spec.
    fn dataset_spec(
        &self,
        store: &Datastore,
        datastore: &DatastoreName,
        name: &DatasetName,
        dataset: &datasurface_core::Dataset,
    ) -> DatasetSpec {
        let (store_name, dataset_name) = (datastore.as_str(), name.as_str());
        let source_table = match &store.capture {
            CaptureMetadata::TransformerOutput(_) => qualified(
                &self.config.schema,
                &ident(&["dt", store_name, dataset_name]),
            ),
            CaptureMetadata::Ingestion(ingestion) => match &ingestion.method {
                CaptureMethod::SqlSnapshot(method) => method.tables.get(name).cloned(),
                CaptureMethod::SqlWatermark(method) => method.tables.get(name).cloned(),
                CaptureMethod::FileDrop(method) => method.files.get(name).cloned(),
                CaptureMethod::Cdc(method) => method.tables.get(name).cloned(),
                CaptureMethod::Kafka(method) => method.topics.get(name).cloned(),
            }
            .unwrap_or_else(|| dataset_name.to_owned()),
        };
        let table = |kind: &str| {
            qualified(
                &self.config.schema,
                &ident(&[store_name, dataset_name, kind]),
            )
        };
        DatasetSpec {
            dataset: dataset_name.to_owned(),
            source_table,
            columns: column_specs(&dataset.schema),
            primary_key: dataset
                .schema
                .primary_key
                .iter()
                .map(ToString::to_string)
                .collect(),
            staging_table: table("staging"),
            quality: datasurface_runtime::quality::checks(
                dataset,
                &table("merge"),
                &crate::quality::Stored,
            ),
            merge_table: table("merge"),
            allow_empty: dataset.allow_empty_snapshot,
        }
    }

    /// A transformer's role and its grants: its input views, its output tables.
    fn transformer_grants(
        &self,
        text: &mut String,
        name: &WorkspaceName,
        schema: &str,
        inputs: &[(&DatastoreName, &DatasetName)],
        transformer: &datasurface_core::DataTransformer,
        output: &Datastore,
    ) {
        let input_views: Vec<(String, String)> = inputs
            .iter()
            .map(|(s, d)| (schema.to_owned(), ident(&[s.as_str(), d.as_str()])))
            .collect();
        let mut output_tables: Vec<(String, String)> = output
            .datasets
            .keys()
            .map(|d| {
                let table = ident(&["dt", transformer.output_datastore.as_str(), d.as_str()]);
                (self.config.schema.clone(), table)
            })
            .collect();
        output_tables.sort();
        sql::transformer_role(
            text,
            &self.transformer_role(name),
            &input_views,
            &output_tables,
        );
    }

    /// The role a transformer's queries run as, named for the merge database
    /// too, as roles belong to the whole server.
    fn transformer_role(&self, workspace: &WorkspaceName) -> String {
        ident(&[
            &self.config.merge_database,
            &self.config.schema,
            "transformer",
            workspace.as_str(),
        ])
    }

    /// A transformer's job spec: one query and output table per output dataset.
    fn transform_spec(
        &self,
        name: &WorkspaceName,
        schema: String,
        (ws, transformer): (&Workspace, &datasurface_core::DataTransformer),
        (lookup, output): (&Lookup<'_>, &Datastore),
    ) -> Result<TransformSpec, PlatformError> {
        // Each query as the gate judged it, written again for PostgreSQL.
        let queries = datasurface_runtime::transformer_query::rendered_queries(
            self.platform(),
            name.as_str(),
            ws,
            &crate::transformer_sql(),
            |store| lookup.0.datastore(store).map(|p| p.item),
        )?;
        let out_store = transformer.output_datastore.as_str();
        // A store's datasets are a set: sorted, so the model's order does
        // not reach the job.
        let mut datasets: Vec<_> = output.datasets.iter().collect();
        datasets.sort_by(|a, b| a.0.cmp(b.0));
        Ok(TransformSpec {
            workspace: name.to_string(),
            limits: transformer.limits,
            role: self.transformer_role(name),
            schema,
            output_stream: out_store.to_owned(),
            outputs: datasets
                .into_iter()
                .map(|(dataset, d)| TransformOutput {
                    dataset: dataset.to_string(),
                    query: queries
                        .iter()
                        .find(|(d, _)| d == dataset)
                        .map(|(_, q)| q.clone())
                        .unwrap_or_default(),
                    table: qualified(
                        &self.config.schema,
                        &ident(&["dt", out_store, dataset.as_str()]),
                    ),
                    columns: column_specs(&d.schema),
                })
                .collect(),
            hook: None,
            lineage: None,
        })
    }

    /// The lineage of an ingestion job: what it reads (with the checks a
    /// batch makes of it), its merge tables, and the views of the groups
    /// that read them, all in the merge database.
    fn ingest_lineage(
        &self,
        (lineage, readers): RenderLineage<'_>,
        datastore: &DatastoreName,
        datasets: &[(&DatasetName, &datasurface_core::Dataset)],
        spec: &IngestSpec,
    ) -> JobLineage {
        let mut job = lineage.ingest_job(&spec.stream, datastore);
        let schema = &self.config.schema;
        let place = match &spec.source {
            SourceSpec::Postgres { container, .. }
            | SourceSpec::Sqlite { container, .. }
            | SourceSpec::Csv { container, .. } => Some(Place::source(container)),
            SourceSpec::SqlitePrimary { platform, .. }
            | SourceSpec::AirflowPrimary { platform, .. } => Some(Place::Primary(platform.clone())),
            SourceSpec::Transformer { .. } => Some(Place::Merge),
            SourceSpec::Unsupported { .. } => None,
        };
        let store = datastore.as_str();
        for ((name, _), d) in datasets.iter().zip(&spec.datasets) {
            let dataset = name.as_str();
            if let Some(place) = &place {
                let table = match &spec.source {
                    SourceSpec::Transformer { .. } => {
                        format!("{schema}.{}", ident(&["dt", store, dataset]))
                    }
                    SourceSpec::AirflowPrimary { schema, .. } => {
                        crate::mirrored::merge_table(schema, store, dataset)
                    }
                    SourceSpec::SqlitePrimary { .. } => sqlite_merge_table(store, dataset),
                    _ => d.source_table.clone(),
                };
                job.inputs.push(
                    lineage
                        .dataset(place.clone(), &table, datastore, name, &physical)
                        .with_checks(lineage.checks(datastore, name)),
                );
            }
            job.outputs.extend(lineage.written(
                (datastore, name),
                (
                    Place::Merge,
                    &format!("{schema}.{}", ident(&[store, dataset, "merge"])),
                ),
                readers,
                &|r| {
                    Some((
                        Place::Merge,
                        format!(
                            "{}.{}",
                            self.workspace_schema(&r.workspace),
                            ident(&[&r.group, store, dataset])
                        ),
                    ))
                },
                &physical,
            ));
        }
        job
    }

    /// The lineage of a transformer's job: its input views, in its
    /// workspace's schema, and the output tables it fills.
    fn transform_lineage(
        &self,
        lineage: &LineageModel<'_>,
        name: &WorkspaceName,
        (transformer, output): (&datasurface_core::DataTransformer, &Datastore),
        inputs: &[(&DatastoreName, &DatasetName)],
        spec: &TransformSpec,
    ) -> JobLineage {
        let mut job = lineage.transformer_job(name, transformer);
        for (store, dataset) in inputs {
            job.inputs.push(lineage.dataset(
                Place::Merge,
                &format!(
                    "{}.{}",
                    spec.schema,
                    ident(&[store.as_str(), dataset.as_str()])
                ),
                store,
                dataset,
                &physical,
            ));
        }
        let out = &transformer.output_datastore;
        let mut outputs: Vec<&DatasetName> = output.datasets.keys().collect();
        outputs.sort();
        for dataset in outputs {
            job.outputs.push(lineage.dataset(
                Place::Merge,
                &format!(
                    "{}.{}",
                    self.config.schema,
                    ident(&["dt", out.as_str(), dataset.as_str()])
                ),
                out,
                dataset,
                &physical,
            ));
        }
        lineage.add_column_lineage(&mut job, transformer, inputs, &crate::transformer_sql());
        job
    }

    /// A hooked transformer's hook, as its job spec carries it: with the
    /// streams whose batches are its events (an input's datastore, or its
    /// dataset where each is ingested on its own).
    fn transformer_hook(
        &self,
        lookup: &Lookup<'_>,
        name: &WorkspaceName,
        ws: &Workspace,
        inputs: &[(&DatastoreName, &DatasetName)],
    ) -> Result<Option<TransformHook>, PlatformError> {
        let (Some(hook), Some(transformer)) = (&ws.hook, &ws.transformer) else {
            return Ok(None);
        };
        let mut streams = BTreeSet::new();
        for (store_name, dataset_name) in inputs {
            let store = lookup.store(self.platform(), store_name)?;
            streams.insert(
                if store.capture.consistency() == IngestionConsistency::SingleDataset {
                    format!("{store_name}#{dataset_name}")
                } else {
                    store_name.to_string()
                },
            );
        }
        Ok(Some(TransformHook {
            job: HookJob::new(
                hook,
                name.as_str(),
                &lookup.team_of(self.platform(), name)?,
                self.platform(),
                Subject::Transformer {
                    output_datastore: transformer.output_datastore.to_string(),
                },
            ),
            inputs: streams.into_iter().collect(),
        }))
    }

    /// A transformer's SQL, DAG and job spec (its artifact key and JSON).
    fn transformer(
        &self,
        name: &WorkspaceName,
        ws: &Workspace,
        lookup: &Lookup<'_>,
        lineage: RenderLineage<'_>,
    ) -> Result<(String, Dag, (ArtifactKey, String)), PlatformError> {
        let Some(transformer) = &ws.transformer else {
            return Err(missing(
                self.platform(),
                "transformer of workspace",
                name.as_str(),
            ));
        };
        let schema = self.workspace_schema(name.as_str());
        let mut text = self.header(&format!(
            "Transformer `{name}`: its input views (named `<datastore>_<dataset>`, live rows) and its output tables."
        ));
        let _ = writeln!(
            text,
            "CREATE SCHEMA IF NOT EXISTS {};\nBEGIN;",
            quoted(&schema)
        );
        let mut inputs: Vec<(&DatastoreName, &datasurface_core::names::DatasetName)> = ws
            .sinks()
            .map(|(_, s)| (&s.datastore, &s.dataset))
            .collect();
        inputs.sort();
        inputs.dedup();
        for (store_name, dataset_name) in &inputs {
            let parts = [store_name.as_str(), dataset_name.as_str()];
            self.view(
                &mut text,
                lookup,
                &schema,
                &parts,
                store_name,
                dataset_name,
                Versions::Live,
            )?;
        }
        text.push_str("COMMIT;\n\n");
        let output = lookup.store(self.platform(), &transformer.output_datastore)?;
        let mut outputs: Vec<_> = output.datasets.iter().collect();
        outputs.sort_by(|a, b| a.0.cmp(b.0));
        for (dataset_name, d) in outputs {
            sql::transformer_output_table(
                &mut text,
                &self.config.schema,
                transformer.output_datastore.as_str(),
                dataset_name.as_str(),
                &d.schema,
            );
        }
        self.transformer_grants(&mut text, name, &schema, &inputs, transformer, output);
        let schedule = match &transformer.trigger {
            Some(StepTrigger::Cron(c)) => Schedule::Cron(c.clone()),
            Some(StepTrigger::External(_)) => Schedule::External,
            None => Schedule::AnyOf(
                inputs
                    .iter()
                    .map(|(s, d)| self.asset(&[s.as_str(), d.as_str()]))
                    .collect(),
            ),
        };
        let dag = Dag {
            dag_id: dag_id(&[&self.config.schema, "transform", name.as_str()]),
            description: format!(
                "Runs transformer `{name}` on platform `{}`.",
                self.platform()
            ),
            schedule,
            task_id: "transform",
            arguments: vec![
                "transform".into(),
                "--platform".into(),
                self.platform().to_owned(),
                "--workspace".into(),
                name.to_string(),
            ],
            credentials: Vec::new(),
            outlets: vec![self.asset(&["transformer", name.as_str()])],
            tags: vec![
                "datasurface".into(),
                "transform".into(),
                format!("platform:{}", self.platform()),
            ],
            decide: None,
        };
        let mut spec = self.transform_spec(name, schema, (ws, transformer), (lookup, output))?;
        spec.hook = self.transformer_hook(lookup, name, ws, &inputs)?;
        spec.lineage =
            Some(self.transform_lineage(lineage.0, name, (transformer, output), &inputs, &spec));
        let mut dag = dag;
        if spec.hook.is_some() {
            dag.decide = Some(vec![
                "decide".into(),
                "--platform".into(),
                self.platform().to_owned(),
                "--workspace".into(),
                name.to_string(),
            ]);
        }
        let spec_key = ArtifactKey::from_parts(&["jobs", "transformer", name.as_str()], "json");
        Ok((text, dag, (spec_key, self.json(&spec)?)))
    }

    /// The credentials the DAGs name, with what uses each.
    fn credentials(&self, lookup: &Lookup<'_>) -> BTreeMap<String, BTreeSet<String>> {
        let mut credentials: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        credentials
            .entry(self.config.merge_credential.clone())
            .or_default()
            .insert("every job: the merge database".to_owned());
        for node in self.graph.nodes() {
            if let NodeKind::Ingest {
                datastore,
                from_platform: None,
                ..
            } = &node.kind
                && let Some(store) = lookup.0.datastore(datastore).map(|p| p.item)
                && let Some(c) = store
                    .capture
                    .ingestion()
                    .and_then(|i| i.credential.as_ref())
            {
                credentials
                    .entry(c.name.to_string())
                    .or_default()
                    .insert(format!("ingestion of `{datastore}`"));
            }
        }
        credentials
    }

    fn secrets(&self, credentials: &BTreeMap<String, BTreeSet<String>>) -> String {
        let mut out = format!(
            "# Secrets of platform {}\n\nGenerated by datasurface (airflow {}). The DAGs name these credentials; \
             their values live only in the secret store.\n\n",
            code(self.platform()),
            self.version
        );
        match self.config.executor {
            crate::config::Executor::Kubernetes => {
                let _ = writeln!(
                    out,
                    "Create each as a Kubernetes secret in namespace `{}` with the keys `user` and `password`.\n\n\
                     | Credential | Secret | Used by |\n|---|---|---|",
                    self.config.namespace
                );
                for (name, uses) in credentials {
                    let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} |",
                        code(name),
                        code(&k8s_name(&[name])),
                        uses.join("; ")
                    );
                }
            }
            crate::config::Executor::Local => {
                out.push_str(
                    "Set each on the Airflow workers as the environment variables below.\n\n\
                     | Credential | Variables | Used by |\n|---|---|---|\n",
                );
                for (name, uses) in credentials {
                    let uses: Vec<&str> = uses.iter().map(String::as_str).collect();
                    let _ = writeln!(
                        out,
                        "| {} | {}, {} | {} |",
                        code(name),
                        code(&crate::dags::credential_variable(name, "user")),
                        code(&crate::dags::credential_variable(name, "password")),
                        uses.join("; ")
                    );
                }
            }
        }
        out
    }
}

/// A dataset's columns as the rendered DDL makes them.
/// A model type as PostgreSQL stores it, for lineage's schemas.
fn physical(t: &datasurface_core::DataType) -> String {
    sql::pg_type(t)
        .unwrap_or(std::borrow::Cow::Borrowed("text"))
        .into_owned()
}

/// The lineage model and the groups that read each dataset, for one render.
type RenderLineage<'a> = (&'a LineageModel<'a>, &'a Readers);

fn column_specs(schema: &datasurface_core::Schema) -> Vec<ColumnSpec> {
    sql::columns(schema)
        .into_iter()
        .map(|(name, pg_type, nullable)| ColumnSpec {
            name: name.to_owned(),
            pg_type: pg_type.into_owned(),
            nullable,
        })
        .collect()
}

/// Where a stream's rows come from, as the job runner reads them.
/// The primary's merge table a mirrored stream reads a dataset from; none
/// for a stream that reads its source.
fn primary_table(source: &SourceSpec, store: &str, dataset: &str) -> Option<String> {
    match source {
        SourceSpec::SqlitePrimary { .. } => Some(sqlite_merge_table(store, dataset)),
        SourceSpec::AirflowPrimary { schema, .. } => {
            Some(qualified(schema, &ident(&[store, dataset, "merge"])))
        }
        _ => None,
    }
}

/// A dataset's merge table in a `sqlite` platform's merge database, as
/// that platform names it (`datasurface_sqlite::render::naming::merge`; a
/// test holds the two together).
pub(crate) fn sqlite_merge_table(store: &str, dataset: &str) -> String {
    format!("{store}__{dataset}")
}

/// The stream a source is read for: its datastore, and its one dataset
/// when it has a stream of its own.
pub(crate) type Stream<'a> = (&'a DatastoreName, Option<&'a DatasetName>);

/// The names a change data capture stream reads its source through: its
/// replication slot (a name on the source's whole server, so it carries
/// where the stream merges: host, database, schema) and publication, the
/// same name, and its changes table in the platform's schema.
pub(crate) fn cdc_names(config: &AirflowConfig, (store, dataset): Stream<'_>) -> (String, String) {
    let mut parts = vec![
        "dssurf",
        config.merge_host.as_str(),
        config.merge_database.as_str(),
        config.schema.as_str(),
        store.as_str(),
    ];
    parts.extend(dataset.map(DatasetName::as_str));
    let slot = ident(&parts);
    let mut table = vec![store.as_str()];
    table.extend(dataset.map(DatasetName::as_str));
    table.push("changes");
    (slot, ident(&table))
}

/// The credentials a stream's job reads its source with: none for a
/// mirror, which reads the primary's merge database.
fn source_credentials(store: &Datastore, from_platform: Option<&str>) -> Vec<String> {
    match (&store.capture, from_platform) {
        (CaptureMetadata::Ingestion(i), None) => {
            i.credential.iter().map(|c| c.name.to_string()).collect()
        }
        _ => Vec::new(),
    }
}

/// How a change data capture stream reads its source.
fn cdc_spec(
    config: &AirflowConfig,
    stream: Stream<'_>,
    cdc: &datasurface_core::capture::Cdc,
) -> CdcSpec {
    let (slot, changes) = cdc_names(config, stream);
    CdcSpec {
        publication: slot.clone(),
        slot,
        snapshot_first: cdc.start == CdcStart::SnapshotThenChanges,
        changes_table: qualified(&config.schema, &changes),
        lag_limit_bytes: config.slot_lag_limit_bytes,
        age_limit_seconds: config.slot_age_limit_seconds,
    }
}

pub(crate) fn source_spec(
    config: &AirflowConfig,
    lookup: &Lookup<'_>,
    store: &Datastore,
    stream: Stream<'_>,
    from_platform: Option<&str>,
) -> SourceSpec {
    let unsupported = |reason: String| SourceSpec::Unsupported { reason };
    if let Some(p) = from_platform {
        let primary = lookup.1.platforms.get_key_value(p);
        let kind = primary.map_or("unknown", |(_, d)| d.kind.as_str());
        if let (Some((name, declaration)), "airflow") = (primary, kind) {
            let (theirs, _) = AirflowConfig::read(
                name.as_str(),
                declaration,
                &datasurface_platform::DataPlatform::version(&crate::Airflow::new()),
            );
            return SourceSpec::AirflowPrimary {
                platform: p.to_owned(),
                host: theirs.merge_host,
                port: theirs.merge_port,
                database: theirs.merge_database,
                schema: theirs.schema,
                credential: config.merge_credential.clone(),
            };
        }
        return match (kind, config.primaries.get(p)) {
            ("sqlite", Some(path)) => SourceSpec::SqlitePrimary {
                platform: p.to_owned(),
                path: path.clone(),
            },
            ("sqlite", None) => unsupported(format!(
                "this stream is ingested by platform `{p}`, whose merge database the worker cannot find: map it in the platform's `primaries` parameter (`{p}: <its state directory>/merge.sqlite`)"
            )),
            (kind, _) => unsupported(format!(
                "this stream is ingested by platform `{p}` (kind `{kind}`), and the job runner reads the merge database of an `airflow` or `sqlite` primary only"
            )),
        };
    }
    let ingestion = match &store.capture {
        CaptureMetadata::TransformerOutput(t) => {
            return SourceSpec::Transformer {
                workspace: t.workspace.to_string(),
            };
        }
        CaptureMetadata::Ingestion(i) => i,
    };
    let container = ingestion.container.to_string();
    let local = config.sources.get(&container).cloned();
    let kind = lookup
        .0
        .container(&ingestion.container)
        .map(|c| &c.item.kind);
    let (watermark, cdc) = match &ingestion.method {
        CaptureMethod::SqlSnapshot(_) => (None, None),
        CaptureMethod::SqlWatermark(w) => (Some(w.watermark_column.to_string()), None),
        CaptureMethod::Cdc(c) => (None, Some(cdc_spec(config, stream, c))),
        CaptureMethod::FileDrop(_) => {
            return match local {
                Some(folder) => SourceSpec::Csv { container, folder },
                None => unsupported(format!(
                    "file drop container `{container}` has no folder on the worker: map it in the platform's `sources` parameter"
                )),
            };
        }
        other @ CaptureMethod::Kafka(_) => {
            return unsupported(format!(
                "the job runner does not read `{}` captures",
                other.name()
            ));
        }
    };
    if let Some(path) = local {
        if cdc.is_some() {
            return unsupported(format!(
                "change data capture reads PostgreSQL's log of changes, and container `{container}` is mapped to a file on the workers"
            ));
        }
        return SourceSpec::Sqlite { container, path };
    }
    match kind {
        Some(ContainerKind::Database(db)) => match (db.engine, &db.endpoint) {
            (DatabaseEngine::Postgres, Some(endpoint)) => SourceSpec::Postgres {
                container,
                host: endpoint.host.clone(),
                port: endpoint.port,
                database: db.database.clone(),
                credential: ingestion.credential.as_ref().map(|c| c.name.to_string()),
                plaintext: config
                    .plaintext_sources
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(&endpoint.host)),
                watermark,
                cdc,
            },
            (DatabaseEngine::Postgres, None) => unsupported(format!(
                "PostgreSQL container `{container}` names no endpoint (host and port)"
            )),
            // Which files on the workers jobs may read is the ecosystem
            // owner's choice (the `sources` parameter), never a team's.
            (DatabaseEngine::Sqlite, _) => unsupported(format!(
                "SQLite container `{container}` is not mapped to a file on the workers: map it in the platform's `sources` parameter"
            )),
            (engine, _) => unsupported(format!(
                "the job runner reads PostgreSQL databases, SQLite snapshots and CSV folders; container `{container}` is a {engine:?} database"
            )),
        },
        _ => unsupported(format!("container `{container}` is not a database")),
    }
}

fn key(text: &str) -> ArtifactKey {
    // The constant keys above are valid; `from_parts` keeps this infallible.
    let (path, extension) = text.rsplit_once('.').unwrap_or((text, "txt"));
    let parts: Vec<&str> = path.split('/').collect();
    ArtifactKey::from_parts(&parts, extension)
}

/// The SQL and DAG artifact keys of a node, by node identity.
fn artifact_keys(kind: &NodeKind) -> (Option<ArtifactKey>, Option<ArtifactKey>) {
    match kind {
        NodeKind::Ingest {
            datastore, dataset, ..
        } => {
            let mut sql_parts = vec!["sql", "ingest", datastore.as_str()];
            let mut dag_name = datastore.to_string();
            if let Some(d) = dataset {
                sql_parts.push(d.as_str());
                dag_name = format!("{datastore}__{d}");
            }
            (
                Some(ArtifactKey::from_parts(&sql_parts, "sql")),
                Some(ArtifactKey::from_parts(
                    &["dags", "ingest", &dag_name],
                    "json",
                )),
            )
        }
        NodeKind::Export {
            container,
            datastore,
            dataset,
        } => (
            Some(ArtifactKey::from_parts(
                &[
                    "sql",
                    "export",
                    container.as_str(),
                    datastore.as_str(),
                    dataset.as_str(),
                ],
                "sql",
            )),
            None,
        ),
        NodeKind::DataTransformer { workspace } => (
            Some(ArtifactKey::from_parts(
                &["sql", "transformer", workspace.as_str()],
                "sql",
            )),
            Some(ArtifactKey::from_parts(
                &["dags", "transformer", workspace.as_str()],
                "json",
            )),
        ),
        NodeKind::Workspace {
            workspace,
            dataset_group,
        } => (
            Some(ArtifactKey::from_parts(
                &[
                    "sql",
                    "workspace",
                    workspace.as_str(),
                    dataset_group.as_str(),
                ],
                "sql",
            )),
            None,
        ),
        // A trigger, or a kind this platform does not render (`render`
        // refuses it).
        _ => (None, None),
    }
}
