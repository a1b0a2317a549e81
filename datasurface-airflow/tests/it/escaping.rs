//! Every escaping function, held to its language's own reader: Python
//! evaluates each string literal to the original text, Jinja (as Airflow
//! runs it) renders each inert text to the original, the shell splits each
//! word back, and PostgreSQL reads each literal and identifier back. The
//! texts are arbitrary: quotes, backslashes, newlines, `{{ }}`, `{% %}`,
//! `{# #}`, NUL, look-alikes, and one of 10,000 characters.

use std::io::Write as _;
use std::process::{Command, Stdio};

use datasurface_airflow::escape::{jinja, python, shell, sql};
use datasurface_airflow::names::quoted;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

use super::external::{absent, airflow_python, psql, query};

/// Arbitrary texts, weighted towards what breaks quoting.
fn texts(count: usize) -> Vec<String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        Just("{{ 7 * 7 }}".to_owned()),
        Just("{% raw %}".to_owned()),
        Just("{% endraw %}".to_owned()),
        Just("{#".to_owned()),
        Just("#}".to_owned()),
        Just("}}".to_owned()),
        Just("\"".to_owned()),
        Just("'".to_owned()),
        Just("\\".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just("\0".to_owned()),
        Just("\u{2028}".to_owned()),
        Just("｛｛".to_owned()),
        Just("$(touch /tmp/pwned)".to_owned()),
        Just(".sh".to_owned()),
    ];
    let strategy = proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat());
    let mut runner = TestRunner::deterministic();
    let mut out: Vec<String> = (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("a text").current())
        .collect();
    out.push("x{{".repeat(3_334));
    out
}

/// Reads a Python source of one literal per line, evaluates each (as the
/// DAG file's parser does), renders each value as a Jinja template in
/// Airflow's sandboxed environment, and splits the shell words: one JSON
/// list per reader.
const READERS: &str = r#"
import ast, json, shlex, sys
from jinja2.sandbox import SandboxedEnvironment
lines = sys.stdin.read().split("\n")
n = len(lines) // 3
py = [ast.literal_eval(l) for l in lines[:n]]
env = SandboxedEnvironment()
jinja = [env.from_string(ast.literal_eval(l)).render() for l in lines[n:2 * n]]
words = [shlex.split(ast.literal_eval(l)) for l in lines[2 * n:3 * n]]
print(json.dumps([py, jinja, ["\u0001".join(w) for w in words]]))
"#;

#[test]
fn python_jinja_and_shell_read_back_every_text() {
    let Some(python) = airflow_python() else {
        return absent("Apache Airflow's Python (for Jinja)", "run .ci/external");
    };
    let texts = texts(400);
    let mut input = String::new();
    for t in &texts {
        input.push_str(&python::str_literal(t));
        input.push('\n');
    }
    for t in &texts {
        input.push_str(&python::str_literal(&jinja::inert(t)));
        input.push('\n');
    }
    // A shell argument cannot hold NUL; every other text must split back to itself.
    let shell_texts: Vec<String> = texts.iter().map(|t| t.replace('\0', "")).collect();
    for t in &shell_texts {
        input.push_str(&python::str_literal(&shell::word(t)));
        input.push('\n');
    }
    input.pop();
    let raw = {
        let mut child = Command::new(&python)
            .args(["-c", READERS])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(
        raw.status.success(),
        "{}",
        String::from_utf8_lossy(&raw.stderr)
    );
    let [py, jinja, words]: [Vec<String>; 3] = serde_json::from_slice(&raw.stdout).unwrap();
    same(&py, &texts, "Python evaluates each literal to its text");
    same(&jinja, &texts, "Jinja renders each inert text to its text");
    same(
        &words,
        &shell_texts,
        "the shell splits each word back to its text",
    );
}

#[test]
fn sql_literals_and_identifiers_read_back_on_postgresql() {
    if !psql("postgres", &["-c", "SELECT 1"]).is_ok_and(|o| o.status.success()) {
        return absent("PostgreSQL", "start it with .ci/external");
    }
    // PostgreSQL text holds no NUL; identifiers are at most 63 bytes.
    for t in texts(150).iter().map(|t| t.replace('\0', "")) {
        let back = query(
            "postgres",
            &format!(
                "SELECT encode(convert_to({}, 'UTF8'), 'hex')",
                sql::literal(&t)
            ),
        );
        assert_eq!(back, hex(&t), "{t:?}");
        if t.is_empty() || t.len() > 63 {
            continue;
        }
        let column = query(
            "postgres",
            &format!(
                "CREATE TEMP TABLE t ({} integer); \
                 SELECT encode(convert_to(attname::text, 'UTF8'), 'hex') FROM pg_attribute \
                 WHERE attrelid = 't'::regclass AND attnum > 0",
                quoted(&t)
            ),
        );
        assert_eq!(column, hex(&t), "{t:?}");
    }
}

/// Compares what a reader gave back with the texts, naming the first that differs.
fn same(back: &[String], texts: &[String], what: &str) {
    assert_eq!(back.len(), texts.len(), "{what}: counts differ");
    if let Some((n, (b, t))) = back
        .iter()
        .zip(texts)
        .enumerate()
        .find(|(_, (b, t))| b != t)
    {
        let show = |s: &str| format!("{:?}", s.chars().take(200).collect::<String>());
        panic!(
            "{what}: text {n} came back as {} instead of {}",
            show(b),
            show(t)
        );
    }
}

fn hex(text: &str) -> String {
    use std::fmt::Write as _;
    text.bytes().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Renders each DAG's task fields the way Airflow does before running it,
/// and prints what the job would receive: its command words and environment.
const RENDER_TASKS: &str = r#"
import json, shlex, sys
from airflow.models.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1], include_examples=False)
assert not bag.import_errors, bag.import_errors
class Run:
    run_type = "manual"
