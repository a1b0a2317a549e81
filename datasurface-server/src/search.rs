//! Search over names and documentation: one entry per zone, team,
//! datastore, dataset and workspace, its text folded once when the version
//! is indexed, so a query is one pass of substring tests.

use datasurface_core::{Documentation, Ecosystem};
use serde::Serialize;

/// What a search finds: an object of the model and where to read it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct SearchEntry {
    /// `zone`, `team`, `datastore`, `dataset` or `workspace`.
    pub(crate) kind: &'static str,
    /// Its name (`store.dataset` for a dataset).
    pub(crate) name: String,
    /// The first line of its documentation, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    /// Its resource under `/api/v1`.
    pub(crate) href: String,
    /// The name and documentation, folded to lower case.
    #[serde(skip)]
    pub(crate) folded: String,
    /// How much of `folded` is the name.
    #[serde(skip)]
    pub(crate) name_len: usize,
}

fn entry(
    kind: &'static str,
    name: String,
    doc: Option<&Documentation>,
    href: String,
) -> SearchEntry {
    let description = doc
        .map(|d| d.description.trim().to_owned())
        .filter(|d| !d.is_empty());
    let mut folded = name.to_lowercase();
    let name_len = folded.len();
    if let Some(d) = doc {
        folded.push('\n');
        folded.push_str(&d.description.to_lowercase());
        for (key, value) in &d.tags {
            folded.push('\n');
            folded.push_str(&key.to_lowercase());
            folded.push('=');
            folded.push_str(&value.to_lowercase());
        }
    }
    let description = description.map(|d| d.lines().next().unwrap_or_default().to_owned());
    SearchEntry {
        kind,
        name,
        description,
        href,
        folded,
        name_len,
    }
}

/// Every searchable object of a model, in model order.
pub(crate) fn entries(eco: &Ecosystem) -> Vec<SearchEntry> {
    let mut found = Vec::new();
    for (zone, z) in &eco.zones {
        let href = format!("/api/v1/zones/{}", crate::http::segment(zone.as_str()));
        found.push(entry(
            "zone",
            zone.to_string(),
            z.documentation.as_ref(),
            href,
        ));
        for (team, t) in &z.teams {
            let href = format!(
                "/api/v1/zones/{}/teams/{}",
                crate::http::segment(zone.as_str()),
                crate::http::segment(team.as_str())
            );
            found.push(entry(
                "team",
                team.to_string(),
                t.documentation.as_ref(),
                href,
            ));
            for (store, s) in &t.datastores {
                let base = format!(
                    "/api/v1/datastores/{}",
                    crate::http::segment(store.as_str())
                );
                found.push(entry(
                    "datastore",
                    store.to_string(),
                    s.documentation.as_deref(),
                    base.clone(),
                ));
                for (name, d) in &s.datasets {
                    let href = format!("{base}/datasets/{}", crate::http::segment(name.as_str()));
                    found.push(entry(
                        "dataset",
                        format!("{store}.{name}"),
                        d.documentation.as_deref(),
                        href,
                    ));
                }
            }
            for (ws, w) in &t.workspaces {
                let href = format!("/api/v1/workspaces/{}", crate::http::segment(ws.as_str()));
                found.push(entry(
                    "workspace",
                    ws.to_string(),
                    w.documentation.as_ref(),
                    href,
                ));
            }
        }
    }
    found
}

/// The entries whose name or documentation holds every word of `query`
/// (case folded), of `kind` if given, in model order; names that hold the
/// whole query come first.
pub(crate) fn find<'a>(
    entries: &'a [SearchEntry],
    query: &str,
    kind: Option<&str>,
) -> Vec<&'a SearchEntry> {
    let folded = query.trim().to_lowercase();
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    words.sort_unstable();
    words.dedup();
    let (mut by_name, mut by_text) = (Vec::new(), Vec::new());
    for e in entries {
        if kind.is_some_and(|k| k != e.kind) || !words.iter().all(|w| e.folded.contains(w)) {
            continue;
        }
        if e.folded
            .get(..e.name_len)
            .is_some_and(|n| n.contains(&folded))
        {
            by_name.push(e);
        } else {
            by_text.push(e);
        }
    }
    by_name.extend(by_text);
    by_name
}
