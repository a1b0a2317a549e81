//! The platforms' run state `serve` reads, for `/metrics` and each
//! dataset's freshness: `sqlite` platforms' state directories (`--state`),
//! `airflow` platforms' merge databases (`--airflow`) and `spark`
//! platforms' warehouses (`--spark`), read at each scrape or request, never
//! cached.

use std::sync::Arc;

use datasurface_rules::validate::ValidEcosystem;
use datasurface_server::{DatasetRun, ModelService};

use crate::args::StateArgs;
use crate::problem::Problem;

/// Where the platforms' state is.
#[derive(Debug, Clone, Default)]
pub(crate) struct StateSources {
    #[cfg(feature = "sqlite")]
    dirs: Vec<std::path::PathBuf>,
    /// Each `airflow` platform's name and merge database.
    #[cfg(feature = "airflow")]
    airflow: Vec<(String, datasurface_airflow::runner::MergeDatabase)>,
    /// Each `spark` platform's name and rendering (its job specs say where
    /// each stream's records are, and its lineage who owns it).
    #[cfg(feature = "spark")]
    spark: Vec<(String, datasurface_platform::Rendering)>,
}

impl StateSources {
    /// The sources `args` name, the `airflow` platforms' merge databases
    /// found from the model (and the environment, as `datasurface job`
    /// finds them); an error names the platform and what is missing.
    #[cfg_attr(
        not(feature = "airflow"),
        allow(
            clippy::unnecessary_wraps,
            reason = "fails only for an airflow platform"
        )
    )]
    pub(crate) fn of(
        args: &StateArgs,
        valid: &ValidEcosystem,
        registry: &datasurface_platform::PlatformRegistry,
    ) -> Result<StateSources, Problem> {
        let _ = (valid, registry);
        Ok(StateSources {
            #[cfg(feature = "sqlite")]
            dirs: args.state.clone(),
            #[cfg(feature = "airflow")]
            airflow: args
                .airflow
                .iter()
                .map(|name| merge_database(valid, name).map(|db| (name.clone(), db)))
                .collect::<Result<_, _>>()?,
            #[cfg(feature = "spark")]
            spark: args
                .spark
                .iter()
                .map(|name| spark_rendering(valid, registry, name).map(|r| (name.clone(), r)))
                .collect::<Result<_, _>>()?,
        })
    }

    fn is_empty(&self) -> bool {
        let empty = true;
        #[cfg(feature = "sqlite")]
        let empty = empty && self.dirs.is_empty();
        #[cfg(feature = "airflow")]
        let empty = empty && self.airflow.is_empty();
        #[cfg(feature = "spark")]
        let empty = empty && self.spark.is_empty();
        empty
    }

    /// Lets `service` read them: `/metrics` and each dataset's freshness.
    pub(crate) fn hand_to(self, service: &ModelService) {
        if self.is_empty() {
            return;
        }
        let sources = Arc::new(self);
        let read = Arc::clone(&sources);
        service.add_metrics(Arc::new(move || read.metrics().map_err(Into::into)));
        service.add_run_state(Arc::new(move |store, dataset| {
            sources
                .dataset_runs(store.as_str(), dataset.as_str())
                .map_err(Into::into)
        }));
    }

    /// Every platform's run state, in Prometheus's text format.
    fn metrics(&self) -> Result<String, Problem> {
        #[allow(unused_mut, reason = "one platform kind may be left out of the build")]
        let mut totals = Vec::new();
        #[cfg(feature = "sqlite")]
        totals.extend(crate::run_metrics::sqlite_totals(&self.dirs)?);
        #[cfg(feature = "airflow")]
        for (name, db) in &self.airflow {
            totals.push(
                datasurface_airflow::runner::Runner::new(db.clone())
                    .with_logins(crate::job::login)
                    .run_totals()
                    .map_err(|e| Problem::new(format!("platform `{name}`: {e}")))?,
            );
        }
        #[cfg(feature = "spark")]
        for (name, rendering) in &self.spark {
            totals.push(
                datasurface_spark::totals::run_totals(name, rendering)
                    .map_err(|e| Problem::new(format!("platform `{name}`: {e}")))?,
            );
        }
        crate::run_metrics::exposition(&totals)
            .map_err(|e| Problem::new(format!("cannot write the metrics: {e}")))
    }

    /// What every platform's state says of `store.dataset`.
    fn dataset_runs(&self, store: &str, dataset: &str) -> Result<Vec<DatasetRun>, Problem> {
        #[allow(unused_mut, reason = "one platform kind may be left out of the build")]
        let mut runs = Vec::new();
        #[cfg(feature = "sqlite")]
        runs.extend(crate::run_metrics::dataset_runs(
            &self.dirs, store, dataset,
        )?);
        #[cfg(feature = "airflow")]
        for (name, db) in &self.airflow {
            let state = datasurface_airflow::runner::Runner::new(db.clone())
                .dataset_state(store, dataset)
                .map_err(|e| Problem::new(format!("platform `{name}`: {e}")))?;
            runs.extend(state.map(crate::run_metrics::dataset_run));
        }
        #[cfg(feature = "spark")]
        for (name, rendering) in &self.spark {
            let state = datasurface_spark::totals::dataset_state(name, rendering, store, dataset)
                .map_err(|e| Problem::new(format!("platform `{name}`: {e}")))?;
            runs.extend(state.map(crate::run_metrics::dataset_run));
        }
        Ok(runs)
    }
}

