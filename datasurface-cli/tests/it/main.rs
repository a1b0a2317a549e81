//! Integration tests of the `datasurface` binary: output and exit codes,
//! one file per command as in `src/`, and the tests that cross commands
//! (a newcomer's first hour, the documentation's walkthroughs, the model's
//! boundaries).

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::path::{Path, PathBuf};
use std::process::Command;

mod args;
mod authority;
mod avro;
mod boundaries;
mod catalogue;
mod check;
mod codes;
mod contract;
mod engine;
mod entry_points;
mod environments;
#[path = "../../../datasurface-contract/tests/it/external.rs"]
mod external;
mod gate;
mod generate;
mod gitops;
mod graph;
mod hooks;
mod job;
mod lineage;
#[cfg(feature = "mcp")]
mod mcp;
mod metrics;
mod newcomer;
mod ownerless;
mod platforms;
mod serve;
mod spark;
mod verify;
mod walkthrough;
// The headless browser the catalogue page's tests drive, shared with
// datasurface-server's.
#[path = "../../../datasurface-server/tests/it/webdriver.rs"]
mod webdriver;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr, for a snapshot.
    fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where the commands the tests run keep their records (`render`'s): the
/// tests' own, never the user's cache.
fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cache")
}

fn datasurface(args: &[&str], cwd: &Path) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_datasurface"))
        .args(args)
        .env("DATASURFACE_CACHE_DIR", cache_dir())
        .current_dir(cwd)
        .output()
        .expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// [`datasurface`], stopped and failed with `hung` if it runs for more than
/// a minute: for a command a hostile input once made wait for ever.
fn datasurface_within_a_minute(args: &[&str], cwd: &Path, hung: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
        .args(args)
        .env("DATASURFACE_CACHE_DIR", cache_dir())
        .current_dir(cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let started = std::time::Instant::now();
    while child.try_wait().expect("the binary runs").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("{hung}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs git in `dir` as a test's committer; its output. Fails the test
/// when git fails.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=CI"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// A scratch directory under the target directory, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the Northwind example into `dir`, with its team document changed by `edit`.
fn copy_northwind(dir: &Path, edit: impl Fn(&str) -> String) {
    std::fs::create_dir_all(dir).unwrap();
    copy_dir(&repo_root().join("examples/models/northwind"), dir);
    let team = dir.join("zones/usa/teams/northwindteam.yaml");
    let text = edit(&std::fs::read_to_string(&team).unwrap());
    std::fs::write(&team, text).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
