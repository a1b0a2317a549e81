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
    let server = Server::start(&model, "0");
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
    calls
        .push(json!({"name": "get_dataset", "arguments": {"store": "NW_Data", "dataset": "nope"}}));
    let calls_file = dir.join("calls.json");
    std::fs::write(&calls_file, Value::Array(calls).to_string()).unwrap();
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(&python)
        .arg(here.join("tests/it/mcp/client.py"))
        .arg(env!("CARGO_BIN_EXE_datasurface"))
        .arg(&model)
        .arg(&calls_file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the Python client failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap());
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
    let names: Vec<String> = ROUTES.iter().map(|r| tool_name(r.id)).collect();
    assert_eq!(listed, names, "{session}");
    for path in &paths {
        let answer = lines.next().unwrap();
        assert_eq!(answer["isError"], false, "{path}: {answer}");
        let (code, rest) = server.get(path);
        assert_eq!(code, 200, "{path}: {rest}");
        assert_eq!(
            answer["structured"], rest,
            "{}: not the REST answer to {path}",
            answer["name"]
        );
    }
    let refused = lines.next().unwrap();
    assert_eq!(refused["isError"], true, "{refused}");
    assert!(
        refused["text"][0]
            .as_str()
            .is_some_and(|t| t.contains("no dataset `nope` in datastore `NW_Data`")),
        "{refused}"
    );
}
