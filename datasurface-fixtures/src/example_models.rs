//! A model directory read as the CLI reads one: for tests that load the
//! repository's example models.

use std::path::{Path, PathBuf};

/// Every model file (`.yaml`, `.yml`, `.json`) under `dir`, in path order,
/// as (path relative to `dir`, text).
///
/// # Panics
///
/// When the directory or a file cannot be read: it is a test's input.
pub fn model_files(dir: &Path) -> Vec<(String, String)> {
    let dir = dir.to_path_buf();
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", folder.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let shown = path
                .strip_prefix(&dir)
                .map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
            (shown, text)
        })
        .collect()
}
