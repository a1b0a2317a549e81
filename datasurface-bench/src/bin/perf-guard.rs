//! The guard against getting slower: `datasurface check -q`, `verify -q`
//! and `render -q` (of platform `Central`, into a new folder and again with
//! nothing changed) of the generated models, and `check` of Northwind, as
//! whole processes, by this build and by a recorded baseline build, in one
//! run.
//!
//! ```sh
//! cargo run --release -p datasurface-bench --bin perf-guard
//! cargo run --release -p datasurface-bench --bin perf-guard -- \
//!     --baseline 8bc5fa2 --rounds 9 --stores 1010 --tolerance 5 \
//!     --render-dir /dev/shm/perf-guard
//! ```
//!
//! Renderings go under `--render-dir` (default `target/perf-guard/renders`),
//! a folder per build; on a memory file system (`/dev/shm`) the figures
//! leave out the disk's own cost of creating files.
//!
//! The baseline is the commit in `.ci/perf-baseline` (the build before the
//! last round of features) unless `--baseline` names another. Its command
//! line is built once from `git archive` of that commit, in
//! `target/perf-guard/<commit>/` (a few minutes the first time), and this
//! build's with `cargo build --release`. Both run the same model files,
//! written by this build's generator, in alternating order (baseline,
//! current, current, baseline, …) so that a machine whose speed drifts
//! favours neither; each figure is the median of `--rounds` runs, and each
//! ratio the median of the rounds' ratios (a round's two runs are
//! neighbours in time, so a drift in the machine's speed cancels). Each run
//! is a child process of a small child of this program, which reports the
//! run's wall time and its peak resident memory (`getrusage` of its only
//! child), so no figure is another run's.
//!
//! Exits 0 when every median of the current build is within `--tolerance`
//! per cent (default 5) of the baseline's, 1 when one is not (the table
//! says which), 2 when it could not measure.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use datasurface_bench::{Failed, files, model, proposal, write_files};
use datasurface_files::Format;

/// The file naming the baseline commit, from the workspace's root.
const BASELINE_FILE: &str = ".ci/perf-baseline";
/// Model sizes, in datastores of ten datasets (10,100 and 101,000 datasets).
const STORES: [usize; 2] = [1010, 10100];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--one") {
        return one(&args[1..]);
    }
    let options = match Options::parse(&args) {
        Ok(options) => options,
        Err(e) => {
            eprintln!(
                "error: {e}\n\nusage: perf-guard [--baseline REV] [--rounds N] [--stores N,N] [--tolerance PCT] [--render-dir DIR]"
            );
            return ExitCode::from(2);
        }
    };
    match guard(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// What to compare, and how strictly.
#[derive(Debug)]
struct Options {
    baseline: Option<String>,
    rounds: usize,
    stores: Vec<usize>,
    tolerance: f64,
    render_dir: Option<PathBuf>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, Failed> {
        let mut options = Options {
            baseline: None,
            rounds: 7,
            stores: STORES.to_vec(),
            tolerance: 5.0,
            render_dir: None,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .ok_or_else(|| format!("`{flag}` needs a value"))?;
            match flag.as_str() {
                "--baseline" => options.baseline = Some(value.clone()),
                "--rounds" => options.rounds = value.parse()?,
                "--tolerance" => options.tolerance = value.parse()?,
                "--render-dir" => options.render_dir = Some(PathBuf::from(value)),
                "--stores" => {
                    options.stores = value.split(',').map(str::parse).collect::<Result<_, _>>()?;
                }
                _ => return Err(format!("unknown option `{flag}`").into()),
            }
        }
        if options.rounds == 0 {
            return Err("--rounds must be at least 1".into());
        }
        Ok(options)
    }
}

/// One command measured: its name in the table and its arguments.
struct Case {
    name: String,
    args: Vec<String>,
    /// The folder it renders into (each build its own, `OUT-0`, `OUT-1`,
    /// in place of the argument `OUT`), and whether it is removed before
    /// each run.
    renders: Option<(PathBuf, bool)>,
}

impl Case {
    /// The arguments of a run by build `which` (0 the baseline), its
    /// folder made new first when the case asks.
    fn prepare(&self, which: usize) -> Result<Vec<String>, Failed> {
        let Some((out, fresh)) = &self.renders else {
            return Ok(self.args.clone());
        };
        let mine = PathBuf::from(format!("{}-{which}", out.display()));
        if *fresh && mine.exists() {
            std::fs::remove_dir_all(&mine)?;
        }
        let out = path(out);
        Ok(self
            .args
            .iter()
            .map(|a| if *a == out { path(&mine) } else { a.clone() })
            .collect())
    }
}

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    ms: f64,
    mb: f64,
}

