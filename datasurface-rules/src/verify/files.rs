//! The files a model names, verified like the elements that name them.
//!
//! A model names files under its directory (a `SQLITE` container's database,
//! a hook module, a source a platform maps) whose bytes are data, not model
//! text: a pull request can change them without changing a document. The
//! caller (which reads files; this module reads none) says which named files
//! changed; each change is authorized like a change to the element that
//! names the file in the *base* model, so a team that rewrites another
//! team's source database may not merge (`unauthorized-file-change`).

use serde::Serialize;

use datasurface_core::Ecosystem;
use datasurface_core::Repository;
use datasurface_core::diagnostic::{Diagnostic, Severity};
use datasurface_core::regions::ChangeKind;
use datasurface_core::resources::{FileClaim, FileSite, Owner};

/// The code of a change to a named file by a repository that does not own it.
pub const UNAUTHORIZED_FILE_CHANGE: &str = "unauthorized-file-change";

/// A named file whose bytes differ between the base and the proposed model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileChange {
    /// Its path, as the model writes it.
    pub path: String,
    /// Whether it is new, gone or changed.
    pub kind: ChangeKind,
    /// The repositories that may change it: the owners of the elements that
    /// name it.
    pub owners: Vec<String>,
}

/// The repository that may change a file a claim names: the one that owns
/// the element naming it (the ecosystem's for a file a platform maps).
fn namer<'e>(eco: &'e Ecosystem, claim: &FileClaim<'_>) -> &'e Repository {
    match claim.site {
        FileSite::Platform { .. } | FileSite::EnvironmentContainer { .. } => {
            Owner::Ecosystem.repository(eco)
        }
        // A team's own element, or any other field: the region it lies in.
        _ => claim.owner.repository(eco),
    }
}

/// Where each claim that names `path` is, what it is, and who may change it.
fn named_in<'e>(
    (eco, claims): (&'e Ecosystem, &[FileClaim<'_>]),
    path: &str,
) -> Vec<(
    datasurface_core::diagnostic::ModelPath,
    String,
    &'e Repository,
)> {
    claims
        .iter()
        .filter(|c| c.path == path)
        .map(|c| (c.model_path(), c.describe(), namer(eco, c)))
        .collect()
}

/// Authorizes changed files. `changed` lists the paths (as claims write
/// them) whose bytes differ, with how; the claims are those of each model
/// (its teams' files and the files its platforms map). A file the base
/// model names may be changed by the owners of the elements that name it
/// there; a file only the proposed model names, by the owners of the
/// elements that name it in the proposed model (whose own change `verify`
/// authorizes). Returns the changes, for the summary, and a finding for
/// each that `source` may not make.
pub fn authorize_files(
    base: Option<(&Ecosystem, &[FileClaim<'_>])>,
    proposed: (&Ecosystem, &[FileClaim<'_>]),
    changed: &[(String, ChangeKind)],
    source: &Repository,
) -> (Vec<FileChange>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut found = Vec::new();
    for (path, kind) in changed {
        let mut namers = base.map_or_else(Vec::new, |b| named_in(b, path));
        if namers.is_empty() {
            namers = named_in(proposed, path);
        }
        let mut owners: Vec<String> = namers.iter().map(|(.., r)| r.to_string()).collect();
        owners.sort();
        owners.dedup();
        let allowed = namers.iter().any(|(.., r)| r.same_branch_as(source));
        if !allowed && let Some((at, what, _)) = namers.first() {
            found.push(
                Diagnostic::new(
                    UNAUTHORIZED_FILE_CHANGE,
                    Severity::Error,
                    at.clone(),
                    format!(
                        "{source} {kind} `{path}`, which {what} names; only {} may change it",
                        owners.join(" or ")
                    ),
                )
                .with_help(
                    "leave the file as it is in this pull request; its owner changes it in one of its own",
                ),
            );
        }
        files.push(FileChange {
            path: path.clone(),
            kind: *kind,
            owners,
        });
    }
    (files, found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datasurface_core::resources::file_claims;

    fn model(extra_file: Option<&str>) -> Ecosystem {
        Ecosystem::builder("Shop", "acme/eco@main", "acme/eco@live")
            .zone("EU", "acme/eu@main", |z| {
                z.team("Sales", "acme/sales@main", |t| {
                    t.sqlite("Orders DB", "data/orders.sqlite", |c| c)
                })
                .team("Ops", "acme/ops@main", |t| match extra_file {
                    Some(file) => t.sqlite("Ops DB", file, |c| c),
                    None => t,
                })
            })
            .build()
            .unwrap()
    }

    fn authorize(
        base: &Ecosystem,
        proposed: &Ecosystem,
        changed: &[&str],
        source: &str,
    ) -> (Vec<FileChange>, Vec<Diagnostic>) {
        let changed: Vec<(String, ChangeKind)> = changed
            .iter()
            .map(|p| ((*p).to_owned(), ChangeKind::Changed))
            .collect();
        authorize_files(
            Some((base, &file_claims(base))),
            (proposed, &file_claims(proposed)),
            &changed,
            &source.parse().unwrap(),
        )
    }

    #[test]
    fn a_named_file_changes_only_by_its_namers_owner() {
        let base = model(None);
        let (files, found) = authorize(&base, &base, &["data/orders.sqlite"], "acme/sales@main");
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(files[0].owners, ["github:acme/sales@main"]);
        let (_, found) = authorize(&base, &base, &["data/orders.sqlite"], "acme/ops@main");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, UNAUTHORIZED_FILE_CHANGE);
        assert!(
            found[0]
                .message
                .contains("only github:acme/sales@main may change it"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_file_new_to_the_model_is_its_new_namers() {
        let base = model(None);
        let proposed = model(Some("data/ops.sqlite"));
        let (_, found) = authorize(&base, &proposed, &["data/ops.sqlite"], "acme/ops@main");
        assert!(found.is_empty(), "{found:?}");
        // Naming another team's file does not make its bytes yours: the
        // base model's namer decides.
        let proposed = model(Some("data/orders.sqlite"));
        let (_, found) = authorize(&base, &proposed, &["data/orders.sqlite"], "acme/ops@main");
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
