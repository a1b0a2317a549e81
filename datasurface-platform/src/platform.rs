//! The `DataPlatform` trait.

use std::fmt;

use datasurface_core::container::{DataContainer, Database};
use datasurface_core::names::{ContainerName, DatastoreName, PlatformName, WorkspaceName};
use datasurface_core::{CaptureMetadata, DataTransformer, Ingestion, PlatformDeclaration};
use datasurface_graph::PlatformGraph;
use datasurface_rules::validate::{CodeInfo, Diagnostic, ValidEcosystem};

use crate::capabilities::Capabilities;
use crate::plan::{self, Plan};
use crate::rendering::Rendering;
use crate::resources::PlatformResources;
use crate::sink::{ArtifactSink, SinkError};

/// What a platform renders for: the validated model, and which of its platform declarations.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RenderContext<'a> {
    /// The model.
    pub ecosystem: &'a ValidEcosystem,
    /// The platform's name in the model.
    pub platform: &'a PlatformName,
    /// Its declaration, with its parameters and hints.
    pub declaration: &'a PlatformDeclaration,
}

impl<'a> RenderContext<'a> {
    /// The context of one platform declaration of a validated model, as
    /// the pipeline ([`crate::render_with`]) makes it; tests of a platform
    /// make their own.
    pub fn new(
        ecosystem: &'a ValidEcosystem,
        platform: &'a PlatformName,
        declaration: &'a PlatformDeclaration,
    ) -> Self {
        RenderContext {
            ecosystem,
            platform,
            declaration,
        }
    }

    /// The ingestion of a datastore: how it is captured, from which
    /// container, when and with which credential. `None` for a store the
    /// model lacks or a transformer's output.
    pub fn ingestion(&self, store: &DatastoreName) -> Option<&'a Ingestion> {
        match &self.ecosystem.find_datastore(store)?.capture {
            CaptureMetadata::Ingestion(ingestion) => Some(ingestion),
            CaptureMetadata::TransformerOutput(_) => None,
        }
    }

    /// A container the model declares, of any kind.
    pub fn container(&self, container: &ContainerName) -> Option<&'a DataContainer> {
        self.ecosystem.find_container(container)
    }

    /// The database of a container, when it is one.
    pub fn database(&self, container: &ContainerName) -> Option<&'a Database> {
        self.ecosystem.find_container(container)?.kind.database()
    }

    /// The transformer of a workspace, if it has one.
    pub fn transformer(&self, workspace: &WorkspaceName) -> Option<&'a DataTransformer> {
        self.ecosystem
            .find_workspace(workspace)?
            .transformer
            .as_ref()
    }

    /// The error of a render that meets something its graph names in a form
    /// the platform cannot handle (lint should have refused it first).
    pub fn unsupported(&self, what: impl fmt::Display) -> PlatformError {
        PlatformError::Unsupported {
            platform: self.platform.to_string(),
            what: what.to_string(),
        }
    }
}

