//! A dataset group that moves between platforms, as each platform's plan
//! shows it: the old platform's steps that remove the group say where it
//! goes, and the new platform's steps that make it say where it comes from
//! and that its consumers' data is delivered again.

use std::fmt::Write as _;

use datasurface_core::Ecosystem;
use datasurface_core::names::PlatformName;
use datasurface_graph::NodeKey;

use crate::plan::{Action, Disruption, Plan};
use crate::rendering::Rendering;

/// The workspace and group of a `Workspace/<platform>/<workspace>/<group>`
/// node key (names cannot hold `/`).
fn group_of(node: &NodeKey) -> Option<(&str, &str)> {
    let mut parts = node.as_str().split('/');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("Workspace"), Some(_), Some(ws), Some(group), None) => Some((ws, group)),
        _ => None,
    }
}

/// Marks the steps of `platform`'s plan (from `previous`) that move a
/// dataset group to or from another platform, by the new model `eco`:
///
/// * a step that removes a group's artifact, where the model now serves the
///   group on other platforms only, says where it moves;
/// * a step that makes a group's artifact, where the ecosystem's recorded
///   choice (`platform-choices.yaml`) put the group on another platform,
///   says where it moves from, and its consumers' data is delivered again
///   from the start: its disruption is at least a backfill.
///
/// ```
/// use datasurface_platform::{mark_moves, Plan, Rendering};
/// use datasurface_fixtures::northwind;
///
/// let eco = northwind().build()?;
/// let mut plan = Plan::default();
/// mark_moves(&mut plan, &Rendering::default(), &"Local".parse()?, &eco);
/// assert!(plan.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn mark_moves(plan: &mut Plan, previous: &Rendering, platform: &PlatformName, eco: &Ecosystem) {
    let served_by = |ws: &str, group: &str| -> Vec<&PlatformName> {
        eco.assignments
            .iter()
            .filter(|a| a.workspace.as_str() == ws && a.dataset_group.as_str() == group)
            .flat_map(|a| a.platforms.iter().map(|p| &p.platform))
            .collect()
    };
    for step in &mut plan.steps {
        let node = match step.action {
            Action::Delete => previous
                .artifacts
                .get(&step.key)
                .and_then(|a| a.node.as_ref()),
            _ => step.artifact.as_ref().and_then(|a| a.node.as_ref()),
        };
        let Some((ws, group)) = node.and_then(group_of) else {
            continue;
        };
        if step.action == Action::Delete {
            let now = served_by(ws, group);
            if !now.is_empty() && !now.contains(&platform) {
                let names: Vec<String> = now.iter().map(|p| format!("`{p}`")).collect();
                let _ = write!(
                    step.reason,
                    "; dataset group `{ws}/{group}` moves to platform {}",
                    names.join(", ")
                );
            }
        } else if step.action == Action::Create
            && let Some(from) = eco
                .platform_choices
                .iter()
                .find(|c| {
                    c.workspace.as_str() == ws
                        && c.dataset_group.as_str() == group
                        && &c.platform != platform
                })
                .map(|c| &c.platform)
        {
            let _ = write!(
                step.reason,
                "; dataset group `{ws}/{group}` moves here from platform `{from}`: its consumers' data is delivered again from the start"
            );
            step.disruption = step.disruption.max(Disruption::Backfill);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use datasurface_core::platform::RecordedChoice;
    use datasurface_fixtures::northwind;

    use super::*;
    use crate::plan::diff;
    use crate::rendering::{Artifact, ArtifactKey};

    fn rendering(node: &str) -> Rendering {
        let mut r = Rendering::default();
        r.insert(
            ArtifactKey::new("views/reporting.sql").unwrap(),
            Artifact::new(
                Some(serde_json::from_value(serde_json::json!(node)).unwrap()),
                "CREATE VIEW …",
                vec![],
            ),
        )
        .unwrap();
        r
    }

    #[test]
    fn a_moved_group_says_where_it_goes_and_where_it_comes_from() {
        let mut eco = northwind().build().unwrap();
        // The group was on `Local`; the model now serves it on `Azure Platform` only.
        eco.assignments[0]
            .platforms
            .retain(|p| p.platform.as_str() == "Azure Platform");
        eco.platform_choices.push(RecordedChoice {
            workspace: "ProductAnalytics".parse().unwrap(),
            dataset_group: "Reporting".parse().unwrap(),
            platform: "Local".parse().unwrap(),
        });
        let old = rendering("Workspace/Local/ProductAnalytics/Reporting");
        let mut leaving = diff(&old, &Rendering::default());
        mark_moves(&mut leaving, &old, &"Local".parse().unwrap(), &eco);
        assert!(
            leaving.steps[0].reason.ends_with(
                "; dataset group `ProductAnalytics/Reporting` moves to platform `Azure Platform`"
            ),
            "{}",
            leaving.steps[0].reason
        );
        let new = rendering("Workspace/Azure Platform/ProductAnalytics/Reporting");
        let mut arriving = diff(&Rendering::default(), &new);
        mark_moves(
            &mut arriving,
            &Rendering::default(),
            &"Azure Platform".parse().unwrap(),
            &eco,
        );
        assert!(
            arriving.steps[0]
                .reason
                .contains("moves here from platform `Local`")
        );
        assert_eq!(arriving.steps[0].disruption, Disruption::Backfill);
    }
}
