//! The platform's own diagnostic codes, one per file. Each file declares its
//! code (severity, summary, explanation, and an example: an edit of the
//! example base model and the report it gives, which a test runs) and the
//! check that reports it.

mod cdc_source;
mod inexact_type;
mod path_outside_model;
mod primary_unreadable;
mod source_not_local;

use datasurface_core::names::DatastoreName;
use datasurface_core::{Datastore, Ecosystem};
use datasurface_platform::RenderContext;
use datasurface_platform::graph::{NodeKind, PlatformGraph};
use datasurface_rules::validate::{CodeInfo, Diagnostic, ModelIndex, Placed};

/// The platform's own diagnostic codes.
pub const LINT_CODES: &[CodeInfo] = &[
    source_not_local::CODE,
    path_outside_model::CODE,
    inexact_type::CODE,
    primary_unreadable::UNREADABLE,
    primary_unreadable::NOT_MAPPED,
    cdc_source::CODE,
];

/// What every check reads.
pub(crate) struct Lint<'a, 'm> {
    pub(crate) platform: &'a str,
    pub(crate) context: &'a RenderContext<'a>,
    pub(crate) eco: &'m Ecosystem,
    pub(crate) graph: &'a PlatformGraph,
    pub(crate) index: &'a ModelIndex<'m>,
}

impl<'a, 'm> Lint<'a, 'm> {
    /// The datastores the platform ingests from their sources (not those it
    /// mirrors from another platform), with where each is defined.
    pub(crate) fn ingested(
        &self,
    ) -> impl Iterator<Item = (&'a DatastoreName, Placed<'m, DatastoreName, Datastore>)> + use<'a, 'm>
    {
        let index = self.index;
        self.graph
            .nodes()
            .into_iter()
            .filter_map(move |node| match &node.kind {
                NodeKind::Ingest {
                    datastore,
                    from_platform: None,
                    ..
                } => index.datastore(datastore).map(|at| (datastore, at)),
                _ => None,
            })
    }
}

/// Every check's findings, check by check.
pub(crate) fn check(
    graph: &PlatformGraph,
    context: &RenderContext<'_>,
    index: &ModelIndex<'_>,
) -> Vec<Diagnostic> {
    let cx = Lint {
        platform: context.platform.as_str(),
        context,
        eco: context.ecosystem.ecosystem(),
        graph,
        index,
    };
    let mut found = Vec::new();
    path_outside_model::check(&cx, &mut found);
    inexact_type::check(&cx, &mut found);
    source_not_local::check(&cx, &mut found);
    primary_unreadable::check(&cx, &mut found);
    cdc_source::check(&cx, &mut found);
    found
}
