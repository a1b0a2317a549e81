//! The scale report: every benchmark step at each size, once through, with
//! the peak memory of the whole pipeline, as the table in
//! `docs/performance.md`.
//!
//! ```sh
//! cargo run --release -p datasurface-bench --bin scale-report
//! cargo run --release -p datasurface-bench --bin scale-report -- 100 1000
//! ```
//!
//! Each size runs in two child processes of their own, which read the
//! model's files from a temporary directory the parent wrote, so the memory
//! they report (Linux's `VmRSS` and `VmHWM`) is not that of generating the
//! model. The first does what `datasurface check` does and reports the
//! memory the loaded model takes and the peak; the second times every step
//! (each the best of a few runs) and reports the peak of the whole pipeline.
//! Nothing counts allocations, so the times are those of the plain system
//! allocator, as in the command-line tool.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use datasurface_bench::{
    STORES, command, diff, files, graphs, load, model, platforms, proposal, render, valid,
    verify_change, verify_command, write_files,
};
use datasurface_files::{Format, SourceFile};

/// Why a measurement could not be made, for the terminal.
type Failed = Box<dyn std::error::Error + Send + Sync>;
/// The figures, in the order they are reported: milliseconds per step, then
/// megabytes.
const STEPS: [&str; 14] = [
    "load YAML",
    "load JSON",
    "validate",
    "graphs",
    "verify",
    "render airflow",
    "diff airflow",
    "render sqlite",
    "diff sqlite",
    "model MB",
    "check peak MB",
    "peak MB",
    "`check -q`, YAML",
    "`verify -q`, YAML",
];

/// Where each child's figures go in [`STEPS`]: the `--check` child's, the
/// `--measure` child's, then the `--commands` child's.
const CHECKED: [usize; 2] = [9, 10];
const MEASURED: [usize; 10] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11];
const COMMANDS: [usize; 2] = [12, 13];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match (args.first().map(String::as_str), args.get(1)) {
        (Some("--measure"), Some(dir)) => return measure(Path::new(dir)),
        (Some("--check"), Some(dir)) => return check(Path::new(dir)),
        (Some("--commands"), Some(dir)) => return commands(Path::new(dir)),
        (Some("--measure" | "--check" | "--commands"), None) => return usage(),
        _ => {}
    }
    let sizes: Result<Vec<usize>, _> = if args.is_empty() {
        Ok(STORES.to_vec())
    } else {
        args.iter().map(|a| a.parse::<usize>()).collect()
    };
    let Ok(sizes) = sizes else { return usage() };
    report(&sizes)
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: scale-report [STORES ...]   (default: 100 1000 10000; 10 datasets per store)"
    );
    ExitCode::from(2)
}

/// Writes each size's files, measures it in a child, prints the table.
fn report(sizes: &[usize]) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("error: cannot find this program to run it again: {e}");
            return ExitCode::from(2);
        }
    };
    let mut rows: Vec<(usize, Vec<f64>)> = Vec::new();
    for &stores in sizes {
        eprintln!(
            "generating {stores} stores ({} datasets)…",
            stores * 10 + stores.div_ceil(10)
        );
        let dir = std::env::temp_dir().join(format!("datasurface-scale-{stores}"));
        let m = model(stores);
        let (proposed, source) = proposal(&m);
        let written: Result<(), Failed> = (|| {
            write_files(&dir.join("yaml"), &files(&m, Format::Yaml))?;
            write_files(&dir.join("json"), &files(&m, Format::Json))?;
            write_files(&dir.join("proposed"), &files(&proposed, Format::Yaml))?;
            std::fs::write(dir.join("source"), source.to_string())
                .map_err(|e| format!("cannot write the change's source: {e}"))?;
            Ok(())
        })();
        drop((m, proposed));
        if let Err(e) = written {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        eprintln!("measuring…");
        let checked = child(&exe, "--check", &dir);
        let measured = checked.and_then(|c| child(&exe, "--measure", &dir).map(|m| (c, m)));
        let commanded = measured
            .and_then(|(c, m)| child(&exe, "--commands", &dir).map(|commands| (c, m, commands)));
        let _ = std::fs::remove_dir_all(&dir);
        let (checked, measured, commanded) = match commanded {
            Ok(figures) => figures,
            Err(e) => {
                eprintln!("error: measuring {stores} stores: {e}");
                return ExitCode::from(1);
            }
        };
        let mut figures = vec![f64::NAN; STEPS.len()];
        for (&i, f) in CHECKED.iter().zip(checked) {
            figures[i] = f;
        }
        for (&i, f) in MEASURED.iter().zip(measured) {
            figures[i] = f;
        }
        for (&i, f) in COMMANDS.iter().zip(commanded) {
            figures[i] = f;
        }
        rows.push((stores, figures));
    }
    print!("{}", table(&rows));
    ExitCode::SUCCESS
}

