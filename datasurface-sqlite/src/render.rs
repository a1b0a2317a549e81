//! From an intention graph to database specs and job specs.

use std::collections::{BTreeMap, BTreeSet};

use datasurface_core::capture::IngestionConsistency;
use datasurface_core::names::{
    DatasetGroupName, DatasetName, DatastoreName, PlatformName, WorkspaceName,
};
use datasurface_core::{
    CaptureMetadata, CaptureMethod, DataTransformer, Dataset, Datastore, Ecosystem, Milestoning,
    StepTrigger, Workspace,
};
use datasurface_platform::graph::{Node, NodeKey, NodeKind, PlatformGraph};
use datasurface_platform::{
    Artifact, ArtifactKey, ArtifactSink, Kept, PlatformError, RenderContext, artifacts_upstream,
    kept_history,
};
use datasurface_rules::validate::ModelIndex;
use datasurface_runtime::hook::{HookJob, Subject};
use datasurface_runtime::lineage::{DatasetLineage, JobLineage, LineageModel, Place, Readers};
use datasurface_runtime::state;
use serde::Serialize;

use crate::dialect::{Affinity, SqlDialect, Sqlite, affinity};
use crate::spec::{
    ColumnSpec, DatabaseSpec, DatasetSpec, DeliveredDataset, DeliverySpec, IngestSpec, LIVE,
    SourceSpec, TableSpec, Target, TransformSpec, VERSION_COLUMNS, ValueCheck, ViewSpec,
};

/// The key of the platform's own tables.
pub const PLATFORM_SPEC: [&str; 2] = ["merge", "000_platform"];

/// Names of things in the databases.
pub mod naming {
    /// A dataset's staging table in the merge database.
    pub fn staging(store: &str, dataset: &str) -> String {
        format!("{store}__{dataset}__staging")
    }
    /// A dataset's merge table in the merge database.
    pub fn merge(store: &str, dataset: &str) -> String {
        format!("{store}__{dataset}")
    }
    /// A dataset's export table in a container database.
    pub fn export(store: &str, dataset: &str) -> String {
        format!("ds_export__{store}__{dataset}")
    }
    /// A consumer group's view of a dataset in its container database.
    pub fn view(workspace: &str, group: &str, store: &str, dataset: &str) -> String {
        format!("{workspace}__{group}__{store}__{dataset}")
    }
    /// A hooked group's own copy of a dataset, which its views read and the
    /// engine delivers when the workspace's hook says so.
    pub fn delivered(workspace: &str, group: &str, store: &str, dataset: &str) -> String {
        format!("ds_delivered__{workspace}__{group}__{store}__{dataset}")
    }
    /// A transformer's input view: `<store>_<dataset>`, as its SQL names it.
    pub fn input(store: &str, dataset: &str) -> String {
        format!("{store}_{dataset}")
    }
    /// A stream's key: the datastore, or `store#dataset`.
    pub fn stream(store: &str, dataset: Option<&str>) -> String {
        match dataset {
            Some(d) => format!("{store}#{d}"),
            None => store.to_owned(),
        }
    }
}

fn key(parts: &[&str]) -> ArtifactKey {
    ArtifactKey::from_parts(parts, "json")
}

/// The system columns of merge and export tables, then the dataset's.
fn versioned_columns(columns: &[ColumnSpec]) -> Vec<ColumnSpec> {
    let mut all: Vec<ColumnSpec> = VERSION_COLUMNS
        .iter()
        .map(|(name, affinity)| ColumnSpec {
            name: (*name).to_owned(),
            affinity: *affinity,
            nullable: false,
            scale: None,
            check: None,
        })
        .collect();
    all.extend(columns.iter().cloned());
    all
}

/// A versioned table (merge or export) for a dataset.
fn versioned_table(name: String, columns: &[ColumnSpec]) -> TableSpec {
    TableSpec {
        indexes: vec![(
            format!("{name}__live"),
            vec![state::BATCH_OUT.into(), state::KEY_HASH.into()],
        )],
        name,
        columns: versioned_columns(columns),
        primary_key: vec![state::KEY_HASH.into(), state::BATCH_IN.into()],
    }
}

/// Where a stream reads its rows, and the source table of each dataset
/// when its capture names them.
fn source_of(
    store: &Datastore,
    from_platform: Option<&str>,
    cdc: Option<SourceSpec>,
) -> (
    SourceSpec,
    Option<datasurface_core::OrderedMap<DatasetName, String>>,
) {
    match (&store.capture, from_platform) {
        // A mirror reads the primary's merge tables, whatever the capture.
        (_, Some(primary)) => (
            SourceSpec::Primary {
                platform: primary.to_owned(),
            },
            None,
        ),
        (CaptureMetadata::TransformerOutput(t), None) => (
            SourceSpec::Transformer {
                workspace: t.workspace.to_string(),
            },
            None,
        ),
        (CaptureMetadata::Ingestion(i), None) => match &i.method {
            CaptureMethod::FileDrop(f) => (
                SourceSpec::CsvFiles {
                    container: i.container.to_string(),
                },
                Some(f.files.clone()),
            ),
            CaptureMethod::SqlSnapshot(s) => (
                SourceSpec::SqliteSnapshot {
                    container: i.container.to_string(),
                },
                Some(s.tables.clone()),
            ),
            CaptureMethod::Cdc(c) => (
                cdc.unwrap_or_else(|| SourceSpec::SqliteSnapshot {
                    container: i.container.to_string(),
                }),
                Some(c.tables.clone()),
            ),
            _ => (
                SourceSpec::SqliteSnapshot {
                    container: i.container.to_string(),
                },
                None,
            ),
        },
    }
}

