//! The `airflow` data platform: a path to a distributed engine.
//!
//! For its intention graph the platform renders:
//!
//! * `sql/000_platform.sql`: its PostgreSQL schema and batch bookkeeping
//!   (`batch_counter`, `batch_metrics`);
//! * `sql/ingest/<store>[/<dataset>].sql`: per ingestion stream, the staging
//!   and merge tables of each dataset. Merge tables keep row versions
//!   (`ds_surf_batch_in`/`ds_surf_batch_out`, live rows at 2147483647), as the
//!   reference's Yellow platform does; whether closed versions are kept depends
//!   on whether a forensic consumer reads the stream;
//! * `sql/export/<container>/<store>/<dataset>.sql`: live (and history) views
//!   of each exported dataset;
//! * `sql/transformer/<workspace>.sql`: a transformer's input views and output tables;
//! * `sql/workspace/<workspace>/<group>.sql`: each consumer group's views, live
//!   or forensic as the group asks, in the workspace's own schema;
//! * `dags/ingest/<stream>.json` and `dags/transformer/<workspace>.json`:
//!   one Apache Airflow 3 DAG per ingestion stream and per transformer, as a
//!   spec of final values (see [`dags`]), linked by Airflow assets as the
//!   graph says, each running `datasurface job …` in a Kubernetes pod or a
//!   local process;
//! * `dags/chunk_<n>.py` and `dags/chunks.json`: the DAG files Airflow
//!   parses, one factory per chunk of at most `maxChunkSize` DAGs, which
//!   builds its chunk's DAGs from their specs (see [`factory`]);
//! * `jobs/ingest/<stream>.json` and `jobs/transformer/<workspace>.json`:
//!   each job's spec (see [`spec`]), whose hash its DAG passes as `--spec`;
//! * `airflow/secrets.md`: the credentials the DAGs name, and where their values go.
//!
//! Every SQL script converges (see [`sql`]), so applying a plan is running the
//! scripts of its creates and updates in order. The platform's parameters are
//! described on [`AirflowConfig`]; its own lint codes are [`LINT_CODES`].
//!
//! The rendering is pure. [`runner`] is the job runner the DAGs call
//! (`datasurface job`): it applies a rendering to the merge database, ingests
//! batches and runs transformers, on PostgreSQL.
//!
//! ```
//! use std::sync::Arc;
//! use datasurface_airflow::Airflow;
//! use datasurface_platform::{PlatformRegistry, gate, render_platform};
//!
//! // Northwind declares an `airflow` platform, `Azure Platform`, beside a `sqlite` one.
//! let mut registry = PlatformRegistry::new();
//! registry.register(Arc::new(Airflow::new()));
//! let model = datasurface_testkit::fixtures::northwind().build()?;
//! let gated = gate(model, &registry, &["sqlite"]).map_err(|r| r.to_string())?;
//! let rendered = render_platform(&registry, &gated.valid, &gated.graphs, "Azure Platform")?;
//! assert!(rendered.rendering.artifacts.keys().any(|k| k.as_str() == "sql/000_platform.sql"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod collisions;
pub mod config;
pub mod copy_text;
pub mod dags;
pub mod escape;
pub mod factory;
mod lints;
pub mod mirrored;
pub mod names;
mod quality;
mod render;
#[cfg(feature = "runner")]
pub mod runner;
pub mod spec;
pub mod sql;
pub mod statements;

use datasurface_core::names::{ContainerName, CredentialName};
use datasurface_core::{Latency, Milestoning, PlatformDeclaration};
use datasurface_platform::graph::PlatformGraph;
use datasurface_platform::{
    Action, ArtifactSink, Capabilities, CaptureKind, CodeKind, ContainerCategory, DataPlatform,
    Disruption, FileFormat, Plan, PlatformError, PlatformResources, RenderContext, Rendering,
    TriggerKind,
};
use datasurface_rules::validate::{CodeInfo, Diagnostic};

pub use config::{
    AirflowConfig, AirflowParameters, DEFAULT_MAX_CHUNK_SIZE, Executor, IMAGE_REPOSITORY,
    default_image,
};
pub use lints::LINT_CODES;
pub use render::{CHUNKS, DEFAULT_SCHEDULE, PLATFORM_SQL};

/// The `airflow` platform.
#[derive(Debug, Clone, Default)]
pub struct Airflow;

impl Airflow {
    /// The platform.
    pub fn new() -> Self {
        Airflow
    }
}

