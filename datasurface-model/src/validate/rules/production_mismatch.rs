//! Diagnostic: production-mismatch
//!
//! A production workspace that reads non-production data depends on data
//! nobody supports; a non-production workspace that reads production data is
//! fine but worth knowing about. Both are warnings.

use super::prelude::*;
use crate::ProductionStatus;

pub(crate) static RULE: Rule = Rule {
    code: "production-mismatch",
    severity: Severity::Warning,
    summary: "A dataset group and the datastore it reads differ in production status.",
    explanation: "Make sure a production workspace reads production data; a non-production workspace reading \
                  production data is allowed but reported.",
    example: &[(
        "            container: Warehouse\n            productionStatus: PRODUCTION\n            priority: HIGH\n",
        "            container: Warehouse\n            priority: HIGH\n",
    )],
    check,
};

fn check(cx: &Context<'_>, out: &mut Sink) {
    for at in cx.sinks() {
        let Some(store) = cx.index.datastore(&at.sink.datastore) else {
            continue;
        };
        let (ws, ds) = (
            at.workspace.item.production_status,
            store.item.production_status,
        );
        if ws == ds {
            continue;
        }
        let message = if ws == ProductionStatus::Production {
            format!(
                "production workspace `{}` reads non-production datastore `{}`",
                at.workspace.name, at.sink.datastore
            )
        } else {
            format!(
                "non-production workspace `{}` reads production datastore `{}`",
                at.workspace.name, at.sink.datastore
            )
        };
        out.report(
            at.path(),
            message,
            "align the production status of the workspace and the datastore",
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn example() {
        insta::assert_snapshot!(super::super::testing::example_fires_alone(&super::RULE));
    }
}
