//! Workspaces' code hooks on the command line: `datasurface hook test`, the
//! gate's check of every hook module a model names, and loading them for the
//! platforms that ask them.
//!
//! A hook module is a file inside the model (`ModelFilePath`), pinned by its
//! SHA-256. It is read only if it is a regular file that resolves inside the
//! model's directory, as model files are.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use datasurface_hooks::{Limits, MAX_MODULE_BYTES, WasmHook};
use datasurface_model::names::ModelFilePath;
use datasurface_model::validate::{CodeInfo, Diagnostic, ModelPath, Report, Severity};
use datasurface_model::{Ecosystem, Hook as HookSpec, HookEventKind, HookLimits, Workspace};
use datasurface_platform::ArtifactKey;
use datasurface_platform::hook::{
    Hook, HookContext, HookError, HookEvent, HookInput, RowCounts, Subject,
};
use datasurface_sqlite::engine::Hooks;

use crate::Outcome;
use crate::args::HookTestArgs;

/// The code of the gate's finding about hook modules.
pub(crate) const HOOK_MODULE: &str = "hook-module";

/// The codes the gate reports about hooks.
pub(crate) const HOOK_CODES: &[CodeInfo] = &[(
    HOOK_MODULE,
    Severity::Error,
    "A workspace's hook module cannot be read, does not match the SHA-256 the model pins, or does not keep the hook contract.",
    "The module is a file inside the model, by its path from the model's root (the directory of `ecosystem.yaml`); it must be a regular file there, its SHA-256 (as `sha256sum` prints it) must be the model's `sha256`, and it must be WebAssembly that imports nothing and exports `memory`, `ds_contract_version`, `ds_alloc` and `ds_decide` (docs/hooks.md). Try it with `datasurface hook test MODULE --event EVENT.json`.",
)];