impl DataPlatform for Airflow {
    fn kind(&self) -> &'static str {
        "airflow"
    }

    fn version(&self) -> semver::Version {
        semver::Version::new(0, 1, 0)
    }

    fn transformer_sql(&self) -> Option<datasurface_platform::TransformerSql> {
        Some(transformer_sql())
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_capture_methods([
                CaptureKind::SqlSnapshot,
                CaptureKind::SqlWatermark,
                CaptureKind::Cdc,
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
            .with_data_types(sql::supported_types())
            .with_triggers([TriggerKind::Cron, TriggerKind::External])
            .with_code_kinds([CodeKind::Sql, CodeKind::PythonRepo])
            .with_file_formats([FileFormat::Csv])
            // A hooked transformer runs only when its hook says so.
            .with_hooks()
            .with_quality_rules()
            // Batches on a schedule or a `run`: minutes behind at best.
            .with_fastest_latency(Latency::Minutes)
    }

    fn codes(&self) -> &'static [CodeInfo] {
        LINT_CODES
    }

    fn parameters(&self) -> Option<datasurface_platform::schemars::Schema> {
        Some(datasurface_platform::schemars::schema_for!(
            config::AirflowParameters
        ))
    }

    /// The merge credential (`mergeCredential`, by default `merge_rw`): it
    /// reads and writes every stream's tables, so no team may name it. The
    /// `sources` it maps are paths on the workers, not under the model.
    fn resources(&self, declaration: &PlatformDeclaration) -> PlatformResources {
        let (config, _) = AirflowConfig::read("", declaration, &self.version());
        let parameter: &[&str] = if declaration.parameters.contains_key("mergeCredential") {
            &["mergeCredential"]
        } else {
            &[]
        };
        let mut resources = match CredentialName::new(config.merge_credential) {
            Ok(name) => PlatformResources::new().credential(name, parameter),
            // lint reports a merge credential that is not a name.
            Err(_) => PlatformResources::new(),
        };
        // The files the worker reads a container's data from are its
        // team's; another platform's merge database holds every team's.
        for (container, path) in &config.sources {
            resources = resources.file(
                path,
                ContainerName::new(container.as_str()).ok(),
                &["sources", container],
            );
        }
        for (platform, path) in &config.primaries {
            resources = resources.file(path, None, &["primaries", platform]);
        }
        resources
    }

    fn lint(&self, graph: &PlatformGraph, context: &RenderContext<'_>) -> Vec<Diagnostic> {
        let (config, mut found) = AirflowConfig::read(
            context.platform.as_str(),
            context.declaration,
            &self.version(),
        );
        let lookup = render::Lookup::new(context.ecosystem.ecosystem());
        found.extend(collisions::check(
            context.platform.as_str(),
            &config,
            graph,
            &lookup,
            context.ecosystem.places(),
        ));
        found.extend(lints::check(graph, context, &config, &lookup));
        found
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
        let (config, problems) = AirflowConfig::read(
            context.platform.as_str(),
            context.declaration,
            &self.version(),
        );
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

    /// The default plan, with the disruption this platform knows: DAGs and
    /// views change without touching data; a new stream must load its
    /// source; dropping a stream's or transformer's tables drops data; and a
    /// stream that starts or stops keeping history says so.
    fn diff(&self, previous: &Rendering, next: &Rendering) -> Plan {
        let mut plan = datasurface_platform::diff(previous, next);
        for step in &mut plan.steps {
            let key = step.key.as_str();
            let family = key.split('/').take(2).collect::<Vec<_>>().join("/");
            step.disruption = match (family.as_str(), step.action) {
                ("sql/ingest", Action::Create) => {
                    step.reason
                        .push_str("; its first batch loads the whole source");
                    Disruption::Backfill
                }
                ("sql/ingest" | "sql/transformer", Action::Delete) => Disruption::DataDropped,
                ("jobs/ingest", Action::Update) => {
                    let keeps = |r: &Rendering| {
                        r.artifacts.get(&step.key).and_then(|a| {
                            serde_json::from_str::<spec::IngestSpec>(&a.content)
                                .ok()
                                .map(|s| s.keep_history)
                        })
                    };
                    match (keeps(previous), keeps(next)) {
                        (Some(false), Some(true)) => {
                            step.reason.push_str("; closed row versions are kept from now on (earlier ones were purged)");
                            Disruption::Backfill
                        }
                        (Some(true), Some(false)) => {
                            step.reason.push_str("; closed row versions will be purged");
                            Disruption::DataDropped
                        }
                        _ => Disruption::None,
                    }
                }
                _ => Disruption::None,
            };
        }
        plan
    }
}

/// How the platform runs transformers' queries: PostgreSQL, each input a
/// view in the workspace's schema named as [`names::ident`] makes it.
pub(crate) fn transformer_sql() -> datasurface_platform::TransformerSql {
    datasurface_platform::TransformerSql::new(datasurface_platform::escape::sql::Dialect::Postgres)
        .with_input_names(|store, dataset| crate::names::ident(&[store, dataset]))
}
