//! Loading the hook modules a model names, for the platforms that ask
//! them (the `sqlite` engine, the `airflow` runner's `job apply`). Each is
//! read through the gate's confined reader (`ModelDir`).

use std::path::{Path, PathBuf};

use datasurface_core::names::ModelFilePath;
use datasurface_core::{Ecosystem, Hook as HookSpec};
use datasurface_gate::{ModelDir, ModelSource as _};
use datasurface_hooks::{Limits, MAX_MODULE_BYTES, WasmHook};

use crate::problem::Problem;

/// The directory a model's paths are relative to: the model directory, or
/// the directory of a one-file model.
pub(crate) fn model_root(model: &Path) -> PathBuf {
    ModelDir::new(model).root()
}

/// Reads a file the model names, if it is a regular file that resolves
/// inside the model's root and is no larger than a hook module may be.
pub(crate) fn read_model_file(root: &Path, file: &ModelFilePath) -> Result<Vec<u8>, Problem> {
    ModelDir::new(root)
        .read_named(file.as_str(), MAX_MODULE_BYTES as u64)
        .map_err(Problem::new)
}

/// Loads a hook the model names: read, hash checked, module checked.
#[cfg(feature = "sqlite")]
pub(crate) fn load(root: &Path, spec: &HookSpec) -> Result<WasmHook, Problem> {
    let bytes = read_model_file(root, &spec.module)?;
    WasmHook::load(
        &bytes,
        Some(spec.sha256.as_str()),
        Limits::from_model(&spec.limits),
    )
    .map_err(Problem::new)
}

/// The hooks a platform engine asks: every hook module the model names,
/// loaded with its workspace's limits, by workspace and pinned SHA-256. A module that
/// cannot be loaded is kept as its error, so that its hook's failure policy
/// applies when the engine would ask it.
#[cfg(feature = "sqlite")]
pub(crate) fn engine_hooks(model: &Path, eco: &Ecosystem) -> datasurface_sqlite::engine::Hooks {
    let root = model_root(model);
    let mut hooks = datasurface_sqlite::engine::Hooks::new();
    for (workspace, spec) in hooked(eco) {
        match load(&root, spec) {
            Ok(hook) => hooks.insert(workspace, spec.sha256.as_str(), std::sync::Arc::new(hook)),
            Err(why) => hooks.insert_failed(
                workspace,
                spec.sha256.as_str(),
                datasurface_runtime::hook::HookError::Module(format!(
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
#[cfg(feature = "airflow")]
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
        let key = datasurface_platform::ArtifactKey::from_parts(
            &["jobs", "transformer", workspace],
            "json",
        );
        if !rendering.artifacts.contains_key(&key) {
            continue;
        }
        match read_model_file(&root, &spec.module).and_then(|bytes| {
            WasmHook::load(&bytes, Some(spec.sha256.as_str()), Limits::default())
                .map(|_| bytes)
                .map_err(Problem::new)
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
#[cfg(any(feature = "sqlite", feature = "airflow"))]
fn hooked(eco: &Ecosystem) -> impl Iterator<Item = (&str, &HookSpec)> {
    eco.workspaces()
        .filter_map(|(_, name, ws)| Some((name.as_str(), ws.hook.as_ref()?)))
}
