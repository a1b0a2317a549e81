//! Whether Apache Airflow can schedule the `airflow` platform's rendering of
//! a large model: the generated model (10,000 datastores, 101,000 datasets,
//! by default) rendered, its DAG folder written, and every DAG file parsed
//! and its DAGs serialized by Airflow 3.1's own `DagBag`, as the DAG
//! processor does, in as many processes as the processor runs
//! (`[dag_processor] parsing_processes`, 2 by default).
//!
//! ```sh
//! .ci/external    # Apache Airflow 3.1 in ~/.cache/datasurface/airflow-3.1
//! cargo run --release -p datasurface-bench --bin airflow-dagbag
//! # 1,000 stores, chunks of at most 200 DAGs, 1 parsing process:
//! cargo run --release -p datasurface-bench --bin airflow-dagbag -- 1000 --chunk 200 --processes 1
//! ```
//!
//! With `--processor`, it also runs Airflow's own `airflow dag-processor
//! --num-runs 1` over the folder with a fresh SQLite metadata database (a
//! deployment's first pass: every DAG written to the database), and reports
//! its wall time and what it stored.
//!
//! It prints the rendering's size, the wall time of the whole load, the
//! slowest file, the import errors and each process's peak memory, beside
//! the targets: the load under 60 s on 2 cores with no import error and no
//! file over 5 s. Figures go to `docs/performance.md`.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use datasurface_airflow::Airflow;
use datasurface_airflow::dags::DagSpec;
use datasurface_bench::{Failed, graphs, model, targets_exit, valid};
use datasurface_core::names::PlatformName;
use datasurface_platform::{Rendering, render_with};
use serde_json::{Value, json};

/// What parses a file: Airflow's `DagBag` and its serializer, per file.
const PROBE: &str = include_str!("dagbag_probe.py");
/// The whole load, at most, in seconds.
const LOAD_TARGET: f64 = 60.0;
/// One file, at most, in seconds.
const FILE_TARGET: f64 = 5.0;

fn main() -> ExitCode {
    targets_exit(run)
}

struct Args {
    stores: usize,
    chunk: Option<usize>,
    processes: usize,
    processor: bool,
}

fn args() -> Result<Args, Failed> {
    let mut args = Args {
        stores: 10_000,
        chunk: None,
        processes: 2,
        processor: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| -> Result<usize, Failed> {
            let text = it.next().ok_or(format!("{name} needs a number"))?;
            Ok(text.parse().map_err(|e| format!("{name} {text}: {e}"))?)
        };
        match arg.as_str() {
            "--chunk" => args.chunk = Some(value("--chunk")?),
            "--processes" => args.processes = value("--processes")?.max(1),
            "--processor" => args.processor = true,
            stores => {
                args.stores = stores
                    .parse()
                    .map_err(|e| format!("stores `{stores}`: {e}"))?;
            }
        }
    }
    Ok(args)
}

fn airflow_python() -> Result<PathBuf, Failed> {
    if let Ok(p) = std::env::var("DATASURFACE_AIRFLOW_PYTHON") {
        return Ok(PathBuf::from(p));
    }
    let home = std::env::var("HOME")?;
    let p = Path::new(&home).join(".cache/datasurface/airflow-3.1/bin/python");
    if p.is_file() {
        Ok(p)
    } else {
        Err("no Apache Airflow: run .ci/external, or set DATASURFACE_AIRFLOW_PYTHON".into())
    }
}

