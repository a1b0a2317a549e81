//! The gate's check of every hook module a model names: read from inside
//! the model, its pinned SHA-256 checked, and its whole contract asked once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use datasurface_core::{Ecosystem, Hook as HookSpec, HookEventKind, Workspace};
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelPath, Report, Severity};
use datasurface_runtime::hook::{
    HookContext, HookError, HookEvent, HookInput, HookLoader, RowCounts, Subject,
};

use crate::source::{ModelSource, NamedFileError};

/// The code of the gate's finding about hook modules.
pub const HOOK_MODULE: &str = "hook-module";

/// The code of the gate's note that it was given no module runner.
pub const HOOKS_NOT_CHECKED: &str = "hooks-not-checked";

/// The code of the gate's warning that a team's hooks took longer than
/// its budget, so a hook was not asked whole.
pub const HOOK_BUDGET: &str = "hook-budget";

/// The codes the gate reports about hooks.
pub const HOOK_CODES: &[CodeInfo] = &[
    CodeInfo::new(
        HOOK_MODULE,
        Severity::Error,
        "A workspace's hook module cannot be read, does not match the SHA-256 the model pins, or does not keep the hook contract.",
        "The module is a file inside the model, by its path from the model's root (the directory of `ecosystem.yaml`); it must be a regular file there, its SHA-256 (as `sha256sum` prints it) must be the model's `sha256`, and it must be WebAssembly that imports nothing and exports `memory`, `ds_contract_version`, `ds_alloc` and `ds_decide` (docs/hooks.md). Try it with `datasurface hook test MODULE --event EVENT.json`.",
    ),
    CodeInfo::new(
        HOOK_BUDGET,
        Severity::Warning,
        "A team's hook modules took longer together than the gate gives one team, so this hook was not asked whole.",
        "The gate asks each team's hooks one after another within a budget of its own (`GATE_HOOK_BUDGET`, 10 s): another team's hooks never spend it. A hook the budget cut was read and its hash checked, but whether it decides is not known; at run time it is stopped at its own limits and its failure policy applies. Make the team's hooks decide faster, or lower the hook's `wallTimeMs` so the gate can try it whole (docs/hooks.md).",
    ),
    CodeInfo::new(
        HOOKS_NOT_CHECKED,
        Severity::Warning,
        "The gate ran without a hook module runner, so the model's hook modules were not checked.",
        "An application embedding the gate gives it one with `Gate::with_hooks` (`datasurface_hooks::WasmLoader`); `datasurface check` and `verify` always have one. Until then a module that does not match its pin or its contract passes this gate.",
    ),
];

/// The wall time the gate gives the checks of one team's hook modules
/// together (docs/hooks.md). A team's modules are asked one after another,
/// each within its own limits and what is left of its team's budget; teams
/// are checked in parallel, so one team's slow hooks spend no other's.
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

/// The hook modules a model names, by the team whose workspaces name
/// them, as the gate checks them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookModules(BTreeMap<(String, String), BTreeSet<HookModule>>);

impl HookModules {
    /// Whether the model names no hook module.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The modules team `team` of zone `zone` names.
    fn of(&self, zone: &str, team: &str) -> Option<&BTreeSet<HookModule>> {
        self.0.get(&(zone.to_owned(), team.to_owned()))
    }
}

/// The hook modules a model names, by team.
pub fn hook_modules(eco: &Ecosystem) -> HookModules {
    let mut found = HookModules::default();
    for hooked in hooked_workspaces(eco) {
        found
            .0
            .entry((hooked.zone.to_owned(), hooked.team.to_owned()))
            .or_default()
            .insert(module_key(hooked.spec));
    }
    found
}

/// A hooked workspace: where its module is named, and whose it is.
struct Hooked<'e> {
    path: ModelPath,
    workspace: &'e str,
    zone: &'e str,
    team: &'e str,
    ws: &'e Workspace,
    spec: &'e HookSpec,
}

/// Every hooked workspace of a model, in model order.
fn hooked_workspaces(eco: &Ecosystem) -> impl Iterator<Item = Hooked<'_>> {
    eco.workspaces().filter_map(|(at, name, ws)| {
        let spec = ws.hook.as_ref()?;
        let path = ModelPath::team(at.zone.as_str(), at.team.as_str()).keys([
            "workspaces",
            name.as_str(),
            "hook",
            "module",
        ]);
        Some(Hooked {
            path,
            workspace: name.as_str(),
            zone: at.zone.as_str(),
            team: at.team.as_str(),
            ws,
            spec,
        })
    })
}

