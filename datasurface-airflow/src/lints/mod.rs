//! The platform's own diagnostic codes, one per file. Each file declares its
//! code (severity, summary, explanation, and an example: an edit of the
//! example base model and the report it gives, which a test runs) and the
//! check that reports it.

mod missing_credential;
mod unreadable_source;
mod views_in_merge_database;

use datasurface_platform::RenderContext;
use datasurface_platform::graph::PlatformGraph;
use datasurface_rules::validate::{CodeInfo, Diagnostic};

use crate::config::AirflowConfig;
use crate::render::Lookup;

/// The platform's own diagnostic codes.
pub const LINT_CODES: &[CodeInfo] = &[
    missing_credential::CODE,
    unreadable_source::CODE,
    views_in_merge_database::CODE,
];

/// What every check reads: the platform's name, its configuration and the model.
pub(crate) struct Lint<'a> {
    pub(crate) platform: &'a str,
    pub(crate) config: &'a AirflowConfig,
    pub(crate) lookup: &'a Lookup<'a>,
}

/// Every check's findings on a graph, in the graph's order, check by check.
pub(crate) fn check(
    graph: &PlatformGraph,
    context: &RenderContext<'_>,
    config: &AirflowConfig,
    lookup: &Lookup<'_>,
) -> Vec<Diagnostic> {
    let cx = Lint {
        platform: context.platform.as_str(),
        config,
        lookup,
    };
    let mut found = Vec::new();
    for node in graph.nodes() {
        unreadable_source::check(&cx, &node.kind, &mut found);
        missing_credential::check(&cx, &node.kind, &mut found);
        views_in_merge_database::check(&cx, &node.kind, &mut found);
    }
    found
}