fn run() -> Result<bool, Failed> {
    let args = args()?;
    let python = airflow_python()?;
    eprintln!("generating and rendering {} datastores …", args.stores);
    let dir = std::env::temp_dir().join(format!("datasurface-dagbag-{}", std::process::id()));
    let dags = dir.join("dags");
    let rendered = render_dags(&args, &dags)?;
    let chunk_files: Vec<PathBuf> = {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&dags)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("py")))
            .collect();
        v.sort();
        v
    };
    eprintln!(
        "parsing {} DAG files ({} DAGs) in {} processes …",
        chunk_files.len(),
        rendered.dag_ids.len(),
        args.processes
    );
    let probe = probe(&python, &chunk_files, args.processes, &dir)?;
    let processor = if args.processor {
        eprintln!("running `airflow dag-processor --num-runs 1` …");
        Some(processor(&python, &dags, &dir)?)
    } else {
        None
    };
    let _ = std::fs::remove_dir_all(&dir);

    let mut expected = rendered.dag_ids;
    expected.sort();
    let all_built = probe.built == expected;
    let met = |ok: bool| if ok { "met" } else { "not met" };
    #[allow(clippy::cast_precision_loss, reason = "megabytes, for people")]
    let megabytes = rendered.bytes as f64 / 1e6;
    println!(
        "{} datastores: the rendering has {} DAG-folder files ({megabytes:.0} MB), rendered in {:.2} s",
        args.stores, rendered.files, rendered.seconds,
    );
    println!("| measure | figure | target |");
    println!("|---|---:|---|");
    println!(
        "| DAG files / DAGs / tasks | {} / {} / {} | every DAG spec built once: {} |",
        chunk_files.len(),
        probe.built.len(),
        probe.tasks,
        met(all_built)
    );
    println!(
        "| DagBag load, {} processes, wall | {:.1} s | < {LOAD_TARGET:.0} s, {} |",
        args.processes,
        probe.wall,
        met(probe.wall < LOAD_TARGET)
    );
    println!(
        "| parse and serialize, summed over files | {:.1} s | |",
        probe.summed
    );
    println!(
        "| slowest file ({}) | {:.2} s | < {FILE_TARGET:.0} s, {} |",
        probe.slowest.1,
        probe.slowest.0,
        met(probe.slowest.0 < FILE_TARGET)
    );
    println!(
        "| import errors | {} | 0, {} |",
        probe.errors,
        met(probe.errors == 0)
    );
    println!(
        "| importing Airflow, per process | {} s | |",
        list(&probe.import_s, 1)
    );
    println!(
        "| peak memory, per process | {} MB | |",
        list(&probe.peak_mb, 0)
    );
    if let Some(p) = &processor {
        println!(
            "| `airflow dag-processor -n 1`, SQLite metadata database: wall, DAGs stored, import errors | {:.1} s, {}, {} | |",
            p.wall, p.stored, p.errors
        );
    }
    Ok(all_built && probe.errors == 0 && probe.wall < LOAD_TARGET && probe.slowest.0 < FILE_TARGET)
}

