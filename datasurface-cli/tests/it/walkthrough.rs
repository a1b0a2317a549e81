//! The documentation, run as written: the README's quick start and Mermaid
//! example, and every `console` block of docs/sqlite.md (and of
//! docs/environments.md and docs/contracts.md), whose `$ ` lines are
//! commands and whose other lines are their output (`...` stands for any
//! lines, `[..]` for any text within a line, and a last line `? N` for exit
//! code N; 0 otherwise).

use std::path::{Path, PathBuf};

use crate::{copy_dir, datasurface, repo_root, scratch};

/// Splits a command line as a shell would, for the quoting the docs use:
/// words, `'…'`, `"…"`, and the words of a string glued together.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => {
                if let Some(w) = word.take() {
                    words.push(w);
                }
            }
            '\'' | '"' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == c {
                        break;
                    }
                    w.push(q);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// One command of a `console` block and what it must print.
struct Step {
    line: String,
    expected: String,
    exit: i32,
}

/// The commands of every fenced block of `lang` in a Markdown text.
fn blocks(markdown: &str, lang: &str) -> Vec<Vec<Step>> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines();
    let fence = format!("```{lang}");
    while let Some(line) = lines.next() {
        if line != fence {
            continue;
        }
        let mut steps: Vec<Step> = Vec::new();
        for line in lines.by_ref() {
            if line == "```" {
                break;
            }
            if let Some(command) = line.strip_prefix("$ ") {
                steps.push(Step {
                    line: command.to_owned(),
                    expected: String::new(),
                    exit: 0,
                });
            } else if let Some(step) = steps.last_mut() {
                if let Some(code) = line.strip_prefix("? ") {
                    step.exit = code.parse().expect("`? N` is an exit code");
                } else {
                    step.expected.push_str(line);
                    step.expected.push('\n');
                }
            }
        }
        blocks.push(steps);
    }
    blocks
}

