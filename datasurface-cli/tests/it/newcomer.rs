//! A newcomer's first hour: the main job finishes in a terminal, the gate sees
//! what `render` sees, nothing that matters passes silently.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{Run, copy_dir, copy_northwind, datasurface, repo_root, scratch};

/// Runs the binary under a pseudo-terminal (util-linux's `script`), killing it
/// after two minutes. Returns everything the terminal showed, with colours and
/// cursor movements removed, and the exit code (`None` if it had to be killed).
fn in_terminal(args: &[&str], cwd: &Path) -> (Option<i32>, String) {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut command = quote(env!("CARGO_BIN_EXE_datasurface"));
    for a in args {
        command.push(' ');
        command.push_str(&quote(a));
    }
    let log = cwd.join("terminal.log");
    let mut child = Command::new("script")
        .args(["--quiet", "--return", "--command", &command])
        .arg(&log)
        .current_dir(cwd)
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("util-linux's `script` runs (Debian's bsdutils)");
    let deadline = Instant::now() + Duration::from_secs(120);
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let shown = std::fs::read_to_string(&log).unwrap_or_default();
    (code, plain(&shown))
}

/// Terminal output as lines of text: escape sequences removed, each carriage
/// return starting the line again.
fn plain(shown: &str) -> String {
    let mut out = String::new();
    let mut chars = shown.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                if chars.next_if_eq(&'[').is_some() {
                    for c in chars.by_ref() {
                        if c.is_ascii_alphabetic() {
                            break;
                        }
                    }
                }
            }
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The lines a run prints that do not depend on a terminal: each batch and the totals.
fn summary_lines(text: &str, state: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains(" batch ") || l.contains(" batches, "))
        .map(|l| {
            l.replace(state, "STATE")
                .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
                .trim_end()
                .to_owned()
        })
        .collect()
}

