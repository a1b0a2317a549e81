//! Who a change to a dataset reaches: each dataset group that reads it,
//! or reads a dataset a transformer derives from it, with its owning team,
//! nearest first; and the teams whose owners `verify` asks to approve a
//! breaking change.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

use datasurface_core::Dataset;
use datasurface_core::names::{ColumnName, DatasetName, DatastoreName, WorkspaceName};
use schemars::JsonSchema;
use serde::Serialize;

use crate::http::segment;
use crate::snapshot::Snapshot;

/// What a change to one dataset reaches.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct Impact {
    /// The dataset asked about, and its owner.
    pub(crate) dataset: Target,
    /// The column asked about, if one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) column: Option<ColumnAsked>,
    /// Each dataset group the change reaches, nearest first: those reading
    /// the dataset (`distance` 0), then those reading what a transformer
    /// derives from it, one transformer further each.
    pub(crate) consumers: Vec<Consumer>,
    /// The teams owning those groups, each once, in the order met.
    pub(crate) teams: Vec<TeamReached>,
    /// What this means for a change, in a line or two.
    pub(crate) summary: String,
}

/// The dataset a change is asked about.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct Target {
    pub(crate) store: String,
    pub(crate) dataset: String,
    /// The zone of the team that owns it.
    pub(crate) zone: String,
    /// The team that owns it.
    pub(crate) team: String,
    pub(crate) href: String,
}

/// The column a change is asked about, and what it is to the dataset.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct ColumnAsked {
    pub(crate) name: String,
    /// Whether it is part of the primary key.
    pub(crate) primary_key: bool,
    /// Whether it partitions ingestion.
    pub(crate) partition_key: bool,
    pub(crate) nullable: bool,
    /// Its classifications (the dataset's, when the dataset classifies
    /// itself whole).
    pub(crate) classifications: Vec<String>,
}

/// A dataset group a change reaches.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct Consumer {
    pub(crate) workspace: String,
    pub(crate) group: String,
    /// The zone of the team that owns the workspace.
    pub(crate) zone: String,
    /// The team that owns the workspace: whose owners approve a break.
    pub(crate) team: String,
    /// How many transformers lie between the dataset and what the group
    /// reads (0: it reads the dataset itself).
    pub(crate) distance: u32,
    /// The datasets it reads that the change reaches, as `store.dataset`.
    pub(crate) reads: Vec<String>,
    /// The transformers on the way, nearest the dataset first, by workspace.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) via: Vec<String>,
    /// Whether the group feeds its workspace's transformer (a break stops
    /// the transformer, and so everything downstream of it).
    pub(crate) feeds_transformer: bool,
    /// The platforms that serve the group, as `name (kind)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) platforms: Vec<String>,
    pub(crate) href: String,
}

/// A team whose groups a change reaches.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub(crate) struct TeamReached {
    pub(crate) zone: String,
    pub(crate) team: String,
    /// How many of its groups the change reaches.
    pub(crate) groups: u32,
    /// Whether it is the dataset's own team.
    pub(crate) owner: bool,
    pub(crate) href: String,
}

/// The column `name` of `dataset`, or why there is none (with the nearest).
pub(crate) fn column_asked(dataset: &Dataset, name: &str) -> Result<ColumnAsked, String> {
    let schema = &dataset.schema;
    let Some((column_name, column)) = schema.columns.get_key_value(name) else {
        let known: Vec<&str> = schema.columns.keys().map(ColumnName::as_str).collect();
        return Err(format!(
            "the dataset has no column `{name}`; {}",
            datasurface_stdx::suggest::suggest(name, &known, "its columns")
        ));
    };
    let classifications = dataset
        .classifications
        .as_ref()
        .unwrap_or(&column.classifications)
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(ColumnAsked {
        name: column_name.to_string(),
        primary_key: schema.primary_key.contains(column_name),
        partition_key: schema.partition_keys.contains(column_name),
        nullable: column.nullable,
        classifications,
    })
}

