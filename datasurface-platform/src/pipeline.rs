//! The pipeline every caller runs: resolve a platform, check what its graph asks
//! of it, and render.

use datasurface_core::names::PlatformName;
use datasurface_graph::{IntentionGraphs, PlatformGraph};
use datasurface_rules::validate::{Diagnostic, Report, ValidEcosystem};
use datasurface_rules::verify::owner_of;

use crate::capabilities::check_capabilities;
use crate::platform::{DataPlatform, PlatformError, RenderContext};
use crate::registry::PlatformRegistry;
use crate::rendering::Rendering;
use crate::sink::ArtifactSink;

/// Why a platform of a model could not be rendered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderFailure {
    /// The model declares no platform of that name.
    #[error("the model declares no platform `{name}`; it declares: {declared}")]
    UnknownPlatform {
        /// The name asked for.
        name: String,
        /// The names declared, comma-separated.
        declared: String,
    },
    /// The platform's kind or version could not be resolved, or the graph asks
    /// for something the platform cannot do: nothing was rendered.
    #[error("platform `{platform}` cannot render this model:\n{report}")]
    Refused {
        /// The platform.
        platform: String,
        /// Every problem found.
        report: Report,
    },
    /// The platform failed while rendering.
    #[error(transparent)]
    Platform(#[from] PlatformError),
}

/// A platform's rendering of a model, with the warnings found on the way.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Rendered {
    /// What the platform rendered.
    pub rendering: Rendering,
    /// Warnings from the platform's lint; errors stop rendering instead.
    pub warnings: Report,
}

/// Renders one platform of a validated model: the implementation comes from the
/// registry, and the capabilities check and the platform's own lint run first.
/// A declared platform that no live assignment uses renders its empty graph, so
/// decommissioning everything plans the deletion of what it had.
pub fn render_platform(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
    name: &str,
) -> Result<Rendered, RenderFailure> {
    let mut rendering = Rendering::default();
    let warnings = render_platform_into(registry, valid, graphs, name, &mut rendering)?;
    Ok(Rendered {
        rendering,
        warnings,
    })
}