out = {}
for dag_id, dag in sorted(bag.dags.items()):
    env = dag.get_template_env()
    for task in dag.tasks:
        def render(value):
            return task.render_template(value, {"dag_run": Run()}, env)
        if hasattr(task, "bash_command"):
            words = shlex.split(render(task.bash_command))
            variables = render(task.env)
        else:
            words = task.cmds + render(task.arguments)
            variables = {v.name: v.value for v in render(task.env_vars) if v.value is not None}
        out[dag_id + "." + task.task_id] = {"words": words, "env": variables}
print(json.dumps(out))
"#;

#[test]
fn team_text_in_rendered_dags_never_runs_as_a_template_or_a_command() {
    let Some(python) = airflow_python() else {
        return absent("Apache Airflow 3", "run .ci/external");
    };
    let evil = "Evil {{ 7 * 7 }} $(touch pwned) `id` '\" {% if true %}x{% endif %}";
    let database = "db{{ 6 * 7 }}.sh";
    for executor in ["local", "kubernetes"] {
        let mut files = super::northwind();
        files[0].text = files[0].text.replace("Azure Platform", evil).replace(
            "    documentation:\n      description: Batch pipelines",
            &format!(
                "    parameters: {{executor: {executor}, mergeDatabase: \"{}\"}}\n    documentation:\n      description: Batch pipelines",
                database.replace('"', "\\\"")
            ),
        );
        let rendering = super::render(&files, evil);
        let dir = std::env::temp_dir().join(format!(
            "datasurface-inert-{executor}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (key, artifact) in &rendering.artifacts {
            if let Some(rest) = key.as_str().strip_prefix("dags/") {
                let path = dir.join(rest);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, &artifact.content).unwrap();
            }
        }
        let out = Command::new(&python)
            .args(["-c", RENDER_TASKS])
            .arg(&dir)
            .env("AIRFLOW_HOME", dir.join("airflow-home"))
            .env("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let tasks: serde_json::Value =
            serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
        // Two ingestions, and the hooked transformer's decision and run.
        assert_eq!(tasks.as_object().unwrap().len(), 4, "{executor}: {stdout}");
        for (dag, task) in tasks.as_object().unwrap() {
            let words: Vec<&str> = task["words"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap())
                .collect();
            let at = words.iter().position(|w| *w == "--platform").unwrap();
            assert_eq!(words[at + 1], evil, "{executor} {dag}: {words:?}");
            // The decision task's one template is the run's type, ours.
            if dag.ends_with(".decide") {
                assert_eq!(
                    words[words.len() - 2..],
                    ["--run-type", "manual"],
                    "{executor} {dag}: {words:?}"
                );
            }
            assert_eq!(
                task["env"]["DATASURFACE_PLATFORM"], evil,
                "{executor} {dag}"
            );
            assert_eq!(
                task["env"]["DATASURFACE_MERGE_DATABASE"], database,
                "{executor} {dag}"
            );
        }
        assert!(!dir.join("pwned").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
