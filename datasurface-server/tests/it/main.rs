//! The model service over a real socket: every route of the table, the
//! document, problems, tags and reloads.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

mod api;
mod browser;
mod connections;
#[cfg(feature = "mcp")]
mod mcp;
mod reload;
mod tools;
mod webdriver;

use std::sync::Arc;

use datasurface_fixtures::northwind;
use datasurface_rules::BuildValid as _;
use datasurface_server::{ModelService, ModelVersion};

/// Says that a test could not check what it checks because a tool is
/// missing, and fails instead when `DATASURFACE_REQUIRE_EXTERNAL=1`.
pub(crate) fn missing(message: &str) {
    assert!(
        std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
        "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires them"
    );
    #[allow(clippy::print_stderr, reason = "the test says what it could not check")]
    {
        eprintln!("skipped: {message}");
    }
}

/// A running server on a free local port, stopped when dropped.
pub(crate) struct Running {
    pub(crate) base: String,
    pub(crate) service: Arc<ModelService>,
    runtime: Option<tokio::runtime::Runtime>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Running {
    pub(crate) fn start(version: ModelVersion) -> Self {
        Running::start_with(
            version,
            datasurface_server::ConnectionLimits::default(),
            Arc::new(|_: &str| {}),
        )
    }

    /// A server that keeps `limits`, telling `log` what it logs.
    pub(crate) fn start_with(
        version: ModelVersion,
        limits: datasurface_server::ConnectionLimits,
        log: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let service = Arc::new(ModelService::new(version));
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = datasurface_server::router(Arc::clone(&service));
        runtime.spawn(datasurface_server::serve(
            listener,
            router,
            limits,
            async {
                let _ = stopped.await;
            },
            log,
        ));
        Running {
            base,
            service,
            runtime: Some(runtime),
            stop: Some(stop),
        }
    }

    /// The status, headers and body of a GET of `path`, with `If-None-Match` if given.
    pub(crate) fn get(
        &self,
        path: &str,
        tag: Option<&str>,
    ) -> (u16, Vec<(String, String)>, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = agent.get(format!("{}{path}", self.base));
        if let Some(tag) = tag {
            request = request.header("If-None-Match", tag);
        }
        let mut response = request.call().unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        (status, headers, body)
    }

    /// The JSON of a GET of `path`, which must answer 200.
    pub(crate) fn json(&self, path: &str) -> serde_json::Value {
        let (status, _, body) = self.get(path, None);
        assert_eq!(status, 200, "{path}: {body}");
        serde_json::from_str(&body).unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(std::time::Duration::from_secs(2));
        }
    }
}

pub(crate) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Northwind as a served version, its hash standing for its files.
pub(crate) fn northwind_version(hash: &str) -> ModelVersion {
    ModelVersion {
        valid: northwind().build_valid().unwrap(),
        diagnostics: Vec::new(),
        content_hash: hash.to_owned(),
        changes: northwind_changes(),
        graphs: None,
    }
}

/// When Northwind's files changed, as a loader in a git checkout finds it:
/// the team's file by a commit, the zone's edited since, the ecosystem's
/// from before.
pub(crate) fn northwind_changes() -> Vec<datasurface_server::FileChange> {
    use datasurface_server::{ChangeOrigin, FileChange};
    let at = |t: &str| chrono::DateTime::parse_from_rfc3339(t).unwrap().to_utc();
    vec![
        FileChange {
            file: "ecosystem.yaml".to_owned(),
            zone: None,
            team: None,
            changed_at: at("2026-01-02T03:04:05Z"),
            origin: ChangeOrigin::Commit {
                id: "1111111111111111111111111111111111111111".to_owned(),
                author: "Ecosystem Owner".to_owned(),
                subject: "Start the Northwind ecosystem".to_owned(),
            },
        },
        FileChange {
            file: "zones/usa/teams/northwindteam.yaml".to_owned(),
            zone: Some("USA".parse().unwrap()),
            team: Some("NorthwindTeam".parse().unwrap()),
            changed_at: at("2026-03-04T05:06:07Z"),
            origin: ChangeOrigin::Commit {
                id: "2222222222222222222222222222222222222222".to_owned(),
                author: "<b>Northwind</b> team".to_owned(),
                subject: "Add <script>alert(1)</script> products' discontinued flag".to_owned(),
            },
        },
        FileChange {
            file: "zones/usa.yaml".to_owned(),
            zone: Some("USA".parse().unwrap()),
            team: None,
            changed_at: at("2026-02-03T04:05:06Z"),
            origin: ChangeOrigin::Uncommitted,
        },
    ]
}
