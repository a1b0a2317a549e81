//! The scale benchmarks: `cargo bench -p datasurface-bench --bench scale`.
//!
//! Each step at 1,010, 10,100 and 101,000 datasets (the `stores` argument is
//! 100, 1,000 or 10,000 datastores of 10 datasets): loading the model's files
//! (YAML and JSON), validating it, taking its resource inventory, building
//! every platform's graph, verifying a one-column change against it, and
//! rendering and diffing with the
//! `airflow` and `sqlite` platforms; and `datasurface check -q` and
//! `verify -q` of the YAML model as whole commands (files read from a
//! temporary directory, in process). Models are made once per size and
//! shared; what a step consumes is made outside its timing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use datasurface_bench::{
    STORES, command, diff, files, graphs, load, model, platforms, proposal, render, valid,
    verify_change, verify_command, write_files,
};
use datasurface_core::{Ecosystem, Repository};
use datasurface_files::{Format, SourceFile};
use datasurface_platform::Rendering;
use datasurface_platform::graph::IntentionGraphs;
use datasurface_rules::validate::ValidEcosystem;

fn main() {
    divan::main();
    for stores in STORES {
        let _ = std::fs::remove_dir_all(written_dir(stores));
    }
}

/// Where a size's model is written for the commands measured whole.
fn written_dir(stores: usize) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("datasurface-bench-{stores}-{}", std::process::id()))
}

/// One size's inputs, each made when first needed.
struct Fixture {
    stores: usize,
    model: OnceLock<Ecosystem>,
    yaml: OnceLock<Vec<SourceFile>>,
    json: OnceLock<Vec<SourceFile>>,
    valid: OnceLock<(ValidEcosystem, IntentionGraphs)>,
    proposal: OnceLock<(Ecosystem, Repository, ValidEcosystem, IntentionGraphs)>,
    renders: OnceLock<Vec<(Rendering, Rendering)>>,
    /// The YAML model and the proposal written out, and the change's source.
    written: OnceLock<(std::path::PathBuf, String)>,
}

impl Fixture {
    fn model(&self) -> &Ecosystem {
        self.model.get_or_init(|| model(self.stores))
    }
    fn yaml(&self) -> &[SourceFile] {
        self.yaml.get_or_init(|| files(self.model(), Format::Yaml))
    }
    fn json(&self) -> &[SourceFile] {
        self.json.get_or_init(|| files(self.model(), Format::Json))
    }
    fn valid(&self) -> &(ValidEcosystem, IntentionGraphs) {
        self.valid.get_or_init(|| {
            let v = valid(self.model().clone());
            let g = graphs(&v);
            (v, g)
        })
    }
    fn proposal(&self) -> &(Ecosystem, Repository, ValidEcosystem, IntentionGraphs) {
        self.proposal.get_or_init(|| {
            let (proposed, source) = proposal(self.model());
            let v = valid(proposed.clone());
            let g = graphs(&v);
            (proposed, source, v, g)
        })
    }
    /// The directory holding `yaml/` and `proposed/`, and the change's source.
    fn written(&self) -> &(std::path::PathBuf, String) {
        self.written.get_or_init(|| {
            let dir = written_dir(self.stores);
            let (proposed, source, ..) = self.proposal();
            let written = write_files(&dir.join("yaml"), self.yaml())
                .and_then(|()| write_files(&dir.join("proposed"), &files(proposed, Format::Yaml)));
            if let Err(e) = written {
                panic!("cannot write the benchmark's model: {e}");
            }
            (dir, source.to_string())
        })
    }

    /// Each platform's rendering of the base and of the proposal.
    fn renders(&self) -> &[(Rendering, Rendering)] {
        self.renders.get_or_init(|| {
            let (base, base_graphs) = self.valid();
            let (_, _, next, next_graphs) = self.proposal();
            platforms()
                .iter()
                .map(|(name, p)| {
                    (
                        render(p.as_ref(), base, base_graphs, name),
                        render(p.as_ref(), next, next_graphs, name),
                    )
                })
                .collect()
        })
    }
}

fn fixture(stores: usize) -> Arc<Fixture> {
    static FIXTURES: Mutex<BTreeMap<usize, Arc<Fixture>>> = Mutex::new(BTreeMap::new());
    let mut fixtures = FIXTURES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Arc::clone(fixtures.entry(stores).or_insert_with(|| {
        Arc::new(Fixture {
            stores,
            model: OnceLock::new(),
            yaml: OnceLock::new(),
            json: OnceLock::new(),
            valid: OnceLock::new(),
            proposal: OnceLock::new(),
            renders: OnceLock::new(),
            written: OnceLock::new(),
        })
    }))
}