/// The replication slot (and publication) a change data capture stream
/// reads through: a name on the source's whole server, so it says whose it
/// is (`dssurf_sqlite_` and a readable part of the stream) and ends with 16
/// hex digits of the hash of `whose` (the ecosystem, the platform and the
/// source database) and the stream, which keeps every stream's name its own
/// however its parts map to PostgreSQL's letters.
pub(crate) fn slot_name(whose: &[&str], stream: &str) -> String {
    let readable: String = stream
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(24)
        .collect();
    let mut all = whose.to_vec();
    all.push(stream);
    // The parts as a JSON list: no two lists are the same text.
    let hash = datasurface_platform::content_hash(&serde_json::to_string(&all).unwrap_or_default());
    format!("dssurf_sqlite_{readable}_{}", &hash[..16])
}

/// A dataset's staging table: one batch of rows with their hashes.
fn staging_table(store: &str, dataset: &str, columns: &[ColumnSpec]) -> TableSpec {
    let hash = |name: &str| ColumnSpec {
        name: name.to_owned(),
        affinity: Affinity::Text,
        nullable: false,
        scale: None,
        check: None,
    };
    let mut all = vec![hash(state::KEY_HASH), hash(state::ALL_HASH)];
    all.extend(columns.iter().cloned());
    TableSpec {
        name: naming::staging(store, dataset),
        columns: all,
        primary_key: vec![state::KEY_HASH.into()],
        indexes: Vec::new(),
    }
}

/// Who reads a view, which decides how it shows a decimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// A consumer reads the values: a decimal with a scale is its exact
    /// text at the declared scale (`80.00`), at any of its 18 digits.
    Consumer,
    /// A transformer's SQL computes with the values: a decimal is a SQLite
    /// number, which compares, sorts and sums as a number (15 digits exact;
    /// the platform refuses wider decimals a transformer reads).
    Transformer,
}

/// A column as a view shows it. A decimal is stored as a whole number of
/// `10^-scale` units (exact, and it sorts and sums right); how a view shows
/// it depends on its [`Reader`]. Values a version before this one stored as
/// text read as they were written.
fn presented(d: Sqlite, c: &ColumnSpec, reader: Reader) -> String {
    let name = d.quote(&c.name);
    match (c.affinity, c.scale, reader) {
        (Affinity::Decimal, Some(scale), Reader::Consumer) if scale > 0 => {
            // Whole units and the fraction, by integer arithmetic: exact for
            // every 64-bit value the platform stores (at most 18 digits, so
            // `abs` cannot overflow).
            let unit = 10_i64
                .checked_pow(scale)
                .map_or_else(|| format!("1e{scale}"), |u| u.to_string());
            let zeros = "0".repeat(usize::try_from(scale).unwrap_or(0));
            format!(
                "CASE typeof({name}) WHEN 'integer' THEN \
                 CASE WHEN {name} < 0 THEN '-' ELSE '' END || (abs({name}) / {unit}) || '.' || \
                 substr('{zeros}' || (abs({name}) % {unit}), -{scale}) ELSE {name} END AS {name}"
            )
        }
        (Affinity::Decimal, Some(scale), Reader::Transformer) if scale > 0 => format!(
            "CASE typeof({name}) WHEN 'integer' THEN {name} / 1e{scale} ELSE CAST({name} AS REAL) END AS {name}"
        ),
        (Affinity::Decimal, _, _) => format!("CAST({name} AS INTEGER) AS {name}"),
        _ => name,
    }
}

/// A view of a versioned table: live rows only, or every version.
fn view(
    name: String,
    table: &str,
    columns: &[ColumnSpec],
    versions: bool,
    reader: Reader,
) -> ViewSpec {
    let d = Sqlite;
    let mut cols: Vec<String> = columns.iter().map(|c| presented(d, c, reader)).collect();
    let filter = if versions {
        cols.push(format!("\"{}\"", state::BATCH_IN));
        cols.push(format!("\"{}\"", state::BATCH_OUT));
        String::new()
    } else {
        format!(" WHERE \"{}\" = {LIVE}", state::BATCH_OUT)
    };
    ViewSpec {
        name,
        select: format!("SELECT {} FROM {}{filter}", cols.join(", "), d.quote(table)),
    }
}

