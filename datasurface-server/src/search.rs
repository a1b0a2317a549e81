//! Search over names and documentation: one entry per zone, team,
//! datastore, dataset and workspace, its text folded once when the version
//! is indexed, so a query is one pass of substring tests.

use std::collections::BTreeMap;
use std::sync::Arc;

use datasurface_core::{Documentation, Ecosystem, Team};
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

/// Every searchable object of a model, in model order, team by team.
#[derive(Debug, Default)]
pub(crate) struct SearchIndex {
    parts: Vec<Part>,
}

/// A zone's own entry, or a team's entries with the team they were made of.
#[derive(Debug)]
struct Part {
    /// The zone's and the team's names and the team; `None` for a zone.
    team: Option<(String, String, Arc<Team>)>,
    entries: Arc<[SearchEntry]>,
}

impl SearchIndex {
    /// The entries of `eco`; a team `previous` indexed (the same team:
    /// the same `Arc`, under the same names) keeps its entries, so a
    /// reload folds again only the teams that changed.
    pub(crate) fn new(eco: &Ecosystem, previous: Option<&SearchIndex>) -> Self {
        let before: BTreeMap<(&str, &str), &Part> = previous
            .into_iter()
            .flat_map(|index| &index.parts)
            .filter_map(|part| {
                let (zone, team, _) = part.team.as_ref()?;
                Some(((zone.as_str(), team.as_str()), part))
            })
            .collect();
        let mut parts = Vec::new();
        for (zone, z) in &eco.zones {
            let href = format!("/api/v1/zones/{}", crate::http::segment(zone.as_str()));
            let own = entry("zone", zone.to_string(), z.documentation.as_ref(), href);
            parts.push(Part {
                team: None,
                entries: Arc::from([own]),
            });
            for (team, t) in &z.teams {
                let kept = before
                    .get(&(zone.as_str(), team.as_str()))
                    .filter(|part| {
                        part.team
                            .as_ref()
                            .is_some_and(|(_, _, was)| Arc::ptr_eq(was, t))
                    })
                    .map(|part| Arc::clone(&part.entries));
                let entries = kept
                    .unwrap_or_else(|| Arc::from(team_entries(zone.as_str(), team.as_str(), t)));
                parts.push(Part {
                    team: Some((zone.to_string(), team.to_string(), Arc::clone(t))),
                    entries,
                });
            }
        }
        SearchIndex { parts }
    }

    /// Every entry, in model order.
    fn entries(&self) -> impl Iterator<Item = &SearchEntry> {
        self.parts.iter().flat_map(|part| part.entries.iter())
    }
}

/// A team's entry and those of its datastores, datasets and workspaces.
fn team_entries(zone: &str, team: &str, t: &Team) -> Vec<SearchEntry> {
    let mut found = Vec::new();
    let href = format!(
        "/api/v1/zones/{}/teams/{}",
        crate::http::segment(zone),
        crate::http::segment(team)
    );
    found.push(entry(
        "team",
        team.to_owned(),
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
    found
}

/// The entries whose name or documentation holds every word of `query`
/// (case folded), of `kind` if given, in model order; names that hold the
/// whole query come first.
pub(crate) fn find<'a>(
    index: &'a SearchIndex,
    query: &str,
    kind: Option<&str>,
) -> Vec<&'a SearchEntry> {
    let folded = query.trim().to_lowercase();
    let mut words: Vec<&str> = folded.split_whitespace().collect();
    words.sort_unstable();
    words.dedup();
    let (mut by_name, mut by_text) = (Vec::new(), Vec::new());
    for e in index.entries() {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;
    use datasurface_core::names::TeamName;

    fn shown(index: &SearchIndex) -> Vec<String> {
        index.entries().map(|e| format!("{e:?}")).collect()
    }

    #[test]
    fn a_reindex_keeps_the_entries_of_the_teams_it_shares_and_only_those() {
        let mut before = datasurface_fixtures::northwind().build().unwrap();
        // A second team, the same `Arc` as the first under another name.
        let zone = before.zones.values_mut().next().unwrap();
        let first = zone.teams.values().next().unwrap().clone();
        zone.teams
            .insert(TeamName::new("Copy").unwrap(), Arc::clone(&first));
        let old = SearchIndex::new(&before, None);
        // The first team changes (a new `Arc`); the copy does not.
        let mut after = before.clone();
        let team = after.teams_mut_where(|_| true).next().unwrap();
        let store = team.datastores.values_mut().next().unwrap();
        store.documentation = Some(Box::new(datasurface_core::Documentation::new(
            "Described again",
        )));
        let again = SearchIndex::new(&after, Some(&old));
        assert_eq!(shown(&again), shown(&SearchIndex::new(&after, None)));
        assert_ne!(shown(&again), shown(&old), "the change shows");
        let entries_of = |index: &SearchIndex, name: &str| {
            index
                .parts
                .iter()
                .find(|p| p.team.as_ref().is_some_and(|(_, t, _)| t == name))
                .map(|p| Arc::clone(&p.entries))
                .unwrap()
        };
        assert!(Arc::ptr_eq(
            &entries_of(&again, "Copy"),
            &entries_of(&old, "Copy")
        ));
        let changed = zone_first_team_name(&after);
        assert!(!Arc::ptr_eq(
            &entries_of(&again, &changed),
            &entries_of(&old, &changed)
        ));
    }

    fn zone_first_team_name(eco: &Ecosystem) -> String {
        eco.zones
            .values()
            .next()
            .unwrap()
            .teams
            .keys()
            .next()
            .unwrap()
            .to_string()
    }
}