/// `datasurface init`'s model in `dir/shop`.
fn init_shop(dir: &Path) -> PathBuf {
    let run = datasurface(&["init", "shop"], dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    dir.join("shop")
}

#[test]
fn up_and_run_finish_in_a_terminal_and_print_what_they_print_into_a_file() {
    let dir = scratch("terminal");
    copy_dir(&repo_root().join("examples/models/northwind"), &{
        let d = dir.join("northwind");
        std::fs::create_dir_all(&d).unwrap();
        d
    });
    let piped = datasurface(&["up", "northwind", "--state", "piped"], &dir);
    assert_eq!(piped.code, 0, "{}", piped.transcript());
    let (code, shown) = in_terminal(&["up", "northwind", "--state", "tty"], &dir);
    assert_eq!(code, Some(0), "`up` must finish in a terminal:\n{shown}");
    let expected = summary_lines(&piped.stdout, "piped");
    // Two batches, the masking transformer's hook's decision, the totals.
    assert_eq!(expected.len(), 4, "{}", piped.stdout);
    assert_eq!(summary_lines(&shown, "tty"), expected, "{shown}");
    assert!(shown.contains("Where to look:"), "{shown}");
    // `run --all` on a four-row CSV, in a terminal, as from a file.
    let shop = init_shop(&dir);
    let up = datasurface(&["up", ".", "--state", "shop-state"], &shop);
    assert_eq!(up.code, 0, "{}", up.transcript());
    let piped = datasurface(&["run", ".", "--state", "shop-state", "--all"], &shop);
    assert_eq!(piped.code, 0, "{}", piped.transcript());
    let (code, shown) = in_terminal(&["run", ".", "--state", "shop-state", "--all"], &shop);
    assert_eq!(code, Some(0), "`run` must finish in a terminal:\n{shown}");
    let expected = summary_lines(&piped.stdout, "shop-state");
    assert_eq!(
        expected,
        [
            "Orders                                   batch    2 committed: 4 read, +0 ~0 -0",
            "1 batches, 0 failed, 0 waiting; merge database STATE/merge.sqlite"
        ]
    );
    assert_eq!(
        summary_lines(&shown, "shop-state"),
        expected
            .iter()
            .map(|l| l.replace("batch    2", "batch    3"))
            .collect::<Vec<_>>(),
        "{shown}"
    );
    // Colours in a terminal, none into a pipe.
    let broken = dir.join("broken");
    copy_northwind(&broken, |t| {
        t.replacen("primaryKey: [product_id]", "primaryKey: [nope]", 1)
    });
    let (code, _) = in_terminal(&["check", "."], &broken);
    assert_eq!(code, Some(1));
    let raw = std::fs::read_to_string(broken.join("terminal.log")).unwrap();
    assert!(
        raw.contains("\u{1b}[1m\u{1b}[31merror[key-column-unknown]"),
        "{raw}"
    );
    let piped = datasurface(&["check", "."], &broken);
    assert!(!piped.stderr.contains('\u{1b}'), "{}", piped.stderr);
}

/// Northwind with an edit of its ecosystem document.
fn northwind_with_ecosystem(dir: &Path, edit: impl Fn(&str) -> String) {
    copy_northwind(dir, str::to_owned);
    let path = dir.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit applies");
    std::fs::write(&path, edited).unwrap();
}

fn verify_from_ecosystem(dir: &Path) -> Run {
    datasurface(
        &[
            "verify",
            "--base",
            &repo_root()
                .join("examples/models/northwind")
                .display()
                .to_string(),
            "--proposed",
            ".",
            "--source",
            "northwind/ecosystem@main",
        ],
        dir,
    )
}

#[test]
fn check_and_verify_see_what_render_sees() {
    // A misspelled platform parameter.
    let dir = scratch("gate-parameter");
    northwind_with_ecosystem(&dir, |t| {
        t.replacen(
            "      sources: {NW Source DB",
            "      sourcs: {NW Source DB",
            1,
        )
    });
    let check = datasurface(&["check", "."], &dir);
    assert_eq!(check.code, 1, "{}", check.transcript());
    assert!(
        check.stderr.contains("error[invalid-platform-parameter]"),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains("ecosystem.yaml:"),
        "located: {}",
        check.stderr
    );
    let verify = verify_from_ecosystem(&dir);
    assert_eq!(verify.code, 1, "{}", verify.transcript());
    assert!(verify.stdout.contains("may not merge"), "{}", verify.stdout);
    let render = datasurface(&["render", ".", "--platform", "Local", "--out", "r"], &dir);
    assert_eq!(
        render.code,
        1,
        "render refuses it too: {}",
        render.transcript()
    );

    // A platform's warning: workspace views of `airflow` land in its merge
    // database, not in a SQL Server container.
    let dir = scratch("gate-warning");
    copy_northwind(&dir, |t| {
        t.replacen(
            "        engine: POSTGRES\n        database: nw_analytics",
            "        engine: SQL_SERVER\n        database: nw_analytics",
            1,
        )
    });
    let check = datasurface(&["check", "."], &dir);
    assert_eq!(check.code, 0, "{}", check.transcript());
    assert!(
        check
            .stderr
            .contains("warning[airflow-views-in-merge-database]"),
        "{}",
        check.stderr
    );
    let denied = datasurface(&["check", "--deny-warnings", "."], &dir);
    assert_eq!(denied.code, 1, "{}", denied.transcript());
    assert!(
        denied.stderr.contains("(--deny-warnings)"),
        "{}",
        denied.stderr
    );

    // An unknown kind, unless provided elsewhere; JSON findings say so too.
    let dir = scratch("gate-kind");
    northwind_with_ecosystem(&dir, |t| t.replacen("kind: airflow", "kind: aws", 1));
    let check = datasurface(&["check", "--format", "json", "."], &dir);
    assert_eq!(check.code, 1, "{}", check.transcript());
    let findings: serde_json::Value = serde_json::from_str(&check.stdout).unwrap();
    assert_eq!(findings[0]["code"], "unknown-platform-kind");
    assert_eq!(findings[0]["file"], "ecosystem.yaml");
    let check = datasurface(&["check", "--platform-kinds-external", "aws", "."], &dir);
    assert_eq!(check.code, 0, "{}", check.transcript());
    let verify = verify_from_ecosystem(&dir);
    assert_eq!(verify.code, 1, "{}", verify.transcript());
}

#[test]
fn a_group_no_assignment_names_is_served_by_the_first_preferred_platform_that_can() {
    let dir = scratch("unassigned");
    let assigned = datasurface(
        &[
            "choose",
            &repo_root()
                .join("examples/models/northwind")
                .display()
                .to_string(),
        ],
        &dir,
    );
    assert_eq!(assigned.code, 0, "{}", assigned.transcript());
    assert_eq!(
        assigned.stdout,
        "no dataset group needs a choice: each group with requirements is assigned in the Ecosystem document\n"
    );
    let without = |t: &str| {
        let at = t.find("assignments:").unwrap();
        t[..at].to_owned()
    };
    northwind_with_ecosystem(&dir, without);
    let check = datasurface(&["check", "."], &dir);
    assert_eq!(check.code, 0, "{}", check.transcript());
    assert!(
        !check.stderr.contains("unassigned-dataset-group"),
        "{}",
        check.stderr
    );
    // The platforms in the order the ecosystem declares them: `Azure
    // Platform` can serve the group, so it does.
    let graph = |platform: &str| datasurface(&["graph", ".", "--platform", platform], &dir);
    assert!(graph("Azure Platform").stdout.contains("ProductAnalytics"));
    assert!(!graph("Local").stdout.contains("ProductAnalytics"));
    // The owner prefers `Local`: it serves the group, and `up` runs it.
    northwind_with_ecosystem(&dir, |t| {
        without(t).replacen(
            "platforms:\n",
            "platformPreference: [Local, Azure Platform]\nplatforms:\n",
            1,
        )
    });
    assert!(!graph("Azure Platform").stdout.contains("ProductAnalytics"));
    assert!(graph("Local").stdout.contains("ProductAnalytics"));
    let up = datasurface(&["up", ".", "--state", "s"], &dir);
    assert_eq!(up.code, 0, "{}", up.transcript());
    assert!(!up.stdout.contains("nothing yet"), "{}", up.stdout);
    let why = datasurface(&["explain-choice", ".", "ProductAnalytics/Reporting"], &dir);
    assert_eq!(why.code, 0, "{}", why.transcript());
    assert_eq!(
        why.stdout,
        "`ProductAnalytics/Reporting` is served by `Local`, the first platform in the preference order that can serve it\n  `Local`: can serve it\n  `Azure Platform`: can serve it\n"
    );
    // Recorded, the choice holds when the owner reorders the platforms.
    let choose = datasurface(&["choose", ".", "--write"], &dir);
    assert_eq!(choose.code, 0, "{}", choose.transcript());
    assert!(
        choose
            .stdout
            .contains("recorded 1 choice in ./platform-choices.yaml"),
        "{}",
        choose.stdout
    );
    let eco = dir.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&eco).unwrap();
    std::fs::write(
        &eco,
        text.replacen("[Local, Azure Platform]", "[Azure Platform, Local]", 1),
    )
    .unwrap();
    assert!(graph("Local").stdout.contains("ProductAnalytics"));
    let choose = datasurface(&["choose", "."], &dir);
    assert_eq!(
        choose.stdout,
        "ProductAnalytics/Reporting: Local (recorded)\n",
        "{}",
        choose.transcript()
    );
    // The zone allows neither platform: the group is an error that says why of each.
    let zone = dir.join("zones/usa/zone.yaml");
    let text = std::fs::read_to_string(&zone).unwrap();
    std::fs::write(
        &zone,
        text.replacen(
            "teamDeclarations:",
            "platformPolicies:\n  Elsewhere: {denied: [Local, Azure Platform]}\nteamDeclarations:",
            1,
        ),
    )
    .unwrap();
    let check = datasurface(&["check", "."], &dir);
    assert_eq!(check.code, 1, "{}", check.transcript());
    assert!(
        check.stderr.contains("error[no-platform-can-serve]: no platform can serve dataset group `ProductAnalytics.Reporting`: `Azure Platform`: platform policy `Elsewhere` of zone `USA` does not allow it; `Local`: platform policy `Elsewhere` of zone `USA` does not allow it"),
        "{}",
        check.stderr
    );
    let why = datasurface(&["explain-choice", ".", "ProductAnalytics/Reporting"], &dir);
    assert_eq!(why.code, 1, "{}", why.transcript());
}

