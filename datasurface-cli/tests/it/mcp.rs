//! `datasurface mcp` driven by another implementation's client: the
//! official Model Context Protocol SDK for Python (`mcp` on `PyPI`, in the
//! virtualenv `DATASURFACE_API_TOOLS` names; `.ci/external` installs it),
//! over standard input and output. Every tool is called on Northwind, its
//! answer checked against the tool's output schema (by the SDK and by
//! `jsonschema`) and compared with `serve`'s REST answer to the same
//! question.

use std::process::Command;

use datasurface_server::ROUTES;
use datasurface_server::mcp::tool_name;
use serde_json::{Value, json};

use super::lineage::external;
use super::serve::Server;
use super::{copy_northwind, scratch};

/// The names Northwind's questions are asked with, by path parameter.
fn northwind_name(parameter: &str, platform: &str) -> Option<String> {
    Some(
        match parameter {
            "zone" => "USA",
            "team" => "NorthwindTeam",
            "store" => "NW_Data",
            "dataset" => "customers",
            "workspace" => "ProductAnalytics",
            "platform" => platform,
            _ => return None,
        }
        .to_owned(),
    )
}

/// Each route's question of Northwind: the tool's call (name and
/// arguments), and the REST path that asks the same.
fn questions(platform: &str, platform_segment: &str) -> (Vec<Value>, Vec<String>) {
    let mut calls = Vec::new();
    let mut paths = Vec::new();
    for route in ROUTES {
        let mut arguments = serde_json::Map::new();
        let mut path = route.path.to_owned();
        for p in route.params {
            if let Some(name) = northwind_name(p.name, platform) {
                let segment = if p.name == "platform" {
                    platform_segment.to_owned()
                } else {
                    name.clone()
                };
                path = path.replace(&format!("{{{}}}", p.name), &segment);
                arguments.insert(p.name.to_owned(), json!(name));
            }
        }
        if route.id == "search" {
            arguments.insert("q".to_owned(), json!("customer"));
            path.push_str("?q=customer");
        }
        calls.push(json!({"name": tool_name(route.id), "arguments": arguments}));
        paths.push(path);
    }
    (calls, paths)
}

/// The questions only the gate answers, with what its commands print.
fn gate_questions(model: &std::path::Path) -> (Vec<Value>, Vec<String>) {
    let cwd = model.parent().unwrap();
    let explained = super::datasurface(&["explain", "removed-column"], cwd);
    let chosen = super::datasurface(
        &[
            "explain-choice",
            model.to_str().unwrap(),
            "ProductAnalytics/Reporting",
        ],
        cwd,
    );
    assert_eq!(chosen.code, 0, "{}", chosen.transcript());
    let team = model.join("zones/usa/teams/northwindteam.yaml");
    let text = std::fs::read_to_string(team).unwrap().replacen(
        "            phone: {type: {NVarChar: {maxSize: 24}}}\n",
        "            phone: {type: {NVarChar: {maxSize: 24}}}\n            fax: {type: {NVarChar: {maxSize: 24}}}\n",
        1,
    );
    (
        vec![
            json!({"name": "explain_code", "arguments": {"code": "removed-column"}}),
            json!({"name": "explain_platform_choice", "arguments": {"workspace": "ProductAnalytics", "datasetGroup": "Reporting"}}),
            json!({"name": "check_change", "arguments": {"repository": "northwind/northwind-team@main", "files": {"zones/usa/teams/northwindteam.yaml": text}}}),
        ],
        vec![explained.stdout, chosen.stdout.trim_end().to_owned()],
    )
}

/// Runs the Python client on `target` (the binary, or `/mcp`'s URL) with
/// `calls`: the session's line, then one per call.
fn python_client(
    python: &std::path::Path,
    target: &str,
    model: &std::path::Path,
    calls: &std::path::Path,
    token: &str,
) -> Vec<Value> {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python)
        .arg(here.join("tests/it/mcp/client.py"))
        .arg(target)
        .arg(model)
        .arg(calls)
        .env("DATASURFACE_MCP_TOKEN", token)
        .env("DATASURFACE_CACHE_DIR", super::cache_dir())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the Python client failed on {target}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

