//! Diagnostic: invalid-hook
//!
//! A workspace's hook is asked about the events it lists, within the limits
//! it gives. A hook that lists no event is never asked, an event listed
//! twice is a slip, and a limit of zero, or above what a platform grants
//! one decision, cannot be run as written.

use super::prelude::*;
use datasurface_core::hook::HookEventKind;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-hook",
        Severity::Error,
        "A workspace's hook lists no event, lists one twice, or sets a limit out of range.",
        "List each event the hook decides on once (`batchCommitted`, `scheduleTick`, `modelChanged`, `manualRun`), and keep each limit above zero and at most its maximum: `fuel` 10,000,000,000, `memoryMib` 256, `wallTimeMs` 30,000. Leave a limit out for the platform's default.",
    )
    .with_example(
        &[(
        "events: [batchCommitted, scheduleTick]",
        "events: [batchCommitted, batchCommitted]",
    )],
        "model.yaml:94:40: error[invalid-hook]: the hook of workspace `Totals` lists the event `batchCommitted` twice
  at: /zones/USA/teams/Reporting/workspaces/Totals/hook/events/1
  help: list each event once (in github:acme/reporting@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for ws in cx.index.workspaces.values().flatten() {
        let Some(hook) = &ws.item.hook else {
            continue;
        };
        let path = || ws.path("workspaces").keys(["hook"]);
        if hook.events.is_empty() {
            out.report(
                path().keys(["events"]),
                format!(
                    "the hook of workspace `{}` lists no event, so it is never asked",
                    ws.name
                ),
                format!(
                    "list the events it decides on, such as `events: [{}]`",
                    HookEventKind::BatchCommitted
                ),
            );
        }
        for (i, kind) in hook.events.iter().enumerate() {
            if hook.events[..i].contains(kind) {
                out.report(
                    path().keys(["events"]).index(i),
                    format!(
                        "the hook of workspace `{}` lists the event `{kind}` twice",
                        ws.name
                    ),
                    "list each event once",
                );
            }
        }
        for (field, value, max) in hook.limits.out_of_range() {
            out.report(
                path().keys(["limits", field]),
                format!(
                    "the hook of workspace `{}` has `{field}: {value}`, outside 1 to {max}",
                    ws.name
                ),
                format!("give `{field}` a value from 1 to {max}, or leave it out for the platform's default"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BASE_MODEL, testing::report_for};

    #[test]
    fn no_event_and_limits_out_of_range() {
        let text = BASE_MODEL.replacen(
            "events: [batchCommitted, scheduleTick]",
            "events: []\n              limits: {fuel: 0, memoryMib: 512, wallTimeMs: 100}",
            1,
        );
        insta::assert_snapshot!(report_for(&text).to_string(), @r"
        model.yaml:94:15: error[invalid-hook]: the hook of workspace `Totals` lists no event, so it is never asked
          at: /zones/USA/teams/Reporting/workspaces/Totals/hook/events
          help: list the events it decides on, such as `events: [batchCommitted]` (in github:acme/reporting@main)
        model.yaml:95:24: error[invalid-hook]: the hook of workspace `Totals` has `fuel: 0`, outside 1 to 10000000000
          at: /zones/USA/teams/Reporting/workspaces/Totals/hook/limits/fuel
          help: give `fuel` a value from 1 to 10000000000, or leave it out for the platform's default (in github:acme/reporting@main)
        model.yaml:95:33: error[invalid-hook]: the hook of workspace `Totals` has `memoryMib: 512`, outside 1 to 256
          at: /zones/USA/teams/Reporting/workspaces/Totals/hook/limits/memoryMib
          help: give `memoryMib` a value from 1 to 256, or leave it out for the platform's default (in github:acme/reporting@main)
        ");
    }
}