/// What a change to `store.dataset` reaches, at most `depth` transformers
/// away.
pub(crate) fn impact(
    snap: &Snapshot,
    owner: (&str, &str),
    store: &DatastoreName,
    dataset: &DatasetName,
    column: Option<ColumnAsked>,
    depth: usize,
) -> Impact {
    // Each group once, at its nearest; the datasets it reads that the
    // change reaches, and the transformers on the way to the first.
    let mut consumers: Vec<Consumer> = Vec::new();
    let mut index: BTreeMap<(WorkspaceName, String), usize> = BTreeMap::new();
    let mut followed: BTreeSet<WorkspaceName> = BTreeSet::new();
    let mut queue = VecDeque::from([(store.clone(), dataset.clone(), 0_usize, Vec::new())]);
    while let Some((store, dataset, distance, via)) = queue.pop_front() {
        let read = format!("{store}.{dataset}");
        for reader in snap.readers_of(&store, &dataset) {
            let key = (reader.workspace.clone(), reader.group.to_string());
            if let Some(&at) = index.get(&key) {
                if !consumers[at].reads.contains(&read) {
                    consumers[at].reads.push(read.clone());
                }
                continue;
            }
            let Some((zone, team, _, ws)) = snap.workspace(reader.workspace.as_str()) else {
                continue;
            };
            let transformer = ws.transformer.as_ref();
            index.insert(key, consumers.len());
            consumers.push(Consumer {
                workspace: reader.workspace.to_string(),
                group: reader.group.to_string(),
                zone: zone.to_owned(),
                team: team.to_owned(),
                distance: u32::try_from(distance).unwrap_or(u32::MAX),
                reads: vec![read.clone()],
                via: via.clone(),
                feeds_transformer: transformer.is_some(),
                platforms: crate::lineage::platforms(snap, &reader.workspace, Some(&reader.group)),
                href: format!("/api/v1/workspaces/{}", segment(reader.workspace.as_str())),
            });
            let Some(t) = transformer else { continue };
            if distance >= depth || !followed.insert(reader.workspace.clone()) {
                continue;
            }
            let Some((_, _, _, out)) = snap.datastore(t.output_datastore.as_str()) else {
                continue;
            };
            let mut next = via.clone();
            next.push(reader.workspace.to_string());
            for name in out.datasets.keys() {
                queue.push_back((
                    t.output_datastore.clone(),
                    name.clone(),
                    distance + 1,
                    next.clone(),
                ));
            }
        }
    }
    let mut teams: Vec<TeamReached> = Vec::new();
    for c in &consumers {
        match teams
            .iter_mut()
            .find(|t| t.zone == c.zone && t.team == c.team)
        {
            Some(t) => t.groups += 1,
            None => teams.push(TeamReached {
                zone: c.zone.clone(),
                team: c.team.clone(),
                groups: 1,
                owner: (c.zone.as_str(), c.team.as_str()) == owner,
                href: format!(
                    "/api/v1/zones/{}/teams/{}",
                    segment(&c.zone),
                    segment(&c.team)
                ),
            }),
        }
    }
    let summary = summary(store, dataset, column.as_ref(), &consumers, &teams);
    Impact {
        dataset: Target {
            store: store.to_string(),
            dataset: dataset.to_string(),
            zone: owner.0.to_owned(),
            team: owner.1.to_owned(),
            href: format!(
                "/api/v1/datastores/{}/datasets/{}",
                segment(store.as_str()),
                segment(dataset.as_str())
            ),
        },
        column,
        consumers,
        teams,
        summary,
    }
}

fn summary(
    store: &DatastoreName,
    dataset: &DatasetName,
    column: Option<&ColumnAsked>,
    consumers: &[Consumer],
    teams: &[TeamReached],
) -> String {
    let what = match column {
        Some(c) => format!("column `{}` of `{store}.{dataset}`", c.name),
        None => format!("`{store}.{dataset}`"),
    };
    if consumers.is_empty() {
        return format!(
            "No dataset group reads {what} or anything derived from it: a change to it breaks no consumer."
        );
    }
    let direct = consumers.iter().filter(|c| c.distance == 0).count();
    let others: Vec<String> = teams
        .iter()
        .filter(|t| !t.owner)
        .map(|t| format!("`{}/{}`", t.zone, t.team))
        .collect();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut text = format!(
        "A change to {what} reaches {} ({} reading it directly) of {}.",
        plural(consumers.len(), "dataset group"),
        direct,
        plural(teams.len(), "team")
    );
    let key = column.is_some_and(|c| c.primary_key || c.partition_key);
    text.push_str(if key {
        " It is a key column: removing it or changing its type or the key is a breaking change,"
    } else {
        " Removing it, narrowing its type or changing its classification is a breaking change,"
    });
    if others.is_empty() {
        text.push_str(" which `verify` lets through only with an approval from the owning team (`exceptions.approvals`).");
    } else {
        let _ = write!(
            text,
            " which `verify` refuses unless the owners of {} approve it (`exceptions.approvals` in their documents); a nullable column added is not.",
            others.join(", ")
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_nobody_reads_breaks_nobody() {
        let store: DatastoreName = "S".parse().unwrap();
        let dataset: DatasetName = "d".parse().unwrap();
        assert_eq!(
            summary(&store, &dataset, None, &[], &[]),
            "No dataset group reads `S.d` or anything derived from it: a change to it breaks no consumer."
        );
    }
}
