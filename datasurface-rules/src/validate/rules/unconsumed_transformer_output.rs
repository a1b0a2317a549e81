//! Diagnostic: unconsumed-transformer-output
//!
//! A transformer runs for someone: when no dataset group reads its output,
//! it is work no platform will schedule, and likely a forgotten consumer.

use std::collections::BTreeSet;

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unconsumed-transformer-output",
        Severity::Warning,
        "No dataset group reads the output of a data transformer.",
        "Platforms run a transformer only for the consumers of its output. Add a dataset group that reads it, or remove the transformer (deprecate its output store first if others may come to read it).",
    )
    .with_example(
        &[(
        "                  - {datastore: Customer_Totals, dataset: totals}\n",
        "",
    )],
        "model.yaml:85:13: warning[unconsumed-transformer-output]: no dataset group reads `Customer_Totals`, the output of transformer `Totals`, so no platform runs it
  at: /zones/USA/teams/Reporting/workspaces/Totals/transformer
  help: add a dataset group that reads it, or remove the transformer (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let read: BTreeSet<&str> = cx
        .index
        .workspaces
        .values()
        .flatten()
        .flat_map(|ws| ws.item.dataset_groups.values())
        .flat_map(|g| g.sinks.iter().map(|s| s.datastore.as_str()))
        .collect();
    for ws in cx.index.workspaces.values().flatten() {
        let Some(transformer) = &ws.item.transformer else {
            continue;
        };
        // An output store that is not defined is `transformer-output-mismatch`'s
        // one finding: nobody can read what does not exist.
        if cx.index.datastore(&transformer.output_datastore).is_none() {
            continue;
        }
        if !read.contains(transformer.output_datastore.as_str()) {
            out.report(
                ws.path("workspaces").key("transformer"),
                format!(
                    "no dataset group reads `{}`, the output of transformer `{}`, so no platform runs it",
                    transformer.output_datastore, ws.name
                ),
                "add a dataset group that reads it, or remove the transformer",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_output_store_that_is_not_defined_is_one_finding() {
        let text = super::super::BASE_MODEL.replacen(
            "outputDatastore: Customer_Totals",
            "outputDatastore: Nowhere",
            1,
        );
        let codes = super::super::testing::report_for(&text).codes();
        assert!(codes.contains(&"transformer-output-mismatch"), "{codes:?}");
        assert!(
            !codes.contains(&"unconsumed-transformer-output"),
            "{codes:?}"
        );
    }
}
