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
