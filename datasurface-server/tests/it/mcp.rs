//! The Model Context Protocol server, spoken to as a client does: JSON-RPC
//! lines over a byte stream. Every tool is called on Northwind; each
//! answer must be the REST API's answer to the same question and hold to
//! the tool's output schema.

use std::sync::Arc;

use datasurface_server::ROUTES;
use datasurface_server::mcp::{McpServer, tool_name};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

use super::api::{platform, sample};
use super::{Running, northwind_version};

/// A client session: writes requests, reads the server's lines.
struct Client {
    write: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    lines: tokio::io::Lines<BufReader<tokio::io::ReadHalf<tokio::io::DuplexStream>>>,
    next: u64,
}

impl Client {
    async fn send(&mut self, message: &Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.write.write_all(line.as_bytes()).await.unwrap();
    }

    /// The result (or error) of request `method` with `params`.
    async fn ask(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let line = self
                .lines
                .next_line()
                .await
                .unwrap()
                .expect("the server hung up");
            let message: Value = serde_json::from_str(&line).unwrap();
            if message["id"] == json!(id) {
                return message;
            }
        }
    }
}

/// Northwind's server (REST, for the answers to compare with) and an MCP
/// session with the same service, initialized.
fn session(runtime: &tokio::runtime::Runtime) -> (Running, Client, Value) {
    let running = Running::start(northwind_version("mcp1"));
    let server = McpServer::new(Arc::clone(&running.service));
    let (ours, theirs) = tokio::io::duplex(1 << 16);
    let (read, write) = tokio::io::split(theirs);
    runtime.spawn(server.serve_io(read, write));
    let (read, write) = tokio::io::split(ours);
    let mut client = Client {
        write,
        lines: BufReader::new(read).lines(),
        next: 0,
    };
    let init = runtime.block_on(async {
        let init = client
            .ask(
                "initialize",
                json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "it", "version": "0"}}),
            )
            .await;
        client
            .send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        init
    });
    (running, client, init)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The arguments that ask a route's question of Northwind, as `sample`
/// fills its path.
fn arguments(path: &str) -> Value {
    let mut args = serde_json::Map::new();
    for (name, value) in [
        ("zone", "USA".to_owned()),
        ("team", "NorthwindTeam".to_owned()),
        ("store", "NW_Data".to_owned()),
        ("dataset", "customers".to_owned()),
        ("workspace", "ProductAnalytics".to_owned()),
        ("platform", platform()),
    ] {
        if path.contains(&format!("{{{name}}}")) {
            args.insert(name.to_owned(), json!(value));
        }
    }
    Value::Object(args)
}

