//! Plans: what to change to go from one rendering to the next, in an order that is safe.

use crate::content_changes::{content_changes, summary};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rendering::{Artifact, ArtifactKey, Rendering};

/// What a step does to one artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Action {
    /// Make a new artifact.
    Create,
    /// Change an artifact in place.
    Update,
    /// Remove an artifact and make it again.
    Replace,
    /// Remove an artifact.
    Delete,
}

/// How much a step disturbs the running system, least first.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Disruption {
    /// Nothing running notices. The default.
    #[default]
    None,
    /// Something is re-created, without losing data.
    Recreate,
    /// Data must be re-ingested or back-filled.
    Backfill,
    /// Data is dropped.
    DataDropped,
}

impl Action {
    /// The verb a plan shows: `create`, `update`, `replace`, `delete`.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }

    /// The sign a plan shows before the verb: `+`, `~`, `±`, `-`.
    pub fn sign(self) -> char {
        match self {
            Action::Create => '+',
            Action::Update => '~',
            Action::Replace => '±',
            Action::Delete => '-',
        }
    }

    /// Whether a step of this action fits an artifact that was in the
    /// previous rendering (`was`) and is in the next (`is`): a create only
    /// what is new, a delete only what is gone, an update or replace only
    /// what is in both.
    pub fn fits(self, was: bool, is: bool) -> bool {
        match self {
            Action::Create => !was && is,
            Action::Delete => was && !is,
            Action::Update | Action::Replace => was && is,
        }
    }
}

impl fmt::Display for Disruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Disruption::None => "none",
            Disruption::Recreate => "re-create without data loss",
            Disruption::Backfill => "re-ingest or backfill needed",
            Disruption::DataDropped => "data dropped",
        })
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Step {
    /// What it does.
    pub action: Action,
    /// To which artifact.
    pub key: ArtifactKey,
    /// Why: which change of the model or graph caused it.
    pub reason: String,
    /// How much it disturbs the running system.
    pub disruption: Disruption,
    /// The artifact as it will be, for every action but delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact: Option<Artifact>,
}

/// The steps from one rendering to the next: creates, updates and replaces with
/// what they depend on first; then deletes with what depends on them first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Plan {
    /// The steps, in the order to run them.
    pub steps: Vec<Step>,
}

impl Step {
    /// A step with no disruption and, for a delete, no artifact: add them
    /// with [`Step::with_disruption`] and [`Step::with_artifact`].
    pub fn new(action: Action, key: ArtifactKey, reason: impl Into<String>) -> Self {
        Step {
            action,
            key,
            reason: reason.into(),
            disruption: Disruption::None,
            artifact: None,
        }
    }

    /// With how much it disturbs the running system.
    #[must_use]
    pub fn with_disruption(mut self, disruption: Disruption) -> Self {
        self.disruption = disruption;
        self
    }

    /// With the artifact as it will be (every action but delete).
    #[must_use]
    pub fn with_artifact(mut self, artifact: Artifact) -> Self {
        self.artifact = Some(artifact);
        self
    }
}

impl Plan {
    /// A plan of these steps, in the order given: a platform's own
    /// [`diff`](crate::DataPlatform::diff) orders them with
    /// [`dependency_order`] first.
    pub fn new(steps: Vec<Step>) -> Self {
        Plan { steps }
    }

    /// Whether the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The rendering that results from running the plan on `previous`.
    pub fn apply(&self, previous: &Rendering) -> Rendering {
        let mut next = previous.clone();
        for step in &self.steps {
            match (&step.action, &step.artifact) {
                (Action::Delete, _) => {
                    next.artifacts.remove(&step.key);
                }
                (_, Some(artifact)) => {
                    next.artifacts.insert(step.key.clone(), artifact.clone());
                }
                (_, None) => {}
            }
        }
        next
    }

    /// How many steps of an action.
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }

    /// The plan's last line: how many steps of each action, and the worst
    /// disruption: `3 to create, 1 to update, 0 to replace, 0 to delete; worst disruption: none`.
    pub fn totals(&self) -> String {
        let mut line = format!(
            "{} to create, {} to update, {} to replace, {} to delete",
            self.count(Action::Create),
            self.count(Action::Update),
            self.count(Action::Replace),
            self.count(Action::Delete)
        );
        if !self.is_empty() {
            line.push_str("; worst disruption: ");
            line.push_str(&self.worst_disruption().to_string());
        }
        line
    }

    /// The worst disruption of any step.
    pub fn worst_disruption(&self) -> Disruption {
        self.steps
            .iter()
            .map(|s| s.disruption)
            .max()
            .unwrap_or(Disruption::None)
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            let (sign, verb) = (step.action.sign(), step.action.verb());
            writeln!(f, "{sign} {verb:<7} {}", step.key)?;
            writeln!(f, "    why: {}", step.reason)?;
            if step.disruption != Disruption::None {
                writeln!(f, "    disruption: {}", step.disruption)?;
            }
        }
        f.write_str(&self.totals())
    }
}

