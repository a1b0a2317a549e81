//! `datasurface serve`: the model service over HTTP, reloaded without a gap.
//!
//! The server answers on the runtime's worker threads; this thread loads
//! the model (as `check` does: validation, graphs, every platform's lint)
//! at the start and again when its files change or on SIGHUP, and hands
//! each outcome to the service, which swaps in only a valid model.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, SystemTime};

use crate::sources::model_hash_with;
use datasurface_files::LoadError;
use datasurface_gate::Kept;
use datasurface_rules::validate::{Diagnostic, ModelPath, Severity, SourceLocation};
use datasurface_server::{ModelService, ModelVersion, Rejected};

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::ServeArgs;
use crate::check::counted;

/// What wakes the loading thread.
enum Wake {
    /// SIGHUP: load again now.
    Reload,
    /// Ctrl-C or SIGTERM: stop serving.
    Stop,
}

pub(crate) fn run(
    app: &App<'_>,
    args: &ServeArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let external = args.external.as_strs();
    // Taken before the model is read, so an edit made while it loads, or
    // before the watch begins, is seen on the first poll.
    let seen = fingerprint(&args.model);
    // What each load keeps so that the next does work in proportion to
    // what changed.
    let mut kept = Kept::new();
    let (version, pending) = match first_load(app, &args.model, &external, &mut kept, err) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let name = version.valid.name.to_string();
    #[cfg(any(feature = "sqlite", feature = "airflow"))]
    let Ok(state) = crate::serve_state::StateSources::of(&args.state, &version.valid, app.registry)
        .map_err(|why| writeln!(err, "{}: {why}", app.paint(Paint::Error, "error")))
    else {
        return Outcome::CouldNotRun;
    };
    let service = Arc::new(ModelService::new(version));
    #[cfg(any(feature = "sqlite", feature = "airflow"))]
    state.hand_to(&service);
    let Some(runtime) = runtime(app, err) else {
        return Outcome::CouldNotRun;
    };
    let listener = match runtime.block_on(tokio::net::TcpListener::bind(args.addr)) {
        Ok(listener) => listener,
        Err(e) => {
            let _ = writeln!(
                err,
                "{}: cannot listen on {}: {e}; pick another address with --addr",
                app.paint(Paint::Error, "error"),
                args.addr
            );
            return Outcome::CouldNotRun;
        }
    };
    let bound = listener
        .local_addr()
        .map_or_else(|_| args.addr.to_string(), |a| a.to_string());
    let (wake, woken) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = datasurface_server::router(Arc::clone(&service));
    #[cfg(feature = "mcp")]
    let router = match crate::mcp::http_router(app, args, &external, &service) {
        Ok(mcp) => router.merge(mcp),
        Err(why) => return app.could_not_run(err, &why),
    };
    let log: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(|line: &str| {
        let _ = writeln!(std::io::stderr(), "serve: {line}");
    });
    let server = runtime.spawn(datasurface_server::serve(
        listener,
        router,
        datasurface_server::ConnectionLimits::default(),
        async {
            let _ = stopped.await;
        },
        log,
    ));
    // The handlers are in place before the address is printed: a signal
    // sent as soon as the server answers is never met by the default
    // action, which would end the process without a word.
    let listening = {
        let _entered = runtime.enter();
        Signals::listen()
    };
    runtime.spawn(signals(listening, wake));
    let _ = writeln!(
        out,
        "serving ecosystem `{name}` at http://{bound}/ (the catalogue at /, the API under /api/v1/, its document at /openapi.json{}); reloading on SIGHUP{}",
        if cfg!(feature = "mcp") {
            ", the Model Context Protocol at /mcp"
        } else {
            ""
        },
        if args.poll > 0 {
            " and when the model's files change"
        } else {
            ""
        }
    );
    let _ = out.flush();
    pending.hand_to(&service);
    // While nothing changes: the model is indexed so that the first reload
    // validates only what its change reaches.
    kept.index();
    let watching = Watching {
        args,
        external: &external,
        service: &service,
        woken: &woken,
    };
    watch(app, &watching, &mut kept, seen, err);
    let _ = stop.send(());
    let ended = runtime.block_on(server);
    runtime.shutdown_timeout(Duration::from_secs(5));
    match ended {
        Ok(()) => Outcome::Success,
        Err(e) => {
            let _ = writeln!(
                err,
                "{}: the server stopped: {e}",
                app.paint(Paint::Error, "error")
            );
            Outcome::CouldNotRun
        }
    }
}