fn list(figures: &[f64], decimals: usize) -> String {
    figures
        .iter()
        .map(|f| format!("{f:.decimals$}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A rendering's DAG folder, written.
struct Rendered {
    files: usize,
    bytes: u64,
    seconds: f64,
    dag_ids: Vec<String>,
}

/// Generates the model, renders its `airflow` platform and writes the DAG
/// folder to `dags`.
fn render_dags(args: &Args, dags: &Path) -> Result<Rendered, Failed> {
    let mut ecosystem = model(args.stores);
    if let Some(chunk) = args.chunk {
        let (_, central) = ecosystem
            .platforms
            .iter_mut()
            .find(|(name, _)| name.as_str() == "Central")
            .ok_or("the benchmark model has no platform `Central`")?;
        central
            .parameters
            .insert("maxChunkSize".into(), json!(chunk));
    }
    let valid = valid(ecosystem);
    let graphs = graphs(&valid);
    let name: PlatformName = "Central".parse()?;
    let started = Instant::now();
    let rendering = render_with(&Airflow::new(), &valid, &graphs, &name)?.rendering;
    let seconds = started.elapsed().as_secs_f64();
    let (files, bytes, dag_ids) = write_dags(&rendering, dags)?;
    Ok(Rendered {
        files,
        bytes,
        seconds,
        dag_ids,
    })
}

/// What the `DagBag` probes measured.
struct Probe {
    wall: f64,
    summed: f64,
    slowest: (f64, String),
    built: Vec<String>,
    tasks: u64,
    errors: usize,
    import_s: Vec<f64>,
    peak_mb: Vec<f64>,
}

/// Parses `files` in `processes` probes at once, each file in one of them.
fn probe(python: &Path, files: &[PathBuf], processes: usize, dir: &Path) -> Result<Probe, Failed> {
    let script = dir.join("dagbag_probe.py");
    std::fs::write(&script, PROBE)?;
    let started = Instant::now();
    let mut children = Vec::new();
    for p in 0..processes {
        let mine: Vec<&PathBuf> = files.iter().skip(p).step_by(processes).collect();
        let child = Command::new(python)
            .arg(&script)
            .args(&mine)
            .env("AIRFLOW_HOME", dir.join(format!("airflow-home-{p}")))
            .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        children.push(child);
    }
    let mut outputs = Vec::new();
    for child in children {
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(format!(
                "the DagBag probe failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        let stdout = String::from_utf8(out.stdout)?;
        let last = stdout.lines().last().unwrap_or_default();
        outputs.push(serde_json::from_str::<Value>(last)?);
    }
    let mut probe = Probe {
        wall: started.elapsed().as_secs_f64(),
        summed: 0.0,
        slowest: (0.0, String::new()),
        built: Vec::new(),
        tasks: 0,
        errors: 0,
        import_s: Vec::new(),
        peak_mb: Vec::new(),
    };
    for out in &outputs {
        for file in out["files"].as_array().into_iter().flatten() {
            let s = file["seconds"].as_f64().unwrap_or_default();
            probe.summed += s;
            if s > probe.slowest.0 {
                let name = file["file"].as_str().unwrap_or_default();
                let name = Path::new(name).file_name().unwrap_or_default();
                probe.slowest = (s, name.to_string_lossy().into_owned());
            }
            probe.tasks += file["tasks"].as_u64().unwrap_or_default();
            let dags = file["dags"].as_array().into_iter().flatten();
            probe
                .built
                .extend(dags.filter_map(Value::as_str).map(str::to_owned));
        }
        if let Some(e) = out["errors"].as_object() {
            probe.errors += e.len();
            for (file, message) in e.iter().take(3) {
                eprintln!("import error in {file}: {message}");
            }
        }
        probe
            .peak_mb
            .push(out["peakKb"].as_f64().unwrap_or_default() / 1024.0);
        probe
            .import_s
            .push(out["importSeconds"].as_f64().unwrap_or_default());
    }
    probe.built.sort();
    Ok(probe)
}

/// What Airflow's own DAG processor did in one pass over the folder.
struct Processor {
    wall: f64,
    stored: String,
    errors: String,
}

/// Runs `airflow dag-processor --num-runs 1` over `dags` with a fresh SQLite
/// metadata database: every file parsed once, its DAGs written to the
/// database, as a deployment's first pass does.
fn processor(python: &Path, dags: &Path, dir: &Path) -> Result<Processor, Failed> {
    let airflow = python.with_file_name("airflow");
    let home = dir.join("processor-home");
    let command = |args: &[&str]| {
        let mut c = Command::new(&airflow);
        c.args(args)
            .env("AIRFLOW_HOME", &home)
            .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
            .env("AIRFLOW__CORE__DAGS_FOLDER", dags)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    };
    let migrated = command(&["db", "migrate"]).output()?;
    if !migrated.status.success() {
        return Err(format!(
            "airflow db migrate: {}",
            String::from_utf8_lossy(&migrated.stderr)
        )
        .into());
    }
    let started = Instant::now();
    let ran = command(&["dag-processor", "--num-runs", "1"]).output()?;
    let wall = started.elapsed().as_secs_f64();
    if !ran.status.success() {
        return Err(format!(
            "airflow dag-processor: {}",
            String::from_utf8_lossy(&ran.stderr)
        )
        .into());
    }
    let count = |table: &str| -> Result<String, Failed> {
        let out = Command::new(python)
            .arg("-c")
            .arg(format!(
                "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM {table}').fetchone()[0])"
            ))
            .arg(home.join("airflow.db"))
            .output()?;
        Ok(String::from_utf8(out.stdout)?.trim().to_owned())
    };
    Ok(Processor {
        wall,
        stored: count("serialized_dag")?,
        errors: count("import_error")?,
    })
}

/// Writes a rendering's DAG folder; returns its file count, its bytes, and
/// the DAG ids its specs hold.
fn write_dags(rendering: &Rendering, dir: &Path) -> Result<(usize, u64, Vec<String>), Failed> {
    let (mut files, mut bytes, mut ids) = (0, 0u64, Vec::new());
    for (key, artifact) in &rendering.artifacts {
        let Some(rest) = key.as_str().strip_prefix("dags/") else {
            continue;
        };
        let path = dir.join(rest);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &artifact.content)?;
        files += 1;
        bytes += artifact.content.len() as u64;
        let spec = rest.starts_with("ingest/") || rest.starts_with("transformer/");
        if spec {
            ids.push(serde_json::from_str::<DagSpec>(&artifact.content)?.dag_id);
        }
    }
    Ok((files, bytes, ids))
}
