//! Serving connections within bounds: how many are open at once, how long a
//! client may take to send a request's headers (and so how long a
//! connection may sit idle), and how long one connection may last. Without
//! them, clients that connect and send nothing hold a file descriptor each
//! until the process can accept no more, and the service stops answering.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// The bounds [`serve`] keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// Connections open at once. Past it, new clients wait in the
    /// listener's queue (they are not accepted, so they hold no file
    /// descriptor of the process) until one closes.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers, from when
    /// the connection is ready for the next request: a connection idle
    /// that long, or a client that sends a byte now and then, is closed.
    pub header_timeout: Duration,
    /// How long one connection may last, however busy: a client reading
    /// its answer slowly is cut off then.
    pub max_lifetime: Duration,
}

impl Default for ConnectionLimits {
    /// 256 connections (a quarter of the usual limit of 1,024 open files),
    /// 10 s for headers and idle time, 5 minutes a connection.
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 256,
            header_timeout: Duration::from_secs(10),
            max_lifetime: Duration::from_secs(300),
        }
    }
}

impl ConnectionLimits {
    /// Limits with each bound given.
    pub fn new(max_connections: usize, header_timeout: Duration, max_lifetime: Duration) -> Self {
        ConnectionLimits {
            max_connections: max_connections.max(1),
            header_timeout,
            max_lifetime,
        }
    }
}

/// Serves `router` on `listener` within `limits` until `shutdown`
/// completes. `log` is told, in a line each, when the connection limit is
/// reached (and when connections are accepted again) and when accepting
/// fails (out of file descriptors: it waits and tries again).
pub async fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
    log: Arc<dyn Fn(&str) + Send + Sync>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut full = false;
    let accepting = async {
        loop {
            let slot = if let Ok(slot) = Arc::clone(&slots).try_acquire_owned() {
                slot
            } else {
                if !full {
                    full = true;
                    log(&format!(
                        "{} connections are open, the limit: new clients wait until one closes (an idle one closes after {} s)",
                        limits.max_connections,
                        limits.header_timeout.as_secs()
                    ));
                }
                match Arc::clone(&slots).acquire_owned().await {
                    Ok(slot) => slot,
                    Err(_) => return,
                }
            };
            if full {
                full = false;
                log("a connection closed: accepting again");
            }
            let stream = loop {
                match listener.accept().await {
                    Ok((stream, _)) => break stream,
                    Err(e) => {
                        log(&format!(
                            "cannot accept a connection: {e}; trying again in 100 ms"
                        ));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            };
            let service = TowerToHyperService::new(router.clone());
            tokio::spawn(async move {
                let connection = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(limits.header_timeout)
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service);
                // Whatever ends it (done, an error, its lifetime), its slot is let go.
                let _ = tokio::time::timeout(limits.max_lifetime, connection).await;
                drop(slot);
            });
        }
    };
    tokio::select! {
        () = accepting => {}
        () = shutdown => {}
    }
}
