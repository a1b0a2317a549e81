//! `serve` as people run it: the binary on a free local port, its model
//! edited under it, reloads by polling and by SIGHUP, stopped by SIGTERM.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{copy_northwind, datasurface, repo_root, scratch};

const TEAM: &str = "zones/usa/teams/northwindteam.yaml";

/// The server, killed if a test fails before stopping it.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(model: &Path, poll: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
            .args(["serve", "--addr", "127.0.0.1:0", "--poll", poll])
            .arg(model)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .split("http://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        assert!(
            first.starts_with("serving ecosystem `Northwind` at http://127.0.0.1:"),
            "{first}"
        );
        Server { child, addr }
    }

    /// The status line's code and the body of a GET.
    fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        let code = text[9..12].parse().unwrap();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
        (
            code,
            serde_json::from_str(body).unwrap_or(serde_json::Value::Null),
        )
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits until the diagnostics show `attempts` reloads.
    fn reloaded(&self, attempts: u64) -> serde_json::Value {
        let start = Instant::now();
        loop {
            let (_, diagnostics) = self.get("/api/v1/diagnostics");
            if diagnostics["reload"]["attempts"].as_u64() >= Some(attempts) {
                return diagnostics;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no reload: {diagnostics}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn stop(mut self) -> (i32, String) {
        self.signal("TERM");
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        let code = self.child.wait().unwrap().code().unwrap_or(-1);
        (code, stderr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn northwind(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    copy_northwind(&dir, str::to_owned);
    dir
}

#[test]
fn an_edit_that_breaks_the_model_keeps_the_last_good_one_served_and_a_good_one_is_swapped_in() {
    let model = northwind("serve-poll");
    let server = Server::start(&model, "1");
    let (code, before) = server.get("/api/v1/ecosystem");
    assert_eq!(code, 200);
    let team = model.join(TEAM);
    let good = std::fs::read_to_string(&team).unwrap();
    // A dataset group reading a dataset no one defines: loads, fails validation.
    let broken = good.replacen("dataset: customers", "dataset: no_such_dataset", 1);
    assert_ne!(broken, good, "the edit must change the file");
    std::fs::write(&team, &broken).unwrap();
    let diagnostics = server.reloaded(1);
    assert_eq!(diagnostics["reload"]["ok"], false, "{diagnostics}");
    assert!(
        !diagnostics["reload"]["diagnostics"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (_, still) = server.get("/api/v1/ecosystem");
    assert_eq!(still, before, "the last good model is still served");
    let described = good.replacen(
        "The order system's operational database.",
        "The order system's operational database, now described.",
        1,
    );
    std::fs::write(&team, described).unwrap();
    let diagnostics = server.reloaded(2);
    assert_eq!(diagnostics["reload"]["ok"], true, "{diagnostics}");
    let (_, after) = server.get("/api/v1/ecosystem");
    assert_ne!(after["contentHash"], before["contentHash"]);
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("reload 1: the model has"), "{stderr}");
    assert!(
        stderr.contains("still serving the last good model"),
        "{stderr}"
    );
    assert!(
        stderr.contains("reload 2: serving the new model"),
        "{stderr}"
    );
}

#[test]
fn sighup_reloads_when_polling_is_off() {
    let model = northwind("serve-hup");
    let server = Server::start(&model, "0");
    let (_, before) = server.get("/api/v1/ecosystem");
    let team = model.join(TEAM);
    let text = std::fs::read_to_string(&team).unwrap();
    std::fs::write(
        &team,
        text.replacen("operational database.", "operational database!", 1),
    )
    .unwrap();
    server.signal("HUP");
    let diagnostics = server.reloaded(1);
    assert_eq!(diagnostics["reload"]["ok"], true, "{diagnostics}");
    let (_, after) = server.get("/api/v1/ecosystem");
    assert_ne!(after["contentHash"], before["contentHash"]);
    let (code, _) = server.stop();
    assert_eq!(code, 0);
}

#[test]
fn a_model_that_does_not_validate_is_not_served() {
    let model = northwind("serve-invalid");
    let team = model.join(TEAM);
    let text = std::fs::read_to_string(&team).unwrap();
    std::fs::write(
        &team,
        text.replacen("dataset: customers", "dataset: no_such_dataset", 1),
    )
    .unwrap();
    let run = datasurface(
        &["serve", model.to_str().unwrap(), "--addr", "127.0.0.1:0"],
        &repo_root(),
    );
    assert_eq!(run.code, 1, "{}", run.transcript());
    assert!(run.stderr.contains("the model has"), "{}", run.stderr);
    assert!(run.stderr.contains("datasurface check"), "{}", run.stderr);
}