/// The signals a server listens to, registered with the runtime entered.
struct Signals {
    #[cfg(unix)]
    unix: Option<[tokio::signal::unix::Signal; 3]>,
}

impl Signals {
    /// Registers SIGHUP, SIGTERM and SIGINT now (the caller has entered
    /// the runtime); where they cannot be, only Ctrl-C is heard.
    fn listen() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                unix: match (
                    signal(SignalKind::hangup()),
                    signal(SignalKind::terminate()),
                    signal(SignalKind::interrupt()),
                ) {
                    (Ok(hup), Ok(term), Ok(int)) => Some([hup, term, int]),
                    _ => None,
                },
            }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }
}

/// Waits for SIGHUP (reload), Ctrl-C or SIGTERM (stop).
async fn signals(listening: Signals, wake: mpsc::Sender<Wake>) {
    #[cfg(unix)]
    {
        let Some([mut hup, mut term, mut int]) = listening.unix else {
            let _ = tokio::signal::ctrl_c().await;
            let _ = wake.send(Wake::Stop);
            return;
        };
        loop {
            tokio::select! {
                _ = hup.recv() => {
                    if wake.send(Wake::Reload).is_err() {
                        return;
                    }
                }
                _ = term.recv() => break,
                _ = int.recv() => break,
            }
        }
    }
    #[cfg(not(unix))]
    {
        let Signals {} = listening;
        let _ = tokio::signal::ctrl_c().await;
    }
    let _ = wake.send(Wake::Stop);
}

/// What [`watch`] serves and listens to.
struct Watching<'a> {
    args: &'a ServeArgs,
    external: &'a [&'a str],
    service: &'a ModelService,
    woken: &'a mpsc::Receiver<Wake>,
}

/// Loads the model again whenever asked or its files change, until told
/// to stop; each load does again only what the files' changes reach
/// (`kept`).
fn watch(
    app: &App<'_>,
    watching: &Watching<'_>,
    kept: &mut Kept,
    mut seen: Vec<(String, u64, Option<SystemTime>)>,
    err: &mut dyn Write,
) {
    let Watching {
        args,
        external,
        service,
        woken,
    } = *watching;
    // Without polling, the files are still looked at now and then, only
    // to say (in the catalogue's banner) that the model served is older.
    let every = Duration::from_secs(if args.poll > 0 {
        args.poll
    } else {
        STALE_CHECK
    });
    let mut told = false;
    loop {
        let wake = match woken.recv_timeout(every) {
            Ok(wake) => Some(wake),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Wake::Stop),
        };
        match wake {
            Some(Wake::Stop) => return,
            Some(Wake::Reload) => seen = fingerprint(&args.model),
            None => {
                let now = fingerprint(&args.model);
                if now == seen {
                    continue;
                }
                if args.poll == 0 {
                    if !told {
                        service.files_changed();
                        told = true;
                    }
                    continue;
                }
                seen = now;
            }
        }
        told = false;
        let (loaded, pending) = match load(app, &args.model, external, kept) {
            Ok((version, pending)) => (Ok(version), Some(pending)),
            Err(rejected) => (Err(rejected), None),
        };
        let status = service.reload(loaded);
        let line = format!("reload {}: {}", status.attempts, status.summary);
        if status.ok {
            let _ = writeln!(err, "{line}");
            if let Some(pending) = pending {
                pending.hand_to(service);
            }
        } else {
            let _ = writeln!(err, "{}", app.paint(Paint::Warning, &line));
            print_findings(app, &status.diagnostics, err);
        }
        kept.index();
    }
}

/// Each model file's path, size and modification time: what changes when
/// the model is edited (a reload then finds whether its bytes did).
fn fingerprint(model: &Path) -> Vec<(String, u64, Option<SystemTime>)> {
    datasurface_gate::ModelDir::new(model)
        .files()
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path).ok();
            (
                path.display().to_string(),
                meta.as_ref().map_or(0, std::fs::Metadata::len),
                meta.and_then(|m| m.modified().ok()),
            )
        })
        .collect()
}

/// A served model's findings, located in its files, for the service once
/// the model is served.
pub(crate) struct Unlocated {
    hash: String,
    diagnostics: Vec<Diagnostic>,
}

