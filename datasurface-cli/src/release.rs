//! `datasurface release`: the revision of the model an environment runs,
//! by its release selector: the head of its branch, or the newest tag
//! matching its pattern.

use std::io::Write;

use datasurface_core::ReleaseSelector;

use crate::Outcome;
use crate::app::App;
use crate::args::{ReleaseArgs, ReleaseFormat};
use crate::problem::Problem;

/// The newest of `tags` that `pattern` (a glob: `*`, `?`, `[…]`) matches:
/// by semantic version (a leading `v` ignored) among those that are one,
/// else by name. `None` when none matches.
///
/// # Errors
///
/// When `pattern` is not a glob.
#[cfg(test)]
pub(crate) fn newest_tag<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    pattern: &str,
) -> Result<Option<&'a str>, globset::Error> {
    Ok(matching_newest_first(tags, pattern)?.into_iter().next())
}

/// The tags `pattern` matches, newest first: those that are semantic
/// versions (a leading `v` ignored) by version, then the others by name.
///
/// # Errors
///
/// When `pattern` is not a glob.
pub(crate) fn matching_newest_first<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    pattern: &str,
) -> Result<Vec<&'a str>, globset::Error> {
    let matcher = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()?
        .compile_matcher();
    let version = |t: &str| semver::Version::parse(t.strip_prefix('v').unwrap_or(t)).ok();
    let mut versions = Vec::new();
    let mut names = Vec::new();
    for tag in tags.into_iter().filter(|t| matcher.is_match(t)) {
        match version(tag) {
            Some(v) => versions.push((v, tag)),
            None => names.push(tag),
        }
    }
    versions.sort();
    names.sort_unstable();
    Ok(versions
        .into_iter()
        .rev()
        .map(|(_, t)| t)
        .chain(names.into_iter().rev())
        .collect())
}

/// The reference of the model's reviewed branch (the branch of its
/// owning repository, where reviewed changes merge): the local branch, or
/// the one fetched from `origin`.
fn reviewed_ref(git: &dyn Fn(&[&str]) -> Option<String>, branch: &str) -> Option<String> {
    [
        format!("refs/heads/{branch}"),
        format!("refs/remotes/origin/{branch}"),
    ]
    .into_iter()
    .find(|r| {
        git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{r}^{{commit}}"),
        ])
        .is_some()
    })
}

pub(crate) fn run(
    app: &App<'_>,
    args: &ReleaseArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let fail = |err: &mut dyn Write, message: &str| app.could_not_run(err, message);
    let Some(env) = app.environment else {
        return fail(
            err,
            "say which environment: `datasurface release MODEL --env NAME`",
        );
    };
    let loaded = match crate::model::load_valid(app, &args.model, "find its release", out, err) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let Some(environment) = loaded.valid.environments.get(env) else {
        return fail(err, &format!("the model declares no environment `{env}`"));
    };
    let dir = crate::sources::model_dir(&args.model);
    let git = |a: &[&str]| crate::gitops::git_plumbing(&dir, a, None);
    // An environment runs only reviewed history: commits the model's
    // reviewed branch holds. A tag anyone can push, or a branch nobody
    // reviews, is not a release.
    let reviewed = loaded.valid.owning_repository.branch.to_string();
    // Outside a repository there is no history to release from at all:
    // say so, not that a branch is missing.
    if git(&["rev-parse", "--git-dir"]).is_none() {
        return fail(
            err,
            &format!(
                "{} is not in a git repository, so it has no reviewed history to release from\n  help: run `release` in a clone of the model's repository (its `owningRepository`), or `git init` and commit the model to try it",
                dir.display()
            ),
        );
    }
    let Some(reviewed_at) = reviewed_ref(&git, &reviewed) else {
        return fail(
            err,
            &format!(
                "{} has no branch `{reviewed}` (nor `origin/{reviewed}`), where the model's reviewed changes merge (its `owningRepository`): fetch it first",
                dir.display()
            ),
        );
    };
    let (selector, name, commit) = match revision(
        app,
        &git,
        env,
        &environment.release,
        (&reviewed, &reviewed_at),
        &dir,
        err,
    ) {
        Ok(found) => found,
        Err(problem) => return fail(err, &problem.to_string()),
    };
    let _ = match args.format {
        ReleaseFormat::Human => writeln!(
            out,
            "environment `{env}` runs {selector} `{name}`, commit {commit}"
        ),
        ReleaseFormat::Commit => writeln!(out, "{commit}"),
        ReleaseFormat::Json => writeln!(
            out,
            "{}",
            serde_json::json!({"environment": env, selector: name, "commit": commit})
        ),
    };
    Outcome::Success
}

