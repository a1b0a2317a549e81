//! Prometheus metrics: `status --format prometheus` for the textfile
//! collector and `serve --state`'s `/metrics`, checked by `promtool` and
//! scraped by a real Prometheus on loopback. Without Prometheus (Debian's
//! `prometheus` package; `.ci/external` installs it) the tests say so and
//! pass, unless `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::serve::Server;
use super::{copy_northwind, datasurface, scratch};

/// Whether `tool` runs here; when not, says so, or fails under
/// `DATASURFACE_REQUIRE_EXTERNAL=1`.
#[allow(
    clippy::print_stderr,
    reason = "a skipped check says so in the test's output"
)]
pub(super) fn have(tool: &str) -> bool {
    if Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    let message = format!("{tool} is not installed (.ci/external installs Debian's prometheus)");
    assert!(
        std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
        "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires it"
    );
    eprintln!("skipped: {message}");
    false
}

/// `promtool check metrics` on `text`: its verdict, as text, when it refuses.
pub(super) fn promtool_refuses(text: &str) -> Option<String> {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (!out.status.success()).then(|| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Northwind after `up`, in scratch directory `name`.
pub(super) fn northwind_run(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    copy_northwind(&dir.join("model"), str::to_owned);
    let up = datasurface(&["up", "model", "--state", "state"], &dir);
    assert_eq!(up.code, 0, "{}", up.transcript());
    dir
}

#[test]
fn status_writes_run_state_that_promtool_accepts() {
    let dir = northwind_run("metrics-status");
    let run = datasurface(
        &["status", "--state", "state", "--format", "prometheus"],
        &dir,
    );
    assert_eq!(run.code, 0, "{}", run.transcript());
    let text = &run.stdout;
    for line in [
        r#"datasurface_batches_total{dataset="",datastore="NW_Data",platform="Local",status="committed",stream="NW_Data",team="NorthwindTeam",workspace="",zone="USA"} 1"#,
        r#"datasurface_rows_total{change="inserted",dataset="",datastore="Masked_NW_Data",platform="Local",stream="Masked_NW_Data",team="NorthwindTeam",workspace="MaskCustomersWorkSpace",zone="USA"} 150"#,
        r#"datasurface_hook_decisions_total{action="run",platform="Local",workspace="MaskCustomersWorkSpace"} 1"#,
        "# TYPE datasurface_last_success_timestamp_seconds gauge",
        "# TYPE datasurface_stream_waiting gauge",
    ] {
        assert!(text.contains(line), "{line}\nnot in:\n{text}");
    }
    // The same state gives the same text.
    let again = datasurface(
        &["status", "--state", "state", "--format", "prometheus"],
        &dir,
    );
    assert_eq!(&again.stdout, text);
    if have("promtool") {
        assert_eq!(promtool_refuses(text), None);
    }
    // Not a state directory: a clear error, no metrics.
    let none = datasurface(
        &["status", "--state", "nowhere", "--format", "prometheus"],
        &dir,
    );
    assert_eq!(none.code, 2, "{}", none.transcript());
    assert!(
        none.stderr.contains("is not a state directory"),
        "{}",
        none.stderr
    );
}

/// A GET of `path` on `addr`: the body, or none if nothing answers.
pub(super) fn try_get(addr: &str, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(addr).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())
}

/// A Prometheus on loopback, scraping `target` every second; killed on drop.
struct Prometheus {
    child: Child,
    addr: String,
}

impl Prometheus {
    fn start(dir: &Path, target: &str) -> Prometheus {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
                 scrape_configs:\n  - job_name: datasurface\n    static_configs:\n      - targets: ['{target}']\n"
            ),
        )
        .unwrap();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).unwrap())
            .spawn()
            .unwrap();
        Prometheus { child, addr }
    }

    /// The first result of an instant query, waiting up to a minute for one.
    fn query(&self, query: &str) -> serde_json::Value {
        let started = Instant::now();
        loop {
            let path = format!("/api/v1/query?query={}", query.replace(' ', "%20"));
            if let Some(answer) = try_get(&self.addr, &path)
                && let Ok(json) = serde_json::from_str::<serde_json::Value>(&answer)
                && let Some(first) = json["data"]["result"].get(0)
            {
                return first.clone();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "Prometheus had no `{query}` within a minute"
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn prometheus_scrapes_serve_and_sees_requests_reloads_and_run_state() {
    let dir = northwind_run("metrics-serve");
    let server = Server::start_with(
        &dir.join("model"),
        "0",
        &["--state", &dir.join("state").to_string_lossy()],
    );
    let (code, _) = server.get("/api/v1/datastores/NW_Data");
    assert_eq!(code, 200);
    let (code, _) = server.get("/no/such/thing");
    assert_eq!(code, 404);
    let text = try_get(server.addr(), "/metrics").unwrap();
    for line in [
        r#"datasurface_http_requests_total{method="GET",route="/api/v1/datastores/{store}",status="200"} 1"#,
        r#"datasurface_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"datasurface_model_reloads_total{outcome="rejected"} 0"#,
        "datasurface_model_files_valid 1",
        "# TYPE datasurface_http_request_duration_seconds histogram",
        r#"datasurface_batches_total{dataset="",datastore="NW_Data",platform="Local",status="committed",stream="NW_Data",team="NorthwindTeam",workspace="",zone="USA"} 1"#,
    ] {
        assert!(text.contains(line), "{line}\nnot in:\n{text}");
    }
    // The dataset's freshness, from the same state: its last batch, live
    // rows and where its consumer queries it, judged against the
    // consumer's latency (minutes: within an hour).
    let (code, fresh) = server.get("/api/v1/datastores/NW_Data/datasets/products/freshness");
    assert_eq!(code, 200, "{fresh}");
    let local = &fresh["platforms"][0];
    assert_eq!(local["platform"], "Local", "{fresh}");
    let source: u64 = rusqlite::Connection::open(dir.join("model/data/northwind.sqlite"))
        .unwrap()
        .query_row("SELECT count(*) FROM products", [], |r| r.get(0))
        .unwrap();
    assert_eq!(local["liveRows"], source, "{fresh}");
    assert_eq!(local["failedBatches"], 0);
    let consumer = &local["consumers"][0];
    assert_eq!(consumer["group"], "ProductAnalytics.Reporting");
    assert_eq!(consumer["latency"], "MINUTES");
    assert_eq!(consumer["fresh"], true, "{fresh}");
    assert_eq!(
        consumer["view"],
        "ProductAnalytics__Reporting__NW_Data__products"
    );
    let database = std::path::PathBuf::from(consumer["database"].as_str().unwrap());
    assert!(
        database.is_absolute() && database.is_file(),
        "{}",
        database.display()
    );
    if !have("promtool") || !have("prometheus") {
        return;
    }
    assert_eq!(promtool_refuses(&text), None);
    let prometheus = Prometheus::start(&dir, server.addr());
    assert_eq!(
        prometheus.query(r#"up{job="datasurface"}"#)["value"][1],
        "1"
    );
    let committed = prometheus
        .query(r#"datasurface_batches_total{datastore="Masked_NW_Data",status="committed"}"#);
    assert_eq!(committed["value"][1], "1");
    assert_eq!(committed["metric"]["workspace"], "MaskCustomersWorkSpace");
    assert_eq!(committed["metric"]["zone"], "USA");
    let scraped = prometheus.query(r#"datasurface_http_requests_total{route="/metrics"}"#);
    assert_eq!(scraped["metric"]["status"], "200");
    let age = prometheus.query("time() - datasurface_model_loaded_timestamp_seconds");
    let age: f64 = age["value"][1].as_str().unwrap().parse().unwrap();
    assert!((0.0..600.0).contains(&age), "{age}");
}
