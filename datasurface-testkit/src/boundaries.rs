//! The conformance kit's boundary checks: what a platform renders from
//! hostile or colliding names. Every model field is untrusted input, so a
//! platform must keep distinct model objects apart in what it renders, and
//! keep free text inside its quotes.

use std::collections::BTreeMap;

use datasurface_core::names::DatastoreName;
use datasurface_core::{Documentation, Ecosystem};
use datasurface_platform::Rendering;

/// Text that breaks out of a line, a string or a template if it is not
/// escaped: each line of it must never stand alone in a rendered file.
pub const HOSTILE_LINES: &[&str] = &[
    "'; DROP TABLE audit; --",
    "{{ 7 * 7 }}",
    "${file(\"/tmp/pwned-template\")}%{ if true }x%{ endif }",
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
        for team in zone.teams.values_mut().map(std::sync::Arc::make_mut) {
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

/// What each hostile line does once it is code: the marks the kit looks
/// for outside literals and comments, and in JSON and YAML keys.
pub const HOSTILE_MARKS: &[&str] = &[
    "DROP TABLE audit",
    "7 * 7",
    "touch /tmp/pwned",
    "evil",
    "/tmp/pwned-template",
];

/// The mark of the hostile template line: a string holding it must hold
/// its `${` and `%{` escaped where strings are templates (Terraform).
const TEMPLATE_MARK: &str = "/tmp/pwned-template";

/// What the free-text check found in a rendering with hostile text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscapedText {
    /// Where free text escaped its quotes: a mark in code, a literal left
    /// open, a JSON or YAML file that no longer parses or gained a key.
    pub failures: Vec<String>,
    /// The artifacts in languages the kit cannot read, each with its
    /// extension: judged only by whether a hostile line stands alone.
    pub not_judged: Vec<String>,
}

/// Where free text escaped its quotes in a rendering, each artifact read
/// as its language reads it ([`Language::of`](crate::lexing::Language::of)):
/// SQL, Python and shell lexed (a hostile mark outside literals and
/// comments, or a literal left open, fails); JSON and YAML parsed (a file
/// that does not parse, or a key holding a hostile mark, fails); prose
/// skipped. Artifacts in other languages are named as not judged, and fail
/// only if a hostile line stands as a line of its own.
pub fn escaped_text(rendering: &Rendering) -> EscapedText {
    use crate::lexing::{Language, code_of};
    let mut found = EscapedText::default();
    for (key, artifact) in &rendering.artifacts {
        let name = key.as_str();
        let content = artifact.content.as_str();
        let node = artifact
            .node
            .as_ref()
            .map_or_else(String::new, |n| format!(" (node `{n}`)"));
        match Language::of(name) {
            Some(Language::Prose) => {}
            Some(Language::TerraformJson) => {
                match serde_json::from_str::<serde_json::Value>(content) {
                    Ok(value) => {
                        keys_with_marks(&value, name, &node, &mut found.failures);
                        templates_with_marks(&value, name, &node, &mut found.failures);
                    }
                    Err(e) => found.failures.push(format!(
                        "`{name}`{node} is not JSON once free text is hostile: {e}"
                    )),
                }
            }
            Some(Language::Json) => match serde_json::from_str::<serde_json::Value>(content) {
                Ok(value) => keys_with_marks(&value, name, &node, &mut found.failures),
                Err(e) => found.failures.push(format!(
                    "`{name}`{node} is not JSON once free text is hostile: {e}"
                )),
            },
            Some(Language::Yaml) => {
                match serde_saphyr::from_str::<serde_json::Value>(content) {
                    Ok(value) => keys_with_marks(&value, name, &node, &mut found.failures),
                    Err(e) => found.failures.push(format!(
                        "`{name}`{node} is not YAML once free text is hostile: {e}"
                    )),
                }
            }
            Some(language) => match code_of(content, language) {
                Ok(code) => {
                    for (n, line) in code.lines().enumerate() {
                        for mark in HOSTILE_MARKS.iter().filter(|m| line.contains(*m)) {
                            found.failures.push(format!(
                                "`{name}`{node} line {}: free text from the model is {language} code, not a literal: `{mark}`",
                                n + 1
                            ));
                        }
                    }
                }
                Err(unclosed) => found.failures.push(format!(
                    "`{name}`{node}: once free text is hostile, {unclosed} ({language}): the quoting broke"
                )),
            },
            None => {
                let extension = std::path::Path::new(name)
                    .extension()
                    .map_or_else(|| "no extension".to_owned(), |e| format!(".{}", e.to_string_lossy()));
                found.not_judged.push(format!("`{name}` ({extension})"));
                for (n, line) in content.lines().enumerate() {
                    if HOSTILE_LINES.contains(&line.trim()) {
                        found.failures.push(format!(
                            "`{name}`{node} line {}: free text from the model stands as a line of its own: {line}",
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    found
}

/// Fails every string of Terraform JSON that holds the hostile template
/// line with a template sequence (`${`, `%{`) not escaped (`$${`, `%%{`):
/// Terraform would evaluate free text from the model.
fn templates_with_marks(
    value: &serde_json::Value,
    name: &str,
    node: &str,
    failures: &mut Vec<String>,
) {
    match value {
        serde_json::Value::String(text) if text.contains(TEMPLATE_MARK) => {
            if let Some(at) = unescaped_template(text) {
                failures.push(format!(
                    "`{name}`{node}: free text from the model is a Terraform template, not a literal: `{}…` (escape `${{` as `$${{` and `%{{` as `%%{{`: `escape::hcl`)",
                    text[at..].chars().take(24).collect::<String>()
                ));
            }
        }
        serde_json::Value::Object(map) => {
            for inner in map.values() {
                templates_with_marks(inner, name, node, failures);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                templates_with_marks(item, name, node, failures);
            }
        }
        _ => {}
    }
}

/// Where a template sequence (`${` or `%{`) starts in HCL template text,
/// reading `$${` and `%%{` as the literal text they escape.
fn unescaped_template(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        let (c, next) = (bytes[i], bytes[i + 1]);
        if (c == b'$' || c == b'%') && next == c && bytes.get(i + 2) == Some(&b'{') {
            i += 3;
        } else if (c == b'$' || c == b'%') && next == b'{' {
            return Some(i);
        } else {
            i += 1;
        }
    }
    None
}

/// Fails every key of a parsed JSON or YAML value that holds a hostile mark:
/// free text that became structure.
fn keys_with_marks(value: &serde_json::Value, name: &str, node: &str, failures: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                if let Some(mark) = HOSTILE_MARKS.iter().find(|m| key.contains(*m)) {
                    failures.push(format!(
                        "`{name}`{node}: free text from the model became a key: `{key}` (holds `{mark}`)"
                    ));
                }
                keys_with_marks(inner, name, node, failures);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                keys_with_marks(item, name, node, failures);
            }
        }
        _ => {}
    }
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
    let team_ref = eco
        .zones
        .get_mut(&zone)?
        .teams
        .get_mut(&team)
        .map(std::sync::Arc::make_mut)?;
    let store = team_ref.datastores.get(&original)?.clone();
    team_ref.datastores.insert(twin.clone(), store);
    let mut read = false;
    for zone in eco.zones.values_mut() {
        for team in zone.teams.values_mut().map(std::sync::Arc::make_mut) {
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
    let team_ref = eco
        .zones
        .get_mut(&zone)?
        .teams
        .get_mut(&team)
        .map(std::sync::Arc::make_mut)?;
    let original = team_ref.workspaces.get(&ws_name)?.clone();
    let mut copies = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let c: datasurface_core::names::ContainerName = name.parse().ok()?;
        team_ref.containers.insert(c.clone(), declared.clone());
        let w: datasurface_core::names::WorkspaceName =
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

#[cfg(test)]
mod template_tests {
    use super::unescaped_template;

    #[test]
    fn escaped_markers_are_literal_text() {
        assert_eq!(unescaped_template("a ${b}"), Some(2));
        assert_eq!(unescaped_template("%{ if x }"), Some(0));
        assert_eq!(unescaped_template("$${b} %%{c}"), None);
        // `$` then the escape `$${`: literal text, as HCL reads it.
        assert_eq!(unescaped_template("$$${b}"), None);
        assert_eq!(unescaped_template("$ {b} 100%"), None);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use datasurface_platform::{Artifact, ArtifactKey};

    use super::*;

    fn rendering(files: &[(&str, String)]) -> Rendering {
        let mut r = Rendering::default();
        for (key, content) in files {
            r.insert(
                ArtifactKey::new(*key).unwrap(),
                Artifact::new(None, content.clone(), Vec::new()),
            )
            .unwrap();
        }
        r
    }

    #[test]
    fn a_correctly_quoted_multi_line_literal_passes() {
        // The old line-based check failed this: a hostile line stands alone
        // inside a SQL literal, where it is only text.
        let quoted = hostile_text().replace('\'', "''");
        let sql = format!("COMMENT ON TABLE orders IS '{quoted}';\n");
        let py = format!(
            "DESCRIPTION = {}\n",
            serde_json::to_string(&hostile_text()).unwrap()
        );
        let found = escaped_text(&rendering(&[("a.sql", sql), ("dags/a.py", py)]));
        assert_eq!(found, EscapedText::default());
    }

    #[test]
    fn a_literal_with_no_escaping_fails() {
        // The old check passed this: no hostile line stands alone.
        let raw = hostile_text().replace('\n', " ");
        let sql = format!("COMMENT ON TABLE orders IS '{raw}';\n");
        let found = escaped_text(&rendering(&[("a.sql", sql)]));
        assert!(
            found
                .failures
                .iter()
                .any(|f| f.contains("SQL code") && f.contains("DROP TABLE audit")),
            "{found:?}"
        );
        let yaml = format!("description: {}\n", hostile_text());
        let found = escaped_text(&rendering(&[("models/a.yml", yaml)]));
        assert!(!found.failures.is_empty(), "{found:?}");
        // Quotes and backquotes escaped, but not `$`: a `$(…)` still runs.
        let escaped = hostile_text().replace('"', "\\\"").replace('`', "\\`");
        let shell = format!("echo \"{escaped}\"\n");
        let found = escaped_text(&rendering(&[("run.sh", shell)]));
        assert!(
            found
                .failures
                .iter()
                .any(|f| f.contains("touch /tmp/pwned")),
            "a `$(…)` in double quotes runs: {found:?}"
        );
    }

    #[test]
    fn languages_the_kit_cannot_read_are_named() {
        let found = escaped_text(&rendering(&[
            (
                "connect/sink.properties",
                format!("comment={}\n", hostile_text().replace('\n', " ")),
            ),
            ("README.md", hostile_text()),
        ]));
        assert!(found.failures.is_empty(), "{found:?}");
        assert_eq!(
            found.not_judged,
            ["`connect/sink.properties` (.properties)"]
        );
    }
}
