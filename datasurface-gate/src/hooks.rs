//! The gate's check of every hook module a model names: read from inside
//! the model, its pinned SHA-256 checked, and its whole contract asked once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use datasurface_platform::hook::{
    HookContext, HookError, HookEvent, HookInput, HookLoader, RowCounts, Subject,
};
use datasurface_platform::model::validate::{CodeInfo, Diagnostic, ModelPath, Report, Severity};
use datasurface_platform::model::{Ecosystem, Hook as HookSpec, HookEventKind, Workspace};

use crate::source::{ModelSource, NamedFileError};

/// The code of the gate's finding about hook modules.
pub const HOOK_MODULE: &str = "hook-module";

/// The code of the gate's note that it was given no module runner.
pub const HOOKS_NOT_CHECKED: &str = "hooks-not-checked";

/// The codes the gate reports about hooks.
pub const HOOK_CODES: &[CodeInfo] = &[
    CodeInfo::new(
        HOOK_MODULE,
        Severity::Error,
        "A workspace's hook module cannot be read, does not match the SHA-256 the model pins, or does not keep the hook contract.",
        "The module is a file inside the model, by its path from the model's root (the directory of `ecosystem.yaml`); it must be a regular file there, its SHA-256 (as `sha256sum` prints it) must be the model's `sha256`, and it must be WebAssembly that imports nothing and exports `memory`, `ds_contract_version`, `ds_alloc` and `ds_decide` (docs/hooks.md). Try it with `datasurface hook test MODULE --event EVENT.json`.",
    ),
    CodeInfo::new(
        HOOKS_NOT_CHECKED,
        Severity::Warning,
        "The gate ran without a hook module runner, so the model's hook modules were not checked.",
        "An application embedding the gate gives it one with `Gate::with_hooks` (`datasurface_hooks::WasmLoader`); `datasurface check` and `verify` always have one. Until then a module that does not match its pin or its contract passes this gate.",
    ),
];

/// The wall time the gate gives the checks of all a model's hook modules
/// together (docs/hooks.md). Modules are checked in parallel, each within
/// its own limits and what is left of this budget.
pub const GATE_HOOK_BUDGET: Duration = Duration::from_secs(10);

/// A hook module as the gate checks it: its pinned hash and the limits it
/// runs under. The gate asks each once, and not at all one that a base
/// model, which passed the gate, already had ([`Gate::beyond_validation`](crate::Gate::beyond_validation)).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HookModule(String, Option<u64>, Option<u32>, Option<u32>);

fn module_key(spec: &HookSpec) -> HookModule {
    HookModule(
        spec.sha256.to_string(),
        spec.limits.fuel,
        spec.limits.memory_mib,
        spec.limits.wall_time_ms,
    )
}

/// The hook modules a model names, as the gate checks them.
pub fn hook_modules(eco: &Ecosystem) -> BTreeSet<HookModule> {
    hooked_workspaces(eco)
        .map(|(.., spec)| module_key(spec))
        .collect()
}

/// Every hooked workspace of a model: the path of its module, its name, its
/// team, the workspace and its hook.
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

/// What the gate finds about the hook modules a model names: each must be
/// readable inside the model, match its pinned hash and keep the whole
/// contract: it is asked once about the first event it wants, and must
/// decide within its limits and the gate's budget ([`GATE_HOOK_BUDGET`]).
/// Each distinct module (hash and limits) is asked once, the modules in
/// parallel; one in `checked_before` (the base model's, which passed the
/// gate) is read and its hash checked, but not asked again. With no loader,
/// one warning says the modules were not checked.
pub(crate) fn findings(
    source: &dyn ModelSource,
    loader: Option<&dyn HookLoader>,
    eco: &Ecosystem,
    checked_before: &BTreeSet<HookModule>,
) -> Report {
    let hooks: Vec<_> = hooked_workspaces(eco).collect();
    let Some(loader) = loader else {
        let found = hooks.first().map(|(path, workspace, ..)| {
            Diagnostic::new(
                HOOKS_NOT_CHECKED,
                Severity::Warning,
                path.clone(),
                format!(
                    "{} hook module(s), the first of workspace `{workspace}`, were not checked: this gate has no module runner",
                    hooks.len()
                ),
            )
        });
        return Report::new(found.into_iter().collect());
    };
    // Each distinct module once; the first workspace that names it is asked.
    let mut first: BTreeMap<HookModule, usize> = BTreeMap::new();
    for (i, (.., spec)) in hooks.iter().enumerate() {
        first.entry(module_key(spec)).or_insert(i);
    }
    let distinct: Vec<(&HookModule, &usize)> = first.iter().collect();
    let deadline = Instant::now() + GATE_HOOK_BUDGET;
    let outcomes = datasurface_platform::model::parallel::each(
        &distinct,
        |_| 1,
        |&(key, &i)| {
            let (_, workspace, team, ws, spec) = &hooks[i];
            check_module(
                source,
                loader,
                spec,
                checked_before.contains(key),
                deadline,
                || probe_input(workspace, team, ws, spec),
            )
        },
    );
    let outcome: BTreeMap<&HookModule, Result<(), ModuleRefused>> =
        distinct.iter().map(|(key, _)| *key).zip(outcomes).collect();
    let root = source.root_shown();
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
                    "the path is from the model's root ({root}); `datasurface hook test {} --event EVENT.json` tries the module",
                    std::path::Path::new(&root).join(spec.module.as_str()).display()
                )),
            );
        }
    }
    Report::new(found)
}

/// Why the gate refused a hook module, for its finding.
#[derive(Debug, thiserror::Error)]
enum ModuleRefused {
    #[error(transparent)]
    File(#[from] NamedFileError),
    #[error(
        "the gate's budget for checking hooks ({} s for all of a model's hooks together) ran out before this hook decided; it may loop, or other hooks took the budget (their findings say which)",
        GATE_HOOK_BUDGET.as_secs()
    )]
    OutOfBudget,
    #[error(transparent)]
    Load(HookError),
    #[error("asked about a `{event}` event: {error}")]
    Asked {
        event: &'static str,
        error: HookError,
    },
}

/// Reads, loads and (unless `known`) asks one module, within its limits and
/// what is left of the gate's budget at `deadline`.
fn check_module(
    source: &dyn ModelSource,
    loader: &dyn HookLoader,
    spec: &HookSpec,
    known: bool,
    deadline: Instant,
    input: impl FnOnce() -> HookInput,
) -> Result<(), ModuleRefused> {
    let bytes = source.read_named(spec.module.as_str(), loader.max_module_bytes())?;
    let own = loader.wall_time(&spec.limits);
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ModuleRefused::OutOfBudget);
    }
    let cut = left < own;
    let hook = loader
        .load(&bytes, spec.sha256.as_str(), &spec.limits, left.min(own))
        .map_err(|e| match e {
            HookError::WallTime { .. } if cut => ModuleRefused::OutOfBudget,
            other => ModuleRefused::Load(other),
        })?;
    if known {
        return Ok(());
    }
    let left = deadline.saturating_duration_since(Instant::now());
    hook.decide_within(&input(), left)
        .map(drop)
        .map_err(|e| match e {
            HookError::WallTime { .. } if left < own => ModuleRefused::OutOfBudget,
            error => ModuleRefused::Asked {
                event: spec.events.first().map_or("", |k| k.as_str()),
                error,
            },
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
