//! The `spark` data platform: the data plane scales past one database.
//!
//! Every ingestion stream is a run of one fixed Apache Spark application,
//! the driver program [`DRIVER_PROGRAM`] (`spark/driver.py`), over the
//! stream's rendered JSON job spec (see [`spec`]). It reads the stream's
//! source (PostgreSQL over JDBC, a folder of CSV, JSON lines or Parquet
//! files; for a store another platform ingests, that `spark` platform's
//! tables or that `airflow` platform's merge tables) and merges each
//! dataset by key and row hash into milestoned Parquet tables in the
//! warehouse, in a layout any engine can read (see [`layout`]). A batch is
//! visible once, whole: its commit is one small file, and a killed run's
//! output is removed before the batch runs again.
//!
//! For its intention graph the platform renders:
//!
//! * `spark/driver.py`: the driver program, the same for every model;
//! * `jobs/ingest/<store>[/<dataset>].json`: each stream's job spec;
//! * `jobs/transformer/<workspace>.json`: each SQL transformer's job spec;
//! * `dags/…`: Apache Airflow 3 DAGs that submit each job (see [`dags`]);
//! * `views/<workspace>/<group>.sql`: each consumer group's views in the
//!   Spark catalog, a database per workspace, live or forensic as the
//!   group asks, over the committed batches only.
//!
//! Each job spec carries the job's OpenLineage template (its owners, what it
//! reads and writes, placed as [`lineage`] names them).
//!
//! The rendering is pure. `runner` (feature `runner`) submits the driver
//! with `spark-submit` and reads the warehouse's batch records; `events`
//! (the same feature) tells OpenLineage of each submitted run.
//!
//! ```
//! use std::sync::Arc;
//! use datasurface_spark::Spark;
//! use datasurface_platform::{DataPlatform, PlatformRegistry};
//!
//! let mut registry = PlatformRegistry::new();
//! registry.register(Arc::new(Spark::new()));
//! assert_eq!(Spark::new().kind(), "spark");
//! ```

mod collisions;
pub mod config;
pub mod dags;
#[cfg(feature = "runner")]
pub mod decide;
#[cfg(feature = "runner")]
pub mod events;
pub mod layout;
pub mod lineage;
pub mod names;
mod plan;
mod primaries;
mod render;
#[cfg(feature = "runner")]
pub mod runner;
pub mod spec;
#[cfg(feature = "runner")]
pub mod totals;
pub mod types;

use datasurface_core::names::{ContainerName, CredentialName};
use datasurface_core::{Latency, Milestoning, PlatformDeclaration};
use datasurface_platform::graph::NodeKind;
use datasurface_platform::graph::PlatformGraph;
use datasurface_platform::{
    ArtifactSink, Capabilities, CaptureKind, CodeKind, ContainerCategory, DataPlatform, FileFormat,
    Plan, PlatformError, PlatformResources, RenderContext, Rendering, TriggerKind,
};
use datasurface_rules::validate::{Diagnostic, ModelIndex, ModelPath, Severity};

pub use collisions::RESERVED_PREFIX;
pub use config::{PrimaryAccess, SparkConfig, SparkParameters};
pub use render::{DRIVER, DRIVER_PROGRAM, ingest_key, transform_key, views_key};

/// The `spark` platform.
#[derive(Debug, Clone, Default)]
pub struct Spark;

impl Spark {
    /// The platform.
    pub fn new() -> Self {
        Spark
    }
}

/// The platform kind: `kind: spark` in a declaration.
pub const KIND: &str = "spark";

impl DataPlatform for Spark {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn version(&self) -> semver::Version {
        semver::Version::new(0, 1, 0)
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_capture_methods([
                CaptureKind::SqlSnapshot,
                CaptureKind::FileDrop,
                CaptureKind::TransformerOutput,
            ])
            .with_milestoning([
                Milestoning::LiveOnly,
                Milestoning::Forensic,
                Milestoning::LiveWithForensicHistory,
            ])
            .with_container_kinds([
                ContainerCategory::Database,
                ContainerCategory::ObjectStorage,
                ContainerCategory::PlatformManaged,
            ])
            .with_data_types(types::supported_types())
            .with_triggers([TriggerKind::Cron, TriggerKind::External])
            .with_code_kinds([CodeKind::Sql])
            // A hooked transformer's DAG asks its hook first.
            .with_hooks()
            .with_file_formats(FileFormat::ALL)
            // A batch is an application run: minutes behind at best.
            .with_fastest_latency(Latency::Minutes)
    }

    fn transformer_sql(&self) -> Option<datasurface_platform::TransformerSql> {
        Some(transformer_sql())
    }

    fn parameters(&self) -> Option<datasurface_platform::schemars::Schema> {
        Some(datasurface_platform::schemars::schema_for!(SparkParameters))
    }

