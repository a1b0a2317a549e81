//! The conformance kit's boundary checks: what a platform renders from
//! hostile or colliding names. Every model field is untrusted input, so a
//! platform must keep distinct model objects apart in what it renders, and
//! keep free text inside its quotes.

use std::collections::BTreeMap;

use datasurface_platform::Rendering;
use datasurface_platform::model::names::DatastoreName;
use datasurface_platform::model::{Documentation, Ecosystem};

/// Text that breaks out of a line, a string or a template if it is not
/// escaped: each line of it must never stand alone in a rendered file.
pub const HOSTILE_LINES: [&str; 4] = [
    "'; DROP TABLE audit; --",
    "{{ 7 * 7 }}",
    "$(touch /tmp/pwned)",
    "\"}]} ,{\"evil\": true",
];

/// A description made of the hostile lines, with quotes and a backslash.
pub fn hostile_text() -> String {
    format!("Harmless.\\\n{}\n\"'`", HOSTILE_LINES.join("\n"))
}

/// The model with every documentation description of datastores, datasets
/// and workspaces replaced by [`hostile_text`].
pub fn with_hostile_text(model: &Ecosystem) -> Ecosystem {
    let mut eco = model.clone();
    let text = hostile_text();
    for zone in eco.zones.values_mut() {
        for team in zone.teams.values_mut() {
            for store in team.datastores.values_mut() {
                store.documentation = Some(Box::new(Documentation::new(text.clone())));
                for dataset in store.datasets.values_mut() {
                    dataset.documentation = Some(Box::new(Documentation::new(text.clone())));
                }
            }
            for ws in team.workspaces.values_mut() {
                ws.documentation = Some(Documentation::new(text.clone()));
            }
        }
    }
    eco
}

/// Where free text escaped its quotes in a rendering: a hostile line standing
/// alone in a file other than Markdown, or a JSON artifact that no longer parses.
pub fn escaped_text(rendering: &Rendering) -> Vec<String> {
    let mut failures = Vec::new();
    for (key, artifact) in &rendering.artifacts {
        let name = key.as_str();
        let extension = |e: &str| {
            std::path::Path::new(name)
                .extension()
                .is_some_and(|x| x.eq_ignore_ascii_case(e))
        };
        if extension("md") {
            continue;
        }
        if extension("json")
            && let Err(e) = serde_json::from_str::<serde_json::Value>(&artifact.content)
        {
            failures.push(format!(
                "`{name}` is not JSON once free text is hostile: {e}"
            ));
        }
        for (n, line) in artifact.content.lines().enumerate() {
            if HOSTILE_LINES.contains(&line.trim()) {
                failures.push(format!(
                    "`{name}` line {}: free text from the model stands as a line of its own: {line}",
                    n + 1
                ));
            }
        }
    }
    failures
}

/// The model with a second copy of one consumed datastore whose name differs
/// only in case, read by the same consumers: the name `NAME` beside `name`.
/// `None` if the model has no consumed datastore to copy.
pub fn with_case_twin(model: &Ecosystem) -> Option<(Ecosystem, DatastoreName, DatastoreName)> {
    let mut eco = model.clone();
    let (zone, team, original) = eco.zones.iter().find_map(|(z, zone)| {
        zone.teams.iter().find_map(|(t, team)| {
            team.datastores
                .iter()
                .find(|(name, store)| {
                    store.capture.ingestion().is_some()
                        && name.as_str() != name.as_str().to_ascii_uppercase()
                })
                .map(|(name, _)| (z.clone(), t.clone(), name.clone()))
        })
    })?;
    let twin: DatastoreName = original.as_str().to_ascii_uppercase().parse().ok()?;
    let team_ref = eco.zones.get_mut(&zone)?.teams.get_mut(&team)?;
    let store = team_ref.datastores.get(&original)?.clone();
    team_ref.datastores.insert(twin.clone(), store);
    let mut read = false;
    for zone in eco.zones.values_mut() {
        for team in zone.teams.values_mut() {
            for ws in team.workspaces.values_mut() {
                for group in ws.dataset_groups.values_mut() {
                    let copies: Vec<_> = group
                        .sinks
                        .iter()
                        .filter(|s| s.datastore == original)
                        .cloned()
                        .map(|mut s| {
                            s.datastore = twin.clone();
                            s
                        })
                        .collect();
                    read |= !copies.is_empty();
                    group.sinks.extend(copies);
                }
            }
        }
    }
    read.then_some((eco, original, twin))
}

/// The model with two more containers whose names differ only in a
/// character a file name cannot hold (`<c> twin` and `<c>_twin`, so any
/// mapping that writes `_` for a space makes them meet), each the container
/// of a copy of a workspace that reads data, its groups assigned as the
/// original's are. `None` when no workspace with a container reads data.
/// Returns the model and the two sides: each container's name and its
/// workspace's.
pub fn with_container_twins(model: &Ecosystem) -> Option<(Ecosystem, [(String, String); 2])> {
    let mut eco = model.clone();
    let (zone, team, ws_name, container) = eco.zones.iter().find_map(|(z, zone)| {
        zone.teams.iter().find_map(|(t, team)| {
            team.workspaces.iter().find_map(|(name, ws)| {
                let c = ws.container.clone()?;
                let reads = ws.transformer.is_none()
                    && ws.hook.is_none()
                    && ws.dataset_groups.values().any(|g| !g.sinks.is_empty());
                reads.then(|| (z.clone(), t.clone(), name.clone(), c))
            })
        })
    })?;
    // The container as its owner declares it, wherever that is.
    let declared = eco.zones.values().find_map(|zone| {
        zone.teams
            .values()
            .find_map(|team| team.containers.get(&container).cloned())
    })?;
    let names = [format!("{container} twin"), format!("{container}_twin")];
    let team_ref = eco.zones.get_mut(&zone)?.teams.get_mut(&team)?;
    let original = team_ref.workspaces.get(&ws_name)?.clone();
    let mut copies = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let c: datasurface_platform::model::names::ContainerName = name.parse().ok()?;
        team_ref.containers.insert(c.clone(), declared.clone());
        let w: datasurface_platform::model::names::WorkspaceName =
            format!("{ws_name}_twin{i}").parse().ok()?;
        let mut copy = original.clone();
        copy.container = Some(c);
        copy.transformer = None;
        copy.hook = None;
        team_ref.workspaces.insert(w.clone(), copy);
        copies.push(w);
    }
    let assigned: Vec<_> = eco
        .assignments
        .iter()
        .filter(|a| a.workspace == ws_name)
        .cloned()
        .collect();
    for w in &copies {
        eco.assignments
            .extend(assigned.iter().cloned().map(|mut a| {
                a.workspace = w.clone();
                a
            }));
    }
    let [a, b] = names;
    let (wa, wb) = (copies[0].to_string(), copies[1].to_string());
    Some((eco, [(a, wa), (b, wb)]))
}

/// Artifact keys that are one name on a file system that ignores case.
pub fn keys_equal_without_case(rendering: &Rendering) -> Vec<String> {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut failures = Vec::new();
    for key in rendering.artifacts.keys() {
        if let Some(first) = seen.insert(key.as_str().to_lowercase(), key.as_str()) {
            failures.push(format!(
                "artifacts `{first}` and `{key}` are one file where case is ignored"
            ));
        }
    }
    failures
}
