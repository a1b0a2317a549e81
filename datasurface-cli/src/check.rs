//! `datasurface check`: load a model and report every problem.

use std::io::Write;
use std::path::Path;

use datasurface_model::Ecosystem;
use datasurface_model::files::{self, LoadError, LoadErrorKind};
use serde_json::json;

use crate::sources::read_model;
use crate::{Outcome, OutputFormat};

pub(crate) fn run(
    model: &Path,
    format: OutputFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let loaded = read_model(model).and_then(|sources| files::load(&sources).map_err(|e| e.0));
    let failed = |errors: &[LoadError]| {
        if errors.iter().all(|e| e.kind == LoadErrorKind::Model) {
            Outcome::ModelErrors
        } else {
            Outcome::CouldNotRun
        }
    };
    let (outcome, written) = match (loaded, format) {
        (Ok(model), OutputFormat::Text) => (
            Outcome::Success,
            writeln!(out, "{}", summary(&model.ecosystem, model.documents.len())),
        ),
        (Ok(model), OutputFormat::Json) => {
            let mut value = counts_json(&model.ecosystem);
            value["ok"] = json!(true);
            value["documents"] = json!(model.documents.len());
            value["errors"] = json!([]);
            (Outcome::Success, writeln!(out, "{value:#}"))
        }
        (Err(errors), OutputFormat::Text) => {
            let mut result = Ok(());
            for e in &errors {
                result = result.and(writeln!(err, "{e}"));
            }
            let n = errors.len();
            result = result.and(writeln!(
                err,
                "{} could not be loaded: {n} error{}",
                model.display(),
                plural(n)
            ));
            (failed(&errors), result)
        }
        (Err(errors), OutputFormat::Json) => {
            let value =
                json!({ "ok": false, "errors": errors.iter().map(error_json).collect::<Vec<_>>() });
            (failed(&errors), writeln!(out, "{value:#}"))
        }
    };
    if written.is_err() {
        Outcome::CouldNotRun
    } else {
        outcome
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn error_json(e: &LoadError) -> serde_json::Value {
    json!({
        "severity": "error",
        "file": e.file,
        "line": e.line,
        "column": e.column,
        "message": e.message,
        "help": e.help,
    })
}

fn counts_json(eco: &Ecosystem) -> serde_json::Value {
    json!({
        "ecosystem": eco.name.as_str(),
        "zones": eco.zones.len(),
        "teams": eco.teams().count(),
        "datastores": eco.datastores().count(),
        "datasets": eco.datastores().map(|(_, _, s)| s.datasets.len()).sum::<usize>(),
        "workspaces": eco.workspaces().count(),
        "platforms": eco.platforms.len(),
    })
}

fn summary(eco: &Ecosystem, documents: usize) -> String {
    let counted = |n: usize, noun: &str| format!("{n} {noun}{}", plural(n));
    let c = counts_json(eco);
    let n = |key: &str| usize::try_from(c[key].as_u64().unwrap_or(0)).unwrap_or(usize::MAX);
    format!(
        "loaded ecosystem `{}` from {}: {}, {}, {} ({}), {}, {}",
        eco.name,
        counted(documents, "document"),
        counted(n("zones"), "zone"),
        counted(n("teams"), "team"),
        counted(n("datastores"), "datastore"),
        counted(n("datasets"), "dataset"),
        counted(n("workspaces"), "workspace"),
        counted(n("platforms"), "platform"),
    )
}
