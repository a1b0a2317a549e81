//! Validating a one-column change of a team from the findings of the model
//! it changes, against validating the whole changed model, in one run:
//! `cargo run --release -p datasurface-bench --bin revalidate -- [STORES…]`.
//!
//! Each size is the benchmark model (`datasurface_bench::model`: 1,000
//! stores a producer team), then the same with teams of 100 stores
//! (`model_in_teams`), as an enterprise's teams are, each changed as
//! `verify`'s benchmark changes it (a nullable column added to a dataset
//! a consumer reads); both ways give the same findings, or it says so.
//! Medians of `--rounds` rounds (7 by default), in milliseconds.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::time::Instant;

use datasurface_bench::{model, model_in_teams, proposal};
use datasurface_core::Ecosystem;
use datasurface_rules::validate::check;
use datasurface_rules::validate::incremental::Prior;

fn main() -> std::process::ExitCode {
    let Some((rounds, sizes)) = datasurface_bench::asked("revalidate", 7) else {
        return std::process::ExitCode::FAILURE;
    };
    println!(
        "| datasets | stores a team | check, whole (ms) | index the prior once (ms) | revalidate (ms) | ratio | same findings |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---|");
    let models = sizes
        .iter()
        .flat_map(|&stores| [(stores, 1000), (stores, 100)]);
    for (stores, per_team) in models {
        let base = if per_team == 1000 {
            model(stores)
        } else {
            model_in_teams(stores, per_team)
        };
        let (proposed, _) = proposal(&base);
        let base_found = check(&base).diagnostics().to_vec();
        let (whole, whole_found) = median(rounds, || check(&proposed).diagnostics().to_vec());
        let (indexing, prior) = median(rounds, || Prior::new(base.clone(), base_found.clone()));
        let (incremental, found) = median(rounds, || prior.revalidate(&proposed));
        let Some(found) = found else {
            println!(
                "| {} | {whole:.1} | {indexing:.1} | not a change it handles | | |",
                datasets(&base)
            );
            continue;
        };
        let same = sorted(whole_found) == sorted(found);
        println!(
            "| {} | {per_team} | {whole:.1} | {indexing:.1} | {incremental:.1} | {:.3} | {same} |",
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
