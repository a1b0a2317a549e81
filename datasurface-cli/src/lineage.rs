//! Where runs send their OpenLineage events: a file of JSON lines, or an
//! HTTP endpoint behind a bounded queue. Neither ever fails a batch: an
//! event that cannot be written or delivered is counted, and the command
//! says so when it ends.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use datasurface_runtime::lineage::{LineageSink, NoLineage, RunEvent};

use crate::app::{App, Paint};
use crate::args::LineageArgs;
use crate::problem::Problem;

/// How many events wait for the endpoint before new ones are dropped.
const QUEUE: usize = 1024;
/// How long one POST may take.
const TIMEOUT: Duration = Duration::from_secs(5);
/// How many times an event is tried.
const TRIES: u32 = 3;
/// How long the command waits, when it ends, for queued events to go.
const DRAIN: Duration = Duration::from_secs(10);

/// Where events go, from `--lineage` or the OpenLineage clients' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// POST each event here, with a bearer token if one is set.
    Http {
        url: String,
        api_key: Option<String>,
    },
    /// Append each event, one JSON document a line.
    File(PathBuf),
}

impl Target {
    /// The target `args` and the variables name, if any.
    pub(crate) fn configured(
        args: &LineageArgs,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Target> {
        let set = |name: &str| var(name).filter(|v| !v.is_empty());
        let api_key = set("OPENLINEAGE_API_KEY");
        if let Some(given) = args.lineage.as_deref().filter(|v| !v.is_empty()) {
            return Some(
                if given.starts_with("http://") || given.starts_with("https://") {
                    Target::Http {
                        url: given.to_owned(),
                        api_key,
                    }
                } else {
                    Target::File(PathBuf::from(given))
                },
            );
        }
        let base = set("OPENLINEAGE_URL")?;
        let endpoint = set("OPENLINEAGE_ENDPOINT").unwrap_or_else(|| "api/v1/lineage".to_owned());
        Some(Target::Http {
            url: format!(
                "{}/{}",
                base.trim_end_matches('/'),
                endpoint.trim_start_matches('/')
            ),
            api_key,
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // A URL may carry a password or a token: never shown.
            Target::Http { url, .. } => f.write_str(&datasurface_stdx::redact::redact(url)),
            Target::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// This machine's name, for the namespaces of its SQLite databases
/// (`sqlite://<host>`); `localhost` when it cannot be read.
pub(crate) fn host() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .chain(std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .find(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        })
        .unwrap_or_else(|| "localhost".to_owned())
}

/// What went wrong with the events, kept for the end of the command.
#[derive(Debug, Default)]
struct Losses {
    lost: AtomicUsize,
    last: Mutex<Option<String>>,
}

impl Losses {
    fn lose(&self, why: String) {
        self.lost.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut last) = self.last.lock() {
            *last = Some(why);
        }
    }
}

/// A sink of events for the length of a command; [`Lineage::finish`] sends
/// what is queued and reports what was lost.
pub(crate) struct Lineage {
    target: Option<Target>,
    sink: Arc<dyn LineageSink>,
    losses: Arc<Losses>,
    worker: Option<Worker>,
}

/// The thread that posts queued events: its queue, its handle, and word that it ended.
struct Worker {
    queue: SyncSender<Option<Vec<u8>>>,
    handle: JoinHandle<()>,
    done: Receiver<()>,
}

impl Lineage {
    /// Events to `target`, or nowhere.
    pub(crate) fn open(target: Option<Target>) -> Lineage {
        let losses = Arc::new(Losses::default());
        match &target {
            None => Lineage {
                target,
                sink: Arc::new(NoLineage),
                losses,
                worker: None,
            },
            Some(Target::File(path)) => Lineage {
                sink: Arc::new(FileSink {
                    path: path.clone(),
                    file: Mutex::new(None),
                    losses: losses.clone(),
                }),
                target,
                losses,
                worker: None,
            },
            Some(Target::Http { url, api_key }) => {
                // An event, or `None`: the command ends (runners may still hold the sink).
                let (send, receive) = std::sync::mpsc::sync_channel::<Option<Vec<u8>>>(QUEUE);
                let (done_send, done) = std::sync::mpsc::channel();
                let poster = Poster::new(url.clone(), api_key.clone(), losses.clone());
                let handle = std::thread::spawn(move || {
                    for body in receive.iter().map_while(|b| b) {
                        poster.post(&body);
                    }
                    let _ = done_send.send(());
                });
                Lineage {
                    sink: Arc::new(QueueSink {
                        queue: send.clone(),
                        losses: losses.clone(),
                    }),
                    target,
                    losses,
                    worker: Some(Worker {
                        queue: send,
                        handle,
                        done,
                    }),
                }
            }
        }
    }

    /// Events where `--lineage` or the OpenLineage clients' variables say.
    pub(crate) fn for_args(args: &LineageArgs) -> Lineage {
        Lineage::open(Target::configured(args, &|name| std::env::var(name).ok()))
    }

    /// Whether events go anywhere.
    #[cfg(all(feature = "spark", feature = "airflow"))]
    pub(crate) fn is_on(&self) -> bool {
        self.target.is_some()
    }

    /// The sink runners send to.
    pub(crate) fn sink(&self) -> Arc<dyn LineageSink> {
        self.sink.clone()
    }

    /// Sends what is queued (waiting at most [`DRAIN`]) and says, on `err`,
    /// how many events were lost and why.
    pub(crate) fn finish(mut self, app: &App<'_>, err: &mut dyn Write) {
        if let Some(Worker {
            queue,
            handle,
            done,
        }) = self.worker.take()
        {
            let deadline = Instant::now() + DRAIN;
            let mut end = Some(None);
            while let Some(message) = end.take() {
                match queue.try_send(message) {
                    Err(TrySendError::Full(message)) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(20));
                        end = Some(message);
                    }
                    _ => {}
                }
            }
            match done.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                    let _ = handle.join();
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.losses
                        .lose(format!("the endpoint did not take them within {DRAIN:?}"));
                }
            }
        }
        let lost = self.losses.lost.load(Ordering::Relaxed);
        if lost > 0
            && let Some(target) = &self.target
        {
            let why = self
                .losses
                .last
                .lock()
                .ok()
                .and_then(|l| l.clone())
                .unwrap_or_default();
            let _ = writeln!(
                err,
                "{}: {lost} OpenLineage event{} could not be sent to {target}: {}; the batches are not affected",
                app.paint(Paint::Warning, "warning"),
                if lost == 1 { "" } else { "s" },
                datasurface_stdx::text::for_terminal(&datasurface_stdx::redact::redact(&why)),
            );
        }
    }
}

