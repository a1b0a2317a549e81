//! Diagnostic: invalid-transformer-limits
//!
//! A transformer runs within the time and memory its `limits` give: a
//! run's total time, a lock wait, idle time inside a transaction, and the
//! memory of its queries and result. Platforms enforce
//! them on the session the team's code runs in, so that no transformer
//! holds a shared database or engine for ever. A limit of zero would
//! refuse every run, and one above its maximum would let one team's code
//! hold shared resources for hours.

use super::prelude::*;
use datasurface_core::TransformerLimits;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-transformer-limits",
        Severity::Error,
        "A transformer sets a time or memory limit of zero or above its maximum.",
        "Keep each limit above zero and at most its maximum: `timeoutSeconds` 21,600 (default 900), \
                  `lockTimeoutSeconds` 600 (default 30), `idleTimeoutSeconds` 600 (default 60), `memoryMib` 16,384 \
                  (default 1,024). Leave a limit out for the default.",
    )
    .with_example(
        &[(
        "                    totals: SELECT customer_id, SUM(amount) AS total FROM Orders_orders GROUP BY customer_id\n",
        "                    totals: SELECT customer_id, SUM(amount) AS total FROM Orders_orders GROUP BY customer_id\n              limits: {timeoutSeconds: 0}\n",
    )],
        "model.yaml:91:24: error[invalid-transformer-limits]: the transformer of workspace `Totals` has `timeoutSeconds: 0`, outside 1 to 21600
  at: /zones/USA/teams/Reporting/workspaces/Totals/transformer/limits/timeoutSeconds
  help: give a value from 1 to 21600, or leave it out for the default (900 seconds for `timeoutSeconds`) (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for ws in cx.index.workspaces.values().flatten() {
        let Some(transformer) = &ws.item.transformer else {
            continue;
        };
        for (field, value, max) in transformer.limits.out_of_range() {
            out.report(
                ws.path("workspaces").keys(["transformer", "limits", field]),
                format!(
                    "the transformer of workspace `{}` has `{field}: {value}`, outside 1 to {max}",
                    ws.name
                ),
                format!(
                    "give a value from 1 to {max}, or leave it out for the default ({} seconds for `timeoutSeconds`)",
                    TransformerLimits::DEFAULT_TIMEOUT_SECONDS
                ),
            );
        }
    }
}
