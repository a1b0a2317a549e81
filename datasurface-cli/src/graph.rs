//! `datasurface graph`: each platform's intention graph.

use std::io::Write;
use std::path::Path;

use datasurface_model::files;
use datasurface_model::validate::{self, Severity};

use crate::render;
use crate::sources::read_model;
use crate::{Outcome, OutputFormat};

/// How `graph` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum GraphFormat {
    /// Stable JSON: nodes, edges and chunks.
    Json,
    /// Graphviz DOT.
    Dot,
    /// Mermaid, which GitHub renders in Markdown.
    Mermaid,
}

/// What `graph` shows.
pub(crate) struct GraphOptions<'a> {
    pub(crate) model: &'a Path,
    pub(crate) platform: Option<&'a str>,
    pub(crate) format: GraphFormat,
    pub(crate) chunk_size: Option<usize>,
}

pub(crate) fn run(options: &GraphOptions<'_>, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let sources = match read_model(options.model) {
        Ok(sources) => sources,
        Err(errors) => {
            return crate::check::report_load_errors(
                options.model,
                &errors,
                &[],
                OutputFormat::Human,
                out,
                err,
            );
        }
    };
    let loaded = match files::load(&sources) {
        Ok(loaded) => loaded,
        Err(errors) => {
            return crate::check::report_load_errors(
                options.model,
                &errors.0,
                &sources,
                OutputFormat::Human,
                out,
                err,
            );
        }
    };
    let documents = loaded.documents;
    let valid = match validate::validate(loaded.ecosystem) {
        Ok(valid) => valid,
        Err(mut report) => {
            files::locate(&mut report, &documents, &sources);
            let _ = err.write_all(render::human(&render::findings(&report), &sources).as_bytes());
            let _ = writeln!(
                err,
                "the model has errors; fix them to build its graphs (`datasurface check` lists them)"
            );
            return Outcome::ModelErrors;
        }
    };
    let mut graphs = datasurface_graph::build(&valid);
    files::locate(&mut graphs.report, &documents, &sources);
    let _ = err.write_all(render::human(&render::findings(&graphs.report), &sources).as_bytes());
    let selected: Vec<_> = graphs
        .graphs
        .iter()
        .filter(|(name, _)| {
            options
                .platform
                .is_none_or(|wanted| name.as_str() == wanted)
        })
        .map(|(_, g)| g)
        .collect();
    if selected.is_empty() {
        let known: Vec<&str> = graphs
            .graphs
            .keys()
            .map(datasurface_model::names::PlatformName::as_str)
            .collect();
        let _ = writeln!(
            err,
            "error: no graph for platform `{}`; platforms with assigned dataset groups: {}",
            options.platform.unwrap_or_default(),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        );
        return Outcome::CouldNotRun;
    }
    let mut text = String::new();
    match options.format {
        GraphFormat::Json => {
            let all: Vec<serde_json::Value> = selected
                .iter()
                .map(|g| g.to_json(options.chunk_size.map(|n| g.chunks(n)).as_ref()))
                .collect();
            text = format!("{:#}\n", serde_json::Value::Array(all));
        }
        GraphFormat::Dot => {
            for g in &selected {
                text.push_str(&g.to_dot(options.chunk_size.map(|n| g.chunks(n)).as_ref()));
            }
        }
        GraphFormat::Mermaid => {
            for g in &selected {
                text.push_str(&g.to_mermaid());
            }
        }
    }
    if out.write_all(text.as_bytes()).is_err() {
        return Outcome::CouldNotRun;
    }
    if graphs.report.count(Severity::Error) > 0 {
        Outcome::ModelErrors
    } else {
        Outcome::Success
    }
}
