//! The API checked by tools written by others: the OpenAPI document by
//! openapi-spec-validator, and the running server fuzzed from it by
//! schemathesis (every check: status codes, content types, response
//! schemas, schema-valid requests accepted and invalid ones refused).
//!
//! `.ci/external` installs both into a virtual environment whose `bin`
//! `DATASURFACE_API_TOOLS` names. Without them the tests say so and pass,
//! unless `DATASURFACE_REQUIRE_EXTERNAL=1`.

use std::path::PathBuf;
use std::process::Command;

use crate::{Running, northwind_version};

/// The tools' directory, or `None` (having said why) when they are missing.
fn tools() -> Option<PathBuf> {
    let dir = std::env::var_os("DATASURFACE_API_TOOLS").map(PathBuf::from);
    let found = dir.filter(|d| d.join("schemathesis").is_file() && d.join("python").is_file());
    if found.is_none() {
        crate::missing(
            "the OpenAPI tools are not installed (.ci/external installs them; set DATASURFACE_API_TOOLS to their bin directory)",
        );
    }
    found
}

/// What `command` printed; it must succeed.
fn succeeds(command: &mut Command) -> String {
    let out = command.env("NO_COLOR", "1").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn the_committed_document_passes_an_independent_validator() {
    let Some(bin) = tools() else { return };
    let document = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema/openapi.json");
    let text = succeeds(
        Command::new(bin.join("python"))
            .args(["-m", "openapi_spec_validator"])
            .arg(&document),
    );
    assert!(text.contains(": OK"), "{text}");
}

#[test]
fn schemathesis_finds_nothing_wrong_with_the_running_server() {
    let Some(bin) = tools() else { return };
    let server = Running::start(northwind_version("m1"));
    let text = succeeds(
        Command::new(bin.join("schemathesis"))
            .args(["run", &format!("{}/openapi.json", server.base)])
            .args(["--checks", "all", "--max-examples", "30"])
            .arg("--generation-deterministic"),
    );
    assert!(text.contains("passed"), "{text}");
}
