//! Validating a one-column change of a team from the findings of the model
//! it changes, against validating the whole changed model, in one run:
//! `cargo run --release -p datasurface-bench --bin revalidate -- [STORES…]`.
//!
//! Each size is the benchmark model (`datasurface_bench::model`), changed
//! as `verify`'s benchmark changes it (a nullable column added to a
//! dataset a consumer reads); both give the same findings, or it says so.
//! Medians of `--rounds` rounds (7 by default), in milliseconds.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::time::Instant;

use datasurface_bench::{model, proposal};
use datasurface_core::Ecosystem;
use datasurface_rules::validate::{check, incremental::revalidate};

fn main() -> std::process::ExitCode {
    let mut rounds = 7;
    let mut sizes = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rounds" => rounds = args.next().and_then(|r| r.parse().ok()).unwrap_or(rounds),
            size => {
                let Ok(size) = size.parse::<usize>() else {
                    eprintln!("usage: revalidate [--rounds N] [STORES…]");
                    return std::process::ExitCode::FAILURE;
                };
                sizes.push(size);
            }
        }
    }
    if sizes.is_empty() {
        sizes = vec![1010, 10100];
    }
    println!("| datasets | check, whole (ms) | revalidate (ms) | ratio | same findings |");
    println!("|---:|---:|---:|---:|---|");
    for stores in sizes {
        let base = model(stores);
        let (proposed, _) = proposal(&base);
        let base_found = check(&base).diagnostics().to_vec();
        let (whole, whole_found) = median(rounds, || check(&proposed).diagnostics().to_vec());
        let (incremental, found) = median(rounds, || {
            revalidate(&base, &base_found, &proposed).unwrap_or_default()
        });
        let same = sorted(whole_found) == sorted(found);
        println!(
            "| {} | {whole:.1} | {incremental:.1} | {:.3} | {same} |",
            datasets(&base),
            incremental / whole
        );
    }
    std::process::ExitCode::SUCCESS
}

fn datasets(eco: &Ecosystem) -> usize {
    eco.datastores().map(|(_, _, s)| s.datasets.len()).sum()
}

fn sorted(
    mut found: Vec<datasurface_rules::validate::Diagnostic>,
) -> Vec<datasurface_rules::validate::Diagnostic> {
    found.sort_by_cached_key(|d| (d.path.to_string(), d.code, d.message.clone()));
    found
}

/// The median time of `rounds` runs of `f`, in milliseconds, and its last result.
fn median<T>(rounds: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..rounds.max(1) {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    times.sort_by(f64::total_cmp);
    let out = last.unwrap_or_else(|| unreachable!("at least one round"));
    (times[times.len() / 2], out)
}