/// The directory a model's paths are relative to: the model directory, or
/// the directory of a one-file model.
pub(crate) fn model_root(model: &Path) -> PathBuf {
    if model.is_dir() {
        model.to_path_buf()
    } else {
        model
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Reads a file the model names, if it is a regular file that resolves
/// inside the model's root and is no larger than a hook may be.
pub(crate) fn read_model_file(root: &Path, file: &ModelFilePath) -> Result<Vec<u8>, String> {
    let path = root.join(file.as_str());
    let real_root = std::fs::canonicalize(root).map_err(|e| {
        format!(
            "cannot resolve the model's directory {}: {e}",
            root.display()
        )
    })?;
    let real =
        std::fs::canonicalize(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !real.starts_with(&real_root) {
        return Err(format!(
            "{} resolves outside the model's directory (a link to {}); a hook module must be inside the model",
            path.display(),
            real.display()
        ));
    }
    let metadata =
        std::fs::metadata(&real).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !metadata.is_file() {
        return Err(format!(
            "{} is not a regular file (a directory, FIFO, socket or device)",
            path.display()
        ));
    }
    if metadata.len() > MAX_MODULE_BYTES as u64 {
        return Err(format!(
            "{} is {} bytes, more than the {MAX_MODULE_BYTES} a hook module may be",
            path.display(),
            metadata.len()
        ));
    }
    std::fs::read(&real).map_err(|e| format!("cannot read {}: {e}", path.display()))
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
    for (_, workspace, spec) in hooked(eco) {
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
    for (_, workspace, spec) in hooked(eco) {
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

/// Every hooked workspace of a model: its path, its name, its team and
/// workspace, and its hook.
fn hooked(eco: &Ecosystem) -> impl Iterator<Item = (ModelPath, &str, &HookSpec)> {
    hooked_workspaces(eco).map(|(path, name, _, _, hook)| (path, name, hook))
}

fn hooked_workspaces(
    eco: &Ecosystem,
) -> impl Iterator<Item = (ModelPath, &str, &str, &Workspace, &HookSpec)> {
    eco.workspaces().filter_map(|(at, name, ws)| {
        let hook = ws.hook.as_ref()?;
        let path = ModelPath::team(at.zone.as_str(), at.team.as_str()).keys([
            "workspaces",
            name.as_str(),
            "hook",
            "module",
        ]);
        Some((path, name.as_str(), at.team.as_str(), ws, hook))
    })
}

/// The wall time the gate gives the checks of all a model's hook modules
/// together (docs/hooks.md). Modules are checked in parallel, each within
/// its own limits and what is left of this budget.
pub(crate) const GATE_HOOK_BUDGET: Duration = Duration::from_secs(10);

/// A module as the gate checks it: its pinned hash and the limits it runs under.
pub(crate) type ModuleKey = (String, Limits);

/// A hook's module as the gate checks it.
fn module_key(spec: &HookSpec) -> ModuleKey {
    (spec.sha256.to_string(), Limits::from_model(&spec.limits))
}

/// The modules of a model's hooks, as the gate checks them.
pub(crate) fn module_keys(eco: &Ecosystem) -> BTreeSet<ModuleKey> {
    hooked(eco).map(|(_, _, spec)| module_key(spec)).collect()
}

/// What the gate finds about the hook modules a model names: each must be
/// readable inside the model, match its pinned hash and keep the whole
/// contract: it is asked once about the first event it wants, and must
/// decide within its limits and the gate's budget ([`GATE_HOOK_BUDGET`]).
/// Each distinct module (hash and limits) is asked once, the modules in
/// parallel; one in `checked_before` (the base model's, which passed the
/// gate) is read and its hash checked, but not asked again.
pub(crate) fn findings(
    model: &Path,
    eco: &Ecosystem,
    checked_before: &BTreeSet<ModuleKey>,
) -> Report {
    let root = model_root(model);
    let hooks: Vec<_> = hooked_workspaces(eco).collect();
    // Each distinct module once; the first workspace that names it is asked.
    let mut first: BTreeMap<ModuleKey, usize> = BTreeMap::new();
    for (i, (.., spec)) in hooks.iter().enumerate() {
        first.entry(module_key(spec)).or_insert(i);
    }
    let distinct: Vec<(&ModuleKey, &usize)> = first.iter().collect();
    let deadline = Instant::now() + GATE_HOOK_BUDGET;
    let outcomes = datasurface_model::parallel::each(
        &distinct,
        |_| 1,
        |&(key, &i)| {
            let (_, workspace, team, ws, spec) = &hooks[i];
            check_module(&root, spec, checked_before.contains(key), deadline, || {
                probe_input(workspace, team, ws, spec)
            })
        },
    );
    let outcome: BTreeMap<&ModuleKey, Result<(), String>> =
        distinct.iter().map(|(key, _)| *key).zip(outcomes).collect();
    let mut found = Vec::new();
    for (path, workspace, _, _, spec) in &hooks {
        if let Some(Err(why)) = outcome.get(&module_key(spec)) {
            found.push(
                Diagnostic::new(
                    HOOK_MODULE,
                    Severity::Error,
                    path.clone(),
                    format!(
                        "the hook of workspace `{workspace}` (`{}`): {why}",
                        spec.module
                    ),
                )
                .with_help(format!(
                    "the path is from the model's root ({}); `datasurface hook test {} --event EVENT.json` tries the module",
                    root.display(),
                    root.join(spec.module.as_str()).display()
                )),
            );
        }
    }
    Report::new(found)
}

/// Reads, loads and (unless `known`) asks one module, within its limits and
/// what is left of the gate's budget at `deadline`.
fn check_module(
    root: &Path,
    spec: &HookSpec,
    known: bool,
    deadline: Instant,
    input: impl FnOnce() -> HookInput,
) -> Result<(), String> {
    let bytes = read_model_file(root, &spec.module)?;
    let own = Limits::from_model(&spec.limits);
    let left = deadline.saturating_duration_since(Instant::now());
    let out_of_budget = || {
        format!(
            "the gate's budget for checking hooks ({} s for all of a model's hooks together) ran out before this hook decided; it may loop, or other hooks took the budget (their findings say which)",
            GATE_HOOK_BUDGET.as_secs()
        )
    };
    if left.is_zero() {
        return Err(out_of_budget());
    }
    let within = Limits {
        wall_time: own.wall_time.min(left),
        ..own
    };
    let cut = within.wall_time < own.wall_time;
    let explain = |e: HookError| match e {
        HookError::WallTime { .. } if cut => out_of_budget(),
        other => other.to_string(),
    };
    let hook = WasmHook::load(&bytes, Some(spec.sha256.as_str()), within).map_err(explain)?;
    if known {
        return Ok(());
    }
    let left = deadline.saturating_duration_since(Instant::now());
    hook.decide_within(&input(), left)
        .map(drop)
        .map_err(|e| match e {
            HookError::WallTime { .. } if left < own.wall_time => out_of_budget(),
            other => format!(
                "asked about a `{}` event: {other}",
                spec.events.first().map_or("", |k| k.as_str())
            ),
        })
}

/// The event the gate asks a hook about: the first kind it wants, at a
/// fixed time (so the gate's answer never depends on the clock), about its
/// workspace's transformer or first dataset group.
fn probe_input(workspace: &str, team: &str, ws: &Workspace, spec: &HookSpec) -> HookInput {
    let kind = spec
        .events
        .first()
        .copied()
        .unwrap_or(HookEventKind::ManualRun);
    let time = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_454);
    let mut event = HookEvent::new(kind, time);
    if kind == HookEventKind::BatchCommitted {
        event.datastore = Some("Probe".to_owned());
        event.stream = Some("Probe".to_owned());
        event.batch = Some(1);
        event.rows = Some(RowCounts {
            read: 1,
            inserted: 1,
            updated: 0,
            deleted: 0,
        });
        event.batch_started = Some(time);
        event.batch_committed = Some(time);
    }
    let subject = match &ws.transformer {
        Some(t) => Subject::Transformer {
            output_datastore: t.output_datastore.to_string(),
        },
        None => Subject::Delivery {
            dataset_group: ws
                .dataset_groups
                .keys()
                .next()
                .map(ToString::to_string)
                .unwrap_or_default(),
        },
    };
    HookInput::new(
        event,
        HookContext {
            workspace: workspace.to_owned(),
            team: Some(team.to_owned()),
            platform: "gate".to_owned(),
            subject,
            last_run: None,
            last_decisions: Vec::new(),
        },
    )
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
