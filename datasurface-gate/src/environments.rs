//! Runtime environments: a model's view as one environment (dev, test,
//! prod) runs it, and the gate's checks that every environment is complete.
//!
//! [`in_environment`] keeps the platforms the environment runs, with its
//! parameters laid over theirs, and gives the teams' containers the
//! physical kind the environment maps them to; everything downstream
//! (graphs, renderings, plans, the engines) then works on that view as on
//! any model. It is pure.

use datasurface_core::names::{ContainerName, EnvironmentName, PlatformName};
use datasurface_core::{Ecosystem, Environment};
use datasurface_platform::graph::{IntentionGraphs, NodeKind, PlatformGraph};
use datasurface_platform::{PlatformRegistry, RenderContext};
use datasurface_rules::validate::{Diagnostic, ModelPath, Severity, ValidEcosystem};

/// The code of a finding about an environment that names a platform or a
/// container the model lacks.
pub const ENVIRONMENT_UNKNOWN_NAME: &str = "environment-unknown-name";
/// The code of a finding about an environment whose container map leaves
/// out a container its platforms use.
pub const ENVIRONMENT_MAP_INCOMPLETE: &str = "environment-map-incomplete";

/// An environment the model does not declare.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the model declares no environment `{name}`; it declares: {declared}")]
pub struct UnknownEnvironment {
    /// The name asked for.
    pub name: String,
    /// The environments it declares, comma-separated (`none` when none).
    pub declared: String,
}

/// The model as environment `name` runs it: only its platforms, each with
/// the environment's parameters laid over its own; assignments, preferences,
/// recorded choices and primary ingestion platforms narrowed to them; and
/// each container the environment maps given its physical kind there.
///
/// # Errors
///
/// When the model declares no environment `name`.
pub fn in_environment(eco: &Ecosystem, name: &str) -> Result<Ecosystem, UnknownEnvironment> {
    let Some(env) = eco.environments.get(name) else {
        let declared: Vec<&str> = eco
            .environments
            .keys()
            .map(EnvironmentName::as_str)
            .collect();
        return Err(UnknownEnvironment {
            name: name.to_owned(),
            declared: if declared.is_empty() {
                "none".to_owned()
            } else {
                declared.join(", ")
            },
        });
    };
    let mut view = eco.clone();
    let runs = |p: &PlatformName| env.platforms.contains_key(p);
    view.platforms = eco
        .platforms
        .iter()
        .filter(|(p, _)| runs(p))
        .map(|(p, declaration)| {
            let declaration = match env.platforms.get(p) {
                Some(here) => declaration.in_environment(here),
                None => declaration.clone(),
            };
            (p.clone(), declaration)
        })
        .collect();
    for assignment in &mut view.assignments {
        assignment.platforms.retain(|a| runs(&a.platform));
    }
    view.assignments.retain(|a| !a.platforms.is_empty());
    view.platform_preference.retain(|p| runs(p));
    view.platform_choices.retain(|c| runs(&c.platform));
    for primaries in view.primary_ingestion_platforms.values_mut() {
        primaries.retain(|p| runs(p));
    }
    view.primary_ingestion_platforms
        .retain(|_, primaries| !primaries.is_empty());
    // The view is this environment's alone: the others name platforms it
    // does not run.
    view.environments.retain(|e, _| e.as_str() == name);
    for zone in view.zones.values_mut() {
        // Only a team whose containers the environment maps is copied;
        // the others stay shared with the model.
        let mapped = |team: &&mut std::sync::Arc<datasurface_core::Team>| {
            team.containers
                .keys()
                .any(|c| env.containers.contains_key(c))
        };
        for team in zone.teams.values_mut().filter(mapped) {
            for (name, container) in &mut std::sync::Arc::make_mut(team).containers {
                if let Some(kind) = env.containers.get(name) {
                    container.kind = kind.clone();
                }
            }
        }
    }
    Ok(view)
}

/// The containers a platform's graph uses: the sources of what it ingests
/// itself, what it exports into, and its consumers' and transformers'
/// workspaces' containers. Sorted, each once.
pub fn containers_used<'a>(eco: &'a Ecosystem, graph: &'a PlatformGraph) -> Vec<&'a ContainerName> {
    let mut used: Vec<&ContainerName> = Vec::new();
    for node in graph.nodes() {
        match &node.kind {
            NodeKind::Ingest {
                datastore,
                from_platform: None,
                ..
            } => {
                if let Some(i) = eco
                    .datastore(datastore)
                    .and_then(|(_, s)| s.capture.ingestion())
                {
                    used.push(&i.container);
                }
            }
            NodeKind::Export { container, .. } => used.push(container),
            NodeKind::Workspace { workspace, .. } | NodeKind::DataTransformer { workspace } => {
                if let Some(c) = eco
                    .workspace(workspace)
                    .and_then(|(_, w)| w.container.as_ref())
                {
                    used.push(c);
                }
            }
            // Mirrors and triggers use no container of their own.
            _ => {}
        }
    }
    used.sort();
    used.dedup();
    used
}

