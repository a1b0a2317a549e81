//! Diagnostic: transformer-output-mismatch
//!
//! A transformer writes one datastore of its own team, and that datastore
//! says so in its capture: `transformerOutput: {workspace: ...}`. Both
//! directions are checked, and each mismatch is one finding: an output
//! datastore that is missing or in another team at the transformer; any
//! other at the datastore's capture, naming every transformer involved
//! (both ends are the same team's to fix).

use super::prelude::*;
use datasurface_core::index::Placed;
use datasurface_core::names::{DatastoreName, TeamName, WorkspaceName, ZoneName};
use datasurface_core::{CaptureMetadata, Datastore, OrderedMap, Workspace};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "transformer-output-mismatch",
        Severity::Error,
        "A data transformer and its output datastore do not point at each other within one team.",
        "A transformer's `outputDatastore` must be a datastore of the same team whose capture is `transformerOutput: {workspace: <the transformer's workspace>}`, and such a capture must name a workspace whose transformer writes it.",
    )
    .with_example(
        &[(
        "capture: {transformerOutput: {workspace: Totals}}",
        "capture: {transformerOutput: {workspace: Dashboard}}",
    )],
        "model.yaml:68:43: error[transformer-output-mismatch]: datastore `Customer_Totals` says workspace `Dashboard` writes it, but the transformer of workspace `Totals` does
  at: /zones/USA/teams/Reporting/datastores/Customer_Totals/capture/transformerOutput/workspace
  help: write `transformerOutput: {workspace: Totals}`, or point that transformer's `outputDatastore` elsewhere (in github:acme/reporting@main)",
    ),
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

/// A transformer, by its workspace.
type Writer<'a> = Placed<'a, WorkspaceName, Workspace>;

/// Every other mismatch, reported at both ends: at the datastore's capture,
/// and at the `outputDatastore` of each transformer that writes it, so whoever
/// reads either sees it.
fn from_the_datastore(cx: &Context<'_>, out: &mut Findings) {
    // The transformers that write each datastore, in the model's order,
    // found in one pass (not a pass over the team's workspaces for each of
    // its datastores).
    let mut writers_of: OrderedMap<(&ZoneName, &TeamName, &DatastoreName), Vec<Writer<'_>>> =
        OrderedMap::default();
    for ws in cx.index.workspaces.values().flatten() {
        if let Some(t) = &ws.item.transformer {
            writers_of
                .entry((ws.zone, ws.team, &t.output_datastore))
                .or_default()
                .push(*ws);
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
        let writers: &[Writer<'_>] = writers_of
            .get(&(store.zone, store.team, store.name))
            .map_or(&[], Vec::as_slice);
        let listed = || {
            writers
                .iter()
                .map(|w| format!("`{}`", w.name))
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
                let named = writers.iter().any(|w| *w.name == t.workspace);
                if !named {
                    let (message, help) = match writers {
                        [] => (
                            format!("datastore `{}` says workspace `{}` writes it, but no transformer of its team does", store.name, t.workspace),
                            "name the workspace of this team whose transformer has this datastore as `outputDatastore`".to_owned(),
                        ),
                        [one] => (
                            format!("datastore `{}` says workspace `{}` writes it, but the transformer of workspace `{}` does", store.name, t.workspace, one.name),
                            format!("write `transformerOutput: {{workspace: {}}}`, or point that transformer's `outputDatastore` elsewhere", one.name),
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
            CaptureMetadata::Ingestion(_) if !writers.is_empty() => {
                ingested(store, writers, out);
            }
            CaptureMetadata::Ingestion(_) => {}
        }
    }
}

/// A datastore captured by ingestion that transformers write: one finding,
/// at the datastore's capture, naming them.
fn ingested(
    store: &Placed<'_, DatastoreName, Datastore>,
    writers: &[Writer<'_>],
    out: &mut Findings,
) {
    let listed = writers
        .iter()
        .map(|w| format!("`{}`", w.name))
        .collect::<Vec<_>>()
        .join(", ");
    out.report(
        store.path("datastores").key("capture"),
        format!(
            "datastore `{}` is captured by ingestion, but it is the output of the {} of {} {}",
            store.name,
            if writers.len() == 1 { "transformer" } else { "transformers" },
            if writers.len() == 1 { "workspace" } else { "workspaces" },
            listed
        ),
        format!(
            "give it `capture: {{transformerOutput: {{workspace: {}}}}}`, or point the transformer at another datastore",
            writers[0].name
        ),
    );
}

#[cfg(test)]
mod tests {

    /// An output captured by ingestion is one problem: one finding, at the
    /// datastore's capture, naming the transformer.
    #[test]
    fn an_ingested_output_is_one_finding() {
        use super::super::{BASE_MODEL, testing::report_for};
        let text = BASE_MODEL.replacen(
            "            capture: {transformerOutput: {workspace: Totals}}\n",
            "            capture:\n              ingestion:\n                container: Sales DB\n                consistency: MULTI_DATASET\n                trigger: {cron: \"*/15 * * * *\"}\n                credential: {name: sales_reader, type: USER_PASSWORD}\n                method: {sqlSnapshot: {}}\n",
            1,
        );
        let report = report_for(&text);
        let found: Vec<String> = report
            .diagnostics()
            .iter()
            .filter(|d| d.code == super::RULE.info.code)
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect();
        assert_eq!(
            found,
            [
                "/zones/USA/teams/Reporting/datastores/Customer_Totals/capture: datastore `Customer_Totals` is captured by ingestion, but it is the output of the transformer of workspace `Totals`",
            ]
        );
    }
}
