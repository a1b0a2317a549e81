//! A real headless browser for the catalogue page's tests: Debian's
//! Chromium driven through chromedriver (`WebDriver`) by fantoccini.
//! Shared by datasurface-server's tests and datasurface-cli's (which
//! include this file by path), so both drive the page the same way.
//!
//! `.ci/external` installs `chromium` and `chromium-driver`; without them
//! a test says so and passes, unless `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// The browser and its driver, or `None` (having said why) when missing.
pub(crate) fn browser() -> Option<(PathBuf, PathBuf)> {
    let find = |var: &str, name: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| Some(PathBuf::from("/usr/bin").join(name)))
            .filter(|p| p.is_file())
    };
    let found = find("DATASURFACE_CHROMIUM", "chromium")
        .zip(find("DATASURFACE_CHROMEDRIVER", "chromedriver"));
    if found.is_none() {
        let message = "Chromium and chromedriver are not installed (.ci/external installs Debian's chromium and chromium-driver)";
        assert!(
            std::env::var("DATASURFACE_REQUIRE_EXTERNAL").as_deref() != Ok("1"),
            "{message}, and DATASURFACE_REQUIRE_EXTERNAL=1 requires them"
        );
        #[allow(clippy::print_stderr, reason = "the test says what it could not check")]
        {
            eprintln!("skipped: {message}");
        }
    }
    found
}

/// chromedriver on a free local port, killed when dropped.
pub(crate) struct Driver {
    child: Child,
    pub(crate) url: String,
}

impl Driver {
    pub(crate) fn start(path: &PathBuf) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The text of the first element `css` selects once it contains
/// `expected`, waiting up to 20 s.
pub(crate) async fn wait_text(client: &Client, css: &str, expected: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
            && text.contains(expected)
        {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "`{css}` never showed `{expected}`; the page: {}",
            client.source().await.unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Saves a screenshot of the page as `target/tmp/<name>.png`, beside the
/// tests' other output.
pub(crate) async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.png"));
    std::fs::write(&shot, &png).unwrap();
}

/// A browser session: headless Chromium with a profile of its own and no
/// background network (this machine has none beyond loopback).
pub(crate) async fn session(
    chromium: &std::path::Path,
    driver: &str,
    profile: &std::path::Path,
) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-quic", "--no-first-run", "--window-size=1280,1100",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .unwrap()
}
