//! The embedded `sqlite` data platform: the whole mission on one machine.
//!
//! It renders, for its intention graph, database specs (the tables and views
//! each database must have) and job specs (what each ingestion stream and
//! transformer does), as JSON artifacts; [`engine`] applies a plan of them to
//! SQLite files and runs the jobs: snapshots of SQLite databases and folders
//! of CSV files are staged, checked and merged by primary key and row hash
//! into versioned merge tables (live rows at batch [`spec::LIVE`]; closed
//! versions kept for forensic consumers, purged otherwise), exported into
//! each workspace container's database and shown through views named from
//! workspace, dataset group, datastore and dataset; SQL transformers run on
//! new input batches and their output is ingested like any producer's.
//!
//! Rendering is pure; the [`engine`] module is the only one that does IO.
//!
//! Parameters: `sources`, a map from a source container's name to a local
//! SQLite file or CSV folder (relative to the model's directory), for
//! containers that are not SQLite databases themselves (such as a production
//! SQL Server that a local replica stands in for); `primaries`, a map from
//! a primary ingestion platform (another `sqlite` platform) to its merge
//! database, which a stream this platform mirrors reads instead of the
//! source.
//!
//! ```
//! use std::sync::Arc;
//! use datasurface_platform::{PlatformRegistry, gate, render_platform};
//! use datasurface_sqlite::SqlitePlatform;
//!
//! // Northwind declares a `sqlite` platform, `Local`, beside an `airflow` one.
//! let mut registry = PlatformRegistry::new();
//! registry.register(Arc::new(SqlitePlatform));
//! let model = datasurface_testkit::fixtures::northwind().build()?;
//! let gated = gate(model, &registry, &["airflow"]).map_err(|r| r.to_string())?;
//! let rendered = render_platform(&registry, &gated.valid, &gated.graphs, "Local")?;
//! assert!(rendered.rendering.artifacts.keys().any(|k| k.as_str().starts_with("jobs/ingest/")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod collisions;
pub mod dialect;
#[cfg(feature = "engine")]
pub mod engine;
mod lints;
mod parameters;
mod quality;
pub mod render;
pub mod spec;
pub mod statements;

pub use lints::LINT_CODES;
pub use parameters::{NotAPrimary, Primary, SqliteParameters};

/// The folder `datasurface up` and `run` keep the platform's state in when
/// `--state` is not given, relative to where they run: the platform's own,
/// so no team's file may lie in it (its `resources`).
pub const DEFAULT_STATE_FOLDER: &str = "datasurface-state";

use datasurface_platform::graph::PlatformGraph;
use datasurface_platform::schemars::{self, Schema};
use std::collections::BTreeMap;

use datasurface_core::names::{ContainerName, CredentialName};
use datasurface_core::{
    ContainerKind, DatabaseEngine, Ecosystem, Latency, Milestoning, PlatformDeclaration,
};
use datasurface_platform::{
    Action, ArtifactSink, Capabilities, CaptureKind, CodeKind, ContainerCategory, DataPlatform,
    Disruption, FileFormat, Plan, PlatformError, PlatformResources, RenderContext, Rendering,
    TriggerKind,
};
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelIndex};

/// Whether a path a team wrote stays inside the model's directory: relative,
/// with no `..`, no home directory and no drive.
pub fn confined(path: &str) -> bool {
    let p = std::path::Path::new(path);
    !path.is_empty()
        && !path.starts_with('~')
        && !path.contains('\\')
        && p.components().all(|c| {
            matches!(
                c,
                std::path::Component::Normal(_) | std::path::Component::CurDir
            )
        })
}

/// Where each source container's data is on the machine running the
/// platform, as written in the model (relative paths are relative to the
/// model's directory): the platform's `sources` parameter (the ecosystem
/// owner's), and each SQLite database container's own file when it is
/// [`confined`] to the model's directory (a team's). The engine is given
/// these paths; lint reports sources that have none, and container files
/// outside the model.
pub fn local_sources(
    eco: &Ecosystem,
    declaration: &PlatformDeclaration,
) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for (_, name, c) in eco.containers() {
        if let ContainerKind::Database(db) = &c.kind
            && db.engine == DatabaseEngine::Sqlite
            && confined(&db.database)
        {
            found.insert(name.to_string(), db.database.clone());
        }
    }
    found.extend(SqliteParameters::of(declaration).sources);
    found
}

/// The `sqlite` platform.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqlitePlatform;

impl DataPlatform for SqlitePlatform {
    fn kind(&self) -> &'static str {
        "sqlite"
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
            .with_data_types(dialect::supported_types())
            .with_triggers([TriggerKind::Cron, TriggerKind::External])
            .with_code_kinds([CodeKind::Sql])
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

    fn parameters(&self) -> Option<Schema> {
        Some(schemars::schema_for!(SqliteParameters))
    }