fn columns(dataset: &Dataset) -> Vec<ColumnSpec> {
    dataset
        .schema
        .columns
        .iter()
        .map(|(name, c)| ColumnSpec {
            name: name.to_string(),
            affinity: affinity(&c.data_type).unwrap_or(Affinity::Text),
            nullable: c.nullable && !dataset.schema.primary_key.contains(name),
            scale: match &c.data_type {
                datasurface_core::DataType::Decimal(d) => Some(d.scale),
                _ => None,
            },
            check: value_check(&c.data_type),
        })
        .collect()
}

/// What a model type asks of every value.
fn value_check(t: &datasurface_core::DataType) -> Option<ValueCheck> {
    use datasurface_core::DataType;
    if let Some(i) = t.integer() {
        return Some(ValueCheck::Integer {
            bits: i.bits,
            signed: i.signed,
        });
    }
    Some(match t {
        DataType::Decimal(d) => ValueCheck::Decimal {
            precision: d.precision,
            scale: d.scale,
        },
        DataType::Ieee16 => ValueCheck::Float { bits: 16 },
        DataType::Ieee32 => ValueCheck::Float { bits: 32 },
        DataType::Ieee64 => ValueCheck::Float { bits: 64 },
        DataType::Char(x)
        | DataType::NChar(x)
        | DataType::VarChar(x)
        | DataType::NVarChar(x)
        | DataType::String(x) => ValueCheck::Text {
            max_chars: x.max_size?,
        },
        DataType::Date => ValueCheck::Date,
        DataType::Timestamp(_) => ValueCheck::Timestamp,
        _ => return None,
    })
}

pub(crate) struct Renderer<'a> {
    pub(crate) graph: &'a PlatformGraph,
    pub(crate) context: &'a RenderContext<'a>,
    /// The database spec each node renders, known before any is rendered so
    /// that every spec can name those it must come after.
    pub(crate) spec_keys: BTreeMap<NodeKey, ArtifactKey>,
}

/// The key of the database spec a node renders, if it renders one.
pub(crate) fn spec_key(node: &Node, eco: &Ecosystem) -> Option<ArtifactKey> {
    let container = |w: &WorkspaceName| {
        eco.workspace(w)
            .and_then(|(_, ws)| ws.container.as_ref())
            .map(ToString::to_string)
    };
    let parts: Vec<String> = match &node.kind {
        NodeKind::Ingest {
            datastore, dataset, ..
        } => {
            let mut parts = vec!["merge".into(), "ingest".into(), datastore.to_string()];
            parts.extend(dataset.as_ref().map(ToString::to_string));
            parts
        }
        NodeKind::Export {
            container,
            datastore,
            dataset,
        } => vec![
            "containers".into(),
            container.to_string(),
            "exports".into(),
            datastore.to_string(),
            dataset.to_string(),
        ],
        NodeKind::Workspace {
            workspace,
            dataset_group,
        } => vec![
            "containers".into(),
            container(workspace)?,
            "workspaces".into(),
            workspace.to_string(),
            dataset_group.to_string(),
        ],
        NodeKind::DataTransformer { workspace } => vec![
            "containers".into(),
            container(workspace)?,
            "transformers".into(),
            workspace.to_string(),
        ],
        // A trigger, or a kind this platform does not render (`render`
        // refuses it).
        _ => return None,
    };
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    Some(key(&parts))
}

/// The containers each `(store, dataset)` is exported to.
type Exports = BTreeMap<(String, String), BTreeSet<String>>;

/// What a batch writes of `store.dataset`: its merge table, and the views of
/// the consumer groups that read it, but for a hooked workspace's, whose
/// tables its delivery job writes.
fn written(
    lineage: &LineageModel<'_>,
    store: &DatastoreName,
    dataset: &DatasetName,
    readers: &Readers,
) -> Vec<DatasetLineage> {
    let (s, d) = (store.as_str(), dataset.as_str());
    lineage.written(
        (store, dataset),
        (Place::Merge, &naming::merge(s, d)),
        readers,
        &|r| match (&r.container, r.hooked) {
            (Some(container), false) => Some((
                Place::container(container),
                naming::view(&r.workspace, &r.group, s, d),
            )),
            _ => None,
        },
        &physical,
    )
}

/// The declared SQLite type of a model type, as lineage's schemas give it.
fn physical(t: &datasurface_core::DataType) -> String {
    let scale = match t {
        datasurface_core::DataType::Decimal(d) => Some(d.scale),
        _ => None,
    };
    Sqlite.column_type(affinity(t).unwrap_or(Affinity::Text), scale)
}

/// What a consumer group renders in its container.
struct Group {
    tables: Vec<TableSpec>,
    views: Vec<ViewSpec>,
    delivery: Option<DeliverySpec>,
}

/// The rendering being made, and the spec each node rendered.
struct Out<'s> {
    rendering: &'s mut dyn ArtifactSink,
    spec_of: BTreeMap<NodeKey, ArtifactKey>,
    platform_key: ArtifactKey,
}

/// The model's index, built once per render.
type Lookup<'a> = ModelIndex<'a>;

