//! A platform's run state as Prometheus metrics, with the governance
//! labels (platform, zone, team, datastore, dataset, workspace, stream):
//! for `status --format prometheus` and `job status` (the textfile
//! collector) and `serve --state` (its `/metrics`).

use datasurface_runtime::{RunTotals, StreamTotals};
use prometheus::{Encoder as _, GaugeVec, IntCounterVec, Opts, Registry, TextEncoder};

/// The most characters a label value keeps: model names are bounded by
/// validation, but a label never grows without bound whatever it holds.
const LABEL_CHARS: usize = 128;

/// A label value as metrics carry it: at most [`LABEL_CHARS`] characters
/// (the exposition escapes it; the encoder does that in one place).
pub(crate) fn bounded(value: &str) -> String {
    match value.char_indices().nth(LABEL_CHARS) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_owned(),
    }
}

/// The labels of every stream metric, in order.
const STREAM: [&str; 7] = [
    "platform",
    "zone",
    "team",
    "datastore",
    "dataset",
    "workspace",
    "stream",
];

/// An RFC 3339 time as seconds since the epoch.
#[allow(
    clippy::cast_precision_loss,
    reason = "microseconds since the epoch are exact in an f64 until the year 2255"
)]
fn seconds(time: &str) -> Option<f64> {
    chrono::DateTime::parse_from_rfc3339(time)
        .ok()
        .map(|t| t.timestamp_micros() as f64 / 1e6)
}

/// The run state of the `sqlite` platforms whose state directories these
/// are, in Prometheus's text format.
#[cfg(feature = "sqlite")]
pub(crate) fn read(states: &[std::path::PathBuf]) -> Result<String, crate::problem::Problem> {
    exposition(&sqlite_totals(states)?)
        .map_err(|e| crate::problem::Problem::new(format!("cannot write the metrics: {e}")))
}

/// The run state of the `sqlite` platforms whose state directories these are.
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite_totals(
    states: &[std::path::PathBuf],
) -> Result<Vec<datasurface_runtime::RunTotals>, crate::problem::Problem> {
    states
        .iter()
        .map(|dir| {
            if !dir.join("merge.sqlite").is_file() {
                return Err(crate::problem::Problem::new(format!(
                    "{} is not a state directory (it has no merge.sqlite)",
                    dir.display()
                ))
                .help(format!(
                    "`datasurface up MODEL --state {}` makes one",
                    dir.display()
                )));
            }
            let engine =
                datasurface_sqlite::engine::Engine::open(dir, std::collections::BTreeMap::new());
            // A stream following a PostgreSQL source: its slot, read there.
            #[cfg(feature = "airflow")]
            let engine = engine.map(|e| e.with_change_reader(crate::capture::slot_reader()));
            engine
                .and_then(|e| e.totals())
                .map_err(|e| crate::problem::Problem::new(format!("{}: {e}", dir.display())))
        })
        .collect()
}

/// What the state directories say of `store.dataset`, for the model
/// service's freshness.
#[cfg(all(feature = "sqlite", feature = "serve"))]
pub(crate) fn dataset_runs(
    states: &[std::path::PathBuf],
    store: &str,
    dataset: &str,
) -> Result<Vec<datasurface_server::DatasetRun>, crate::problem::Problem> {
    let mut runs = Vec::new();
    for dir in states {
        if !dir.join("merge.sqlite").is_file() {
            continue;
        }
        let state =
            datasurface_sqlite::engine::Engine::open(dir, std::collections::BTreeMap::new())
                .and_then(|e| e.dataset_state(store, dataset))
                .map_err(|e| crate::problem::Problem::new(format!("{}: {e}", dir.display())))?;
        let Some(state) = state else { continue };
        runs.push(dataset_run(state));
    }
    Ok(runs)
}

/// A platform's state of a dataset as the model service shows it.
#[cfg(feature = "serve")]
pub(crate) fn dataset_run(
    state: datasurface_runtime::DatasetState,
) -> datasurface_server::DatasetRun {
    datasurface_server::DatasetRun {
        platform: state.platform.unwrap_or_default(),
        stream: state.stream.stream,
        last_committed: state.stream.last_success,
        live_rows: Some(state.live_rows),
        failed_batches: state.stream.failed,
        unfinished_batches: state.stream.unfinished,
        waiting: state.stream.waiting,
        places: state
            .places
            .into_iter()
            .map(|p| (p.group, p.database, p.view))
            .collect(),
    }
}

/// Label values as the encoder takes them.
fn refs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

/// The metric families of the run state.
struct Families {
    batches: IntCounterVec,
    warned: IntCounterVec,
    rows: IntCounterVec,
    last_success: GaugeVec,
    duration: GaugeVec,
    unfinished: GaugeVec,
    waiting: GaugeVec,
    decisions: IntCounterVec,
    slot_lag: GaugeVec,
    slot_age: GaugeVec,
    slot_needs_operator: GaugeVec,
}