/// [`render_platform`] artifact by artifact into `sink`
/// ([`DataPlatform::render_into`]): nothing is put when the platform is
/// refused; the platform's lint warnings are returned. What writes a
/// rendering to disk as it comes need not hold it whole.
pub fn render_platform_into(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
    name: &str,
    sink: &mut dyn ArtifactSink,
) -> Result<Report, RenderFailure> {
    let Some((name, _)) = valid.platforms.get_key_value(name) else {
        return Err(RenderFailure::UnknownPlatform {
            name: name.to_owned(),
            declared: valid
                .platforms
                .keys()
                .map(PlatformName::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let platform = registry
        .resolve_one(name, &valid.platforms[name])
        .map_err(|problem| RenderFailure::Refused {
            platform: name.to_string(),
            report: Report::new(vec![*problem]),
        })?;
    render_with_into(platform.as_ref(), valid, graphs, name, sink)
}

/// What a platform finds in its graph before rendering: the capabilities check,
/// then its own lint, then whether a team reaches its own resources.
fn lint_platform(
    platform: &dyn DataPlatform,
    graph: &PlatformGraph,
    context: &RenderContext<'_>,
) -> Vec<Diagnostic> {
    let mut found = check_capabilities(&platform.capabilities(), graph, context);
    found.extend(platform.lint(graph, context));
    found.extend(crate::resources::check_resources(
        context.ecosystem,
        &[(context.platform, platform.resources(context.declaration))],
    ));
    found
}

/// Everything a gate (`datasurface check`, `verify`, or a CI job embedding the
/// library) must know before it lets a model through, beyond validation: what
/// building the intention graphs found (dataset groups no platform
/// delivers), and for every platform the model
/// declares, whether an implementation of its kind and version is registered,
/// what its graph asks that its capabilities lack, and its own lint. So a
/// model that passes the gate renders, and one that would fail to render does
/// not pass.
///
/// A platform whose kind is in `external_kinds` is implemented by another
/// program: its resolution and lint are left to that program, and nothing is
/// reported for it. Every finding names the repository that owns the place
/// to change.
pub fn check_platforms(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
    external_kinds: &[&str],
) -> Report {
    let mut found = graphs.report.diagnostics().to_vec();
    let mut lints = Vec::new();
    for (name, declaration) in &valid.platforms {
        if external_kinds.contains(&declaration.kind.as_str()) {
            continue;
        }
        match registry.resolve_one(name, declaration) {
            Ok(platform) => lints.push((name, declaration, platform)),
            Err(problem) => found.push(*problem),
        }
    }
    // Each platform's capabilities check and its own lint are two pieces
    // of work, done on every core; findings in the model's order, each
    // platform's capabilities first, as `lint_platform` gives them.
    let work: Vec<(&(_, _, _), bool)> = lints
        .iter()
        .flat_map(|lint| [(lint, true), (lint, false)])
        .collect();
    let linted = datasurface_stdx::parallel::each(
        &work,
        |&(&(name, ..), capabilities)| {
            let nodes = graphs.graphs.get(name).map_or(0, PlatformGraph::len);
            // A platform's own lint claims several names per node.
            if capabilities { nodes } else { nodes * 4 }
        },
        |&(&(name, declaration, ref platform), capabilities)| {
            let graph = graphs.graph(name);
            let graph = graph.as_ref();
            let context = RenderContext {
                ecosystem: valid,
                platform: name,
                declaration,
            };
            if capabilities {
                check_capabilities(&platform.capabilities(), graph, &context)
            } else {
                platform.lint(graph, &context)
            }
        },
    );
    found.extend(linted.into_iter().flatten());
    // Every view's: the declarations', then what each environment adds.
    let resources = crate::resources::platform_resources(valid, |name, _| {
        lints
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, _, platform)| platform.clone())
    });
    found.extend(crate::resources::check_resources(valid, &resources));
    for finding in &mut found {
        if finding.owner.is_none() {
            finding.owner = Some(owner_of(valid, &finding.path).to_string());
        }
    }
    Report::new(found)
}

/// A model that passed the whole gate: valid, with its intention graphs,
/// and the warnings of every check.
#[derive(Debug)]
#[non_exhaustive]
pub struct Gated {
    /// The validated model.
    pub valid: ValidEcosystem,
    /// Its intention graphs, one per declared platform.
    pub graphs: IntentionGraphs,
    /// The warnings of validation, the graphs and the platforms' checks.
    pub warnings: Report,
}

/// Everything the command line's gate (`check`, `verify`) checks, in one
/// call: validation, the intention graphs, and each declared platform's
/// checks by the registry's implementations ([`check_platforms`]; kinds in
/// `external_kinds` are left to other programs). For an application that
/// embeds validation, or a model built in code:
///
/// ```
/// use datasurface_platform::{gate, PlatformRegistry};
/// use datasurface_core::Ecosystem;
///
/// let eco = Ecosystem::builder("Acme", "acme/eco@main", "acme/eco@live")
///     .platform("Local", "sqlite", |p| p)
///     .build()?;
/// // No implementation of `sqlite` is registered here, and the gate says so.
/// let report = gate(eco, &PlatformRegistry::new(), &[]).unwrap_err();
/// assert!(report.diagnostics().iter().any(|d| d.code == "unknown-platform-kind"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn gate(
    ecosystem: datasurface_core::Ecosystem,
    registry: &PlatformRegistry,
    external_kinds: &[&str],
) -> Result<Gated, Report> {
    let valid = datasurface_rules::validate::validate(ecosystem)?;
    let graphs = datasurface_graph::build(&valid);
    let found = check_platforms(registry, &valid, &graphs, external_kinds);
    let mut all = valid.warnings().diagnostics().to_vec();
    all.extend(found.diagnostics().iter().cloned());
    let report = Report::new(all);
    if report.has_errors() {
        return Err(report);
    }
    Ok(Gated {
        valid,
        graphs,
        warnings: report,
    })
}

/// [`render_platform`] with a given implementation instead of a registry.
pub fn render_with(
    platform: &dyn DataPlatform,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
    name: &PlatformName,
) -> Result<Rendered, RenderFailure> {
    let mut rendering = Rendering::default();
    let warnings = render_with_into(platform, valid, graphs, name, &mut rendering)?;
    Ok(Rendered {
        rendering,
        warnings,
    })
}

/// [`render_platform_into`] with a given implementation instead of a
/// registry.
pub fn render_with_into(
    platform: &dyn DataPlatform,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
    name: &PlatformName,
    sink: &mut dyn ArtifactSink,
) -> Result<Report, RenderFailure> {
    let graph = graphs.graph(name);
    let graph = graph.as_ref();
    let Some(declaration) = valid.platforms.get(name) else {
        return Err(RenderFailure::UnknownPlatform {
            name: name.to_string(),
            declared: String::new(),
        });
    };
    let context = RenderContext {
        ecosystem: valid,
        platform: name,
        declaration,
    };
    let report = Report::new(lint_platform(platform, graph, &context));
    if report.has_errors() {
        return Err(RenderFailure::Refused {
            platform: name.to_string(),
            report,
        });
    }
    platform.render_into(graph, &context, sink)?;
    Ok(report)
}