impl Renderer<'_> {
    fn platform(&self) -> &str {
        self.context.platform.as_str()
    }

    fn missing(&self, what: &str) -> PlatformError {
        PlatformError::Other {
            platform: self.platform().to_owned(),
            source: format!("the graph names {what}, which the model lacks").into(),
        }
    }

    /// A spec as pretty JSON, written straight from the value (no JSON
    /// tree); one that is not JSON fails the render.
    fn json(&self, value: &impl Serialize) -> Result<String, PlatformError> {
        datasurface_platform::to_spec_json(value).map_err(|e| PlatformError::Other {
            platform: self.context.platform.to_string(),
            source: Box::new(e),
        })
    }

    pub(crate) fn render(&self, sink: &mut dyn ArtifactSink) -> Result<(), PlatformError> {
        let eco: &Ecosystem = self.context.ecosystem.ecosystem();
        let lookup = ModelIndex::new(eco);
        let mut out = Out {
            rendering: sink,
            spec_of: BTreeMap::new(),
            platform_key: key(&PLATFORM_SPEC),
        };
        out.rendering.put(
            out.platform_key.clone(),
            Artifact::new(None, self.json(&platform_tables())?, Vec::new()),
        )?;
        let exports = self.exports();
        let lineage = LineageModel::new(&lookup, eco.name.as_str(), self.platform());
        let views = lineage.readers(self.graph);
        let history = kept_history(self.graph, &lookup);
        for node in self.graph.nodes() {
            match &node.kind {
                NodeKind::Ingest {
                    datastore,
                    dataset,
                    from_platform,
                } => {
                    let store = self.store(&lookup, datastore)?;
                    let keep = history.get(datastore).copied();
                    let from = from_platform.as_ref().map(PlatformName::as_str);
                    let cdc = self.cdc_source(
                        &lookup,
                        store,
                        &naming::stream(
                            datastore.as_str(),
                            dataset.as_ref().map(DatasetName::as_str),
                        ),
                    );
                    let (spec, mut job) = Self::ingest(
                        (datastore, dataset.as_ref()),
                        from,
                        store,
                        cdc,
                        &exports,
                        keep,
                    );
                    job.lineage = Some(Self::ingest_lineage(
                        &lineage,
                        (datastore, store),
                        &job,
                        &views,
                    ));
                    let mut parts = vec!["merge", "ingest", datastore.as_str()];
                    parts.extend(dataset.as_ref().map(DatasetName::as_str));
                    let spec_key = self.add_spec(&mut out, node, &parts, &spec)?;
                    let job_key = key(&["jobs", "ingest", &job.stream.replace('#', "__")]);
                    out.rendering.put(
                        job_key,
                        Artifact::new(Some(node.key.clone()), self.json(&job)?, vec![spec_key]),
                    )?;
                }
                NodeKind::Export {
                    container,
                    datastore,
                    dataset,
                } => {
                    let d = self
                        .store(&lookup, datastore)?
                        .datasets
                        .get(dataset)
                        .ok_or_else(|| self.missing(dataset.as_str()))?;
                    let spec = DatabaseSpec {
                        target: Target::Container(container.to_string()),
                        tables: vec![versioned_table(
                            naming::export(datastore.as_str(), dataset.as_str()),
                            &columns(d),
                        )],
                        views: Vec::new(),
                    };
                    self.add_spec(
                        &mut out,
                        node,
                        &[
                            "containers",
                            container.as_str(),
                            "exports",
                            datastore.as_str(),
                            dataset.as_str(),
                        ],
                        &spec,
                    )?;
                }
                NodeKind::Workspace {
                    workspace,
                    dataset_group,
                } => self.consumer(&lookup, &lineage, &mut out, node, workspace, dataset_group)?,
                NodeKind::DataTransformer { workspace } => {
                    self.transformer(&lookup, &lineage, &views, &mut out, node, workspace)?;
                }
                NodeKind::Trigger { .. } => {}
                _ => return Err(self.context.unsupported(format!("node `{}`", node.key))),
            }
        }
        Ok(())
    }

    /// A consumer group's tables and views in its container, and for a
    /// hooked workspace the job that delivers them.
    fn consumer(
        &self,
        lookup: &Lookup<'_>,
        lineage: &LineageModel<'_>,
        out: &mut Out<'_>,
        node: &Node,
        workspace: &WorkspaceName,
        dataset_group: &DatasetGroupName,
    ) -> Result<(), PlatformError> {
        let ws = self.workspace(lookup, workspace)?;
        let Some(container) = &ws.container else {
            return Ok(());
        };
        let group = self.group(lookup, lineage, workspace, ws, dataset_group)?;
        let spec = DatabaseSpec {
            target: Target::Container(container.to_string()),
            tables: group.tables,
            views: group.views,
        };
        let spec_key = self.add_spec(
            out,
            node,
            &[
                "containers",
                container.as_str(),
                "workspaces",
                workspace.as_str(),
                dataset_group.as_str(),
            ],
            &spec,
        )?;
        if let Some(delivery) = group.delivery {
            out.rendering.put(
                key(&[
                    "jobs",
                    "delivery",
                    workspace.as_str(),
                    dataset_group.as_str(),
                ]),
                Artifact::new(
                    Some(node.key.clone()),
                    self.json(&delivery)?,
                    vec![spec_key],
                ),
            )?;
        }
        Ok(())
    }

    /// Adds a database spec for a node, after the specs of its nearest ancestors.
    fn add_spec(
        &self,
        out: &mut Out<'_>,
        node: &Node,
        parts: &[&str],
        spec: &DatabaseSpec,
    ) -> Result<ArtifactKey, PlatformError> {
        let mut deps = artifacts_upstream(self.graph, &node.key, &self.spec_keys);
        deps.push(out.platform_key.clone());
        let spec_key = key(parts);
        out.rendering.put(
            spec_key.clone(),
            Artifact::new(Some(node.key.clone()), self.json(spec)?, deps),
        )?;
        out.spec_of.insert(node.key.clone(), spec_key.clone());
        Ok(spec_key)
    }

    fn store<'l>(
        &self,
        lookup: &Lookup<'l>,
        name: &DatastoreName,
    ) -> Result<&'l Datastore, PlatformError> {
        lookup
            .datastore(name)
            .map(|p| p.item)
            .ok_or_else(|| self.missing(name.as_str()))
    }

    fn workspace<'l>(
        &self,
        lookup: &Lookup<'l>,
        name: &WorkspaceName,
    ) -> Result<&'l Workspace, PlatformError> {
        lookup
            .workspace(name)
            .map(|p| p.item)
            .ok_or_else(|| self.missing(name.as_str()))
    }

    fn dataset_columns(
        &self,
        lookup: &Lookup<'_>,
        store: &DatastoreName,
        dataset: &DatasetName,
    ) -> Result<Vec<ColumnSpec>, PlatformError> {
        let d = self
            .store(lookup, store)?
            .datasets
            .get(dataset)
            .ok_or_else(|| self.missing(dataset.as_str()))?;
        Ok(columns(d))
    }

    /// The containers each dataset is exported to.
    fn exports(&self) -> Exports {
        let mut exports = Exports::new();
        for node in self.graph.nodes() {
            if let NodeKind::Export {
                container,
                datastore,
                dataset,
            } = &node.kind
            {
                exports
                    .entry((datastore.to_string(), dataset.to_string()))
                    .or_default()
                    .insert(container.to_string());
            }
        }
        exports
    }

    /// A consumer group's views (live, forensic, or live with a `__history`
    /// view) over the exports; for a hooked workspace, over tables of the
    /// group's own, with the job that delivers them.
    fn group(
        &self,
        lookup: &Lookup<'_>,
        lineage: &LineageModel<'_>,
        workspace: &WorkspaceName,
        ws: &Workspace,
        group: &DatasetGroupName,
    ) -> Result<Group, PlatformError> {
        let g = ws
            .dataset_groups
            .get(group)
            .ok_or_else(|| self.missing(group.as_str()))?;
        let milestoning = g
            .requirements
            .as_ref()
            .map_or(Milestoning::LiveOnly, |r| r.milestoning);
        let mut sinks: Vec<_> = g.sinks.iter().map(|s| (&s.datastore, &s.dataset)).collect();
        sinks.sort();
        sinks.dedup();
        let mut out = Group {
            tables: Vec::new(),
            views: Vec::new(),
            delivery: None,
        };
        let mut delivered = Vec::new();
        // A hooked group's delivery job reads its exports and writes the
        // group's tables, which its views show.
        let mut job = lineage.delivery_job(workspace, group.as_str());
        let reader = format!("{workspace}.{group}");
        for (s, d) in sinks {
            let cols = self.dataset_columns(lookup, s, d)?;
            let name = naming::view(workspace.as_str(), group.as_str(), s.as_str(), d.as_str());
            let export = naming::export(s.as_str(), d.as_str());
            let table = if ws.hook.is_some() {
                let table =
                    naming::delivered(workspace.as_str(), group.as_str(), s.as_str(), d.as_str());
                let versioned = versioned_table(table.clone(), &cols);
                let single = self.store(lookup, s)?.capture.consistency()
                    == IngestionConsistency::SingleDataset;
                if let Some(container) = &ws.container {
                    let place = Place::container(container.as_str());
                    job.inputs
                        .push(lineage.dataset(place.clone(), &export, s, d, &physical));
                    job.outputs.push(
                        lineage
                            .dataset(place, &name, s, d, &physical)
                            .for_group(reader.clone()),
                    );
                }
                delivered.push(DeliveredDataset {
                    stream: naming::stream(s.as_str(), single.then_some(d.as_str())),
                    export,
                    table: table.clone(),
                    columns: versioned.columns.iter().map(|c| c.name.clone()).collect(),
                });
                out.tables.push(versioned);
                table
            } else {
                export
            };
            match milestoning {
                Milestoning::LiveOnly => {
                    out.views
                        .push(view(name, &table, &cols, false, Reader::Consumer));
                }
                Milestoning::Forensic => {
                    out.views
                        .push(view(name, &table, &cols, true, Reader::Consumer));
                }
                Milestoning::LiveWithForensicHistory => {
                    out.views.push(view(
                        format!("{name}__history"),
                        &table,
                        &cols,
                        true,
                        Reader::Consumer,
                    ));
                    out.views
                        .push(view(name, &table, &cols, false, Reader::Consumer));
                }
            }
        }
        if let (Some(hook), Some(container)) = (&ws.hook, &ws.container) {
            let team = lookup
                .workspace(workspace)
                .map(|p| p.team.to_string())
                .ok_or_else(|| self.missing(workspace.as_str()))?;
            out.delivery = Some(DeliverySpec {
                workspace: workspace.to_string(),
                group: group.to_string(),
                container: container.to_string(),
                hook: HookJob::new(
                    hook,
                    workspace.as_str(),
                    &team,
                    self.platform(),
                    Subject::Delivery {
                        dataset_group: group.to_string(),
                    },
                ),
                datasets: delivered,
                lineage: Some(job),
            });
        }
        Ok(out)
    }

    /// A transformer's input views in its container, and its job.
    fn transformer(
        &self,
        lookup: &Lookup<'_>,
        lineage: &LineageModel<'_>,
        group_views: &Readers,
        out: &mut Out<'_>,
        node: &Node,
        workspace: &WorkspaceName,
    ) -> Result<(), PlatformError> {
        let placed = lookup
            .workspace(workspace)
            .ok_or_else(|| self.missing(workspace.as_str()))?;
        let ws = placed.item;
        let (Some(container), Some(transformer)) = (&ws.container, &ws.transformer) else {
            return Ok(());
        };
        let mut views = Vec::new();
        let mut inputs = BTreeSet::new();
        let mut input_views = Vec::new();
        let mut sinks: Vec<_> = ws
            .sinks()
            .map(|(_, s)| (&s.datastore, &s.dataset))
            .collect();
        sinks.sort();
        sinks.dedup();
        for &(s, d) in &sinks {
            let cols = self.dataset_columns(lookup, s, d)?;
            input_views.push(naming::input(s.as_str(), d.as_str()));
            views.push(view(
                naming::input(s.as_str(), d.as_str()),
                &naming::export(s.as_str(), d.as_str()),
                &cols,
                false,
                Reader::Transformer,
            ));
            let single =
                self.store(lookup, s)?.capture.consistency() == IngestionConsistency::SingleDataset;
            inputs.insert(naming::stream(s.as_str(), single.then_some(d.as_str())));
        }
        let spec = DatabaseSpec {
            target: Target::Container(container.to_string()),
            tables: Vec::new(),
            views,
        };
        let spec_key = self.add_spec(
            out,
            node,
            &[
                "containers",
                container.as_str(),
                "transformers",
                workspace.as_str(),
            ],
            &spec,
        )?;
        // Each query as the gate judged it, written again for SQLite.
        let queries = datasurface_runtime::transformer_query::rendered_queries(
            self.platform(),
            workspace.as_str(),
            ws,
            &crate::transformer_sql(),
            |name| lookup.datastore(name).map(|p| p.item),
        )?
        .into_iter()
        .map(|(d, q)| (d.to_string(), q))
        .collect();
        let job = TransformSpec {
            timeout_seconds: transformer.limits.timeout_seconds,
            memory_mib: transformer.limits.memory_mib,
            workspace: workspace.to_string(),
            container: container.to_string(),
            queries,
            output_stream: transformer.output_datastore.to_string(),
            inputs: inputs.into_iter().collect(),
            input_views,
            cron: match &transformer.trigger {
                Some(StepTrigger::Cron(c)) => Some(c.clone()),
                _ => None,
            },
            hook: ws.hook.as_ref().map(|hook| {
                HookJob::new(
                    hook,
                    workspace.as_str(),
                    placed.team.as_str(),
                    self.platform(),
                    Subject::Transformer {
                        output_datastore: transformer.output_datastore.to_string(),
                    },
                )
            }),
            lineage: None,
        };
        let job = TransformSpec {
            lineage: Some(Self::transform_lineage(
                lookup,
                lineage,
                group_views,
                (workspace, transformer),
                container.as_str(),
                &sinks,
            )),
            ..job
        };
        let job_key = key(&["jobs", "transformer", workspace.as_str()]);
        out.rendering.put(
            job_key,
            Artifact::new(Some(node.key.clone()), self.json(&job)?, vec![spec_key]),
        )?;
        Ok(())
    }

    /// The lineage of a transformer's job: the input views it reads in its
    /// container, and what its output's batch writes.
    fn transform_lineage(
        lookup: &Lookup<'_>,
        lineage: &LineageModel<'_>,
        group_views: &Readers,
        (workspace, transformer): (&WorkspaceName, &DataTransformer),
        container: &str,
        sinks: &[(&DatastoreName, &DatasetName)],
    ) -> JobLineage {
        let mut job_lineage = lineage.transformer_job(workspace, transformer);
        for &(s, d) in sinks {
            job_lineage.inputs.push(lineage.dataset(
                Place::container(container),
                &naming::input(s.as_str(), d.as_str()),
                s,
                d,
                &physical,
            ));
        }
        // The output's batch is the transformer's run: what it writes is
        // what the output stream's job writes.
        if let Some(output) = lookup.datastore(&transformer.output_datastore) {
            let mut datasets: Vec<&DatasetName> = output.item.datasets.keys().collect();
            datasets.sort();
            for d in datasets {
                job_lineage.outputs.extend(written(
                    lineage,
                    &transformer.output_datastore,
                    d,
                    group_views,
                ));
            }
        }
        lineage.add_column_lineage(
            &mut job_lineage,
            transformer,
            sinks,
            &crate::transformer_sql(),
        );
        job_lineage
    }

    /// The lineage of an ingestion job: the source tables it reads (with
    /// the checks a batch makes of them) and what it writes. A transformer's
    /// output reads nothing of its own: the transformer's job says what it read.
    fn ingest_lineage(
        lineage: &LineageModel<'_>,
        (name, store): (&DatastoreName, &Datastore),
        job: &IngestSpec,
        views: &Readers,
    ) -> JobLineage {
        let mut lineage_job = lineage.ingest_job(&job.stream, name);
        let place = match &job.source {
            SourceSpec::SqliteSnapshot { container }
            | SourceSpec::CsvFiles { container }
            | SourceSpec::PostgresCdc { container, .. } => Some(Place::source(container)),
            SourceSpec::Primary { platform } => Some(Place::Primary(platform.clone())),
            SourceSpec::Transformer { .. } => None,
        };
        for d in &job.datasets {
            let Some(dataset) = store.datasets.keys().find(|n| n.as_str() == d.dataset) else {
                continue;
            };
            if let Some(place) = &place {
                lineage_job.inputs.push(
                    lineage
                        .dataset(place.clone(), &d.source_table, name, dataset, &physical)
                        .with_checks(lineage.checks(name, dataset)),
                );
            }
            lineage_job
                .outputs
                .extend(written(lineage, name, dataset, views));
        }
        lineage_job
    }

    /// The source of a change data capture from a PostgreSQL container with
    /// an endpoint; none for any other capture (or container, which lint
    /// reports).
    fn cdc_source(
        &self,
        lookup: &Lookup<'_>,
        store: &Datastore,
        stream: &str,
    ) -> Option<SourceSpec> {
        let CaptureMetadata::Ingestion(i) = &store.capture else {
            return None;
        };
        let CaptureMethod::Cdc(cdc) = &i.method else {
            return None;
        };
        let container = lookup.container(&i.container)?;
        let datasurface_core::ContainerKind::Database(db) = &container.item.kind else {
            return None;
        };
        let (datasurface_core::DatabaseEngine::Postgres, Some(endpoint)) =
            (db.engine, &db.endpoint)
        else {
            return None;
        };
        let plaintext = crate::SqliteParameters::of(self.context.declaration)
            .plaintext_sources
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&endpoint.host));
        Some(SourceSpec::PostgresCdc {
            container: i.container.to_string(),
            host: endpoint.host.clone(),
            port: endpoint.port,
            database: db.database.clone(),
            credential: i.credential.as_ref().map(|c| c.name.to_string()),
            plaintext,
            slot: slot_name(
                &[
                    self.context.ecosystem.ecosystem().name.as_str(),
                    self.platform(),
                    &endpoint.host,
                    &endpoint.port.to_string(),
                    &db.database,
                ],
                stream,
            ),
            snapshot_first: cdc.start == datasurface_core::capture::CdcStart::SnapshotThenChanges,
        })
    }

    fn ingest(
        (datastore, dataset): (&DatastoreName, Option<&DatasetName>),
        from_platform: Option<&str>,
        store: &Datastore,
        cdc: Option<SourceSpec>,
        exports: &Exports,
        history: Option<Kept>,
    ) -> (DatabaseSpec, IngestSpec) {
        let mut datasets: Vec<(&DatasetName, &Dataset)> = store
            .datasets
            .iter()
            .filter(|(n, _)| dataset.is_none_or(|d| d == *n))
            .collect();
        datasets.sort_by_key(|(n, _)| *n);
        let (source, tables) = source_of(store, from_platform, cdc);
        let mut spec = DatabaseSpec {
            target: Target::Merge,
            tables: Vec::new(),
            views: Vec::new(),
        };
        let mut jobs = Vec::new();
        for (name, d) in datasets {
            let cols = columns(d);
            let (s, n) = (datastore.as_str(), name.as_str());
            spec.tables.push(staging_table(s, n, &cols));
            spec.tables
                .push(versioned_table(naming::merge(s, n), &cols));
            let source_table = if from_platform.is_some() {
                naming::merge(s, n)
            } else {
                tables
                    .as_ref()
                    .and_then(|t| t.get(name).cloned())
                    .unwrap_or_else(|| name.to_string())
            };
            jobs.push(DatasetSpec {
                dataset: n.to_owned(),
                source_table,
                columns: cols,
                primary_key: d
                    .schema
                    .primary_key
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
                staging_table: naming::staging(s, n),
                merge_table: naming::merge(s, n),
                exports: exports
                    .get(&(s.to_owned(), n.to_owned()))
                    .into_iter()
                    .flatten()
                    .map(|c| (c.clone(), naming::export(s, n)))
                    .collect(),
                allow_empty: d.allow_empty_snapshot,
                quality: datasurface_runtime::quality::checks(
                    d,
                    &Sqlite.quote(&naming::merge(s, n)),
                    &crate::quality::Stored,
                ),
            });
        }
        let cron = match store.capture.ingestion().and_then(|i| i.trigger.as_ref()) {
            Some(StepTrigger::Cron(c)) => Some(c.clone()),
            _ => None,
        };
        let job = IngestSpec {
            stream: naming::stream(datastore.as_str(), dataset.map(DatasetName::as_str)),
            datastore: datastore.to_string(),
            source,
            keep_history: history.is_some(),
            retention_days: history.and_then(Kept::days),
            datasets: jobs,
            cron,
            lineage: None,
        };
        (spec, job)
    }
}

