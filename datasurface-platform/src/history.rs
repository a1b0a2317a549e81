//! How long each datastore's closed row versions must be kept on a platform:
//! the one rule every platform that milestones applies.

use std::collections::BTreeMap;

use crate::graph::{NodeKind, PlatformGraph};
use datasurface_core::names::DatastoreName;
use datasurface_core::{Milestoning, RetentionPeriod};
use datasurface_rules::validate::ModelIndex;

/// How long a datastore's closed row versions are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Kept {
    /// A forensic consumer asks for no limit.
    Forever,
    /// The longest retention forensic consumers ask for, in days.
    Days(u64),
}

impl Kept {
    /// The days closed versions are kept, or `None` for ever.
    pub fn days(self) -> Option<u64> {
        match self {
            Kept::Forever => None,
            Kept::Days(d) => Some(d),
        }
    }
}

/// The datastores of a graph whose closed row versions must be kept, and for
/// how long: every store a dataset group on the platform reads with forensic
/// milestoning, for the longest retention those groups ask for (a group with
/// no retention keeps history for ever). Stores absent from the map are read
/// live only: their closed versions can be purged at once.
pub fn kept_history(
    graph: &PlatformGraph,
    index: &ModelIndex<'_>,
) -> BTreeMap<DatastoreName, Kept> {
    let mut kept: BTreeMap<DatastoreName, Kept> = BTreeMap::new();
    for node in graph.nodes() {
        let NodeKind::Workspace {
            workspace,
            dataset_group,
        } = &node.kind
        else {
            continue;
        };
        let Some(requirements) = index
            .workspace(workspace)
            .and_then(|w| w.item.dataset_groups.get(dataset_group))
            .and_then(|g| g.requirements.as_ref().map(|r| (g, r)))
        else {
            continue;
        };
        let (group, requirements) = requirements;
        if requirements.milestoning == Milestoning::LiveOnly {
            continue;
        }
        let asked = requirements
            .retention
            .as_ref()
            .map(RetentionPeriod::max_days)
            .map_or(Kept::Forever, Kept::Days);
        for sink in &group.sinks {
            kept.entry(sink.datastore.clone())
                .and_modify(|k| {
                    *k = match (*k, asked) {
                        (Kept::Days(a), Kept::Days(b)) => Kept::Days(a.max(b)),
                        _ => Kept::Forever,
                    };
                })
                .or_insert(asked);
        }
    }
    kept
}