/// A real number as `sqlite3` prints it: a whole one keeps its `.0`.
fn real(v: f64) -> String {
    let text = v.to_string();
    if text.contains(['.', 'e', 'i', 'N']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// Rows of a query, as `sqlite3` prints them: columns joined by `|`.
fn sqlite3(file: &Path, sql: &str) -> String {
    let conn = rusqlite::Connection::open(file).expect("the database opens");
    let mut stmt = conn.prepare(sql).expect("the query prepares");
    let n = stmt.column_count();
    let rows: Vec<String> = stmt
        .query_map([], |r| {
            Ok((0..n)
                .map(|i| match r.get_ref(i).expect("a column") {
                    rusqlite::types::ValueRef::Null => String::new(),
                    rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                    rusqlite::types::ValueRef::Real(v) => real(v),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(b) => format!("{} bytes", b.len()),
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .expect("the query runs")
        .map(|r| r.expect("a row"))
        .collect();
    rows.iter().flat_map(|r| [r.as_str(), "\n"]).collect()
}

/// Runs one command line of the docs in `cwd`: `datasurface …` (or `cargo
/// run -p datasurface-cli -- …`), `cd`, `echo … >> FILE` and `sqlite3 FILE
/// SQL`. Returns what it printed and its exit code.
fn run(line: &str, cwd: &mut PathBuf) -> (String, i32) {
    let words = words(line);
    let args: Vec<&str> = words.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["datasurface", rest @ ..] | ["cargo", "run", "-p", "datasurface-cli", "--", rest @ ..] => {
            let run = datasurface(rest, cwd);
            (format!("{}{}", run.stdout, run.stderr), run.code)
        }
        ["cd", dir] => {
            *cwd = cwd.join(dir);
            (String::new(), 0)
        }
        ["echo", text, op @ (">>" | ">"), file] => {
            let path = cwd.join(file);
            let mut content = if *op == ">>" {
                std::fs::read_to_string(&path).unwrap_or_default()
            } else {
                String::new()
            };
            content.push_str(text);
            content.push('\n');
            std::fs::write(path, content).expect("the file is written");
            (String::new(), 0)
        }
        ["sqlite3", file, sql] => (sqlite3(&cwd.join(file), sql), 0),
        _ => panic!("the walkthrough cannot run `{line}`"),
    }
}

fn check(steps: &[Step], cwd: &mut PathBuf) {
    for step in steps {
        let (printed, code) = run(&step.line, cwd);
        assert_eq!(code, step.exit, "`{}` exited {code}:\n{printed}", step.line);
        if step.expected.is_empty() {
            assert_eq!(printed, "", "`{}` printed", step.line);
        } else {
            snapbox::assert_data_eq!(printed, step.expected.clone());
        }
    }
}

/// docs/environments.md's change from dev to prod, on a copy of Northwind.
#[test]
fn docs_environments_md_runs_as_written() {
    let doc = std::fs::read_to_string(repo_root().join("docs/environments.md")).unwrap();
    // From the repository's root, as the page says: a copy of the example
    // where the checkout has it.
    let dir = scratch("walkthrough-environments");
    let northwind = dir.join("examples/models/northwind");
    std::fs::create_dir_all(&northwind).unwrap();
    copy_dir(&repo_root().join("examples/models/northwind"), &northwind);
    assert!(doc.contains("run from the repository's root"));
    let mut cwd = dir.clone();
    let blocks = blocks(&doc, "console");
    assert_eq!(blocks.len(), 2);
    for steps in &blocks {
        check(steps, &mut cwd);
    }
    // The example's environments are the ones the page shows.
    let model =
        std::fs::read_to_string(repo_root().join("examples/models/northwind/ecosystem.yaml"))
            .unwrap();
    assert!(model.contains("  prod:\n    release: {tagPattern: \"v*\"}"));
}

/// docs/contracts.md's export and import, on copies of Northwind and the example contracts.
#[test]
fn docs_contracts_md_runs_as_written() {
    let doc = std::fs::read_to_string(repo_root().join("docs/contracts.md")).unwrap();
    // From the repository's root, as the page says: copies of the examples
    // where the checkout has them.
    let dir = scratch("walkthrough-contracts");
    for example in ["examples/models/northwind", "examples/contracts"] {
        std::fs::create_dir_all(dir.join(example)).unwrap();
        copy_dir(&repo_root().join(example), &dir.join(example));
    }
    assert!(doc.contains("run from the repository's root"));
    let mut cwd = dir.clone();
    let blocks = blocks(&doc, "console");
    assert_eq!(blocks.len(), 3);
    for steps in &blocks {
        check(steps, &mut cwd);
    }
    assert_eq!(std::fs::read_dir(dir.join("exported")).unwrap().count(), 2);
}

#[test]
fn docs_sqlite_md_runs_as_written() {
    let doc = std::fs::read_to_string(repo_root().join("docs/sqlite.md")).unwrap();
    // The model it shows is the model `init` writes.
    for (path, text) in [
        ("ecosystem.yaml", "yaml"),
        ("zones/main/zone.yaml", "yaml"),
        ("zones/main/teams/shop.yaml", "yaml"),
        ("data/orders.csv", "text"),
    ] {
        let file = std::fs::read_to_string(
            repo_root()
                .join("datasurface-cli/templates/init")
                .join(path),
        )
        .unwrap();
        assert!(
            doc.contains(&format!("```{text}\n{file}```")),
            "docs/sqlite.md shows {path} as `datasurface init` writes it"
        );
    }
    let mut cwd = scratch("walkthrough-sqlite");
    let blocks = blocks(&doc, "console");
    assert!(blocks.len() >= 5, "the walkthrough has its steps");
    for steps in &blocks {
        check(steps, &mut cwd);
    }
}

#[test]
fn readme_quick_start_runs_as_written() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = &readme[readme.find("## Quick start").unwrap()..];
    // The quick start's block: two commands, the main job and the tests.
    let commands: Vec<&str> = start
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .collect();
    assert_eq!(
        commands,
        [
            "cargo run -p datasurface-cli -- up examples/models/northwind",
            "cargo test --workspace --locked"
        ]
    );
    // The first, from a checkout (its examples), ends as the README says.
    let dir = scratch("walkthrough-readme");
    let northwind = dir.join("examples/models/northwind");
    std::fs::create_dir_all(&northwind).unwrap();
    copy_dir(&repo_root().join("examples/models/northwind"), &northwind);
    let mut cwd = dir.clone();
    let (printed, code) = run(commands[0], &mut cwd);
    assert_eq!(code, 0, "{printed}");
    let shown = start
        .split("The first ends with:\n\n```text\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    snapbox::assert_data_eq!(printed, format!("...\n{shown}"));
    // Its Mermaid example is what `graph` prints.
    let mermaid_command = "datasurface graph examples/models/northwind --platform \"Azure Platform\" --format mermaid";
    assert!(readme.contains(&format!("`{mermaid_command}`")));
    let (printed, code) = run(mermaid_command, &mut repo_root());
    assert_eq!(code, 0, "{printed}");
    let block = readme
        .split("```mermaid\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    assert_eq!(printed, block, "README's Mermaid diagram is current");
}

#[test]
fn the_walkthrough_reads_shell_words_as_a_shell_does() {
    assert_eq!(
        words(r#"sqlite3 a.db "SELECT 'x'" 'b c'd"#),
        ["sqlite3", "a.db", "SELECT 'x'", "b cd"]
    );
}

/// The README's rendering and plan, run as written: the render line, the
/// edit its comment names, then the plan, each printing what the README shows.
#[test]
fn readme_render_and_plan_run_as_written() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let section = &readme[readme.find("## Rendering and planning").unwrap()..];
    let block = section
        .split("```text\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    // Commands and what each prints, in order.
    let mut steps: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push((command.to_owned(), String::new()));
        } else {
            let (_, printed) = steps.last_mut().expect("output follows a command");
            printed.push_str(line);
            printed.push('\n');
        }
    }
    assert_eq!(steps.len(), 3, "render, the edit, plan");
    let dir = scratch("walkthrough-readme-plan");
    let northwind = dir.join("examples/models/northwind");
    std::fs::create_dir_all(&northwind).unwrap();
    copy_dir(&repo_root().join("examples/models/northwind"), &northwind);
    let mut cwd = dir.clone();
    for (command, expected) in &steps {
        if command.starts_with('#') {
            assert!(
                command.contains("add a nullable column `reorder_level` to `NW_Data.products`"),
                "{command}"
            );
            let team = northwind.join("zones/usa/teams/northwindteam.yaml");
            let text = std::fs::read_to_string(&team).unwrap();
            let line = "            units_in_stock: {type: SmallInt, classifications: [PUB]}\n";
            assert!(text.contains(line));
            let edited = text.replacen(
                line,
                &format!(
                    "{line}            reorder_level: {{type: SmallInt, classifications: [PUB]}}\n"
                ),
                1,
            );
            std::fs::write(&team, edited).unwrap();
            continue;
        }
        let (printed, code) = run(command, &mut cwd);
        assert_eq!(code, 0, "`{command}`:\n{printed}");
        assert_eq!(&printed, expected, "README shows what `{command}` prints");
    }
}

/// Every `console` block of the README and docs/ is run as written, by the
/// test or CI step named here: a new block fails this test until something
/// runs it (a block of commands to adapt is `sh`, not `console`).
#[test]
fn every_console_block_is_run() {
    let runs: &[(&str, usize, &str)] = &[
        (
            "docs/sqlite.md",
            5,
            "walkthrough::docs_sqlite_md_runs_as_written",
        ),
        (
            "docs/gitops.md",
            2,
            "gitops::advance_moves_each_platform_by_its_cadence; .ci/run runs examples/gitops/run.sh",
        ),
        (
            "docs/serve.md",
            1,
            "serve::docs_serve_md_shows_what_serve_prints",
        ),
        (
            "docs/environments.md",
            2,
            "walkthrough::docs_environments_md_runs_as_written",
        ),
        (
            "docs/contracts.md",
            3,
            "walkthrough::docs_contracts_md_runs_as_written",
        ),
    ];
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    assert!(
        ci.contains("examples/gitops/run.sh"),
        "CI runs the GitOps walkthrough"
    );
    let mut files = vec![repo_root().join("README.md")];
    for entry in std::fs::read_dir(repo_root().join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path
            .strip_prefix(repo_root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let found = text.matches("```console\n").count();
        let claimed = runs.iter().find(|(f, _, _)| *f == name).map_or(0, |r| r.1);
        assert_eq!(
            found, claimed,
            "{name} has {found} console blocks, and {claimed} are run by a test"
        );
    }
}
