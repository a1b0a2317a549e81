//! The gate's checks beyond validation, shared by `check` and `verify`: what
//! `render` would find, found before anything is rendered.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use datasurface_model::validate::{Report, ValidEcosystem};
use datasurface_model::verify::owner_of;
use datasurface_platform::check_platforms;

use crate::app::App;

/// What building the intention graphs, linting every declared platform and
/// checking every hook module finds in a valid model (read from `model`);
/// with `--verbose`, which platforms were checked. Hook modules in
/// `hooks_checked_before` (the base model's, for `verify`) are not asked again.
pub(crate) fn platform_findings(
    app: &App<'_>,
    valid: &ValidEcosystem,
    model: &Path,
    external: &[&str],
    hooks_checked_before: &BTreeSet<crate::hook::ModuleKey>,
    err: &mut dyn Write,
) -> Report {
    let graphs = datasurface_graph::build(valid);
    if app.verbose() {
        for (name, declaration) in &valid.platforms {
            let kind = declaration.kind.as_str();
            let how = if external.contains(&kind) {
                "left to another program (--platform-kinds-external)"
            } else if app.registry.get(kind).is_some() {
                "checked"
            } else {
                "no implementation here"
            };
            let nodes = graphs.graphs.get(name).map_or(0, |g| g.nodes().len());
            let _ = writeln!(
                err,
                "platform `{name}` (kind `{kind}`, {nodes} graph nodes): {how}"
            );
        }
    }
    let report = check_platforms(app.registry, valid, &graphs, external);
    crate::discard::later(graphs);
    let hooks = crate::hook::findings(model, valid, hooks_checked_before);
    if hooks.diagnostics().is_empty() {
        return report;
    }
    let mut found = report.diagnostics().to_vec();
    found.extend(hooks.diagnostics().iter().cloned().map(|mut d| {
        d.owner = Some(owner_of(valid, &d.path).to_string());
        d
    }));
    Report::new(found)
}