/// The default diff: every new artifact is created, every changed one updated
/// (conservatively marked "re-create without data loss"), every vanished one
/// deleted (conservatively marked "data dropped"). Platforms that know better
/// refine the reasons and disruption, and turn updates into replaces.
pub fn diff(previous: &Rendering, next: &Rendering) -> Plan {
    // Both renderings are sorted by key: one walk over the two finds what is
    // new, changed and gone.
    let mut changed: BTreeMap<&ArtifactKey, Step> = BTreeMap::new();
    let mut gone: BTreeSet<&ArtifactKey> = BTreeSet::new();
    let mut old = previous.artifacts.iter().peekable();
    for (key, artifact) in &next.artifacts {
        while let Some((k, _)) = old.next_if(|(k, _)| *k < key) {
            gone.insert(k);
        }
        let before = old.next_if(|(k, _)| *k == key).map(|(_, a)| a);
        let step = match before {
            None => Step {
                action: Action::Create,
                key: key.clone(),
                reason: match &artifact.node {
                    Some(node) => format!("new in the graph: {node}"),
                    None => "new in the rendering".to_owned(),
                },
                disruption: Disruption::None,
                artifact: Some(artifact.clone()),
            },
            Some(old)
                if old.hash != artifact.hash
                    || old.depends_on != artifact.depends_on
                    || old.node != artifact.node =>
            {
                Step {
                    action: Action::Update,
                    key: key.clone(),
                    reason: update_reason(old, artifact),
                    disruption: Disruption::Recreate,
                    artifact: Some(artifact.clone()),
                }
            }
            Some(_) => continue,
        };
        changed.insert(key, step);
    }
    gone.extend(old.map(|(k, _)| k));
    let mut steps: Vec<Step> = Vec::new();
    if !changed.is_empty() {
        for key in dependency_order(next) {
            if let Some(step) = changed.remove(key) {
                steps.push(step);
            }
        }
    }
    let mut deletes: Vec<&ArtifactKey> = if gone.is_empty() {
        Vec::new()
    } else {
        dependency_order(previous)
            .into_iter()
            .filter(|k| gone.contains(k))
            .collect()
    };
    deletes.reverse();
    for key in deletes {
        let reason = match previous.artifacts.get(key).and_then(|a| a.node.as_ref()) {
            Some(node) => format!("no longer in the graph: {node}"),
            None => "no longer rendered".to_owned(),
        };
        steps.push(Step {
            action: Action::Delete,
            key: key.clone(),
            reason,
            disruption: Disruption::DataDropped,
            artifact: None,
        });
    }
    Plan { steps }
}

