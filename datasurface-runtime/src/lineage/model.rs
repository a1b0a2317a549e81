//! A job's lineage from the model: the owners, schemas and documentation a
//! platform's renderer puts in its templates, the same for every platform.

use datasurface_core::DataType;
use std::collections::BTreeMap;

use datasurface_core::Documentation;
use datasurface_core::names::{DatasetName, DatastoreName, TeamName, WorkspaceName, ZoneName};
use datasurface_graph::{NodeKind, PlatformGraph};
use datasurface_rules::validate::ModelIndex;

use super::job::{Check, DatasetLineage, Field, JobLineage, JobType, Place, team_owner};

/// A consumer group on a platform's graph that reads a dataset.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reader {
    /// Its workspace.
    pub workspace: String,
    /// The group.
    pub group: String,
    /// The workspace's container, if it has one.
    pub container: Option<String>,
    /// Whether the workspace has a code hook.
    pub hooked: bool,
}

impl Reader {
    /// The group as lineage names it: `<workspace>.<group>`.
    pub fn name(&self) -> String {
        format!("{}.{}", self.workspace, self.group)
    }
}

/// The groups that read each dataset, by `(store, dataset)`, sorted.
pub type Readers = BTreeMap<(String, String), Vec<Reader>>;

/// `job`, owned by a zone's team and described by its documentation.
fn owned(
    job: JobLineage,
    zone: &ZoneName,
    team: &TeamName,
    documentation: Option<&Documentation>,
) -> JobLineage {
    let mut job = job.owned_by(zone.as_str(), team.as_str());
    job.description = documentation.map(|d| d.description.clone());
    job
}

/// Lineage templates for one platform's render: the model's index, the
/// ecosystem's and platform's names.
#[derive(Debug)]
pub struct LineageModel<'a> {
    index: &'a ModelIndex<'a>,
    namespace: String,
    model: String,
}

impl<'a> LineageModel<'a> {
    /// Templates for platform `platform` of the ecosystem the index is of.
    pub fn new(index: &'a ModelIndex<'a>, ecosystem: &str, platform: &str) -> Self {
        LineageModel {
            index,
            namespace: super::job_namespace(ecosystem, platform),
            model: super::model_namespace(ecosystem),
        }
    }

    /// The job that ingests `stream` of datastore `store`, owned by the
    /// store's team, with no datasets yet.
    pub fn ingest_job(&self, stream: &str, store: &DatastoreName) -> JobLineage {
        let job = JobLineage::new(
            self.namespace.clone(),
            format!("ingest.{stream}"),
            JobType::Ingest,
        );
        match self.index.datastore(store) {
            Some(p) => owned(job, p.zone, p.team, p.item.documentation.as_deref()),
            None => job,
        }
    }

    /// The job that runs workspace `workspace`'s transformer, owned by the
    /// workspace's team, with no datasets yet.
    pub fn transform_job(&self, workspace: &WorkspaceName, sql: Option<String>) -> JobLineage {
        let job = JobLineage::new(
            self.namespace.clone(),
            format!("transform.{workspace}"),
            JobType::Transform,
        );
        let mut job = match self.index.workspace(workspace) {
            Some(p) => owned(job, p.zone, p.team, p.item.documentation.as_ref()),
            None => job,
        };
        job.sql = sql;
        job
    }