/// Why a platform could not render.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformError {
    /// The graph asks for something the platform does not support; its
    /// capabilities should have said so, and `lint` reported it.
    #[error("platform `{platform}` does not support {what}")]
    Unsupported {
        /// The platform's name.
        platform: String,
        /// What it does not support.
        what: String,
    },
    /// The platform's parameters in the model are wrong.
    #[error("platform `{platform}` is misconfigured: {message}")]
    Configuration {
        /// The platform's name.
        platform: String,
        /// What is wrong.
        message: String,
    },
    /// Two of its artifacts got one key, so one would have been lost.
    #[error(transparent)]
    DuplicateArtifact(#[from] crate::rendering::DuplicateArtifact),
    /// The sink it rendered into ([`DataPlatform::render_into`]) could not
    /// keep an artifact.
    #[error(transparent)]
    Sink(SinkError),
    /// Any other failure of the platform.
    #[error("platform `{platform}` failed")]
    Other {
        /// The platform's name.
        platform: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl From<SinkError> for PlatformError {
    fn from(error: SinkError) -> Self {
        match error {
            SinkError::Duplicate(duplicate) => PlatformError::DuplicateArtifact(duplicate),
            other => PlatformError::Sink(other),
        }
    }
}

/// A data platform: it turns its intention graph into something real.
///
/// # Contract
///
/// * `render` is pure and deterministic: the same graph and context give an
///   equal rendering, byte for byte. It reads no clock, no environment and no
///   file system; anything time- or place-dependent comes in through the
///   model's platform parameters.
/// * Artifact keys depend only on node identities (and the platform's own
///   structure), so that a new render lies on the old one and
///   [`diff`](Self::diff) finds only what changed. Neither keys nor content
///   depend on the order of the model's files, or of its maps and lists
///   whose order carries no meaning (zones, teams, datastores, datasets,
///   workspaces, groups, sinks, a SQL transformer's queries, assignments;
///   columns keep theirs): the same
///   model in another order renders equal, byte for byte. Sort what comes
///   from a set (a store's datasets, for example) before writing it.
/// * No artifact contains a secret: credentials are named, and resolved by the
///   platform when it runs.
/// * An artifact lists in [`depends_on`](crate::Artifact::depends_on) every
///   artifact that must exist before it. In particular an artifact that
///   realises an `Export` node depends, directly or through other artifacts,
///   on an artifact of the `Ingest` node it reads, where the platform
///   renders one: otherwise a plan could make the export before what fills it.
/// * A plan runs each create, update and replace after those of the
///   artifacts it depends on, and each delete before the deletes of the
///   artifacts it depends on. The default [`diff`](Self::diff) does; a
///   platform's own `diff` must too, and must turn the previous rendering
///   into the next one.
/// * Everything the platform cannot do is declared in
///   [`capabilities`](Self::capabilities) and reported by
///   [`lint`](Self::lint), before `render` is called.
///
/// The `datasurface-testkit` crate checks each of these properties for any
/// implementation (its `Conformance` suite), and that [`lint`](Self::lint)
/// reports no code that [`codes`](Self::codes) does not declare.
///
/// # Wrapping a platform
///
/// A type that wraps another platform (to add logging, rename its kind, or
/// decorate its artifacts) must forward **every** method, the provided ones
/// included: [`codes`](Self::codes), or `datasurface explain` and SARIF lose
/// the inner platform's codes; [`render_into`](Self::render_into), or the
/// command line's `render` renders through the inner platform's `render`,
/// holding its whole rendering; [`resources`](Self::resources), or the gate
/// no longer keeps teams away from the inner platform's own credentials;
/// [`transformer_sql`](Self::transformer_sql), or the gate checks
/// the inner platform's transformers in ANSI SQL; and [`diff`](Self::diff), or the plans fall
/// back to the default diff and lose the inner platform's refined reasons,
/// replaces and disruption, which reviewers rely on to see what a change
/// breaks. The compiler cannot catch a forgotten provided method, so:
///
/// ```
/// # use datasurface_platform::{ArtifactSink, Capabilities, DataPlatform, Plan, PlatformError, PlatformResources, RenderContext, Rendering};
/// # use datasurface_core::PlatformDeclaration;
/// # use datasurface_platform::graph::PlatformGraph;
/// # use datasurface_rules::validate::{CodeInfo, Diagnostic};
/// #[derive(Debug)]
/// struct Logged<P>(P);
///
/// impl<P: DataPlatform> DataPlatform for Logged<P> {
///     fn kind(&self) -> &str { self.0.kind() }
///     fn version(&self) -> datasurface_platform::semver::Version { self.0.version() }
///     fn capabilities(&self) -> Capabilities { self.0.capabilities() }
///     fn lint(&self, graph: &PlatformGraph, cx: &RenderContext<'_>) -> Vec<Diagnostic> {
///         self.0.lint(graph, cx)
///     }
///     fn codes(&self) -> &'static [CodeInfo] { self.0.codes() }
///     fn resources(&self, d: &PlatformDeclaration) -> PlatformResources { self.0.resources(d) }
///     fn parameters(&self) -> Option<datasurface_platform::schemars::Schema> { self.0.parameters() }
///     fn governs_only(&self) -> bool { self.0.governs_only() }
///     fn transformer_sql(&self) -> Option<datasurface_platform::TransformerSql> {
///         self.0.transformer_sql()
///     }
///     fn render(&self, graph: &PlatformGraph, cx: &RenderContext<'_>) -> Result<Rendering, PlatformError> {
///         self.0.render(graph, cx)
///     }
///     fn render_into(
///         &self,
///         graph: &PlatformGraph,
///         cx: &RenderContext<'_>,
///         sink: &mut dyn ArtifactSink,
///     ) -> Result<(), PlatformError> {
///         self.0.render_into(graph, cx, sink)
///     }
///     fn diff(&self, previous: &Rendering, next: &Rendering) -> Plan { self.0.diff(previous, next) }
/// }
/// ```
pub trait DataPlatform: Send + Sync + fmt::Debug {
    /// The kind of platform this implements, as model declarations name it, such as `sqlite`.
    fn kind(&self) -> &str;

    /// The implementation's version, which declarations' requirements must match.
    fn version(&self) -> semver::Version;

    /// What the platform supports.
    fn capabilities(&self) -> Capabilities;

    /// Platform-specific validation of what the graph asks of it (its parameters,
    /// the requirements of the dataset groups assigned to it …), in the model's
    /// diagnostic format. [`crate::render_platform`] runs
    /// [`crate::check_capabilities`] against the declared capabilities before
    /// this; implementations add what is their own.
    fn lint(&self, graph: &PlatformGraph, context: &RenderContext<'_>) -> Vec<Diagnostic>;

    /// The codes [`lint`](Self::lint) reports besides [`crate::PLATFORM_CODES`],
    /// each with its severity, summary and explanation, so that
    /// `datasurface explain` and the catalogue know them. The conformance kit
    /// checks that `lint` reports no other code.
    fn codes(&self) -> &'static [CodeInfo] {
        &[]
    }

    /// The JSON Schema of the platform's `parameters`: the type it reads
    /// them into with [`read_parameters`](crate::read_parameters)
    /// (`schemars::schema_for!(Settings)`). `datasurface explain --platform
    /// KIND` prints each parameter from it, with its type, default and
    /// documentation ([`crate::describe_parameters`]). The default, `None`,
    /// says nothing about them.
    fn parameters(&self) -> Option<schemars::Schema> {
        None
    }

    /// The credentials the platform logs in with for itself and the files
    /// its parameters map, read from its declaration (docs/security.md).
    /// The gate refuses a team's element that names one of these
    /// credentials (`platform-credential`), and a team's file that overlaps
    /// a file mapped for another team's container. The default is none:
    /// a platform with a credential of its own must declare it here, or a
    /// team could name it and have the platform log in with it on the
    /// team's behalf.
    fn resources(&self, declaration: &PlatformDeclaration) -> PlatformResources {
        let _ = declaration;
        PlatformResources::default()
    }

    /// Whether the platform only governs pipelines another system runs
    /// (the built-in `external` kind, `datasurface_gate::External`): it runs nothing,
    /// so the gate never chooses it for a dataset group
    /// (`datasurface_gate::choose`); only an assignment puts a group
    /// on it. The default is `false`: the platform runs what it renders.
    fn governs_only(&self) -> bool {
        false
    }

    /// How the platform runs SQL transformers' queries: the SQL dialect,
    /// and the name by which a query reads each input. The gate resolves
    /// every table and column a query names with it (a misspelt column is
    /// an error at `check`, where it is written, not a failed run), and
    /// derives each query's column lineage. The default, `None`, runs no
    /// SQL of the model's; such queries are checked as ANSI SQL.
    fn transformer_sql(&self) -> Option<TransformerSql> {
        None
    }

    /// Renders the graph into artifacts.
    fn render(
        &self,
        graph: &PlatformGraph,
        context: &RenderContext<'_>,
    ) -> Result<Rendering, PlatformError>;

    /// Renders the graph artifact by artifact into `sink`, so that what
    /// writes them (the command line's `render`, to a folder) need not hold
    /// the whole rendering. The artifacts put are exactly those
    /// [`render`](Self::render) returns, byte for byte, in any order (the
    /// test kit's `Conformance` suite checks it); an error from the sink
    /// ends the render with that error.
    ///
    /// The default renders whole with [`render`](Self::render) and puts
    /// each artifact, so every platform streams without a change; a
    /// platform whose renderings are large implements this, and makes
    /// `render` collect it:
    ///
    /// ```text
    /// fn render(&self, graph, cx) -> Result<Rendering, PlatformError> {
    ///     Rendering::collect(|sink| self.render_into(graph, cx, sink))
    /// }
    /// ```
    fn render_into(
        &self,
        graph: &PlatformGraph,
        context: &RenderContext<'_>,
        sink: &mut dyn ArtifactSink,
    ) -> Result<(), PlatformError> {
        for (key, artifact) in self.render(graph, context)?.artifacts {
            sink.put(key, artifact)?;
        }
        Ok(())
    }

    /// The plan from a previous rendering to a new one. The default, [`plan::diff`],
    /// is correct for any platform; implementations may refine reasons and
    /// disruption.
    fn diff(&self, previous: &Rendering, next: &Rendering) -> Plan {
        plan::diff(previous, next)
    }
}

/// How a platform runs SQL transformers' queries
/// ([`DataPlatform::transformer_sql`]).
///
/// ```
/// use datasurface_platform::TransformerSql;
/// use datasurface_platform::escape::sql::Dialect;
///
/// let sql = TransformerSql::new(Dialect::Postgres)
///     .with_input_names(|store, dataset| format!("{store}_{dataset}").to_lowercase());
/// assert_eq!((sql.input_name)("NW_Data", "customers"), "nw_data_customers");
/// assert_eq!((TransformerSql::new(Dialect::Sqlite).input_name)("NW_Data", "customers"), "NW_Data_customers");
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct TransformerSql {
    /// The dialect the queries run in.
    pub dialect: crate::escape::sql::Dialect,
    /// The name a query reads an input dataset by, from its datastore's
    /// and its own name.
    pub input_name: fn(&str, &str) -> String,
}

impl TransformerSql {
    /// Queries in `dialect`, reading each input as `<datastore>_<dataset>`.
    pub fn new(dialect: crate::escape::sql::Dialect) -> Self {
        TransformerSql {
            dialect,
            input_name: |store, dataset| format!("{store}_{dataset}"),
        }
    }

    /// Queries read each input by the name `name` gives it.
    #[must_use]
    pub fn with_input_names(mut self, name: fn(&str, &str) -> String) -> Self {
        self.input_name = name;
        self
    }
}
