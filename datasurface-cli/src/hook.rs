//! Workspaces' code hooks on the command line: `datasurface hook test`, and
//! loading them for the platforms that ask them (the gate's check of every
//! hook module is `datasurface-gate`'s).
//!
//! A hook module is a file inside the model (`ModelFilePath`), pinned by its
//! SHA-256. It is read only if it is a regular file that resolves inside the
//! model's directory, as model files are.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use datasurface_gate::{ModelDir, ModelSource as _};
use datasurface_hooks::{Limits, MAX_MODULE_BYTES, WasmHook};
use datasurface_model::names::ModelFilePath;
use datasurface_model::{Ecosystem, Hook as HookSpec, HookLimits};
use datasurface_platform::ArtifactKey;
use datasurface_platform::hook::{Hook, HookContext, HookError, HookEvent, HookInput, Subject};
use datasurface_sqlite::engine::Hooks;

use crate::Outcome;
use crate::args::HookTestArgs;

/// The directory a model's paths are relative to: the model directory, or
/// the directory of a one-file model.
pub(crate) fn model_root(model: &Path) -> PathBuf {
    ModelDir::new(model).root()
}

/// Reads a file the model names, if it is a regular file that resolves
/// inside the model's root and is no larger than a hook module may be.
pub(crate) fn read_model_file(root: &Path, file: &ModelFilePath) -> Result<Vec<u8>, String> {
    ModelDir::new(root).read_named(file.as_str(), MAX_MODULE_BYTES as u64)
}

/// Loads a hook the model names: read, hash checked, module checked.
pub(crate) fn load(root: &Path, spec: &HookSpec) -> Result<WasmHook, String> {
    let bytes = read_model_file(root, &spec.module)?;
    WasmHook::load(
        &bytes,
        Some(spec.sha256.as_str()),
        Limits::from_model(&spec.limits),
    )
    .map_err(|e| e.to_string())
}

/// The hooks a platform engine asks: every hook module the model names,
/// loaded with its workspace's limits, by workspace and pinned SHA-256. A module that
/// cannot be loaded is kept as its error, so that its hook's failure policy
/// applies when the engine would ask it.
pub(crate) fn engine_hooks(model: &Path, eco: &Ecosystem) -> Hooks {
    let root = model_root(model);
    let mut hooks = Hooks::new();
    for (workspace, spec) in hooked(eco) {
        match load(&root, spec) {
            Ok(hook) => hooks.insert(workspace, spec.sha256.as_str(), Arc::new(hook)),
            Err(why) => hooks.insert_failed(
                workspace,
                spec.sha256.as_str(),
                HookError::Module(format!(
                    "the hook of workspace `{workspace}` (`{}`): {why}",
                    spec.module
                )),
            ),
        }
    }
    hooks
}

/// The hook modules a rendering's transformer job specs name (the specs of
/// hooked workspaces' transformers), read from the model's directory and checked (hash,
/// contract), as (SHA-256, bytes) for `job apply` to store; and a warning
/// for each that cannot be used (its hook's failure policy will apply).
pub(crate) fn applied_modules(
    model: &Path,
    eco: &Ecosystem,
    rendering: &datasurface_platform::Rendering,
) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let root = model_root(model);
    let (mut modules, mut warnings) = (Vec::new(), Vec::new());
    for (workspace, spec) in hooked(eco) {
        // A hooked workspace's transformer rendered on this platform: its
        // job spec carries the hook.
        let key = ArtifactKey::from_parts(&["jobs", "transformer", workspace], "json");
        if !rendering.artifacts.contains_key(&key) {
            continue;
        }
        match read_model_file(&root, &spec.module).and_then(|bytes| {
            WasmHook::load(&bytes, Some(spec.sha256.as_str()), Limits::default())
                .map(|_| bytes)
                .map_err(|e| e.to_string())
        }) {
            Ok(bytes) => modules.push((spec.sha256.to_string(), bytes)),
            Err(why) => warnings.push(format!(
                "the hook of workspace `{workspace}` (`{}`) cannot be used, so its decision task will fail by its policy: {why}",
                spec.module
            )),
        }
    }
    (modules, warnings)
}

/// Every hooked workspace of a model: its path, its name and its hook.
fn hooked(eco: &Ecosystem) -> impl Iterator<Item = (&str, &HookSpec)> {
    eco.workspaces()
        .filter_map(|(_, name, ws)| Some((name.as_str(), ws.hook.as_ref()?)))
}

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