/// Northwind's ecosystem with its assignments removed and `Local`
/// preferred: the gate chooses the platform of its one group.
fn choosing(t: &str) -> String {
    let at = t.find("assignments:").unwrap();
    t[..at].replacen(
        "platforms:\n",
        "platformPreference: [Local, Azure Platform]\nplatforms:\n",
        1,
    )
}

/// The zone's owners stop allowing `Local` in the model at `dir`.
fn deny_local(dir: &Path) {
    let zone = dir.join("zones/usa/zone.yaml");
    let text = std::fs::read_to_string(&zone).unwrap();
    std::fs::write(
        &zone,
        text.replacen(
            "teamDeclarations:",
            "platformPolicies:\n  Not local: {denied: [Local]}\nteamDeclarations:",
            1,
        ),
    )
    .unwrap();
}

#[test]
fn verify_shows_a_group_that_a_change_moves_to_another_platform() {
    let base = scratch("moves-base");
    northwind_with_ecosystem(&base, choosing);
    let proposed = scratch("moves-proposed");
    northwind_with_ecosystem(&proposed, choosing);
    deny_local(&proposed);
    let args = |format: &str| {
        [
            "verify",
            "--base",
            &base.display().to_string(),
            "--proposed",
            ".",
            "--source",
            "northwind/usa-zone@main",
            "--format",
            format,
        ]
        .map(str::to_owned)
    };
    let run = |format: &str| {
        let args = args(format);
        datasurface(
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            &proposed,
        )
    };
    let verify = run("human");
    assert_eq!(verify.code, 0, "{}", verify.transcript());
    assert!(
        verify.stdout.contains(
            "dataset group `ProductAnalytics/Reporting` moves from `Local` to `Azure Platform`"
        ),
        "{}",
        verify.stdout
    );
    let json: serde_json::Value = serde_json::from_str(&run("json").stdout).unwrap();
    assert_eq!(
        json["moves"],
        serde_json::json!([{"workspace": "ProductAnalytics", "datasetGroup": "Reporting", "from": "Local", "to": "Azure Platform"}])
    );
}

