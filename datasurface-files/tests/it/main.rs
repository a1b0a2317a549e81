//! Integration tests of `datasurface-files`: loading model files, their
//! errors, round trips and the JSON Schema; one module per concern.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod directory;
mod no_panic;
mod roundtrip;
mod schema;

use datasurface_files::SourceFile;

/// The repository's root directory.
pub(crate) fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Reads every model file under an example model directory, as the CLI does.
pub(crate) fn example_files(name: &str) -> Vec<SourceFile> {
    let dir = repo_root().join("examples/models").join(name);
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