/// Runs this program again on one size's files; its figures.
fn child(exe: &Path, mode: &str, dir: &Path) -> Result<Vec<f64>, Failed> {
    match Command::new(exe).arg(mode).arg(dir).output() {
        Ok(out) if out.status.success() => Ok(String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect()),
        Ok(out) => {
            Err(format!("`{mode}` failed:\n{}", String::from_utf8_lossy(&out.stderr)).into())
        }
        Err(e) => Err(format!("cannot run {}: {e}", exe.display()).into()),
    }
}

/// The Markdown table: milliseconds per step (megabytes for the peak), then
/// how each grew from one size to the next.
fn table(rows: &[(usize, Vec<f64>)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| datasets | {} |", STEPS.join(" | "));
    let _ = writeln!(out, "|---:|{}", "---:|".repeat(STEPS.len()));
    for (stores, figures) in rows {
        let cells: Vec<String> = figures.iter().map(|f| format!("{f:.0}")).collect();
        let _ = writeln!(out, "| {} | {} |", datasets(*stores), cells.join(" | "));
    }
    for pair in rows.windows(2) {
        let ((a, fa), (b, fb)) = (&pair[0], &pair[1]);
        let cells: Vec<String> = fa
            .iter()
            .zip(fb)
            .map(|(x, y)| format!("×{:.1}", y / x.max(0.5)))
            .collect();
        let _ = writeln!(
            out,
            "| growth {}→{} | {} |",
            datasets(*a),
            datasets(*b),
            cells.join(" | ")
        );
    }
    out
}

fn datasets(stores: usize) -> usize {
    stores * 10 + stores.div_ceil(10)
}

fn read(dir: &Path) -> Result<Vec<SourceFile>, Failed> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<SourceFile>) -> Result<(), Failed> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out)?;
            } else {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let name = path
                    .strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                out.push(SourceFile::new(name, text));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    Ok(out)
}

/// A directory's model files, or `None` after saying why they cannot be read.
fn read_or_say(dir: &Path) -> Option<Vec<SourceFile>> {
    read(dir).map_err(|e| eprintln!("error: {e}")).ok()
}

/// How long `step` takes, in milliseconds, and its result.
fn timed<T>(step: impl FnOnce() -> T) -> (f64, T) {
    let clock = Instant::now();
    let value = step();
    (clock.elapsed().as_secs_f64() * 1000.0, value)
}

/// The best time of `runs` runs of `step`, in milliseconds, and its last
/// result. Each result is dropped before the next run, so that runs add
/// nothing to the peak memory.
fn best<T>(runs: usize, mut step: impl FnMut() -> T) -> (f64, T) {
    let (mut best, mut last) = timed(&mut step);
    for _ in 1..runs {
        drop(last);
        let (t, value) = timed(&mut step);
        best = best.min(t);
        last = value;
    }
    (best, last)
}

/// A figure of this process's memory from `/proc/self/status` (`VmRSS`
/// now, `VmHWM` its peak so far), in megabytes.
fn memory_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// In a child: what `datasurface check` or a CI gate does, reading the JSON
/// files, loading, validating and building every graph, with the sources
/// kept for messages; prints the memory the loaded model added to the
/// process, and the peak.
fn check(dir: &Path) -> ExitCode {
    let Some(json) = read_or_say(&dir.join("json")) else {
        return ExitCode::from(2);
    };
    let before = memory_mb("VmRSS");
    let model = load(&json);
    let model_mb = memory_mb("VmRSS") - before;
    let v = valid(model);
    let g = graphs(&v);
    let peak = memory_mb("VmHWM");
    drop((g, v, json));
    println!("{model_mb:.1} {peak:.1}");
    ExitCode::SUCCESS
}