    /// The job that runs `transformer`, workspace `workspace`'s, owned by the
    /// workspace's team, with its SQL (each query after a `-- <dataset>`
    /// line, in dataset order) when it is a SQL transformer, and no
    /// datasets yet.
    pub fn transformer_job(
        &self,
        workspace: &WorkspaceName,
        transformer: &datasurface_core::DataTransformer,
    ) -> JobLineage {
        let sql = match &transformer.code {
            datasurface_core::CodeArtifact::Sql(sql) => Some(
                sql.sorted_queries()
                    .into_iter()
                    .map(|(d, q)| format!("-- {d}\n{q}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            _ => None,
        };
        self.transform_job(workspace, sql)
    }

    /// Gives each output of `job`, a transformer's, the column lineage of
    /// the query that writes it, as the platform runs its queries (`sql`):
    /// `inputs` are the transformer's, as the job reads them.
    pub fn add_column_lineage(
        &self,
        job: &mut JobLineage,
        transformer: &datasurface_core::DataTransformer,
        inputs: &[(&DatastoreName, &DatasetName)],
        sql: &datasurface_platform::TransformerSql,
    ) {
        let datasurface_core::CodeArtifact::Sql(code) = &transformer.code else {
            return;
        };
        let inputs: Vec<super::TransformerInput> = inputs
            .iter()
            .filter_map(|(store, dataset)| {
                let columns = self
                    .index
                    .datastore(store)?
                    .item
                    .datasets
                    .get(*dataset)?
                    .schema
                    .columns
                    .keys()
                    .map(ToString::to_string)
                    .collect();
                Some(super::TransformerInput {
                    table: (sql.input_name)(store.as_str(), dataset.as_str()),
                    dataset: format!("{store}.{dataset}"),
                    columns,
                })
            })
            .collect();
        let out = &transformer.output_datastore;
        for output in job.outputs.iter_mut().filter(|o| o.group.is_none()) {
            let query = code
                .queries
                .iter()
                .find(|(d, _)| format!("{out}.{d}") == output.model_name)
                .map(|(_, q)| q);
            if let Some(query) = query {
                output.column_lineage = super::column_lineage(query, sql, &inputs);
            }
        }
    }

    /// The job that delivers dataset group `group` of hooked workspace
    /// `workspace` (when its hook says to), owned by the workspace's team,
    /// with no datasets yet.
    pub fn delivery_job(&self, workspace: &WorkspaceName, group: &str) -> JobLineage {
        let job = JobLineage::new(
            self.namespace.clone(),
            format!("deliver.{workspace}.{group}"),
            JobType::Export,
        );
        match self.index.workspace(workspace) {
            Some(p) => owned(job, p.zone, p.team, p.item.documentation.as_ref()),
            None => job,
        }
    }

    /// The consumer groups of `graph` (one platform's) that read each dataset.
    pub fn readers(&self, graph: &PlatformGraph) -> Readers {
        let mut readers = Readers::new();
        for node in graph.nodes() {
            let NodeKind::Workspace {
                workspace,
                dataset_group,
            } = &node.kind
            else {
                continue;
            };
            let Some(placed) = self.index.workspace(workspace) else {
                continue;
            };
            let Some(group) = placed.item.dataset_groups.get(dataset_group) else {
                continue;
            };
            let reader = Reader {
                workspace: workspace.to_string(),
                group: dataset_group.to_string(),
                container: placed.item.container.as_ref().map(ToString::to_string),
                hooked: placed.item.hook.is_some(),
            };
            for sink in &group.sinks {
                let key = (sink.datastore.to_string(), sink.dataset.to_string());
                let entry = readers.entry(key).or_default();
                if !entry.contains(&reader) {
                    entry.push(reader.clone());
                }
            }
        }
        for list in readers.values_mut() {
            list.sort();
        }
        readers
    }

    /// What a batch writes of `store.dataset`: its merge table (`merge`,
    /// a place and table), and the view of each group that reads it and
    /// sees the batch when it commits, where `view` says it is.
    pub fn written(
        &self,
        (store, dataset): (&DatastoreName, &DatasetName),
        merge: (Place, &str),
        readers: &Readers,
        view: &dyn Fn(&Reader) -> Option<(Place, String)>,
        physical: &dyn Fn(&DataType) -> String,
    ) -> Vec<DatasetLineage> {
        let mut written = vec![self.dataset(merge.0, merge.1, store, dataset, physical)];
        let key = (store.to_string(), dataset.to_string());
        for reader in readers.get(&key).into_iter().flatten() {
            if let Some((place, table)) = view(reader) {
                written.push(
                    self.dataset(place, &table, store, dataset, physical)
                        .for_group(reader.name()),
                );
            }
        }
        written
    }

    /// Dataset `store.dataset` at `place` in `table`: its owners, and its
    /// columns typed by `physical` with their documentation.
    pub fn dataset(
        &self,
        place: Place,
        table: &str,
        store: &DatastoreName,
        dataset: &DatasetName,
        physical: &dyn Fn(&DataType) -> String,
    ) -> DatasetLineage {
        let mut lineage =
            DatasetLineage::new(place, table, &self.model, &format!("{store}.{dataset}"));
        if let Some(placed) = self.index.datastore(store) {
            lineage.owners = vec![team_owner(placed.zone.as_str(), placed.team.as_str())];
            if let Some(d) = placed.item.datasets.get(dataset) {
                lineage.fields = d
                    .schema
                    .columns
                    .iter()
                    .map(|(name, c)| Field {
                        name: name.to_string(),
                        data_type: physical(&c.data_type),
                        description: c.documentation.as_ref().map(|d| d.description.clone()),
                    })
                    .collect();
            }
        }
        lineage
    }

    /// The checks every batch makes of `store.dataset`'s rows before it
    /// commits: keys unique and present, columns not null where the schema
    /// says, and every value of its declared type.
    pub fn checks(&self, store: &DatastoreName, dataset: &DatasetName) -> Vec<Check> {
        let Some(d) = self
            .index
            .datastore(store)
            .and_then(|p| p.item.datasets.get(dataset))
        else {
            return Vec::new();
        };
        let mut checks = Vec::new();
        let key = &d.schema.primary_key;
        if !key.is_empty() {
            let columns: Vec<&str> = key
                .iter()
                .map(datasurface_core::names::ColumnName::as_str)
                .collect();
            checks.push(Check {
                assertion: "unique".into(),
                column: Some(columns.join(",")),
            });
        }
        for (name, c) in &d.schema.columns {
            if !c.nullable || key.contains(name) {
                checks.push(Check {
                    assertion: "not_null".into(),
                    column: Some(name.to_string()),
                });
            }
            checks.push(Check {
                assertion: format!("type:{}", c.data_type.kind()),
                column: Some(name.to_string()),
            });
        }
        // The dataset's quality rules, each by its kind and name.
        for rule in &d.quality {
            let columns: Vec<&str> = rule.columns().iter().map(|c| c.as_str()).collect();
            checks.push(Check {
                assertion: quality_assertion(rule.kind(), &rule.name()),
                column: (!columns.is_empty()).then(|| columns.join(",")),
            });
        }
        checks
    }
}

/// How lineage names a quality rule's check: `quality:<kind>:<name>`.
pub fn quality_assertion(kind: &str, name: &str) -> String {
    format!("quality:{kind}:{name}")
}
