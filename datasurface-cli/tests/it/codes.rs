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
    assert!(
        run.stdout
            .contains("is reported (`datasurface check --format short`) as:"),
        "{}",
        run.stdout
    );
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

/// `explain` alone lists every code the catalogue explains, one line each.
#[test]
fn explain_without_a_code_lists_every_code() {
    let run = datasurface(&["explain"], &repo_root());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let catalogue = datasurface(&["explain", "--all"], &repo_root()).stdout;
    let listed: Vec<&str> = run
        .stdout
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| l.split_whitespace().nth(1).unwrap_or_default())
        .collect();
    assert!(listed.len() >= 100, "{}", run.stdout);
    for code in &listed {
        assert!(
            catalogue.contains(&format!("\n## {code}\n")),
            "`{code}` is in the catalogue"
        );
    }
    assert!(run.stdout.contains("reserved-name"), "{}", run.stdout);
    assert!(
        run.stdout
            .trim_end()
            .ends_with("`--all` prints them all in Markdown (docs/diagnostics.md)"),
        "{}",
        run.stdout
    );
}

/// `explain --platform KIND` describes every parameter a built-in kind
/// reads, from the type it reads them into; an unknown kind is refused with
/// the kinds there are.
#[test]
fn explain_describes_each_platforms_parameters() {
    for kind in ["airflow", "sqlite"] {
        let run = datasurface(&["explain", "--platform", kind], &repo_root());
        assert_eq!(run.code, 0, "{}", run.stderr);
        insta::assert_snapshot!(format!("platform_parameters_{kind}"), run.stdout);
    }
    let run = datasurface(&["explain", "--platform", "airflo"], &repo_root());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `airflow`?"),
        "{}",
        run.stderr
    );
}

/// The platform pipeline's own codes (unknown kinds, versions, parameters,
/// capabilities, physical names, platforms' credentials) each carry an
/// example that gives the finding `explain` shows, with every built-in
/// platform registered.
#[test]
fn platform_code_examples_give_their_findings() {
    let registry = datasurface_cli::Datasurface::new().registry().clone();
    let base = datasurface_testkit::example_base("sqlite", "^0.1", "");
    let failures =
        datasurface_testkit::check_examples(&registry, datasurface_platform::PLATFORM_CODES, &base);
    let text: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert!(failures.is_empty(), "{}", text.join("\n\n"));
}