    /// The files and folders `sources` maps, each holding its container's
    /// data: they are that container's team's, and no other team's file may
    /// lie on them.
    fn resources(&self, declaration: &PlatformDeclaration) -> PlatformResources {
        let mut resources = PlatformResources::new();
        let parameters = SqliteParameters::of(declaration);
        for (container, path) in &parameters.sources {
            resources = resources.file(
                path,
                ContainerName::new(container.as_str()).ok(),
                &["sources", container],
            );
        }
        // Another platform's merge database holds every team's data: no
        // team's file may lie on it.
        for (platform, primary) in &parameters.primaries {
            match primary {
                Primary::File(path) => {
                    resources = resources.file(path, None, &["primaries", platform]);
                }
                // It logs in to an `airflow` primary as itself.
                Primary::Credential(name) => {
                    if let Ok(name) = CredentialName::new(name.as_str()) {
                        resources =
                            resources.credential(name, &["primaries", platform, "credential"]);
                    }
                }
            }
        }
        // Its own state (merge database, batch records, every team's merged
        // rows) lies in `datasurface-state` beside the model whenever `up`
        // runs there: no team's file may lie in it, wherever `--state` points.
        resources.file(DEFAULT_STATE_FOLDER, None, &[])
    }

    fn lint(&self, graph: &PlatformGraph, context: &RenderContext<'_>) -> Vec<Diagnostic> {
        let mut found =
            SqliteParameters::read(context.platform.as_str(), context.declaration).findings;
        let index = ModelIndex::new(context.ecosystem.ecosystem());
        found.extend(collisions::check(
            context.platform.as_str(),
            graph,
            &index,
            context.ecosystem.places(),
        ));
        found.extend(lints::check(graph, context, &index));
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
        let eco = context.ecosystem.ecosystem();
        let spec_keys = graph
            .nodes()
            .into_iter()
            .filter_map(|n| Some((n.key.clone(), render::spec_key(n, eco)?)))
            .collect();
        render::Renderer {
            graph,
            context,
            spec_keys,
        }
        .render(sink)
    }

    /// The default plan, with what this platform knows: a job definition is a
    /// file (removing one drops no data), and a transformer whose query changed
    /// has its output rebuilt on the next run.
    fn diff(&self, previous: &Rendering, next: &Rendering) -> Plan {
        let mut plan = datasurface_platform::diff(previous, next);
        for step in &mut plan.steps {
            let key = step.key.as_str();
            if !key.starts_with("jobs/") {
                if step.action == Action::Update {
                    in_place(step, previous, next);
                }
                continue;
            }
            step.disruption = Disruption::None;
            if step.action != Action::Update || !key.starts_with("jobs/transformer/") {
                continue;
            }
            let queries = |r: &Rendering| {
                r.artifacts
                    .get(&step.key)
                    .and_then(|a| serde_json::from_str::<spec::TransformSpec>(&a.content).ok())
                    .map(|job| job.queries)
            };
            if queries(previous) != queries(next) {
                step.reason.push_str(
                    "; its query changed, so the next run rebuilds its output from its inputs",
                );
                step.disruption = Disruption::Backfill;
            }
        }
        plan
    }
}

/// A database spec whose only changes are nullable columns added and views
/// made again changes nothing running: the engine adds columns in place
/// (`ALTER TABLE … ADD COLUMN`, existing rows read null) and replaces views.
fn in_place(step: &mut datasurface_platform::Step, previous: &Rendering, next: &Rendering) {
    let (Some(before), Some(after)) = (
        previous.artifacts.get(&step.key),
        next.artifacts.get(&step.key),
    ) else {
        return;
    };
    let (before, after) = (before.content.as_str(), after.content.as_str());
    let Some(changes) = datasurface_platform::content_changes(before, after) else {
        return;
    };
    let added_column = |c: &datasurface_platform::ContentChange| {
        c.is_addition()
            && c.path.len() == 4
            && c.is_under(&["tables", "*", "columns"])
            && c.after
                .as_ref()
                .and_then(|v| v.get("nullable"))
                .and_then(serde_json::Value::as_bool)
                == Some(true)
    };
    let view = |c: &datasurface_platform::ContentChange| c.is_under(&["views"]);
    if changes.is_empty() || !changes.iter().all(|c| added_column(c) || view(c)) {
        return;
    }
    let mut added: Vec<&str> = changes
        .iter()
        .filter(|c| added_column(c))
        .map(|c| c.path[3].as_str())
        .collect();
    added.dedup();
    step.disruption = Disruption::None;
    let said = match added.as_slice() {
        [] => "; its views are made again, in place".to_owned(),
        [one] => {
            format!("; the engine adds column `{one}` in place (rows already there read null)")
        }
        many => format!(
            "; the engine adds columns {} in place (rows already there read null)",
            many.iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    step.reason.push_str(&said);
}

/// How the platform runs transformers' queries: SQLite, each input a view
/// named as [`render::naming::input`] names it.
pub(crate) fn transformer_sql() -> datasurface_platform::TransformerSql {
    datasurface_platform::TransformerSql::new(datasurface_platform::escape::sql::Dialect::Sqlite)
        .with_input_names(crate::render::naming::input)
}

#[cfg(test)]
mod tests {
    #[test]
    fn team_paths_stay_in_the_model() {
        for ok in ["data/shop.sqlite", "shop.sqlite", "./data/x.sqlite"] {
            assert!(super::confined(ok), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x.sqlite",
            "data/../../x",
            "~/x",
            "a\\b",
        ] {
            assert!(!super::confined(bad), "{bad}");
        }
    }
}
