//! Diagnostic: invalid-cron
//!
//! Cron triggers use the five-field form that [`crate::cron::Schedule`]
//! parses and evaluates.

use super::prelude::*;
use crate::StepTrigger;
use crate::cron::Schedule;

pub(crate) static RULE: Rule = Rule {
    code: "invalid-cron",
    severity: Severity::Error,
    summary: "A cron trigger's schedule is not a valid five-field cron expression.",
    explanation: "Write five fields: minute, hour, day of month, month and day of week, such as `*/15 * * * *` \
                  (every quarter hour) or `30 2 * * 1-5` (02:30 on weekdays).",
    example: &[(
        "trigger: {cron: \"*/15 * * * *\"}",
        "trigger: {cron: \"*/15 * * *\"}",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    let mut check_trigger = |path: ModelPath, trigger: Option<&StepTrigger>| {
        if let Some(StepTrigger::Cron(expression)) = trigger
            && let Err(why) = expression.parse::<Schedule>()
        {
            out.report(
                path.key("cron"),
                format!("invalid cron schedule `{expression}`: {why}"),
                "write minute, hour, day of month, month and day of week, such as `*/15 * * * *` or `30 2 * * 1-5`",
            );
        }
    };
    for placed in cx.index.datastores.values().flatten() {
        if let Some(ingestion) = placed.item.capture.ingestion() {
            check_trigger(
                placed
                    .path("datastores")
                    .keys(["capture", "ingestion", "trigger"]),
                ingestion.trigger.as_ref(),
            );
        }
    }
    for placed in cx.index.workspaces.values().flatten() {
        if let Some(transformer) = &placed.item.transformer {
            check_trigger(
                placed.path("workspaces").keys(["transformer", "trigger"]),
                transformer.trigger.as_ref(),
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
