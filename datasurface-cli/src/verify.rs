//! `datasurface verify`: may a proposed model replace the base one?

use std::io::Write;
use std::path::Path;

use datasurface_model::files::{self, LoadedModel, SourceFile};
use datasurface_model::verify::{self, Verification};
use datasurface_model::{Ecosystem, Repository};
use serde_json::json;

use crate::render::{self, Finding};
use crate::sources::read_model;
use crate::{Outcome, OutputFormat};

/// What `verify` compares.
pub(crate) struct VerifyOptions<'a> {
    pub(crate) base: Option<&'a Path>,
    pub(crate) proposed: &'a Path,
    pub(crate) source: &'a str,
    pub(crate) format: OutputFormat,
}

/// A model read and loaded, with its files.
struct Model {
    sources: Vec<SourceFile>,
    loaded: LoadedModel,
}

fn load(path: &Path) -> Result<Model, (Vec<datasurface_model::files::LoadError>, Vec<SourceFile>)> {
    let sources = read_model(path).map_err(|e| (e, Vec::new()))?;
    match files::load(&sources) {
        Ok(loaded) => Ok(Model { sources, loaded }),
        Err(errors) => Err((errors.0, sources)),
    }
}

pub(crate) fn run(
    options: &VerifyOptions<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let source: Repository = match options.source.parse() {
        Ok(source) => source,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let mut load_errors = Vec::new();
    let mut sources = Vec::new();
    let base = match options.base.map(load) {
        None => None,
        Some(Ok(model)) => Some(model),
        Some(Err((errors, files))) => {
            load_errors.extend(errors);
            sources.extend(files);
            None
        }
    };
    let proposed = match load(options.proposed) {
        Ok(model) => Some(model),
        Err((errors, files)) => {
            load_errors.extend(errors);
            sources.extend(files);
            None
        }
    };
    let (Some(proposed), true) = (proposed, load_errors.is_empty()) else {
        let findings: Vec<Finding> = load_errors.iter().map(Finding::from_load).collect();
        let _ = write_findings(&findings, &sources, options.format, out, err);
        let _ = writeln!(err, "could not verify: a model could not be loaded");
        return Outcome::CouldNotRun;
    };
    let base_model: Option<&Ecosystem> = base.as_ref().map(|b| &b.loaded.ecosystem);
    let mut verification = verify::verify(base_model, &proposed.loaded.ecosystem, &source);
    files::locate(
        &mut verification.report,
        &proposed.loaded.documents,
        &proposed.sources,
    );
    let findings = render::findings(&verification.report);
    let written = match options.format {
        OutputFormat::Human => err
            .write_all(render::human(&findings, &proposed.sources).as_bytes())
            .and_then(|()| out.write_all(verification.summary().as_bytes()))
            .and_then(|()| writeln!(out, "{}", verdict(&verification))),
        OutputFormat::Json => writeln!(out, "{:#}", json_output(&verification, &findings)),
        OutputFormat::Sarif | OutputFormat::Github => {
            write_findings(&findings, &proposed.sources, options.format, out, err)
        }
    };
    match (written, verification.may_merge()) {
        (Err(_), _) => Outcome::CouldNotRun,
        (Ok(()), true) => Outcome::Success,
        (Ok(()), false) => Outcome::ModelErrors,
    }
}

fn verdict(v: &Verification) -> String {
    let errors = v.report.count(datasurface_model::validate::Severity::Error);
    if v.may_merge() {
        "may merge".to_owned()
    } else {
        format!(
            "may not merge: {errors} error{}",
            if errors == 1 { "" } else { "s" }
        )
    }
}

fn json_output(v: &Verification, findings: &[Finding]) -> serde_json::Value {
    let findings: serde_json::Value =
        serde_json::from_str(&render::json(findings)).unwrap_or_default();
    json!({
        "mayMerge": v.may_merge(),
        "findings": findings,
        "changes": serde_json::to_value(&v.changes).unwrap_or_default(),
    })
}

fn write_findings(
    findings: &[Finding],
    sources: &[SourceFile],
    format: OutputFormat,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        OutputFormat::Human => err.write_all(render::human(findings, sources).as_bytes()),
        OutputFormat::Json => out.write_all(render::json(findings).as_bytes()),
        OutputFormat::Sarif => out.write_all(render::sarif(findings).as_bytes()),
        OutputFormat::Github => out.write_all(render::github(findings).as_bytes()),
    }
}