#[divan::bench(args = STORES, sample_count = 3, sample_size = 1)]
fn load_yaml(bencher: divan::Bencher<'_, '_>, stores: usize) {
    let f = fixture(stores);
    let files = f.yaml();
    bencher.bench(|| load(files));
}

#[divan::bench(args = STORES, sample_count = 5, sample_size = 1)]
fn load_json(bencher: divan::Bencher<'_, '_>, stores: usize) {
    let f = fixture(stores);
    let files = f.json();
    bencher.bench(|| load(files));
}

#[divan::bench(args = STORES, sample_count = 5, sample_size = 1)]
fn validate(bencher: divan::Bencher<'_, '_>, stores: usize) {
    let f = fixture(stores);
    bencher
        .with_inputs(|| f.model().clone())
        .bench_values(valid);
}

/// The resource inventory the authority checks read (validation takes it
/// on a second core, beside the model's index).
#[divan::bench(args = STORES, sample_count = 10, sample_size = 1)]
fn resource_inventory(bencher: divan::Bencher<'_, '_>, stores: usize) {
    let f = fixture(stores);
    let model = f.model();
    bencher.bench(|| datasurface_core::inventory::inventory(model));
}

#[divan::bench(args = STORES, sample_count = 10, sample_size = 1)]
fn build_graphs(bencher: divan::Bencher<'_, '_>, stores: usize) {
    let f = fixture(stores);
    let (v, _) = f.valid();
    bencher.bench(|| graphs(v));
}

#[divan::bench(args = STORES, sample_count = 5, sample_size = 1)]
fn verify_one_column(bencher: divan::Bencher<'_, '_>, stores: usize) {
    let f = fixture(stores);
    let base = f.model();
    let (proposed, source, _, _) = f.proposal();
    bencher.bench(|| verify_change(base, proposed, source));
}

fn render_platform(bencher: divan::Bencher<'_, '_>, stores: usize, at: usize) {
    let f = fixture(stores);
    let (v, g) = f.valid();
    let all = platforms();
    let (name, platform) = &all[at];
    bencher.bench(|| render(platform.as_ref(), v, g, name));
}

fn diff_platform(bencher: divan::Bencher<'_, '_>, stores: usize, at: usize) {
    let f = fixture(stores);
    let (from, to) = &f.renders()[at];
    let all = platforms();
    let platform = all[at].1.as_ref();
    bencher.bench(|| diff(platform, from, to));
}

#[divan::bench(args = STORES, sample_count = 5, sample_size = 1)]
fn render_airflow(bencher: divan::Bencher<'_, '_>, stores: usize) {
    render_platform(bencher, stores, 0);
}

#[divan::bench(args = STORES, sample_count = 5, sample_size = 1)]
fn diff_airflow(bencher: divan::Bencher<'_, '_>, stores: usize) {
    diff_platform(bencher, stores, 0);
}

#[divan::bench(args = STORES, sample_count = 5, sample_size = 1)]
fn render_sqlite(bencher: divan::Bencher<'_, '_>, stores: usize) {
    render_platform(bencher, stores, 1);
}

#[divan::bench(args = STORES, sample_count = 5, sample_size = 1)]
fn diff_sqlite(bencher: divan::Bencher<'_, '_>, stores: usize) {
    diff_platform(bencher, stores, 1);
}

#[divan::bench(args = STORES, sample_count = 3, sample_size = 1)]
fn check_yaml_command(bencher: divan::Bencher<'_, '_>, stores: usize) {
    let f = fixture(stores);
    let yaml = f.written().0.join("yaml").display().to_string();
    bencher.bench(|| command(&["check", "-q", &yaml]));
}

#[divan::bench(args = STORES, sample_count = 3, sample_size = 1)]
fn verify_yaml_command(bencher: divan::Bencher<'_, '_>, stores: usize) {
    let f = fixture(stores);
    let (dir, source) = f.written();
    let (yaml, proposed) = (
        dir.join("yaml").display().to_string(),
        dir.join("proposed").display().to_string(),
    );
    bencher.bench(|| verify_command(&yaml, &proposed, source));
}