/// The revision an environment's release selector picks, among the
/// commits the reviewed branch (`reviewed`, at `reviewed_at`) holds: its
/// kind (`branch` or `tag`), its name and its commit; or why there is none.
/// Each newer tag passed over is a warning on `err`.
fn revision(
    app: &App<'_>,
    git: &dyn Fn(&[&str]) -> Option<String>,
    env: &str,
    release: &ReleaseSelector,
    (reviewed, reviewed_at): (&str, &str),
    dir: &std::path::Path,
    err: &mut dyn Write,
) -> Result<(&'static str, String, String), Problem> {
    let commit_of = |reference: &str| {
        git(&[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{reference}^{{commit}}"),
        ])
        .filter(|c| !c.is_empty())
    };
    let is_reviewed =
        |commit: &str| git(&["merge-base", "--is-ancestor", commit, reviewed_at]).is_some();
    match release {
        ReleaseSelector::Branch(branch) => {
            let Some(commit) = commit_of(&format!("refs/heads/{branch}")) else {
                return Err(Problem::new(format!(
                    "environment `{env}` follows branch `{branch}`, which {} does not have",
                    dir.display()
                )));
            };
            if !is_reviewed(&commit) {
                return Err(Problem::new(format!(
                    "environment `{env}` follows branch `{branch}`, whose head {commit} is not on the reviewed branch `{reviewed}`: an environment runs only what was reviewed and merged there"
                )));
            }
            Ok(("branch", branch.to_string(), commit))
        }
        ReleaseSelector::TagPattern(pattern) => {
            let Some(listed) = git(&["tag", "--list"]) else {
                return Err(Problem::new(format!(
                    "{} is not in a git repository with tags",
                    dir.display()
                )));
            };
            let candidates = match matching_newest_first(listed.lines(), pattern) {
                Ok(candidates) => candidates,
                Err(e) => {
                    return Err(Problem::new(format!(
                        "environment `{env}`'s tag pattern `{pattern}` is not a glob: {e}"
                    )));
                }
            };
            if candidates.is_empty() {
                return Err(Problem::new(format!(
                    "no tag matches `{pattern}`, the release selector of environment `{env}`: tag a release first"
                )));
            }
            let mut chosen = None;
            for tag in candidates {
                let Some(commit) = commit_of(&format!("refs/tags/{tag}")) else {
                    continue;
                };
                if is_reviewed(&commit) {
                    chosen = Some((tag, commit));
                    break;
                }
                let _ = writeln!(
                    err,
                    "{}: tag `{tag}` is passed over: its commit {commit} is not on the reviewed branch `{reviewed}`, so nobody reviewed what it holds",
                    app.paint(crate::app::Paint::Warning, "warning")
                );
            }
            let Some((tag, commit)) = chosen else {
                return Err(Problem::new(format!(
                    "no tag that matches `{pattern}` is on the reviewed branch `{reviewed}`: tag a commit that merged there"
                )));
            };
            Ok(("tag", tag.to_owned(), commit))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::newest_tag;

    #[test]
    fn the_newest_matching_tag_is_chosen_by_version_then_by_name() {
        let tags = ["v1.2.0", "v1.10.0", "v1.9.3", "nightly", "v2.0.0-rc.1"];
        assert_eq!(newest_tag(tags, "v1.*").unwrap(), Some("v1.10.0"));
        assert_eq!(newest_tag(tags, "v*").unwrap(), Some("v2.0.0-rc.1"));
        assert_eq!(
            newest_tag(["r-2026.01", "r-2026.11"], "r-*").unwrap(),
            Some("r-2026.11")
        );
        assert_eq!(newest_tag(tags, "release-*").unwrap(), None);
        assert!(newest_tag(tags, "v[").is_err());
    }
}
