//! The files a model names (source files, hook modules, the files and
//! folders platforms map), compared between the base and the proposed model
//! to see which a change touches: the gate authorizes each changed one like
//! the element that names it (`datasurface_rules::verify::authorize_files`).
//!
//! Each source reads a named path only inside the model, as it reads
//! documents: a link out of the model, a FIFO, a socket or a device is
//! never read, only noted ([`NamedContent::Refused`]).

use std::collections::BTreeSet;

use datasurface_core::inventory::ResourceRef;
use datasurface_core::names::PlatformName;
use datasurface_core::regions::ChangeKind;
use datasurface_core::{Ecosystem, Repository};
use datasurface_platform::{PlatformRegistry, PlatformResources, file_claims_with};
use datasurface_rules::validate::Diagnostic;
use datasurface_rules::verify::{FileChange, authorize_files};

use crate::source::{ModelSource, NamedContent};

/// Each declared platform's own resources, for the kinds the registry has,
/// in every environment's view.
pub(crate) fn resources<'e>(
    registry: &PlatformRegistry,
    eco: &'e Ecosystem,
) -> Vec<(&'e PlatformName, PlatformResources)> {
    datasurface_platform::platform_resources(eco, |_, declaration| {
        registry.get(declaration.kind.as_str()).cloned()
    })
}

/// The named files whose contents differ between the base (if any) and the
/// proposed model, each authorized for `source`.
pub(crate) fn authorize(
    registry: &PlatformRegistry,
    base: Option<(&Ecosystem, &[ResourceRef], &dyn ModelSource)>,
    proposed: (&Ecosystem, &[ResourceRef], &dyn ModelSource),
    source: &Repository,
) -> (Vec<FileChange>, Vec<Diagnostic>) {
    let base_resources = base.map(|(eco, ..)| resources(registry, eco));
    let proposed_resources = resources(registry, proposed.0);
    let base_claims = base
        .zip(base_resources.as_ref())
        .map(|((eco, found, _), r)| file_claims_with(eco, found, r).0);
    let proposed_claims = file_claims_with(proposed.0, proposed.1, &proposed_resources).0;
    let paths: BTreeSet<&str> = base_claims
        .iter()
        .flatten()
        .chain(&proposed_claims)
        .map(|c| c.path.as_ref())
        .collect();
    let mut changed = Vec::new();
    for path in paths {
        let before = base.map_or(NamedContent::Missing, |(_, _, files)| {
            files.named_content(path)
        });
        let after = proposed.2.named_content(path);
        let kind = match (&before, &after) {
            (a, b) if a == b => continue,
            (NamedContent::Missing, _) => ChangeKind::Added,
            (_, NamedContent::Missing) => ChangeKind::Removed,
            _ => ChangeKind::Changed,
        };
        changed.push((path.to_owned(), kind));
    }
    authorize_files(
        base.zip(base_claims.as_deref())
            .map(|((eco, ..), c)| (eco, c)),
        (proposed.0, &proposed_claims),
        &changed,
        source,
    )
}