fn guard(options: &Options) -> Result<bool, Failed> {
    let root = workspace_root()?;
    let rev = match &options.baseline {
        Some(rev) => rev.clone(),
        None => std::fs::read_to_string(root.join(BASELINE_FILE))
            .map_err(|e| format!("cannot read {BASELINE_FILE}: {e}"))?
            .trim()
            .to_owned(),
    };
    let commit = git(
        &root,
        &["rev-parse", "--verify", &format!("{rev}^{{commit}}")],
    )?;
    let head = git(&root, &["rev-parse", "--short", "HEAD"])?;
    eprintln!("building the baseline ({commit}) and this build ({head})");
    let baseline = build_baseline(&root, &commit)?;
    let current = build_current(&root)?;
    let work = root.join("target/perf-guard/models");
    let renders = options
        .render_dir
        .clone()
        .unwrap_or_else(|| root.join("target/perf-guard/renders"));
    let cases = cases(&root, &work, &options.stores, &renders)?;
    let exe = std::env::current_exe()?;
    let mut figures: Vec<[Vec<Run>; 2]> = cases.iter().map(|_| [Vec::new(), Vec::new()]).collect();
    for round in 0..options.rounds {
        eprintln!("round {} of {}", round + 1, options.rounds);
        for (case, runs) in cases.iter().zip(&mut figures) {
            // Baseline first on even rounds, current first on odd ones.
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for which in order {
                let binary = if which == 0 { &baseline } else { &current };
                let args = case.prepare(which)?;
                runs[which].push(measure(&exe, binary, &args)?);
            }
        }
    }
    Ok(report(&cases, &figures, &commit, &head, options.tolerance))
}

/// The workspace's root: where `cargo` runs this program from, or the
/// directory holding `.ci/`.
fn workspace_root() -> Result<PathBuf, Failed> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "the benchmark crate has no parent directory".into())
}