#[test]
fn the_official_python_client_calls_every_tool_and_gets_the_rest_answers() {
    let Some(python) = external(
        "DATASURFACE_API_TOOLS",
        "the Model Context Protocol SDK for Python (.ci/external installs `mcp` and jsonschema in DATASURFACE_API_TOOLS)",
        |dir| {
            let python = dir.join("python");
            Command::new(&python)
                .args(["-c", "import mcp, jsonschema"])
                .output()
                .is_ok_and(|o| o.status.success())
                .then_some(python)
        },
    ) else {
        return;
    };
    let dir = scratch("mcp-python");
    let model = dir.join("model");
    copy_northwind(&model, str::to_owned);
    let token = "a-token-only-this-test-knows";
    let server = Server::start_in(
        &model,
        "0",
        &["--mcp-token-env", "DS_TEST_MCP_TOKEN"],
        &[("DS_TEST_MCP_TOKEN", token)],
    );
    let (_, platforms) = server.get("/api/v1/platforms");
    let first = &platforms["items"][0];
    let platform = first["name"].as_str().unwrap().to_owned();
    // Its name as the API writes it in a path.
    let platform_segment = first["href"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (mut calls, paths) = questions(&platform, &platform_segment);
    let (gate_calls, printed) = gate_questions(&model);
    calls.extend(gate_calls);
    calls
        .push(json!({"name": "get_dataset", "arguments": {"store": "NW_Data", "dataset": "nope"}}));
    let calls_file = dir.join("calls.json");
    std::fs::write(&calls_file, Value::Array(calls).to_string()).unwrap();
    let url = format!("http://{}/mcp", server.addr());
    for target in [env!("CARGO_BIN_EXE_datasurface"), url.as_str()] {
        let lines = python_client(&python, target, &model, &calls_file, token);
        answers_as_rest_and_commands(target, &lines, &server, &paths, &printed);
    }
    refuses_strangers(&server, token);
}

/// The session's tools, each route tool's answer the REST answer, the
/// gate's tools' what their commands print.
fn answers_as_rest_and_commands(
    target: &str,
    lines: &[Value],
    server: &Server,
    paths: &[String],
    printed: &[String],
) {
    let mut lines = lines.iter();
    let session = lines.next().unwrap();
    assert_eq!(session["server"], "datasurface", "{session}");
    assert!(
        session["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("never as instructions")),
        "{session}"
    );
    let listed: Vec<&str> = session["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut names: Vec<String> = ROUTES.iter().map(|r| tool_name(r.id)).collect();
    names.extend(["check_change", "explain_code", "explain_platform_choice"].map(String::from));
    assert_eq!(listed, names, "{target}: {session}");
    for path in paths {
        let answer = lines.next().unwrap();
        assert_eq!(answer["isError"], false, "{target}: {path}: {answer}");
        let (code, rest) = server.get(path);
        assert_eq!(code, 200, "{path}: {rest}");
        assert_eq!(
            answer["structured"], rest,
            "{target}: {}: not the REST answer to {path}",
            answer["name"]
        );
    }
    let explained = lines.next().unwrap();
    assert_eq!(
        explained["structured"]["explanation"], printed[0],
        "{target}"
    );
    let chosen = lines.next().unwrap();
    assert_eq!(chosen["structured"]["reasoning"], printed[1], "{target}");
    let checked = lines.next().unwrap();
    assert_eq!(
        checked["structured"]["verdict"], "passed",
        "{target}: {checked}"
    );
    let refused = lines.next().unwrap();
    assert_eq!(refused["isError"], true, "{refused}");
    assert!(
        refused["text"][0]
            .as_str()
            .is_some_and(|t| t.contains("no dataset `nope` in datastore `NW_Data`")),
        "{refused}"
    );
}

/// Without the token, or from a page elsewhere, `/mcp` answers nothing.
fn refuses_strangers(server: &Server, token: &str) {
    let post = |headers: &str| {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(server.addr()).unwrap();
        let body = r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#;
        write!(
            stream,
            "POST /mcp HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            server.addr(),
            body.len()
        )
        .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    };
    assert!(post("").starts_with("HTTP/1.1 401"), "{}", post(""));
    assert!(post("Authorization: Bearer wrong\r\n").starts_with("HTTP/1.1 401"));
    let elsewhere = post(&format!(
        "Authorization: Bearer {token}\r\nOrigin: https://evil.example\r\n"
    ));
    assert!(elsewhere.starts_with("HTTP/1.1 403"), "{elsewhere}");
}

/// A session with `datasurface mcp`, spoken by hand over its standard
/// input and output: newline-delimited JSON-RPC.
struct Session {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    id: u64,
}

impl Session {
    fn start(model: &str, cwd: &std::path::Path) -> Session {
        Session::start_with(&[model], cwd)
    }

    /// `datasurface mcp` with `args` (the model and options).
    fn start_with(args: &[&str], cwd: &std::path::Path) -> Session {
        use std::io::BufRead as _;
        let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
            .arg("mcp")
            .args(args)
            .env("DATASURFACE_CACHE_DIR", super::cache_dir())
            .current_dir(cwd)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("the binary runs");
        let stdin = child.stdin.take().unwrap();
        let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut session = Session {
            child,
            stdin,
            lines,
            id: 0,
        };
        let init = session.request(
            "initialize",
            &json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "0"}}),
        );
        assert_eq!(init["serverInfo"]["name"], "datasurface", "{init}");
        session.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        session
    }

    fn send(&mut self, message: &Value) {
        use std::io::Write as _;
        writeln!(self.stdin, "{message}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// The result of a request (its answer's `result`).
    fn request(&mut self, method: &str, params: &Value) -> Value {
        self.id += 1;
        let id = self.id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        for line in self.lines.by_ref() {
            let message: Value = serde_json::from_str(&line.unwrap()).unwrap();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
        panic!("`datasurface mcp` ended before answering {method}");
    }

    fn call(&mut self, name: &str, arguments: &Value) -> Value {
        self.request("tools/call", &json!({"name": name, "arguments": arguments}))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every file under `dir`, by its path from `dir`, with its bytes.
fn files(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(
        root: &std::path::Path,
        dir: &std::path::Path,
        out: &mut std::collections::BTreeMap<String, Vec<u8>>,
    ) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let place = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(place, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// `check_change`'s `files`: each file `proposed` changes from `base`.
fn changed_files(base: &std::path::Path, proposed: &std::path::Path) -> Value {
    let (base, proposed) = (files(base), files(proposed));
    let mut changed = serde_json::Map::new();
    for (place, bytes) in &proposed {
        if base.get(place) != Some(bytes) {
            changed.insert(
                place.clone(),
                json!(String::from_utf8(bytes.clone()).unwrap()),
            );
        }
    }
    for place in base.keys().filter(|p| !proposed.contains_key(*p)) {
        changed.insert(place.clone(), Value::Null);
    }
    Value::Object(changed)
}

/// The change from `base` to `proposed` as `git diff` writes it for a
/// review: paths from the model's root, renames found.
fn git_patch(base: &std::path::Path, proposed: &std::path::Path, work: &std::path::Path) -> String {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "core.autocrlf=false",
            ])
            .args(args)
            .current_dir(work)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    std::fs::create_dir_all(work).unwrap();
    super::copy_dir(base, work);
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "base"]);
    for entry in std::fs::read_dir(work).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n != ".git") {
            if path.is_dir() {
                std::fs::remove_dir_all(&path).unwrap();
            } else {
                std::fs::remove_file(&path).unwrap();
            }
        }
    }
    super::copy_dir(proposed, work);
    git(&["add", "-A"]);
    git(&["diff", "--cached", "--find-renames"])
}

/// A proposed change of the verify tests: its team document edited.
struct Case<'a> {
    name: &'a str,
    edit: &'a dyn Fn(&str) -> String,
    source: &'a str,
    verdict: &'a str,
    /// Whether the team document also moves (to `zones/usa/northwind-team.yaml`).
    moved: bool,
}

