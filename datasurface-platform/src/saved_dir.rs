//! Saved renderings on disk (feature `fs`): the one place that reads and
//! writes them, for the command line and for platforms that apply plans.
//! Rendering itself never touches the file system.

use std::fs;
use std::path::{Path, PathBuf};

use crate::rendering::Rendering;
use crate::saved::{INDEX_FILE, SavedFile, SavedRenderingError};

/// Why a saved rendering directory could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SavedDirError {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The directory holds files but no saved rendering; it is never replaced.
    #[error("{0} holds files but no saved rendering (`{INDEX_FILE}`); refusing to replace it")]
    NotARendering(PathBuf),
    /// The files are there but do not make a rendering.
    #[error("{path} is not a usable saved rendering: {source}")]
    Unreadable {
        /// Where.
        path: PathBuf,
        /// Why.
        #[source]
        source: SavedRenderingError,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SavedDirError + '_ {
    move |source| SavedDirError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read_tree(root: &Path, dir: &Path, files: &mut Vec<SavedFile>) -> Result<(), SavedDirError> {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(io(dir))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io(dir))?;
    paths.sort();
    for path in paths {
        if path.is_dir() {
            read_tree(root, &path, files)?;
        } else {
            let text = fs::read_to_string(&path).map_err(io(&path))?;
            let parts: Vec<String> = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push(SavedFile {
                path: parts.join("/"),
                text,
            });
        }
    }
    Ok(())
}

impl Rendering {
    /// Reads a rendering saved in a directory. An empty directory is an empty
    /// rendering; a missing one is an error of kind `NotFound`.
    pub fn read_dir(dir: &Path) -> Result<Rendering, SavedDirError> {
        let mut files = Vec::new();
        read_tree(dir, dir, &mut files)?;
        if files.is_empty() {
            return Ok(Rendering::default());
        }
        Rendering::from_files(&files).map_err(|source| SavedDirError::Unreadable {
            path: dir.to_path_buf(),
            source,
        })
    }

    /// Saves the rendering in a directory, replacing a rendering saved there
    /// before but never anything else: the files go to a sibling first, which
    /// then takes the directory's place, so a failure leaves the old one whole.
    pub fn write_dir(&self, dir: &Path) -> Result<(), SavedDirError> {
        if dir.exists() {
            let empty = fs::read_dir(dir).map_err(io(dir))?.next().is_none();
            if !empty && !dir.join(INDEX_FILE).is_file() {
                return Err(SavedDirError::NotARendering(dir.to_path_buf()));
            }
        }
        let name = dir
            .file_name()
            .map_or_else(|| "rendering".into(), |n| n.to_string_lossy().into_owned());
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        fs::create_dir_all(parent).map_err(io(parent))?;
        let staging = parent.join(format!(".{name}.new-{}", std::process::id()));
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        let write = || -> Result<(), SavedDirError> {
            for file in self.to_files() {
                let path = staging.join(&file.path);
                if let Some(p) = path.parent() {
                    fs::create_dir_all(p).map_err(io(p))?;
                }
                fs::write(&path, file.text).map_err(io(&path))?;
            }
            Ok(())
        };
        if let Err(e) = write() {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        if dir.exists()
            && let Err(e) = fs::rename(dir, &old)
        {
            let _ = fs::remove_dir_all(&staging);
            return Err(io(dir)(e));
        }
        if let Err(e) = fs::rename(&staging, dir) {
            let _ = fs::rename(&old, dir);
            let _ = fs::remove_dir_all(&staging);
            return Err(io(dir)(e));
        }
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rendering::{Artifact, ArtifactKey};

    #[test]
    fn renderings_round_trip_through_a_directory_that_is_never_clobbered() {
        let dir =
            std::env::temp_dir().join(format!("datasurface-saved-dir-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let mut r = Rendering::default();
        r.insert(
            ArtifactKey::new("sql/a.sql").unwrap(),
            Artifact::new(None, "SELECT 1;", Vec::new()),
        );
        let out = dir.join("out");
        r.write_dir(&out).unwrap();
        assert_eq!(Rendering::read_dir(&out).unwrap(), r);
        r.write_dir(&out).unwrap();
        assert_eq!(Rendering::read_dir(&out).unwrap(), r);
        fs::create_dir_all(dir.join("empty")).unwrap();
        assert!(Rendering::read_dir(&dir.join("empty")).unwrap().is_empty());
        assert!(matches!(
            Rendering::read_dir(&dir.join("missing")),
            Err(SavedDirError::Io { .. })
        ));
        fs::create_dir_all(dir.join("other")).unwrap();
        fs::write(dir.join("other/notes.txt"), "keep").unwrap();
        assert!(matches!(
            r.write_dir(&dir.join("other")),
            Err(SavedDirError::NotARendering(_))
        ));
        assert_eq!(
            fs::read_to_string(dir.join("other/notes.txt")).unwrap(),
            "keep"
        );
        let _ = fs::remove_dir_all(&dir);
    }
}
