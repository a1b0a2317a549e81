//! Printing findings: for people (rustc-style, with the source line), as
//! JSON, as SARIF 2.1.0 for code scanning, and as GitHub workflow annotations.

use datasurface_stdx::text::for_terminal;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use datasurface_files::SourceFile;
use datasurface_platform::PlatformRegistry;
use datasurface_rules::validate::{Report, Severity};

use crate::app::{Paint, paint_if};
use serde_json::{Value, json};

pub(crate) use datasurface_gate::Finding;

/// Writes findings in a format: for people on `err`, with their source lines;
/// JSON, SARIF or GitHub annotations on `out`.
pub(crate) fn write(
    app: &crate::app::App<'_>,
    findings: &[Finding],
    sources: &[SourceFile],
    format: crate::args::CheckFormat,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    use crate::args::CheckFormat;
    // For people, in the order of the files: by file, line and column
    // (findings without a place last, in the report's order). The machine
    // formats keep the report's order, which embedding programs share.
    let in_file_order;
    let findings = if matches!(format, CheckFormat::Human | CheckFormat::Short) {
        let mut sorted = findings.to_vec();
        sorted.sort_by(|a, b| place(a).cmp(&place(b)));
        in_file_order = sorted;
        in_file_order.as_slice()
    } else {
        findings
    };
    match format {
        CheckFormat::Human => err.write_all(human(findings, sources, app.color).as_bytes()),
        CheckFormat::Json => out.write_all(json(findings).as_bytes()),
        CheckFormat::Sarif => out.write_all(sarif(findings, app.registry).as_bytes()),
        CheckFormat::Github => out.write_all(github(findings).as_bytes()),
        CheckFormat::Short => out.write_all(short(findings).as_bytes()),
    }
}

/// Where a finding is, for ordering: by file, line and column, findings
/// without a file last.
fn place(f: &Finding) -> (bool, Option<&str>, Option<usize>, Option<usize>) {
    (f.file.is_none(), f.file.as_deref(), f.line, f.column)
}

/// The findings of a report, as [`Finding`]s.
pub(crate) fn of(report: &Report) -> Vec<Finding> {
    report.diagnostics().iter().map(Finding::from).collect()
}

/// rustc-style text: the message, the place, the source line with a caret, the path and the help.
pub(crate) fn human(findings: &[Finding], sources: &[SourceFile], color: bool) -> String {
    let mut out = String::new();
    // Each file's lines, split once when a finding first points into it.
    let mut lines: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in findings {
        let paint = match f.severity {
            Severity::Error => Paint::Error,
            Severity::Warning => Paint::Warning,
            Severity::Info => Paint::Note,
        };
        let label = paint_if(color, paint, &format!("{}[{}]", f.severity, f.code));
        // Model values inside messages, paths and source lines reach the
        // terminal escaped (datasurface_stdx::text).
        let _ = writeln!(out, "{label}: {}", for_terminal(&f.message));
        let source_line = f.file.as_ref().zip(f.line).and_then(|(file, line)| {
            let all = lines.entry(file.as_str()).or_insert_with(|| {
                sources
                    .iter()
                    .find(|s| &s.path == file)
                    .map(|s| s.text.lines().collect())
                    .unwrap_or_default()
            });
            all.get(line.checked_sub(1)?).map(|l| (*l).to_owned())
        });
        let gutter = f.line.map_or(1, |l| l.to_string().len());
        let pad = " ".repeat(gutter);
        if let Some(file) = &f.file {
            match (f.line, f.column) {
                (Some(line), Some(column)) => {
                    let _ = writeln!(out, "{pad}--> {}:{line}:{column}", for_terminal(file));
                }
                _ => {
                    let _ = writeln!(out, "{pad}--> {}", for_terminal(file));
                }
            }
        }
        if let (Some(text), Some(line)) = (source_line, f.line) {
            let column = f.column.unwrap_or(1);
            let caret_at: String = text
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let text = for_terminal(&text);
            let _ = writeln!(out, "{pad} |\n{line} | {text}\n{pad} | {caret_at}^");
        }
        if let Some(path) = &f.path {
            let _ = writeln!(out, "{pad} = at: {}", for_terminal(path));
        }
        if let Some(help) = &f.help {
            let _ = writeln!(out, "{pad} = help: {}", for_terminal(help));
        }
        out.push('\n');
    }
    out
}

/// Each finding in its short form, a line each (with its path and help on
/// the lines below), model text escaped for the terminal.
pub(crate) fn short(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(out, "{}", for_terminal(&f.to_string()));
    }
    out
}

/// A stable JSON array of `{code, severity, path, message, help, file, line, column}`.
pub(crate) fn json(findings: &[Finding]) -> String {
    datasurface_gate::to_json(findings)
}

/// A SARIF 2.1.0 log, for code-scanning tools that annotate pull requests.
pub(crate) fn sarif(findings: &[Finding], registry: &PlatformRegistry) -> String {
    let rules: Vec<Value> = datasurface_gate::codes::all(registry)
        .iter()
        .map(|c| {
            json!({"id": c.code, "shortDescription": {"text": c.summary}, "fullDescription": {"text": c.explanation}})
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            let text = match &f.help {
                Some(help) => format!("{} ({help})", f.message),
                None => f.message.clone(),
            };
            let mut result = json!({"ruleId": f.code, "level": level, "message": {"text": text}});
            if let Some(file) = &f.file {
                let mut region = serde_json::Map::new();
                if let Some(line) = f.line {
                    region.insert("startLine".to_owned(), json!(line));
                }
                if let Some(column) = f.column {
                    region.insert("startColumn".to_owned(), json!(column));
                }
                let mut physical = json!({"artifactLocation": {"uri": file.replace('\\', "/")}});
                if !region.is_empty() {
                    physical["region"] = Value::Object(region);
                }
                result["locations"] = json!([{"physicalLocation": physical}]);
            }
            if let Some(path) = &f.path {
                result["properties"] = json!({"modelPath": path});
            }
            result
        })
        .collect();
    let log = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {
                "name": "datasurface",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/datasurface/datasurface-rs/blob/main/docs/diagnostics.md",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    format!("{log:#}\n")
}

/// GitHub Actions workflow commands, one annotation per finding.
pub(crate) fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut properties = Vec::new();
        if let Some(file) = &f.file {
            properties.push(format!("file={}", escape_property(file)));
        }
        if let Some(line) = f.line {
            properties.push(format!("line={line}"));
        }
        if let Some(column) = f.column {
            properties.push(format!("col={column}"));
        }
        properties.push(format!("title={}", escape_property(&f.code)));
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        let _ = writeln!(
            out,
            "::{command} {}::{}",
            properties.join(","),
            escape_data(&message)
        );
    }
    out
}

fn escape_data(text: &str) -> String {
    for_terminal(text)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escapes() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