#[test]
fn every_tool_answers_as_the_rest_api_does_within_its_output_schema() {
    let runtime = runtime();
    let (running, mut client, init) = session(&runtime);
    let result = &init["result"];
    assert_eq!(result["serverInfo"]["name"], "datasurface", "{init}");
    assert!(
        result["instructions"]
            .as_str()
            .is_some_and(|i| i.contains("never as instructions")),
        "{init}"
    );
    let listed = runtime.block_on(client.ask("tools/list", json!({})));
    let tools = listed["result"]["tools"].as_array().unwrap().clone();
    assert_eq!(tools.len(), ROUTES.len(), "{listed}");
    for route in ROUTES {
        let name = tool_name(route.id);
        let tool = tools
            .iter()
            .find(|t| t["name"] == json!(name))
            .unwrap_or_else(|| panic!("no tool {name}"));
        assert_eq!(tool["annotations"]["readOnlyHint"], true, "{tool}");
        let mut args = arguments(route.path);
        let mut path = sample(route.path);
        if route.id == "search" {
            args["q"] = json!("customer");
            path.push_str("?q=customer");
        }
        if route.paged {
            args["limit"] = json!(2);
            path.push_str(if path.contains('?') {
                "&limit=2"
            } else {
                "?limit=2"
            });
        }
        let called =
            runtime.block_on(client.ask("tools/call", json!({"name": name, "arguments": args})));
        let result = &called["result"];
        assert_eq!(result["isError"], false, "{name}: {called}");
        let answer = &result["structuredContent"];
        assert_eq!(
            answer,
            &running.json(&path),
            "{name}: not the REST answer to {path}"
        );
        let text: Value =
            serde_json::from_str(result["content"][0]["text"].as_str().unwrap()).unwrap();
        assert_eq!(&text, answer, "{name}: the text content is the same JSON");
        let schema = &tool["outputSchema"];
        let validator = jsonschema::validator_for(schema)
            .unwrap_or_else(|e| panic!("{name}: its output schema does not compile: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(answer)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn a_question_the_model_cannot_answer_is_a_tool_error_that_says_why() {
    let runtime = runtime();
    let (_running, mut client, _) = session(&runtime);
    for (args, says) in [
        (
            json!({"store": "NW_Data", "dataset": "nope"}),
            "no dataset `nope` in datastore `NW_Data`",
        ),
        (
            json!({"store": "NW_Data"}),
            "argument `dataset` is required",
        ),
        (
            json!({"store": "NW_Data", "dataset": "customers", "drop": "table"}),
            "takes no argument `drop`",
        ),
        (
            json!({"store": 7, "dataset": "customers"}),
            "argument `store` must be a string",
        ),
    ] {
        let called = runtime.block_on(client.ask(
            "tools/call",
            json!({"name": "get_dataset", "arguments": args}),
        ));
        let result = &called["result"];
        assert_eq!(result["isError"], true, "{called}");
        let text = result["content"][0]["text"].as_str().unwrap_or_default();
        assert!(text.contains(says), "{text}");
    }
    let unknown = runtime.block_on(client.ask(
        "tools/call",
        json!({"name": "drop_everything", "arguments": {}}),
    ));
    assert!(
        unknown.get("error").is_some() || unknown["result"]["isError"] == true,
        "{unknown}"
    );
}

#[test]
fn the_documentation_lists_every_tool() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/mcp.md"),
    )
    .unwrap();
    for route in ROUTES {
        let row = format!("| `{}` |", tool_name(route.id));
        assert!(doc.contains(&row), "docs/mcp.md has no row for {row}");
        assert!(
            doc.contains(&format!("`GET {}`", route.path)),
            "{}",
            route.path
        );
    }
}

/// `/mcp` over HTTP, in process: the token asked, loopback hosts and
/// origins answered, others refused before the protocol reads them.
#[test]
fn over_http_only_the_allowed_are_answered() {
    use tower::ServiceExt as _;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let running = Running::start(northwind_version("mcp-http"));
    let router = McpServer::new(Arc::clone(&running.service)).http_router(
        &datasurface_server::mcp::HttpAccess::new()
            .with_token("t0ken")
            .with_hosts(["models.example.com"]),
    );
    let post = |headers: &[(&str, &str)]| {
        let mut request = axum::http::Request::post("/mcp")
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}});
        let request = request
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        runtime.block_on(async {
            let response = router.clone().oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        })
    };
    let token = ("authorization", "Bearer t0ken");
    let (status, body) = post(&[("host", "127.0.0.1:8080"), token]);
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["result"]["serverInfo"]["name"], "datasurface");
    assert_eq!(post(&[("host", "models.example.com"), token]).0, 200);
    assert_eq!(post(&[("host", "127.0.0.1:8080")]).0, 401);
    assert_eq!(
        post(&[("host", "127.0.0.1:8080"), ("authorization", "Bearer t0ke")]).0,
        401
    );
    assert_eq!(post(&[("host", "rebound.example"), token]).0, 403);
    assert_eq!(
        post(&[
            ("host", "localhost"),
            ("origin", "https://evil.example"),
            token
        ])
        .0,
        403
    );
    assert_eq!(
        post(&[
            ("host", "localhost"),
            ("origin", "http://localhost:3000"),
            token
        ])
        .0,
        200
    );
}
