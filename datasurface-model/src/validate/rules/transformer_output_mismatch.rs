//! Diagnostic: transformer-output-mismatch
//!
//! A transformer writes one datastore of its own team, and that datastore
//! says so in its capture: `transformerOutput: {workspace: ...}`. Both
//! directions are checked.

use super::prelude::*;
use crate::CaptureMetadata;

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

fn check(cx: &Context<'_>, out: &mut Sink) {
    // From each transformer to its output datastore.
    for ws in cx.index.workspaces.values().flatten() {
        let Some(transformer) = &ws.item.transformer else {
            continue;
        };
        let path = ws
            .path("workspaces")
            .keys(["transformer", "outputDatastore"]);
        let Some(team) = cx.zone(ws.zone).and_then(|z| z.teams.get(ws.team)) else {
            continue;
        };
        match team.datastores.get(&transformer.output_datastore) {
            None if cx
                .index
                .datastores
                .contains_key(&transformer.output_datastore) =>
            {
                out.report(
                    path,
                    format!(
                        "the output datastore `{}` of transformer `{}` belongs to another team",
                        transformer.output_datastore, ws.name
                    ),
                    "a transformer writes a datastore of its own team; move one of them",
                );
            }
            None => out.report(
                path,
                format!(
                    "the output datastore `{}` of transformer `{}` does not exist",
                    transformer.output_datastore, ws.name
                ),
                "define the datastore in the same team, captured as `transformerOutput`",
            ),
            Some(store) => match &store.capture {
                CaptureMetadata::TransformerOutput(t) if &t.workspace == ws.name => {}
                _ => out.report(
                    path,
                    format!(
                        "datastore `{}` is not captured as the output of workspace `{}`",
                        transformer.output_datastore, ws.name
                    ),
                    format!(
                        "give it `capture: {{transformerOutput: {{workspace: {}}}}}`",
                        ws.name
                    ),
                ),
            },
        }
    }
    // From each transformer-output datastore to its transformer.
    for store in cx.index.datastores.values().flatten() {
        let CaptureMetadata::TransformerOutput(t) = &store.item.capture else {
            continue;
        };
        let path = store
            .path("datastores")
            .keys(["capture", "transformerOutput", "workspace"]);
        let team = cx.zone(store.zone).and_then(|z| z.teams.get(store.team));
        let writes_it = team
            .and_then(|team| team.workspaces.get(&t.workspace))
            .and_then(|w| w.transformer.as_ref())
            .is_some_and(|tr| &tr.output_datastore == store.name);
        if !writes_it {
            out.report(
                path,
                format!("datastore `{}` says workspace `{}` writes it, but no transformer of its team does", store.name, t.workspace),
                "name the workspace of this team whose transformer has this datastore as `outputDatastore`",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE));
    }
}
