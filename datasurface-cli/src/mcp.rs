//! `datasurface mcp`: the model service's questions as tools for
//! assistants, over the Model Context Protocol on standard input and output.
//!
//! The model is loaded as `serve` loads it (validation, graphs, every
//! platform's lint); a model that does not validate is reported on
//! standard error and nothing is served. Besides the model service's
//! questions, the gate's: checking a proposed change (as `verify`),
//! explaining a code (as `explain`) and a platform choice (as
//! `explain-choice`). The command's output (standard
//! output) carries only the protocol's messages.

use std::io::Write;
use std::sync::Arc;

use tokio::io::AsyncReadExt as _;

use datasurface_gate::{Kept, ModelDir};
use datasurface_server::ModelService;
use datasurface_server::mcp::McpServer;

use crate::Outcome;
use crate::app::{App, Paint};
use crate::args::McpArgs;

pub(crate) fn run(
    app: &App<'_>,
    args: &McpArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Outcome {
    let external = args.external.as_strs();
    let mut kept = Kept::new();
    let (version, pending) =
        match crate::serve::first_load(app, &args.model, &external, &mut kept, err) {
            Ok(loaded) => loaded,
            Err(outcome) => return outcome,
        };
    #[cfg(any(feature = "sqlite", feature = "airflow"))]
    let Ok(state) = crate::serve_state::StateSources::of(&args.state, &version.valid, app.registry)
        .map_err(|why| writeln!(err, "{}: {why}", app.paint(Paint::Error, "error")))
    else {
        return Outcome::CouldNotRun;
    };
    let service = Arc::new(ModelService::new(version));
    #[cfg(any(feature = "sqlite", feature = "airflow"))]
    state.hand_to(&service);
    pending.hand_to(&service);
    // `check_change` lays a proposal over the model's files as they are
    // when it is asked, and verifies it as `datasurface verify` does.
    let mcp = McpServer::new(service).with_gate(
        crate::gate::gate(app, &external),
        Arc::new(ModelDir::new(&args.model)),
    );
    let Some(runtime) = crate::serve::runtime(app, err) else {
        return Outcome::CouldNotRun;
    };
    // The server answers on the runtime's threads into a pipe; this thread
    // copies the pipe to `out`, which holds standard output.
    let (answers, mut from_server) = tokio::io::duplex(64 * 1024);
    let served = runtime.spawn(mcp.serve_io(tokio::io::stdin(), answers));
    let mut chunk = vec![0; 64 * 1024];
    loop {
        match runtime.block_on(from_server.read(&mut chunk)) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if out
                    .write_all(&chunk[..n])
                    .and_then(|()| out.flush())
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    drop(from_server);
    let ended = runtime.block_on(served);
    // Standard input's reader may still wait in a blocking thread.
    runtime.shutdown_background();
    match ended {
        Ok(Ok(())) => Outcome::Success,
        Ok(Err(e)) => {
            let _ = writeln!(
                err,
                "{}: the Model Context Protocol session ended: {e}",
                app.paint(Paint::Error, "error")
            );
            Outcome::CouldNotRun
        }
        Err(e) => {
            let _ = writeln!(
                err,
                "{}: the Model Context Protocol server failed: {e}",
                app.paint(Paint::Error, "error")
            );
            Outcome::CouldNotRun
        }
    }
}

/// `serve`'s `/mcp`: the same tools over the streamable HTTP transport,
/// admitted as `--mcp-host`, `--mcp-origin` and `--mcp-token-env` say; an
/// error says why they cannot be.
pub(crate) fn http_router(
    app: &App<'_>,
    args: &crate::args::ServeArgs,
    external: &[&str],
    service: &Arc<ModelService>,
) -> Result<datasurface_server::Router, String> {
    let mut access = datasurface_server::mcp::HttpAccess::new()
        .with_hosts(args.mcp.hosts.iter().cloned())
        .with_origins(args.mcp.origins.iter().cloned());
    if let Some(var) = &args.mcp.token_env {
        match std::env::var(var) {
            Ok(token) if !token.trim().is_empty() => access = access.with_token(token.trim()),
            _ => {
                return Err(format!(
                    "--mcp-token-env names `{var}`, which the environment does not set (or sets empty); export the token there"
                ));
            }
        }
    }
    Ok(McpServer::new(Arc::clone(service))
        .with_gate(
            crate::gate::gate(app, external),
            Arc::new(ModelDir::new(&args.model)),
        )
        .http_router(&access))
}
