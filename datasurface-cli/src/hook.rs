//! `datasurface hook test`: a hook module tried on an event.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use datasurface_core::HookLimits;
use datasurface_hooks::{Limits, WasmHook};
use datasurface_runtime::hook::{Decide, HookContext, HookEvent, HookInput, Subject};

use crate::Outcome;
use crate::args::HookTestArgs;

/// `datasurface hook test`.
pub(crate) fn test(args: &HookTestArgs, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    match try_test(args, out) {
        Ok(outcome) => outcome,
        Err((outcome, message)) => {
            let _ = writeln!(err, "error: {message}");
            outcome
        }
    }
}

fn try_test(args: &HookTestArgs, out: &mut dyn Write) -> Result<Outcome, (Outcome, String)> {
    let could_not = |m: String| (Outcome::CouldNotRun, m);
    let json = |path: &Path| -> Result<serde_json::Value, (Outcome, String)> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| could_not(format!("cannot read {}: {e}", path.display())))?;
        serde_json::from_str(&text)
            .map_err(|e| could_not(format!("{}: not JSON: {e}", path.display())))
    };
    let event: HookEvent = serde_json::from_value(json(&args.event)?).map_err(|e| {
        could_not(format!(
            "{}: not an event: {e}; write one such as {{\"kind\": \"scheduleTick\", \"time\": \"2026-11-01T00:00:00Z\"}}",
            args.event.display()
        ))
    })?;
    let context: HookContext = match &args.context {
        Some(path) => serde_json::from_value(json(path)?).map_err(|e| {
            could_not(format!(
                "{}: not a context: {e}; docs/hooks.md shows one",
                path.display()
            ))
        })?,
        None => HookContext {
            workspace: "Workspace".to_owned(),
            team: None,
            platform: "Platform".to_owned(),
            subject: Subject::Transformer {
                output_datastore: "Output".to_owned(),
            },
            last_run: None,
            last_decisions: Vec::new(),
        },
    };
    let bytes = std::fs::read(&args.module)
        .map_err(|e| could_not(format!("cannot read {}: {e}", args.module.display())))?;
    let limits = Limits::from_model(&HookLimits {
        fuel: Some(args.fuel),
        memory_mib: Some(args.memory_mib),
        wall_time_ms: Some(args.wall_time_ms),
    });
    let hook = WasmHook::load(&bytes, args.sha256.as_deref(), limits).map_err(|e| {
        (
            Outcome::ModelErrors,
            format!("{}: {e}", args.module.display()),
        )
    })?;
    let input = HookInput::new(event, context);
    let started = Instant::now();
    let run = hook.decide(&input);
    let micros = started.elapsed().as_micros();
    let run = run.map_err(|e| {
        (
            Outcome::ModelErrors,
            format!("{}: {e}", args.module.display()),
        )
    })?;
    let report = serde_json::json!({
        "decision": run.decision,
        "fuel": run.fuel,
        "micros": micros,
        "sha256": hook.sha256(),
    });
    let text = serde_json::to_string_pretty(&report).unwrap_or_default();
    writeln!(out, "{text}").map_err(|e| could_not(e.to_string()))?;
    Ok(Outcome::Success)
}
