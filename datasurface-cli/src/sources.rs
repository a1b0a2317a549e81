//! Reading model files from disk: the only IO the model needs.

use std::fs;
use std::path::{Path, PathBuf};

use datasurface_model::files::{Format, LoadError, SourceFile};

/// The names a model directory's root document may have.
const ROOT_NAMES: [&str; 3] = ["ecosystem.yaml", "ecosystem.yml", "ecosystem.json"];

/// Reads a model: one file, or every `.yaml`, `.yml` and `.json` file under a
/// directory (hidden entries skipped), in path order. Paths in messages are
/// shown relative to the current directory when they were given so.
pub(crate) fn read_model(path: &Path) -> Result<Vec<SourceFile>, Vec<LoadError>> {
    let shown = path.display().to_string();
    let metadata = fs::metadata(path).map_err(|e| vec![io_error(&shown, &e, "check the path")])?;
    if metadata.is_file() {
        return read_file(path).map(|f| vec![f]).map_err(|e| vec![e]);
    }
    if !ROOT_NAMES.iter().any(|name| path.join(name).is_file()) {
        return Err(vec![load_error(
            &shown,
            "the directory has no ecosystem.yaml",
            "a model directory holds `ecosystem.yaml` (the Ecosystem document) and any number of zone and team documents",
        )]);
    }
    let mut paths = Vec::new();
    let mut errors = Vec::new();
    collect(path, &mut paths, &mut errors);
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        match read_file(&p) {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(io_error(
                &dir.display().to_string(),
                &e,
                "check the directory's permissions",
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden {
            continue;
        }
        if path.is_dir() {
            if is_output(&path) {
                continue;
            }
            collect(&path, out, errors);
        } else if Format::of_path(&path.to_string_lossy()).is_some() {
            out.push(path);
        }
    }
}

/// Whether a directory holds what datasurface writes rather than model
/// documents: a saved rendering (`render --out`: `rendering.json` beside
/// `artifacts/`), or a `sqlite` platform's state directory (`apply`, `run`,
/// `up --state`: `merge.sqlite` beside `containers/`), which may sit inside
/// the model's directory and holds JSON files of its own.
fn is_output(dir: &Path) -> bool {
    let saved_rendering = dir.join(datasurface_platform::INDEX_FILE).is_file()
        && dir.join(datasurface_platform::ARTIFACTS_DIR).is_dir();
    let state = dir.join("merge.sqlite").is_file() && dir.join("containers").is_dir();
    saved_rendering || state
}

fn read_file(path: &Path) -> Result<SourceFile, LoadError> {
    let shown = path.display().to_string();
    let shown = shown
        .strip_prefix("./")
        .map_or(shown.clone(), str::to_owned);
    let bytes =
        fs::read(path).map_err(|e| io_error(&shown, &e, "check the path and its permissions"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        load_error(
            &shown,
            &format!(
                "the file is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            "save the file as UTF-8",
        )
    })?;
    Ok(SourceFile::new(shown, text))
}

fn io_error(path: &str, error: &std::io::Error, help: &str) -> LoadError {
    load_error(path, &format!("cannot read: {error}"), help)
}

fn load_error(path: &str, message: &str, help: &str) -> LoadError {
    LoadError::document(path, message, help)
}
