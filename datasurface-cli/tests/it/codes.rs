//! `explain`: one code, and the whole catalogue (docs/diagnostics.md).

use super::{datasurface, repo_root};

#[test]
fn explain_a_code_and_the_catalogue() {
    let run = datasurface(&["explain", "missing-primary-key"], &repo_root());
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.starts_with("missing-primary-key (error)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("is reported as:"), "{}", run.stdout);
    let run = datasurface(&["explain", "missing-primary-kee"], &repo_root());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown diagnostic code"),
        "{}",
        run.stderr
    );
    let run = datasurface(&["explain", "--all"], &repo_root());
    assert_eq!(run.code, 0);
    let committed = std::fs::read_to_string(repo_root().join("docs/diagnostics.md")).unwrap();
    assert_eq!(
        run.stdout, committed,
        "docs/diagnostics.md is `datasurface explain --all`"
    );
}