/// The platforms' plans show a moved group too: the old platform's steps
/// say where it goes, the new one's where it comes from, with a backfill.
#[test]
fn plans_show_a_group_that_moves_between_platforms() {
    let dir = scratch("moves-plans");
    northwind_with_ecosystem(&dir.join("model"), choosing);
    // The choice of `Local` is recorded, and each platform rendered.
    let run = datasurface(&["choose", "model", "--write"], &dir);
    assert_eq!(run.code, 0, "{}", run.transcript());
    for (platform, out) in [("Local", "local"), ("Azure Platform", "azure")] {
        let run = datasurface(
            &["render", "model", "--platform", platform, "--out", out],
            &dir,
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
    // The group moves.
    deny_local(&dir.join("model"));
    let plan = |platform: &str, from: &str| {
        let run = datasurface(
            &["plan", "model", "--platform", platform, "--from", from],
            &dir,
        );
        assert_eq!(run.code, 0, "{}", run.transcript());
        run.stdout
    };
    let leaving = plan("Local", "local");
    assert!(
        leaving.contains(
            "dataset group `ProductAnalytics/Reporting` moves to platform `Azure Platform`"
        ),
        "{leaving}"
    );
    let arriving = plan("Azure Platform", "azure");
    assert!(
        arriving.contains(
            "dataset group `ProductAnalytics/Reporting` moves here from platform `Local`"
        ),
        "{arriving}"
    );
    assert!(
        arriving.contains("worst disruption: re-ingest or backfill needed"),
        "{arriving}"
    );
}

#[test]
fn up_runs_every_job_once_and_says_how_it_ended() {
    let dir = scratch("up-semantics");
    let shop = init_shop(&dir);
    let up = datasurface(&["up", ".", "--all", "--state", "s"], &shop);
    assert_eq!(up.code, 0, "{}", up.transcript());
    // Plan and apply count the same changes.
    assert!(up.stdout.contains("10 to create"), "{}", up.stdout);
    assert!(
        up.stdout.contains("applied 10 changes to s: 7 database steps, 3 job definitions recorded with the rendering"),
        "{}",
        up.stdout
    );
    // A bad row fails its batch whole: exit 3, and the last data stands.
    std::fs::write(
        shop.join("data/orders.csv"),
        "order_id,customer,amount,ordered_on\n1,Alfreds,not a number,\n",
    )
    .unwrap();
    let run = datasurface(&["run", ".", "--state", "s"], &shop);
    assert_eq!(run.code, 3, "{}", run.transcript());
    assert!(run.stdout.contains("FAILED"), "{}", run.stdout);
    let status = datasurface(&["status", "--state", "s"], &shop);
    assert_eq!(status.code, 0, "{}", status.transcript());
    assert!(status.stdout.contains("1 failing"), "{}", status.stdout);
    let json = datasurface(&["status", "--state", "s", "--format", "json"], &shop);
    let state: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let orders = &state["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stream"] == "Orders")
        .unwrap()["batches"];
    assert_eq!(orders[0]["status"], "failed");
    assert_eq!(orders[1]["status"], "committed");
    // The model changed: `run` applies it first, as no step drops data.
    let team = shop.join("zones/main/teams/shop.yaml");
    let text = std::fs::read_to_string(&team).unwrap();
    std::fs::write(
        &team,
        text.replace("COUNT(*) AS orders", "COUNT(order_id) AS orders"),
    )
    .unwrap();
    let run = datasurface(&["run", ".", "--state", "s"], &shop);
    assert!(
        run.stdout
            .contains("the model changed since it was applied to s; applying it before this run:")
            && run
                .stdout
                .contains("disruption: re-ingest or backfill needed")
            && run.stdout.contains("applied 1 change to s"),
        "{}",
        run.transcript()
    );
    // A change that drops data waits for `apply`: the run runs what was applied.
    let ecosystem = shop.join("ecosystem.yaml");
    let text = std::fs::read_to_string(&ecosystem).unwrap();
    let start = text.find("assignments:").unwrap();
    std::fs::write(&ecosystem, format!("{}assignments: []\n", &text[..start])).unwrap();
    std::fs::write(
        &team,
        std::fs::read_to_string(&team)
            .unwrap()
            .split("  # The consumer:")
            .next()
            .unwrap(),
    )
    .unwrap();
    let run = datasurface(&["run", ".", "--state", "s"], &shop);
    assert!(
        run.stderr.contains("warning: the model differs from what was applied to s (0 to create, 0 to update, 0 to replace, 9 to delete; worst disruption: data dropped), and applying it drops data; this run runs what was applied"),
        "{}",
        run.transcript()
    );
    assert!(
        run.stderr.contains("datasurface apply . --state s"),
        "{}",
        run.stderr
    );
    let apply = datasurface(&["apply", ".", "--state", "s"], &shop);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    assert!(
        apply.stdout.contains("disruption: data dropped"),
        "{}",
        apply.stdout
    );
    let again = datasurface(&["apply", ".", "--state", "s"], &shop);
    assert!(
        again.stdout.contains("nothing to apply"),
        "{}",
        again.stdout
    );
}

#[test]
fn quiet_verbose_and_colour() {
    let dir = scratch("verbosity");
    let shop = init_shop(&dir);
    let quiet = datasurface(&["--quiet", "up", ".", "--state", "s"], &shop);
    assert_eq!(quiet.code, 0, "{}", quiet.transcript());
    assert_eq!(
        quiet.stdout,
        "applied 10 changes to s: 7 database steps, 3 job definitions recorded with the rendering\n2 batches, 0 failed, 0 waiting; merge database s/merge.sqlite\n"
    );
    let verbose = datasurface(&["run", ".", "--state", "s", "--all", "-v"], &shop);
    assert!(verbose.stdout.contains(" ms\n"), "{}", verbose.stdout);
    let verbose = datasurface(&["check", ".", "--verbose"], &shop);
    assert!(
        verbose
            .stderr
            .contains("platform `Local` (kind `sqlite`, 7 graph nodes): checked"),
        "{}",
        verbose.stderr
    );
    let broken = scratch("colour");
    copy_northwind(&broken, |t| {
        t.replacen("primaryKey: [product_id]", "primaryKey: [nope]", 1)
    });
    let coloured = datasurface(&["check", ".", "--color", "always"], &broken);
    assert!(
        coloured
            .stderr
            .contains("\u{1b}[1m\u{1b}[31merror[key-column-unknown]"),
        "{}",
        coloured.stderr
    );
    let plain = datasurface(&["check", "."], &broken);
    assert!(
        plain.stderr.starts_with("error[key-column-unknown]"),
        "{}",
        plain.stderr
    );
}

#[test]
fn init_completions_and_help() {
    let dir = scratch("init");
    init_shop(&dir);
    let again = datasurface(&["init", "shop"], &dir);
    assert_eq!(again.code, 2, "{}", again.transcript());
    assert!(
        again.stderr.contains("is not empty; nothing was written"),
        "{}",
        again.stderr
    );
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = datasurface(&["completions", shell], &dir);
        assert_eq!(run.code, 0, "{shell}: {}", run.transcript());
        assert!(run.stdout.contains("datasurface"), "{shell}");
        assert!(run.stdout.contains("platform-kinds-external"), "{shell}");
    }
    let help = datasurface(&["--help"], &dir);
    assert!(
        help.stdout
            .starts_with("Turns the intentions of a data ecosystem into data pipelines"),
        "{}",
        help.stdout
    );
    let up = datasurface(&["up", "--help"], &dir);
    assert!(
        up.stdout
            .contains("Usage: datasurface up <MODEL> [--state <DIR>] [--platform <NAME>] [--all]"),
        "{}",
        up.stdout
    );
    assert!(up.stdout.contains("3 a batch failed"), "{}", up.stdout);
    let run = datasurface(&["run", "--help"], &dir);
    assert!(
        run.stdout
            .contains("The run's summary as one JSON document"),
        "{}",
        run.stdout
    );
    let plan = datasurface(&["plan", "--help"], &dir);
    assert!(
        plan.stdout.contains("with each artifact's new content"),
        "{}",
        plan.stdout
    );
    let graph = datasurface(&["graph", "--help"], &dir);
    assert!(
        graph.stdout.contains("One Mermaid diagram"),
        "{}",
        graph.stdout
    );
}