/// The gate's checks of every environment: it names only declared
/// platforms and containers; a container map, once it has an entry, maps
/// every container the environment's platforms use; and each parameter it
/// lays over a platform's is one that platform accepts (its lint, run on
/// the laid-over declaration, finds nothing at that parameter).
pub fn check_environments(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (name, env) in &valid.environments {
        let at = ModelPath::root().keys(["environments", name.as_str()]);
        check_names(valid, name, env, &at, &mut found);
        if !env.containers.is_empty() {
            let mut missing: Vec<&ContainerName> = env
                .platforms
                .keys()
                .filter_map(|p| graphs.graphs.get(p))
                .flat_map(|g| containers_used(valid, g))
                .filter(|c| !env.containers.contains_key(*c))
                .collect();
            missing.sort();
            missing.dedup();
            if !missing.is_empty() {
                let names: Vec<String> = missing.iter().map(|c| format!("`{c}`")).collect();
                found.push(
                    Diagnostic::new(
                        ENVIRONMENT_MAP_INCOMPLETE,
                        Severity::Error,
                        at.key("containers"),
                        format!(
                            "environment `{name}` maps containers, but not {}, which its platforms use",
                            names.join(", ")
                        ),
                    )
                    .with_help("map each of them to the physical container it is in this environment, or remove the map to use the containers as the teams declare them"),
                );
            }
        }
        found.extend(overlaid_parameters(registry, valid, graphs, name, env));
    }
    found
}

fn check_names(
    valid: &ValidEcosystem,
    name: &EnvironmentName,
    env: &Environment,
    at: &ModelPath,
    found: &mut Vec<Diagnostic>,
) {
    for p in env.platforms.keys() {
        if !valid.platforms.contains_key(p) {
            let declared: Vec<&str> = valid.platforms.keys().map(PlatformName::as_str).collect();
            found.push(
                Diagnostic::new(
                    ENVIRONMENT_UNKNOWN_NAME,
                    Severity::Error,
                    at.keys(["platforms", p.as_str()]),
                    format!(
                        "environment `{name}` runs platform `{p}`, which the model does not declare"
                    ),
                )
                .with_help(format!(
                    "declare it under `platforms`, or name one of: {}",
                    declared.join(", ")
                )),
            );
        }
    }
    for c in env.containers.keys() {
        if valid.find_container(c).is_none() {
            found.push(
                Diagnostic::new(
                    ENVIRONMENT_UNKNOWN_NAME,
                    Severity::Error,
                    at.keys(["containers", c.as_str()]),
                    format!("environment `{name}` maps container `{c}`, which no team declares"),
                )
                .with_help("name a container a team declares, or remove the entry"),
            );
        }
    }
}

/// The findings of each platform's lint about the parameters the
/// environment lays over its declaration, at the environment's path.
fn overlaid_parameters(
    registry: &PlatformRegistry,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
    name: &EnvironmentName,
    env: &Environment,
) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (p, here) in &env.platforms {
        let Some(declaration) = valid.platforms.get(p) else {
            continue;
        };
        if here.parameters.is_empty() {
            continue;
        }
        let Ok(platform) = registry.resolve_one(p, declaration) else {
            continue;
        };
        let overlaid = declaration.in_environment(here);
        let empty;
        let graph = if let Some(g) = graphs.graphs.get(p) {
            g
        } else {
            empty = PlatformGraph::new(p.clone());
            &empty
        };
        let context = RenderContext::new(valid, p, &overlaid);
        let base = ModelPath::root().keys(["platforms", p.as_str(), "parameters"]);
        let moved_to = ModelPath::root().keys([
            "environments",
            name.as_str(),
            "platforms",
            p.as_str(),
            "parameters",
        ]);
        for mut d in platform.lint(graph, &context) {
            let Some(key) = here
                .parameters
                .keys()
                .find(|k| d.path == base.key(k.as_str()))
            else {
                continue;
            };
            d.path = moved_to.key(key.as_str());
            d.message = format!("in environment `{name}`: {}", d.message);
            found.push(d);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use datasurface_core::OrderedMap;
    use datasurface_fixtures::northwind;

    use super::*;

    fn with_environments() -> Ecosystem {
        let mut eco = northwind().build().unwrap();
        let envs: OrderedMap<EnvironmentName, Environment> =
            serde_json::from_value(serde_json::json!({
                "dev": {
                    "release": {"branch": "main"},
                    "platforms": {"Local": {"parameters": {"sources": {"NW Source DB": "dev/nw.sqlite"}}}},
                },
                "prod": {
                    "release": {"tagPattern": "v*"},
                    "platforms": {"Azure Platform": {}},
                },
            }))
            .unwrap();
        eco.environments = envs;
        eco
    }

    #[test]
    fn an_environment_keeps_its_platforms_with_its_parameters() {
        let eco = with_environments();
        let dev = in_environment(&eco, "dev").unwrap();
        let names: Vec<&str> = dev.platforms.keys().map(PlatformName::as_str).collect();
        assert_eq!(names, ["Local"]);
        assert_eq!(
            dev.platforms[0].parameters["sources"],
            serde_json::json!({"NW Source DB": "dev/nw.sqlite"})
        );
        assert!(
            dev.assignments
                .iter()
                .all(|a| a.platforms.iter().all(|p| p.platform.as_str() == "Local"))
        );
        let err = in_environment(&eco, "staging").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the model declares no environment `staging`; it declares: dev, prod"
        );
    }
}
