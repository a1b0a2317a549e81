//! Git repositories: who owns which region of the model.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::{BranchName, CredentialName, RepositoryName};

/// Where a repository is hosted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RepositoryHost {
    /// github.com or GitHub Enterprise (`url` names an Enterprise server).
    #[default]
    Github,
    /// gitlab.com or a self-hosted GitLab (`url` names the server).
    Gitlab,
}

/// A branch of a git repository. A region of the model is owned by exactly one.
///
/// Identity for authorization is host, path and branch; the credential and the
/// server URL's spelling do not count (see [`Repository::same_branch_as`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Repository {
    /// The hosting service. Defaults to GitHub.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub host: RepositoryHost,
    /// The server's base URL, for GitHub Enterprise or a self-hosted GitLab.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The repository's path, such as `acme/ecosystem`.
    pub name: RepositoryName,
    /// The branch that holds the model.
    pub branch: BranchName,
    /// The name of an API-token credential used to reach it; never the token itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialName>,
}

impl Repository {
    /// A GitHub repository branch, such as `Repository::github("acme/eco", "main")`.
    pub fn github(name: RepositoryName, branch: BranchName) -> Self {
        Repository {
            host: RepositoryHost::Github,
            url: None,
            name,
            branch,
            credential: None,
        }
    }

    /// Whether two repositories are the same branch of the same repository, as
    /// the host sees it: repository paths compare without regard to case on
    /// GitHub and GitLab, branch names exactly; credentials are ignored.
    pub fn same_branch_as(&self, other: &Repository) -> bool {
        let urls_match = match (&self.url, &other.url) {
            (None, None) => true,
            (Some(a), Some(b)) => a
                .trim_end_matches('/')
                .eq_ignore_ascii_case(b.trim_end_matches('/')),
            _ => false,
        };
        self.host == other.host
            && urls_match
            && self.name.as_str().eq_ignore_ascii_case(other.name.as_str())
            && self.branch == other.branch
    }
}

/// Why a repository reference could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid repository `{value}`: {reason}; write `owner/name@branch`, or `gitlab:group/name@branch`"
)]
pub struct RepositoryParseError {
    /// The text given.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::str::FromStr for Repository {
    type Err = RepositoryParseError;

    /// Parses `owner/name@branch`, optionally prefixed with `github:` or `gitlab:`,
    /// as [`Repository`]'s `Display` writes it.
    fn from_str(value: &str) -> Result<Self, RepositoryParseError> {
        let err = |reason: String| RepositoryParseError {
            value: value.to_owned(),
            reason,
        };
        let (host, rest) = match value.split_once(':') {
            Some(("github", rest)) => (RepositoryHost::Github, rest),
            Some(("gitlab", rest)) => (RepositoryHost::Gitlab, rest),
            Some((host, _)) => return Err(err(format!("unknown host `{host}`"))),
            None => (RepositoryHost::Github, value),
        };
        let (name, branch) = rest
            .rsplit_once('@')
            .ok_or_else(|| err("it has no `@branch`".to_owned()))?;
        let name = RepositoryName::new(name).map_err(|e| err(e.reason))?;
        let branch = BranchName::new(branch).map_err(|e| err(e.reason))?;
        Ok(Repository {
            host,
            url: None,
            name,
            branch,
            credential: None,
        })
    }
}

impl std::fmt::Display for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = match self.host {
            RepositoryHost::Github => "github",
            RepositoryHost::Gitlab => "gitlab",
        };
        write!(f, "{host}:{}@{}", self.name, self.branch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(name: &str, branch: &str) -> Repository {
        Repository::github(
            RepositoryName::new(name).unwrap(),
            BranchName::new(branch).unwrap(),
        )
    }

    #[test]
    fn identity_ignores_case_of_path_and_credential() {
        let mut a = repo("Acme/Eco", "main");
        let b = repo("acme/eco", "main");
        a.credential = Some(CredentialName::new("token").unwrap());
        assert!(a.same_branch_as(&b));
        assert!(!a.same_branch_as(&repo("acme/eco", "Main")));
        assert!(!a.same_branch_as(&repo("acme/eco2", "main")));
        assert_eq!(a.to_string(), "github:Acme/Eco@main");
    }

    #[test]
    fn parses_what_it_prints() {
        let r: Repository = "acme/eco@main".parse().unwrap();
        assert!(r.same_branch_as(&repo("acme/eco", "main")));
        let r: Repository = "gitlab:group/sub/project@release/1".parse().unwrap();
        assert_eq!(r.host, RepositoryHost::Gitlab);
        assert_eq!(r.to_string().parse::<Repository>().unwrap(), r);
        for bad in ["acme/eco", "bitbucket:a/b@c", "noslash@main", "a/b@"] {
            assert!(bad.parse::<Repository>().is_err(), "{bad}");
        }
    }

    #[test]
    fn branch_and_path_rules() {
        assert!(BranchName::new("release/2026-11").is_ok());
        assert!(BranchName::new("a..b").is_err());
        assert!(BranchName::new("-x").is_err());
        assert!(BranchName::new("x.lock").is_err());
        assert!(BranchName::new("has space").is_err());
        assert!(RepositoryName::new("group/sub/project").is_ok());
        assert!(RepositoryName::new("noslash").is_err());
        assert!(RepositoryName::new("a//b").is_err());
        assert!(RepositoryName::new("-a/b").is_err());
    }
}
