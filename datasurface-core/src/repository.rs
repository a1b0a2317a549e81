//! Git repositories: who owns which region of the model.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::names::{BranchName, CredentialName, RepositoryName, ServerUrl};

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
/// Identity for authorization is where the repository lives (its server and
/// path, see [`Repository::location`]) and the branch; the credential, the
/// URL's scheme and the case of server and path do not count (see
/// [`Repository::same_branch_as`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Repository {
    /// The hosting service. Defaults to GitHub.
    #[serde(default, skip_serializing_if = "crate::serde_util::is_default")]
    pub host: RepositoryHost,
    /// The server's base URL, for GitHub Enterprise or a self-hosted GitLab;
    /// github.com or gitlab.com (by `host`) when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<ServerUrl>,
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

    /// Where the repository lives, as one comparable string: the server's
    /// host, port and path, then the repository's path, lower-cased, without
    /// scheme or trailing `/`; `github.com/acme/eco` for
    /// `Repository::github("acme/eco", …)`. The same repository has one
    /// location however its server URL and path are split:
    /// `{url: https://acme.com/gitlab, name: team/eco}` and
    /// `{url: https://acme.com, name: gitlab/team/eco}` are one repository.
    pub fn location(&self) -> String {
        let server = match &self.url {
            Some(url) => {
                let url = url.as_str();
                let rest = url
                    .strip_prefix("https://")
                    .or_else(|| url.strip_prefix("http://"))
                    .unwrap_or(url);
                rest.trim_end_matches('/')
            }
            None => match self.host {
                RepositoryHost::Github => "github.com",
                RepositoryHost::Gitlab => "gitlab.com",
            },
        };
        format!("{server}/{}", self.name).to_ascii_lowercase()
    }

    /// Whether two repositories are the same branch of the same repository, as
    /// the host sees it: the same [`location`](Self::location) (server and
    /// path, without regard to case) and the same branch name, exactly;
    /// credentials are ignored.
    pub fn same_branch_as(&self, other: &Repository) -> bool {
        self.branch == other.branch && self.location() == other.location()
    }
}

/// Why a repository reference could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid repository `{value}`: {reason}; write `owner/name@branch`, `gitlab:group/name@branch`, or with the server's URL, `https://git.example.com/owner/name@branch` (`gitlab:https://…` for a self-hosted GitLab)"
)]
pub struct RepositoryParseError {
    /// The text given.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::str::FromStr for Repository {
    type Err = RepositoryParseError;

    /// Parses `owner/name@branch`, optionally prefixed with `github:` or
    /// `gitlab:`, as [`Repository`]'s `Display` writes it. In place of
    /// `owner/name` it takes the repository's web address on its server,
    /// `https://git.acme.com/group/name` (a trailing `.git` is dropped), for
    /// GitHub Enterprise and self-hosted GitLab: the server is the scheme,
    /// host and port, the path is the repository's name. A bare address is a
    /// GitLab one when its host is `gitlab.com` or starts with `gitlab.`, a
    /// GitHub one otherwise.
    fn from_str(value: &str) -> Result<Self, RepositoryParseError> {
        let err = |reason: String| RepositoryParseError {
            value: value.to_owned(),
            reason,
        };
        let (host, rest) = if let Some(rest) = value.strip_prefix("github:") {
            (Some(RepositoryHost::Github), rest)
        } else if let Some(rest) = value.strip_prefix("gitlab:") {
            (Some(RepositoryHost::Gitlab), rest)
        } else {
            (None, value)
        };
        let (name, branch) = rest
            .rsplit_once('@')
            .ok_or_else(|| err("it has no `@branch`".to_owned()))?;
        let branch = BranchName::new(branch).map_err(|e| err(e.reason().to_owned()))?;
        let (url, name) = match split_address(name) {
            Some((server, path)) => {
                let url = ServerUrl::new(server).map_err(|e| err(e.reason().to_owned()))?;
                (Some(url), path.strip_suffix(".git").unwrap_or(path))
            }
            None if name.contains(':') => {
                let prefix = name.split(':').next().unwrap_or_default();
                return Err(err(format!("unknown host `{prefix}`")));
            }
            None => (None, name),
        };
        let name = RepositoryName::new(name).map_err(|e| err(e.reason().to_owned()))?;
        let host = host.unwrap_or_else(|| match &url {
            Some(url) if is_gitlab_server(url.as_str()) => RepositoryHost::Gitlab,
            _ => RepositoryHost::Github,
        });
        Ok(Repository {
            host,
            url,
            name,
            branch,
            credential: None,
        })
    }
}