/// What the gate finds about the hook modules a model names: each must be
/// readable inside the model, match its pinned hash and keep the whole
/// contract: it is asked once about the first event it wants, and must
/// decide within its limits. Each team's distinct modules (hash and
/// limits) are asked one after another within the team's own budget
/// ([`GATE_HOOK_BUDGET`]), the teams in parallel; a hook the budget cuts
/// gets a `hook-budget` warning, owned by its team. A team whose modules
/// are those it had in `checked_before` (the base model's, which passed
/// the gate) has them read and their hashes checked, not asked again; a
/// team whose modules changed has them all asked, as `check` of the merged
/// model will. With no loader, one warning says the modules were not
/// checked.
pub(crate) fn findings(
    source: &dyn ModelSource,
    loader: Option<&dyn HookLoader>,
    eco: &Ecosystem,
    checked_before: &HookModules,
) -> Report {
    let hooks: Vec<Hooked<'_>> = hooked_workspaces(eco).collect();
    let Some(loader) = loader else {
        let found = hooks.first().map(|h| {
            Diagnostic::new(
                HOOKS_NOT_CHECKED,
                Severity::Warning,
                h.path.clone(),
                format!(
                    "{} hook module(s), the first of workspace `{}`, were not checked: this gate has no module runner",
                    hooks.len(),
                    h.workspace
                ),
            )
        });
        return Report::new(found.into_iter().collect());
    };
    // Each team's distinct modules, in model order; the first workspace of
    // the team that names one is asked.
    let now = hook_modules(eco);
    let mut teams: BTreeMap<(&str, &str), Vec<(HookModule, usize)>> = BTreeMap::new();
    for (i, h) in hooks.iter().enumerate() {
        let modules = teams.entry((h.zone, h.team)).or_default();
        let key = module_key(h.spec);
        if !modules.iter().any(|(k, _)| *k == key) {
            modules.push((key, i));
        }
    }
    let teams: Vec<TeamModules<'_>> = teams.into_iter().collect();
    let outcomes = datasurface_stdx::parallel::each(
        &teams,
        |(_, modules)| modules.len(),
        |((zone, team), modules)| {
            let known = now
                .of(zone, team)
                .is_some_and(|mine| checked_before.of(zone, team) == Some(mine));
            let deadline = Instant::now() + GATE_HOOK_BUDGET;
            modules
                .iter()
                .map(|(key, i)| {
                    let h = &hooks[*i];
                    let outcome = check_module(source, loader, h.spec, known, deadline, || {
                        probe_input(h.workspace, h.team, h.ws, h.spec)
                    });
                    (key.clone(), outcome)
                })
                .collect::<Vec<_>>()
        },
    );
    let mut outcome: BTreeMap<(&str, &str, HookModule), Result<(), ModuleRefused>> =
        BTreeMap::new();
    for (((zone, team), _), found) in teams.iter().zip(outcomes) {
        for (key, result) in found {
            outcome.insert((zone, team, key), result);
        }
    }
    let root = source.root_shown();
    let mut found = Vec::new();
    for h in &hooks {
        let Some(Err(why)) = outcome.get(&(h.zone, h.team, module_key(h.spec))) else {
            continue;
        };
        let (code, severity) = match why {
            ModuleRefused::OutOfBudget => (HOOK_BUDGET, Severity::Warning),
            _ => (HOOK_MODULE, Severity::Error),
        };
        let message = match why {
            ModuleRefused::OutOfBudget => format!(
                "the hook of workspace `{}` (`{}`) was not asked whole: team `{}`'s hooks took the {} s the gate gives one team's hooks together",
                h.workspace,
                h.spec.module,
                h.team,
                GATE_HOOK_BUDGET.as_secs()
            ),
            _ => format!(
                "the hook of workspace `{}` (`{}`): {why}",
                h.workspace, h.spec.module
            ),
        };
        found.push(
            Diagnostic::new(code, severity, h.path.clone(), message).with_help(format!(
                "the path is from the model's root ({root}); `datasurface hook test {} --event EVENT.json` tries the module",
                std::path::Path::new(&root).join(h.spec.module.as_str()).display()
            )),
        );
    }
    Report::new(found)
}

/// A team (zone, name) and its distinct modules, each with the hooked
/// workspace that asks it.
type TeamModules<'e> = ((&'e str, &'e str), Vec<(HookModule, usize)>);

/// Why the gate refused a hook module, for its finding.
#[derive(Debug, thiserror::Error)]
enum ModuleRefused {
    #[error(transparent)]
    File(#[from] NamedFileError),
    #[error("the team's budget for checking hooks ran out before this hook decided")]
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
/// what is left of its team's budget at `deadline`.
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