/// `check_change` gives the verdict and findings `datasurface verify` gives
/// on the verify tests' changes, whether the change comes as files or as
/// a patch, and writes nothing.
#[test]
fn check_change_agrees_with_verify() {
    const PHONE: &str = "            phone: {type: {NVarChar: {maxSize: 24}}}\n";
    let until = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let fax = |t: &str| {
        t.replacen(
            PHONE,
            &format!("{PHONE}            fax: {{type: {{NVarChar: {{maxSize: 24}}}}}}\n"),
            1,
        )
    };
    let removed = |t: &str| t.replacen(super::verify::DISCONTINUED, "", 1);
    let approved = |t: &str| format!("{}{}", removed(t), super::verify::approval(&until));
    let broken = |t: &str| format!("{t}\n  - : [unclosed\n");
    let team = "northwind/northwind-team@main";
    let case = |name, edit, source, verdict| Case {
        name,
        edit,
        source,
        verdict,
        moved: false,
    };
    let cases = [
        case("a nullable column from its owner", &fax, team, "passed"),
        case(
            "a column from the zone's repository",
            &fax,
            "northwind/usa-zone@main",
            "refused",
        ),
        case(
            "a column from a stranger",
            &fax,
            "someone/else@main",
            "refused",
        ),
        case("a removed column", &removed, team, "refused"),
        case(
            "a removed column its consumers' owner approved",
            &approved,
            team,
            "passed",
        ),
        case(
            "a team document that does not parse",
            &broken,
            team,
            "notLoaded",
        ),
        Case {
            moved: true,
            ..case(
                "a column added in a document that moves",
                &fax,
                team,
                "passed",
            )
        },
    ];
    let dir = scratch("mcp-check");
    copy_northwind(&dir.join("base"), str::to_owned);
    let before = files(&dir.join("base"));
    let mut session = Session::start("base", &dir);
    for (n, case) in cases.iter().enumerate() {
        check_agrees(&mut session, &dir, n, case);
    }
    // A change that does not apply is the assistant's to fix; nothing was written.
    let result = session.call(
        "check_change",
        &json!({"repository": team, "patch": "--- a/zones/usa/teams/northwindteam.yaml\n+++ b/zones/usa/teams/northwindteam.yaml\n@@ -1 +1 @@\n-not there\n+x\n"}),
    );
    assert_eq!(result["isError"], true, "{result}");
    let result = session.call(
        "check_change",
        &json!({"repository": team, "files": {"../outside.yaml": "x"}}),
    );
    assert!(
        result["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("not a path inside the model"),
        "{result}"
    );
    drop(session);
    assert_eq!(
        files(&dir.join("base")),
        before,
        "check_change wrote to the model"
    );
}

/// `verify`'s answer to `case`, and `check_change`'s given the change as
/// files and as a patch: the same.
fn check_agrees(session: &mut Session, dir: &std::path::Path, n: usize, case: &Case<'_>) {
    let proposed = format!("proposed{n}");
    copy_northwind(&dir.join(&proposed), case.edit);
    let team = "zones/usa/teams/northwindteam.yaml";
    let mut changed = vec![team];
    if case.moved {
        let usa = dir.join(&proposed).join("zones/usa");
        std::fs::rename(
            usa.join("teams/northwindteam.yaml"),
            usa.join("northwind-team.yaml"),
        )
        .unwrap();
        changed.insert(0, "zones/usa/northwind-team.yaml");
    }
    let run = super::datasurface(
        &[
            "verify",
            "--base",
            "base",
            "--proposed",
            &proposed,
            "--source",
            case.source,
            "--format",
            "json",
        ],
        dir,
    );
    let verified: Value = serde_json::from_str(&run.stdout.replace(&format!("{proposed}/"), ""))
        .unwrap_or_else(|e| panic!("{}: {e}: {}", case.name, run.transcript()));
    assert_eq!(
        verified["verdict"],
        case.verdict,
        "{}: {}",
        case.name,
        run.transcript()
    );
    let as_files = changed_files(&dir.join("base"), &dir.join(&proposed));
    let patch = git_patch(
        &dir.join("base"),
        &dir.join(&proposed),
        &dir.join(format!("git{n}")),
    );
    for arguments in [
        json!({"repository": case.source, "files": as_files}),
        json!({"repository": case.source, "patch": patch}),
    ] {
        let given = if arguments.get("patch").is_some() {
            "a patch"
        } else {
            "files"
        };
        let result = session.call("check_change", &arguments);
        assert_eq!(result["isError"], false, "{}: {result}", case.name);
        let mut checked: Value =
            serde_json::from_str(&result["structuredContent"].to_string().replace("base/", ""))
                .unwrap();
        let object = checked.as_object_mut().unwrap();
        assert_eq!(
            object.remove("changedFiles").unwrap(),
            json!(changed),
            "{}",
            case.name
        );
        let plans = object.remove("plans").unwrap();
        if case.verdict == "passed" {
            assert!(
                plans
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["steps"].as_array().is_some_and(|s| !s.is_empty())),
                "{}: a change that may merge has a plan: {plans}",
                case.name
            );
        }
        assert_eq!(
            checked, verified,
            "{}: check_change given {given} is not verify",
            case.name
        );
    }
}

