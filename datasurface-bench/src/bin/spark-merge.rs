//! The `spark` platform's ingestion against its floor, on Spark in local
//! mode: a first load of a 6-column CSV drop (1,000,000 and 10,000,000 rows
//! by default) into a warehouse that keeps history, then a batch where 10%
//! of the rows changed: each batch as shipped (the rendered job spec, the
//! driver program, submitted by the platform's `Submitter`). Beside each
//! batch, in the same run, the floor: `spark_floor.py`, the same merge
//! written by hand in `PySpark` for this one table (read, hash, full outer
//! join by key, live rows and closed versions written as Parquet),
//! submitted with the same master and settings.
//!
//! ```sh
//! .ci/external    # pyspark 4 in ~/.cache/datasurface/spark-4, OpenJDK 17
//! cargo run --release -p datasurface-bench --bin spark-merge
//! cargo run --release -p datasurface-bench --bin spark-merge -- 100000 1000000
//! ```
//!
//! Times are wall clock, each application's start (about 10 s of JVM and
//! session) included on both sides. Figures go to `docs/performance.md`.

#![allow(
    clippy::print_stderr,
    clippy::print_stdout,
    reason = "a report printed for people"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use datasurface_bench::Failed;
use datasurface_files::SourceFile;
use datasurface_platform::graph::build;
use datasurface_rules::validate::validate;
use datasurface_spark::runner::{Job, Ran, Submitter};
use datasurface_spark::{Spark, SparkParameters, ingest_key};

/// Each batch's time against the floor's, at most, at the largest size.
const TARGET: f64 = 1.2;

/// The floor, submitted beside the driver.
const FLOOR: &str = include_str!("spark_floor.py");

/// The Spark settings both sides run with.
const CONF: [(&str, &str); 2] = [("spark.ui.enabled", "false"), ("spark.driver.memory", "6g")];

fn main() -> ExitCode {
    datasurface_bench::targets_exit(run)
}