/// Appends events to a file, opened at the first event.
struct FileSink {
    path: PathBuf,
    file: Mutex<Option<File>>,
    losses: Arc<Losses>,
}

impl LineageSink for FileSink {
    fn emit(&self, event: &RunEvent) {
        let Ok(mut line) = serde_json::to_vec(event) else {
            return;
        };
        line.push(b'\n');
        let Ok(mut file) = self.file.lock() else {
            return;
        };
        if file.is_none() {
            match open_regular(&self.path) {
                Ok(f) => *file = Some(f),
                Err(why) => {
                    self.losses.lose(why.to_string());
                    return;
                }
            }
        }
        if let Some(f) = file.as_mut()
            && let Err(e) = f.write_all(&line).and_then(|()| f.flush())
        {
            self.losses.lose(format!("cannot write it: {e}"));
        }
    }
}

/// The lineage file, opened to append: a regular file (followed through
/// links, as the user named it) or a new one. A FIFO would wait for a
/// reader before the batch could go on, and a device or socket is not a
/// file of events, so anything else is refused before it is opened.
fn open_regular(path: &std::path::Path) -> Result<File, Problem> {
    const NOT_A_FILE: &str =
        "it is not a regular file (a FIFO, socket, device or folder); name a file";
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(Problem::new(NOT_A_FILE)),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Problem::new(format!("cannot open it: {e}"))),
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Problem::new(format!("cannot open it: {e}")))?;
    // What was opened is what was looked at.
    match file.metadata() {
        Ok(m) if m.is_file() => Ok(file),
        Ok(_) => Err(Problem::new(NOT_A_FILE)),
        Err(e) => Err(Problem::new(format!("cannot open it: {e}"))),
    }
}

/// Queues events for the HTTP worker; a full queue drops the newest.
struct QueueSink {
    queue: SyncSender<Option<Vec<u8>>>,
    losses: Arc<Losses>,
}

impl LineageSink for QueueSink {
    fn emit(&self, event: &RunEvent) {
        let Ok(body) = serde_json::to_vec(event) else {
            return;
        };
        match self.queue.try_send(Some(body)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self
                .losses
                .lose(format!("more than {QUEUE} events waited for the endpoint")),
            Err(TrySendError::Disconnected(_)) => {
                self.losses.lose("the sender had stopped".to_owned());
            }
        }
    }
}

