//! Diagnostic: unknown-assignment-target
//!
//! Assignments give dataset groups to platforms; the group must exist.

use super::prelude::*;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-assignment-target",
        Severity::Error,
        "A platform assignment names a workspace or dataset group that does not exist.",
        "Fix the workspace or dataset group name of the assignment, or remove it.",
    )
    .with_example(
        &[("    datasetGroup: Live\n", "    datasetGroup: Lives\n")],
        "model.yaml:110:5: error[unknown-assignment-target]: workspace `Dashboard` has no dataset group `Lives`
  at: /assignments/0/datasetGroup
  help: did you mean `Live`? (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let workspaces = cx.workspace_names();
    for (i, assignment) in cx.eco.assignments.iter().enumerate() {
        let path = ModelPath::root().key("assignments").index(i);
        match cx.index.workspace(&assignment.workspace) {
            None if cx.index.workspaces.contains_key(&assignment.workspace) => {}
            None => out.report(
                path.key("workspace"),
                format!("unknown workspace `{}`", assignment.workspace),
                suggest(&assignment.workspace, &workspaces, "workspaces"),
            ),
            Some(ws)
                if !ws
                    .item
                    .dataset_groups
                    .contains_key(&assignment.dataset_group) =>
            {
                let groups: Vec<&str> = ws
                    .item
                    .dataset_groups
                    .keys()
                    .map(datasurface_core::names::DatasetGroupName::as_str)
                    .collect();
                out.report(
                    path.key("datasetGroup"),
                    format!(
                        "workspace `{}` has no dataset group `{}`",
                        assignment.workspace, assignment.dataset_group
                    ),
                    suggest(&assignment.dataset_group, &groups, "its dataset groups"),
                );
            }
            Some(_) => {}
        }
    }
}
