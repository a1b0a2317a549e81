//! The tools over the Model Context Protocol's streamable HTTP transport,
//! at `/mcp` beside the REST API: stateless (every request stands alone,
//! nothing is kept between them), answered as JSON, and admitted only
//! from the hosts and browser origins allowed, with the bearer token when
//! one is set.

use std::sync::Arc;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest as _, Sha256};

use super::{MAX_CHANGE_BYTES, McpServer};

/// The hosts every server admits: loopback's names, on any port.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// The browser origins every server admits: pages served from loopback.
const LOOPBACK_ORIGINS: [&str; 6] = [
    "http://localhost:*",
    "http://127.0.0.1:*",
    "http://[::1]:*",
    "https://localhost:*",
    "https://127.0.0.1:*",
    "https://[::1]:*",
];

/// Who may use `/mcp` over HTTP besides a client on the same machine.
///
/// By default only requests whose `Host` is a loopback name are answered
/// (a page elsewhere cannot reach the server by rebinding a name to
/// 127.0.0.1), a request from a browser page only if the page is served
/// from loopback (`Origin`), and no token is asked.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct HttpAccess {
    /// More `Host` values to answer: a name (any port) or `name:port`.
    pub hosts: Vec<String>,
    /// More browser origins to answer, with their scheme:
    /// `https://app.example.com:443`, or `:*` for any port.
    pub origins: Vec<String>,
    /// When set, every request must carry `Authorization: Bearer <token>`.
    pub token: Option<String>,
}

impl std::fmt::Debug for HttpAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpAccess")
            .field("hosts", &self.hosts)
            .field("origins", &self.origins)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .finish()
    }
}

impl HttpAccess {
    /// Loopback only, no token.
    pub fn new() -> Self {
        HttpAccess::default()
    }

    /// Also answers requests whose `Host` is one of `hosts`.
    #[must_use]
    pub fn with_hosts(mut self, hosts: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.hosts.extend(hosts.into_iter().map(Into::into));
        self
    }

    /// Also answers browser pages from `origins`.
    #[must_use]
    pub fn with_origins(mut self, origins: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.origins.extend(origins.into_iter().map(Into::into));
        self
    }

    /// Asks every request for `token` as a bearer token.
    #[must_use]
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
}

impl McpServer {
    /// `/mcp`: the tools over the streamable HTTP transport, as a router to
    /// merge with the REST API's ([`router`](crate::router)). Requests are
    /// admitted as `access` says; a refused one is answered `401` (no or
    /// a wrong token) or `403` (a `Host` or `Origin` not allowed) before
    /// the protocol reads it.
    pub fn http_router(self, access: &HttpAccess) -> Router {
        let config = StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_sse_keep_alive(None)
            .with_allowed_hosts(
                LOOPBACK_HOSTS
                    .iter()
                    .map(|h| (*h).to_owned())
                    .chain(access.hosts.iter().cloned()),
            )
            .with_allowed_origins(
                LOOPBACK_ORIGINS
                    .iter()
                    .map(|o| (*o).to_owned())
                    .chain(access.origins.iter().cloned()),
            )
            .enforce_origin_validation()
            .with_max_request_body_bytes(MAX_CHANGE_BYTES + (1 << 20));
        let service = StreamableHttpService::new(
            move || Ok(self.clone()),
            Arc::new(NeverSessionManager::default()),
            config,
        );
        let router = Router::new().route_service("/mcp", service);
        match &access.token {
            Some(token) => {
                let expected: Arc<[u8]> = Sha256::digest(token.as_bytes()).to_vec().into();
                router.layer(axum::middleware::from_fn(move |request, next| {
                    bearer(Arc::clone(&expected), request, next)
                }))
            }
            None => router,
        }
    }
}

/// Lets a request through if it carries the token (compared by digest, so
/// the time taken says nothing of the token); `401` otherwise.
async fn bearer(expected: Arc<[u8]>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|token| Sha256::digest(token.trim().as_bytes()));
    if given.is_some_and(|digest| digest.as_slice() == expected.as_ref()) {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        "`/mcp` asks for the server's token: send `Authorization: Bearer <token>`\n",
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"datasurface\""),
    );
    response
}