    /// The folders its parameters map on the machines that run jobs: each
    /// of `sources` holds its container's team's files, the warehouse every
    /// team's rows, the rendering every job's spec. No team's file may lie
    /// on them. The platform logs in with no credential of its own: a
    /// database source's credential is its datastore's.
    fn resources(&self, declaration: &PlatformDeclaration) -> PlatformResources {
        let (config, _) = SparkParameters::read("", declaration);
        let mut resources = PlatformResources::new();
        for (container, folder) in &config.sources {
            if let Some(path) = config::local_path(folder) {
                resources = resources.file(
                    path,
                    ContainerName::new(container.as_str()).ok(),
                    &["sources", container],
                );
            }
        }
        // It logs in to the primaries it mirrors as itself.
        for (primary, access) in &config.primaries {
            if let Ok(name) = CredentialName::new(access.credential.as_str()) {
                resources = resources.credential(name, &["primaries", primary, "credential"]);
            }
        }
        // Its own folders, and the programs and jars its applications run.
        let own = [
            ("warehouse", &config.warehouse),
            ("rendering", &config.rendering),
            ("sparkSubmit", &config.spark_submit),
        ]
        .into_iter()
        .chain(config.jdbc_jars.iter().map(|jar| ("jdbcJars", jar)));
        for (parameter, folder) in own {
            if let Some(path) = config::local_path(folder) {
                let named: &[&str] = if declaration.parameters.contains_key(parameter) {
                    &[parameter]
                } else {
                    &[]
                };
                resources = resources.file(path, None, named);
            }
        }
        resources
    }

    fn lint(&self, graph: &PlatformGraph, context: &RenderContext<'_>) -> Vec<Diagnostic> {
        let (config, mut found) =
            SparkParameters::read(context.platform.as_str(), context.declaration);
        let index = ModelIndex::new(context.ecosystem.ecosystem());
        found.extend(collisions::check(
            context.platform.as_str(),
            &config,
            graph,
            &index,
            context.ecosystem.places(),
        ));
        found.extend(hooks_need_a_local_warehouse(
            context.platform.as_str(),
            &config,
            graph,
            &index,
        ));
        found.extend(mirrors_need_a_readable_primary(
            (context.platform.as_str(), &config),
            graph,
            context.ecosystem.ecosystem(),
        ));
        found
    }

    /// The default plan, with the disruption this platform knows: a new
    /// stream loads its source whole; a new column evolves its table's
    /// schema; a key or type change rebuilds the table; keeping history
    /// from now on cannot recover what was not kept.
    fn diff(&self, previous: &Rendering, next: &Rendering) -> Plan {
        plan::diff(previous, next)
    }

    fn render(
        &self,
        graph: &PlatformGraph,
        context: &RenderContext<'_>,
    ) -> Result<Rendering, PlatformError> {
        Rendering::collect(|sink| self.render_into(graph, context, sink))
    }

    fn render_into(
        &self,
        graph: &PlatformGraph,
        context: &RenderContext<'_>,
        sink: &mut dyn ArtifactSink,
    ) -> Result<(), PlatformError> {
        let (config, problems) =
            SparkParameters::read(context.platform.as_str(), context.declaration);
        if let Some(problem) = problems.first() {
            return Err(PlatformError::Configuration {
                platform: context.platform.to_string(),
                message: problem.message.clone(),
            });
        }
        render::Renderer {
            config,
            version: self.version(),
            graph,
            context,
        }
        .render(sink)
    }
}

/// A hooked transformer's decisions are files in the warehouse, which the
/// job runner (`datasurface job spark --decide`) reads and writes as local
/// files: on a warehouse it cannot reach so, each hook is refused.
fn hooks_need_a_local_warehouse(
    platform: &str,
    config: &SparkConfig,
    graph: &PlatformGraph,
    index: &ModelIndex<'_>,
) -> Vec<Diagnostic> {
    if config::local_path(&config.warehouse).is_some() {
        return Vec::new();
    }
    let mut found = Vec::new();
    for node in graph.nodes() {
        let NodeKind::DataTransformer { workspace } = &node.kind else {
            continue;
        };
        let Some(at) = index.workspace(workspace) else {
            continue;
        };
        if at.item.hook.is_none() {
            continue;
        }
        found.push(
            Diagnostic::new(
                "unsupported-by-platform",
                Severity::Error,
                ModelPath::team(at.zone, at.team).keys(["workspaces", workspace.as_str(), "hook"]),
                format!(
                    "platform `{platform}` keeps a hook's decisions in its warehouse, which its job runner reads as local files, and `{}` is not local",
                    config.warehouse
                ),
            )
            .with_help(
                "give the platform's `warehouse` a local path or a `file:` URL (an object store mounted as one), or run this transformer on another platform",
            ),
        );
    }
    found
}

/// A mirrored store (`primaryIngestionPlatforms`) whose primary's tables
/// the applications could never read: a primary of another kind, an
/// `airflow` primary with no credential mapped in `primaries`, or one whose
/// merge database JDBC cannot reach.
fn mirrors_need_a_readable_primary(
    (platform, config): (&str, &SparkParameters),
    graph: &PlatformGraph,
    ecosystem: &datasurface_core::Ecosystem,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (datastore, primary) in graph.mirrored() {
        if let Err(why) = primaries::read(
            (platform, config),
            ecosystem,
            (datastore.as_str(), primary.as_str()),
        ) {
            found.push(
                Diagnostic::new(
                    "unsupported-by-platform",
                    Severity::Error,
                    why.at,
                    why.message,
                )
                .with_help(why.help),
            );
        }
    }
    found
}

/// How the platform runs transformers' queries: Spark SQL, each input a
/// temporary view named `<datastore>_<dataset>` (Spark compares names
/// without case).
pub(crate) fn transformer_sql() -> datasurface_platform::TransformerSql {
    datasurface_platform::TransformerSql::new(datasurface_platform::escape::sql::Dialect::SparkSql)
}