/// Why an artifact changes: its content, what it depends on, or the node it realises.
fn update_reason(old: &Artifact, new: &Artifact) -> String {
    let mut parts = Vec::new();
    if old.hash != new.hash {
        // What changed inside, by the names in it, for the element the
        // artifact stands for; the content's hashes after, as detail.
        let subject = new
            .node
            .as_ref()
            .map_or_else(String::new, |n| format!("{}: ", n.describe()));
        match content_changes(&old.content, &new.content) {
            Some(changes) if !changes.is_empty() => parts.push(format!(
                "{subject}{} (content {} → {})",
                summary(&changes),
                short(&old.hash),
                short(&new.hash),
            )),
            _ => parts.push(format!(
                "{subject}its content changed ({} → {}){}",
                short(&old.hash),
                short(&new.hash),
                first_change(&old.content, &new.content)
            )),
        }
    }
    if old.depends_on != new.depends_on {
        let added: Vec<String> = new
            .depends_on
            .iter()
            .filter(|d| !old.depends_on.contains(d))
            .map(|d| format!("+{d}"))
            .collect();
        let removed: Vec<String> = old
            .depends_on
            .iter()
            .filter(|d| !new.depends_on.contains(d))
            .map(|d| format!("-{d}"))
            .collect();
        parts.push(format!(
            "what it depends on changed ({})",
            removed
                .into_iter()
                .chain(added)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if old.node != new.node {
        parts.push("it realises another graph node".to_owned());
    }
    parts.join("; ")
}

/// The first line that differs, as `: +"line"` (or `-"line"` when lines were
/// only removed), shortened, so a reviewer sees what changed.
fn first_change(old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let same_start = old_lines
        .iter()
        .zip(&new_lines)
        .take_while(|(a, b)| a == b)
        .count();
    let (sign, line) = match (new_lines.get(same_start), old_lines.get(same_start)) {
        (Some(line), _) => ('+', *line),
        (None, Some(line)) => ('-', *line),
        (None, None) => return String::new(),
    };
    let line = line.trim();
    let shown: String = line.chars().take(72).collect();
    let ellipsis = if shown.len() < line.len() { "…" } else { "" };
    format!(
        ", first at line {}: {sign}`{shown}{ellipsis}`",
        same_start + 1
    )
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The artifacts of a rendering with every artifact after those it depends on;
/// ties, and anything caught in a cycle, by key.
pub fn dependency_order(rendering: &Rendering) -> Vec<&ArtifactKey> {
    // Artifacts by position in key order, so the smallest ready position is
    // the first ready key.
    let keys: Vec<&ArtifactKey> = rendering.artifacts.keys().collect();
    let position = |key: &ArtifactKey| keys.binary_search(&key).ok();
    let mut waiting: Vec<usize> = vec![0; keys.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); keys.len()];
    for (i, artifact) in rendering.artifacts.values().enumerate() {
        let mut deps: Vec<usize> = artifact
            .depends_on
            .iter()
            .filter_map(&position)
            .filter(|&d| d != i)
            .collect();
        deps.sort_unstable();
        deps.dedup();
        waiting[i] = deps.len();
        for d in deps {
            dependents[d].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..keys.len())
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(keys.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(keys[i]);
        for &next in &dependents[i] {
            waiting[next] -= 1;
            if waiting[next] == 0 {
                ready.push(Reverse(next));
            }
        }
    }
    // Anything still waiting is caught in a cycle: keep it, in key order.
    order.extend(
        keys.iter()
            .zip(&waiting)
            .filter(|(_, waits)| **waits > 0)
            .map(|(k, _)| *k),
    );
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> ArtifactKey {
        ArtifactKey::new(k).unwrap()
    }

    fn rendering(items: &[(&str, &str, &[&str])]) -> Rendering {
        let mut r = Rendering::default();
        for (k, content, deps) in items {
            r.insert(
                key(k),
                Artifact::new(None, *content, deps.iter().map(|d| key(d)).collect()),
            )
            .unwrap();
        }
        r
    }

    /// Each step of a plan as its action and artifact key, in order.
    fn actions(plan: &Plan) -> Vec<(Action, &str)> {
        plan.steps
            .iter()
            .map(|s| (s.action, s.key.as_str()))
            .collect()
    }

    #[test]
    fn dependencies_first_then_key_order_and_cycles_last() {
        let r = rendering(&[
            ("a", "", &[]),
            ("b", "", &["e"]),
            ("c", "", &["c", "missing"]),
            ("d", "", &["b", "b"]),
            ("e", "", &[]),
            ("x", "", &["y"]),
            ("y", "", &["x"]),
        ]);
        let order: Vec<&str> = dependency_order(&r).iter().map(|k| k.as_str()).collect();
        assert_eq!(order, ["a", "c", "e", "b", "d", "x", "y"]);
    }

    #[test]
    fn deletes_come_dependents_first_after_creates_and_updates() {
        let before = rendering(&[
            ("a", "1", &[]),
            ("b", "2", &["a"]),
            ("c", "3", &["b"]),
            ("z", "9", &[]),
        ]);
        let after = rendering(&[("a", "1", &[]), ("m", "new", &["z"]), ("z", "10", &[])]);
        let plan = diff(&before, &after);
        assert_eq!(
            actions(&plan),
            [
                (Action::Update, "z"),
                (Action::Create, "m"),
                (Action::Delete, "c"),
                (Action::Delete, "b"),
            ]
        );
    }

    #[test]
    fn unchanged_renderings_give_an_empty_plan() {
        let r = rendering(&[("a", "1", &[]), ("b", "2", &["a"])]);
        assert!(diff(&r, &r).is_empty());
    }

    #[test]
    fn creates_run_upstream_first_and_deletes_downstream_first() {
        let old = rendering(&[
            ("z_source", "1", &[]),
            ("y_view", "1", &["z_source"]),
            ("x_report", "1", &["y_view"]),
        ]);
        let new = rendering(&[
            ("b_view", "1", &["c_source"]),
            ("c_source", "1", &[]),
            ("a_report", "1", &["b_view"]),
        ]);
        let plan = diff(&old, &new);
        assert_eq!(
            actions(&plan),
            [
                (Action::Create, "c_source"),
                (Action::Create, "b_view"),
                (Action::Create, "a_report"),
                (Action::Delete, "x_report"),
                (Action::Delete, "y_view"),
                (Action::Delete, "z_source"),
            ]
        );
        assert_eq!(plan.apply(&old), new);
    }

    #[test]
    fn changed_content_is_an_update_and_the_plan_prints() {
        let old = rendering(&[("a", "1", &[]), ("b", "2", &["a"]), ("gone", "x", &[])]);
        let new = rendering(&[("a", "1", &[]), ("b", "3", &["a"]), ("c", "4", &["b"])]);
        let plan = diff(&old, &new);
        assert_eq!(plan.apply(&old), new);
        insta::assert_snapshot!(plan.to_string());
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<Plan>(&json).unwrap(), plan);
    }
}