/// The platform's own tables: batches and their state, workspaces' hooks'
/// decisions, and what each transformer last saw of its inputs.
fn platform_tables() -> DatabaseSpec {
    let col = |name: &str, affinity, nullable| ColumnSpec {
        name: name.to_owned(),
        affinity,
        nullable,
        scale: None,
        check: None,
    };
    DatabaseSpec {
        target: Target::Merge,
        tables: vec![
            TableSpec {
                name: state::BATCH_METRICS.into(),
                columns: vec![
                    col("stream_key", Affinity::Text, false),
                    col("batch_id", Affinity::Integer, false),
                    col("status", Affinity::Text, false),
                    col("batch_start", Affinity::Text, false),
                    col("batch_end", Affinity::Text, true),
                    col("rows_inserted", Affinity::Integer, true),
                    col("rows_updated", Affinity::Integer, true),
                    col("rows_deleted", Affinity::Integer, true),
                    col("rows_total", Affinity::Integer, true),
                    col("seconds", Affinity::Real, true),
                    col("message", Affinity::Text, true),
                    // Where a change data capture stream stands once the
                    // batch has committed (its position, as JSON).
                    col("state", Affinity::Text, true),
                ],
                primary_key: vec!["stream_key".into(), "batch_id".into()],
                indexes: Vec::new(),
            },
            TableSpec {
                name: state::HOOK_DECISION.into(),
                columns: vec![
                    col("workspace", Affinity::Text, false),
                    col("decision", Affinity::Integer, false),
                    col("decided_at", Affinity::Text, false),
                    col("event", Affinity::Text, false),
                    col("action", Affinity::Text, false),
                    col("until", Affinity::Text, true),
                    col("reason", Affinity::Text, false),
                    col("decided_by", Affinity::Text, false),
                    col("fuel", Affinity::Integer, true),
                    col("inputs", Affinity::Text, false),
                    col("batch", Affinity::Integer, true),
                    col("subject", Affinity::Text, true),
                ],
                primary_key: vec!["workspace".into(), "decision".into()],
                indexes: Vec::new(),
            },
            TableSpec {
                name: "capture_resync".into(),
                columns: vec![
                    col("stream_key", Affinity::Text, false),
                    col("asked", Affinity::Text, false),
                ],
                primary_key: vec!["stream_key".into()],
                indexes: Vec::new(),
            },
            TableSpec {
                name: "transformer_input".into(),
                columns: vec![
                    col("workspace", Affinity::Text, false),
                    col("stream_key", Affinity::Text, false),
                    col("batch_id", Affinity::Integer, false),
                ],
                primary_key: vec!["workspace".into(), "stream_key".into()],
                indexes: Vec::new(),
            },
        ],
        views: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::slot_name;
    use proptest::prelude::*;

    #[test]
    fn streams_that_map_to_the_same_letters_get_their_own_slots() {
        let whose = ["Shop", "Local", "db.example", "5432", "sales"];
        let a = slot_name(&whose, "Orders#line items");
        let b = slot_name(&whose, "Orders#line_items");
        assert_ne!(a, b);
        assert!(a.starts_with("dssurf_sqlite_orders_line_items_"), "{a}");
        // Another source database is another slot, even with every name alike.
        let other = ["Shop", "Local", "db.example", "5432", "sales2"];
        assert_ne!(slot_name(&other, "Orders"), slot_name(&whose, "Orders"));
        // A part may not run into the next.
        assert_ne!(slot_name(&["ab", "c"], "s"), slot_name(&["a", "bc"], "s"));
    }

    proptest! {
        #[test]
        fn a_slot_name_is_a_short_plain_postgres_name(
            whose in proptest::collection::vec(".{0,40}", 0..6),
            stream in ".{0,80}",
        ) {
            let whose: Vec<&str> = whose.iter().map(String::as_str).collect();
            let name = slot_name(&whose, &stream);
            prop_assert!(name.len() <= 63, "{name}");
            prop_assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'), "{name}");
        }
    }
}