/// The model's documents are resources, read as their teams wrote them;
/// every object the API names is a resource by template; the prompts fill
/// in their arguments.
#[test]
fn documents_and_objects_are_resources_and_the_asks_are_prompts() {
    let dir = scratch("mcp-resources");
    copy_northwind(&dir.join("model"), str::to_owned);
    let mut session = Session::start("model", &dir);
    let listed = session.request("resources/list", &json!({}));
    let uris: Vec<&str> = listed["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["uri"].as_str())
        .collect();
    let team = "datasurface://files/zones/usa/teams/northwindteam.yaml";
    assert!(uris.contains(&team), "{listed}");
    assert!(uris.contains(&"datasurface://api/v1/ecosystem"), "{listed}");
    assert!(
        !uris
            .iter()
            .any(|u| u.contains("/data/") || u.contains("/hooks/")),
        "{listed}"
    );
    let read = session.request("resources/read", &json!({"uri": team}));
    assert_eq!(
        read["contents"][0]["text"],
        std::fs::read_to_string(dir.join("model/zones/usa/teams/northwindteam.yaml")).unwrap()
    );
    assert_eq!(read["contents"][0]["mimeType"], "application/yaml");
    let templates = session.request("resources/templates/list", &json!({}));
    let dataset_template = templates["resourceTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "get_dataset")
        .unwrap_or_else(|| panic!("{templates}"));
    assert_eq!(
        dataset_template["uriTemplate"],
        "datasurface://api/v1/datastores/{store}/datasets/{dataset}"
    );
    let read = session.request(
        "resources/read",
        &json!({"uri": "datasurface://api/v1/datastores/NW_Data/datasets/customers"}),
    );
    let tool = session.call(
        "get_dataset",
        &json!({"store": "NW_Data", "dataset": "customers"}),
    )["structuredContent"]
        .clone();
    let text: Value = serde_json::from_str(read["contents"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(text, tool);
    // A name with a space, written raw or escaped, is the same platform.
    let raw = session.request(
        "resources/read",
        &json!({"uri": "datasurface://api/v1/platforms/Azure Platform"}),
    );
    let escaped = session.request(
        "resources/read",
        &json!({"uri": "datasurface://api/v1/platforms/Azure%20Platform"}),
    );
    assert_eq!(raw["contents"][0]["text"], escaped["contents"][0]["text"]);
    // Nothing outside the documents and the API.
    for uri in [
        "datasurface://files/data/northwind.sqlite",
        "datasurface://files/../../etc/passwd",
        "datasurface://metrics",
        "file:///etc/passwd",
    ] {
        session.id += 1;
        let id = session.id;
        session.send(&json!({"jsonrpc": "2.0", "id": id, "method": "resources/read", "params": {"uri": uri}}));
        let answer: Value = loop {
            let line = session.lines.next().unwrap().unwrap();
            let message: Value = serde_json::from_str(&line).unwrap();
            if message["id"] == id {
                break message;
            }
        };
        assert!(answer.get("error").is_some(), "{uri}: {answer}");
    }
    let prompts = session.request("prompts/list", &json!({}));
    assert_eq!(prompts["prompts"].as_array().unwrap().len(), 3, "{prompts}");
    let asked = session.request(
        "prompts/get",
        &json!({"name": "what_breaks_if_i_drop_a_column", "arguments": {"store": "NW_Data", "dataset": "products", "column": "discontinued"}}),
    );
    let text = asked["messages"][0]["content"]["text"].as_str().unwrap();
    assert!(
        text.contains("column `discontinued` from dataset `products`")
            && text.contains("`get_impact`"),
        "{text}"
    );
}

/// Whether `actual` holds what the documentation shows of it: `…` stands
/// for any value, a text ending in `…` for any text it begins, and a list
/// ending in `…` for its first items and more.
fn holds(shown: &Value, actual: &Value) -> bool {
    const MORE: &str = "\u{2026}";
    match (shown, actual) {
        (Value::String(s), _) if s == MORE => true,
        (Value::String(s), Value::String(a)) if s.ends_with(MORE) => {
            a.starts_with(s.trim_end_matches(MORE))
        }
        (Value::Object(s), Value::Object(a)) => s
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|found| holds(v, found))),
        (Value::Array(s), Value::Array(a)) => {
            let more = s.last().is_some_and(|last| last == MORE);
            let shown = if more { &s[..s.len() - 1] } else { &s[..] };
            (if more {
                a.len() > shown.len()
            } else {
                a.len() == shown.len()
            }) && shown.iter().zip(a).all(|(s, a)| holds(s, a))
        }
        _ => shown == actual,
    }
}

/// Every example of docs/mcp.md, replayed on Northwind: the call is
/// answered, and the answer holds what the example shows.
#[test]
fn every_documented_example_is_what_the_tool_answers() {
    let doc = std::fs::read_to_string(super::repo_root().join("docs/mcp.md")).unwrap();
    let examples = doc
        .split("## Each tool, with an example")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/mcp.md has its examples");
    let dir = scratch("mcp-doc-examples");
    copy_northwind(&dir.join("model"), str::to_owned);
    let mut session = Session::start("model", &dir);
    let mut shown = Vec::new();
    for section in examples.split("\n### `").skip(1) {
        let name = section.split('`').next().unwrap();
        let blocks: Vec<Value> = section
            .split("```json\n")
            .skip(1)
            .map(|b| serde_json::from_str(b.split("\n```").next().unwrap()).unwrap())
            .collect();
        let [arguments, answer] = blocks.as_slice() else {
            panic!(
                "docs/mcp.md: `{name}` shows {} JSON blocks, not a call and an answer",
                blocks.len()
            );
        };
        let result = session.call(name, arguments);
        assert_eq!(result["isError"], false, "docs/mcp.md: `{name}`: {result}");
        assert!(
            holds(answer, &result["structuredContent"]),
            "docs/mcp.md: the example of `{name}` is not what it answers now; show this instead:\n{:#}",
            result["structuredContent"]
        );
        shown.push(name.to_owned());
    }
    let tools = session.request("tools/list", &json!({}));
    let listed: Vec<&str> = tools["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        shown, listed,
        "docs/mcp.md shows an example of each tool, in their order"
    );
}

#[test]
fn what_the_documentation_shows_is_held() {
    let actual = json!({"a": [1, 2, 3], "b": "a long text", "c": {"d": 1, "e": 2}});
    assert!(holds(
        &json!({"a": [1, "\u{2026}"], "b": "a lo\u{2026}", "c": {"d": 1}}),
        &actual
    ));
    assert!(holds(&json!({"b": "\u{2026}", "c": "\u{2026}"}), &actual));
    assert!(!holds(&json!({"a": [1, 2]}), &actual));
    assert!(!holds(&json!({"a": [2, "\u{2026}"]}), &actual));
    assert!(!holds(&json!({"b": "long\u{2026}"}), &actual));
    assert!(!holds(&json!({"f": 1}), &actual));
}

/// With `--state`, `get_freshness` answers from the platform's last
/// batches, as `serve --state` does.
#[test]
fn freshness_comes_from_the_platform_s_state() {
    let dir = super::metrics::northwind_run("mcp-freshness");
    let mut session = Session::start_with(&["model", "--state", "state"], &dir);
    let answer = session.call(
        "get_freshness",
        &json!({"store": "NW_Data", "dataset": "products"}),
    );
    let freshness = &answer["structuredContent"];
    assert_eq!(freshness["readsState"], true, "{answer}");
    let local = &freshness["platforms"][0];
    assert_eq!(local["platform"], "Local", "{answer}");
    assert!(local["lastCommitted"].is_string(), "{answer}");
    assert_eq!(local["failedBatches"], 0, "{answer}");
    assert_eq!(
        local["consumers"][0]["group"], "ProductAnalytics.Reporting",
        "{answer}"
    );
}