/// The merge database of the model's `airflow` platform `name`.
#[cfg(feature = "airflow")]
fn merge_database(
    valid: &ValidEcosystem,
    name: &str,
) -> Result<datasurface_airflow::runner::MergeDatabase, Problem> {
    use datasurface_platform::DataPlatform as _;
    let Some(declaration) = valid.platforms.get(name) else {
        return Err(Problem::new(format!(
            "--airflow `{name}`: the model declares no platform `{name}`"
        ))
        .help(datasurface_stdx::suggest::suggest(
            name,
            &valid
                .platforms
                .keys()
                .map(datasurface_core::names::PlatformName::as_str)
                .collect::<Vec<_>>(),
            "its platforms",
        )));
    };
    if declaration.kind.as_str() != "airflow" {
        return Err(Problem::new(format!(
            "--airflow `{name}`: platform `{name}` is of kind `{}`",
            declaration.kind
        ))
        .help("a `sqlite` platform's state is read with --state DIR"));
    }
    let (config, _) = datasurface_airflow::AirflowConfig::read(
        name,
        declaration,
        &datasurface_airflow::Airflow::new().version(),
    );
    crate::job::merge_database(Some(&config))
        .map_err(|e| Problem::new(format!("--airflow `{name}`: {e}")))
}

/// The rendering of the model's `spark` platform `name`, whose job specs
/// say where its streams' records are: rendered as every command renders,
/// through the registry.
#[cfg(feature = "spark")]
fn spark_rendering(
    valid: &ValidEcosystem,
    registry: &datasurface_platform::PlatformRegistry,
    name: &str,
) -> Result<datasurface_platform::Rendering, Problem> {
    let Some(declaration) = valid.platforms.get(name) else {
        return Err(Problem::new(format!(
            "--spark `{name}`: the model declares no platform `{name}`"
        )));
    };
    if declaration.kind.as_str() != "spark" {
        return Err(Problem::new(format!(
            "--spark `{name}`: platform `{name}` is of kind `{}`",
            declaration.kind
        )));
    }
    let graphs = datasurface_platform::graph::build(valid);
    datasurface_platform::render_platform(registry, valid, &graphs, name)
        .map(|r| r.rendering)
        .map_err(|e| Problem::new(format!("--spark `{name}`: {e}")))
}