fn git(root: &Path, args: &[&str]) -> Result<String, Failed> {
    let out = Command::new("git").current_dir(root).args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// The baseline's command line, built from `git archive` of `commit` in a
/// folder of its own (once: later runs reuse it).
fn build_baseline(root: &Path, commit: &str) -> Result<PathBuf, Failed> {
    let dir = root.join("target/perf-guard").join(commit);
    let binary = dir.join("target/release/datasurface");
    if binary.is_file() {
        return Ok(binary);
    }
    let src = dir.join("src");
    if !src.join("Cargo.toml").is_file() {
        std::fs::create_dir_all(&src)?;
        let archive = Command::new("git")
            .current_dir(root)
            .args(["archive", "--format=tar", commit])
            .stdout(Stdio::piped())
            .spawn()?;
        let status = Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(&src)
            .stdin(archive.stdout.ok_or("git archive gave no output")?)
            .status()?;
        if !status.success() {
            return Err(format!("cannot unpack {commit} into {}", src.display()).into());
        }
    }
    cargo_build(&src, Some(&dir.join("target")))?;
    Ok(binary)
}

/// This build's command line, built as `cargo build --release` builds it.
fn build_current(root: &Path) -> Result<PathBuf, Failed> {
    cargo_build(root, None)?;
    Ok(root.join("target/release/datasurface"))
}

fn cargo_build(dir: &Path, target: Option<&Path>) -> Result<(), Failed> {
    let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cargo.current_dir(dir).args([
        "build",
        "--quiet",
        "--release",
        "--locked",
        "-p",
        "datasurface-cli",
    ]);
    if let Some(target) = target {
        cargo.env("CARGO_TARGET_DIR", target);
    }
    if !cargo.status()?.success() {
        return Err(format!("cargo build failed in {}", dir.display()).into());
    }
    Ok(())
}

/// The commands compared: Northwind's `check`, then at each size `check -q`
/// of the generated model and `verify -q` of a one-column change to it.
fn cases(root: &Path, work: &Path, stores: &[usize], renders: &Path) -> Result<Vec<Case>, Failed> {
    let northwind = root.join("examples/models/northwind");
    let mut cases = vec![Case {
        name: "Northwind `check -q`".to_owned(),
        args: vec!["check".into(), "-q".into(), path(&northwind)],
        renders: None,
    }];
    for &size in stores {
        let dir = work.join(size.to_string());
        let (base, proposed) = (dir.join("base"), dir.join("proposed"));
        let source_file = dir.join("source");
        if !source_file.is_file() {
            eprintln!("writing the model of {} datasets", size * 10);
            let eco = model(size);
            let (changed, source) = proposal(&eco);
            write_files(&base, &files(&eco, Format::Yaml))?;
            write_files(&proposed, &files(&changed, Format::Yaml))?;
            std::fs::write(&source_file, source.to_string())?;
        }
        let source = std::fs::read_to_string(&source_file)?;
        let datasets = size * 10 + size.div_ceil(10);
        cases.push(Case {
            name: format!("`check -q`, {datasets} datasets"),
            args: vec!["check".into(), "-q".into(), path(&base)],
            renders: None,
        });
        cases.push(Case {
            name: format!("`verify -q`, {datasets} datasets"),
            args: [
                "verify",
                "-q",
                "--base",
                &path(&base),
                "--proposed",
                &path(&proposed),
                "--source",
                source.trim(),
            ]
            .map(str::to_owned)
            .to_vec(),
            renders: None,
        });
        // Into a new folder, then again over the first one's.
        for (fresh, what) in [(true, "new folder"), (false, "nothing changed")] {
            let out = renders.join(format!("{size}-{}", if fresh { "new" } else { "same" }));
            cases.push(Case {
                name: format!("`render -q` airflow, {datasets} datasets, {what}"),
                args: [
                    "render",
                    "-q",
                    &path(&base),
                    "--platform",
                    "Central",
                    "--out",
                    &path(&out),
                ]
                .map(str::to_owned)
                .to_vec(),
                renders: Some((out, fresh)),
            });
        }
    }
    Ok(cases)
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

/// Runs `binary` with `args` in a grandchild, through `--one` in a child of
/// this program; its wall time and peak memory.
fn measure(exe: &Path, binary: &Path, args: &[String]) -> Result<Run, Failed> {
    let out = Command::new(exe)
        .arg("--one")
        .arg(binary)
        .args(args)
        .stderr(Stdio::inherit())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let figures: Vec<f64> = text
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    match (out.status.success(), figures.as_slice()) {
        (true, [ms, kb]) => Ok(Run {
            ms: *ms,
            mb: kb / 1024.0,
        }),
        _ => Err(format!(
            "{} {} did not pass: {}",
            binary.display(),
            args.join(" "),
            text.trim()
        )
        .into()),
    }
}

/// In a child: runs the command after `--one`, its output discarded, and
/// prints its wall time in milliseconds and its peak resident memory in
/// kilobytes; fails when the command does.
fn one(command: &[String]) -> ExitCode {
    let Some((program, args)) = command.split_first() else {
        eprintln!("error: --one needs a command");
        return ExitCode::from(2);
    };
    let clock = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let ms = clock.elapsed().as_secs_f64() * 1000.0;
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => {
            println!("exit {status}");
            return ExitCode::from(1);
        }
        Err(e) => {
            println!("cannot run {program}: {e}");
            return ExitCode::from(1);
        }
    }
    // This process's only child has ended: the children's peak is its.
    match nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN) {
        Ok(usage) => {
            println!("{ms:.2} {}", usage.max_rss());
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("getrusage: {e}");
            ExitCode::from(1)
        }
    }
}

fn median(runs: &[Run], figure: impl Fn(&Run) -> f64) -> f64 {
    let mut values: Vec<f64> = runs.iter().map(figure).collect();
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        f64::midpoint(values[mid - 1], values[mid])
    }
}

/// The median of `current`'s figures over `base`'s, round by round.
fn paired(base: &[Run], current: &[Run], figure: impl Fn(&Run) -> f64) -> f64 {
    let ratios: Vec<Run> = base
        .iter()
        .zip(current)
        .map(|(b, c)| Run {
            ms: figure(c) / figure(b),
            mb: 0.0,
        })
        .collect();
    median(&ratios, |r| r.ms)
}

