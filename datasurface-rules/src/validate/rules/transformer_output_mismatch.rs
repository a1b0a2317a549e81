//! Diagnostic: transformer-output-mismatch
//!
//! A transformer writes one datastore of its own team, and that datastore
//! says so in its capture: `transformerOutput: {workspace: ...}`. Both
//! directions are checked, and a mismatch is reported once: from the
//! datastore's side when the datastore is in the transformer's team, from the
//! transformer's side when it is not.

use super::prelude::*;
use datasurface_core::names::{DatastoreName, TeamName, WorkspaceName, ZoneName};
use datasurface_core::{CaptureMetadata, OrderedMap};

pub(crate) static RULE: Rule = Rule {
    code: "transformer-output-mismatch",
    severity: Severity::Error,
    summary: "A data transformer and its output datastore do not point at each other within one team.",
    explanation: "A transformer's `outputDatastore` must be a datastore of the same team whose capture is `transformerOutput: {workspace: <the transformer's workspace>}`, and such a capture must name a workspace whose transformer writes it.",
    example: &[(
        "capture: {transformerOutput: {workspace: Totals}}",
        "capture: {transformerOutput: {workspace: Dashboard}}",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    outside_its_team(cx, out);
    from_the_datastore(cx, out);
}

/// A transformer whose output is not a datastore of its team: nothing on the
/// datastore's side can say so.
fn outside_its_team(cx: &Context<'_>, out: &mut Findings) {
    for ws in cx.index.workspaces.values().flatten() {
        let Some(transformer) = &ws.item.transformer else {
            continue;
        };
        let Some(team) = cx.zone(ws.zone).and_then(|z| z.teams.get(ws.team)) else {
            continue;
        };
        if team.datastores.contains_key(&transformer.output_datastore) {
            continue;
        }
        let path = ws
            .path("workspaces")
            .keys(["transformer", "outputDatastore"]);
        if cx
            .index
            .datastores
            .contains_key(&transformer.output_datastore)
        {
            out.report(
                path,
                format!(
                    "the output datastore `{}` of transformer `{}` belongs to another team",
                    transformer.output_datastore, ws.name
                ),
                "a transformer writes a datastore of its own team; move one of them",
            );
        } else {
            out.report(
                path,
                format!(
                    "the output datastore `{}` of transformer `{}` does not exist",
                    transformer.output_datastore, ws.name
                ),
                "define the datastore in the same team, captured as `transformerOutput`",
            );
        }
    }
}

/// Every other mismatch, once, from the datastore's side.
fn from_the_datastore(cx: &Context<'_>, out: &mut Findings) {
    // The workspaces whose transformers write each datastore, in their
    // team's order, found in one pass (not a pass over the team's
    // workspaces for each of its datastores).
    let mut writers_of: OrderedMap<(&ZoneName, &TeamName, &DatastoreName), Vec<&WorkspaceName>> =
        OrderedMap::default();
    for (zone_name, zone) in &cx.eco.zones {
        for (team_name, team) in &zone.teams {
            for (name, w) in &team.workspaces {
                if let Some(t) = &w.transformer {
                    writers_of
                        .entry((zone_name, team_name, &t.output_datastore))
                        .or_default()
                        .push(name);
                }
            }
        }
    }
    for store in cx.index.datastores.values().flatten() {
        if cx
            .zone(store.zone)
            .and_then(|z| z.teams.get(store.team))
            .is_none()
        {
            continue;
        }
        let writers: &[&WorkspaceName] = writers_of
            .get(&(store.zone, store.team, store.name))
            .map_or(&[], Vec::as_slice);
        let listed = || {
            writers
                .iter()
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &store.item.capture {
            CaptureMetadata::TransformerOutput(t) => {
                let path = || {
                    store
                        .path("datastores")
                        .keys(["capture", "transformerOutput", "workspace"])
                };
                if !writers.contains(&&t.workspace) {
                    let (message, help) = match writers {
                        [] => (
                            format!("datastore `{}` says workspace `{}` writes it, but no transformer of its team does", store.name, t.workspace),
                            "name the workspace of this team whose transformer has this datastore as `outputDatastore`".to_owned(),
                        ),
                        [one] => (
                            format!("datastore `{}` says workspace `{}` writes it, but the transformer of workspace `{one}` does", store.name, t.workspace),
                            format!("write `transformerOutput: {{workspace: {one}}}`, or point that transformer's `outputDatastore` elsewhere"),
                        ),
                        _ => (
                            format!("datastore `{}` says workspace `{}` writes it, but the transformers of workspaces {} do", store.name, t.workspace, listed()),
                            "a datastore has one transformer: name it, and point the others elsewhere".to_owned(),
                        ),
                    };
                    out.report(path(), message, help);
                } else if writers.len() > 1 {
                    out.report(
                        path(),
                        format!(
                            "datastore `{}` is written by the transformers of workspaces {}; only `{}` may write it",
                            store.name,
                            listed(),
                            t.workspace
                        ),
                        "point the other transformers' `outputDatastore` at datastores of their own",
                    );
                }
            }
            CaptureMetadata::Ingestion(_) if !writers.is_empty() => out.report(
                store.path("datastores").key("capture"),
                format!(
                    "datastore `{}` is captured by ingestion, but it is the output of the {} of {} {}",
                    store.name,
                    if writers.len() == 1 { "transformer" } else { "transformers" },
                    if writers.len() == 1 { "workspace" } else { "workspaces" },
                    listed()
                ),
                format!(
                    "give it `capture: {{transformerOutput: {{workspace: {}}}}}`, or point the transformer at another datastore",
                    writers[0]
                ),
            ),
            CaptureMetadata::Ingestion(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE), @r"
        model.yaml:68:43: error[transformer-output-mismatch]: datastore `Customer_Totals` says workspace `Dashboard` writes it, but the transformer of workspace `Totals` does
          at: /zones/USA/teams/Reporting/datastores/Customer_Totals/capture/transformerOutput/workspace
          help: write `transformerOutput: {workspace: Totals}`, or point that transformer's `outputDatastore` elsewhere (in github:acme/reporting@main)
        ");
    }
}
