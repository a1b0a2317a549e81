//! `datasurface init [DIR]`: a small valid model to start from.

use std::io::Write;
use std::path::Path;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::InitArgs;

/// The files `init` writes, by path under the model directory: the model of
/// docs/sqlite.md, which a test keeps equal to these.
pub(crate) const FILES: [(&str, &str); 4] = [
    (
        "ecosystem.yaml",
        include_str!("../templates/init/ecosystem.yaml"),
    ),
    (
        "zones/main/zone.yaml",
        include_str!("../templates/init/zones/main/zone.yaml"),
    ),
    (
        "zones/main/teams/shop.yaml",
        include_str!("../templates/init/zones/main/teams/shop.yaml"),
    ),
    (
        "data/orders.csv",
        include_str!("../templates/init/data/orders.csv"),
    ),
];

pub(crate) fn run(
    app: &App<'_>,
    args: &InitArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let dir = &args.dir;
    let error = app.paint(Paint::Error, "error");
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                let _ = writeln!(
                    err,
                    "{error}: {} is not empty; nothing was written\n  help: name a new or empty directory: `datasurface init my-model`",
                    dir.display()
                );
                return Outcome::CouldNotRun;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            let _ = writeln!(err, "{error}: cannot use {}: {e}", dir.display());
            return Outcome::CouldNotRun;
        }
    }
    for (path, text) in FILES {
        if let Err(e) = write(&dir.join(path), text) {
            let _ = writeln!(
                err,
                "{error}: cannot write {}: {e}",
                dir.join(path).display()
            );
            return Outcome::CouldNotRun;
        }
    }
    let shown = dir.display();
    let _ = writeln!(out, "wrote a small model to {shown}:");
    for (path, _) in FILES {
        let _ = writeln!(out, "  {}", dir.join(path).display());
    }
    if app.chatty() {
        let _ = writeln!(
            out,
            "\nNext:\n  datasurface check {shown}\n  datasurface up {shown}\n\ndocs/sqlite.md explains every line of it."
        );
    }
    Outcome::Success
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // A file that appeared meanwhile is not overwritten.
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(text.as_bytes())
}
