//! The library gate (`datasurface-gate`) as `check`, `verify` and `serve`
//! run it: this command line's platforms and the WebAssembly hook runner.

use std::io::Write;
#[cfg(feature = "hooks")]
use std::sync::Arc;

use datasurface_gate::{Gate, PlatformChecked, PlatformHandling};

use crate::app::App;

/// The gate with this command line's platforms, leaving `external` kinds
/// to other programs.
/// Without the `hooks` feature, the gate has no module runner and says that
/// it did not check hook modules (`hooks-not-checked`).
pub(crate) fn gate(app: &App<'_>, external: &[&str]) -> Gate {
    let gate = Gate::new(app.registry.clone()).with_external_kinds(external.iter().copied());
    #[cfg(feature = "hooks")]
    let gate = gate.with_hooks(Arc::new(datasurface_hooks::WasmLoader));
    gate
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