/// In a child: `datasurface check -q` of the YAML model and `datasurface
/// verify -q` of the one-column change, as whole commands (reading the
/// files, loading, validating, the graphs, the platforms' checks, the
/// report), in this process; prints the figures in [`COMMANDS`] order.
fn commands(dir: &Path) -> ExitCode {
    let Ok(source) = std::fs::read_to_string(dir.join("source")) else {
        eprintln!("error: {} holds no change's source", dir.display());
        return ExitCode::from(2);
    };
    let path = |name: &str| dir.join(name).display().to_string();
    let (yaml, proposed) = (path("yaml"), path("proposed"));
    // A command frees its model on a thread of its own once it has
    // answered (as `datasurface` does before it exits): each run waits,
    // untimed, for the last one's memory to be freed, so no run shares the
    // machine with the one before it.
    let settled = |run: &dyn Fn() -> datasurface_cli::Outcome| {
        let mut fastest = (f64::MAX, datasurface_cli::Outcome::Success);
        for _ in 0..5 {
            std::thread::sleep(std::time::Duration::from_millis(400));
            let (ms, outcome) = timed(run);
            if ms < fastest.0 {
                fastest = (ms, outcome);
            }
            if outcome != datasurface_cli::Outcome::Success {
                return (ms, outcome);
            }
        }
        fastest
    };
    let (check_ms, checked) = settled(&|| command(&["check", "-q", &yaml]));
    let (verify_ms, verified) = settled(&|| verify_command(&yaml, &proposed, &source));
    if checked != datasurface_cli::Outcome::Success || verified != datasurface_cli::Outcome::Success
    {
        eprintln!("error: check ended {checked:?}, verify {verified:?}");
        return ExitCode::from(1);
    }
    println!("{check_ms:.1} {verify_ms:.1}");
    ExitCode::SUCCESS
}

/// In a child: every step on one size's files; prints the figures in
/// [`MEASURED`] order.
fn measure(dir: &Path) -> ExitCode {
    let Some(json) = read_or_say(&dir.join("json")) else {
        return ExitCode::from(2);
    };
    // This machine's speed varies by a fifth from moment to moment: the best
    // of five runs is what the code costs. YAML, slow and without a target,
    // runs twice on a large model.
    let runs = 5;
    let yaml_runs = if json.iter().map(|f| f.text.len()).sum::<usize>() > 50_000_000 {
        2
    } else {
        5
    };
    let mut figures = [0.0; STEPS.len()];
    // The pipeline a CI gate or platform runs, from JSON: each run loads and
    // validates a model of its own.
    let (t, base) = timed(|| load(&json));
    let (mut load_ms, (mut validate_ms, mut v)) = (t, timed(|| valid(base)));
    for _ in 1..runs {
        drop(v);
        let (t, base) = timed(|| load(&json));
        load_ms = load_ms.min(t);
        let (t, again) = timed(|| valid(base));
        validate_ms = validate_ms.min(t);
        v = again;
    }
    (figures[1], figures[2]) = (load_ms, validate_ms);
    drop(json);
    let (t, g) = best(runs, || graphs(&v));
    figures[3] = t;
    let base = v.ecosystem();
    let (proposed, source) = proposal(base);
    let (t, verification) = best(runs, || verify_change(base, &proposed, &source));
    figures[4] = t;
    if !verification.may_merge() {
        eprintln!("error: the one-column change does not verify: {verification:?}");
        return ExitCode::from(1);
    }
    let next = valid(proposed);
    let next_graphs = graphs(&next);
    for (i, (name, p)) in platforms().iter().enumerate() {
        let (t, from) = best(runs, || render(p.as_ref(), &v, &g, name));
        figures[5 + 2 * i] = t;
        let to = render(p.as_ref(), &next, &next_graphs, name);
        let (t, plan) = best(runs, || diff(p.as_ref(), &from, &to));
        figures[6 + 2 * i] = t;
        if plan.steps.is_empty() {
            eprintln!("error: platform `{name}` plans nothing for a new column");
            return ExitCode::from(1);
        }
    }
    figures[11] = memory_mb("VmHWM");
    drop((v, g, next, next_graphs));
    // YAML, last, so neither its text nor its parser counts in the peak above.
    let Some(yaml) = read_or_say(&dir.join("yaml")) else {
        return ExitCode::from(2);
    };
    let (t, _) = best(yaml_runs, || load(&yaml));
    figures[0] = t;
    let line: Vec<String> = MEASURED
        .iter()
        .map(|&i| format!("{:.1}", figures[i]))
        .collect();
    println!("{}", line.join(" "));
    ExitCode::SUCCESS
}
