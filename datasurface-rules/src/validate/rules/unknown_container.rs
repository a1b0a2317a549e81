//! Diagnostic: unknown-container
//!
//! Capture metadata names the container it reads from, and a workspace the
//! container it receives data in; each must be a data container of some team.

use super::prelude::*;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-container",
        Severity::Error,
        "A datastore or workspace names a data container that no team defines.",
        "Data containers are defined under a team's `containers`, with names unique across the ecosystem. \
                  Fix the name, or define the container.",
    )
    .with_example(
        &[("container: Sales DB\n", "container: Sales DBX\n")],
        "model.yaml:39:17: error[unknown-container]: unknown data container `Sales DBX`
  at: /zones/USA/teams/Sales/datastores/Orders/capture/ingestion/container
  help: did you mean `Sales DB`? (in github:acme/sales@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let known = cx.container_names();
    for used in cx.container_uses() {
        if !cx.index.containers.contains_key(&used.container) {
            out.report(
                used.path(),
                format!("unknown data container `{}`", used.container),
                suggest(used.container.as_str(), &known, "containers"),
            );
        }
    }
}