impl Families {
    /// Every family, registered in `registry`.
    fn new(registry: &Registry) -> Result<Families, prometheus::Error> {
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let c = IntCounterVec::new(Opts::new(name, help), labels)?;
            registry.register(Box::new(c.clone()))?;
            Ok::<_, prometheus::Error>(c)
        };
        let gauge = |name: &str, help: &str| {
            let g = GaugeVec::new(Opts::new(name, help), &STREAM)?;
            registry.register(Box::new(g.clone()))?;
            Ok::<_, prometheus::Error>(g)
        };
        let with = |extra: &'static str| -> Vec<&'static str> {
            STREAM.iter().copied().chain([extra]).collect()
        };
        let slot_gauge = |name: &str, help: &str| {
            let g = GaugeVec::new(Opts::new(name, help), &with("slot"))?;
            registry.register(Box::new(g.clone()))?;
            Ok::<_, prometheus::Error>(g)
        };
        Ok(Families {
            batches: counter(
                "datasurface_batches_total",
                "Batches of a stream that ended, by how they ended (committed or failed).",
                &with("status"),
            )?,
            warned: counter(
                "datasurface_quality_warned_batches_total",
                "Committed batches of a stream that broke a `warn` quality rule (`status` says which).",
                &STREAM,
            )?,
            rows: counter(
                "datasurface_rows_total",
                "Rows the committed batches of a stream read, and inserted, updated and deleted in its merge tables.",
                &with("change"),
            )?,
            last_success: gauge(
                "datasurface_last_success_timestamp_seconds",
                "When the last committed batch of a stream ended, in seconds since the epoch.",
            )?,
            duration: gauge(
                "datasurface_last_batch_duration_seconds",
                "How long the latest batch of a stream took.",
            )?,
            unfinished: gauge(
                "datasurface_batches_unfinished",
                "Batches of a stream under way, or left by a killed run (the next run finishes or fails them).",
            )?,
            waiting: gauge(
                "datasurface_stream_waiting",
                "1 when a stream waits for its cron schedule, 0 when it runs on the next run.",
            )?,
            decisions: counter(
                "datasurface_hook_decisions_total",
                "What a workspace's hook decided, by action.",
                &["platform", "workspace", "action"],
            )?,
            slot_lag: slot_gauge(
                "datasurface_cdc_slot_lag_bytes",
                "Bytes of its source's log a change data capture stream's replication slot holds back.",
            )?,
            slot_age: slot_gauge(
                "datasurface_cdc_slot_age_seconds",
                "How old the oldest change a change data capture stream's replication slot holds can be.",
            )?,
            slot_needs_operator: slot_gauge(
                "datasurface_cdc_slot_needs_operator",
                "1 when a change data capture stream's replication slot is past the platform's limits, gone, or unreadable (`job status --format json` says why and the command that mends it).",
            )?,
        })
    }

    /// One stream's metrics, labelled with `platform` and its own labels.
    fn stream(&self, platform: &str, s: &StreamTotals) {
        let (zone, team) = s.owner.clone().unwrap_or_default();
        let labels = [
            platform.to_owned(),
            bounded(&zone),
            bounded(&team),
            bounded(&s.datastore),
            bounded(s.dataset.as_deref().unwrap_or_default()),
            bounded(s.workspace.as_deref().unwrap_or_default()),
            bounded(&s.stream),
        ];
        let with = |extra: &str| -> Vec<String> {
            labels.iter().cloned().chain([extra.to_owned()]).collect()
        };
        for (status, n) in [("committed", s.committed), ("failed", s.failed)] {
            self.batches
                .with_label_values(&refs(&with(status)))
                .inc_by(n);
        }
        self.warned
            .with_label_values(&refs(&labels))
            .inc_by(s.warned);
        for (change, n) in [
            ("read", s.rows.read),
            ("inserted", s.rows.inserted),
            ("updated", s.rows.updated),
            ("deleted", s.rows.deleted),
        ] {
            self.rows.with_label_values(&refs(&with(change))).inc_by(n);
        }
        let these = refs(&labels);
        if let Some(at) = s.last_success.as_deref().and_then(seconds) {
            self.last_success.with_label_values(&these).set(at);
        }
        if let Some(took) = s.last_seconds {
            self.duration.with_label_values(&these).set(took);
        }
        #[allow(clippy::cast_precision_loss, reason = "a count of batches")]
        self.unfinished
            .with_label_values(&these)
            .set(s.unfinished as f64);
        self.waiting
            .with_label_values(&these)
            .set(if s.waiting { 1.0 } else { 0.0 });
        if let Some(slot) = &s.slot {
            let labels = with(&bounded(&slot.name));
            let labels = refs(&labels);
            #[allow(
                clippy::cast_precision_loss,
                reason = "bytes of log, exact in an f64 below 2^53"
            )]
            if let Some(lag) = slot.lag_bytes {
                self.slot_lag.with_label_values(&labels).set(lag as f64);
            }
            if let Some(age) = slot.age_seconds {
                self.slot_age.with_label_values(&labels).set(age);
            }
            self.slot_needs_operator.with_label_values(&labels).set(
                if slot.needs_operator.is_some() {
                    1.0
                } else {
                    0.0
                },
            );
        }
    }
}

/// The run state of each state directory, in Prometheus's text format.
pub(crate) fn exposition(states: &[RunTotals]) -> Result<String, prometheus::Error> {
    let registry = Registry::new();
    let families = Families::new(&registry)?;
    for totals in states {
        let platform = bounded(totals.platform.as_deref().unwrap_or_default());
        for s in &totals.streams {
            families.stream(&platform, s);
        }
        for d in &totals.decisions {
            families
                .decisions
                .with_label_values(&[
                    platform.as_str(),
                    &bounded(&d.workspace),
                    &bounded(&d.action),
                ])
                .inc_by(d.count);
        }
    }
    let mut text = Vec::new();
    TextEncoder::new().encode(&registry.gather(), &mut text)?;
    Ok(String::from_utf8_lossy(&text).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_label_values_are_cut_at_a_character() {
        let long = "é".repeat(LABEL_CHARS + 5);
        let cut = bounded(&long);
        assert_eq!(cut.chars().count(), LABEL_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(bounded("NW_Data"), "NW_Data");
    }
}
