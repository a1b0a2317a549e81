//! Diagnostic: invalid-cron
//!
//! Cron triggers, and the windows of platforms' cadences, use the
//! five-field form that [`datasurface_core::cron::Schedule`] parses and evaluates; a
//! window lasts at most a week.

use std::collections::BTreeSet;

use super::prelude::*;
use datasurface_core::cron::Schedule;
use datasurface_core::{AdvanceWindow, Cadence, StepTrigger};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-cron",
        Severity::Error,
        "A cron trigger's or a platform cadence window's schedule is not a valid five-field cron expression.",
        "Write five fields: minute, hour, day of month, month and day of week, such as `*/15 * * * *` \
                  (every quarter hour) or `30 2 * * 1-5` (02:30 on weekdays).",
    )
    .with_example(
        &[(
        "trigger: {cron: \"*/15 * * * *\"}",
        "trigger: {cron: \"*/15 * * *\"}",
    )],
        "model.yaml:41:27: error[invalid-cron]: invalid cron schedule `*/15 * * *`: it has 4 fields; cron needs 5 (minute hour day-of-month month day-of-week)
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/trigger/cron
  help: write minute, hour, day of month, month and day of week, such as `*/15 * * * *` or `30 2 * * 1-5` (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (name, platform) in &cx.eco.platforms {
        let Cadence::Window(window) = &platform.cadence else {
            continue;
        };
        let path = ModelPath::root().keys(["platforms", name.as_str(), "cadence", "window"]);
        match window.cron.parse::<Schedule>() {
            Err(why) => out.report(
                path.clone().key("cron"),
                format!("invalid cron schedule `{}` for the window: {why}", window.cron),
                "write minute, hour, day of month, month and day of week, such as `0 22 * * 5` (Fridays at 22:00 UTC)",
            ),
            Ok(schedule) if schedule.next_after(chrono::DateTime::UNIX_EPOCH).is_none() => out.report(
                path.clone().key("cron"),
                format!(
                    "the window's schedule `{}` never fires, so the platform would never advance",
                    window.cron
                ),
                "choose a day that exists, such as `0 22 * * 5`; for a platform that advances only when asked, write `cadence: manual`",
            ),
            Ok(_) => {}
        }
        if window.minutes.get() > AdvanceWindow::MAX_MINUTES {
            out.report(
                path.key("minutes"),
                format!(
                    "the window stays open {} minutes; a window lasts at most a week ({} minutes)",
                    window.minutes,
                    AdvanceWindow::MAX_MINUTES
                ),
                "shorten it, or write `cadence: immediate` for a platform that may advance at any time",
            );
        }
    }
    // Most triggers share a few schedules: each is parsed once.
    let mut valid: BTreeSet<&str> = BTreeSet::new();
    for placed in cx.index.datastores.values().flatten() {
        if let Some(ingestion) = placed.item.capture.ingestion() {
            let path = || {
                placed
                    .path("datastores")
                    .keys(["capture", "ingestion", "trigger"])
            };
            check_trigger(&mut valid, out, path, ingestion.trigger.as_ref());
        }
    }
    for placed in cx.index.workspaces.values().flatten() {
        if let Some(transformer) = &placed.item.transformer {
            let path = || placed.path("workspaces").keys(["transformer", "trigger"]);
            check_trigger(&mut valid, out, path, transformer.trigger.as_ref());
        }
    }
}

/// Reports a cron trigger whose schedule does not parse; `path`, where the
/// trigger is, is made only for a finding.
fn check_trigger<'a>(
    valid: &mut BTreeSet<&'a str>,
    out: &mut Findings,
    path: impl FnOnce() -> ModelPath,
    trigger: Option<&'a StepTrigger>,
) {
    let Some(StepTrigger::Cron(expression)) = trigger else {
        return;
    };
    if valid.contains(expression.as_str()) {
        return;
    }
    match expression.parse::<Schedule>() {
        Ok(_) => {
            valid.insert(expression.as_str());
        }
        Err(why) => out.report(
            path().key("cron"),
            format!("invalid cron schedule `{expression}`: {why}"),
            "write minute, hour, day of month, month and day of week, such as `*/15 * * * *` or `30 2 * * 1-5`",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::BASE_MODEL;
    use super::super::testing::report_for;

    fn with_cadence(cadence: &str) -> String {
        let model = BASE_MODEL.replacen(
            "    kind: sqlite\n",
            &format!("    kind: sqlite\n    cadence: {cadence}\n"),
            1,
        );
        assert_ne!(
            model, BASE_MODEL,
            "the base model declares a sqlite platform"
        );
        report_for(&model).to_string()
    }

    #[test]
    fn platform_cadence_windows() {
        for good in [
            "immediate",
            "manual",
            "{window: {cron: \"0 22 * * 5\", minutes: 600}}",
        ] {
            assert_eq!(with_cadence(good), "", "{good}");
        }
        insta::assert_snapshot!(
            with_cadence("{window: {cron: \"0 22 * *\", minutes: 600}}"),
            @r"
        model.yaml:16:24: error[invalid-cron]: invalid cron schedule `0 22 * *` for the window: it has 4 fields; cron needs 5 (minute hour day-of-month month day-of-week)
          at: /platforms/Batch/cadence/window/cron
          help: write minute, hour, day of month, month and day of week, such as `0 22 * * 5` (Fridays at 22:00 UTC) (in github:acme/ecosystem@main)
        "
        );
        insta::assert_snapshot!(
            with_cadence("{window: {cron: \"0 0 31 2 *\", minutes: 10081}}"),
            @r"
        model.yaml:16:24: error[invalid-cron]: the window's schedule `0 0 31 2 *` never fires, so the platform would never advance
          at: /platforms/Batch/cadence/window/cron
          help: choose a day that exists, such as `0 22 * * 5`; for a platform that advances only when asked, write `cadence: manual` (in github:acme/ecosystem@main)
        model.yaml:16:44: error[invalid-cron]: the window stays open 10081 minutes; a window lasts at most a week (10080 minutes)
          at: /platforms/Batch/cadence/window/minutes
          help: shorten it, or write `cadence: immediate` for a platform that may advance at any time (in github:acme/ecosystem@main)
        "
        );
    }
}
