//! The contract's examples, as a platform and a hook author meet them.

use chrono::{DateTime, Utc};

use super::*;
use datasurface_core::{FailurePolicy, HookEventKind, HookLimits};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn input() -> HookInput {
    let mut event = HookEvent::new(HookEventKind::BatchCommitted, at("2026-11-01T00:05:00Z"));
    event.datastore = Some("NW_Data".into());
    event.batch = Some(7);
    event.rows = Some(RowCounts {
        read: 300,
        inserted: 3,
        updated: 1,
        deleted: 0,
    });
    HookInput::new(
        event,
        HookContext {
            workspace: "Masked".into(),
            team: Some("NW_Team".into()),
            platform: "Local".into(),
            subject: Subject::Transformer {
                output_datastore: "Masked_NW_Data".into(),
            },
            last_run: Some(at("2026-10-01T00:00:00Z")),
            last_decisions: vec![PastDecision {
                time: at("2026-10-31T12:00:00Z"),
                event: HookEventKind::ScheduleTick,
                action: Action::Skip,
                until: None,
                reason: "not the first of the month".into(),
            }],
        },
    )
}

#[test]
fn the_input_is_the_documented_json() {
    insta::assert_snapshot!(input().to_json(), @r#"{"contract":1,"event":{"kind":"batchCommitted","time":"2026-11-01T00:05:00Z","datastore":"NW_Data","batch":7,"rows":{"read":300,"inserted":3,"updated":1,"deleted":0}},"context":{"workspace":"Masked","team":"NW_Team","platform":"Local","subject":{"transformer":{"outputDatastore":"Masked_NW_Data"}},"lastRun":"2026-10-01T00:00:00Z","lastDecisions":[{"time":"2026-10-31T12:00:00Z","event":"scheduleTick","action":"skip","reason":"not the first of the month"}]}}"#);
    let back: HookInput = serde_json::from_str(&input().to_json()).unwrap();
    assert_eq!(back, input());
}

#[test]
fn decisions_are_checked_against_the_event() {
    let event = input().event;
    let ok = |json: &str| Decision::parse(json.as_bytes(), &event);
    assert_eq!(
        ok(r#"{"action":"run","reason":"new batch"}"#)
            .unwrap()
            .action,
        Action::Run
    );
    assert_eq!(ok(r#"{"action":"skip"}"#).unwrap().reason, "");
    let deferred =
        ok(r#"{"action":"defer","until":"2026-11-02T00:00:00Z","reason":"wait a day"}"#).unwrap();
    assert_eq!(deferred.until, Some(at("2026-11-02T00:00:00Z")));
    for (json, why) in [
        (r#"{"action":"defer"}"#, "needs `until`"),
        (
            r#"{"action":"defer","until":"2026-11-01T00:00:00Z"}"#,
            "not after the event",
        ),
        (
            r#"{"action":"run","until":"2027-01-01T00:00:00Z"}"#,
            "only with `defer`",
        ),
        (r#"{"action":"go"}"#, "unknown variant"),
        (r#"{"acton":"run"}"#, "unknown field"),
        (r#"{"action":"run","reason":"a\nb"}"#, "control character"),
        ("run", "expected value"),
        ("", "EOF"),
    ] {
        let err = ok(json).unwrap_err().to_string();
        assert!(err.contains(why), "{json}: {err}");
    }
    let long = format!(r#"{{"action":"run","reason":"{}"}}"#, "x".repeat(1001));
    assert!(
        ok(&long)
            .unwrap_err()
            .to_string()
            .contains("1001 characters")
    );
}

#[test]
fn failure_policies() {
    let failed = || Err(HookError::OutOfFuel { limit: 10 });
    let open = verdict(failed(), FailurePolicy::FailOpen);
    assert!(open.runs() && open.is_warning() && !open.is_alert());
    assert!(open.reason.contains("failing open"), "{}", open.reason);
    let closed = verdict(failed(), FailurePolicy::FailClosed);
    assert!(!closed.runs() && closed.is_alert());
    assert_eq!(closed.action, Action::Skip);
}

#[test]
fn a_rust_closure_is_a_hook_and_its_answers_are_checked() {
    let first_of_month = |input: &HookInput| -> Result<Decision, HookError> {
        use chrono::Datelike;
        let first = input.event.time.day() == 1;
        Ok(Decision {
            action: if first { Action::Run } else { Action::Skip },
            until: None,
            reason: format!("day {}", input.event.time.day()),
        })
    };
    let v = ask(&first_of_month, &input(), FailurePolicy::FailClosed);
    assert_eq!(
        (v.action, v.by, v.reason.as_str()),
        (Action::Run, DecidedBy::Hook, "day 1")
    );

    let to_the_past = |_: &HookInput| -> Result<Decision, HookError> {
        Ok(Decision {
            action: Action::Defer,
            until: Some(at("2000-01-01T00:00:00Z")),
            reason: String::new(),
        })
    };
    let v = ask(&to_the_past, &input(), FailurePolicy::FailClosed);
    assert!(v.is_alert(), "{v:?}");
}

#[test]
fn a_hook_is_asked_again_after_a_deferral_s_time_or_news_after_a_skip() {
    let now = at("2026-11-02T00:00:00Z");
    let past = |action, until: Option<&str>| PastDecision {
        time: at("2026-11-01T00:00:00Z"),
        event: HookEventKind::BatchCommitted,
        action,
        until: until.map(at),
        reason: String::new(),
    };
    let tick = HookEventKind::ScheduleTick;
    assert_eq!(next_ask(None, tick, now, false), NextAsk::Ask);
    assert_eq!(
        next_ask(Some(&past(Action::Run, None)), tick, now, false),
        NextAsk::Ask
    );
    assert_eq!(
        next_ask(Some(&past(Action::Skip, None)), tick, now, false),
        NextAsk::Skipped
    );
    assert_eq!(
        next_ask(Some(&past(Action::Skip, None)), tick, now, true),
        NextAsk::Ask
    );
    let later = Some("2026-11-03T00:00:00Z");
    assert_eq!(
        next_ask(Some(&past(Action::Defer, later)), tick, now, true),
        NextAsk::DeferredUntil(at("2026-11-03T00:00:00Z"))
    );
    let earlier = Some("2026-11-01T12:00:00Z");
    assert_eq!(
        next_ask(Some(&past(Action::Defer, earlier)), tick, now, false),
        NextAsk::Ask
    );
    // Someone asking by hand is always heard.
    for held in [past(Action::Skip, None), past(Action::Defer, later)] {
        assert_eq!(
            next_ask(Some(&held), HookEventKind::ManualRun, now, false),
            NextAsk::Ask
        );
    }
}

#[test]
fn a_hook_job_builds_the_context_with_at_most_the_kept_decisions() {
    let job = HookJob {
        module: "hooks/h.wasm".into(),
        sha256: "0".repeat(64),
        events: vec![HookEventKind::BatchCommitted],
        on_failure: FailurePolicy::FailClosed,
        limits: HookLimits::default(),
        workspace: "Masked".into(),
        team: "NW_Team".into(),
        platform: "Local".into(),
        subject: Subject::Transformer {
            output_datastore: "Masked_NW_Data".into(),
        },
    };
    assert!(job.wants(HookEventKind::BatchCommitted));
    assert!(!job.wants(HookEventKind::ManualRun));
    let decisions = vec![input().context.last_decisions[0].clone(); 15];
    let context = job.context(None, decisions);
    assert_eq!(context.last_decisions.len(), MAX_PAST_DECISIONS);
    assert_eq!(context.team.as_deref(), Some("NW_Team"));
    let json = serde_json::to_string(&job).unwrap();
    insta::assert_snapshot!(json, @r#"{"module":"hooks/h.wasm","sha256":"0000000000000000000000000000000000000000000000000000000000000000","events":["batchCommitted"],"onFailure":"failClosed","workspace":"Masked","team":"NW_Team","platform":"Local","subject":{"transformer":{"outputDatastore":"Masked_NW_Data"}}}"#);
    assert_eq!(serde_json::from_str::<HookJob>(&json).unwrap(), job);
}

#[test]
fn actions_and_events_read_back_as_the_contract_spells_them() {
    for action in Action::ALL {
        assert_eq!(action.as_str().parse(), Ok(action));
    }
    for kind in HookEventKind::ALL {
        assert_eq!(kind.as_str().parse(), Ok(kind));
    }
    assert_eq!("Run".parse::<Action>(), Err(UnknownName));
    assert!("batch_committed".parse::<HookEventKind>().is_err());
}