/// A web address split into its server (`https://host[:port]`) and the path
/// after it; `None` when `text` is not an `http(s)://` address.
fn split_address(text: &str) -> Option<(&str, &str)> {
    let scheme = ["https://", "http://"]
        .into_iter()
        .find(|scheme| text.starts_with(scheme))?;
    let slash = text[scheme.len()..]
        .find('/')
        .map_or(text.len(), |at| at + scheme.len());
    Some((
        &text[..slash],
        text[slash..].trim_start_matches('/').trim_end_matches('/'),
    ))
}

/// Whether a server URL names GitLab by its host.
fn is_gitlab_server(url: &str) -> bool {
    let host = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host = host
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    host == "gitlab.com" || host.starts_with("gitlab.")
}

impl std::fmt::Display for Repository {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = match self.host {
            RepositoryHost::Github => "github",
            RepositoryHost::Gitlab => "gitlab",
        };
        match &self.url {
            Some(url) => write!(
                f,
                "{host}:{}/{}@{}",
                url.as_str().trim_end_matches('/'),
                self.name,
                self.branch
            ),
            None => write!(f, "{host}:{}@{}", self.name, self.branch),
        }
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
    fn repositories_on_other_servers() {
        let r: Repository = "https://ghe.acme.com/acme/eco@main".parse().unwrap();
        assert_eq!(r.host, RepositoryHost::Github);
        assert_eq!(
            r.url.as_ref().map(ServerUrl::as_str),
            Some("https://ghe.acme.com")
        );
        assert_eq!(r.location(), "ghe.acme.com/acme/eco");
        assert_eq!(r.to_string(), "github:https://ghe.acme.com/acme/eco@main");
        assert!(
            r.to_string()
                .parse::<Repository>()
                .unwrap()
                .same_branch_as(&r)
        );

        let r: Repository = "gitlab:https://git.acme.com:8443/group/sub/eco.git@release/1"
            .parse()
            .unwrap();
        assert_eq!(r.host, RepositoryHost::Gitlab);
        assert_eq!(r.name.as_str(), "group/sub/eco");
        assert_eq!(r.location(), "git.acme.com:8443/group/sub/eco");

        let bare: Repository = "https://gitlab.acme.com/group/eco@main".parse().unwrap();
        assert_eq!(bare.host, RepositoryHost::Gitlab);

        // One repository however the server URL and its path are split, and
        // whatever the scheme or case.
        let declared = Repository {
            url: Some(ServerUrl::new("https://acme.com/gitlab/").unwrap()),
            ..repo("team/eco", "main")
        };
        let source: Repository = "http://ACME.com/gitlab/Team/eco@main".parse().unwrap();
        assert!(declared.same_branch_as(&source));
        // Another server, or github.com, is another repository.
        assert!(!declared.same_branch_as(&repo("team/eco", "main")));
        let other: Repository = "https://acme.org/gitlab/team/eco@main".parse().unwrap();
        assert!(!declared.same_branch_as(&other));
        // github.com spelled out is github.com.
        let spelled: Repository = "https://github.com/acme/eco@main".parse().unwrap();
        assert!(spelled.same_branch_as(&repo("acme/eco", "main")));

        for bad in [
            "https://user:token@ghe.acme.com/acme/eco@main",
            "https://ghe.acme.com/eco@main",
            "https://ghe.acme.com@main",
            "https://ghe acme.com/a/b@main",
            "https://ghe.acme.com/a/b?x=1@main",
            "ftp://ghe.acme.com/a/b@main",
            "https://ghe.acme.com:port/a/b@main",
        ] {
            assert!(bad.parse::<Repository>().is_err(), "{bad}");
        }
    }

    #[test]
    fn server_urls() {
        for good in [
            "https://git.acme.com",
            "http://10.0.0.7:8080",
            "https://acme.com/tools/gitlab/",
        ] {
            assert!(ServerUrl::new(good).is_ok(), "{good}");
        }
        for bad in [
            "git.acme.com",
            "https://",
            "https://user@git.acme.com",
            "https://git.acme.com/../x",
            "https://git.acme.com/a b",
            "https://-git.acme.com",
            "https://git.acme.com:123456",
            "https://git.acme.com#x",
        ] {
            assert!(ServerUrl::new(bad).is_err(), "{bad}");
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
