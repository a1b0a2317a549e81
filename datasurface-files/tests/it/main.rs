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

/// Every model file under an example model directory, as the CLI reads it.
pub(crate) fn example_files(name: &str) -> Vec<SourceFile> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/models")
        .join(name);
    datasurface_fixtures::model_files(&dir)
        .into_iter()
        .map(|(path, text)| SourceFile::new(path, text))
        .collect()
}
