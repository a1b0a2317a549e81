//! Integration tests of `datasurface-rules`: validation, change
//! verification and building valid models, on models loaded from files;
//! one module per concern.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod build;
mod errors;
mod numeric;
mod validation;
mod verify;

use datasurface_files::SourceFile;

/// Reads every model file under an example model directory, as the CLI does.
pub(crate) fn example_files(name: &str) -> Vec<SourceFile> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("examples/models")
        .join(name);
    let mut paths = Vec::new();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if datasurface_files::Format::of_path(&path.to_string_lossy()).is_some() {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let shown = p.strip_prefix(&dir).unwrap().display().to_string();
            SourceFile::new(shown, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}
