//! The models and steps the scale benchmarks measure, shared by the divan
//! benchmarks (`cargo bench -p datasurface-bench`) and the one-shot report
//! with peak memory (`cargo run --release -p datasurface-bench --bin
//! scale-report`).
//!
//! Sizes follow the `DataPlatform` design's enterprise: S datastores of 10 datasets of 10
//! columns, 0.3·S consumer workspaces reading 5 datasets each, 0.1·S
//! transformers in chains, one zone per 1,000 stores, two platforms
//! (`Central`, kind `airflow`, the primary ingestion platform, and `Local`,
//! kind `sqlite`).

pub mod postgres;

use datasurface_core::names::PlatformName;
use datasurface_core::{Ecosystem, Repository};
use datasurface_files::{self as files, Format, SourceFile};
use datasurface_platform::graph::{IntentionGraphs, build};
use datasurface_platform::{DataPlatform, Plan, Rendering, render_with};
use datasurface_rules::validate::{ValidEcosystem, validate};
use datasurface_rules::verify::{Verification, verify};
use datasurface_testkit::{Shape, edits, generate_for};

/// The benchmark sizes, in datastores: 1,010, 10,100 and 101,000 datasets
/// (transformer outputs included).
pub const STORES: [usize; 3] = [100, 1_000, 10_000];

/// What a one-shot benchmark's command line asks: `[--rounds N]
/// [STORES…]`, the rounds (`rounds` unless given) and the sizes in stores
/// (1,010 and 10,100 unless given); `None`, the usage line printed, when
/// an argument is neither.
#[allow(clippy::print_stderr, reason = "the usage line, for people")]
pub fn asked(program: &str, rounds: usize) -> Option<(usize, Vec<usize>)> {
    let mut rounds = rounds;
    let mut sizes = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--rounds" {
            rounds = args.next().and_then(|r| r.parse().ok()).unwrap_or(rounds);
        } else if let Ok(size) = arg.parse::<usize>() {
            sizes.push(size);
        } else {
            eprintln!("usage: {program} [--rounds N] [STORES…]");
            return None;
        }
    }
    if sizes.is_empty() {
        sizes = vec![1010, 10100];
    }
    Some((rounds, sizes))
}