/// POSTs events, trying each a few times.
struct Poster {
    agent: ureq::Agent,
    url: String,
    api_key: Option<String>,
    losses: Arc<Losses>,
    /// Once the endpoint has failed an event every time, the rest are
    /// tried once: a dead endpoint costs a run one timeout per event, not three.
    down: AtomicBool,
}

impl Poster {
    fn new(url: String, api_key: Option<String>, losses: Arc<Losses>) -> Poster {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .provider(ureq::tls::TlsProvider::NativeTls)
                    .build(),
            )
            .build();
        Poster {
            agent: config.new_agent(),
            url,
            api_key,
            losses,
            down: AtomicBool::new(false),
        }
    }

    fn post(&self, body: &[u8]) {
        let tries = if self.down.load(Ordering::Relaxed) {
            1
        } else {
            TRIES
        };
        let mut why = String::new();
        for attempt in 0..tries {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(200 << attempt));
            }
            let mut request = self
                .agent
                .post(&self.url)
                .header("Content-Type", "application/json");
            if let Some(key) = &self.api_key {
                request = request.header("Authorization", &format!("Bearer {key}"));
            }
            match request.send(body) {
                Ok(response) if response.status().is_success() => {
                    self.down.store(false, Ordering::Relaxed);
                    return;
                }
                Ok(response) => {
                    let status = response.status();
                    why = format!("the endpoint answered {status}");
                    // A request the endpoint refuses is not tried again.
                    if status.is_client_error() && status.as_u16() != 429 {
                        break;
                    }
                }
                Err(e) => why = e.to_string(),
            }
        }
        self.down.store(true, Ordering::Relaxed);
        self.losses.lose(why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(given: Option<&str>, vars: &[(&str, &str)]) -> Option<Target> {
        let args = LineageArgs {
            lineage: given.map(str::to_owned),
        };
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Target::configured(&args, &|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn the_option_wins_and_the_openlineage_variables_are_the_default() {
        assert_eq!(target(None, &[]), None);
        assert_eq!(
            target(Some("events.jsonl"), &[("OPENLINEAGE_URL", "http://x")]),
            Some(Target::File("events.jsonl".into()))
        );
        assert_eq!(
            target(
                None,
                &[
                    ("OPENLINEAGE_URL", "http://m:5000/"),
                    ("OPENLINEAGE_API_KEY", "k")
                ]
            ),
            Some(Target::Http {
                url: "http://m:5000/api/v1/lineage".into(),
                api_key: Some("k".into())
            })
        );
        assert_eq!(
            target(
                None,
                &[
                    ("OPENLINEAGE_URL", "https://m"),
                    ("OPENLINEAGE_ENDPOINT", "/events")
                ]
            ),
            Some(Target::Http {
                url: "https://m/events".into(),
                api_key: None
            })
        );
    }

    struct Nowhere;
    impl datasurface_runtime::lineage::Namespaces for Nowhere {
        fn locate(&self, _: &datasurface_runtime::lineage::Place, table: &str) -> (String, String) {
            ("ns".into(), table.into())
        }
    }

    #[test]
    fn a_dead_endpoint_loses_events_and_says_so_without_failing() {
        // A port nothing listens on: bind one, then close it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let lineage = Lineage::open(Some(Target::Http {
            // Credentials in the URL: never printed (issue 57).
            url: format!(
                "http://user:pw-secret@127.0.0.1:{port}/api/v1/lineage?api_key=tok-secret"
            ),
            api_key: None,
        }));
        let job = datasurface_runtime::lineage::JobLineage::new(
            "ns".into(),
            "ingest.S".into(),
            datasurface_runtime::lineage::JobType::Ingest,
        );
        let ids = datasurface_runtime::lineage::RunIds::batch(&job, 1, "t");
        lineage.sink().emit(&RunEvent::start(
            &job,
            &ids,
            "2026-01-01T00:00:00Z",
            &Nowhere,
        ));
        let mut err = Vec::new();
        let registry = datasurface_platform::PlatformRegistry::new();
        let app = App {
            registry: &registry,
            name: "datasurface",
            verbosity: crate::app::Verbosity::Normal,
            color: false,
            progress: false,
            environment: None,
        };
        lineage.finish(&app, &mut err);
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.contains("1 OpenLineage event could not be sent"),
            "{err}"
        );
        assert!(err.contains("the batches are not affected"), "{err}");
        assert!(
            !err.contains("pw-secret") && !err.contains("tok-secret"),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "http://***@127.0.0.1:{port}/api/v1/lineage?api_key=***"
            )),
            "{err}"
        );
    }
}