impl Unlocated {
    /// Gives the service the located findings.
    pub(crate) fn hand_to(self, service: &ModelService) {
        if !self.diagnostics.is_empty() {
            service.located(&self.hash, self.diagnostics);
        }
    }
}

/// Reads, loads and checks the model through the gate's one pipeline, as
/// `check` does (suppressions applied, findings located).
fn load(
    app: &App<'_>,
    model: &Path,
    external: &[&str],
    kept: &mut Kept,
) -> Result<(ModelVersion, Unlocated), Rejected> {
    let gate = crate::gate::gate(app, external);
    let options = datasurface_gate::LoadOptions::new().with_texts_to_place();
    let loaded = gate.load_again(&datasurface_gate::ModelDir::new(model), &options, kept);
    if !loaded.load_errors.is_empty() {
        return Err(from_load(
            &loaded.load_errors,
            "the model could not be loaded",
        ));
    }
    let diagnostics = loaded.report.diagnostics().to_vec();
    let Some(valid) = loaded.valid else {
        return Err(Rejected {
            summary: format!(
                "the model has {}",
                counted(loaded.report.count(Severity::Error), "error")
            ),
            diagnostics,
        });
    };
    // The load keeps the digest of every document it loaded, read this
    // time or vouched for by its stamp (the texts are let go).
    let hash = model_hash_with(model, &loaded.sources, |file| {
        kept.digest(&file.path).unwrap_or_default()
    });
    let changes = crate::history::changes(model, &loaded.documents);
    datasurface_stdx::parallel::drop_later((loaded.documents, loaded.sources));
    let pending = Unlocated {
        hash: hash.clone(),
        diagnostics: diagnostics.clone(),
    };
    let version = ModelVersion {
        valid,
        diagnostics,
        content_hash: hash,
        changes,
        graphs: loaded.graphs,
    };
    Ok((version, pending))
}

fn from_load(errors: &[LoadError], summary: &str) -> Rejected {
    Rejected {
        summary: format!("{summary} ({})", counted(errors.len(), "problem")),
        diagnostics: errors
            .iter()
            .map(|e| {
                let mut d = Diagnostic::new(
                    e.kind.code(),
                    Severity::Error,
                    ModelPath::root(),
                    e.message.clone(),
                );
                d.help.clone_from(&e.help);
                d.location = Some(SourceLocation {
                    file: e.file.clone(),
                    line: e.line.unwrap_or(1),
                    column: e.column.unwrap_or(1),
                });
                d
            })
            .collect(),
    }
}

/// The first findings, as `check` prints them (without source lines: the
/// texts are let go once loaded).
fn print_findings(app: &App<'_>, diagnostics: &[Diagnostic], err: &mut dyn Write) {
    let shown: Vec<_> = diagnostics
        .iter()
        .take(SHOWN)
        .map(crate::findings::Finding::from)
        .collect();
    let _ = err.write_all(crate::findings::human(&shown, &[], app.color).as_bytes());
    if diagnostics.len() > SHOWN {
        let _ = writeln!(
            err,
            "… and {} more (`datasurface check` lists every finding)",
            diagnostics.len() - SHOWN
        );
    }
}

/// The runtime a server answers on; none (and why, on `err`) when it
/// cannot be had.
pub(crate) fn runtime(app: &App<'_>, err: &mut dyn Write) -> Option<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            let _ = writeln!(
                err,
                "{}: could not start the server: {e}",
                app.paint(Paint::Error, "error")
            );
        })
        .ok()
}

/// The model as `serve` (or `mcp`) starts with it; a model that does not
/// load or validate is reported, and the server does not start.
pub(crate) fn first_load(
    app: &App<'_>,
    model: &Path,
    external: &[&str],
    kept: &mut Kept,
    err: &mut dyn Write,
) -> Result<(ModelVersion, Unlocated), Outcome> {
    load(app, model, external, kept).map_err(|rejected| {
        let _ = writeln!(
            err,
            "{}: {}: {}",
            app.paint(Paint::Error, "error"),
            model.display(),
            rejected.summary
        );
        print_findings(app, &rejected.diagnostics, err);
        let _ = writeln!(
            err,
            "fix the model (`datasurface check` lists every finding) and start again"
        );
        Outcome::ModelErrors
    })
}

/// How often, in seconds, a server that reloads only on SIGHUP looks
/// whether the model's files changed, to say the model it serves is older.
const STALE_CHECK: u64 = 5;

/// How many findings a failed load prints.
const SHOWN: usize = 20;
