//! Diagnostic: owning-is-live-repository
//!
//! The owning repository takes pull requests; the live repository is what
//! platforms render from. They must be different branches, or every merged
//! change would go live without a separate promotion step.

use super::prelude::*;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "owning-is-live-repository",
        Severity::Error,
        "The ecosystem's owning and live repositories are the same branch.",
        "Pull requests merge into the owning repository; platforms render the live one. Keep them apart, \
                  usually as two branches of one repository, so that going live is a step of its own.",
    )
    .with_example(
        &[(
        "liveRepository: {name: acme/ecosystem, branch: live}",
        "liveRepository: {name: acme/ecosystem, branch: main}",
    )],
        "model.yaml:5:1: error[owning-is-live-repository]: the live repository is the owning repository, `github:acme/ecosystem@main`
  at: /liveRepository
  help: name another branch as `liveRepository`, such as `live` (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let eco = cx.eco;
    if eco.owning_repository.same_branch_as(&eco.live_repository) {
        out.report(
            ModelPath::root().key("liveRepository"),
            format!(
                "the live repository is the owning repository, `{}`",
                eco.owning_repository
            ),
            "name another branch as `liveRepository`, such as `live`",
        );
    }
}
