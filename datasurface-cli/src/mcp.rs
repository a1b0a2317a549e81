//! `datasurface mcp`: the model service's questions as tools for
//! assistants, over the Model Context Protocol on standard input and output.
//!
//! The model is loaded as `serve` loads it (validation, graphs, every
//! platform's lint); a model that does not validate is reported on
//! standard error and nothing is served. The command's output (standard
//! output) carries only the protocol's messages.

use std::io::Write;
use std::sync::Arc;

use tokio::io::AsyncReadExt as _;

use datasurface_gate::Kept;
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
    let service = Arc::new(ModelService::new(version));
    pending.hand_to(&service);
    let Some(runtime) = crate::serve::runtime(app, err) else {
        return Outcome::CouldNotRun;
    };
    // The server answers on the runtime's threads into a pipe; this thread
    // copies the pipe to `out`, which holds standard output.
    let (answers, mut from_server) = tokio::io::duplex(64 * 1024);
    let served = runtime.spawn(McpServer::new(service).serve_io(tokio::io::stdin(), answers));
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
