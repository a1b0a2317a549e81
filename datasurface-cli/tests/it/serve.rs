//! `serve` as people run it: the binary on a free local port, its model
//! edited under it, reloads by polling and by SIGHUP, stopped by SIGTERM.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{copy_northwind, datasurface, repo_root, scratch};

pub(super) const TEAM: &str = "zones/usa/teams/northwindteam.yaml";

/// The server, killed if a test fails before stopping it.
pub(super) struct Server {
    child: Child,
    addr: String,
}

impl Server {
    pub(super) fn start(model: &Path, poll: &str) -> Self {
        Server::start_with(model, poll, &[])
    }

    /// The server on `model`, with more options.
    pub(super) fn start_with(model: &Path, poll: &str, more: &[&str]) -> Self {
        Server::start_in(model, poll, more, &[])
    }

    /// The server on `model`, with more options and environment variables.
    pub(super) fn start_in(model: &Path, poll: &str, more: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
            .args(["serve", "--addr", "127.0.0.1:0", "--poll", poll])
            .args(more)
            .arg(model)
            .envs(env.iter().copied())
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
            first.starts_with("serving ecosystem `") && first.contains("` at http://127.0.0.1:"),
            "{first}"
        );
        Server { child, addr }
    }

    /// The address it listens on.
    pub(super) fn addr(&self) -> &str {
        &self.addr
    }

    /// The status line's code and the body of a GET.
    pub(super) fn get(&self, path: &str) -> (u16, serde_json::Value) {
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
    pub(super) fn reloaded(&self, attempts: u64) -> serde_json::Value {
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

    fn stop(self) -> (i32, String) {
        self.stop_with("TERM")
    }

    /// Stops the server with the signal `name`; its exit code (-1 when a
    /// signal ended it) and what it wrote to stderr.
    fn stop_with(mut self, name: &str) -> (i32, String) {
        self.signal(name);
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
    // The reload took the unchanged files from the load before: it serves
    // what a server started on these files serves.
    let fresh = Server::start(&model, "0");
    let (_, started) = fresh.get("/api/v1/ecosystem");
    assert_eq!(after, started, "a reload serves what a first load serves");
    let findings = |server: &Server| {
        let (_, mut diagnostics) = server.get("/api/v1/diagnostics");
        diagnostics.as_object_mut().unwrap().remove("reload");
        diagnostics
    };
    assert_eq!(findings(&server), findings(&fresh));
    let (code, _) = fresh.stop();
    assert_eq!(code, 0);
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
    // Not reloaded, but the service says its model is older than the files.
    let start = Instant::now();
    loop {
        let (_, diagnostics) = server.get("/api/v1/diagnostics");
        if diagnostics["reload"]["filesChanged"] == true {
            assert_eq!(diagnostics["reload"]["attempts"], 0);
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "never said the files changed: {diagnostics}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    server.signal("HUP");
    let diagnostics = server.reloaded(1);
    assert_eq!(diagnostics["reload"]["ok"], true, "{diagnostics}");
    assert_eq!(
        diagnostics["reload"]["filesChanged"], false,
        "{diagnostics}"
    );
    let (_, after) = server.get("/api/v1/ecosystem");
    assert_ne!(after["contentHash"], before["contentHash"]);
    let (code, _) = server.stop();
    assert_eq!(code, 0);
}

#[test]
fn a_signal_sent_as_soon_as_the_address_is_printed_is_heard() {
    // No request first: the signal arrives while the server may still be
    // starting, and must be handled, never met by the default action.
    let model = northwind("serve-early-signal");
    for name in ["TERM", "INT"] {
        for _ in 0..3 {
            let server = Server::start(&model, "0");
            let (code, stderr) = server.stop_with(name);
            assert_eq!(code, 0, "SIG{name} right after the address: {stderr}");
        }
    }
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

/// A hook module that keeps the contract but does `body` when asked to
/// decide (issue 37's hostile hooks).
fn hostile_module(body: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module (memory (export "memory") 1) (table $t 1 funcref)
            (func (export "ds_contract_version") (result i32) i32.const 1)
            (func (export "ds_alloc") (param i32) (result i32) i32.const 1024)
            (func $down (param i32) (result i32) (call $down (local.get 0)))
            (func (export "ds_decide") (param i32 i32) (result i64) {body}))"#
    ))
    .unwrap()
}

/// Northwind with the masking workspace's hook replaced by `module` and its
/// transformer by `query`, within small limits.
fn hostile_team(team: &str, module: &[u8], query: &str) -> String {
    let sha = datasurface_platform::sha256_hex(module);
    team.replacen(
        "hook:\n      module: hooks/monthly_or_new_batch.wasm\n      sha256: a6e1060870315ce6c04fbb28a25487793b60f494f4d6101b807daf20ea558c19\n      events: [batchCommitted, scheduleTick, manualRun]",
        &format!(
            "hook:\n      module: hooks/hostile.wasm\n      sha256: {sha}\n      events: [batchCommitted, scheduleTick, manualRun]\n      limits: {{wallTimeMs: 300}}"
        ),
        1,
    )
    .replacen(
        "SELECT customer_id, company_name, '***' AS contact_name, city, country\n              FROM NW_Data_customers",
        query,
        1,
    )
    .replacen(
        "    # The team's own code decides",
        "      limits: {timeoutSeconds: 3, memoryMib: 32}\n    # The team's own code decides",
        1,
    )
}

/// How long the soak runs: `DATASURFACE_SOAK_SECONDS`, two minutes by default.
fn soak_time() -> Duration {
    Duration::from_secs(
        std::env::var("DATASURFACE_SOAK_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(120),
    )
}

#[test]
fn serve_and_run_every_outlive_a_model_of_hostile_hooks_and_transformers() {
    let dir = scratch("soak");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    let team_file = model.join(TEAM);
    let original = std::fs::read_to_string(&team_file).unwrap();
    // Every hostile hook and transformer of issue 37, taken in turn.
    let hooks = [
        hostile_module(
            "(loop $l (drop (table.grow $t (ref.null func) (i32.const 2147483647))) br $l) i64.const 0",
        ),
        hostile_module("(loop $l (drop (memory.grow (i32.const 16))) br $l) i64.const 0"),
        hostile_module("(drop (call $down (i32.const 1))) i64.const 0"),
        hostile_module("(loop $l br $l) i64.const 0"),
        hostile_module("unreachable"),
    ];
    // Within the relational subset the gate allows (recursion is refused
    // at `check`), queries that run for ever and grow without end: cross
    // joins of the input with itself.
    let queries = [
        "SELECT a.customer_id || b.customer_id || c.customer_id || d.customer_id AS customer_id, 'x' AS company_name, NULL AS contact_name, NULL AS city, NULL AS country FROM NW_Data_customers a CROSS JOIN NW_Data_customers b CROSS JOIN NW_Data_customers c CROSS JOIN NW_Data_customers d",
        "SELECT 'C' AS customer_id, max(a.company_name || b.company_name || c.company_name || d.company_name) AS company_name, NULL AS contact_name, NULL AS city, NULL AS country FROM NW_Data_customers a CROSS JOIN NW_Data_customers b CROSS JOIN NW_Data_customers c CROSS JOIN NW_Data_customers d",
        "SELECT a.customer_id || b.customer_id || c.customer_id AS customer_id, a.company_name || b.company_name || c.company_name AS company_name, NULL AS contact_name, NULL AS city, NULL AS country FROM NW_Data_customers a CROSS JOIN NW_Data_customers b CROSS JOIN NW_Data_customers c ORDER BY a.city, b.city, c.city",
    ];
    // Each file replaced whole, as an editor or a checkout does.
    let replace = |path: &Path, bytes: &[u8]| {
        let temp = path.with_extension("new");
        std::fs::write(&temp, bytes).unwrap();
        std::fs::rename(&temp, path).unwrap();
    };
    let write_turn = |turn: usize| {
        let module = &hooks[turn % hooks.len()];
        replace(&model.join("hooks/hostile.wasm"), module);
        let team = hostile_team(&original, module, queries[turn % queries.len()]);
        replace(&team_file, team.as_bytes());
    };
    // The service starts on the model as it was, then sees every hostile
    // turn: each reload is refused (the gate asks the hook), and the last
    // good model stays served.
    let server = Server::start(&model, "1");
    write_turn(0);
    // The engine applies the hostile model: its hook and transformer fail
    // by their limits and policy, run after run, while the other team's
    // stream (NW_Data, a snapshot of its source) commits batch after batch.
    let applied = datasurface(&["apply", "model", "--state", "state"], &dir);
    assert_eq!(applied.code, 0, "{}", applied.transcript());
    let mut runner = Command::new(env!("CARGO_BIN_EXE_datasurface"))
        .args(["run", "--every", "2s", "--all", "--state"])
        .arg(dir.join("state"))
        .arg(&model)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("run.err")).unwrap())
        .spawn()
        .unwrap();
    let merge = dir.join("state/merge.sqlite");
    let committed = || -> i64 {
        rusqlite::Connection::open_with_flags(&merge, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|c| {
                c.query_row(
                    "SELECT count(*) FROM batch_metrics WHERE stream_key = 'NW_Data' AND status = 'committed'",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap_or(0)
    };
    // `run` reads the model once, as it starts.
    std::thread::sleep(Duration::from_secs(2));
    let started = Instant::now();
    let mut turn = 0;
    let mut at_half = None;
    while started.elapsed() < soak_time() {
        turn += 1;
        write_turn(turn);
        std::thread::sleep(Duration::from_secs(3));
        let (code, _) = server.get("/api/v1/datastores/NW_Data");
        assert_eq!(code, 200, "serve stopped answering on turn {turn}");
        assert!(
            runner.try_wait().unwrap().is_none(),
            "run --every ended on turn {turn}: {}",
            std::fs::read_to_string(dir.join("run.err")).unwrap_or_default()
        );
        if at_half.is_none() && started.elapsed() > soak_time() / 2 {
            at_half = Some(committed());
        }
    }
    // The service says which element failed, and kept its last good model.
    let (code, diagnostics) = server.get("/api/v1/diagnostics");
    assert_eq!(code, 200);
    let text = diagnostics.to_string();
    assert!(
        text.contains("hook-module") && text.contains("MaskCustomersWorkSpace"),
        "{diagnostics:#}"
    );
    // The other team's stream kept committing all along.
    let before = at_half.unwrap_or(0);
    assert!(
        committed() > before && before > 0,
        "NW_Data committed {before} batches by half time and {} at the end",
        committed()
    );
    let _ = runner.kill();
    let _ = runner.wait();
}

/// docs/serve.md's console block, as written (on a free port for 8080).
#[test]
fn docs_serve_md_shows_what_serve_prints() {
    let doc = std::fs::read_to_string(repo_root().join("docs/serve.md")).unwrap();
    let block = doc
        .split("```console\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/serve.md has its console block");
    let mut lines = block.lines();
    let command = lines
        .next()
        .and_then(|l| l.strip_prefix("$ datasurface "))
        .unwrap();
    let shown = lines.next().unwrap();
    let args: Vec<&str> = command
        .replace("127.0.0.1:8080", "127.0.0.1:0")
        .leak()
        .split(' ')
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
        .args(&args)
        .current_dir(repo_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let addr = first
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    assert_eq!(
        first.trim_end(),
        shown.replace("127.0.0.1:8080", addr),
        "docs/serve.md shows what `serve` prints"
    );
}

/// A commit made at a given time (author and committer), in `dir`.
fn commit_at(dir: &Path, when: &str, author: &str, message: &str) -> String {
    let out = Command::new("git")
        .args(["-c", "user.email=dev@example.com", "-c"])
        .arg(format!("user.name={author}"))
        .args(["commit", "-q", "-a", "-m", message])
        .env("GIT_AUTHOR_DATE", when)
        .env("GIT_COMMITTER_DATE", when)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    super::git(dir, &["rev-parse", "HEAD"])
}

#[test]
fn changes_come_from_git_newest_first_and_no_commit_text_forges_one() {
    let dir = scratch("serve-changes");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    super::git(&dir, &["init", "-q"]);
    super::git(&dir, &["add", "-A"]);
    let first = commit_at(&dir, "2026-01-01T00:00:00Z", "Eco Owner", "Start Northwind");
    let team = model.join(TEAM);
    let text = std::fs::read_to_string(&team).unwrap();
    std::fs::write(&team, format!("# described\n{text}")).unwrap();
    // A subject with the separators a naive reader of `git log` splits on,
    // naming another file: it must stay one commit's subject.
    let hostile = "Describe the team\u{1e}0000000000000000000000000000000000000000 1\u{1f}zones/usa/zone.yaml";
    let second = commit_at(&dir, "2026-02-01T00:00:00Z", "Team Dev", hostile);
    let zone = model.join("zones/usa/zone.yaml");
    let text = std::fs::read_to_string(&zone).unwrap();
    std::fs::write(&zone, format!("# edited, not committed\n{text}")).unwrap();

    let server = Server::start(&model, "0");
    let (code, changes) = server.get("/api/v1/changes");
    assert_eq!(code, 200, "{changes}");
    let items = changes["items"].as_array().unwrap();
    let files: Vec<&str> = items.iter().map(|c| c["file"].as_str().unwrap()).collect();
    assert_eq!(
        files,
        ["zones/usa/zone.yaml", TEAM, "ecosystem.yaml"],
        "{changes}"
    );
    assert_eq!(items[0]["origin"], "uncommitted");
    assert_eq!(items[0]["href"], "/api/v1/zones/USA");
    assert_eq!(items[1]["origin"], "commit");
    assert_eq!(items[1]["changedAt"], "2026-02-01T00:00:00Z");
    assert_eq!(items[1]["commit"]["id"], second.as_str());
    assert_eq!(items[1]["commit"]["author"], "Team Dev");
    assert_eq!(items[1]["commit"]["subject"], hostile);
    assert_eq!(items[1]["team"], "NorthwindTeam");
    assert_eq!(items[2]["commit"]["id"], first.as_str());
    assert_eq!(items[2]["changedAt"], "2026-01-01T00:00:00Z");
    assert!(items[2].get("href").is_none(), "{changes}");
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
}

/// A commit of the index signed (with a signature git must ask
/// `gpg.program` to check), from `parent`, made the checkout's `HEAD`.
#[cfg(unix)]
fn signed_commit(dir: &Path, parent: &str, when: i64) -> String {
    let tree = super::git(dir, &["write-tree"]);
    let body = format!(
        "tree {tree}\nparent {parent}\nauthor Signer <s@example.com> {when} +0000\n\
         committer Signer <s@example.com> {when} +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n \
         -----END PGP SIGNATURE-----\n\nSigned change\n"
    );
    let mut child = Command::new("git")
        .args(["hash-object", "-t", "commit", "-w", "--stdin"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    super::git(dir, &["update-ref", "HEAD", &id]);
    id
}

#[cfg(unix)]
#[test]
fn changes_run_no_signature_program_and_read_file_names_byte_for_byte() {
    let dir = scratch("serve-changes-hostile-git");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    super::git(&dir, &["init", "-q"]);
    super::git(&dir, &["add", "-A"]);
    let first = commit_at(&dir, "2026-01-01T00:00:00Z", "Eco Owner", "Start Northwind");
    // A file whose name is the team's document after a line feed, added
    // and removed by someone else: the team's document is not theirs.
    let lookalike = model.join(format!("\n{TEAM}"));
    std::fs::create_dir_all(lookalike.parent().unwrap()).unwrap();
    std::fs::write(&lookalike, "not a model\n").unwrap();
    super::git(&dir, &["add", "-A"]);
    commit_at(&dir, "2026-02-01T00:00:00Z", "Mallory", "Add a look-alike");
    std::fs::remove_dir_all(
        lookalike
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .parent()
            .unwrap(),
    )
    .unwrap();
    commit_at(&dir, "2026-03-01T00:00:00Z", "Mallory", "Remove it");
    // The ecosystem's last change is signed, and the checkout asks for
    // signatures to be shown, with a program of its own choosing.
    let eco = model.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap();
    std::fs::write(&eco, format!("# signed\n{text}")).unwrap();
    super::git(&dir, &["add", "-A"]);
    let parent = super::git(&dir, &["rev-parse", "HEAD"]);
    let signed = signed_commit(&dir, &parent, 1_775_000_000);
    let marker = dir.join("ran");
    let program = dir.join("gpg");
    std::fs::write(
        &program,
        format!(
            "#!/bin/sh\necho ran >> '{}'\ncat > /dev/null\nexit 1\n",
            marker.display()
        ),
    )
    .unwrap();
    let mut mode = std::fs::metadata(&program).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(&program, mode).unwrap();
    super::git(&dir, &["config", "log.showSignature", "true"]);
    super::git(&dir, &["config", "gpg.program", program.to_str().unwrap()]);

    let server = Server::start(&model, "0");
    let (code, changes) = server.get("/api/v1/changes");
    assert_eq!(code, 200, "{changes}");
    let items = changes["items"].as_array().unwrap();
    let of = |file: &str| {
        items
            .iter()
            .find(|c| c["file"] == file)
            .unwrap_or_else(|| panic!("{file}: {changes}"))
    };
    assert_eq!(of(TEAM)["commit"]["id"], first.as_str(), "{changes}");
    assert_eq!(of(TEAM)["commit"]["author"], "Eco Owner", "{changes}");
    assert_eq!(
        of("ecosystem.yaml")["commit"]["id"],
        signed.as_str(),
        "{changes}"
    );
    assert_eq!(
        of("ecosystem.yaml")["commit"]["author"],
        "Signer",
        "{changes}"
    );
    let (code, stderr) = server.stop();
    assert_eq!(code, 0, "{stderr}");
    assert!(!marker.exists(), "git ran the checkout's signature program");
}

#[test]
fn outside_git_changes_are_the_files_modification_times() {
    // Outside the repository this test runs in, which would hold it.
    let model =
        std::env::temp_dir().join(format!("datasurface-serve-changes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&model);
    copy_northwind(&model, str::to_owned);
    let server = Server::start(&model, "0");
    let (_, changes) = server.get("/api/v1/changes");
    let items = changes["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{changes}");
    assert!(
        items
            .iter()
            .all(|c| c["origin"] == "modified" && c.get("commit").is_none())
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&model);
}
