//! The files a model names (source databases, hook modules, the files and
//! folders platforms map), read to see which a change touches:
//! `datasurface verify` authorizes each changed one like the element that
//! names it (`datasurface_model::verify::authorize_files`).
//!
//! A file is read only when it resolves inside the model's root, the same
//! confinement model documents have: a link out of the model, a FIFO, a
//! socket or a device is never read, only noted.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use datasurface_model::names::PlatformName;
use datasurface_model::regions::ChangeKind;
use datasurface_model::validate::Diagnostic;
use datasurface_model::verify::{FileChange, authorize_files};
use datasurface_model::{Ecosystem, Repository};
use datasurface_platform::confined::resolve_inside;
use datasurface_platform::{PlatformRegistry, PlatformResources, file_claims_with, to_hex};
use sha2::{Digest as _, Sha256};

/// The most entries one named folder may hold: a folder that large is not
/// a drop folder, and reading it would hold `verify` up.
const MAX_FOLDER_ENTRIES: usize = 100_000;

/// What a named path holds in one model.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Content {
    /// Nothing there.
    Missing,
    /// A file's or a folder's SHA-256 (a folder's over its files' paths and digests).
    Digest(String),
    /// Something that is not read: a link out of the model, a special file, an error.
    Refused(String),
}

/// Each declared platform's own resources, for the kinds this build implements.
fn resources<'e>(
    registry: &PlatformRegistry,
    eco: &'e Ecosystem,
) -> Vec<(&'e PlatformName, PlatformResources)> {
    eco.platforms
        .iter()
        .filter_map(|(name, declaration)| {
            let platform = registry.get(declaration.kind.as_str())?;
            Some((name, platform.resources(declaration)))
        })
        .collect()
}

/// The named files whose bytes differ between the base (if any) and the
/// proposed model, each authorized for `source`.
pub(crate) fn authorize(
    registry: &PlatformRegistry,
    base: Option<(&Ecosystem, &Path)>,
    proposed: (&Ecosystem, &Path),
    source: &Repository,
) -> (Vec<FileChange>, Vec<Diagnostic>) {
    let base_resources = base.map(|(eco, _)| resources(registry, eco));
    let proposed_resources = resources(registry, proposed.0);
    let base_claims = base
        .zip(base_resources.as_ref())
        .map(|((eco, _), r)| file_claims_with(eco, r).0);
    let proposed_claims = file_claims_with(proposed.0, &proposed_resources).0;
    let paths: BTreeSet<&str> = base_claims
        .iter()
        .flatten()
        .chain(&proposed_claims)
        .map(|c| c.path)
        .collect();
    let base_root = base.map(|(_, root)| crate::hook::model_root(root));
    let proposed_root = crate::hook::model_root(proposed.1);
    let mut changed = Vec::new();
    for path in paths {
        let before = base_root
            .as_deref()
            .map_or(Content::Missing, |root| content(root, path));
        let after = content(&proposed_root, path);
        let kind = match (&before, &after) {
            (a, b) if a == b => continue,
            (Content::Missing, _) => ChangeKind::Added,
            (_, Content::Missing) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        changed.push((path.to_owned(), kind));
    }
    authorize_files(
        base.zip(base_claims.as_deref())
            .map(|((eco, _), c)| (eco, c)),
        (proposed.0, &proposed_claims),
        &changed,
        source,
    )
}

/// What `path` (relative to the model's root) holds, read only inside the root.
fn content(root: &Path, path: &str) -> Content {
    let relative = Path::new(path);
    if relative.is_absolute() {
        // A file outside the model is no part of a pull request.
        return Content::Missing;
    }
    let Ok(real_root) = std::fs::canonicalize(root) else {
        return Content::Missing;
    };
    let joined = root.join(relative);
    if std::fs::symlink_metadata(&joined).is_err() {
        return Content::Missing;
    }
    let real = match resolve_inside(&real_root, &joined) {
        Ok(real) => real,
        Err(why) => return Content::Refused(why.to_string()),
    };
    match std::fs::metadata(&real) {
        Ok(m) if m.is_file() => match file_digest(&real) {
            Ok(digest) => Content::Digest(digest),
            Err(e) => Content::Refused(e.to_string()),
        },
        Ok(m) if m.is_dir() => folder_digest(&real_root, &real),
        Ok(_) => Content::Refused("not a regular file or folder".to_owned()),
        Err(e) => Content::Refused(e.to_string()),
    }
}

fn file_digest(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(to_hex(&hasher.finalize()))
}

/// A folder's digest: over each entry's path below it and what it holds,
/// in path order, so a file added, removed, renamed or changed changes it.
fn folder_digest(real_root: &Path, folder: &Path) -> Content {
    let mut entries = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&dir) else {
            return Content::Refused(format!("cannot list {}", dir.display()));
        };
        for entry in listing.flatten() {
            if entries.len() >= MAX_FOLDER_ENTRIES {
                return Content::Refused(format!("more than {MAX_FOLDER_ENTRIES} entries"));
            }
            let path = entry.path();
            let below = path
                .strip_prefix(folder)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            let held = match resolve_inside(real_root, &path) {
                Err(why) => format!("refused: {why}"),
                Ok(real) => match std::fs::metadata(&real) {
                    Ok(m) if m.is_dir() && real == path => {
                        pending.push(path.clone());
                        "folder".to_owned()
                    }
                    Ok(m) if m.is_file() => {
                        file_digest(&real).unwrap_or_else(|e| format!("unreadable: {e}"))
                    }
                    _ => "refused: not a regular file".to_owned(),
                },
            };
            entries.push((below, held));
        }
    }
    entries.sort();
    let mut hasher = Sha256::new();
    for (path, held) in &entries {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(held.as_bytes());
        hasher.update([b'\n']);
    }
    Content::Digest(to_hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_read_only_inside_the_model() {
        let dir = std::env::temp_dir().join(format!("ds-named-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("model/data")).unwrap();
        std::fs::write(dir.join("model/data/a.csv"), "x\n1\n").unwrap();
        std::fs::write(dir.join("outside.csv"), "secret\n").unwrap();
        let root = dir.join("model");
        assert!(matches!(content(&root, "data/a.csv"), Content::Digest(_)));
        assert!(matches!(content(&root, "data"), Content::Digest(_)));
        assert_eq!(content(&root, "data/none.csv"), Content::Missing);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("outside.csv"), root.join("data/link.csv"))
                .unwrap();
            assert!(matches!(
                content(&root, "data/link.csv"),
                Content::Refused(why) if why.contains("resolves outside")
            ));
            // A folder with a link out hashes the refusal, never the bytes.
            let before = content(&root, "data");
            std::fs::write(dir.join("outside.csv"), "changed\n").unwrap();
            assert_eq!(content(&root, "data"), before);
        }
        let before = content(&root, "data");
        std::fs::write(root.join("data/a.csv"), "x\n2\n").unwrap();
        assert_ne!(content(&root, "data"), before);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
