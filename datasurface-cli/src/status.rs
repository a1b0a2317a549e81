//! `datasurface status --state DIR`: each stream's latest batches, failures,
//! and what waits, read from a `sqlite` platform's state directory.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use datasurface_runtime::SlotState;
use datasurface_sqlite::engine::{Attention, BatchRecord, Engine, NextRun, StreamState};
use serde_json::json;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::{StatusArgs, StatusFormat};

pub(crate) fn run(
    app: &App<'_>,
    args: &StatusArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let error = app.paint(Paint::Error, "error");
    if !args.state.join("merge.sqlite").is_file() {
        let _ = writeln!(
            err,
            "{error}: {} is not a state directory (it has no merge.sqlite)\n  help: `datasurface up MODEL --state {}` makes one",
            args.state.display(),
            args.state.display()
        );
        return Outcome::CouldNotRun;
    }
    if args.format == StatusFormat::Prometheus {
        return match crate::run_metrics::read(std::slice::from_ref(&args.state)) {
            Ok(text) => match out.write_all(text.as_bytes()) {
                Ok(()) => Outcome::Success,
                Err(_) => Outcome::CouldNotRun,
            },
            Err(e) => {
                let _ = writeln!(err, "{error}: {e}");
                Outcome::CouldNotRun
            }
        };
    }
    let last = args.last.unwrap_or(match args.format {
        StatusFormat::Json => 3,
        StatusFormat::Human | StatusFormat::Prometheus => 1,
    });
    let engine = Engine::open(&args.state, BTreeMap::new());
    // A stream following a PostgreSQL source: its slot, read there.
    #[cfg(feature = "airflow")]
    let engine = engine.map(|e| e.with_change_reader(crate::capture::slot_reader()));
    let read = engine.and_then(|e| {
        Ok((
            e.status(usize::from(last))?,
            e.needs_operator()?,
            e.slots()?,
        ))
    });
    let (streams, attention, slots) = match read {
        Ok(read) => read,
        Err(e) => {
            let _ = writeln!(err, "{error}: {e}");
            return Outcome::CouldNotRun;
        }
    };
    let text = match args.format {
        StatusFormat::Json => format!(
            "{:#}\n",
            json!({
                "state": args.state.display().to_string(),
                "streams": streams,
                "slots": slots
                    .iter()
                    .map(|(stream, slot)| json!({"stream": stream, "slot": slot}))
                    .collect::<Vec<_>>(),
                "needsOperator": attention,
            })
        ),
        StatusFormat::Human | StatusFormat::Prometheus => {
            table(app, &streams) + &slot_lines(app, &slots) + &needs_operator(app, &attention)
        }
    };
    match out.write_all(text.as_bytes()) {
        Ok(()) => Outcome::Success,
        Err(_) => Outcome::CouldNotRun,
    }
}

/// What needs an operator, each with the command that mends it.
fn needs_operator(app: &App<'_>, attention: &[Attention]) -> String {
    let mut out = String::new();
    if attention.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\n{} (every other fault mends itself on the next run):",
        app.paint(Paint::Error, "needs an operator")
    );
    for a in attention {
        let _ = writeln!(out, "  {}\n    run: {}", a.problem, a.command);
    }
    out
}

/// Each replication slot a stream follows a source through: what it holds
/// of the source's log, and, when it needs an operator, why and the fix.
fn slot_lines(app: &App<'_>, slots: &[(String, SlotState)]) -> String {
    let mut out = String::new();
    if slots.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\nreplication slots:");
    for (stream, slot) in slots {
        let held = slot.lag_bytes.map_or_else(
            || "unknown".to_owned(),
            |b| format!("{} KiB of the source's log", b >> 10),
        );
        let age = slot
            .age_seconds
            .map_or_else(String::new, |a| format!(", oldest change {a:.0} s"));
        let _ = writeln!(out, "  {stream}: `{}` holds {held}{age}", slot.name);
        if let Some(why) = &slot.needs_operator {
            let _ = writeln!(
                out,
                "    {}: {why}",
                app.paint(Paint::Error, "needs an operator")
            );
        }
    }
    out
}

