//! The command line itself: its help, and `schema`.

use super::{datasurface, repo_root};

#[test]
fn help_lists_the_commands() {
    let run = datasurface(&["--help"], &repo_root());
    assert_eq!(run.code, 0);
    for command in [
        "check", "verify", "graph", "render", "plan", "apply", "run", "up", "explain", "schema",
        "generate",
    ] {
        assert!(run.stdout.contains(command), "{}", run.stdout);
    }
}

#[test]
fn schema_prints_the_committed_schema() {
    let run = datasurface(&["schema"], &repo_root());
    assert_eq!(run.code, 0);
    let committed =
        std::fs::read_to_string(repo_root().join("schema/ecosystem.schema.json")).unwrap();
    assert_eq!(run.stdout, committed);
}
