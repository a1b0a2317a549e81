//! `serve`'s reload after one team file changes, against its first load, in
//! one run: `cargo run --release -p datasurface-bench --bin serve-reload --
//! [--rounds N] [STORES…]`.
//!
//! Each size is the benchmark model in teams of 100 stores (an
//! enterprise's teams; `model_in_teams`), written to files under
//! `target/serve-reload/<stores>/`. The first load is what `serve` does
//! when it starts: the gate's whole pipeline ([`Gate::load`], texts read
//! again only to place findings) and the service indexing the version. A reload
//! is what it does when a file changes, through the same pieces, with
//! what the last load kept ([`Gate::load_again`]): each round writes one
//! team file changed as `verify`'s benchmark changes it (a nullable column
//! added to a dataset a consumer reads), then writes it back. Both ways
//! must find the same findings, or it says so. Medians of `--rounds`
//! rounds (5 by default), in milliseconds, with how many documents the
//! reload parsed.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use datasurface_bench::{files, model_in_teams, proposal, write_files};
use datasurface_files::{Format, SourceFile};
use datasurface_gate::{Gate, Kept, LoadOptions, Loaded, ModelDir};
use datasurface_platform::PlatformRegistry;
use datasurface_rules::validate::Diagnostic;
use datasurface_server::{ModelService, ModelVersion};

fn main() -> std::process::ExitCode {
    let Some((rounds, sizes)) = datasurface_bench::asked("serve-reload", 5) else {
        return std::process::ExitCode::FAILURE;
    };
    println!(
        "| datasets | first load: gate (ms) | first load: service (ms) | index, once (ms) | reload: gate (ms) | reload: service (ms) | reload / first load | same findings |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---|");
    for stores in sizes {
        match measure(stores, rounds) {
            Ok(row) => println!("{row}"),
            Err(e) => {
                eprintln!("serve-reload: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}

fn gate() -> Gate {
    let mut registry = PlatformRegistry::new();
    for (_, platform) in datasurface_bench::platforms() {
        registry.register(Arc::from(platform));
    }
    Gate::new(registry)
}

/// The one file of `after` whose text is not `before`'s at its path.
fn changed_file(before: &[SourceFile], after: &[SourceFile]) -> Result<SourceFile, String> {
    let mut changed = after
        .iter()
        .filter(|f| before.iter().find(|b| b.path == f.path).map(|b| &b.text) != Some(&f.text));
    match (changed.next(), changed.next()) {
        (Some(one), None) => Ok(one.clone()),
        _ => Err("the change is not of exactly one file".to_owned()),
    }
}

fn measure(stores: usize, rounds: usize) -> Result<String, String> {
    let base = model_in_teams(stores, 100);
    let (proposed, _) = proposal(&base);
    let datasets: usize = base.datastores().map(|(_, _, s)| s.datasets.len()).sum();
    let base_files = files(&base, Format::Yaml);
    let changed = changed_file(&base_files, &files(&proposed, Format::Yaml))?;
    let original = base_files
        .iter()
        .find(|f| f.path == changed.path)
        .cloned()
        .ok_or("the changed file is new")?;
    let dir = PathBuf::from(format!("target/serve-reload/{stores}"));
    write_files(&dir, &base_files).map_err(|e| e.to_string())?;
    drop((base, proposed, base_files));
    let gate = gate();
    let model = ModelDir::new(&dir);
    let options = LoadOptions::new().with_texts_to_place();
    let write = |file: &SourceFile| {
        std::fs::write(dir.join(&file.path), &file.text)
            .map_err(|e| format!("{}: {e}", dir.join(&file.path).display()))
    };

    let mut first = Vec::new();
    let mut again = Vec::new();
    let mut indexing = Vec::new();
    let mut parsed = 0;
    let mut same = true;
    for _ in 0..rounds {
        // The first load, as `serve` starts.
        let mut kept = Kept::default();
        let start = Instant::now();
        let loaded = gate.load_again(&model, &options, &mut kept);
        let gate_ms = ms(start);
        let start = Instant::now();
        let service = ModelService::new(version(loaded, &kept)?);
        first.push((gate_ms, ms(start)));
        // What `serve` does once it serves, while nothing changes.
        let start = Instant::now();
        kept.index();
        indexing.push(ms(start));

        // One team file changes; the reload.
        write(&changed)?;
        let start = Instant::now();
        let loaded = gate.load_again(&model, &options, &mut kept);
        let gate_ms = ms(start);
        let incremental = found(&loaded);
        parsed = kept.parsed();
        let start = Instant::now();
        let status =
            service.reload(
                version(loaded, &kept).map_err(|e| datasurface_server::Rejected {
                    summary: e,
                    diagnostics: Vec::new(),
                }),
            );
        again.push((gate_ms, ms(start)));
        if !status.ok {
            return Err(status.summary);
        }
        let whole = found(&gate.load(&model, &options));
        same &= whole == incremental;
        write(&original)?;
        drop(service);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
    };
    let (mut first_gate, mut first_service): (Vec<f64>, Vec<f64>) = first.into_iter().unzip();
    let (mut gate_again, mut service_again): (Vec<f64>, Vec<f64>) = again.into_iter().unzip();
    let (fg, fs, ix, ag, asv) = (
        median(&mut first_gate),
        median(&mut first_service),
        median(&mut indexing),
        median(&mut gate_again),
        median(&mut service_again),
    );
    Ok(format!(
        "| {datasets} | {fg:.1} | {fs:.1} | {ix:.1} | {ag:.1} ({parsed} document parsed) | {asv:.1} | {:.3} | {same} |",
        (ag + asv) / (fg + fs)
    ))
}

/// The findings of a load, sorted.
fn found(loaded: &Loaded) -> Vec<String> {
    let mut found: Vec<String> = loaded
        .report
        .diagnostics()
        .iter()
        .map(|d: &Diagnostic| format!("{} {} {} {:?}", d.code, d.path, d.message, d.location))
        .chain(loaded.load_errors.iter().map(ToString::to_string))
        .collect();
    found.sort();
    found
}

/// What the service serves of a load, its content hash as `serve` takes
/// it (each document's digest, kept while its text is unchanged).
fn version(loaded: Loaded, kept: &Kept) -> Result<ModelVersion, String> {
    let Some(valid) = loaded.valid else {
        return Err(format!(
            "the benchmark model does not pass: {:?}",
            found(&loaded).first()
        ));
    };
    let mut all = String::new();
    for s in &loaded.sources {
        all.push_str(&s.path);
        all.push('\0');
        all.push_str(&kept.digest(&s.path).unwrap_or_default());
        all.push('\n');
    }
    let hash = datasurface_platform::content_hash(&all);
    Ok(ModelVersion {
        valid,
        diagnostics: loaded.report.diagnostics().to_vec(),
        content_hash: hash,
        changes: Vec::new(),
        graphs: loaded.graphs,
    })
}

fn ms(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}
