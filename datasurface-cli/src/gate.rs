//! The library gate (`datasurface-gate`) as `check`, `verify` and `serve`
//! run it: this command line's platforms and the WebAssembly hook runner.

use std::io::Write;
use std::sync::Arc;

use datasurface_gate::{Gate, PlatformChecked, PlatformHandling};

use crate::app::App;

/// The gate with this command line's platforms, leaving `external` kinds
/// to other programs.
pub(crate) fn gate(app: &App<'_>, external: &[&str]) -> Gate {
    Gate::new(app.registry.clone())
        .with_hooks(Arc::new(datasurface_hooks::WasmLoader))
        .with_external_kinds(external.iter().copied())
}

/// With `--verbose`, which platforms were checked.
pub(crate) fn print_platforms(app: &App<'_>, platforms: &[PlatformChecked], err: &mut dyn Write) {
    if !app.verbose() {
        return;
    }
    for p in platforms {
        let how = match p.handling {
            PlatformHandling::External => "left to another program (--platform-kinds-external)",
            PlatformHandling::Checked => "checked",
            _ => "no implementation here",
        };
        let _ = writeln!(
            err,
            "platform `{}` (kind `{}`, {} graph nodes): {how}",
            p.name, p.kind, p.nodes
        );
    }
}

/// Says which documents changed while they were checked.
pub(crate) fn print_changed(app: &App<'_>, changed: &[String], err: &mut dyn Write) {
    for path in changed {
        let _ = writeln!(
            err,
            "{}: `{path}` changed while it was checked; its findings are shown without their lines",
            app.paint(crate::app::Paint::Warning, "warning")
        );
    }
}