/// pyspark's `spark-submit`, and the environment it needs.
struct Spark4 {
    submit: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Spark4 {
    fn find() -> Result<Self, Failed> {
        let venv = std::env::var_os("DATASURFACE_SPARK_VENV").map_or_else(
            || {
                PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                    .join(".cache/datasurface/spark-4")
            },
            PathBuf::from,
        );
        let submit = venv.join("bin/spark-submit");
        if !submit.is_file() {
            return Err(format!("no pyspark at {}: run .ci/external", venv.display()).into());
        }
        let python = venv.join("bin/python");
        let home = Command::new(&python)
            .args([
                "-c",
                "import os, pyspark; print(os.path.dirname(pyspark.__file__))",
            ])
            .output()?;
        let home = String::from_utf8(home.stdout)?.trim().to_owned();
        Ok(Spark4 {
            submit,
            env: vec![
                ("SPARK_HOME", home),
                ("PYSPARK_PYTHON", python.display().to_string()),
            ],
        })
    }
}

fn run() -> Result<bool, Failed> {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>())
        .collect::<Result<_, _>>()?;
    if sizes.is_empty() {
        sizes = vec![1_000_000, 10_000_000];
    }
    let spark = Spark4::find()?;
    let largest = sizes.iter().copied().max().unwrap_or_default();
    let mut met = true;
    println!("rows, batch: driver s, floor s, ratio (target {TARGET:.2}x at {largest} rows)");
    for rows in sizes {
        let dir =
            std::env::temp_dir().join(format!("ds-spark-bench-{}-{rows}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let bench = Bench::new(&dir, &spark)?;
        for (batch, what, changed) in [(1, "first load", false), (2, "10% changed", true)] {
            bench.write_drop(rows, changed)?;
            let driver = bench.driver()?;
            let floor = bench.floor(batch)?;
            let ratio = driver / floor;
            println!("{rows}, {what}: {driver:.1}, {floor:.1}, {ratio:.2}x");
            if rows == largest && ratio > TARGET {
                met = false;
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(met)
}

struct Bench<'s> {
    dir: PathBuf,
    spark: &'s Spark4,
    submitter: Submitter,
}

impl<'s> Bench<'s> {
    /// A model of one CSV drop on a `spark` platform, rendered into `dir`.
    fn new(dir: &Path, spark: &'s Spark4) -> Result<Self, Failed> {
        std::fs::create_dir_all(dir.join("drops"))?;
        let files = model(dir);
        let valid = validate(datasurface_files::load(&files)?.ecosystem)
            .map_err(|e| format!("the benchmark's model is not valid: {e:?}"))?;
        let graphs = build(&valid);
        let (name, declaration) = valid
            .platforms
            .get_key_value("Lake")
            .ok_or("the benchmark's model has no platform `Lake`")?;
        let rendered = datasurface_platform::render_with(&Spark::new(), &valid, &graphs, name)?;
        for (key, artifact) in &rendered.rendering.artifacts {
            let path = dir.join("rendered").join(key.as_str());
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, &artifact.content)?;
        }
        std::fs::write(dir.join("spark_floor.py"), FLOOR)?;
        let (config, findings) = SparkParameters::read("Lake", declaration);
        if !findings.is_empty() {
            return Err(format!("the benchmark's parameters: {findings:?}").into());
        }
        let mut submitter =
            Submitter::new(&config).with_spark_submit(spark.submit.display().to_string());
        for (k, v) in &spark.env {
            submitter = submitter.with_env(*k, v.clone());
        }
        Ok(Bench {
            dir: dir.to_owned(),
            spark,
            submitter,
        })
    }

    /// Writes the drop: `rows` rows, every tenth with a new quantity when
    /// `changed`.
    fn write_drop(&self, rows: usize, changed: bool) -> Result<(), Failed> {
        const CITIES: [&str; 8] = [
            "Lyon", "Berlin", "Montreal", "London", "Seattle", "Tokyo", "Madrid", "Oslo",
        ];
        let file = std::fs::File::create(self.dir.join("drops/items.csv"))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        writeln!(out, "id,name,qty,price,city,note")?;
        for i in 0..rows {
            let qty = (i * 7) % 1000 + usize::from(changed && i % 10 == 0);
            writeln!(
                out,
                "{i},product {i},{qty},{}.{:02},{},note {}",
                i % 10_000,
                i % 100,
                CITIES[i % CITIES.len()],
                i % 997
            )?;
        }
        out.flush()?;
        Ok(())
    }

    /// One batch as shipped; its wall-clock seconds.
    fn driver(&self) -> Result<f64, Failed> {
        let started = Instant::now();
        let mut lines = Vec::new();
        let ran = self.submitter.run(
            &self.dir.join("rendered"),
            Job::Ingest,
            Path::new(ingest_key("Bench", None).as_str()),
            &mut |l| lines.push(l.to_owned()),
        )?;
        let seconds = started.elapsed().as_secs_f64();
        match ran {
            Ran::Committed => {
                eprintln!("  {}", lines.join("\n  "));
                Ok(seconds)
            }
            other => {
                Err(format!("the driver's batch did not commit ({other:?}): {lines:?}").into())
            }
        }
    }

    /// The floor's batch `batch`; its wall-clock seconds.
    fn floor(&self, batch: u32) -> Result<f64, Failed> {
        let started = Instant::now();
        let mut command = Command::new(&self.spark.submit);
        command.args(["--master", "local[2]"]);
        for (k, v) in CONF {
            command.arg("--conf").arg(format!("{k}={v}"));
        }
        let out = command
            .arg(self.dir.join("spark_floor.py"))
            .arg(self.dir.join("drops/items.csv"))
            .arg(self.dir.join("floor"))
            .arg(batch.to_string())
            .envs(self.spark.env.iter().map(|(k, v)| (k, v)))
            .output()?;
        let seconds = started.elapsed().as_secs_f64();
        if !out.status.success() {
            return Err(format!(
                "the floor failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .rev()
                    .take(10)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
            .into());
        }
        eprintln!("  {}", String::from_utf8_lossy(&out.stdout).trim());
        Ok(seconds)
    }
}

/// The benchmark's model: one CSV drop of 6 columns, kept with history.
fn model(dir: &Path) -> Vec<SourceFile> {
    let conf: Vec<String> = CONF.iter().map(|(k, v)| format!("{k}: '{v}'")).collect();
    let ecosystem = format!(
        "apiVersion: datasurface.dev/v1\nkind: Ecosystem\nname: Bench\n\
         owningRepository: {{name: bench/ecosystem, branch: main}}\n\
         liveRepository: {{name: bench/ecosystem, branch: live}}\n\
         platforms:\n  Lake:\n    kind: spark\n    version: ^0.1\n    parameters:\n      \
         warehouse: \"{}\"\n      master: \"local[2]\"\n      jdbcJars: []\n      \
         sparkConf: {{{}}}\n      sources: {{Drops: \"{}\"}}\n\
         zoneDeclarations:\n  Main:\n    repository: {{name: bench/ecosystem, branch: main}}\n\
         assignments:\n  - workspace: Watch\n    datasetGroup: Everything\n    \
         platforms: [{{platform: Lake, status: PROVISIONED}}]\n",
        dir.join("warehouse").display(),
        conf.join(", "),
        dir.join("drops").display()
    );
    let zone = "apiVersion: datasurface.dev/v1\nkind: GovernanceZone\nname: Main\n\
                teamDeclarations:\n  Bench:\n    repository: {name: bench/ecosystem, branch: main}\n";
    let team = "apiVersion: datasurface.dev/v1\nkind: Team\nzone: Main\nname: Bench\n\
         containers:\n  Drops:\n    kind: {objectStorage: {bucket: drops}}\n  \
         Analytics:\n    kind: platformManaged\n\
         datastores:\n  Bench:\n    capture: {ingestion: {container: Drops, consistency: MULTI_DATASET, method: {fileDrop: {}}}}\n    \
         datasets:\n      items:\n        schema:\n          columns:\n            \
         id: {type: Integer, nullable: false}\n            name: {type: {VarChar: {maxSize: 40}}}\n            \
         qty: {type: Integer}\n            price: {type: {Decimal: {precision: 10, scale: 2}}}\n            \
         city: {type: {VarChar: {maxSize: 20}}}\n            note: {type: {VarChar: {maxSize: 60}}}\n          \
         primaryKey: [id]\n\
         workspaces:\n  Watch:\n    container: Analytics\n    datasetGroups:\n      Everything:\n        \
         sinks: [{datastore: Bench, dataset: items}]\n        \
         requirements: {milestoning: LIVE_WITH_FORENSIC_HISTORY, latency: HOURS}\n";
    vec![
        SourceFile::new("ecosystem.yaml", ecosystem),
        SourceFile::new("zone.yaml", zone),
        SourceFile::new("team.yaml", team),
    ]
}
