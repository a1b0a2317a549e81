//! `datasurface release`: the revision of the model an environment runs,
//! by its release selector: the head of its branch, or the newest tag
//! matching its pattern.

use std::io::Write;

use datasurface_model::ReleaseSelector;

use crate::Outcome;
use crate::app::App;
use crate::args::{ReleaseArgs, ReleaseFormat};

/// The newest of `tags` that `pattern` (a glob: `*`, `?`, `[…]`) matches:
/// by semantic version (a leading `v` ignored) among those that are one,
/// else by name. `None` when none matches.
///
/// # Errors
///
/// When `pattern` is not a glob.
pub(crate) fn newest_tag<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    pattern: &str,
) -> Result<Option<&'a str>, globset::Error> {
    let matcher = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()?
        .compile_matcher();
    let matching: Vec<&str> = tags.into_iter().filter(|t| matcher.is_match(t)).collect();
    let version = |t: &str| semver::Version::parse(t.strip_prefix('v').unwrap_or(t)).ok();
    let newest_version = matching
        .iter()
        .filter_map(|t| version(t).map(|v| (v, *t)))
        .max()
        .map(|(_, t)| t);
    Ok(newest_version.or_else(|| matching.iter().max().copied()))
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
    let (selector, name) = match &environment.release {
        ReleaseSelector::Branch(branch) => ("branch", branch.to_string()),
        ReleaseSelector::TagPattern(pattern) => {
            let Some(listed) = git(&["tag", "--list"]) else {
                return fail(
                    err,
                    &format!("{} is not in a git repository with tags", dir.display()),
                );
            };
            match newest_tag(listed.lines(), pattern) {
                Ok(Some(tag)) => ("tag", tag.to_owned()),
                Ok(None) => {
                    return fail(
                        err,
                        &format!(
                            "no tag matches `{pattern}`, the release selector of environment `{env}`: tag a release first"
                        ),
                    );
                }
                Err(e) => {
                    return fail(
                        err,
                        &format!(
                            "environment `{env}`'s tag pattern `{pattern}` is not a glob: {e}"
                        ),
                    );
                }
            }
        }
    };
    let reference = if selector == "branch" {
        format!("refs/heads/{name}")
    } else {
        format!("refs/tags/{name}")
    };
    let Some(commit) = git(&["rev-parse", "--verify", &format!("{reference}^{{commit}}")])
        .filter(|c| !c.is_empty())
    else {
        return fail(
            err,
            &format!(
                "environment `{env}` follows {selector} `{name}`, which {} does not have",
                dir.display()
            ),
        );
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
