//! `datasurface graph`: each platform's intention graph.

use std::io::Write;
use std::path::Path;

use datasurface_model::validate::Severity;

use crate::Outcome;

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
    let loaded = match crate::model::load_valid(options.model, "build its graphs", out, err) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let valid = &loaded.valid;
    let mut graphs = datasurface_graph::build(valid);
    loaded.print(&mut graphs.report, err);
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
