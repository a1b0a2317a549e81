//! `datasurface explain-choice`: why a dataset group is served by the
//! platform the gate chose for it.

use std::io::Write;

use datasurface_model::files;
use datasurface_platform::choose;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{ChoiceFormat, ExplainChoiceArgs};
use crate::sources::read_model;

pub(crate) fn run(
    app: &App<'_>,
    args: &ExplainChoiceArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let fail = |err: &mut dyn Write, message: &str| {
        let _ = writeln!(err, "{}: {message}", app.paint(Paint::Error, "error"));
        Outcome::CouldNotRun
    };
    let Some((workspace, group)) = args.group.split_once('/') else {
        return fail(
            err,
            &format!(
                "`{}` is not `<workspace>/<dataset group>`, such as `ProductAnalytics/Reporting`",
                args.group
            ),
        );
    };
    let human = crate::args::CheckFormat::Human;
    let sources = match read_model(&args.model) {
        Ok(sources) => sources,
        Err(errors) => {
            return crate::check::report_load_errors(
                app,
                &args.model,
                &errors,
                &[],
                human,
                out,
                err,
            );
        }
    };
    let eco = match files::load(&sources) {
        Ok(loaded) => loaded.ecosystem,
        Err(errors) => {
            return crate::check::report_load_errors(
                app,
                &args.model,
                &errors.0,
                &sources,
                human,
                out,
                err,
            );
        }
    };
    let declared: Vec<String> = eco
        .assignments
        .iter()
        .filter(|a| a.workspace.as_str() == workspace && a.dataset_group.as_str() == group)
        .flat_map(|a| a.platforms.iter().map(|p| format!("`{}`", p.platform)))
        .collect();
    if !declared.is_empty() {
        let _ = writeln!(
            out,
            "`{workspace}/{group}` is assigned by the ecosystem to {} (`assignments` in the Ecosystem document): nothing is chosen for it",
            declared.join(", ")
        );
        return Outcome::Success;
    }
    let choices = choose::choose(app.registry, &eco, &[]);
    let Some(choice) = choices
        .iter()
        .find(|c| c.workspace.as_str() == workspace && c.dataset_group.as_str() == group)
    else {
        return fail(err, &not_chosen(&eco, &choices, workspace, group));
    };
    let written = match args.format {
        ChoiceFormat::Human => write!(out, "{choice}"),
        ChoiceFormat::Json => match serde_json::to_string_pretty(choice) {
            Ok(json) => writeln!(out, "{json}"),
            Err(e) => return fail(err, &format!("cannot write the choice as JSON: {e}")),
        },
    };
    if written.is_err() {
        return Outcome::CouldNotRun;
    }
    if choice.platform.is_some() {
        Outcome::Success
    } else {
        Outcome::ModelErrors
    }
}

/// Why no choice was made for `workspace/group`, in words.
fn not_chosen(
    eco: &datasurface_model::Ecosystem,
    choices: &[choose::Choice],
    workspace: &str,
    group: &str,
) -> String {
    let found = eco
        .teams()
        .flat_map(|(_, t)| t.workspaces.iter())
        .find(|(name, _)| name.as_str() == workspace)
        .and_then(|(_, w)| w.dataset_groups.iter().find(|(g, _)| g.as_str() == group));
    match found {
        Some((_, g)) if g.sinks.is_empty() => {
            format!(
                "dataset group `{workspace}/{group}` reads no dataset, so no platform serves it"
            )
        }
        Some(_) => format!(
            "dataset group `{workspace}/{group}` has no `requirements`, so no platform is chosen for it: give it its milestoning and latency"
        ),
        None => {
            let known: Vec<String> = choices
                .iter()
                .map(|c| format!("`{}/{}`", c.workspace, c.dataset_group))
                .collect();
            format!(
                "the model has no dataset group `{workspace}/{group}`{}",
                if known.is_empty() {
                    String::new()
                } else {
                    format!(" (platforms are chosen for {})", known.join(", "))
                }
            )
        }
    }
}
