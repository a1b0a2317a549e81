//! What the commands need of a model's files beyond the gate's pipeline:
//! their content's hash and the directory paths start from.

use std::path::Path;

use datasurface_files::SourceFile;

/// A hash of the model's files: each file's path under the model and its
/// text, in order, so it names the content wherever the command runs. The
/// service's entity tags and GitOps renderings' `source.json` use it.
pub(crate) fn model_hash(model: &Path, sources: &[SourceFile]) -> String {
    model_hash_with(model, sources, |file| {
        datasurface_platform::content_hash(&file.text)
    })
}

/// [`model_hash`], each file's own digest taken by `digest` (which may
/// keep the digests of files whose texts did not change).
pub(crate) fn model_hash_with(
    model: &Path,
    sources: &[SourceFile],
    mut digest: impl FnMut(&SourceFile) -> String,
) -> String {
    let mut all = String::new();
    for file in sources {
        let path = Path::new(&file.path);
        let under = path
            .strip_prefix(model)
            .ok()
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| path.file_name().map(Path::new))
            .unwrap_or(path);
        all.push_str(&under.to_string_lossy());
        all.push('\0');
        all.push_str(&digest(file));
        all.push('\n');
    }
    datasurface_platform::content_hash(&all)
}

/// The directory a model's relative paths start from: the model's own
/// directory, or the one holding its file.
pub(crate) fn model_dir(model: &Path) -> std::path::PathBuf {
    if model.is_dir() {
        model.to_path_buf()
    } else {
        model.parent().map(Path::to_path_buf).unwrap_or_default()
    }
}
