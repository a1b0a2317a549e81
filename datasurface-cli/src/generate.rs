//! `datasurface generate`: a large, valid, realistic model for load tests,
//! written in the normal file layout.

use std::io::Write;
use std::path::{Path, PathBuf};

use datasurface_files::{Format, to_directory};
use datasurface_generate::{Shape, generate_for};

use crate::Outcome;
use crate::problem::Problem;

/// The size and seed of a generated model.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct GenerateArgs {
    /// Ingested datastores.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    stores: u32,
    /// Datasets in each datastore.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    datasets_per_store: u32,
    /// Columns of each dataset, its primary key included.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    columns: u32,
    /// Consumer workspaces; 0.3 per store by default.
    #[arg(long)]
    workspaces: Option<usize>,
    /// Data transformers; 0.1 per store by default.
    #[arg(long)]
    transformers: Option<usize>,
    /// Sinks in each consumer's dataset group.
    #[arg(long, default_value_t = 5)]
    sinks: usize,
    /// Governance zones; one per 1,000 stores by default (at least two).
    #[arg(long)]
    zones: Option<usize>,
    /// The seed for everything chosen at random.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The files' format.
    #[arg(long, value_enum, default_value_t = FileFormat::Yaml)]
    format: FileFormat,
    /// The directory to write; it must not exist or be empty.
    #[arg(long)]
    out: PathBuf,
}

/// The format of generated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FileFormat {
    /// YAML, as people write models.
    Yaml,
    /// JSON, faster to load.
    Json,
}

impl GenerateArgs {
    fn shape(&self) -> Shape {
        let size = |n: u32| usize::try_from(n).unwrap_or(usize::MAX);
        let mut shape = Shape::new(
            size(self.stores),
            size(self.datasets_per_store),
            size(self.columns),
        );
        if let Some(w) = self.workspaces {
            shape.workspaces = w;
        }
        if let Some(t) = self.transformers {
            shape.transformers = t;
        }
        if let Some(z) = self.zones {
            shape.zones = z;
        }
        shape.sinks_per_group = self.sinks;
        shape.seed = self.seed;
        shape
    }
}

/// The platforms a generated model declares: `Central` (kind `airflow`), the
/// primary ingestion platform, and `Local` (kind `sqlite`); consumers
/// alternate between them.
fn platforms() -> (
    datasurface_airflow::Airflow,
    datasurface_sqlite::SqlitePlatform,
) {
    (
        datasurface_airflow::Airflow::new(),
        datasurface_sqlite::SqlitePlatform,
    )
}

/// `datasurface generate --stores S … --out DIR`.
/// The most columns a generated model has in all: 100 times the largest
/// benchmark model (which takes about 360 MB to check).
const MAX_COLUMNS: u64 = 10_000_000;

pub(crate) fn generate(args: &GenerateArgs, out: &mut dyn Write, err: &mut dyn Write) -> Outcome {
    let dir = &args.out;
    if dir.exists() && !is_empty_dir(dir) {
        let _ = writeln!(
            err,
            "error: {} already exists and is not an empty directory\n  help: choose a new directory; generate never writes over files",
            dir.display()
        );
        return Outcome::CouldNotRun;
    }
    let columns =
        u64::from(args.stores) * u64::from(args.datasets_per_store) * u64::from(args.columns);
    if columns > MAX_COLUMNS {
        let _ = writeln!(
            err,
            "error: the model would have {columns} columns in all; generate makes at most {MAX_COLUMNS} (about 4 GB in memory)\n  help: lower --stores, --datasets-per-store or --columns"
        );
        return Outcome::CouldNotRun;
    }
    let shape = args.shape();
    let (airflow, sqlite) = platforms();
    let model = match generate_for(&shape, &[("Central", &airflow), ("Local", &sqlite)]) {
        Ok(model) => model,
        Err(e) => {
            let _ = writeln!(
                err,
                "error: {e}\n  help: give at least one store, dataset per store and column"
            );
            return Outcome::CouldNotRun;
        }
    };
    let format = match args.format {
        FileFormat::Yaml => Format::Yaml,
        FileFormat::Json => Format::Json,
    };
    let files = match to_directory(&model, format) {
        Ok(files) => files,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return Outcome::CouldNotRun;
        }
    };
    if let Err(e) = write_all(dir, &files) {
        let _ = writeln!(err, "error: {e}");
        return Outcome::CouldNotRun;
    }
    let _ = writeln!(
        out,
        "generated {} stores × {} datasets × {} columns ({} datasets with transformer outputs), {} workspaces, {} transformers, {} zones, seed {}: {} files in {}\n  check it: datasurface check {}",
        shape.stores,
        shape.datasets_per_store,
        shape.columns,
        shape.datasets(),
        shape.workspaces,
        shape.transformers,
        shape.zones,
        shape.seed,
        files.len(),
        dir.display(),
        dir.display()
    );
    Outcome::Success
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
}

/// Writes the files into a directory beside `dir`, then moves it into place,
/// so `dir` is never left half written.
fn write_all(dir: &Path, files: &[datasurface_files::SourceFile]) -> Result<(), Problem> {
    let staging = dir.with_extension(format!("partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    for file in files {
        let path = staging.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Problem::new(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, &file.text)
            .map_err(|e| Problem::new(format!("cannot write {}: {e}", path.display())))?;
    }
    if dir.exists() {
        std::fs::remove_dir(dir)
            .map_err(|e| Problem::new(format!("cannot replace {}: {e}", dir.display())))?;
    }
    std::fs::rename(&staging, dir).map_err(|e| {
        Problem::new(format!(
            "cannot move {} to {}: {e}",
            staging.display(),
            dir.display()
        ))
    })
}
