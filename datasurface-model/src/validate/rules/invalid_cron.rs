//! Diagnostic: invalid-cron
//!
//! Cron triggers use the five-field form: minute (0-59), hour (0-23), day of
//! month (1-31), month (1-12), day of week (0-7, both 0 and 7 are Sunday).
//! Each field is `*`, a number, a range `a-b`, a list `a,b`, or any of these
//! with a step `/n`.

use super::prelude::*;
use crate::StepTrigger;

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

const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
];

/// Checks a five-field cron expression; on failure, says which field is wrong and why.
pub(crate) fn check_cron(expression: &str) -> Result<(), String> {
    let fields: Vec<&str> = expression.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "it has {} fields; cron needs 5 (minute hour day-of-month month day-of-week)",
            fields.len()
        ));
    }
    for (field, (what, min, max)) in fields.iter().zip(FIELDS) {
        for part in field.split(',') {
            check_part(part, min, max)
                .map_err(|why| format!("the {what} field `{field}` {why}"))?;
        }
    }
    Ok(())
}

fn check_part(part: &str, min: u32, max: u32) -> Result<(), String> {
    let (range, step) = match part.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (part, None),
    };
    if let Some(step) = step {
        match step.parse::<u32>() {
            Ok(n) if n > 0 => {}
            _ => {
                return Err(format!(
                    "has the step `/{step}`; a step is a positive number"
                ));
            }
        }
    }
    if range == "*" {
        return Ok(());
    }
    let number = |s: &str| -> Result<u32, String> {
        match s.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!("has `{s}`; use numbers from {min} to {max}")),
        }
    };
    match range.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            if a > b {
                return Err(format!("has the range `{range}`, which runs backwards"));
            }
        }
        None => {
            number(range)?;
        }
    }
    Ok(())
}

fn check(cx: &Context<'_>, out: &mut Sink) {
    let mut check_trigger = |path: ModelPath, trigger: Option<&StepTrigger>| {
        if let Some(StepTrigger::Cron(expression)) = trigger
            && let Err(why) = check_cron(expression)
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
    use super::check_cron;

    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE));
    }

    #[test]
    fn cron_expressions() {
        for ok in [
            "* * * * *",
            "*/15 * * * *",
            "0 3 * * 1-5",
            "0,30 8-18/2 1 1,6,12 0",
            "59 23 31 12 7",
            "5-10/5 * * * *",
        ] {
            assert_eq!(check_cron(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "* * * *",
            "* * * * * *",
            "60 * * * *",
            "* 24 * * *",
            "* * 0 * *",
            "* * * 13 *",
            "* * * * 8",
            "*/0 * * * *",
            "5-1 * * * *",
            "a * * * *",
            "1- * * * *",
        ] {
            assert!(check_cron(bad).is_err(), "{bad}");
        }
    }
}
