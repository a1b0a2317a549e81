//! What printing findings costs the gate: `datasurface check` and `verify`
//! of the generated model (10,000 datastores, 101,000 datasets, by default;
//! its file-drop sources give one warning each, about 3,800 in all) in every
//! output format, against the same command with `-q`, as whole commands in
//! this process (reading the files, loading, validating, the graphs, the
//! platforms' checks, locating and formatting the findings), each the best
//! of three runs.
//!
//! ```sh
//! cargo run --release -p datasurface-bench --bin findings-cost
//! cargo run --release -p datasurface-bench --bin findings-cost -- 1000
//! ```
//!
//! Target: every format within 1.20× of the quiet command.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use datasurface_bench::{Failed, command, files, model, proposal, targets_exit, write_files};
use datasurface_files::Format;

/// Each format's time against the quiet command's, at most.
const TARGET: f64 = 1.2;
const FORMATS: [&str; 4] = ["human", "json", "sarif", "github"];

fn main() -> ExitCode {
    targets_exit(run)
}

/// The best of three runs of `args`, in seconds; a command that does not
/// succeed (the generated model has warnings only) is an error.
fn best(args: &[&str]) -> Result<f64, Failed> {
    let mut fastest = f64::MAX;
    for _ in 0..3 {
        // A command frees its model on a thread once it has answered: let
        // it finish before the next run.
        std::thread::sleep(Duration::from_millis(400));
        let clock = Instant::now();
        let outcome = command(args);
        let seconds = clock.elapsed().as_secs_f64();
        if outcome != datasurface_cli::Outcome::Success {
            return Err(format!("`datasurface {}` ended {outcome:?}", args.join(" ")).into());
        }
        fastest = fastest.min(seconds);
    }
    Ok(fastest)
}

fn run() -> Result<bool, Failed> {
    let stores: usize = match std::env::args().nth(1) {
        Some(s) => s.parse().map_err(|e| format!("stores `{s}`: {e}"))?,
        None => 10_000,
    };
    eprintln!("generating {stores} datastores …");
    let dir = std::env::temp_dir().join(format!("datasurface-findings-{}", std::process::id()));
    let base = model(stores);
    let (proposed, source) = proposal(&base);
    write_files(&dir.join("yaml"), &files(&base, Format::Yaml))?;
    write_files(&dir.join("json"), &files(&base, Format::Json))?;
    write_files(&dir.join("proposed"), &files(&proposed, Format::Yaml))?;
    drop((base, proposed));
    let path = |name: &str| dir.join(name).display().to_string();
    let (yaml, json, changed, source) = (
        path("yaml"),
        path("json"),
        path("proposed"),
        source.to_string(),
    );
    let commands: [(&str, Vec<&str>); 3] = [
        ("check, YAML", vec!["check", &yaml]),
        ("check, JSON", vec!["check", &json]),
        (
            "verify, YAML",
            vec![
                "verify",
                "--base",
                &yaml,
                "--proposed",
                &changed,
                "--source",
                &source,
            ],
        ),
    ];
    let mut all_met = true;
    println!("| command | `-q` s | format | s | against `-q` | target |");
    println!("|---|---:|---|---:|---:|---|");
    for (what, args) in &commands {
        eprintln!("{what} …");
        let quiet = best(&[args.as_slice(), &["-q"]].concat())?;
        for format in FORMATS {
            let seconds = best(&[args.as_slice(), &["--format", format]].concat())?;
            let ratio = seconds / quiet;
            let met = ratio <= TARGET;
            all_met &= met;
            println!(
                "| {what} | {quiet:.2} | {format} | {seconds:.2} | {ratio:.2}× | ≤ {TARGET:.2}×, {} |",
                if met { "met" } else { "not met" }
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(all_met)
}
