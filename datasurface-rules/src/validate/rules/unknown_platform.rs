//! Diagnostic: unknown-platform
//!
//! Assignments, primary ingestion platforms, dataset group requirements and
//! platform policies name platforms; each must be declared in the ecosystem's
//! `platforms`.

use super::prelude::*;
use datasurface_core::names::PlatformName;
use datasurface_stdx::suggest::suggest;

pub(crate) static RULE: Rule = Rule {
    info: CodeInfo::new(
        "unknown-platform",
        Severity::Error,
        "A reference names a data platform that the ecosystem does not declare.",
        "Data platforms are declared under `platforms` in the Ecosystem document. Fix the name, \
                  or ask the ecosystem's owners to declare the platform.",
    )
    .with_example(
        &[("  Orders: [Batch]", "  Orders: [Batchh]")],
        "model.yaml:114:12: error[unknown-platform]: unknown platform `Batchh`
  at: /primaryIngestionPlatforms/Orders/0
  help: did you mean `Batch`? (in github:acme/ecosystem@main)",
    ),
    check,
};

fn check(cx: &Context<'_>, out: &mut Findings) {
    let eco = cx.eco;
    let declared: Vec<&str> = eco.platforms.keys().map(PlatformName::as_str).collect();
    let mut check_one = |path: &dyn Fn() -> ModelPath, name: &PlatformName| {
        if !eco.platforms.contains_key(name) {
            out.report(
                path(),
                format!("unknown platform `{name}`"),
                suggest(name, &declared, "declared platforms"),
            );
        }
    };
    for (i, assignment) in eco.assignments.iter().enumerate() {
        for (j, platform) in assignment.platforms.iter().enumerate() {
            check_one(
                &|| {
                    ModelPath::root()
                        .key("assignments")
                        .index(i)
                        .key("platforms")
                        .index(j)
                        .key("platform")
                },
                &platform.platform,
            );
        }
    }
    for (store, platforms) in &eco.primary_ingestion_platforms {
        for (i, platform) in platforms.iter().enumerate() {
            check_one(
                &|| {
                    ModelPath::root()
                        .keys(["primaryIngestionPlatforms", store.as_str()])
                        .index(i)
                },
                platform,
            );
        }
    }
    for (zone, z) in &eco.zones {
        for (policy, p) in &z.platform_policies {
            let base = ModelPath::zone(zone).keys(["platformPolicies", policy.as_str()]);
            for (list, values) in [("allowed", &p.allowed), ("denied", &p.denied)] {
                for (i, platform) in values.iter().enumerate() {
                    check_one(&|| base.key(list).index(i), platform);
                }
            }
        }
    }
    for placed in cx.index.workspaces.values().flatten() {
        for (group, g) in &placed.item.dataset_groups {
            if let Some(platform) = g.requirements.as_ref().and_then(|r| r.platform.as_ref()) {
                check_one(
                    &|| {
                        placed.path("workspaces").keys([
                            "datasetGroups",
                            group.as_str(),
                            "requirements",
                            "platform",
                        ])
                    },
                    platform,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_name_near_none_lists_the_declared_platforms() {
        insta::assert_snapshot!(super::super::testing::case(&super::RULE, &[("  Orders: [Batch]", "  Orders: [Streaming]")]), @r"
        model.yaml:114:12: error[unknown-platform]: unknown platform `Streaming`
          at: /primaryIngestionPlatforms/Orders/0
          help: declared platforms: `Batch` (in github:acme/ecosystem@main)
        ");
    }
}
