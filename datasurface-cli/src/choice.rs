//! `datasurface explain-choice`: why a dataset group is served by the
//! platform the gate chose for it.

use std::io::Write;

use datasurface_files as files;
use datasurface_gate::choose;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{ChoiceFormat, ChooseArgs, ExplainChoiceArgs};
use crate::problem::Problem;

pub(crate) fn run(
    app: &App<'_>,
    args: &ExplainChoiceArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let fail = |err: &mut dyn Write, message: &str| app.could_not_run(err, message);
    let Some((workspace, group)) = args.group.split_once('/') else {
        return fail(
            err,
            &format!(
                "`{}` is not `<workspace>/<dataset group>`, such as `ProductAnalytics/Reporting`",
                args.group
            ),
        );
    };
    let (_, eco) = match load(app, &args.model, out, err) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
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
    let choices = choose::choose(app.registry, &eco, &eco.platform_choices);
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

/// The model as its teams wrote it (valid or not: the choice is asked of
/// what it says), through the gate's pipeline; on failure prints why and
/// says how the command ends.
fn load(
    app: &App<'_>,
    model: &std::path::Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(Vec<files::SourceFile>, datasurface_core::Ecosystem), Outcome> {
    let loaded = crate::model::load(
        app,
        model,
        datasurface_gate::Upto::Written,
        "choose its platforms",
        out,
        err,
    )?;
    match loaded.written {
        Some(ecosystem) => Ok((loaded.sources, ecosystem)),
        None => Err(Outcome::CouldNotRun),
    }
}

/// Why no choice was made for `workspace/group`, in words.
fn not_chosen(
    eco: &datasurface_core::Ecosystem,
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

/// `datasurface choose MODEL [--write]`.
pub(crate) fn choose(
    app: &App<'_>,
    args: &ChooseArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let fail = |err: &mut dyn Write, message: &str| app.could_not_run(err, message);
    if !args.model.is_dir() {
        return fail(
            err,
            &format!(
                "{} is not a model directory: the choices are recorded beside `ecosystem.yaml` in one",
                args.model.display()
            ),
        );
    }
    let (sources, eco) = match load(app, &args.model, out, err) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let choices = choose::choose(app.registry, &eco, &eco.platform_choices);
    let mut lines = String::new();
    for c in &choices {
        let group = format!("{}/{}", c.workspace, c.dataset_group);
        let line = match (&c.platform, &c.how) {
            (Some(p), choose::How::Moved { from }) => format!("{group}: {p} (moves from {from})"),
            (Some(p), choose::How::Recorded) => format!("{group}: {p} (recorded)"),
            (Some(p), _) => format!("{group}: {p}"),
            (None, _) => format!("{group}: no platform can serve it"),
        };
        lines.push_str(&line);
        lines.push('\n');
    }
    if choices.is_empty() {
        lines.push_str(
            "no dataset group needs a choice: each group with requirements is assigned in the Ecosystem document\n",
        );
    }
    if out.write_all(lines.as_bytes()).is_err() {
        return Outcome::CouldNotRun;
    }
    let unserved = choices.iter().filter(|c| c.platform.is_none()).count();
    if args.write {
        let record = datasurface_core::PlatformChoices {
            platform_choices: choices
                .iter()
                .filter_map(|c| {
                    Some(datasurface_core::RecordedChoice {
                        workspace: c.workspace.clone(),
                        dataset_group: c.dataset_group.clone(),
                        platform: c.platform.clone()?,
                    })
                })
                .collect(),
        };
        match write_record(&args.model, &sources, &record) {
            Ok(path) => {
                let _ = writeln!(
                    out,
                    "recorded {} in {}",
                    crate::check::counted(record.platform_choices.len(), "choice"),
                    path.display()
                );
            }
            Err(problem) => return fail(err, &problem.to_string()),
        }
    }
    if unserved > 0 {
        let _ = writeln!(
            err,
            "{}: no platform can serve {unserved} dataset group(s); `datasurface explain-choice` says why",
            app.paint(Paint::Error, "error")
        );
        return Outcome::ModelErrors;
    }
    Outcome::Success
}

/// Writes the record beside the Ecosystem document, in its format, replacing
/// the file whole; refuses when the choices are recorded in another file.
fn write_record(
    dir: &std::path::Path,
    sources: &[files::SourceFile],
    record: &datasurface_core::PlatformChoices,
) -> Result<std::path::PathBuf, Problem> {
    let json = sources.iter().any(|f| f.path == "ecosystem.json");
    let ext = if json { "json" } else { "yaml" };
    let name = format!("{}.{ext}", files::PLATFORM_CHOICES_FILE);
    let elsewhere = sources.iter().find(|f| {
        f.path != name
            && f.text.lines().any(|l| {
                l.trim_start().trim_start_matches('"').starts_with("kind")
                    && l.contains("PlatformChoices")
            })
    });
    if let Some(other) = elsewhere {
        return Err(Problem::new(format!(
            "{} records the choices already: remove it, or keep the record there by hand",
            other.path
        )));
    }
    let format = if json {
        files::Format::Json
    } else {
        files::Format::Yaml
    };
    let text = files::to_choices_string(record, format).map_err(Problem::new)?;
    let text = if json {
        text
    } else {
        format!(
            "# The platforms the gate chose, written by `datasurface choose --write`: commit it.\n# Each choice holds until its platform can no longer serve the group.\n{text}"
        )
    };
    let path = dir.join(&name);
    let temp = dir.join(format!(".{name}.new-{}", std::process::id()));
    datasurface_runtime::write_new(&temp, text.as_bytes())
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Problem::new(format!("cannot write {}: {e}", path.display()))
        })?;
    Ok(path)
}