#[test]
fn explain_knows_every_code_it_can_print() {
    let root = repo_root();
    for code in [
        "load-error",
        "model-structure",
        "sqlite-source-not-local",
        "unassigned-dataset-group",
        "unknown-change-source",
    ] {
        let run = datasurface(&["explain", code], &root);
        assert_eq!(run.code, 0, "{code}: {}", run.transcript());
        assert!(run.stdout.starts_with(code), "{}", run.stdout);
    }
    let run = datasurface(&["explain", "missing-primary-kee"], &root);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `missing-primary-key`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn mermaid_is_one_diagram_and_render_takes_the_only_platform() {
    let root = repo_root();
    let both = datasurface(
        &["graph", "examples/models/northwind", "--format", "mermaid"],
        &root,
    );
    assert_eq!(both.code, 0, "{}", both.transcript());
    assert_eq!(
        both.stdout.matches("graph LR").count(),
        1,
        "{}",
        both.stdout
    );
    assert!(
        both.stdout
            .contains("    subgraph p0[\"Azure Platform\"]\n"),
        "{}",
        both.stdout
    );
    assert!(
        both.stdout.contains("    subgraph p1[\"Local\"]\n"),
        "{}",
        both.stdout
    );
    assert!(
        both.stdout.contains("        p1n0 --> p1n"),
        "{}",
        both.stdout
    );
    let one = datasurface(
        &[
            "graph",
            "examples/models/northwind",
            "--format",
            "mermaid",
            "--platform",
            "Local",
        ],
        &root,
    );
    assert!(
        one.stdout.starts_with("graph LR\n    n0["),
        "{}",
        one.stdout
    );
    assert!(!one.stdout.contains("subgraph"), "{}", one.stdout);
    let dir = scratch("only-platform");
    let shop = init_shop(&dir);
    let render = datasurface(&["render", ".", "--out", "r"], &shop);
    assert_eq!(render.code, 0, "{}", render.transcript());
    assert!(
        render.stdout.contains("of platform `Local`"),
        "{}",
        render.stdout
    );
    // A rendering saved inside the model's directory is not read as model documents.
    let check = datasurface(&["check", "."], &shop);
    assert_eq!(check.code, 0, "{}", check.transcript());
    let many = datasurface(
        &["render", "examples/models/northwind", "--out", "r"],
        &root,
    );
    assert_eq!(many.code, 2, "{}", many.transcript());
    assert!(
        many.stderr.contains("name one with --platform"),
        "{}",
        many.stderr
    );
}

#[test]
fn run_every_prints_only_what_changed_after_its_first_run() {
    let dir = scratch("every");
    let shop = init_shop(&dir);
    let up = datasurface(&["up", ".", "--state", "shop-state"], &shop);
    assert_eq!(up.code, 0, "{}", up.transcript());
    let mut child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
        .args(["run", ".", "--state", "shop-state", "--every", "1s"])
        .current_dir(&shop)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Three quiet runs, then a new order, then a run that has news.
    std::thread::sleep(Duration::from_millis(3500));
    let csv = shop.join("data/orders.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap();
    text.push_str("5,Berglunds,19.99,2026-11-04\n");
    std::fs::write(&csv, text).unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    // The first run prints every batch; later ones only those that changed
    // rows (the batch numbers of the later ones depend on timing).
    assert_eq!(
        lines[..2],
        [
            "Orders                                   batch    2 committed: 4 read, +0 ~0 -0",
            "1 batches, 0 failed, 0 waiting; merge database shop-state/merge.sqlite",
        ],
        "{stdout}"
    );
    let later: Vec<String> = lines[2..]
        .iter()
        .map(|l| {
            let (stream, rest) = l.split_once(" batch ").unwrap_or((l, ""));
            let counts = rest.split_once(" committed: ").map_or(rest, |(_, c)| c);
            format!("{} {counts}", stream.trim_end())
        })
        .collect();
    assert_eq!(
        later,
        [
            "Orders 5 read, +1 ~0 -0",
            "CustomerTotals 3 read, +0 ~1 -0",
            "2 batches, 0 failed, 0 waiting; merge database shop-state/merge.sqlite ",
        ],
        "{stdout}"
    );
}

/// A nullable column added to a dataset is planned in the model's words and
/// altered in place: nothing is re-created.
#[test]
fn a_new_nullable_column_is_planned_in_the_models_words_and_added_in_place() {
    let dir = scratch("new-column");
    let shop = init_shop(&dir);
    let up = datasurface(&["up", ".", "--state", "s"], &shop);
    assert_eq!(up.code, 0, "{}", up.transcript());
    let team = shop.join("zones/main/teams/shop.yaml");
    let text = std::fs::read_to_string(&team).unwrap();
    std::fs::write(
        &team,
        text.replacen(
            "            ordered_on: {type: Date}\n",
            "            ordered_on: {type: Date}\n            channel: {type: {VarChar: {maxSize: 20}}}\n",
            1,
        ),
    )
    .unwrap();
    let apply = datasurface(&["apply", ".", "--state", "s"], &shop);
    assert_eq!(apply.code, 0, "{}", apply.transcript());
    for said in [
        "why: the ingestion of datastore `Orders`: column `channel` of dataset `orders` added (affinity: text, nullable: true",
        "why: dataset `Orders.orders` in container `Warehouse`: column `channel` of table `ds_export__Orders__orders` added",
        "the engine adds column `channel` in place (rows already there read null)",
        "worst disruption: none",
    ] {
        assert!(apply.stdout.contains(said), "{said}\n{}", apply.stdout);
    }
    assert!(!apply.stdout.contains("re-create"), "{}", apply.stdout);
}

/// `status --last N` shows each stream's last N batches, newest first; the
/// table shows the latest alone by default.
#[test]
fn status_shows_as_many_batches_as_asked() {
    let dir = scratch("status-last");
    let shop = init_shop(&dir);
    assert_eq!(datasurface(&["up", ".", "--state", "s"], &shop).code, 0);
    for _ in 0..3 {
        let run = datasurface(&["run", ".", "--state", "s", "--all"], &shop);
        assert_eq!(run.code, 0, "{}", run.transcript());
    }
    let batches = |args: &[&str]| -> Vec<String> {
        let status = datasurface(args, &shop);
        assert_eq!(status.code, 0, "{}", status.transcript());
        let mut rows = Vec::new();
        let mut orders = false;
        for line in status.stdout.lines().skip(1) {
            if line.is_empty() {
                break;
            }
            if !line.starts_with(' ') {
                orders = line.starts_with("Orders ");
            }
            if orders {
                rows.push(
                    line.split_whitespace()
                        .find(|w| w.parse::<u32>().is_ok())
                        .unwrap()
                        .to_owned(),
                );
            }
        }
        rows
    };
    assert_eq!(batches(&["status", "--state", "s"]), ["4"]);
    assert_eq!(
        batches(&["status", "--state", "s", "--last", "3"]),
        ["4", "3", "2"]
    );
    let json = datasurface(
        &["status", "--state", "s", "--format", "json", "--last", "2"],
        &shop,
    );
    let state: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    for s in state["streams"].as_array().unwrap() {
        assert!(s["batches"].as_array().unwrap().len() <= 2, "{s}");
    }
    let zero = datasurface(&["status", "--state", "s", "--last", "0"], &shop);
    assert_eq!(zero.code, 2, "{}", zero.transcript());
}

#[test]
fn ctrl_c_in_run_says_what_it_left_and_the_next_run_carries_on() {
    let dir = scratch("interrupted");
    let shop = init_shop(&dir);
    let up = datasurface(&["up", "."], &shop);
    assert_eq!(up.code, 0, "{}", up.transcript());
    let child = Command::new(env!("CARGO_BIN_EXE_datasurface"))
        .args(["run", ".", "--every", "1h"])
        .current_dir(&shop)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Its first run ends within seconds; then it waits an hour.
    std::thread::sleep(Duration::from_secs(3));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: committed batches are kept and the batch in progress is rolled back; the next `run` or `up` carries on from there"),
        "{stderr}"
    );
    let next = datasurface(&["run", "."], &shop);
    assert_eq!(next.code, 0, "{}", next.transcript());
}

#[test]
fn a_model_keeps_its_state_wherever_the_command_runs_from() {
    let dir = scratch("state-follows-model");
    let shop = init_shop(&dir);
    let up = datasurface(&["up", "."], &shop);
    assert_eq!(up.code, 0, "{}", up.transcript());
    assert!(shop.join("datasurface-state/merge.sqlite").is_file());
    // From the parent folder: the same state, carried on (batch 2, not 1).
    let again = datasurface(&["run", "shop", "--all"], &dir);
    assert_eq!(again.code, 0, "{}", again.transcript());
    assert!(
        again.stdout.contains("batch    2 committed")
            && again
                .stdout
                .contains("merge database shop/datasurface-state/merge.sqlite"),
        "{}",
        again.stdout
    );
    assert!(!dir.join("datasurface-state").exists());
    // A state an earlier version kept in the working folder is not passed
    // over: the command stops and says how to carry on from it.
    let other = scratch("state-left-behind");
    let moved = init_shop(&other);
    let old = datasurface(&["up", "shop", "--state", "datasurface-state"], &other);
    assert_eq!(old.code, 0, "{}", old.transcript());
    let refused = datasurface(&["run", "shop"], &other);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(
        refused
            .stderr
            .contains("datasurface-state in the working folder holds a state")
            && refused
                .stderr
                .contains("`mv datasurface-state shop/datasurface-state`"),
        "{}",
        refused.stderr
    );
    assert!(!moved.join("datasurface-state").exists());
    // A link where the state belongs is never followed.
    let linked = scratch("state-linked");
    let shop = init_shop(&linked);
    std::fs::create_dir_all(linked.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(linked.join("elsewhere"), shop.join("datasurface-state")).unwrap();
    let refused = datasurface(&["up", "shop"], &linked);
    assert_eq!(refused.code, 2, "{}", refused.transcript());
    assert!(
        refused.stderr.contains("is a link or a file, not a folder"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_dir(linked.join("elsewhere")).unwrap().count(),
        0
    );
}
