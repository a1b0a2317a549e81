//! `render`'s record of its last run into a folder, so that a render that
//! nothing has changed leaves the folder as it is without loading the
//! model.
//!
//! A render is a pure function of what it reads of the model (every answer
//! its `ModelSource` gave, kept as digests by a `Recording`), the program,
//! its options and the date (exceptions expire). After a render saves a
//! folder, a record of all of these and of the index it wrote is kept in
//! the user's cache directory (`DATASURFACE_CACHE_DIR`, else
//! `$XDG_CACHE_HOME/datasurface`, else `~/.cache/datasurface`), one per
//! folder. The next render into that folder with the same program, options
//! and date asks the model the recorded questions again (reading each
//! document whose stamp, its size, time and identity on disk, moved since
//! it was read) and looks at the folder's files' metadata: when every
//! answer is the same and the folder is as the render left it, it would
//! write nothing, and is skipped. Anything else renders in full.
//! `render --force` always renders.

use std::path::{Path, PathBuf};

use datasurface_gate::{ModelSource, SourceRecord};
use serde::{Deserialize, Serialize};

use crate::args::RenderArgs;

/// The format of a record, written and read by this build.
const FORMAT: u32 = 1;

/// The largest record read, in bytes.
const MAX_RECORD_BYTES: u64 = 64 << 20;

/// Where records of renders are kept, and what a render of this program
/// with these options must match.
#[derive(Debug)]
pub(crate) struct RenderRecords {
    dir: PathBuf,
    key: String,
}

/// A folder that nothing has changed since its last render.
#[derive(Debug)]
pub(crate) struct Unchanged {
    /// The platform it renders.
    pub(crate) platform: String,
    /// How many artifacts it holds.
    pub(crate) artifacts: usize,
    /// How many findings that render printed.
    pub(crate) findings: usize,
}

/// One folder's record.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Kept {
    format: u32,
    /// The program, its options and the date.
    key: String,
    /// The platform rendered.
    platform: String,
    /// The SHA-256 of the index the render wrote.
    index: String,
    /// The findings it printed (the graphs' and the platform's lint).
    findings: usize,
    /// What it read of the model.
    source: SourceRecord,
}

impl RenderRecords {
    /// The records of this render's program and options, in the user's
    /// cache directory; `None` without one, or with `--force`.
    pub(crate) fn new(args: &RenderArgs, environment: Option<&str>) -> Option<Self> {
        if args.force {
            return None;
        }
        let dir = cache_dir()?.join("renders");
        let program = std::env::current_exe()
            .and_then(|exe| {
                let meta = std::fs::metadata(&exe)?;
                Ok(format!(
                    "{} {} {:?}",
                    exe.display(),
                    meta.len(),
                    meta.modified()?
                ))
            })
            .ok()?;
        let today = chrono::Utc::now().date_naive();
        let key = datasurface_platform::sha256_hex(
            format!(
                "{}\0{program}\0{today}\0{:?}\0{environment:?}\0{:?}",
                env!("CARGO_PKG_VERSION"),
                args.platform,
                args.external,
            )
            .as_bytes(),
        );
        Some(RenderRecords { dir, key })
    }

    /// The record's file for the folder `out`, by its canonical path.
    fn file_for(&self, out: &Path) -> Option<PathBuf> {
        let out = std::fs::canonicalize(out).ok()?;
        let name = datasurface_platform::sha256_hex(out.as_os_str().to_string_lossy().as_bytes());
        Some(self.dir.join(format!("{name}.json")))
    }

    /// The folder `out` as its last render left it, when that render's
    /// program, options and date are these, `model` answers everything it
    /// asked the same, and the folder's index is the one it wrote, over
    /// files untouched since.
    pub(crate) fn unchanged(&self, model: &dyn ModelSource, out: &Path) -> Option<Unchanged> {
        let file = self.file_for(out)?;
        let bytes = datasurface_runtime::confined::read_regular(&file, MAX_RECORD_BYTES)
            .ok()
            .flatten()?;
        let kept: Kept = serde_json::from_slice(&bytes).ok()?;
        if kept.format != FORMAT || kept.key != self.key {
            return None;
        }
        let (index, artifacts) = datasurface_runtime::unchanged_since_saved(out)
            .ok()
            .flatten()?;
        if index != kept.index || !kept.source.holds(model) {
            return None;
        }
        Some(Unchanged {
            platform: kept.platform,
            artifacts,
            findings: kept.findings,
        })
    }

    /// Keeps the record of a render that saved `out`: what it read, and
    /// the index it wrote. A record that cannot be kept only makes the
    /// next render a full one.
    pub(crate) fn keep(&self, out: &Path, platform: &str, findings: usize, source: SourceRecord) {
        let Some(file) = self.file_for(out) else {
            return;
        };
        let Ok(Some(index)) = datasurface_runtime::confined::read_regular(
            &out.join(datasurface_platform::INDEX_FILE),
            datasurface_runtime::MAX_SAVED_FILE_BYTES,
        ) else {
            return;
        };
        let kept = Kept {
            format: FORMAT,
            key: self.key.clone(),
            platform: platform.to_owned(),
            index: datasurface_platform::sha256_hex(&index),
            findings,
            source,
        };
        let Ok(text) = serde_json::to_vec(&kept) else {
            return;
        };
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        // Written beside, then renamed over: a record is whole or absent.
        let temp = file.with_extension(format!("json.new-{}", std::process::id()));
        if datasurface_runtime::write_new(&temp, &text).is_err()
            || std::fs::rename(&temp, &file).is_err()
        {
            let _ = std::fs::remove_file(&temp);
        }
    }

    /// Forgets the record of `out`, before a render that may leave it
    /// otherwise.
    pub(crate) fn forget(&self, out: &Path) {
        if let Some(file) = self.file_for(out) {
            let _ = std::fs::remove_file(file);
        }
    }
}

/// The user's cache directory for datasurface: `DATASURFACE_CACHE_DIR`,
/// else `$XDG_CACHE_HOME/datasurface`, else `~/.cache/datasurface`.
fn cache_dir() -> Option<PathBuf> {
    let set = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    set("DATASURFACE_CACHE_DIR")
        .or_else(|| set("XDG_CACHE_HOME").map(|d| d.join("datasurface")))
        .or_else(|| set("HOME").map(|d| d.join(".cache").join("datasurface")))
}
