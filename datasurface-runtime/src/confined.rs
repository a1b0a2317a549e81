//! Reading only inside a folder: the one place a platform turns a file name
//! a team wrote (a file drop's `files`) into a path on the machine
//! (docs/security.md, "Every path a team writes stays in its folder"), and
//! reads or writes a folder of files (a saved rendering, a renderings
//! repository's platform folder) without following a link out of it or
//! waiting on a FIFO.

use std::path::{Path, PathBuf};

/// Why a name was not turned into a path to read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfinedError {
    /// The name is not one file's name in the folder
    /// ([`datasurface_core::resources::drop_file_name`]): it climbs out,
    /// starts at a root, is a path, a hidden file or a pattern.
    #[error(
        "`{name}` is not a file name in the drop folder {} ({why}); name one file of the folder itself",
        folder.display()
    )]
    NotInside {
        /// The name as written.
        name: String,
        /// The folder.
        folder: PathBuf,
        /// Why not.
        why: datasurface_core::resources::NotAFileName,
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
    /// The path, or a folder on the way to it, is a link, which is not followed.
    #[error("{} is a link, and links are not followed here; replace it with the file or folder itself", path.display())]
    Link {
        /// The link.
        path: PathBuf,
    },
    /// The file is larger than what is read of one.
    #[error("{} is {size} bytes, more than the {max} read of one file", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The most read.
        max: u64,
    },
}

/// Reads the regular file at `path` whole, if it is one: a link (even to a
/// regular file), a folder, a FIFO (which would wait for a writer for
/// ever), a socket or a device (`/dev/zero` never ends) is refused, and so
/// is a file larger than `max` bytes. `Ok(None)` when nothing is there.
pub fn read_regular(path: &Path, max: u64) -> Result<Option<Vec<u8>>, ConfinedError> {
    use std::io::Read as _;
    let unreadable = |source| ConfinedError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    let own = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    if own.file_type().is_symlink() {
        return Err(ConfinedError::Link {
            path: path.to_path_buf(),
        });
    }
    if !own.is_file() {
        return Err(ConfinedError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let file = std::fs::File::open(path).map_err(unreadable)?;
    // What was opened is what was looked at: a regular file, no larger.
    let opened = file.metadata().map_err(unreadable)?;
    if !opened.is_file() {
        return Err(ConfinedError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if opened.len() > max {
        return Err(ConfinedError::TooLarge {
            path: path.to_path_buf(),
            size: opened.len(),
            max,
        });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() as u64 > max {
        return Err(ConfinedError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            max,
        });
    }
    Ok(Some(bytes))
}

/// Checks that every folder below `root` on the way to `path` (which is
/// inside it) is a folder and not a link, so that writing or removing
/// `path` changes only what is inside `root`. Folders not there yet pass:
/// making them makes real folders.
pub fn no_link_below(root: &Path, path: &Path) -> Result<(), ConfinedError> {
    let Ok(inside) = path.strip_prefix(root) else {
        return Err(ConfinedError::Outside {
            path: path.to_path_buf(),
            folder: root.to_path_buf(),
            real: path.to_path_buf(),
        });
    };
    let mut at = root.to_path_buf();
    let mut parts = inside.components().peekable();
    while let Some(part) = parts.next() {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(ConfinedError::Link { path: at });
            }
            Ok(m) if parts.peek().is_some() && !m.is_dir() => {
                return Err(ConfinedError::NotAFile { path: at });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(ConfinedError::Unreadable { path: at, source }),
        }
    }
    Ok(())
}

/// The file `name` names in `folder` (with `extension` added when it has
/// none), if it is a regular file that resolves inside the folder: a name
/// that is not one file's name of the folder
/// ([`datasurface_core::resources::drop_file_name`], the rule `check`
/// applies), or a link that leads out of the folder, is refused.
pub fn file_in(folder: &Path, name: &str, extension: &str) -> Result<PathBuf, ConfinedError> {
    if let Err(why) = datasurface_core::resources::drop_file_name(name) {
        return Err(ConfinedError::NotInside {
            name: name.to_owned(),
            folder: folder.to_path_buf(),
            why,
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

/// Where `path` leads, links followed: the file's own real path, or for a
/// file not there yet, its folder's joined with its name. `None` when its
/// folder cannot be resolved either. What a reader would open, for
/// comparing paths as it will (not as they are written).
pub fn leads_to(path: &Path) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok().or_else(|| {
        let folder = std::fs::canonicalize(path.parent()?).ok()?;
        Some(folder.join(path.file_name()?))
    })
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
        for (name, why) in [
            ("../secret.csv", "not inside its drop folder"),
            ("/etc/passwd", "not inside its drop folder"),
            ("sub.d/../../secret.csv", "not inside its drop folder"),
            ("sub.d/x.csv", "make it a path"),
            ("*.csv", "is a wildcard"),
            (".orders.csv", "hidden"),
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

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read_and_no_link_is_written_through() {
        use std::os::unix::fs::symlink;
        let dir = std::env::temp_dir().join(format!("ds-regular-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("in/real")).unwrap();
        std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
        std::fs::write(dir.join("in/a.txt"), "abc").unwrap();
        symlink(dir.join("in/a.txt"), dir.join("in/link.txt")).unwrap();
        symlink("/dev/zero", dir.join("in/zero")).unwrap();
        symlink(dir.join("elsewhere"), dir.join("in/away")).unwrap();
        assert_eq!(
            read_regular(&dir.join("in/a.txt"), 3).unwrap().unwrap(),
            b"abc"
        );
        assert!(read_regular(&dir.join("in/none"), 3).unwrap().is_none());
        for (name, why) in [
            ("a.txt", "more than the 2"),
            ("link.txt", "is a link"),
            ("zero", "is a link"),
            ("real", "not a regular file"),
        ] {
            let e = read_regular(&dir.join("in").join(name), 2)
                .unwrap_err()
                .to_string();
            assert!(e.contains(why), "{name}: {e}");
        }
        let root = dir.join("in");
        assert!(no_link_below(&root, &root.join("real/new/file.txt")).is_ok());
        assert!(no_link_below(&root, &root.join("a.txt")).is_ok());
        for path in ["away/file.txt", "away", "a.txt/x"] {
            assert!(no_link_below(&root, &root.join(path)).is_err(), "{path}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
