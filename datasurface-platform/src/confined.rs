//! Reading only inside a folder: the one place a platform turns a file name
//! a team wrote (a file drop's `files`) into a path on the machine
//! (docs/security.md, "Every path a team writes stays in its folder").

use std::path::{Path, PathBuf};

/// Why a name was not turned into a path to read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfinedError {
    /// The name climbs out of the folder, starts at a root or a home
    /// directory, or uses `\` or a drive.
    #[error(
        "the file `{name}` is not inside the drop folder {}; name it by a relative path without `..`",
        folder.display()
    )]
    NotInside {
        /// The name as written.
        name: String,
        /// The folder.
        folder: PathBuf,
    },
    /// The folder or the file cannot be resolved.
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        /// What could not be read.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The path resolves outside the folder (a link out of it).
    #[error(
        "{} resolves outside {} (a link to {}), and is not read",
        path.display(), folder.display(), real.display()
    )]
    Outside {
        /// The path.
        path: PathBuf,
        /// The folder.
        folder: PathBuf,
        /// Where it leads.
        real: PathBuf,
    },
    /// The path is a folder, a FIFO, a socket or a device.
    #[error("{} is not a regular file (a folder, FIFO, socket or device), and is not read", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
}

/// The file `name` names in `folder` (with `extension` added when it has
/// none), if it is a regular file that resolves inside the folder: a name
/// with `..` or a root, or a link that leads out of the folder, is refused.
pub fn file_in(folder: &Path, name: &str, extension: &str) -> Result<PathBuf, ConfinedError> {
    if !datasurface_model::resources::confined(name) {
        return Err(ConfinedError::NotInside {
            name: name.to_owned(),
            folder: folder.to_path_buf(),
        });
    }
    let mut path = folder.join(name);
    if path.extension().is_none() {
        path.set_extension(extension);
    }
    let unreadable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ConfinedError::Unreadable { path, source }
    };
    let real_folder = std::fs::canonicalize(folder).map_err(unreadable(folder))?;
    let real = resolve_inside(&real_folder, &path)?;
    if !std::fs::metadata(&real).is_ok_and(|m| m.is_file()) {
        return Err(ConfinedError::NotAFile { path });
    }
    Ok(real)
}

/// Where `path` leads, if it resolves (links followed) inside
/// `real_folder`, itself already resolved: the check every reader of a
/// team's or a model's files makes before it reads anything.
pub fn resolve_inside(real_folder: &Path, path: &Path) -> Result<PathBuf, ConfinedError> {
    let real = std::fs::canonicalize(path).map_err(|source| ConfinedError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    if real.starts_with(real_folder) {
        Ok(real)
    } else {
        Err(ConfinedError::Outside {
            path: path.to_path_buf(),
            folder: real_folder.to_path_buf(),
            real,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drop_reads_only_regular_files_inside_its_folder() {
        let dir = std::env::temp_dir().join(format!("ds-confined-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("drops/sub.d")).unwrap();
        std::fs::write(dir.join("drops/orders.csv"), "id\n1\n").unwrap();
        std::fs::write(dir.join("drops/sub.d/x.csv"), "id\n1\n").unwrap();
        std::fs::write(dir.join("secret.csv"), "id\n1\n").unwrap();
        let folder = dir.join("drops");
        assert!(file_in(&folder, "orders", "csv").is_ok());
        assert!(file_in(&folder, "sub.d/x.csv", "csv").is_ok());
        for (name, why) in [
            ("../secret.csv", "not inside the drop folder"),
            ("/etc/passwd", "not inside the drop folder"),
            ("sub.d/../../secret.csv", "not inside the drop folder"),
            ("sub.d", "not a regular file"),
            ("none.csv", "cannot read"),
        ] {
            let e = file_in(&folder, name, "csv").unwrap_err().to_string();
            assert!(e.contains(why), "{name}: {e}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("secret.csv"), folder.join("link.csv")).unwrap();
            let e = file_in(&folder, "link.csv", "csv").unwrap_err().to_string();
            assert!(e.contains("resolves outside"), "{e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