/// Prints the table; whether every figure is within the tolerance.
fn report(
    cases: &[Case],
    figures: &[[Vec<Run>; 2]],
    baseline: &str,
    head: &str,
    tolerance: f64,
) -> bool {
    let short = &baseline[..baseline.len().min(7)];
    println!("| command | ms, {short} | ms, {head} | ratio | MB, {short} | MB, {head} | ratio | |");
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    let mut within = true;
    for (case, [base, current]) in cases.iter().zip(figures) {
        let (ms0, ms1) = (median(base, |r| r.ms), median(current, |r| r.ms));
        let (mb0, mb1) = (median(base, |r| r.mb), median(current, |r| r.mb));
        // Each round's two runs are neighbours in time: the median of
        // their ratios is steadier than the ratio of the medians on a
        // machine whose speed drifts.
        let (time, memory) = (
            paired(base, current, |r| r.ms),
            paired(base, current, |r| r.mb),
        );
        let limit = 1.0 + tolerance / 100.0;
        let verdict = if time <= limit && memory <= limit {
            "within"
        } else {
            within = false;
            "SLOWER OR LARGER"
        };
        println!(
            "| {} | {ms0:.1} | {ms1:.1} | {time:.3} | {mb0:.1} | {mb1:.1} | {memory:.3} | {verdict} |",
            case.name
        );
    }
    println!(
        "\nmedians of {} runs each, ratios the medians of each round's; tolerance {tolerance}%",
        figures.first().map_or(0, |f| f[0].len())
    );
    within
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(ms: &[f64]) -> Vec<Run> {
        ms.iter().map(|&ms| Run { ms, mb: 1.0 }).collect()
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert!((median(&runs(&[3.0, 1.0, 2.0]), |r| r.ms) - 2.0).abs() < 1e-9);
        assert!((median(&runs(&[4.0, 1.0, 2.0, 3.0]), |r| r.ms) - 2.5).abs() < 1e-9);
    }

    #[test]
    fn a_drift_shared_by_a_round_cancels_in_its_ratio() {
        // The machine slows down by half in the second and third rounds;
        // the current build is 10% slower in every round.
        let base = runs(&[100.0, 150.0, 150.0]);
        let current = runs(&[110.0, 165.0, 165.0]);
        assert!((paired(&base, &current, |r| r.ms) - 1.1).abs() < 1e-9);
    }

    #[test]
    fn each_build_renders_into_a_folder_of_its_own_made_new_when_asked() {
        let dir = std::env::temp_dir().join(format!("perf-guard-{}", std::process::id()));
        let out = dir.join("r");
        let case = Case {
            name: String::new(),
            args: vec!["render".into(), "--out".into(), path(&out)],
            renders: Some((out.clone(), true)),
        };
        let mine = dir.join("r-1");
        std::fs::create_dir_all(&mine).unwrap();
        assert_eq!(case.prepare(1).unwrap(), ["render", "--out", &path(&mine)]);
        assert!(!mine.exists());
        let kept = Case {
            renders: Some((out, false)),
            ..case
        };
        std::fs::create_dir_all(&mine).unwrap();
        let _ = kept.prepare(1).unwrap();
        assert!(mine.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn options_read_and_refuse() {
        let args: Vec<String> = [
            "--rounds",
            "3",
            "--stores",
            "10,20",
            "--tolerance",
            "2.5",
            "--render-dir",
            "/dev/shm/g",
        ]
        .map(str::to_owned)
        .to_vec();
        let o = Options::parse(&args).unwrap();
        assert_eq!(
            (
                o.rounds,
                o.stores.clone(),
                o.tolerance,
                o.render_dir.clone()
            ),
            (3, vec![10, 20], 2.5, Some(PathBuf::from("/dev/shm/g")))
        );
        assert!(Options::parse(&["--rounds".to_owned()]).is_err());
        assert!(Options::parse(&["--rounds".to_owned(), "0".to_owned()]).is_err());
        assert!(Options::parse(&["--bogus".to_owned(), "1".to_owned()]).is_err());
    }
}
