//! `/metrics`: the service's own metrics in Prometheus's text format
//! (requests by route and status, their latencies, reloads by outcome, the
//! served model's load time and whether the files last validated), then
//! whatever the embedding application adds (the command line adds the
//! platforms' run state, `serve --state`).

use std::fmt::Write as _;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder as _, Gauge, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

use crate::service::ModelService;

/// More metrics, in Prometheus's text format, appended to the service's own.
pub type ExtraMetrics = Arc<dyn Fn() -> Result<String, StateError> + Send + Sync>;

/// Why the platforms' state could not be read, for `/metrics` and freshness.
pub type StateError = Box<dyn std::error::Error + Send + Sync>;

/// The service's metrics.
pub(crate) struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    reloads: IntCounterVec,
    loaded: Gauge,
    valid: Gauge,
    extra: RwLock<Option<ExtraMetrics>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// Seconds since the epoch, now.
fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Metrics {
    /// The metrics of a service that has just loaded its model.
    pub(crate) fn new() -> Metrics {
        Self::made().expect("the metrics' names and labels are fixed and valid (a test makes them)")
    }

    fn made() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "datasurface_http_requests_total",
                "Requests answered, by route (its template, or `unmatched`), method and status.",
            ),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "datasurface_http_request_duration_seconds",
                "How long requests took to answer, by route.",
            ),
            &["route"],
        )?;
        let reloads = IntCounterVec::new(
            Opts::new(
                "datasurface_model_reloads_total",
                "Reloads of the model's files, by outcome: `served` (a new valid model), `unchanged`, `rejected` (the last good model stays).",
            ),
            &["outcome"],
        )?;
        let loaded = Gauge::new(
            "datasurface_model_loaded_timestamp_seconds",
            "When the served model was loaded, in seconds since the epoch; its age is time() minus this.",
        )?;
        let valid = Gauge::new(
            "datasurface_model_files_valid",
            "1 when the model's files validated at the last reload (they are what is served), 0 when they did not and an older model is served.",
        )?;
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(reloads.clone()),
            Box::new(loaded.clone()),
            Box::new(valid.clone()),
        ] {
            registry.register(c)?;
        }
        loaded.set(now());
        valid.set(1.0);
        for outcome in ["served", "unchanged", "rejected"] {
            reloads.with_label_values(&[outcome]);
        }
        Ok(Metrics {
            registry,
            requests,
            latency,
            reloads,
            loaded,
            valid,
            extra: RwLock::new(None),
        })
    }

    /// A reload ended: `served` a new model, found the files `unchanged`,
    /// or `rejected` them.
    pub(crate) fn reloaded(&self, outcome: &str) {
        self.reloads.with_label_values(&[outcome]).inc();
        match outcome {
            "served" => {
                self.loaded.set(now());
                self.valid.set(1.0);
            }
            "unchanged" => self.valid.set(1.0),
            _ => self.valid.set(0.0),
        }
    }

    /// Adds `extra` to what `/metrics` answers.
    pub(crate) fn add(&self, extra: ExtraMetrics) {
        *self.extra.write().unwrap_or_else(PoisonError::into_inner) = Some(extra);
    }

    /// Everything, in Prometheus's text format; what the extra metrics
    /// could not say is a comment.
    fn text(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            out.extend_from_slice(format!("# the service's metrics failed: {e}\n").as_bytes());
        }
        let mut text = String::from_utf8_lossy(&out).into_owned();
        let extra = self
            .extra
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(extra) = extra {
            match extra() {
                Ok(more) => text.push_str(&more),
                Err(e) => {
                    let line = e.to_string().replace(['\n', '\r'], " ");
                    let _ = writeln!(text, "# the platforms' run state could not be read: {line}");
                }
            }
        }
        text
    }
}

/// `GET /metrics`.
pub(crate) async fn metrics(State(service): State<Arc<ModelService>>) -> Response {
    let text = tokio::task::spawn_blocking(move || service.metrics.text())
        .await
        .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Counts and times every request, by its route's template (`unmatched`
/// for a path no route has, so a client cannot grow the label's values).
pub(crate) async fn record(
    State(service): State<Arc<ModelService>>,
    request: Request,
    next: Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = match request.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "PATCH") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let started = Instant::now();
    let response = next.run(request).await;
    let m = &service.metrics;
    m.requests
        .with_label_values(&[route.as_str(), &method, response.status().as_str()])
        .inc();
    m.latency
        .with_label_values(&[&route])
        .observe(started.elapsed().as_secs_f64());
    response
}