/// The platforms of every benchmark model, by name.
pub fn platforms() -> [(&'static str, Box<dyn DataPlatform>); 2] {
    [
        ("Central", Box::new(datasurface_airflow::Airflow::new())),
        ("Local", Box::new(datasurface_sqlite::SqlitePlatform)),
    ]
}

/// The benchmark model with `stores` datastores.
///
/// # Panics
/// If the generator fails, which is a bug the generator's own tests catch.
pub fn model(stores: usize) -> Ecosystem {
    let platforms = platforms();
    let named: Vec<(&str, &dyn DataPlatform)> =
        platforms.iter().map(|(n, p)| (*n, p.as_ref())).collect();
    generate_for(&Shape::new(stores, 10, 10), &named)
        .unwrap_or_else(|e| panic!("the benchmark model cannot be generated: {e}"))
}

/// The benchmark model with `stores` datastores, its producers in teams of
/// `stores_per_team` stores (one producer and one consumer team a zone).
///
/// # Panics
/// If the generator fails, which is a bug the generator's own tests catch.
pub fn model_in_teams(stores: usize, stores_per_team: usize) -> Ecosystem {
    let platforms = platforms();
    let named: Vec<(&str, &dyn DataPlatform)> =
        platforms.iter().map(|(n, p)| (*n, p.as_ref())).collect();
    let mut shape = Shape::new(stores, 10, 10);
    shape.zones = stores.div_ceil(stores_per_team.max(1)).max(2);
    generate_for(&shape, &named)
        .unwrap_or_else(|e| panic!("the benchmark model cannot be generated: {e}"))
}

/// A model's files in the usual directory layout.
///
/// # Panics
/// If the model cannot be written, a bug.
pub fn files(model: &Ecosystem, format: Format) -> Vec<SourceFile> {
    files::to_directory(model, format).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads files into a model.
///
/// # Panics
/// If they do not load, a bug.
pub fn load(files: &[SourceFile]) -> Ecosystem {
    files::load(files)
        .unwrap_or_else(|e| panic!("the benchmark model does not load: {e}"))
        .ecosystem
}

/// Validates a model.
///
/// # Panics
/// If it has errors, a bug.
pub fn valid(model: Ecosystem) -> ValidEcosystem {
    validate(model).unwrap_or_else(|e| panic!("the benchmark model is not valid: {e:?}"))
}

/// Every platform's intention graph.
pub fn graphs(valid: &ValidEcosystem) -> IntentionGraphs {
    build(valid)
}

/// The proposed change: a nullable column added to a dataset a consumer
/// reads, and the repository of the team that owns it, which proposes it.
///
/// # Panics
/// If the model has no consumer, a bug.
pub fn proposal(base: &Ecosystem) -> (Ecosystem, Repository) {
    let mut proposed = base.clone();
    assert!(
        edits::add_nullable_column(&mut proposed),
        "the benchmark model has no consumed dataset"
    );
    let source = proposed
        .zones
        .values()
        .flat_map(|z| z.teams.iter().map(move |(name, team)| (z, name, team)))
        .find(|(_, _, team)| {
            team.datastores.iter().any(|(name, store)| {
                base.zones
                    .values()
                    .flat_map(|z| z.teams.values())
                    .filter_map(|t| t.datastores.get(name))
                    .all(|b| b != store)
            })
        })
        .and_then(|(zone, name, _)| zone.team_declarations.get(name))
        .map_or_else(
            || panic!("no team owns the changed datastore"),
            |d| d.repository.clone(),
        );
    (proposed, source)
}

/// Verifies a proposal against its base.
pub fn verify_change(base: &Ecosystem, proposed: &Ecosystem, source: &Repository) -> Verification {
    verify(Some(base), proposed, source)
}

/// Renders one platform of a model.
///
/// # Panics
/// If the platform refuses the model, a bug.
pub fn render(
    platform: &dyn DataPlatform,
    valid: &ValidEcosystem,
    graphs: &IntentionGraphs,
    name: &str,
) -> Rendering {
    let name: PlatformName = name
        .parse()
        .unwrap_or_else(|e| panic!("bad platform name `{name}`: {e}"));
    render_with(platform, valid, graphs, &name)
        .unwrap_or_else(|e| panic!("platform `{name}` cannot render the benchmark model: {e}"))
        .rendering
}

/// The plan from one rendering to another.
pub fn diff(platform: &dyn DataPlatform, from: &Rendering, to: &Rendering) -> Plan {
    platform.diff(from, to)
}

/// Writes a model's files under `dir` (emptied first), as `datasurface`
/// reads them: for the commands measured whole.
///
/// # Errors
///
/// Says which directory or file could not be made or written.
pub fn write_files(dir: &std::path::Path, files: &[SourceFile]) -> Result<(), WriteError> {
    let _ = std::fs::remove_dir_all(dir);
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| WriteError {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, &f.text).map_err(|source| WriteError { path, source })?;
    }
    Ok(())
}

/// A directory or file [`write_files`] could not make or write.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct WriteError {
    path: std::path::PathBuf,
    source: std::io::Error,
}

/// Runs the `datasurface` command line in process with `args` (after the
/// program's name), its output discarded: a command measured whole.
pub fn command(args: &[&str]) -> datasurface_cli::Outcome {
    datasurface_cli::Datasurface::new().run(
        std::iter::once("datasurface").chain(args.iter().copied()),
        &mut std::io::sink(),
        &mut std::io::sink(),
    )
}

/// `datasurface verify -q` of a proposed model directory against a base
/// one, by `source` (see [`command`]).
pub fn verify_command(base: &str, proposed: &str, source: &str) -> datasurface_cli::Outcome {
    command(&[
        "verify",
        "-q",
        "--base",
        base,
        "--proposed",
        proposed,
        "--source",
        source,
    ])
}

/// Why a benchmark could not measure, for the terminal.
pub type Failed = Box<dyn std::error::Error + Send + Sync>;

/// The exit of a benchmark that prints its figures beside their targets:
/// 0 when `run` met every target, 1 when it missed one, 2 (after saying
/// why) when it could not measure.
pub fn targets_exit(run: impl FnOnce() -> Result<bool, Failed>) -> std::process::ExitCode {
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            #[allow(clippy::print_stderr, reason = "the benchmark's one error line")]
            {
                eprintln!("error: {e}");
            }
            std::process::ExitCode::from(2)
        }
    }
}
