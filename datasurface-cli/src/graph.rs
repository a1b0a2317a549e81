//! `datasurface graph`: each platform's intention graph.

use std::io::Write;

use datasurface_rules::validate::Severity;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{GraphArgs, GraphFormat};

pub(crate) fn run(
    app: &App<'_>,
    args: &GraphArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let loaded = match crate::model::load_valid(app, &args.model, "build its graphs", out, err) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let valid = &loaded.valid;
    let mut graphs = datasurface_graph::build(valid);
    loaded.print(app, &mut graphs.report, err);
    let selected: Vec<_> = graphs
        .graphs
        .iter()
        .filter(|(name, _)| {
            args.platform
                .as_deref()
                .is_none_or(|wanted| name.as_str() == wanted)
        })
        .map(|(_, g)| g)
        .collect();
    if selected.is_empty() {
        let known: Vec<&str> = graphs
            .graphs
            .keys()
            .map(datasurface_core::names::PlatformName::as_str)
            .collect();
        let asked = args
            .platform
            .as_deref()
            .map_or_else(|| "any platform".to_owned(), |p| format!("platform `{p}`"));
        let _ = writeln!(
            err,
            "{}: no graph for {asked}; platforms with assigned dataset groups: {}",
            app.paint(Paint::Error, "error"),
            if known.is_empty() {
                "none (assign dataset groups to platforms under `assignments` in the Ecosystem document)".to_owned()
            } else {
                known.join(", ")
            }
        );
        return Outcome::CouldNotRun;
    }
    let chunks = |g: &datasurface_graph::PlatformGraph| {
        args.chunk_size
            .map(|n| g.chunks(usize::try_from(n).unwrap_or(usize::MAX)))
    };
    let text = match args.format {
        GraphFormat::Json => {
            let all: Vec<serde_json::Value> = selected
                .iter()
                .map(|g| g.to_json(chunks(g).as_ref()))
                .collect();
            format!("{:#}\n", serde_json::Value::Array(all))
        }
        GraphFormat::Dot => selected
            .iter()
            .map(|g| g.to_dot(chunks(g).as_ref()))
            .collect(),
        GraphFormat::Mermaid => datasurface_graph::mermaid(selected.iter().copied()),
    };
    if out.write_all(text.as_bytes()).is_err() {
        return Outcome::CouldNotRun;
    }
    if graphs.report.count(Severity::Error) > 0 {
        Outcome::ModelErrors
    } else {
        Outcome::Success
    }
}
