//! Diagnostic: invalid-github-repository
//!
//! GitHub names repositories `owner/name`, at most 100 characters.

use super::prelude::*;
use datasurface_core::{CodeArtifact, Repository, RepositoryHost};

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "invalid-github-repository",
        Severity::Error,
        "A GitHub repository's name is not `owner/name` of at most 100 characters.",
        "GitHub repositories are `owner/name`: exactly one `/`. Deeper paths are GitLab's; set `host: GITLAB` if that is what it is.",
    )
    .with_example(
        &[(
        "owningRepository: {name: acme/ecosystem, branch: main}",
        "owningRepository: {name: acme/eco/system, branch: main}",
    )],
        "model.yaml:4:20: error[invalid-github-repository]: `acme/eco/system` is not a GitHub repository name
  at: /owningRepository/name
  help: GitHub repositories are `owner/name`: exactly one `/`. Deeper paths are GitLab's; set `host: GITLAB` if that is what it is. (in github:acme/eco/system@main)",
    ),
    check,
};

fn repositories<'a>(cx: &Context<'a>) -> Vec<(ModelPath, &'a Repository)> {
    let eco = cx.eco;
    let root = ModelPath::root();
    let mut out = vec![
        (root.key("owningRepository"), &eco.owning_repository),
        (root.key("liveRepository"), &eco.live_repository),
    ];
    for (zone, d) in &eco.zone_declarations {
        out.push((
            root.keys(["zoneDeclarations", zone.as_str(), "repository"]),
            &d.repository,
        ));
    }
    for (zone, z) in &eco.zones {
        for (team, d) in &z.team_declarations {
            out.push((
                ModelPath::zone(zone).keys(["teamDeclarations", team.as_str(), "repository"]),
                &d.repository,
            ));
        }
    }
    for ws in cx.index.workspaces.values().flatten() {
        if let Some(CodeArtifact::PythonRepo(code)) = ws.item.transformer.as_ref().map(|t| &t.code)
        {
            out.push((
                ws.path("workspaces")
                    .keys(["transformer", "code", "pythonRepo", "repository"]),
                &code.repository,
            ));
        }
    }
    out
}

fn check(cx: &Context<'_>, out: &mut Findings) {
    for (path, repo) in repositories(cx) {
        if repo.host == RepositoryHost::Github
            && (repo.name.matches('/').count() != 1 || repo.name.len() > 100)
        {
            out.report(
                path.key("name"),
                format!("`{}` is not a GitHub repository name", repo.name),
                RULE.info.explanation,
            );
        }
    }
}