fn next(n: &NextRun) -> String {
    match n {
        NextRun::NextRun => "next run".to_owned(),
        NextRun::Scheduled(at) => at.clone(),
        NextRun::Never => "never (its schedule never fires)".to_owned(),
        NextRun::NewInput => "on new input".to_owned(),
    }
}

/// One row per stream, then each failing stream's failure in full, and
/// the warnings of each stream's latest batch that committed with some.
fn table(app: &App<'_>, streams: &[StreamState]) -> String {
    let header = [
        "STREAM", "SOURCE", "BATCH", "STATUS", "ENDED", "ROWS", "CHANGES", "NEXT",
    ];
    // A row per batch shown, newest first; the stream's own cells on its
    // first row only.
    let rows: Vec<[String; 8]> = streams
        .iter()
        .flat_map(|s| {
            let batches: Vec<Option<&_>> = if s.batches.is_empty() {
                vec![None]
            } else {
                s.batches.iter().map(Some).collect()
            };
            batches.into_iter().enumerate().map(move |(i, b)| {
                let first = i == 0;
                let own = |text: String| if first { text } else { String::new() };
                [
                    own(s.stream.clone()),
                    own(s.source.clone()),
                    b.map_or_else(|| "-".into(), |b| b.batch.to_string()),
                    b.map_or_else(|| "never ran".into(), |b| b.status.clone()),
                    b.and_then(|b| b.ended_at.clone())
                        .unwrap_or_else(|| "-".into()),
                    b.map_or_else(|| "-".into(), |b| b.rows.total.to_string()),
                    b.map_or_else(|| "-".into(), |b| b.rows.to_string()),
                    own(next(&s.next)),
                ]
            })
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut write_row = |cells: &[String], status_paint: Option<Paint>| {
        let last = cells.len() - 1;
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = " ".repeat(w - cell.chars().count());
            let shown = match status_paint {
                Some(p) if i == 3 => app.paint(p, cell),
                _ => cell.clone(),
            };
            out.push_str(&shown);
            if i < last {
                out.push_str(&pad);
                out.push_str("  ");
            }
        }
        // A row whose last cells are empty ends at its last word.
        let end = out.trim_end_matches(' ').len();
        out.truncate(end);
        out.push('\n');
    };
    write_row(&header.map(String::from), None);
    for row in &rows {
        let paint = match row[3].as_str() {
            "failed" => Some(Paint::Error),
            "committed" => Some(Paint::Good),
            _ => None,
        };
        write_row(row, paint);
    }
    let failing = streams.iter().filter(|s| s.failing()).count();
    latest(app, streams, &mut out);
    let waiting = streams
        .iter()
        .filter(|s| matches!(s.next, NextRun::Scheduled(_) | NextRun::Never))
        .count();
    let _ = write!(
        out,
        "\n{} streams, {} failing, {} waiting for their schedule\n",
        streams.len(),
        failing,
        waiting
    );
    out
}

/// The latest batch of each failing stream, its failure in full; and of
/// each stream whose latest batch committed with warnings, those.
fn latest(app: &App<'_>, streams: &[StreamState], out: &mut String) {
    let mut say = |s: &StreamState, b: &BatchRecord, how: String, said: &str| {
        let _ = write!(
            out,
            "\n{} batch {} {how} at {}: {}\n",
            s.stream,
            b.batch,
            b.ended_at.as_deref().unwrap_or(&b.started_at),
            datasurface_stdx::text::for_terminal(said)
        );
    };
    for s in streams.iter().filter(|s| s.failing()) {
        if let Some(b) = s.batches.first() {
            let why = b.message.as_deref().unwrap_or("no message");
            say(s, b, app.paint(Paint::Error, "failed"), why);
        }
    }
    // A latest batch that committed but broke a `warn` quality rule.
    for s in streams {
        if let Some(b) = s.batches.first().filter(|b| b.status == "committed")
            && let Some(said) = &b.message
        {
            say(
                s,
                b,
                app.paint(Paint::Warning, "committed with warnings"),
                said,
            );
        }
    }
}
