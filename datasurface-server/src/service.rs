//! The served model and its reloads: the next version is indexed beside
//! the current one and swapped in whole, only if it validated.

use std::sync::{Arc, PoisonError, RwLock};

use datasurface_rules::validate::Diagnostic;
use serde::Serialize;

use crate::freshness::RunState;
use crate::metrics::{ExtraMetrics, Metrics};
use crate::snapshot::{ModelVersion, Snapshot};

/// A model the loader could not make valid: why, for `/api/v1/diagnostics`.
#[derive(Debug, Clone, Default)]
pub struct Rejected {
    /// What loading or validating found, located in the files where possible.
    pub diagnostics: Vec<Diagnostic>,
    /// One line saying what happened (such as "the model has 2 errors").
    pub summary: String,
}

/// The outcome of the last reload.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(deny_unknown_fields)]
pub struct ReloadStatus {
    /// How many reloads were tried since the service started.
    pub attempts: u64,
    /// Whether the last one was served (false: the last good model still is).
    pub ok: bool,
    /// What happened, in a line.
    pub summary: String,
    /// What the last failed reload found; empty after a good one.
    pub diagnostics: Vec<Diagnostic>,
    /// The content hash of the model being served.
    pub serving: String,
    /// Whether the model's files changed after the served model was loaded
    /// and no reload has read them yet (the loader says so,
    /// [`ModelService::files_changed`]): the model shown is older than
    /// the files.
    pub files_changed: bool,
}

/// The model service's state: the version being served and the last
/// reload's outcome. Shared by every request (`Arc<ModelService>`).
pub struct ModelService {
    current: RwLock<Arc<Snapshot>>,
    status: RwLock<ReloadStatus>,
    pub(crate) metrics: Metrics,
    pub(crate) run_state: RwLock<Option<RunState>>,
}

impl std::fmt::Debug for ModelService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelService")
            .field("current", &self.current)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl ModelService {
    /// A service serving `version`.
    pub fn new(version: ModelVersion) -> Self {
        let snapshot = Snapshot::new(version, None);
        let status = ReloadStatus {
            attempts: 0,
            ok: true,
            summary: "serving the model it started with".to_owned(),
            diagnostics: Vec::new(),
            serving: snapshot.version.content_hash.clone(),
            files_changed: false,
        };
        ModelService {
            current: RwLock::new(Arc::new(snapshot)),
            status: RwLock::new(status),
            metrics: Metrics::new(),
            run_state: RwLock::new(None),
        }
    }

    /// Reads the platforms' state of a dataset with `state`, for its
    /// freshness (`/api/v1/datastores/{store}/datasets/{dataset}/freshness`
    /// and the catalogue's dataset page).
    pub fn add_run_state(&self, state: RunState) {
        *self
            .run_state
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(state);
    }

    /// How the platforms' state is read, if it is.
    pub(crate) fn run_state(&self) -> Option<RunState> {
        self.run_state
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Adds `extra`, metrics in Prometheus's text format made at each
    /// scrape, to what `/metrics` answers (the command line adds the
    /// platforms' run state). An error becomes a comment in the answer.
    pub fn add_metrics(&self, extra: ExtraMetrics) {
        self.metrics.add(extra);
    }

    /// Serves `loaded` from now on if it is a valid model, and keeps the
    /// current one otherwise; says what happened. The new version is
    /// indexed before the swap, so requests answered meanwhile see the old
    /// one whole and later ones the new one whole. A reload of the same
    /// files swaps nothing.
    pub fn reload(&self, loaded: Result<ModelVersion, Rejected>) -> ReloadStatus {
        let attempts = self.status().attempts + 1;
        let status = match loaded {
            Ok(version) if version.content_hash == self.current().version.content_hash => {
                self.metrics.reloaded("unchanged");
                ReloadStatus {
                    attempts,
                    ok: true,
                    summary: "the model's files are unchanged".to_owned(),
                    diagnostics: Vec::new(),
                    serving: version.content_hash,
                    files_changed: false,
                }
            }
            Ok(version) => {
                let snapshot = Arc::new(Snapshot::new(version, Some(&self.current())));
                let serving = snapshot.version.content_hash.clone();
                let plural = |n: usize| if n == 1 { "" } else { "s" };
                let summary = format!(
                    "serving the new model: {} error{}, {} warning{}",
                    snapshot.errors,
                    plural(snapshot.errors),
                    snapshot.warnings,
                    plural(snapshot.warnings)
                );
                let old = std::mem::replace(
                    &mut *self.current.write().unwrap_or_else(PoisonError::into_inner),
                    snapshot,
                );
                // The old version is freed by the last request holding it.
                drop(old);
                self.metrics.reloaded("served");
                ReloadStatus {
                    attempts,
                    ok: true,
                    summary,
                    diagnostics: Vec::new(),
                    serving,
                    files_changed: false,
                }
            }
            Err(rejected) => {
                self.metrics.reloaded("rejected");
                ReloadStatus {
                    attempts,
                    ok: false,
                    summary: format!("{}; still serving the last good model", rejected.summary),
                    diagnostics: rejected.diagnostics,
                    serving: self.current().version.content_hash.clone(),
                    files_changed: false,
                }
            }
        };
        *self.status.write().unwrap_or_else(PoisonError::into_inner) = status.clone();
        status
    }

    /// Gives the served model's findings their places in the model's files
    /// (file, line, column), found after the model was handed over: finding
    /// them reads every file with findings again, which can take longer
    /// than loading, so a server answers first and locates after. Taken
    /// only if the model whose files hash to `content_hash` is still the one
    /// served and the findings are the same ones; says whether it was.
    pub fn located(&self, content_hash: &str, diagnostics: Vec<Diagnostic>) -> bool {
        let snap = self.current();
        let same = snap.version.content_hash == content_hash
            && snap.version.diagnostics.len() == diagnostics.len()
            && snap
                .version
                .diagnostics
                .iter()
                .zip(&diagnostics)
                .all(|(a, b)| a.code == b.code && a.path == b.path);
        if same {
            *snap.located.write().unwrap_or_else(PoisonError::into_inner) =
                Some(Arc::new(diagnostics));
        }
        same
    }

    /// Says that the model's files changed after the served model was
    /// loaded, and that no reload has read them yet (a server reloading
    /// only on demand); the next reload clears it.
    pub fn files_changed(&self) {
        self.status
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .files_changed = true;
    }

    /// The last reload's outcome.
    pub fn status(&self) -> ReloadStatus {
        self.status
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The version being served, held for as long as a request needs it.
    pub(crate) fn current(&self) -> Arc<Snapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The reload count and outcome, for tags of answers that show them.
    pub(crate) fn status_tag(&self) -> String {
        let status = self.status.read().unwrap_or_else(PoisonError::into_inner);
        format!("{}:{}:{}", status.attempts, status.ok, status.files_changed)
    }
}
