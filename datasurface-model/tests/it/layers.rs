//! The model crate's modules point one way (ARCHITECTURE.md): no module
//! imports, directly or through others, a module that imports it, except
//! the recursive data types (a column's type may be a struct of columns).
//!
//! The check reads the crate's sources: every `crate::…` path outside
//! comments and test code, each resolved to the top-level module it names
//! (names the crate root re-exports resolved to the module they come from).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles that are one recursive data type spread over two files.
const ALLOWED: &[&[&str]] = &[&["schema", "types"]];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The crate's top-level modules, and the module each root re-export comes from.
fn modules_and_reexports() -> (BTreeSet<String>, BTreeMap<String, String>) {
    let lib = strip(&read(&src().join("lib.rs"))).0;
    let mut modules = BTreeSet::new();
    let mut reexports = BTreeMap::new();
    for statement in lib.split(';') {
        let statement = statement.trim();
        let words: Vec<&str> = statement.split_whitespace().collect();
        match words.as_slice() {
            ["pub", "mod", name] | ["mod", name] => {
                modules.insert((*name).to_owned());
            }
            ["pub", "use", ..] => {
                let path = statement
                    .trim_start_matches("pub")
                    .trim()
                    .trim_start_matches("use")
                    .trim();
                if let Some((module, rest)) = path.split_once("::") {
                    for name in rest.trim_matches(|c| c == '{' || c == '}').split(',') {
                        let name = name.trim();
                        let name = name.rsplit("::").next().unwrap_or(name);
                        if !name.is_empty() {
                            reexports.insert(name.to_owned(), module.to_owned());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    (modules, reexports)
}

/// The text without comments and without items marked `#[cfg(test)]`, and
/// the names of modules declared only for tests (`#[cfg(test)] mod x;`).
fn strip(text: &str) -> (String, BTreeSet<String>) {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split_once("//").map_or(l, |(code, _)| code))
        .collect();
    let mut kept = String::new();
    let mut test_modules = BTreeSet::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() == "#[cfg(test)]" {
            // Skip the item the attribute marks: a declaration, or a block.
            i += 1;
            while i < lines.len() && lines[i].trim().starts_with("#[") {
                i += 1;
            }
            let Some(first) = lines.get(i) else { break };
            if first.trim_end().ends_with(';') {
                if let Some(name) = first.trim().trim_end_matches(';').split_whitespace().last() {
                    test_modules.insert(name.to_owned());
                }
                i += 1;
                continue;
            }
            let mut depth = 0_i32;
            let mut opened = false;
            while i < lines.len() {
                for c in lines[i].chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        _ => {}
                    }
                }
                i += 1;
                if opened && depth <= 0 {
                    break;
                }
            }
            continue;
        }
        kept.push_str(lines[i]);
        kept.push('\n');
        i += 1;
    }
    (kept, test_modules)
}

/// The first identifiers of every `crate::` path in the text, expanding
/// `crate::{a::x, B}` groups.
fn crate_paths(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level items of the group, split at depth 0.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(first_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            found.push(first_ident(&item));
        } else {
            found.push(first_ident(rest));
        }
    }
    found.retain(|f| !f.is_empty());
    found
}

fn first_ident(text: &str) -> String {
    text.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// Every `.rs` file of a top-level module, less those only tests declare.
fn files_of(module: &str) -> Vec<PathBuf> {
    let single = src().join(format!("{module}.rs"));
    let mut files = Vec::new();
    if single.is_file() {
        files.push(single);
    }
    let dir = src().join(module);
    if dir.is_dir() {
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
    }
    files.sort();
    files
}

/// Edges `from → to`, each with a file that makes it.
fn edges() -> BTreeMap<(String, String), String> {
    let (modules, reexports) = modules_and_reexports();
    let mut edges = BTreeMap::new();
    for module in &modules {
        let files = files_of(module);
        let mut test_only = BTreeSet::new();
        let stripped: Vec<(PathBuf, String)> = files
            .iter()
            .map(|f| {
                let (text, tests) = strip(&read(f));
                test_only.extend(tests);
                (f.clone(), text)
            })
            .collect();
        for (file, text) in stripped {
            let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
            if test_only.contains(&stem) {
                continue;
            }
            for first in crate_paths(&text) {
                let target = if modules.contains(&first) {
                    Some(first)
                } else {
                    reexports.get(&first).cloned()
                };
                if let Some(target) = target.filter(|t| t != module) {
                    let shown = file.strip_prefix(src()).unwrap().display().to_string();
                    edges.entry((module.clone(), target)).or_insert(shown);
                }
            }
        }
    }
    edges
}

/// Tarjan's walk: each module's visit index and lowest reachable index,
/// the stack of modules being visited, and the components found.
#[derive(Default)]
struct Tarjan {
    next: usize,
    seen: BTreeMap<String, (usize, usize)>,
    stack: Vec<String>,
    on_stack: BTreeSet<String>,
    found: Vec<Vec<String>>,
}

impl Tarjan {
    fn visit(&mut self, v: &str, graph: &BTreeMap<&str, Vec<&str>>) {
        let index = self.next;
        self.next += 1;
        self.seen.insert(v.to_owned(), (index, index));
        self.stack.push(v.to_owned());
        self.on_stack.insert(v.to_owned());
        for &w in graph.get(v).map_or(&[][..], Vec::as_slice) {
            let reach = if !self.seen.contains_key(w) {
                self.visit(w, graph);
                Some(self.seen[w].1)
            } else if self.on_stack.contains(w) {
                Some(self.seen[w].0)
            } else {
                None
            };
            if let Some(reach) = reach {
                let low = &mut self.seen.get_mut(v).unwrap().1;
                *low = (*low).min(reach);
            }
        }
        if self.seen[v].0 == self.seen[v].1 {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack.remove(&w);
                let done = w == v;
                component.push(w);
                if done {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                self.found.push(component);
            }
        }
    }
}

/// The strongly connected components with more than one module.
fn cycles(edges: &BTreeMap<(String, String), String>) -> Vec<Vec<String>> {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        graph.entry(from).or_default().push(to);
        graph.entry(to).or_default();
    }
    let mut walk = Tarjan::default();
    for v in graph.keys() {
        if !walk.seen.contains_key(*v) {
            walk.visit(v, &graph);
        }
    }
    walk.found
}

#[test]
fn the_model_crate_has_no_import_cycles() {
    let edges = edges();
    assert!(
        edges.contains_key(&("validate".to_owned(), "diagnostic".to_owned())),
        "the check sees imports: {edges:?}"
    );
    let unexpected: Vec<Vec<String>> = cycles(&edges)
        .into_iter()
        .filter(|c| {
            !ALLOWED
                .iter()
                .any(|a| a.iter().copied().eq(c.iter().map(String::as_str)))
        })
        .collect();
    let explain = |cycle: &Vec<String>| {
        edges
            .iter()
            .filter(|((from, to), _)| cycle.contains(from) && cycle.contains(to))
            .map(|((from, to), file)| format!("  {from} → {to} (in {file})"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        unexpected.is_empty(),
        "modules import each other in a circle; move what both need into a module below them (ARCHITECTURE.md lists the order):\n{}",
        unexpected
            .iter()
            .map(explain)
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn the_check_finds_a_cycle_when_there_is_one() {
    let mut edges = BTreeMap::new();
    for (from, to) in [
        ("files", "validate"),
        ("validate", "diagnostic"),
        ("validate", "files"),
    ] {
        edges.insert((from.to_owned(), to.to_owned()), "x.rs".to_owned());
    }
    assert_eq!(
        cycles(&edges),
        vec![vec!["files".to_owned(), "validate".to_owned()]]
    );
    let (text, tests) = strip(
        "use crate::a;\n#[cfg(test)]\nmod b;\n#[cfg(test)]\nmod t {\n use crate::c;\n}\n// crate::d\n",
    );
    assert_eq!(crate_paths(&text), ["a"]);
    assert_eq!(tests, BTreeSet::from(["b".to_owned()]));
    assert_eq!(
        crate_paths("use crate::{x::Y, Z, w::{self, V}};"),
        ["x", "Z", "w"]
    );
}
